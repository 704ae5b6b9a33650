//! Bytes ⇄ frames: one JSON header line, an optional JSON data block, an optional payload.

use std::collections::HashMap;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::codec::{Decoder, Encoder};

use super::CodecError;

/// The `version` written in every header: the reference library release whose wire
/// format this implements and is tested against (the reference writes its own
/// package version there; no reader looks at it).
pub const PROTOCOL_VERSION: &str = "1.10.2";

/// One Wyoming message, before its data is given a type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    /// The event type, e.g. `synthesize`.
    pub kind: String,
    /// The event's data: inline `data` from the header merged with the data block.
    pub data: Map<String, Value>,
    /// Binary payload (raw PCM for audio chunks); `None` when absent or empty.
    pub payload: Option<Bytes>,
}

impl Frame {
    /// A frame with no data and no payload.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            data: Map::new(),
            payload: None,
        }
    }

    /// A frame with data and no payload.
    pub fn with_data(kind: impl Into<String>, data: Map<String, Value>) -> Self {
        Self {
            kind: kind.into(),
            data,
            payload: None,
        }
    }
}

/// Size limits applied while decoding (encoding is not limited: we trust our own output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest header line accepted, in bytes, not counting the `\n`. The reference
    /// reader (asyncio's default stream limit) accepts 64 KiB.
    pub max_header_len: usize,
    /// Longest data block accepted, in bytes.
    pub max_data_len: usize,
    /// Longest payload accepted for event types not listed in `payload_by_type`.
    pub max_payload_len: usize,
    /// Per-event-type payload allowances that replace `max_payload_len`.
    pub payload_by_type: HashMap<String, usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_len: 64 * 1024,
            max_data_len: 1024 * 1024,
            max_payload_len: 1024 * 1024,
            payload_by_type: HashMap::new(),
        }
    }
}

impl Limits {
    /// Allow payloads of up to `max` bytes for events of type `kind`.
    #[must_use]
    pub fn with_payload_limit(mut self, kind: impl Into<String>, max: usize) -> Self {
        self.payload_by_type.insert(kind.into(), max);
        self
    }

    /// The payload allowance for events of type `kind`.
    #[must_use]
    pub fn max_payload_for(&self, kind: &str) -> usize {
        self.payload_by_type
            .get(kind)
            .copied()
            .unwrap_or(self.max_payload_len)
    }
}

/// Where the decoder is within the current frame.
#[derive(Debug)]
enum State {
    /// Looking for the header's `\n`; bytes before `scanned` are known to hold none.
    Header { scanned: usize },
    /// Header consumed; waiting for `data_len + payload_len` more bytes.
    Body {
        kind: String,
        inline: Map<String, Value>,
        data_len: usize,
        payload_len: usize,
    },
}

/// tokio-util codec for Wyoming frames, with size limits on input.
///
/// Incomplete input yields `Ok(None)`; invalid input yields a [`CodecError`] after
/// which the caller closes the connection (the decoder does not resynchronize).
#[derive(Debug)]
pub struct WyomingCodec {
    limits: Limits,
    state: State,
}

impl Default for WyomingCodec {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl WyomingCodec {
    /// A codec with the given decoding limits.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: State::Header { scanned: 0 },
        }
    }

    /// The decoding limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parse a header line (without its `\n`) into the body state.
    fn parse_header(&self, line: &[u8]) -> Result<State, CodecError> {
        let text = std::str::from_utf8(line).map_err(|_| CodecError::HeaderNotUtf8)?;
        let header: Value = serde_json::from_str(text).map_err(CodecError::HeaderJson)?;
        let Value::Object(mut header) = header else {
            return Err(CodecError::HeaderNotObject);
        };
        let Some(Value::String(kind)) = header.remove("type") else {
            return Err(CodecError::MissingType);
        };
        let data_len = length(&header, "data_length", &kind, self.limits.max_data_len)?;
        let max_payload = self.limits.max_payload_for(&kind);
        let payload_len = length(&header, "payload_length", &kind, max_payload)?;
        // Lenient like the reference: `data: null` is no data at all.
        let inline = match header.remove("data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(CodecError::DataNotObject { kind }),
        };
        Ok(State::Body {
            kind,
            inline,
            data_len,
            payload_len,
        })
    }
}

