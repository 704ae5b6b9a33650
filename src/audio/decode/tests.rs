//! Round trips through our own encoders (the bytes the HTTP API sends), WAV variants
//! from another writer (hound), and hostile input.

use super::*;
use crate::audio::encode::{encode_all, Format};
use std::f32::consts::TAU;

const RATE: u32 = 24_000;
const FREQ: f32 = 1000.0;

/// `n` samples of a 1 kHz tone at `amp` (of full scale), 24 kHz.
fn tone(n: usize, amp: f32) -> Vec<i16> {
    (0..n)
        .map(|i| ((i as f32 * FREQ * TAU / RATE as f32).sin() * amp * 32767.0).round() as i16)
        .collect()
}

/// The amplitude of the `freq` component of `x` (a one-bin DFT), and the RMS of `x`,
/// over its middle (codec onsets and tails left out).
fn level(x: &[f32], rate: u32, freq: f32) -> (f32, f32) {
    let edge = x.len() / 8;
    let mid = &x[edge..x.len() - edge];
    let w = freq * TAU / rate as f32;
    let (mut re, mut im, mut sq) = (0f64, 0f64, 0f64);
    for (i, &s) in mid.iter().enumerate() {
        let ph = (i as f32 * w) as f64;
        re += f64::from(s) * ph.cos();
        im += f64::from(s) * ph.sin();
        sq += f64::from(s) * f64::from(s);
    }
    let n = mid.len() as f64;
    (
        (2.0 * (re * re + im * im).sqrt() / n) as f32,
        (sq / n).sqrt() as f32,
    )
}

/// The tone is there at its level (within `tol`, a fraction), and little else is.
fn assert_tone_within(d: &Decoded, amp: f32, tol: f32, what: &str) {
    let (a, rms) = level(&d.samples, d.rate, FREQ);
    assert!(
        (a - amp).abs() < amp * tol,
        "{what}: 1 kHz at {a}, want {amp}"
    );
    let pure = amp / 2f32.sqrt();
    assert!(
        (rms - pure).abs() < pure * tol,
        "{what}: RMS {rms}, a pure tone has {pure}"
    );
}

fn assert_tone(d: &Decoded, amp: f32, what: &str) {
    assert_tone_within(d, amp, 0.03, what);
}

/// Correlation of `x` (at 24 kHz) with `y` sampled at `step` times the rate.
fn correlation(x: &[i16], y: &[f32], step: usize) -> f32 {
    let (mut xy, mut xx, mut yy) = (0f64, 0f64, 0f64);
    for (i, &a) in x.iter().enumerate() {
        let Some(&b) = y.get(i * step) else { break };
        let a = f64::from(a) / 32768.0;
        let b = f64::from(b);
        xy += a * b;
        xx += a * a;
        yy += b * b;
    }
    (xy / (xx * yy).sqrt()) as f32
}

fn encoded(f: Format, pcm: &[i16]) -> Vec<u8> {
    encode_all(f, RATE, pcm, 4801).unwrap()
}

/// The streaming form: the encoder is not told the length (WAV's header gets
/// placeholder sizes), pieces as the HTTP API sends them.
fn streamed(f: Format, pcm: &[i16]) -> Vec<u8> {
    let mut enc = f.encoder(RATE, None).unwrap();
    let mut out = Vec::new();
    for piece in pcm.chunks(4801) {
        out.extend(enc.push(piece).unwrap());
    }
    out.extend(enc.finish().unwrap());
    out
}

// 1.5 s and an odd remainder: no codec's block size divides it.
const N: usize = 36_017;

#[test]
fn wav_round_trip_is_exact() {
    let pcm = tone(N, 0.5);
    for (what, bytes) in [
        ("wav", encoded(Format::Wav, &pcm)),
        ("streaming wav", streamed(Format::Wav, &pcm)),
    ] {
        let d = decode_bytes(&bytes).unwrap();
        assert_eq!((d.rate, d.samples.len()), (RATE, N), "{what}");
        let back: Vec<i16> = d.samples.iter().map(|&s| (s * 32768.0) as i16).collect();
        assert_eq!(back, pcm, "{what}");
        assert_tone(&d, 0.5, what);
    }
}

