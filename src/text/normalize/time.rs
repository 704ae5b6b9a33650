//! Clock times: "3:45" → "three forty-five", "3:05" → "three oh five", "3:00 PM" → "three
//! p.m.", "7am" → "seven a.m.", "9:00-17:00" → "nine a.m. to five p.m.".
//!
//! A 24-hour time (hour 13-23, or a leading zero as in "07:30") is read the way people say
//! it on a 12-hour clock: "15:00" → "three p.m.", "00:00" → "midnight", "12:00" in a
//! 24-hour context → "noon". An ambiguous "7:00" stays "seven o'clock".
//!
//! "a.m."/"p.m." are written with their periods: misaki spells them as letters, where a
//! bare capital "A" would be read as the article.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::cardinal;
use super::rewrite::rewrite;
use super::Locale;

const TIME: &str =
    r"[0-9]{1,2}(?::[0-9]{2}){1,2}(?:\s?[AaPp]\.?\s?[Mm]\b\.?)?|[0-9]{1,2}\s?[AaPp]\.?\s?[Mm]\b\.?";

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?P<a>{TIME}|[0-9]{{1,2}})\s*[-–—]\s*(?P<b>{TIME})"
    ))
    .expect("static regex")
});
static ONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\b(?:{TIME})")).expect("static regex"));
static PARTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?(?::(?P<s>[0-9]{2}))?\s?(?:(?P<ap>[AaPp])\.?\s?[Mm]\.?)?$").expect("static regex")
});

/// A time as written.
#[derive(Clone, Copy)]
struct Written {
    h: u32,
    m: Option<u32>,
    s: Option<u32>,
    /// Some(true) for p.m., Some(false) for a.m.
    pm: Option<bool>,
    /// An hour with a leading zero ("07:30") is a 24-hour time.
    padded: bool,
}

fn parse(text: &str) -> Option<Written> {
    let c: Captures<'_> = PARTS.captures(text.trim())?;
    let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
    let h_txt = c.name("h")?.as_str();
    Some(Written {
        h: num("h")?,
        m: num("m"),
        s: num("s"),
        pm: c.name("ap").map(|m| m.as_str().eq_ignore_ascii_case("p")),
        padded: h_txt.len() == 2 && h_txt.starts_with('0'),
    })
}

/// Speaks a time. `pm` is the written a.m./p.m.; `clock24` says the time is known to be on
/// a 24-hour clock (ISO timestamps).
pub(super) fn say(
    h: u32,
    m: u32,
    s: Option<u32>,
    pm: Option<bool>,
    clock24: bool,
    locale: Locale,
) -> Option<String> {
    if m > 59 || s.is_some_and(|s| s > 59) {
        return None;
    }
    let (hour, suffix) = match pm {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            (h, Some(if pm { "p.m." } else { "a.m." }))
        }
        None if h == 24 && m == 0 => return Some("midnight".to_string()),
        // "45:30": no clock has that hour; a lap or a duration, read as written.
        None if h > 24 && s.is_none() => {
            let mins = if m < 10 {
                format!("oh {}", cardinal(u128::from(m), locale))
            } else {
                cardinal(u128::from(m), locale)
            };
            return Some(format!("{} {mins}", cardinal(u128::from(h), locale)));
        }
        None if h > 23 => return None,
        None if clock24 || h == 0 || h > 12 => {
            if h == 0 && m == 0 && s.unwrap_or(0) == 0 {
                return Some("midnight".to_string());
            }
            if h == 12 && m == 0 && s.unwrap_or(0) == 0 {
                return Some("noon".to_string());
            }
            match h {
                0 => (12, Some("a.m.")),
                1..=11 => (h, Some("a.m.")),
                12 => (12, Some("p.m.")),
                _ => (h - 12, Some("p.m.")),
            }
        }
        None => (h, None),
    };
    let mut out = cardinal(u128::from(hour), locale);
    match (m, suffix) {
        (0, None) => out.push_str(" o'clock"),
        (0, Some(_)) => {}
        (1..=9, _) => {
            out.push_str(" oh ");
            out.push_str(&cardinal(u128::from(m), locale));
        }
        _ => {
            out.push(' ');
            out.push_str(&cardinal(u128::from(m), locale));
        }
    }
    if let Some(sfx) = suffix {
        out.push(' ');
        out.push_str(sfx);
    }
    if let Some(sec) = s.filter(|s| *s > 0) {
        out.push_str(" and ");
        out.push_str(&cardinal(u128::from(sec), locale));
        out.push_str(if sec == 1 { " second" } else { " seconds" });
    }
    Some(out)
}

