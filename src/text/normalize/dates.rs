//! Dates: ISO "2026-11-25", numeric "11/25/2026" (month/day order per locale), "Nov 25",
//! "25 November 2026", weekday and month abbreviations.
//!
//! en-us: "November twenty-fifth, twenty twenty-six".
//! en-gb: "the twenty-fifth of November, twenty twenty-six"; "Nov 25" → "November the
//! twenty-fifth". A date written day first is read day first in both.

use std::sync::LazyLock;

use regex::Regex;

use super::numbers::{ordinal, year};
use super::rewrite::{prev_word, rewrite, tail};
use super::time;
use super::Locale;

#[rustfmt::skip]
const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];
const MONTH_PATTERN: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec";
const WEEKDAY_PATTERN: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Tues|Thurs|Thur|Mon|Tue|Wed|Thu|Fri|Sat|Sun";

/// Month number (1-12) of a month name or abbreviation.
fn month_number(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    let key = lower.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m[..3].eq_ignore_ascii_case(key))
        .map(|i| i + 1)
}

/// Full weekday name of a weekday name or abbreviation.
fn weekday(name: &str) -> Option<&'static str> {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let key = name.get(..3)?;
    DAYS.iter()
        .copied()
        .find(|d| d[..3].eq_ignore_ascii_case(key))
}

fn days_in(month: usize, y: Option<u32>) -> u32 {
    match month {
        2 => match y {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// How a date was written, which decides how it is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// "25 November": day first in every locale.
    DayFirst,
    /// "Nov 25": en-us "November twenty-fifth", en-gb "November the twenty-fifth".
    MonthFirst,
    /// All digits (ISO, 11/25/2026): the locale's own order.
    Numeric,
}

/// Speaks a date, or None if it is not a real one.
fn say(
    month: usize,
    day: u32,
    y: Option<u32>,
    order: Order,
    with_the: bool,
    locale: Locale,
) -> Option<String> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in(month, y) {
        return None;
    }
    let m = MONTHS[month - 1];
    let d = ordinal(u128::from(day), locale);
    let gb = locale == Locale::EnGb;
    let mut out = match order {
        Order::DayFirst | Order::Numeric if order == Order::DayFirst || gb => {
            let the = if with_the { "the " } else { "" };
            format!("{the}{d} of {m}")
        }
        Order::MonthFirst if gb => format!("{m} the {d}"),
        _ => format!("{m} {d}"),
    };
    if let Some(y) = y {
        out.push_str(", ");
        out.push_str(&year(y, locale));
    }
    Some(out)
}

/// A month and a day without a year ("12/3"), read in the locale's order.
pub(super) fn month_day(month: u128, day: u128, locale: Locale) -> Option<String> {
    let m = usize::try_from(month).ok()?;
    let d = u32::try_from(day).ok()?;
    say(m, d, None, Order::Numeric, true, locale)
}

/// "the" is not said twice: "on the 25th of November".
fn the_before(before: &str) -> bool {
    tail(before, 8)
        .trim_end()
        .to_ascii_lowercase()
        .ends_with(" the")
        || before.trim_end().eq_ignore_ascii_case("the")
}

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})(?:[T ](?P<h>[0-9]{2}):(?P<min>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?\b")
        .expect("static regex")
});
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?P<a>[0-9]{1,4})(?P<s1>[/.-])(?P<b>[0-9]{1,2})(?P<s2>[/.-])(?P<c>[0-9]{4}|[0-9]{2})\b",
    )
    .expect("static regex")
});
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(?P<mon>{MONTH_PATTERN})\b\.?\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>[0-9]{{4}})\b)?"))
        .expect("static regex")
});
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MONTH_PATTERN})\b(?P<dot>\.)?(?:,?\s+(?P<y>[0-9]{{4}})\b)?"))
        .expect("static regex")
});
static MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?P<mon>{MONTH_PATTERN})\b\.?,?\s+(?P<y>[0-9]{{4}})\b"
    ))
    .expect("static regex")
});
static MONTH_ABBR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<mon>Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.")
        .expect("static regex")
});
static WEEKDAY_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?P<a>{WEEKDAY_PATTERN})\b\.?\s*[-–—]\s*(?P<b>{WEEKDAY_PATTERN})\b"
    ))
    .expect("static regex")
});
static WEEKDAY_ABBR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<w>Tues|Thurs|Thur|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b(?P<dot>\.)?")
        .expect("static regex")
});
static MONTH_AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^(?:{MONTH_PATTERN})\b")).expect("static regex"));

/// True if a date match is glued to more digits or separators (an IP, a version, a range).
fn embedded(before: &str, after: &str) -> bool {
    before.ends_with(|c: char| c.is_ascii_digit() || "./-".contains(c))
        || after.starts_with(|c: char| c.is_ascii_digit())
        || {
            let mut it = after.chars();
            matches!((it.next(), it.next()), (Some('.' | '/' | '-' | ':'), Some(c)) if c.is_ascii_digit())
        }
}

/// Reads dates.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let s = iso(text, locale);
    let s = numeric(&s, locale);
    let s = weekday_abbr(&s);
    let s = weekday_range(&s);
    let s = month_then_day(&s, locale);
    let s = day_then_month(&s, locale);
    let s = month_year(&s, locale);
    month_abbr(&s)
}

