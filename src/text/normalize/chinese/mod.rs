//! Normalization for Mandarin (zh-CN): what Home Assistant writes with digits and
//! symbols ("现在是19:30，温度22°C，湿度45%") becomes Chinese numerals and the words
//! said with them ("十九点三十分", "二十二摄氏度", "百分之四十五"), which the G2P reads
//! with its dictionary.
//!
//! Passes run in a fixed order, each replacing what it reads with Chinese characters,
//! so a later pass never re-reads an earlier one's output: dates and times first (they
//! hold several numbers), ranges (which leave their numbers to the passes after them),
//! then money, temperatures, percentages, units, and bare numbers last. Nothing adds
//! spaces: Chinese has none between words, and the segmenter must see "二十二摄氏度"
//! whole.

mod hanzi;

use super::written::{NUMBER, NUMBER_SIGN, PERCENT, RANGE, TEMPERATURE};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::rewrite::rewrite_unspaced as rewrite;
use super::written::{
    ascii_forms, free_after, free_before, negative, parse, re, unit_follows, Written,
};
use hanzi::{cardinal, counted, digits, number};

/// Rewrites `text` (already stripped of Markdown) for Mandarin. Never panics.
pub(super) fn normalize(text: &str) -> String {
    let s = ascii_forms(text);
    let s = abbreviations(&s);
    let s = dates(&s);
    let s = clock(&s);
    let s = ranges(&s);
    let s = money(&s);
    let s = temperatures(&s);
    let s = percentages(&s);
    let s = units(&s);
    numbers(&s)
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<y>[0-9]{4})(?P<s1>[-/.])(?P<m>[0-9]{1,2})(?P<s2>[-/.])(?P<d>[0-9]{1,2})")
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?",
    )
});
static MONEY_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<sym>US\$|HK\$|\$|¥|€|£)\s?SIGNED"));
static MONEY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"SIGNED\s?(?P<sym>USD|EUR|CNY|RMB|GBP|HKD)"));
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<String> = UNITS.iter().map(|(s, _)| regex::escape(s)).collect();
    re(&format!(r"SIGNED\s?(?P<unit>{})", symbols.join("|")))
});

/// Unit symbols and their words, longer symbols first (`km/h` before `km`).
const UNITS: &[(&str, &str)] = &[
    ("µg/m³", "微克每立方米"),
    ("μg/m³", "微克每立方米"),
    ("km/h", "公里每小时"),
    ("m/s", "米每秒"),
    ("kWh", "千瓦时"),
    ("MWh", "兆瓦时"),
    ("mAh", "毫安时"),
    ("Wh", "瓦时"),
    ("kW", "千瓦"),
    ("mA", "毫安"),
    ("hPa", "百帕"),
    ("Hz", "赫兹"),
    ("dB", "分贝"),
    ("lx", "勒克斯"),
    ("km", "公里"),
    ("cm", "厘米"),
    ("mm", "毫米"),
    ("m²", "平方米"),
    ("m³", "立方米"),
    ("kg", "公斤"),
    ("mg", "毫克"),
    ("ml", "毫升"),
    ("mL", "毫升"),
    ("min", "分钟"),
    ("ms", "毫秒"),
    ("W", "瓦"),
    ("V", "伏"),
    ("A", "安"),
    ("m", "米"),
    ("g", "克"),
    ("l", "升"),
    ("L", "升"),
    ("h", "小时"),
    ("s", "秒"),
];

/// Measure words before which 2 is said 两.
const MEASURES: &[&str] = &[
    "个", "位", "次", "天", "种", "件", "只", "块", "元", "本", "张", "条", "辆", "台", "家", "岁",
    "小时", "分钟", "公里", "公斤", "千克", "米", "年", "周", "月", "倍", "层", "瓶", "杯",
];

/// `No. 3` → 第三.
fn abbreviations(text: &str) -> String {
    rewrite(text, &NUMBER_SIGN, |caps, before, after| {
        (free_after(after) && !before.ends_with(|c: char| c.is_ascii_alphanumeric()))
            .then(|| format!("第{}", number(&parse(&caps["n"]))))
    })
}

/// `2026-12-03`, `2026/12/3` → 二零二六年十二月三日 (the year digit by digit).
fn dates(text: &str) -> String {
    rewrite(text, &DATE, |caps, before, after| {
        if !free_before(before) || !free_after(after) || caps["s1"] != caps["s2"] {
            return None;
        }
        let m: u64 = caps["m"].parse().ok()?;
        let d: u64 = caps["d"].parse().ok()?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        Some(format!(
            "{}年{}月{}日",
            digits(&caps["y"]),
            cardinal(m),
            cardinal(d)
        ))
    })
}

/// `19:30` 十九点三十分, `7:05` 七点零五分, `2:00` 两点, `7:30 PM` 下午七点三十分.
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
        let mut out = String::new();
        match ampm.as_deref() {
            Some("a") => out.push_str("上午"),
            Some(_) => out.push_str("下午"),
            None => {}
        }
        out.push_str(&if h == 2 { "两".into() } else { cardinal(h) });
        out.push('点');
        // 7:05 七点零五分; 12:00:30 十二点零分三十秒.
        if m > 0 || s.is_some_and(|s| s > 0) {
            if m < 10 {
                out.push('零');
            }
            if m > 0 {
                out.push_str(&cardinal(m));
            }
            out.push('分');
        }
        if let Some(s) = s.filter(|&s| s > 0) {
            out.push_str(&cardinal(s));
            out.push('秒');
        }
        Some(out)
    })
}

