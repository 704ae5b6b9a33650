//! Sentence and clause splitting, for whole texts and for text that arrives in pieces.
//!
//! One scanner serves both: [`split_sentences`] feeds it the whole text at once,
//! [`SentenceStream`] feeds it fragments as they arrive. The scanner decides a sentence
//! end only once it has seen everything that decision depends on (the punctuation run,
//! the whitespace after it and the first character of what follows), so any way of cutting
//! a text into fragments gives exactly the sentences of the whole text.
//!
//! A sentence ends at `.`, `!`, `?`, `…` (and the CJK `。！？`) followed by a space and not
//! by a lowercase word, unless the period belongs to an abbreviation ("Dr.", "e.g.",
//! "U.S."), an initial ("J. R. R. Tolkien"), a list number ("1. Buy milk") or sits inside
//! quotes or brackets. Decimals ("3.5"), times ("3:45") and domains never split: there is
//! no space after their period. Closing quotes and brackets stay with their sentence.
//! A blank line always ends a sentence; a single line break does when it starts or ends a
//! list item, heading, quote or table row, or when a capitalised line follows a line not
//! ending in a comma (language models do not hard-wrap); otherwise it is a space.

/// Characters that end a sentence.
const TERMINATORS: &[char] = &['.', '!', '?', '…', '。', '！', '？', '‼', '⁇', '⁈', '⁉'];
/// Terminators that need no space after them (Chinese and Japanese).
const WIDE_TERMINATORS: &[char] = &['。', '！', '？'];
/// Characters that close what a terminator ends and stay with its sentence.
#[rustfmt::skip]
const CLOSERS: &[char] = &[
    '"', '\'', '”', '’', ')', ']', '}', '»', '」', '』', '）', '*', '_',
];
/// Quotes and brackets longer than this (in bytes) do not hold a sentence together: an
/// unclosed "(" must not swallow the rest of a text.
const MAX_GROUP: usize = 300;

/// Abbreviations whose period never ends a sentence (compared in lowercase).
#[rustfmt::skip]
const NEVER_END: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "st", "mt", "ft", "gen", "capt", "lt", "sgt", "col",
    "gov", "sen", "rep", "rev", "hon", "fr", "pres", "supt", "cmdr", "adm", "maj", "messrs", "vs",
    "v", "cf", "ca", "approx", "viz", "resp", "incl", "excl", "dept", "est",
];
/// Abbreviations whose period ends a sentence only before a capitalised word.
#[rustfmt::skip]
const END_BEFORE_CAPITAL: &[&str] = &[
   
    "etc", "inc", "ltd", "co", "corp", "bros", "jr", "sr", "esq", "al", "ave", "blvd", "rd", "hwy",
    "ln", "ct", "sq", "apt", "univ", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat",
    "sun", "a.m", "p.m",
];
/// Abbreviations that do not end a sentence before a number ("No. 5", "p. 12").
#[rustfmt::skip]
const BEFORE_NUMBER: &[&str] = &[
   
    "no", "nos", "p", "pp", "fig", "figs", "vol", "vols", "ch", "chap", "sec", "art", "op", "eq",
    "ref", "para", "pt", "tel", "ext",
];

/// Splits a text into sentences (trimmed, inner whitespace collapsed to single spaces).
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut stream = SentenceStream::new();
    let mut out = stream.push(text);
    out.extend(stream.finish());
    out
}

