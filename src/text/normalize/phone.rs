//! Phone numbers, read digit by digit in their groups: "(555) 123-4567" → "five five five,
//! one two three, four five six seven".

use std::sync::LazyLock;

use regex::Regex;

use super::numbers::digits;
use super::rewrite::{rewrite, tail};
use super::Locale;

/// International numbers: "+1 555 123 4567", "+44 (0)20 7946 0958".
static INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+[0-9]{1,3}(?:[ .-]?\(?[0-9]{1,5}\)?){1,6}").expect("static regex")
});
/// North American numbers: "(555) 123-4567", "555-123-4567", "1-800-555-1234".
static NANP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b1[ .-])?(?:\([0-9]{3}\)\s?|\b[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}\b")
        .expect("static regex")
});
/// National numbers with a trunk zero: "020 7946 0958", "07700 900123".
static TRUNK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b0[0-9]{2,4}[ -][0-9]{3,4}[ -]?[0-9]{3,4}\b").expect("static regex")
});
/// Seven-digit local numbers, only after a word that says a phone number follows.
static LOCAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9]{3}-[0-9]{4}\b").expect("static regex"));
/// Short numbers after "call" or "dial": "call 911" → "nine one one".
static DIALLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(call|dial|phone|ring|text)\s+([0-9]{3,})\b").expect("static regex")
});

#[rustfmt::skip]
const PHONE_WORDS: &[&str] = &[
    "call", "phone", "tel", "telephone", "dial", "fax", "number", "mobile", "cell", "reach",
    "text", "ring", "contact", "hotline",
];

/// True if the text right after a match carries on the number ("555-1234-99", "1.5").
fn continues_number(after: &str) -> bool {
    let mut it = after.chars();
    match (it.next(), it.next()) {
        (Some(a), _) if a.is_ascii_digit() => true,
        (Some(a), Some(b)) => ".,:/-".contains(a) && b.is_ascii_digit(),
        _ => false,
    }
}

/// True if the text right before a match is part of a longer number or code.
fn extends_number(before: &str) -> bool {
    before.ends_with(|c: char| c.is_alphanumeric() || "-./+".contains(c))
}

/// Reads phone numbers digit by digit.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let isolated = |before: &str, after: &str| !extends_number(before) && !continues_number(after);
    let whole = |c: &regex::Captures<'_>| c.get(0).map_or("", |m| m.as_str()).to_string();
    let s = rewrite(text, &INTERNATIONAL, |c, before, after| {
        let all = whole(c);
        let m = all.trim_end_matches(['(', ' ', '.', '-']);
        let count = m.bytes().filter(u8::is_ascii_digit).count();
        if !(7..=15).contains(&count) || !isolated(before, after) {
            return None;
        }
        Some(read_groups(m, locale) + &all[m.len()..])
    });
    let s = rewrite(&s, &NANP, |c, before, after| {
        isolated(before, after).then(|| read_groups(&whole(c), locale))
    });
    let s = rewrite(&s, &TRUNK, |c, before, after| {
        isolated(before, after).then(|| read_groups(&whole(c), locale))
    });
    let s = rewrite(&s, &LOCAL, |c, before, after| {
        let recent: Vec<&str> = tail(before, 60)
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let phoney = recent
            .iter()
            .rev()
            .take(6)
            .any(|w| PHONE_WORDS.contains(&w.to_lowercase().as_str()));
        (phoney && isolated(before, after)).then(|| read_groups(&whole(c), locale))
    });
    rewrite(&s, &DIALLED, |c, _, after| {
        if continues_number(after) {
            return None;
        }
        Some(format!(
            "{} {}",
            c.get(1)?.as_str(),
            digits(c.get(2)?.as_str(), locale)
        ))
    })
}

/// Reads the digit groups of a phone number, a comma between groups for the pauses.
fn read_groups(number: &str, locale: Locale) -> String {
    let mut groups: Vec<String> = Vec::new();
    if number.starts_with('+') {
        groups.push(String::from("plus"));
    }
    for g in number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
    {
        let words = digits(g, locale);
        match groups.last_mut() {
            Some(last) if last == "plus" => {
                last.push(' ');
                last.push_str(&words);
            }
            _ => groups.push(words),
        }
    }
    groups.join(", ")
}
