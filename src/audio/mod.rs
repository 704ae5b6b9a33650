//! Audio out: f32 → 16-bit PCM, edge-silence trimming, the WAV container, and the
//! encoders of the HTTP API. Audio in: `decode` reads those formats back.

pub mod decode;
pub mod encode;
mod pcm;
mod trim;
mod wav;

pub use pcm::{f32_to_i16, i16_to_le_bytes};
pub use trim::{fade_edges, trim_silence, Keep};
pub use wav::{wav_header, write_wav};
