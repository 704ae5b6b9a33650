//! An inaudible mark in everything kokorod speaks, readable by Resemble AI's Perth
//! detector (its implicit PerthNet model), and the detector itself.
//!
//! Embedding: the magnitude spectrogram's band below 2 kHz (normalized decibels) goes
//! through the encoder, whose output is added to it where the frame has sound; the
//! marked signal is the original plus the inverse STFT of that change with the
//! original phase, so everything above 2 kHz and every silent frame is left exactly as
//! it was. Detection: three decoders read the band at three time scales; their masked
//! means, weighted by their own softmaxed attention, give one confidence in 0..=1.

mod checkpoint;
mod net;
mod resample;
mod spectrum;

pub use checkpoint::{read_state_dict, CheckpointError, Tensor};

use ndarray::{Array2, Axis};
use net::{stretch, stretch_mask, Stack, BAND};
use realfft::num_complex::Complex32;
use spectrum::{gain_of, Grid, NATIVE_RATE};
use std::path::Path;

/// Confidence from which audio counts as marked (Perth rounds at one half).
pub const THRESHOLD: f32 = 0.5;

/// Strengths of the mark accepted: Perth's own (1) down to a tenth of it.
pub const STRENGTH: std::ops::RangeInclusive<f32> = 0.1..=1.0;

/// Lowest sample rate read: the mark lives below 2 kHz.
pub const MIN_RATE: u32 = 4_000;

/// Frames whose summed normalized magnitude is under this share of the loudest
/// frame's carry no mark and are not read.
const SOUND_SHARE: f32 = 0.05;

/// Why marking or detecting failed.
#[derive(Debug, thiserror::Error)]
pub enum WatermarkError {
    /// The checkpoint file could not be opened.
    #[error("{path}: {source}")]
    Open {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The checkpoint could not be read.
    #[error("watermark model {path}")]
    Checkpoint {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: CheckpointError,
    },
    /// The checkpoint lacks a tensor the network needs.
    #[error("the watermark model has no tensor {0}")]
    MissingTensor(String),
    /// A tensor has another shape than the network's.
    #[error("watermark model tensor {name} is {found:?}, expected {expected:?}")]
    TensorShape {
        /// Its name.
        name: String,
        /// Its shape.
        found: Vec<usize>,
        /// The network's.
        expected: Vec<usize>,
    },
    /// The sample rate is too low to hold the band the mark lives in.
    #[error("sample rate {0} Hz: the watermark needs at least {MIN_RATE} Hz")]
    Rate(u32),
    /// Resampling a rate off the STFT grid failed.
    #[error("resampling {from} Hz to {to} Hz")]
    Resample {
        /// The audio's rate.
        from: u32,
        /// The rate resampled to.
        to: u32,
        /// The cause.
        #[source]
        source: resample::ResampleError,
    },
    /// Too little audio to analyse.
    #[error("{samples} samples is too short: the watermark needs at least {min} ({ms} ms)")]
    TooShort {
        /// Samples given.
        samples: usize,
        /// Samples needed.
        min: usize,
        /// The same in milliseconds.
        ms: u32,
    },
    /// Nothing but digital silence: no frame can carry a mark.
    #[error("the audio is silent: there is no mark to look for")]
    Silent,
    /// Loaded with [`Watermarker::load_embedder`], which has no detector.
    #[error("this watermarker was loaded without its detector")]
    NoDetector,
}

/// The Perth implicit watermarking network.
pub struct Watermarker {
    encoder: Stack,
    /// Factor on the encoder's output: 1 is Perth's own mark.
    strength: f32,
    /// Slow (×1.25 frames), normal and fast (×0.75) decoders.
    decoders: Option<[(Stack, f32); 3]>,
}

impl Watermarker {
    /// Reads `perth_net_250000.pth.tar` (or any checkpoint of the same network).
    pub fn load(path: &Path) -> Result<Self, WatermarkError> {
        Self::read(path, true)
    }

