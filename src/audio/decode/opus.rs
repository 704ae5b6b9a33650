//! Ogg Opus (RFC 7845) through the `ogg` crate's packet reader and libopus's decoder,
//! at 48 kHz (Opus's own rate; the rate in the header is only the original input's).
//! The header's pre-skip is dropped from the front, the end-of-stream granule position
//! trims the encoder's padding from the end, and the header's output gain is applied.

use super::mono::Mono;
use super::{Container, DecodeError, Decoded, Source};
use ogg::reading::{OggReadError, PacketReader};

/// Opus decodes to 48 kHz.
const RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz, per channel.
const MAX_FRAMES: usize = 5760;
/// Bad packets tolerated (skipped, as players do) before a stream counts as garbage.
const MAX_BAD_PACKETS: usize = 16;

const FORMAT: Container = Container::OggOpus;

fn malformed(source: impl Into<super::BoxError>) -> DecodeError {
    DecodeError::malformed(FORMAT, source)
}

fn unsupported(what: impl Into<String>) -> DecodeError {
    DecodeError::Unsupported {
        format: FORMAT,
        what: what.into(),
    }
}

/// The `OpusHead` identification header.
#[derive(Debug, PartialEq)]
struct Head {
    channels: usize,
    pre_skip: usize,
    /// Output gain in dB, Q7.8.
    gain: i16,
    /// Channel mapping family 0 has no table; any other gives (streams, coupled, mapping).
    table: Option<(u8, u8, Vec<u8>)>,
}

impl Head {
    fn parse(b: &[u8]) -> Result<Head, DecodeError> {
        if !b.starts_with(b"OpusHead") {
            return Err(unsupported(
                "the Ogg stream is not Opus (Vorbis, FLAC or Speex in Ogg are not read)",
            ));
        }
        if b.len() < 19 {
            return Err(malformed("OpusHead shorter than 19 bytes"));
        }
        // The upper four bits are the major version: only 0 is defined.
        if b[8] >= 16 {
            return Err(unsupported(format!("OpusHead version {}", b[8])));
        }
        let channels = usize::from(b[9]);
        let pre_skip = usize::from(u16::from_le_bytes([b[10], b[11]]));
        let gain = i16::from_le_bytes([b[16], b[17]]);
        let table = match b[18] {
            0 if (1..=2).contains(&channels) => None,
            0 => {
                return Err(malformed(format!(
                    "{channels} channels in mapping family 0"
                )))
            }
            _ => {
                let t = b
                    .get(19..21 + channels)
                    .ok_or_else(|| malformed("OpusHead channel mapping table cut short"))?;
                Some((t[0], t[1], t[2..].to_vec()))
            }
        };
        if channels == 0 {
            return Err(DecodeError::BadChannels {
                format: FORMAT,
                channels,
            });
        }
        Ok(Head {
            channels,
            pre_skip,
            gain,
            table,
        })
    }

    /// The output gain as a factor.
    fn gain_factor(&self) -> f32 {
        10f32.powf(f32::from(self.gain) / (256.0 * 20.0))
    }
}

/// libopus's single-stream or multistream decoder, as the header's mapping says.
enum Decoder {
    Single(opus::Decoder),
    Multi(opus::MSDecoder),
}

impl Decoder {
    fn new(head: &Head) -> Result<Self, DecodeError> {
        Ok(match &head.table {
            None => {
                let ch = if head.channels == 1 {
                    opus::Channels::Mono
                } else {
                    opus::Channels::Stereo
                };
                Decoder::Single(opus::Decoder::new(RATE, ch).map_err(malformed)?)
            }
            Some((streams, coupled, mapping)) => Decoder::Multi(
                opus::MSDecoder::new(RATE, *streams, *coupled, mapping).map_err(malformed)?,
            ),
        })
    }

    /// Decodes one packet into `pcm` (interleaved); returns frames per channel.
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32]) -> Result<usize, opus::Error> {
        match self {
            Decoder::Single(d) => d.decode_float(packet, pcm, false),
            Decoder::Multi(d) => d.decode_float(packet, pcm, false),
        }
    }
}

