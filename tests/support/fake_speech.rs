//! A fake [`Speech`]: a sine per sentence, optionally slow or held at a gate, counting
//! the streams it hands out and the ones dropped early.

use kokorod::engine::EngineError;
use kokorod::text::ssml::SsmlError;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kokorod::speech::{PieceStream, SpeakRequest, Speech, SpeechError, TextFormat, VoiceInfo};
use tokio::sync::watch;

use super::GUARD;

/// The fake's voices: (name, language, gender).
const VOICES: [(&str, &str, &str); 3] = [
    ("af_heart", "en-us", "female"),
    ("am_adam", "en-us", "male"),
    ("bf_emma", "en-gb", "female"),
];

/// Samples the fake speaks per character (10 ms at 24 kHz).
pub const SAMPLES_PER_CHAR: usize = 240;

#[derive(Debug)]
struct Inner {
    delay: Duration,
    gate: watch::Sender<bool>,
    live: watch::Sender<usize>,
    dropped_early: AtomicUsize,
    speaks: watch::Sender<usize>,
    /// Each `speak` call's text and whether it continued an answer, in order.
    asked: std::sync::Mutex<Vec<(String, bool)>>,
}

/// A fake text-to-speech: one piece per sentence, `SAMPLES_PER_CHAR` samples a
/// character, a sentence containing "explode" fails in the middle of the audio.
#[derive(Debug, Clone)]
pub struct FakeSpeech(Arc<Inner>);

impl FakeSpeech {
    /// Instant pieces.
    pub fn new() -> Self {
        Self::slow(Duration::ZERO)
    }

    /// Each piece takes `delay`.
    pub fn slow(delay: Duration) -> Self {
        Self(Arc::new(Inner {
            delay,
            gate: watch::channel(true).0,
            live: watch::channel(0).0,
            dropped_early: AtomicUsize::new(0),
            speaks: watch::channel(0).0,
            asked: Default::default(),
        }))
    }

    /// Holds every piece until [`FakeSpeech::open_gate`].
    pub fn close_gate(&self) {
        self.0.gate.send_replace(false);
    }

    /// Lets pieces through.
    pub fn open_gate(&self) {
        self.0.gate.send_replace(true);
    }

    /// Piece streams handed out and not yet dropped.
    pub fn live(&self) -> usize {
        *self.0.live.borrow()
    }

    /// Streams dropped before their last piece (cancelled work).
    pub fn dropped_early(&self) -> usize {
        self.0.dropped_early.load(Ordering::SeqCst)
    }

    /// Successful `speak` calls.
    pub fn speaks(&self) -> usize {
        *self.0.speaks.borrow()
    }

    /// Each `speak` call's text and [`SpeakRequest::continues`], in order.
    pub fn asked(&self) -> Vec<(String, bool)> {
        self.0.asked.lock().unwrap().clone()
    }

    /// Waits until `speak` has succeeded `n` times.
    pub async fn wait_speaks(&self, n: usize) {
        let mut speaks = self.0.speaks.subscribe();
        tokio::time::timeout(GUARD, speaks.wait_for(|s| *s >= n))
            .await
            .expect("speak not called in time")
            .expect("watch closed");
    }

    /// Waits until no piece stream is alive (the server dropped or finished them all).
    pub async fn wait_none_live(&self) {
        let mut live = self.0.live.subscribe();
        tokio::time::timeout(GUARD, live.wait_for(|n| *n == 0))
            .await
            .expect("piece streams still alive")
            .expect("watch closed");
    }

    /// The sentences the fake speaks for `text` (plain text).
    pub fn sentences(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        for c in text.chars() {
            current.push(c);
            if matches!(c, '.' | '!' | '?') {
                out.push(std::mem::take(&mut current));
            }
        }
        out.push(current);
        out.into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| s.chars().any(char::is_alphanumeric))
            .collect()
    }

    /// The audio of one sentence: a sine whose pitch depends on the sentence.
    pub fn render(sentence: &str) -> Vec<i16> {
        let hash = sentence.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let freq = 200.0 + (hash % 400) as f64;
        let n = sentence.chars().count() * SAMPLES_PER_CHAR;
        (0..n)
            .map(|i| {
                let t = i as f64 / 24_000.0;
                (8000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
            })
            .collect()
    }

    /// All the audio the fake speaks for a plain `text`.
    pub fn expected(text: &str) -> Vec<i16> {
        Self::sentences(text)
            .iter()
            .flat_map(|s| Self::render(s))
            .collect()
    }
}

