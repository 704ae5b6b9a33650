//! kokorod: a local text-to-speech daemon built on the Kokoro-82M voice model.
//!
//! # Layout
//!
//! A request travels down this list: the front ends use `net`, `wyoming` and `speech`;
//! `speech` uses `text`, `engine` and `audio`; nothing from `speech` down knows a protocol.
//!
//! - [`daemon`] builds the running service from its settings — engine, speech pipeline,
//!   response cache, the Wyoming server and the HTTP API, the systemd side — and runs
//!   and reloads it. [`commands`] holds the other subcommands; `main.rs` only dispatches.
//! - [`net`]: what both front ends share — endpoints, listeners (TCP, Unix, systemd's
//!   sockets), the allow-list, one bounded accept loop and the two-step shutdown.
//! - [`server`] (Wyoming: a session per connection, a handler per event) and [`http`]
//!   (the OpenAI-compatible API): each supplies only its per-connection handler.
//! - [`wyoming`]: the protocol's framing and events, knowing nothing of speech;
//!   [`client`] is a small client of it.
//! - [`speech`]: the [`speech::Speech`] trait the front ends call — text to pieces to
//!   PCM — with the response cache, the swap for reloads and the one table of error codes.
//! - [`text`]: normalization, splitting, SSML, the lexicon, and the G2P back ends in
//!   [`text::g2p`].
//! - [`engine`]: the ONNX model on its own pinned threads behind a queue, and the voices.
//! - [`audio`]: PCM, edge trimming, WAV, the HTTP API's encoders, and the decoders that
//!   read those formats back.
//! - [`watermark`]: the Perth-compatible mark in what kokorod speaks, and its detector.
//! - [`system`] (systemd: notify, watchdog, socket activation, journald, logging),
//!   [`mdns`] (the `_wyoming._tcp` announcement), [`metrics`] (counters for `/metrics`).
//! - [`assets`] (finding, fetching and verifying the model, voices and ONNX Runtime),
//!   [`config`] and [`cli`] (settings from files, environment and flags), [`manpage`],
//!   [`error`] (printing an error with its causes).

pub mod assets;
pub mod audio;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod engine;
pub(crate) mod error;
pub mod http;
pub(crate) mod manpage;
pub(crate) mod mdns;
pub mod metrics;
pub mod net;
pub mod server;
pub mod speech;
pub mod system;
pub mod text;
pub mod watermark;
pub mod wyoming;
