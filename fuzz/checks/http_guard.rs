//! The HTTP request checks (`Host`, `Origin`, `Content-Type`) never panic on any
//! header bytes, and a refusal's message stays short whatever was sent.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use kokorod::http::guard::Guard;

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let mut parts = input.split(|&b| b == 0);
    let (Some(host), Some(origin), Some(ct)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (name, value) in [("host", host), ("origin", origin), ("content-type", ct)] {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    let allowed = vec!["http://webui.example".to_owned()];
    for guard in [
        Guard::new(&allowed, true, &["kokorod.lan".into()]),
        Guard::new(&[], false, &[]),
    ] {
        for method in [Method::POST, Method::GET] {
            for path in ["/v1/audio/speech", "/health"] {
                if let Err(refusal) = guard.check(&method, path, &headers) {
                    assert!(refusal.to_string().len() < 1024);
                }
            }
        }
    }
}
