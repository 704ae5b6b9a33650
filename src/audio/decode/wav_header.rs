//! The WAV header, looked at before symphonia reads it: its format checked, and data
//! sizes that overrun the file patched.
//!
//! The `fmt ` chunk's channels, rate and sample width are checked against our bounds,
//! and only the encodings the PCM decoder reads (integer PCM, float, A-law, µ-law,
//! extensible) are let through: absurd values there overflow arithmetic in the reader
//! (a panic where overflow checks are on), and an encoding we have no decoder for
//! would only fail later.
//!
//! A streamed WAV (ours, OpenAI's, ffmpeg's) is written before its length is known, so
//! its RIFF and data sizes are placeholders near 4 GiB; a WAV cut short says more than
//! it holds. Either way the data chunk is taken to end where the file does: the header
//! handed to the reader is a copy with that size, followed by the untouched rest.

use super::{Container, DecodeError, Source, MAX_CHANNELS, MAX_RATE};
use std::io::{Cursor, Read, SeekFrom};
use symphonia::core::io::{MediaSourceStream, ReadOnlySource};

/// Chunks walked before `data` (fmt, fact, LIST, …: a handful in practice).
const MAX_CHUNKS: usize = 64;
/// A header copied for patching is at most this long (chunks before `data` included).
const MAX_HEADER: u64 = 1 << 20;
/// Widest sample, in bits (64-bit float).
const MAX_BITS: u16 = 64;

/// Format tags the PCM decoder reads: PCM, IEEE float, A-law, µ-law, extensible.
const TAGS: [u16; 5] = [0x0001, 0x0003, 0x0006, 0x0007, 0xfffe];

/// Where the chunks that matter start (their header) and the size they state.
#[derive(Default)]
struct Chunks {
    /// Every `fmt ` chunk: the reader parses each one it meets.
    fmt: Vec<(u64, u32)>,
    data: Option<(u64, u32)>,
}

/// The WAV stream to decode: its format checked, its sizes patched when they overrun the
/// `len` bytes there are.
pub fn source<'s>(
    mut src: impl Source + 's,
    len: u64,
) -> Result<MediaSourceStream<'s>, DecodeError> {
    let chunks = walk(&mut src).map_err(DecodeError::Io)?;
    for &(at, size) in &chunks.fmt {
        check_format(&mut src, at, size)?;
    }
    let patch = chunks
        .data
        .filter(|&(at, size)| at + 8 + u64::from(size) > len && at + 8 <= MAX_HEADER);
    src.seek(SeekFrom::Start(0)).map_err(DecodeError::Io)?;
    let Some((at, _)) = patch else {
        return Ok(super::symph::plain_source(src));
    };
    let mut head = vec![0u8; (at + 8) as usize];
    src.read_exact(&mut head).map_err(DecodeError::Io)?;
    // The RIFF size "unknown" (all ones, as ffmpeg writes it) lets the reader take the
    // data chunk to the end; the data size becomes what the file holds.
    head[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let data = u32::try_from(len.saturating_sub(at + 8)).unwrap_or(u32::MAX - 1);
    head[at as usize + 4..].copy_from_slice(&data.to_le_bytes());
    let stream = Cursor::new(head).chain(src);
    Ok(MediaSourceStream::new(
        Box::new(ReadOnlySource::new(stream)),
        Default::default(),
    ))
}

/// The `fmt ` chunks and the `data` chunk among the first chunks (stops at `data`).
fn walk(src: &mut impl Source) -> std::io::Result<Chunks> {
    let mut found = Chunks::default();
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        src.seek(SeekFrom::Start(at))?;
        let mut h = [0u8; 8];
        if src.read_exact(&mut h).is_err() {
            break;
        }
        let size = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        match &h[..4] {
            b"fmt " => found.fmt.push((at, size)),
            b"data" => {
                found.data = Some((at, size));
                break;
            }
            _ => {}
        }
        // Chunks are padded to even sizes.
        at += 8 + u64::from(size) + u64::from(size & 1);
    }
    Ok(found)
}

/// Refuses a `fmt ` chunk outside our bounds (a short one is left to the reader).
fn check_format(src: &mut impl Source, at: u64, size: u32) -> Result<(), DecodeError> {
    const FORMAT: Container = Container::Wav;
    if size < 16 {
        return Ok(());
    }
    src.seek(SeekFrom::Start(at + 8)).map_err(DecodeError::Io)?;
    let mut f = [0u8; 16];
    if src.read_exact(&mut f).is_err() {
        return Ok(());
    }
    let u16_at = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
    let tag = u16_at(0);
    let channels = usize::from(u16_at(2));
    let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
    let bits = u16_at(14);
    if !TAGS.contains(&tag) {
        return Err(DecodeError::Unsupported {
            format: FORMAT,
            what: format!(
                "format tag {tag:#06x} (readable: PCM, IEEE float, A-law, µ-law, extensible)"
            ),
        });
    }
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(DecodeError::BadChannels {
            format: FORMAT,
            channels,
        });
    }
    if rate == 0 || rate > MAX_RATE {
        return Err(DecodeError::BadRate {
            format: FORMAT,
            rate,
        });
    }
    if bits == 0 || bits > MAX_BITS {
        return Err(DecodeError::Unsupported {
            format: FORMAT,
            what: format!("{bits} bits per sample"),
        });
    }
    Ok(())
}
