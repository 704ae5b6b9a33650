//! Normalization for Japanese: what Home Assistant writes with digits and symbols
//! ("19:30", "23.5°C", "45%", "15km/h", "12月3日") becomes the reading in katakana
//! with its counter ("ジュークジサンジュップン", "ニジューサンテンゴド",
//! "ヨンジューゴパーセント"), which the G2P reads as written. Counters change the
//! sound of the number before them (イップン, ロッキロ, ヨジ, ミッカ): the analyser's
//! dictionary knows none of that, so the readings are ours.
//!
//! Passes run in a fixed order, each replacing what it reads with kana, so a later pass
//! never re-reads an earlier one's output: dates, times and ranges first (they hold
//! several numbers), then money, temperatures, percentages, units and counters, bare
//! numbers last. A bare number before a kanji or kana is left to the G2P, whose
//! analyser then reads the counter after it as one (`3人` サンニン); it reads the
//! number with the same [`number_kana`].

mod kana;

use super::written::{NUMBER, NUMBER_SIGN, PERCENT, RANGE, TEMPERATURE};
use std::sync::LazyLock;

use regex::Regex;

use super::rewrite::rewrite_unspaced as rewrite;
use super::written::{ascii_forms, free_after, free_before, negative, parse, re, unit_follows};
pub(crate) use kana::number_kana;

/// Rewrites `text` (already stripped of Markdown) for Japanese. Never panics.
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
    let s = counters(&s);
    numbers(&s)
}

static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<y>[0-9]{4})(?P<s1>[-/.])(?P<m>[0-9]{1,2})(?P<s2>[-/.])(?P<d>[0-9]{1,2})")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:(?P<y>[0-9]{1,4})年\s?)?(?P<m>[0-9]{1,2})月\s?(?:(?P<d>[0-9]{1,2})日)?|(?P<yy>[0-9]{1,4})年",
    )
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?|(?P<kh>[0-9]{1,2})時(?:\s?(?P<km>[0-9]{1,2})分)?(?:\s?(?P<ks>[0-9]{1,2})秒)?",
    )
});
static MONEY_BEFORE: LazyLock<Regex> = LazyLock::new(|| re(r"(?P<sym>US\$|\$|¥|€|£)\s?SIGNED"));
static MONEY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"SIGNED\s?(?P<sym>円|ドル|ユーロ|ポンド|USD|EUR|JPY)"));
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<String> = UNITS.iter().map(|(s, _)| regex::escape(s)).collect();
    re(&format!(r"SIGNED\s?(?P<unit>{})", symbols.join("|")))
});
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    let symbols: Vec<&str> = COUNTERS.iter().map(|(s, _)| *s).collect();
    re(&format!(r"(?P<n>NUM)(?P<c>{})", symbols.join("|")))
});

/// Unit symbols and their readings, longer symbols first (`km/h` before `km`).
const UNITS: &[(&str, &str)] = &[
    ("µg/m³", "マイクログラムパーリッポーメートル"),
    ("μg/m³", "マイクログラムパーリッポーメートル"),
    ("km/h", "キロメートルマイジ"),
    ("m/s", "メートルマイビョー"),
    ("kWh", "キロワットアワー"),
    ("MWh", "メガワットアワー"),
    ("mAh", "ミリアンペアアワー"),
    ("Wh", "ワットアワー"),
    ("kW", "キロワット"),
    ("mA", "ミリアンペア"),
    ("hPa", "ヘクトパスカル"),
    ("Hz", "ヘルツ"),
    ("dB", "デシベル"),
    ("lx", "ルクス"),
    ("km", "キロメートル"),
    ("cm", "センチメートル"),
    ("mm", "ミリメートル"),
    ("m²", "ヘーホーメートル"),
    ("m³", "リッポーメートル"),
    ("kg", "キログラム"),
    ("mg", "ミリグラム"),
    ("ml", "ミリリットル"),
    ("mL", "ミリリットル"),
    ("ms", "ミリビョー"),
    ("W", "ワット"),
    ("V", "ボルト"),
    ("A", "アンペア"),
    ("m", "メートル"),
    ("g", "グラム"),
    ("l", "リットル"),
    ("L", "リットル"),
];

