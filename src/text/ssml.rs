//! SSML → a flat list of [`Segment`]s: text to speak (with its language and rate),
//! phonemes given by the author, silences and sentence ends.
//!
//! The XML reader is our own and deliberately small: SSML needs elements, attributes,
//! text, comments, CDATA and the five predefined entities plus numeric character
//! references, nothing more. A document type declaration (`<!DOCTYPE …>`, where entity
//! definitions live) is refused outright, so entity-expansion bombs cannot expand;
//! nesting depth, attribute sizes, the input, the text it produces and the number of
//! segments are all bounded. Errors name the line and column.
//!
//! Elements: `<speak>`, `<p>`/`<s>` (sentence ends), `<break>`, `<say-as>`, `<sub>`,
//! `<phoneme>`, `<prosody rate>`, `<lang>`, `<emphasis>`. `xml:lang` is honoured on any
//! element. Unknown elements are ignored and their text kept; a fragment without a
//! `<speak>` root is accepted.

use std::time::Duration;

use super::g2p::espeak::ipa_to_kokoro;
use super::g2p::Lang;
use super::say_as::{self, InterpretAs};
use super::vocab;

/// Longest SSML document accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Longest element or attribute name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest attribute value, in bytes (before entity decoding).
pub const MAX_ATTR_BYTES: usize = 4096;
/// Most attributes on one element.
pub const MAX_ATTRS: usize = 16;
/// Most segments a document may produce.
pub const MAX_SEGMENTS: usize = 10_000;
/// Most text a document may produce (after `<sub>` and `<say-as>`), in bytes.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// Longest single break; longer ones are shortened to this (as other engines do).
pub const MAX_BREAK: Duration = Duration::from_secs(10);
/// Most silence a document may ask for in all.
pub const MAX_TOTAL_BREAK: Duration = Duration::from_secs(300);

/// Break lengths for `<break strength>`; a `<break/>` without attributes is `medium`.
pub const BREAK_STRENGTHS: [(&str, Duration); 6] = [
    ("none", Duration::ZERO),
    ("x-weak", Duration::from_millis(100)),
    ("weak", Duration::from_millis(250)),
    ("medium", Duration::from_millis(500)),
    ("strong", Duration::from_millis(750)),
    ("x-strong", Duration::from_millis(1000)),
];

/// Speed factors for `<prosody rate>` keywords; percentages and plain numbers are
/// factors too (`80%` = 0.8, `+20%` = 1.2, `1.2`). Nested rates multiply.
pub const RATE_KEYWORDS: [(&str, f32); 6] = [
    ("x-slow", 0.6),
    ("slow", 0.8),
    ("medium", 1.0),
    ("default", 1.0),
    ("fast", 1.25),
    ("x-fast", 1.6),
];

/// How `<phoneme ph>` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// IPA (`alphabet="ipa"`, the default), mapped to Kokoro's symbols.
    Ipa,
    /// Kokoro's own symbols, as misaki writes them (`alphabet="x-kokoro"`, `"kokoro"`
    /// or `"misaki"`), used as given.
    Kokoro,
}

/// One step of an SSML document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Text to phonemize. Whitespace is collapsed and trimmed; never empty. It may
    /// hold misaki inline markup (`[A](/ˈA/)`), which `<say-as>` uses for letters.
    Text {
        /// The words.
        text: String,
        /// The `xml:lang` in effect, if any; `None` means the voice's language.
        lang: Option<String>,
        /// The `<prosody rate>` factor in effect (1.0 if none).
        rate: f32,
    },
    /// Phonemes from `<phoneme ph>`: they bypass G2P. Validated when parsed; turn them
    /// into Kokoro symbols with [`phoneme_symbols`] once the language is known.
    Phonemes {
        /// The `ph` attribute as written.
        ph: String,
        /// How `ph` is written.
        alphabet: Alphabet,
        /// The `xml:lang` in effect, if any.
        lang: Option<String>,
        /// The rate factor in effect.
        rate: f32,
    },
    /// Silence of this length (at most [`MAX_BREAK`]).
    Break(Duration),
    /// The end of a sentence or paragraph (`<s>`, `<p>`): what follows is spoken as a
    /// new sentence.
    SentenceEnd,
}

