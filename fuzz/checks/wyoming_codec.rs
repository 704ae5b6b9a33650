//! Wyoming codec and event parser: any bytes, fed whole or in pieces, decode to the
//! same frames (or the same first error) without panicking; every event we parse
//! re-encodes to bytes that decode back to the same frame.

use bytes::BytesMut;
use kokorod::wyoming::{Event, Frame, Limits, WyomingCodec};
use tokio_util::codec::{Decoder, Encoder};

/// Small limits, so that the over-limit paths are reached and allocations stay small.
fn limits() -> Limits {
    Limits {
        max_header_len: 2048,
        max_data_len: 8192,
        max_payload_len: 8192,
        ..Limits::default()
    }
    .with_payload_limit("audio-chunk", 16384)
}

/// Decodes `input` delivered `stride` bytes at a time; stops at the first error.
fn decode(input: &[u8], stride: usize) -> (Vec<Frame>, bool) {
    let mut codec = WyomingCodec::new(limits());
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in input.chunks(stride.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => return (frames, false),
            Err(_) => return (frames, true),
        }
    }
}

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Some((&first, rest)) = input.split_first() else {
        return;
    };
    let (whole, whole_failed) = decode(rest, rest.len());
    let (pieces, pieces_failed) = decode(rest, usize::from(first % 17) + 1);
    assert_eq!(
        whole, pieces,
        "decoding must not depend on how bytes arrive"
    );
    assert_eq!(whole_failed, pieces_failed);

    for frame in whole {
        // Our own encoding of a frame decodes back to it.
        let mut wire = BytesMut::new();
        WyomingCodec::default().encode(&frame, &mut wire).unwrap();
        let mut codec = WyomingCodec::default();
        let again = codec.decode_eof(&mut wire).unwrap().expect("one frame");
        assert_eq!(again, frame);

        // A frame that parses as an event survives the round trip through our writer.
        if let Ok(event) = Event::try_from(frame) {
            let kind = event.kind().to_owned();
            let mut wire = BytesMut::new();
            WyomingCodec::default().encode(event, &mut wire).unwrap();
            let back = WyomingCodec::default()
                .decode_eof(&mut wire)
                .unwrap()
                .expect("one frame");
            assert_eq!(back.kind, kind);
            Event::try_from(back).expect("our own output parses");
        }
    }
}
