//! libFuzzer over the check in fuzz/checks/ssml.rs (shared with the seed replay in
//! `make test`).
#![no_main]

#[path = "../checks/ssml.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|input: &[u8]| check::check(input));
