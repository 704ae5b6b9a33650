//! Abbreviations: titles ("Dr.", "Mr."), street words ("St.", "Rd."), Latin ("e.g.", "etc.")
//! and the number sign ("No. 5", "#5").
//!
//! "Dr." and "St." are read by context: a title before a name ("Dr. Smith" → Doctor,
//! "St. Louis" → Saint), a street word after one ("Elm Dr." → Drive, "Main St." →
//! Street). An abbreviation's period is kept only where it also ends the sentence.

use std::sync::LazyLock;

use regex::Regex;

use super::rewrite::{at_sentence_start, before_prev_word, next_word, prev_word, rewrite};

static ABBR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?P<w>Dr|St|Mr|Mrs|Ms|Mx|Prof|Jr|Sr|Mt|Ft|Ave|Blvd|Rd|Hwy|Ln|Ct|Sq|Apt|Inc|Ltd|Corp|Co|Bros|Dept|Gov|Sen|Rep|Rev|Gen|Capt|Lt|Sgt|Col|Fig|No|Nos|Vol|approx|Approx|vs|etc|cf|ca)\b(?P<dot>\.)?",
    )
    .expect("static regex")
});
static LATIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<w>[eE]\.\s?[gG]|[iI]\.\s?[eE]|[aA]\.[kK]\.[aA]|v)\.").expect("static regex")
});
static WITH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[wW]/(?P<o>[oO]\b)?").expect("static regex"));
/// "v3.2": a version.
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bv(?P<n>[0-9]+(?:\.[0-9]+)*)\b").expect("static regex"));
static NUMBER_SIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<pre>\b[CF])?#(?P<rest>\s?[0-9]+|[A-Za-z_][A-Za-z0-9_]*)?")
        .expect("static regex")
});

/// Expansions that may end a sentence ("… on Main St."): their period is kept then.
#[rustfmt::skip]
const ENDS_CLAUSE: &[&str] = &[
    "Street", "Drive", "Road", "Avenue", "Boulevard", "Highway", "Lane", "Court", "Square",
    "Junior", "Senior", "Incorporated", "Limited", "Corporation", "Company", "Brothers",
    "Department",
];

/// Reads abbreviations, one pass per kind.
pub(super) fn expand(text: &str) -> String {
    let passes: [fn(&str) -> String; 5] = [latin, with, titles_and_streets, versions, number_sign];
    passes.iter().fold(text.to_string(), |s, pass| pass(&s))
}

/// "e.g.", "i.e.", "a.k.a.", and "v." between names.
fn latin(text: &str) -> String {
    rewrite(text, &LATIN, |c, before, after| {
        let w = c.name("w")?.as_str().to_lowercase().replace(' ', "");
        let spoken = match w.as_str() {
            "e.g" => "for example",
            "i.e" => "that is",
            "a.k.a" => "also known as",
            // "Roe v. Wade": only between capitalised names.
            "v" if prev_word(before).starts_with(char::is_uppercase)
                && next_word(after).starts_with(char::is_uppercase) =>
            {
                "versus"
            }
            _ => return None,
        };
        Some(spoken.to_string())
    })
}

/// "w/" and "w/o".
fn with(text: &str) -> String {
    rewrite(text, &WITH, |c, before, _| {
        if before.ends_with(|ch: char| ch.is_alphanumeric() || ch == '/') {
            return None;
        }
        Some(
            if c.name("o").is_some() {
                "without"
            } else {
                "with "
            }
            .to_string(),
        )
    })
}

