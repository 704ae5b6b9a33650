//! Audio in: reads back every format the HTTP API writes (WAV, streaming WAV, FLAC, MP3,
//! Ogg Opus) into mono f32, for tools that inspect audio (the watermark detector).
//! The format is told from the content, never from a file name. WAV, FLAC and MP3 go
//! through symphonia; Ogg Opus through the `ogg` crate and libopus (the same libraries
//! that write it). Hostile input gets a [`DecodeError`]: a header that lies about its
//! lengths, rates or channels, bytes that are no audio, or audio longer than
//! [`MAX_SECONDS`] (memory stays bounded by that).
//!
//! A stream cut short decodes up to the cut, as players do (a download that stopped
//! early is still audio); one cut inside its headers is an error.

mod mono;
mod opus;
mod sniff;
mod symph;
mod wav_header;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub use sniff::Container;

/// Longest audio decoded; longer input is refused rather than held in memory.
pub const MAX_SECONDS: u32 = 3600;
/// Highest sample rate accepted (rates above it are taken for a corrupt header).
pub const MAX_RATE: u32 = 384_000;
/// Most samples kept, whatever the rate: [`MAX_SECONDS`] at 48 kHz (691 MB of f32).
/// Above 48 kHz the time limit shrinks with it, so that a small file of highly
/// compressible frames claiming a high rate cannot ask for gigabytes.
pub const MAX_SAMPLES: usize = MAX_SECONDS as usize * 48_000;
/// Most channels accepted (they are averaged into one).
pub const MAX_CHANNELS: usize = 255;

/// Decoded audio: mono (channels averaged), samples within −1..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub samples: Vec<f32>,
    pub rate: u32,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a file or buffer could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be opened or read.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Reading failed midway (an I/O error, not the format's fault).
    #[error("read error")]
    Io(#[source] io::Error),
    /// Nothing to decode.
    #[error("empty input: no audio")]
    Empty,
    /// The bytes are none of the formats read here.
    #[error(
        "not a recognised audio format (starts with {head}); readable formats: WAV, FLAC, \
         MP3, Ogg Opus (raw PCM has no header to recognise it by: wrap it in WAV)"
    )]
    UnknownFormat {
        /// The first bytes, printable.
        head: String,
    },
    /// A known container holding something not read here (a codec, a layout).
    #[error("{format}: unsupported: {what}")]
    Unsupported { format: Container, what: String },
    /// The stream is damaged or lies about itself.
    #[error("{format}: malformed stream")]
    Malformed {
        format: Container,
        #[source]
        source: BoxError,
    },
    /// A sample rate of zero or beyond [`MAX_RATE`].
    #[error("{format}: sample rate {rate} Hz is out of range (1..={MAX_RATE} Hz)")]
    BadRate { format: Container, rate: u32 },
    /// No channels, or more than [`MAX_CHANNELS`].
    #[error("{format}: {channels} channels is out of range (1..={MAX_CHANNELS})")]
    BadChannels { format: Container, channels: usize },
    /// Longer than [`MAX_SECONDS`] (or [`MAX_SAMPLES`] above 48 kHz).
    #[error("{format}: audio longer than the limit of {seconds} s at {rate} Hz")]
    TooLong {
        format: Container,
        seconds: u32,
        rate: u32,
    },
}

impl DecodeError {
    fn malformed(format: Container, source: impl Into<BoxError>) -> Self {
        DecodeError::Malformed {
            format,
            source: source.into(),
        }
    }
}

/// Decodes the audio file at `path` (read as it is decoded, not loaded whole).
pub fn decode_file(path: &Path) -> Result<Decoded, DecodeError> {
    let read_err = |source| DecodeError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    decode_from(io::BufReader::new(file), len).map_err(|e| match e {
        DecodeError::Io(source) => read_err(source),
        e => e,
    })
}

/// Decodes audio held in memory.
pub fn decode_bytes(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode_from(io::Cursor::new(bytes), bytes.len() as u64)
}

/// What every format's reader gets: a seekable source of `len` bytes.
trait Source: Read + Seek + Send + Sync {}
impl<T: Read + Seek + Send + Sync> Source for T {}

fn decode_from<'s>(mut src: impl Source + 's, len: u64) -> Result<Decoded, DecodeError> {
    if len == 0 {
        return Err(DecodeError::Empty);
    }
    let found = sniff::sniff(&mut src)?;
    src.seek(SeekFrom::Start(found.start))
        .map_err(DecodeError::Io)?;
    match found.container {
        Container::OggOpus => opus::decode(src),
        Container::Wav => symph::decode(wav_header::source(src, len)?, found.container),
        Container::Flac | Container::Mp3 => {
            symph::decode(symph::plain_source(src), found.container)
        }
    }
}

#[cfg(test)]
mod tests;
