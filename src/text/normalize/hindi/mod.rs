//! Normalization for Hindi. espeak-ng's Hindi voice reads bare numbers in Hindi
//! already (`45` पैंतालीस, `3.14` तीन दशमलव एक चार, `1,00,000` एक लाख) and `%` as
//! प्रतिशत, but says nothing for `°`, `₹` or a minus sign, reads `7:30` as "सात तीस",
//! `03/12/2026` with "slash" and units as English letters ("km/h" के एम स्लैश एच). So
//! this writes everything in words, as a speaker says it: "साढ़े सात बजे",
//! "तेईस दशमलव पाँच डिग्री सेल्सियस", "सौ रुपये", "पंद्रह किलोमीटर प्रति घंटा".
//!
//! Passes run in a fixed order, each replacing what it reads with words, so a later
//! pass never re-reads an earlier one's output: abbreviations, then forms with several
//! numbers (dates, times, ranges), then money, temperatures, percentages, units and
//! ordinals, bare numbers last.

mod words;

use super::written::{NUMBER, PERCENT, TEMPERATURE};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::rewrite::rewrite;
use super::written::{
    ascii_forms, free_after, free_before, negative, parse, re, unit_follows, Written,
};
use words::{cardinal, digits, ordinal, year, Form, MAX_DIGITS, MONTHS};

/// Rewrites `text` (already stripped of Markdown) for Hindi. Never panics.
pub(super) fn normalize(text: &str) -> String {
    let s = ascii_digits(&ascii_forms(text));
    let s = abbreviations(&s);
    let s = dates(&s);
    let s = clock(&s);
    let s = ranges(&s);
    let s = money(&s);
    let s = temperatures(&s);
    let s = percentages(&s);
    let s = units(&s);
    let s = ordinals(&s);
    let s = numbers(&s);
    let s = SPACES.replace_all(&s, " ");
    SPACE_BEFORE_PUNCT.replace_all(s.trim(), "$p").into_owned()
}

static ABBREVIATION: LazyLock<Regex> = LazyLock::new(|| {
    let keys: Vec<String> = ABBREVIATIONS
        .iter()
        .map(|(a, _)| regex::escape(a))
        .collect();
    Regex::new(&keys.join("|")).expect("static regex")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<d>[0-9]{1,2})(?P<s1>[-/.])(?P<m>[0-9]{1,2})(?P<s2>[-/.])(?P<y>[0-9]{4})|(?P<iy>[0-9]{4})-(?P<im>[0-9]{2})-(?P<id>[0-9]{2})",
    )
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?(?P<baje>\s?बजे)?",
    )
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<a>NUM)\s?(?P<sep>[~–-])\s?(?P<b>NUM)"));
static MONEY_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<sym>₹|Rs\.?|रु\.|INR|US\$|\$|€|£)\s?SIGNED"));
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<String> = UNITS.iter().map(|(s, _)| regex::escape(s)).collect();
    re(&format!(r"SIGNED\s?(?P<unit>{})", symbols.join("|")))
});
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<n>[0-9]{1,3})(?P<suffix>st|nd|rd|th|ला|ली|ले|रा|री|रे|था|थी|थे|ठा|ठी|ठे|वाँ|वां|वीं|वी|वें|वे)")
});
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ \t]+").expect("static regex"));
static SPACE_BEFORE_PUNCT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" +(?P<p>[.,;:!?)।])").expect("static regex"));

/// Abbreviations and what is said for them.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("डॉ.", "डॉक्टर"),
    ("प्रो.", "प्रोफ़ेसर"),
    ("कि.मी.", "किलोमीटर"),
    ("कि.ग्रा.", "किलोग्राम"),
    ("Dr.", "डॉक्टर"),
    ("Mr.", "मिस्टर"),
    ("Mrs.", "मिसेज़"),
];

