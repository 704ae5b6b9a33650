//! The HTTP API's protocol behaviour with a fake engine (fast): streaming framing,
//! `/v1/audio/stream`, a failure mid-stream, a full queue, authentication, CORS,
//! shutdown, the web page.

use std::sync::Arc;
use std::time::Duration;

use kokorod::engine::EngineError;
use kokorod::http::HttpConfig;
use kokorod::speech::{EngineLoad, PieceStream, SpeakRequest, Speech, SpeechError, VoiceInfo};

use crate::support::fake_speech::FakeSpeech;
use crate::support::http::{speech_body, TestHttp};
use crate::support::GUARD;

fn le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

#[tokio::test]
async fn streams_every_piece_and_a_first_piece_failure_is_500() {
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), HttpConfig::default()).await;
    let text = "Hello world. How are you? Fine.";
    let a = http
        .request("POST", "/v1/audio/speech", &[], &speech_body(text, "pcm"))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("audio/pcm"));
    assert_eq!(a.header("transfer-encoding"), Some("chunked"));
    assert!(a.complete);
    assert_eq!(a.body, le_bytes(&FakeSpeech::expected(text)));

    // The same failure on the first piece is a 500 in OpenAI's shape.
    let a = http
        .request(
            "POST",
            "/v1/audio/speech",
            &[],
            &speech_body("This will explode.", "wav"),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(a.error_code(), "synthesis_failed");

    // stream: false buffers and sends a Content-Length.
    let mut body: serde_json::Value = serde_json::from_slice(&speech_body(text, "wav")).unwrap();
    body["stream"] = false.into();
    let a = http
        .request("POST", "/v1/audio/speech", &[], body.to_string().as_bytes())
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-length"),
        Some(a.body.len().to_string().as_str())
    );
    assert_eq!(
        &a.body[44..],
        le_bytes(&FakeSpeech::expected(text)).as_slice()
    );
    http.stop().await;
}

type Pieces = tokio::sync::mpsc::UnboundedReceiver<Result<Vec<i16>, SpeechError>>;

/// A speech whose pieces the test hands over one by one.
struct Scripted(std::sync::Mutex<Option<Pieces>>);

impl Speech for Scripted {
    fn voices(&self) -> Vec<VoiceInfo> {
        Busy.voices()
    }
    fn default_voice(&self) -> String {
        "af_heart".into()
    }
    fn speak(&self, _: SpeakRequest) -> Result<PieceStream, SpeechError> {
        let rx = self.0.lock().unwrap().take().expect("one request only");
        Ok(Box::pin(tokio_stream_from(rx)))
    }
}

fn tokio_stream_from(rx: Pieces) -> impl futures::Stream<Item = Result<Vec<i16>, SpeechError>> {
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

#[tokio::test]
async fn the_stream_endpoint_streams_whatever_the_body_says_and_needs_the_key() {
    let cfg = HttpConfig {
        api_key: Some("s3cret".into()),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let key = [("Authorization", "Bearer s3cret")];
    let text = "Hello world. How are you? Fine.";
    let mut body: serde_json::Value = serde_json::from_slice(&speech_body(text, "pcm")).unwrap();
    body["stream"] = false.into();
    body["stream_format"] = "sse".into();
    let body = body.to_string();

    let a = http
        .request("POST", "/v1/audio/stream", &[], body.as_bytes())
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.error_code(), "invalid_api_key");

    let a = http
        .request("POST", "/v1/audio/stream", &key, body.as_bytes())
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("audio/pcm"));
    assert_eq!(a.header("transfer-encoding"), Some("chunked"));
    assert_eq!(a.header("content-length"), None);
    assert!(a.complete);
    assert_eq!(a.body, le_bytes(&FakeSpeech::expected(text)));

    // The same body on /v1/audio/speech: `stream_format: sse` is refused there.
    let a = http
        .request("POST", "/v1/audio/speech", &key, body.as_bytes())
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error_code(), "unsupported_stream_format");

    let m = http.metrics.render(EngineLoad::default());
    assert!(
        m.contains("kokorod_requests_total{protocol=\"http\",endpoint=\"stream\"} 2"),
        "{m}"
    );
    assert!(
        m.contains("kokorod_errors_total{protocol=\"http\",endpoint=\"stream\",code=\"invalid_api_key\"} 1"),
        "{m}"
    );
    http.stop().await;
}

