//! Number words (cardinals, ordinals, years, decimals, digit strings) and the pass that
//! reads every number left in the text once dates, times, money and units have had theirs.

use std::sync::LazyLock;

use regex::Regex;

use super::rewrite::{next_word, prev_word, rewrite, sign_position};
use super::Locale;

#[rustfmt::skip]
const ONES: [&str; 20] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
];
#[rustfmt::skip]
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
#[rustfmt::skip]
const SCALES: [&str; 7] = [
    "", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
];
/// Above this a number is read digit by digit: nobody says "four sextillion".
const MAX_CARDINAL: u128 = 999_999_999_999_999_999_999;

fn below_hundred(n: u32) -> String {
    let n = n as usize % 100;
    if n < 20 {
        ONES[n].to_string()
    } else if n.is_multiple_of(10) {
        TENS[n / 10].to_string()
    } else {
        format!("{}-{}", TENS[n / 10], ONES[n % 10])
    }
}

fn below_thousand(n: u32, and: bool) -> String {
    let (h, r) = ((n / 100) as usize % 10, n % 100);
    match (h, r) {
        (0, r) => below_hundred(r),
        (h, 0) => format!("{} hundred", ONES[h]),
        (h, r) if and => format!("{} hundred and {}", ONES[h], below_hundred(r)),
        (h, r) => format!("{} hundred {}", ONES[h], below_hundred(r)),
    }
}

/// Cardinal words: 1234 → "one thousand two hundred thirty-four" (en-gb: "… and thirty-four").
pub fn cardinal(n: u128, locale: Locale) -> String {
    if n == 0 {
        return "zero".to_string();
    }
    if n > MAX_CARDINAL {
        return digits(&n.to_string(), locale);
    }
    let and = locale.says_and();
    let mut groups = Vec::new();
    let mut m = n;
    while m > 0 {
        groups.push((m % 1000) as u32);
        m /= 1000;
    }
    let mut parts = Vec::new();
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        let mut w = below_thousand(g, and);
        if i > 0 {
            w.push(' ');
            w.push_str(SCALES[i]);
        } else if and && g < 100 && groups.len() > 1 {
            w.insert_str(0, "and ");
        }
        parts.push(w);
    }
    parts.join(" ")
}

/// Turns the last word of a cardinal into its ordinal: "twenty-one" → "twenty-first".
pub fn ordinalize(words: &str) -> String {
    let cut = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(cut);
    let ord = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        w => match w.strip_suffix('y') {
            Some(stem) => format!("{stem}ieth"),
            None => format!("{w}th"),
        },
    };
    format!("{head}{ord}")
}

/// Ordinal words: 21 → "twenty-first".
pub fn ordinal(n: u128, locale: Locale) -> String {
    ordinalize(&cardinal(n, locale))
}

