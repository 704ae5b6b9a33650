//! Hindi number words: 0–99 are each a word of their own (no rule makes "इक्यावन" from
//! 50 and 1), so they are a table; above them the Indian system of सौ, हज़ार, लाख
//! (10⁵) and करोड़ (10⁷).

/// 0 to 99.
const UNDER_100: [&str; 100] = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पाँच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अड़तीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अड़तालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सड़सठ",
    "अड़सठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानबे",
    "बानबे",
    "तिरानबे",
    "चौरानबे",
    "पचानबे",
    "छियानबे",
    "सत्तानबे",
    "अट्ठानबे",
    "निन्यानबे",
];

/// The months, जनवरी to दिसंबर.
pub(super) const MONTHS: [&str; 12] = [
    "जनवरी",
    "फ़रवरी",
    "मार्च",
    "अप्रैल",
    "मई",
    "जून",
    "जुलाई",
    "अगस्त",
    "सितंबर",
    "अक्टूबर",
    "नवंबर",
    "दिसंबर",
];

/// Largest number spelt (99 लाख करोड़); longer digit strings are read digit by digit.
pub(super) const MAX_DIGITS: usize = 16;

/// `n` in words: 105 एक सौ पाँच, 2026 दो हज़ार छब्बीस, 1,50,000 एक लाख पचास हज़ार.
pub(super) fn cardinal(n: u64) -> String {
    if n < 100 {
        return UNDER_100[n as usize].into();
    }
    let mut parts: Vec<String> = Vec::new();
    let crore = n / 10_000_000;
    let rest = n % 10_000_000;
    if crore > 0 {
        parts.push(format!("{} करोड़", cardinal(crore)));
    }
    for (size, word) in [(100_000, "लाख"), (1000, "हज़ार"), (100, "सौ")] {
        let count = rest / size % if size == 100 { 10 } else { 100 };
        if count > 0 {
            parts.push(format!("{} {word}", UNDER_100[count as usize]));
        }
    }
    if !rest.is_multiple_of(100) {
        parts.push(UNDER_100[(rest % 100) as usize].into());
    }
    parts.join(" ")
}

/// A year: 1100 to 1999 in hundreds (1999 उन्नीस सौ निन्यानबे), others as cardinals.
pub(super) fn year(y: u64) -> String {
    if (1100..2000).contains(&y) {
        let rest = y % 100;
        let mut out = format!("{} सौ", UNDER_100[(y / 100) as usize]);
        if rest > 0 {
            out.push(' ');
            out.push_str(UNDER_100[rest as usize]);
        }
        out
    } else {
        cardinal(y)
    }
}

/// Digit by digit: `0612` शून्य छह एक दो.
pub(super) fn digits(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| UNDER_100[(b - b'0') as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The form an ordinal takes: पहला (masculine), पहली (feminine), पहले (oblique).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    Masculine,
    Feminine,
    Oblique,
}

/// `n` as an ordinal: पहला, दूसरा, तीसरा, चौथा, छठा, and the cardinal with -वाँ for
/// the rest (पाँचवाँ, इक्कीसवीं, सौवें).
pub(super) fn ordinal(n: u64, form: Form) -> String {
    let stem = match n {
        1 => "पहल",
        2 => "दूसर",
        3 => "तीसर",
        4 => "चौथ",
        6 => "छठ",
        _ => {
            let ending = match form {
                Form::Masculine => "वाँ",
                Form::Feminine => "वीं",
                Form::Oblique => "वें",
            };
            return cardinal(n) + ending;
        }
    };
    let ending = match form {
        Form::Masculine => "ा",
        Form::Feminine => "ी",
        Form::Oblique => "े",
    };
    format!("{stem}{ending}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        for (n, s) in [
            (0, "शून्य"),
            (19, "उन्नीस"),
            (45, "पैंतालीस"),
            (99, "निन्यानबे"),
            (100, "एक सौ"),
            (105, "एक सौ पाँच"),
            (250, "दो सौ पचास"),
            (1000, "एक हज़ार"),
            (2026, "दो हज़ार छब्बीस"),
            (12_345, "बारह हज़ार तीन सौ पैंतालीस"),
            (100_000, "एक लाख"),
            (150_000, "एक लाख पचास हज़ार"),
            (10_000_000, "एक करोड़"),
            (25_000_000, "दो करोड़ पचास लाख"),
            (5_000_000_000, "पाँच सौ करोड़"),
        ] {
            assert_eq!(cardinal(n), s, "{n}");
        }
        assert_eq!(year(1999), "उन्नीस सौ निन्यानबे");
        assert_eq!(year(1900), "उन्नीस सौ");
        assert_eq!(year(2026), "दो हज़ार छब्बीस");
        assert_eq!(ordinal(1, Form::Masculine), "पहला");
        assert_eq!(ordinal(2, Form::Feminine), "दूसरी");
        assert_eq!(ordinal(5, Form::Masculine), "पाँचवाँ");
        assert_eq!(ordinal(21, Form::Feminine), "इक्कीसवीं");
        assert_eq!(ordinal(6, Form::Oblique), "छठे");
    }
}
