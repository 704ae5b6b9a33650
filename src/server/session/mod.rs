//! One connection: read events, answer them, stream audio back.
//!
//! Reading and writing run concurrently in the connection's task: the reader side
//! handles events and drives the current synthesis, and hands every outgoing event
//! to the writer side through a bounded channel. So `describe` and `ping` are read
//! and answered while audio is produced, a new `synthesize` or a disconnect is seen
//! at once (and drops the running [`PieceStream`](crate::speech::PieceStream), which
//! cancels its queued work), and a client that stops reading fills the channel,
//! stalls its own synthesis and is dropped after the write timeout — it never holds
//! more than a bounded buffer.
//!
//! This module reads and dispatches; each event kind has its handler beside it:
//! [`describe`], [`synthesize`], [`stream`] (`synthesize-start`/`-chunk`/`-stop`),
//! with [`audio`] sending the audio in hand, [`request`] turning Wyoming's request
//! into the speech layer's, and [`writer`] writing.

mod audio;
mod describe;
mod request;
mod stream;
mod synthesize;
mod writer;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::{ServerConfig, ServerStats};
use crate::metrics::Protocol;
use crate::speech::{Speech, SpeechError};
use crate::wyoming::{CodecError, ErrorEvent, Event, Limits, Pong, WyomingCodec};

/// Bytes per sample (16-bit PCM).
const WIDTH: u32 = 2;
/// Mono.
const CHANNELS: u32 = 1;
/// How long a broken connection is drained so the client can read our `error`.
const LINGER: Duration = Duration::from_secs(1);

/// What every session of a server shares.
pub(crate) struct Shared {
    /// Text-to-speech.
    pub speech: Arc<dyn Speech>,
    /// Settings.
    pub cfg: ServerConfig,
    /// Counters.
    pub stats: Arc<ServerStats>,
}

/// The connection is gone (writer gave up, peer left, or the server is killing sessions).
#[derive(Debug)]
struct Closed;

/// What the connection is answering.
enum Mode {
    Idle,
    /// Answering a `synthesize`.
    Single,
    /// Answering a streamed text.
    Streaming(Box<stream::Streamed>),
}

/// One connection's state, shared by the event handlers.
struct Session<'a> {
    shared: &'a Shared,
    tx: mpsc::Sender<Event>,
    kill: CancellationToken,
    mode: Mode,
    audio: Option<audio::Audio>,
    /// The voice of the request in hand, for the refusal log line.
    asked_voice: String,
    /// An `error` was sent: the connection ends once it is written.
    closing: bool,
}

