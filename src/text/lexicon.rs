//! The user's lexicon: words → Kokoro phonemes, per language, applied before the G2P.
//!
//! Files are plain text, one entry a line: the word, a tab or spaces, then its
//! phonemes in Kokoro's symbols as misaki writes them, optionally between slashes:
//!
//! ```text
//! # <data dir>/lexicon/en-us.txt
//! Kokoro  kˈOkəɹO
//! Zigbee  /zˈɪɡbi/
//! ```
//!
//! A directory holds one file per language, named by its BCP-47 tag: `en-us.txt`,
//! `en-gb.txt`, or `en.txt` for every English variant (a more specific file wins).
//! A file with another name applies to every language. Bad lines are reported with
//! file and line and skipped; nothing here is fatal.
//!
//! Lookups are case-aware: the word as written first, then in lower case, so an entry
//! `kokoro` also serves "Kokoro", while an entry `Nice` (the city) leaves "nice" alone.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::g2p::Lang;
use super::vocab;

/// Biggest lexicon file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The key of the table that applies to every language.
const ANY: &str = "*";

/// A problem with one lexicon entry or file; the rest still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconWarning {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, or 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LexiconWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file.display(), self.message),
            n => write!(f, "{}:{n}: {}", self.file.display(), self.message),
        }
    }
}

/// Words and their phonemes, one table per language key (`en-us`, `en`, `*`).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    tables: HashMap<String, HashMap<String, String>>,
}

impl Lexicon {
    /// An empty lexicon.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries over all languages.
    pub fn len(&self) -> usize {
        self.tables.values().map(HashMap::len).sum()
    }

    /// Whether there are no entries at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some entry could apply to `lang`.
    pub fn applies_to(&self, lang: Lang) -> bool {
        keys(lang)
            .iter()
            .any(|k| self.tables.get(k).is_some_and(|t| !t.is_empty()))
    }

    /// Load `path`: a directory of per-language files, or one file (whose name picks
    /// its language as in a directory). A missing path is an empty lexicon, with a
    /// warning only if `path` was named by the user (`explicit`).
    pub fn load(path: &Path, explicit: bool) -> (Lexicon, Vec<LexiconWarning>) {
        let mut lex = Lexicon::new();
        let mut warnings = Vec::new();
        let warn = |line, message: String| LexiconWarning {
            file: path.to_owned(),
            line,
            message,
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {}
            Err(e) => warnings.push(warn(0, format!("cannot read the lexicon: {e}"))),
            Ok(m) if m.is_dir() => match std::fs::read_dir(path) {
                Err(e) => warnings.push(warn(0, format!("cannot read the lexicon directory: {e}"))),
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
                        .collect();
                    files.sort();
                    for f in files {
                        warnings.extend(lex.load_file(&f));
                    }
                }
            },
            Ok(_) => warnings.extend(lex.load_file(path)),
        }
        (lex, warnings)
    }

    /// Add the entries of one file; its name picks the language (`en-gb.txt`), any
    /// other name means every language.
    pub fn load_file(&mut self, path: &Path) -> Vec<LexiconWarning> {
        let key = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(language_key)
            .unwrap_or_else(|| ANY.to_owned());
        let warn = |message: String| {
            vec![LexiconWarning {
                file: path.to_owned(),
                line: 0,
                message,
            }]
        };
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                return warn(format!(
                    "the file is over {} MiB; not loaded",
                    MAX_FILE_BYTES >> 20
                ))
            }
            Err(e) => return warn(format!("cannot read the lexicon: {e}")),
            Ok(_) => {}
        }
        match std::fs::read(path) {
            Ok(bytes) => self.add_str(&key, &String::from_utf8_lossy(&bytes), path),
            Err(e) => warn(format!("cannot read the lexicon: {e}")),
        }
    }

    /// Add the entries in `content` (the text of a lexicon file) under language key
    /// `key`; `file` names the source in warnings.
    pub fn add_str(&mut self, key: &str, content: &str, file: &Path) -> Vec<LexiconWarning> {
        let mut warnings = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let table = self.tables.entry(key.to_owned()).or_default();
        for (i, line) in content.lines().enumerate() {
            let n = i + 1;
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (word, phonemes) = match line.split_once('\t') {
                Some((w, p)) => (w.trim(), p.trim()),
                None => match line.split_once(char::is_whitespace) {
                    Some((w, p)) => (w.trim(), p.trim()),
                    None => (line, ""),
                },
            };
            let result = check_word(word).and_then(|()| check_phonemes(phonemes));
            match result {
                Err(e) => warnings.push(LexiconWarning {
                    file: file.to_owned(),
                    line: n,
                    message: e.to_string(),
                }),
                Ok(ps) => {
                    if let Some(first) = seen.insert(word.to_owned(), n) {
                        warnings.push(LexiconWarning {
                            file: file.to_owned(),
                            line: n,
                            message: format!("{word:?} is also on line {first}; this line wins"),
                        });
                    }
                    table.insert(word.to_owned(), ps);
                }
            }
        }
        warnings
    }

    /// Add one entry; the phonemes are checked as in a file.
    pub fn insert(&mut self, key: &str, word: &str, phonemes: &str) -> Result<(), EntryError> {
        check_word(word)?;
        let ps = check_phonemes(phonemes)?;
        self.tables
            .entry(key.to_ascii_lowercase())
            .or_default()
            .insert(word.to_owned(), ps);
        Ok(())
    }

    /// The phonemes for `word` in `lang`: the most specific language first (`en-gb`,
    /// then `en`, then every-language), each as written and then in lower case.
    pub fn lookup(&self, lang: Lang, word: &str) -> Option<&str> {
        let lower = word.to_lowercase();
        keys(lang)
            .iter()
            .filter_map(|k| self.tables.get(k))
            .find_map(|t| t.get(word).or_else(|| t.get(&lower)).map(String::as_str))
    }
}

