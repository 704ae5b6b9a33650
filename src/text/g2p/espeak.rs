//! A safe wrapper over the system's libespeak-ng, and the mapping from its IPA to
//! Kokoro's phoneme symbols.
//!
//! espeak-ng keeps global state and is not thread-safe, so one process-wide mutex
//! serialises every call and owns the initialised state. Initialisation is lazy and
//! happens once; the data directory is checked first, because espeak-ng itself only
//! prints a message and carries on without it.
#![allow(unsafe_code)] // FFI

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use espeakng_sys as sys;

/// Errors from espeak-ng.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EspeakError {
    /// The espeak-ng data directory (phoneme tables, dictionaries) is missing.
    #[error(
        "espeak-ng data not found in {}: install the espeak-ng-data package, or point \
         ESPEAK_DATA_PATH at the directory that holds espeak-ng-data",
        path.display()
    )]
    DataMissing {
        /// Where espeak-ng looked.
        path: PathBuf,
    },
    /// `espeak_Initialize` itself failed.
    #[error("espeak-ng failed to initialise (status {0})")]
    Init(i32),
    /// espeak-ng has no voice by that name.
    #[error("espeak-ng has no voice {0:?} (is espeak-ng-data complete?)")]
    Voice(String),
    /// Any other failure, e.g. reported through misaki's fallback hook.
    #[error("espeak-ng failed: {0}")]
    Failed(String),
}

/// What the global mutex protects: whether espeak-ng is initialised, and its voice.
struct State {
    voice: Option<String>,
}

static ESPEAK: Mutex<Option<State>> = Mutex::new(None);

/// Combining double inverted breve, the tie bar espeak puts inside multi-letter phonemes.
pub const TIE: char = '\u{361}';

fn lock() -> MutexGuard<'static, Option<State>> {
    // A panic while holding the lock cannot leave espeak half-called in a way we could
    // detect; the state stays usable, so recover from poisoning rather than fail forever.
    ESPEAK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Initialise espeak-ng if needed; the caller holds the lock.
fn ensure_init(state: &mut Option<State>) -> Result<&mut State, EspeakError> {
    if state.is_none() {
        // SAFETY: called with the global lock held; NULL asks espeak for its default
        // search ($ESPEAK_DATA_PATH, $HOME, the compiled-in path), which it copies.
        unsafe { sys::espeak_ng_InitializePath(std::ptr::null()) };
        check_data_dir(data_path())?;
        // SAFETY: lock held. SYNCHRONOUS output with no callback never touches an audio
        // device; DONT_EXIT stops espeak from calling exit() on a bad data directory.
        let rate = unsafe {
            sys::espeak_Initialize(
                sys::espeak_AUDIO_OUTPUT_AUDIO_OUTPUT_SYNCHRONOUS,
                0,
                std::ptr::null(),
                sys::espeakINITIALIZE_DONT_EXIT as c_int,
            )
        };
        if rate <= 0 {
            return Err(EspeakError::Init(rate));
        }
    }
    Ok(state.get_or_insert(State { voice: None }))
}

/// espeak-ng's data directory must hold its phoneme tables; espeak itself only warns.
fn check_data_dir(path: PathBuf) -> Result<(), EspeakError> {
    if path.join("phontab").is_file() {
        Ok(())
    } else {
        Err(EspeakError::DataMissing { path })
    }
}

