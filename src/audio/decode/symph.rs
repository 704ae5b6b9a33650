//! WAV, FLAC and MP3 through symphonia: its reader for the container the sniffer found
//! (never a guess among all), its decoder for the codec, gapless trimming on.

use super::mono::Mono;
use super::{Container, DecodeError, Decoded, Source};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, ReadOnlySource};
use symphonia::default::formats::{FlacReader, MpaReader, WavReader};

/// Bad packets tolerated (skipped, as players do) before a stream counts as garbage.
const MAX_BAD_PACKETS: usize = 16;

/// The input as symphonia reads it, from where it stands.
pub fn plain_source<'s>(src: impl Source + 's) -> MediaSourceStream<'s> {
    MediaSourceStream::new(Box::new(ReadOnlySource::new(src)), Default::default())
}

pub fn decode(mss: MediaSourceStream<'_>, format: Container) -> Result<Decoded, DecodeError> {
    let malformed = |e: SymError| match e {
        SymError::Unsupported(what) => DecodeError::Unsupported {
            format,
            what: what.to_owned(),
        },
        e => DecodeError::malformed(format, e),
    };
    let opts = FormatOptions::default();
    let mut reader: Box<dyn FormatReader + '_> = match format {
        Container::Wav => Box::new(WavReader::try_new(mss, opts).map_err(malformed)?),
        Container::Flac => Box::new(FlacReader::try_new(mss, opts).map_err(malformed)?),
        Container::Mp3 => Box::new(MpaReader::try_new(mss, opts).map_err(malformed)?),
        Container::OggOpus => unreachable!("Ogg Opus is not read through symphonia"),
    };
    let track = reader
        .first_track(TrackType::Audio)
        .ok_or_else(|| DecodeError::Unsupported {
            format,
            what: "no audio track".into(),
        })?;
    let track_id = track.id;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(DecodeError::Unsupported {
            format,
            what: "no audio codec parameters".into(),
        });
    };
    let rate = params.sample_rate.unwrap_or(0);
    let channels = params.channels.as_ref().map_or(1, |c| c.count());
    let mut out = Mono::new(format, rate, channels)?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(malformed)?;

    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut bad = 0;
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // Cut short: what came before the cut is the audio.
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(malformed(e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                if buf.spec().rate() != out.rate() {
                    return Err(DecodeError::Unsupported {
                        format,
                        what: format!(
                            "sample rate changes from {} to {} Hz mid-stream",
                            out.rate(),
                            buf.spec().rate()
                        ),
                    });
                }
                let frames = buf.frames();
                buf.copy_to_vecs_planar::<f32>(&mut planes);
                out.push_planar(&planes, frames)?;
            }
            Err(SymError::DecodeError(_)) if bad < MAX_BAD_PACKETS => bad += 1,
            Err(e) => return Err(malformed(e)),
        }
    }
    Ok(out.finish())
}
