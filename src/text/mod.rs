//! Text → Kokoro phonemes → token ids: normalization (numbers, times, units, …),
//! sentence splitting (batch and incremental), SSML, the user's overrides (inline
//! markup, lexicon), G2P (misaki-rs with an espeak-ng fallback), the model's
//! vocabulary, and splitting of long phoneme strings.

pub mod chunk;
pub mod detect;
pub mod error;
pub mod g2p;
pub mod lexicon;
pub mod normalize;
pub mod overrides;
pub mod say_as;
pub mod split;
pub mod ssml;
mod tag;
pub mod vocab;

pub use chunk::split_phonemes;
pub use error::TextError;
pub use g2p::{Lang, Phonemizer};
pub use lexicon::{Lexicon, LexiconWarning};
pub use tag::bcp47;
pub use vocab::tokenize;
