//! Pronunciations the user decides, applied before the G2P: misaki's inline markup
//! `[Kokoro](/kˈOkəɹO/)` and the user [`Lexicon`]. Both cut the text into runs: text
//! for the phonemizer and phonemes used as given; the runs' phonemes are then joined
//! with the spacing of the original text.
//!
//! misaki-rs parses the markup itself, but wrongly in places (a possessive after it,
//! an abbreviation before it), so we take the markup out before misaki sees it. Text
//! without markup or lexicon words goes to the phonemizer whole, exactly as before.

use super::error::TextError;
use super::g2p::{Lang, Phonemizer};
use super::lexicon::{self, Lexicon};

/// A stretch of input: words for the G2P, or phonemes (Kokoro symbols) to use as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Text; may hold inline markup and lexicon words. Whitespace at its edges marks
    /// a word boundary with the runs beside it.
    Text(String),
    /// Kokoro phonemes, one or more words; never passed through the G2P.
    Phonemes(String),
}

/// Punctuation Kokoro speaks as prosody (as in `g2p`): kept when a run has nothing else.
const PUNCTS: &str = ";:,.!?—…\"()“”";
/// Punctuation that attaches to the word before it: no space is put before it.
const CLOSING: &str = ";:,.!?…)”";

/// Kokoro phonemes for `text` with `p`, after inline markup and `lexicon`.
pub fn phonemize(p: &Phonemizer, lexicon: &Lexicon, text: &str) -> Result<String, TextError> {
    phonemize_runs(p, lexicon, &[Run::Text(text.to_owned())])
}

/// Kokoro phonemes for `runs` with `p`: text runs have their inline markup and
/// lexicon words replaced, the rest goes to the phonemizer; phoneme runs are used
/// as given. Only symbols in Kokoro's vocabulary, single spaces.
pub fn phonemize_runs(
    p: &Phonemizer,
    lexicon: &Lexicon,
    runs: &[Run],
) -> Result<String, TextError> {
    let runs = expand(runs, lexicon, p.lang());
    if let [Run::Text(t)] = runs.as_slice() {
        // Nothing overridden: the whole text goes to misaki, with all its context.
        return p.phonemize(t);
    }
    let mut out = String::new();
    let mut space = false;
    for run in &runs {
        let (part, lead, trail) = match run {
            Run::Phonemes(ps) => (ps.clone(), false, false),
            Run::Text(t) => {
                let part = match p.phonemize(t) {
                    Ok(ps) => ps,
                    Err(TextError::Empty) => String::new(),
                    // Punctuation alone still shapes the prosody of the words before it.
                    Err(TextError::NothingSpeakable) => {
                        t.chars().filter(|c| PUNCTS.contains(*c)).collect()
                    }
                    Err(e) => return Err(e),
                };
                (
                    part,
                    t.starts_with(char::is_whitespace),
                    t.ends_with(char::is_whitespace),
                )
            }
        };
        space |= lead;
        if !part.is_empty() {
            if space && !out.is_empty() && !part.starts_with(|c| CLOSING.contains(c)) {
                out.push(' ');
            }
            out.push_str(&part);
            space = false;
        }
        space |= trail;
    }
    if !out.chars().any(char::is_alphabetic) {
        return Err(
            if runs
                .iter()
                .all(|r| matches!(r, Run::Text(t) if t.trim().is_empty()))
            {
                TextError::Empty
            } else {
                TextError::NothingSpeakable
            },
        );
    }
    Ok(out)
}

/// Runs with inline markup and lexicon words turned into phoneme runs.
pub fn expand(runs: &[Run], lexicon: &Lexicon, lang: Lang) -> Vec<Run> {
    let british = lang == Lang::EnGb;
    let use_lexicon = lexicon.applies_to(lang);
    let mut out: Vec<Run> = Vec::new();
    for run in runs {
        let Run::Text(text) = run else {
            out.push(run.clone());
            continue;
        };
        for piece in split_markup(text) {
            match piece {
                Run::Text(t) if use_lexicon => apply_lexicon(&t, lexicon, lang, british, &mut out),
                Run::Text(t) => push_text(&mut out, &t, british),
                ph => out.push(ph),
            }
        }
    }
    out
}

