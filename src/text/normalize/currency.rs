//! Money: "$5" → "five dollars", "$12.50" → "twelve dollars and fifty cents", "$1.5
//! million" → "one point five million dollars", "€20", "£3.50" → "three pounds fifty",
//! "¥500", "1,000 USD" → "one thousand US dollars", "50¢", "20p".

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::{cardinal, is_one, read, split_sign, value};
use super::rewrite::{prev_word, rewrite, sign_position};
use super::Locale;

/// A currency's spoken names.
struct Currency {
    one: &'static str,
    many: &'static str,
    /// The hundredth part, if amounts are said with it ("cents"); None for the yen.
    minor: Option<(&'static str, &'static str)>,
    /// "three pounds fifty" rather than "three pounds and fifty pence".
    short_minor: bool,
}

const fn cur(
    one: &'static str,
    many: &'static str,
    minor: Option<(&'static str, &'static str)>,
) -> Currency {
    Currency {
        one,
        many,
        minor,
        short_minor: false,
    }
}

const CENTS: Option<(&str, &str)> = Some(("cent", "cents"));
const DOLLAR: Currency = cur("dollar", "dollars", CENTS);
const EURO: Currency = cur("euro", "euros", CENTS);
const POUND: Currency = Currency {
    one: "pound",
    many: "pounds",
    minor: Some(("penny", "pence")),
    short_minor: true,
};
const YEN: Currency = cur("yen", "yen", None);

fn by_symbol(sym: &str) -> Option<Currency> {
    Some(match sym {
        "$" => DOLLAR,
        "US$" => cur("US dollar", "US dollars", CENTS),
        "A$" | "AU$" => cur("Australian dollar", "Australian dollars", CENTS),
        "C$" | "CA$" => cur("Canadian dollar", "Canadian dollars", CENTS),
        "NZ$" => cur("New Zealand dollar", "New Zealand dollars", CENTS),
        "HK$" => cur("Hong Kong dollar", "Hong Kong dollars", CENTS),
        "€" => EURO,
        "£" => POUND,
        "¥" | "￥" => YEN,
        "₹" => cur("rupee", "rupees", Some(("paisa", "paise"))),
        "₩" => cur("won", "won", None),
        "₽" => cur("ruble", "rubles", Some(("kopeck", "kopecks"))),
        "₺" => cur("lira", "lira", Some(("kurus", "kurus"))),
        "₪" => cur("shekel", "shekels", Some(("agora", "agorot"))),
        "₿" => cur("bitcoin", "bitcoin", None),
        "฿" => cur("baht", "baht", Some(("satang", "satang"))),
        "₴" => cur("hryvnia", "hryvnias", Some(("kopiyka", "kopiyky"))),
        _ => return None,
    })
}

fn by_code(code: &str) -> Option<Currency> {
    Some(match code {
        "USD" => cur("US dollar", "US dollars", CENTS),
        "EUR" => EURO,
        "GBP" => POUND,
        "JPY" => YEN,
        "CNY" | "RMB" => cur("yuan", "yuan", None),
        "CHF" => cur("Swiss franc", "Swiss francs", Some(("centime", "centimes"))),
        "CAD" => cur("Canadian dollar", "Canadian dollars", CENTS),
        "AUD" => cur("Australian dollar", "Australian dollars", CENTS),
        "NZD" => cur("New Zealand dollar", "New Zealand dollars", CENTS),
        "HKD" => cur("Hong Kong dollar", "Hong Kong dollars", CENTS),
        "INR" => cur("rupee", "rupees", Some(("paisa", "paise"))),
        "SEK" => cur("Swedish krona", "Swedish kronor", Some(("öre", "öre"))),
        "NOK" => cur("Norwegian krone", "Norwegian kroner", Some(("øre", "øre"))),
        "DKK" => cur("Danish krone", "Danish kroner", Some(("øre", "øre"))),
        "PLN" => cur("zloty", "zlotys", Some(("grosz", "groszy"))),
        "CZK" => cur("Czech koruna", "Czech korunas", None),
        "BRL" => cur("real", "reais", Some(("centavo", "centavos"))),
        "MXN" => cur(
            "Mexican peso",
            "Mexican pesos",
            Some(("centavo", "centavos")),
        ),
        "ZAR" => cur("rand", "rand", CENTS),
        "BTC" => cur("bitcoin", "bitcoin", None),
        "ETH" => cur("ether", "ether", None),
        _ => return None,
    })
}