/// Splits text that arrives in fragments (streamed from a language model) into sentences
/// as soon as each is complete.
///
/// Fragments may cut anywhere, even inside a word or a number ("3." then "5 degrees" is
/// one number); spaces at fragment edges are kept, so words are never glued together or
/// split apart. The sentences are exactly those [`split_sentences`] finds in the whole
/// text.
#[derive(Debug, Clone)]
pub struct SentenceStream {
    /// Text not yet dropped; the current sentence starts at `start`.
    buf: String,
    /// Where the current sentence starts in `buf` (emitted text is dropped once per push,
    /// not once per sentence, so a long text splits in linear time).
    start: usize,
    /// Bytes of `buf` already scanned and decided.
    pos: usize,
    /// Open brackets and quotes in the current sentence.
    nest: Nesting,
    /// Where the current line starts in `buf`, if it starts there (not in emitted text).
    line_start: Option<usize>,
    /// Whether the current line is a list item, heading, quote or table row, kept when its
    /// start has already been emitted.
    line_block: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Nesting {
    /// Depth of open brackets.
    depth: u32,
    /// Where the outermost open bracket is.
    bracket_at: usize,
    /// Where an open double quote is.
    quote_at: Option<usize>,
}

impl Nesting {
    fn update(&mut self, c: char, at: usize) {
        match c {
            '(' | '[' | '{' | '（' => {
                if self.depth == 0 {
                    self.bracket_at = at;
                }
                self.depth = self.depth.saturating_add(1);
            }
            ')' | ']' | '}' | '）' => self.depth = self.depth.saturating_sub(1),
            '“' | '«' | '「' | '『' => self.quote_at = Some(at),
            '”' | '»' | '」' | '』' => self.quote_at = None,
            '"' => {
                self.quote_at = match self.quote_at {
                    Some(_) => None,
                    None => Some(at),
                }
            }
            _ => {}
        }
    }

    /// True if position `at` is inside a quote or bracket opened not too long before.
    fn inside(&self, at: usize) -> bool {
        (self.depth > 0 && at.saturating_sub(self.bracket_at) <= MAX_GROUP)
            || self
                .quote_at
                .is_some_and(|q| at.saturating_sub(q) <= MAX_GROUP)
    }
}

/// What the scanner does next.
enum Step {
    /// Not enough text to decide: wait for more.
    Wait,
    /// Scanned up to here, no sentence end.
    Advance(usize),
    /// A sentence ends at `end`; the next starts after `resume`.
    Split {
        end: usize,
        resume: usize,
        at_newline: bool,
    },
}

impl Default for SentenceStream {
    fn default() -> Self {
        Self::new()
    }
}

impl SentenceStream {
    /// An empty stream.
    pub fn new() -> Self {
        Self {
            buf: String::new(),
            start: 0,
            pos: 0,
            nest: Nesting::default(),
            line_start: Some(0),
            line_block: false,
        }
    }

    /// Adds a fragment; returns the sentences it completed, in order.
    pub fn push(&mut self, fragment: &str) -> Vec<String> {
        self.buf.push_str(fragment);
        self.scan(false)
    }

    /// Ends the text; returns what is left as a last sentence, if anything.
    pub fn finish(mut self) -> Option<String> {
        let mut done = self.scan(true);
        let rest = collapse(&self.buf[self.start..]);
        if !rest.is_empty() {
            done.push(rest);
        }
        // Only the tail can be undecided when the text ends, so this is at most one
        // sentence; should it ever be more, no word is lost.
        match done.len() {
            0 => None,
            1 => done.pop(),
            _ => Some(done.join(" ")),
        }
    }

    fn scan(&mut self, finishing: bool) -> Vec<String> {
        let mut out = Vec::new();
        while self.pos < self.buf.len() {
            match self.step(finishing) {
                Step::Wait => break,
                Step::Advance(next) => self.pos = next,
                Step::Split {
                    end,
                    resume,
                    at_newline,
                } => {
                    let sentence = collapse(&self.buf[self.start..end]);
                    if !sentence.is_empty() {
                        out.push(sentence);
                    }
                    if at_newline {
                        self.line_start = Some(resume);
                    } else {
                        self.line_block = self.current_line_block();
                        self.line_start = None;
                    }
                    self.start = resume;
                    self.pos = resume;
                    self.nest = Nesting::default();
                }
            }
        }
        self.compact();
        out
    }

    /// Drops emitted text from the buffer, shifting every stored position.
    fn compact(&mut self) {
        let cut = self.start;
        if cut == 0 {
            return;
        }
        self.buf.drain(..cut);
        self.start = 0;
        self.pos -= cut;
        self.line_start = self.line_start.map(|ls| ls.saturating_sub(cut));
        self.nest.bracket_at = self.nest.bracket_at.saturating_sub(cut);
        self.nest.quote_at = self.nest.quote_at.map(|q| q.saturating_sub(cut));
    }

