//! The Wyoming protocol: bytes ⇄ frames (`codec`) and frames ⇄ typed events (`event`).
//!
//! The wire format follows the reference Python library `wyoming` 1.10.x, which
//! Home Assistant uses. A message is one JSON header line ending in `\n`
//! (`{"type", "version", "data_length"?, "payload_length"?}`), then `data_length`
//! bytes of UTF-8 JSON data (an object), then `payload_length` bytes of payload.
//! Readers must also accept `data` inline in the header; this crate never writes it
//! there, because the reference reader gives up on header lines over 64 KiB.
//!
//! This layer knows nothing about text-to-speech: it only moves events.

mod codec;
mod event;

pub use codec::{Frame, Limits, WyomingCodec, PROTOCOL_VERSION};
pub use event::{
    Attribution, AudioChunk, AudioStart, AudioStop, ErrorEvent, Event, Info, Ping, Pong,
    Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeVoice, TextFormat, TtsProgram,
    TtsVoice, TtsVoiceSpeaker,
};

/// A stream of bytes that is not a valid Wyoming frame; the connection must be closed.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Reading from or writing to the connection failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// No `\n` within the allowed header length.
    #[error("header line is longer than {max} bytes")]
    HeaderTooLong {
        /// The limit that was exceeded, in bytes (without the newline).
        max: usize,
    },
    /// The header line is not valid UTF-8.
    #[error("header line is not valid UTF-8")]
    HeaderNotUtf8,
    /// The header line is not valid JSON.
    #[error("header line is not valid JSON: {0}")]
    HeaderJson(#[source] serde_json::Error),
    /// The header is JSON but not an object.
    #[error("header is not a JSON object")]
    HeaderNotObject,
    /// The header has no `type`, or it is not a string.
    #[error("header has no string `type`")]
    MissingType,
    /// `data_length` or `payload_length` is negative, fractional or not a number.
    #[error("`{field}` must be a non-negative integer, got {value}")]
    InvalidLength {
        /// `data_length` or `payload_length`.
        field: &'static str,
        /// The offending JSON value, as text.
        value: String,
    },
    /// `data_length` or `payload_length` is above the configured limit.
    #[error("`{field}` of {len} bytes for `{kind}` exceeds the limit of {max} bytes")]
    TooLarge {
        /// `data_length` or `payload_length`.
        field: &'static str,
        /// The event type.
        kind: String,
        /// The announced length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// Inline `data` in the header or the data block is not a JSON object.
    #[error("data of `{kind}` is not a JSON object")]
    DataNotObject {
        /// The event type.
        kind: String,
    },
    /// The data block is not valid UTF-8.
    #[error("data of `{kind}` is not valid UTF-8")]
    DataNotUtf8 {
        /// The event type.
        kind: String,
    },
    /// The data block is not valid JSON.
    #[error("data of `{kind}` is not valid JSON: {source}")]
    DataJson {
        /// The event type.
        kind: String,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The peer closed the connection in the middle of a frame.
    #[error("connection closed in the middle of a frame ({0})")]
    UnexpectedEof(&'static str),
    /// Serializing an outgoing frame failed (should not happen for JSON objects).
    #[error("cannot serialize frame: {0}")]
    Encode(#[source] serde_json::Error),
}

/// A well-framed event whose data does not fit its type; the connection stays usable.
#[derive(Debug, thiserror::Error)]
#[error("invalid `{kind}` event: {source}")]
pub struct EventError {
    /// The event type.
    pub kind: String,
    /// What was wrong with the data (missing or mistyped field).
    #[source]
    pub source: serde_json::Error,
}
