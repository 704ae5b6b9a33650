//! The model gets words, not digits or symbols, in Spanish, French, Italian and
//! Portuguese: what Home Assistant writes ("7 h 30", "21 °C", "45 %", "15 km/h") is
//! phonemized exactly as the words a speaker says, through the real espeak-ng
//! pipeline (`explain`, the path a request takes, without the engine).

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
        (Lang::Fr, "Il est 7 h 30.", "Il est sept heures trente."),
        (
            Lang::Fr,
            "Il fait 21 °C dehors.",
            "Il fait vingt et un degrés Celsius dehors.",
        ),
        (
            Lang::Fr,
            "La batterie est à 80 %.",
            "La batterie est à quatre-vingts pour cent.",
        ),
        (
            Lang::Es,
            "Son las 19:45.",
            "Son las diecinueve y cuarenta y cinco.",
        ),
        (
            Lang::Es,
            "Viento de 15 km/h.",
            "Viento de quince kilómetros por hora.",
        ),
        (
            Lang::It,
            "Ci sono 21,5 °C.",
            "Ci sono ventuno virgola cinque gradi Celsius.",
        ),
        (
            Lang::It,
            "Consumo: 450 W.",
            "Consumo: quattrocentocinquanta watt.",
        ),
        (Lang::PtBr, "São 22:00.", "São vinte e duas horas."),
        (
            Lang::PtBr,
            "Custa R$ 5,50.",
            "Custa cinco reais e cinquenta centavos.",
        ),
    ];
    for (lang, written, said) in cases {
        let got = phonemes(written, lang);
        assert!(got.split_whitespace().count() >= 3, "{written}: {got:?}");
        assert_eq!(got, phonemes(said, lang), "{written}");
        assert!(
            !got.chars()
                .any(|c| c.is_ascii_digit() || "%°€$".contains(c)),
            "{written}: {got}"
        );
    }
    // The French "h" is no longer read as the letter ("ache").
    let letter_h = phonemes("h", Lang::Fr);
    assert!(
        !phonemes("Il est 7 h 30.", Lang::Fr).contains(letter_h.trim_end_matches('.')),
        "{letter_h}"
    );
}