/// Plural of number words: "nineteen ninety" → "nineteen nineties", "six" → "sixes".
pub fn pluralize(words: &str) -> String {
    let cut = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(cut);
    let plural = if let Some(stem) = last.strip_suffix('y') {
        format!("{stem}ies")
    } else if last.ends_with('x') {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    format!("{head}{plural}")
}

/// One word per digit: "2005" → "two zero zero five" (en-gb says "oh" for zero).
pub fn digits(s: &str, locale: Locale) -> String {
    let zero = if locale == Locale::EnGb { "oh" } else { "zero" };
    s.chars()
        .filter_map(|c| c.to_digit(10).filter(|_| c.is_ascii_digit()))
        .map(|d| if d == 0 { zero } else { ONES[d as usize] })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Digits read one by one with "zero" in every locale (decimals, versions, addresses).
pub fn digit_words(s: &str) -> String {
    digits(s, Locale::EnUs)
}

/// Year words: 1990 → "nineteen ninety", 1905 → "nineteen oh five", 2005 → "two thousand
/// five", 2026 → "twenty twenty-six", 1900 → "nineteen hundred".
pub fn year(n: u32, locale: Locale) -> String {
    if !(1000..=9999).contains(&n) {
        return cardinal(u128::from(n), locale);
    }
    let (hi, lo) = (n / 100, n % 100);
    if hi % 10 == 0 && lo < 10 {
        cardinal(u128::from(n), locale)
    } else if lo == 0 {
        format!("{} hundred", below_hundred(hi))
    } else if lo < 10 {
        format!("{} oh {}", below_hundred(hi), ONES[lo as usize])
    } else {
        format!("{} {}", below_hundred(hi), below_hundred(lo))
    }
}

/// Reads a plain integer string (no sign, no separators): leading zeros read digit by digit.
pub fn integer(s: &str, locale: Locale) -> String {
    if s.len() > 1 && s.starts_with('0') {
        return digit_words(s);
    }
    match s.parse::<u128>() {
        Ok(n) if n <= MAX_CARDINAL => cardinal(n, locale),
        _ => digit_words(s),
    }
}

/// Reads a number as written: optional sign, optional thousands commas, optional decimals.
/// "-1,234.50" → "minus one thousand two hundred thirty-four point five zero".
/// Returns None for anything that is not such a number.
pub fn read(s: &str, locale: Locale) -> Option<String> {
    let (sign, body) = split_sign(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if !valid_grouping(int)
        || frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if int.is_empty() && frac.is_none() {
        return None;
    }
    let plain: String = int.chars().filter(|c| *c != ',').collect();
    let mut out = String::from(sign);
    if !plain.is_empty() {
        if frac.is_some() {
            // "05.5" is a number, not a code: drop leading zeros before the point.
            let trimmed = plain.trim_start_matches('0');
            out.push_str(&integer(
                if trimmed.is_empty() { "0" } else { trimmed },
                locale,
            ));
        } else {
            out.push_str(&integer(&plain, locale));
        }
    }
    if let Some(f) = frac {
        if !plain.is_empty() {
            out.push(' ');
        }
        out.push_str("point ");
        out.push_str(&digit_words(f));
    }
    Some(out)
}

/// Splits a leading sign off a number: ("minus ", "5").
pub fn split_sign(s: &str) -> (&'static str, &str) {
    if let Some(r) = s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        ("minus ", r)
    } else if let Some(r) = s.strip_prefix('+') {
        ("plus ", r)
    } else {
        ("", s)
    }
}

/// Digits with commas only as thousands separators ("1,234,567"), or no commas at all.
fn valid_grouping(int: &str) -> bool {
    if !int.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return false;
    }
    if !int.contains(',') {
        return true;
    }
    let mut groups = int.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

/// True if a written number is exactly one (for "1 km" vs "2 km").
pub fn is_one(s: &str) -> bool {
    let (_, body) = split_sign(s);
    body == "1"
}

/// Integer value of a plain or comma-grouped number, if it is one.
pub fn value(s: &str) -> Option<u128> {
    let (_, body) = split_sign(s);
    if body.contains('.') || !valid_grouping(body) {
        return None;
    }
    body.chars()
        .filter(|c| *c != ',')
        .collect::<String>()
        .parse()
        .ok()
}

// --- the pass over the text -------------------------------------------------------------

/// Ordinals ("21st") and decades ("1990s", "'90s", "the 80s"); run before units so that
/// "1990s" is not read as seconds.
static SUFFIXED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<apos>['’])?\b(?P<num>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:(?P<ord>st|nd|rd|th|ST|ND|RD|TH)|['’]?(?P<s>s))\b",
    )
    .expect("static regex")
});

/// Words after which a two-digit "80s" is a decade (otherwise "30s" is thirty seconds).
#[rustfmt::skip]
const DECADE_PREV: &[&str] = &[
    "the", "early", "mid", "late", "your", "their", "his", "her", "my", "our", "its", "in",
];

/// Reads ordinals and decades.
pub fn expand_suffixed(text: &str, locale: Locale) -> String {
    rewrite(text, &SUFFIXED, |c, before, _after| {
        let num = c.name("num")?.as_str();
        let n = value(num)?;
        if c.name("ord").is_some() {
            if before.ends_with(|ch: char| ch.is_ascii_digit() || ch == '.') {
                return None;
            }
            return Some(ordinal(n, locale));
        }
        // Plural "s": only round numbers are decades or "hundreds".
        let plain = num.replace(',', "");
        let apos = c.name("apos").is_some();
        match plain.len() {
            _ if n == 100 => Some("hundreds".to_string()),
            _ if n == 1000 && !apos => Some("thousands".to_string()),
            4 if n % 10 == 0 => {
                let y = u32::try_from(n).ok()?;
                Some(pluralize(&year(y, locale)))
            }
            2 if n % 10 == 0 => {
                let prev = prev_word(before).to_lowercase();
                if apos || DECADE_PREV.contains(&prev.as_str()) {
                    Some(if n == 0 {
                        "two thousands".to_string()
                    } else {
                        pluralize(&cardinal(n, locale))
                    })
                } else {
                    None
                }
            }
            _ => None,
        }
    })
}

/// Any number left: sign, thousands commas, decimals, dotted groups (versions, IP
/// addresses), and an optional scale letter ("5k", "2M", "3bn").
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<sign>[-−+])?(?P<num>[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)*|\.[0-9]+)(?P<scale>k|M|bn)?",
    )
    .expect("static regex")
});

/// Words after which a four-digit number is a year whatever follows.
#[rustfmt::skip]
const YEAR_PREV_STRONG: &[&str] = &[
    "in", "since", "until", "till", "during", "circa", "year", "ca",
];
/// Plural nouns that do not end in "s".
#[rustfmt::skip]
const IRREGULAR_PLURALS: &[&str] = &[
    "people", "men", "women", "children", "feet", "teeth", "mice", "geese", "sheep", "fish",
    "deer", "staff", "cattle", "persons", "kids",
];
/// Words ending in "s" that are not plural nouns.
#[rustfmt::skip]
const NOT_PLURAL: &[&str] = &[
    "was", "is", "has", "this", "its", "his", "as", "us", "thus", "yes", "does", "plus",
    "minus", "always", "towards", "afterwards", "onwards", "whereas", "unless", "less",
    "across", "series", "news", "bus", "gas", "status", "census", "christmas", "ess",
];

