//! One connection: read events, answer them, stream audio back.
//!
//! Reading and writing run concurrently in the connection's task: the reader side
//! handles events and drives the current synthesis, and hands every outgoing event
//! to the writer side through a bounded channel. So `describe` and `ping` are read
//! and answered while audio is produced, a new `synthesize` or a disconnect is seen
//! at once (and drops the running [`PieceStream`], which cancels its queued work),
//! and a client that stops reading fills the channel, stalls its own synthesis and
//! is dropped after the write timeout — it never holds more than a bounded buffer.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::{fallback, ServerConfig, ServerStats};
use crate::metrics::Protocol;
use crate::speech::{
    speak_blocking, ErrorKind, PieceStream, SpeakRequest, Speech, SpeechError, TextFormat,
    VoiceChoice, SAMPLE_RATE,
};
use crate::text::split::SentenceStream;
use crate::wyoming::{
    Attribution, AudioChunk, AudioStart, AudioStop, CodecError, ErrorEvent, Event, Info, Limits,
    Pong, SynthesizeVoice, TtsProgram, TtsVoice, WyomingCodec,
};

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

/// The `info` for `speech`: one TTS program, `kokorod`, with every voice.
pub(crate) fn build_info(speech: &dyn Speech) -> Info {
    let attribution = Attribution {
        name: "hexgrad/Kokoro-82M".to_owned(),
        url: "https://huggingface.co/hexgrad/Kokoro-82M".to_owned(),
    };
    let voices = speech
        .voices()
        .into_iter()
        .map(|voice| {
            let languages = language_tags(&voice.name, &voice.language);
            let language = languages[0].clone();
            TtsVoice {
                description: Some(format!(
                    "{} ({language}, {})",
                    display_name(&voice.name),
                    voice.gender
                )),
                name: voice.name,
                attribution: attribution.clone(),
                installed: true,
                version: None,
                languages,
                speakers: None,
            }
        })
        .collect();
    Info {
        tts: vec![TtsProgram {
            name: "kokorod".to_owned(),
            description: Some("Kokoro-82M neural text-to-speech".to_owned()),
            attribution,
            installed: true,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            voices,
            supports_synthesize_streaming: true,
        }],
    }
}

