//! Normalization for Spanish, French, Italian and Brazilian Portuguese: what Home
//! Assistant writes with digits and symbols (times, dates, temperatures, percentages,
//! money, units, ordinals, decimals, negative numbers) becomes the words a speaker of
//! the language says, so espeak-ng does not read "7 h 30" as "sept ache trente".
//!
//! Passes run in a fixed order, each replacing what it reads with words, so a later
//! pass never re-reads an earlier one's output: forms with symbols first (money,
//! dates, times, temperatures, percentages, units, ordinals), bare numbers last.

mod spell;
mod words;

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::rewrite::rewrite;
use spell::Gender;
use words::{currencies, ordinal, unit, words, UNIT_SYMBOLS};

/// A language this normalizer reads for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Romance {
    /// Spanish (Spain).
    Es,
    /// French (France).
    Fr,
    /// Italian.
    It,
    /// Brazilian Portuguese.
    Pt,
}

/// A written number: `1.500` and `1 500` (thousands), `21,5` and `21.5` (decimals).
const NUM: &str =
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:[\u{a0}\u{202f}]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("NUM", NUM)).expect("static regex")
}

static CURRENCY_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<sym>R\$|US\$|\$|€|£)\s?(?P<n>NUM)"));
static CURRENCY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<n>NUM)\s?(?P<sym>€|EUR\b|USD\b|BRL\b|R\$|\$|£)"));
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2}))\b",
    )
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\b)?|\b(?P<hh>\d{1,2})\s?h\s?(?P<hm>\d{2})\b",
    )
});
// "º" is the ordinal mark ("1º"), also typed for degrees before C or F.
static TEMPERATURE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<sign>[-−])?(?P<n>NUM)\s?(?:°\s?(?P<scale>[CF]\b)?|º\s?(?P<scale2>[CF])\b)")
});
static PERCENT: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<sign>[-−])?(?P<n>NUM)\s?%"));
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<String> = UNIT_SYMBOLS.iter().map(|s| regex::escape(s)).collect();
    re(&format!(
        r"(?P<sign>[-−])?(?P<n>NUM)\s?(?P<unit>{})",
        symbols.join("|")
    ))
});
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?P<n>\d{1,3})(?:\.?(?P<mark>[ºª])|(?P<fr>ers?|res?|ères?|èmes?|emes?|e|es)\b)")
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<sign>[-−])?(?P<n>NUM)"));
// French groups thousands with spaces: "200 000", "1 000 000".
static SPACED_THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{1,3}(?: \d{3})+\b").expect("static regex"));
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ \t]+").expect("static regex"));
static SPACE_BEFORE_PUNCT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" +(?P<p>[.,;:!?)])").expect("static regex"));

/// Rewrites `text` (already stripped of Markdown) for `lang`. Never panics.
pub(super) fn normalize(text: &str, lang: Romance) -> String {
    let s = match lang {
        Romance::Fr => rewrite(text, &SPACED_THOUSANDS, |caps, before, after| {
            standalone(before, after).then(|| caps[0].replace(' ', ""))
        }),
        _ => text.to_owned(),
    };
    let s = money(&s, lang);
    let s = dates(&s, lang);
    let s = clock(&s, lang);
    let s = temperatures(&s, lang);
    let s = percentages(&s, lang);
    let s = units(&s, lang);
    let s = ordinals(&s, lang);
    let s = numbers(&s, lang);
    let s = s.replace('&', &format!(" {} ", words(lang).and));
    let s = SPACES.replace_all(&s, " ");
    SPACE_BEFORE_PUNCT.replace_all(s.trim(), "$p").into_owned()
}

/// A number as written, read: integer part and decimals.
struct Written {
    int: Option<u64>,
    int_digits: String,
    decimals: Option<String>,
}

fn parse(raw: &str) -> Written {
    // These languages group thousands with dots (or thin spaces) and mark decimals
    // with a comma; a dot before other than groups of three digits is a decimal point.
    let dotted = {
        let mut groups = raw.split('.');
        let first = groups.next().unwrap_or_default();
        raw.contains('.')
            && !raw.contains(',')
            && (1..=3).contains(&first.len())
            && groups.all(|g| g.len() == 3)
    };
    let thousands =
        raw.contains(['\u{a0}', '\u{202f}']) || dotted || (raw.contains('.') && raw.contains(','));
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, '\u{a0}' | '\u{202f}'))
        .collect();
    let cleaned = if thousands {
        cleaned.replace('.', "")
    } else {
        cleaned
    };
    let (int, decimals) = match cleaned.split_once([',', '.']) {
        Some((i, d)) => (i.to_owned(), Some(d.to_owned())),
        None => (cleaned, None),
    };
    Written {
        int: int.parse().ok().filter(|&n| n <= spell::MAX),
        int_digits: int,
        decimals,
    }
}