    /// True if the current line is a list item, heading, quote or table row.
    fn current_line_block(&self) -> bool {
        match self.line_start {
            Some(ls) => block_marker(self.buf.get(ls..).unwrap_or(""), true).unwrap_or(false),
            None => self.line_block,
        }
    }

    fn step(&mut self, finishing: bool) -> Step {
        let buf = self.buf.as_str();
        let i = self.pos;
        let Some(c) = buf[i..].chars().next() else {
            return Step::Wait;
        };
        let next = i + c.len_utf8();
        if c == '\n' {
            return self.newline(i, finishing);
        }
        if !TERMINATORS.contains(&c) {
            self.nest.update(c, i);
            return Step::Advance(next);
        }
        // The run of terminators and closers: "?!", "...", ".\")".
        let run_end = i + buf[i..]
            .char_indices()
            .find(|&(_, ch)| !(TERMINATORS.contains(&ch) || CLOSERS.contains(&ch)))
            .map_or(buf.len() - i, |(k, _)| k);
        if run_end == buf.len() {
            return if finishing {
                Step::Split {
                    end: run_end,
                    resume: run_end,
                    at_newline: false,
                }
            } else {
                Step::Wait
            };
        }
        let run = &buf[i..run_end];
        let after_run = buf[run_end..].chars().next();
        let wide = run.contains(WIDE_TERMINATORS);
        if !wide && !after_run.is_some_and(char::is_whitespace) {
            // "3.5", "example.com", "a.m": no space, no sentence end. Every later
            // terminator in the run is followed by the same non-space, so the whole run
            // is decided here (scanning it again from each of its characters would cost
            // the square of its length).
            for (k, ch) in run.char_indices() {
                if !TERMINATORS.contains(&ch) {
                    self.nest.update(ch, i + k);
                }
            }
            return Step::Advance(run_end);
        }
        let ws_end = run_end
            + buf[run_end..]
                .char_indices()
                .find(|&(_, ch)| !ch.is_whitespace())
                .map_or(buf.len() - run_end, |(k, _)| k);
        if ws_end == buf.len() && !finishing && !wide {
            return Step::Wait;
        }
        let mut nest = self.nest;
        for (k, ch) in run.char_indices() {
            if ch == '"' {
                // A straight quote right after a terminator closes.
                nest.quote_at = None;
            } else {
                nest.update(ch, i + k);
            }
        }
        let following = buf[ws_end..].chars().next();
        let paragraph = buf[run_end..ws_end].matches('\n').count() >= 2;
        let split = wide
            || paragraph
            || following.is_none()
            || (!nest.inside(i) && self.ends_sentence(i, run, following));
        if split {
            let at_newline = buf[run_end..ws_end].contains('\n');
            Step::Split {
                end: run_end,
                resume: ws_end,
                at_newline,
            }
        } else {
            self.nest = nest;
            Step::Advance(run_end)
        }
    }

    /// Decides whether the terminator run at `i` ends a sentence, given the first character
    /// after the spaces that follow it.
    fn ends_sentence(&self, i: usize, run: &str, following: Option<char>) -> bool {
        let Some(next) = following else { return true };
        if next.is_lowercase() {
            // "e.g. the", "Wait... what": a lowercase word goes on with the sentence.
            return false;
        }
        if run.starts_with(['!', '?', '…', '‼', '⁇', '⁈', '⁉']) || run.starts_with("..") {
            return true;
        }
        let before = &self.buf[..i];
        let word_start = before[self.start..]
            .char_indices()
            .rev()
            .find(|&(_, ch)| ch.is_whitespace())
            .map_or(self.start, |(k, ch)| self.start + k + ch.len_utf8());
        let token = before[word_start..].trim_start_matches(|ch: char| "(\"'“‘[{*_".contains(ch));
        if token.is_empty() {
            return true;
        }
        let lower = token.to_lowercase();
        let capital_next = next.is_uppercase() || "\"'“‘([".contains(next);
        if NEVER_END.contains(&lower.as_str()) {
            return false;
        }
        if BEFORE_NUMBER.contains(&lower.as_str()) && next.is_ascii_digit() {
            return false;
        }
        if END_BEFORE_CAPITAL.contains(&lower.as_str()) {
            return capital_next;
        }
        if is_initialism(token) {
            // "U.S.", "e.g.", "Ph.D." do not end sentences; "a.m." and "p.m." may.
            return false;
        }
        let mut chars = token.chars();
        if let (Some(only), None) = (chars.next(), chars.next()) {
            // "J. R. R. Tolkien": an initial; but "So am I." ends.
            if only.is_uppercase() && only != 'I' {
                return false;
            }
        }
        // "1. Buy milk": a list number at the start of a line.
        if token.len() <= 3 && token.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(ls) = self.line_start {
                if before
                    .get(ls..word_start)
                    .is_some_and(|lead| lead.trim().is_empty())
                {
                    return false;
                }
            }
        }
        true
    }

