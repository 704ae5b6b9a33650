//! The Wyoming server in this process on an ephemeral port and a temp-dir socket, and
//! a raw client that checks every answer's framing.

use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use kokorod::net::{Endpoint, Listener, Stream};
use kokorod::server::{ServerConfig, ServerError, ServerStats};
use kokorod::wyoming::{Event, Synthesize, SynthesizeVoice, WyomingCodec};
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::fake_speech::FakeSpeech;
use super::GUARD;

/// A server running in this process on 127.0.0.1:0 and a temp-dir Unix socket.
pub struct TestServer {
    /// `tcp://127.0.0.1:PORT`.
    pub tcp: String,
    /// `unix:///tmp/…/kokorod.sock`.
    pub unix: String,
    /// The socket file.
    pub socket: std::path::PathBuf,
    /// The server's counters.
    pub stats: Arc<ServerStats>,
    /// Cancel to shut the server down.
    pub shutdown: CancellationToken,
    handle: JoinHandle<Result<(), ServerError>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Binds both listeners and starts serving.
    pub async fn start(speech: FakeSpeech, cfg: ServerConfig) -> Self {
        Self::start_with(Arc::new(speech), cfg).await
    }

    /// Binds both listeners and starts serving any [`Speech`] (the real one, too).
    pub async fn start_with(speech: Arc<dyn kokorod::speech::Speech>, cfg: ServerConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("kokorod.sock");
        let opts = cfg.unix_socket_options();
        let tcp = Listener::bind(&"tcp://127.0.0.1:0".parse().unwrap(), &opts)
            .await
            .expect("bind tcp");
        let unix = Listener::bind(&Endpoint::Unix(socket.clone()), &opts)
            .await
            .expect("bind unix");
        let tcp_uri = tcp.local_addr().unwrap().endpoint().unwrap().to_string();
        let unix_uri = unix.local_addr().unwrap().endpoint().unwrap().to_string();
        let server = kokorod::server::Server::new(vec![tcp, unix], speech, cfg);
        let stats = server.stats();
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(server.run(shutdown.clone()));
        Self {
            tcp: tcp_uri,
            unix: unix_uri,
            socket,
            stats,
            shutdown,
            handle,
            _dir: dir,
        }
    }

    /// Shuts down and waits for `serve` to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.join().await;
    }

    /// Waits for `serve` to return (after `shutdown` was cancelled).
    pub async fn join(self) {
        tokio::time::timeout(GUARD, self.handle)
            .await
            .expect("serve did not return")
            .expect("serve panicked")
            .expect("serve failed");
    }
}

/// A raw Wyoming connection for tests.
pub struct Conn(Framed<Stream, WyomingCodec>);

impl Conn {
    /// Connects to `uri`.
    pub async fn open(uri: &str) -> Self {
        let endpoint: Endpoint = uri.parse().expect("uri");
        let stream = endpoint.connect().await.expect("connect");
        Self(Framed::new(stream, WyomingCodec::default()))
    }

    /// Sends an event.
    pub async fn send(&mut self, event: Event) {
        self.0.send(event).await.expect("send");
    }

    /// The next event, or `None` at a clean end of the connection.
    pub async fn recv(&mut self) -> Option<Event> {
        let frame = tokio::time::timeout(GUARD, self.0.next())
            .await
            .expect("no event in time")?;
        Some(Event::try_from(frame.expect("valid frame")).expect("valid event"))
    }

    /// The next event, which must exist.
    pub async fn next(&mut self) -> Event {
        self.recv().await.expect("connection closed")
    }

    /// Reads one audio answer: start, chunks, stop. Returns the samples and checks
    /// the format, the chunk sizes and the timestamps.
    pub async fn audio(&mut self, samples_per_chunk: usize) -> Vec<i16> {
        match self.next().await {
            Event::AudioStart(start) => {
                assert_eq!((start.rate, start.width, start.channels), (24_000, 2, 1));
            }
            other => panic!("expected audio-start, got {other:?}"),
        }
        self.audio_after_start(samples_per_chunk).await
    }

