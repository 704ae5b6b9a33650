//! Audio out: f32 → 16-bit PCM, and the WAV container.

mod pcm;
mod wav;

pub use pcm::{f32_to_i16, i16_to_le_bytes};
pub use wav::{wav_header, write_wav};
