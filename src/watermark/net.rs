//! PerthNet's convolution stacks: the encoder that writes the mark into the low band
//! of a magnitude spectrogram, and the three decoders (the band stretched ×1.25, ×1,
//! ×0.75 in time) that read it back.
//!
//! Each stack is a 1×1 convolution to 256 channels, five width-7 convolutions, and a
//! 1×1 convolution out, LeakyReLU (slope 0.01) between them; each convolution is one
//! matrix product over the frames (im2col).

use super::checkpoint::Tensor;
use super::WatermarkError;
use ndarray::{linalg::general_mat_mul, s, Array2, ArrayView2, Axis};
use std::collections::HashMap;

/// Rows of the spectrogram the mark lives in: bins below 2 kHz of the 32 kHz STFT.
pub const BAND: usize = 128;
const HIDDEN: usize = 256;
const WIDE: usize = 7;
const LEAK: f32 = 0.01;

struct Conv {
    /// `[out, in × width]`, as PyTorch's `[out, in, width]` weight read row-major.
    weight: Array2<f32>,
    bias: Vec<f32>,
    width: usize,
    act: bool,
}

impl Conv {
    fn load(
        state: &HashMap<String, Tensor>,
        prefix: &str,
        shape: [usize; 3],
        act: bool,
    ) -> Result<Conv, WatermarkError> {
        let get = |name: String, want: &[usize]| -> Result<&Tensor, WatermarkError> {
            let t = state
                .get(&name)
                .ok_or_else(|| WatermarkError::MissingTensor(name.clone()))?;
            if t.shape != want {
                return Err(WatermarkError::TensorShape {
                    name,
                    found: t.shape.clone(),
                    expected: want.to_vec(),
                });
            }
            Ok(t)
        };
        let [out, inp, width] = shape;
        let w = get(format!("{prefix}.conv.weight"), &shape)?;
        let b = get(format!("{prefix}.conv.bias"), &[out])?;
        Ok(Conv {
            weight: Array2::from_shape_vec((out, inp * width), w.data.clone())
                .expect("shape checked"),
            bias: b.data.clone(),
            width,
            act,
        })
    }

    /// `[in, frames]` → `[out, frames]`, zero-padded to keep the frame count.
    fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let (inp, frames) = x.dim();
        let mut y = Array2::<f32>::zeros((self.weight.nrows(), frames));
        if self.width == 1 {
            general_mat_mul(1.0, &self.weight, &x, 0.0, &mut y);
        } else {
            let pad = self.width / 2;
            let mut cols = Array2::<f32>::zeros((inp * self.width, frames));
            for i in 0..inp {
                let row = x.row(i);
                for j in 0..self.width {
                    let mut dst = cols.row_mut(i * self.width + j);
                    // dst[t] = row[t + j - pad] where that exists.
                    let lo = pad.saturating_sub(j);
                    let hi = (frames + pad).saturating_sub(j).min(frames);
                    for t in lo..hi {
                        dst[t] = row[t + j - pad];
                    }
                }
            }
            general_mat_mul(1.0, &self.weight, &cols, 0.0, &mut y);
        }
        for (mut row, b) in y.axis_iter_mut(Axis(0)).zip(&self.bias) {
            row.mapv_inplace(|v| {
                let v = v + b;
                if self.act && v < 0.0 {
                    v * LEAK
                } else {
                    v
                }
            });
        }
        y
    }
}

/// One stack of seven convolutions.
pub struct Stack(Vec<Conv>);

impl Stack {
    /// The stack whose tensors are named `{prefix}.0.conv.weight` … `{prefix}.6.conv.bias`.
    pub fn load(
        state: &HashMap<String, Tensor>,
        prefix: &str,
        out: usize,
    ) -> Result<Stack, WatermarkError> {
        let mut convs = vec![Conv::load(
            state,
            &format!("{prefix}.0"),
            [HIDDEN, BAND, 1],
            true,
        )?];
        for i in 1..=5 {
            convs.push(Conv::load(
                state,
                &format!("{prefix}.{i}"),
                [HIDDEN, HIDDEN, WIDE],
                true,
            )?);
        }
        convs.push(Conv::load(
            state,
            &format!("{prefix}.6"),
            [out, HIDDEN, 1],
            false,
        )?);
        Ok(Stack(convs))
    }

    /// `[BAND, frames]` → `[out, frames]`. Long inputs go through in windows of
    /// [`WINDOW`] frames, each with the [`REACH`] frames either side that its outputs
    /// depend on: the same result, in bounded memory.
    pub fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let frames = x.ncols();
        if frames <= WINDOW + 2 * REACH {
            return self.forward_whole(x);
        }
        let out_rows = self.0.last().map_or(0, |c| c.weight.nrows());
        let mut y = Array2::<f32>::zeros((out_rows, frames));
        let mut start = 0;
        while start < frames {
            let end = (start + WINDOW).min(frames);
            let (lo, hi) = (start.saturating_sub(REACH), (end + REACH).min(frames));
            let part = self.forward_whole(x.slice(s![.., lo..hi]));
            y.slice_mut(s![.., start..end])
                .assign(&part.slice(s![.., start - lo..end - lo]));
            start = end;
        }
        y
    }

    fn forward_whole(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut h = self.0[0].forward(x);
        for conv in &self.0[1..] {
            h = conv.forward(h.view());
        }
        h
    }
}

