//! Opus (libopus through the `opus` crate) in Ogg pages (the `ogg` crate), laid out as
//! RFC 7845 says: an `OpusHead` page, an `OpusTags` page, then audio pages. libopus
//! takes 24 kHz input as is, so nothing is resampled; the header records 24000 as the
//! input rate. Every push ends a page, so each piece's audio leaves at once.

use super::{EncodeError, Encoder, Format};
use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// 20 ms frames.
const FRAME_MS: u32 = 20;
/// Largest packet we accept from libopus (its recommended maximum).
const MAX_PACKET: usize = 4000;
/// Opus speech at 24 kHz mono: 32 kbit/s is clear.
const BITRATE: i32 = 32_000;
/// Ogg Opus granule positions count 48 kHz samples whatever the input rate.
const GRANULE_RATE: u64 = 48_000;

/// An Ogg Opus stream being written.
pub struct OggOpusEncoder {
    enc: opus::Encoder,
    ogg: PacketWriter<'static, Vec<u8>>,
    serial: u32,
    rate: u32,
    frame: usize,
    /// Samples waiting for a full frame.
    pending: Vec<i16>,
    /// Input samples encoded so far (real ones, not padding).
    encoded: u64,
    /// Priming samples at 48 kHz that a decoder drops (from libopus's lookahead).
    pre_skip: u16,
    started: bool,
    /// An encoded packet held back so the last one can carry the end-of-stream flag.
    held: Option<(Vec<u8>, u64)>,
}

fn err(why: impl std::fmt::Display) -> EncodeError {
    EncodeError::new(Format::Opus, why)
}

impl OggOpusEncoder {
    /// Mono at `rate` (8, 12, 16, 24 or 48 kHz).
    pub fn new(rate: u32) -> Result<Self, EncodeError> {
        let mut enc = opus::Encoder::new(rate, opus::Channels::Mono, opus::Application::Audio)
            .map_err(err)?;
        enc.set_bitrate(opus::Bitrate::Bits(BITRATE)).map_err(err)?;
        let lookahead = enc.get_lookahead().map_err(err)?;
        let pre_skip =
            u16::try_from(u64::try_from(lookahead).unwrap_or(0) * GRANULE_RATE / u64::from(rate))
                .map_err(err)?;
        // A fixed serial is allowed (one stream per file) and keeps output reproducible.
        Ok(OggOpusEncoder {
            enc,
            ogg: PacketWriter::new(Vec::new()),
            serial: 0x6b6f_6b6f,
            rate,
            frame: (rate * FRAME_MS / 1000) as usize,
            pending: Vec::new(),
            encoded: 0,
            pre_skip,
            started: false,
            held: None,
        })
    }

    fn headers(&mut self) -> Result<(), EncodeError> {
        // OpusHead: version 1, 1 channel, pre-skip, input rate, gain 0, mapping family 0.
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1);
        head.push(1);
        head.extend_from_slice(&self.pre_skip.to_le_bytes());
        head.extend_from_slice(&self.rate.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes());
        head.push(0);
        self.ogg
            .write_packet(head, self.serial, PacketWriteEndInfo::EndPage, 0)
            .map_err(err)?;
        // OpusTags: vendor string, no comments.
        let vendor = concat!("kokorod ", env!("CARGO_PKG_VERSION")).as_bytes();
        let mut tags = Vec::with_capacity(16 + vendor.len());
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor);
        tags.extend_from_slice(&0u32.to_le_bytes());
        self.ogg
            .write_packet(tags, self.serial, PacketWriteEndInfo::EndPage, 0)
            .map_err(err)?;
        Ok(())
    }

    /// Granule position after `samples` input samples: 48 kHz units, plus the pre-skip.
    fn granule(&self, samples: u64) -> u64 {
        u64::from(self.pre_skip) + samples * GRANULE_RATE / u64::from(self.rate)
    }

    /// Encodes one full frame; `real` of its samples are audio (the rest padding).
    fn encode_frame(&mut self, frame: &[i16], real: usize) -> Result<(), EncodeError> {
        let packet = self.enc.encode_vec(frame, MAX_PACKET).map_err(err)?;
        self.encoded += real as u64;
        if let Some((held, granule)) = self.held.take() {
            self.ogg
                .write_packet(held, self.serial, PacketWriteEndInfo::NormalPacket, granule)
                .map_err(err)?;
        }
        self.held = Some((packet, self.granule(self.encoded)));
        Ok(())
    }

    fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(self.ogg.inner_mut())
    }
}

