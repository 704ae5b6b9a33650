//! The seam between the protocol servers and text-to-speech: a server asks a
//! [`Speech`] for a stream of PCM pieces (one per clause or sentence) and knows
//! nothing of models, phonemes or voices' internals.

use futures::stream::BoxStream;

pub use crate::engine::{Deadline, VoiceInfo};

/// Output format of every piece: 16-bit signed little-endian mono PCM at 24 kHz.
pub const SAMPLE_RATE: u32 = 24_000;

/// How the text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextFormat {
    /// Plain text.
    #[default]
    Text,
    /// SSML markup.
    Ssml,
}

/// Which voice to use: `name` (a voice or a mix such as `af_heart+bf_emma`) wins,
/// else the best voice for `language`, else the default voice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceChoice {
    /// Voice name or mix.
    pub name: Option<String>,
    /// BCP-47 language, e.g. `en-GB`.
    pub language: Option<String>,
}

/// One synthesis request.
#[derive(Debug, Clone)]
pub struct SpeakRequest {
    /// The text (or SSML).
    pub text: String,
    /// Its format.
    pub format: TextFormat,
    /// The voice.
    pub voice: VoiceChoice,
    /// Speed factor, 0.5..=2.0.
    pub speed: f32,
    /// The text continues an answer whose audio is already under way (a streamed
    /// text's later sentence): it is spoken as a whole text's later sentences are,
    /// without a short leading clause of its own, and its first piece does not go
    /// ahead of other answers' first audio, as a new answer's does.
    pub continues: bool,
    /// When the listener of the answer this text belongs to runs out of audio, shared
    /// by the texts that make up one answer (a streamed text's sentences): their later
    /// pieces are due then. None: the text is an answer of its own.
    pub due: Option<Deadline>,
}

impl SpeakRequest {
    /// Plain text with the default voice at normal speed.
    pub fn text(text: impl Into<String>) -> Self {
        SpeakRequest {
            text: text.into(),
            format: TextFormat::Text,
            voice: VoiceChoice::default(),
            speed: 1.0,
            continues: false,
            due: None,
        }
    }
}

/// PCM pieces as they become ready. Dropping the stream cancels the work not yet started.
pub type PieceStream = BoxStream<'static, Result<Vec<i16>, SpeechError>>;

/// The engine's load, as health checks and metrics report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineLoad {
    /// Inference jobs waiting or running.
    pub queue_depth: usize,
    /// Inferences stopped for a new first piece since the engine started.
    pub preempted: u64,
}

/// Text-to-speech as the servers see it.
pub trait Speech: Send + Sync + 'static {
    /// The installed voices.
    fn voices(&self) -> Vec<VoiceInfo>;
    /// The voice used when a request names none.
    fn default_voice(&self) -> String;
    /// Validates the request (voice, text, speed: errors here come before any audio)
    /// and returns its audio as a stream of pieces.
    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError>;
    /// The voice `req` is spoken with, canonical (`af_heart`, `af_heart(2)+am_adam(1)`),
    /// for logs; `None` when the request's voice does not resolve. Only the names are
    /// looked up; nothing is synthesized.
    fn voice_name(&self, req: &SpeakRequest) -> Option<String> {
        let _ = req;
        None
    }
    /// The engine's load now (for health and metrics).
    fn engine_load(&self) -> EngineLoad {
        EngineLoad::default()
    }
    /// Whether the audio carries the watermark (for health).
    fn watermarked(&self) -> bool {
        false
    }
}
/// [`Speech::speak`] on a blocking thread. Validating and planning a request
/// (normalizing, splitting, parsing SSML) costs CPU time linear in its text, up to a
/// fraction of a second for the longest; on the async runtime's few threads that
/// would stall every other connection, the status task and the watchdog.
pub async fn speak_blocking(
    speech: std::sync::Arc<dyn Speech>,
    req: SpeakRequest,
) -> Result<PieceStream, SpeechError> {
    match tokio::task::spawn_blocking(move || speech.speak(req)).await {
        Ok(result) => result,
        Err(e) => Err(SpeechError::TextTask(e)),
    }
}

pub mod cache;
mod error;
pub use error::{ErrorKind, SpeechError, SsmlRefusal};
pub mod kokoro;
pub use cache::{CacheStats, CachedSpeech};
pub mod mark;
pub use mark::MarkedSpeech;
pub mod plan;
pub mod swap;
pub use kokoro::{KokoroConfig, KokoroSpeech, Pauses};
pub use swap::SwapSpeech;
