//! An HTTP server on an ephemeral port over any [`Speech`], and a minimal HTTP/1.1
//! client over a raw socket (so the tests see exactly what is on the wire: status,
//! headers, chunked framing, truncated bodies).

use std::sync::Arc;

use kokorod::http::{HttpConfig, HttpServer};
use kokorod::metrics::Metrics;
use kokorod::net::{Endpoint, Listener, UnixSocketOptions};
use kokorod::speech::Speech;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::GUARD;

/// A running HTTP server.
pub struct TestHttp {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its metrics.
    pub metrics: Arc<Metrics>,
    /// Cancel to shut it down.
    pub shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl TestHttp {
    /// Starts a server over `speech` on 127.0.0.1, an ephemeral port.
    pub async fn start(speech: Arc<dyn Speech>, cfg: HttpConfig) -> Self {
        Self::start_with(speech, cfg, Arc::new(Metrics::new())).await
    }

    /// The same, recording into `metrics`.
    pub async fn start_with(
        speech: Arc<dyn Speech>,
        cfg: HttpConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        let ep: Endpoint = "tcp://127.0.0.1:0".parse().unwrap();
        let listener = Listener::bind(&ep, &UnixSocketOptions::default())
            .await
            .unwrap();
        let shutdown = CancellationToken::new();
        let cfg = HttpConfig {
            metrics: metrics.clone(),
            ..cfg
        };
        let server = HttpServer::new(vec![listener], speech, cfg).unwrap();
        let addr = server.local_addrs()[0]
            .endpoint()
            .unwrap()
            .to_string()
            .trim_start_matches("tcp://")
            .to_owned();
        let task = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { server.run(shutdown).await.unwrap() }
        });
        TestHttp {
            addr,
            metrics,
            shutdown,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts down and waits for the server to end.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(GUARD, self.task)
            .await
            .expect("HTTP server did not stop")
            .unwrap();
    }

    /// Sends one request (`Connection: close`) and reads the whole answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        tokio::time::timeout(GUARD, request(&self.addr, method, path, headers, body))
            .await
            .expect("HTTP request hung")
    }
}

/// An OpenAI speech request's JSON body for the voice `af_heart`.
pub fn speech_body(input: &str, format: &str) -> Vec<u8> {
    serde_json::json!({"model": "tts-1", "input": input, "voice": "af_heart", "response_format": format})
        .to_string()
        .into_bytes()
}

/// A response as read off the socket.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (chunked framing removed).
    pub body: Vec<u8>,
    /// The chunked body ended with its terminating chunk (false: cut off).
    pub complete: bool,
}

impl Answer {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Checks the OpenAI error shape and returns its `code`.
    pub fn error_code(&self) -> String {
        let v = self.json();
        let e = &v["error"];
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()) && e["type"].is_string(),
            "not an OpenAI error: {v}"
        );
        e["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// One HTTP/1.1 exchange on a fresh connection.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    // A JSON body is declared as such, as every real client does, unless the test says otherwise.
    if method == "POST"
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    // A reset after a cut-off body still leaves what arrived.
    let _ = s.read_to_end(&mut raw).await;
    parse(&raw)
}

/// Sends a request on a new connection and returns it for reading at the test's pace.
pub async fn send(addr: &str, method: &str, path: &str, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    s
}

/// Reads from `s` into `raw` until the body parsed so far holds `n` bytes.
pub async fn read_body_until(s: &mut TcpStream, raw: &mut Vec<u8>, n: usize) {
    let mut buf = [0u8; 8192];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") || parse(raw).body.len() < n {
        let got = tokio::time::timeout(GUARD, s.read(&mut buf))
            .await
            .expect("read hung")
            .unwrap();
        assert!(got > 0, "connection closed early");
        raw.extend_from_slice(&buf[..got]);
    }
}

/// Parses a response read so far.
pub fn parse(raw: &[u8]) -> Answer {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if !chunked {
        return Answer {
            status,
            headers,
            body: rest.to_vec(),
            complete: true,
        };
    }
    let (mut body, mut at, mut complete) = (Vec::new(), 0, false);
    while let Some(nl) = rest[at..].windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&rest[at..at + nl])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        at += nl + 2;
        if size == 0 {
            complete = true;
            break;
        }
        if at + size > rest.len() {
            body.extend_from_slice(&rest[at..]);
            break;
        }
        body.extend_from_slice(&rest[at..at + size]);
        at += size + 2;
    }
    Answer {
        status,
        headers,
        body,
        complete,
    }
}
