//! The model gets words, not digits or symbols, in Hindi, Japanese and Chinese: what
//! Home Assistant writes ("19:30", "23.5°C", "45%", "₹250") is phonemized exactly as
//! the words a speaker says, through the real G2Ps (espeak-ng, the IPA dictionary,
//! jieba) on the path a request takes (`explain`), without the engine.

use kokorod::speech::kokoro::explain;
use kokorod::speech::TextFormat;
use kokorod::text::{Lang, Lexicon};

fn phonemes(text: &str, lang: Lang) -> String {
    explain(text, TextFormat::Text, lang, &Lexicon::default())
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .pieces
        .iter()
        .map(|p| p.phonemes.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn written_forms_are_phonemized_as_the_words_said() {
    let cases = [
        (
            Lang::Hi,
            "अभी 7:30 बजे हैं, तापमान 23°C है और नमी 45% है।",
            "अभी साढ़े सात बजे हैं, तापमान तेईस डिग्री सेल्सियस है और नमी पैंतालीस प्रतिशत है।",
        ),
        (
            Lang::Hi,
            "ट्रेन 19:30 पर है, किराया ₹250 है, हवा 15 km/h है।",
            "ट्रेन उन्नीस बजकर तीस मिनट पर है, किराया दो सौ पचास रुपये है, हवा पंद्रह किलोमीटर प्रति घंटा है।",
        ),
        (
            Lang::Ja,
            "今は19:30です。気温は23.5°C、湿度は45%です。",
            "今はジュークジサンジュップンです。気温はニジューサンテンゴド、湿度はヨンジューゴパーセントです。",
        ),
        (
            Lang::Ja,
            "12月3日、風速15km/h、電気代は¥1,000です。",
            "ジューニガツミッカ、風速ジューゴキロメートルマイジ、電気代はセンエンです。",
        ),
        (
            Lang::Zh,
            "现在是19:30，温度22°C，湿度45%。",
            "现在是十九点三十分，温度二十二摄氏度，湿度百分之四十五。",
        ),
        (
            Lang::Zh,
            "今天是2026-12-03，室外-5°C，用电12.4 kWh。",
            "今天是二零二六年十二月三日，室外零下五摄氏度，用电十二点四千瓦时。",
        ),
    ];
    for (lang, written, said) in cases {
        let got = phonemes(written, lang);
        assert!(got.split_whitespace().count() >= 3, "{written}: {got:?}");
        assert_eq!(got, phonemes(said, lang), "{written}");
        assert!(
            !got.chars()
                .any(|c| c.is_ascii_digit() || "%°€$¥₹:".contains(c)),
            "{written}: {got}"
        );
    }
}

/// An English sentence inside a Chinese voice's SSML is normalized as English, not
/// turned into Chinese numerals that the English G2P cannot read.
#[test]
fn an_ssml_segment_is_normalized_in_its_own_language() {
    let ssml = r#"<speak>温度22°C。<s xml:lang="en-US">It is 22°C.</s></speak>"#;
    let pieces = explain(ssml, TextFormat::Ssml, Lang::Zh, &Lexicon::default())
        .expect("explain")
        .pieces;
    let english = pieces.last().expect("a piece").phonemes.clone();
    assert_eq!(english, phonemes("It is 22°C.", Lang::EnUs));
    assert_eq!(pieces[0].phonemes, phonemes("温度二十二摄氏度。", Lang::Zh));
}
