//! The real [`Speech`]: text → pieces (a short first clause, then sentences) →
//! phonemes → ≤510-token chunks → the engine → 16-bit PCM, one piece at a time so
//! that audio leaves as soon as each piece is ready.

use super::plan::{self, Piece};
use super::{EngineLoad, PieceStream, SpeakRequest, Speech, SpeechError, TextFormat, VoiceInfo};
use crate::audio::{f32_to_i16, fade_edges, trim_silence, Keep};
use crate::engine::{Deadline, Engine, InferRequest, Priority, ResolvedVoice, VoiceName, Voices};
use crate::text::normalize::{normalize, Locale};
use crate::text::overrides::{self, Run};
use crate::text::split::{cut_long, first_clause, split_sentences, MAX_PIECE_BYTES};
use crate::text::{self, Lang, Lexicon, Phonemizer, TextError};
use futures::StreamExt;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Longest input of one inference. The model takes 510 tokens, but its memory peak
/// grows with the input (≈1.07 GB RSS at 510, 0.67 GB at 250, 0.54 GB at 160): long
/// sentences are cut (at clause punctuation first) to keep the daemon's peak bounded.
pub const PIECE_MAX_TOKENS: usize = 200;

/// Speed range the model handles without audible artefacts.
pub const SPEED_RANGE: std::ops::RangeInclusive<f32> = 0.5..=2.0;

/// Limits and defaults of the pipeline.
#[derive(Debug, Clone)]
pub struct KokoroConfig {
    /// Voice for requests that name none.
    pub default_voice: String,
    /// Longest accepted text, in characters.
    pub max_text_chars: usize,
    /// Quiet after each piece, by how the piece ends.
    pub pauses: Pauses,
    /// A plain text with no voice or language asked for is read by a voice of the
    /// language it is written in (see [`crate::text::detect`]).
    pub detect_language: bool,
    /// Languages whose phonemizer [`KokoroSpeech::prepare_phonemizers`] builds ahead of
    /// requests (the default voice's is always built); the others on first use.
    pub preload: Vec<Lang>,
}

impl Default for KokoroConfig {
    fn default() -> Self {
        KokoroConfig {
            default_voice: "af_heart".into(),
            max_text_chars: 100_000,
            pauses: Pauses::default(),
            detect_language: false,
            preload: Vec::new(),
        }
    }
}

/// Quiet kept after a piece's last sound once the model's padding is trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pauses {
    /// After `.`, `!`, `?`, `…`, in milliseconds.
    pub sentence_ms: u32,
    /// After a clause cut inside a sentence (`,`, `;`, `:` or a phrase boundary).
    pub clause_ms: u32,
}

impl Default for Pauses {
    fn default() -> Self {
        Pauses {
            sentence_ms: 250,
            clause_ms: 100,
        }
    }
}

/// Kokoro text-to-speech: the engine, the voices and one phonemizer per language.
pub struct KokoroSpeech {
    engine: Engine,
    voices: Arc<Voices>,
    phonemizers: Arc<Phonemizers>,
    lexicon: Arc<Lexicon>,
    cfg: KokoroConfig,
}

impl KokoroSpeech {
    /// Builds the pipeline; fails if the default voice is unknown or a phonemizer
    /// cannot start (espeak-ng data missing).
    pub fn new(
        engine: Engine,
        voices: Arc<Voices>,
        cfg: KokoroConfig,
    ) -> Result<Self, SpeechError> {
        KokoroSpeech {
            engine,
            voices,
            phonemizers: Arc::default(),
            lexicon: Arc::default(),
            cfg,
        }
        .default_voice_ready()
    }

    /// Checks the default voice and builds its language's phonemizer.
    fn default_voice_ready(self) -> Result<Self, SpeechError> {
        let default = self
            .voices
            .resolve(&self.cfg.default_voice)
            .map_err(|e| SpeechError::Voice(format!("default voice: {e}")))?;
        self.phonemizers.get(self.lang_of(&default.primary)?)?;
        Ok(self)
    }

