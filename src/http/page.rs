//! kokorod's own web page: `GET /` and its few assets under `/page/`, embedded in the
//! binary (the machine serving it may have no internet, so nothing comes from a CDN).
//!
//! The page holds no secret, so it is served without the API key; its API calls carry
//! the key the user types. It is revalidated on every load (`no-cache` with an `ETag`),
//! so a new kokorod's page shows at once, and sends a strict Content-Security-Policy:
//! it runs only its own script and talks only to its own origin.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// One embedded file.
struct Asset {
    /// Its name under `/page/` (`index.html` is served at `/`).
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("page/index.html"),
    },
    Asset {
        name: "page.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("page/page.css"),
    },
    Asset {
        name: "page.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("page/page.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("page/icon.svg"),
    },
];

/// What the page may load and contact: only its own origin (audio is played through
/// Web Audio, downloads are `blob:` URLs).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; media-src 'self' blob:; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// `GET /`.
pub(super) async fn index(headers: HeaderMap) -> Response {
    serve(0, &headers)
}

/// `GET /page/{name}`.
pub(super) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => serve(i, &headers),
        None => {
            let shown: String = name.chars().take(64).collect();
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such page asset: {shown:?}"),
            )
            .into_response()
        }
    }
}

/// The asset's answer, or 304 when the browser's copy is current.
fn serve(i: usize, headers: &HeaderMap) -> Response {
    let asset = &ASSETS[i];
    let etag = &etags()[i];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::ETAG, HeaderValue::from_str(etag).expect("hex")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, asset.content_type)],
        asset.body,
    )
        .into_response()
}

/// Each asset's strong `ETag`: a hash of its content, computed once.
fn etags() -> &'static [String] {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{:016x}\"", fnv1a(a.body)))
            .collect()
    })
}

/// FNV-1a, 64 bits: stable across builds and Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body(resp: Response) -> Vec<u8> {
        to_bytes(resp.into_body(), 1 << 20).await.unwrap().to_vec()
    }

    fn header(resp: &Response, name: header::HeaderName) -> &str {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn assets_with_their_types_and_cache_headers() {
        let page = index(HeaderMap::new()).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            header(&page, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&page, header::CACHE_CONTROL), "no-cache");
        assert!(header(&page, header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"));
        let html = String::from_utf8(body(page).await).unwrap();
        // Every asset the page names exists, and it names nothing from elsewhere.
        for name in ["page.css", "page.js", "icon.svg"] {
            assert!(html.contains(&format!("/page/{name}")), "{name}");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
        for (name, ty) in [
            ("page.css", "text/css; charset=utf-8"),
            ("page.js", "text/javascript; charset=utf-8"),
            ("icon.svg", "image/svg+xml"),
            ("index.html", "text/html; charset=utf-8"),
        ] {
            let resp = asset(Path(name.into()), HeaderMap::new()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{name}");
            assert_eq!(header(&resp, header::CONTENT_TYPE), ty, "{name}");
            assert_eq!(header(&resp, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert!(header(&resp, header::ETAG).starts_with('"'), "{name}");
            assert!(!body(resp).await.is_empty(), "{name}");
        }
    }

    #[tokio::test]
    async fn a_current_copy_is_not_sent_again() {
        let first = asset(Path("page.js".into()), HeaderMap::new()).await;
        let tag = header(&first, header::ETAG).to_owned();
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, tag.parse().unwrap());
        let again = asset(Path("page.js".into()), h).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&again, header::ETAG), tag);
        assert!(body(again).await.is_empty());
        let mut stale = HeaderMap::new();
        stale.insert(header::IF_NONE_MATCH, "\"0\"".parse().unwrap());
        let resp = asset(Path("page.js".into()), stale).await;
        assert_eq!(resp.status(), StatusCode::OK);
        // Different files, different tags.
        let css = asset(Path("page.css".into()), HeaderMap::new()).await;
        assert_ne!(header(&css, header::ETAG), tag);
    }

    #[tokio::test]
    async fn unknown_assets_are_404() {
        for name in ["nope.js", "", "../mod.rs", "INDEX.HTML", "page.js/"] {
            let resp = asset(Path(name.into()), HeaderMap::new()).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{name:?}");
            assert!(header(&resp, header::CONTENT_TYPE).starts_with("application/json"));
        }
    }
}