    /// Only what marking needs: the encoder (9 MB of weights instead of 37; the
    /// daemon never detects).
    pub fn load_embedder(path: &Path) -> Result<Self, WatermarkError> {
        Self::read(path, false)
    }

    fn read(path: &Path, detector: bool) -> Result<Self, WatermarkError> {
        let file = std::fs::File::open(path).map_err(|source| WatermarkError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let wanted = |name: &str| detector || name.starts_with("encoder.");
        let state =
            read_state_dict(std::io::BufReader::new(file), "model", wanted).map_err(|source| {
                WatermarkError::Checkpoint {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        let decoders = if detector {
            Some([
                (Stack::load(&state, "decoder.slow_layers", 2)?, 1.25),
                (Stack::load(&state, "decoder.normal_layers", 2)?, 1.0),
                (Stack::load(&state, "decoder.fast_layers", 2)?, 0.75),
            ])
        } else {
            None
        };
        Ok(Watermarker {
            encoder: Stack::load(&state, "encoder.layers", BAND)?,
            strength: 1.0,
            decoders,
        })
    }

    /// Marks with the encoder's output scaled by `strength` (in `STRENGTH`): a weaker
    /// mark changes the sound less and survives less (README, "The watermark").
    #[must_use]
    pub fn with_strength(mut self, strength: f32) -> Self {
        self.strength = strength.clamp(*STRENGTH.start(), *STRENGTH.end());
        self
    }

    fn grid(rate: u32, samples: usize) -> Result<Grid, WatermarkError> {
        let grid = Grid::new(rate).ok_or(WatermarkError::Rate(rate))?;
        if samples < grid.min_len() {
            return Err(WatermarkError::TooShort {
                samples,
                min: grid.min_len(),
                ms: (grid.min_len() as u64 * 1000).div_ceil(u64::from(rate)) as u32,
            });
        }
        Ok(grid)
    }

    /// `samples` at the network's own rate, for a rate off the STFT grid.
    fn to_native(samples: &[f32], rate: u32) -> Result<Vec<f32>, WatermarkError> {
        if rate < MIN_RATE {
            return Err(WatermarkError::Rate(rate));
        }
        resample::resample(samples, rate, NATIVE_RATE).map_err(|source| WatermarkError::Resample {
            from: rate,
            to: NATIVE_RATE,
            source,
        })
    }

    /// Marks `samples` (mono, −1..1, at `rate`) in place. Digital silence is left as
    /// it is.
    /// At a rate off the grid (44.1 kHz, 22.05 kHz …) the mark is made at 32 kHz and
    /// only the change is resampled back and added: the rest of the audio is untouched.
    pub fn embed(&self, samples: &mut [f32], rate: u32) -> Result<(), WatermarkError> {
        if rate >= MIN_RATE && Grid::new(rate).is_some() {
            return self.embed_on_grid(samples, rate);
        }
        let native = Self::to_native(samples, rate)?;
        let mut marked = native.clone();
        self.embed_on_grid(&mut marked, NATIVE_RATE)?;
        let change: Vec<f32> = marked.iter().zip(&native).map(|(m, x)| m - x).collect();
        let change = resample::resample(&change, NATIVE_RATE, rate).map_err(|source| {
            WatermarkError::Resample {
                from: NATIVE_RATE,
                to: rate,
                source,
            }
        })?;
        for (s, d) in samples.iter_mut().zip(change) {
            *s += d;
        }
        Ok(())
    }

    fn embed_on_grid(&self, samples: &mut [f32], rate: u32) -> Result<(), WatermarkError> {
        let grid = Self::grid(rate, samples.len())?;
        let spec = grid.analyse(samples, BAND, BAND);
        let mask = sound_mask(&spec.sums);
        if mask.iter().all(|&m| m == 0.0) {
            return Ok(());
        }
        let band = band_of(&spec.band, spec.frames);
        let residual = self.encoder.forward(band.view());
        let floor = grid.floor();
        // The change of each bin: X·(g − 1), g the gain the residual asks for. A bin at
        // the floor is raised from the floor, as decibels clipped there would be.
        let change: Vec<Vec<Complex32>> = spec
            .complex
            .iter()
            .enumerate()
            .map(|(t, bins)| {
                bins.iter()
                    .enumerate()
                    .map(|(k, x)| {
                        if mask[t] == 0.0 {
                            return Complex32::new(0.0, 0.0);
                        }
                        let gain = gain_of(residual[(k, t)] * self.strength);
                        let norm = x.norm();
                        if norm >= floor {
                            x * (gain - 1.0)
                        } else {
                            let phase = if norm > 0.0 {
                                x / norm
                            } else {
                                Complex32::new(1.0, 0.0)
                            };
                            phase * (floor * gain) - x
                        }
                    })
                    .collect()
            })
            .collect();
        let delta = grid.synthesize(&change, samples.len());
        for (s, d) in samples.iter_mut().zip(delta) {
            *s += d;
        }
        Ok(())
    }

    /// How sure the detector is that `samples` (mono, at `rate`) carry the mark, 0..=1.
    pub fn detect(&self, samples: &[f32], rate: u32) -> Result<f32, WatermarkError> {
        let decoders = self.decoders.as_ref().ok_or(WatermarkError::NoDetector)?;
        if rate < MIN_RATE || Grid::new(rate).is_none() {
            let native = Self::to_native(samples, rate)?;
            return self.detect(&native, NATIVE_RATE);
        }
        let grid = Self::grid(rate, samples.len())?;
        let spec = grid.analyse(samples, BAND, 0);
        let mask = sound_mask(&spec.sums);
        if mask.iter().all(|&m| m == 0.0) {
            return Err(WatermarkError::Silent);
        }
        let band = band_of(&spec.band, spec.frames);
        let mut attention = [0f32; 3];
        let mut marks = [0f32; 3];
        for (i, (stack, speed)) in decoders.iter().enumerate() {
            let len = ((spec.frames as f32 * speed) as usize).max(1);
            let out = if len == spec.frames {
                stack.forward(band.view())
            } else {
                stack.forward(stretch(band.view(), len).view())
            };
            let m = stretch_mask(&mask, out.ncols());
            let total: f32 = m.iter().sum();
            let mean = |row: usize| -> f32 {
                out.row(row).iter().zip(&m).map(|(v, m)| v * m).sum::<f32>() / total.max(1.0)
            };
            attention[i] = mean(0);
            marks[i] = mean(1);
        }
        let top = attention.iter().copied().fold(f32::MIN, f32::max);
        let weights = attention.map(|a| (a - top).exp());
        let sum: f32 = weights.iter().sum();
        let confidence = marks
            .iter()
            .zip(weights)
            .map(|(m, w)| m * w / sum)
            .sum::<f32>();
        Ok(confidence.clamp(0.0, 1.0))
    }

    /// Marks 16-bit PCM in place (see [`Watermarker::embed`]).
    pub fn embed_i16(&self, pcm: &mut [i16], rate: u32) -> Result<(), WatermarkError> {
        let mut f: Vec<f32> = pcm.iter().map(|&s| f32::from(s) / 32768.0).collect();
        self.embed(&mut f, rate)?;
        for (s, v) in pcm.iter_mut().zip(f) {
            *s = (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        }
        Ok(())
    }
}

/// Frames with sound: summed normalized magnitude over every bin above 5 % of the
/// loudest frame's.
fn sound_mask(sums: &[f32]) -> Vec<f32> {
    let max = sums.iter().copied().fold(0.0, f32::max);
    sums.iter()
        .map(|&s| if s > max * SOUND_SHARE { 1.0 } else { 0.0 })
        .collect()
}

/// The watermark band as a `[BAND, frames]` array.
fn band_of(magnitude: &[Vec<f32>], frames: usize) -> Array2<f32> {
    let mut band = Array2::<f32>::zeros((BAND, frames));
    for (mut row, src) in band.axis_iter_mut(Axis(0)).zip(magnitude) {
        row.assign(&ndarray::ArrayView1::from(&src[..]));
    }
    band
}
