//! Number ranges, fractions and arithmetic signs between numbers: "5-10" → "5 to 10",
//! "1990-1995" → "nineteen ninety to nineteen ninety-five", "3/4" → "three quarters",
//! "1 1/2" → "one and a half", "1920x1080" → "1920 by 1080", "3x" → "3 times", "±2",
//! "~5", "> 10".
//!
//! Numbers are left as digits for the number pass, except where this pass knows better
//! (years in a range, fractions).

use std::sync::LazyLock;

use regex::Regex;

use super::dates;
use super::numbers::{cardinal, value, year};
use super::rewrite::{next_word, prev_word, rewrite, sign_position};
use super::units::{fraction, mixed_tail};
use super::Locale;

const NUM: &str = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?";

static TIMES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<a>{NUM})(?:(?P<tight>[x×])|\s+(?P<spaced>[x×*])\s+|(?P<star>\*))(?P<b>{NUM})\b"
    ))
    .expect("static regex")
});
static FACTOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\b(?P<a>{NUM})[x×]\b")).expect("static regex"));
static COMPARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<op><=|>=|[<>≤≥≈~±])\s?(?P<n>[-−]?(?:[0-9]|\.[0-9])[0-9,.]*)")
        .expect("static regex")
});
static POWER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(?P<a>{NUM})\^(?P<b>[0-9]+)\b")).expect("static regex")
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<a>[-−]?{NUM})(?P<sep>\s*[–—]\s*|-|\s+-\s+)(?P<b>[-−]?{NUM})"
    ))
    .expect("static regex")
});
/// "16:9", "3:2", "1:2:3": what the time pass did not take is a ratio.
static RATIO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9]+(?::[0-9]+)+\b").expect("static regex"));
/// Scientific notation: "1e6", "6.02e23", "1.5E-3".
static SCIENTIFIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<m>[0-9]+(?:\.[0-9]+)?)[eE](?P<e>[-+]?[0-9]{1,3})\b").expect("static regex")
});
static FRACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?P<w>[0-9]{1,3})\s)?\b(?P<n>[0-9]+)/(?P<d>[0-9]+)\b|(?P<w2>\b[0-9]{1,3})?(?P<v>[½¼¾⅓⅔⅛⅜⅝⅞])").expect("static regex")
});

#[rustfmt::skip]
const VULGAR: &[(char, u128, u128)] = &[
    ('½', 1, 2), ('¼', 1, 4), ('¾', 3, 4), ('⅓', 1, 3), ('⅔', 2, 3), ('⅛', 1, 8), ('⅜', 3, 8),
    ('⅝', 5, 8), ('⅞', 7, 8),
];

fn glued(before: &str, after: &str) -> bool {
    before.ends_with(|c: char| c.is_alphanumeric() || "./:-".contains(c))
        || after.starts_with(|c: char| c.is_alphanumeric() || c == '/')
        || {
            let mut it = after.chars();
            matches!((it.next(), it.next()), (Some('.' | ',' | '-'), Some(c)) if c.is_ascii_digit())
        }
}

/// Reads comparison and approximation signs before a number ("~5", "> 10", "±2"); run
/// before money and units so that "~5 min" keeps its "about".
pub(super) fn signs(text: &str) -> String {
    rewrite(text, &COMPARE, |c, before, _| {
        let op = c.name("op")?.as_str();
        // "x<5" in code, "<br>" leftovers: only a sign in front of a number in prose.
        if before.ends_with(|ch: char| ch.is_alphanumeric()) && !matches!(op, "±" | "≈" | "~") {
            return None;
        }
        let word = match op {
            "<" => "less than",
            ">" => "more than",
            "<=" | "≤" => "at most",
            ">=" | "≥" => "at least",
            "≈" => "approximately",
            "~" => "about",
            _ => "plus or minus",
        };
        Some(format!("{word} {}", c.name("n")?.as_str()))
    })
}

/// Reads ranges, fractions and arithmetic signs.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let s = times(text);
    let s = factor(&s);
    let s = power(&s);
    let s = ratio(&s);
    let s = scientific(&s);
    let s = range(&s, locale);
    fractions(&s, locale)
}

fn times(text: &str) -> String {
    rewrite(text, &TIMES, |c, before, after| {
        if glued(before, after) {
            return None;
        }
        let (a, b) = (c.name("a")?.as_str(), c.name("b")?.as_str());
        // "1920x1080", "2x4": dimensions; "3 × 4", "3 * 4": multiplication.
        let word = if c.name("tight").is_some_and(|m| m.as_str() == "x") {
            "by"
        } else {
            "times"
        };
        Some(format!("{a} {word} {b}"))
    })
}

fn factor(text: &str) -> String {
    rewrite(text, &FACTOR, |c, _, _| {
        Some(format!("{} times", c.name("a")?.as_str()))
    })
}

