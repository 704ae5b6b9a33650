//! Against the real model: every one of Kokoro v1.0's 54 voices speaks a
//! sentence in its own language, through the voice's own G2P.

use kokorod::engine::SAMPLE_RATE;
use kokorod::speech::{SpeakRequest, Speech, VoiceChoice};
use kokorod::text::{vocab, Lang, Phonemizer};
use std::collections::HashMap;

use crate::support::model::{pieces, rms, speech, voices};
use crate::support::rt;

/// A short everyday sentence per language (short: 54 of them run in one test).
fn sentence(lang: Lang) -> &'static str {
    match lang {
        Lang::EnUs => "The lights are on.",
        Lang::EnGb => "The day is mild.",
        Lang::Es => "Hoy hace sol.",
        Lang::Fr => "Il fait beau aujourd'hui.",
        Lang::Hi => "आज मौसम अच्छा है।",
        Lang::It => "Oggi fa bel tempo.",
        Lang::PtBr => "Hoje está bonito.",
        Lang::Ja => "今日はいい天気です。",
        Lang::Zh => "今天天气很好。",
    }
}

/// Symbols only that language's G2P writes here: proof that the voice's language,
/// not English, chose the rules.
fn signature(lang: Lang) -> &'static [char] {
    match lang {
        Lang::EnUs | Lang::EnGb => &['ð'],
        Lang::Es => &['θ'],
        Lang::Fr => &['ʒ', 'ʁ'],
        Lang::Hi => &['ː'],
        Lang::It => &['ʤ'],
        Lang::PtBr => &['ʒ'],
        Lang::Ja => &['ɯ', 'ɨ'],
        Lang::Zh => &['↘', '↓', '→', '↗'],
    }
}

#[test]
fn every_voice_speaks_its_own_language() {
    let names: Vec<String> = voices().names().map(String::from).collect();
    assert_eq!(names.len(), 54, "Kokoro v1.0 has 54 voices: {names:?}");
    let rt = rt();
    let mut phonemizers: HashMap<Lang, Phonemizer> = HashMap::new();
    let mut failures = Vec::new();
    for name in &names {
        let lang = name
            .chars()
            .next()
            .and_then(Lang::from_voice_prefix)
            .unwrap_or_else(|| panic!("{name}: no language"));
        let text = sentence(lang);

        let ph = phonemizers
            .entry(lang)
            .or_insert_with(|| Phonemizer::new(lang).unwrap_or_else(|e| panic!("{lang:?}: {e}")));
        let ps = ph.phonemize(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(c) = ps.chars().find(|&c| !vocab::in_vocab(c)) {
            failures.push(format!("{name}: {c:?} is not in the vocabulary: {ps}"));
        }
        if !signature(lang).iter().any(|&c| ps.contains(c)) {
            failures.push(format!(
                "{name}: {ps:?} does not look like {}",
                lang.bcp47()
            ));
        }

        let req = SpeakRequest {
            voice: VoiceChoice {
                name: Some(name.clone()),
                language: None,
            },
            ..SpeakRequest::text(text)
        };
        match rt.block_on(pieces(speech().as_ref(), req)) {
            Ok(pieces) => {
                let a = pieces.concat();
                let secs = a.len() as f64 / SAMPLE_RATE as f64;
                // Each sentence is about a second of speech.
                if !(0.5..5.0).contains(&secs) || rms(&a) < 0.02 {
                    failures.push(format!(
                        "{name}: {secs:.2} s, rms {:.3} for {text:?}",
                        rms(&a)
                    ));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_voice_is_listed_with_its_language() {
    let listed = speech().voices();
    assert_eq!(listed.len(), 54);
    for (voice, lang) in [
        ("jf_alpha", "ja"),
        ("zf_xiaobei", "zh"),
        ("pf_dora", "pt"),
        ("ff_siwis", "fr"),
    ] {
        let v = listed
            .iter()
            .find(|v| v.name == voice)
            .unwrap_or_else(|| panic!("{voice} not listed"));
        assert!(v.language.starts_with(lang), "{voice}: {}", v.language);
    }
}

#[test]
fn a_language_tag_finds_a_voice_of_that_language() {
    for (tag, prefix) in [
        ("ja-JP", 'j'),
        ("zh-CN", 'z'),
        ("pt-BR", 'p'),
        ("es", 'e'),
        ("fr-FR", 'f'),
        ("en-GB", 'b'),
    ] {
        let asked = SpeakRequest {
            voice: VoiceChoice {
                name: None,
                language: Some(tag.into()),
            },
            ..SpeakRequest::text("")
        };
        let v = speech().voice_name(&asked).expect(tag);
        assert!(v.starts_with(prefix), "{tag}: {v}");
    }
}
