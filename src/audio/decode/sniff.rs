//! Which format a stream is, from its first bytes: each format's magic, and for MP3
//! (which has none) a valid Layer III frame header followed by another frame.

use super::{DecodeError, Source};
use std::fmt;
use std::io::{Read, SeekFrom};

/// The formats read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE (PCM, float or extensible), including the streaming form whose sizes
    /// are placeholders.
    Wav,
    /// Native FLAC.
    Flac,
    /// MPEG Layer III, with or without an ID3v2 tag in front.
    Mp3,
    /// Opus in Ogg.
    OggOpus,
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Container::Wav => "WAV",
            Container::Flac => "FLAC",
            Container::Mp3 => "MP3",
            Container::OggOpus => "Ogg Opus",
        })
    }
}

/// A recognised stream: its format and where its audio container starts.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    pub container: Container,
    pub start: u64,
}

/// Bytes looked at: enough for a header and the MP3 frame after the first.
const HEAD: usize = 4096;

pub fn sniff(src: &mut impl Source) -> Result<Found, DecodeError> {
    let head = read_at(src, 0)?;
    if head.is_empty() {
        return Err(DecodeError::Empty);
    }
    let at = |container| {
        Ok(Found {
            container,
            start: 0,
        })
    };
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
        return at(Container::Wav);
    }
    if head.starts_with(b"fLaC") {
        return at(Container::Flac);
    }
    if head.starts_with(b"OggS") {
        return at(Container::OggOpus);
    }
    if let Some(tag) = id3v2_len(&head) {
        let after = read_at(src, tag)?;
        if is_mp3(&after) {
            return Ok(Found {
                container: Container::Mp3,
                start: tag,
            });
        }
    } else if is_mp3(&head) {
        return at(Container::Mp3);
    }
    Err(DecodeError::UnknownFormat {
        head: printable(&head[..head.len().min(12)]),
    })
}

/// Up to [`HEAD`] bytes from `pos` (fewer at the end).
fn read_at(src: &mut impl Source, pos: u64) -> Result<Vec<u8>, DecodeError> {
    src.seek(SeekFrom::Start(pos)).map_err(DecodeError::Io)?;
    let mut head = Vec::with_capacity(HEAD);
    src.by_ref()
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(DecodeError::Io)?;
    Ok(head)
}

/// The length of an ID3v2 tag at the start (header, body, footer), if there is one.
fn id3v2_len(b: &[u8]) -> Option<u64> {
    if b.len() < 10 || !b.starts_with(b"ID3") || b[6..10].iter().any(|&x| x & 0x80 != 0) {
        return None;
    }
    let body = b[6..10].iter().fold(0u64, |n, &x| (n << 7) | u64::from(x));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// The length in bytes of the MPEG Layer III frame whose header starts `b`, if it is one.
fn mp3_frame_len(b: &[u8]) -> Option<usize> {
    let &[b0, b1, b2, ..] = b else { return None };
    if b0 != 0xff || b1 & 0xe0 != 0xe0 {
        return None;
    }
    let version = (b1 >> 3) & 0b11; // 00 MPEG-2.5, 01 reserved, 10 MPEG-2, 11 MPEG-1
    let layer = (b1 >> 1) & 0b11; // 01 Layer III
    let bitrate = usize::from(b2 >> 4);
    let rate = usize::from((b2 >> 2) & 0b11);
    if version == 0b01 || layer != 0b01 || bitrate == 0 || bitrate == 15 || rate == 3 {
        return None;
    }
    const MPEG1: [usize; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const MPEG2: [usize; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let (kbps, hz, per_frame) = match version {
        0b11 => (MPEG1[bitrate], [44_100, 48_000, 32_000][rate], 144),
        0b10 => (MPEG2[bitrate], [22_050, 24_000, 16_000][rate], 72),
        _ => (MPEG2[bitrate], [11_025, 12_000, 8_000][rate], 72),
    };
    let padding = usize::from((b2 >> 1) & 1);
    Some(per_frame * kbps * 1000 / hz + padding)
}

/// A Layer III frame header, and another frame right after it when the bytes reach
/// that far: one plausible header alone is too easily found in other data.
fn is_mp3(b: &[u8]) -> bool {
    let Some(len) = mp3_frame_len(b) else {
        return false;
    };
    match b.get(len..) {
        Some(next) if next.len() >= 3 => mp3_frame_len(next).is_some(),
        // The stream ends within the first frame, or the second header is cut off.
        _ => true,
    }
}

fn printable(b: &[u8]) -> String {
    let text: String = b
        .iter()
        .map(|&c| match c {
            b' ' => " ".to_owned(),
            c if c.is_ascii_graphic() && c != b'"' && c != b'\\' => char::from(c).to_string(),
            c => format!("\\x{c:02x}"),
        })
        .collect();
    format!("\"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sniffed(b: &[u8]) -> Result<Found, DecodeError> {
        sniff(&mut Cursor::new(b))
    }

    #[test]
    fn magic_bytes_decide() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.resize(44, 0);
        assert_eq!(sniffed(&wav).unwrap().container, Container::Wav);
        assert_eq!(
            sniffed(b"fLaC\0\0\0\x22").unwrap().container,
            Container::Flac
        );
        assert_eq!(
            sniffed(b"OggS\0\x02").unwrap().container,
            Container::OggOpus
        );
        // RIFF that is not WAVE (AVI) is not taken for WAV.
        assert!(matches!(
            sniffed(b"RIFF\0\0\0\0AVI LIST"),
            Err(DecodeError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn mp3_needs_a_second_frame_where_the_first_says() {
        // MPEG-2 Layer III, 64 kbit/s, 24 kHz: 72 × 64000 / 24000 = 192 bytes a frame.
        let header = [0xff, 0xf3, 0x84, 0xc4];
        assert_eq!(mp3_frame_len(&header), Some(192));
        let mut two = vec![0u8; 192 + 4];
        two[..4].copy_from_slice(&header);
        two[192..].copy_from_slice(&header);
        assert_eq!(sniffed(&two).unwrap().container, Container::Mp3);
        // The same header with something else where the next frame should be: raw
        // PCM that happens to start with 0xfff3 is not MP3.
        two[192] = 0x12;
        let e = sniffed(&two).unwrap_err();
        assert!(matches!(e, DecodeError::UnknownFormat { .. }), "{e}");
        assert!(e.to_string().contains("raw PCM"), "{e}");
    }

    #[test]
    fn id3v2_tag_is_skipped() {
        let header = [0xff, 0xf3, 0x84, 0xc4];
        let mut b = b"ID3\x04\x00\x00\x00\x00\x01\x00".to_vec(); // 128-byte body
        b.resize(10 + 128, 0);
        b.extend_from_slice(&header);
        b.resize(10 + 128 + 192, 0);
        b.extend_from_slice(&header);
        let found = sniffed(&b).unwrap();
        assert_eq!((found.container, found.start), (Container::Mp3, 138));
        // A tag in front of no audio.
        assert!(sniffed(&b[..140]).is_err());
    }

    #[test]
    fn unknown_bytes_are_named_in_the_error() {
        let e = sniffed(b"hello\x00world, this is text").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(r#""hello\x00world,""#), "{msg}");
        assert!(msg.contains("WAV, FLAC, MP3, Ogg Opus"), "{msg}");
        assert!(matches!(sniffed(b""), Err(DecodeError::Empty)));
    }
}