    /// A line break: a sentence end after a blank line or around list items and headings.
    fn newline(&mut self, i: usize, finishing: bool) -> Step {
        let buf = self.buf.as_str();
        let ws_end = i + buf[i..]
            .char_indices()
            .find(|&(_, ch)| !ch.is_whitespace())
            .map_or(buf.len() - i, |(k, _)| k);
        let breaks = buf[i..ws_end].matches('\n').count();
        if breaks >= 2 {
            return Step::Split {
                end: i,
                resume: ws_end,
                at_newline: true,
            };
        }
        if ws_end == buf.len() {
            return if finishing {
                Step::Split {
                    end: i,
                    resume: ws_end,
                    at_newline: true,
                }
            } else {
                Step::Wait
            };
        }
        // Decided by this line alone if it is a list item; else by how the next one starts.
        if self.current_line_block() {
            return Step::Split {
                end: i,
                resume: ws_end,
                at_newline: true,
            };
        }
        match block_marker(&buf[ws_end..], finishing) {
            None => return Step::Wait,
            Some(true) => {
                return Step::Split {
                    end: i,
                    resume: ws_end,
                    at_newline: true,
                }
            }
            Some(false) => {}
        }
        // Language models do not hard-wrap: a line without closing punctuation followed by
        // a capitalised line ("Today: sunny" / "Tomorrow: rain") ends a unit; a line
        // ending in a comma or a line going on in lowercase does not.
        let last = buf[self.start..i].trim_end().chars().next_back();
        let open_end = last.is_none_or(|ch| ",;(-–—/&+".contains(ch));
        if !open_end && buf[ws_end..].starts_with(char::is_uppercase) {
            return Step::Split {
                end: i,
                resume: ws_end,
                at_newline: true,
            };
        }
        // A line break inside a paragraph is a space.
        self.line_start = Some(ws_end);
        self.line_block = false;
        Step::Advance(ws_end)
    }
}

/// Whether a line starts with a list bullet, a number and period, a heading, quote or table
/// marker. None if `line` is too short to tell and more text may come.
fn block_marker(line: &str, complete: bool) -> Option<bool> {
    let t = line.trim_start_matches([' ', '\t']);
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return complete.then_some(false);
    };
    let second = chars.next();
    let need_more = || if complete { Some(false) } else { None };
    match first {
        '|' | '>' | '•' | '·' | '‣' | '▪' => Some(true),
        '#' => match second {
            Some(ch) => Some(ch == '#' || ch == ' '),
            None => need_more(),
        },
        '-' | '*' | '+' => match second {
            Some(ch) => Some(ch == ' ' || ch == '\t'),
            None => need_more(),
        },
        d if d.is_ascii_digit() => {
            // "1. ", "12) "
            let digits = t.bytes().take(4).take_while(u8::is_ascii_digit).count();
            if digits > 3 {
                return Some(false);
            }
            let rest = &t[digits..];
            let mut r = rest.chars();
            match (r.next(), r.next()) {
                (Some('.' | ')'), Some(ch)) => Some(ch == ' ' || ch == '\t'),
                (Some('.' | ')'), None) | (None, _) => need_more(),
                _ => Some(false),
            }
        }
        _ => Some(false),
    }
}

/// True for dotted abbreviations like "U.S", "e.g", "Ph.D" (the final period excluded).
fn is_initialism(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.chars().count()) && p.chars().all(char::is_alphabetic))
        && !matches!(token.to_lowercase().as_str(), "a.m" | "p.m")
}

