//! Interop of the Wyoming codec with the reference Python library `wyoming` (1.10.x):
//! we decode what it writes, and its readers and `from_event` parsers accept what we write.
//!
//! Needs a python3 with the reference library (`pip install wyoming==1.10.2`);
//! `WYOMING_PYTHON` selects the interpreter (default `python3`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use bytes::{Bytes, BytesMut};
use kokorod::wyoming::{
    Attribution, AudioChunk, AudioStart, AudioStop, ErrorEvent, Event, Frame, Info, Pong,
    Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeVoice, TextFormat, TtsProgram,
    TtsVoice, TtsVoiceSpeaker, WyomingCodec,
};
use serde_json::{json, Value};
use tokio_util::codec::{Decoder, Encoder};

const INSTALL_HINT: &str = "this test needs the reference Wyoming library: \
    `pip install wyoming==1.10.2` (or point WYOMING_PYTHON at a python3 that has it)";

fn python() -> String {
    std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Run the helper script in `mode` with `input` on stdin; return its stdout.
fn run_script(mode: &str, input: &[u8]) -> Vec<u8> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/wyoming_codec_interop.py");
    let mut child = Command::new(python())
        .arg(&script)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}; {INSTALL_HINT}", python()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // Write from another thread: the script may fill its stdout before reading all of stdin.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .expect("wait for the python helper");
    // Check the exit status first: a helper that exits early breaks the stdin pipe.
    let written = writer.join().expect("stdin writer");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        panic!("{stderr}\n{INSTALL_HINT}");
    }
    assert!(
        output.status.success(),
        "python helper `{mode}` failed: {}\n{stderr}",
        output.status
    );
    written.expect("write to the python helper");
    output.stdout
}

/// Decode every frame, feeding the bytes `step` at a time.
fn decode_in_steps(bytes: &[u8], step: usize) -> Vec<Frame> {
    let mut codec = WyomingCodec::default();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in bytes.chunks(step) {
        buf.extend_from_slice(piece);
        while let Some(frame) = codec.decode(&mut buf).expect("valid frame") {
            frames.push(frame);
        }
    }
    while let Some(frame) = codec.decode_eof(&mut buf).expect("clean end") {
        frames.push(frame);
    }
    frames
}

