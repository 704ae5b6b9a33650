//! Temperatures and units of measure: "21°C" → "twenty-one degrees Celsius", "-5 °F" →
//! "minus five degrees Fahrenheit", "1 km" → "one kilometer", "2 km/h" → "two kilometers
//! per hour", "5–10 °C" → "five to ten degrees Celsius", "3/4 cup"-style fractions.
//!
//! A unit is read only after a number (or in a few unambiguous spellings like "km/h" on
//! their own), so "m" in "I'm" or "A" in "Plan A" stay what they are. en-gb spells metric
//! units "metre" and "litre".

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::{cardinal, is_one, ordinal, read, value};
use super::rewrite::{prev_word, rewrite, sign_position};
use super::Locale;

/// (symbol, singular, plural).
const UNITS: &[(&str, &str, &str)] = &[
    ("%", "percent", "percent"),
    ("‰", "per thousand", "per thousand"),
    // speed
    ("km/h", "kilometer per hour", "kilometers per hour"),
    ("km/hr", "kilometer per hour", "kilometers per hour"),
    ("kmh", "kilometer per hour", "kilometers per hour"),
    ("kph", "kilometer per hour", "kilometers per hour"),
    ("mph", "mile per hour", "miles per hour"),
    ("MPH", "mile per hour", "miles per hour"),
    ("m/s", "meter per second", "meters per second"),
    ("ft/s", "foot per second", "feet per second"),
    ("kn", "knot", "knots"),
    ("mm/h", "millimeter per hour", "millimeters per hour"),
    ("mm/hr", "millimeter per hour", "millimeters per hour"),
    ("in/h", "inch per hour", "inches per hour"),
    // concentrations and flows
    (
        "µg/m³",
        "microgram per cubic meter",
        "micrograms per cubic meter",
    ),
    (
        "μg/m³",
        "microgram per cubic meter",
        "micrograms per cubic meter",
    ),
    (
        "µg/m3",
        "microgram per cubic meter",
        "micrograms per cubic meter",
    ),
    (
        "ug/m3",
        "microgram per cubic meter",
        "micrograms per cubic meter",
    ),
    (
        "mg/m³",
        "milligram per cubic meter",
        "milligrams per cubic meter",
    ),
    (
        "mg/dL",
        "milligram per deciliter",
        "milligrams per deciliter",
    ),
    (
        "mg/dl",
        "milligram per deciliter",
        "milligrams per deciliter",
    ),
    ("mmol/L", "millimole per liter", "millimoles per liter"),
    ("mmol/l", "millimole per liter", "millimoles per liter"),
    ("L/min", "liter per minute", "liters per minute"),
    ("l/min", "liter per minute", "liters per minute"),
    ("m³/h", "cubic meter per hour", "cubic meters per hour"),
    ("ppm", "part per million", "parts per million"),
    ("ppb", "part per billion", "parts per billion"),
    // area
    ("mm²", "square millimeter", "square millimeters"),
    ("cm²", "square centimeter", "square centimeters"),
    ("m²", "square meter", "square meters"),
    ("km²", "square kilometer", "square kilometers"),
    ("cm2", "square centimeter", "square centimeters"),
    ("m2", "square meter", "square meters"),
    ("km2", "square kilometer", "square kilometers"),
    ("ft²", "square foot", "square feet"),
    ("sq ft", "square foot", "square feet"),
    ("sq m", "square meter", "square meters"),
    ("ha", "hectare", "hectares"),
    // volume
    ("m³", "cubic meter", "cubic meters"),
    ("cm³", "cubic centimeter", "cubic centimeters"),
    ("m3", "cubic meter", "cubic meters"),
    ("cm3", "cubic centimeter", "cubic centimeters"),
    ("ml", "milliliter", "milliliters"),
    ("mL", "milliliter", "milliliters"),
    ("cl", "centiliter", "centiliters"),
    ("dl", "deciliter", "deciliters"),
    ("l", "liter", "liters"),
    ("L", "liter", "liters"),
    ("gal", "gallon", "gallons"),
    ("fl oz", "fluid ounce", "fluid ounces"),
    ("tbsp", "tablespoon", "tablespoons"),
    ("tsp", "teaspoon", "teaspoons"),
    ("qt", "quart", "quarts"),
    // length
    ("nm", "nanometer", "nanometers"),
    ("µm", "micrometer", "micrometers"),
    ("μm", "micrometer", "micrometers"),
    ("mm", "millimeter", "millimeters"),
    ("cm", "centimeter", "centimeters"),
    ("m", "meter", "meters"),
    ("km", "kilometer", "kilometers"),
    ("Km", "kilometer", "kilometers"),
    ("KM", "kilometer", "kilometers"),
    ("ft", "foot", "feet"),
    ("yd", "yard", "yards"),
    ("mi", "mile", "miles"),
    // mass
    ("µg", "microgram", "micrograms"),
    ("μg", "microgram", "micrograms"),
    ("mg", "milligram", "milligrams"),
    ("g", "gram", "grams"),
    ("kg", "kilogram", "kilograms"),
    ("Kg", "kilogram", "kilograms"),
    ("KG", "kilogram", "kilograms"),
    ("lb", "pound", "pounds"),
    ("lbs", "pound", "pounds"),
    ("oz", "ounce", "ounces"),
    // time
    ("µs", "microsecond", "microseconds"),
    ("ms", "millisecond", "milliseconds"),
    ("s", "second", "seconds"),
    ("sec", "second", "seconds"),
    ("secs", "second", "seconds"),
    ("min", "minute", "minutes"),
    ("mins", "minute", "minutes"),
    ("h", "hour", "hours"),
    ("hr", "hour", "hours"),
    ("hrs", "hour", "hours"),
    ("yr", "year", "years"),
    ("yrs", "year", "years"),
    // electricity and energy
    ("mW", "milliwatt", "milliwatts"),
    ("W", "watt", "watts"),
    ("kW", "kilowatt", "kilowatts"),
    ("MW", "megawatt", "megawatts"),
    ("GW", "gigawatt", "gigawatts"),
    ("Wh", "watt hour", "watt hours"),
    ("kWh", "kilowatt hour", "kilowatt hours"),
    ("kwh", "kilowatt hour", "kilowatt hours"),
    ("KWh", "kilowatt hour", "kilowatt hours"),
    ("kWH", "kilowatt hour", "kilowatt hours"),
    ("KWH", "kilowatt hour", "kilowatt hours"),
    ("MWh", "megawatt hour", "megawatt hours"),
    ("GWh", "gigawatt hour", "gigawatt hours"),
    ("mV", "millivolt", "millivolts"),
    ("V", "volt", "volts"),
    ("kV", "kilovolt", "kilovolts"),
    ("mA", "milliamp", "milliamps"),
    ("A", "amp", "amps"),
    ("Ah", "amp hour", "amp hours"),
    ("mAh", "milliamp hour", "milliamp hours"),
    ("Ω", "ohm", "ohms"),
    ("kΩ", "kilohm", "kilohms"),
    ("Hz", "hertz", "hertz"),
    ("kHz", "kilohertz", "kilohertz"),
    ("MHz", "megahertz", "megahertz"),
    ("GHz", "gigahertz", "gigahertz"),
    ("kcal", "kilocalorie", "kilocalories"),
    ("cal", "calorie", "calories"),
    ("kJ", "kilojoule", "kilojoules"),
    ("J", "joule", "joules"),
    ("dB", "decibel", "decibels"),
    ("dBm", "decibel milliwatt", "decibel milliwatts"),
    // pressure
    ("Pa", "pascal", "pascals"),
    ("hPa", "hectopascal", "hectopascals"),
    ("kPa", "kilopascal", "kilopascals"),
    ("mbar", "millibar", "millibars"),
    ("bar", "bar", "bar"),
    ("psi", "pound per square inch", "pounds per square inch"),
    ("inHg", "inch of mercury", "inches of mercury"),
    ("mmHg", "millimeter of mercury", "millimeters of mercury"),
    // data
    ("kB", "kilobyte", "kilobytes"),
    ("KB", "kilobyte", "kilobytes"),
    ("MB", "megabyte", "megabytes"),
    ("GB", "gigabyte", "gigabytes"),
    ("TB", "terabyte", "terabytes"),
    ("PB", "petabyte", "petabytes"),
    ("KiB", "kibibyte", "kibibytes"),
    ("MiB", "mebibyte", "mebibytes"),
    ("GiB", "gibibyte", "gibibytes"),
    ("TiB", "tebibyte", "tebibytes"),
    ("kbps", "kilobit per second", "kilobits per second"),
    ("Mbps", "megabit per second", "megabits per second"),
    ("Gbps", "gigabit per second", "gigabits per second"),
    ("Mbit/s", "megabit per second", "megabits per second"),
    ("Gbit/s", "gigabit per second", "gigabits per second"),
    ("MB/s", "megabyte per second", "megabytes per second"),
    ("GB/s", "gigabyte per second", "gigabytes per second"),
    // light, rotation
    ("lx", "lux", "lux"),
    ("lm", "lumen", "lumens"),
    ("rpm", "RPM", "RPM"),
    ("RPM", "RPM", "RPM"),
    ("K", "kelvin", "kelvin"),
];