/// Read a length field: absent or null is 0; anything but a non-negative integer
/// within `max` is invalid.
fn length(
    header: &Map<String, Value>,
    field: &'static str,
    kind: &str,
    max: usize,
) -> Result<usize, CodecError> {
    let Some(value) = header.get(field).filter(|v| !v.is_null()) else {
        return Ok(0);
    };
    match value.as_u64() {
        Some(len) if len <= max as u64 => Ok(usize::try_from(len).unwrap_or(max)),
        Some(len) => Err(CodecError::TooLarge {
            field,
            kind: kind.to_owned(),
            len,
            max,
        }),
        None => {
            // Keep error texts short whatever the client sent.
            let mut shown = value.to_string();
            if shown.len() > 40 {
                let mut cut = 40;
                while !shown.is_char_boundary(cut) {
                    cut -= 1;
                }
                shown.truncate(cut);
                shown.push('…');
            }
            Err(CodecError::InvalidLength {
                field,
                value: shown,
            })
        }
    }
}

impl Decoder for WyomingCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        if let State::Header { scanned } = &mut self.state {
            // The newline may sit at index `max_header_len` at the latest.
            let window = buf.len().min(self.limits.max_header_len.saturating_add(1));
            let start = (*scanned).min(window);
            match buf[start..window].iter().position(|&b| b == b'\n') {
                Some(offset) => {
                    let line = buf.split_to(start + offset + 1);
                    self.state = self.parse_header(&line[..line.len() - 1])?;
                }
                None if window > self.limits.max_header_len => {
                    return Err(CodecError::HeaderTooLong {
                        max: self.limits.max_header_len,
                    });
                }
                None => {
                    *scanned = window;
                    return Ok(None);
                }
            }
        }

        let State::Body {
            data_len,
            payload_len,
            ..
        } = &self.state
        else {
            unreachable!("the header state either returned or moved to the body state");
        };
        let needed = data_len + payload_len;
        if buf.len() < needed {
            // Lengths are bounded by the limits, so this reservation is too.
            buf.reserve(needed - buf.len());
            return Ok(None);
        }
        let State::Body {
            kind,
            mut inline,
            data_len,
            payload_len,
        } = std::mem::replace(&mut self.state, State::Header { scanned: 0 })
        else {
            unreachable!("checked just above");
        };

        let data_block = buf.split_to(data_len);
        let payload = buf.split_to(payload_len);
        if data_len > 0 {
            let text = std::str::from_utf8(&data_block)
                .map_err(|_| CodecError::DataNotUtf8 { kind: kind.clone() })?;
            let block: Value =
                serde_json::from_str(text).map_err(|source| CodecError::DataJson {
                    kind: kind.clone(),
                    source,
                })?;
            let Value::Object(block) = block else {
                return Err(CodecError::DataNotObject { kind });
            };
            // The data block wins over inline data, as in the reference reader.
            inline.extend(block);
        }
        let payload = (payload_len > 0).then(|| payload.freeze());
        Ok(Some(Frame {
            kind,
            data: inline,
            payload,
        }))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        match self.state {
            State::Header { .. } if buf.is_empty() => Ok(None),
            State::Header { .. } => Err(CodecError::UnexpectedEof("header line without newline")),
            State::Body { .. } => Err(CodecError::UnexpectedEof("data or payload cut short")),
        }
    }
}

/// The header as written: field order as in the reference writer.
#[derive(Serialize)]
struct HeaderOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_length: Option<usize>,
}

impl Encoder<&Frame> for WyomingCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        // Data always goes in a block, never inline: the reference reader drops
        // header lines over 64 KiB. Empty data and payloads are left out, as the
        // reference writer does.
        let data = if frame.data.is_empty() {
            None
        } else {
            Some(serde_json::to_vec(&frame.data).map_err(CodecError::Encode)?)
        };
        let payload = frame.payload.as_ref().filter(|p| !p.is_empty());
        let header = serde_json::to_vec(&HeaderOut {
            kind: &frame.kind,
            version: PROTOCOL_VERSION,
            data_length: data.as_ref().map(Vec::len),
            payload_length: payload.map(Bytes::len),
        })
        .map_err(CodecError::Encode)?;

        let data_len = data.as_ref().map_or(0, Vec::len);
        let payload_len = payload.map_or(0, Bytes::len);
        dst.reserve(header.len() + 1 + data_len + payload_len);
        dst.put_slice(&header);
        dst.put_u8(b'\n');
        if let Some(data) = &data {
            dst.put_slice(data);
        }
        if let Some(payload) = payload {
            dst.put_slice(payload);
        }
        Ok(())
    }
}