#[test]
fn we_decode_what_the_reference_writes() {
    let wire = run_script("emit", b"");
    let frames = decode_in_steps(&wire, wire.len());
    assert_eq!(
        decode_in_steps(&wire, 7),
        frames,
        "split reads give the same frames"
    );
    let events: Vec<Event> = frames
        .into_iter()
        .map(|f| Event::try_from(f).expect("valid event"))
        .collect();
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            "describe",
            "synthesize",
            "synthesize",
            "synthesize-start",
            "synthesize-chunk",
            "synthesize-stop",
            "synthesize-stopped",
            "audio-start",
            "audio-chunk",
            "audio-chunk",
            "audio-stop",
            "error",
            "ping",
            "pong",
            "info",
            "select-program",
            "synthesize",
            "synthesize",
        ]
    );

    assert_eq!(events[0], Event::Describe);
    assert_eq!(
        events[1],
        Event::Synthesize(Synthesize {
            text: "Hello, wörld! ✓ 你好".into(),
            voice: Some(SynthesizeVoice {
                name: Some("af_heart".into()),
                language: None,
                speaker: Some("0".into()),
            }),
            text_format: Some(TextFormat::Ssml),
            context: None,
        })
    );
    let Event::Synthesize(long) = &events[2] else {
        unreachable!()
    };
    assert_eq!(long.text, "Long. ".repeat(20000));
    assert_eq!(
        events[3],
        Event::SynthesizeStart(SynthesizeStart {
            voice: Some(SynthesizeVoice {
                language: Some("en-GB".into()),
                ..Default::default()
            }),
            text_format: None,
            context: Some(json!({"conversation": 7})),
        })
    );
    assert_eq!(
        events[4],
        Event::SynthesizeChunk(SynthesizeChunk {
            text: "Hello ".into()
        })
    );
    assert_eq!(
        events[7],
        Event::AudioStart(AudioStart {
            rate: 22050,
            width: 2,
            channels: 1,
            timestamp: Some(0)
        })
    );
    let audio: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    assert_eq!(
        events[8],
        Event::AudioChunk(AudioChunk {
            rate: 22050,
            width: 2,
            channels: 1,
            timestamp: Some(123),
            audio: Bytes::from(audio),
        })
    );
    let Event::AudioChunk(empty) = &events[9] else {
        unreachable!()
    };
    assert!(empty.audio.is_empty());
    assert_eq!(events[10], Event::AudioStop(AudioStop { timestamp: None }));
    assert_eq!(
        events[11],
        Event::Error(ErrorEvent {
            text: "boom".into(),
            code: Some("oops".into())
        })
    );
    assert_eq!(events[12], Event::Ping(Default::default()));
    assert_eq!(
        events[13],
        Event::Pong(Pong {
            text: Some("pong text".into())
        })
    );

    let Event::Info(info) = &events[14] else {
        unreachable!()
    };
    let program = &info.tts[0];
    assert_eq!(program.name, "piper");
    assert!(program.installed && program.supports_synthesize_streaming);
    assert_eq!(program.attribution.url, "https://example.org/voices");
    assert_eq!(program.voices[0].languages, ["en_US"]);
    assert_eq!(
        program.voices[0].speakers,
        Some(vec![TtsVoiceSpeaker { name: "joe".into() }])
    );

    let Event::Unknown(select) = &events[15] else {
        unreachable!()
    };
    assert_eq!(
        Value::Object(select.data.clone()),
        json!({"name": "kokorod"})
    );

    let Event::Synthesize(inline) = &events[16] else {
        unreachable!()
    };
    assert_eq!(inline.text, "inline only");
    let Event::Synthesize(merged) = &events[17] else {
        unreachable!()
    };
    assert_eq!(merged.text, "from block");
    assert_eq!(
        merged.voice.as_ref().and_then(|v| v.name.as_deref()),
        Some("bf_emma")
    );
}

fn voice(name: &str, description: &str, language: &str) -> TtsVoice {
    TtsVoice {
        name: name.into(),
        description: Some(description.into()),
        attribution: Attribution {
            name: "hexgrad".into(),
            url: "https://huggingface.co/hexgrad/Kokoro-82M".into(),
        },
        installed: true,
        version: None,
        languages: vec![language.into()],
        speakers: None,
    }
}

fn our_info(voices: Vec<TtsVoice>) -> Info {
    Info {
        tts: vec![TtsProgram {
            name: "kokorod".into(),
            description: Some("Kokoro-82M text to speech".into()),
            attribution: Attribution {
                name: "hexgrad".into(),
                url: "https://huggingface.co/hexgrad/Kokoro-82M".into(),
            },
            installed: true,
            version: Some("0.1.0".into()),
            voices,
            supports_synthesize_streaming: true,
        }],
    }
}

