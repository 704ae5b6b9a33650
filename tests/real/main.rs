//! Tests against the real model in this process, all on one engine loaded once (see
//! `support::model`): speech, voices, SSML, the response cache, the pipeline's piece
//! order, and the Wyoming and HTTP servers driven by Rust and by reference Python
//! clients.

#[path = "../support/mod.rs"]
mod support;

mod daemon_in_process;
mod every_voice;
mod first_audio_order;
mod graph_cache;
mod home_assistant;
mod hostile_requests;
mod http_guard;
mod intelligibility;
mod litetts_stream;
mod openai_client;
mod pieces_and_cache;
mod speak;
mod ssml;
mod streamed_ssml;
mod streamed_text;
mod voice_by_text;
mod watermark_reference;
mod watermark_roundtrip;
mod web_page;
mod wyoming_server;