const NUM: &str = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+";
const SYMBOLS: &str = r"US\$|AU\$|A\$|CA\$|C\$|NZ\$|HK\$|\$|€|£|¥|￥|₹|₩|₽|₺|₪|₿|฿|₴";
const CODES: &str =
    "USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|NZD|HKD|INR|SEK|NOK|DKK|PLN|CZK|BRL|MXN|ZAR|BTC|ETH";
const SCALE: &str = r"(?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|k|K|m|M|B)\b)?";

static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<neg>[-−])?(?P<cur>{SYMBOLS})\s?(?P<a>{NUM})(?:\s*(?:[-–—]|to)\s*(?:{SYMBOLS})?\s?(?P<b>{NUM}))?{SCALE}"
    ))
    .expect("static regex")
});
static CODE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<neg>[-−])?\b(?P<a>{NUM}){SCALE}\s?(?P<cur>{CODES})\b"
    ))
    .expect("static regex")
});
static CODE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?P<cur>{CODES})\s?(?P<neg>[-−])?(?P<a>{NUM}){SCALE}"
    ))
    .expect("static regex")
});
/// Symbol after the amount, as written in much of Europe: "20 €", "3,50 €".
static SYMBOL_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<neg>[-−])?\b(?P<a>[0-9]+,[0-9]{{2}}|{NUM})\s?(?P<cur>€|£|¥|₹|₽|₺|₪|₴)"
    ))
    .expect("static regex")
});
static CENT_SIGN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?P<a>[0-9]{1,3})\s?(?:¢|(?P<p>p)\b)").expect("static regex"));

fn scale_word(s: &str) -> &'static str {
    match s {
        "thousand" | "k" | "K" => "thousand",
        "million" | "mn" | "m" | "M" => "million",
        "billion" | "bn" | "B" => "billion",
        _ => "trillion",
    }
}

/// Speaks an amount of one currency.
fn amount(
    a: &str,
    b: Option<&str>,
    scale: Option<&str>,
    neg: bool,
    cur: &Currency,
    locale: Locale,
) -> Option<String> {
    let sign = if neg { "minus " } else { "" };
    if let Some(b) = b {
        // A range: "five to ten dollars".
        let (x, y) = (read(a, locale)?, read(b, locale)?);
        let sc = scale.map_or(String::new(), |s| format!(" {}", scale_word(s)));
        let unit = if scale.is_none() && is_one(b) {
            cur.one
        } else {
            cur.many
        };
        return Some(format!("{sign}{x} to {y}{sc} {unit}"));
    }
    if let Some(s) = scale {
        return Some(format!(
            "{sign}{} {} {}",
            read(a, locale)?,
            scale_word(s),
            cur.many
        ));
    }
    let (_, body) = split_sign(a);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let major = if int.is_empty() { 0 } else { value(int)? };
    let major_words = |n: u128| {
        let unit = if n == 1 { cur.one } else { cur.many };
        format!("{} {unit}", cardinal(n, locale))
    };
    match (frac, cur.minor) {
        (None, _) => Some(format!("{sign}{}", major_words(major))),
        (Some(f), Some((one, many))) if (1..=2).contains(&f.len()) => {
            let cents: u128 = if f.len() == 1 {
                f.parse::<u128>().ok()? * 10
            } else {
                f.parse().ok()?
            };
            let minor = format!(
                "{} {}",
                cardinal(cents, locale),
                if cents == 1 { one } else { many }
            );
            Some(match (major, cents) {
                (_, 0) => format!("{sign}{}", major_words(major)),
                (0, _) => format!("{sign}{minor}"),
                _ if cur.short_minor => {
                    format!("{sign}{} {}", major_words(major), cardinal(cents, locale))
                }
                _ => format!("{sign}{} and {minor}", major_words(major)),
            })
        }
        // "¥1.5", "$3.999": a decimal amount of the main unit.
        (Some(_), _) => Some(format!("{sign}{} {}", read(body, locale)?, cur.many)),
    }
}

