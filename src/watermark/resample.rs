//! Whole-buffer sample-rate conversion for audio off the STFT grid (44.1 kHz, 22.05
//! kHz …), with rubato's FFT resampler: its delay removed, its length rounded up.

use rubato::{FftFixedInOut, Resampler};

/// Why resampling failed.
pub type ResampleError = Box<dyn std::error::Error + Send + Sync>;

/// Input frames per call: the resampler rounds it to a multiple of its ratio's.
const CHUNK: usize = 1024;

/// `samples` at `from` Hz as `⌈len × to / from⌉` samples at `to` Hz.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, ResampleError> {
    let mut r = FftFixedInOut::<f32>::new(from as usize, to as usize, CHUNK, 1)?;
    let chunk = r.input_frames_next();
    let delay = r.output_delay();
    let want = (samples.len() as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize;
    let mut out = Vec::with_capacity(want + delay + r.output_frames_max());
    let mut input = vec![0f32; chunk];
    let mut pos = 0;
    while out.len() < want + delay {
        let rest = samples.get(pos..).unwrap_or_default();
        let n = rest.len().min(chunk);
        input[..n].copy_from_slice(&rest[..n]);
        input[n..].fill(0.0);
        pos += chunk;
        let y = r.process(&[&input], None)?;
        out.extend_from_slice(&y[0]);
    }
    out.drain(..delay);
    out.truncate(want);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_keeps_its_frequency_level_and_place() {
        let tone = |rate: u32, n: usize| -> Vec<f32> {
            (0..n)
                .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin())
                .collect()
        };
        let x = tone(44_100, 44_100);
        let y = resample(&x, 44_100, 32_000).unwrap();
        assert_eq!(y.len(), 32_000);
        let expect = tone(32_000, 32_000);
        // Away from the edges the resampled tone is the tone sampled at 32 kHz, within
        // half a sample's shift (a whole sample would be 0.043 at 440 Hz).
        let err = y[1000..31_000]
            .iter()
            .zip(&expect[1000..31_000])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.025, "max error {err}");
        assert!(resample(&[], 22_050, 32_000).unwrap().is_empty());
        // Lengths that are no multiple of the resampler's chunk.
        for n in [1, 441, 1000, 117_401] {
            let y = resample(&tone(22_050, n), 22_050, 32_000).unwrap();
            assert_eq!(y.len(), (n * 32_000).div_ceil(22_050));
        }
    }
}
