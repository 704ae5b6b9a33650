//! Hostile requests against the real pipeline (real voices, G2P and model): voice
//! names that look like paths or carry NUL, a 100,000-character text, SSML bombs.
//! Each gets a clear error or is served and cancelled; the connection stays usable.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kokorod::server::ServerConfig;
use kokorod::wyoming::{Event, Synthesize, TextFormat};

use crate::support::model;
use crate::support::wyoming::{synthesize, Conn, TestServer};

/// On the quiet engine: these tests wait for the engine to go idle.
async fn server() -> TestServer {
    TestServer::start_with(model::quiet_speech().1, ServerConfig::default()).await
}

fn ssml(text: &str) -> Event {
    Event::Synthesize(Synthesize {
        text: text.into(),
        voice: None,
        text_format: Some(TextFormat::Ssml),
        context: None,
    })
}

/// Waits until the engine has nothing queued and completes nothing more.
async fn engine_settles() {
    let (engine, _) = model::quiet_speech();
    for _ in 0..100 {
        let a = engine.info().completed.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let b = engine.info().completed.load(Ordering::Relaxed);
        if a == b && engine.info().queued.load(Ordering::Relaxed) == 0 {
            return;
        }
    }
    panic!("the engine kept working for a request nobody waits for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_names_with_paths_or_nul_are_unknown_voices() {
    let s = server().await;
    for name in [
        "../../etc/passwd",
        "/etc/passwd",
        "af_heart/../../../etc/passwd",
        "..",
        "af_heart\0",
        "\0",
        "af_heart\0.bin",
        "voices/af_heart",
        "af_heart.bin",
        "AF_HEART",
        "af_heart(1e39)",
        "af_heart(nan)+am_adam",
        &"af_heart+".repeat(1000),
        &"x".repeat(100_000),
    ] {
        let mut c = Conn::open(&s.unix).await;
        c.send(synthesize("Hello.", Some(name))).await;
        let text = c.expect_refusal("unknown-voice").await;
        assert!(!text.contains('\0'), "{text:?}");
        assert!(
            text.len() < 1024,
            "an error of {} bytes for {:.20}",
            text.len(),
            name
        );
    }
    // The server still speaks.
    let mut c = Conn::open(&s.unix).await;
    c.send(synthesize("Fine.", Some("af_heart"))).await;
    assert!(model::rms(&c.audio(1024).await) > 0.02);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_characters_are_served_lazily_and_cancelled() {
    let s = server().await;
    let mut c = Conn::open(&s.tcp).await;
    // One character over the limit: refused before any work.
    c.send(synthesize(&"a".repeat(100_001), None)).await;
    c.expect_refusal("text-too-long").await;
    // Exactly the limit, as prose and as one unbroken word: audio starts (the text is
    // read piece by piece, not all at once), and hanging up cancels the rest.
    let prose = "The quick brown fox jumps over the lazy dog. ".repeat(100_000 / 45);
    let prose = format!("{prose}{}", "x".repeat(100_000 - prose.chars().count()));
    for text in [prose, "a".repeat(100_000)] {
        assert_eq!(text.chars().count(), 100_000);
        let mut c = Conn::open(&s.unix).await;
        c.send(synthesize(&text, None)).await;
        assert!(matches!(c.next().await, Event::AudioStart(_)));
        assert!(matches!(c.next().await, Event::AudioChunk(_)));
        drop(c);
        engine_settles().await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssml_bombs_are_refused_before_any_work() {
    let s = server().await;
    let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<speak>&lol3;</speak>"#;
    let deep = format!(
        "<speak>{}Hi{}</speak>",
        "<s>".repeat(5_000),
        "</s>".repeat(5_000)
    );
    let breaks = format!("<speak>{}</speak>", r#"<break time="10s"/>"#.repeat(31));
    let external = r#"<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>Hi</speak>"#;
    let undefined_entity = "<speak>&xxe;</speak>";
    for bomb in [billion_laughs, &deep, &breaks, external, undefined_entity] {
        let mut c = Conn::open(&s.tcp).await;
        c.send(ssml(bomb)).await;
        let text = c.expect_refusal("bad-ssml").await;
        assert!(text.contains("line") && text.contains("column"), "{text}");
    }
    // Five minutes of breaks, the most allowed, stream in bounded pieces; hanging up
    // mid-way ends it.
    let most = format!("<speak>Hi.{}</speak>", r#"<break time="10s"/>"#.repeat(30));
    let mut c = Conn::open(&s.unix).await;
    c.send(ssml(&most)).await;
    assert!(matches!(c.next().await, Event::AudioStart(_)));
    let mut largest = 0;
    for _ in 0..60 {
        match c.next().await {
            Event::AudioChunk(chunk) => largest = largest.max(chunk.audio.len()),
            other => panic!("{other:?}"),
        }
    }
    assert!(largest <= 2048, "chunks of {largest} bytes");
    drop(c);
    engine_settles().await;
    s.stop().await;
}
