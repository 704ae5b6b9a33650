//! The `kokorod` daemon with `--http`: it serves the HTTP API beside Wyoming on one
//! runtime, honours `--api-key-file`, `--http-max-connections` and `--http-timeout`,
//! and stops cleanly on SIGTERM.

use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::daemon::Daemon;
use crate::support::http::{parse, request};
use crate::support::until_closed;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_http_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, "sk-daemon-test\n").unwrap();
    let mut daemon = Daemon::spawn(
        Path::new(env!("CARGO_BIN_EXE_kokorod")),
        dir.path(),
        &[
            "--http",
            "tcp://127.0.0.1:0",
            "--http-max-connections",
            "3",
            "--http-timeout",
            "3",
            "--api-key-file",
            key_file.to_str().unwrap(),
        ],
    )
    .unwrap();
    let addr = daemon.http.clone().expect("the HTTP address");

    let health = request(&addr, "GET", "/health", &[], b"").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["ready"], true);

    // Three requests whose bodies never come hold the three slots (until the 3 s
    // timeout answers them 408); a fourth connection meanwhile is told 503.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk-daemon-test\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{").await.unwrap();
        held.push(s);
    }
    let over = request(&addr, "GET", "/health", &[], b"").await;
    assert_eq!(over.status, 503);
    assert_eq!(over.error_code(), "too_many_connections");
    for mut s in held {
        let a = parse(&until_closed(&mut s).await);
        assert_eq!(a.status, 408);
        assert_eq!(a.error_code(), "request_timeout");
    }
    // A connection that sends nothing is closed at the timeout too.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(until_closed(&mut silent).await.is_empty());
    let body =
        br#"{"model":"tts-1","input":"The daemon speaks.","voice":"echo","response_format":"wav"}"#;
    let denied = request(&addr, "POST", "/v1/audio/speech", &[], body).await;
    assert_eq!(denied.status, 401);
    let ok = request(
        &addr,
        "POST",
        "/v1/audio/speech",
        &[("Authorization", "Bearer sk-daemon-test")],
        body,
    )
    .await;
    assert_eq!(ok.status, 200);
    assert!(ok.complete);
    // A streamed WAV carries the maximum length; hound reads the samples that are there.
    let wav = hound::WavReader::new(std::io::Cursor::new(&ok.body[..])).expect("a WAV header");
    assert_eq!(wav.spec().sample_rate, 24_000);
    let samples = wav.into_samples::<i16>().map_while(Result::ok).count();
    assert!(samples > 12_000, "{samples} samples");
    let unknown = br#"{"model":"tts-1","input":"The secret words.","voice":"zz_nobody"}"#;
    let refused = request(
        &addr,
        "POST",
        "/v1/audio/speech",
        &[("Authorization", "Bearer sk-daemon-test")],
        unknown,
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_code(), "unknown_voice");

    let status = daemon.terminate(Duration::from_secs(120)).unwrap();
    let log = daemon.final_log(Duration::from_secs(10));
    assert!(status.success(), "exit {status}:\n{log}");
    assert!(log.contains("stopped"), "{log}");
    // Every refusal is logged at info with its peer, code and voice, never the text.
    let line = log
        .lines()
        .find(|l| l.contains("HTTP request refused") && l.contains("unknown_voice"))
        .unwrap_or_else(|| panic!("no refusal line:\n{log}"));
    assert!(
        line.contains("127.0.0.1:") && line.contains("zz_nobody") && line.contains("status=400"),
        "{line}"
    );
    assert!(!log.contains("secret words"), "the text was logged:\n{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("HTTP request refused") && l.contains("invalid_api_key")),
        "{log}"
    );
}