/// Counters written after a number whose sound they change, and their readings.
const COUNTERS: &[(&str, &str)] = &[
    ("分", "フン"),
    ("秒", "ビョー"),
    ("個", "コ"),
    ("回", "カイ"),
    ("階", "カイ"),
    ("歳", "サイ"),
    ("才", "サイ"),
    ("人", "ニン"),
    ("度", "ド"),
    ("番目", "バンメ"),
    ("番", "バン"),
    ("冊", "サツ"),
    ("本", "ホン"),
    ("匹", "ヒキ"),
    ("杯", "ハイ"),
    ("日", "ニチ"),
    ("つ", "ツ"),
];

/// 1つ to 10: the native numbers (ひとつ … とお).
const NATIVE: [&str; 10] = [
    "ヒトツ",
    "フタツ",
    "ミッツ",
    "ヨッツ",
    "イツツ",
    "ムッツ",
    "ナナツ",
    "ヤッツ",
    "ココノツ",
    "トー",
];

/// The months, 1月 to 12月 (4 し, 7 しち, 9 く).
const MONTHS: [&str; 12] = [
    "イチガツ",
    "ニガツ",
    "サンガツ",
    "シガツ",
    "ゴガツ",
    "ロクガツ",
    "シチガツ",
    "ハチガツ",
    "クガツ",
    "ジューガツ",
    "ジューイチガツ",
    "ジューニガツ",
];

/// The days of the month, 1日 to 31日: the native readings (ついたち, ふつか … とおか,
/// はつか, and the 4 of 14 and 24) and ニチ after the others.
const DAYS: [&str; 31] = [
    "ツイタチ",
    "フツカ",
    "ミッカ",
    "ヨッカ",
    "イツカ",
    "ムイカ",
    "ナノカ",
    "ヨーカ",
    "ココノカ",
    "トーカ",
    "ジューイチニチ",
    "ジューニニチ",
    "ジューサンニチ",
    "ジューヨッカ",
    "ジューゴニチ",
    "ジューロクニチ",
    "ジューシチニチ",
    "ジューハチニチ",
    "ジュークニチ",
    "ハツカ",
    "ニジューイチニチ",
    "ニジューニニチ",
    "ニジューサンニチ",
    "ニジューヨッカ",
    "ニジューゴニチ",
    "ニジューロクニチ",
    "ニジューシチニチ",
    "ニジューハチニチ",
    "ニジュークニチ",
    "サンジューニチ",
    "サンジューイチニチ",
];

/// `No. 3` → ダイサン (第三).
fn abbreviations(text: &str) -> String {
    rewrite(text, &NUMBER_SIGN, |caps, before, after| {
        (free_after(after) && !before.ends_with(|c: char| c.is_ascii_alphanumeric()))
            .then(|| format!("ダイ{}", number_kana(&caps["n"])))
    })
}

/// A year: 2024年 ニセンニジューヨネン (4 before 年 is よ).
fn year(y: &str) -> String {
    let mut k = number_kana(y);
    if k.ends_with("ヨン") {
        k.truncate(k.len() - "ン".len());
    }
    k + "ネン"
}

/// A month and day, each checked.
fn month_day(m: &str, d: Option<&str>) -> Option<String> {
    let m: usize = m.parse().ok()?;
    let mut out = MONTHS.get(m.checked_sub(1)?)?.to_string();
    if let Some(d) = d {
        let d: usize = d.parse().ok()?;
        out.push_str(DAYS.get(d.checked_sub(1)?)?);
    }
    Some(out)
}

