//! Hostile texts never stall other clients.
//!
//! With a stand-in planner that does not return until released (any CPU-heavy request
//! planning, as the worst texts once caused), two clients' requests are held in it
//! while a third client's `describe`, `ping` and HTTP `/health` must still be answered:
//! planning runs off the async runtime's threads. Then the real daemon, the real model:
//! two clients send the worst texts, a third is served as usual (the figures are
//! printed, not asserted).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kokorod::http::HttpConfig;
use kokorod::server::ServerConfig;
use kokorod::speech::{PieceStream, SpeakRequest, Speech, SpeechError, VoiceInfo};
use kokorod::wyoming::{Event, Ping};

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::wyoming::{synthesize, Conn, TestServer};

/// A speech whose planning (`speak`) does not return until the test opens its gate.
#[derive(Default)]
struct HeldPlanner {
    open: Mutex<bool>,
    opened: Condvar,
    planning: AtomicUsize,
}

impl HeldPlanner {
    fn release(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Speech for HeldPlanner {
    fn voices(&self) -> Vec<VoiceInfo> {
        Vec::new()
    }
    fn default_voice(&self) -> String {
        "af_heart".into()
    }
    fn speak(&self, _req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        self.planning.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        Ok(futures::stream::iter([Ok(vec![1i16; 2400])]).boxed())
    }
}

/// Fails the test binary if the runtime is wedged (the test's own task cannot run to
/// notice): a hang guard on a thread of its own.
fn wedge_guard(what: &'static str) -> std::sync::mpsc::Sender<()> {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            wait.recv_timeout(Duration::from_secs(60))
        {
            eprintln!(
                "{what}: the async runtime is wedged (every worker thread is blocked in planning)"
            );
            std::process::exit(101);
        }
    });
    done
}

async fn until_planning(planner: &HeldPlanner, n: usize) {
    while planner.planning.load(Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_held_on_two_connections_stalls_no_one_else() {
    let done = wedge_guard("wyoming");
    let planner = Arc::new(HeldPlanner::default());
    let server = TestServer::start_with(planner.clone(), ServerConfig::default()).await;
    // As many held requests as the runtime has worker threads.
    let mut a = Conn::open(&server.tcp).await;
    let mut b = Conn::open(&server.unix).await;
    a.send(synthesize("held", None)).await;
    b.send(synthesize("held", None)).await;
    until_planning(&planner, 2).await;

    let mut c = Conn::open(&server.tcp).await;
    c.send(Event::Describe).await;
    assert!(
        matches!(c.next().await, Event::Info(_)),
        "describe answered while two requests plan"
    );
    c.send(Event::Ping(Ping {
        text: Some("still here".into()),
    }))
    .await;
    assert!(matches!(c.next().await, Event::Pong(_)));
    assert_eq!(
        planner.planning.load(Ordering::SeqCst),
        2,
        "both are still planning"
    );

    planner.release();
    for conn in [&mut a, &mut b] {
        assert_eq!(conn.audio(1024).await.len(), 2400);
    }
    server.stop().await;
    let _ = done.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_planning_held_on_two_requests_stalls_no_one_else() {
    let done = wedge_guard("http");
    let planner = Arc::new(HeldPlanner::default());
    let http = crate::support::http::TestHttp::start(planner.clone(), HttpConfig::default()).await;
    let body = br#"{"input":"held","response_format":"pcm"}"#;
    let held: Vec<_> = (0..2)
        .map(|_| {
            let addr = http.addr.clone();
            tokio::spawn(async move {
                crate::support::http::request(&addr, "POST", "/v1/audio/speech", &[], body).await
            })
        })
        .collect();
    until_planning(&planner, 2).await;
    let health = http.request("GET", "/health", &[], b"").await;
    // Answered (the stand-in has no voices, so it says "not ready"): nothing waited.
    assert_eq!(
        health.json()["reason"],
        "no voices installed",
        "health answered while two requests plan"
    );
    planner.release();
    for h in held {
        let answer = h.await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body.len(), 4800);
    }
    http.stop().await;
    let _ = done.send(());
}

/// The worst texts found: terminator runs, inline-markup openers, one unbroken word,
/// all within the 100,000-character limit.
fn worst_texts() -> Vec<String> {
    vec![
        "?".repeat(99_999) + "x",
        "[a](".repeat(25_000),
        "a".repeat(100_000),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worst_texts_on_the_real_daemon_leave_others_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::spawn(
        Path::new(env!("CARGO_BIN_EXE_kokorod")),
        dir.path(),
        &["--no-config"],
    )
    .unwrap();
    let uri = daemon.tcp.clone();

    for (round, worst) in worst_texts().into_iter().enumerate() {
        let mut hostile = Vec::new();
        for _ in 0..2 {
            let mut h = Conn::open(&uri).await;
            h.send(synthesize(&worst, None)).await;
            hostile.push(h);
        }
        let mut c = Conn::open(&uri).await;
        let asked = Instant::now();
        c.send(Event::Describe).await;
        assert!(matches!(c.next().await, Event::Info(_)));
        let describe = asked.elapsed();
        let asked = Instant::now();
        // A new text each round: an answer from the cache would prove nothing.
        let short = format!("The kitchen lights are on, number {round}.");
        c.send(synthesize(&short, None)).await;
        assert!(matches!(c.next().await, Event::AudioStart(_)));
        let Event::AudioChunk(chunk) = c.next().await else {
            panic!("expected audio")
        };
        let first = asked.elapsed();
        let head: Vec<i16> = chunk
            .audio
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let audio = c.audio_continued(1024, head).await;
        let short = asked.elapsed();
        assert!(model::rms(&audio) > 0.01, "the short answer is speech");
        // The hostile requests were accepted and speak (they are cut into pieces).
        for h in &mut hostile {
            assert!(matches!(h.next().await, Event::AudioStart(_)));
        }
        let shown: String = worst.chars().take(6).collect();
        eprintln!("worst text {shown:?}… ×2 running: describe answered in {describe:.2?}, a short synthesis's first audio in {first:.2?}, whole in {short:.2?}");
        // Hanging up cancels their work.
        drop(hostile);
    }
    let status = daemon.terminate(Duration::from_secs(120)).unwrap();
    let log = daemon.final_log(Duration::from_secs(10));
    assert!(status.success(), "exit {status}:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}