fn is_plural_noun(word: &str) -> bool {
    let w = word.to_lowercase();
    if !word.chars().next().is_some_and(char::is_lowercase) {
        return false;
    }
    if IRREGULAR_PLURALS.contains(&w.as_str()) {
        return true;
    }
    w.len() > 2
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !NOT_PLURAL.contains(&w.as_str())
}

/// Decides whether a bare four-digit number is a year ("in 1990") or a quantity
/// ("1990 people").
fn reads_as_year(n: u128, before: &str, after: &str) -> bool {
    if !(1000..=2099).contains(&n) {
        return false;
    }
    let next = next_word(after);
    if ["AD", "BC", "BCE", "CE", "A.D", "B.C"].contains(&next) {
        return true;
    }
    let prev = prev_word(before).to_lowercase();
    if YEAR_PREV_STRONG.contains(&prev.as_str()) {
        return true;
    }
    // "Q3 2024", "H1 2025", "FY 2026": reporting periods.
    let period = prev.len() == 2
        && prev.starts_with(['q', 'h'])
        && prev[1..].starts_with(['1', '2', '3', '4']);
    if period || prev == "fy" {
        return true;
    }
    // A plural noun after it makes it a count ("1990 people", "1500 calories"); a year
    // qualifies a singular one ("the 2020 election").
    !is_plural_noun(next)
}

/// Reads every remaining number.
pub fn expand(text: &str, locale: Locale) -> String {
    rewrite(text, &NUMBER, |c, before, after| {
        let num = c.name("num")?.as_str();
        let mut sign = c.name("sign").map_or("", |m| m.as_str());
        let mut lead = "";
        if !sign.is_empty() && !sign_position(before) {
            // "COVID-19", "F-150": a hyphen inside a name, not a minus.
            lead = if sign == "+" { " plus " } else { " " };
            sign = "";
        }
        // "5k" is five thousand; "5kV" would be a unit another pass missed: keep the letters.
        let scale_text = c.name("scale").map_or("", |m| m.as_str());
        let glued = after.chars().next().is_some_and(char::is_alphanumeric);
        let scale = match scale_text {
            "" => None,
            _ if glued => None,
            "k" => Some("thousand"),
            "M" => Some("million"),
            _ => Some("billion"),
        };
        let sign_word = match sign {
            "-" | "−" => "minus ",
            "+" => "plus ",
            _ => "",
        };
        let body = read_body(num, before, after, scale.is_some(), locale);
        let mut out = format!("{lead}{sign_word}{body}");
        if let Some(s) = scale {
            out.push(' ');
            out.push_str(s);
        } else if !scale_text.is_empty() {
            out.push(' ');
            out.push_str(scale_text);
        }
        Some(out)
    })
}

fn read_body(num: &str, before: &str, after: &str, scaled: bool, locale: Locale) -> String {
    let dots = num.matches('.').count();
    if dots >= 2 {
        let groups: Vec<&str> = num.split('.').collect();
        if groups.len() == 4
            && groups
                .iter()
                .all(|g| !g.is_empty() && g.len() <= 3 && g.parse::<u32>().is_ok_and(|v| v <= 255))
        {
            // An IP address: "one nine two dot one six eight dot …".
            return groups
                .iter()
                .map(|g| digit_words(g))
                .collect::<Vec<_>>()
                .join(" dot ");
        }
        if groups.len() >= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && !groups[0].is_empty()
            && groups[0].len() <= 3
        {
            // "1.000.000": dots as thousands separators.
            let joined: String = groups.concat();
            return integer(&joined, locale);
        }
        // A version: "two point zero point one"; "2024.11.3" starts with a year.
        if let Some(y) = groups[0]
            .parse::<u32>()
            .ok()
            .filter(|y| groups[0].len() == 4 && (1900..=2099).contains(y))
        {
            let rest: Vec<String> = groups[1..]
                .iter()
                .filter(|g| !g.is_empty())
                .map(|g| integer(g, locale))
                .collect();
            return format!("{} point {}", year(y, locale), rest.join(" point "));
        }
        return groups
            .iter()
            .map(|g| {
                if g.is_empty() {
                    String::new()
                } else {
                    integer(g, locale)
                }
            })
            .filter(|g| !g.is_empty())
            .collect::<Vec<_>>()
            .join(" point ");
    }
    if dots == 0 && !scaled && !num.contains(',') && num.len() == 4 && !num.starts_with('0') {
        if let Ok(n) = num.parse::<u32>() {
            if reads_as_year(u128::from(n), before, after) {
                return year(n, locale);
            }
        }
    }
    read(num, locale).unwrap_or_else(|| digit_words(num))
}