/// Reads a written number; `gender` applies to a whole number just before its noun.
fn say(lang: Romance, raw: &str, negative: bool, gender: Gender) -> String {
    let w = parse(raw);
    let mut out = String::new();
    if negative {
        out.push_str(words(lang).minus);
        out.push(' ');
    }
    let int_gender = if w.decimals.is_some() {
        Gender::Bare
    } else {
        gender
    };
    match w.int {
        Some(n) => out.push_str(&spell::cardinal(lang, n, int_gender)),
        None => out.push_str(&spell::digits(lang, &w.int_digits)),
    }
    if let Some(d) = w.decimals {
        out.push(' ');
        out.push_str(words(lang).decimal);
        out.push(' ');
        // "0,05": the zeros are said; otherwise the decimals are a number ("coma cinco").
        out.push_str(&match d.parse::<u64>() {
            Ok(n) if !d.starts_with('0') && d.len() <= 3 => spell::cardinal(lang, n, Gender::Bare),
            _ => spell::digits(lang, &d),
        });
    }
    out
}

/// Whether the noun after `raw` is plural: French from two on, the others for
/// anything but exactly one.
fn plural(lang: Romance, raw: &str) -> bool {
    let w = parse(raw);
    let value = w.int.unwrap_or(u64::MAX) as f64
        + w.decimals
            .as_deref()
            .and_then(|d| format!("0.{d}").parse::<f64>().ok())
            .unwrap_or(0.0);
    match lang {
        Romance::Fr => value >= 2.0,
        _ => value != 1.0,
    }
}

/// A number that is part of a word or a code ("A4", "v2.1", "3x") is left as written.
fn standalone(before: &str, after: &str) -> bool {
    !before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// A sign belongs to the number only at the start of a word ("-3", not "5-3").
fn sign(caps: &Captures<'_>, before: &str) -> Option<bool> {
    match caps.name("sign") {
        None => Some(false),
        Some(_)
            if before
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || "([{:".contains(c)) =>
        {
            Some(true)
        }
        Some(_) => None,
    }
}

fn money(text: &str, lang: Romance) -> String {
    let read = |caps: &Captures<'_>, sym: &str| -> Option<String> {
        let sym = match sym {
            "EUR" => "€",
            "USD" | "US$" => "$",
            "BRL" => "R$",
            s => s,
        };
        let (_, g, one, many, cg, cent, cents) = currencies(lang).iter().find(|c| c.0 == sym)?;
        let w = parse(&caps["n"]);
        let units = w.int?;
        let mut out = format!(
            "{} {}",
            spell::cardinal(lang, units, *g),
            if units == 1 { one } else { many }
        );
        if let Some(d) = w.decimals.filter(|d| d.len() == 2) {
            let c: u64 = d.parse().ok()?;
            if c > 0 {
                out.push_str(words(lang).cents_join);
                out.push_str(&format!(
                    "{} {}",
                    spell::cardinal(lang, c, *cg),
                    if c == 1 { cent } else { cents }
                ));
            }
        } else if parse(&caps["n"]).decimals.is_some() {
            return None;
        }
        Some(out)
    };
    let s = rewrite(text, &CURRENCY_BEFORE, |caps, before, after| {
        (standalone(before, after) || !before.ends_with(char::is_alphanumeric)).then_some(())?;
        read(caps, &caps["sym"])
    });
    rewrite(&s, &CURRENCY_AFTER, |caps, before, _| {
        (!before
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric))
        .then_some(())?;
        read(caps, &caps["sym"])
    })
}

fn dates(text: &str, lang: Romance) -> String {
    let w = words(lang);
    rewrite(text, &DATE, |caps, _, _| {
        let get = |a: &str, b: &str| {
            caps.name(a)
                .or_else(|| caps.name(b))
                .and_then(|m| m.as_str().parse::<u64>().ok())
        };
        let (d, m, y) = (get("d", "id")?, get("m", "im")?, get("y", "iy")?);
        if !(1..=31).contains(&d) || !(1..=12).contains(&m) {
            return None;
        }
        let day = match (d, w.first_day) {
            (1, Some(first)) => first.to_owned(),
            _ => spell::cardinal(lang, d, Gender::Bare),
        };
        Some(format!(
            "{day}{}{}{}{}",
            w.date_of,
            w.months[(m - 1) as usize],
            w.date_of,
            spell::cardinal(lang, y, Gender::Bare)
        ))
    })
}