/// The table keys for `lang`, most specific first.
fn keys(lang: Lang) -> [String; 3] {
    let tag = lang.bcp47().to_ascii_lowercase();
    let primary = tag.split('-').next().unwrap_or_default().to_owned();
    [tag, primary, ANY.to_owned()]
}

/// The key for a file stem that is a language tag (`en-GB`, `en_us`, `en`).
fn language_key(stem: &str) -> Option<String> {
    let tag = stem.trim().to_ascii_lowercase().replace('_', "-");
    let mut parts = tag.split('-');
    let primary = parts.next()?;
    let ok = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    ok.then_some(tag)
}

/// Why a lexicon entry (or inline phoneme markup) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The line has phonemes but no word.
    #[error("no word")]
    NoWord,
    /// The word could never match a word of a text.
    #[error(
        "{0:?} is not a single word (letters and digits, with ' or - inside); it could never match"
    )]
    NotAWord(String),
    /// The word has no phonemes.
    #[error("no phonemes after the word")]
    NoPhonemes,
    /// Symbols outside Kokoro's vocabulary.
    #[error("phonemes {phonemes:?} have symbols Kokoro does not know: {} (write Kokoro's symbols, as misaki does)", symbol_list(.symbols))]
    UnknownSymbols {
        /// The phonemes as written.
        phonemes: String,
        /// The symbols Kokoro does not know (at most 8).
        symbols: Vec<char>,
    },
    /// Only stress marks or punctuation.
    #[error("phonemes {0:?} have no sounds")]
    Silent(String),
}

