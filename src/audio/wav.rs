//! The RIFF/WAVE container for 16-bit PCM (a 44-byte header; no codec involved).

use std::io::{self, Write};

/// The header for `data_bytes` of 16-bit mono PCM at `rate`; `None` (length not
/// known yet, for streaming) writes the maximum sizes, which players accept (kept
/// even: readers such as hound refuse a data size that is not whole samples).
pub fn wav_header(rate: u32, data_bytes: Option<u32>) -> [u8; 44] {
    let data = data_bytes.unwrap_or((u32::MAX - 36) & !1);
    let mut h = [0u8; 44];
    let mut put = |at: usize, b: &[u8]| h[at..at + b.len()].copy_from_slice(b);
    put(0, b"RIFF");
    put(4, &(36u32.saturating_add(data)).to_le_bytes());
    put(8, b"WAVEfmt ");
    put(16, &16u32.to_le_bytes()); // fmt chunk size
    put(20, &1u16.to_le_bytes()); // PCM
    put(22, &1u16.to_le_bytes()); // mono
    put(24, &rate.to_le_bytes());
    put(28, &(rate * 2).to_le_bytes()); // byte rate
    put(32, &2u16.to_le_bytes()); // block align
    put(34, &16u16.to_le_bytes()); // bits per sample
    put(36, b"data");
    put(40, &data.to_le_bytes());
    h
}

/// Writes a complete WAV file.
pub fn write_wav(mut w: impl Write, rate: u32, samples: &[i16]) -> io::Result<()> {
    let bytes = u32::try_from(samples.len() * 2)
        .map_err(|_| io::Error::other("audio too long for a WAV file"))?;
    w.write_all(&wav_header(rate, Some(bytes)))?;
    w.write_all(&super::i16_to_le_bytes(samples))?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hound_reads_what_we_write() {
        let mut buf = Vec::new();
        write_wav(&mut buf, 24_000, &[0, 1000, -1000]).unwrap();
        let r = hound::WavReader::new(std::io::Cursor::new(buf)).unwrap();
        let spec = r.spec();
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (24_000, 1, 16)
        );
        let s: Vec<i16> = r.into_samples().map(Result::unwrap).collect();
        assert_eq!(s, vec![0, 1000, -1000]);
    }
}
