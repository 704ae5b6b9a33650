//! Tests that need no model: the Wyoming and HTTP servers over a fake speech, the
//! Wyoming codec against the reference Python library, text to phonemes, language
//! guessing, the packaged configuration, and the fuzz targets' checks over their seeds.
//! One binary, so ort and espeak-ng are linked once.

#[path = "../support/mod.rs"]
mod support;

mod asian_phonemes;
mod assistant_text;
mod english_phonemes;
mod first_inference_priority;
mod fuzz_seeds;
mod http_api;
mod http_hostile_clients;
mod language_guess;
mod packaged_config;
mod romance_phonemes;
mod wyoming_codec_python;
mod wyoming_hostile_input;
mod wyoming_python_client;
mod wyoming_server;