impl Default for FakeSpeech {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts a live stream; notes whether it was dropped before its end.
struct LiveGuard {
    inner: Arc<Inner>,
    finished: bool,
}

impl LiveGuard {
    fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.inner.dropped_early.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.live.send_modify(|n| *n -= 1);
    }
}

fn known_voice(name: &str) -> bool {
    // Mixes: `a+b`, `a(2)+b(1)`.
    name.split('+').all(|part| {
        let base = part.split('(').next().unwrap_or(part).trim();
        VOICES.iter().any(|(v, _, _)| *v == base)
    })
}

fn strip_ssml(text: &str) -> Result<String, SpeechError> {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match (c, in_tag) {
            ('<', false) => in_tag = true,
            ('>', true) => in_tag = false,
            ('<' | '>', _) => return Err(ssml_error("unbalanced `<` or `>`")),
            (_, false) => out.push(c),
            (_, true) => {}
        }
    }
    if in_tag {
        return Err(ssml_error("a tag is not closed"));
    }
    Ok(out)
}

impl Speech for FakeSpeech {
    fn voices(&self) -> Vec<VoiceInfo> {
        VOICES
            .iter()
            .map(|(name, language, gender)| VoiceInfo {
                name: (*name).into(),
                language: (*language).into(),
                gender: (*gender).into(),
                grade: None,
            })
            .collect()
    }

    fn default_voice(&self) -> String {
        "af_heart".into()
    }

    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        self.0
            .asked
            .lock()
            .unwrap()
            .push((req.text.clone(), req.continues));
        if let Some(name) = &req.voice.name {
            if !known_voice(name) {
                return Err(SpeechError::Voice(format!("unknown voice `{name}`")));
            }
        } else if let Some(language) = &req.voice.language {
            let lang = language.to_ascii_lowercase();
            if !VOICES
                .iter()
                .any(|(_, l, _)| *l == lang || l.starts_with(&format!("{lang}-")))
            {
                return Err(SpeechError::Voice(format!("no voice speaks `{language}`")));
            }
        }
        let text = match req.format {
            TextFormat::Text => req.text,
            TextFormat::Ssml => strip_ssml(&req.text)?,
        };
        let sentences: VecDeque<String> = Self::sentences(&text).into();
        if sentences.is_empty() {
            return Err(SpeechError::EmptyText("nothing to say".into()));
        }
        // Live first: whoever saw the speak counted must also see its stream alive.
        self.0.live.send_modify(|n| *n += 1);
        self.0.speaks.send_modify(|n| *n += 1);
        let guard = LiveGuard {
            inner: Arc::clone(&self.0),
            finished: false,
        };
        let gate = self.0.gate.subscribe();
        let delay = self.0.delay;
        let stream = futures::stream::unfold(
            (sentences, guard, gate),
            move |(mut sentences, mut guard, mut gate)| async move {
                let Some(sentence) = sentences.pop_front() else {
                    guard.finish();
                    return None;
                };
                let _ = gate.wait_for(|open| *open).await;
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let piece = if sentence.contains("explode") {
                    Err(SpeechError::Engine(EngineError::BadInput(
                        "the fake engine exploded".into(),
                    )))
                } else {
                    Ok(Self::render(&sentence))
                };
                Some((piece, (sentences, guard, gate)))
            },
        );
        Ok(Box::pin(stream))
    }
}

fn ssml_error(message: &str) -> SpeechError {
    SsmlError {
        line: 1,
        column: 1,
        offset: 0,
        message: message.into(),
    }
    .into()
}
