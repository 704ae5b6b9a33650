//! CI's load run: the load program's driver against the real daemon binary with the
//! real model — 10 clients over TCP and a Unix socket mixing describe, short and long
//! synthesize, streamed text, mid-stream disconnects, slow readers and an expected
//! `unknown-voice` error, and over the HTTP API streamed PCM and WAV speech, an
//! unknown voice (an expected 400) and `/health`. The assertion is on correctness (zero unexpected errors,
//! every completed answer whole and well-formed, fds back to baseline, a clean
//! SIGTERM), never on speed; `make load` runs the large version and prints figures.

#[path = "../../examples/kokorod_load/load.rs"]
mod driver;

use std::path::Path;
use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::rt;

#[test]
fn ten_clients_mixed_load_has_zero_unexpected_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::spawn(
        Path::new(env!("CARGO_BIN_EXE_kokorod")),
        dir.path(),
        &["--http", "tcp://127.0.0.1:0"],
    )
    .unwrap();
    let cfg = driver::LoadConfig {
        uris: vec![daemon.tcp.clone(), daemon.unix.clone()],
        http: daemon.http.clone(),
        clients: 10,
        requests: 40,
        pid: Some(daemon.pid()),
        seed: 8,
        request_timeout: Duration::from_secs(600),
        sample_every: Duration::from_secs(5),
    };
    let report = rt().block_on(driver::run(cfg));
    eprintln!("{}", report.render());
    assert!(report.unexpected.is_empty(), "{}", report.render());
    assert!(report.ok(), "{}", report.render());
    // The mix really ran: answers completed, and the expected outcomes happened.
    assert!(report.completed >= 20, "{}", report.render());
    assert!(report.audio_s > 0.0);
    let http_audio: u64 = ["http-speech", "http-wav"]
        .iter()
        .filter_map(|k| report.outcomes.get(k))
        .map(|o| o.completed)
        .sum();
    assert!(
        http_audio > 0,
        "no HTTP speech in the mix:\n{}",
        report.render()
    );
    let status = daemon.terminate(Duration::from_secs(120)).unwrap();
    assert!(status.success(), "{status}");
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
}