/// `2026/12/03`, `2026-12-03`, `2026年12月3日`, `12月3日`, `3月`, `2024年`.
fn dates(text: &str) -> String {
    let s = rewrite(text, &NUMERIC_DATE, |caps, before, after| {
        if !free_before(before) || !free_after(after) || caps["s1"] != caps["s2"] {
            return None;
        }
        Some(year(&caps["y"]) + &month_day(&caps["m"], Some(&caps["d"]))?)
    });
    rewrite(&s, &DATE, |caps, before, _| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        if let Some(y) = caps.name("yy") {
            return Some(year(y.as_str()));
        }
        let md = month_day(&caps["m"], caps.name("d").map(|d| d.as_str()))?;
        Some(caps.name("y").map_or(String::new(), |y| year(y.as_str())) + &md)
    })
}

/// An hour before 時: 4 よ, 7 しち, 9 く (14 ジューヨ, 19 ジューク).
fn hour(h: u64) -> String {
    let ones = match h % 10 {
        4 => "ヨ",
        7 => "シチ",
        9 => "ク",
        _ => {
            return if h == 0 {
                "レー".into()
            } else {
                number_kana(&h.to_string())
            }
        }
    };
    let tens = h / 10 * 10;
    let mut out = if tens > 0 {
        number_kana(&tens.to_string())
    } else {
        String::new()
    };
    out.push_str(ones);
    out
}

/// Minutes with 分: ふん after 2, 5, 7, 9; ぷん (with the number cut short) after the
/// others: イップン, サンプン, ロップン, ジュップン, ヒャップン.
fn minutes(m: u64) -> String {
    let raw = m.to_string();
    if m > 0 && m.is_multiple_of(10) {
        return before_counter(&raw, "プン");
    }
    let head = if m >= 10 {
        number_kana(&(m / 10 * 10).to_string())
    } else {
        String::new()
    };
    let ones = match m % 10 {
        0 => "ゼロフン",
        1 => "イップン",
        2 => "ニフン",
        3 => "サンプン",
        4 => "ヨンプン",
        5 => "ゴフン",
        6 => "ロップン",
        7 => "ナナフン",
        8 => "ハップン",
        _ => "キューフン",
    };
    head + ones
}

/// `19:30` ジュークジサンジュップン, `7:30 PM` ゴゴシチジサンジュップン, `7時` シチジ.
fn clock(text: &str) -> String {
    rewrite(text, &CLOCK, |caps, before, after| {
        let written = caps.name("kh").is_some();
        if before.ends_with(|c: char| c.is_ascii_digit() || c == ':' || c == '.')
            || (!written && after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == ':'))
        {
            return None;
        }
        let num = |a: &str, b: &str| {
            caps.name(a)
                .or_else(|| caps.name(b))
                .and_then(|m| m.as_str().parse::<u64>().ok())
        };
        let h = num("h", "kh")?;
        let m = num("m", "km");
        let s = num("s", "ks");
        let ampm = caps.name("ampm").map(|a| a.as_str().to_ascii_lowercase());
        if h > 24
            || m.is_some_and(|m| m > 59)
            || s.is_some_and(|s| s > 59)
            || (ampm.is_some() && !(1..=12).contains(&h))
        {
            return None;
        }
        let mut out = String::new();
        match ampm.as_deref() {
            Some("a") => out.push_str("ゴゼン"),
            Some(_) => out.push_str("ゴゴ"),
            None => {}
        }
        out.push_str(&hour(h));
        out.push('ジ');
        // "7:00" is シチジ; "7時0分" says its zero.
        if let Some(m) = m.filter(|&m| m > 0 || written) {
            out.push_str(&minutes(m));
        }
        if let Some(s) = s.filter(|&s| s > 0 || written) {
            out.push_str(&number_kana(&s.to_string()));
            out.push_str("ビョー");
        }
        Some(out)
    })
}

/// `20〜25°C`, `3-5km` → ニジューから… between the numbers; later passes read the second. A hyphen
/// is a range only before a unit, a degree or a percent sign.
fn ranges(text: &str) -> String {
    rewrite(text, &RANGE, |caps, before, after| {
        if !free_before(before) || before.ends_with(['-', ':']) {
            return None;
        }
        if matches!(&caps["sep"], "-" | "–") && !unit_follows(after) {
            return None;
        }
        // The first number is read here: before から it would look like a counted
        // number and be left to the G2P.
        Some(format!("{}から{}", number_kana(&caps["a"]), &caps["b"]))
    })
}

