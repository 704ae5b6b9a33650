//! Raw 16-bit signed little-endian PCM: no header, no codec.

use super::{EncodeError, Encoder};

/// Passes samples through as little-endian bytes.
pub struct PcmEncoder;

impl Encoder for PcmEncoder {
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError> {
        Ok(crate::audio::i16_to_le_bytes(pcm))
    }

    fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        Ok(Vec::new())
    }
}