/// Add text, merging it with a text run before it; a possessive `'s` right after a
/// phoneme run joins those phonemes.
fn push_text(out: &mut Vec<Run>, t: &str, british: bool) {
    let mut t = t;
    if let Some(Run::Phonemes(ps)) = out.last_mut() {
        for apos in ["'s", "’s"] {
            if let Some(rest) = t.strip_prefix(apos) {
                if !rest.starts_with(char::is_alphanumeric) {
                    *ps = possessive(ps, british);
                    t = rest;
                }
            }
        }
    }
    if t.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Run::Text(prev)) => prev.push_str(t),
        _ => out.push(Run::Text(t.to_owned())),
    }
}

/// `ps` with the English possessive `'s` as misaki forms it: ᵻz (GB ɪz) after a
/// sibilant, s after a voiceless sound, z otherwise.
fn possessive(ps: &str, british: bool) -> String {
    let last = ps.chars().rev().find(|c| c.is_alphabetic());
    let suffix = match last {
        Some('s' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ') if british => "ɪz",
        Some('s' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ') => "ᵻz",
        Some('p' | 't' | 'k' | 'f' | 'θ') => "s",
        _ => "z",
    };
    format!("{ps}{suffix}")
}

/// Text cut at inline markup `[word](/phonemes/)`. Markup whose phonemes Kokoro cannot
/// say is replaced by its word (and logged); other bracket forms are left as they are.
pub fn split_markup(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut plain = String::new();
    while let Some(open) = rest.find('[') {
        let Some((word, phonemes, len)) = markup_at(&rest[open..]) else {
            plain.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        };
        plain.push_str(&rest[..open]);
        match lexicon::check_phonemes(phonemes) {
            Ok(ps) => {
                if !plain.is_empty() {
                    out.push(Run::Text(std::mem::take(&mut plain)));
                }
                out.push(Run::Phonemes(ps));
            }
            Err(e) => {
                // Client text: debug only, and cut short.
                tracing::debug!(word = %preview(word), "inline markup ignored, the word is read instead: {e}");
                plain.push_str(word);
            }
        }
        rest = &rest[open + len..];
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Run::Text(plain));
    }
    out
}

/// Longest word, and longest phoneme string, of one inline markup, in bytes. The
/// look-ahead for a closing `]` or `)` stops there, so a text full of `[a](` costs
/// time linear in its length, not the square of it.
const MAX_MARKUP_PART: usize = 256;

/// Where the first of `stops` is in the first [`MAX_MARKUP_PART`] bytes of `s`.
fn find_near(s: &str, stops: &[u8]) -> Option<usize> {
    let window = &s.as_bytes()[..s.len().min(MAX_MARKUP_PART + 1)];
    // The stops are ASCII: a match is always at a char boundary.
    window.iter().position(|b| stops.contains(b))
}

/// `[word](/phonemes/)` at the start of `s`: the word, the phonemes and the byte length.
fn markup_at(s: &str) -> Option<(&str, &str, usize)> {
    let body = s.strip_prefix('[')?;
    let close = find_near(body, b"][\n")?;
    if !body[close..].starts_with(']') || body[..close].trim().is_empty() {
        return None;
    }
    let word = &body[..close];
    let paren = body[close + 1..].strip_prefix('(')?;
    let end = find_near(paren, b")\n")?;
    let inner = &paren[..end];
    if !paren[end..].starts_with(')')
        || inner.len() < 2
        || !inner.starts_with('/')
        || !inner.ends_with('/')
    {
        return None;
    }
    let len = 1 + close + 1 + 1 + end + 1;
    Some((word, &inner[1..inner.len() - 1], len))
}

/// At most the first 32 characters of client text, for a log line.
fn preview(text: &str) -> String {
    const MAX: usize = 32;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Replace the words of `text` that the lexicon knows; the rest stays text.
fn apply_lexicon(text: &str, lexicon: &Lexicon, lang: Lang, british: bool, out: &mut Vec<Run>) {
    let mut last = 0;
    for (at, word) in words(text) {
        let mut hits: Vec<(usize, usize, String)> = Vec::new();
        if let Some(ps) = lookup(lexicon, lang, word, british) {
            hits.push((at, word.len(), ps));
        } else if word.contains('-') {
            // "Kokoro-based": the parts on their own.
            let mut off = 0;
            for part in word.split('-') {
                if let Some(ps) = lookup(lexicon, lang, part, british) {
                    hits.push((at + off, part.len(), ps));
                }
                off += part.len() + 1;
            }
        }
        for (start, len, ps) in hits {
            push_text(out, &text[last..start], british);
            out.push(Run::Phonemes(ps));
            last = start + len;
        }
    }
    push_text(out, &text[last..], british);
}

/// The lexicon's phonemes for `word`, or for its stem plus a possessive `'s`.
fn lookup(lexicon: &Lexicon, lang: Lang, word: &str, british: bool) -> Option<String> {
    if let Some(ps) = lexicon.lookup(lang, word) {
        return Some(ps.to_owned());
    }
    let stem = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))?;
    lexicon.lookup(lang, stem).map(|ps| possessive(ps, british))
}

