//! Numbers in katakana, as they are read aloud, with the sound changes of the digits
//! before 百, 千 and 兆.

pub(super) const DIGIT_KANA: [&str; 10] = [
    "ゼロ",
    "イチ",
    "ニ",
    "サン",
    "ヨン",
    "ゴ",
    "ロク",
    "ナナ",
    "ハチ",
    "キュー",
];

/// Digit by digit (signs and separators are skipped): `0612` ゼロロクイチニ.
pub(super) fn digits(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| DIGIT_KANA[(b - b'0') as usize])
        .collect()
}

/// A number as it is read, in katakana: `1,234` センニヒャクサンジューヨン,
/// `21.5` ニジューイッテンゴ, `-5` マイナスゴ.
pub(crate) fn number_kana(num: &str) -> String {
    let (neg, num) = match num.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, num),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits: String = int.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push_str("マイナス");
    }
    match digits.parse::<u64>() {
        Ok(n) if n < 10_000_000_000_000_000 => out.push_str(&cardinal_kana(n)),
        _ => digits
            .bytes()
            .for_each(|b| out.push_str(DIGIT_KANA[(b - b'0') as usize])),
    }
    if !frac.is_empty() {
        // The sound before 点 (ten) is cut short: イチ → イッ, ハチ → ハッ, ジュー → ジュッ.
        for (full, short) in [("イチ", "イッ"), ("ハチ", "ハッ"), ("ジュー", "ジュッ")]
        {
            if out.ends_with(full) {
                out.truncate(out.len() - full.len());
                out.push_str(short);
                break;
            }
        }
        out.push_str("テン");
        frac.bytes()
            .filter(u8::is_ascii_digit)
            .for_each(|b| out.push_str(DIGIT_KANA[(b - b'0') as usize]));
    }
    out
}

/// A cardinal below 10^16 in katakana, with the sound changes of 300, 600, 800,
/// 3000, 8000 and 1兆.
pub(super) fn cardinal_kana(n: u64) -> String {
    if n == 0 {
        return DIGIT_KANA[0].into();
    }
    const BIG: [&str; 4] = ["", "マン", "オク", "チョー"];
    let mut groups = Vec::new();
    let mut m = n;
    while m > 0 {
        groups.push((m % 10_000) as usize);
        m /= 10_000;
    }
    let mut out = String::new();
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        if g == 1 && i > 0 {
            out.push_str(if i == 3 { "イッ" } else { "イチ" });
        } else {
            out.push_str(&group_kana(g, i > 0));
        }
        out.push_str(BIG[i]);
    }
    out
}

/// 1..=9999; `before_big` when 万/億/兆 follows (1000万 is イッセンマン).
fn group_kana(g: usize, before_big: bool) -> String {
    let (th, hu, te, on) = (g / 1000, g / 100 % 10, g / 10 % 10, g % 10);
    let mut out = String::new();
    match th {
        0 => {}
        1 if before_big => out.push_str("イッセン"),
        1 => out.push_str("セン"),
        3 => out.push_str("サンゼン"),
        8 => out.push_str("ハッセン"),
        d => {
            out.push_str(DIGIT_KANA[d]);
            out.push_str("セン");
        }
    }
    match hu {
        0 => {}
        1 => out.push_str("ヒャク"),
        3 => out.push_str("サンビャク"),
        6 => out.push_str("ロッピャク"),
        8 => out.push_str("ハッピャク"),
        d => {
            out.push_str(DIGIT_KANA[d]);
            out.push_str("ヒャク");
        }
    }
    match te {
        0 => {}
        1 => out.push_str("ジュー"),
        d => {
            out.push_str(DIGIT_KANA[d]);
            out.push_str("ジュー");
        }
    }
    if on > 0 {
        out.push_str(DIGIT_KANA[on]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (n, k) in [
            ("0", "ゼロ"),
            ("7", "ナナ"),
            ("10", "ジュー"),
            ("23", "ニジューサン"),
            ("300", "サンビャク"),
            ("608", "ロッピャクハチ"),
            ("1,234", "センニヒャクサンジューヨン"),
            ("3000", "サンゼン"),
            ("8000", "ハッセン"),
            ("10000", "イチマン"),
            ("10000000", "イッセンマン"),
            ("120000000", "イチオクニセンマン"),
            ("21.5", "ニジューイッテンゴ"),
            ("-5", "マイナスゴ"),
        ] {
            assert_eq!(number_kana(n), k, "{n}");
        }
    }
}