/// Why an SSML document was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SsmlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset into the input.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse SSML into segments. `default_lang` (the voice's BCP-47 language) only affects
/// `<say-as>` readings where no `xml:lang` is in effect (en-GB: "one hundred and five",
/// day before month); segments keep `lang: None` there.
pub fn parse(input: &str, default_lang: Option<&str>) -> Result<Vec<Segment>, SsmlError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(error_at(
            input,
            MAX_INPUT_BYTES,
            format!(
                "the SSML is {} bytes; the limit is {MAX_INPUT_BYTES}",
                input.len()
            ),
        ));
    }
    let mut lexer = Lexer { src: input, pos: 0 };
    let mut b = Builder::new(default_lang.map(str::to_owned));
    let mut stack: Vec<Frame> = Vec::new();
    let fail = |at: usize, msg: String| error_at(input, at, msg);
    loop {
        match lexer.next().map_err(|(at, msg)| fail(at, msg))? {
            Event::Start {
                name,
                attrs,
                empty,
                at,
            } => {
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(
                        at,
                        format!("elements nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let frame = b.open(name, &attrs, at).map_err(|m| fail(at, m))?;
                if empty {
                    b.close(frame).map_err(|m| fail(at, m))?;
                } else {
                    stack.push(frame);
                }
            }
            Event::End { name, at } => match stack.pop() {
                None => {
                    return Err(fail(
                        at,
                        format!("</{name}> closes an element that was never opened"),
                    ))
                }
                Some(f) if f.name != name => {
                    let (l, c) = line_col(input, f.at);
                    return Err(fail(
                        at,
                        format!(
                            "expected </{}> (opened at line {l}, column {c}), found </{name}>",
                            f.name
                        ),
                    ));
                }
                Some(f) => b.close(f).map_err(|m| fail(at, m))?,
            },
            Event::Text { text, at } => b.text(&text).map_err(|m| fail(at, m))?,
            Event::Eof => {
                if let Some(f) = stack.last() {
                    return Err(fail(f.at, format!("<{}> is never closed", f.name)));
                }
                break;
            }
        }
    }
    b.flush().map_err(|m| fail(input.len(), m))?;
    Ok(b.segments)
}

/// The Kokoro language for a BCP-47 tag (`en-US`, `en_gb`, `en`), or `None` if kokorod
/// cannot speak it. English variants without their own Kokoro voices go to the nearer
/// of the two: Irish, Australian, New Zealand and South African English to en-GB, the
/// rest (Canadian, plain `en`, …) to en-US.
pub fn lang_from_tag(tag: &str) -> Option<Lang> {
    let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
    let mut parts = tag.split('-');
    match (parts.next()?, parts.next()) {
        ("en", Some("gb" | "uk" | "ie" | "au" | "nz" | "za")) => Some(Lang::EnGb),
        ("en", _) => Some(Lang::EnUs),
        _ => None,
    }
}

/// Kokoro symbols for a `<phoneme ph>`: IPA is mapped (untied diphthongs and
/// affricates are tied first, `'` is the stress mark, `g` is `ɡ`, syllable dots are
/// dropped) with the espeak mapping for the accent; Kokoro symbols are checked. An
/// error names the symbols the model cannot say.
pub fn phoneme_symbols(
    ph: &str,
    alphabet: Alphabet,
    british: bool,
) -> Result<String, PhonemeError> {
    let ph = ph.trim();
    let ph = ph
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .or_else(|| ph.strip_prefix('[').and_then(|p| p.strip_suffix(']')))
        .unwrap_or(ph)
        .trim();
    let out = match alphabet {
        Alphabet::Kokoro => ph.split_whitespace().collect::<Vec<_>>().join(" "),
        Alphabet::Ipa => {
            let mut s: String = ph
                .chars()
                .filter(|&c| c != '.' && c != '‿')
                .map(|c| match c {
                    '\'' | 'ˊ' => 'ˈ',
                    'g' => 'ɡ',
                    'ɫ' => 'l',
                    'ʍ' => 'w',
                    c => c,
                })
                .collect();
            const TIED: [(&str, &str); 9] = [
                ("aɪ", "a\u{361}ɪ"),
                ("aʊ", "a\u{361}ʊ"),
                ("eɪ", "e\u{361}ɪ"),
                ("ɔɪ", "ɔ\u{361}ɪ"),
                ("oʊ", "o\u{361}ʊ"),
                ("əʊ", "ə\u{361}ʊ"),
                ("eə", "e\u{361}ə"),
                ("tʃ", "t\u{361}ʃ"),
                ("dʒ", "d\u{361}ʒ"),
            ];
            for (from, to) in TIED {
                s = s.replace(from, to);
            }
            // The goat vowel as the accent writes it: US oʊ (Kokoro O), GB əʊ (Q).
            s = if british {
                s.replace("o\u{361}ʊ", "ə\u{361}ʊ").replace('ɝ', "ɜː")
            } else {
                s.replace("ə\u{361}ʊ", "o\u{361}ʊ").replace('ɝ', "ɜɹ")
            };
            let mapped = ipa_to_kokoro(&s, british);
            mapped
                .split_whitespace()
                .map(stress_before_vowel)
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let mut bad: Vec<char> = out.chars().filter(|&c| !vocab::in_vocab(c)).collect();
    bad.dedup();
    if !bad.is_empty() {
        bad.truncate(8);
        return Err(PhonemeError::Unsayable {
            ph: ph.to_owned(),
            symbols: bad,
        });
    }
    if !out.chars().any(|c| c.is_alphabetic()) {
        return Err(PhonemeError::Silent(ph.to_owned()));
    }
    Ok(out)
}

/// Why a `<phoneme ph>` cannot be spoken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhonemeError {
    /// Symbols Kokoro has no sound for.
    #[error("ph={ph:?} has symbols Kokoro cannot say: {}", super::lexicon::symbol_list(.symbols))]
    Unsayable {
        /// The `ph` attribute, trimmed.
        ph: String,
        /// The symbols (at most 8).
        symbols: Vec<char>,
    },
    /// Only stress marks or punctuation.
    #[error("ph={0:?} has no phonemes")]
    Silent(String),
}

/// Kokoro's symbols that are (or start) a vowel.
const VOWELS: &str = "aeiouyAIOQWYæɐɑɒɔəɘɚɛɜɞɤɨɪɯɵøœʉʊʌᵊᵻ";

/// Move each stress mark from the start of its syllable (IPA's convention) to just
/// before the syllable's vowel, where misaki — and so Kokoro's training data — puts it:
/// `təˈmɑtO` → `təmˈɑtO`.
fn stress_before_vowel(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut held: Option<char> = None;
    for c in word.chars() {
        match c {
            'ˈ' | 'ˌ' => {
                if let Some(h) = held.replace(c) {
                    out.push(h);
                }
            }
            c if VOWELS.contains(c) => {
                if let Some(h) = held.take() {
                    out.push(h);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if let Some(h) = held {
        out.push(h);
    }
    out
}

/// The error for byte offset `at`, with its line and column.
fn error_at(src: &str, at: usize, message: String) -> SsmlError {
    let at = at.min(src.len());
    let (line, column) = line_col(src, at);
    SsmlError {
        line,
        column,
        offset: at,
        message,
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_col(src: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

// ---------------------------------------------------------------------------------
// The XML reader.

/// One piece of the document.
enum Event<'a> {
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, String)>,
        empty: bool,
        at: usize,
    },
    End {
        name: &'a str,
        at: usize,
    },
    Text {
        text: String,
        at: usize,
    },
    Eof,
}

/// An error: the byte offset and the message.
type LexError = (usize, String);

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn next(&mut self) -> Result<Event<'a>, LexError> {
        loop {
            let rest = self.rest();
            let at = self.pos;
            if rest.is_empty() {
                return Ok(Event::Eof);
            }
            if let Some(body) = rest.strip_prefix("<!--") {
                let end = body
                    .find("-->")
                    .ok_or((at, "the comment is never closed (-->)".to_owned()))?;
                self.pos += 4 + end + 3;
                continue;
            }
            if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let end = body
                    .find("]]>")
                    .ok_or((at, "the CDATA section is never closed (]]>)".to_owned()))?;
                self.pos += 9 + end + 3;
                return Ok(Event::Text {
                    text: body[..end].to_owned(),
                    at,
                });
            }
            if rest.starts_with("<!") {
                return Err((
                    at,
                    "document type declarations (<!DOCTYPE …>, <!ENTITY …>) are not allowed in SSML; \
                     only the predefined entities &lt; &gt; &amp; &quot; &apos; and numeric references are"
                        .to_owned(),
                ));
            }
            if let Some(body) = rest.strip_prefix("<?") {
                let end = body.find("?>").ok_or((
                    at,
                    "the processing instruction is never closed (?>)".to_owned(),
                ))?;
                self.pos += 2 + end + 2;
                continue;
            }
            if rest.starts_with("</") {
                self.pos += 2;
                let name = self.name()?;
                self.skip_ws();
                if !self.rest().starts_with('>') {
                    return Err((self.pos, format!("expected '>' to end </{name}")));
                }
                self.pos += 1;
                return Ok(Event::End { name, at });
            }
            if rest.starts_with('<') {
                self.pos += 1;
                return self.start_tag(at);
            }
            let end = rest.find('<').unwrap_or(rest.len());
            let text = decode(&rest[..end], at)?;
            self.pos += end;
            return Ok(Event::Text { text, at });
        }
    }

    fn start_tag(&mut self, at: usize) -> Result<Event<'a>, LexError> {
        let name = self.name()?;
        let mut attrs: Vec<(&'a str, String)> = Vec::new();
        loop {
            let spaced = self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok(Event::Start {
                    name,
                    attrs,
                    empty: true,
                    at,
                });
            }
            if rest.starts_with('>') {
                self.pos += 1;
                return Ok(Event::Start {
                    name,
                    attrs,
                    empty: false,
                    at,
                });
            }
            if rest.is_empty() {
                return Err((at, format!("the tag <{name} is never closed with '>'")));
            }
            if !spaced {
                return Err((
                    self.pos,
                    format!("expected whitespace, '>' or '/>' in <{name}>"),
                ));
            }
            let attr_at = self.pos;
            let key = self.name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err((self.pos, format!("expected '=' after attribute {key}")));
            }
            self.pos += 1;
            self.skip_ws();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err((self.pos, format!("the value of {key} must be in quotes"))),
            };
            self.pos += 1;
            let value_at = self.pos;
            let body = self.rest();
            // Look no further than the limit: a huge value is refused without a scan.
            let window = &body.as_bytes()[..body.len().min(MAX_ATTR_BYTES + 1)];
            let Some(len) = window.iter().position(|&b| b == quote as u8) else {
                return Err(if window.len() > MAX_ATTR_BYTES {
                    (
                        value_at,
                        format!("the value of {key} is longer than {MAX_ATTR_BYTES} bytes"),
                    )
                } else {
                    (
                        value_at,
                        format!("the value of {key} is never closed with {quote}"),
                    )
                });
            };
            let raw = &body[..len];
            if let Some(i) = raw.find('<') {
                return Err((
                    value_at + i,
                    format!("'<' is not allowed in the value of {key}"),
                ));
            }
            let value = decode(raw, value_at)?;
            self.pos += len + 1;
            if attrs.iter().any(|(k, _)| *k == key) {
                return Err((attr_at, format!("attribute {key} is given twice")));
            }
            if attrs.len() == MAX_ATTRS {
                return Err((
                    attr_at,
                    format!("more than {MAX_ATTRS} attributes on <{name}>"),
                ));
            }
            attrs.push((key, value));
        }
    }

    /// An XML name: a letter, `_` or `:`, then letters, digits, `-`, `.`, `_`, `:`.
    fn name(&mut self) -> Result<&'a str, LexError> {
        let rest = self.rest();
        let first_ok = rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
        if !first_ok {
            return Err((self.pos, "expected a name".to_owned()));
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':')))
            .unwrap_or(rest.len());
        if len > MAX_NAME_BYTES {
            return Err((
                self.pos,
                format!("a name longer than {MAX_NAME_BYTES} bytes"),
            ));
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    /// Skip whitespace; whether there was any.
    fn skip_ws(&mut self) -> bool {
        let rest = self.rest();
        let n = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
        self.pos += n;
        n > 0
    }
}