fn power(text: &str) -> String {
    rewrite(text, &POWER, |c, _, _| {
        let (a, b) = (c.name("a")?.as_str(), c.name("b")?.as_str());
        Some(match b {
            "2" => format!("{a} squared"),
            "3" => format!("{a} cubed"),
            _ => format!("{a} to the power of {b}"),
        })
    })
}

fn ratio(text: &str) -> String {
    rewrite(text, &RATIO, |c, before, after| {
        if glued(before, after) {
            return None;
        }
        Some(
            c.get(0)?
                .as_str()
                .split(':')
                .collect::<Vec<_>>()
                .join(" to "),
        )
    })
}

fn scientific(text: &str) -> String {
    rewrite(text, &SCIENTIFIC, |c, before, _| {
        if before.ends_with(|ch: char| ch.is_alphanumeric()) {
            return None;
        }
        let e = c.name("e")?.as_str().trim_start_matches('+');
        let e = match e.strip_prefix('-') {
            Some(neg) => format!("minus {neg}"),
            None => e.to_string(),
        };
        Some(format!(
            "{} times ten to the power of {e}",
            c.name("m")?.as_str()
        ))
    })
}

fn range(text: &str, locale: Locale) -> String {
    rewrite(text, &RANGE, |c, before, after| {
        let (a, b) = (c.name("a")?.as_str(), c.name("b")?.as_str());
        if glued(before, after) || (a.starts_with(['-', '−']) && !sign_position(before)) {
            return None;
        }
        // "5 - 3 = 2" is a subtraction.
        if after.trim_start().starts_with('=') {
            return Some(format!("{a} minus {b}"));
        }
        let (va, vb) = (value(a), value(b));
        let is_year = |v: Option<u128>, t: &str| {
            t.len() == 4 && v.is_some_and(|v| (1000..=2099).contains(&v))
        };
        if is_year(va, a) && (is_year(vb, b) || (b.len() == 2 && vb.is_some())) {
            let ya = year(u32::try_from(va?).ok()?, locale);
            let yb = if b.len() == 4 {
                year(u32::try_from(vb?).ok()?, locale)
            } else {
                cardinal(vb?, locale)
            };
            return Some(format!("{ya} to {yb}"));
        }
        Some(format!("{a} to {b}"))
    })
}

fn fractions(text: &str, locale: Locale) -> String {
    rewrite(text, &FRACTION, |c, before, after| {
        if let Some(v) = c.name("v") {
            let ch = v.as_str().chars().next()?;
            let &(_, n, d) = VULGAR.iter().find(|x| x.0 == ch)?;
            return Some(match c.name("w2") {
                Some(w) => format!("{} {}", w.as_str(), mixed_tail(n, d, locale)?),
                None => fraction(n, d, locale)?,
            });
        }
        if glued(before, after) {
            return None;
        }
        let (n_txt, d_txt) = (c.name("n")?.as_str(), c.name("d")?.as_str());
        let (n, d) = (value(n_txt)?, value(d_txt)?);
        let whole = c.name("w").map(|m| m.as_str());
        match (n_txt, d_txt) {
            ("24", "7") => return Some(prefix(whole, "twenty-four seven")),
            ("50", "50") => return Some(prefix(whole, "fifty-fifty")),
            _ => {}
        }
        // "rated 4/5", "a 10/10": a score, said "out of".
        let ends_phrase = after.trim_start().is_empty()
            || after.starts_with(['.', ',', '!', '?', ')', ';', ':'])
            || matches!(next_word(after), "stars" | "points" | "rating" | "score");
        if whole.is_none() && matches!(d, 5 | 10 | 100) && n <= d && ends_phrase {
            return Some(format!("{n_txt} out of {d_txt}"));
        }
        // "on 12/3", "6/15": a month and a day, not a fraction.
        if whole.is_none() && n_txt.len() <= 2 && d_txt.len() <= 2 {
            let by_context = DATE_PREV.contains(&prev_word(before).to_lowercase().as_str());
            let unlike_fraction = d > 12 && ![16, 20].contains(&d);
            if (by_context || unlike_fraction) && (n_txt, d_txt) != ("9", "11") {
                let (m, day) = if locale == Locale::EnGb {
                    (d, n)
                } else {
                    (n, d)
                };
                if let Some(date) = dates::month_day(m, day, locale) {
                    return Some(date);
                }
            }
        }
        match whole {
            Some(w) if n < d => Some(format!("{w} {}", mixed_tail(n, d, locale)?)),
            _ => match fraction(n, d, locale) {
                Some(f) => Some(prefix(whole, &f)),
                // "9/11", "7/24": not a fraction anyone says; read both numbers.
                None => Some(prefix(whole, &format!("{n_txt} {d_txt}"))),
            },
        }
    })
}

/// Words after which "12/3" is a date.
const DATE_PREV: &[&str] = &[
    "on", "by", "until", "till", "from", "since", "due", "before", "after", "dated", "through",
];

fn prefix(whole: Option<&str>, rest: &str) -> String {
    match whole {
        Some(w) => format!("{w} {rest}"),
        None => rest.to_string(),
    }
}