/// Units read even without a number before them ("speed in km/h").
#[rustfmt::skip]
const STANDALONE: &[&str] = &[
    "km/h", "mph", "m/s", "kWh", "µg/m³", "μg/m³", "mg/m³", "°C", "°F", "hPa", "kW",
];

/// A number, a fraction or a mixed number, with an optional Unicode fraction.
const NUM: &str = r"[-−]?(?:[0-9]+\s[0-9]+/[0-9]+|[0-9]+/[0-9]+|(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+)(?:\s?[½¼¾⅓⅔⅛⅜⅝⅞])?|[½¼¾⅓⅔⅛⅜⅝⅞])";

fn alternation<'a>(syms: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = syms.collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    v.iter()
        .map(|s| regex::escape(s))
        .collect::<Vec<_>>()
        .join("|")
}

/// Height in feet and inches: 5'10" → "five foot ten".
static FEET_INCHES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?P<ft>[0-9])\s?['′’]\s?(?P<in>[0-9]{1,2})\s?(?:["″”]|'')"#)
        .expect("static regex")
});
/// Durations written compactly: "1h 30m", "2h30", "5m 20s".
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?P<h>[0-9]+)\s?h\s?(?P<hm>[0-9]+)\s?(?:m|min)?|(?P<m>[0-9]+)\s?m\s?(?P<s>[0-9]+)\s?s)\b").expect("static regex")
});
static TEMPERATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<a>{NUM})(?:\s*(?:[-–—]|to)\s*(?P<b>{NUM}))?\s?(?:(?P<deg>[°º˚])\s?(?P<scale>Celsius|Fahrenheit|Kelvin|C|F|K)?|(?P<c>℃)|(?P<f>℉))"
    ))
    .expect("static regex")
});
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<a>{NUM})(?:\s*(?:[-–—]|to)\s*(?P<b>{NUM}))?\s?(?P<unit>{})",
        alternation(UNITS.iter().map(|u| u.0))
    ))
    .expect("static regex")
});
static ALONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<unit>{})",
        alternation(STANDALONE.iter().copied())
    ))
    .expect("static regex")
});
/// "cents/kWh", "dollars per kWh": a unit after a slash is "per" one of it.
static PER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\s?/\s?(?P<unit>{})",
        alternation(UNITS.iter().map(|u| u.0))
    ))
    .expect("static regex")
});

