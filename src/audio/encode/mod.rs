//! Audio encoders for the HTTP API, one file per format behind one [`Encoder`] trait.
//! Every encoder is incremental: it takes 16-bit mono PCM piece by piece and returns
//! the bytes ready so far, so a response can start before the text is all spoken.
//! The codecs are libraries (libmp3lame, libopus, flacenc); only containers that are
//! plain byte layouts (WAV, Ogg pages through the `ogg` crate) are written here.

mod flac;
mod mp3;
mod opus;
mod pcm;
mod wav;

use std::fmt;
use std::str::FromStr;

/// An encoder failed (a library refused its input or settings).
#[derive(Debug, thiserror::Error)]
#[error("{format} encoder: {why}")]
pub struct EncodeError {
    /// Which format.
    pub format: Format,
    /// The library's reason.
    pub why: String,
}

impl EncodeError {
    fn new(format: Format, why: impl fmt::Display) -> Self {
        EncodeError {
            format,
            why: why.to_string(),
        }
    }
}

/// Turns PCM pieces into a byte stream of one format.
pub trait Encoder: Send {
    /// Encodes `pcm` (16-bit mono at the rate given at creation) and returns the bytes
    /// ready now; the first call also returns the container's header.
    fn push(&mut self, pcm: &[i16]) -> Result<Vec<u8>, EncodeError>;
    /// Flushes what the codec holds back and ends the stream.
    fn finish(&mut self) -> Result<Vec<u8>, EncodeError>;
}

/// The formats kokorod encodes (OpenAI's `response_format` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// MPEG-1/2 Layer III (libmp3lame), 64 kbit/s CBR.
    Mp3,
    /// Opus (libopus) in an Ogg container.
    Opus,
    /// FLAC (flacenc), 16-bit.
    Flac,
    /// 16-bit PCM WAV.
    Wav,
    /// Raw 16-bit signed little-endian PCM.
    Pcm,
}

/// A `response_format` kokorod cannot produce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("response_format {0:?} is not supported; supported formats: mp3, opus, flac, wav, pcm")]
pub struct UnsupportedFormat(pub String);

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 5] = [
        Format::Mp3,
        Format::Opus,
        Format::Flac,
        Format::Wav,
        Format::Pcm,
    ];

    /// The `response_format` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Opus => "opus",
            Format::Flac => "flac",
            Format::Wav => "wav",
            Format::Pcm => "pcm",
        }
    }

    /// The HTTP `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Mp3 => "audio/mpeg",
            Format::Opus => "audio/ogg; codecs=opus",
            Format::Flac => "audio/flac",
            Format::Wav => "audio/wav",
            Format::Pcm => "audio/pcm",
        }
    }

    /// A new encoder for mono audio at `rate`. `total_samples`, when known up front
    /// (a buffered response), goes into headers that have a length (WAV, FLAC).
    pub fn encoder(
        self,
        rate: u32,
        total_samples: Option<usize>,
    ) -> Result<Box<dyn Encoder>, EncodeError> {
        Ok(match self {
            Format::Mp3 => Box::new(mp3::Mp3Encoder::new(rate)?),
            Format::Opus => Box::new(opus::OggOpusEncoder::new(rate)?),
            Format::Flac => Box::new(flac::FlacEncoder::new(rate, total_samples)?),
            Format::Wav => Box::new(wav::WavEncoder::new(rate, total_samples)),
            Format::Pcm => Box::new(pcm::PcmEncoder),
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnsupportedFormat;

    fn from_str(s: &str) -> Result<Self, UnsupportedFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnsupportedFormat(s.chars().take(32).collect()))
    }
}

/// Encodes a whole signal in pieces of `piece` samples (for tests and buffered responses).
pub fn encode_all(
    format: Format,
    rate: u32,
    pcm: &[i16],
    piece: usize,
) -> Result<Vec<u8>, EncodeError> {
    let mut enc = format.encoder(rate, Some(pcm.len()))?;
    let mut out = Vec::new();
    for chunk in pcm.chunks(piece.max(1)) {
        out.extend(enc.push(chunk)?);
    }
    if pcm.is_empty() {
        out.extend(enc.push(&[])?);
    }
    out.extend(enc.finish()?);
    Ok(out)
}

#[cfg(test)]
pub(crate) mod test_signal {
    /// A 440 Hz tone of `n` samples at 24 kHz, at half scale.
    pub fn tone(n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                ((i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin() * 16_000.0) as i16
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert_eq!("MP3".parse::<Format>().unwrap(), Format::Mp3);
        let e = "aac".parse::<Format>().unwrap_err();
        assert!(e.to_string().contains("mp3, opus, flac, wav, pcm"), "{e}");
    }

    #[test]
    fn every_encoder_starts_with_its_header_and_emits_audio() {
        let pcm = test_signal::tone(24_000);
        for f in Format::ALL {
            let mut enc = f.encoder(24_000, None).unwrap();
            let first = enc.push(&pcm[..12_000]).unwrap();
            let magic: &[u8] = match f {
                Format::Mp3 => &[0xff],
                Format::Opus => b"OggS",
                Format::Flac => b"fLaC",
                Format::Wav => b"RIFF",
                Format::Pcm => &pcm[0].to_le_bytes(),
            };
            assert!(
                first.starts_with(magic),
                "{f}: starts {:?}",
                &first[..first.len().min(8)]
            );
            // Streaming: half a second of input already yields bytes.
            assert!(first.len() > 100, "{f}: {} bytes after 0.5 s", first.len());
            let rest = enc.push(&pcm[12_000..]).unwrap();
            let tail = enc.finish().unwrap();
            assert!(first.len() + rest.len() + tail.len() > 1000, "{f}");
        }
    }
}