/// The words of `text` with their byte offsets: letters and digits, joined by `'`,
/// `’` or `-` between two of them ("don't", "Wi-Fi").
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            let joined = matches!(c, '\'' | '’' | '-')
                && text[i + c.len_utf8()..].starts_with(char::is_alphanumeric);
            if c.is_alphanumeric() || joined {
                chars.next();
            } else {
                end = i;
                break;
            }
        }
        Some((start, &text[start..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_text_is_logged_at_debug_only_and_cut_short() {
        let log = |level: tracing::Level, text: &str| {
            let buf = crate::system::logging::CapturedLog::default();
            let sink = buf.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || sink.clone())
                .with_max_level(level)
                .with_ansi(false)
                .finish();
            tracing::subscriber::with_default(subscriber, || split_markup(text));
            buf.text()
        };
        // Markup Kokoro cannot say, around a private word (bounded look-ahead: 200 bytes).
        let secret = format!("[my bank PIN is 4711 {}]", "x".repeat(150)) + "(/123/)";
        assert_eq!(
            log(tracing::Level::INFO, &secret),
            "",
            "nothing at info or above"
        );
        let debug = log(tracing::Level::DEBUG, &secret);
        assert!(debug.contains("inline markup ignored"), "{debug}");
        assert!(!debug.contains(&"x".repeat(40)), "cut short: {debug}");
    }
    use std::sync::OnceLock;

    fn us() -> &'static Phonemizer {
        static P: OnceLock<Phonemizer> = OnceLock::new();
        P.get_or_init(|| Phonemizer::new(Lang::EnUs).unwrap())
    }

    fn ph(s: &str) -> Run {
        Run::Phonemes(s.into())
    }
    fn tx(s: &str) -> Run {
        Run::Text(s.into())
    }

    #[test]
    fn word_boundaries() {
        let w: Vec<(usize, &str)> = words("Don't use Wi-Fi -- it's 5G, 'ok'-ish é-b").collect();
        assert_eq!(
            w,
            vec![
                (0, "Don't"),
                (6, "use"),
                (10, "Wi-Fi"),
                (19, "it's"),
                (24, "5G"),
                (29, "ok"),
                (33, "ish"),
                (37, "é-b")
            ]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words("?! …").count(), 0);
    }

    #[test]
    fn markup_is_cut_out() {
        assert_eq!(
            split_markup("Say [Kokoro](/kˈOkəɹO/) twice."),
            vec![tx("Say "), ph("kˈOkəɹO"), tx(" twice.")]
        );
        assert_eq!(
            split_markup("[New York](/nˈu jˈɔɹk/)"),
            vec![ph("nˈu jˈɔɹk")]
        );
        // Not markup: left alone.
        for s in [
            "[x](+1)",
            "[x] (/a/)",
            "[](/a/)",
            "[x](//)",
            "a [b",
            "[x](/a",
            "[[x](/a/)",
        ] {
            let runs = split_markup(s);
            assert!(
                runs.iter().all(|r| matches!(r, Run::Text(_))) || s == "[[x](/a/)",
                "{s}: {runs:?}"
            );
        }
        assert_eq!(split_markup("[[x](/ˈɛks/)"), vec![tx("["), ph("ˈɛks")]);
        // Phonemes Kokoro cannot say: the word is read instead.
        assert_eq!(split_markup("a [snow](/☃/) b"), vec![tx("a snow b")]);
    }

    #[test]
    fn inline_markup_is_applied() {
        let lex = Lexicon::new();
        let p = |t: &str| phonemize(us(), &lex, t).unwrap();
        assert_eq!(p("[Kokoro](/kˈOkəɹO/) is here"), "kˈOkəɹO ɪz hˈɪɹ");
        assert_eq!(p("Hello, [Kokoro](/kˈOkəɹO/)!"), "həlˈO, kˈOkəɹO!");
        // Cases misaki-rs's own markup gets wrong.
        assert_eq!(p("[Kokoro](/kˈOkəɹO/)'s voice"), "kˈOkəɹOz vˈYs");
        assert_eq!(p("Ms. [Nice](/nˈis/)"), "mˈɪz nˈis");
        // Without markup, exactly what the phonemizer says.
        assert_eq!(p("Hello world."), us().phonemize("Hello world.").unwrap());
        assert_eq!(phonemize(us(), &lex, "  "), Err(TextError::Empty));
        assert_eq!(
            phonemize_runs(us(), &lex, &[tx(" "), tx("?!")]),
            Err(TextError::NothingSpeakable)
        );
        assert_eq!(
            phonemize_runs(us(), &lex, &[tx(" "), tx(" ")]),
            Err(TextError::Empty)
        );
    }

    #[test]
    fn lexicon_is_applied_word_by_word() {
        let mut lex = Lexicon::new();
        lex.insert("en-us", "kokoro", "kˈOkəɹO").unwrap();
        lex.insert("en", "Zigbee", "zˈɪɡbi").unwrap();
        lex.insert("en-gb", "tomato", "tˈɛst").unwrap();
        let p = |t: &str| phonemize(us(), &lex, t).unwrap();
        assert_eq!(p("Kokoro speaks."), "kˈOkəɹO spˈiks.");
        assert_eq!(p("I like KOKORO's voice"), "ˌI lˈIk kˈOkəɹOz vˈYs");
        assert_eq!(p("Zigbee and zigbee"), "zˈɪɡbi ænd zˈɪɡbi");
        assert_eq!(p("Kokoro-based"), "kˈOkəɹObˈAst");
        // An en-gb entry does not touch American English.
        assert_eq!(p("tomato"), us().phonemize("tomato").unwrap());
        // Markup wins over the lexicon.
        assert_eq!(p("[Kokoro](/kəkˈɔɹO/) Kokoro"), "kəkˈɔɹO kˈOkəɹO");
        assert_eq!(
            expand(&[tx("the kokoro.")], &lex, Lang::EnUs),
            vec![tx("the "), ph("kˈOkəɹO"), tx(".")]
        );
    }

    #[test]
    fn runs_keep_their_spacing() {
        let lex = Lexicon::new();
        let p = |r: &[Run]| phonemize_runs(us(), &lex, r).unwrap();
        assert_eq!(
            p(&[tx("Say"), tx(" "), ph("kˈOkəɹO"), tx(" "), tx("now")]),
            "sˈA kˈOkəɹO nˈW"
        );
        assert_eq!(p(&[ph("kˈO"), ph("kəɹO")]), "kˈOkəɹO");
        assert_eq!(p(&[ph("kˈOkəɹO"), tx(" ."),]), "kˈOkəɹO.");
        assert_eq!(p(&[ph("ˈA"), tx(" B C")]), "ˈA bˈi sˈi");
    }

    #[test]
    fn possessives() {
        assert_eq!(possessive("kˈOkəɹO", false), "kˈOkəɹOz");
        assert_eq!(possessive("ʤˈOnz", false), "ʤˈOnzᵻz");
        assert_eq!(possessive("ʤˈOnz", true), "ʤˈOnzɪz");
        assert_eq!(possessive("mˈɑɹk", false), "mˈɑɹks");
    }
}