fn spell(words: &str, locale: Locale) -> String {
    if locale == Locale::EnGb {
        words.replace("meter", "metre").replace("liter", "litre")
    } else {
        words.to_string()
    }
}

/// How a number in front of a unit is said, and whether the unit is plural after it.
struct Spoken {
    words: String,
    plural: bool,
    /// A proper fraction: "three quarters of a cup".
    of_a: bool,
}

#[rustfmt::skip]
const VULGAR: &[(char, u32, u32)] = &[
    ('½', 1, 2), ('¼', 1, 4), ('¾', 3, 4), ('⅓', 1, 3), ('⅔', 2, 3), ('⅛', 1, 8), ('⅜', 3, 8),
    ('⅝', 5, 8), ('⅞', 7, 8),
];

/// Words for a fraction n/d: "one half", "three quarters", "five eighths"; None when the
/// denominator is not one people say as a fraction.
pub(super) fn fraction(n: u128, d: u128, locale: Locale) -> Option<String> {
    if d < 2 || !(d <= 10 || [12, 16, 20, 32, 64, 100, 1000].contains(&d)) || n == 0 || n >= 1000 {
        return None;
    }
    let denom = match (d, n == 1) {
        (2, true) => "half".to_string(),
        (2, false) => "halves".to_string(),
        (4, true) => "quarter".to_string(),
        (4, false) => "quarters".to_string(),
        (_, true) => ordinal(d, locale),
        (_, false) => format!("{}s", ordinal(d, locale)),
    };
    Some(format!("{} {denom}", cardinal(n, locale)))
}