/// Serves one connection until the peer leaves, it idles out, the server drains
/// (between requests, once it has had one) or kills sessions (`kill`).
pub(crate) async fn run<S>(
    stream: S,
    shared: Arc<Shared>,
    drain: CancellationToken,
    kill: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Send,
{
    let cfg = &shared.cfg;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut frames = FramedRead::new(read_half, WyomingCodec::new(Limits::default()));
    let sink = FramedWrite::new(write_half, WyomingCodec::default());
    let (tx, rx) = mpsc::channel(cfg.send_buffer_events.max(1));

    let mut session = Session {
        shared: &shared,
        tx,
        kill: kill.clone(),
        mode: Mode::Idle,
        audio: None,
        asked_voice: String::new(),
        closing: false,
    };
    let reader = async {
        let broken = session.serve(&mut frames, &drain).await;
        // Drop the synthesis first: a departed client must not keep the engine busy.
        drop(session);
        broken
    };
    let writer = writer::write_loop(sink, rx, cfg.write_timeout, &kill, &shared.stats);
    let (broken, ()) = tokio::join!(reader, writer);
    if broken {
        writer::linger(frames.into_inner(), &kill).await;
    }
    tracing::debug!("connection closed");
}

impl Session<'_> {
    /// The event loop; returns true when the stream broke (invalid frame).
    async fn serve<R: AsyncRead + Unpin>(
        &mut self,
        frames: &mut FramedRead<R, WyomingCodec>,
        drain: &CancellationToken,
    ) -> bool {
        let idle_timeout = self.shared.cfg.idle_timeout;
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);
        // A connection accepted before the drain began has its first request answered
        // even when it arrives after: a balancer may have routed a client here an
        // instant before the listeners closed. One that never sends is cut at the end
        // of the grace period (`kill`).
        let mut spoke = false;
        loop {
            let quiet = self.audio.is_none();
            let between_requests = quiet && matches!(self.mode, Mode::Idle);
            tokio::select! {
                biased;
                () = self.kill.cancelled() => return false,
                () = self.tx.closed() => return false,
                () = drain.cancelled(), if between_requests && spoke => return false,
                frame = frames.next() => {
                    spoke = true;
                    idle.as_mut().reset(Instant::now() + idle_timeout);
                    let result = match frame {
                        None => {
                            if !quiet {
                                tracing::debug!("client left during synthesis; cancelling it");
                            }
                            return false;
                        }
                        Some(Err(error)) => {
                            self.broken_stream(&error).await;
                            return true;
                        }
                        Some(Ok(frame)) => match Event::try_from(frame) {
                            Ok(event) => self.on_event(event).await,
                            Err(error) => self.send_error(error.to_string(), "bad-event").await,
                        },
                    };
                    if result.is_err() {
                        return false;
                    }
                    if self.closing {
                        return true;
                    }
                }
                piece = audio::next_piece(&mut self.audio), if !quiet => {
                    if self.on_piece(piece).await.is_err() {
                        return false;
                    }
                    if self.closing {
                        return true;
                    }
                    idle.as_mut().reset(Instant::now() + idle_timeout);
                }
                () = &mut idle, if quiet => {
                    tracing::info!("closing connection idle for {idle_timeout:?}");
                    return false;
                }
            }
        }
    }

    async fn broken_stream(&mut self, error: &CodecError) {
        if let CodecError::Io(io) = error {
            tracing::debug!("read failed: {io}");
            return;
        }
        tracing::info!("closing connection after invalid input: {error}");
        if !matches!(error, CodecError::UnexpectedEof(_)) {
            let _ = self.send_error(error.to_string(), "bad-frame").await;
        }
    }

    /// One event, to its handler.
    async fn on_event(&mut self, event: Event) -> Result<(), Closed> {
        match event {
            Event::Describe => self.describe().await,
            Event::Ping(ping) => self.send(Event::Pong(Pong { text: ping.text })).await,
            Event::Synthesize(synthesize) => self.synthesize(synthesize).await,
            Event::SynthesizeStart(start) => self.synthesize_start(start).await,
            Event::SynthesizeChunk(chunk) => self.synthesize_chunk(chunk).await,
            Event::SynthesizeStop => self.synthesize_stop().await,
            other => {
                tracing::debug!("ignoring `{}` event", other.kind());
                Ok(())
            }
        }
    }

    async fn send_speech_error(&mut self, error: &SpeechError) -> Result<(), Closed> {
        self.send_error(error.message(), error.code()).await
    }

    /// Sends `error` and ends the connection once it is written: Home Assistant (and
    /// other clients) read until `audio-stop` or the end of the stream, never `error`.
    async fn send_error(&mut self, text: String, code: &str) -> Result<(), Closed> {
        // Never the client's text (nor the message, which may quote it).
        let voice: String = match self.asked_voice.as_str() {
            "" => "-".to_owned(),
            asked => asked.chars().take(64).collect(),
        };
        tracing::info!(code, voice = %voice, "request refused; closing the connection");
        tracing::debug!("error `{code}`: {text}");
        self.closing = true;
        self.shared.stats.errors.fetch_add(1, Ordering::Relaxed);
        self.shared
            .cfg
            .metrics
            .error(Protocol::Wyoming, "synthesize", code);
        self.send(Event::Error(ErrorEvent {
            text,
            code: Some(code.to_owned()),
        }))
        .await
    }

    /// Queues an event for the writer; waits while the client is behind.
    async fn send(&mut self, event: Event) -> Result<(), Closed> {
        tokio::select! {
            sent = self.tx.send(event) => sent.map_err(|_| Closed),
            () = self.kill.cancelled() => Err(Closed),
        }
    }
}