fn clock(text: &str, lang: Romance) -> String {
    let w = words(lang);
    rewrite(text, &CLOCK, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_digit() || c == ':')
            || after.starts_with(|c: char| c.is_ascii_digit())
        {
            return None;
        }
        let (h, m) = match (caps.name("h"), caps.name("hh")) {
            (Some(h), _) => (
                h.as_str().parse::<u64>().ok()?,
                caps["m"].parse::<u64>().ok()?,
            ),
            (None, Some(h)) => (
                h.as_str().parse::<u64>().ok()?,
                caps["hm"].parse::<u64>().ok()?,
            ),
            _ => return None,
        };
        let h = match caps.name("ampm").map(|a| a.as_str().to_ascii_lowercase()) {
            Some(_) if !(1..=12).contains(&h) => return None,
            Some(a) if a == "p" && h < 12 => h + 12,
            Some(a) if a == "a" && h == 12 => 0,
            _ => h,
        };
        if h > 24 || m > 59 {
            return None;
        }
        // Hours are feminine in all four ("una", "une heure", "duas").
        let hours = spell::cardinal(lang, h, Gender::Feminine);
        let mut out = hours;
        let (one, many) = w.hours;
        if !one.is_empty() {
            out.push(' ');
            out.push_str(if h == 1 || (lang == Romance::Fr && h == 0) {
                one
            } else {
                many
            });
        }
        if m == 0 {
            let (one, many) = w.whole_hours;
            if !one.is_empty() {
                out.push(' ');
                out.push_str(if h == 1 { one } else { many });
            }
        } else {
            out.push_str(w.hour_join);
            let minutes_gender = if lang == Romance::Fr {
                Gender::Feminine
            } else {
                Gender::Bare
            };
            out.push_str(&spell::cardinal(lang, m, minutes_gender));
        }
        Some(out)
    })
}

fn temperatures(text: &str, lang: Romance) -> String {
    let (one, many) = words(lang).degree;
    rewrite(text, &TEMPERATURE, |caps, before, _| {
        if before.ends_with(|c: char| c.is_alphanumeric()) {
            return None;
        }
        let negative = sign(caps, before)?;
        let raw = &caps["n"];
        let noun = if plural(lang, raw) { many } else { one };
        let scale = match caps
            .name("scale")
            .or_else(|| caps.name("scale2"))
            .map(|s| s.as_str())
        {
            Some("C") => " Celsius",
            Some("F") => " Fahrenheit",
            _ => "",
        };
        Some(format!(
            "{} {noun}{scale}",
            say(lang, raw, negative, Gender::Masculine)
        ))
    })
}

fn percentages(text: &str, lang: Romance) -> String {
    rewrite(text, &PERCENT, |caps, before, _| {
        if before.ends_with(|c: char| c.is_alphanumeric()) {
            return None;
        }
        let negative = sign(caps, before)?;
        Some(format!(
            "{} {}",
            say(lang, &caps["n"], negative, Gender::Masculine),
            words(lang).percent
        ))
    })
}

fn units(text: &str, lang: Romance) -> String {
    rewrite(text, &UNIT, |caps, before, after| {
        if before.ends_with(|c: char| c.is_alphanumeric())
            || after.starts_with(|c: char| c.is_alphanumeric() || c == '/')
        {
            return None;
        }
        let negative = sign(caps, before)?;
        let (_, gender, one, many) = unit(lang, &caps["unit"])?;
        let raw = &caps["n"];
        Some(format!(
            "{} {}",
            say(lang, raw, negative, gender),
            if plural(lang, raw) { many } else { one }
        ))
    })
}

fn ordinals(text: &str, lang: Romance) -> String {
    rewrite(text, &ORDINAL, |caps, before, after| {
        if before.ends_with(|c: char| c.is_alphanumeric())
            || after.starts_with(|c: char| c.is_alphanumeric())
        {
            return None;
        }
        let n: u64 = caps["n"].parse().ok()?;
        let feminine = match (caps.name("mark"), caps.name("fr")) {
            (Some(mark), _) if lang != Romance::Fr => mark.as_str() == "ª",
            (None, Some(fr)) if lang == Romance::Fr => {
                let suffix = fr.as_str();
                // "1er", "1re"/"1ère", "2e"/"2ème"; "1e" alone is no French ordinal.
                match (n, suffix.trim_end_matches('s')) {
                    (1, "er") => false,
                    (1, "re" | "ère") => true,
                    (1, _) => return None,
                    (_, "e" | "ème" | "eme") => false,
                    _ => return None,
                }
            }
            _ => return None,
        };
        let word =
            ordinal(lang, n, feminine).unwrap_or_else(|| spell::cardinal(lang, n, Gender::Bare));
        let plural = caps.name("fr").is_some_and(|f| f.as_str().ends_with('s')) && n > 1;
        Some(if plural { format!("{word}s") } else { word })
    })
}

fn numbers(text: &str, lang: Romance) -> String {
    rewrite(text, &NUMBER, |caps, before, after| {
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '.' || c == ',')
            || after.starts_with(|c: char| c.is_alphanumeric())
        {
            return None;
        }
        let negative = sign(caps, before)?;
        Some(say(lang, &caps["n"], negative, Gender::Bare))
    })
}

#[cfg(test)]
mod tests;