/// `en-us` → `en-US`: BCP-47's conventional casing (Home Assistant compares tags).
fn bcp47(tag: &str) -> String {
    tag.split(['-', '_'])
        .enumerate()
        .map(|(i, part)| match part.len() {
            _ if i == 0 => part.to_ascii_lowercase(),
            2 => part.to_ascii_uppercase(),
            4 => {
                let mut s = part.to_ascii_lowercase();
                s[..1].make_ascii_uppercase();
                s
            }
            _ => part.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The tags a voice advertises: its regional tag first, then the bare language
/// (`fr-FR`, `fr`). Home Assistant looks a requested language up among these (by
/// exact tag in older versions, best match in newer), and both forms are asked for.
/// A voice table tag without a region takes the one of the voice's language letter.
fn language_tags(name: &str, tag: &str) -> Vec<String> {
    let tag = bcp47(tag);
    let bare = tag.split('-').next().unwrap_or_default().to_owned();
    let regional = if tag.contains('-') {
        Some(tag.clone())
    } else {
        name.chars()
            .next()
            .and_then(crate::text::Lang::from_voice_prefix)
            .map(|lang| lang.bcp47().to_owned())
            .filter(|full| full.split('-').next() == Some(bare.as_str()))
    };
    match regional {
        Some(regional) if !bare.is_empty() && regional != bare => vec![regional, bare],
        _ => vec![tag],
    }
}

/// `af_heart` → `Heart`.
fn display_name(name: &str) -> String {
    let base = name.split_once('_').map_or(name, |(_, rest)| rest);
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_owned(),
    }
}

/// Incremental sentence splitting for streamed text: `text::split::SentenceStream`
/// (which handles abbreviations, decimals and fragments cut anywhere), plus a safety
/// cut so that a stream without punctuation still starts speaking.
#[derive(Debug, Default)]
pub(crate) struct Sentences {
    inner: SentenceStream,
    /// Bytes pushed but not yet returned as sentences (approximately: sentences come
    /// back trimmed).
    pending: usize,
}

/// Cut unpunctuated text at a space once this much is waiting, so audio still starts.
const MAX_UNPUNCTUATED: usize = 400;

/// The largest char boundary of `s` at or below `at`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut i = at.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Sentences {
    /// Adds text; returns the sentences it completed.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.pending += text.len();
        let mut out = self.inner.push(text);
        self.pending = self
            .pending
            .saturating_sub(out.iter().map(String::len).sum());
        if self.pending > MAX_UNPUNCTUATED {
            let mut rest = std::mem::take(&mut self.inner).finish().unwrap_or_default();
            // Pieces of at most MAX_UNPUNCTUATED bytes, cut at spaces (a word longer
            // than that is cut where it must); the last, possibly incomplete, word waits.
            loop {
                let window = floor_char_boundary(&rest, MAX_UNPUNCTUATED);
                let cut = if rest.len() > MAX_UNPUNCTUATED {
                    rest[..window]
                        .rfind(char::is_whitespace)
                        .filter(|&c| c > 0)
                        .unwrap_or(window)
                } else {
                    match rest.rfind(char::is_whitespace) {
                        Some(c) => c,
                        None => break,
                    }
                };
                let tail = rest.split_off(cut);
                if !rest.trim().is_empty() {
                    out.push(rest.trim().to_owned());
                }
                rest = tail;
                if rest.len() <= MAX_UNPUNCTUATED
                    && !rest.trim_start().contains(char::is_whitespace)
                {
                    break;
                }
            }
            self.pending = rest.len();
            out.extend(self.inner.push(&rest));
        }
        out
    }

    /// The rest of the text, at the end of the stream.
    pub fn finish(&mut self) -> Option<String> {
        self.pending = 0;
        std::mem::take(&mut self.inner).finish()
    }
}

/// The connection is gone (writer gave up, peer left, or the server is killing sessions).
#[derive(Debug)]
struct Closed;

/// The synthesis whose audio is being sent.
struct Audio {
    pieces: PieceStream,
    /// Samples sent so far (for timestamps).
    samples: u64,
    /// For the log line when it is done: what was asked, and when.
    voice: String,
    chars: usize,
    started: Instant,
}

/// A streamed text, between `synthesize-start` and `synthesize-stopped`.
struct Streamed {
    format: TextFormat,
    voice: VoiceChoice,
    splitter: Sentences,
    /// SSML arrives in chunks cut anywhere: it is collected and parsed once, whole,
    /// on `synthesize-stop` (one document, one break budget).
    ssml: String,
    pending: VecDeque<String>,
    chars: usize,
    /// `synthesize-stop` arrived: finish the pending sentences, then `synthesize-stopped`.
    stopping: bool,
    /// An error was reported: swallow the rest until `synthesize-stop`.
    failed: bool,
}

enum Mode {
    Idle,
    /// Answering a `synthesize`.
    Single,
    /// Answering a streamed text.
    Streaming(Box<Streamed>),
}

struct Session<'a> {
    shared: &'a Shared,
    peer: &'a str,
    tx: mpsc::Sender<Event>,
    kill: CancellationToken,
    mode: Mode,
    audio: Option<Audio>,
    /// The voice of the request in hand, for the refusal log line.
    asked_voice: String,
    /// An `error` was sent: the connection ends once it is written.
    closing: bool,
}

/// A request's audio and the voice that speaks it (for logs).
struct Spoken {
    pieces: PieceStream,
    label: String,
    /// The choice that replaced a voice that could not be used.
    substituted: Option<VoiceChoice>,
}

