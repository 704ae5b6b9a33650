//! FLAC through `flacenc` (a Rust encoder), frame by frame: the `fLaC` marker and a
//! STREAMINFO whose MD5 is "unknown" (zero, as the format allows) and whose length is
//! the answer's when it is known up front (a buffered answer; readers such as
//! libsndfile need it) and "unknown" for a stream, then one frame per 4096 samples as
//! soon as they are there.

use super::{EncodeError, Encoder, Format};
use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, Stream, StreamInfo};
use flacenc::error::{Verified, Verify};
use flacenc::source::{Fill, FrameBuf};

/// Samples per frame (the reference encoder's default).
const BLOCK: usize = 4096;
/// Shortest frame flacenc writes; a shorter final block is padded with silence
/// (at most 1.3 ms at 24 kHz).
const MIN_BLOCK: usize = flacenc::constant::MIN_BLOCK_SIZE;

/// A FLAC stream being written.
pub struct FlacEncoder {
    config: Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    frame_buf: FrameBuf,
    pending: Vec<i16>,
    frames: usize,
    started: bool,
}

fn err(why: impl std::fmt::Debug) -> EncodeError {
    EncodeError::new(Format::Flac, format!("{why:?}"))
}

impl FlacEncoder {
    /// Mono, 16-bit, at `rate`; `total_samples` goes into STREAMINFO when known.
    pub fn new(rate: u32, total_samples: Option<usize>) -> Result<Self, EncodeError> {
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|(_, e)| err(e))?;
        let mut info = StreamInfo::new(rate as usize, 1, 16).map_err(err)?;
        info.set_block_sizes(BLOCK, BLOCK).map_err(err)?;
        if let Some(n) = total_samples {
            // What is encoded: a short last block is padded to the shortest frame.
            let rest = n % BLOCK;
            let padding = if rest > 0 && rest < MIN_BLOCK {
                MIN_BLOCK - rest
            } else {
                0
            };
            info.set_total_samples(n + padding);
        }
        Ok(FlacEncoder {
            config,
            info,
            frame_buf: FrameBuf::with_size(1, BLOCK).map_err(err)?,
            pending: Vec::new(),
            frames: 0,
            started: false,
        })
    }

    fn header(&self) -> Result<Vec<u8>, EncodeError> {
        // A stream with no frames writes exactly `fLaC` + STREAMINFO.
        let mut stream = Stream::with_stream_info(self.info.clone());
        stream
            .stream_info_mut()
            .set_block_sizes(BLOCK, BLOCK)
            .map_err(err)?;
        let mut sink = ByteSink::new();
        stream.write(&mut sink).map_err(err)?;
        Ok(sink.as_slice().to_vec())
    }

    fn frame(&mut self, block: &[i16], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let samples: Vec<i32> = block.iter().map(|&s| i32::from(s)).collect();
        self.frame_buf.fill_interleaved(&samples).map_err(err)?;
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.frame_buf,
            self.frames,
            &self.info,
        )
        .map_err(err)?;
        self.frames += 1;
        let mut sink = ByteSink::new();
        frame.write(&mut sink).map_err(err)?;
        out.extend_from_slice(sink.as_slice());
        Ok(())
    }

    fn start(&mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !self.started {
            self.started = true;
            out.extend(self.header()?);
        }
        Ok(())
    }
}

impl Encoder for FlacEncoder {
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.start(&mut out)?;
        self.pending.extend_from_slice(pcm);
        let whole = self.pending.len() / BLOCK * BLOCK;
        let blocks: Vec<i16> = self.pending.drain(..whole).collect();
        for block in blocks.chunks(BLOCK) {
            self.frame(block, &mut out)?;
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.start(&mut out)?;
        let mut rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            if rest.len() < MIN_BLOCK {
                rest.resize(MIN_BLOCK, 0);
            }
            self.frame(&rest, &mut out)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{encode_all, test_signal::tone, Format};

    #[test]
    fn a_buffered_answer_says_its_length_and_a_stream_does_not() {
        // STREAMINFO's 36-bit sample count: the low nibble of byte 21, bytes 22..26.
        let count = |b: &[u8]| {
            (u64::from(b[21] & 0x0F) << 32)
                | u64::from(u32::from_be_bytes([b[22], b[23], b[24], b[25]]))
        };
        let bytes = encode_all(Format::Flac, 24_000, &tone(10_000), 3000).unwrap();
        assert_eq!(count(&bytes), 10_000);
        let short = encode_all(Format::Flac, 24_000, &tone(4096 + 3), 3000).unwrap();
        assert_eq!(
            count(&short),
            4096 + flacenc::constant::MIN_BLOCK_SIZE as u64
        );
        let mut stream = Format::Flac.encoder(24_000, None).unwrap();
        let bytes = stream.push(&tone(10_000)).unwrap();
        assert_eq!(count(&bytes), 0);
    }

    #[test]
    fn streaminfo_says_24khz_mono_16bit() {
        let bytes = encode_all(Format::Flac, 24_000, &tone(10_000), 3000).unwrap();
        assert_eq!(&bytes[..4], b"fLaC");
        // STREAMINFO: block header (4), min/max block (4), min/max frame (6), then
        // 20 bits rate, 3 bits channels-1, 5 bits bits-1.
        let si = &bytes[8..];
        let packed = u32::from_be_bytes(si[10..14].try_into().unwrap());
        assert_eq!(packed >> 12, 24_000);
        assert_eq!((packed >> 9) & 0b111, 0);
        assert_eq!((packed >> 4) & 0b11111, 15);
        // Frames follow (sync code 0xFFF8 for fixed block size).
        assert_eq!(&bytes[42..44], &[0xff, 0xf8]);
    }
}
