//! Grapheme-to-phoneme for every Kokoro language. English: misaki-rs (Kokoro's own
//! G2P, ported) with espeak-ng for the words its lexicons do not know. Spanish,
//! French, Hindi, Italian and Brazilian Portuguese: espeak-ng with misaki's symbol
//! mapping ([`espeak_g2p`]). Japanese: a morphological analyser's readings
//! ([`ja`]). Mandarin: segmentation and pinyin ([`zh`]).

pub mod espeak;
pub mod espeak_g2p;
mod heteronym;
mod ipadic;
pub mod ja;
pub mod zh;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Weak};

use misaki_rs::fallback::FallbackError;
use misaki_rs::{Fallback, Language, Lexicon, G2P};
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::error::TextError;
use super::vocab;
use espeak::EspeakError;

/// A language the phonemizer speaks. Kokoro's voice names start with its letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// American English (voices `af_*`, `am_*`).
    EnUs,
    /// British English (voices `bf_*`, `bm_*`).
    EnGb,
    /// Spanish (voices `ef_*`, `em_*`).
    Es,
    /// French (voices `ff_*`).
    Fr,
    /// Hindi (voices `hf_*`, `hm_*`).
    Hi,
    /// Italian (voices `if_*`, `im_*`).
    It,
    /// Brazilian Portuguese (voices `pf_*`, `pm_*`).
    PtBr,
    /// Japanese (voices `jf_*`, `jm_*`).
    Ja,
    /// Mandarin Chinese (voices `zf_*`, `zm_*`).
    Zh,
}

impl Lang {
    /// Every language Kokoro v1.0 speaks, in the order of their voice letters.
    pub const ALL: [Lang; 9] = [
        Lang::EnUs,
        Lang::EnGb,
        Lang::Es,
        Lang::Fr,
        Lang::Hi,
        Lang::It,
        Lang::Ja,
        Lang::PtBr,
        Lang::Zh,
    ];

    /// The language of a Kokoro voice from the first letter of its name (`a` in `af_heart`).
    pub fn from_voice_prefix(c: char) -> Option<Lang> {
        Some(match c {
            'a' => Lang::EnUs,
            'b' => Lang::EnGb,
            'e' => Lang::Es,
            'f' => Lang::Fr,
            'h' => Lang::Hi,
            'i' => Lang::It,
            'j' => Lang::Ja,
            'p' => Lang::PtBr,
            'z' => Lang::Zh,
            _ => return None,
        })
    }

    /// The BCP 47 language tag, e.g. `en-US`.
    pub fn bcp47(self) -> &'static str {
        match self {
            Lang::EnUs => "en-US",
            Lang::EnGb => "en-GB",
            Lang::Es => "es-ES",
            Lang::Fr => "fr-FR",
            Lang::Hi => "hi-IN",
            Lang::It => "it-IT",
            Lang::PtBr => "pt-BR",
            Lang::Ja => "ja-JP",
            Lang::Zh => "zh-CN",
        }
    }

    /// The espeak-ng voice: for English the words the lexicon does not know, for
    /// es/fr/hi/it/pt-BR all text (misaki's choice of voice), for ja/zh words in
    /// Latin script, read as English.
    pub fn espeak_voice(self) -> &'static str {
        match self {
            Lang::EnUs | Lang::Ja | Lang::Zh => "en-us",
            // espeak-ng 1.51 knows British English by the file name `en` (gmw/en);
            // it does not resolve the language code `en-gb` as a voice name.
            Lang::EnGb => "en",
            Lang::Es => "es",
            // misaki asks for `fr-fr`; espeak-ng 1.51 resolves only the file name `fr`
            // (roa/fr, whose language is fr-fr) as a voice name.
            Lang::Fr => "fr",
            Lang::Hi => "hi",
            Lang::It => "it",
            Lang::PtBr => "pt-br",
        }
    }

    /// The languages a BCP 47 tag names, case and `_` aside: `ja` and `ja-JP`
    /// Japanese, `en` both English dialects, `en-GB` only the British one.
    pub fn by_tag(tag: &str) -> Vec<Lang> {
        let tag = crate::text::tag::bcp47(tag.trim());
        Lang::ALL
            .into_iter()
            .filter(|l| l.bcp47() == tag || l.bcp47().split('-').next() == Some(tag.as_str()))
            .collect()
    }

    fn british(self) -> bool {
        self == Lang::EnGb
    }

    fn misaki(self) -> Option<Language> {
        match self {
            Lang::EnUs => Some(Language::EnglishUS),
            Lang::EnGb => Some(Language::EnglishGB),
            _ => None,
        }
    }
}

