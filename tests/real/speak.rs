//! The engine against the real Kokoro model: audio that is real, deterministic and
//! complete, voice mixing, long inputs, and clear errors for bad requests.

use futures::StreamExt;
use kokorod::engine::{InferRequest, Priority, SAMPLE_RATE};
use kokorod::speech::{SpeakRequest, Speech, SpeechError, VoiceChoice};
use kokorod::text::{self, Lang, Phonemizer};

use crate::support::model;
use crate::support::model::{pieces, rms, speech};
use crate::support::rt;

fn say(req: SpeakRequest) -> Result<Vec<i16>, SpeechError> {
    Ok(rt().block_on(pieces(speech().as_ref(), req))?.concat())
}

fn say_text(t: &str) -> Vec<i16> {
    say(SpeakRequest::text(t)).unwrap_or_else(|e| panic!("{t:?}: {e}"))
}

fn voice(name: &str, t: &str) -> SpeakRequest {
    SpeakRequest {
        voice: VoiceChoice {
            name: Some(name.into()),
            language: None,
        },
        ..SpeakRequest::text(t)
    }
}

#[test]
fn a_sentence_is_real_audio_that_grows_with_the_text() {
    let short = say_text("The lights are on.");
    let long = say_text(
        "The lights in the kitchen and in the living room are on, and the front door is locked.",
    );
    let secs = |s: &[i16]| s.len() as f64 / SAMPLE_RATE as f64;
    // "The lights are on." is about 1.5 s of speech; nothing like silence or a click.
    assert!(
        (0.8..4.0).contains(&secs(&short)),
        "short: {:.2}s",
        secs(&short)
    );
    assert!(
        secs(&long) > 2.0 * secs(&short),
        "long {:.2}s vs short {:.2}s",
        secs(&long),
        secs(&short)
    );
    assert!(rms(&short) > 0.02, "rms {}", rms(&short));
    assert!(rms(&long) > 0.02, "rms {}", rms(&long));
}

#[test]
fn identical_input_gives_identical_samples() {
    let a = say_text("Good morning, it is sunny today.");
    let b = say_text("Good morning, it is sunny today.");
    assert_eq!(a, b);
}

#[test]
fn a_voice_mixed_with_itself_equals_the_voice() {
    let plain = say(voice("af_heart", "Mixing voices.")).unwrap();
    let mixed = say(voice("af_heart(2)+af_heart(1)", "Mixing voices.")).unwrap();
    assert_eq!(plain, mixed);
    let other = say(voice("af_heart+am_adam", "Mixing voices.")).unwrap();
    assert_ne!(plain, other, "a real mix must change the voice");
}

#[test]
fn british_voices_speak_british() {
    let us = Phonemizer::new(Lang::EnUs)
        .unwrap()
        .phonemize("tomato")
        .unwrap();
    let gb = Phonemizer::new(Lang::EnGb)
        .unwrap()
        .phonemize("tomato")
        .unwrap();
    assert_ne!(us, gb);
    let audio = say(voice("bf_emma", "Shall we have a cup of tea?")).unwrap();
    assert!(rms(&audio) > 0.02);
}

#[test]
fn input_over_510_tokens_yields_audio_for_all_of_it() {
    // One "sentence" with no punctuation, far over one inference's 510 tokens.
    let words =
        "the quick brown fox jumps over the lazy dog and runs far away into the green forest ";
    let text = words.repeat(8);
    let ph = Phonemizer::new(Lang::EnUs)
        .unwrap()
        .phonemize(&text)
        .unwrap();
    let n_tokens = text::tokenize(&ph).len();
    assert!(n_tokens > 510, "{n_tokens} tokens");
    let audio = say_text(&text);
    let once = say_text(words);
    // All eight repetitions are spoken: about eight times as long as one (±30 %).
    let ratio = audio.len() as f64 / once.len() as f64;
    assert!((5.6..10.4).contains(&ratio), "ratio {ratio:.2}");
}

#[test]
fn the_engine_refuses_what_the_model_cannot_take() {
    let e = model::engine();
    let style = model::voices().resolve("af_heart").unwrap().style;
    let too_long = InferRequest {
        tokens: vec![50; 511],
        style: style.clone(),
        speed: 1.0,
        priority: Priority::Rest,
        due: None,
    };
    assert!(e
        .infer_blocking(too_long)
        .unwrap_err()
        .to_string()
        .contains("510"));
    let empty = InferRequest {
        tokens: vec![],
        style,
        speed: 1.0,
        priority: Priority::First,
        due: None,
    };
    assert!(e.infer_blocking(empty).is_err());
}

#[test]
fn bad_requests_get_clear_errors() {
    let code = |r: SpeakRequest| say(r).unwrap_err();
    let e = code(SpeakRequest::text(""));
    assert_eq!(e.code(), "empty-text", "{e}");
    let e = code(SpeakRequest::text("?!... ,;"));
    assert_eq!(e.code(), "empty-text", "{e}");
    let e = code(SpeakRequest::text("🎉🎉 🙂"));
    assert_eq!(e.code(), "empty-text", "{e}");
    let e = code(voice("af_hart", "Hello."));
    assert_eq!(e.code(), "unknown-voice");
    assert!(
        e.to_string().contains("af_heart"),
        "suggests a near name: {e}"
    );
    for speed in [0.1, 2.5, f32::NAN] {
        let e = code(SpeakRequest {
            speed,
            ..SpeakRequest::text("Hello.")
        });
        assert_eq!(e.code(), "bad-speed", "{e}");
        assert!(e.to_string().contains("0.5 to 2.0"), "{e}");
    }
}

#[test]
fn a_hundred_kilobytes_of_text_is_refused_with_the_limit_named() {
    let text = "word ".repeat(25_000);
    let e = say(SpeakRequest::text(text)).unwrap_err();
    assert_eq!(e.code(), "text-too-long");
    assert!(e.to_string().contains("100000"), "{e}");
}

#[test]
fn audio_arrives_piece_by_piece() {
    let pieces: Vec<Vec<i16>> = rt().block_on(async {
        let s = speech()
            .speak(SpeakRequest::text(
                "First sentence. Second sentence! Third one?",
            ))
            .unwrap();
        s.map(|p| p.unwrap()).collect().await
    });
    assert!(pieces.len() >= 3, "{} pieces", pieces.len());
    assert!(pieces.iter().all(|p| rms(p) > 0.01));
}
