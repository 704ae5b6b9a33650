//! Text → Kokoro phonemes → token ids.

pub mod espeak;
pub mod vocab;

pub use vocab::tokenize;