/// Titles, street words, company words and the other dotted abbreviations.
fn titles_and_streets(text: &str) -> String {
    rewrite(text, &ABBR, |c, before, after| {
        let w = c.name("w")?.as_str();
        let dot = c.name("dot").is_some();
        let name_after = next_is_name(after);
        let name_before = prev_is_name(before);
        let spoken = match (w, dot) {
            ("Dr", _) => {
                if name_before && !name_after {
                    "Drive"
                } else if name_after || !name_before {
                    "Doctor"
                } else {
                    "Drive"
                }
            }
            ("St", _) => {
                if name_before || !name_after {
                    "Street"
                } else {
                    "Saint"
                }
            }
            ("Mr", _) => "Mister",
            ("Mrs", _) => "Missus",
            // misaki knows "Ms." and "etc." (with the period), not "Miz" or "et cetera".
            ("Ms", _) => "Ms.",
            ("Mx", _) => "Mix",
            ("Prof", _) => "Professor",
            ("Jr", _) => "Junior",
            ("Sr", _) => "Senior",
            ("Mt", _) => "Mount",
            // Without their period, street words only after a name ("Abbey Rd").
            ("Ave" | "Blvd" | "Rd" | "Hwy", false) if !name_before => return None,
            ("Ave", _) => "Avenue",
            ("Blvd", _) => "Boulevard",
            ("Rd", _) => "Road",
            ("Hwy", _) => "Highway",
            ("Inc", _) => "Incorporated",
            ("Ltd", _) => "Limited",
            ("Corp", _) => "Corporation",
            ("vs", _) => "versus",
            ("etc", _) => "etc.",
            ("approx", _) => "approximately",
            ("Approx", _) => "Approximately",
            // The rest are words or names without their period ("No", "Col", "Rev").
            (_, false) => return None,
            ("Ft", true) => "Fort",
            ("Ln", true) => "Lane",
            ("Ct", true) => "Court",
            ("Sq", true) => "Square",
            ("Apt", true) => "Apartment",
            ("Co", true) => "Company",
            ("Bros", true) => "Brothers",
            ("Dept", true) => "Department",
            ("Gov", true) => "Governor",
            ("Sen", true) => "Senator",
            ("Rep", true) => "Representative",
            ("Rev", true) => "Reverend",
            ("Gen", true) => "General",
            ("Capt", true) => "Captain",
            ("Lt", true) => "Lieutenant",
            ("Sgt", true) => "Sergeant",
            ("Col", true) if name_after => "Colonel",
            ("Fig", true) => "Figure",
            ("Vol", true) => "Volume",
            ("No" | "Nos", true)
                if after
                    .trim_start()
                    .starts_with(|ch: char| ch.is_ascii_digit()) =>
            {
                "number"
            }
            ("cf", true) => "compare",
            ("ca", true)
                if after
                    .trim_start()
                    .starts_with(|ch: char| ch.is_ascii_digit()) =>
            {
                "circa"
            }
            _ => return None,
        };
        let keep_dot = dot
            && ENDS_CLAUSE.contains(&spoken)
            && ends_sentence(after)
            && !STREET_NEXT.contains(&next_word(after));
        Some(if keep_dot {
            format!("{spoken}.")
        } else {
            spoken.to_string()
        })
    })
}

/// "v3.2".
fn versions(text: &str) -> String {
    rewrite(text, &VERSION, |c, before, _| {
        let n = c.name("n")?.as_str();
        // "Version v3.2" says "version" once.
        Some(if prev_word(before).eq_ignore_ascii_case("version") {
            n.to_string()
        } else {
            format!("version {n}")
        })
    })
}

/// The number sign: "#5" (number), "C#" (sharp), "#word" (hashtag).
fn number_sign(text: &str) -> String {
    rewrite(text, &NUMBER_SIGN, |c, _, _| {
        let rest = c.name("rest").map_or("", |m| m.as_str());
        Some(match (c.name("pre"), rest) {
            // "C#", "F#": the languages and the notes.
            (Some(p), "") => format!("{} sharp", p.as_str()),
            (pre, r) if r.trim_start().starts_with(|ch: char| ch.is_ascii_digit()) => {
                format!(
                    "{}number {}",
                    pre.map_or(String::new(), |p| format!("{} ", p.as_str())),
                    r.trim_start()
                )
            }
            (pre, "") => format!(
                "{}number",
                pre.map_or(String::new(), |p| format!("{} ", p.as_str()))
            ),
            (pre, r) => format!(
                "{}hashtag {}",
                pre.map_or(String::new(), |p| format!("{} ", p.as_str())),
                r.replace('_', " ")
            ),
        })
    })
}

/// Capitalised words that start sentences far more often than they are names.
#[rustfmt::skip]
const SENTENCE_STARTERS: &[&str] = &[
   
    "I", "It", "Its", "It's", "The", "A", "An", "We", "They", "He", "She", "You", "This", "That",
    "These", "Those", "There", "Then", "And", "But", "So", "Or", "If", "When", "My", "Our", "Your",
    "His", "Her", "Their", "In", "On", "At", "For", "From", "To", "What", "Where", "Who", "Why",
    "How", "Please", "Turn", "Call", "Take",
];

/// Words that follow a street name, not a title ("Elm Dr. North", "Main St. NW").
#[rustfmt::skip]
const STREET_NEXT: &[&str] = &[
    "N", "S", "E", "W", "NE", "NW", "SE", "SW", "North", "South", "East", "West", "Apt",
    "Suite", "Ste", "Unit", "Floor",
];

/// True if a capitalised name follows ("Dr. Smith", "St. Louis"), not a new sentence or
/// a street direction.
fn next_is_name(after: &str) -> bool {
    let w = next_word(after);
    w.starts_with(char::is_uppercase)
        && !SENTENCE_STARTERS.contains(&w)
        && !STREET_NEXT.contains(&w)
}

/// True if a name or number comes before, not counting a sentence's capitalised first
/// word ("Elm Dr.", "123 Main St.", but not "Ask Dr. Smith").
fn prev_is_name(before: &str) -> bool {
    let w = prev_word(before);
    if w.is_empty() || w == "I" || !before.ends_with(' ') {
        return false;
    }
    if w.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    w.starts_with(char::is_uppercase) && !at_sentence_start(before_prev_word(before))
}

/// True if the text after an abbreviation's period starts a new sentence (or ends).
fn ends_sentence(after: &str) -> bool {
    let t = after.trim_start();
    t.is_empty()
        || (after.starts_with(char::is_whitespace)
            && t.starts_with(|c: char| c.is_uppercase() || "\"“(".contains(c)))
}
