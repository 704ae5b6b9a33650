//! Is the speech intelligible? An offline recognizer nobody here wrote (PocketSphinx
//! from PyPI, with its bundled US-English model) transcribes what kokorod says, and the
//! word error rate must be low — while reversed audio, the negative control, must fail.
//! Needs `pip install pocketsphinx==5.1.1 numpy` (the `make test` venv has them);
//! `KOKOROD_PYTHON` picks the interpreter.

use kokorod::speech::{SpeakRequest, VoiceChoice};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::model;
use crate::support::rt;

const SENTENCES: &[&str] = &[
    "Turn on the kitchen lights.",
    "The temperature is twenty one degrees.",
    "Good morning, the front door is locked.",
    "Please close the garage door.",
    "It is going to rain tomorrow afternoon.",
    "Set a timer for ten minutes.",
];

fn synth(voice: &str, text: &str) -> Vec<i16> {
    let req = SpeakRequest {
        voice: VoiceChoice {
            name: Some(voice.into()),
            language: None,
        },
        ..SpeakRequest::text(text)
    };
    rt().block_on(model::pieces(model::speech().as_ref(), req))
        .unwrap()
        .concat()
}

/// Word error rate of `wav` against `reference`, from the recognizer.
fn wer(wav: &Path, reference: &str) -> (f64, String) {
    let python = std::env::var("KOKOROD_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/asr_transcribe.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(wav)
        .arg("--ref")
        .arg(reference)
        .output()
        .expect("run python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "recognizer failed ({}): {stderr}\n(needs `pip install pocketsphinx==5.1.1 numpy`; `make test` sets up a venv)", out.status);
    let w = stderr
        .split_whitespace()
        .find_map(|t| t.strip_prefix("wer="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no wer in {stderr}"));
    (w, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn write(dir: &Path, name: &str, samples: &[i16]) -> PathBuf {
    let p = dir.join(name);
    kokorod::audio::write_wav(std::fs::File::create(&p).unwrap(), 24_000, samples).unwrap();
    p
}

#[test]
fn speech_is_understood_by_a_recognizer() {
    let dir = tempfile::tempdir().unwrap();
    for voice in ["af_heart", "am_michael"] {
        let mut total = 0.0;
        for (i, text) in SENTENCES.iter().enumerate() {
            let audio = synth(voice, text);
            let (w, heard) = wer(
                &write(dir.path(), &format!("{voice}-{i}.wav"), &audio),
                text,
            );
            eprintln!("{voice}: {text:?} heard {heard:?} wer={w:.2}");
            assert!(
                w <= 0.34,
                "{voice}: {text:?} was heard as {heard:?} (WER {w:.2})"
            );
            total += w;
        }
        let mean = total / SENTENCES.len() as f64;
        assert!(mean <= 0.2, "{voice}: mean WER {mean:.2}");
    }
}

#[test]
fn the_check_can_fail_reversed_speech_is_not_understood() {
    let dir = tempfile::tempdir().unwrap();
    let text = SENTENCES[1];
    let mut audio = synth("af_heart", text);
    audio.reverse();
    let (w, heard) = wer(&write(dir.path(), "reversed.wav", &audio), text);
    assert!(
        w >= 0.8,
        "reversed audio was understood as {heard:?} (WER {w:.2}): the check proves nothing"
    );
}