/// Reads the next packet; `None` at the end of the input or where it is cut off.
fn next(ogg: &mut PacketReader<impl Source>) -> Result<Option<ogg::Packet>, DecodeError> {
    match ogg.read_packet() {
        Ok(p) => Ok(p),
        Err(OggReadError::ReadError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Ok(None)
        }
        Err(OggReadError::ReadError(e)) => Err(DecodeError::Io(e)),
        Err(e) => Err(malformed(e)),
    }
}

pub fn decode(src: impl Source) -> Result<Decoded, DecodeError> {
    let mut ogg = PacketReader::new(src);
    let first = next(&mut ogg)?.ok_or_else(|| malformed("no complete Ogg page"))?;
    let head = Head::parse(&first.data)?;
    let serial = first.stream_serial();
    let mut decoder = Decoder::new(&head)?;
    let mut out = Mono::new(FORMAT, RATE, head.channels)?;
    let gain = head.gain_factor();
    let mut pcm = vec![0f32; MAX_FRAMES * head.channels];

    let mut tags_seen = false;
    let mut end_granule = None;
    let mut bad = 0;
    while let Some(packet) = next(&mut ogg)? {
        // Other logical streams multiplexed in (RFC 7845 allows them) are not ours.
        if packet.stream_serial() != serial {
            continue;
        }
        if !tags_seen {
            // The second packet is OpusTags: nothing to decode.
            tags_seen = true;
            continue;
        }
        match decoder.decode(&packet.data, &mut pcm) {
            Ok(frames) => {
                let got = &mut pcm[..frames * head.channels];
                if gain != 1.0 {
                    got.iter_mut().for_each(|s| *s *= gain);
                }
                out.push_interleaved(got, head.channels)?;
            }
            Err(_) if bad < MAX_BAD_PACKETS => bad += 1,
            Err(e) => return Err(malformed(e)),
        }
        if packet.last_in_stream() {
            end_granule = Some(packet.absgp_page());
            break;
        }
    }
    // The last page's granule position counts every sample to keep, pre-skip included
    // (RFC 7845 §4.4); a stream cut off before its last page keeps all it decoded.
    if let Some(g) = end_granule.and_then(|g| usize::try_from(g).ok()) {
        out.truncate(g);
    }
    out.skip_front(head.pre_skip);
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, extra: &[u8]) -> Vec<u8> {
        let mut b = b"OpusHead\x01".to_vec();
        b.push(channels);
        b.extend_from_slice(&312u16.to_le_bytes());
        b.extend_from_slice(&24_000u32.to_le_bytes());
        b.extend_from_slice(&(-256i16).to_le_bytes());
        b.push(family);
        b.extend_from_slice(extra);
        b
    }

    #[test]
    fn opus_head_fields_and_bounds() {
        let h = Head::parse(&head(1, 0, &[])).unwrap();
        assert_eq!(
            (h.channels, h.pre_skip, h.gain, h.table),
            (1, 312, -256, None)
        );
        // −1 dB.
        assert!((Head::parse(&head(1, 0, &[])).unwrap().gain_factor() - 0.891).abs() < 1e-3);
        let h = Head::parse(&head(3, 1, &[2, 1, 0, 1, 2])).unwrap();
        assert_eq!(h.table, Some((2, 1, vec![0, 1, 2])));
        assert!(
            Head::parse(&head(3, 1, &[2, 1, 0])).is_err(),
            "table cut short"
        );
        assert!(
            Head::parse(&head(3, 0, &[])).is_err(),
            "family 0 is 1 or 2 channels"
        );
        assert!(Head::parse(&head(0, 1, &[0, 0])).is_err(), "no channels");
        assert!(Head::parse(&head(1, 0, &[])[..18]).is_err());
        let e = Head::parse(b"\x01vorbis\0\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap_err();
        assert!(e.to_string().contains("not Opus"), "{e}");
    }
}