#[test]
fn the_reference_reads_what_we_write() {
    let mut with_speakers = voice("af_heart", "Heart — américain", "en-US");
    with_speakers.speakers = Some(vec![TtsVoiceSpeaker { name: "0".into() }]);
    let small = our_info(vec![with_speakers, voice("ff_siwis", "Siwis", "fr-FR")]);
    // Over 64 KiB of data: must still reach a reader whose line limit is 64 KiB.
    let large = our_info(
        (0..600)
            .map(|i| {
                voice(
                    &format!("voice_{i:03}"),
                    &"a long description ".repeat(8),
                    "en-GB",
                )
            })
            .collect(),
    );
    let audio: Vec<u8> = (0..2048u32).map(|i| (i % 251) as u8).collect();
    let events = vec![
        Event::Info(small),
        Event::Info(large),
        Event::AudioStart(AudioStart {
            rate: 24000,
            width: 2,
            channels: 1,
            timestamp: Some(0),
        }),
        Event::AudioChunk(AudioChunk {
            rate: 24000,
            width: 2,
            channels: 1,
            timestamp: Some(0),
            audio: Bytes::from(audio.clone()),
        }),
        Event::AudioChunk(AudioChunk {
            rate: 24000,
            width: 2,
            channels: 1,
            timestamp: None,
            audio: Bytes::from_static(b"\n{\"type\":\"x\"}\n"),
        }),
        Event::AudioStop(AudioStop {
            timestamp: Some(42),
        }),
        Event::AudioStop(AudioStop { timestamp: None }),
        Event::Error(ErrorEvent {
            text: "unknown voice “xx”".into(),
            code: Some("voice-not-found".into()),
        }),
        Event::Error(ErrorEvent {
            text: "plain".into(),
            code: None,
        }),
        Event::Pong(Pong {
            text: Some("echo".into()),
        }),
        Event::Pong(Pong { text: None }),
        Event::SynthesizeStopped,
    ];
    let mut codec = WyomingCodec::default();
    let mut wire = BytesMut::new();
    for event in &events {
        codec.encode(event.clone(), &mut wire).unwrap();
    }
    assert!(
        wire.len() > 64 * 1024,
        "the large info really is over 64 KiB"
    );

    let summary: Value = serde_json::from_slice(&run_script("check", &wire)).expect("JSON summary");
    let version = summary["version"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("1.10."),
        "tested against wyoming 1.10.x, found {version}"
    );
    assert_eq!(
        summary["async"], summary["blocking"],
        "both reference readers agree"
    );
    let parsed = summary["async"].as_array().expect("list of events");
    assert_eq!(parsed.len(), events.len(), "every event read: {parsed:#?}");

    let program = &parsed[0]["tts"][0];
    assert_eq!(
        *program,
        json!({
            "name": "kokorod",
            "attribution": {"name": "hexgrad", "url": "https://huggingface.co/hexgrad/Kokoro-82M"},
            "installed": true,
            "description": "Kokoro-82M text to speech",
            "version": "0.1.0",
            "voices": [
                {
                    "name": "af_heart",
                    "attribution": {"name": "hexgrad", "url": "https://huggingface.co/hexgrad/Kokoro-82M"},
                    "installed": true,
                    "description": "Heart — américain",
                    "version": null,
                    "languages": ["en-US"],
                    "speakers": [{"name": "0"}]
                },
                {
                    "name": "ff_siwis",
                    "attribution": {"name": "hexgrad", "url": "https://huggingface.co/hexgrad/Kokoro-82M"},
                    "installed": true,
                    "description": "Siwis",
                    "version": null,
                    "languages": ["fr-FR"],
                    "speakers": null
                }
            ],
            "supports_synthesize_streaming": true
        })
    );
    let large_voices = parsed[1]["tts"][0]["voices"].as_array().expect("voices");
    assert_eq!(large_voices.len(), 600);
    assert_eq!(large_voices[599]["name"], "voice_599");

    assert_eq!(
        parsed[2],
        json!({"type": "audio-start", "rate": 24000, "width": 2, "channels": 1, "timestamp": 0})
    );
    let hex: String = audio.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        parsed[3],
        json!({"type": "audio-chunk", "rate": 24000, "width": 2, "channels": 1, "timestamp": 0,
               "audio_hex": hex, "samples": 1024})
    );
    assert_eq!(parsed[4]["audio_hex"], "0a7b2274797065223a2278227d0a");
    assert_eq!(parsed[4]["timestamp"], Value::Null);
    assert_eq!(parsed[5], json!({"type": "audio-stop", "timestamp": 42}));
    assert_eq!(parsed[6], json!({"type": "audio-stop", "timestamp": null}));
    assert_eq!(
        parsed[7],
        json!({"type": "error", "text": "unknown voice “xx”", "code": "voice-not-found"})
    );
    assert_eq!(
        parsed[8],
        json!({"type": "error", "text": "plain", "code": null})
    );
    assert_eq!(parsed[9], json!({"type": "pong", "text": "echo"}));
    assert_eq!(parsed[10], json!({"type": "pong", "text": null}));
    assert_eq!(parsed[11], json!({"type": "synthesize-stopped"}));
}