#[tokio::test]
async fn a_failure_mid_stream_cuts_the_response_off() {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let http = TestHttp::start(
        Arc::new(Scripted(std::sync::Mutex::new(Some(rx)))),
        HttpConfig::default(),
    )
    .await;
    let first = FakeSpeech::render("Hello world.");
    tx.send(Ok(first.clone())).unwrap();
    let mut s = crate::support::http::send(
        &http.addr,
        "POST",
        "/v1/audio/speech",
        &speech_body("Hello world. More.", "pcm"),
    )
    .await;
    let mut raw = Vec::new();
    // The first piece arrives while the second is not even synthesized.
    crate::support::http::read_body_until(&mut s, &mut raw, first.len() * 2).await;
    tx.send(Err(SpeechError::Engine(EngineError::BadInput(
        "the engine failed".into(),
    ))))
    .unwrap();
    use tokio::io::AsyncReadExt;
    let _ = tokio::time::timeout(GUARD, s.read_to_end(&mut raw))
        .await
        .expect("not cut off");
    let a = crate::support::http::parse(&raw);
    assert_eq!(a.status, 200);
    assert!(!a.complete, "a failed stream must not look complete");
    assert_eq!(a.body, le_bytes(&first));
    // Counted under the code an answer failing before any audio carries.
    let m = http.metrics.render(EngineLoad::default());
    assert!(m.contains("kokorod_errors_total{protocol=\"http\",endpoint=\"speech\",code=\"synthesis_failed\"} 1"), "{m}");
    assert!(!m.contains("synthesis-failed"), "{m}");
    http.stop().await;
}

/// A speech whose engine queue is always full.
struct Busy;

impl Speech for Busy {
    fn voices(&self) -> Vec<VoiceInfo> {
        vec![VoiceInfo {
            name: "af_heart".into(),
            language: "en-us".into(),
            gender: "female".into(),
            grade: None,
        }]
    }
    fn default_voice(&self) -> String {
        "af_heart".into()
    }
    fn speak(&self, _: SpeakRequest) -> Result<PieceStream, SpeechError> {
        Ok(Box::pin(futures::stream::once(async {
            Err(SpeechError::Engine(EngineError::Busy(64)))
        })))
    }
    fn engine_load(&self) -> EngineLoad {
        EngineLoad {
            queue_depth: 64,
            preempted: 3,
        }
    }
}

#[tokio::test]
async fn a_full_queue_is_429_and_health_shows_its_depth() {
    let http = TestHttp::start(Arc::new(Busy), HttpConfig::default()).await;
    let a = http
        .request(
            "POST",
            "/v1/audio/speech",
            &[],
            &speech_body("Hello.", "mp3"),
        )
        .await;
    assert_eq!(a.status, 429);
    assert_eq!(a.error_code(), "engine_busy");
    assert_eq!(a.json()["error"]["type"], "rate_limit_error");
    let h = http.request("GET", "/health", &[], b"").await;
    // Busy is no failure: the balancer keeps the instance in rotation.
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "busy");
    assert_eq!(h.json()["busy"], true);
    assert_eq!(h.json()["ready"], true);
    assert_eq!(h.json()["queue_depth"], 64);
    assert!(
        String::from_utf8_lossy(&http.request("GET", "/metrics", &[], b"").await.body)
            .contains("kokorod_queue_depth 64\n")
    );
    assert!(
        String::from_utf8_lossy(&http.request("GET", "/metrics", &[], b"").await.body)
            .contains("kokorod_inferences_preempted_total 3\n")
    );
    http.stop().await;
}

