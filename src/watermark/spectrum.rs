//! Perth's time–frequency grid at any rate that is a multiple of 500 Hz.
//!
//! The network was trained on 32 kHz audio: a 2048-point STFT (Hann, hop 320), so bins
//! 15.625 Hz apart and frames 10 ms apart. The same grid exists at every rate `r` with
//! `r` a multiple of 500 Hz: a periodic Hann window of 64 ms (`r × 0.064` points) and a
//! hop of 10 ms put bin `k` at the same frequency and frame `t` at the same time, and the
//! magnitudes differ by exactly `32000 / r` (a DFT sums `r × 0.064` samples). So 24 kHz
//! speech is analysed at 24 kHz, with no round trip through a resampler: below 12 kHz
//! the bins are the ones a resampled copy would give, and above it a 24 kHz signal has
//! nothing (the resampled copy holds only the resampler's residue there).

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// The network's own rate.
pub const NATIVE_RATE: u32 = 32_000;
/// Bins of the 32 kHz spectrum (2048-point FFT).
pub const NATIVE_BINS: usize = 1025;
/// Magnitudes are clipped here before taking decibels.
const MAGNITUDE_FLOOR: f32 = 1e-9;
/// Decibels of the floor, and the headroom above 0 dBFS, that normalize magnitudes.
const FLOOR_DB: f32 = -180.0;
const HEADROOM_DB: f32 = 15.0;

/// Normalized decibels: 0 at the floor, 1 at +15 dB.
pub fn normalize(magnitude: f32) -> f32 {
    (20.0 * magnitude.max(MAGNITUDE_FLOOR).log10() - FLOOR_DB) / (HEADROOM_DB - FLOOR_DB)
}

/// The factor a magnitude takes when its normalized decibels rise by `delta`.
pub fn gain_of(delta: f32) -> f32 {
    10f32.powf(delta * (HEADROOM_DB - FLOOR_DB) / 20.0)
}

/// The STFT at one sample rate.
pub struct Grid {
    n_fft: usize,
    hop: usize,
    /// Bins kept: those below both Nyquist frequencies.
    bins: usize,
    /// Magnitude at 32 kHz ÷ magnitude at this rate.
    scale: f32,
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
}

/// A signal's spectrum on the grid: normalized magnitudes of the lowest `band` bins,
/// each frame's normalized magnitude summed over every bin of the 32 kHz spectrum,
/// and the complex values of the bins the caller asked to keep.
pub struct Spectrum {
    /// Frames.
    pub frames: usize,
    /// `[bin][frame]` for bins `0..band`.
    pub band: Vec<Vec<f32>>,
    /// Per frame; bins this rate cannot hold count as the floor (0).
    pub sums: Vec<f32>,
    /// `[frame][bin]` for bins `0..keep`.
    pub complex: Vec<Vec<Complex32>>,
}

