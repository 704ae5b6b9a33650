//! Text → Kokoro phonemes → token ids.

pub mod chunk;
pub mod espeak;
pub mod vocab;

pub use chunk::split_phonemes;
pub use vocab::tokenize;
