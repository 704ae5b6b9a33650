//! Numbers in Chinese numerals, as they are read aloud.

use super::super::written::Written;

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Longest whole part read as a cardinal (below 10^16, 万亿); longer is read digit by
/// digit.
const MAX_DIGITS: usize = 16;

/// Digit by digit: `2024` 二零二四.
pub(super) fn digits(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| DIGITS[(b - b'0') as usize])
        .collect()
}

/// A written number: the whole part as a cardinal (digit by digit if it has a leading
/// zero or is too long), decimals after 点 digit by digit (`3.14` 三点一四).
pub(super) fn number(w: &Written<'_>) -> String {
    let mut out = match w.value(MAX_DIGITS) {
        Some(n) => cardinal(n),
        None => digits(&w.int),
    };
    if let Some(frac) = w.frac {
        out.push('点');
        out.push_str(&digits(frac));
    }
    out
}

/// A whole number before a measure word: 2 is 两 (两点, 两公里), not 二.
pub(super) fn counted(w: &Written<'_>) -> String {
    if w.is(2) {
        "两".into()
    } else {
        number(w)
    }
}

/// A cardinal number below 10^16 in Chinese numerals.
pub(super) fn cardinal(n: u64) -> String {
    if n == 0 {
        return "零".into();
    }
    const BIG: [&str; 4] = ["", "万", "亿", "万亿"];
    let mut groups = Vec::new();
    let mut m = n;
    while m > 0 {
        groups.push((m % 10_000) as usize);
        m /= 10_000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        // A gap before a group that does not fill its thousands is read as 零.
        if zero_pending || (!out.is_empty() && g < 1000) {
            out.push('零');
        }
        zero_pending = false;
        out.push_str(&four_digits(g));
        out.push_str(BIG[i]);
    }
    // 10..19 at the head read 十…, not 一十….
    if out.starts_with("一十") {
        out.replace_range(.."一".len(), "");
    }
    out
}

/// 1..=9999 with 千百十; inner zeros read once as 零.
fn four_digits(g: usize) -> String {
    let mut out = String::new();
    let mut zero = false;
    for (div, unit) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
        let d = g / div % 10;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        for (n, s) in [
            (0, "零"),
            (7, "七"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (101, "一百零一"),
            (110, "一百一十"),
            (1001, "一千零一"),
            (10_000, "一万"),
            (10_001, "一万零一"),
            (120_000, "十二万"),
            (100_000_000, "一亿"),
            (305_000_020, "三亿零五百万零二十"),
        ] {
            assert_eq!(cardinal(n), s, "{n}");
        }
    }
}