/// `20~25°C`, `3-5 km` → 到 between the numbers, which later passes read. A hyphen
/// is a range only before a unit, a degree or a percent sign: elsewhere ("010-1234")
/// it joins a code.
fn ranges(text: &str) -> String {
    rewrite(text, &RANGE, |caps, before, after| {
        if !free_before(before) || before.ends_with(['-', ':']) {
            return None;
        }
        if matches!(&caps["sep"], "-" | "–") && !unit_follows(after) {
            return None;
        }
        Some(format!("{}到{}", &caps["a"], &caps["b"]))
    })
}

fn money(text: &str) -> String {
    let read = |caps: &Captures<'_>, before: &str, after: &str| -> Option<String> {
        if !free_after(after) {
            return None;
        }
        let neg = negative(caps, before)?;
        let w = parse(&caps["n"]);
        let unit = match &caps["sym"] {
            "¥" | "CNY" | "RMB" => return Some(sign(neg) + &yuan(&w)),
            "$" | "USD" | "US$" => "美元",
            "€" | "EUR" => "欧元",
            "£" | "GBP" => "英镑",
            "HK$" | "HKD" => "港元",
            _ => return None,
        };
        Some(format!("{}{}{unit}", sign(neg), counted(&w)))
    };
    let s = rewrite(text, &MONEY_BEFORE, |caps, before, after| {
        (!before.ends_with(|c: char| c.is_ascii_alphanumeric())).then_some(())?;
        read(caps, before, after)
    });
    rewrite(&s, &MONEY_AFTER, |caps, before, after| {
        free_before(before).then_some(())?;
        read(caps, before, after)
    })
}

fn sign(negative: bool) -> String {
    if negative {
        "负".into()
    } else {
        String::new()
    }
}

/// Yuan with jiao and fen: `¥12.50` 十二元五角, `¥3.05` 三元零五分.
fn yuan(w: &Written<'_>) -> String {
    let fen = w
        .frac
        .filter(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()));
    let Some(fen) = fen else {
        return format!("{}元", counted(w));
    };
    let (jiao, fen) = (fen.as_bytes()[0] - b'0', fen.as_bytes()[1] - b'0');
    let whole = Written {
        int: w.int.clone(),
        frac: None,
    };
    let mut out = format!("{}元", counted(&whole));
    match (jiao, fen) {
        (0, 0) => {}
        (0, f) => out.push_str(&format!("零{}分", cardinal(f.into()))),
        (j, 0) => out.push_str(&format!("{}角", cardinal(j.into()))),
        (j, f) => out.push_str(&format!("{}角{}分", cardinal(j.into()), cardinal(f.into()))),
    }
    out
}

/// `22°C` 二十二摄氏度, `-5°C` 零下五摄氏度, `98.6°F` 九十八点六华氏度, `90°` 九十度.
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
            Some("C") => "摄氏度",
            Some("F") => "华氏度",
            _ => "度",
        };
        Some(format!(
            "{}{}{word}",
            if neg { "零下" } else { "" },
            number(&parse(&caps["n"]))
        ))
    })
}

/// `45%` 百分之四十五, `-3%` 百分之负三, `5‰` 千分之五.
fn percentages(text: &str) -> String {
    rewrite(text, &PERCENT, |caps, before, _| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let neg = negative(caps, before)?;
        let head = if &caps["p"] == "%" {
            "百分之"
        } else {
            "千分之"
        };
        Some(format!("{head}{}{}", sign(neg), number(&parse(&caps["n"]))))
    })
}

/// `15 km/h` 十五公里每小时, `2 kW` 两千瓦, `25 m²` 二十五平方米.
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
        Some(format!(
            "{}{}{word}",
            sign(neg),
            counted(&parse(&caps["n"]))
        ))
    })
}

/// Bare numbers: cardinals, decimals (点), negatives (负), years before 年 digit by digit
/// (`2024年` 二零二四年), 2 before a measure word as 两; ordinals are written with 第
/// and read as cardinals after it.
pub(crate) fn numbers(text: &str) -> String {
    // Every number is read, codes included ("A-5" A-五): the G2P has no other reading
    // for a digit.
    rewrite(text, &NUMBER, |caps, before, after| {
        let neg = negative(caps, before).unwrap_or(false);
        let w = parse(&caps["n"]);
        let mut out = String::new();
        if caps.name("sign").is_some() {
            out.push_str(if neg { "负" } else { "-" });
        }
        // The rest of a run of digits too long for one match: digit by digit, as its
        // start was.
        if caps.name("sign").is_none() && before.ends_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&digits(&caps[0]));
        } else if w.frac.is_none() && w.int.len() == 4 && after.starts_with('年') {
            out.push_str(&digits(&w.int));
        } else if w.is(2)
            && !before.ends_with('第')
            && MEASURES.iter().any(|m| after.starts_with(m))
        {
            out.push('两');
        } else {
            out.push_str(&number(&w));
        }
        Some(out)
    })
}

#[cfg(test)]
mod tests;