impl Encoder<Frame> for WyomingCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode(&frame, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn decode_all(codec: &mut WyomingCodec, bytes: &[u8]) -> Result<Vec<Frame>, CodecError> {
        let mut buf = BytesMut::from(bytes);
        let mut frames = Vec::new();
        while let Some(frame) = codec.decode_eof(&mut buf)? {
            frames.push(frame);
        }
        Ok(frames)
    }

    fn decode_one(bytes: &[u8]) -> Result<Frame, CodecError> {
        let mut frames = decode_all(&mut WyomingCodec::default(), bytes)?;
        assert_eq!(frames.len(), 1, "expected exactly one frame");
        Ok(frames.remove(0))
    }

    fn encode(frame: &Frame) -> BytesMut {
        let mut dst = BytesMut::new();
        WyomingCodec::default().encode(frame, &mut dst).unwrap();
        dst
    }

    fn sample_frames() -> Vec<Frame> {
        vec![
            Frame::new("describe"),
            Frame::with_data(
                "synthesize",
                map(json!({"text": "Grüße, 世界 ✓\nline two", "voice": {"name": "af_heart"}})),
            ),
            Frame {
                kind: "audio-chunk".into(),
                data: map(json!({"rate": 24000, "width": 2, "channels": 1, "timestamp": 0})),
                payload: Some(Bytes::from_static(&[0, 1, 2, 255, b'\n', b'{'])),
            },
            Frame::with_data("audio-stop", map(json!({"timestamp": null}))),
        ]
    }

    /// Found by the `wyoming_codec` fuzz target: an integer beyond i64 in the data is
    /// read as a float, and without correctly rounded parsing the float we write back
    /// decodes to a neighbouring value, so a frame did not survive a round trip.
    #[test]
    fn huge_numbers_survive_a_round_trip() {
        let bytes = b"{\"type\":\"audio-chunk\",\"data\":{\"rate\":-99900000400752841041379326,\"width\":1e-320,\"x\":1.7976931348623157e308},\"payload_length\":4}\n\x01\x02\x03\x04";
        let frame = decode_one(bytes).unwrap();
        let again = decode_one(&encode(&frame)).unwrap();
        assert_eq!(again, frame);
    }

    #[test]
    fn header_is_written_like_the_reference() {
        let bytes = encode(&Frame::new("describe"));
        assert_eq!(
            &bytes[..],
            b"{\"type\":\"describe\",\"version\":\"1.10.2\"}\n"
        );

        let frame = Frame {
            kind: "audio-chunk".into(),
            data: map(json!({"rate": 24000})),
            payload: Some(Bytes::from_static(b"\x01\x02\x03")),
        };
        let bytes = encode(&frame);
        let expected = b"{\"type\":\"audio-chunk\",\"version\":\"1.10.2\",\"data_length\":14,\"payload_length\":3}\n{\"rate\":24000}\x01\x02\x03";
        assert_eq!(&bytes[..], &expected[..]);
    }

    #[test]
    fn empty_payload_is_not_written() {
        let frame = Frame {
            payload: Some(Bytes::new()),
            ..Frame::new("audio-chunk")
        };
        let bytes = encode(&frame);
        assert!(!String::from_utf8_lossy(&bytes).contains("payload_length"));
        assert_eq!(decode_one(&bytes).unwrap(), Frame::new("audio-chunk"));
    }

    #[test]
    fn data_is_never_inline_even_when_large() {
        let text = "x".repeat(200 * 1024);
        let frame = Frame::with_data("synthesize", map(json!({ "text": text })));
        let bytes = encode(&frame);
        let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
        assert!(newline < 100, "header line stays short");
        let limits = Limits {
            max_data_len: 1024 * 1024,
            ..Limits::default()
        };
        let mut frames = decode_all(&mut WyomingCodec::new(limits), &bytes).unwrap();
        assert_eq!(frames.pop().unwrap(), frame);
    }

    #[test]
    fn round_trip_several_frames_in_one_buffer() {
        let frames = sample_frames();
        let mut bytes = BytesMut::new();
        let mut codec = WyomingCodec::default();
        for frame in &frames {
            codec.encode(frame, &mut bytes).unwrap();
        }
        let decoded = decode_all(&mut codec, &bytes).unwrap();
        assert_eq!(decoded, frames);
    }

    #[test]
    fn split_reads_byte_by_byte() {
        let frames = sample_frames();
        let mut wire = BytesMut::new();
        let mut codec = WyomingCodec::default();
        for frame in &frames {
            codec.encode(frame, &mut wire).unwrap();
        }
        let mut buf = BytesMut::new();
        let mut decoded = Vec::new();
        for &byte in wire.iter() {
            buf.put_u8(byte);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                decoded.push(frame);
            }
        }
        assert!(buf.is_empty());
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
        assert_eq!(decoded, frames);
    }

    #[test]
    fn incomplete_input_waits_and_remembers_where_it_searched() {
        let mut codec = WyomingCodec::default();
        let mut buf = BytesMut::from(&b"{\"type\":\"ping\""[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(matches!(codec.state, State::Header { scanned: 14 }));
        buf.put_slice(b",\"data_length\":2}\n{");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(matches!(codec.state, State::Body { data_len: 2, .. }));
        buf.put_slice(b"}");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Frame::new("ping")));
        assert!(buf.is_empty());
    }

    #[test]
    fn inline_data_is_merged_under_the_block() {
        let block = br#"{"text":"from block","extra":1}"#;
        let wire = format!(
            "{{\"type\":\"synthesize\",\"data\":{{\"text\":\"inline\",\"voice\":{{\"name\":\"v\"}}}},\"data_length\":{}}}\n",
            block.len()
        );
        let mut bytes = wire.into_bytes();
        bytes.extend_from_slice(block);
        let frame = decode_one(&bytes).unwrap();
        assert_eq!(
            Value::Object(frame.data),
            json!({"text": "from block", "voice": {"name": "v"}, "extra": 1})
        );
    }

    #[test]
    fn inline_data_alone_and_null_data_are_accepted() {
        let frame = decode_one(b"{\"type\":\"ping\",\"data\":{\"text\":\"hi\"}}\n").unwrap();
        assert_eq!(Value::Object(frame.data), json!({"text": "hi"}));
        let frame = decode_one(
            b"{\"type\":\"ping\",\"data\":null,\"data_length\":null,\"payload_length\":0}\n",
        )
        .unwrap();
        assert_eq!(frame, Frame::new("ping"));
    }

    #[test]
    fn crlf_line_ending_and_extra_header_fields_are_accepted() {
        let frame = decode_one(b"{\"type\":\"describe\",\"version\":\"9\",\"x\":[1]}\r\n").unwrap();
        assert_eq!(frame, Frame::new("describe"));
    }

    /// A header line of exactly `len` bytes (without the newline).
    fn header_of_len(len: usize) -> Vec<u8> {
        let prefix = b"{\"type\":\"describe\",\"pad\":\"";
        let suffix = b"\"}";
        let mut line = prefix.to_vec();
        line.resize(len - suffix.len(), b'a');
        line.extend_from_slice(suffix);
        assert_eq!(line.len(), len);
        line
    }

    #[test]
    fn header_of_exactly_64_kib_is_accepted() {
        let mut bytes = header_of_len(64 * 1024);
        bytes.push(b'\n');
        assert_eq!(decode_one(&bytes).unwrap().kind, "describe");
    }

    #[test]
    fn header_over_64_kib_is_rejected_without_waiting_for_the_newline() {
        let bytes = header_of_len(64 * 1024 + 1);
        let mut codec = WyomingCodec::default();
        let mut buf = BytesMut::from(&bytes[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(CodecError::HeaderTooLong { max: 65536 })
        ));
        // Same when it arrives in pieces, and when the newline follows right after.
        let mut codec = WyomingCodec::default();
        let mut buf = BytesMut::new();
        let mut result = Ok(None);
        for piece in bytes.chunks(1000) {
            buf.put_slice(piece);
            result = codec.decode(&mut buf);
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(CodecError::HeaderTooLong { .. })));
        let mut with_newline = bytes.clone();
        with_newline.push(b'\n');
        assert!(matches!(
            decode_one(&with_newline),
            Err(CodecError::HeaderTooLong { .. })
        ));
    }

    #[test]
    fn a_ten_megabyte_line_fails_early() {
        let mut codec = WyomingCodec::default();
        let mut buf = BytesMut::new();
        let chunk = vec![b'a'; 8192];
        let mut fed = 0;
        loop {
            buf.put_slice(&chunk);
            fed += chunk.len();
            match codec.decode(&mut buf) {
                Ok(None) => assert!(fed < 10 * 1024 * 1024),
                Err(CodecError::HeaderTooLong { .. }) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(fed <= 64 * 1024 + 8192);
    }

    #[test]
    fn configurable_header_limit() {
        let limits = Limits {
            max_header_len: 20,
            ..Limits::default()
        };
        let ok = b"{\"type\":\"describe\"}\n"; // 19 bytes + newline
        assert!(decode_all(&mut WyomingCodec::new(limits.clone()), ok).is_ok());
        let too_long = b"{\"type\":\"describe\"}   \n";
        assert!(matches!(
            decode_all(&mut WyomingCodec::new(limits), too_long),
            Err(CodecError::HeaderTooLong { max: 20 })
        ));
    }

    fn invalid(bytes: &[u8]) -> CodecError {
        match decode_all(&mut WyomingCodec::default(), bytes) {
            Err(error) => error,
            Ok(frames) => panic!("accepted invalid input: {frames:?}"),
        }
    }

    #[test]
    fn invalid_headers() {
        assert!(matches!(invalid(b"not json\n"), CodecError::HeaderJson(_)));
        assert!(matches!(invalid(b"\n"), CodecError::HeaderJson(_)));
        assert!(matches!(
            invalid(b"{\"type\":\"ping\"\n"),
            CodecError::HeaderJson(_)
        ));
        assert!(matches!(
            invalid(b"[\"type\"]\n"),
            CodecError::HeaderNotObject
        ));
        assert!(matches!(
            invalid(b"\"ping\"\n"),
            CodecError::HeaderNotObject
        ));
        assert!(matches!(invalid(b"{}\n"), CodecError::MissingType));
        assert!(matches!(
            invalid(b"{\"type\":null}\n"),
            CodecError::MissingType
        ));
        assert!(matches!(
            invalid(b"{\"type\":7}\n"),
            CodecError::MissingType
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"p\xffng\"}\n"),
            CodecError::HeaderNotUtf8
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"ping\",\"data\":[1]}\n"),
            CodecError::DataNotObject { .. }
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"ping\",\"data\":\"text\"}\n"),
            CodecError::DataNotObject { .. }
        ));
    }

    #[test]
    fn invalid_lengths() {
        for field in ["data_length", "payload_length"] {
            for value in [
                "-1",
                "1.5",
                "2.0",
                "\"5\"",
                "true",
                "[]",
                "{}",
                "1e30",
                "99999999999999999999999",
            ] {
                let line = format!("{{\"type\":\"x\",\"{field}\":{value}}}\n");
                match invalid(line.as_bytes()) {
                    CodecError::InvalidLength { field: f, .. } => assert_eq!(f, field),
                    other => panic!("{field}={value}: {other:?}"),
                }
            }
        }
        let long = format!(
            "{{\"type\":\"x\",\"data_length\":\"{}\"}}\n",
            "9".repeat(1000)
        );
        let error = invalid(long.as_bytes());
        assert!(error.to_string().len() < 120, "{error}");
    }

    #[test]
    fn lengths_over_the_limits() {
        let huge = b"{\"type\":\"x\",\"data_length\":18446744073709551615}\n";
        assert!(matches!(
            invalid(huge),
            CodecError::TooLarge {
                field: "data_length",
                len: u64::MAX,
                ..
            }
        ));
        let data = b"{\"type\":\"x\",\"data_length\":1048577}\n";
        assert!(matches!(
            invalid(data),
            CodecError::TooLarge {
                field: "data_length",
                ..
            }
        ));
        let payload = b"{\"type\":\"x\",\"payload_length\":1048577}\n";
        assert!(matches!(
            invalid(payload),
            CodecError::TooLarge {
                field: "payload_length",
                ..
            }
        ));
    }

    #[test]
    fn payload_exactly_at_the_limit_and_over_it() {
        let limit = 1024 * 1024;
        let mut bytes =
            format!("{{\"type\":\"audio-chunk\",\"payload_length\":{limit}}}\n").into_bytes();
        bytes.resize(bytes.len() + limit, 7);
        let frame = decode_one(&bytes).unwrap();
        assert_eq!(frame.payload.unwrap().len(), limit);

        let over = format!(
            "{{\"type\":\"audio-chunk\",\"payload_length\":{}}}\n",
            limit + 1
        );
        assert!(matches!(
            invalid(over.as_bytes()),
            CodecError::TooLarge { field: "payload_length", len, max, .. } if len == limit as u64 + 1 && max == limit
        ));
    }

    #[test]
    fn data_exactly_at_the_limit() {
        let limits = Limits {
            max_data_len: 16,
            ..Limits::default()
        };
        let data = br#"{"text":"abcde"}"#; // 16 bytes
        let mut bytes = b"{\"type\":\"x\",\"data_length\":16}\n".to_vec();
        bytes.extend_from_slice(data);
        assert!(decode_all(&mut WyomingCodec::new(limits.clone()), &bytes).is_ok());
        let over = b"{\"type\":\"x\",\"data_length\":17}\n";
        assert!(matches!(
            decode_all(&mut WyomingCodec::new(limits), over),
            Err(CodecError::TooLarge {
                field: "data_length",
                len: 17,
                max: 16,
                ..
            })
        ));
    }

    #[test]
    fn per_type_payload_allowance() {
        let limits = Limits::default()
            .with_payload_limit("synthesize", 0)
            .with_payload_limit("audio-chunk", 4 * 1024 * 1024);
        assert_eq!(limits.max_payload_for("synthesize"), 0);
        assert_eq!(limits.max_payload_for("audio-chunk"), 4 * 1024 * 1024);
        assert_eq!(limits.max_payload_for("ping"), 1024 * 1024);
        let mut codec = WyomingCodec::new(limits);
        let refused = b"{\"type\":\"synthesize\",\"payload_length\":1}\nx";
        assert!(matches!(
            decode_all(&mut codec, refused),
            Err(CodecError::TooLarge {
                field: "payload_length",
                max: 0,
                ..
            })
        ));
        let limits = Limits::default().with_payload_limit("synthesize", 0);
        let mut codec = WyomingCodec::new(limits);
        let fine = b"{\"type\":\"synthesize\",\"payload_length\":0}\n";
        assert_eq!(decode_all(&mut codec, fine).unwrap().len(), 1);
    }

    #[test]
    fn invalid_data_blocks() {
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"data_length\":3}\n[1]"),
            CodecError::DataNotObject { .. }
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"data_length\":4}\nnull"),
            CodecError::DataNotObject { .. }
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"data_length\":3}\n{no"),
            CodecError::DataJson { .. }
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"data_length\":4}\n\"\xc3\x28\""),
            CodecError::DataNotUtf8 { .. }
        ));
    }

    #[test]
    fn eof_mid_frame_is_an_error() {
        assert!(matches!(
            invalid(b"{\"type\":\"describe\"}"),
            CodecError::UnexpectedEof("header line without newline")
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"data_length\":10}\n{}"),
            CodecError::UnexpectedEof("data or payload cut short")
        ));
        assert!(matches!(
            invalid(b"{\"type\":\"x\",\"payload_length\":10}\n"),
            CodecError::UnexpectedEof("data or payload cut short")
        ));
        // A clean EOF between frames is not.
        let frames =
            decode_all(&mut WyomingCodec::default(), b"{\"type\":\"describe\"}\n").unwrap();
        assert_eq!(frames.len(), 1);
        assert!(decode_all(&mut WyomingCodec::default(), b"")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn error_texts_are_clear() {
        let error = invalid(b"{\"type\":\"x\",\"payload_length\":-5}\n");
        assert_eq!(
            error.to_string(),
            "`payload_length` must be a non-negative integer, got -5"
        );
        let error = invalid(b"{\"type\":\"x\",\"data_length\":2000000}\n");
        assert_eq!(
            error.to_string(),
            "`data_length` of 2000000 bytes for `x` exceeds the limit of 1048576 bytes"
        );
    }

    #[tokio::test]
    async fn works_with_framed_over_a_duplex_stream() {
        use futures::{SinkExt, StreamExt};
        use tokio_util::codec::Framed;

        let (client, server) = tokio::io::duplex(64);
        let mut client = Framed::new(client, WyomingCodec::default());
        let mut server = Framed::new(server, WyomingCodec::default());
        let frames = sample_frames();
        let sent = frames.clone();
        let writer = tokio::spawn(async move {
            for frame in sent {
                client.send(frame).await.unwrap();
            }
        });
        let mut received = Vec::new();
        for _ in 0..frames.len() {
            received.push(server.next().await.unwrap().unwrap());
        }
        writer.await.unwrap();
        assert!(
            server.next().await.is_none(),
            "clean EOF after the client is dropped"
        );
        assert_eq!(received, frames);
    }
}
