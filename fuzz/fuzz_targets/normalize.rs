//! libFuzzer over the check in fuzz/checks/normalize.rs (shared with the seed replay in
//! `make test`).
#![no_main]

#[path = "../checks/normalize.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|input: &[u8]| check::check(input));
