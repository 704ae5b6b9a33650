//! Faults against the real daemon binary and model: SIGTERM under load, SIGKILL and a
//! restart over the stale socket file, a missing or damaged model at start. (Faults
//! the fake engine shows faster: client vanishing mid-stream, slow readers, an
//! inference failure mid-request, shutdown grace — in the fake and real tests'
//! `wyoming_server`; see docs/RELIABILITY.md.)

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kokorod::net::Endpoint;
use kokorod::wyoming::{Event, Synthesize, WyomingCodec};
use tokio_util::codec::Framed;

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::rt;

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");

/// Hang guard for a daemon's exit (never a speed target).
const EXIT_GUARD: Duration = Duration::from_secs(120);

#[test]
fn sigterm_under_load_finishes_or_ends_each_answer_with_an_error_never_a_torn_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon =
        Daemon::spawn(Path::new(BIN), dir.path(), &["--shutdown-timeout", "1"]).unwrap();
    let socket = dir.path().join("kokorod.sock");
    let text = "This answer is long, so that the daemon is still speaking when it is told to stop. \
                It has several sentences. Each one takes the engine a while. And there is one more.";
    let uris = [daemon.tcp.clone(), daemon.unix.clone()];
    let rt = rt();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let uri = uris[i % 2].clone();
            let started = started_tx.clone();
            rt.spawn(async move {
                let stream = uri.parse::<Endpoint>().unwrap().connect().await.unwrap();
                let mut framed = Framed::new(stream, WyomingCodec::default());
                framed
                    .send(Event::Synthesize(Synthesize {
                        text: text.to_owned(),
                        voice: None,
                        text_format: None,
                        context: None,
                    }))
                    .await
                    .unwrap();
                let mut events = Vec::new();
                while let Some(frame) = framed.next().await {
                    // A torn frame would surface here as a decoding error.
                    let frame = frame.unwrap_or_else(|e| panic!("client {i}: {e}"));
                    let event = Event::try_from(frame).unwrap();
                    if matches!(event, Event::AudioStart(_)) {
                        let _ = started.send(());
                    }
                    events.push(event);
                }
                events
            })
        })
        .collect();
    for _ in 0..4 {
        started_rx
            .recv_timeout(Duration::from_secs(600))
            .expect("every client's audio starts");
    }
    let status = daemon.terminate(EXIT_GUARD).unwrap();
    assert!(status.success(), "{status}\n{}", daemon.log());
    assert!(!socket.exists(), "socket file removed on SIGTERM");
    let mut cut = 0;
    for client in clients {
        let events = rt.block_on(client).unwrap();
        let ending: Vec<&str> = events
            .iter()
            .map(Event::kind)
            .filter(|k| *k != "audio-chunk")
            .collect();
        match ending.as_slice() {
            // Finished within the grace: a complete, consistent answer.
            ["audio-start", "audio-stop"] => {
                let samples: usize = events
                    .iter()
                    .map(|e| {
                        if let Event::AudioChunk(c) = e {
                            c.audio.len() / 2
                        } else {
                            0
                        }
                    })
                    .sum();
                let Some(Event::AudioStop(stop)) = events.last() else {
                    panic!("{ending:?}")
                };
                assert_eq!(stop.timestamp, Some(samples as i64 * 1000 / 24_000));
            }
            // Cut at the end of the grace: told why, after whole frames only.
            ["audio-start", "error"] => {
                let Some(Event::Error(e)) = events.last() else {
                    unreachable!()
                };
                assert_eq!(e.code.as_deref(), Some("shutting-down"), "{}", e.text);
                cut += 1;
            }
            other => panic!("unexpected ending {other:?}"),
        }
    }
    let log = daemon.log();
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    eprintln!("{cut} of 4 answers were cut by the shutdown");
}

#[test]
fn after_sigkill_a_restart_replaces_the_stale_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("kokorod.sock");
    let mut first = Daemon::spawn(Path::new(BIN), dir.path(), &[]).unwrap();
    let rt = rt();
    let unix = first.unix.clone();
    assert!(!rt
        .block_on(kokorod::client::describe(&unix))
        .unwrap()
        .tts
        .is_empty());
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert!(socket.exists(), "SIGKILL leaves the socket file behind");

    let mut second = Daemon::spawn(Path::new(BIN), dir.path(), &[]).unwrap();
    assert_eq!(second.unix, unix);
    let (format, pcm) = rt
        .block_on(kokorod::client::say(&unix, "Back again.", None))
        .unwrap();
    assert_eq!(format.rate, 24_000);
    assert!(model::rms(&pcm) > 0.02);
    assert!(
        second.log().contains("replacing stale socket"),
        "{}",
        second.log()
    );
    assert!(second.terminate(EXIT_GUARD).unwrap().success());
    assert!(!socket.exists());
}

#[test]
fn serve_refuses_a_missing_truncated_or_wrong_model_at_start() {
    let real = model::assets();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("kokorod.sock");
    let unix = format!("unix://{}", socket.display());
    let truncated = dir.path().join("truncated.onnx");
    std::fs::write(&truncated, vec![0u8; 5000]).unwrap();
    // A real file that is not an ONNX model at all.
    let wrong = real.voices.join("af_heart.bin");
    let missing = dir.path().join("missing.onnx");
    // Playing systemd's part: the reason must reach `systemctl status` as STATUS=.
    let notify_path = dir.path().join("notify.sock");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    for (model, why) in [
        (&missing, "missing"),
        (&truncated, "truncated"),
        (&wrong, "wrong"),
    ] {
        let out = Command::new(BIN)
            .args([
                "serve",
                "--no-config",
                "--uri",
                &unix,
                "--model",
                model.to_str().unwrap(),
            ])
            .env("NO_COLOR", "1")
            .env("NOTIFY_SOCKET", &notify_path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{why}: {stderr}");
        assert!(
            stderr.contains(model.to_str().unwrap()),
            "{why}: the message names the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{why}: {stderr}");
        assert!(!socket.exists(), "{why}: nothing listens");
        // The process has exited: its datagrams are queued already (a timeout is a failure, not a wait).
        let mut buf = vec![0u8; 8192];
        let n = notify
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("{why}: no notification: {e}"));
        let msg = String::from_utf8_lossy(&buf[..n]);
        let status = msg
            .lines()
            .find_map(|l| l.strip_prefix("STATUS="))
            .unwrap_or_else(|| panic!("{why}: no STATUS: {msg}"));
        assert!(
            status.starts_with("failed: ") && status.contains(model.to_str().unwrap()),
            "{why}: {status}"
        );
        assert!(!msg.lines().any(|l| l == "READY=1"), "{why}: {msg}");
    }
}
