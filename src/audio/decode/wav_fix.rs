//! WAV sizes that overrun the file. A streamed WAV (ours, OpenAI's, ffmpeg's) is
//! written before its length is known, so its RIFF and data sizes are placeholders
//! near 4 GiB; a WAV cut short says more than it holds. Either way the data chunk is
//! taken to end where the file does: the header handed to the WAV reader is a copy with
//! that size, followed by the untouched rest of the input.

use super::{DecodeError, Source};
use std::io::{Cursor, Read, SeekFrom};
use symphonia::core::io::{MediaSourceStream, ReadOnlySource};

/// Chunks walked before `data` (fmt, fact, LIST, …: a handful in practice).
const MAX_CHUNKS: usize = 64;
/// A header copied for patching is at most this long (chunks before `data` included).
const MAX_HEADER: u64 = 1 << 20;

/// The WAV stream to decode, its sizes patched when they overrun the `len` bytes there are.
pub fn source<'s>(
    mut src: impl Source + 's,
    len: u64,
) -> Result<MediaSourceStream<'s>, DecodeError> {
    let patch = data_chunk(&mut src)
        .map_err(DecodeError::Io)?
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
    let data = u32::try_from(len - at - 8).unwrap_or(u32::MAX - 1);
    head[at as usize + 4..].copy_from_slice(&data.to_le_bytes());
    let stream = Cursor::new(head).chain(src);
    Ok(MediaSourceStream::new(
        Box::new(ReadOnlySource::new(stream)),
        Default::default(),
    ))
}

/// Where the `data` chunk's header is and the size it states, if it is found among
/// the first chunks.
fn data_chunk(src: &mut impl Source) -> std::io::Result<Option<(u64, u32)>> {
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        src.seek(SeekFrom::Start(at))?;
        let mut h = [0u8; 8];
        if src.read_exact(&mut h).is_err() {
            return Ok(None);
        }
        let size = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        if &h[..4] == b"data" {
            return Ok(Some((at, size)));
        }
        // Chunks are padded to even sizes.
        at += 8 + u64::from(size) + u64::from(size & 1);
    }
    Ok(None)
}
