//! The OpenAI-compatible HTTP API: `POST /v1/audio/speech` (and `/v1/audio/stream`,
//! always streamed, for LiteTTS's clients), voice and model lists,
//! `/health` and `/metrics`, over the same [`Speech`] as the Wyoming server; and at `/`
//! a page to try it in a browser.
//!
//! [`HttpServer::run`] serves until the shutdown drains, then stops accepting, lets
//! responses in flight finish for up to [`HttpConfig::shutdown_grace`], and cuts the
//! rest off (see [`crate::net`]). Connections are bounded as `conn` describes.

mod conn;
mod error;
pub mod guard;
mod page;
mod speech;
mod voices;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub use error::ApiError;
pub use voices::{map_voice, MODELS, OPENAI_VOICES};

use crate::metrics::{Metrics, Protocol};
use crate::net::allow::AllowList;
use crate::net::{Connections, Limits, Listener, LocalAddr, Shutdown};
use crate::speech::Speech;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Longest `input`, in characters (413 beyond).
    pub max_text_chars: usize,
    /// The bearer token `/v1/*` requires; `None` leaves the API open.
    pub api_key: Option<String>,
    /// Origins allowed by CORS (`*` for any); empty turns CORS off.
    pub cors_origins: Vec<String>,
    /// On shutdown, how long responses in flight may take to finish.
    pub shutdown_grace: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Time a client has to send a request's head, and again its body; an idle
    /// keep-alive connection is closed after it too.
    pub read_timeout: Duration,
    /// A client that takes none of a response for this long is dropped.
    pub write_timeout: Duration,
    /// Names besides loopback ones accepted in `Host` while listening on loopback.
    pub allowed_hosts: Vec<String>,
    /// Longest audio of a `"stream": false` answer, which is held until complete.
    pub max_buffered_audio: Duration,
    /// TCP peers allowed to connect.
    pub allow_from: AllowList,
    /// Where requests and errors are counted (shared with the Wyoming server).
    pub metrics: Arc<Metrics>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_text_chars: 100_000,
            api_key: None,
            cors_origins: Vec::new(),
            shutdown_grace: Duration::from_secs(5),
            max_connections: 64,
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            allowed_hosts: Vec::new(),
            max_buffered_audio: Duration::from_secs(300),
            allow_from: AllowList::default(),
            metrics: Arc::default(),
        }
    }
}

impl HttpConfig {
    /// Request bodies beyond this are refused with 413: the longest input in UTF-8
    /// (4 bytes a character), JSON-escaped at worst (6 bytes a character), plus room
    /// for the other fields.
    pub fn body_limit(&self) -> usize {
        self.max_text_chars
            .saturating_mul(6)
            .saturating_add(64 * 1024)
    }
}