#[test]
fn streaming_wav_header_is_what_the_http_api_writes() {
    let bytes = streamed(Format::Wav, &tone(100, 0.5));
    // Placeholder sizes near 4 GiB, more than the file holds.
    let data = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    assert!(data > 1 << 31, "{data}");
    // Cut mid-sample: whole samples only.
    let d = decode_bytes(&bytes[..44 + 2 * 60 + 1]).unwrap();
    assert_eq!(d.samples.len(), 60);
}

#[test]
fn flac_round_trip_is_exact() {
    let pcm = tone(N, 0.5);
    let d = decode_bytes(&encoded(Format::Flac, &pcm)).unwrap();
    assert_eq!((d.rate, d.samples.len()), (RATE, N));
    let back: Vec<i16> = d.samples.iter().map(|&s| (s * 32768.0) as i16).collect();
    assert_eq!(back, pcm);
    assert_tone(&d, 0.5, "flac");
}

#[test]
fn mp3_round_trip_keeps_the_tone() {
    let pcm = tone(N, 0.5);
    let d = decode_bytes(&encoded(Format::Mp3, &pcm)).unwrap();
    assert_eq!(d.rate, RATE);
    // No LAME tag (a stream cannot seek back to write one), so the encoder's delay and
    // final frame's padding stay: at most a few frames of 576 samples.
    assert!(
        (N..N + 4 * 576).contains(&d.samples.len()),
        "{} samples for {N}",
        d.samples.len()
    );
    // LAME at 64 kbit/s gives the tone back 5 % low (ffmpeg decodes the same level).
    assert_tone_within(&d, 0.5, 0.08, "mp3");
}

#[test]
fn opus_round_trip_is_trimmed_and_aligned() {
    let pcm = tone(N, 0.5);
    for (what, bytes) in [
        ("opus", encoded(Format::Opus, &pcm)),
        ("streamed opus", streamed(Format::Opus, &pcm)),
    ] {
        let d = decode_bytes(&bytes).unwrap();
        // 48 kHz; pre-skip dropped and padding trimmed: exactly the input's length.
        assert_eq!((d.rate, d.samples.len()), (48_000, 2 * N), "{what}");
        assert_tone(&d, 0.5, what);
        // Pre-skip honoured: the tone lines up with the input (6.5 ms of priming left
        // in would put a 1 kHz tone half a cycle out, a correlation near −1).
        let c = correlation(&pcm, &d.samples, 2);
        assert!(c > 0.9, "{what}: correlation {c}");
    }
}

