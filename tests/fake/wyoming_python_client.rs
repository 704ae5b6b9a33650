//! The server against the reference client library (Python `wyoming` 1.10.x), over
//! TCP and a Unix socket: the server runs in this process with the fake speech.
//!
//! Needs a python3 with the reference library (`pip install wyoming==1.10.2`);
//! `WYOMING_PYTHON` selects the interpreter (default `python3`).

use std::path::PathBuf;

use kokorod::server::ServerConfig;
use serde_json::json;

use crate::support::fake_speech::FakeSpeech;
use crate::support::wyoming::TestServer;
use crate::support::GUARD;

const INSTALL_HINT: &str = "this test needs the reference Wyoming library: \
    `pip install wyoming==1.10.2` (or point WYOMING_PYTHON at a python3 that has it)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_client_talks_to_our_server() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let single = "Hello world. This is kokorod speaking.";
    let chunks = ["Streaming te", "xt works. Does i", "t? Yes, it does"];
    let sentences = FakeSpeech::sentences(&chunks.concat());
    let ssml = "<speak>Hello <emphasis>there</emphasis>.</speak>";
    let expect = json!({
        "single": {"text": single, "samples": FakeSpeech::expected(single).len()},
        "stream": {
            "chunks": chunks,
            "sentence_samples": sentences.iter().map(|s| FakeSpeech::render(s).len()).collect::<Vec<_>>(),
        },
        "ssml": {"text": ssml, "samples": FakeSpeech::expected("Hello there.").len()},
    });
    assert_eq!(sentences.len(), 3);

    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/server_interop.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(expect.to_string())
        .arg(&server.tcp)
        .arg(&server.unix)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(GUARD * 3, run)
        .await
        .expect("python client hung")
        .unwrap_or_else(|e| panic!("cannot run `{python}`: {e}; {INSTALL_HINT}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        panic!("{stderr}\n{INSTALL_HINT}");
    }
    assert!(
        output.status.success(),
        "reference client failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(": ok")).count(),
        2,
        "{stdout}"
    );
    server.stop().await;
}