    /// Use `lexicon` for every request from now on (see [`Lexicon::load`]).
    pub fn with_lexicon(mut self, lexicon: Lexicon) -> Self {
        self.lexicon = Arc::new(lexicon);
        self
    }

    /// The same engine and phonemizers with other voices, lexicon and limits (a
    /// reload): fails, leaving `self` untouched, if the default voice is unknown.
    pub fn reconfigured(
        &self,
        voices: Arc<Voices>,
        lexicon: Lexicon,
        cfg: KokoroConfig,
    ) -> Result<Self, SpeechError> {
        KokoroSpeech {
            engine: self.engine.clone(),
            voices,
            phonemizers: self.phonemizers.clone(),
            lexicon: Arc::new(lexicon),
            cfg,
        }
        .default_voice_ready()
    }

    /// Builds now the phonemizers of [`KokoroConfig::preload`]'s languages that an
    /// installed voice speaks, so that no request pays for them, and the language
    /// detector if it is used; and reads a sample text the way a request's is read,
    /// so that the first request does not pay for the tables built on first use.
    /// Returns the languages built by this call, each with the time it took.
    pub fn prepare_phonemizers(&self) -> Result<Vec<(Lang, std::time::Duration)>, SpeechError> {
        self.read_a_sample();
        let installed: Vec<Lang> = self
            .voices
            .infos()
            .iter()
            .filter_map(|v| v.name.chars().next().and_then(Lang::from_voice_prefix))
            .collect();
        let mut built = Vec::new();
        if self.cfg.detect_language {
            let t = std::time::Instant::now();
            crate::text::detect::LanguageGuesser::shared();
            tracing::debug!(
                ms = t.elapsed().as_millis() as u64,
                "language detector ready"
            );
        }
        for lang in self
            .cfg
            .preload
            .iter()
            .copied()
            .filter(|l| installed.contains(l))
        {
            if self.phonemizers.is_built(lang) {
                continue;
            }
            let t = std::time::Instant::now();
            self.phonemizers.get(lang)?;
            built.push((lang, t.elapsed()));
        }
        Ok(built)
    }