/// Punctuation Kokoro's vocabulary has (misaki's PUNCTS plus parentheses).
pub(crate) const PUNCTS: &str = ";:,.!?—…\"()“”";

/// Marks a part that the fallback left to the outer call (see [`EspeakFallback`]).
const DEFERRED: char = '\u{E000}';

thread_local! {
    /// How deep this thread is in G2P calls made by the fallback itself.
    static REENTRY: Cell<u32> = const { Cell::new(0) };
}

/// Counts one level of re-entry for as long as it lives, even through a panic.
struct Reentry;

impl Reentry {
    fn enter() -> Self {
        REENTRY.with(|d| d.set(d.get() + 1));
        Reentry
    }
    fn active() -> bool {
        REENTRY.with(|d| d.get() > 0)
    }
}

impl Drop for Reentry {
    fn drop(&mut self) {
        REENTRY.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// misaki's hook for out-of-vocabulary words: espeak-ng, mapped to Kokoro's symbols.
///
/// misaki-rs hands a multi-part word ("COVID-19", "Zigbee-based") to the fallback as a
/// whole as soon as its lexicon lookup misses one part, even a part it resolved on its
/// own (a number); Python misaki only does so when a part is truly unknown. So the
/// fallback first asks the same G2P for the word alone, with itself switched off (on
/// re-entry it answers [`DEFERRED`]), and uses espeak only if a part stays unknown.
/// The G2P is reached through a `Weak`, to avoid a cycle; one instance is ~90 MB, too
/// much to keep a second one just for this.
struct EspeakFallback {
    core: Weak<EnglishCore>,
}

impl EspeakFallback {
    fn resolve(&self, word: &str) -> Result<String, EspeakError> {
        // espeak reads emoji and symbols by their names ("🍕" → "pizza"); misaki hands
        // it such tokens too. Kokoro should not say them, so they contribute nothing.
        if !word.chars().any(char::is_alphanumeric) {
            return Ok(String::new());
        }
        let Some(core) = self.core.upgrade() else {
            return espeak_word(word, Lang::EnUs);
        };
        // Called from inside a G2P call on this thread, which holds a read guard: a
        // recursive read neither waits for a writer nor lets one swap the dialect.
        let d = core.dialects.read_recursive();
        let lang = d.lang();
        let _reentry = Reentry::enter();
        if let Some(ps) =
            plural_number(&d.g2p, word, lang.british()).or_else(|| by_parts(&d.g2p, word))
        {
            return Ok(ps);
        }
        espeak_word(word, lang)
    }
}

/// One word through espeak-ng in `lang`'s voice, mapped to Kokoro's symbols.
fn espeak_word(word: &str, lang: Lang) -> Result<String, EspeakError> {
    if !word.chars().any(char::is_alphanumeric) {
        return Ok(String::new());
    }
    // misaki-rs's tokenizer sometimes keeps a sentence's final stop on the word
    // ("km/h."); espeak would swallow it, so keep edge punctuation ourselves, as
    // Python misaki's phonemizer backend does (preserve_punctuation).
    let is_punct = |c: char| PUNCTS.contains(c);
    let core = word.trim_matches(is_punct);
    let lead = &word[..word.len() - word.trim_start_matches(is_punct).len()];
    let trail = &word[word.trim_end_matches(is_punct).len()..];
    let ipa = espeak::text_to_ipa(core, lang.espeak_voice())?;
    let ps = espeak::ipa_to_kokoro(&ipa, lang.british());
    Ok(format!("{lead}{ps}{trail}"))
}

/// misaki's characters that join the parts of one word and are not spoken.
const SUBTOKEN_JUNKS: &str = "',-._\u{2018}\u{2019}/";

/// Resolve a multi-part word part by part with misaki alone (the caller has entered
/// [`Reentry`], so unknown parts come back [`DEFERRED`]), joining the parts as misaki
/// does: with a space when the word mixes letters, digits and symbols ("COVID-19"),
/// tight otherwise. `None` if any part is unknown: then the whole word goes to espeak,
/// as in Python misaki.
fn by_parts(g2p: &G2P, word: &str) -> Option<String> {
    let parts = g2p.tokenize(word);
    if parts.len() < 2 {
        return None;
    }
    let class = |c: char| {
        if c.is_alphabetic() {
            0
        } else if c.is_ascii_digit() {
            1
        } else {
            2
        }
    };
    let mut classes = word
        .chars()
        .filter(|&c| !SUBTOKEN_JUNKS.contains(c))
        .map(class);
    let first = classes.next();
    let prespace = word.contains([' ', '/']) || classes.any(|k| Some(k) != first);
    let mut out = String::new();
    for part in &parts {
        if part.text.chars().all(|c| SUBTOKEN_JUNKS.contains(c)) {
            continue;
        }
        let (ps, _) = g2p.g2p(&part.text).ok()?;
        let ps = ps.trim();
        if ps.contains(DEFERRED) || ps.contains(g2p.unk.as_str()) || !ps.chars().any(is_sound) {
            return None;
        }
        if prespace && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(ps);
    }
    Some(out)
}

/// "1990s", "80s": misaki reads a number with a plural s, which misaki-rs sends here.
fn plural_number(g2p: &G2P, word: &str, british: bool) -> Option<String> {
    let digits = word.strip_suffix('s')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (ps, _) = g2p.g2p(digits).ok()?;
    let ps = ps.trim();
    let last = ps.chars().last()?;
    if ps.contains(DEFERRED) || ps.contains(g2p.unk.as_str()) || !is_sound(last) {
        return None;
    }
    // The English plural as misaki's `_s` forms it: ᵻz (GB ɪz) after a sibilant, s
    // after a voiceless sound, z otherwise.
    let suffix = match last {
        's' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ' if british => "ɪz",
        's' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ' => "ᵻz",
        'p' | 't' | 'k' | 'f' | 'θ' => "s",
        _ => "z",
    };
    Some(format!("{ps}{suffix}"))
}

impl Fallback for EspeakFallback {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        if Reentry::active() {
            return Ok(DEFERRED.to_string());
        }
        self.resolve(word).map_err(|e| FallbackError::Espeak {
            word: word.to_owned(),
            error: e.to_string(),
        })
    }
}

/// Turns text in one language into the phoneme string Kokoro is fed. Shareable
/// across threads.
pub struct Phonemizer {
    lang: Lang,
    backend: Backend,
}

/// The G2P behind a [`Phonemizer`], one kind per script family.
enum Backend {
    English(English),
    /// es, fr, hi, it, pt-BR: espeak-ng alone, with misaki's mapping.
    Espeak,
    Japanese(Box<ja::Japanese>),
    Mandarin(Box<zh::Mandarin>),
}

/// misaki-rs with its espeak fallback, for one dialect.
struct English {
    core: Arc<EnglishCore>,
    language: Language,
}

/// The misaki-rs G2P both English dialects share. An instance is ~95 MB, of which the
/// lexicons (the only part that differs between en-US and en-GB) are ~30 MB: the rest
/// (taggers, tokenizer) is built once, and each dialect's lexicon is swapped in while
/// its requests run. Requests of one dialect run side by side; the other dialect's wait
/// for them (one G2P call, milliseconds) and swap, which moves two maps, not entries.
struct EnglishCore {
    dialects: RwLock<Dialects>,
}

struct Dialects {
    /// Holds the lexicon of the dialect in use.
    g2p: G2P,
    /// The other dialect's lexicon, once a phonemizer for it has been built.
    spare: Option<Lexicon>,
}

impl Dialects {
    fn lang(&self) -> Lang {
        match self.g2p.lexicon.lang {
            Language::EnglishGB => Lang::EnGb,
            Language::EnglishUS => Lang::EnUs,
        }
    }
}

/// The live core, shared by every English phonemizer of this process.
static ENGLISH: Mutex<Weak<EnglishCore>> = Mutex::new(Weak::new());

impl EnglishCore {
    /// The shared core, holding `language`'s lexicon (built now if it is missing).
    fn with(language: Language) -> Arc<Self> {
        let mut live = ENGLISH.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(core) = live.upgrade() {
            let mut d = core.dialects.write();
            let has = |l: &Lexicon| l.lang == language;
            if !has(&d.g2p.lexicon) && !d.spare.as_ref().is_some_and(has) {
                d.spare = Some(Lexicon::new(language));
            }
            drop(d);
            return core;
        }
        let core = Arc::new_cyclic(|weak| EnglishCore {
            dialects: RwLock::new(Dialects {
                g2p: G2P::with_fallback(
                    language,
                    Some(Box::new(EspeakFallback { core: weak.clone() })),
                ),
                spare: None,
            }),
        });
        *live = Arc::downgrade(&core);
        core
    }

