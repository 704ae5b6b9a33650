//! Errors of the text pipeline.

use super::g2p::espeak::EspeakError;

/// Why a text could not be turned into phonemes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The text is empty or only whitespace.
    #[error("the text is empty")]
    Empty,
    /// The text has nothing to say aloud: only punctuation, symbols or emoji.
    #[error("the text has nothing speakable (only punctuation, symbols or emoji)")]
    NothingSpeakable,
    /// The G2P failed on this text (a bug in misaki-rs, contained).
    #[error("phonemization failed: {0}")]
    G2p(String),
    /// A language's dictionary is missing or unreadable (e.g. Japanese's IPA dictionary).
    #[error("{0}")]
    Dictionary(String),
    /// espeak-ng, used for words the lexicon does not know, failed.
    #[error(transparent)]
    Espeak(#[from] EspeakError),
}
