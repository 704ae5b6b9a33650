//! Words for SSML `<say-as>`: cardinals, ordinals, digits, letters, dates, times and
//! telephone numbers, in English. Content that does not parse as the kind asked for
//! is returned unchanged, to be read as ordinary text.
//!
//! Number words come from the normalizer (`text::normalize`), so both read alike.

use super::normalize::{numbers, Locale};

/// What `interpret-as` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpretAs {
    /// `characters`, `spell-out`, `verbatim`: letter by letter.
    Characters,
    /// `cardinal`, `number`: a quantity.
    Cardinal,
    /// `ordinal`: a rank.
    Ordinal,
    /// `digits`: digit by digit.
    Digits,
    /// `date`, with an optional `format` (`mdy`, `dmy`, `ymd`, `md`, `dm`, `ym`, `my`, `y`, `m`, `d`).
    Date,
    /// `time`: `3:45`, `15:00`, `7:05:30 pm`, `7am`.
    Time,
    /// `telephone`: digit by digit in groups.
    Telephone,
}

impl InterpretAs {
    /// The kind for an `interpret-as` value; `None` for kinds kokorod does not know.
    pub fn from_attr(value: &str) -> Option<Self> {
        Some(match value.trim().to_ascii_lowercase().as_str() {
            "characters" | "spell-out" | "verbatim" => Self::Characters,
            "cardinal" | "number" => Self::Cardinal,
            "ordinal" => Self::Ordinal,
            "digits" => Self::Digits,
            "date" => Self::Date,
            "time" => Self::Time,
            "telephone" => Self::Telephone,
            _ => return None,
        })
    }
}

