//! What a web page must not be able to do through the user's browser.
//!
//! Any page the user opens can send requests to a port on their machine. Without a CORS
//! preflight (a "simple" request: `text/plain` body, no custom header) the request
//! reaches us even though the page may not read the answer, and a DNS-rebinding page
//! can even read it: its own name resolves to 127.0.0.1 and the browser sends that
//! name as `Host`. So, before any handler runs:
//!
//! - a request whose `Host` is not a loopback name or address, while we listen on
//!   loopback, is refused (421), unless the name was allowed (`--http-allow-host`);
//! - a request with an `Origin` that CORS does not allow is refused (403); `/health`
//!   and `/metrics` (read-only, open for monitoring) excepted, and so is kokorod's own
//!   page (an `Origin` naming the `Host` the request went to, when that name cannot
//!   be rebound: a loopback name, an IP address or an `--http-allow-host` name; a page
//!   on any other name could be a rebinding page that shares its origin);
//! - a `POST` whose body is not declared `application/json` is refused (415), so a
//!   simple cross-site form or `fetch` never reaches the JSON parser.

use std::net::IpAddr;

use axum::http::{header, HeaderMap, Method, StatusCode};

use super::error::ApiError;

/// The checks' settings.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Allowed origins, lowercase; `None` allows any (`*`).
    origins: Option<Vec<String>>,
    /// Check `Host`: the listener is bound to a loopback address.
    loopback: bool,
    /// Names allowed in `Host` besides loopback ones, lowercase.
    hosts: Vec<String>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// `Host` names something other than this loopback listener.
    #[error("the Host header {0:?} is not a name of this loopback server; add it with --http-allow-host if it is")]
    Host(String),
    /// A browser page on an origin CORS does not allow.
    #[error("requests from the web origin {0:?} are not allowed; add it with --cors-origin if it should be (kokorod's own page opened by a host name needs --http-allow-host NAME)")]
    Origin(String),
    /// A `POST` body not declared as JSON.
    #[error(
        "the request body must be JSON, sent with `Content-Type: application/json` (got {0:?})"
    )]
    ContentType(String),
}

impl Refusal {
    /// The answer: 421, 403 or 415, closing the connection (the body is left unread).
    pub fn into_api_error(self) -> ApiError {
        let (status, code) = match self {
            Refusal::Host(_) => (StatusCode::MISDIRECTED_REQUEST, "host_not_allowed"),
            Refusal::Origin(_) => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            Refusal::ContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
        };
        ApiError::new(status, code, self.to_string()).closing()
    }
}

impl Guard {
    /// The CORS origins (`*` for any), whether the listener is on loopback, and the
    /// extra `Host` names allowed there.
    pub fn new(cors_origins: &[String], loopback: bool, allowed_hosts: &[String]) -> Self {
        let origins = if cors_origins.iter().any(|o| o == "*") {
            None
        } else {
            Some(
                cors_origins
                    .iter()
                    .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                    .collect(),
            )
        };
        let hosts = allowed_hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        Guard {
            origins,
            loopback,
            hosts,
        }
    }

    /// Checks a request's head.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
        if self.loopback {
            if let Some(host) = headers.get(header::HOST) {
                let host = String::from_utf8_lossy(host.as_bytes());
                if !self.host_allowed(&host) {
                    return Err(Refusal::Host(shown(&host)));
                }
            }
        }
        let monitoring =
            matches!(*method, Method::GET | Method::HEAD) && matches!(path, "/health" | "/metrics");
        if let (Some(origin), Some(allowed), false) =
            (headers.get(header::ORIGIN), &self.origins, monitoring)
        {
            let origin = String::from_utf8_lossy(origin.as_bytes());
            let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
            if !allowed.contains(&o) && !self.own_page(&o, headers) {
                return Err(Refusal::Origin(shown(&origin)));
            }
        }
        if *method == Method::POST {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let media = ct.split(';').next().unwrap_or_default().trim();
            if !media.eq_ignore_ascii_case("application/json") {
                return Err(Refusal::ContentType(shown(&ct)));
            }
        }
        Ok(())
    }

    /// `localhost` (and `*.localhost`), a loopback address, or an allowed name; any port.
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = host_name(&host);
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        if name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
            return true;
        }
        self.hosts.iter().any(|h| h == name)
    }

    /// The page kokorod serves calling its own API: `origin` (lowercase, no trailing
    /// slash) is `http://` + the request's `Host`, and that name is one no other site
    /// can take over by DNS rebinding.
    fn own_page(&self, origin: &str, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let host = host.trim().to_ascii_lowercase();
        if origin.strip_prefix("http://") != Some(host.as_str()) {
            return false;
        }
        let name = host_name(&host);
        name.parse::<IpAddr>().is_ok() || self.host_allowed(&host)
    }
}