/// The number's last sound cut short before a counter starting with k, s, t or p
/// (イッキロ, ハッセンチ, ジュッパーセント); 6 and 100 only before k and p
/// (ロッキロ, ヒャッパーセント).
fn before_counter(num: &str, counter: &str) -> String {
    let row = |kana: &str| counter.starts_with(|c: char| kana.contains(c));
    let ksp = row("カキクケコサシスセソタチツテトパピプペポ");
    let kp = row("カキクケコパピプペポ");
    let mut k = number_kana(num);
    if !num.contains('.') {
        for (full, short, needs) in [
            ("イチ", "イッ", ksp),
            ("ハチ", "ハッ", ksp),
            ("ジュー", "ジュッ", ksp),
            ("ロク", "ロッ", kp),
            ("ヒャク", "ヒャッ", kp),
        ] {
            if needs && k.ends_with(full) {
                k.truncate(k.len() - full.len());
                k.push_str(short);
                break;
            }
        }
    }
    k + counter
}

/// A signed number before a counter.
fn signed(negative: bool, num: &str, counter: &str) -> String {
    let head = if negative { "マイナス" } else { "" };
    format!("{head}{}", before_counter(num, counter))
}

/// `¥1,000` センエン, `4円` ヨエン, `$5` ゴドル, `€3.50` サンテンゴユーロ.
fn money(text: &str) -> String {
    let read = |sym: &str, raw: &str, neg: bool| -> Option<String> {
        let unit = match sym {
            "¥" | "円" | "JPY" => {
                let mut k = number_kana(raw);
                if k.ends_with("ヨン") && !raw.contains('.') {
                    k.truncate(k.len() - "ン".len());
                }
                let head = if neg { "マイナス" } else { "" };
                return Some(format!("{head}{k}エン"));
            }
            "$" | "US$" | "USD" | "ドル" => "ドル",
            "€" | "EUR" | "ユーロ" => "ユーロ",
            "£" | "ポンド" => "ポンド",
            _ => return None,
        };
        Some(signed(neg, raw, unit))
    };
    let s = rewrite(text, &MONEY_BEFORE, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric()) || !free_after(after) {
            return None;
        }
        read(&caps["sym"], &caps["n"], negative(caps, before)?)
    });
    rewrite(&s, &MONEY_AFTER, |caps, before, after| {
        if !free_before(before) || !free_after(after) {
            return None;
        }
        read(&caps["sym"], &caps["n"], negative(caps, before)?)
    })
}

/// `23.5°C` ニジューサンテンゴド, `-3°C` マイナスサンド, `70°F` カシナナジュード.
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
        let head = if scale == Some("F") { "カシ" } else { "" };
        Some(format!("{head}{}", signed(neg, &caps["n"], "ド")))
    })
}

/// `45%` ヨンジューゴパーセント, `10%` ジュッパーセント, `5‰` ゴパーミル.
fn percentages(text: &str) -> String {
    rewrite(text, &PERCENT, |caps, before, _| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let neg = negative(caps, before)?;
        let unit = if &caps["p"] == "%" {
            "パーセント"
        } else {
            "パーミル"
        };
        Some(signed(neg, &caps["n"], unit))
    })
}

/// `15km/h` ジューゴキロメートルマイジ, `60kg` ロクジッキログラム, `25m²`
/// ニジューゴヘーホーメートル.
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
        Some(signed(neg, &caps["n"], word))
    })
}

