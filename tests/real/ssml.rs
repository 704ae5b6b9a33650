//! SSML and pronunciation overrides against the real Kokoro model: breaks are real
//! silence, `<phoneme>` and inline markup change what is said, `<lang>` switches the
//! phonemizer, `<prosody rate>` the speed, and the user lexicon applies.

use kokorod::engine::SAMPLE_RATE;
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech, SpeechError, TextFormat};
use kokorod::text::{Lang, Lexicon, Phonemizer};

use crate::support::model;
use crate::support::model::{pieces, rms, speech};
use crate::support::rt;

/// Every piece of the request's audio, in order.
fn pieces_of(s: &dyn Speech, req: SpeakRequest) -> Result<Vec<Vec<i16>>, SpeechError> {
    rt().block_on(pieces(s, req))
}

fn ssml(s: &str) -> SpeakRequest {
    SpeakRequest {
        format: TextFormat::Ssml,
        ..SpeakRequest::text(s)
    }
}

fn say(req: SpeakRequest) -> Vec<i16> {
    let text = req.text.clone();
    pieces_of(speech().as_ref(), req)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .concat()
}

/// The longest run of near-silent samples (below -50 dBFS): (start, length).
fn longest_quiet(s: &[i16]) -> (usize, usize) {
    let (mut best, mut start) = ((0, 0), 0);
    for (i, &x) in s.iter().enumerate() {
        if x.unsigned_abs() > 100 {
            start = i + 1;
        } else if i + 1 - start > best.1 {
            best = (start, i + 1 - start);
        }
    }
    best
}

#[test]
fn a_break_is_silence_of_its_length_between_the_sentences() {
    let first = say(ssml("<speak>Turn on the lights.</speak>"));
    let with = say(ssml(
        r#"<speak>Turn on the lights.<break time="500ms"/>Then lock the door.</speak>"#,
    ));
    let without = say(ssml(
        "<speak>Turn on the lights. Then lock the door.</speak>",
    ));
    let half_second = SAMPLE_RATE as usize / 2;
    assert!(
        with.len() >= without.len() + half_second,
        "{} vs {}",
        with.len(),
        without.len()
    );
    // The silence sits where the break is: right after the first sentence.
    assert!(with[first.len()..first.len() + half_second]
        .iter()
        .all(|&x| x == 0));
    let (at, len) = longest_quiet(&with);
    assert!(len >= half_second, "longest quiet stretch {len} samples");
    assert!(
        at <= first.len() && at + len >= first.len() + half_second,
        "quiet at {at}+{len}, first sentence ends at {}",
        first.len()
    );
    assert!(longest_quiet(&without).1 < len);
    // Both sentences are still spoken.
    assert!(rms(&with[..first.len()]) > 0.02 && rms(&with[first.len() + half_second..]) > 0.02);
}

