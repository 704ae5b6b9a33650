//! Regex rewriting with a view of the text around each match (the `regex` crate has no look-around).

use regex::{Captures, Regex};

/// Rewrites each match of `re` for which `f` returns a replacement.
///
/// `f` gets the captures and the original text before and after the match. A space is
/// added wherever a replacement would otherwise glue onto a neighbouring letter or digit,
/// so "5G" becomes "five G", never "fiveG".
pub(super) fn rewrite<F>(text: &str, re: &Regex, f: F) -> String
where
    F: FnMut(&Captures<'_>, &str, &str) -> Option<String>,
{
    rewrite_with(text, re, glues, f)
}

/// [`rewrite`] for Chinese and Japanese, which put no spaces between words: a space is
/// added only between two Latin letters or digits.
pub(super) fn rewrite_unspaced<F>(text: &str, re: &Regex, f: F) -> String
where
    F: FnMut(&Captures<'_>, &str, &str) -> Option<String>,
{
    rewrite_with(
        text,
        re,
        |a, b| matches!((a, b), (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()),
        f,
    )
}

fn rewrite_with<F>(
    text: &str,
    re: &Regex,
    glues: impl Fn(Option<char>, Option<char>) -> bool,
    mut f: F,
) -> String
where
    F: FnMut(&Captures<'_>, &str, &str) -> Option<String>,
{
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(m) = caps.get(0) else { continue };
        let Some(rep) = f(&caps, &text[..m.start()], &text[m.end()..]) else {
            continue;
        };
        out.push_str(&text[last..m.start()]);
        if glues(out.chars().next_back(), rep.chars().next()) {
            out.push(' ');
        }
        out.push_str(&rep);
        if glues(rep.chars().next_back(), text[m.end()..].chars().next()) {
            out.push(' ');
        }
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

fn glues(a: Option<char>, b: Option<char>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.is_alphanumeric() && b.is_alphanumeric())
}

/// The word just before a position (letters, digits and apostrophes), skipping spaces.
pub(super) fn prev_word(before: &str) -> &str {
    let t = before.trim_end();
    let start = t
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '\'')
        .last()
        .map_or(t.len(), |(i, _)| i);
    &t[start..]
}

/// The word just after a position (letters, digits and apostrophes), skipping spaces.
pub(super) fn next_word(after: &str) -> &str {
    let t = after.trim_start();
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '\''))
        .map_or(t.len(), |(i, _)| i);
    &t[..end]
}

/// The text before the word just before a position (to look two words back).
pub(super) fn before_prev_word(before: &str) -> &str {
    let t = before.trim_end();
    let w = prev_word(before);
    &t[..t.len() - w.len()]
}

/// True if a sign right after `before` is a sign, not a hyphen inside a word or a range.
pub(super) fn sign_position(before: &str) -> bool {
    match before.chars().next_back() {
        None => true,
        Some(c) => c.is_whitespace() || "([{=:;,/~≈<>\"'“‘".contains(c),
    }
}

/// True if the text before ends a sentence (or is empty): used to tell a capitalised
/// name from a capitalised first word.
pub(super) fn at_sentence_start(before: &str) -> bool {
    let t = before.trim_end_matches(|c: char| c.is_whitespace() || "\"'“‘([*#>-".contains(c));
    if before[t.len()..].contains('\n') {
        return true;
    }
    match t.chars().next_back() {
        None => true,
        Some(c) => ".!?:;…".contains(c),
    }
}

/// The last `n` bytes or so of `s`, cut at a character boundary (bounded look-behind).
pub(super) fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}