/// Ogg's page checksum (CRC-32, polynomial 0x04c11db7, no reflection, zero start).
fn ogg_crc(page: &[u8]) -> u32 {
    page.iter().fold(0u32, |mut crc, &b| {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[test]
fn opus_output_gain_is_applied() {
    let mut bytes = encoded(Format::Opus, &tone(N, 0.25));
    // The first page holds OpusHead alone: header 27 bytes + 1 lacing byte, then the
    // packet, whose gain is at 16..18. +6.02 dB doubles the level.
    assert_eq!(&bytes[28..36], b"OpusHead");
    let gain = (6.0206f32 * 256.0).round() as i16;
    bytes[28 + 16..28 + 18].copy_from_slice(&gain.to_le_bytes());
    let page_len = 28 + usize::from(bytes[27]);
    bytes[22..26].fill(0);
    let crc = ogg_crc(&bytes[..page_len]);
    bytes[22..26].copy_from_slice(&crc.to_le_bytes());
    let d = decode_bytes(&bytes).unwrap();
    assert_tone(&d, 0.5, "opus with +6 dB gain");
}

fn hound_wav(spec: hound::WavSpec, frames: &[i16]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
    for &s in frames {
        for _ in 0..spec.channels {
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Float, _) => w.write_sample(f32::from(s) / 32768.0).unwrap(),
                (_, 24) => w.write_sample(i32::from(s) << 8).unwrap(),
                _ => w.write_sample(s).unwrap(),
            }
        }
    }
    w.finalize().unwrap();
    buf.into_inner()
}

#[test]
fn wav_variants_24_bit_float_extensible_multichannel() {
    let pcm = tone(4000, 0.5);
    let spec = |channels, bits, sample_format| hound::WavSpec {
        channels,
        sample_rate: RATE,
        bits_per_sample: bits,
        sample_format,
    };
    for (what, s) in [
        ("24-bit", spec(1, 24, hound::SampleFormat::Int)),
        ("float", spec(1, 32, hound::SampleFormat::Float)),
        ("stereo", spec(2, 16, hound::SampleFormat::Int)),
        ("6 channels", spec(6, 16, hound::SampleFormat::Int)),
    ] {
        let bytes = hound_wav(s, &pcm);
        let tag = u16::from_le_bytes(bytes[20..22].try_into().unwrap());
        let d =
            decode_bytes(&bytes).unwrap_or_else(|e| panic!("{what} (format tag {tag:#x}): {e}"));
        assert_eq!((d.rate, d.samples.len()), (RATE, pcm.len()), "{what}");
        let back: Vec<i16> = d
            .samples
            .iter()
            .map(|&s| (s * 32768.0).round() as i16)
            .collect();
        assert_eq!(back, pcm, "{what}");
    }
    // hound writes WAVE_FORMAT_EXTENSIBLE past 16 bits or 2 channels: both kinds of
    // header were read above.
    let tags: Vec<u16> = [
        spec(1, 24, hound::SampleFormat::Int),
        spec(1, 16, hound::SampleFormat::Int),
    ]
    .into_iter()
    .map(|s| {
        let b = hound_wav(s, &pcm[..10]);
        u16::from_le_bytes(b[20..22].try_into().unwrap())
    })
    .collect();
    assert_eq!(tags, [0xfffe, 1]);
}

#[test]
fn stereo_channels_are_averaged() {
    // Left the tone, right silent: half the level.
    let pcm = tone(4000, 0.5);
    let mut bytes = crate::audio::wav_header(RATE, Some(4000 * 4)).to_vec();
    bytes[22] = 2; // channels
    bytes[28..32].copy_from_slice(&(RATE * 4).to_le_bytes()); // byte rate
    bytes[32] = 4; // block align
    for &s in &pcm {
        bytes.extend_from_slice(&s.to_le_bytes());
        bytes.extend_from_slice(&0i16.to_le_bytes());
    }
    let d = decode_bytes(&bytes).unwrap();
    assert_eq!(d.samples.len(), 4000);
    assert_tone(&d, 0.25, "stereo, one side silent");
}

#[test]
fn decode_file_reads_the_same_as_decode_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let pcm = tone(N, 0.5);
    for f in [Format::Wav, Format::Flac, Format::Mp3, Format::Opus] {
        let bytes = streamed(f, &pcm);
        let path = dir.path().join(format!("x.{}", f.name()));
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            decode_file(&path).unwrap(),
            decode_bytes(&bytes).unwrap(),
            "{f}"
        );
    }
    // The name does not matter: an MP3 called .wav is still MP3.
    let path = dir.path().join("mislabelled.wav");
    std::fs::write(&path, encoded(Format::Mp3, &pcm)).unwrap();
    assert_eq!(decode_file(&path).unwrap().rate, RATE);
    let missing = dir.path().join("missing.wav");
    let e = decode_file(&missing).unwrap_err();
    assert!(matches!(e, DecodeError::Read { .. }), "{e}");
    assert!(e.to_string().contains("missing.wav"), "{e}");
}

// Hostile input.