    /// Plans a sample text in the default voice's language and phonemizes its pieces:
    /// the normalizer's and the G2P's tables are built on first use (~40 ms).
    fn read_a_sample(&self) {
        const SAMPLE: &str = "It is 21°C at 7:30 pm on May 3rd, and Dr. Smith's 2 lights are on.";
        let t = Instant::now();
        // The default voice's language: its phonemizer is built already.
        let Ok(voice) = self.voices.resolve(&self.cfg.default_voice) else {
            return;
        };
        let Ok(lang) = self.lang_of(&voice.primary) else {
            return;
        };
        let Ok(pieces) = plan_request(SAMPLE, TextFormat::Text, lang, 1.0, true) else {
            return;
        };
        if let Ok(p) = self.phonemizers.get(lang) {
            for piece in pieces {
                if let Piece::Speak { runs, .. } = piece {
                    let _ = overrides::phonemize_runs(&p, &self.lexicon, &runs);
                }
            }
        }
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "text pipeline ready");
    }

    fn lang_of(&self, primary: &str) -> Result<Lang, SpeechError> {
        primary.chars().next().and_then(Lang::from_voice_prefix).ok_or_else(|| {
            SpeechError::Voice(format!("voice {primary} is of no language kokorod knows (Kokoro's voices start with a, b, e, f, h, i, j, p or z)"))
        })
    }

    /// The voice a request is spoken with: the text's language's when
    /// [`KokoroConfig::detect_language`] applies, else the voice named, else the best
    /// voice for the language asked, else the default. Reads no style file.
    fn choose_voice(&self, req: &SpeakRequest) -> Result<VoiceName, SpeechError> {
        let voice_err = |e: crate::engine::VoiceError| SpeechError::Voice(e.to_string());
        if let Some(name) = self.voice_by_text(req) {
            return Ok(name);
        }
        let choice = &req.voice;
        if let Some(name) = choice.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return self.voices.name(name).map_err(voice_err);
        }
        if let Some(lang) = choice.language.as_deref().filter(|l| !l.trim().is_empty()) {
            return match self.best_voice_for(lang) {
                Some(name) => self.voices.name(&name).map_err(voice_err),
                None => Err(SpeechError::Voice(format!(
                    "no installed voice speaks {:?}",
                    lang.chars().take(32).collect::<String>()
                ))),
            };
        }
        self.voices.name(&self.cfg.default_voice).map_err(voice_err)
    }

    /// The voice for the language a plain text is written in, when the request asks
    /// for none and that language is clearly not the default voice's.
    fn voice_by_text(&self, req: &SpeakRequest) -> Option<VoiceName> {
        if !self.cfg.detect_language
            || req.format != TextFormat::Text
            || req.voice.name.is_some()
            || req.voice.language.is_some()
        {
            return None;
        }
        let default = self.voices.name(&self.cfg.default_voice).ok()?;
        let lang = crate::text::detect::LanguageGuesser::shared()
            .guess(&req.text, self.lang_of(&default.primary).ok()?)?;
        let name = self.best_voice_for(lang.bcp47())?;
        tracing::debug!(language = lang.bcp47(), voice = %name, "voice chosen by the text's language");
        self.voices.name(&name).ok()
    }

    /// The installed voice for a BCP-47 tag (`en-GB`, `en`): the default voice if it
    /// matches, else the best graded one.
    fn best_voice_for(&self, tag: &str) -> Option<String> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let fits = |l: &str| l == tag || l.split('-').next() == Some(tag.as_str());
        // The voice table's tag (`ja`, `fr-fr`) or its G2P language's (`ja-JP`, `fr-FR`).
        let matches = |v: &VoiceInfo| {
            fits(&v.language)
                || v.name
                    .chars()
                    .next()
                    .and_then(Lang::from_voice_prefix)
                    .is_some_and(|l| fits(&l.bcp47().to_ascii_lowercase()))
        };
        let infos = self.voices.infos();
        if infos
            .iter()
            .any(|v| v.name == self.cfg.default_voice && matches(v))
        {
            return Some(self.cfg.default_voice.clone());
        }
        infos
            .into_iter()
            .filter(|v| matches(v))
            .min_by_key(|v| grade_rank(v.grade.as_deref()))
            .map(|v| v.name)
    }
}

/// One phonemizer per language, built on first use (or ahead of it, see
/// [`KokoroSpeech::prepare_phonemizers`]).
#[derive(Default)]
struct Phonemizers {
    cells: [OnceLock<Arc<Phonemizer>>; Lang::ALL.len()],
    /// Serialises construction so two first requests do not build one twice.
    building: Mutex<()>,
}

impl Phonemizers {
    fn is_built(&self, lang: Lang) -> bool {
        self.cells[Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0)]
            .get()
            .is_some()
    }

    fn get(&self, lang: Lang) -> Result<Arc<Phonemizer>, SpeechError> {
        let cell = &self.cells[Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0)];
        if let Some(p) = cell.get() {
            return Ok(p.clone());
        }
        let _guard = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cell.get() {
            return Ok(p.clone());
        }
        let t = std::time::Instant::now();
        let p = Arc::new(Phonemizer::new(lang).map_err(SpeechError::Text)?);
        // Building leaves freed heap pages and read-once embedded data resident.
        crate::system::memory::release_after_build();
        tracing::info!(
            language = lang.bcp47(),
            ms = t.elapsed().as_millis() as u64,
            "phonemizer ready"
        );
        Ok(cell.get_or_init(|| p).clone())
    }
}

/// Lower is better: A, A-, B+, …, ungraded last.
fn grade_rank(g: Option<&str>) -> u8 {
    let Some(g) = g else { return 100 };
    let mut c = g.chars();
    let base = match c.next() {
        Some(l @ 'A'..='F') => (l as u8 - b'A') * 3 + 1,
        _ => return 100,
    };
    match c.next() {
        Some('+') => base - 1,
        Some('-') => base + 1,
        _ => base,
    }
}

