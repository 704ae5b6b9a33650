//! kokorod: a local text-to-speech daemon built on the Kokoro-82M voice model.

pub mod assets;
pub mod audio;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod error;
pub mod http;
pub mod manpage;
pub mod mdns;
pub mod metrics;
pub mod net;
pub mod server;
pub mod speech;
pub mod system;
pub mod text;
pub mod wyoming;