/// Replace entity and character references; `at` is the offset of `raw` in the input.
fn decode(raw: &str, at: usize) -> Result<String, LexError> {
    if !raw.contains('&') {
        return Ok(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let here = at + (raw.len() - rest.len()) + i;
        let after = &rest[i + 1..];
        let semi = after.find(';').filter(|&j| j <= 12).ok_or((
            here,
            "'&' must start a reference such as &amp; (write a literal & as &amp;)".to_owned(),
        ))?;
        let name = &after[..semi];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) =
                    name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    return Err((
                        here,
                        format!(
                            "unknown entity &{name}; (SSML allows only &lt; &gt; &amp; &quot; &apos; \
                             and numeric references)"
                        ),
                    ));
                };
                match code.and_then(char::from_u32) {
                    Some(c) if c != '\0' => c,
                    _ => return Err((here, format!("&{name}; is not a valid character"))),
                }
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------------
// From elements to segments.

/// What is in effect inside an element.
#[derive(Clone, PartialEq)]
struct Ctx {
    lang: Option<String>,
    rate: f32,
}

/// What closing an element does.
enum Close {
    Nothing,
    SentenceEnd,
    /// End of a `<say-as>`: read the captured text.
    SayAs {
        kind: InterpretAs,
        format: Option<String>,
    },
    /// End of an element whose content is not spoken.
    Unignore,
}

/// An open element.
struct Frame {
    name: String,
    at: usize,
    saved: Ctx,
    close: Close,
}

struct Builder {
    segments: Vec<Segment>,
    ctx: Ctx,
    /// Text not yet made a segment, and the context it was written in.
    pending: String,
    pending_ctx: Option<Ctx>,
    /// Inside `<sub>`, `<phoneme>` and the like: content is dropped.
    ignore: usize,
    /// Inside `<say-as>`: content is collected.
    capture: Option<String>,
    default_lang: Option<String>,
    text_bytes: usize,
    silence: Duration,
}

impl Builder {
    fn new(default_lang: Option<String>) -> Self {
        Builder {
            segments: Vec::new(),
            ctx: Ctx {
                lang: None,
                rate: 1.0,
            },
            pending: String::new(),
            pending_ctx: None,
            ignore: 0,
            capture: None,
            default_lang,
            text_bytes: 0,
            silence: Duration::ZERO,
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, String)], at: usize) -> Result<Frame, String> {
        let saved = self.ctx.clone();
        let mut frame = Frame {
            name: name.to_owned(),
            at,
            saved,
            close: Close::Nothing,
        };
        if self.ignore > 0 {
            self.ignore += 1;
            frame.close = Close::Unignore;
            return Ok(frame);
        }
        if self.capture.is_some() {
            // Markup inside <say-as> is read as its text.
            return Ok(frame);
        }
        let attr = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.trim());
        if let Some(tag) = attr("xml:lang") {
            if tag.is_empty()
                || tag.len() > 35
                || !tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!("xml:lang={tag:?} is not a language tag"));
            }
            self.ctx.lang = Some(tag.to_owned());
        }
        match name {
            "p" | "s" | "paragraph" | "sentence" => {
                self.sentence_end()?;
                frame.close = Close::SentenceEnd;
            }
            "break" => {
                let d = match (attr("time"), attr("strength")) {
                    (Some(t), _) => parse_time(t).ok_or_else(|| {
                        format!("<break time={t:?}>: expected a duration such as \"500ms\" or \"1.5s\"")
                    })?,
                    (None, Some(s)) => strength(s).ok_or_else(|| {
                        format!("<break strength={s:?}>: expected none, x-weak, weak, medium, strong or x-strong")
                    })?,
                    (None, None) => strength("medium").unwrap_or_default(),
                };
                self.push_break(d.min(MAX_BREAK))?;
                self.ignore += 1;
                frame.close = Close::Unignore;
            }
            "say-as" => {
                if let Some(kind) = attr("interpret-as").and_then(InterpretAs::from_attr) {
                    self.capture = Some(String::new());
                    frame.close = Close::SayAs {
                        kind,
                        format: attr("format").map(str::to_owned),
                    };
                }
            }
            "sub" => {
                if let Some(alias) = attr("alias") {
                    self.text(alias)?;
                    self.ignore += 1;
                    frame.close = Close::Unignore;
                }
            }
            "phoneme" => {
                let ph = attr("ph").ok_or("<phoneme> needs a ph attribute")?;
                let alphabet = match attr("alphabet").map(str::to_ascii_lowercase).as_deref() {
                    None | Some("ipa") => Alphabet::Ipa,
                    Some("x-kokoro" | "kokoro" | "misaki" | "x-misaki") => Alphabet::Kokoro,
                    Some(other) => {
                        return Err(format!(
                            "<phoneme alphabet={other:?}> is not supported: use \"ipa\" or \"x-kokoro\""
                        ))
                    }
                };
                phoneme_symbols(ph, alphabet, false).map_err(|e| format!("<phoneme>: {e}"))?;
                self.flush()?;
                self.push(Segment::Phonemes {
                    ph: ph.to_owned(),
                    alphabet,
                    lang: self.ctx.lang.clone(),
                    rate: self.ctx.rate,
                })?;
                self.ignore += 1;
                frame.close = Close::Unignore;
            }
            "prosody" => {
                if let Some(r) = attr("rate") {
                    let factor = parse_rate(r).ok_or_else(|| {
                        format!(
                            "<prosody rate={r:?}>: expected x-slow, slow, medium, fast, x-fast, a \
                             percentage (80%, +20%) or a factor (1.2)"
                        )
                    })?;
                    self.ctx.rate = (self.ctx.rate * factor).clamp(0.01, 100.0);
                }
            }
            // Content that describes rather than speaks.
            "desc" | "meta" | "metadata" | "lexicon" => {
                self.ignore += 1;
                frame.close = Close::Unignore;
            }
            // <speak>, <lang>, <emphasis>, <voice>, <audio>, <mark> and unknown
            // elements: their text is spoken as it is (xml:lang handled above).
            _ => {}
        }
        Ok(frame)
    }

    fn close(&mut self, frame: Frame) -> Result<(), String> {
        match frame.close {
            Close::Nothing => {}
            Close::SentenceEnd => self.sentence_end()?,
            Close::Unignore => self.ignore -= 1,
            Close::SayAs { kind, format } => {
                let content = self.capture.take().unwrap_or_default();
                let lang = self.ctx.lang.as_deref().or(self.default_lang.as_deref());
                let british = lang.and_then(lang_from_tag) == Some(Lang::EnGb);
                let words = say_as::say_as(kind, &content, format.as_deref(), british);
                // Set apart from the words around it, as its own word(s).
                self.text(&format!(" {words} "))?;
            }
        }
        self.ctx = frame.saved;
        Ok(())
    }

    fn text(&mut self, s: &str) -> Result<(), String> {
        if self.ignore > 0 {
            return Ok(());
        }
        self.text_bytes += s.len();
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "the SSML produces more than {MAX_TEXT_BYTES} bytes of text"
            ));
        }
        if let Some(buf) = self.capture.as_mut() {
            buf.push_str(s);
            return Ok(());
        }
        if self.pending_ctx.as_ref().is_some_and(|c| *c != self.ctx) {
            self.flush()?;
        }
        self.pending_ctx = Some(self.ctx.clone());
        self.pending.push_str(s);
        Ok(())
    }

    /// Make the pending text a segment (whitespace collapsed; nothing if blank).
    fn flush(&mut self) -> Result<(), String> {
        let text = collapse(&self.pending);
        self.pending.clear();
        if let (Some(ctx), false) = (self.pending_ctx.take(), text.is_empty()) {
            self.push(Segment::Text {
                text,
                lang: ctx.lang,
                rate: ctx.rate,
            })?;
        }
        Ok(())
    }

    fn sentence_end(&mut self) -> Result<(), String> {
        self.flush()?;
        if matches!(self.segments.last(), None | Some(Segment::SentenceEnd)) {
            return Ok(());
        }
        self.push(Segment::SentenceEnd)
    }

    fn push_break(&mut self, d: Duration) -> Result<(), String> {
        if d.is_zero() || self.capture.is_some() {
            return Ok(());
        }
        self.silence += d;
        if self.silence > MAX_TOTAL_BREAK {
            return Err(format!(
                "the breaks add up to more than {} s",
                MAX_TOTAL_BREAK.as_secs()
            ));
        }
        self.flush()?;
        self.push(Segment::Break(d))
    }

    fn push(&mut self, s: Segment) -> Result<(), String> {
        if self.segments.len() == MAX_SEGMENTS {
            return Err(format!("the SSML has more than {MAX_SEGMENTS} segments"));
        }
        self.segments.push(s);
        Ok(())
    }
}

