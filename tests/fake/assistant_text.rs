//! Normalization to final phonemes: what the model is fed for text a voice assistant
//! says (numbers, times, temperatures, money, Markdown), through the same
//! normalize → split → overrides → G2P path as a real request.

use kokorod::speech::kokoro::explain;
use kokorod::speech::TextFormat;
use kokorod::text::{Lang, Lexicon};

fn fed(text: &str, lang: Lang) -> String {
    let ex = explain(text, TextFormat::Text, lang, &Lexicon::default())
        .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    ex.pieces
        .iter()
        .map(|p| p.phonemes.as_str())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// (input, phonemes the model must get) — each checked by reading it: the number words
/// are spoken, units and symbols are words, nothing is spelled letter by letter.
const US: &[(&str, &str)] = &[
    ("It is 21°C.", "ˌɪt ɪz twˌɛntiwˈʌn dəɡɹˈiz sˈɛlsiəs."),
    (
        "It's -5 °F outside.",
        "ˌɪts mˈInəs fˈIv dəɡɹˈiz fˈɛɹənhˌIt ˌWtsˈId.",
    ),
    // misaki swallows the stop into "p.m."; the G2P puts it back (final intonation).
    (
        "The meeting is at 3:45 PM.",
        "ðə mˈiTɪŋ ɪz æt θɹˈi fˌɔɹTifˈIv pˌiˈɛm.",
    ),
    (
        "It costs $12.50.",
        "ˌɪt kˈɔsts twˈɛlv dˈɑləɹz ænd fˈɪfti sˈɛnts.",
    ),
    (
        "We have 1,234 items.",
        "wˌi hæv wˈʌn θˈWzᵊnd tˈu hˈʌndɹəd θˈɜɹTifˌɔɹ ˈITəmz.",
    ),
    ("She finished 21st.", "ʃˌi fˈɪnəʃt twˈɛntifˌɜɹst."),
    (
        "The wind is 15 km/h.",
        "ðə wˈɪnd ɪz fˌɪftˈin kəlˈɑməTəɹz pɜɹ ˈWəɹ.",
    ),
    ("Add 1/2 cup.", "ˈæd wˈʌn hˈæf kˈʌp."),
    ("**Done!** The door is locked.", "dˈʌn! ðə dˈɔɹ ɪz lˈɑkt."),
    (
        "Dr. Smith arrives at 7am.",
        "dˈɑktəɹ smˈɪθ əɹˈIvz æt sˈɛvən ˌAˈɛm.",
    ),
];

const GB: &[(&str, &str)] = &[
    ("It is 21°C.", "ˌɪt ɪz twˈɛntiwˌʌn dɪɡɹˈiːz sˈɛlsɪəs."),
    ("We drove 2 km.", "wˌiː dɹˈQv tˈuː kˈɪləmˌiːtəz."),
];

fn check(cases: &[(&str, &str)], lang: Lang) {
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = fed(text, lang);
        if got != *want {
            wrong.push(format!("{text:?}\n   want {want}\n    got {got}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn american_english_reads_numbers_units_and_markdown() {
    check(US, Lang::EnUs);
}

#[test]
fn british_english_reads_its_own_way() {
    check(GB, Lang::EnGb);
}
