//! Hostile input against the Wyoming server (fake engine, in process): a header line
//! that never ends, lengths that lie, deeply nested JSON, lone surrogates, and a
//! thousand connections at once. Each must end that connection (or refuse it) with a
//! clear reason, hold nothing afterwards, and leave everyone else served.
//! Also one fault: a client vanishing in the middle of a streamed text.
//! (The 10 MB header, huge and negative lengths and invalid UTF-8 are in
//! `wyoming_server`; voice names, long texts and SSML bombs against the real
//! pipeline are in the real tests' `hostile_requests`.)

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kokorod::client;
use kokorod::net::{Endpoint, MAX_REFUSING};
use kokorod::server::ServerConfig;
use kokorod::wyoming::{Event, Ping, SynthesizeChunk, SynthesizeStart, WyomingCodec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::Framed;

use crate::support::fake_speech::FakeSpeech;
use crate::support::wyoming::{events, long_text, Conn, TestServer};
use crate::support::{until_closed, GUARD};

async fn connect(uri: &str) -> kokorod::net::Stream {
    uri.parse::<Endpoint>().unwrap().connect().await.unwrap()
}

/// The events the server sends until it closes the connection.
async fn events_until_closed(stream: &mut kokorod::net::Stream) -> Vec<Event> {
    events(&until_closed(stream).await)
}

/// Waits (on the server's counter) until no connection is open.
async fn until_no_connections(server: &TestServer) {
    let deadline = tokio::time::Instant::now() + GUARD;
    while server.stats.open_connections() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} connection(s) still held",
            server.stats.open_connections()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn still_served(server: &TestServer) {
    let (_, pcm) = client::say(&server.unix, "Still here.", None)
        .await
        .unwrap();
    assert_eq!(pcm, FakeSpeech::expected("Still here."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_line_that_never_ends_is_cut_off_by_the_idle_timeout() {
    let cfg = ServerConfig {
        idle_timeout: Duration::from_millis(400),
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;
    // Slowloris: a byte every 20 ms, never a newline. Bytes that complete no frame do
    // not count as activity, so the trickle cannot hold the connection forever.
    let mut stream = connect(&server.tcp).await;
    let (mut reader, mut writer) = tokio::io::split(&mut stream);
    let drip = async {
        writer
            .write_all(b"{\"type\":\"describe\",\"x\":\"")
            .await
            .unwrap();
        loop {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let closed = async {
        let mut buf = [0u8; 64];
        // The server answers nothing and closes.
        matches!(reader.read(&mut buf).await, Ok(0) | Err(_))
    };
    let closed = tokio::time::timeout(GUARD, async {
        tokio::select! {
            () = drip => false,
            closed = closed => closed,
        }
    })
    .await
    .expect("a trickling header must not hold the connection");
    assert!(closed);
    until_no_connections(&server).await;
    still_served(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lengths_that_lie_hold_nothing() {
    let cfg = ServerConfig {
        idle_timeout: Duration::from_millis(400),
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;

    // Announces 1000 bytes of data, sends 10, then waits: the idle timeout ends it.
    let mut waiting = connect(&server.unix).await;
    waiting
        .write_all(b"{\"type\":\"synthesize\",\"data_length\":1000}\n{\"text\":\"")
        .await
        .unwrap();
    // Announces a payload larger than it sends, then hangs up: nothing is answered.
    let mut leaving = connect(&server.tcp).await;
    leaving
        .write_all(b"{\"type\":\"audio-chunk\",\"payload_length\":65536}\n\x00\x01\x02")
        .await
        .unwrap();
    leaving.shutdown().await.unwrap();
    assert!(events_until_closed(&mut leaving).await.is_empty());
    assert!(events_until_closed(&mut waiting).await.is_empty());

    // Lengths just over the limit, and beyond any integer, are refused at the header.
    for header in [
        &b"{\"type\":\"synthesize\",\"data_length\":1048577}\n"[..],
        b"{\"type\":\"audio-chunk\",\"payload_length\":18446744073709551615}\n",
        b"{\"type\":\"audio-chunk\",\"payload_length\":1e300}\n",
        b"{\"type\":\"audio-chunk\",\"payload_length\":\"12\"}\n",
    ] {
        let mut stream = connect(&server.tcp).await;
        stream.write_all(header).await.unwrap();
        let events = events_until_closed(&mut stream).await;
        match events.as_slice() {
            [Event::Error(e)] => assert_eq!(e.code.as_deref(), Some("bad-frame"), "{}", e.text),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(header)),
        }
    }
    until_no_connections(&server).await;
    still_served(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_and_lone_surrogates_are_refused() {
    let server = TestServer::start(FakeSpeech::new(), ServerConfig::default()).await;
    let mut nested_header = b"{\"type\":\"synthesize\",\"data\":{\"text\":".to_vec();
    nested_header.extend(std::iter::repeat_n(b'[', 30_000));
    nested_header.push(b'\n');
    let depth = 500_000;
    let mut nested_data =
        format!("{{\"type\":\"synthesize\",\"data_length\":{depth}}}\n").into_bytes();
    nested_data.extend(std::iter::repeat_n(b'[', depth));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("30,000 levels in the header", nested_header),
        ("500,000 levels in the data block", nested_data),
        (
            "a lone surrogate",
            b"{\"type\":\"synthesize\",\"data\":{\"text\":\"\\udc00\"}}\n".to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let mut stream = connect(&server.tcp).await;
        let (mut reader, mut writer) = tokio::io::split(&mut stream);
        let write = async {
            let _ = writer.write_all(&bytes).await;
        };
        let mut received = Vec::new();
        let read = async {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
        };
        tokio::time::timeout(GUARD, futures::future::join(write, read))
            .await
            .expect(what);
        let text = String::from_utf8_lossy(&received);
        assert!(text.contains("\"code\":\"bad-frame\""), "{what}: {text}");
        still_served(&server).await;
    }

    // Nesting the JSON parser accepts, where a string belongs: `bad-event`, then the
    // connection is closed; the server still serves others.
    let mut conn = Framed::new(connect(&server.unix).await, WyomingCodec::default());
    let deep_name = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let frame = format!(
        "{{\"type\":\"synthesize\",\"data\":{{\"text\":\"Hi.\",\"voice\":{{\"name\":{deep_name}}}}}}}\n"
    );
    conn.get_mut().write_all(frame.as_bytes()).await.unwrap();
    let event = Event::try_from(conn.next().await.unwrap().unwrap()).unwrap();
    assert!(
        matches!(&event, Event::Error(e) if e.code.as_deref() == Some("bad-event")),
        "{event:?}"
    );
    assert!(
        matches!(conn.next().await, None | Some(Err(_))),
        "not closed"
    );
    still_served(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_get_their_slots_a_clear_refusal_or_a_prompt_close() {
    const MAX: usize = 16;
    const CONNECTIONS: usize = 1000;
    let cfg = ServerConfig {
        max_connections: MAX,
        ..ServerConfig::default()
    };
    let server = TestServer::start(FakeSpeech::new(), cfg).await;
    let mut conns = Vec::new();
    for i in 0..CONNECTIONS {
        let uri = if i % 2 == 0 {
            &server.tcp
        } else {
            &server.unix
        };
        let mut conn = Framed::new(connect(uri).await, WyomingCodec::default());
        // A refused connection may already be closed: a failed send is fine.
        let _ = conn
            .send(Event::Ping(Ping {
                text: Some(i.to_string()),
            }))
            .await;
        conns.push(conn);
    }
    let (mut served, mut refused, mut closed) = (0, 0, 0);
    for conn in &mut conns {
        let frame = tokio::time::timeout(GUARD, conn.next())
            .await
            .expect("every connection gets an answer or is closed");
        // Past MAX_REFUSING refusals in flight, a connection is closed with nothing said.
        let Some(Ok(frame)) = frame else {
            closed += 1;
            continue;
        };
        match Some(Event::try_from(frame).unwrap()) {
            Some(Event::Pong(_)) => served += 1,
            Some(Event::Error(e)) => {
                assert_eq!(
                    e.code.as_deref(),
                    Some("too-many-connections"),
                    "{}",
                    e.text
                );
                assert!(e.text.contains(&MAX.to_string()), "{}", e.text);
                refused += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(served, MAX);
    assert!(refused >= MAX_REFUSING, "{refused} told");
    assert_eq!(refused + closed, CONNECTIONS - MAX);
    assert_eq!(server.stats.refused_total(), (CONNECTIONS - MAX) as u64);
    drop(conns);
    until_no_connections(&server).await;
    still_served(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_vanishing_mid_stream_cancels_its_work() {
    let speech = FakeSpeech::slow(Duration::from_millis(20));
    let server = TestServer::start(speech.clone(), ServerConfig::default()).await;
    for uri in [&server.tcp, &server.unix] {
        let mut conn = Conn::open(uri).await;
        conn.send(Event::SynthesizeStart(SynthesizeStart::default()))
            .await;
        // A long sentence (many pieces) and the start of the next.
        let text = format!("{} And th", long_text(60, "streamed").replace(". ", ", "));
        conn.send(Event::SynthesizeChunk(SynthesizeChunk { text }))
            .await;
        assert!(matches!(conn.next().await, Event::AudioStart(_)));
        assert!(matches!(conn.next().await, Event::AudioChunk(_)));
        // Held from here on, the work cannot run to its end before the server sees
        // the client gone, however the machine schedules the two.
        speech.close_gate();
        drop(conn);
        // No stream alive is not enough: the session may be between two pieces.
        until_no_connections(&server).await;
        speech.wait_none_live().await;
        speech.open_gate();
    }
    assert_eq!(
        speech.dropped_early(),
        2,
        "both streams' work was dropped unfinished"
    );
    until_no_connections(&server).await;
    still_served(&server).await;
    server.stop().await;
}
