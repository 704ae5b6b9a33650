//! libFuzzer over the check in fuzz/checks/voice_mix.rs (shared with the seed replay in
//! `make test`).
#![no_main]

#[path = "../checks/voice_mix.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|input: &[u8]| check::check(input));