impl Speech for KokoroSpeech {
    fn voices(&self) -> Vec<VoiceInfo> {
        // Only voices whose language has a phonemizer (all of Kokoro v1.0's do).
        self.voices
            .infos()
            .into_iter()
            .filter(|v| {
                v.name
                    .chars()
                    .next()
                    .and_then(Lang::from_voice_prefix)
                    .is_some()
            })
            .collect()
    }

    fn default_voice(&self) -> String {
        self.cfg.default_voice.clone()
    }

    fn engine_load(&self) -> EngineLoad {
        let info = self.engine.info();
        EngineLoad {
            queue_depth: info.queued.load(Ordering::Relaxed),
            preempted: info.preempted.load(Ordering::Relaxed),
        }
    }

    fn voice_name(&self, req: &SpeakRequest) -> Option<String> {
        self.choose_voice(req).ok().map(|name| name.spec)
    }

    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        if !SPEED_RANGE.contains(&req.speed) {
            return Err(SpeechError::Speed(req.speed));
        }
        let len = req.text.chars().count();
        if len > self.cfg.max_text_chars {
            return Err(SpeechError::TooLong {
                len,
                max: self.cfg.max_text_chars,
            });
        }
        let name = self.choose_voice(&req)?;
        let lang = self.lang_of(&name.primary)?;
        let voice = self.voices.resolve(&name.spec).map_err(|e| match e {
            e @ crate::engine::VoiceError::BadFile { .. } => SpeechError::VoiceFile(e),
            e => SpeechError::Voice(e.to_string()),
        })?;
        // A text that continues an answer is spoken as plain text's later sentences are.
        let pieces = plan_request(&req.text, req.format, lang, req.speed, !req.continues)?;
        let ctx = Arc::new(PieceCtx {
            phonemizers: self.phonemizers.clone(),
            lexicon: self.lexicon.clone(),
            engine: self.engine.clone(),
            voice,
            pauses: self.cfg.pauses,
            due: req.due.clone().unwrap_or_default(),
        });
        let state = PieceState {
            pieces,
            inflight: VecDeque::new(),
            ctx,
            first_audio: !req.continues,
            spoke: false,
            last_queued: None,
        };
        Ok(futures::stream::unfold(state, next_piece).boxed())
    }
}

/// A request's text as the pieces synthesized one after another: normalized, split
/// (plain text) or parsed (SSML). With `cut_first`, the first sentence's leading
/// clause is a piece of its own (the answer's first audio). Fails on bad SSML and on
/// text with nothing to say. CPU work linear in the text's length: callers on an async
/// runtime run it on a blocking thread.
pub fn plan_request(
    text: &str,
    format: TextFormat,
    lang: Lang,
    speed: f32,
    cut_first: bool,
) -> Result<VecDeque<Piece>, SpeechError> {
    let split = splitter(cut_first);
    let pieces: VecDeque<Piece> = match format {
        TextFormat::Text => plan::plan_text(text, lang, speed, split),
        TextFormat::Ssml => plan::plan_ssml(text, lang, speed, split)?,
    }
    .into();
    if !pieces.iter().any(Piece::has_content) {
        return Err(SpeechError::EmptyText(if text.trim().is_empty() {
            "the text is empty".into()
        } else {
            "the text has nothing speakable (only punctuation, symbols or emoji)".into()
        }));
    }
    // A piece with no letter, digit or phoneme says nothing: sending it through G2P
    // would only spend CPU (a run of 100,000 `?` is 250 such pieces).
    Ok(pieces.into_iter().filter(Piece::has_content).collect())
}

/// What every piece of one request needs, shared by its tasks.
struct PieceCtx {
    phonemizers: Arc<Phonemizers>,
    lexicon: Arc<Lexicon>,
    engine: Engine,
    voice: ResolvedVoice,
    pauses: Pauses,
    /// When the listener runs out of the audio made so far: later pieces of all
    /// answers go earliest deadline first.
    due: Deadline,
}