    /// Read access with `language`'s lexicon in place.
    fn read(&self, language: Language) -> RwLockReadGuard<'_, Dialects> {
        let d = self.dialects.read();
        if d.g2p.lexicon.lang == language {
            return d;
        }
        drop(d);
        let mut d = self.dialects.write();
        if d.g2p.lexicon.lang != language {
            let Dialects { g2p, spare } = &mut *d;
            if let Some(other) = spare.as_mut().filter(|l| l.lang == language) {
                std::mem::swap(&mut g2p.lexicon, other);
            }
        }
        RwLockWriteGuard::downgrade(d)
    }
}

// The engine calls one Phonemizer from several worker threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Phonemizer>()
};

impl Phonemizer {
    /// Build the G2P for `lang` (lexicons, tagger, dictionaries) and check espeak-ng
    /// works.
    pub fn new(lang: Lang) -> Result<Self, TextError> {
        // Fail now, clearly, if espeak-ng's data is missing, not on the first rare word.
        espeak::check(lang.espeak_voice())?;
        let backend = match lang.misaki() {
            Some(language) => Backend::English(English::new(language)),
            None => match lang {
                Lang::Ja => Backend::Japanese(Box::new(ja::Japanese::new()?)),
                Lang::Zh => Backend::Mandarin(Box::default()),
                _ => Backend::Espeak,
            },
        };
        Ok(Self { lang, backend })
    }