/// The name or address in a lowercase `Host` value, without port or brackets.
fn host_name(host: &str) -> &str {
    let name = match host.strip_prefix('[') {
        // `[::1]:8880`
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    name.trim_end_matches('.')
}

/// A header value as shown in a message: escaped, at most 64 characters.
fn shown(value: &str) -> String {
    value
        .chars()
        .take(64)
        .flat_map(char::escape_debug)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }
    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn loopback_hosts() {
        let g = Guard::new(&[], true, &["kokorod.lan".into()]);
        for host in [
            "127.0.0.1:8880",
            "localhost",
            "LOCALHOST:1",
            "[::1]:8880",
            "127.1.2.3",
            "a.localhost:80",
            "kokorod.lan:8880",
            "localhost.",
        ] {
            assert_eq!(
                g.check(
                    &Method::POST,
                    "/v1/audio/speech",
                    &headers(&[("host", host), JSON])
                ),
                Ok(()),
                "{host}"
            );
        }
        for host in [
            "evil.example:8880",
            "0.0.0.0:8880",
            "127.0.0.1.evil.example",
            "[::2]:1",
            "localhost.evil.example",
            "192.168.1.2",
        ] {
            let r = g.check(&Method::GET, "/v1/models", &headers(&[("host", host)]));
            assert!(matches!(r, Err(Refusal::Host(_))), "{host}: {r:?}");
        }
        // Not on loopback: any name (LAN clients use the machine's name or address).
        let lan = Guard::new(&[], false, &[]);
        assert_eq!(
            lan.check(
                &Method::GET,
                "/v1/models",
                &headers(&[("host", "evil.example")])
            ),
            Ok(())
        );
    }

    #[test]
    fn origins() {
        let closed = Guard::new(&[], false, &[]);
        let page = ("origin", "http://evil.example");
        assert!(matches!(
            closed.check(&Method::POST, "/v1/audio/speech", &headers(&[page, JSON])),
            Err(Refusal::Origin(_))
        ));
        assert!(matches!(
            closed.check(&Method::GET, "/v1/audio/voices", &headers(&[page])),
            Err(Refusal::Origin(_))
        ));
        assert_eq!(
            closed.check(&Method::GET, "/health", &headers(&[page])),
            Ok(())
        );
        assert_eq!(
            closed.check(&Method::POST, "/v1/audio/speech", &headers(&[JSON])),
            Ok(()),
            "no Origin: not a browser page"
        );
        let listed = Guard::new(&["http://webui.example".into()], false, &[]);
        assert_eq!(
            listed.check(
                &Method::POST,
                "/v1/audio/speech",
                &headers(&[("origin", "http://WebUI.example"), JSON])
            ),
            Ok(())
        );
        assert!(listed
            .check(&Method::POST, "/v1/audio/speech", &headers(&[page, JSON]))
            .is_err());
        assert!(listed
            .check(
                &Method::POST,
                "/v1/audio/speech",
                &headers(&[("origin", "null"), JSON])
            )
            .is_err());
        let any = Guard::new(&["*".into()], false, &[]);
        assert_eq!(
            any.check(&Method::POST, "/v1/audio/speech", &headers(&[page, JSON])),
            Ok(())
        );
    }

    #[test]
    fn own_page_on_a_name_that_cannot_be_rebound() {
        let lan = Guard::new(&[], false, &["kokorod.lan".into()]);
        for (host, origin) in [
            ("127.0.0.1:8880", "http://127.0.0.1:8880"),
            ("localhost:8880", "http://localhost:8880"),
            ("[::1]:8880", "http://[::1]:8880"),
            ("192.168.1.20:8880", "http://192.168.1.20:8880"),
            ("[fd00::20]:8880", "http://[fd00::20]:8880/"),
            ("Kokorod.LAN:8880", "http://kokorod.lan:8880"),
            ("192.168.1.20", "http://192.168.1.20"),
        ] {
            assert_eq!(
                lan.check(
                    &Method::POST,
                    "/v1/audio/speech",
                    &headers(&[("host", host), ("origin", origin), JSON])
                ),
                Ok(()),
                "{host} {origin}"
            );
        }
        for (host, origin) in [
            // A rebinding page shares its origin with the name it rebinds.
            ("evil.example:8880", "http://evil.example:8880"),
            ("192.168.1.20:8880", "http://192.168.1.20:8881"),
            ("192.168.1.20:8880", "https://192.168.1.20:8880"),
            ("192.168.1.20:8880", "http://192.168.1.21:8880"),
            ("192.168.1.20:8880", "null"),
        ] {
            let r = lan.check(
                &Method::POST,
                "/v1/audio/speech",
                &headers(&[("host", host), ("origin", origin), JSON]),
            );
            assert!(
                matches!(r, Err(Refusal::Origin(_))),
                "{host} {origin}: {r:?}"
            );
        }
        let r = lan.check(
            &Method::POST,
            "/v1/audio/speech",
            &headers(&[("origin", "http://127.0.0.1:8880"), JSON]),
        );
        assert!(matches!(r, Err(Refusal::Origin(_))), "no Host: {r:?}");
    }

    #[test]
    fn posts_must_be_json() {
        let g = Guard::new(&[], false, &[]);
        for ct in ["application/json", "Application/JSON; charset=utf-8"] {
            assert_eq!(
                g.check(
                    &Method::POST,
                    "/v1/audio/speech",
                    &headers(&[("content-type", ct)])
                ),
                Ok(()),
                "{ct}"
            );
        }
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
        ] {
            assert!(
                matches!(
                    g.check(
                        &Method::POST,
                        "/v1/audio/speech",
                        &headers(&[("content-type", ct)])
                    ),
                    Err(Refusal::ContentType(_))
                ),
                "{ct}"
            );
        }
        assert!(g
            .check(&Method::POST, "/v1/audio/speech", &HeaderMap::new())
            .is_err());
        assert_eq!(
            g.check(&Method::GET, "/v1/models", &HeaderMap::new()),
            Ok(())
        );
    }
}
