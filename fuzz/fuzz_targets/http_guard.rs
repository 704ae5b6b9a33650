//! libFuzzer over the check in fuzz/checks/http_guard.rs (shared with the seed replay in
//! `make test`).
#![no_main]

#[path = "../checks/http_guard.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|input: &[u8]| check::check(input));
