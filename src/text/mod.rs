//! Text → Kokoro phonemes → token ids.

pub mod vocab;

pub use vocab::tokenize;
