//! The HTTP API over the real model, driven by the official `openai` Python client
//! (every format, streaming, errors, lists) with ffmpeg decoding the audio and
//! `prometheus_client` parsing /metrics; then a Wyoming request recorded in the same
//! metrics registry.
//!
//! Needs `KOKOROD_PYTHON` (a python3 with `openai` and `prometheus_client`, as `make
//! venv` installs) and ffmpeg.

use std::path::PathBuf;
use std::sync::Arc;

use kokorod::http::HttpConfig;
use kokorod::metrics::Metrics;
use kokorod::net::{Endpoint, Listener, UnixSocketOptions};
use kokorod::server::{Server, ServerConfig};
use kokorod::speech::Speech;
use tokio_util::sync::CancellationToken;

use crate::support::http::TestHttp;
use crate::support::model;

const KEY: &str = "sk-kokorod-test-7d1f";
const MAX_CHARS: usize = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_client_against_the_real_model() {
    let speech: Arc<dyn Speech> = model::speech();
    let metrics = Arc::new(Metrics::new());
    let cfg = HttpConfig {
        max_text_chars: MAX_CHARS,
        api_key: Some(KEY.into()),
        ..HttpConfig::default()
    };
    let http = TestHttp::start_with(speech.clone(), cfg, metrics.clone()).await;

    let python = std::env::var("KOKOROD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/openai_http.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(http.url())
        .arg(KEY)
        .arg(MAX_CHARS.to_string())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(900), run)
        .await
        .expect("python client hung")
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "openai client checks failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("metrics: ok"), "{stdout}");

    // The Wyoming server records into the same registry.
    let ep: Endpoint = "tcp://127.0.0.1:0".parse().unwrap();
    let listener = Listener::bind(&ep, &UnixSocketOptions::default())
        .await
        .unwrap();
    let uri = listener
        .local_addr()
        .unwrap()
        .endpoint()
        .unwrap()
        .to_string();
    let shutdown = CancellationToken::new();
    let server = Server::new(
        vec![listener],
        speech,
        ServerConfig {
            metrics: metrics.clone(),
            ..ServerConfig::default()
        },
    );
    let task = tokio::spawn(server.run(shutdown.clone()));
    let (_, samples) = kokorod::client::say(&uri, "Hello from Wyoming.", None)
        .await
        .unwrap();
    assert!(samples.len() > 12_000);
    let err = kokorod::client::say(&uri, "Hello.", Some("zz_nobody")).await;
    assert!(err.is_err());
    let text = http.request("GET", "/metrics", &[], b"").await;
    let text = String::from_utf8_lossy(&text.body);
    assert!(
        text.contains("kokorod_requests_total{protocol=\"wyoming\",endpoint=\"synthesize\"} 2"),
        "{text}"
    );
    assert!(text.contains("kokorod_errors_total{protocol=\"wyoming\",endpoint=\"synthesize\",code=\"unknown-voice\"} 1"), "{text}");
    assert!(
        text.contains("kokorod_time_to_first_audio_seconds_count{protocol=\"wyoming\"} 1"),
        "{text}"
    );
    let secs = text
        .lines()
        .find_map(|l| l.strip_prefix("kokorod_audio_seconds_total{protocol=\"wyoming\"} "))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap();
    assert!(
        (secs - samples.len() as f64 / 24_000.0).abs() < 1e-6,
        "{secs}"
    );
    shutdown.cancel();
    task.await.unwrap().unwrap();
    http.stop().await;
}