    /// Like [`Conn::audio`], after the `audio-start` was read.
    pub async fn audio_after_start(&mut self, samples_per_chunk: usize) -> Vec<i16> {
        self.audio_continued(samples_per_chunk, Vec::new()).await
    }

    /// Like [`Conn::audio_after_start`], after the chunks holding `samples` were read
    /// (their checks are the caller's).
    pub async fn audio_continued(
        &mut self,
        samples_per_chunk: usize,
        mut samples: Vec<i16>,
    ) -> Vec<i16> {
        loop {
            match self.next().await {
                Event::AudioChunk(chunk) => {
                    assert_eq!((chunk.rate, chunk.width, chunk.channels), (24_000, 2, 1));
                    let n = chunk.audio.len() / 2;
                    assert!(n > 0 && n <= samples_per_chunk, "chunk of {n} samples");
                    assert_eq!(
                        chunk.timestamp,
                        Some((samples.len() as i64) * 1000 / 24_000)
                    );
                    samples.extend(
                        chunk
                            .audio
                            .chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]])),
                    );
                }
                Event::AudioStop(stop) => {
                    assert_eq!(stop.timestamp, Some((samples.len() as i64) * 1000 / 24_000));
                    return samples;
                }
                other => panic!("expected audio-chunk or audio-stop, got {other:?}"),
            }
        }
    }

    /// Sends a ping and expects its pong next: proves the connection is usable and
    /// nothing else was pending.
    pub async fn ping_pong(&mut self, text: &str) {
        self.send(Event::Ping(kokorod::wyoming::Ping {
            text: Some(text.into()),
        }))
        .await;
        match self.next().await {
            Event::Pong(pong) => assert_eq!(pong.text.as_deref(), Some(text)),
            other => panic!("expected pong, got {other:?}"),
        }
    }

    /// The server must end the connection next (a reset counts): nothing more comes.
    pub async fn expect_closed(&mut self) {
        let next = tokio::time::timeout(GUARD, self.0.next())
            .await
            .expect("connection not closed in time");
        if let Some(Ok(frame)) = next {
            panic!("expected the connection to close, got {frame:?}");
        }
    }

    /// A refusal: `error` with `code`, then the end of the connection.
    pub async fn expect_refusal(&mut self, code: &str) -> String {
        let text = self.expect_error(code).await;
        self.expect_closed().await;
        text
    }

    /// The next event must be an `error` with `code`.
    pub async fn expect_error(&mut self, code: &str) -> String {
        match self.next().await {
            Event::Error(error) => {
                assert_eq!(error.code.as_deref(), Some(code), "{}", error.text);
                error.text
            }
            other => panic!("expected error `{code}`, got {other:?}"),
        }
    }
}

/// A `synthesize` event.
pub fn synthesize(text: &str, voice: Option<&str>) -> Event {
    Event::Synthesize(Synthesize {
        text: text.into(),
        voice: voice.map(|v| SynthesizeVoice {
            name: Some(v.into()),
            ..Default::default()
        }),
        text_format: None,
        context: None,
    })
}

/// `synthesize` asking for a language, not a voice (as Home Assistant may).
pub fn synthesize_in(text: &str, language: &str) -> Event {
    Event::Synthesize(Synthesize {
        text: text.into(),
        voice: Some(SynthesizeVoice {
            language: Some(language.into()),
            ..Default::default()
        }),
        text_format: None,
        context: None,
    })
}

/// The whole events in `bytes` as a server sent them; a torn last frame is left out.
pub fn events(bytes: &[u8]) -> Vec<Event> {
    let mut codec = WyomingCodec::default();
    let mut bytes = bytes::BytesMut::from(bytes);
    let mut events = Vec::new();
    while let Ok(Some(frame)) = tokio_util::codec::Decoder::decode(&mut codec, &mut bytes) {
        events.push(Event::try_from(frame).unwrap());
    }
    events
}

/// `n` distinct sentences.
pub fn long_text(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| format!("Sentence {i} of {tag} is here. "))
        .collect()
}