/// `'x', 'y'` for an error message.
pub(crate) fn symbol_list(symbols: &[char]) -> String {
    symbols
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A word the pipeline can look up: letters and digits, with `'`, `’` or `-` inside.
fn check_word(word: &str) -> Result<(), EntryError> {
    if word.is_empty() {
        return Err(EntryError::NoWord);
    }
    if super::overrides::words(word).ne([(0, word)]) {
        return Err(EntryError::NotAWord(word.to_owned()));
    }
    Ok(())
}

/// Phonemes as stored: slashes stripped, single spaces, every symbol in the vocabulary.
pub(crate) fn check_phonemes(ps: &str) -> Result<String, EntryError> {
    let ps = ps.trim();
    let ps = ps
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .unwrap_or(ps);
    let ps = ps.split_whitespace().collect::<Vec<_>>().join(" ");
    if ps.is_empty() {
        return Err(EntryError::NoPhonemes);
    }
    let mut bad: Vec<char> = ps.chars().filter(|&c| !vocab::in_vocab(c)).collect();
    bad.sort_unstable();
    bad.dedup();
    if !bad.is_empty() {
        bad.truncate(8);
        return Err(EntryError::UnknownSymbols {
            phonemes: ps,
            symbols: bad,
        });
    }
    if !ps.chars().any(char::is_alphabetic) {
        return Err(EntryError::Silent(ps));
    }
    Ok(ps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(key: &str, content: &str) -> (Lexicon, Vec<LexiconWarning>) {
        let mut l = Lexicon::new();
        let w = l.add_str(key, content, Path::new("lexicon/test.txt"));
        (l, w)
    }

    #[test]
    fn entries_and_case_aware_lookup() {
        let (l, w) = lex(
            "en-us",
            "# names\nkokoro\tkˈOkəɹO\nNice  /nˈis/\n\nWi-Fi\twˈIfI\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(l.len(), 3);
        assert_eq!(l.lookup(Lang::EnUs, "kokoro"), Some("kˈOkəɹO"));
        assert_eq!(l.lookup(Lang::EnUs, "Kokoro"), Some("kˈOkəɹO"));
        assert_eq!(l.lookup(Lang::EnUs, "KOKORO"), Some("kˈOkəɹO"));
        assert_eq!(l.lookup(Lang::EnUs, "Nice"), Some("nˈis"));
        assert_eq!(l.lookup(Lang::EnUs, "nice"), None);
        assert_eq!(l.lookup(Lang::EnUs, "wi-fi"), None);
        assert_eq!(l.lookup(Lang::EnUs, "Wi-Fi"), Some("wˈIfI"));
        // Another language does not see en-us entries.
        assert_eq!(l.lookup(Lang::EnGb, "kokoro"), None);
        assert!(l.applies_to(Lang::EnUs) && !l.applies_to(Lang::EnGb));
    }

    #[test]
    fn specific_language_wins() {
        let mut l = Lexicon::new();
        l.insert("en", "tomato", "təmˈɑːtO").unwrap();
        l.insert("en-gb", "tomato", "təmˈɑːtQ").unwrap();
        l.insert("*", "zed", "zˈɛd").unwrap();
        assert_eq!(l.lookup(Lang::EnGb, "tomato"), Some("təmˈɑːtQ"));
        assert_eq!(l.lookup(Lang::EnUs, "tomato"), Some("təmˈɑːtO"));
        assert_eq!(l.lookup(Lang::EnUs, "Zed"), Some("zˈɛd"));
        assert!(l.insert("en", "two words", "tˈu").is_err());
        assert!(l.insert("en", "x", "☃").is_err());
    }

    #[test]
    fn bad_lines_are_reported_with_their_line() {
        let content = "good\tɡˈʊd\nnophonemes\n\nbad\tb☃d\nNew York\tnˈu jˈɔɹk\n?!\tˈɛks\nonlypunct\t..,\ngood\tɡˈʊdd\n";
        let (l, w) = lex("en-us", content);
        let lines: Vec<usize> = w.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![2, 4, 5, 6, 7, 8], "{w:#?}");
        assert!(w[0].message.contains("no phonemes"));
        assert!(w[1].message.contains("'☃'"));
        assert!(w[2].message.contains("not a single word"));
        assert!(w[4].message.contains("no sounds"));
        assert!(w[5].message.contains("also on line 1"));
        assert_eq!(w[1].to_string(), "lexicon/test.txt:4: phonemes \"b☃d\" have symbols Kokoro does not know: '☃' (write Kokoro's symbols, as misaki does)");
        // Good lines still load; the later duplicate wins.
        assert_eq!(l.lookup(Lang::EnUs, "good"), Some("ɡˈʊdd"));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("lexicon");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("en-us.txt"), "Kokoro\tkˈOkəɹO\n").unwrap();
        std::fs::write(d.join("en_GB.txt"), "Kokoro\tkˈQkəɹQ\nbroken\n").unwrap();
        std::fs::write(d.join("en.txt"), "zigbee\tzˈɪɡbi\n").unwrap();
        std::fs::write(d.join("names.txt"), "Sonos\tsˈOnOs\n").unwrap();
        std::fs::write(d.join("README.md"), "not a lexicon\n").unwrap();
        let (l, w) = Lexicon::load(&d, false);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            (w[0].file.file_name().unwrap().to_str().unwrap(), w[0].line),
            ("en_GB.txt", 2)
        );
        assert_eq!(l.lookup(Lang::EnUs, "Kokoro"), Some("kˈOkəɹO"));
        assert_eq!(l.lookup(Lang::EnGb, "Kokoro"), Some("kˈQkəɹQ"));
        assert_eq!(l.lookup(Lang::EnGb, "Zigbee"), Some("zˈɪɡbi"));
        assert_eq!(l.lookup(Lang::EnUs, "Sonos"), Some("sˈOnOs"));
        // One file.
        let (l, w) = Lexicon::load(&d.join("en-us.txt"), true);
        assert!(w.is_empty() && l.len() == 1 && l.lookup(Lang::EnGb, "Kokoro").is_none());
        // A missing default dir is silent; a missing explicit path is a warning.
        let (l, w) = Lexicon::load(&dir.path().join("nope"), false);
        assert!(l.is_empty() && w.is_empty());
        let (l, w) = Lexicon::load(&dir.path().join("nope.txt"), true);
        assert!(l.is_empty() && w.len() == 1 && w[0].line == 0, "{w:?}");
        assert!(
            w[0].to_string()
                .contains("nope.txt: cannot read the lexicon"),
            "{}",
            w[0]
        );
        // Not UTF-8: read lossily; the broken line is reported, others load.
        std::fs::write(d.join("en-us.txt"), b"ok\t\xc3\xb8k\nbad\t\xff\xfe\n").unwrap();
        let (l, w) = Lexicon::load(&d.join("en-us.txt"), true);
        assert_eq!((l.len(), w.len(), w[0].line), (1, 1, 2), "{w:?}");
    }

    #[test]
    fn language_keys() {
        assert_eq!(language_key("en-US").as_deref(), Some("en-us"));
        assert_eq!(language_key("en_gb").as_deref(), Some("en-gb"));
        assert_eq!(language_key("fr").as_deref(), Some("fr"));
        assert_eq!(language_key("names"), None);
        assert_eq!(language_key("e"), None);
        assert_eq!(
            keys(Lang::EnGb),
            ["en-gb".to_owned(), "en".to_owned(), "*".to_owned()]
        );
    }
}