/// Whitespace runs as single spaces, trimmed; no space before a closing punctuation
/// mark (which `<say-as>` and `<sub>`, set apart by spaces, would otherwise leave).
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        let closing = w.starts_with([',', '.', '!', '?', ';', ':', '…', ')', '”'])
            && !w.chars().any(char::is_alphanumeric);
        if !out.is_empty() && !closing {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// `500ms`, `1s`, `1.5 s` → a duration.
fn parse_time(s: &str) -> Option<Duration> {
    let s = s.trim().to_ascii_lowercase();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        return None;
    };
    let num = num.trim();
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    // Clamp before converting: a huge number is a long break, not an overflow.
    Some(Duration::from_secs_f64(
        (v * scale).min(MAX_BREAK.as_secs_f64()),
    ))
}

fn strength(s: &str) -> Option<Duration> {
    let s = s.trim().to_ascii_lowercase();
    BREAK_STRENGTHS
        .iter()
        .find(|(k, _)| *k == s)
        .map(|(_, d)| *d)
}

/// A `<prosody rate>` value as a speed factor.
fn parse_rate(s: &str) -> Option<f32> {
    let s = s.trim().to_ascii_lowercase();
    if let Some((_, f)) = RATE_KEYWORDS.iter().find(|(k, _)| *k == s) {
        return Some(*f);
    }
    let number = |n: &str| n.parse::<f32>().ok().filter(|v| v.is_finite());
    let f = if let Some(p) = s.strip_suffix('%') {
        if let Some(up) = p.strip_prefix('+') {
            1.0 + number(up)? / 100.0
        } else if let Some(down) = p.strip_prefix('-') {
            1.0 - number(down)? / 100.0
        } else {
            number(p)? / 100.0
        }
    } else {
        number(&s)?
    };
    (f > 0.0 && f.is_finite()).then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<Segment> {
        parse(s, None).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }
    fn err(s: &str) -> SsmlError {
        match parse(s, None) {
            Ok(v) => panic!("{s:?} parsed: {v:?}"),
            Err(e) => e,
        }
    }
    fn text(t: &str) -> Segment {
        Segment::Text {
            text: t.into(),
            lang: None,
            rate: 1.0,
        }
    }
    fn ms(n: u64) -> Segment {
        Segment::Break(Duration::from_millis(n))
    }

    #[test]
    fn speak_and_plain_text() {
        assert_eq!(
            ok("<speak>Hello   world.\n</speak>"),
            vec![text("Hello world.")]
        );
        assert_eq!(
            ok("Use .NET , <sub alias=\"OK\">ok</sub> .\n!"),
            vec![text("Use .NET, OK.!")]
        );
        // A fragment without <speak>, and an XML declaration, are fine.
        assert_eq!(
            ok("Hello <break/> world"),
            vec![text("Hello"), ms(500), text("world")]
        );
        assert_eq!(
            ok("<?xml version=\"1.0\"?>\n<speak version=\"1.1\" xmlns=\"http://www.w3.org/2001/10/synthesis\">Hi</speak>"),
            vec![text("Hi")]
        );
        assert_eq!(ok("<speak>  </speak>"), vec![]);
        assert_eq!(ok(""), vec![]);
    }

    #[test]
    fn paragraphs_and_sentences() {
        assert_eq!(
            ok("<speak><p><s>One</s><s>Two</s></p><p>Three</p>Four</speak>"),
            vec![
                text("One"),
                Segment::SentenceEnd,
                text("Two"),
                Segment::SentenceEnd,
                text("Three"),
                Segment::SentenceEnd,
                text("Four")
            ]
        );
    }

    #[test]
    fn breaks() {
        assert_eq!(
            ok(
                r#"a<break time="500ms"/>b<break time="1s"/>c<break time="1.5 s"></break>d<break time="250MS"/>e"#
            ),
            vec![
                text("a"),
                ms(500),
                text("b"),
                ms(1000),
                text("c"),
                ms(1500),
                text("d"),
                ms(250),
                text("e")
            ]
        );
        let strengths: Vec<Segment> = ok(
            r#"<break strength="x-weak"/><break strength="weak"/><break strength="medium"/><break strength="strong"/><break strength="x-strong"/><break strength="none"/><break/>"#,
        );
        assert_eq!(
            strengths,
            vec![ms(100), ms(250), ms(500), ms(750), ms(1000), ms(500)]
        );
        // time wins over strength; over-long breaks are capped.
        assert_eq!(
            ok(r#"<break time="20ms" strength="x-strong"/>"#),
            vec![ms(20)]
        );
        assert_eq!(
            ok(r#"<break time="99999999999999s"/>"#),
            vec![Segment::Break(MAX_BREAK)]
        );
        for bad in [
            r#"<break time="500"/>"#,
            r#"<break time="-1s"/>"#,
            r#"<break time="fast"/>"#,
            r#"<break strength="loud"/>"#,
        ] {
            let e = err(bad);
            assert!(e.message.contains("<break"), "{bad}: {e}");
        }
        // Too much silence in all is refused.
        let many = r#"<break time="10s"/>"#.repeat(31);
        assert!(err(&many).message.contains("breaks add up"));
    }

    #[test]
    fn say_as() {
        assert_eq!(
            ok(r#"Plug in the <say-as interpret-as="characters">USB</say-as> cable"#),
            vec![text("Plug in the U S B cable")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="cardinal">42</say-as>"#),
            vec![text("forty-two")]
        );
        assert_eq!(
            ok(r#"the <say-as interpret-as="ordinal">21</say-as>"#),
            vec![text("the twenty-first")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="digits">123</say-as>"#),
            vec![text("one two three")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="spell-out">ab</say-as>"#),
            vec![text("[A](/ˈA/) B")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="date" format="dmy">25/11/2026</say-as>"#),
            vec![text("November twenty-fifth, twenty twenty-six")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="time">3:45</say-as>"#),
            vec![text("three forty-five")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="telephone">555-1234</say-as>"#),
            vec![text("five five five, one two three four")]
        );
        // British readings from xml:lang or from the voice's language.
        assert_eq!(
            ok(r#"<speak xml:lang="en-GB"><say-as interpret-as="cardinal">105</say-as></speak>"#),
            vec![Segment::Text {
                text: "one hundred and five".into(),
                lang: Some("en-GB".into()),
                rate: 1.0
            }]
        );
        assert_eq!(
            parse(
                r#"<say-as interpret-as="date">1/2/2026</say-as>"#,
                Some("en-GB")
            )
            .unwrap(),
            vec![text("the first of February, twenty twenty-six")]
        );
        // Markup inside is read as its text; unknown kinds keep the text.
        assert_eq!(
            ok(r#"<say-as interpret-as="cardinal">4<emphasis>2</emphasis></say-as>"#),
            vec![text("forty-two")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="unit">5 km</say-as>"#),
            vec![text("5 km")]
        );
        assert_eq!(
            ok(r#"<say-as interpret-as="cardinal">many</say-as>"#),
            vec![text("many")]
        );
    }

    #[test]
    fn sub_emphasis_and_unknown_tags() {
        assert_eq!(
            ok(r#"<sub alias="World Wide Web Consortium">W3C</sub> rocks"#),
            vec![text("World Wide Web Consortium rocks")]
        );
        assert_eq!(ok(r#"<sub>W3C</sub>"#), vec![text("W3C")]);
        assert_eq!(
            ok("It is <emphasis level=\"strong\">very</emphasis> big"),
            vec![text("It is very big")]
        );
        assert_eq!(
            ok(
                r#"<speak><amazon:effect name="whispered">quiet <foo bar="1">please</foo></amazon:effect><mark name="m"/> now</speak>"#
            ),
            vec![text("quiet please now")]
        );
        assert_eq!(
            ok(r#"<audio src="x.wav"><desc>a bell</desc>ding</audio>"#),
            vec![text("ding")]
        );
        assert_eq!(
            ok("<!-- note --> a <![CDATA[<b> & c]]>"),
            vec![text("a <b> & c")]
        );
    }

    #[test]
    fn phonemes() {
        assert_eq!(
            ok(r#"Say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme> now"#),
            vec![
                text("Say"),
                Segment::Phonemes {
                    ph: "təˈmɑːtoʊ".into(),
                    alphabet: Alphabet::Ipa,
                    lang: None,
                    rate: 1.0
                },
                text("now")
            ]
        );
        assert_eq!(
            ok(r#"<phoneme alphabet="x-kokoro" ph="kˈOkəɹO"/>"#),
            vec![Segment::Phonemes {
                ph: "kˈOkəɹO".into(),
                alphabet: Alphabet::Kokoro,
                lang: None,
                rate: 1.0
            }]
        );
        assert_eq!(
            phoneme_symbols("təˈmɑːtoʊ", Alphabet::Ipa, false).unwrap(),
            "təmˈɑtO"
        );
        assert_eq!(
            phoneme_symbols("/təˈmɑːtəʊ/", Alphabet::Ipa, true).unwrap(),
            "təmˈɑːtQ"
        );
        assert_eq!(
            phoneme_symbols("ˈtʃɜːtʃ", Alphabet::Ipa, false).unwrap(),
            "ʧˈɜɹʧ"
        );
        assert_eq!(
            phoneme_symbols("'haɪ.faɪ", Alphabet::Ipa, false).unwrap(),
            "hˈIfI"
        );
        assert_eq!(
            phoneme_symbols("dʒiːˈɛs", Alphabet::Ipa, false).unwrap(),
            "ʤiˈɛs"
        );
        let e = err(r#"<phoneme ph="kˈO☃">x</phoneme>"#);
        assert!(e.message.contains("'☃'"), "{e}");
        assert!(err(r#"<phoneme alphabet="x-sampa" ph="k@">x</phoneme>"#)
            .message
            .contains("x-sampa"));
        assert!(err(r#"<phoneme>x</phoneme>"#)
            .message
            .contains("ph attribute"));
        assert!(err(r#"<phoneme ph=" ">x</phoneme>"#)
            .message
            .contains("no phonemes"));
    }

    #[test]
    fn prosody_rate() {
        let rate_of = |s: &str| match ok(s).as_slice() {
            [Segment::Text { rate, .. }] => *rate,
            other => panic!("{other:?}"),
        };
        for (r, f) in [
            ("x-slow", 0.6),
            ("slow", 0.8),
            ("medium", 1.0),
            ("fast", 1.25),
            ("x-fast", 1.6),
            ("80%", 0.8),
            ("+20%", 1.2),
            ("-10%", 0.9),
            ("1.5", 1.5),
        ] {
            let got = rate_of(&format!(r#"<prosody rate="{r}">x</prosody>"#));
            assert!((got - f).abs() < 1e-6, "{r}: {got}");
        }
        // Nested rates multiply; the rate ends with its element.
        let segs = ok(
            r#"<prosody rate="slow">a <prosody rate="50%">b</prosody></prosody> c <prosody pitch="high">d</prosody>"#,
        );
        let rates: Vec<f32> = segs
            .iter()
            .map(|s| match s {
                Segment::Text { rate, .. } => *rate,
                _ => 0.0,
            })
            .collect();
        assert_eq!(rates.len(), 3, "{segs:?}");
        assert!(
            (rates[0] - 0.8).abs() < 1e-6 && (rates[1] - 0.4).abs() < 1e-6 && rates[2] == 1.0,
            "{rates:?}"
        );
        for bad in ["0", "-5", "-100%", "quick", "NaN", "inf"] {
            assert!(
                err(&format!(r#"<prosody rate="{bad}">x</prosody>"#))
                    .message
                    .contains("prosody"),
                "{bad}"
            );
        }
    }

    #[test]
    fn languages() {
        let segs = ok(
            r#"<speak xml:lang="en-US">Hello <lang xml:lang="en-GB">tomato</lang> <s xml:lang="en-gb">again</s> bye</speak>"#,
        );
        let t = |t: &str, l: &str| Segment::Text {
            text: t.into(),
            lang: Some(l.into()),
            rate: 1.0,
        };
        assert_eq!(
            segs,
            vec![
                t("Hello", "en-US"),
                t("tomato", "en-GB"),
                Segment::SentenceEnd,
                t("again", "en-gb"),
                Segment::SentenceEnd,
                t("bye", "en-US"),
            ]
        );
        assert!(err(r#"<lang xml:lang="en US">x</lang>"#)
            .message
            .contains("not a language tag"));
        assert_eq!(lang_from_tag("en-US"), Some(Lang::EnUs));
        assert_eq!(lang_from_tag("en"), Some(Lang::EnUs));
        assert_eq!(lang_from_tag("EN_gb"), Some(Lang::EnGb));
        assert_eq!(lang_from_tag("en-AU"), Some(Lang::EnGb));
        assert_eq!(lang_from_tag("en-CA"), Some(Lang::EnUs));
        assert_eq!(lang_from_tag("de-DE"), None);
        assert_eq!(lang_from_tag(""), None);
    }

    #[test]
    fn entities() {
        assert_eq!(
            ok("a &lt; b &amp;&amp; c &gt; d &quot;e&quot; &apos;f&apos; &#65;&#x42;&#X43;"),
            vec![text("a < b && c > d \"e\" 'f' ABC")]
        );
        assert_eq!(
            ok(r#"<sub alias="Tom &amp; Jerry">T&amp;J</sub>"#),
            vec![text("Tom & Jerry")]
        );
        let e = err("Tom & Jerry");
        assert!(
            e.message.contains("&amp;") && (e.line, e.column) == (1, 5),
            "{e}"
        );
        let e = err("a &nbsp; b");
        assert!(
            e.message.contains("unknown entity &nbsp;") && e.column == 3,
            "{e}"
        );
        assert!(err("&#0;").message.contains("not a valid character"));
        assert!(err("&#xD800;").message.contains("not a valid character"));
        assert!(err("&#99999999999;")
            .message
            .contains("not a valid character"));
    }

    #[test]
    fn malformed_input_names_the_position() {
        let cases: [(&str, (usize, usize), &str); 12] = [
            ("<speak>Hello", (1, 1), "<speak> is never closed"),
            (
                "<speak>\n  <p>Hi</s></speak>",
                (2, 8),
                "expected </p> (opened at line 2, column 3), found </s>",
            ),
            ("Hi</speak>", (1, 3), "never opened"),
            (
                "<speak>\n<break time=500ms/></speak>",
                (2, 13),
                "must be in quotes",
            ),
            ("<speak><break time=\"1s\"", (1, 8), "never closed with '>'"),
            (
                "<speak><break time=\"1s/></speak>",
                (1, 21),
                "never closed with \"",
            ),
            (
                "<speak><break time=\"1s\"time=\"2s\"/></speak>",
                (1, 24),
                "expected whitespace",
            ),
            (
                "<speak><break time=\"1s\" time=\"2s\"/></speak>",
                (1, 25),
                "given twice",
            ),
            ("<speak><1>x</1></speak>", (1, 9), "expected a name"),
            ("<speak><!-- open", (1, 8), "comment is never closed"),
            ("<speak>\n\n   <s a=\"<\">", (3, 10), "'<' is not allowed"),
            ("<speak>é<p x></p></speak>", (1, 13), "expected '='"),
        ];
        for (input, (line, column), msg) in cases {
            let e = err(input);
            assert_eq!((e.line, e.column), (line, column), "{input:?}: {e}");
            assert!(e.message.contains(msg), "{input:?}: {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("line {line}, column {column}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn billion_laughs_is_refused_not_expanded() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<speak>&lol9;</speak>"#;
        let e = err(bomb);
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("not allowed"), "{e}");
        // Without the declaration, the reference is just unknown.
        assert!(err("<speak>&lol9;</speak>")
            .message
            .contains("unknown entity &lol9;"));
        // An external entity, likewise.
        assert!(err(
            r#"<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><speak>&xxe;</speak>"#
        )
        .message
        .contains("not allowed"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let ok_depth = format!(
            "{}x{}",
            "<emphasis>".repeat(MAX_DEPTH),
            "</emphasis>".repeat(MAX_DEPTH)
        );
        assert_eq!(ok(&ok_depth), vec![text("x")]);
        let deep = format!(
            "{}x{}",
            "<emphasis>".repeat(10_000),
            "</emphasis>".repeat(10_000)
        );
        let t = std::time::Instant::now();
        let e = err(&deep);
        assert!(e.message.contains("nested deeper than 32"), "{e}");
        assert_eq!(e.offset, MAX_DEPTH * "<emphasis>".len());
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn size_limits() {
        let huge = format!(
            r#"<sub alias="{}">x</sub>"#,
            "a".repeat(10 * MAX_ATTR_BYTES)
        );
        let e = err(&huge);
        assert!(
            e.message.contains("longer than 4096 bytes") && e.column == 13,
            "{e}"
        );
        let unterminated = format!(r#"<sub alias="{}"#, "a".repeat(50 * 1024 * 1024 / 100));
        assert!(err(&unterminated).message.contains("longer than"));
        let too_big = "a".repeat(MAX_INPUT_BYTES + 1);
        assert!(err(&too_big).message.contains("the limit is"));
        let long_name = format!("<{}/>", "a".repeat(MAX_NAME_BYTES + 1));
        assert!(err(&long_name).message.contains("name longer"));
        let attrs: String = (0..=MAX_ATTRS).map(|i| format!(" a{i}=\"1\"")).collect();
        assert!(err(&format!("<x{attrs}/>")).message.contains("attributes"));
        // Amplification by <say-as>: each letter A becomes ten bytes of markup.
        let amp = format!(
            r#"<say-as interpret-as="characters">{}</say-as>"#,
            "a".repeat(MAX_INPUT_BYTES / 2)
        );
        assert!(err(&amp).message.contains("bytes of text"));
        // Too many segments.
        let many = "a<break time=\"1ms\"/>".repeat(MAX_SEGMENTS);
        assert!(err(&many).message.contains("segments"));
    }

    #[test]
    fn never_panics_on_truncations() {
        let doc = r#"<?xml version="1.0"?><speak xml:lang="en-GB">Hi &amp; <p><s>bye</s></p><break time="1s"/><say-as interpret-as="date">2026-11-25</say-as> <phoneme ph="tɛst">test</phoneme><!-- c --><![CDATA[x]]></speak>"#;
        for (i, _) in doc.char_indices() {
            let _ = parse(&doc[..i], None);
            let _ = parse(&doc[i..], None);
        }
        assert!(parse(doc, None).is_ok());
    }
}
