//! Roman numerals in names and titles: "Henry VIII" → "Henry the eighth", "Chapter IV" →
//! "Chapter four", "World War II" → "World War two", "Super Bowl LVIII" → "Super Bowl
//! fifty-eight".
//!
//! Capitals are common in English ("I", "MD", "CD", "DC", "MIX", "CIVIL"), so a numeral is
//! read only where its context says it is one: after a monarch's or pope's name (ordinal),
//! after a title word like "Chapter" (cardinal), or, made only of I, V and X and at least
//! two letters long, after another capitalised word ("Rocky II", "Apollo XI"). The pronoun
//! "I" is never touched except after a monarch's name ("Elizabeth I") or a title word.

use std::sync::LazyLock;

use regex::Regex;

use super::numbers::{cardinal, ordinal};
use super::rewrite::{at_sentence_start, before_prev_word, prev_word, rewrite};
use super::Locale;

static NUMERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[IVXLCDM]{1,9}\b").expect("static regex"));

/// Names that take a regnal number, read as "the eighth".
#[rustfmt::skip]
const REGNAL: &[&str] = &[
    "Henry", "Edward", "George", "William", "Richard", "Charles", "James", "John", "Elizabeth",
    "Mary", "Anne", "Victoria", "Louis", "Philip", "Philippe", "Felipe", "Carlos", "Juan",
    "Alfonso", "Ferdinand", "Frederick", "Friedrich", "Wilhelm", "Ludwig", "Otto", "Napoleon",
    "Peter", "Paul", "Catherine", "Nicholas", "Alexander", "Ivan", "Gustav", "Gustaf",
    "Christian", "Frederik", "Haakon", "Olav", "Olaf", "Harald", "Carl", "Leo", "Pius",
    "Benedict", "Gregory", "Innocent", "Clement", "Urban", "Boniface", "Sixtus", "Francis",
    "Constantine", "Justinian", "Ramesses", "Ramses", "Amenhotep", "Thutmose", "Ptolemy",
    "Cleopatra", "Antiochus", "Darius", "Xerxes", "Stephen", "David", "Robert", "Malcolm",
    "Duncan", "Kenneth", "Alfred", "Edmund", "Harold", "Matilda", "Isabella", "Isabel", "Pedro",
    "Manuel", "Afonso", "Umberto", "Emmanuel", "Rudolf", "Leopold", "Joseph", "Maximilian",
    "Sigismund", "Albert", "Baudouin", "Willem", "Margrethe", "Rama", "Selim", "Mehmed",
    "Suleiman", "Murad", "Casimir", "Sancho", "Jaime", "Valdemar", "Eric", "Erik", "Magnus",
    "Canute", "Cnut", "Sobhuza", "Mswati",
];

/// Words after which a numeral is a plain number: "Chapter IV" → "Chapter four".
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "chapter", "part", "volume", "vol", "book", "act", "scene", "section", "article", "phase",
    "stage", "level", "type", "class", "category", "title", "appendix", "episode", "season",
    "war", "bowl", "grade", "mark", "mk", "tier", "psalm", "canto", "movement", "symphony",
    "round", "step", "lesson", "unit", "annex", "amendment", "clause", "division", "series",
    "vatican", "olympiad", "league", "form",
];

fn value(numeral: &str) -> Option<u32> {
    let digit = |c: char| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        _ => 1000,
    };
    let vals: Vec<u32> = numeral.chars().map(digit).collect();
    let mut total = 0;
    for (i, &v) in vals.iter().enumerate() {
        if vals.get(i + 1).is_some_and(|&next| next > v) {
            total -= v as i64;
        } else {
            total += v as i64;
        }
    }
    let total = u32::try_from(total)
        .ok()
        .filter(|t| (1..4000).contains(t))?;
    // Only the canonical spelling counts: "IIII", "VX", "IC" are not numerals.
    (to_roman(total) == numeral).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for (v, r) in TABLE {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// Reads Roman numerals where the context makes them numerals.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    rewrite(text, &NUMERAL, |c, before, after| {
        let numeral = c.get(0)?.as_str();
        // Part of an acronym or a code ("I-95", "CD-ROM", "V.I.P.").
        if !before.ends_with(' ')
            || after.starts_with(|ch: char| {
                ch == '-' || ch == '.' && after[1..].starts_with(char::is_alphanumeric)
            })
        {
            return None;
        }
        let n = value(numeral)?;
        let prev = prev_word(before);
        let lower = prev.to_lowercase();
        if REGNAL.contains(&prev) {
            // "Elizabeth I was queen" yes; but "When George I met…" would need grammar.
            return Some(format!("the {}", ordinal(u128::from(n), locale)));
        }
        if TITLES.contains(&lower.as_str()) {
            // "Type C" is a connector and "Appendix D" a letter: one letter beyond I, V, X
            // is not a number here.
            if numeral.len() == 1 && !"IVX".contains(numeral) {
                return None;
            }
            return Some(cardinal(u128::from(n), locale));
        }
        let capitalised_name = prev.starts_with(char::is_uppercase)
            && prev.chars().skip(1).all(char::is_lowercase)
            && prev.len() > 1
            && !at_sentence_start(before_prev_word(before));
        if capitalised_name && numeral.len() >= 2 && numeral.chars().all(|ch| "IVX".contains(ch)) {
            return Some(cardinal(u128::from(n), locale));
        }
        None
    })
}
