//! WAV: the 44-byte header of `audio::wav_header`, then the samples. Streamed, the
//! length is unknown and the header carries the maximum sizes (as OpenAI's API does);
//! players and ffmpeg read to the end of the data.

use super::{EncodeError, Encoder};
use crate::audio::{i16_to_le_bytes, wav_header};

/// WAV, header first.
pub struct WavEncoder {
    rate: u32,
    data_bytes: Option<u32>,
    started: bool,
}

impl WavEncoder {
    /// `total_samples` (if known) makes an exact header.
    pub fn new(rate: u32, total_samples: Option<usize>) -> Self {
        let data_bytes = total_samples
            .and_then(|n| u32::try_from(n.saturating_mul(2)).ok())
            .filter(|&b| b <= u32::MAX - 36);
        WavEncoder {
            rate,
            data_bytes,
            started: false,
        }
    }
}

impl Encoder for WavEncoder {
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(44 + pcm.len() * 2);
        if !self.started {
            self.started = true;
            out.extend_from_slice(&wav_header(self.rate, self.data_bytes));
        }
        out.extend(i16_to_le_bytes(pcm));
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        // Nothing pushed: still a valid (empty) file.
        if self.started {
            Ok(Vec::new())
        } else {
            self.push(&[])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{encode_all, test_signal::tone, Format};

    #[test]
    fn hound_reads_buffered_wav() {
        let pcm = tone(5000);
        let bytes = encode_all(Format::Wav, 24_000, &pcm, 777).unwrap();
        let r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(r.spec().sample_rate, 24_000);
        let back: Vec<i16> = r.into_samples().map(Result::unwrap).collect();
        assert_eq!(back, pcm);
    }
}