/// Counters that change the number's sound: `5分` ゴフン, `10分` ジュップン, `1個`
/// イッコ, `3人` サンニン (`1人` ヒトリ, `2人` フタリ), `20歳` ハタチ, `3番目` サンバンメ,
/// `3つ` ミッツ, `3日` ミッカ, `3本` サンボン.
fn counters(text: &str) -> String {
    rewrite(text, &COUNTER, |caps, before, after| {
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.') {
            return None;
        }
        let raw = &caps["n"];
        let counter = &caps["c"];
        let w = parse(raw);
        let Some(n) = w.value(16).filter(|_| w.frac.is_none()) else {
            // A decimal is said before 度 ("2.5度"), not before a count.
            return (counter == "度").then(|| before_counter(raw, "ド"));
        };
        Some(match counter {
            // 分の: a fraction, 三分の一 サンブンノイチ.
            "分" if after.starts_with('の') => number_kana(raw) + "ブン",
            "分" => minutes(n),
            "人" if n == 1 => "ヒトリ".into(),
            "人" if n == 2 => "フタリ".into(),
            "人" if n % 10 == 4 => {
                let mut k = number_kana(raw);
                k.truncate(k.len() - "ン".len());
                k + "ニン"
            }
            "歳" | "才" if n == 20 => "ハタチ".into(),
            "階" if n % 10 == 3 && n < 100 => number_kana(raw) + "ガイ",
            "つ" => NATIVE.get((n as usize).checked_sub(1)?)?.to_string(),
            // 1日 is ついたち as a date (毎月1日), いちにち as a length of time.
            "日" if n == 1 && before.ends_with('月') => DAYS[0].into(),
            "日" if n == 1 => "イチニチ".into(),
            "日" => DAYS.get((n as usize).checked_sub(1)?)?.to_string(),
            "本" | "匹" | "杯" => {
                h_counter(raw, COUNTERS.iter().find(|(c, _)| *c == counter)?.1)
            }
            _ => {
                let (_, reading) = COUNTERS.iter().find(|(c, _)| *c == counter)?;
                before_counter(raw, reading)
            }
        })
    })
}

/// A counter in h (本 ホン, 匹 ヒキ, 杯 ハイ): p after a number cut short (イッポン,
/// ロッピキ, ジュッパイ), b after サン, セン, マン, ナン (サンボン, センボン), h after
/// the others (ニホン, ヨンホン).
fn h_counter(raw: &str, reading: &str) -> String {
    let k = number_kana(raw);
    let shift = |to: &str| {
        let mut chars = reading.chars();
        let first = chars.next().unwrap_or_default();
        let row = "ハヒフヘホ".chars().position(|c| c == first).unwrap_or(0);
        format!("{}{}", to.chars().nth(row).unwrap_or(first), chars.as_str())
    };
    for (full, short) in [
        ("イチ", "イッ"),
        ("ロク", "ロッ"),
        ("ハチ", "ハッ"),
        ("ジュー", "ジュッ"),
        ("ヒャク", "ヒャッ"),
    ] {
        if let Some(head) = k.strip_suffix(full).filter(|_| !raw.contains('.')) {
            return format!("{head}{short}{}", shift("パピプペポ"));
        }
    }
    if ["サン", "セン", "マン", "ナン"]
        .iter()
        .any(|e| k.ends_with(e))
    {
        return k + &shift("バビブベボ");
    }
    k + reading
}

/// Bare numbers not before a kanji or kana: `12345` イチマンニセンサンビャクヨンジューゴ,
/// `-5` マイナスゴ, `3.14` サンテンイチヨン.
fn numbers(text: &str) -> String {
    rewrite(text, &NUMBER, |caps, before, after| {
        // The rest of a run of digits too long for one match: digit by digit, as its
        // start was.
        if before.ends_with(|c: char| c.is_ascii_digit()) {
            return caps.name("sign").is_none().then(|| kana::digits(&caps[0]));
        }
        if before.ends_with('.') || after.starts_with(|c: char| is_japanese(c) && c != 'ー') {
            return None;
        }
        let neg = negative(caps, before).unwrap_or(false);
        let head = match (caps.name("sign"), neg) {
            (Some(_), true) => "マイナス",
            (Some(_), false) => "-",
            (None, _) => "",
        };
        Some(format!("{head}{}", number_kana(&caps["n"])))
    })
}

/// Kanji, hiragana or katakana.
fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests;