/// "and a half", "and three quarters": the fraction part of a mixed number.
pub(super) fn mixed_tail(n: u128, d: u128, locale: Locale) -> Option<String> {
    let f = fraction(n, d, locale)?;
    Some(if n == 1 {
        format!("and a {}", f.trim_start_matches("one "))
    } else {
        format!("and {f}")
    })
}

/// Reads a number, fraction or mixed number as written before a unit.
fn quantity(text: &str, locale: Locale) -> Option<Spoken> {
    let t = text.trim();
    let (sign, t) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(r) => ("minus ", r),
        None => ("", t),
    };
    // Trailing Unicode fraction: "1½".
    if let Some(&(ch, n, d)) = VULGAR.iter().find(|(ch, _, _)| t.ends_with(*ch)) {
        let whole = t[..t.len() - ch.len_utf8()].trim();
        if whole.is_empty() {
            let f = fraction(u128::from(n), u128::from(d), locale)?;
            return Some(Spoken {
                words: format!("{sign}{f}"),
                plural: false,
                of_a: true,
            });
        }
        let w = read(whole, locale)?;
        let tail = mixed_tail(u128::from(n), u128::from(d), locale)?;
        return Some(Spoken {
            words: format!("{sign}{w} {tail}"),
            plural: true,
            of_a: false,
        });
    }
    if let Some((head, den)) = t.split_once('/') {
        let d = value(den)?;
        return match head.split_once(' ') {
            Some((whole, num)) => {
                let tail = mixed_tail(value(num)?, d, locale)?;
                Some(Spoken {
                    words: format!("{sign}{} {tail}", read(whole, locale)?),
                    plural: true,
                    of_a: false,
                })
            }
            None => {
                let n = value(head)?;
                let f = fraction(n, d, locale)?;
                Some(Spoken {
                    words: format!("{sign}{f}"),
                    plural: n >= d,
                    of_a: n < d,
                })
            }
        };
    }
    Some(Spoken {
        words: format!("{sign}{}", read(t, locale)?),
        plural: !is_one(t),
        of_a: false,
    })
}

/// Joins a number and a unit: "one kilometer", "two kilometers", "half of a cup".
fn with_unit(a: &str, b: Option<&str>, one: &str, many: &str, locale: Locale) -> Option<String> {
    let qa = quantity(a, locale)?;
    if let Some(b) = b {
        let qb = quantity(b, locale)?;
        let unit = if qb.plural || qb.of_a { many } else { one };
        return Some(format!(
            "{} to {} {}",
            qa.words,
            qb.words,
            spell(unit, locale)
        ));
    }
    if qa.of_a {
        let unit = spell(one, locale);
        let article = if unit.starts_with(['a', 'e', 'i', 'o', 'u']) || unit.starts_with("hour") {
            "an"
        } else {
            "a"
        };
        return Some(format!("{} of {article} {unit}", qa.words));
    }
    Some(format!(
        "{} {}",
        qa.words,
        spell(if qa.plural { many } else { one }, locale)
    ))
}

/// True if the number is glued to what comes before ("A4 m", "1.2.3 km", "x-5").
fn attached(before: &str, a: &str) -> bool {
    before.ends_with(|c: char| c.is_alphanumeric() || c == '.' || c == ',' || c == '/')
        || (a.starts_with(['-', '−']) && !sign_position(before))
}

/// True if the unit runs on into a word ("5 mice", "2 bars").
fn runs_on(after: &str) -> bool {
    after.starts_with(|c: char| c.is_alphanumeric() || c == '²' || c == '³')
}

fn range_parts<'a>(c: &'a Captures<'_>) -> (&'a str, Option<&'a str>) {
    (
        c.name("a").map_or("", |m| m.as_str()),
        c.name("b").map(|m| m.as_str()),
    )
}

/// Reads temperatures and quantities with units.
pub(super) fn expand(text: &str, locale: Locale) -> String {
    let s = feet_inches(text, locale);
    let s = duration(&s, locale);
    let s = temperature(&s, locale);
    let s = quantities(&s, locale);
    let s = alone(&s, locale);
    per(&s, locale)
}

fn feet_inches(text: &str, locale: Locale) -> String {
    rewrite(text, &FEET_INCHES, |c, _, _| {
        let inches = value(c.name("in")?.as_str())?;
        if inches > 11 {
            return None;
        }
        let feet = value(c.name("ft")?.as_str())?;
        Some(format!(
            "{} foot {}",
            cardinal(feet, locale),
            cardinal(inches, locale)
        ))
    })
}

