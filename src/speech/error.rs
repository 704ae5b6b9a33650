//! Why a request cannot be (fully) spoken, and the one table of what each protocol
//! tells its client about it.

use crate::engine::EngineError;
use crate::text::ssml::{PhonemeError, SsmlError};
use crate::text::TextError;

/// Why a request cannot be (fully) spoken. Each kind has a stable code for clients.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// The voice does not exist or its spec is malformed.
    #[error("{0}")]
    Voice(String),
    /// An installed voice's file cannot be read now (damaged or removed since the last
    /// load or reload): the server's fault, not the request's.
    #[error("cannot read the voice")]
    VoiceFile(#[source] crate::engine::VoiceError),
    /// Nothing speakable: empty, only punctuation or emoji.
    #[error("{0}")]
    EmptyText(String),
    /// Over the configured text limit.
    #[error("text is {len} characters; the limit is {max}")]
    TooLong {
        /// Characters sent.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Speed outside what the model can do.
    #[error("speed {0} is out of range: kokorod speaks at 0.5 to 2.0 times normal speed")]
    Speed(f32),
    /// Malformed SSML, or SSML asking for what kokorod cannot do.
    #[error("invalid SSML")]
    Ssml(#[source] SsmlRefusal),
    /// The text pipeline failed.
    #[error("cannot phonemize the text")]
    Text(#[source] TextError),
    /// The text pipeline's blocking task died (a panic, contained).
    #[error("cannot phonemize the text")]
    TextTask(#[source] tokio::task::JoinError),
    /// A piece's synthesis task died (a panic, contained).
    #[error("synthesis task failed")]
    SynthesisTask(#[source] tokio::task::JoinError),
    /// The engine failed, is gone, or its queue is full.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Why an SSML document is refused.
#[derive(Debug, thiserror::Error)]
pub enum SsmlRefusal {
    /// It does not parse.
    #[error(transparent)]
    Syntax(#[from] SsmlError),
    /// An `xml:lang` names a language no phonemizer speaks.
    #[error("xml:lang=\"{0}\" is not a language kokorod can speak")]
    Language(String),
    /// A `<phoneme ph>` cannot be spoken.
    #[error(transparent)]
    Phonemes(#[from] PhonemeError),
}

impl From<SsmlError> for SpeechError {
    fn from(e: SsmlError) -> Self {
        SpeechError::Ssml(e.into())
    }
}

impl From<TextError> for SpeechError {
    fn from(e: TextError) -> Self {
        SpeechError::Text(e)
    }
}

impl SpeechError {
    /// The message for a client: this error and each of its causes, `: `-separated.
    pub fn message(&self) -> String {
        crate::error::Chain(self).to_string()
    }

    /// A stable, machine-readable code (`unknown-voice`, `empty-text`, …): the code
    /// of Wyoming's `error` event.
    pub fn code(&self) -> &'static str {
        self.kind().wyoming()
    }

    /// What kind of failure this is, for the code tables.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SpeechError::Voice(_) => ErrorKind::UnknownVoice,
            SpeechError::EmptyText(_) => ErrorKind::EmptyText,
            SpeechError::TooLong { .. } => ErrorKind::TextTooLong,
            SpeechError::Speed(_) => ErrorKind::BadSpeed,
            SpeechError::Ssml(_) => ErrorKind::BadSsml,
            SpeechError::Text(_) | SpeechError::TextTask(_) => ErrorKind::TextFailed,
            SpeechError::SynthesisTask(_) | SpeechError::VoiceFile(_) => ErrorKind::SynthesisFailed,
            SpeechError::Engine(EngineError::Busy(_)) => ErrorKind::Busy,
            SpeechError::Engine(_) => ErrorKind::SynthesisFailed,
        }
    }
}

/// Every way a request fails that both protocols report, each with its Wyoming code
/// and its HTTP status and code. The HTTP codes follow OpenAI's snake_case, Wyoming's
/// the kebab-case of Wyoming's own errors; metrics count the code sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No such voice, or a malformed voice spec.
    UnknownVoice,
    /// Nothing to say.
    EmptyText,
    /// Over the text limit.
    TextTooLong,
    /// Speed out of range.
    BadSpeed,
    /// SSML refused.
    BadSsml,
    /// The text pipeline failed.
    TextFailed,
    /// The engine's queue is full.
    Busy,
    /// The engine failed.
    SynthesisFailed,
    /// The server is stopping.
    ShuttingDown,
}

impl ErrorKind {
    /// The `code` of Wyoming's `error` event.
    pub fn wyoming(self) -> &'static str {
        match self {
            ErrorKind::UnknownVoice => "unknown-voice",
            ErrorKind::EmptyText => "empty-text",
            ErrorKind::TextTooLong => "text-too-long",
            ErrorKind::BadSpeed => "bad-speed",
            ErrorKind::BadSsml => "bad-ssml",
            ErrorKind::TextFailed => "text-error",
            ErrorKind::Busy => "busy",
            ErrorKind::SynthesisFailed => "synthesis-failed",
            ErrorKind::ShuttingDown => "shutting-down",
        }
    }

    /// The HTTP status and OpenAI-style `code`.
    pub fn http(self) -> (u16, &'static str) {
        match self {
            ErrorKind::UnknownVoice => (400, "unknown_voice"),
            ErrorKind::EmptyText => (400, "empty_input"),
            ErrorKind::TextTooLong => (413, "input_too_long"),
            ErrorKind::BadSpeed => (400, "unsupported_speed"),
            ErrorKind::BadSsml => (400, "bad_ssml"),
            ErrorKind::TextFailed | ErrorKind::SynthesisFailed => (500, "synthesis_failed"),
            ErrorKind::Busy => (429, "engine_busy"),
            ErrorKind::ShuttingDown => (503, "shutting_down"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_one_code_per_protocol() {
        let busy = SpeechError::Engine(EngineError::Busy(3));
        assert_eq!(busy.code(), "busy");
        assert_eq!(busy.kind().http(), (429, "engine_busy"));
        let failed = SpeechError::Engine(EngineError::Stopped);
        assert_eq!(failed.code(), "synthesis-failed");
        assert_eq!(failed.kind().http(), (500, "synthesis_failed"));
        let long = SpeechError::TooLong { len: 9, max: 8 };
        assert_eq!(long.code(), "text-too-long");
        assert_eq!(long.kind().http(), (413, "input_too_long"));
    }

    #[test]
    fn the_message_carries_every_cause() {
        let e: SpeechError = SsmlError {
            line: 1,
            column: 2,
            offset: 1,
            message: "x".into(),
        }
        .into();
        assert_eq!(e.to_string(), "invalid SSML");
        assert_eq!(e.message(), "invalid SSML: line 1, column 2: x");
        let e = SpeechError::Engine(EngineError::Busy(3));
        assert_eq!(e.message(), e.to_string());
    }
}