impl Grid {
    /// The grid at `rate`, or `None` if 64 ms or 10 ms is not a whole number of samples.
    pub fn new(rate: u32) -> Option<Grid> {
        if rate == 0 || !rate.is_multiple_of(500) {
            return None;
        }
        let n_fft = rate as usize * 64 / 1000;
        let hop = rate as usize / 100;
        let mut planner = RealFftPlanner::<f32>::new();
        let window = (0..n_fft)
            .map(|n| {
                0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / n_fft as f64).cos() as f32
            })
            .collect();
        Some(Grid {
            n_fft,
            hop,
            bins: (n_fft / 2 + 1).min(NATIVE_BINS),
            scale: NATIVE_RATE as f32 / rate as f32,
            window,
            forward: planner.plan_fft_forward(n_fft),
            inverse: planner.plan_fft_inverse(n_fft),
        })
    }

    /// The magnitude floor in this rate's units: quieter bins count as the floor.
    pub fn floor(&self) -> f32 {
        MAGNITUDE_FLOOR / self.scale
    }

    /// Shortest signal the centred STFT can reflect-pad: more than half a window.
    pub fn min_len(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Frames of a signal of `len` samples (centred frames, one per hop).
    pub fn frames(&self, len: usize) -> usize {
        1 + len / self.hop
    }

    /// Centred STFT with reflect padding; keeps magnitudes of bins `0..band` and
    /// complex values of bins `0..keep`. `signal.len()` must be at least
    /// [`Grid::min_len`].
    pub fn analyse(&self, signal: &[f32], band: usize, keep: usize) -> Spectrum {
        debug_assert!(signal.len() >= self.min_len());
        let frames = self.frames(signal.len());
        let half = (self.n_fft / 2) as isize;
        let last = signal.len() as isize - 1;
        let reflect = |i: isize| -> f32 {
            let j = if i < 0 {
                -i
            } else if i > last {
                2 * last - i
            } else {
                i
            };
            signal[j as usize]
        };
        let mut magnitude = vec![vec![0.0; frames]; band.min(self.bins)];
        let mut sums = vec![0.0; frames];
        let mut complex = Vec::with_capacity(frames);
        let mut input = self.forward.make_input_vec();
        let mut output = self.forward.make_output_vec();
        let mut scratch = self.forward.make_scratch_vec();
        for t in 0..frames {
            let start = (t * self.hop) as isize - half;
            for (n, slot) in input.iter_mut().enumerate() {
                *slot = reflect(start + n as isize) * self.window[n];
            }
            self.forward
                .process_with_scratch(&mut input, &mut output, &mut scratch)
                .expect("buffers from the plan");
            for (k, bin) in output[..self.bins].iter().enumerate() {
                let m = normalize(bin.norm() * self.scale);
                sums[t] += m;
                if let Some(row) = magnitude.get_mut(k) {
                    row[t] = m;
                }
            }
            complex.push(output[..keep.min(self.bins)].to_vec());
        }
        magnitude.resize(band, vec![0.0; frames]);
        Spectrum {
            frames,
            band: magnitude,
            sums,
            complex,
        }
    }

    /// The inverse STFT of `frames` (`[frame][bin]`, bins above those given are zero)
    /// over a signal of `len` samples: windowed overlap-add divided by the summed
    /// squared window, as a centred STFT's inverse.
    pub fn synthesize(&self, frames: &[Vec<Complex32>], len: usize) -> Vec<f32> {
        let half = self.n_fft / 2;
        let padded = len + self.n_fft;
        let mut out = vec![0.0f32; padded];
        let mut envelope = vec![0.0f32; padded];
        let mut spectrum = self.inverse.make_input_vec();
        let mut signal = self.inverse.make_output_vec();
        let mut scratch = self.inverse.make_scratch_vec();
        for (t, bins) in frames.iter().enumerate() {
            spectrum.fill(Complex32::new(0.0, 0.0));
            spectrum[..bins.len()].copy_from_slice(bins);
            // A real signal's DC (and Nyquist) bins are real.
            spectrum[0].im = 0.0;
            if let Some(last) = spectrum.last_mut() {
                last.im = 0.0;
            }
            self.inverse
                .process_with_scratch(&mut spectrum, &mut signal, &mut scratch)
                .expect("buffers from the plan");
            let start = t * self.hop;
            for n in 0..self.n_fft.min(padded - start) {
                let w = self.window[n];
                out[start + n] += signal[n] * w / self.n_fft as f32;
                envelope[start + n] += w * w;
            }
        }
        out[half..half + len]
            .iter()
            .zip(&envelope[half..half + len])
            .map(|(y, e)| if *e > 1e-11 { y / e } else { 0.0 })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, amp: f32, secs: f32) -> Vec<f32> {
        (0..(rate as f32 * secs) as usize)
            .map(|n| amp * (2.0 * std::f32::consts::PI * hz * n as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn a_tone_lands_in_the_same_bin_at_the_same_level_at_every_rate() {
        // 1 kHz = bin 64 exactly on the 15.625 Hz grid.
        let mut levels = Vec::new();
        for rate in [16_000, 24_000, 32_000, 48_000] {
            let g = Grid::new(rate).unwrap();
            let s = g.analyse(&tone(rate, 1000.0, 0.5, 0.5), 128, 0);
            assert_eq!(s.frames, 51);
            let t = s.frames / 2;
            let peak = (0..128)
                .max_by(|&a, &b| s.band[a][t].total_cmp(&s.band[b][t]))
                .unwrap();
            assert_eq!(peak, 64, "at {rate} Hz");
            levels.push(s.band[64][t]);
        }
        for l in &levels {
            assert!((l - levels[2]).abs() < 1e-4, "{levels:?}");
        }
        assert!(Grid::new(44_100).is_none());
    }

    #[test]
    fn the_inverse_gives_the_signal_back() {
        let g = Grid::new(24_000).unwrap();
        let x: Vec<f32> = tone(24_000, 440.0, 0.3, 0.3)
            .iter()
            .zip(tone(24_000, 3_100.0, 0.2, 0.3))
            .map(|(a, b)| a + b)
            .collect();
        let s = g.analyse(&x, 0, g.bins);
        let y = g.synthesize(&s.complex, x.len());
        let err = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1e-4, "max error {err}");
    }

    #[test]
    fn normalize_and_gain_agree() {
        let m = 0.01f32;
        let up = m * gain_of(0.05);
        assert!((normalize(up) - normalize(m) - 0.05).abs() < 1e-5);
        assert_eq!(normalize(0.0), 0.0);
    }
}
