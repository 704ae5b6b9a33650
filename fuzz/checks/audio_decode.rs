//! Audio decoding (WAV, FLAC, MP3, Ogg Opus, sniffed from the bytes): any input gives
//! bounded mono audio or a typed error, never a panic.

use kokorod::audio::decode::{decode_bytes, MAX_RATE, MAX_SAMPLES};

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    match decode_bytes(input) {
        Ok(d) => {
            assert!((1..=MAX_RATE).contains(&d.rate), "rate {}", d.rate);
            assert!(d.samples.len() <= MAX_SAMPLES);
            assert!(d.samples.iter().all(|s| (-1.0..=1.0).contains(s)));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