/// Frames computed per window of a long input (about 10 s).
const WINDOW: usize = 1024;
/// Frames either side an output depends on: five width-7 convolutions.
const REACH: usize = 5 * (WIDE / 2);

/// Linear interpolation along time to `len` frames, end points kept (PyTorch's
/// `interpolate(mode="linear", align_corners=True)`).
pub fn stretch(x: ArrayView2<f32>, len: usize) -> Array2<f32> {
    let (rows, frames) = x.dim();
    let mut y = Array2::<f32>::zeros((rows, len));
    let scale = if len > 1 {
        (frames - 1) as f32 / (len - 1) as f32
    } else {
        0.0
    };
    for i in 0..len {
        let src = scale * i as f32;
        let i0 = (src.floor() as usize).min(frames - 1);
        let i1 = (i0 + 1).min(frames - 1);
        let l = src - i0 as f32;
        for r in 0..rows {
            y[(r, i)] = (1.0 - l) * x[(r, i0)] + l * x[(r, i1)];
        }
    }
    y
}

/// Nearest-neighbour resampling of a frame mask to `len` frames (PyTorch's
/// `interpolate(mode="nearest")`: source index ⌊i × in / len⌋).
pub fn stretch_mask(mask: &[f32], len: usize) -> Vec<f32> {
    let scale = mask.len() as f32 / len as f32;
    (0..len)
        .map(|i| mask[((i as f32 * scale).floor() as usize).min(mask.len() - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_wide_convolution_is_zero_padded_and_keeps_the_frames() {
        // One channel in and out, width 7, weight picking the input at offset j - 3.
        for j in 0..WIDE {
            let mut w = vec![0.0; WIDE];
            w[j] = 1.0;
            let conv = Conv {
                weight: Array2::from_shape_vec((1, WIDE), w).unwrap(),
                bias: vec![0.5],
                width: WIDE,
                act: false,
            };
            let x = array![[1.0, 2.0, 3.0, 4.0, 5.0]];
            let y = conv.forward(x.view());
            let expect: Vec<f32> = (0..5)
                .map(|t| {
                    let s = t as isize + j as isize - 3;
                    0.5 + if (0..5).contains(&s) {
                        x[(0, s as usize)]
                    } else {
                        0.0
                    }
                })
                .collect();
            assert_eq!(y.row(0).to_vec(), expect, "tap {j}");
        }
    }

    #[test]
    fn a_long_input_in_windows_gives_what_it_gives_whole() {
        let mut state = HashMap::new();
        let mut seed = 1u32;
        let mut noise = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
                })
                .collect()
        };
        let mut put = |name: &str, shape: Vec<usize>| {
            let n = shape.iter().product();
            state.insert(
                name.to_owned(),
                Tensor {
                    shape,
                    data: noise(n),
                },
            );
        };
        put("s.0.conv.weight", vec![HIDDEN, BAND, 1]);
        put("s.0.conv.bias", vec![HIDDEN]);
        for i in 1..=5 {
            put(&format!("s.{i}.conv.weight"), vec![HIDDEN, HIDDEN, WIDE]);
            put(&format!("s.{i}.conv.bias"), vec![HIDDEN]);
        }
        put("s.6.conv.weight", vec![2, HIDDEN, 1]);
        put("s.6.conv.bias", vec![2]);
        let stack = Stack::load(&state, "s", 2).unwrap();
        let frames = 2 * WINDOW + 77;
        let x = Array2::from_shape_vec((BAND, frames), noise(BAND * frames)).unwrap();
        let windowed = stack.forward(x.view());
        let whole = stack.forward_whole(x.view());
        let err = (&windowed - &whole)
            .iter()
            .fold(0f32, |m, v| m.max(v.abs()));
        let scale = whole.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(err <= 1e-5 * scale, "max error {err} of {scale}");
    }

    #[test]
    fn leaky_activation_and_stretches() {
        let conv = Conv {
            weight: array![[1.0], [-1.0]],
            bias: vec![0.0, 0.0],
            width: 1,
            act: true,
        };
        let y = conv.forward(array![[2.0]].view());
        assert_eq!(y, array![[2.0], [-0.02]]);

        let x = array![[0.0, 1.0, 2.0, 3.0]];
        assert_eq!(
            stretch(x.view(), 7).row(0).to_vec(),
            vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
        );
        assert_eq!(stretch(x.view(), 1).row(0).to_vec(), vec![0.0]);
        assert_eq!(stretch_mask(&[1.0, 0.0, 1.0, 0.0], 3), vec![1.0, 0.0, 1.0]);
        assert_eq!(stretch_mask(&[1.0, 0.0], 5), vec![1.0, 1.0, 1.0, 0.0, 0.0]);
    }
}
