//! Which Kokoro language a plain text is written in, for requests that name no voice.
//!
//! The script decides for Hindi (Devanagari), Japanese (kana) and Chinese (Han
//! without kana). Among the Latin-script languages a statistical detector (lingua,
//! restricted to the five Kokoro speaks) decides, and only when it is sure: a wrong
//! switch reads a whole answer with another language's rules, while staying with the
//! default voice costs little on a text too short to tell.

use std::sync::OnceLock;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

use super::Lang;

/// Only this much of a text is looked at (the start tells the language; the detector's
/// cost grows with the length, and it runs where the request is answered).
const SAMPLE_CHARS: usize = 300;
/// Fewer letters than this say too little to leave the default voice.
const MIN_LETTERS: usize = 12;
/// The detector's confidence in the language found (its values over the five languages
/// sum to 1; Spanish, Italian and Portuguese share much, so a clear Spanish sentence
/// scores about 0.5) needed to leave the default voice's language…
const MIN_CONFIDENCE: f64 = 0.45;
/// …and the most it may still give the default voice's language. Tuned on
/// `tests/data/language`: English Home Assistant answers never score under 0.18 for
/// English with another language above 0.3; the other languages' sentences never
/// score over 0.19 for English nor under 0.46 for the top language.
const MAX_DEFAULT_CONFIDENCE: f64 = 0.25;

/// The language detector, built once (its models take a moment and some memory).
pub struct LanguageGuesser {
    detector: LanguageDetector,
}

impl LanguageGuesser {
    /// The shared guesser, built on the first call (the daemon makes that call before
    /// it is ready).
    pub fn shared() -> &'static LanguageGuesser {
        static SHARED: OnceLock<LanguageGuesser> = OnceLock::new();
        SHARED.get_or_init(|| LanguageGuesser {
            detector: LanguageDetectorBuilder::from_languages(&[
                Language::English,
                Language::Spanish,
                Language::French,
                Language::Italian,
                Language::Portuguese,
            ])
            .with_preloaded_language_models()
            .build(),
        })
    }

    /// The language of `text` when it is clearly another than `default`'s (English
    /// for `en-GB` and `en-US` alike); `None` keeps the default.
    pub fn guess(&self, text: &str, default: Lang) -> Option<Lang> {
        let sample: String = text.chars().take(SAMPLE_CHARS).collect();
        let found = match script_of(&sample)? {
            Script::Devanagari => Lang::Hi,
            Script::Kana => Lang::Ja,
            Script::Han => Lang::Zh,
            Script::Latin => self.latin(&sample, default)?,
        };
        let same = |a: Lang, b: Lang| a == b || (is_english(a) && is_english(b));
        (!same(found, default)).then_some(found)
    }

    fn latin(&self, sample: &str, default: Lang) -> Option<Lang> {
        let values = self.detector.compute_language_confidence_values(sample);
        let (language, confidence) = values.first()?;
        let default_language = language_of(default);
        let default_confidence = values
            .iter()
            .find(|(l, _)| Some(*l) == default_language)
            .map_or(0.0, |(_, c)| *c);
        if *confidence < MIN_CONFIDENCE || default_confidence > MAX_DEFAULT_CONFIDENCE {
            return None;
        }
        Some(to_lang(*language))
    }
}

/// The detector's language for a Kokoro language (English for both Englishes; the
/// scripts' languages are never asked of it, and stand for no Latin one).
fn language_of(lang: Lang) -> Option<Language> {
    Some(match lang {
        Lang::EnUs | Lang::EnGb => Language::English,
        Lang::Es => Language::Spanish,
        Lang::Fr => Language::French,
        Lang::It => Language::Italian,
        Lang::PtBr => Language::Portuguese,
        Lang::Hi | Lang::Ja | Lang::Zh => return None,
    })
}

fn to_lang(language: Language) -> Lang {
    match language {
        Language::English => Lang::EnUs,
        Language::Spanish => Lang::Es,
        Language::French => Lang::Fr,
        Language::Italian => Lang::It,
        Language::Portuguese => Lang::PtBr,
    }
}

fn is_english(lang: Lang) -> bool {
    matches!(lang, Lang::EnUs | Lang::EnGb)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Devanagari,
    Kana,
    Han,
}

/// The script most of the letters are in; Japanese mixes kana with Han, so any
/// kana among mostly Han/kana letters is Japanese. `None` when there are too few
/// letters or no script has most of them.
fn script_of(text: &str) -> Option<Script> {
    let (mut latin, mut devanagari, mut kana, mut han, mut letters) = (0, 0, 0, 0, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        match c as u32 {
            0x0041..=0x024F => latin += 1,
            0x0900..=0x097F => devanagari += 1,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D => kana += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => han += 1,
            _ => {}
        }
    }
    let most = |n: usize| 2 * n > letters;
    if devanagari > 0 && most(devanagari) {
        Some(Script::Devanagari)
    } else if kana > 0 && most(kana + han) {
        Some(Script::Kana)
    } else if han > 0 && most(han) {
        Some(Script::Han)
    } else if latin >= MIN_LETTERS && most(latin) {
        Some(Script::Latin)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        assert_eq!(script_of("नमस्ते, आप कैसे हैं?"), Some(Script::Devanagari));
        assert_eq!(script_of("今日はいい天気です。"), Some(Script::Kana));
        assert_eq!(script_of("カタカナ"), Some(Script::Kana));
        assert_eq!(script_of("今天天气很好。"), Some(Script::Han));
        assert_eq!(script_of("The kitchen light is on."), Some(Script::Latin));
        // Too little to go on.
        assert_eq!(script_of("OK."), None);
        assert_eq!(script_of("21 °C, 45 %"), None);
        // Mostly English with one Chinese name: still Latin.
        assert_eq!(
            script_of("Playing 月亮 on the kitchen speaker now."),
            Some(Script::Latin)
        );
    }

    #[test]
    fn clear_texts_switch_and_english_stays() {
        let g = LanguageGuesser::shared();
        assert_eq!(
            g.guess(
                "The temperature in the living room is 21 degrees.",
                Lang::EnUs
            ),
            None
        );
        assert_eq!(g.guess("Turned on the kitchen lights.", Lang::EnGb), None);
        assert_eq!(
            g.guess(
                "La temperatura del salón es de veintiún grados.",
                Lang::EnUs
            ),
            Some(Lang::Es)
        );
        assert_eq!(
            g.guess("J'ai allumé la lumière de la cuisine.", Lang::EnUs),
            Some(Lang::Fr)
        );
        assert_eq!(
            g.guess("Ho acceso la luce della cucina.", Lang::EnUs),
            Some(Lang::It)
        );
        assert_eq!(
            g.guess("Liguei a luz da cozinha para você.", Lang::EnUs),
            Some(Lang::PtBr)
        );
        assert_eq!(g.guess("今日はいい天気です。", Lang::EnUs), Some(Lang::Ja));
        assert_eq!(g.guess("客厅的灯已经打开了。", Lang::EnUs), Some(Lang::Zh));
        assert_eq!(
            g.guess("रसोई की बत्ती जला दी गई है।", Lang::EnUs),
            Some(Lang::Hi)
        );
        // From a French default, English text switches to English.
        assert_eq!(
            g.guess("The front door is locked now.", Lang::Fr),
            Some(Lang::EnUs)
        );
        assert_eq!(g.guess("Ok.", Lang::EnUs), None);
    }
}
