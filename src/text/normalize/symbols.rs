//! Symbols left once everything with a number has been read ("&", "@", "+", "=", "/",
//! "°", "%") and the final tidy-up of spaces and punctuation.

use std::sync::LazyLock;

use regex::Regex;

use super::rewrite::rewrite;

/// Words after a slash that make it "per": "$10/month" → "ten dollars per month".
#[rustfmt::skip]
const PER_WORDS: &[&str] = &[
    "second", "minute", "hour", "day", "week", "month", "year", "night", "person", "head",
    "unit", "piece", "item", "user", "seat", "mile", "kilometer", "kilometre", "kilogram",
    "pound", "liter", "litre", "gallon", "page", "serving", "kilowatt", "meter", "metre",
];

static SLASH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<a>\w+)\s?/\s?(?P<b>\w+)").expect("static regex"));

/// Reads the symbols that are words.
pub(super) fn expand(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str(" and "),
            '@' => s.push_str(" at "),
            '%' => s.push_str(" percent "),
            '‰' => s.push_str(" per thousand "),
            '°' | 'º' => s.push_str(" degrees "),
            '±' => s.push_str(" plus or minus "),
            '×' => s.push_str(" times "),
            '÷' => s.push_str(" divided by "),
            '≈' => s.push_str(" approximately "),
            '≠' => s.push_str(" is not "),
            '≤' => s.push_str(" at most "),
            '≥' => s.push_str(" at least "),
            '§' => s.push_str(" section "),
            '¶' => s.push_str(" paragraph "),
            '©' => s.push_str(" copyright "),
            '№' => s.push_str(" number "),
            '®' | '*' | '^' | '\\' | '|' | '{' | '}' | '<' | '>' | '~' | '`' | '•' | '·' => {
                s.push(' ')
            }
            // "snake_case" and "__init__": the underscores are not spoken.
            '_' => s.push(' '),
            c => s.push(c),
        }
    }
    // "C++", "Disney+", "2+2": the number pass already read signs, the rest are "plus".
    let s = s.replace('+', " plus ").replace('=', " equals ");
    rewrite(&s, &SLASH, |c, _, _| {
        let (a, b) = (c.name("a")?.as_str(), c.name("b")?.as_str());
        let b_lower = b.to_lowercase();
        let singular = b_lower.trim_end_matches('s');
        if PER_WORDS.contains(&b_lower.as_str()) || PER_WORDS.contains(&singular) {
            Some(format!("{a} per {b}"))
        } else if a.chars().all(char::is_lowercase) && b.chars().all(char::is_lowercase) {
            // "and/or", "on/off", "yes/no".
            Some(format!("{a} or {b}"))
        } else {
            Some(format!("{a} {b}"))
        }
    })
}

/// "between two to four": a range after "between" is "between two and four".
static BETWEEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?P<head>between\s+(?:[^,.;:!?\n]|[ap]\.m\.){1,60}?)\s+to\s+")
        .expect("static regex")
});
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ ]{2,}").expect("static regex"));
static SPACE_BEFORE_PUNCT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[ ]+(?P<p>[,.;:!?…)\]])").expect("static regex"));
static SPACE_AFTER_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<p>[(\[])[ ]+").expect("static regex"));
static COMMA_GLUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r",(?P<w>[A-Za-z])").expect("static regex"));
static DASHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[ ]-{1,3}[ ]|-{2,3}").expect("static regex"));
static DOUBLE_PUNCT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<p>[,;:])(?:[ ]*[,;:])+").expect("static regex"));
static EMPTY_LINES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n{3,}").expect("static regex"));

/// Collapses spaces, puts punctuation against its word, makes a spaced hyphen a dash.
pub(super) fn tidy(text: &str) -> String {
    let s = BETWEEN.replace_all(text, "$head and ");
    let s = DASHES.replace_all(&s, " — ");
    let s = SPACES.replace_all(&s, " ");
    let s = SPACE_BEFORE_PUNCT.replace_all(&s, "$p");
    let s = SPACE_AFTER_OPEN.replace_all(&s, "$p");
    let s = COMMA_GLUE.replace_all(&s, ", $w");
    let s = DOUBLE_PUNCT.replace_all(&s, "$p");
    let lines: Vec<&str> = s.split('\n').map(str::trim).collect();
    let joined = lines.join("\n");
    EMPTY_LINES.replace_all(joined.trim(), "\n\n").into_owned()
}