/// "a $5 bill", "a $2bn deal": an amount used as an adjective takes the singular.
fn adjectival(before: &str) -> bool {
    matches!(prev_word(before), "a" | "an" | "A" | "An")
}

fn negative(c: &Captures<'_>, before: &str) -> bool {
    c.name("neg").is_some() && sign_position(before)
}

/// A digit right after the match: part of a longer token, not an amount.
fn glued(after: &str) -> bool {
    after.starts_with(|ch: char| ch.is_ascii_digit())
}

/// Reads amounts of money.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let s = prefix(text, locale);
    let s = code_after(&s, locale);
    let s = code_before(&s, locale);
    let s = symbol_after(&s, locale);
    cent_sign(&s, locale)
}

fn prefix(text: &str, locale: Locale) -> String {
    rewrite(text, &PREFIX, |c, before, after| {
        if glued(after) {
            return None;
        }
        let mut cur = by_symbol(c.name("cur")?.as_str())?;
        let whole = !c.name("a")?.as_str().contains('.') || c.name("scale").is_some();
        if adjectival(before) && c.name("b").is_none() && whole {
            cur.many = cur.one;
        }
        let neg = negative(c, before);
        let lead = if c.name("neg").is_some() && !neg {
            " "
        } else {
            ""
        };
        let spoken = amount(
            c.name("a")?.as_str(),
            c.name("b").map(|m| m.as_str()),
            c.name("scale").map(|m| m.as_str()),
            neg,
            &cur,
            locale,
        )?;
        Some(format!("{lead}{spoken}"))
    })
}

fn code_after(text: &str, locale: Locale) -> String {
    rewrite(text, &CODE_AFTER, |c, before, after| {
        if glued(after) {
            return None;
        }
        let cur = by_code(c.name("cur")?.as_str())?;
        amount(
            c.name("a")?.as_str(),
            None,
            c.name("scale").map(|m| m.as_str()),
            negative(c, before),
            &cur,
            locale,
        )
    })
}

fn code_before(text: &str, locale: Locale) -> String {
    rewrite(text, &CODE_BEFORE, |c, _, after| {
        if glued(after) {
            return None;
        }
        let cur = by_code(c.name("cur")?.as_str())?;
        amount(
            c.name("a")?.as_str(),
            None,
            c.name("scale").map(|m| m.as_str()),
            c.name("neg").is_some(),
            &cur,
            locale,
        )
    })
}

fn symbol_after(text: &str, locale: Locale) -> String {
    rewrite(text, &SYMBOL_AFTER, |c, before, _| {
        if before.ends_with(|ch: char| ch.is_ascii_digit() || ch == '.' || ch == ',') {
            return None;
        }
        let cur = by_symbol(c.name("cur")?.as_str())?;
        // "3,50 €": a decimal comma.
        let a = c.name("a")?.as_str();
        let a = match a.split_once(',') {
            Some((i, f)) if f.len() == 2 => format!("{i}.{f}"),
            _ => a.to_string(),
        };
        amount(&a, None, None, negative(c, before), &cur, locale)
    })
}

fn cent_sign(text: &str, locale: Locale) -> String {
    rewrite(text, &CENT_SIGN, |c, before, after| {
        if before.ends_with(|ch: char| ch.is_ascii_digit() || ch == '.' || ch == ',')
            || glued(after)
        {
            return None;
        }
        let a = c.name("a")?.as_str();
        if c.name("p").is_some() && a.len() > 2 {
            // "720p" is a video resolution, not pence.
            return None;
        }
        let n = value(a)?;
        let words = cardinal(n, locale);
        Some(if c.name("p").is_some() {
            // "50p": pence; "1p" is "one penny".
            format!("{words} {}", if n == 1 { "penny" } else { "pence" })
        } else {
            format!("{words} {}", if n == 1 { "cent" } else { "cents" })
        })
    })
}