fn duration(text: &str, locale: Locale) -> String {
    rewrite(text, &DURATION, |c, before, _| {
        if before.ends_with(|ch: char| ch.is_alphanumeric() || ch == '.') {
            return None;
        }
        let part = |n: &str, one: &str, many: &str| -> Option<String> {
            let v = value(n)?;
            Some(format!(
                "{} {}",
                cardinal(v, locale),
                if v == 1 { one } else { many }
            ))
        };
        Some(
            match (c.name("h"), c.name("hm"), c.name("m"), c.name("s")) {
                (Some(h), Some(m), _, _) => format!(
                    "{} {}",
                    part(h.as_str(), "hour", "hours")?,
                    part(m.as_str(), "minute", "minutes")?
                ),
                (_, _, Some(m), Some(sec)) => format!(
                    "{} {}",
                    part(m.as_str(), "minute", "minutes")?,
                    part(sec.as_str(), "second", "seconds")?
                ),
                _ => return None,
            },
        )
    })
}

fn temperature(text: &str, locale: Locale) -> String {
    rewrite(text, &TEMPERATURE, |c, before, after| {
        let (a, b) = range_parts(c);
        if attached(before, a) {
            return None;
        }
        let scale_txt = c.name("scale").map(|m| m.as_str());
        // "21°Cloudy": the letter belongs to the next word.
        let (scale, keep) = match scale_txt {
            Some(s) if s.len() == 1 && runs_on(after) => (None, s),
            Some(s) => (Some(&s[..1]), ""),
            None if c.name("c").is_some() => (Some("C"), ""),
            None if c.name("f").is_some() => (Some("F"), ""),
            None => (None, ""),
        };
        let mut out = with_unit(a, b, "degree", "degrees", locale)?;
        match scale {
            Some("C") => out.push_str(" Celsius"),
            Some("F") => out.push_str(" Fahrenheit"),
            Some(_) => out.push_str(" kelvin"),
            None => {}
        }
        if !keep.is_empty() {
            out.push(' ');
            out.push_str(keep);
        }
        Some(out)
    })
}

fn quantities(text: &str, locale: Locale) -> String {
    rewrite(text, &QUANTITY, |c, before, after| {
        let (a, b) = range_parts(c);
        let unit = c.name("unit")?.as_str();
        if attached(before, a) || runs_on(after) && !unit.ends_with(['%', '‰']) {
            return None;
        }
        // "4K" is a screen; "6500K" a colour temperature.
        if unit == "K" && value(b.unwrap_or(a)).is_none_or(|v| v < 1000) {
            return None;
        }
        let &(_, one, many) = UNITS.iter().find(|u| u.0 == unit)?;
        // "a 60 W bulb": a measure used as an adjective is singular.
        if b.is_none() && matches!(prev_word(before), "a" | "an" | "A" | "An") {
            return with_unit(a, None, one, one, locale);
        }
        with_unit(a, b, one, many, locale)
    })
}

fn alone(text: &str, locale: Locale) -> String {
    rewrite(text, &ALONE, |c, before, after| {
        if before.ends_with(|ch: char| ch.is_alphanumeric() || ch == '/') || runs_on(after) {
            return None;
        }
        let unit = c.name("unit")?.as_str();
        // "per kWh" is per one of it; "in km/h" names the unit.
        let per = prev_word(before).eq_ignore_ascii_case("per");
        let spoken = match unit {
            "°C" if per => "degree Celsius",
            "°F" if per => "degree Fahrenheit",
            "°C" => "degrees Celsius",
            "°F" => "degrees Fahrenheit",
            u => {
                let entry = UNITS.iter().find(|x| x.0 == u)?;
                if per {
                    entry.1
                } else {
                    entry.2
                }
            }
        };
        Some(spell(spoken, locale))
    })
}

fn per(text: &str, locale: Locale) -> String {
    rewrite(text, &PER, |c, before, after| {
        if !before.ends_with(|ch: char| ch.is_alphabetic()) || runs_on(after) {
            return None;
        }
        let unit = c.name("unit")?.as_str();
        // Single letters after a slash are too often something else ("R/L", "A/V").
        if unit.chars().count() == 1 && !matches!(unit, "h" | "s") {
            return None;
        }
        let &(_, one, _) = UNITS.iter().find(|u| u.0 == unit)?;
        Some(format!(" per {}", spell(one, locale)))
    })
}