/// A piece being produced in its own task; dropping it aborts the task, which drops
/// its engine reply channel, so the worker skips the job if it has not started.
struct InFlight(tokio::task::JoinHandle<Result<Vec<i16>, SpeechError>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pieces produced at once per request: the one being sent and the next, so the next
/// piece's G2P and queueing overlap the current inference and the engine does not
/// idle between pieces. More would only let one request crowd the queue.
const IN_FLIGHT: usize = 2;

struct PieceState {
    pieces: VecDeque<Piece>,
    inflight: VecDeque<InFlight>,
    ctx: Arc<PieceCtx>,
    /// The next piece started is the answer's first audio (not so for a text that
    /// continues one).
    first_audio: bool,
    spoke: bool,
    /// The turn of the last piece started: the next one queues after it.
    last_queued: Option<oneshot::Receiver<()>>,
}

/// A piece's place in its request's order of submission to the engine. G2P of
/// consecutive pieces runs in parallel, but a piece queues its inferences only once the
/// piece before it has queued its own (or ended): otherwise the second piece's G2P,
/// finishing first, would take the idle engine and the first audio would wait a whole
/// inference.
struct Turn {
    /// Resolves (or is dropped) when the previous piece has queued.
    after: Option<oneshot::Receiver<()>>,
    /// Dropped once this piece has queued all its inferences, or failed.
    queued: oneshot::Sender<()>,
}

/// Produces one piece: phonemes, ≤200-token inferences, trimmed PCM. An empty result
/// means the piece had nothing to say.
async fn produce(
    ctx: Arc<PieceCtx>,
    piece: Piece,
    priority: Priority,
    turn: Turn,
) -> Result<Vec<i16>, SpeechError> {
    let (runs, lang, speed) = match piece {
        // A requested silence (SSML <break>): zeros at the output rate.
        Piece::Silence(n) => return Ok(vec![0; n]),
        Piece::Speak { runs, lang, speed } => (runs, lang, speed),
    };
    let (cache, lexicon) = (ctx.phonemizers.clone(), ctx.lexicon.clone());
    // G2P takes milliseconds of CPU (and a first use builds the phonemizer): keep it
    // off the async threads.
    let g2p = tokio::task::spawn_blocking(move || {
        cache.get(lang).map(|p| {
            overrides::phonemize_runs(&p, &lexicon, &runs).map(|mut ph| {
                keep_sentence_end(&runs, &mut ph);
                ph
            })
        })
    })
    .await;
    let phonemes = match g2p {
        Ok(Ok(Ok(p))) => p,
        Ok(Ok(Err(TextError::Empty | TextError::NothingSpeakable))) => return Ok(Vec::new()),
        Ok(Ok(Err(e))) => return Err(SpeechError::Text(e)),
        Ok(Err(e)) => return Err(e),
        Err(e) => return Err(SpeechError::TextTask(e)),
    };
    if let Some(after) = turn.after {
        // An error only means the previous piece ended without queueing: our turn.
        let _ = after.await;
    }
    // All of this piece's inferences are queued at once, in order, so the engine runs
    // them back to back ahead of the next piece's. Only the first of them keeps the
    // piece's priority: a first piece that needs several (a long sentence with nowhere
    // to cut) must not hold back another client's first audio for all of them.
    let mut priority = priority;
    let mut jobs = Vec::new();
    for chunk in text::split_phonemes(&phonemes, PIECE_MAX_TOKENS) {
        let tokens = text::tokenize(&chunk);
        if tokens.is_empty() {
            continue;
        }
        let req = InferRequest {
            tokens,
            style: ctx.voice.style.clone(),
            speed,
            priority: std::mem::replace(&mut priority, Priority::Rest),
            due: Some(ctx.due.clone()),
        };
        jobs.push((ctx.engine.queue(req)?, chunk));
    }
    drop(turn.queued);
    let mut audio = Vec::new();
    for (job, chunk) in jobs {
        let pcm = job.await?;
        let mut pcm = f32_to_i16(&pcm);
        trim_silence(&mut pcm, keep_after(&chunk, ctx.pauses));
        fade_edges(&mut pcm, FADE_IN, FADE_OUT);
        audio.extend(pcm);
    }
    Ok(audio)
}

/// Yields the next piece's audio; pieces with nothing to say are skipped.
async fn next_piece(mut st: PieceState) -> Option<(Result<Vec<i16>, SpeechError>, PieceState)> {
    loop {
        while st.inflight.len() < IN_FLIGHT {
            let Some(piece) = st.pieces.pop_front() else {
                break;
            };
            // An answer's first piece goes ahead of other answers' later pieces.
            let priority = if std::mem::replace(&mut st.first_audio, false) {
                Priority::First
            } else {
                Priority::Rest
            };
            let (queued, next) = oneshot::channel();
            let turn = Turn {
                after: st.last_queued.replace(next),
                queued,
            };
            st.inflight.push_back(InFlight(tokio::spawn(produce(
                st.ctx.clone(),
                piece,
                priority,
                turn,
            ))));
        }
        let Some(mut current) = st.inflight.pop_front() else {
            break;
        };
        let result = match (&mut current.0).await {
            Ok(r) => r,
            Err(e) => Err(SpeechError::SynthesisTask(e)),
        };
        match result {
            Ok(audio) if audio.is_empty() => continue,
            Ok(audio) => {
                st.spoke = true;
                let secs = audio.len() as f64 / f64::from(super::SAMPLE_RATE);
                st.ctx
                    .due
                    .played(Duration::from_secs_f64(secs), Instant::now());
                return Some((Ok(audio), st));
            }
            Err(e) => return Some((Err(e), done(st))),
        }
    }
    if !st.spoke {
        st.spoke = true;
        return Some((
            Err(SpeechError::EmptyText(
                "the text has nothing speakable".into(),
            )),
            st,
        ));
    }
    None
}

fn done(mut st: PieceState) -> PieceState {
    st.pieces.clear();
    st.inflight.clear();
    st.spoke = true;
    st
}

/// The quiet kept around each inference's speech once the model's padding (~0.3 s
/// before, ~0.4 s after) is trimmed: a short onset, then a pause that fits the cut —
/// a sentence's end or a clause boundary inside one.
fn keep_after(phonemes: &str, pauses: Pauses) -> Keep {
    let sentence_end = phonemes.trim_end().ends_with(['.', '!', '?', '…']);
    let pause = if sentence_end {
        pauses.sentence_ms
    } else {
        pauses.clause_ms
    };
    Keep {
        lead: 40 * MS,
        tail: pause as usize * MS,
    }
}

const MS: usize = super::SAMPLE_RATE as usize / 1000;
/// Ramps at each inference's edges (inside the kept quiet, so no sound is touched):
/// pieces meet at zero, whatever the trim threshold left there.
const FADE_IN: usize = 2 * MS;
const FADE_OUT: usize = 5 * MS;

/// A sentence's final mark is prosody for Kokoro (a falling or rising end). misaki
/// swallows it into an abbreviation ("… at 3 p.m." gives `pˌiˈɛm`, no stop): when a
/// piece's text ends a sentence and its phonemes lost the mark, put it back. Pieces
/// come from the sentence splitter, which never ends a sentence at "Dr." or "Ms.".
fn keep_sentence_end(runs: &[Run], phonemes: &mut String) {
    let Some(Run::Text(last)) = runs.last() else {
        return;
    };
    let Some(mark) = last
        .trim_end()
        .chars()
        .last()
        .filter(|c| matches!(c, '.' | '!' | '?'))
    else {
        return;
    };
    if !phonemes.trim_end().ends_with(['.', '!', '?', '…']) {
        phonemes.truncate(phonemes.trim_end().len());
        phonemes.push(mark);
    }
}

/// One piece as the model will get it (see [`explain`]).
#[derive(Debug, Clone)]
pub struct ExplainedPiece {
    /// The piece's text after normalization (phoneme overrides shown as `/…/`), or
    /// `<silence N ms>`.
    pub text: String,
    /// Kokoro phonemes fed to the model (empty for silence).
    pub phonemes: String,
    /// Token count.
    pub tokens: usize,
}

/// A text as the pipeline sees it, stage by stage.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The text after normalization (plain text only; SSML is normalized per segment).
    pub normalized: Option<String>,
    /// The pieces synthesized one after another.
    pub pieces: Vec<ExplainedPiece>,
}