#[test]
fn empty_and_tiny_inputs() {
    assert!(matches!(decode_bytes(b""), Err(DecodeError::Empty)));
    assert!(matches!(
        decode_bytes(b"R"),
        Err(DecodeError::UnknownFormat { .. })
    ));
    // One sample is audio.
    let d = decode_bytes(&encoded(Format::Wav, &[1234])).unwrap();
    assert_eq!(d.samples.len(), 1);
    assert!((d.samples[0] - 1234.0 / 32768.0).abs() < 1e-6);
    for f in [Format::Flac, Format::Opus, Format::Mp3] {
        let d = decode_bytes(&encoded(f, &[1234])).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            d.samples.len() <= 2 * 576 + 1105,
            "{f}: {}",
            d.samples.len()
        );
    }
    // Empty but valid files (what the encoders write for no audio).
    for f in [Format::Wav, Format::Opus] {
        let d = decode_bytes(&encoded(f, &[])).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(d.samples.is_empty(), "{f}");
    }
    // symphonia's FLAC reader wants a first frame: a header alone reads as cut short.
    let e = decode_bytes(&encoded(Format::Flac, &[])).unwrap_err();
    assert!(matches!(e, DecodeError::Malformed { .. }), "{e}");
}

#[test]
fn raw_pcm_and_other_bytes_are_refused_by_name() {
    let raw = crate::audio::i16_to_le_bytes(&tone(4000, 0.5));
    let text = b"Hello, this is not audio at all.\n".repeat(20);
    for bytes in [raw, text, vec![0u8; 5000], vec![0xff; 5000]] {
        let e = decode_bytes(&bytes).unwrap_err();
        assert!(matches!(e, DecodeError::UnknownFormat { .. }), "{e}");
        assert!(e.to_string().contains("WAV, FLAC, MP3, Ogg Opus"), "{e}");
    }
    // Ogg, but Vorbis.
    let mut ogg = encoded(Format::Opus, &tone(100, 0.5));
    ogg[28..36].copy_from_slice(b"\x01vorbis\0");
    let e = decode_bytes(&ogg).unwrap_err();
    // Its checksum no longer matches, or (were it right) the codec is named.
    assert!(
        matches!(
            e,
            DecodeError::Malformed { .. } | DecodeError::Unsupported { .. }
        ),
        "{e}"
    );
}

#[test]
fn every_cut_of_every_format_decodes_or_errs() {
    let pcm = tone(6000, 0.5);
    for f in [Format::Wav, Format::Flac, Format::Mp3, Format::Opus] {
        let full = streamed(f, &pcm);
        let whole = decode_bytes(&full).unwrap().samples.len();
        // Every byte through the headers, then a spread of cuts through the audio.
        let cuts = (0..full.len().min(200)).chain((200..full.len()).step_by(97));
        for cut in cuts {
            match decode_bytes(&full[..cut]) {
                // A cut keeps at most what the whole has (Opus can give a bit more: the
                // end trim is on the last page, which the cut removed).
                Ok(d) => assert!(
                    d.samples.len() <= whole + 2 * 960,
                    "{f} cut at {cut}: {} > {whole}",
                    d.samples.len()
                ),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        // Cut inside the audio: the part before the cut is there.
        let d = decode_bytes(&full[..full.len() * 3 / 4]).unwrap();
        assert!(
            d.samples.len() > whole / 2,
            "{f}: {} of {whole}",
            d.samples.len()
        );
    }
}

#[test]
fn wav_headers_that_lie() {
    let pcm = tone(1000, 0.5);
    let wav = encoded(Format::Wav, &pcm);
    let patched = |at: usize, v: &[u8]| {
        let mut b = wav.clone();
        b[at..at + v.len()].copy_from_slice(v);
        decode_bytes(&b)
    };
    // A data size far beyond the file: the file's samples.
    assert_eq!(
        patched(40, &0x7fff_fff0u32.to_le_bytes())
            .unwrap()
            .samples
            .len(),
        1000
    );
    // Sample rates: none, absurd.
    for rate in [0u32, u32::MAX, MAX_RATE + 1] {
        let e = patched(24, &rate.to_le_bytes()).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::BadRate { .. } | DecodeError::Malformed { .. }
            ),
            "rate {rate}: {e}"
        );
    }
    // No channels; a chunk size that runs past everything.
    assert!(patched(22, &0u16.to_le_bytes()).is_err());
    assert!(patched(16, &u32::MAX.to_le_bytes()).is_err());
    // 16 bits per sample claimed as 7.
    assert!(patched(34, &7u16.to_le_bytes()).is_err());
}

