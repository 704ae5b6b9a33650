//! libFuzzer over the check in fuzz/checks/audio_decode.rs (shared with the seed replay in
//! `make test`).
#![no_main]

#[path = "../checks/audio_decode.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|input: &[u8]| check::check(input));