#[tokio::test]
async fn api_key_guards_v1_only_and_cors_is_opt_in() {
    let cfg = HttpConfig {
        api_key: Some("s3cret".into()),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let origin = ("Origin", "http://webui.example");
    for (headers, status) in [
        (vec![], 401),
        (vec![("Authorization", "Bearer nope")], 401),
        (vec![("Authorization", "s3cret")], 401),
        (vec![("Authorization", "Bearer s3cret")], 200),
    ] {
        let a = http.request("GET", "/v1/models", &headers, b"").await;
        assert_eq!(a.status, status, "{headers:?}");
        if status == 401 {
            assert_eq!(a.error_code(), "invalid_api_key");
        }
    }
    let a = http.request("GET", "/health", &[origin], b"").await;
    assert_eq!(a.status, 200, "health needs no key");
    assert_eq!(a.json()["status"], "ready", "an idle engine is not busy");
    assert_eq!(a.json()["busy"], false);
    assert_eq!(
        a.header("access-control-allow-origin"),
        None,
        "CORS is off by default"
    );
    http.stop().await;

    let cfg = HttpConfig {
        cors_origins: vec!["http://webui.example".into()],
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let a = http
        .request(
            "OPTIONS",
            "/v1/audio/speech",
            &[
                origin,
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ],
            b"",
        )
        .await;
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://webui.example")
    );
    let a = http
        .request(
            "GET",
            "/v1/models",
            &[("Origin", "http://elsewhere.example")],
            b"",
        )
        .await;
    assert_eq!(a.header("access-control-allow-origin"), None);
    http.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_stream_finish_within_the_grace() {
    let fake = FakeSpeech::new();
    let http = TestHttp::start(
        Arc::new(fake.clone()),
        HttpConfig {
            shutdown_grace: Duration::from_secs(20),
            ..HttpConfig::default()
        },
    )
    .await;
    fake.close_gate();
    let addr = http.addr.clone();
    let text = "Held at the gate. Then released.";
    let pending = tokio::spawn(async move {
        crate::support::http::request(
            &addr,
            "POST",
            "/v1/audio/speech",
            &[],
            &speech_body(text, "pcm"),
        )
        .await
    });
    fake.wait_speaks(1).await;
    http.shutdown.cancel();
    fake.open_gate();
    let a = tokio::time::timeout(GUARD, pending).await.unwrap().unwrap();
    assert_eq!(a.status, 200);
    assert!(a.complete);
    assert_eq!(a.body, le_bytes(&FakeSpeech::expected(text)));
    http.stop().await;
}

#[tokio::test]
async fn shutdown_cuts_off_what_outlasts_the_grace() {
    let fake = FakeSpeech::new();
    let http = TestHttp::start(
        Arc::new(fake.clone()),
        HttpConfig {
            shutdown_grace: Duration::from_millis(100),
            ..HttpConfig::default()
        },
    )
    .await;
    fake.close_gate();
    let addr = http.addr.clone();
    let pending = tokio::spawn(async move {
        crate::support::http::request(
            &addr,
            "POST",
            "/v1/audio/speech",
            &[],
            &speech_body("Never released.", "mp3"),
        )
        .await
    });
    fake.wait_speaks(1).await;
    http.shutdown.cancel();
    let a = tokio::time::timeout(GUARD, pending).await.unwrap().unwrap();
    assert_eq!(a.status, 503);
    assert_eq!(a.error_code(), "shutting_down");
    http.stop().await;
    fake.wait_none_live().await;
}

#[tokio::test]
async fn the_page_is_served_without_the_key_and_its_own_origin_may_speak() {
    let key = "sk-page-test";
    let cfg = HttpConfig {
        api_key: Some(key.into()),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let page = http.request("GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(String::from_utf8_lossy(&page.body).contains("/page/page.js"));
    let head = http.request("HEAD", "/", &[], b"").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    let js = http.request("GET", "/page/page.js", &[], b"").await;
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let etag = js.header("etag").expect("an ETag").to_owned();
    let again = http
        .request("GET", "/page/page.js", &[("If-None-Match", &etag)], b"")
        .await;
    assert_eq!(again.status, 304);
    for path in ["/page/nope.js", "/page/", "/page/a/page.js", "/index.html"] {
        let a = http.request("GET", path, &[], b"").await;
        assert_eq!(a.status, 404, "{path}");
        assert_eq!(a.error_code(), "not_found", "{path}");
    }

    // What the page sends: its own origin, the key, JSON.
    let bearer = format!("Bearer {key}");
    let own = format!("http://{}", http.addr);
    let body = speech_body("Hello.", "pcm");
    let a = http
        .request(
            "POST",
            "/v1/audio/speech",
            &[("Origin", &own), ("Authorization", &bearer)],
            &body,
        )
        .await;
    assert_eq!(a.status, 200);
    let a = http
        .request(
            "POST",
            "/v1/audio/speech",
            &[
                ("Origin", "http://evil.example"),
                ("Authorization", &bearer),
            ],
            &body,
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.error_code(), "origin_not_allowed");
    let a = http
        .request("POST", "/v1/audio/speech", &[("Origin", &own)], &body)
        .await;
    assert_eq!(a.status, 401, "the page's origin does not replace the key");
    http.stop().await;
}