impl Encoder for OggOpusEncoder {
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError> {
        if !self.started {
            self.started = true;
            self.headers()?;
        }
        self.pending.extend_from_slice(pcm);
        let whole = self.pending.len() / self.frame * self.frame;
        let frames: Vec<i16> = self.pending.drain(..whole).collect();
        for f in frames.chunks(self.frame) {
            self.encode_frame(f, f.len())?;
        }
        // End the page so this piece's audio is sent now, not when a page fills.
        if let Some((held, granule)) = self.held.take() {
            self.ogg
                .write_packet(held, self.serial, PacketWriteEndInfo::EndPage, granule)
                .map_err(err)?;
        }
        Ok(self.take_bytes())
    }

    fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        if !self.started {
            self.started = true;
            self.headers()?;
        }
        // The remainder padded to a frame, plus one frame of silence that flushes the
        // encoder's lookahead; the final granule trims both (RFC 7845 §4.4).
        let real = self.pending.len();
        let mut last = std::mem::take(&mut self.pending);
        last.resize(self.frame, 0);
        if real > 0 {
            self.encode_frame(&last, real)?;
        }
        self.encode_frame(&vec![0; self.frame], 0)?;
        if let Some((held, granule)) = self.held.take() {
            self.ogg
                .write_packet(held, self.serial, PacketWriteEndInfo::EndStream, granule)
                .map_err(err)?;
        }
        Ok(self.take_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{encode_all, test_signal::tone, Format};

    /// The Ogg pages of a stream: (header type, granule, packets' bytes).
    fn pages(mut b: &[u8]) -> Vec<(u8, u64, Vec<u8>)> {
        let mut out = Vec::new();
        while !b.is_empty() {
            assert_eq!(&b[..4], b"OggS");
            let kind = b[5];
            let granule = u64::from_le_bytes(b[6..14].try_into().unwrap());
            let nseg = b[26] as usize;
            let len: usize = b[27..27 + nseg].iter().map(|&x| x as usize).sum();
            let body = b[27 + nseg..27 + nseg + len].to_vec();
            out.push((kind, granule, body));
            b = &b[27 + nseg + len..];
        }
        out
    }

    #[test]
    fn ogg_opus_headers_and_granules() {
        let n = 24_000 + 100;
        let bytes = encode_all(Format::Opus, 24_000, &tone(n), 7000).unwrap();
        let p = pages(&bytes);
        let head = &p[0].2;
        assert_eq!(&head[..8], b"OpusHead");
        assert_eq!(head[9], 1, "mono");
        assert_eq!(
            u32::from_le_bytes(head[12..16].try_into().unwrap()),
            24_000,
            "input rate"
        );
        let pre_skip = u64::from(u16::from_le_bytes(head[10..12].try_into().unwrap()));
        assert!(p[0].0 & 0x02 != 0, "beginning of stream");
        assert_eq!(&p[1].2[..8], b"OpusTags");
        let last = p.last().unwrap();
        assert!(last.0 & 0x04 != 0, "end of stream");
        // The final granule trims padding: exactly the input's length at 48 kHz.
        assert_eq!(last.1, pre_skip + n as u64 * 2);
        // One page per push: audio came out before the end.
        assert!(p.len() >= 2 + 4, "{} pages", p.len());
    }
}