/// What kokorod feeds the model for `text` read in `lang`: the same normalization,
/// splitting, overrides and G2P as a real request, without the engine.
pub fn explain(
    text: &str,
    format: TextFormat,
    lang: Lang,
    lexicon: &Lexicon,
) -> Result<Explanation, SpeechError> {
    let plan = match format {
        TextFormat::Text => plan::plan_text(text, lang, 1.0, splitter(true)),
        TextFormat::Ssml => plan::plan_ssml(text, lang, 1.0, splitter(true))?,
    };
    let normalized = match format {
        TextFormat::Text => {
            Locale::from_tag(lang.bcp47()).map(|l| normalize_around_markup(text, l))
        }
        TextFormat::Ssml => None,
    };
    let phonemizers = Phonemizers::default();
    let mut pieces = Vec::new();
    for piece in plan {
        match piece {
            Piece::Silence(n) => pieces.push(ExplainedPiece {
                text: format!("<silence {} ms>", n * 1000 / super::SAMPLE_RATE as usize),
                phonemes: String::new(),
                tokens: 0,
            }),
            Piece::Speak { runs, lang, .. } => {
                let text = runs
                    .iter()
                    .map(|r| match r {
                        Run::Text(t) => t.clone(),
                        Run::Phonemes(p) => format!("/{p}/"),
                    })
                    .collect::<String>();
                let p = phonemizers.get(lang)?;
                match overrides::phonemize_runs(&p, lexicon, &runs).map(|mut ph| {
                    keep_sentence_end(&runs, &mut ph);
                    ph
                }) {
                    Ok(ph) => pieces.push(ExplainedPiece {
                        tokens: text::tokenize(&ph).len(),
                        text,
                        phonemes: ph,
                    }),
                    Err(TextError::Empty | TextError::NothingSpeakable) => {}
                    Err(e) => return Err(SpeechError::Text(e)),
                }
            }
        }
    }
    Ok(Explanation { normalized, pieces })
}

