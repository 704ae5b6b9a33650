//! The Wyoming server end to end, in process, with a fake `Speech`: TCP on
//! 127.0.0.1:0 and a Unix socket in a temp dir. Waits are on events (or on the
//! server's counters), never on fixed delays.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use kokorod::client;
use kokorod::server::ServerConfig;
use kokorod::wyoming::{
    Event, Frame, Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeVoice, TextFormat,
};
use tokio::io::AsyncWriteExt;

use crate::support::fake_speech::FakeSpeech;
use crate::support::wyoming::{events, long_text, synthesize, synthesize_in, Conn, TestServer};
use crate::support::{until_closed, GUARD};

const CHUNK: usize = 1024;

#[tokio::test]
async fn describe_ping_and_unknown_events() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    for uri in [&server.tcp, &server.unix] {
        let mut conn = Conn::open(uri).await;
        conn.send(Event::Unknown(Frame::new("select-program")))
            .await;
        conn.send(Event::Describe).await;
        let Event::Info(info) = conn.next().await else {
            panic!("expected info")
        };
        assert_eq!(info.tts.len(), 1);
        let program = &info.tts[0];
        assert_eq!(program.name, "kokorod");
        assert!(program.installed && program.supports_synthesize_streaming);
        assert_eq!(program.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(program.attribution.name, "hexgrad/Kokoro-82M");
        let voices: Vec<_> = program
            .voices
            .iter()
            .map(|v| (v.name.as_str(), v.languages.clone()))
            .collect();
        assert_eq!(
            voices,
            [
                ("af_heart", vec!["en-US".to_owned(), "en".to_owned()]),
                ("am_adam", vec!["en-US".to_owned(), "en".to_owned()]),
                ("bf_emma", vec!["en-GB".to_owned(), "en".to_owned()])
            ]
        );
        assert_eq!(
            program.voices[0].description.as_deref(),
            Some("Heart (en-US, female)")
        );
        assert!(program.voices.iter().all(|v| v.installed));
        conn.ping_pong("are you there").await;
    }
    let info = client::describe(&server.tcp).await.unwrap();
    assert_eq!(info.tts[0].voices.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn synthesize_answers_with_exactly_one_start_chunks_and_stop() {
    let cfg = ServerConfig {
        samples_per_chunk: 500,
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;
    let text = "Hello there. How are you today? Fine!";
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(synthesize(text, Some("bf_emma"))).await;
    let samples = conn.audio(500).await;
    assert_eq!(samples, FakeSpeech::expected(text));
    // Nothing after the stop: the next event answers the next request.
    conn.ping_pong("after").await;
    // Mixes, and a voice chosen by language only.
    conn.send(synthesize("Mixed.", Some("af_heart+bf_emma")))
        .await;
    assert_eq!(conn.audio(500).await, FakeSpeech::expected("Mixed."));
    conn.send(synthesize_in("British.", "en-GB")).await;
    assert_eq!(conn.audio(500).await, FakeSpeech::expected("British."));
    // Through the client too, on the Unix socket.
    let (format, pcm) = client::say(&server.unix, text, None).await.unwrap();
    assert_eq!((format.rate, format.width, format.channels), (24_000, 2, 1));
    assert_eq!(pcm, FakeSpeech::expected(text));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_clients_each_get_their_own_audio() {
    let server = TestServer::start(
        FakeSpeech::slow(Duration::from_millis(5)),
        ServerConfig::default(),
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let uri = if i % 2 == 0 {
            server.tcp.clone()
        } else {
            server.unix.clone()
        };
        let text = long_text(3 + i, &format!("client {i}"));
        tasks.push(tokio::spawn(async move {
            let (_, pcm) = client::say(&uri, &text, Some("am_adam")).await.unwrap();
            (text, pcm)
        }));
    }
    for task in tasks {
        let (text, pcm) = task.await.unwrap();
        assert_eq!(pcm.len(), FakeSpeech::expected(&text).len(), "{text}");
        assert!(
            pcm == FakeSpeech::expected(&text),
            "audio of another client for {text}"
        );
    }
    assert_eq!(server.stats.accepted_total(), 8);
    server.stop().await;
}

#[tokio::test]
async fn describe_is_answered_while_long_syntheses_run() {
    let speech = FakeSpeech::new();
    speech.close_gate(); // no synthesis can finish until the gate opens
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    let mut busy = Vec::new();
    for i in 0..4 {
        let mut conn = Conn::open(if i % 2 == 0 {
            &server.tcp
        } else {
            &server.unix
        })
        .await;
        let text = long_text(20, &format!("long {i}"));
        conn.send(synthesize(&text, None)).await;
        assert!(matches!(conn.next().await, Event::AudioStart(_)));
        busy.push((conn, text));
    }
    // A fresh connection, and each busy one, gets `info` while all four are running.
    let mut fresh = Conn::open(&server.tcp).await;
    fresh.send(Event::Describe).await;
    assert!(matches!(fresh.next().await, Event::Info(_)));
    for (conn, _) in &mut busy {
        conn.send(Event::Describe).await;
        assert!(
            matches!(conn.next().await, Event::Info(_)),
            "info before any audio-stop"
        );
        conn.ping_pong("still busy").await;
    }
    assert_eq!(speech.live(), 4, "no synthesis has finished");
    speech.open_gate();
    for (conn, text) in &mut busy {
        assert_eq!(
            conn.audio_after_start(CHUNK).await,
            FakeSpeech::expected(text)
        );
    }
    speech.wait_none_live().await;
    assert_eq!(speech.dropped_early(), 0);
    server.stop().await;
}

#[tokio::test]
async fn disconnect_mid_synthesis_drops_the_work() {
    let speech = FakeSpeech::slow(Duration::from_millis(20));
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    for uri in [&server.tcp, &server.unix] {
        let mut conn = Conn::open(uri).await;
        conn.send(synthesize(&long_text(100, "gone"), None)).await;
        assert!(matches!(conn.next().await, Event::AudioStart(_)));
        assert!(matches!(conn.next().await, Event::AudioChunk(_)));
        drop(conn);
        speech.wait_none_live().await;
    }
    assert_eq!(speech.dropped_early(), 2);
    server.stop().await;
}

#[tokio::test]
async fn a_new_synthesize_cancels_the_running_one() {
    let speech = FakeSpeech::new();
    speech.close_gate();
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(synthesize(&long_text(50, "first"), None)).await;
    assert!(matches!(conn.next().await, Event::AudioStart(_)));
    conn.send(synthesize("Second one. Right now.", None)).await;
    // The first answer is closed, then the second begins.
    assert!(matches!(conn.next().await, Event::AudioStop(_)));
    assert_eq!(speech.dropped_early(), 1);
    speech.open_gate();
    assert_eq!(
        conn.audio(CHUNK).await,
        FakeSpeech::expected("Second one. Right now.")
    );
    conn.ping_pong("done").await;
    server.stop().await;
}

fn start_stream(voice: Option<&str>) -> Event {
    Event::SynthesizeStart(SynthesizeStart {
        voice: voice.map(|v| SynthesizeVoice {
            name: Some(v.into()),
            ..Default::default()
        }),
        text_format: None,
        context: None,
    })
}

fn chunk(text: &str) -> Event {
    Event::SynthesizeChunk(SynthesizeChunk { text: text.into() })
}

#[tokio::test]
async fn streamed_text_is_spoken_sentence_by_sentence() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    for uri in [&server.tcp, &server.unix] {
        let mut conn = Conn::open(uri).await;
        conn.send(start_stream(Some("af_heart"))).await;
        conn.send(chunk("Hello wor")).await;
        conn.send(chunk("ld. How are")).await;
        // The first sentence is spoken before the rest of the text exists.
        assert_eq!(conn.audio(CHUNK).await, FakeSpeech::render("Hello world."));
        conn.send(chunk(" you? Fine")).await;
        // The compatibility `synthesize` inside a stream is ignored.
        conn.send(synthesize("Hello world. How are you? Fine", None))
            .await;
        conn.send(Event::SynthesizeStop).await;
        assert_eq!(conn.audio(CHUNK).await, FakeSpeech::render("How are you?"));
        assert_eq!(conn.audio(CHUNK).await, FakeSpeech::render("Fine"));
        assert!(matches!(conn.next().await, Event::SynthesizeStopped));
        conn.ping_pong("nothing else").await;

        // A stream with nothing speakable still ends properly.
        conn.send(start_stream(None)).await;
        conn.send(chunk("... ")).await;
        conn.send(Event::SynthesizeStop).await;
        assert!(matches!(conn.next().await, Event::SynthesizeStopped));
    }
    server.stop().await;
}

#[tokio::test]
async fn a_streamed_texts_later_sentences_continue_its_answer() {
    let speech = FakeSpeech::new();
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(synthesize("A plain answer. Two sentences.", None))
        .await;
    conn.audio(CHUNK).await;
    // Nothing speakable first: the first sentence with audio is the answer's start.
    conn.send(start_stream(None)).await;
    conn.send(chunk("... Hello world. How are you? ")).await;
    conn.send(chunk("Fine.")).await;
    conn.send(Event::SynthesizeStop).await;
    for _ in 0..3 {
        conn.audio(CHUNK).await;
    }
    assert!(matches!(conn.next().await, Event::SynthesizeStopped));
    // A new stream starts a new answer.
    conn.send(start_stream(None)).await;
    conn.send(chunk("Again. And again.")).await;
    conn.send(Event::SynthesizeStop).await;
    for _ in 0..2 {
        conn.audio(CHUNK).await;
    }
    assert!(matches!(conn.next().await, Event::SynthesizeStopped));
    let continued: Vec<(String, bool)> = speech
        .asked()
        .into_iter()
        .filter(|(t, _)| t != "...")
        .collect();
    let want = [
        ("A plain answer. Two sentences.", false),
        ("Hello world.", false),
        ("How are you?", true),
        ("Fine.", true),
        ("Again.", false),
        ("And again.", true),
    ]
    .map(|(t, c)| (t.to_owned(), c));
    assert_eq!(continued, want);
    server.stop().await;
}

#[tokio::test]
async fn a_failed_stream_ends_with_error_then_close() {
    let cfg = ServerConfig {
        max_text_chars: 60,
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;

    let mut conn = Conn::open(&server.tcp).await;
    conn.send(start_stream(Some("xx_nobody"))).await;
    conn.send(chunk("Hi there. And")).await;
    conn.expect_refusal("unknown-voice").await;

    let mut conn = Conn::open(&server.tcp).await;
    conn.send(Event::SynthesizeStart(SynthesizeStart {
        text_format: Some(TextFormat::Other("markdown".into())),
        ..Default::default()
    }))
    .await;
    conn.expect_refusal("bad-text-format").await;

    let mut conn = Conn::open(&server.tcp).await;
    conn.send(start_stream(None)).await;
    // A sentence end is confirmed by the next sentence's first character (so that
    // "Dr. Smith" is not cut), as an LLM stream's next token does.
    conn.send(chunk("One two three. N")).await;
    assert_eq!(
        conn.audio(CHUNK).await,
        FakeSpeech::render("One two three.")
    );
    conn.send(chunk(&"x".repeat(50))).await;
    conn.expect_refusal("text-too-long").await;

    // Failing mid-audio: no `audio-stop` (the audio so far is no complete answer).
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(start_stream(None)).await;
    conn.send(chunk("This will explode. T")).await;
    assert!(matches!(conn.next().await, Event::AudioStart(_)));
    conn.expect_refusal("synthesis-failed").await;

    // A stream whose voice is gone but whose name gives its language is spoken.
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(start_stream(Some("bf_removed"))).await;
    conn.send(chunk("Hello there. And more.")).await;
    conn.send(Event::SynthesizeStop).await;
    assert_eq!(conn.audio(CHUNK).await, FakeSpeech::render("Hello there."));
    assert_eq!(conn.audio(CHUNK).await, FakeSpeech::render("And more."));
    assert!(matches!(conn.next().await, Event::SynthesizeStopped));
    conn.ping_pong("usable").await;
    server.stop().await;
}

#[tokio::test]
async fn a_refused_request_gets_error_then_close() {
    let cfg = ServerConfig {
        max_text_chars: 100,
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;

    let mut conn = Conn::open(&server.unix).await;
    conn.send(synthesize("Hello.", Some("xx_nobody"))).await;
    let text = conn.expect_refusal("unknown-voice").await;
    assert!(text.contains("xx_nobody"), "{text}");

    let mut conn = Conn::open(&server.unix).await;
    let mut no_text = Frame::new("synthesize");
    no_text
        .data
        .insert("voice".into(), serde_json::json!({"name": "af_heart"}));
    conn.send(Event::Unknown(no_text)).await;
    conn.expect_refusal("bad-event").await;

    let mut conn = Conn::open(&server.tcp).await;
    conn.send(synthesize(&"a".repeat(101), None)).await;
    let text = conn.expect_refusal("text-too-long").await;
    assert!(text.contains("101") && text.contains("100"), "{text}");

    let ssml = |text: &str| {
        Event::Synthesize(Synthesize {
            text: text.into(),
            voice: None,
            text_format: Some(TextFormat::Ssml),
            context: None,
        })
    };
    let mut conn = Conn::open(&server.tcp).await;
    conn.send(ssml("<speak>Fine markup.</speak>")).await;
    assert_eq!(
        conn.audio(CHUNK).await,
        FakeSpeech::expected("Fine markup.")
    );
    conn.send(ssml("<speak>Broken <b>markup</speak")).await;
    conn.expect_refusal("bad-ssml").await;

    let mut conn = Conn::open(&server.tcp).await;
    conn.send(synthesize("Good start. Then explode. Never.", None))
        .await;
    assert!(matches!(conn.next().await, Event::AudioStart(_)));
    assert!(matches!(conn.next().await, Event::AudioChunk(_)));
    loop {
        match conn.next().await {
            Event::AudioChunk(_) => {}
            Event::Error(error) => {
                assert_eq!(error.code.as_deref(), Some("synthesis-failed"));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    conn.expect_closed().await;
    assert!(server.stats.errors_total() >= 5);
    server.stop().await;
}

#[tokio::test]
async fn nothing_speakable_is_an_empty_answer() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    for text in ["", "   ", "...", "\n\t"] {
        conn.send(synthesize(text, None)).await;
        assert!(conn.audio(CHUNK).await.is_empty(), "{text:?}");
    }
    conn.ping_pong("usable").await;
    assert_eq!(server.stats.errors_total(), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_gone_voice_is_replaced_by_one_of_its_language() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    // Kokoro-shaped names: the language is known, a voice of it speaks.
    for name in ["bf_removed", "am_gone", "zf_missing"] {
        conn.send(synthesize("Still spoken.", Some(name))).await;
        assert_eq!(
            conn.audio(CHUNK).await,
            FakeSpeech::expected("Still spoken."),
            "{name}"
        );
    }
    conn.ping_pong("usable").await;
    assert_eq!(server.stats.errors_total(), 0);
    server.stop().await;
}

/// Sends `bytes` on a raw connection; returns the events received before the server
/// closed it (a reset counts as closed).
async fn send_raw(uri: &str, bytes: Vec<u8>) -> Vec<Event> {
    let endpoint: kokorod::net::Endpoint = uri.parse().unwrap();
    let stream = endpoint.connect().await.unwrap();
    let (mut reader, mut writer) = tokio::io::split(stream);
    // Write concurrently: the server may close before taking everything.
    let write = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        writer
    });
    let received = until_closed(&mut reader).await;
    drop(write.await);
    events(&received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_closes_that_connection_and_others_are_still_served() {
    let speech = FakeSpeech::slow(Duration::from_millis(10));
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    // A long synthesis runs on another connection the whole time.
    let mut bystander = Conn::open(&server.tcp).await;
    let text = long_text(40, "bystander");
    bystander.send(synthesize(&text, None)).await;
    assert!(matches!(bystander.next().await, Event::AudioStart(_)));

    let mut ten_megabytes = vec![b'{'; 10 * 1024 * 1024];
    ten_megabytes.push(b'\n');
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"not json at all\n".to_vec()),
        ("no type", b"{\"version\":\"1.0\"}\n".to_vec()),
        ("type not a string", b"{\"type\":5}\n".to_vec()),
        (
            "negative length",
            b"{\"type\":\"synthesize\",\"data_length\":-1}\n".to_vec(),
        ),
        (
            "huge length",
            b"{\"type\":\"synthesize\",\"data_length\":99999999999999}\n".to_vec(),
        ),
        (
            "fractional length",
            b"{\"type\":\"synthesize\",\"payload_length\":1.5}\n".to_vec(),
        ),
        (
            "invalid UTF-8 header",
            b"{\"type\":\"synth\xff\xfe\"}\n".to_vec(),
        ),
        (
            "invalid UTF-8 data",
            b"{\"type\":\"synthesize\",\"data_length\":13}\n{\"text\":\"\xff\xfe\"}".to_vec(),
        ),
        (
            "data not JSON",
            b"{\"type\":\"synthesize\",\"data_length\":5}\nhello".to_vec(),
        ),
        ("10 MB header line", ten_megabytes),
    ];
    for (i, (what, bytes)) in cases.into_iter().enumerate() {
        let uri = if i % 2 == 0 {
            &server.tcp
        } else {
            &server.unix
        };
        let events = send_raw(uri, bytes).await;
        match events.as_slice() {
            [Event::Error(error)] => assert_eq!(
                error.code.as_deref(),
                Some("bad-frame"),
                "{what}: {}",
                error.text
            ),
            [] => {} // closed (or reset) before the error could be read
            other => panic!("{what}: unexpected reply {other:?}"),
        }
        // Meanwhile, other clients are served.
        let (_, pcm) = client::say(&server.unix, "Still here.", None)
            .await
            .unwrap();
        assert_eq!(pcm, FakeSpeech::expected("Still here."), "{what}");
    }
    assert_eq!(
        bystander.audio_after_start(CHUNK).await,
        FakeSpeech::expected(&text)
    );
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_are_told_and_closed() {
    let cfg = ServerConfig {
        max_connections: 2,
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;
    let mut first = Conn::open(&server.tcp).await;
    first.ping_pong("1").await;
    let mut second = Conn::open(&server.unix).await;
    second.ping_pong("2").await;
    assert_eq!(server.stats.open_connections(), 2);

    let mut third = Conn::open(&server.tcp).await;
    let text = third.expect_error("too-many-connections").await;
    assert!(text.contains('2'), "{text}");
    assert!(third.recv().await.is_none(), "closed after the error");
    assert_eq!(server.stats.refused_total(), 1);
    second.ping_pong("unaffected").await;

    // A slot frees when a client leaves.
    drop(first);
    let deadline = tokio::time::Instant::now() + GUARD;
    while server.stats.open_connections() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "slot not released");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut fourth = Conn::open(&server.tcp).await;
    fourth.ping_pong("4").await;
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed_busy_ones_are_not() {
    let cfg = ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let speech = FakeSpeech::slow(Duration::from_millis(150));
    let server = TestServer::start(speech, cfg).await;
    let mut busy = Conn::open(&server.unix).await;
    let mut idle = Conn::open(&server.tcp).await;
    // Five pieces of 150 ms: longer than the idle timeout, sent with no further input.
    let text = long_text(5, "busy");
    busy.send(synthesize(&text, None)).await;
    assert_eq!(busy.audio(CHUNK).await, FakeSpeech::expected(&text));
    assert!(idle.recv().await.is_none(), "idle connection closed");
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped() {
    let cfg = ServerConfig {
        write_timeout: Duration::from_millis(300),
        send_buffer_events: 4,
        ..ServerConfig::default()
    };
    let speech = FakeSpeech::new();
    let server = TestServer::start(speech.clone(), cfg).await;
    // Far more audio (about 12 MB) than socket buffers hold; never read.
    let mut conn = Conn::open(&server.unix).await;
    conn.send(synthesize(
        &long_text(400, "a client that does not listen at all"),
        None,
    ))
    .await;
    speech.wait_speaks(1).await;
    speech.wait_none_live().await;
    assert_eq!(speech.dropped_early(), 1);
    assert_eq!(server.stats.slow_clients_dropped(), 1);
    // Others are fine.
    let (_, pcm) = client::say(&server.tcp, "Fine.", None).await.unwrap();
    assert_eq!(pcm, FakeSpeech::expected("Fine."));
    drop(conn);
    server.stop().await;
}

#[tokio::test]
async fn socket_file_has_mode_0660_and_is_removed_on_shutdown() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let socket = server.socket.clone();
    let mode = std::fs::symlink_metadata(&socket)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o660);
    client::say(&server.unix, "Hi.", None).await.unwrap();
    let tcp = server.tcp.clone();
    server.stop().await;
    assert!(!socket.exists(), "socket file removed");
    assert!(
        client::say(&tcp, "Hi.", None).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn shutdown_lets_running_requests_finish() {
    let speech = FakeSpeech::slow(Duration::from_millis(30));
    let server = TestServer::start(speech, ServerConfig::default()).await;
    let mut busy = Conn::open(&server.tcp).await;
    let mut idle = Conn::open(&server.unix).await;
    idle.ping_pong("idle").await;
    let text = long_text(5, "last words");
    busy.send(synthesize(&text, None)).await;
    assert!(matches!(busy.next().await, Event::AudioStart(_)));
    server.shutdown.cancel();
    assert!(
        idle.recv().await.is_none(),
        "idle connection closed on shutdown"
    );
    assert_eq!(
        busy.audio_after_start(CHUNK).await,
        FakeSpeech::expected(&text)
    );
    assert!(busy.recv().await.is_none(), "closed after its request");
    server.join().await;
}

#[tokio::test]
async fn a_connection_accepted_before_shutdown_gets_its_first_request_answered() {
    // A balancer connected here just before the drain; the client's request follows.
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;
    while server.stats.connections().open() == 0 {
        tokio::time::timeout(GUARD, server.stats.connections_changed())
            .await
            .expect("the connection is accepted");
    }
    server.shutdown.cancel();
    let text = "Sent after the shutdown began.";
    conn.send(synthesize(text, None)).await;
    assert_eq!(conn.audio(CHUNK).await, FakeSpeech::expected(text));
    assert!(conn.recv().await.is_none(), "closed after its request");
    server.join().await;
}

#[tokio::test]
async fn shutdown_cancels_sessions_after_the_grace_period() {
    let speech = FakeSpeech::new();
    speech.close_gate();
    let cfg = ServerConfig {
        shutdown_grace: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let server = TestServer::start(speech.clone(), cfg).await;
    let mut stuck = Conn::open(&server.tcp).await;
    stuck.send(synthesize("Never finishes.", None)).await;
    assert!(matches!(stuck.next().await, Event::AudioStart(_)));
    let socket = server.socket.clone();
    server.stop().await;
    // Cut short, the answer ends with an `error`, never a torn frame, then closes.
    stuck.expect_error("shutting-down").await;
    assert!(stuck.recv().await.is_none());
    speech.wait_none_live().await;
    assert_eq!(speech.dropped_early(), 1);
    assert!(!socket.exists());
}