#[test]
fn wav_fmt_chunks_outside_our_bounds_are_refused_before_the_reader() {
    let wav = encoded(Format::Wav, &tone(100, 0.5));
    let patched = |at: usize, v: &[u8]| {
        let mut b = wav.clone();
        b[at..at + v.len()].copy_from_slice(v);
        decode_bytes(&b)
    };
    // Found by fuzzing: 49,153 channels overflowed the reader's block-size arithmetic.
    let e = patched(22, &0xc001u16.to_le_bytes()).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::BadChannels {
                channels: 0xc001,
                ..
            }
        ),
        "{e}"
    );
    let e = patched(34, &0xfff0u16.to_le_bytes()).unwrap_err();
    assert!(e.to_string().contains("65520 bits per sample"), "{e}");
    // Found by fuzzing too: a second `fmt ` chunk, which the reader parses as well.
    let mut two = wav[..36].to_vec();
    two.extend_from_slice(&wav[12..20]);
    two.extend_from_slice(&wav[20..36]);
    two[36 + 8 + 2..36 + 8 + 4].copy_from_slice(&0xc011u16.to_le_bytes());
    two.extend_from_slice(&wav[36..]);
    let e = decode_bytes(&two).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::BadChannels {
                channels: 0xc011,
                ..
            }
        ),
        "{e}"
    );
    // ADPCM: no decoder here, said at once.
    let e = patched(20, &2u16.to_le_bytes()).unwrap_err();
    assert!(e.to_string().contains("format tag 0x0002"), "{e}");
    // Within our bound, the reader has its own: it maps WAV channels to speaker
    // positions, and 255 has no layout. Its error, not a panic.
    let mut b = crate::audio::wav_header(RATE, Some(255 * 2 * 10)).to_vec();
    b[22] = 255;
    b[32..34].copy_from_slice(&(255u16 * 2).to_le_bytes());
    b.resize(44 + 255 * 2 * 10, 0);
    let e = decode_bytes(&b).unwrap_err();
    assert!(matches!(e, DecodeError::Malformed { .. }), "{e}");
}

#[test]
fn flac_header_claiming_a_huge_length() {
    let pcm = tone(N, 0.5);
    let mut bytes = encoded(Format::Flac, &pcm);
    // STREAMINFO's total samples: the low 36 bits of bytes 21..26 (after `fLaC` and
    // the block header, offset 13 of the block's body).
    bytes[21] |= 0x0f;
    bytes[22..26].fill(0xff);
    let d = decode_bytes(&bytes).unwrap();
    assert_eq!(d.samples.len(), N);
}

#[test]
fn longer_than_the_limit_is_refused() {
    // At 1 Hz, the limit is MAX_SECONDS samples: one more is refused.
    let n = MAX_SECONDS as usize + 1;
    let wav = crate::audio::encode::Format::Wav
        .encoder(1, Some(n))
        .unwrap()
        .push(&vec![0; n])
        .unwrap();
    let e = decode_bytes(&wav).unwrap_err();
    assert!(matches!(e, DecodeError::TooLong { .. }), "{e}");
    let ok = Format::Wav
        .encoder(1, Some(n - 1))
        .unwrap()
        .push(&vec![0; n - 1])
        .unwrap();
    assert_eq!(decode_bytes(&ok).unwrap().samples.len(), n - 1);
}

#[test]
fn errors_chain_their_causes() {
    let mut bytes = encoded(Format::Flac, &tone(N, 0.5));
    // Break STREAMINFO's block sizes (minimum above maximum).
    bytes[8..12].copy_from_slice(&[0xff, 0xff, 0x00, 0x10]);
    let e = decode_bytes(&bytes).unwrap_err();
    let chain = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(chain[0].starts_with("FLAC"), "{chain:?}");
}