#[test]
fn breaks_alone_and_strengths() {
    let pieces = pieces_of(
        speech().as_ref(),
        ssml(r#"<speak><break time="1s"/><break strength="x-weak"/></speak>"#),
    )
    .unwrap();
    // Adjacent breaks add up, in pieces of at most a second (bounded buffers).
    assert_eq!(
        pieces.iter().map(Vec::len).collect::<Vec<_>>(),
        [SAMPLE_RATE as usize, SAMPLE_RATE as usize / 10]
    );
    assert!(pieces.iter().flatten().all(|&x| x == 0));
}

#[test]
fn a_phoneme_element_changes_what_is_said_as_inline_markup_does() {
    let plain = say(ssml("<speak>Say hello.</speak>"));
    let ipa = say(ssml(
        r#"<speak>Say <phoneme alphabet="ipa" ph="ˈtɛst">hello</phoneme>.</speak>"#,
    ));
    assert_ne!(plain, ipa);
    assert!(rms(&ipa) > 0.02);
    // The same phonemes given as misaki markup in plain text: the same audio.
    let markup = say(SpeakRequest::text("Say [hello](/tˈɛst/)."));
    assert_eq!(ipa, markup);
    let kokoro = say(ssml(
        r#"<speak>Say <phoneme alphabet="x-kokoro" ph="tˈɛst">hello</phoneme>.</speak>"#,
    ));
    assert_eq!(ipa, kokoro);
}

#[test]
fn lang_switches_to_the_british_phonemizer() {
    let gb = Phonemizer::new(Lang::EnGb)
        .unwrap()
        .phonemize("tomato")
        .unwrap();
    let us = Phonemizer::new(Lang::EnUs)
        .unwrap()
        .phonemize("tomato")
        .unwrap();
    assert_ne!(gb, us);
    // af_heart (American) reading a British passage.
    let switched = say(ssml(
        r#"<speak>tomato <lang xml:lang="en-GB">tomato</lang></speak>"#,
    ));
    let expected = say(ssml(&format!(
        r#"<speak><phoneme alphabet="x-kokoro" ph="{us}">tomato</phoneme> <lang xml:lang="en-GB"><phoneme alphabet="x-kokoro" ph="{gb}">tomato</phoneme></lang></speak>"#
    )));
    assert_eq!(switched, expected);
    let american = say(ssml(r#"<speak>tomato tomato</speak>"#));
    assert_ne!(switched, american);
    // A language kokorod cannot speak is a clear error before any audio.
    let e = pieces_of(
        speech().as_ref(),
        ssml(r#"<speak>Hallo <lang xml:lang="de-DE">Welt</lang></speak>"#),
    )
    .unwrap_err();
    assert_eq!(e.code(), "bad-ssml");
    assert!(e.message().contains("de-DE"), "{}", e.message());
}

#[test]
fn prosody_rate_changes_the_speed() {
    let normal = say(ssml("<speak>The kitchen lights are on.</speak>"));
    let slow = say(ssml(
        r#"<speak><prosody rate="x-slow">The kitchen lights are on.</prosody></speak>"#,
    ));
    let fast = say(ssml(
        r#"<speak><prosody rate="200%">The kitchen lights are on.</prosody></speak>"#,
    ));
    let r = |a: &[i16]| a.len() as f64 / normal.len() as f64;
    assert!(r(&slow) > 1.3, "x-slow is {:.2}× as long", r(&slow));
    assert!(r(&fast) < 0.75, "200% is {:.2}× as long", r(&fast));
    // The request's speed and the rate multiply, clamped to the model's 0.5–2.0.
    let fastest = say(SpeakRequest {
        speed: 2.0,
        ..ssml(r#"<speak><prosody rate="x-fast">The kitchen lights are on.</prosody></speak>"#)
    });
    assert_eq!(
        fastest,
        say(SpeakRequest {
            speed: 2.0,
            ..ssml("<speak>The kitchen lights are on.</speak>")
        })
    );
}

#[test]
fn say_as_and_sub_are_read_as_words() {
    assert_eq!(
        say(ssml(
            r#"<speak>Plug in the <say-as interpret-as="characters">USB</say-as> cable, <sub alias="number">No.</sub> <say-as interpret-as="cardinal">42</say-as>.</speak>"#
        )),
        say(SpeakRequest::text(
            "Plug in the U S B cable, number forty-two."
        ))
    );
}

#[test]
fn malformed_ssml_is_refused_with_its_position() {
    let e = pieces_of(
        speech().as_ref(),
        ssml("<speak>\n  Hello <break time=\"1s\">\n</speak>"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "bad-ssml");
    let message = e.message();
    assert!(
        message.contains("line 3, column 1") && message.contains("expected </break>"),
        "{message}"
    );
    let e = pieces_of(speech().as_ref(), ssml("<speak><break/></speak>"));
    assert!(e.is_ok(), "a document of silence is fine");
    let e = pieces_of(speech().as_ref(), ssml("<speak> <!-- nothing --> </speak>")).unwrap_err();
    assert_eq!(e.code(), "empty-text");
}

#[test]
fn the_user_lexicon_is_applied() {
    let mut lex = Lexicon::new();
    lex.insert("en-us", "Kokoro", "kˈOkəɹO").unwrap();
    let with_lexicon = KokoroSpeech::new(model::engine(), model::voices(), KokoroConfig::default())
        .unwrap()
        .with_lexicon(lex);
    let by_lexicon = pieces_of(&with_lexicon, SpeakRequest::text("Kokoro speaks."))
        .unwrap()
        .concat();
    let by_markup = say(SpeakRequest::text("[Kokoro](/kˈOkəɹO/) speaks."));
    assert_eq!(by_lexicon, by_markup);
    assert_ne!(by_lexicon, say(SpeakRequest::text("Kokoro speaks.")));
}