/// Unit symbols and their words, longer symbols first (`km/h` before `km`).
const UNITS: &[(&str, &str)] = &[
    ("µg/m³", "माइक्रोग्राम प्रति घन मीटर"),
    ("μg/m³", "माइक्रोग्राम प्रति घन मीटर"),
    ("km/h", "किलोमीटर प्रति घंटा"),
    ("m/s", "मीटर प्रति सेकंड"),
    ("kWh", "किलोवाट घंटा"),
    ("MWh", "मेगावाट घंटा"),
    ("mAh", "मिलीएम्पियर घंटा"),
    ("Wh", "वाट घंटा"),
    ("kW", "किलोवाट"),
    ("mA", "मिलीएम्पियर"),
    ("hPa", "हेक्टोपास्कल"),
    ("Hz", "हर्ट्ज़"),
    ("dB", "डेसिबल"),
    ("lx", "लक्स"),
    ("km", "किलोमीटर"),
    ("cm", "सेंटीमीटर"),
    ("mm", "मिलीमीटर"),
    ("m²", "वर्ग मीटर"),
    ("m³", "घन मीटर"),
    ("kg", "किलोग्राम"),
    ("mg", "मिलीग्राम"),
    ("ml", "मिलीलीटर"),
    ("mL", "मिलीलीटर"),
    ("min", "मिनट"),
    ("ms", "मिलीसेकंड"),
    ("W", "वाट"),
    ("V", "वोल्ट"),
    ("A", "एम्पियर"),
    ("m", "मीटर"),
    ("g", "ग्राम"),
    ("l", "लीटर"),
    ("L", "लीटर"),
    ("s", "सेकंड"),
];

/// Devanagari digits (०–९) as ASCII, so that one set of patterns reads both.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '०'..='९' => char::from(b'0' + (c as u32 - '०' as u32) as u8),
            _ => c,
        })
        .collect()
}

/// True if the text before ends a word made of letters (Devanagari with its vowel
/// signs, or Latin), so that an abbreviation there is part of a longer word.
fn in_word(before: &str) -> bool {
    before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || is_sign(c))
}

/// A Devanagari vowel sign, virama or nukta: part of a word, though the virama and
/// the nukta are not alphabetic to Rust.
fn is_sign(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0955}'..='\u{0957}' | '\u{0962}' | '\u{0963}')
}

fn abbreviations(text: &str) -> String {
    rewrite(text, &ABBREVIATION, |caps, before, _| {
        if in_word(before) {
            return None;
        }
        let (_, word) = ABBREVIATIONS.iter().find(|(a, _)| *a == &caps[0])?;
        Some((*word).to_owned())
    })
}

/// A whole number or, with decimals, "दशमलव" and the digits after it.
fn say(w: &Written<'_>, negative: bool) -> String {
    let mut out = String::new();
    if negative {
        out.push_str("माइनस ");
    }
    match w.value(MAX_DIGITS) {
        Some(n) => out.push_str(&cardinal(n)),
        None => out.push_str(&digits(&w.int)),
    }
    if let Some(frac) = w.frac {
        out.push_str(" दशमलव ");
        out.push_str(&digits(frac));
    }
    out
}

/// `03/12/2026`, `2026-12-03` → तीन दिसंबर दो हज़ार छब्बीस (day, month, year).
fn dates(text: &str) -> String {
    rewrite(text, &DATE, |caps, before, after| {
        if !free_before(before) || !free_after(after) {
            return None;
        }
        if caps.name("s1").is_some() && caps["s1"] != caps["s2"] {
            return None;
        }
        let get = |a: &str, b: &str| {
            caps.name(a)
                .or_else(|| caps.name(b))
                .and_then(|m| m.as_str().parse::<u64>().ok())
        };
        let (d, m, y) = (get("d", "id")?, get("m", "im")?, get("y", "iy")?);
        if !(1..=31).contains(&d) || !(1..=12).contains(&m) {
            return None;
        }
        Some(format!(
            "{} {} {}",
            cardinal(d),
            MONTHS[(m - 1) as usize],
            year(y)
        ))
    })
}