/// Trims and collapses every run of whitespace to one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Conjunctions a clause may be cut before.
#[rustfmt::skip]
const CONJUNCTIONS: &[&str] = &[
   
    "and", "but", "or", "so", "because", "although", "though", "while", "whereas", "if", "unless",
    "until", "when", "whenever", "where", "which", "who", "whose", "since", "yet", "nor", "then",
    "after", "before", "once",
];
/// Prepositions a phrase may be cut before ("to" and "of" bind too tightly).
#[rustfmt::skip]
const PREPOSITIONS: &[&str] = &[
    "in", "on", "at", "for", "with", "from", "into", "by", "about", "over", "under", "through",
    "during", "without", "between", "around", "near", "across", "against", "along", "behind",
    "beyond", "like", "toward", "towards", "within", "throughout",
];
/// Words a piece must not end with: it would leave them dangling.
#[rustfmt::skip]
const DANGLING: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "or", "but", "my", "your", "his", "her", "its", "our",
    "their", "this", "that", "is", "are", "was", "were", "very", "not",
];

/// Longest text spoken as one piece, in bytes. A longer run without a sentence end
/// (a list, an unpunctuated stream, one enormous "word") is cut, so that its audio
/// streams out piece by piece and no piece holds more than a few seconds of samples.
pub const MAX_PIECE_BYTES: usize = 400;

/// Cuts `sentence` into pieces of at most `max` bytes at spaces; a word longer than
/// `max` is cut where it must (at a char boundary). Short sentences come back whole.
pub fn cut_long(sentence: String, max: usize) -> Vec<String> {
    let max = max.max(4);
    if sentence.len() <= max {
        return vec![sentence];
    }
    let mut pieces = Vec::new();
    let mut rest = sentence.trim();
    while rest.len() > max {
        let mut window = max;
        while !rest.is_char_boundary(window) {
            window -= 1;
        }
        let cut = rest[..window]
            .rfind(char::is_whitespace)
            .filter(|&c| c > 0)
            .unwrap_or(window);
        let piece = rest[..cut].trim();
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// Cuts a short leading piece off a sentence, for a fast first audio chunk.
///
/// The piece has between `min_words` and `max_words` words and ends at a comma, semicolon,
/// colon or dash, or failing that before a conjunction or preposition. Words are never
/// split. Returns the whole sentence and None if it is already short or has no good cut.
pub fn first_clause(
    sentence: &str,
    min_words: usize,
    max_words: usize,
) -> (String, Option<String>) {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let whole = words.join(" ");
    let min = min_words.max(1);
    if max_words < min || words.len() <= max_words {
        return (whole, None);
    }
    // `k` words in the first piece; the rest keeps at least two.
    let fits = |k: usize| k >= min && k <= max_words && words.len() >= k + 2;
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let cut = (1..words.len())
        .filter(|&k| fits(k))
        .find(|&k| ends_clause(words[k - 1]))
        .or_else(|| {
            (1..words.len()).filter(|&k| fits(k)).find(|&k| {
                CONJUNCTIONS.contains(&bare(words[k]).as_str())
                    && !DANGLING.contains(&bare(words[k - 1]).as_str())
                    && is_plain_word(words[k])
            })
        })
        .or_else(|| {
            (1..words.len()).filter(|&k| fits(k)).find(|&k| {
                PREPOSITIONS.contains(&bare(words[k]).as_str())
                    && !DANGLING.contains(&bare(words[k - 1]).as_str())
                    && is_plain_word(words[k])
            })
        });
    match cut {
        Some(k) => (words[..k].join(" "), Some(words[k..].join(" "))),
        None => (whole, None),
    }
}

/// True if a word ends a clause: "rained,", "note:", "so;", "—", "(yes),".
fn ends_clause(word: &str) -> bool {
    if matches!(word, "—" | "–" | "-" | "--") {
        return true;
    }
    let core = word.trim_end_matches(|c: char| "\"'”’)]".contains(c));
    core.len() > 1 && core.ends_with([',', ';', ':', '—', '–'])
}

/// True for a lowercase word without punctuation stuck to it.
fn is_plain_word(word: &str) -> bool {
    word.chars().all(char::is_alphabetic) && word.starts_with(char::is_lowercase)
}

mod streamed;
pub use streamed::Sentences;

#[cfg(test)]
mod tests;
