//! Hostile HTTP clients against the HTTP API's connection layer (fake engine, real
//! sockets): heads and bodies that never end, idle connections, oversized heads and
//! bodies, clients that stop reading, and more connections than the limit.

use std::sync::Arc;
use std::time::Duration;

use kokorod::http::HttpConfig;
use kokorod::metrics::Protocol;
use kokorod::net::MAX_REFUSING;
use kokorod::speech::EngineLoad;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::fake_speech::FakeSpeech;
use crate::support::http::{speech_body, TestHttp};
use crate::support::{until_closed, GUARD};

/// Waits (on the shared metrics) until the HTTP server holds no connection.
async fn until_no_connections(http: &TestHttp) {
    let deadline = tokio::time::Instant::now() + GUARD;
    while http.metrics.open_connections(Protocol::Http) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} connection(s) still held",
            http.metrics.open_connections(Protocol::Http)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn still_served(http: &TestHttp) {
    let a = http
        .request(
            "POST",
            "/v1/audio/speech",
            &[],
            &speech_body("Still here.", "pcm"),
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.complete);
    assert_eq!(a.body.len(), FakeSpeech::expected("Still here.").len() * 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_that_never_end_and_idle_connections_are_closed_at_the_read_timeout() {
    let cfg = HttpConfig {
        read_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;

    // Slowloris: a header byte every 50 ms, never the blank line; bytes are not progress.
    let mut slow = TcpStream::connect(&http.addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let trickle = async {
        loop {
            if slow.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(GUARD, trickle)
        .await
        .expect("the server must cut the trickling head off");

    // A connection that never sends anything.
    let mut silent = TcpStream::connect(&http.addr).await.unwrap();
    until_closed(&mut silent).await;

    // A keep-alive connection, idle after one answer.
    let mut idle = TcpStream::connect(&http.addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let raw = until_closed(&mut idle).await;
    let a = crate::support::http::parse(&raw);
    assert_eq!(a.status, 200, "the request itself was answered");
    assert!(
        a.header("connection")
            .is_none_or(|v| !v.eq_ignore_ascii_case("close")),
        "kept alive until idle"
    );

    until_no_connections(&http).await;
    still_served(&http).await;
    http.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_may_stream_for_longer_than_the_read_timeout() {
    // The read timeout bounds what the client sends, never how long we speak.
    let cfg = HttpConfig {
        read_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::slow(Duration::from_millis(250))), cfg).await;
    let text = "One sentence. Another one. A third. And the fourth. The fifth and last.";
    let started = std::time::Instant::now();
    let a = http
        .request("POST", "/v1/audio/speech", &[], &speech_body(text, "pcm"))
        .await;
    assert_eq!(a.status, 200);
    assert!(a.complete, "cut off after {:?}", started.elapsed());
    assert_eq!(a.body.len(), FakeSpeech::expected(text).len() * 2);
    assert!(
        started.elapsed() > Duration::from_millis(300),
        "the fake was not slow enough to show anything"
    );
    http.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_lie_or_never_arrive_are_refused_and_the_connection_closed() {
    let cfg = HttpConfig {
        read_timeout: Duration::from_millis(500),
        ..HttpConfig::default()
    };
    let body_limit = cfg.body_limit();
    let fake = FakeSpeech::new();
    let http = TestHttp::start(Arc::new(fake.clone()), cfg).await;

    // More body announced than sent: 408 once the read timeout is over, then closed.
    let mut s = TcpStream::connect(&http.addr).await.unwrap();
    s.write_all(b"POST /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\": ").await.unwrap();
    let a = crate::support::http::parse(&until_closed(&mut s).await);
    assert_eq!(a.status, 408);
    assert_eq!(a.error_code(), "request_timeout");
    assert_eq!(a.header("connection"), Some("close"));

    // A declared length over the limit: 413 at once, nothing read.
    let mut s = TcpStream::connect(&http.addr).await.unwrap();
    let head = format!("POST /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", 1u64 << 40);
    s.write_all(head.as_bytes()).await.unwrap();
    let a = crate::support::http::parse(&until_closed(&mut s).await);
    assert_eq!(a.status, 413);
    assert_eq!(a.error_code(), "request_too_large");

    // Chunked, with no length to judge by: cut at the limit.
    let mut s = TcpStream::connect(&http.addr).await.unwrap();
    s.write_all(b"POST /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..=body_limit / chunk.len() {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if s.write_all(&framed).await.is_err() {
            break;
        }
    }
    let a = crate::support::http::parse(&until_closed(&mut s).await);
    assert_eq!(a.status, 413);

    // A 10 MB head: refused by the parser (431), never buffered whole.
    let mut s = TcpStream::connect(&http.addr).await.unwrap();
    let mut head = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    head.resize(10 << 20, b'a');
    let _ = s.write_all(&head).await;
    let raw = until_closed(&mut s).await;
    if !raw.is_empty() {
        assert_eq!(crate::support::http::parse(&raw).status, 431);
    }

    assert_eq!(fake.speaks(), 0, "no refused request reached the engine");
    until_no_connections(&http).await;
    still_served(&http).await;
    http.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_and_its_synthesis_cancelled() {
    let cfg = HttpConfig {
        write_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let fake = FakeSpeech::new();
    let http = TestHttp::start(Arc::new(fake.clone()), cfg).await;
    // Far more audio than loopback TCP buffers hold (they grow to several MB): about
    // 44 MB (95,000 characters, under the text limit), never read.
    let text = "A client that does not listen at all. ".repeat(2500);
    let s = crate::support::http::send(
        &http.addr,
        "POST",
        "/v1/audio/speech",
        &speech_body(&text, "pcm"),
    )
    .await;
    fake.wait_speaks(1).await;
    fake.wait_none_live().await;
    assert_eq!(
        fake.dropped_early(),
        1,
        "the synthesis stopped with the connection (open: {})",
        http.metrics
            .open_connections(kokorod::metrics::Protocol::Http)
    );
    until_no_connections(&http).await;
    still_served(&http).await;
    drop(s);
    http.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_get_their_slots_a_503_or_a_prompt_close() {
    const MAX: usize = 16;
    const CONNECTIONS: usize = 1000;
    let cfg = HttpConfig {
        max_connections: MAX,
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let mut conns = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut s = TcpStream::connect(&http.addr).await.unwrap();
        // Kept alive: a served connection holds its slot after the answer.
        let _ = s
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await;
        conns.push(s);
    }
    let (mut served, mut refused, mut closed) = (0, 0, 0);
    for s in &mut conns {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        // Up to the end of the body (both answers carry a content-length), or a close
        // with nothing said: past MAX_REFUSING refusals in flight.
        let answer = loop {
            let n = tokio::time::timeout(GUARD, s.read(&mut buf))
                .await
                .expect("every connection gets an answer or is closed")
                .unwrap_or(0);
            raw.extend_from_slice(&buf[..n]);
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let a = crate::support::http::parse(&raw);
                let len: usize = a
                    .header("content-length")
                    .expect("a length")
                    .parse()
                    .unwrap();
                if raw.len() >= end + 4 + len {
                    break Some(a);
                }
            }
            if n == 0 {
                assert!(
                    raw.is_empty(),
                    "closed mid-answer: {}",
                    String::from_utf8_lossy(&raw)
                );
                break None;
            }
        };
        let Some(answer) = answer else {
            closed += 1;
            continue;
        };
        match answer.status {
            200 => served += 1,
            503 => {
                assert_eq!(answer.error_code(), "too_many_connections");
                assert!(answer.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&MAX.to_string()));
                assert_eq!(answer.header("retry-after"), Some("1"));
                refused += 1;
            }
            other => panic!("status {other}"),
        }
    }
    assert_eq!(served, MAX);
    assert!(refused >= MAX_REFUSING, "{refused} told");
    assert_eq!(refused + closed, CONNECTIONS - MAX);
    let metrics = http.metrics.render(EngineLoad::default());
    assert!(
        metrics.contains(&format!(
            "code=\"too_many_connections\"}} {}",
            CONNECTIONS - MAX
        )),
        "{metrics}"
    );
    drop(conns);
    until_no_connections(&http).await;
    still_served(&http).await;
    http.stop().await;
}
