//! MP3 through Debian's libmp3lame (via `lame-sys`): constant bit rate, no Xing/LAME
//! tag (it needs a seek back to the start, impossible while streaming). At 24 kHz the
//! stream is MPEG-2 Layer III.
#![allow(unsafe_code)] // FFI

use super::{EncodeError, Encoder, Format};
use lame_sys as lame;

/// Bit rate: 64 kbit/s is transparent enough for 24 kHz mono speech.
const KBPS: i32 = 64;

/// An owned libmp3lame handle.
pub struct Mp3Encoder {
    gfp: *mut lame::lame_global_flags,
}

// SAFETY: the handle is only used through `&mut self`, so from one thread at a time;
// libmp3lame keeps no thread-local state.
unsafe impl Send for Mp3Encoder {}

fn err(why: impl std::fmt::Display) -> EncodeError {
    EncodeError::new(Format::Mp3, why)
}

impl Mp3Encoder {
    /// Mono at `rate`, encoded at the same rate.
    pub fn new(rate: u32) -> Result<Self, EncodeError> {
        let rate = i32::try_from(rate).map_err(err)?;
        // SAFETY: plain libmp3lame calls on a handle we own; checked for null.
        unsafe {
            let gfp = lame::lame_init();
            if gfp.is_null() {
                return Err(err("lame_init failed"));
            }
            let enc = Mp3Encoder { gfp };
            let ok = lame::lame_set_num_channels(gfp, 1) == 0
                && lame::lame_set_in_samplerate(gfp, rate) == 0
                && lame::lame_set_out_samplerate(gfp, rate) == 0
                && lame::lame_set_mode(gfp, lame::MPEG_mode::MONO) == 0
                && lame::lame_set_brate(gfp, KBPS) == 0
                && lame::lame_set_quality(gfp, 5) == 0
                && lame::lame_set_bWriteVbrTag(gfp, 0) == 0
                && lame::lame_init_params(gfp) >= 0;
            if !ok {
                return Err(err(format!(
                    "libmp3lame refused mono {rate} Hz at {KBPS} kbit/s"
                )));
            }
            Ok(enc)
        }
    }
}

impl Encoder for Mp3Encoder {
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        // lame_encode_buffer takes at most an int of samples; pieces are far smaller,
        // but stay within it anyway.
        for chunk in pcm.chunks(1 << 20) {
            // Worst case from lame.h: 1.25 × samples + 7200 bytes.
            let mut buf = vec![0u8; chunk.len() * 5 / 4 + 7200];
            let mut input = chunk.to_vec();
            // SAFETY: `input` holds `chunk.len()` samples (mono: the right channel is
            // ignored), `buf` is as large as we tell libmp3lame.
            let n = unsafe {
                lame::lame_encode_buffer(
                    self.gfp,
                    input.as_mut_ptr(),
                    input.as_mut_ptr(),
                    chunk.len() as i32,
                    buf.as_mut_ptr(),
                    buf.len() as i32,
                )
            };
            if n < 0 {
                return Err(err(format!("lame_encode_buffer returned {n}")));
            }
            buf.truncate(n as usize);
            out.extend(buf);
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        let mut buf = vec![0u8; 7200];
        // SAFETY: `buf` is 7200 bytes, the size lame.h asks for the flush.
        let n = unsafe { lame::lame_encode_flush(self.gfp, buf.as_mut_ptr(), buf.len() as i32) };
        if n < 0 {
            return Err(err(format!("lame_encode_flush returned {n}")));
        }
        buf.truncate(n as usize);
        Ok(buf)
    }
}

impl Drop for Mp3Encoder {
    fn drop(&mut self) {
        // SAFETY: the handle came from lame_init and is closed once.
        unsafe {
            lame::lame_close(self.gfp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{encode_all, test_signal::tone, Format};

    #[test]
    fn frames_are_mpeg2_layer3_at_24khz() {
        let bytes = encode_all(Format::Mp3, 24_000, &tone(48_000), 5000).unwrap();
        // Frame sync, MPEG-2 (version bits 10), Layer III (01); sample-rate index 01 = 24 kHz.
        assert_eq!(bytes[0], 0xff);
        assert_eq!(bytes[1] & 0xfe, 0xf2, "{:02x}", bytes[1]);
        assert_eq!((bytes[2] >> 2) & 0b11, 0b01);
        // 2 s at 64 kbit/s ≈ 16 kB.
        assert!((14_000..20_000).contains(&bytes.len()), "{}", bytes.len());
    }
}
