//! G2P for the Kokoro languages that misaki reads with espeak-ng alone: Spanish,
//! French, Hindi, Italian and Brazilian Portuguese. espeak-ng's IPA is mapped to
//! Kokoro's symbols ([`espeak::ipa_to_kokoro_other`]); the punctuation is kept, as the
//! phonemizer misaki drives does (`preserve_punctuation`), because espeak-ng itself
//! reports none and Kokoro phrases by it.

use super::espeak::{self, EspeakError};

/// How a punctuation mark sits between words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Ends what comes before it: `, . ; : ! ? … ) ”`.
    Close,
    /// Opens what follows: `( “`.
    Open,
    /// Stands between words with space on both sides: `—`.
    Between,
    /// Splits the text but is not spoken and has no symbol: `¡ ¿`.
    Silent,
}

/// Kokoro's symbol for a punctuation mark and where it sits, if `c` is one.
fn punct(c: char) -> Option<(char, Place)> {
    use Place::*;
    Some(match c {
        ',' | '.' | ';' | ':' | '!' | '?' | '…' | ')' | '”' => (c, Close),
        '(' | '“' => (c, Open),
        '«' | '„' => ('“', Open),
        '»' => ('”', Close),
        '—' | '–' => ('—', Between),
        '¡' | '¿' => (' ', Silent),
        // Full-width and CJK marks, should such text reach these voices.
        '，' | '、' => (',', Close),
        '。' | '．' => ('.', Close),
        '！' => ('!', Close),
        '？' => ('?', Close),
        '：' => (':', Close),
        '；' => (';', Close),
        _ => return None,
    })
}

/// A mark that belongs to a number when digits stand on both sides (`3,5`, `1.000`,
/// `15:30`): espeak reads those itself.
fn in_number(c: char, prev: Option<char>, next: Option<char>) -> bool {
    matches!(c, ',' | '.' | ':')
        && prev.is_some_and(|p| p.is_ascii_digit())
        && next.is_some_and(|n| n.is_ascii_digit())
}

/// Kokoro phonemes for `text` read by the espeak-ng `voice` (before the vocabulary
/// filter). Straight double quotes open and close in turn.
pub fn phonemize(text: &str, voice: &str) -> Result<String, EspeakError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Out::default();
    let mut chunk = String::new();
    let mut quote_open = false;
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let mark = match c {
            '"' => {
                quote_open = !quote_open;
                Some((
                    '"',
                    if quote_open {
                        Place::Open
                    } else {
                        Place::Close
                    },
                ))
            }
            _ if in_number(c, prev, chars.get(i + 1).copied()) => None,
            _ => punct(c),
        };
        let Some((sym, place)) = mark else {
            chunk.push(c);
            continue;
        };
        out.words(&std::mem::take(&mut chunk), voice)?;
        out.mark(sym, place);
    }
    out.words(&chunk, voice)?;
    Ok(out.s.trim().to_string())
}

/// The phoneme string being built, spaced as Kokoro's input is: a space between
/// words, marks against the word they close or open.
#[derive(Default)]
struct Out {
    s: String,
    /// The last thing written opens what follows (no space after it).
    after_open: bool,
}

impl Out {
    fn space(&mut self) {
        if !self.s.is_empty() && !self.after_open && !self.s.ends_with(' ') {
            self.s.push(' ');
        }
    }

    /// Phonemize the words gathered since the last mark and append them.
    fn words(&mut self, words: &str, voice: &str) -> Result<(), EspeakError> {
        // A run of symbols alone ("%", "*") is not read out: there is nothing to say.
        if !words.chars().any(char::is_alphanumeric) {
            return Ok(());
        }
        let ps = espeak::ipa_to_kokoro_other(&espeak::text_to_ipa(words, voice)?);
        if !ps.is_empty() {
            self.space();
            self.s.push_str(&ps);
            self.after_open = false;
        }
        Ok(())
    }

    fn mark(&mut self, sym: char, place: Place) {
        match place {
            Place::Close => {
                self.s.truncate(self.s.trim_end().len());
                self.s.push(sym);
                self.s.push(' ');
                self.after_open = false;
            }
            Place::Open => {
                self.space();
                self.s.push(sym);
                self.after_open = true;
            }
            Place::Between => {
                self.s.truncate(self.s.trim_end().len());
                self.space();
                self.s.push(sym);
                self.s.push(' ');
                self.after_open = false;
            }
            Place::Silent => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::vocab;

    fn ps(text: &str, voice: &str) -> String {
        crate::text::g2p::clean(&phonemize(text, voice).unwrap())
    }

    #[test]
    fn punctuation_is_kept_where_it_stands() {
        assert_eq!(ps("¿Cómo estás?", "es"), "kˈomo estˈas?");
        assert_eq!(ps("Hola, amigo.", "es"), "ˈola, amˈiɣo.");
        assert_eq!(ps("«Oui» — non.", "fr"), "“wˈi” — nˈɔ̃.");
    }

    #[test]
    fn decimals_and_times_stay_with_their_number() {
        // "3,5" is "tres coma cinco", not "tres, cinco".
        assert_eq!(ps("3,5", "es"), "tɾˈes koma θˈinko");
    }

    #[test]
    fn symbols_alone_say_nothing() {
        assert_eq!(phonemize("* %", "it").unwrap(), "");
    }

    #[test]
    fn tied_phonemes_become_kokoro_letters() {
        // es: "mucho" has a tied t͡ʃ → ʧ.
        assert_eq!(ps("mucho", "es"), "mˈuʧo");
        // it: "pizza" t͡s → ʦ, "zio" d͡z → ʣ.
        assert_eq!(ps("pizza", "it"), "pˈiʦːa");
        assert_eq!(ps("zio", "it"), "ʣˈio");
        // pt-br: "sei" e͡ɪ → A, "tchau" a͡ʊ → W.
        assert_eq!(ps("sei", "pt-br"), "sˈA");
        assert!(ps("tchau", "pt-br").ends_with("ˈW"));
    }

    #[test]
    fn sentences_per_language_stay_in_the_vocabulary() {
        for (voice, text) in [
            ("es", "El perro come carne y llueve mucho en junio."),
            ("fr", "Bonjour, je m'appelle Marie. Un bon vin blanc !"),
            ("hi", "नमस्ते, आप कैसे हैं? मेरा नाम राहुल है।"),
            ("it", "Ciao, come stai? Gli gnocchi sono buoni."),
            ("pt-br", "Olá, tudo bem? A cidade de São Paulo é grande."),
        ] {
            let p = ps(text, voice);
            assert!(p.chars().all(vocab::in_vocab), "{voice}: {p}");
            assert!(p.split(' ').count() >= 5, "{voice}: {p}");
        }
    }
}