/// The words for `content` read as `kind`. `british` selects en-GB readings ("one
/// hundred and five", day before month). Letters come out as capitals separated by
/// spaces; the letter A as inline markup `[A](/ˈA/)`, since the G2P reads a lone "A"
/// as the article.
pub fn say_as(kind: InterpretAs, content: &str, format: Option<&str>, british: bool) -> String {
    let content = content.trim();
    let words = match kind {
        InterpretAs::Characters => Some(spell(content)),
        InterpretAs::Cardinal => number(content, british),
        InterpretAs::Ordinal => ordinal_text(content, british),
        InterpretAs::Digits => Some(digit_groups(content, false)),
        InterpretAs::Date => date(content, format, british),
        InterpretAs::Time => time(content, british),
        InterpretAs::Telephone => Some(digit_groups(content, true)),
    };
    match words {
        Some(w) if !w.trim().is_empty() => w,
        _ => content.to_owned(),
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn locale(british: bool) -> Locale {
    if british {
        Locale::EnGb
    } else {
        Locale::EnUs
    }
}

/// A whole number in words: 1234 → "one thousand two hundred thirty-four" (en-GB:
/// "one thousand two hundred and thirty-four"). The normalizer's reading, shared.
pub fn cardinal(n: u64, british: bool) -> String {
    numbers::cardinal(u128::from(n), locale(british))
}

/// A rank in words: 21 → "twenty-first".
pub fn ordinal(n: u64, british: bool) -> String {
    numbers::ordinal(u128::from(n), locale(british))
}

/// A year: 1990 → "nineteen ninety", 1905 → "nineteen oh five", 2005 → "two thousand
/// (and) five", 2026 → "twenty twenty-six".
pub fn year(n: u64, british: bool) -> String {
    match u32::try_from(n) {
        Ok(y) if (1000..10_000).contains(&y) => numbers::year(y, locale(british)),
        _ => cardinal(n, british),
    }
}

/// The word for one decimal digit.
fn digit_word(c: char) -> Option<&'static str> {
    c.to_digit(10).map(|d| ONES[d as usize])
}

/// One letter as it is spelt aloud.
fn letter(c: char) -> String {
    match c {
        'a' | 'A' => "[A](/ˈA/)".to_owned(),
        c => c.to_uppercase().collect(),
    }
}

/// Letter by letter, digits as digit words: "USB" → "U S B", "a1" → "[A](/ˈA/) one".
/// Whitespace between words becomes a short pause (a comma).
fn spell(s: &str) -> String {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for word in s.split_whitespace() {
        let items: Vec<String> = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| digit_word(c).map_or_else(|| letter(c), str::to_owned))
            .collect();
        if !items.is_empty() {
            groups.push(items);
        }
    }
    groups
        .iter()
        .map(|g| g.join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Digit by digit; any run of other characters separates groups, read with a short
/// pause. For telephone numbers a leading `+` is "plus".
fn digit_groups(s: &str, telephone: bool) -> String {
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    let mut plus = false;
    for c in s.chars() {
        let item = match digit_word(c) {
            Some(w) => Some(w.to_owned()),
            None if c.is_alphabetic() => Some(letter(c)),
            None => None,
        };
        if let Some(item) = item {
            if let Some(g) = groups.last_mut() {
                g.push(item);
            }
        } else if telephone && c == '+' && groups.iter().all(Vec::is_empty) {
            plus = true;
        } else if groups.last().is_some_and(|g| !g.is_empty()) {
            groups.push(Vec::new());
        }
    }
    let body = groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| g.join(" "))
        .collect::<Vec<_>>()
        .join(", ");
    if plus && !body.is_empty() {
        format!("plus {body}")
    } else {
        body
    }
}

/// Digits of a whole number with optional thousands separators (`1,234,567`).
fn whole_digits(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split(',').collect();
    let ok = !s.is_empty()
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (groups.len() == 1 || groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    ok.then(|| groups.concat())
}

/// A cardinal, possibly signed and with decimals: "-3.14" → "minus three point one four".
fn number(s: &str, british: bool) -> Option<String> {
    let (sign, body) = match s.chars().next()? {
        '-' | '−' => ("minus ", &s[s.chars().next()?.len_utf8()..]),
        '+' => ("plus ", &s[1..]),
        _ => ("", s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int = if int.is_empty() && frac.is_some() {
        "0".to_owned()
    } else {
        whole_digits(int)?
    };
    let mut out = String::from(sign);
    // Beyond u64 (quintillions) a number is read digit by digit.
    match int.parse::<u64>() {
        Ok(n) => out.push_str(&cardinal(n, british)),
        Err(_) => out.push_str(&digit_groups(&int, false)),
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(" point ");
        out.push_str(&digit_groups(f, false));
    }
    Some(out)
}

/// "21", "21st", "1,000th" → "twenty-first", "one thousandth".
fn ordinal_text(s: &str, british: bool) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th", "."]
        .iter()
        .find_map(|suf| lower.strip_suffix(suf))
        .unwrap_or(&lower);
    let n = whole_digits(digits)?.parse::<u64>().ok()?;
    Some(ordinal(n, british))
}

/// A month from its name or abbreviation ("Nov", "november", "Sept").
fn month_from_name(s: &str) -> Option<u64> {
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.to_ascii_lowercase().starts_with(&s))
        .map(|i| i as u64 + 1)
}

/// A date in words. Numeric parts are assigned by `format` (e.g. `dmy`); without one,
/// a four-digit first part means `ymd`, else en-US reads `mdy` and en-GB `dmy`. A
/// month may be a name in any position.
fn date(s: &str, format: Option<&str>, british: bool) -> Option<String> {
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ',', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let (mut y, mut m, mut d) = (None, None, None);
    let named = parts.iter().position(|p| month_from_name(p).is_some());
    if let Some(i) = named {
        m = month_from_name(parts[i]);
        for (j, p) in parts.iter().enumerate().filter(|(j, _)| *j != i) {
            let p = p.trim_end_matches(|c: char| c.is_ascii_alphabetic()); // "25th"
            let n: u64 = p.parse().ok()?;
            if p.len() == 4 || d.is_some() || j > i && parts.len() == 2 && n > 31 {
                y = Some(n);
            } else {
                d = Some(n);
            }
        }
    } else {
        let nums: Vec<u64> = parts
            .iter()
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        let default = if parts[0].len() == 4 {
            "ymd"
        } else if british {
            "dmy"
        } else {
            "mdy"
        };
        let fmt = format
            .map(|f| f.trim().to_ascii_lowercase())
            .unwrap_or_else(|| default.into());
        if fmt.len() != nums.len() || !fmt.chars().all(|c| matches!(c, 'y' | 'm' | 'd')) {
            return None;
        }
        for (c, n) in fmt.chars().zip(nums) {
            let slot = match c {
                'y' => &mut y,
                'm' => &mut m,
                _ => &mut d,
            };
            if slot.replace(n).is_some() {
                return None;
            }
        }
    }
    if m.is_some_and(|m| !(1..=12).contains(&m)) || d.is_some_and(|d| !(1..=31).contains(&d)) {
        return None;
    }
    let month = m.map(|m| MONTHS[m as usize - 1]);
    let day = d.map(|d| ordinal(d, british));
    let yr = y.map(|y| year(y, british));
    Some(match (month, day, yr) {
        (Some(m), Some(d), Some(y)) if british => format!("the {d} of {m}, {y}"),
        (Some(m), Some(d), Some(y)) => format!("{m} {d}, {y}"),
        (Some(m), Some(d), None) if british => format!("the {d} of {m}"),
        (Some(m), Some(d), None) => format!("{m} {d}"),
        (Some(m), None, Some(y)) => format!("{m} {y}"),
        (Some(m), None, None) => m.to_owned(),
        (None, Some(d), None) => format!("the {d}"),
        (None, None, Some(y)) => y,
        _ => return None,
    })
}

/// A clock time in words: "3:45" → "three forty-five", "15:00" → "fifteen hundred",
/// "7:05 pm" → "seven oh five P M", "7am" → "seven [A](/ˈA/) M".
fn time(s: &str, british: bool) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let compact: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    let (clock, suffix) = if let Some(c) = compact.strip_suffix("am") {
        (c, Some("[A](/ˈA/) M"))
    } else if let Some(c) = compact.strip_suffix("pm") {
        (c, Some("P M"))
    } else {
        (compact.as_str(), None)
    };
    let fields: Vec<&str> = clock.split(':').collect();
    if fields.is_empty() || fields.len() > 3 || fields.iter().any(|f| f.is_empty() || f.len() > 2) {
        return None;
    }
    let nums: Vec<u64> = fields
        .iter()
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = (
        nums[0],
        nums.get(1).copied().unwrap_or(0),
        nums.get(2).copied(),
    );
    if (fields.len() > 1 && fields[1].len() != 2) || (fields.len() == 1 && suffix.is_none()) {
        return None;
    }
    let max_h = if suffix.is_some() { 12 } else { 23 };
    if h > max_h || (suffix.is_some() && h == 0) || m > 59 || sec.is_some_and(|s| s > 59) {
        return None;
    }
    let mut out = match (m, suffix) {
        (0, Some(_)) => cardinal(h, british),
        (0, None) if h == 0 => "midnight".to_owned(),
        (0, None) if h <= 12 => format!("{} o'clock", cardinal(h, british)),
        (0, None) => format!("{} hundred", cardinal(h, british)),
        (1..=9, _) => format!("{} oh {}", cardinal(h, british), ONES[m as usize]),
        _ => format!("{} {}", cardinal(h, british), cardinal(m, british)),
    };
    if let Some(sec) = sec.filter(|&s| s > 0) {
        let unit = if sec == 1 { "second" } else { "seconds" };
        out = format!("{out} and {} {unit}", cardinal(sec, british));
    }
    if let Some(suf) = suffix {
        out = format!("{out} {suf}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(kind: InterpretAs, s: &str) -> String {
        say_as(kind, s, None, false)
    }
    fn gb(kind: InterpretAs, s: &str) -> String {
        say_as(kind, s, None, true)
    }

    #[test]
    fn cardinals() {
        for (n, w) in [
            (0, "zero"),
            (7, "seven"),
            (13, "thirteen"),
            (42, "forty-two"),
            (100, "one hundred"),
            (105, "one hundred five"),
            (1000, "one thousand"),
            (1005, "one thousand five"),
            (1234, "one thousand two hundred thirty-four"),
            (1_000_000, "one million"),
            (2_000_017, "two million seventeen"),
            (u64::MAX, "eighteen quintillion four hundred forty-six quadrillion seven hundred forty-four trillion seventy-three billion seven hundred nine million five hundred fifty-one thousand six hundred fifteen"),
        ] {
            assert_eq!(cardinal(n, false), w, "{n}");
        }
        assert_eq!(cardinal(105, true), "one hundred and five");
        assert_eq!(cardinal(1005, true), "one thousand and five");
        assert_eq!(
            cardinal(1234, true),
            "one thousand two hundred and thirty-four"
        );
        assert_eq!(cardinal(2_000_100, true), "two million one hundred");
    }

    #[test]
    fn cardinal_content() {
        use InterpretAs::Cardinal as C;
        assert_eq!(us(C, "42"), "forty-two");
        assert_eq!(
            us(C, " 1,234,567 "),
            "one million two hundred thirty-four thousand five hundred sixty-seven"
        );
        assert_eq!(us(C, "-3.14"), "minus three point one four");
        assert_eq!(us(C, ".5"), "zero point five");
        assert_eq!(us(C, "123456789012345678901234"), "one two three four five six seven eight nine zero one two three four five six seven eight nine zero one two three four");
        // Not a number: read as written.
        assert_eq!(us(C, "lots"), "lots");
        assert_eq!(us(C, "1,23"), "1,23");
        assert_eq!(us(C, "3."), "3.");
    }

    #[test]
    fn ordinals() {
        use InterpretAs::Ordinal as O;
        for (s, w) in [
            ("1", "first"),
            ("2nd", "second"),
            ("3", "third"),
            ("4", "fourth"),
            ("5", "fifth"),
            ("8", "eighth"),
            ("9", "ninth"),
            ("12", "twelfth"),
            ("20", "twentieth"),
            ("21st", "twenty-first"),
            ("100", "one hundredth"),
            ("1,000th", "one thousandth"),
            ("42.", "forty-second"),
        ] {
            assert_eq!(us(O, s), w, "{s}");
        }
        assert_eq!(gb(O, "101"), "one hundred and first");
        assert_eq!(us(O, "first"), "first");
    }

    #[test]
    fn characters_digits_telephone() {
        assert_eq!(us(InterpretAs::Characters, "USB"), "U S B");
        assert_eq!(us(InterpretAs::Characters, "abc"), "[A](/ˈA/) B C");
        assert_eq!(us(InterpretAs::Characters, "R2-D2 ok"), "R two D two, O K");
        assert_eq!(us(InterpretAs::Digits, "2048"), "two zero four eight");
        assert_eq!(us(InterpretAs::Digits, "12 34"), "one two, three four");
        assert_eq!(
            us(InterpretAs::Telephone, "+1 (555) 123-4567"),
            "plus one, five five five, one two three, four five six seven"
        );
        assert_eq!(
            us(InterpretAs::Telephone, "1-800-FLOWERS"),
            "one, eight zero zero, F L O W E R S"
        );
        assert_eq!(us(InterpretAs::Telephone, "---"), "---");
    }

    #[test]
    fn years() {
        for (n, w) in [
            (1990, "nineteen ninety"),
            (1905, "nineteen oh five"),
            (1900, "nineteen hundred"),
            (2000, "two thousand"),
            (2005, "two thousand five"),
            (2010, "twenty ten"),
            (2026, "twenty twenty-six"),
            (1066, "ten sixty-six"),
            (800, "eight hundred"),
        ] {
            assert_eq!(year(n, false), w, "{n}");
        }
        assert_eq!(year(2005, true), "two thousand and five");
    }

    #[test]
    fn dates() {
        use InterpretAs::Date as D;
        assert_eq!(
            us(D, "2026-11-25"),
            "November twenty-fifth, twenty twenty-six"
        );
        assert_eq!(
            gb(D, "2026-11-25"),
            "the twenty-fifth of November, twenty twenty-six"
        );
        assert_eq!(
            us(D, "11/25/2026"),
            "November twenty-fifth, twenty twenty-six"
        );
        assert_eq!(
            gb(D, "25/11/2026"),
            "the twenty-fifth of November, twenty twenty-six"
        );
        assert_eq!(
            say_as(D, "25.11.2026", Some("dmy"), false),
            "November twenty-fifth, twenty twenty-six"
        );
        assert_eq!(
            say_as(D, "11/25", Some("md"), false),
            "November twenty-fifth"
        );
        assert_eq!(say_as(D, "2026", Some("y"), false), "twenty twenty-six");
        assert_eq!(
            say_as(D, "11-2026", Some("my"), false),
            "November twenty twenty-six"
        );
        assert_eq!(
            us(D, "25 November 2026"),
            "November twenty-fifth, twenty twenty-six"
        );
        assert_eq!(us(D, "Nov 25"), "November twenty-fifth");
        assert_eq!(us(D, "Sept. 1st, 1990"), "September first, nineteen ninety");
        // Impossible or unparseable dates are read as written.
        assert_eq!(us(D, "13/45/2026"), "13/45/2026");
        assert_eq!(say_as(D, "1/2/3", Some("mdyd"), false), "1/2/3");
        assert_eq!(us(D, "someday"), "someday");
    }

    #[test]
    fn times() {
        use InterpretAs::Time as T;
        for (s, w) in [
            ("3:45", "three forty-five"),
            ("3:45 PM", "three forty-five P M"),
            ("7am", "seven [A](/ˈA/) M"),
            ("7 a.m.", "seven [A](/ˈA/) M"),
            ("07:05", "seven oh five"),
            ("15:00", "fifteen hundred"),
            ("15:30", "fifteen thirty"),
            ("3:00", "three o'clock"),
            ("0:00", "midnight"),
            ("12:00 pm", "twelve P M"),
            ("10:15:30", "ten fifteen and thirty seconds"),
            ("10:15:01", "ten fifteen and one second"),
        ] {
            assert_eq!(us(T, s), w, "{s}");
        }
        for bad in ["25:00", "3:7", "13pm", "noonish", "7", "1:2:3:4"] {
            assert_eq!(us(T, bad), bad);
        }
    }

    #[test]
    fn interpret_as_values() {
        assert_eq!(
            InterpretAs::from_attr("spell-out"),
            Some(InterpretAs::Characters)
        );
        assert_eq!(
            InterpretAs::from_attr(" Cardinal "),
            Some(InterpretAs::Cardinal)
        );
        assert_eq!(InterpretAs::from_attr("expletive"), None);
    }
}