/// Serves one connection until the peer leaves, it idles out, the server drains
/// (between requests) or kills sessions (`kill`).
pub(crate) async fn run<S>(
    stream: S,
    peer: String,
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
        peer: &peer,
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
    let writer = write_loop(sink, rx, cfg.write_timeout, &kill, &peer, &shared.stats);
    let (broken, ()) = tokio::join!(reader, writer);
    if broken {
        linger(frames.into_inner(), &kill).await;
    }
    tracing::debug!("{peer}: connection closed");
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
        loop {
            let quiet = self.audio.is_none();
            let between_requests = quiet && matches!(self.mode, Mode::Idle);
            tokio::select! {
                biased;
                () = self.kill.cancelled() => return false,
                () = self.tx.closed() => return false,
                () = drain.cancelled(), if between_requests => return false,
                frame = frames.next() => {
                    idle.as_mut().reset(Instant::now() + idle_timeout);
                    let result = match frame {
                        None => {
                            if !quiet {
                                tracing::debug!("{}: client left during synthesis; cancelling it", self.peer);
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
                piece = next_piece(&mut self.audio), if !quiet => {
                    if self.on_piece(piece).await.is_err() {
                        return false;
                    }
                    if self.closing {
                        return true;
                    }
                    idle.as_mut().reset(Instant::now() + idle_timeout);
                }
                () = &mut idle, if quiet => {
                    tracing::info!("{}: closing connection idle for {idle_timeout:?}", self.peer);
                    return false;
                }
            }
        }
    }

    async fn broken_stream(&mut self, error: &CodecError) {
        if let CodecError::Io(io) = error {
            tracing::debug!("{}: read failed: {io}", self.peer);
            return;
        }
        tracing::info!(
            "{}: closing connection after invalid input: {error}",
            self.peer
        );
        if !matches!(error, CodecError::UnexpectedEof(_)) {
            let _ = self.send_error(error.to_string(), "bad-frame").await;
        }
    }

    async fn on_event(&mut self, event: Event) -> Result<(), Closed> {
        match event {
            // Built per request (microseconds): a reload (SIGHUP) may change the voices.
            Event::Describe => {
                let info = build_info(self.shared.speech.as_ref());
                self.send(Event::Info(info)).await
            }
            Event::Ping(ping) => self.send(Event::Pong(Pong { text: ping.text })).await,
            Event::Synthesize(synthesize) => {
                if matches!(self.mode, Mode::Streaming(_)) {
                    // Sent for backward compatibility inside a stream: the chunks have it all.
                    return Ok(());
                }
                self.cancel_audio().await?;
                self.mode = Mode::Idle;
                self.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .cfg
                    .metrics
                    .request(Protocol::Wyoming, "synthesize");
                self.start_single(synthesize.text, synthesize.voice, synthesize.text_format)
                    .await
            }
            Event::SynthesizeStart(start) => {
                self.cancel_audio().await?;
                self.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .cfg
                    .metrics
                    .request(Protocol::Wyoming, "synthesize-stream");
                let voice = voice_choice(start.voice);
                self.asked_voice = voice_label(self.shared.speech.as_ref(), &voice);
                let mut streamed = Streamed {
                    format: TextFormat::Text,
                    voice,
                    splitter: Sentences::default(),
                    ssml: String::new(),
                    pending: VecDeque::new(),
                    chars: 0,
                    stopping: false,
                    failed: false,
                };
                match text_format(start.text_format.as_ref()) {
                    Ok(format) => streamed.format = format,
                    Err((text, code)) => {
                        // Fail the stream but keep it, so `synthesize-stop` still gets its answer.
                        streamed.failed = true;
                        self.send_error(text, code).await?;
                    }
                }
                self.mode = Mode::Streaming(Box::new(streamed));
                Ok(())
            }
            Event::SynthesizeChunk(chunk) => {
                let max = self.shared.cfg.max_text_chars;
                let Mode::Streaming(streamed) = &mut self.mode else {
                    tracing::debug!("{}: ignoring synthesize-chunk outside a stream", self.peer);
                    return Ok(());
                };
                if streamed.failed {
                    return Ok(());
                }
                streamed.chars += chunk.text.chars().count();
                if streamed.chars > max {
                    let error = SpeechError::TooLong {
                        len: streamed.chars,
                        max,
                    };
                    streamed.failed = true;
                    streamed.pending.clear();
                    self.cancel_audio().await?;
                    return self.send_speech_error(&error).await;
                }
                if streamed.format == TextFormat::Ssml {
                    streamed.ssml.push_str(&chunk.text);
                    return Ok(());
                }
                let sentences = streamed.splitter.push(&chunk.text);
                streamed.pending.extend(sentences);
                self.advance().await
            }
            Event::SynthesizeStop => {
                let Mode::Streaming(streamed) = &mut self.mode else {
                    tracing::debug!("{}: ignoring synthesize-stop outside a stream", self.peer);
                    return Ok(());
                };
                streamed.stopping = true;
                if streamed.format == TextFormat::Ssml {
                    let document = std::mem::take(&mut streamed.ssml);
                    if !document.trim().is_empty() {
                        streamed.pending.push_back(document);
                    }
                } else if let Some(rest) = streamed.splitter.finish() {
                    streamed.pending.push_back(rest);
                }
                self.advance().await
            }
            other => {
                tracing::debug!("{}: ignoring `{}` event", self.peer, other.kind());
                Ok(())
            }
        }
    }

    /// Starts answering a `synthesize`.
    async fn start_single(
        &mut self,
        text: String,
        voice: Option<SynthesizeVoice>,
        format: Option<crate::wyoming::TextFormat>,
    ) -> Result<(), Closed> {
        let max = self.shared.cfg.max_text_chars;
        let len = text.chars().count();
        let voice = voice_choice(voice);
        self.asked_voice = voice_label(self.shared.speech.as_ref(), &voice);
        if len > max {
            return self
                .send_speech_error(&SpeechError::TooLong { len, max })
                .await;
        }
        let format = match text_format(format.as_ref()) {
            Ok(format) => format,
            Err((text, code)) => return self.send_error(text, code).await,
        };
        let request = SpeakRequest {
            text,
            format,
            voice,
            speed: 1.0,
        };
        // Client text, raw: the log sinks escape control characters (no forged lines).
        tracing::debug!(peer = %self.peer, chars = len, "synthesize: {}", preview(&request.text));
        match speak(&self.shared, self.peer, request).await {
            Ok(spoken) => {
                self.mode = Mode::Single;
                self.begin_audio(spoken.pieces, spoken.label, len).await
            }
            // Nothing to say is an answer, not a failure: empty audio.
            Err(SpeechError::EmptyText(_)) => {
                tracing::info!(peer = %self.peer, voice = %self.asked_voice, "nothing speakable: empty audio");
                self.send(audio_start()).await?;
                self.send(audio_stop(0)).await
            }
            Err(error) => self.send_speech_error(&error).await,
        }
    }

    /// Streaming: starts the next pending sentence if none is being spoken; ends
    /// the stream once `synthesize-stop` came and everything is spoken.
    async fn advance(&mut self) -> Result<(), Closed> {
        while self.audio.is_none() {
            let Mode::Streaming(streamed) = &mut self.mode else {
                return Ok(());
            };
            if streamed.failed {
                streamed.pending.clear();
            }
            let Some(sentence) = streamed.pending.pop_front() else {
                if streamed.stopping {
                    self.mode = Mode::Idle;
                    return self.send(Event::SynthesizeStopped).await;
                }
                return Ok(());
            };
            let chars = sentence.chars().count();
            tracing::debug!(peer = %self.peer, chars, "synthesize (streamed): {}", preview(&sentence));
            let request = SpeakRequest {
                text: sentence,
                format: streamed.format,
                voice: streamed.voice.clone(),
                speed: 1.0,
            };
            match speak(&self.shared, self.peer, request).await {
                Ok(spoken) => {
                    if let Some(choice) = spoken.substituted {
                        streamed.voice = choice;
                    }
                    self.begin_audio(spoken.pieces, spoken.label, chars).await?;
                }
                // A fragment with nothing to say ("…", an emoji) is no error within a stream.
                Err(SpeechError::EmptyText(_)) => {}
                Err(error) => {
                    streamed.failed = true;
                    self.send_speech_error(&error).await?;
                }
            }
        }
        Ok(())
    }

    async fn begin_audio(
        &mut self,
        pieces: PieceStream,
        voice: String,
        chars: usize,
    ) -> Result<(), Closed> {
        self.audio = Some(Audio {
            pieces,
            samples: 0,
            voice,
            chars,
            started: Instant::now(),
        });
        self.send(audio_start()).await
    }

    /// Ends the current audio (if any) with `audio-stop`; dropping its stream cancels
    /// the work not yet done.
    async fn cancel_audio(&mut self) -> Result<(), Closed> {
        match self.audio.take() {
            Some(audio) => {
                drop(audio.pieces);
                self.send(audio_stop(audio.samples)).await
            }
            None => Ok(()),
        }
    }

    async fn on_piece(
        &mut self,
        piece: Option<Result<Vec<i16>, SpeechError>>,
    ) -> Result<(), Closed> {
        match piece {
            Some(Ok(samples)) => {
                if let Some(audio) = &self.audio {
                    let metrics = &self.shared.cfg.metrics;
                    if audio.samples == 0 && !samples.is_empty() {
                        metrics.first_audio(Protocol::Wyoming, audio.started.elapsed());
                    }
                    metrics.audio(Protocol::Wyoming, samples.len(), SAMPLE_RATE);
                }
                let per_chunk = self.shared.cfg.samples_per_chunk.max(1);
                for chunk in samples.chunks(per_chunk) {
                    let Some(audio) = self.audio.as_mut() else {
                        break;
                    };
                    let timestamp = millis(audio.samples);
                    audio.samples += chunk.len() as u64;
                    let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
                    self.send(Event::AudioChunk(AudioChunk {
                        rate: SAMPLE_RATE,
                        width: WIDTH,
                        channels: CHANNELS,
                        timestamp: Some(timestamp),
                        audio: Bytes::from(bytes),
                    }))
                    .await?;
                }
                Ok(())
            }
            // Every piece turned out silent: the answer is just shorter (here, empty).
            Some(Err(SpeechError::EmptyText(_))) | None => {
                if let Some(audio) = &self.audio {
                    let audio_s = audio.samples as f64 / f64::from(SAMPLE_RATE);
                    let took = audio.started.elapsed().as_secs_f64();
                    tracing::info!(
                        peer = %self.peer,
                        voice = %audio.voice,
                        chars = audio.chars,
                        audio_ms = (audio_s * 1000.0) as u64,
                        rtf = format!("{:.3}", took / audio_s.max(1e-9)),
                        "spoke {audio_s:.2} s for {} characters",
                        audio.chars
                    );
                    self.shared.cfg.metrics.real_time_factor(
                        Protocol::Wyoming,
                        audio.started.elapsed(),
                        audio_s,
                    );
                }
                self.cancel_audio().await?;
                if matches!(self.mode, Mode::Single) {
                    self.mode = Mode::Idle;
                }
                self.advance().await
            }
            Some(Err(error)) => {
                tracing::warn!("{}: synthesis failed: {}", self.peer, error.message());
                // No `audio-stop`: a client that ignores `error` must not take the
                // audio so far for a complete answer. The connection then closes.
                drop(self.audio.take());
                self.send_speech_error(&error).await
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
        tracing::info!(peer = %self.peer, code, voice = %voice, "request refused; closing the connection");
        tracing::debug!("{}: error `{code}`: {text}", self.peer);
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

/// Asks for speech. A voice that cannot be used but whose name says what language
/// was wanted (see [`fallback`]) is replaced by the best voice of that language, or
/// else the default voice, with a warning. Planning runs on a blocking thread: text
/// analysis is CPU work.
async fn speak(shared: &Shared, peer: &str, request: SpeakRequest) -> Result<Spoken, SpeechError> {
    let speech = shared.speech.as_ref();
    let label = voice_label(speech, &request.voice);
    let substitutes = request
        .voice
        .name
        .as_deref()
        .and_then(fallback::substitute)
        .map(|by_language| {
            [by_language, VoiceChoice::default()].map(|voice| SpeakRequest {
                voice,
                ..request.clone()
            })
        });
    let why = match speak_blocking(shared.speech.clone(), request).await {
        Ok(pieces) => {
            return Ok(Spoken {
                pieces,
                label,
                substituted: None,
            })
        }
        Err(SpeechError::Voice(why)) => why,
        Err(error) => return Err(error),
    };
    let Some(substitutes) = substitutes else {
        return Err(SpeechError::Voice(why));
    };
    for substitute in substitutes {
        let instead = voice_label(speech, &substitute.voice);
        let choice = substitute.voice.clone();
        match speak_blocking(shared.speech.clone(), substitute).await {
            Ok(pieces) => {
                tracing::warn!(peer = %peer, voice = %label, code = "unknown-voice", "{why}; speaking with {instead} instead");
                return Ok(Spoken {
                    pieces,
                    label: instead,
                    substituted: Some(choice),
                });
            }
            Err(SpeechError::Voice(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Err(SpeechError::Voice(why))
}

async fn next_piece(audio: &mut Option<Audio>) -> Option<Result<Vec<i16>, SpeechError>> {
    match audio {
        Some(audio) => audio.pieces.next().await,
        None => std::future::pending().await,
    }
}

/// The voice as asked for, for logs: a name or mix, `lang:xx`, or the default. Only
/// logged once the request was accepted (the name resolved), and cut short all the
/// same: a valid mix may still be long.
fn voice_label(speech: &dyn Speech, choice: &VoiceChoice) -> String {
    const MAX: usize = 64;
    let label = match (&choice.name, &choice.language) {
        (Some(name), _) => name.clone(),
        (None, Some(language)) => format!("lang:{language}"),
        (None, None) => speech.default_voice(),
    };
    match label.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &label[..at]),
        None => label,
    }
}

/// The start of a client's text for a debug line (the sinks escape it).
fn preview(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn audio_start() -> Event {
    Event::AudioStart(AudioStart {
        rate: SAMPLE_RATE,
        width: WIDTH,
        channels: CHANNELS,
        timestamp: Some(0),
    })
}

fn audio_stop(samples: u64) -> Event {
    Event::AudioStop(AudioStop {
        timestamp: Some(millis(samples)),
    })
}

/// Milliseconds of audio in `samples`.
fn millis(samples: u64) -> i64 {
    i64::try_from(samples * 1000 / u64::from(SAMPLE_RATE)).unwrap_or(i64::MAX)
}

/// Wyoming's voice to ours; empty strings mean "not given".
fn voice_choice(voice: Option<SynthesizeVoice>) -> VoiceChoice {
    let voice = voice.unwrap_or_default();
    let given = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    VoiceChoice {
        name: given(voice.name),
        language: given(voice.language),
    }
}

fn text_format(
    format: Option<&crate::wyoming::TextFormat>,
) -> Result<TextFormat, (String, &'static str)> {
    match format {
        None | Some(crate::wyoming::TextFormat::Text) => Ok(TextFormat::Text),
        Some(crate::wyoming::TextFormat::Ssml) => Ok(TextFormat::Ssml),
        Some(crate::wyoming::TextFormat::Other(other)) => {
            let shown: String = other
                .chars()
                .take(32)
                .flat_map(char::escape_debug)
                .collect();
            Err((
                format!("unsupported text_format `{shown}`: use `text` or `ssml`"),
                "bad-text-format",
            ))
        }
    }
}

/// Writes queued events in batches; gives up when a batch cannot be written within
/// `timeout` (the client stopped reading). On `kill` (shutdown past its grace) the
/// frame being written is finished, never cut, and the client is told why its answer
/// ends with an `error` (`shutting-down`) before the connection closes.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut sink: FramedWrite<W, WyomingCodec>,
    mut rx: mpsc::Receiver<Event>,
    timeout: Duration,
    kill: &CancellationToken,
    peer: &str,
    stats: &ServerStats,
) {
    loop {
        let event = tokio::select! {
            biased;
            () = kill.cancelled() => break,
            event = rx.recv() => event,
        };
        let Some(event) = event else { break };
        let batch = async {
            sink.feed(event).await?;
            while let Ok(event) = rx.try_recv() {
                sink.feed(event).await?;
            }
            SinkExt::<Event>::flush(&mut sink).await
        };
        tokio::pin!(batch);
        let written = tokio::select! {
            written = tokio::time::timeout(timeout, &mut batch) => written,
            // Finish what is being written (briefly) so that no frame is torn.
            () = kill.cancelled() => tokio::time::timeout(LINGER, &mut batch).await,
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::debug!("{peer}: write failed: {error}");
                return;
            }
            Err(_) if kill.is_cancelled() => {
                tracing::warn!("{peer}: closing on shutdown: the client is not reading");
                return;
            }
            Err(_) => {
                stats.slow_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    "{peer}: dropping connection: the client read nothing for {timeout:?}"
                );
                return;
            }
        }
    }
    if kill.is_cancelled() {
        let error = Event::Error(ErrorEvent {
            text: "kokorod is shutting down; the request was cancelled".to_owned(),
            code: Some(ErrorKind::ShuttingDown.wyoming().to_owned()),
        });
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let goodbye = async {
            sink.send(error).await?;
            SinkExt::<Event>::close(&mut sink).await
        };
        let _ = tokio::time::timeout(LINGER, goodbye).await;
        return;
    }
    // Everything is written: send FIN so the client sees a clean end.
    let _ = tokio::time::timeout(LINGER, SinkExt::<Event>::close(&mut sink)).await;
}

/// After an invalid frame: read and discard what the client still sends, briefly,
/// so that closing does not reset the connection before it has read our `error`.
async fn linger<R: AsyncRead + Unpin>(mut reader: R, kill: &CancellationToken) {
    let drain = async {
        let mut scratch = vec![0u8; 16 * 1024];
        while matches!(reader.read(&mut scratch).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        _ = tokio::time::timeout(LINGER, drain) => {}
        () = kill.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_get_bcp47_casing() {
        assert_eq!(bcp47("en-us"), "en-US");
        assert_eq!(bcp47("pt-br"), "pt-BR");
        assert_eq!(bcp47("fr-fr"), "fr-FR");
        assert_eq!(bcp47("zh"), "zh");
        assert_eq!(bcp47("hi"), "hi");
        assert_eq!(bcp47("EN_gb"), "en-GB");
        assert_eq!(bcp47("zh-hant-tw"), "zh-Hant-TW");
    }

    #[test]
    fn voices_advertise_regional_and_bare_tags() {
        assert_eq!(language_tags("ff_siwis", "fr-fr"), ["fr-FR", "fr"]);
        assert_eq!(language_tags("af_heart", "en-us"), ["en-US", "en"]);
        assert_eq!(language_tags("bf_emma", "en-gb"), ["en-GB", "en"]);
        assert_eq!(language_tags("pf_dora", "pt-br"), ["pt-BR", "pt"]);
        assert_eq!(language_tags("ef_dora", "es"), ["es-ES", "es"]);
        assert_eq!(language_tags("jf_alpha", "ja"), ["ja-JP", "ja"]);
        assert_eq!(language_tags("zf_xiaobei", "zh"), ["zh-CN", "zh"]);
        assert_eq!(language_tags("hf_alpha", "hi"), ["hi-IN", "hi"]);
        // A custom voice whose name says nothing: its table tag as it is.
        assert_eq!(language_tags("custom", "de"), ["de"]);
        assert_eq!(language_tags("af_x", "es"), ["es"]);
    }

    #[test]
    fn voice_display_names() {
        assert_eq!(display_name("af_heart"), "Heart");
        assert_eq!(display_name("zm_yunjian"), "Yunjian");
        assert_eq!(display_name("custom"), "Custom");
        assert_eq!(display_name("x_"), "x_");
    }

    fn split_all(chunks: &[&str]) -> Vec<String> {
        let mut s = Sentences::default();
        let mut out: Vec<String> = chunks.iter().flat_map(|c| s.push(c)).collect();
        out.extend(s.finish());
        out
    }

    #[test]
    fn sentences_across_chunks() {
        assert_eq!(
            split_all(&["Hello wor", "ld. How are", " you? Fine"]),
            ["Hello world.", "How are you?", "Fine"]
        );
        // A full stop at the end of a chunk waits: it may be a decimal point.
        assert_eq!(
            split_all(&["It is 3.", "14 today. ", "Yes!"]),
            ["It is 3.14 today.", "Yes!"]
        );
        assert_eq!(
            split_all(&["He said \"Stop.\") Then"]),
            ["He said \"Stop.\")", "Then"]
        );
        // An ellipsis before a lower-case word continues the sentence.
        assert_eq!(
            split_all(&["Ünïcödé ", "wörds… ", "ok"]),
            ["Ünïcödé wörds… ok"]
        );
        assert_eq!(
            split_all(&["Dr. Smith is ", "in. He waits."]),
            ["Dr. Smith is in.", "He waits."]
        );
        assert_eq!(split_all(&["Wait... what?! No"]), ["Wait... what?!", "No"]);
        assert_eq!(split_all(&["一。二！三"]), ["一。", "二！", "三"]);
        assert_eq!(split_all(&["a list\n\nnext para"]), ["a list", "next para"]);
        assert_eq!(split_all(&["  ", " "]), Vec::<String>::new());
        assert_eq!(split_all(&["v1.2.3 is out"]), ["v1.2.3 is out"]);
    }

    #[test]
    fn completed_sentences_come_out_as_soon_as_possible() {
        let mut s = Sentences::default();
        assert!(s.push("Hello world.").is_empty());
        assert_eq!(s.push(" How"), ["Hello world."]);
        assert_eq!(s.finish().as_deref(), Some("How"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn long_unpunctuated_text_is_cut_at_a_space() {
        let mut s = Sentences::default();
        let word = "wörd ";
        let out = s.push(&word.repeat(200));
        assert!(!out.is_empty());
        assert!(out.iter().all(|p| p.len() <= MAX_UNPUNCTUATED));
        let rest = s.finish().unwrap_or_default();
        let total: usize = out
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum::<usize>()
            + rest.split_whitespace().count();
        assert_eq!(total, 200);
    }

    #[test]
    fn timestamps_are_milliseconds() {
        assert_eq!(millis(0), 0);
        assert_eq!(millis(24_000), 1000);
        assert_eq!(millis(1024), 42);
    }

    #[test]
    fn voice_choice_treats_empty_as_absent() {
        assert_eq!(voice_choice(None), VoiceChoice::default());
        let v = SynthesizeVoice {
            name: Some(" ".into()),
            language: Some("en-GB".into()),
            speaker: Some("1".into()),
        };
        assert_eq!(
            voice_choice(Some(v)),
            VoiceChoice {
                name: None,
                language: Some("en-GB".into())
            }
        );
    }

    #[test]
    fn text_formats() {
        use crate::wyoming::TextFormat as W;
        assert_eq!(text_format(None).unwrap(), TextFormat::Text);
        assert_eq!(text_format(Some(&W::Ssml)).unwrap(), TextFormat::Ssml);
        let (text, code) = text_format(Some(&W::Other("markdown".into()))).unwrap_err();
        assert_eq!(code, "bad-text-format");
        assert!(text.contains("markdown"));
    }
}