/// The first piece of a request is cut short (a leading clause of this many words) so
/// that its audio is ready fast; the rest follows sentence by sentence.
const FIRST_PIECE_WORDS: (usize, usize) = (3, 8);

/// The splitter of one request's text, called once per run of text (an SSML document
/// has several): only the first run's first sentence may lose its leading clause.
fn splitter(cut_first: bool) -> impl Fn(&str, Lang) -> Vec<String> {
    let cut = std::cell::Cell::new(cut_first);
    move |text, lang| split_pieces(text, lang, cut.replace(false))
}

/// Normalizes the text for the voice's language and splits it into the pieces that
/// are synthesized one after another; with `cut_first`, the first sentence's
/// leading clause is a piece of its own.
fn split_pieces(text: &str, lang: Lang, cut_first: bool) -> Vec<String> {
    let normalized = match Locale::from_tag(lang.bcp47()) {
        Some(locale) => normalize_around_markup(text, locale),
        None => text.to_string(),
    };
    let mut pieces = Vec::new();
    for (i, sentence) in split_sentences(&normalized).into_iter().enumerate() {
        if i == 0 && cut_first {
            let (head, rest) = first_clause(&sentence, FIRST_PIECE_WORDS.0, FIRST_PIECE_WORDS.1);
            pieces.push(head);
            pieces.extend(rest);
        } else {
            pieces.push(sentence);
        }
    }
    // A run with no sentence end must still stream (and not pile up in one buffer).
    pieces
        .into_iter()
        .flat_map(|p| cut_long(p, MAX_PIECE_BYTES))
        .collect()
}

