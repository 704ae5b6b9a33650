//! Numbers as Chinese, Japanese and Hindi texts write them: ASCII digits (after
//! [`ascii_forms`]), commas between thousands (Hindi also between lakhs: `1,00,000`) and a
//! decimal point.

use regex::Regex;
use std::sync::LazyLock;

/// A written number, to put into a pattern: `1,234.5`, `1,00,000`, `21.5`, `7`. Its
/// length is bounded, so that resolving a match's groups stays cheap: a longer run of
/// digits is read in pieces, each digit by digit.
pub(super) const NUM: &str =
    r"[0-9]{1,3}(?:,[0-9]{2,3}){1,8}(?:\.[0-9]{1,32})?|[0-9]{1,32}(?:\.[0-9]{1,32})?";

/// A signed number: `(?P<sign>…)?(?P<n>NUM)`.
pub(super) const SIGNED: &str = r"(?P<sign>[-−])?(?P<n>NUM)";

/// `pattern` with `NUM` (and `SIGNED`) spelled out, compiled.
pub(super) fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(&pattern.replace("SIGNED", SIGNED).replace("NUM", NUM)).expect("static regex")
}

/// A number split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Written<'a> {
    /// The digits of the whole part, separators removed.
    pub int: String,
    /// The digits after the point.
    pub frac: Option<&'a str>,
}

impl Written<'_> {
    /// The whole part's value, if it is a number worth reading as one: no leading zero
    /// ("007" is read digit by digit) and at most `max_digits` long.
    pub fn value(&self, max_digits: usize) -> Option<u64> {
        if self.int.len() > max_digits || (self.int.len() > 1 && self.int.starts_with('0')) {
            return None;
        }
        self.int.parse().ok()
    }

    /// True for a whole number equal to `n`.
    pub fn is(&self, n: u64) -> bool {
        self.frac.is_none() && self.value(19) == Some(n)
    }
}

/// Splits a match of [`NUM`].
pub(super) fn parse(raw: &str) -> Written<'_> {
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw, None),
    };
    Written {
        int: int.chars().filter(char::is_ascii_digit).collect(),
        frac,
    }
}

/// True if a sign captured as `sign` is a minus sign, not a hyphen after a Latin
/// letter or a digit ("A-5", "3-5"). Chinese and Japanese put no space before it
/// ("室外-5°C").
pub(super) fn negative(caps: &regex::Captures<'_>, before: &str) -> Option<bool> {
    match caps.name("sign") {
        None => Some(false),
        Some(_)
            if !before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(true)
        }
        Some(_) => None,
    }
}

/// True if the character before a match does not glue it into a longer number or code.
pub(super) fn free_before(before: &str) -> bool {
    !before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

/// True if the character after a match does not glue it into a longer number or code.
pub(super) fn free_after(after: &str) -> bool {
    !after
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True if a unit, a degree or a percent sign follows (spaces skipped): what makes
/// "20-25" a range ("20-25°C", "3-5 km") rather than a code ("010-1234").
pub(super) fn unit_follows(after: &str) -> bool {
    after
        .trim_start()
        .starts_with(|c: char| "°%‰度".contains(c) || c.is_ascii_alphabetic())
}

/// Full-width digits, letters and signs (`１９：３０`, `４５％`) as ASCII, and the
/// one-character degree signs `℃`, `℉` as `°C`, `°F`, so that one set of patterns reads
/// both. Superscripts (`m²`) are kept, unlike NFKC.
pub(super) fn ascii_forms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Full-width ASCII: same order, offset 0xFEE0. (The G2Ps apply NFKC to
            // the rest of their input themselves.)
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
            '℃' => out.push_str("°C"),
            '℉' => out.push_str("°F"),
            '\u{2212}' => out.push('-'),
            _ => out.push(c),
        }
    }
    out
}

// Patterns the Hindi, Japanese and Chinese passes share.

pub(super) static TEMPERATURE: LazyLock<Regex> =
    LazyLock::new(|| re(r"SIGNED\s?°\s?(?P<scale>[CF])?"));

pub(super) static PERCENT: LazyLock<Regex> = LazyLock::new(|| re(r"SIGNED\s?(?P<p>[%‰])"));

pub(super) static NUMBER: LazyLock<Regex> = LazyLock::new(|| re("SIGNED"));

pub(super) static NUMBER_SIGN: LazyLock<Regex> = LazyLock::new(|| re(r"No\.\s?(?P<n>[0-9]+)"));

pub(super) static RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<a>NUM)\s?(?P<sep>[~〜–-])\s?(?P<b>NUM)"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        assert_eq!(
            parse("1,234.50"),
            Written {
                int: "1234".into(),
                frac: Some("50")
            }
        );
        assert_eq!(parse("1,00,000").value(16), Some(100_000));
        assert_eq!(parse("007").value(16), None);
        assert_eq!(parse("0").value(16), Some(0));
        assert!(parse("2").is(2));
        assert!(!parse("2.0").is(2));
    }

    #[test]
    fn full_width_forms() {
        assert_eq!(ascii_forms("１９：３０、４５％"), "19:30、45%");
        assert_eq!(ascii_forms("２３℃，m²"), "23°C,m²");
    }

    /// Texts made of the pieces the Hindi, Japanese and Chinese passes look for, in
    /// every order a small generator makes: none may panic.
    #[test]
    fn odd_mixtures_never_panic() {
        use crate::text::normalize::{normalize, Locale};
        const PIECES: &[&str] = &[
            "1",
            "0",
            "45",
            "2026",
            ":",
            ".",
            ",",
            "-",
            "−",
            "~",
            "〜",
            "%",
            "‰",
            "°",
            "C",
            "F",
            "年",
            "月",
            "日",
            "時",
            "分",
            "人",
            "つ",
            "本",
            "第",
            "No.",
            "km",
            "/h",
            "m²",
            "₹",
            "¥",
            "$",
            "Rs.",
            "बजे",
            "ला",
            "री",
            "डॉ.",
            "१",
            "ー",
            " ",
            "ン",
            "\u{0301}",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            for locale in [Locale::Hi, Locale::Ja, Locale::Zh] {
                let out = normalize(&text, locale);
                let _ = normalize(&out, locale);
            }
        }
    }
}