/// The espeak-ng data directory in use (after `espeak_ng_InitializePath`).
fn data_path() -> PathBuf {
    let mut p: *const c_char = std::ptr::null();
    // SAFETY: espeak_Info only stores a pointer to its static path buffer.
    unsafe { sys::espeak_Info(&mut p) };
    if p.is_null() {
        return PathBuf::new();
    }
    // SAFETY: non-null, NUL-terminated static buffer inside libespeak-ng.
    PathBuf::from(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

fn set_voice(state: &mut State, voice: &str) -> Result<(), EspeakError> {
    if state.voice.as_deref() == Some(voice) {
        return Ok(());
    }
    let name = CString::new(voice).map_err(|_| EspeakError::Voice(voice.to_owned()))?;
    // SAFETY: lock held; espeak copies the name.
    let rc = unsafe { sys::espeak_SetVoiceByName(name.as_ptr()) };
    if rc != sys::espeak_ERROR_EE_OK {
        state.voice = None;
        return Err(EspeakError::Voice(voice.to_owned()));
    }
    state.voice = Some(voice.to_owned());
    Ok(())
}

/// Initialise espeak-ng and select `voice`, so that configuration problems show up at
/// start-up rather than on the first unknown word.
pub fn check(voice: &str) -> Result<(), EspeakError> {
    let mut guard = lock();
    let state = ensure_init(&mut guard)?;
    set_voice(state, voice)
}

/// The espeak-ng library version, e.g. `1.51`.
pub fn version() -> String {
    let _guard = lock();
    // SAFETY: returns a pointer to a static version string.
    let v = unsafe { sys::espeak_Info(std::ptr::null_mut()) };
    if v.is_null() {
        return String::new();
    }
    // SAFETY: non-null, NUL-terminated static string.
    unsafe { CStr::from_ptr(v) }.to_string_lossy().into_owned()
}

/// espeak-ng's IPA for `text` in `voice` (e.g. `en-us`), with multi-letter phonemes
/// joined by [`TIE`] and stress marks kept. Clauses are joined by a space; espeak
/// does not report the punctuation between them, so it is not in the output.
pub fn text_to_ipa(text: &str, voice: &str) -> Result<String, EspeakError> {
    // Control characters (NUL above all) would end or confuse the C string.
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.trim().is_empty() {
        return Ok(String::new());
    }
    let ctext = CString::new(clean).map_err(|e| EspeakError::Failed(e.to_string()))?;

    let mut guard = lock();
    let state = ensure_init(&mut guard)?;
    set_voice(state, voice)?;

    let mode = sys::espeakPHONEMES_IPA | sys::espeakPHONEMES_TIE | ((TIE as u32) << 8);
    let mut ptr: *const c_void = ctext.as_ptr().cast();
    let mut clauses: Vec<String> = Vec::new();
    // espeak translates one clause per call and advances `ptr`, setting it to NULL at
    // the end of the text. The guard bounds the loop should it ever stop advancing.
    let mut guard_iters = ctext.as_bytes().len() + 2;
    while !ptr.is_null() && guard_iters > 0 {
        guard_iters -= 1;
        // SAFETY: lock held; `ptr` points into `ctext`, which outlives the loop; the
        // returned buffer is espeak's and is copied before the next call.
        let out = unsafe {
            sys::espeak_TextToPhonemes(&mut ptr, sys::espeakCHARS_UTF8 as c_int, mode as c_int)
        };
        if out.is_null() {
            break;
        }
        // SAFETY: non-null, NUL-terminated buffer owned by espeak.
        let s = unsafe { CStr::from_ptr(out) }.to_string_lossy();
        let s = s.trim();
        if !s.is_empty() {
            clauses.push(s.to_owned());
        }
    }
    Ok(clauses.join(" "))
}

/// Ordered rewrites from espeak's English IPA to Kokoro's symbols, shared by US and GB.
/// Longer patterns come first, since each rewrite runs over the whole string in turn.
/// The pairs follow misaki's espeak fallback (the G2P Kokoro was trained with).
const EN_COMMON: &[(&str, &str)] = &[
    // glottal stop + syllabic n ("button"): keep the stop, the n is handled below
    ("ʔˌn\u{329}", "ʔn"),
    ("ʔn\u{329}", "ʔn"),
    // diphthongs and affricates become Kokoro's single letters
    ("a\u{361}ɪ", "I"),
    ("a\u{361}ʊ", "W"),
    ("d\u{361}ʒ", "ʤ"),
    ("e\u{361}ɪ", "A"),
    ("t\u{361}ʃ", "ʧ"),
    ("ɔ\u{361}ɪ", "Y"),
    ("ə\u{361}l", "ᵊl"),
    // palatalisation: kept as a glide before a vowel, dropped otherwise
    ("ʲo", "jo"),
    ("ʲə", "jə"),
    ("ʲ", ""),
    ("e", "A"),
    ("ɚ", "əɹ"),
    ("r", "ɹ"),
    ("x", "k"),
    ("ç", "k"),
    ("ɐ", "ə"),
    ("ɬ", "l"),
    // nasalisation: not in Kokoro's English set
    ("\u{303}", ""),
];

/// Map espeak-ng IPA (as returned by [`text_to_ipa`] for an English voice) to Kokoro's
/// English phoneme symbols; `british` selects the en-gb conventions.
pub fn ipa_to_kokoro(ipa: &str, british: bool) -> String {
    let mut ps = strip_language_flags(ipa.trim());
    if british {
        // misaki lists e͡ə → ɛː ("square") but runs it after e → A, where it can no
        // longer match; running it first gives what misaki's British lexicon has.
        ps = ps.replace("e\u{361}ə", "ɛː");
    }
    for (from, to) in EN_COMMON {
        ps = ps.replace(from, to);
    }
    ps = syllabic_to_schwa(&ps);
    // misaki writes the "near" rewrites without a tie bar, but espeak ties that
    // diphthong, so in misaki they never match; both spellings are rewritten here.
    if british {
        ps = ps
            .replace("i\u{361}ə", "ɪə")
            .replace("iə", "ɪə")
            .replace("ə\u{361}ʊ", "Q");
    } else {
        ps = ps
            .replace("o\u{361}ʊ", "O")
            .replace("ɜːɹ", "ɜɹ")
            .replace("ɜː", "ɜɹ")
            .replace("ɪ\u{361}ə", "iə")
            .replace("ɪə", "iə")
            .replace('ː', "");
    }
    // espeak before 1.52 writes a bare o for some vowels misaki spells ɔ.
    ps = ps.replace('o', "ɔ");
    // Flap and glottal stop as misaki's lexicons spell them for Kokoro.
    ps = ps.replace('ɾ', "T").replace('ʔ', "t");
    let ps: String = ps.chars().filter(|&c| c != TIE && c != '^').collect();
    // espeak sometimes doubles an r across a tied vowel ("Aqara" ækˈɑː͡ɹɹə); English
    // has no long r, and misaki's lexicons never write one.
    ps.replace("ɹɹ", "ɹ")
}

/// Tied multi-letter phonemes that misaki's G2P for the other espeak languages (es,
/// fr, hi, it, pt-BR) writes as Kokoro's single symbols; no pattern overlaps another.
const OTHER_TIED: &[(&str, &str)] = &[
    ("a\u{361}ɪ", "I"),
    ("a\u{361}ʊ", "W"),
    ("d\u{361}z", "ʣ"),
    ("d\u{361}ʒ", "ʤ"),
    ("e\u{361}ɪ", "A"),
    ("o\u{361}ʊ", "O"),
    ("ə\u{361}ʊ", "Q"),
    ("s\u{361}s", "S"),
    ("t\u{361}s", "ʦ"),
    ("t\u{361}ʃ", "ʧ"),
    ("ɔ\u{361}ɪ", "Y"),
];

/// Map espeak-ng IPA for a non-English voice (es, fr-fr, hi, it, pt-br) to Kokoro's
/// symbols as misaki does for those languages: tied phonemes become single letters,
/// other ties, espeak's hyphens and language-switch flags go. Everything else is kept;
/// symbols the model lacks are dropped later, as Kokoro's own pipeline drops them.
pub fn ipa_to_kokoro_other(ipa: &str) -> String {
    let mut ps = strip_language_flags(ipa.trim());
    for (from, to) in OTHER_TIED {
        ps = ps.replace(from, to);
    }
    ps.chars()
        .filter(|&c| !matches!(c, TIE | '^' | '-'))
        .collect()
}

/// Kokoro phonemes for Latin-script words inside Japanese or Chinese text: espeak-ng's
/// American English, mapped as for misaki's English fallback.
pub fn latin_as_english(text: &str) -> Result<String, EspeakError> {
    Ok(ipa_to_kokoro(&text_to_ipa(text, "en-us")?, false))
}

/// `n̩` → `ᵊn`: a syllabic consonant becomes a small schwa before it.
fn syllabic_to_schwa(s: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        if c == '\u{329}' {
            if let Some(&prev) = out.last() {
                if !prev.is_whitespace() {
                    out.pop();
                    out.push('ᵊ');
                    out.push(prev);
                }
            }
            continue;
        }
        out.push(c);
    }
    out.into_iter().collect()
}

/// Remove espeak's language-switch flags such as `(fr)` … `(en)`, which it emits when
/// a word is read with another language's rules; they are not phonemes.
fn strip_language_flags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(')') {
            Some(close)
                if close > 0
                    && after[..close]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == TIE) =>
            {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_us() {
        // "Kokoro" as espeak 1.51 writes it, tie bars included.
        assert_eq!(ipa_to_kokoro("kəkˈoːɹo\u{361}ʊ", false), "kəkˈɔɹO");
        assert_eq!(
            ipa_to_kokoro("ˈa\u{361}ɪ ˈa\u{361}ʊ ˈe\u{361}ɪ ˈɔ\u{361}ɪ", false),
            "ˈI ˈW ˈA ˈY"
        );
        assert_eq!(
            ipa_to_kokoro("d\u{361}ʒˈʌmp t\u{361}ʃˈɪp", false),
            "ʤˈʌmp ʧˈɪp"
        );
        // As misaki's lexicon spells "button": bˈʌʔn, then ʔ → t.
        assert_eq!(ipa_to_kokoro("bˈʌʔn\u{329}", false), "bˈʌtn");
        assert_eq!(ipa_to_kokoro("mˈa\u{361}ʊntn\u{329}", false), "mˈWntᵊn");
        assert_eq!(ipa_to_kokoro("wˈɔːɾɚ", false), "wˈɔTəɹ");
        assert_eq!(ipa_to_kokoro("hˈɜːɹ", false), "hˈɜɹ");
        assert_eq!(ipa_to_kokoro("lˈɔx", false), "lˈɔk");
        assert_eq!(ipa_to_kokoro("bˈætə\u{361}l", false), "bˈætᵊl");
        assert_eq!(ipa_to_kokoro("a\u{361}ɪdˈi\u{361}ə", false), "Idˈiə");
        assert_eq!(ipa_to_kokoro("ækˈɑː\u{361}ɹɹə", false), "ækˈɑɹə");
        assert_eq!(ipa_to_kokoro("fˈa\u{361}ɪ\u{361}ɚ", false), "fˈIəɹ");
    }

    #[test]
    fn mapping_gb() {
        assert_eq!(ipa_to_kokoro("kəkˈɔːɹə\u{361}ʊ", true), "kəkˈɔːɹQ");
        assert_eq!(ipa_to_kokoro("hˈe\u{361}ə", true), "hˈɛː");
        assert_eq!(ipa_to_kokoro("nˈi\u{361}ə", true), "nˈɪə");
        assert_eq!(ipa_to_kokoro("ɡˈə\u{361}ʊ", true), "ɡˈQ");
        assert_eq!(ipa_to_kokoro("bˈɑːx", true), "bˈɑːk");
        assert_eq!(ipa_to_kokoro("hˈɜː", true), "hˈɜː");
    }

    #[test]
    fn language_flags_are_removed() {
        assert_eq!(strip_language_flags("(fr)ʃɑ̃sɔ̃(en) ok"), "ʃɑ̃sɔ̃ ok");
        assert_eq!(strip_language_flags("a (b c) d"), "a (b c) d");
        assert_eq!(strip_language_flags("a (b"), "a (b");
    }

    #[test]
    fn espeak_reads_words() {
        let ipa = text_to_ipa("Zigbee", "en-us").unwrap();
        assert!(ipa.contains('z') && ipa.contains('ˈ'), "{ipa}");
        // Several clauses: all of them come back.
        let ipa = text_to_ipa("one, two. three! four", "en-us").unwrap();
        assert!(ipa.starts_with('w') && ipa.ends_with('ɹ'), "{ipa}");
        assert_eq!(ipa.split(' ').count(), 4, "{ipa}");
        assert_eq!(text_to_ipa(" \0 ", "en-us").unwrap(), "");
    }

    #[test]
    fn missing_data_dir_is_named_with_the_fix() {
        let err = check_data_dir(PathBuf::from("/nonexistent/espeak-ng-data")).unwrap_err();
        assert!(matches!(err, EspeakError::DataMissing { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("/nonexistent/espeak-ng-data") && msg.contains("espeak-ng-data package"),
            "{msg}"
        );
        // The system's own data directory passes.
        check("en-us").unwrap();
    }

    #[test]
    fn unknown_voice_is_an_error() {
        assert_eq!(
            text_to_ipa("hello", "no-such-voice-xx"),
            Err(EspeakError::Voice("no-such-voice-xx".into()))
        );
        // The state recovers for the next caller.
        assert!(!text_to_ipa("hello", "en-us").unwrap().is_empty());
    }

    #[test]
    fn calls_from_many_threads_are_serialised() {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                std::thread::spawn(move || {
                    let voice = if i % 2 == 0 { "en-us" } else { "en" };
                    text_to_ipa("Sonos and Zigbee", voice).unwrap()
                })
            })
            .collect();
        let outs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(outs.iter().all(|o| !o.is_empty()));
        assert!(outs.iter().step_by(2).all(|o| o == &outs[0]));
    }
}