/// Normalizes the plain text between inline markup `[word](/phonemes/)`, which looks
/// like a Markdown link (whose URL the normalizer drops) and must pass untouched.
fn normalize_around_markup(text: &str, locale: Locale) -> String {
    let runs = overrides::split_markup(text);
    if !runs.iter().any(|r| matches!(r, Run::Phonemes(_))) {
        return normalize(text, locale);
    }
    let mut out = String::with_capacity(text.len());
    for run in runs {
        match run {
            Run::Text(t) => {
                // Keep the word boundaries at the run's edges: normalize trims.
                if t.starts_with(char::is_whitespace) {
                    out.push(' ');
                }
                out.push_str(&normalize(&t, locale));
                if t.ends_with(char::is_whitespace) {
                    out.push(' ');
                }
            }
            // The word is not needed again: the phonemes are what is spoken.
            Run::Phonemes(ph) => out.push_str(&format!("[x](/{ph}/)")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_with_nothing_to_say_are_not_planned() {
        let text = "?".repeat(999) + " x";
        let pieces = plan_request(&text, TextFormat::Text, Lang::EnUs, 1.0, true).unwrap();
        assert_eq!(pieces.len(), 1, "{pieces:?}");
        assert!(pieces[0].has_content());
    }

    fn texts(pieces: &VecDeque<Piece>) -> Vec<String> {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Speak { runs, .. } => runs
                    .iter()
                    .map(|r| match r {
                        Run::Text(t) => t.clone(),
                        Run::Phonemes(ph) => format!("/{ph}/"),
                    })
                    .collect(),
                Piece::Silence(n) => format!("<{n}>"),
            })
            .collect()
    }

    const ANSWER: &str = "Good morning, it is seven degrees outside and cloudy today. \
        The rain, they say, will stop after lunch.";

    #[test]
    fn only_a_new_answer_has_a_leading_clause_of_its_own() {
        let new = plan_request(ANSWER, TextFormat::Text, Lang::EnUs, 1.0, true).unwrap();
        assert_eq!(
            texts(&new),
            [
                "Good morning, it is seven degrees outside",
                "and cloudy today.",
                "The rain, they say, will stop after lunch."
            ]
        );
        let continuing = plan_request(ANSWER, TextFormat::Text, Lang::EnUs, 1.0, false).unwrap();
        assert_eq!(
            texts(&continuing),
            [
                "Good morning, it is seven degrees outside and cloudy today.",
                "The rain, they say, will stop after lunch."
            ]
        );
    }

    #[test]
    fn in_ssml_only_the_first_text_loses_its_leading_clause() {
        let ssml = "<speak><s>Good morning, it is seven degrees outside and cloudy today.</s>\
            <s>The rain, they say, will stop some time after lunch today.</s></speak>";
        let new = plan_request(ssml, TextFormat::Ssml, Lang::EnUs, 1.0, true).unwrap();
        assert_eq!(
            texts(&new),
            [
                "Good morning, it is seven degrees outside",
                "and cloudy today.",
                "The rain, they say, will stop some time after lunch today."
            ]
        );
        let continuing = plan_request(ssml, TextFormat::Ssml, Lang::EnUs, 1.0, false).unwrap();
        assert_eq!(texts(&continuing).len(), 2, "{:?}", texts(&continuing));
    }

    #[test]
    fn a_swallowed_sentence_stop_is_put_back() {
        let mut p = "æt θɹˈi pˌiˈɛm".to_string();
        keep_sentence_end(&[Run::Text("at three p.m.".into())], &mut p);
        assert_eq!(p, "æt θɹˈi pˌiˈɛm.");
        let mut q = "ɹˈili?".to_string();
        keep_sentence_end(&[Run::Text("Really?".into())], &mut q);
        assert_eq!(q, "ɹˈili?");
        let mut r = "tˈɜɹn ˈɑn".to_string();
        keep_sentence_end(&[Run::Text("Turn on".into())], &mut r);
        assert_eq!(r, "tˈɜɹn ˈɑn");
    }

    #[test]
    fn grades_order() {
        let mut g = vec![
            Some("C"),
            Some("A-"),
            None,
            Some("A"),
            Some("B+"),
            Some("F+"),
        ];
        g.sort_by_key(|x| grade_rank(*x));
        assert_eq!(
            g,
            vec![
                Some("A"),
                Some("A-"),
                Some("B+"),
                Some("C"),
                Some("F+"),
                None
            ]
        );
    }
}