/// `7:30` साढ़े सात बजे, `7:15` सवा सात बजे, `7:45` पौने आठ बजे, `1:30` डेढ़ बजे,
/// `2:30` ढाई बजे, `7:20` सात बजकर बीस मिनट; on the 24-hour clock (`19:30`) उन्नीस
/// बजकर तीस मिनट; `7:30 PM` शाम साढ़े सात बजे.
fn clock(text: &str) -> String {
    rewrite(text, &CLOCK, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_digit() || c == ':' || c == '.')
            || after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == ':')
        {
            return None;
        }
        let h: u64 = caps["h"].parse().ok()?;
        let m: u64 = caps["m"].parse().ok()?;
        let s = caps.name("s").and_then(|s| s.as_str().parse::<u64>().ok());
        let ampm = caps.name("ampm").map(|a| a.as_str().to_ascii_lowercase());
        if h > 24
            || m > 59
            || s.is_some_and(|s| s > 59)
            || (ampm.is_some() && !(1..=12).contains(&h))
        {
            return None;
        }
        // Midnight on the 24-hour clock is said on the 12-hour one: "रात बारह बजे".
        let (h, ampm) = match (h, ampm) {
            (0, None) => (12, Some("a".to_owned())),
            other => other,
        };
        let part = ampm.map(|a| match (a.as_str(), h) {
            ("a", 12 | 1..=3) => "रात",
            ("a", _) => "सुबह",
            (_, 12 | 1..=3) => "दोपहर",
            (_, 4..=7) => "शाम",
            _ => "रात",
        });
        // A "बजे" written after the time is part of what is read ("7:30 बजे"), unless
        // it begins a longer word ("बजेगा").
        if caps.name("baje").is_some()
            && after.starts_with(|c: char| c.is_alphanumeric() || is_sign(c))
        {
            return None;
        }
        let bare = |t: String| t + " बजे";
        let twelve = (1..=12).contains(&h);
        let next = h % 12 + 1;
        let mut out = match m {
            0 => bare(cardinal(h)),
            15 if twelve => bare(format!("सवा {}", cardinal(h))),
            30 if twelve && h == 1 => bare("डेढ़".into()),
            30 if twelve && h == 2 => bare("ढाई".into()),
            30 if twelve => bare(format!("साढ़े {}", cardinal(h))),
            45 if twelve => bare(format!("पौने {}", cardinal(next))),
            _ => format!("{} बजकर {} मिनट", cardinal(h), cardinal(m)),
        };
        if let Some(s) = s.filter(|&s| s > 0) {
            out = format!("{out} {} सेकंड", cardinal(s));
        }
        Some(match part {
            Some(p) => format!("{p} {out}"),
            None => out,
        })
    })
}

/// `20-25°C`, `5~10 km` → "से" between the numbers, which later passes read. A hyphen
/// is a range only before a unit, a degree or a percent sign.
fn ranges(text: &str) -> String {
    rewrite(text, &RANGE, |caps, before, after| {
        if !free_before(before) || before.ends_with(['-', ':', '/']) {
            return None;
        }
        if matches!(&caps["sep"], "-" | "–") && !unit_follows(after) {
            return None;
        }
        Some(format!("{} से {}", &caps["a"], &caps["b"]))
    })
}

/// `₹100` सौ रुपये, `₹1` एक रुपया, `₹12.50` बारह रुपये पचास पैसे, `$5` पाँच डॉलर.
fn money(text: &str) -> String {
    rewrite(text, &MONEY_BEFORE, |caps: &Captures<'_>, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric()) || !free_after(after) {
            return None;
        }
        let neg = negative(caps, before)?;
        let (one, many, cent) = match &caps["sym"] {
            "₹" | "Rs" | "Rs." | "रु." | "INR" => ("रुपया", "रुपये", "पैसे"),
            "$" | "US$" => ("डॉलर", "डॉलर", "सेंट"),
            "€" => ("यूरो", "यूरो", "सेंट"),
            "£" => ("पाउंड", "पाउंड", "पेंस"),
            _ => return None,
        };
        let w = parse(&caps["n"]);
        let whole = Written {
            int: w.int.clone(),
            frac: None,
        };
        let mut out = format!(
            "{} {}",
            say(&whole, neg),
            if whole.is(1) { one } else { many }
        );
        match w.frac {
            None => {}
            Some(f) if f.len() == 2 => {
                let c: u64 = f.parse().ok()?;
                if c > 0 {
                    out = format!("{out} {} {cent}", cardinal(c));
                }
            }
            Some(_) => return None,
        }
        Some(out)
    })
}