    /// The language this phonemizer speaks.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Kokoro phonemes for `text`: only symbols in the model's vocabulary, single spaces.
    pub fn phonemize(&self, text: &str) -> Result<String, TextError> {
        if text.trim().is_empty() {
            return Err(TextError::Empty);
        }
        let raw = match &self.backend {
            Backend::English(en) => en.phonemize(text, self.lang)?,
            Backend::Espeak => espeak_g2p::phonemize(text, self.lang.espeak_voice())?,
            Backend::Japanese(g) => g.phonemize(text)?,
            Backend::Mandarin(g) => g.phonemize(text)?,
        };
        let out = clean(&raw);
        if !out.chars().any(is_sound) {
            return Err(TextError::NothingSpeakable);
        }
        Ok(out)
    }
}

impl English {
    fn new(language: Language) -> Self {
        English {
            core: EnglishCore::with(language),
            language,
        }
    }

    /// Phonemes before [`clean`]: may still hold symbols outside the vocabulary.
    fn phonemize(&self, text: &str, lang: Lang) -> Result<String, TextError> {
        let d = self.core.read(self.language);
        if d.g2p.lexicon.lang != self.language {
            return Err(TextError::G2p(format!("no {} lexicon", lang.bcp47())));
        }
        // misaki-rs is a large port; a panic on some odd input must not take down a
        // worker thread. G2P has no interior mutability, so it stays usable after one
        // (and the lock does not poison).
        let result = catch_unwind(AssertUnwindSafe(|| d.g2p.g2p(text)))
            .map_err(|_| TextError::G2p("misaki-rs panicked on this text".into()))?;
        let (_, mut tokens) = result.map_err(|e| EspeakError::Failed(e.to_string()))?;
        let unk = d.g2p.unk.clone();
        drop(d);
        heteronym::fix(&mut tokens, lang.british());

        let mut raw = String::with_capacity(text.len() * 2);
        for tk in &tokens {
            match &tk.phonemes {
                // A part misaki could not place inside a merged word: say the word.
                Some(ps) if ps.contains(unk.as_str()) || ps.contains(DEFERRED) => {
                    raw.push_str(&espeak_word(&tk.text, lang)?)
                }
                Some(ps) => raw.push_str(ps),
                // misaki leaves single characters it cannot place unresolved (it would
                // print ❓). Letters and digits go to espeak; symbols and emoji are dropped.
                None => raw.push_str(&espeak_word(&tk.text, lang)?),
            }
            raw.push_str(&tk.whitespace);
        }
        Ok(raw)
    }
}

