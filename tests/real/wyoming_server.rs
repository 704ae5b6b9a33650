//! The Wyoming server with the real Kokoro pipeline: concurrent clients each get
//! their own complete audio, `describe` is answered while the engine is busy, a
//! vanished client's work leaves the queue, and the reference Python client
//! (`wyoming` 1.10.x) drives it over TCP and a Unix socket.

use kokorod::server::ServerConfig;
use kokorod::wyoming::Event;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::model;
use crate::support::wyoming::{synthesize, Conn, TestServer};

async fn server() -> TestServer {
    TestServer::start_with(model::speech(), ServerConfig::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_each_get_their_own_complete_audio() {
    let s = server().await;
    let texts = [
        "Turn on the lights.",
        "Lock the front door.",
        "It is sunny.",
        "Good night, everyone.",
        "The oven is hot.",
        "Play some music.",
        "Open the garage.",
        "Close the blinds.",
    ];
    let mut tasks = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let uri = if i % 2 == 0 {
            s.tcp.clone()
        } else {
            s.unix.clone()
        };
        let t = t.to_string();
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(&uri).await;
            c.send(synthesize(&t, None)).await;
            let audio = c.audio(1024).await;
            c.ping_pong("after").await;
            (t, audio)
        }));
    }
    for t in tasks {
        let (text, audio) = t.await.unwrap();
        // Each answer is this text's audio: non-silent, and exactly what the pipeline
        // makes for it alone (deterministic), so nothing was mixed or lost.
        assert!(model::rms(&audio) > 0.02, "{text}");
        let alone = {
            use futures::StreamExt;
            use kokorod::speech::{SpeakRequest, Speech};
            let mut st = model::speech()
                .speak(SpeakRequest::text(text.clone()))
                .unwrap();
            let mut all = Vec::new();
            while let Some(p) = st.next().await {
                all.extend(p.unwrap());
            }
            all
        };
        assert_eq!(audio, alone, "{text}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_is_answered_while_long_syntheses_run() {
    let s = server().await;
    let long = "This is a long answer with several sentences. It keeps the engine busy for a while. Then it goes on a little longer. And it ends here.";
    let mut busy = Vec::new();
    for _ in 0..4 {
        let mut c = Conn::open(&s.tcp).await;
        c.send(synthesize(long, None)).await;
        busy.push(c);
    }
    // Wait until the first busy client receives its audio-start: synthesis is under way.
    assert!(matches!(busy[0].next().await, Event::AudioStart(_)));
    let mut d = Conn::open(&s.unix).await;
    d.send(Event::Describe).await;
    let Event::Info(info) = d.next().await else {
        panic!("expected info")
    };
    assert_eq!(info.tts[0].name, "kokorod");
    assert!(info.tts[0].voices.iter().any(|v| v.name == "af_heart"));
    // Ordering, not timing: the info came while every long synthesis was still open.
    for c in busy.iter_mut().skip(1) {
        assert!(
            matches!(c.next().await, Event::AudioStart(_)),
            "still synthesizing"
        );
    }
    drop(busy);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_client_leaves_the_queue_empty() {
    // The quiet engine: this test waits for it to go idle.
    let (engine, speech) = model::quiet_speech();
    let s = TestServer::start_with(speech, ServerConfig::default()).await;
    let text = (0..12)
        .map(|i| format!("This is sentence number {i} of a long story. "))
        .collect::<String>();
    let mut c = Conn::open(&s.tcp).await;
    c.send(synthesize(&text, None)).await;
    assert!(matches!(c.next().await, Event::AudioStart(_)));
    drop(c);
    // Within a piece or two the work stops: the queue drains and completions stop growing.
    let mut settled = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let a = engine.info().completed.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let b = engine.info().completed.load(Ordering::Relaxed);
        if a == b && engine.info().queued.load(Ordering::Relaxed) == 0 {
            settled = true;
            break;
        }
    }
    assert!(settled, "the engine kept working for a client that left");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_close_and_nothing_speakable_is_empty() {
    let s = server().await;
    let mut c = Conn::open(&s.tcp).await;
    c.send(synthesize("Hello.", Some("nobody"))).await;
    let text = c.expect_refusal("unknown-voice").await;
    assert!(text.contains("nobody"), "{text}");
    let mut c = Conn::open(&s.tcp).await;
    for nothing in ["   ", "…", "🙂"] {
        c.send(synthesize(nothing, None)).await;
        assert!(c.audio(1024).await.is_empty(), "{nothing:?}");
    }
    // A removed voice of a known language: that language's best voice speaks.
    c.send(synthesize("Still here.", Some("af_nobody"))).await;
    let instead = c.audio(1024).await;
    c.send(synthesize("Still here.", Some("af_heart"))).await;
    assert_eq!(
        instead,
        c.audio(1024).await,
        "af_nobody should be read by af_heart"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_drives_the_real_pipeline() {
    let s = server().await;
    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/wyoming_real.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(&s.tcp)
        .arg(&s.unix)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), out)
        .await
        .expect("python client hung")
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "reference client failed ({}): {stdout}\n{stderr}\n(needs `pip install wyoming==1.10.2`; `make test` sets up a venv)", out.status);
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(": ok")).count(),
        2,
        "{stdout}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_request_is_not_starved_by_a_long_one() {
    let s = server().await;
    let long = (0..10)
        .map(|i| format!("This is sentence number {i} of a long story about the weather. "))
        .collect::<String>();
    let mut l = Conn::open(&s.tcp).await;
    l.send(synthesize(&long, None)).await;
    assert!(matches!(l.next().await, Event::AudioStart(_)));
    // The long answer is under way; a short one arrives and completes first
    // (ordering, not timing): its first piece goes ahead of the long one's later pieces.
    let mut short = Conn::open(&s.unix).await;
    short.send(synthesize("Yes.", None)).await;
    let audio = short.audio(1024).await;
    assert!(model::rms(&audio) > 0.02);
    let mut long_done = false;
    while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(1), l.recv()).await {
        if matches!(ev, Event::AudioStop(_)) {
            long_done = true;
        }
    }
    assert!(
        !long_done,
        "the long answer finished before the short one: the short one waited behind it"
    );
    drop(l);
    s.stop().await;
}