fn say_written(w: Written, clock24: bool, locale: Locale) -> Option<String> {
    say(
        w.h,
        w.m.unwrap_or(0),
        w.s,
        w.pm,
        clock24 || w.padded,
        locale,
    )
}

/// True if a match sits inside a longer run of digits and colons (a duration, a ratio list).
fn embedded(before: &str, after: &str) -> bool {
    before.ends_with(|c: char| c.is_ascii_digit() || c == ':' || c == '.' || c == '/')
        || after.starts_with(|c: char| c.is_ascii_digit())
        || {
            let mut it = after.chars();
            matches!((it.next(), it.next()), (Some(':' | '.'), Some(c)) if c.is_ascii_digit())
        }
}

/// "p.m." already ends with a period: do not add the sentence's own after it.
pub(super) fn fix_period(spoken: String, after: &str) -> String {
    if spoken.ends_with('.') && after.starts_with('.') {
        spoken.trim_end_matches('.').to_string()
    } else {
        spoken
    }
}

/// Reads clock times and time ranges.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let s = rewrite(text, &RANGE, |c, before, after| {
        if embedded(before, after) {
            return None;
        }
        let a_txt = c.name("a")?.as_str();
        let b_txt = c.name("b")?.as_str();
        let (mut a, b) = (parse(a_txt)?, parse(b_txt)?);
        // "9-11am": the first hour shares the second's a.m./p.m. when it is not written.
        if a.m.is_none() && a.pm.is_none() {
            a.pm = b.pm;
            a.pm?;
        }
        // "9:00-17:00": one clock for both ends.
        let clock24 = a.padded || b.padded || a.h > 12 || b.h > 12 || a.h == 0 || b.h == 0;
        let first = say_written(a, clock24, locale)?;
        let second = say_written(b, clock24, locale)?;
        // "nine to eleven a.m.", not "nine a.m. to eleven a.m."
        let first = match (a.pm, b.pm) {
            (Some(x), Some(y))
                if x == y
                    && a_txt
                        .trim()
                        .chars()
                        .last()
                        .is_some_and(|ch| ch.is_ascii_digit()) =>
            {
                first
                    .trim_end_matches(" a.m.")
                    .trim_end_matches(" p.m.")
                    .to_string()
            }
            _ => first,
        };
        Some(fix_period(format!("{first} to {second}"), after))
    });
    rewrite(&s, &ONE, |c, before, after| {
        if embedded(before, after) {
            return None;
        }
        let text = c.get(0)?.as_str();
        // "3:45" is a time; so is "7am" / "7 p.m."; a bare number is not matched here.
        let w = parse(text)?;
        // "12:00 noon", "12 midnight": the word says which; read just the hour.
        let named = after
            .trim_start()
            .get(..4)
            .is_some_and(|n| n.eq_ignore_ascii_case("noon"))
            || after
                .trim_start()
                .get(..8)
                .is_some_and(|n| n.eq_ignore_ascii_case("midnight"));
        if named && w.m.unwrap_or(0) == 0 && w.pm.is_none() {
            return Some(cardinal(u128::from(w.h), locale));
        }
        let spoken = say_written(w, false, locale)?;
        Some(fix_period(spoken, after))
    })
}