/// Keep only vocabulary symbols (which drops misaki's ❓ and anything else the model
/// cannot take), turn every whitespace run into one space, and trim.
pub(crate) fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if vocab::in_vocab(c) {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A symbol that is a sound, not punctuation, space or a stress mark.
pub(crate) fn is_sound(c: char) -> bool {
    vocab::in_vocab(c) && !c.is_whitespace() && !PUNCTS.contains(c) && !matches!(c, 'ˈ' | 'ˌ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn us() -> &'static Phonemizer {
        static P: OnceLock<Phonemizer> = OnceLock::new();
        P.get_or_init(|| Phonemizer::new(Lang::EnUs).unwrap())
    }

    #[test]
    fn lang_by_tag() {
        assert_eq!(Lang::by_tag("ja"), [Lang::Ja]);
        assert_eq!(Lang::by_tag("JA_jp"), [Lang::Ja]);
        assert_eq!(Lang::by_tag("en"), [Lang::EnUs, Lang::EnGb]);
        assert_eq!(Lang::by_tag(" en-gb "), [Lang::EnGb]);
        assert_eq!(Lang::by_tag("pt-br"), [Lang::PtBr]);
        assert_eq!(Lang::by_tag("pt-PT"), []);
        assert_eq!(Lang::by_tag("de"), []);
        assert_eq!(Lang::by_tag(""), []);
    }

    #[test]
    fn lang_from_voice_prefix() {
        assert_eq!(Lang::from_voice_prefix('a'), Some(Lang::EnUs));
        assert_eq!(Lang::from_voice_prefix('b'), Some(Lang::EnGb));
        assert_eq!(Lang::from_voice_prefix('j'), Some(Lang::Ja));
        assert_eq!(Lang::from_voice_prefix('p'), Some(Lang::PtBr));
        assert_eq!(Lang::from_voice_prefix('z'), Some(Lang::Zh));
        assert_eq!(Lang::from_voice_prefix('x'), None);
        assert_eq!(Lang::EnUs.bcp47(), "en-US");
        assert_eq!(Lang::EnGb.bcp47(), "en-GB");
        assert_eq!(Lang::PtBr.bcp47(), "pt-BR");
        assert_eq!(Lang::Ja.bcp47(), "ja-JP");
        assert_eq!(Lang::Zh.bcp47(), "zh-CN");
        // Every language is reached by exactly one voice letter.
        let letters: Vec<Lang> = "abefhijpz"
            .chars()
            .filter_map(Lang::from_voice_prefix)
            .collect();
        assert_eq!(letters, Lang::ALL);
    }

    #[test]
    fn both_dialects_share_one_g2p_and_keep_their_own_readings() {
        let gb = Phonemizer::new(Lang::EnGb).unwrap();
        let (Backend::English(u), Backend::English(g)) = (&us().backend, &gb.backend) else {
            panic!("English phonemizers have the English backend");
        };
        assert!(Arc::ptr_eq(&u.core, &g.core), "one core for both dialects");
        // Words the lexicons read differently, and words for the espeak fallback (which
        // enters the same G2P again) in each dialect's voice.
        let text = "The tomato schedule: COVID-19, Zigbee-based, 1990s, Xyloquent.";
        let want_us = us().phonemize(text).unwrap();
        let want_gb = gb.phonemize(text).unwrap();
        assert_ne!(want_us, want_gb);
        assert!(want_gb.contains("ɑː"), "{want_gb}");
        std::thread::scope(|s| {
            for i in 0..4 {
                let (gb, want_us, want_gb) = (&gb, &want_us, &want_gb);
                s.spawn(move || {
                    for j in 0..20 {
                        if (i + j) % 2 == 0 {
                            assert_eq!(&us().phonemize(text).unwrap(), want_us);
                        } else {
                            assert_eq!(&gb.phonemize(text).unwrap(), want_gb);
                        }
                    }
                });
            }
        });
    }

    #[test]
    fn clean_keeps_vocab_and_single_spaces() {
        assert_eq!(clean("  a❓b \n\t c🙂 "), "ab c");
        assert_eq!(clean("❓ ❓"), "");
    }

    #[test]
    fn simple_sentence() {
        assert_eq!(us().phonemize("Hello world.").unwrap(), "həlˈO wˈɜɹld.");
    }

    #[test]
    fn errors() {
        assert_eq!(us().phonemize(""), Err(TextError::Empty));
        assert_eq!(us().phonemize(" \n\t "), Err(TextError::Empty));
        assert_eq!(us().phonemize("?!... ,"), Err(TextError::NothingSpeakable));
        assert_eq!(us().phonemize("🙂🎉"), Err(TextError::NothingSpeakable));
    }

    #[test]
    fn emoji_between_words_is_dropped() {
        let ps = us().phonemize("I love 🍕 pizza").unwrap();
        assert!(!ps.contains('❓'), "{ps}");
        assert!(ps.ends_with("pˈitsə"), "{ps}");
    }

    #[test]
    fn every_language_survives_odd_input() {
        // Mixed scripts, symbols, emoji, control characters, lone marks: in every
        // language the result is vocabulary symbols or "nothing speakable", never an
        // error or a panic.
        let inputs = [
            "km/h 21°C 3,5 € 1.000.000",
            "日本語 中文 English Español",
            "ー。、「」『』…〜・",
            "ゃゅょっん",
            "👍🏽 ok 🎉",
            "a\u{0}b\t\r\n",
            "¿¡«»—–\"\"()",
            "-12.5% +7 #3 @home",
            "\u{301}e\u{301}",
            "٣ ß Ω ½ x²",
        ];
        for lang in Lang::ALL {
            let p = Phonemizer::new(lang).unwrap();
            for text in inputs {
                match p.phonemize(text) {
                    Ok(ps) => assert!(
                        ps.chars().all(vocab::in_vocab),
                        "{lang:?} {text:?} -> {ps:?}"
                    ),
                    Err(TextError::NothingSpeakable) => {}
                    Err(e) => panic!("{lang:?} {text:?}: {e}"),
                }
            }
        }
    }

    #[test]
    fn odd_input_never_leaks_unknown_symbols() {
        for text in [
            "km/h",
            "C++ & C#",
            "ø",
            "ß",
            "Ω",
            "x²",
            "½",
            "naïve café",
            "#1 @home",
            "a\u{0}b",
            "日本語",
            "٣",
            "👍🏽 ok",
            "[x](/ˈɛks/)",
            "\u{301}",
            "e\u{301}",
        ] {
            match us().phonemize(text) {
                Ok(ps) => {
                    assert!(ps.chars().all(vocab::in_vocab), "{text:?} -> {ps:?}");
                }
                Err(TextError::NothingSpeakable) => {}
                Err(e) => panic!("{text:?}: {e}"),
            }
        }
    }
}