/// Why the HTTP server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A `--cors-origin` value is not a valid header value.
    #[error("invalid --cors-origin {0:?}")]
    BadOrigin(String),
    /// The API key file cannot be used.
    #[error("--api-key-file {path}: {why}")]
    ApiKeyFile {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

/// Reads the API key: the file's content without surrounding whitespace.
pub fn load_api_key(path: &std::path::Path) -> Result<String, HttpError> {
    let fail = |why: String| HttpError::ApiKeyFile {
        path: path.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let key = text.trim();
    if key.is_empty() {
        return Err(fail("the file is empty".into()));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail("the key must be one line without spaces".into()));
    }
    Ok(key.to_owned())
}

/// Shared by every request.
pub(crate) struct AppState {
    speech: Arc<dyn Speech>,
    metrics: Arc<Metrics>,
    cfg: HttpConfig,
    body_limit: usize,
    /// Shutdown began: new syntheses get 503.
    shutdown: CancellationToken,
    /// The grace period is over: streams in flight end.
    kill: CancellationToken,
    /// Which browser origins and `Host` names may reach the API.
    guard: guard::Guard,
}

/// An HTTP server ready to run.
pub struct HttpServer {
    listeners: Vec<Listener>,
    speech: Arc<dyn Speech>,
    cfg: HttpConfig,
    guard: guard::Guard,
    connections: Arc<Connections>,
}

impl HttpServer {
    /// Prepares the server over bound listeners.
    pub fn new(
        listeners: Vec<Listener>,
        speech: Arc<dyn Speech>,
        cfg: HttpConfig,
    ) -> Result<Self, HttpError> {
        // Bound to loopback, only local programs should reach us, whatever their Host says.
        let loopback = !listeners.is_empty()
            && listeners
                .iter()
                .all(|l| matches!(l.local_addr(), Ok(LocalAddr::Tcp(a)) if a.ip().is_loopback()));
        let guard = guard::Guard::new(&cfg.cors_origins, loopback, &cfg.allowed_hosts);
        // A bad origin fails here, before the daemon reports ready.
        if !cfg.cors_origins.is_empty() {
            let _valid = cors(&cfg.cors_origins)?;
        }
        Ok(HttpServer {
            listeners,
            speech,
            cfg,
            guard,
            connections: Arc::default(),
        })
    }

    /// Where it listens (listeners whose address cannot be read are left out).
    pub fn local_addrs(&self) -> Vec<LocalAddr> {
        crate::net::local_addrs(&self.listeners)
    }

    /// Connection counts.
    #[must_use]
    pub fn connections(&self) -> Arc<Connections> {
        Arc::clone(&self.connections)
    }

    /// Serves until `shutdown` drains and the connections have ended (see the
    /// module docs).
    pub async fn run(self, shutdown: impl Into<Shutdown>) -> Result<(), HttpError> {
        let shutdown: Shutdown = shutdown.into();
        let HttpServer {
            listeners,
            speech,
            cfg,
            guard,
            connections,
        } = self;
        for listener in &listeners {
            match listener.local_addr() {
                Ok(addr) => tracing::info!("HTTP API on {addr}"),
                Err(e) => tracing::info!("HTTP API listening (address unknown: {e})"),
            }
        }
        let limits = Limits {
            max_connections: cfg.max_connections.max(1),
            allow_from: cfg.allow_from.clone(),
            shutdown_grace: cfg.shutdown_grace,
        };
        let state = Arc::new(AppState {
            guard,
            speech,
            metrics: cfg.metrics.clone(),
            body_limit: cfg.body_limit(),
            shutdown: shutdown.drain.clone(),
            kill: shutdown.cancel.clone(),
            cfg,
        });
        let handler = conn::HttpHandler {
            router: router(state.clone())?,
            metrics: state.metrics.clone(),
            header_timeout: state.cfg.read_timeout,
            write_timeout: state.cfg.write_timeout,
        };
        crate::net::serve(
            "HTTP",
            listeners,
            Arc::new(handler),
            limits,
            connections,
            shutdown,
        )
        .await;
        Ok(())
    }
}

fn router(state: Arc<AppState>) -> Result<Router, HttpError> {
    let v1 = Router::new()
        .route("/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/stream", post(speech::stream))
        .route("/v1/audio/voices", get(list_voices))
        .route("/v1/voices", get(list_voices))
        .route("/v1/models", get(list_models))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    let mut app = Router::new()
        .merge(v1)
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/", get(page::index))
        .route("/page/{name}", get(page::asset))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), check_request))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state.clone());
    if !state.cfg.cors_origins.is_empty() {
        app = app.layer(cors(&state.cfg.cors_origins)?);
    }
    Ok(app)
}

fn cors(origins: &[String]) -> Result<tower_http::cors::CorsLayer, HttpError> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    if origins.iter().any(|o| o == "*") {
        return Ok(layer.allow_origin(Any));
    }
    let list = origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| HttpError::BadOrigin(o.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(layer.allow_origin(AllowOrigin::list(list)))
}

/// The voice a refused request asked for, attached to its response for the log line.
#[derive(Clone)]
pub(crate) struct AskedVoice(pub String);

