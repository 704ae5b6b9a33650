//! What a web page gets out of the HTTP API: nothing. A `text/plain` POST (no CORS
//! preflight) is 415, a page on another origin is 403, a DNS-rebinding page (its own
//! name in `Host`, on a loopback listener) is 421 — none reaches the engine. And an
//! answer sent whole (`"stream": false`) is bounded: 413 `audio_too_long` past the cap,
//! with the real model and 700 bytes of SSML asking for 300 s of breaks.

use std::sync::Arc;
use std::time::Duration;

use kokorod::http::HttpConfig;

use crate::support::fake_speech::FakeSpeech;
use crate::support::http::{speech_body, TestHttp};
use crate::support::model;
use crate::support::GUARD;

/// Request headers, as name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn a_web_page_gets_nothing_out_of_the_api() {
    let fake = FakeSpeech::new();
    let http = TestHttp::start(Arc::new(fake.clone()), HttpConfig::default()).await;
    let speak = speech_body("Open the garage.", "pcm");
    let port = http.addr.rsplit_once(':').unwrap().1.to_owned();
    let rebound = format!("attacker.example:{port}");
    let cases: &[(Headers, u16, &str)] = &[
        // A cross-site form or `fetch` without preflight: text/plain, or no type at all.
        (
            &[("Content-Type", "text/plain;charset=UTF-8")],
            415,
            "unsupported_media_type",
        ),
        (
            &[("Content-Type", "application/x-www-form-urlencoded")],
            415,
            "unsupported_media_type",
        ),
        (
            &[
                ("Content-Type", "application/json"),
                ("Origin", "http://attacker.example"),
            ],
            403,
            "origin_not_allowed",
        ),
        (
            &[("Content-Type", "application/json"), ("Origin", "null")],
            403,
            "origin_not_allowed",
        ),
        (
            &[
                ("Content-Type", "application/json"),
                ("Host", rebound.as_str()),
            ],
            421,
            "host_not_allowed",
        ),
    ];
    for (headers, status, code) in cases {
        let a = raw(&http.addr, "POST", "/v1/audio/speech", headers, &speak).await;
        assert_eq!(a.status, *status, "{headers:?}");
        assert_eq!(a.error_code(), *code, "{headers:?}");
    }
    // Reading the voices from another origin or a rebound name is refused too.
    assert_eq!(
        raw(
            &http.addr,
            "GET",
            "/v1/audio/voices",
            &[("Origin", "http://attacker.example")],
            b""
        )
        .await
        .status,
        403
    );
    assert_eq!(
        raw(
            &http.addr,
            "GET",
            "/v1/models",
            &[("Host", rebound.as_str())],
            b""
        )
        .await
        .status,
        421
    );
    assert_eq!(fake.speaks(), 0, "nothing reached the engine");
    // Local programs are served: loopback names, no Origin, JSON.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".to_owned(),
    ] {
        let a = raw(
            &http.addr,
            "POST",
            "/v1/audio/speech",
            &[
                ("Content-Type", "application/json"),
                ("Host", host.as_str()),
            ],
            &speak,
        )
        .await;
        assert_eq!(a.status, 200, "{host}");
    }
    http.stop().await;

    // Origins allowed by CORS, and names allowed with --http-allow-host, are served.
    let cfg = HttpConfig {
        cors_origins: vec!["http://webui.example".into()],
        allowed_hosts: vec!["kokorod.lan".into()],
        ..HttpConfig::default()
    };
    let http = TestHttp::start(Arc::new(FakeSpeech::new()), cfg).await;
    let a = raw(
        &http.addr,
        "POST",
        "/v1/audio/speech",
        &[
            ("Content-Type", "application/json"),
            ("Origin", "http://webui.example"),
            ("Host", "kokorod.lan:8880"),
        ],
        &speak,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://webui.example")
    );
    http.stop().await;
}

/// One exchange where the test sets every header but the length (a `Host` given
/// replaces the default).
async fn raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> crate::support::http::Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(body).await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(GUARD, s.read_to_end(&mut got))
        .await
        .expect("no answer");
    crate::support::http::parse(&got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_sent_whole_is_capped_and_the_client_told_to_stream() {
    // 700 bytes of SSML: 300 s of breaks around two words (real model).
    let ssml = format!(
        "<speak>Hello.{}Bye.</speak>",
        "<break time=\"10s\"/>".repeat(30)
    );
    assert!(ssml.len() < 700, "{}", ssml.len());
    let cfg = HttpConfig::default();
    assert_eq!(cfg.max_buffered_audio, Duration::from_secs(300));
    let http = TestHttp::start(model::speech(), cfg).await;
    let whole = serde_json::json!({"input": ssml, "voice": "af_heart", "response_format": "wav", "stream": false}).to_string();
    let a = http
        .request("POST", "/v1/audio/speech", &[], whole.as_bytes())
        .await;
    assert_eq!(
        a.status,
        413,
        "{}",
        String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
    );
    assert_eq!(a.error_code(), "audio_too_long");
    assert!(a.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("\"stream\": true"));
    // Streamed, the same request is served, a bounded piece at a time.
    let streamed =
        serde_json::json!({"input": ssml, "voice": "af_heart", "response_format": "pcm"})
            .to_string();
    let a = http
        .request("POST", "/v1/audio/speech", &[], streamed.as_bytes())
        .await;
    assert_eq!(a.status, 200);
    assert!(a.complete);
    assert!(a.body.len() > 300 * 24_000 * 2, "{} bytes", a.body.len());
    // Within the cap, an answer sent whole still comes whole.
    let short = serde_json::json!({"input": "Hello.", "voice": "af_heart", "response_format": "wav", "stream": false}).to_string();
    let a = http
        .request("POST", "/v1/audio/speech", &[], short.as_bytes())
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(&a.body[..4], b"RIFF");
    http.stop().await;
}
