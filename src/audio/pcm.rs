//! Sample conversion.

/// Converts model output (nominally -1..1) to 16-bit PCM, clipping what overshoots.
pub fn f32_to_i16(samples: &[f32]) -> Vec<i16> {
    samples
        .iter()
        .map(|&x| {
            if x.is_nan() {
                0
            } else {
                (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
            }
        })
        .collect()
}

/// Little-endian bytes of 16-bit samples (the Wyoming and `pcm` wire format).
pub fn i16_to_le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_clips() {
        assert_eq!(
            f32_to_i16(&[0.0, 1.0, -1.0, 2.0, -2.0, f32::NAN, 0.5]),
            vec![0, 32767, -32767, 32767, -32767, 0, 16384]
        );
        assert_eq!(i16_to_le_bytes(&[1, -2]), vec![1, 0, 0xfe, 0xff]);
    }
}