fn iso(text: &str, locale: Locale) -> String {
    rewrite(text, &ISO, |c, before, after| {
        if embedded(before, after) {
            return None;
        }
        let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
        let y = num("y")?;
        let mut out = say(
            num("m")? as usize,
            num("d")?,
            Some(y),
            Order::Numeric,
            !the_before(before),
            locale,
        )?;
        if let (Some(h), Some(m)) = (num("h"), num("min")) {
            out.push_str(" at ");
            out.push_str(&time::say(h, m, num("s"), None, true, locale)?);
            if after.starts_with('.') {
                out = out.trim_end_matches('.').to_string();
            }
        }
        Some(out)
    })
}

fn numeric(text: &str, locale: Locale) -> String {
    rewrite(text, &NUMERIC, |c, before, after| {
        if embedded(before, after) {
            return None;
        }
        let (s1, s2) = (c.name("s1")?.as_str(), c.name("s2")?.as_str());
        if s1 != s2 {
            return None;
        }
        let (a_txt, c_txt) = (c.name("a")?.as_str(), c.name("c")?.as_str());
        let a: u32 = a_txt.parse().ok()?;
        let b: u32 = c.name("b")?.as_str().parse().ok()?;
        let cc: u32 = c_txt.parse().ok()?;
        let with_the = !the_before(before);
        if a_txt.len() == 4 {
            // 2026/11/25
            return if c_txt.len() <= 2 {
                say(b as usize, cc, Some(a), Order::Numeric, with_the, locale)
            } else {
                None
            };
        }
        if a_txt.len() > 2 {
            return None;
        }
        let y = if c_txt.len() == 2 {
            if cc < 70 {
                2000 + cc
            } else {
                1900 + cc
            }
        } else {
            cc
        };
        let month_first = s1 != "." && locale.month_first();
        // Read in the locale's order; if that is no date (13/25/2026), try the other.
        let (m, d) = if month_first { (a, b) } else { (b, a) };
        say(m as usize, d, Some(y), Order::Numeric, with_the, locale)
            .or_else(|| say(d as usize, m, Some(y), Order::Numeric, with_the, locale))
    })
}

fn weekday_abbr(text: &str) -> String {
    rewrite(text, &WEEKDAY_ABBR, |c, before, after| {
        let w = c.name("w")?.as_str();
        let dot = c.name("dot").is_some();
        // "Sat" and "Sun" are words too: expand before a date, after "on", before a colon,
        // or (the others) before a comma as in "Mon, 12:00".
        let rest = after.trim_start_matches(|ch: char| ch == ',' || ch.is_whitespace());
        let date_follows =
            rest.starts_with(|ch: char| ch.is_ascii_digit()) || MONTH_AT.is_match(rest);
        let after_on = prev_word(before).eq_ignore_ascii_case("on");
        // "Tue: sunny" (a forecast row) is a label; "Sun, sand" is not a date.
        let comma = !dot
            && (after.starts_with(':') || after.starts_with(',') && !matches!(w, "Sat" | "Sun"));
        if !(date_follows || after_on || comma) {
            return None;
        }
        let full = weekday(w)?;
        Some(if dot && ends_sentence(after) {
            format!("{full}.")
        } else {
            full.to_string()
        })
    })
}

fn weekday_range(text: &str) -> String {
    rewrite(text, &WEEKDAY_RANGE, |c, _, _| {
        Some(format!(
            "{} to {}",
            weekday(c.name("a")?.as_str())?,
            weekday(c.name("b")?.as_str())?
        ))
    })
}

fn month_then_day(text: &str, locale: Locale) -> String {
    rewrite(text, &MONTH_DAY, |c, before, after| {
        if after.starts_with([':', '.', ','])
            && after[1..].starts_with(|ch: char| ch.is_ascii_digit())
        {
            return None;
        }
        let month = month_number(c.name("mon")?.as_str())?;
        let d: u32 = c.name("d")?.as_str().parse().ok()?;
        let y = c.name("y").and_then(|m| m.as_str().parse().ok());
        say(month, d, y, Order::MonthFirst, !the_before(before), locale)
    })
}

fn day_then_month(text: &str, locale: Locale) -> String {
    rewrite(text, &DAY_MONTH, |c, before, after| {
        if embedded(before, "") {
            return None;
        }
        let month = month_number(c.name("mon")?.as_str())?;
        let d: u32 = c.name("d")?.as_str().parse().ok()?;
        let y = c.name("y").and_then(|m| m.as_str().parse().ok());
        let spoken = say(month, d, y, Order::DayFirst, !the_before(before), locale)?;
        // "on 12 Oct." at the end of a sentence: the period was the sentence's too.
        let end = c.name("dot").is_some() && y.is_none() && ends_sentence(after);
        Some(if end { format!("{spoken}.") } else { spoken })
    })
}

fn month_year(text: &str, locale: Locale) -> String {
    rewrite(text, &MONTH_YEAR, |c, _, _| {
        let month = month_number(c.name("mon")?.as_str())?;
        let y: u32 = c.name("y")?.as_str().parse().ok()?;
        Some(format!("{} {}", MONTHS[month - 1], year(y, locale)))
    })
}

fn month_abbr(text: &str) -> String {
    rewrite(text, &MONTH_ABBR, |c, _, after| {
        let month = month_number(c.name("mon")?.as_str())?;
        let name = MONTHS[month - 1];
        Some(if ends_sentence(after) {
            format!("{name}.")
        } else {
            name.to_string()
        })
    })
}

fn ends_sentence(after: &str) -> bool {
    let t = after.trim_start();
    t.is_empty()
        || (after.starts_with(char::is_whitespace)
            && t.starts_with(char::is_uppercase)
            && !MONTH_AT.is_match(t))
}