/// Counts every request and error by endpoint, and logs each refusal or failure at
/// info: endpoint, status, code and the voice asked for (the connection's span
/// carries the peer) — never the text.
async fn track(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let endpoint = match req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    {
        Some("/v1/audio/speech") => speech::Route::Speech.endpoint(),
        Some("/v1/audio/stream") => speech::Route::Stream.endpoint(),
        Some("/v1/audio/voices" | "/v1/voices") => "voices",
        Some("/v1/models") => "models",
        Some("/health") => "health",
        Some("/metrics") => "metrics",
        _ => "other",
    };
    st.metrics.request(Protocol::Http, endpoint);
    let resp = next.run(req).await;
    if resp.status().is_client_error() || resp.status().is_server_error() {
        let code = resp
            .extensions()
            .get::<error::ErrorCode>()
            .map_or("http_error", |c| c.0);
        st.metrics.error(Protocol::Http, endpoint, code);
        let voice = resp
            .extensions()
            .get::<AskedVoice>()
            .map_or("-", |v| v.0.as_str());
        tracing::info!(
            endpoint,
            status = resp.status().as_u16(),
            code,
            voice,
            "HTTP request refused"
        );
    }
    resp
}

/// Refuses what a web page could send behind the user's back (see [`guard`]).
async fn check_request(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match st
        .guard
        .check(req.method(), req.uri().path(), req.headers())
    {
        Ok(()) => next.run(req).await,
        Err(refusal) => refusal.into_api_error().into_response(),
    }
}

/// Requires `Authorization: Bearer <key>` when an API key is configured.
async fn authorize(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(key) = &st.cfg.api_key {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let ok = given.is_some_and(|g| constant_time_eq(g.as_bytes(), key.as_bytes()));
        if !ok {
            let why = if given.is_some() {
                "Incorrect API key provided"
            } else {
                "Missing API key: send `Authorization: Bearer <key>`"
            };
            return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", why).into_response();
        }
    }
    next.run(req).await
}

/// Compares without an early exit, so timing does not reveal how much of a key matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn not_found(req: Request) -> ApiError {
    let path: String = req.uri().path().chars().take(128).collect();
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such endpoint: {} {path}", req.method()),
    )
}

async fn list_voices(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    // Asked each time: a reload (SIGHUP) changes the voices.
    Json(voices::voices_body(&st.speech.voices()))
}

async fn list_models(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let started = std::time::SystemTime::now()
        .checked_sub(st.metrics.uptime())
        .unwrap_or(std::time::UNIX_EPOCH);
    let created = started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Json(voices::models_body(created))
}

/// What a load balancer's check asks: can this instance speak now? `ready` and `busy`
/// (the engine has work: a new answer waits behind `queue_depth` jobs) are 200, so a
/// busy instance stays in rotation and least-connections spreads the load; `not ready`
/// is 503. A draining instance fails the check sooner still: its listeners close when
/// the shutdown begins, and the check's next connection is refused.
async fn health(State(st): State<Arc<AppState>>) -> Response {
    let voices = st.speech.voices().len();
    let depth = st.speech.engine_load().queue_depth;
    let reason = if st.shutdown.is_cancelled() {
        Some("shutting down")
    } else if voices == 0 {
        Some("no voices installed")
    } else {
        None
    };
    let status = match reason {
        Some(_) => "not ready",
        None if depth > 0 => "busy",
        None => "ready",
    };
    let body = json!({
        "status": status,
        "ready": reason.is_none(),
        "busy": depth > 0,
        "reason": reason,
        "model": "kokoro",
        "version": env!("CARGO_PKG_VERSION"),
        "default_voice": st.speech.default_voice(),
        "voices": voices,
        "queue_depth": depth,
        "watermark": st.speech.watermarked(),
        "uptime_seconds": st.metrics.uptime().as_secs_f64(),
    });
    let code = if reason.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

/// Prometheus text, or OpenMetrics when the scraper asks for it.
async fn metrics(State(st): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    let load = st.speech.engine_load();
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/openmetrics-text"));
    if openmetrics {
        (
            [(
                header::CONTENT_TYPE,
                crate::metrics::OPENMETRICS_CONTENT_TYPE,
            )],
            st.metrics.render_openmetrics(load),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
            st.metrics.render(load),
        )
            .into_response()
    }
}