/// `23.5°C` तेईस दशमलव पाँच डिग्री सेल्सियस, `-3°C` माइनस तीन डिग्री सेल्सियस.
fn temperatures(text: &str) -> String {
    rewrite(text, &TEMPERATURE, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let scale = caps.name("scale").map(|s| s.as_str());
        if scale.is_some() && !free_after(after) {
            return None;
        }
        let neg = negative(caps, before)?;
        let word = match scale {
            Some("C") => "डिग्री सेल्सियस",
            Some("F") => "डिग्री फ़ारेनहाइट",
            _ => "डिग्री",
        };
        Some(format!("{} {word}", say(&parse(&caps["n"]), neg)))
    })
}

/// `45%` पैंतालीस प्रतिशत, `5‰` पाँच प्रति हज़ार.
fn percentages(text: &str) -> String {
    rewrite(text, &PERCENT, |caps, before, _| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let neg = negative(caps, before)?;
        let word = if &caps["p"] == "%" {
            "प्रतिशत"
        } else {
            "प्रति हज़ार"
        };
        Some(format!("{} {word}", say(&parse(&caps["n"]), neg)))
    })
}

/// `15 km/h` पंद्रह किलोमीटर प्रति घंटा, `450 W` चार सौ पचास वाट.
fn units(text: &str) -> String {
    rewrite(text, &UNIT, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
            || after.starts_with(|c: char| {
                c.is_ascii_alphanumeric() || c == '/' || c == '²' || c == '³'
            })
        {
            return None;
        }
        let neg = negative(caps, before)?;
        let (_, word) = UNITS.iter().find(|(s, _)| *s == &caps["unit"])?;
        Some(format!("{} {word}", say(&parse(&caps["n"]), neg)))
    })
}

/// `1ला` पहला, `2री` दूसरी, `5वें` पाँचवें, `21st` इक्कीसवाँ.
fn ordinals(text: &str) -> String {
    rewrite(text, &ORDINAL, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
            || after.starts_with(|c: char| c.is_alphanumeric() || is_sign(c))
        {
            return None;
        }
        let n: u64 = caps["n"].parse().ok()?;
        let suffix = &caps["suffix"];
        let form = if suffix.contains('ी') {
            Form::Feminine
        } else if suffix.contains('े') {
            Form::Oblique
        } else {
            Form::Masculine
        };
        // Only the suffix written for that number: 1ला, 2रा, 4था, 6ठा, 5वाँ.
        let fits = match suffix.chars().next()? {
            'ल' => n == 1,
            'र' => n == 2 || n == 3,
            'थ' => n == 4,
            'ठ' => n == 6,
            'व' => !matches!(n, 1..=4 | 6),
            _ => true,
        };
        fits.then(|| ordinal(n, form))
    })
}

/// Bare numbers: `2026` दो हज़ार छब्बीस, `-5` माइनस पाँच, `3.14` तीन दशमलव एक चार.
fn numbers(text: &str) -> String {
    rewrite(text, &NUMBER, |caps, before, after| {
        // A number inside a code ("A4", "v2") is left to espeak-ng, which reads its digits.
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
            || after.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            return None;
        }
        let neg = negative(caps, before).unwrap_or(false);
        let head = if caps.name("sign").is_some() && !neg {
            "-"
        } else {
            ""
        };
        Some(format!("{head}{}", say(&parse(&caps["n"]), neg)))
    })
}

#[cfg(test)]
mod tests;
