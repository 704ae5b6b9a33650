//! The `kokorod` daemon with `--http`: it serves the HTTP API beside Wyoming on one
//! runtime, honours `--api-key-file`, `--http-max-connections` and `--http-timeout`,
//! and stops cleanly on SIGTERM.

mod common;
mod http_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Everything the server sends until it closes the connection.
async fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    tokio::time::timeout(http_support::GUARD, s.read_to_end(&mut raw))
        .await
        .expect("the server must close the connection")
        .ok();
    raw
}

/// `tcp://127.0.0.1:PORT` in a log line → `127.0.0.1:PORT`.
fn address_after(line: &str, marker: &str) -> Option<String> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    (!addr.is_empty()).then_some(addr)
}

/// Kills the daemon if the test fails before it stops it.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_http_answers_and_stops_on_sigterm() {
    let assets = common::assets();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, "sk-daemon-test\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args([
            "serve",
            "--uri",
            "tcp://127.0.0.1:0",
            "--http",
            "tcp://127.0.0.1:0",
            "--http-max-connections",
            "3",
            "--http-timeout",
            "3",
            "--api-key-file",
        ])
        .arg(&key_file)
        .arg("--data-dir")
        .arg(&assets.data_dir)
        .env("NO_COLOR", "1")
        .env("KOKOROD_LOG_LEVEL", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kokorod");
    let stderr = child.stderr.take().unwrap();
    let mut daemon = Daemon(child);
    // The log names the HTTP address (port 0 became a real one); then "ready".
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = address_after(&line, "HTTP API on tcp://") {
                let _ = tx.send(addr);
                sent = true;
            }
            log.push(line);
        }
        if !sent {
            let _ = tx.send(String::new());
        }
        log
    });
    let addr =
        tokio::task::spawn_blocking(move || rx.recv_timeout(std::time::Duration::from_secs(120)))
            .await
            .unwrap()
            .expect("no HTTP address logged");
    assert!(!addr.is_empty(), "kokorod exited before listening on HTTP");

    let health = http_support::request(&addr, "GET", "/health", &[], b"").await;
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
    let over = http_support::request(&addr, "GET", "/health", &[], b"").await;
    assert_eq!(over.status, 503);
    assert_eq!(over.error_code(), "too_many_connections");
    for mut s in held {
        let a = http_support::parse(&until_closed(&mut s).await);
        assert_eq!(a.status, 408);
        assert_eq!(a.error_code(), "request_timeout");
    }
    // A connection that sends nothing is closed at the timeout too.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(until_closed(&mut silent).await.is_empty());
    let body =
        br#"{"model":"tts-1","input":"The daemon speaks.","voice":"echo","response_format":"wav"}"#;
    let denied = http_support::request(&addr, "POST", "/v1/audio/speech", &[], body).await;
    assert_eq!(denied.status, 401);
    let ok = http_support::request(
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
    let refused = http_support::request(
        &addr,
        "POST",
        "/v1/audio/speech",
        &[("Authorization", "Bearer sk-daemon-test")],
        unknown,
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_code(), "unknown_voice");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let status = daemon.0.wait();
        std::mem::forget(daemon);
        status
    })
    .await
    .unwrap()
    .unwrap();
    let log = reader.join().unwrap().join("\n");
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
