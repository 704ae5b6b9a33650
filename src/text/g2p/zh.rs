//! Mandarin G2P as misaki reads it for Kokoro v1.0: jieba segmentation, pinyin per
//! syllable, pinyin to IPA, and the tone contours written as Kokoro's arrows (1 →, 2 ↗, 3 ↓, 4 ↘, neutral unmarked). Words are
//! separated by spaces; punctuation is mapped to ASCII. No tone sandhi: misaki's
//! v1.0 path applies none, so the model was trained without it. Numbers, times and
//! units arrive as Chinese words from the normalizer (`normalize::chinese`).
//!
//! The `pinyin` crate gives each character its most common reading; words whose
//! characters read otherwise (银行 yínháng, 长大 zhǎngdà) come from a table here.

use std::collections::HashMap;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use pinyin::ToPinyin;
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::espeak::{self, EspeakError};
use crate::text::normalize::chinese_numbers as numbers;

/// jieba's dictionary and model, loaded once (~0.3 s).
pub struct Mandarin {
    jieba: Jieba,
}

impl Mandarin {
    /// Load the segmenter (jieba's embedded dictionary).
    pub fn new() -> Self {
        Mandarin {
            jieba: Jieba::new(),
        }
    }

    /// Phonemes for `text` (before the vocabulary filter).
    pub fn phonemize(&self, text: &str) -> Result<String, EspeakError> {
        let text: String = text.nfkc().collect();
        // The normalizer has read the numbers already; a text that did not pass through
        // it (a lone G2P call) gets its bare numbers read the same way.
        let text = map_punctuation(&numbers(&text));
        let mut out = String::with_capacity(text.len() * 2);
        let mut rest = text.as_str();
        while let Some(c) = rest.chars().next() {
            let han = is_han(c);
            let end = rest
                .char_indices()
                .find(|&(_, c)| is_han(c) != han)
                .map_or(rest.len(), |(i, _)| i);
            let (segment, tail) = rest.split_at(end);
            if han {
                let words: Vec<&str> = self
                    .jieba
                    .cut(segment, true)
                    .into_iter()
                    .map(|t| t.word)
                    .collect();
                let ipa: Vec<String> = (0..words.len())
                    .map(|i| {
                        let prev = i.checked_sub(1).map(|j| words[j]);
                        word_ipa(prev, words[i], words.get(i + 1).copied())
                    })
                    .collect();
                out.push_str(&ipa.join(" "));
            } else {
                out.push_str(&latin_to_english(segment)?);
            }
            rest = tail;
        }
        Ok(close_up(&out))
    }
}

impl Default for Mandarin {
    fn default() -> Self {
        Self::new()
    }
}

/// CJK unified ideographs (the basic block and extension A).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Latin words in Chinese text are read as English; everything else (punctuation,
/// spaces) passes through, and what the model lacks is dropped later.
fn latin_to_english(segment: &str) -> Result<String, EspeakError> {
    static WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z'\-]*").expect("valid regex"));
    let mut out = String::with_capacity(segment.len() * 2);
    let mut last = 0;
    for m in WORD.find_iter(segment) {
        out.push_str(&segment[last..m.start()]);
        out.push(' ');
        out.push_str(&espeak::latin_as_english(m.as_str())?);
        out.push(' ');
        last = m.end();
    }
    out.push_str(&segment[last..]);
    Ok(out)
}

/// No space before a closing mark (after an English word, "iPhone 。" → "…fˈOn.").
fn close_up(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, ',' | '.' | '!' | '?' | ':' | ';' | ')' | '”' | '…') {
            out.truncate(out.trim_end().len());
        }
        out.push(c);
    }
    out
}

/// Chinese punctuation to the ASCII marks Kokoro knows, spaced as misaki spaces them.
/// (NFKC has already made ，！：；？ ASCII: they get the same space after them.)
fn map_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ',' | '!' | ':' | ';' | '?' => {
                out.push(c);
                out.push(' ');
            }
            '、' | '，' => out.push_str(", "),
            '。' | '．' => out.push_str(". "),
            '！' => out.push_str("! "),
            '：' => out.push_str(": "),
            '；' => out.push_str("; "),
            '？' => out.push_str("? "),
            '«' | '《' | '「' | '【' | '『' => out.push_str(" “"),
            '»' | '》' | '」' | '】' | '』' => out.push_str("” "),
            '（' => out.push_str(" ("),
            '）' => out.push_str(") "),
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Words whose characters do not take their most common reading here (tone numbers,
/// 5 = neutral).
static WORDS: &[(&str, &[&str])] = &[
    ("银行", &["yin2", "hang2"]),
    ("行业", &["hang2", "ye4"]),
    ("行长", &["hang2", "zhang3"]),
    ("长大", &["zhang3", "da4"]),
    ("成长", &["cheng2", "zhang3"]),
    ("生长", &["sheng1", "zhang3"]),
    ("增长", &["zeng1", "zhang3"]),
    ("校长", &["xiao4", "zhang3"]),
    ("部长", &["bu4", "zhang3"]),
    ("市长", &["shi4", "zhang3"]),
    ("家长", &["jia1", "zhang3"]),
    ("董事长", &["dong3", "shi4", "zhang3"]),
    ("觉得", &["jue2", "de5"]),
    ("记得", &["ji4", "de5"]),
    ("值得", &["zhi2", "de5"]),
    ("懂得", &["dong3", "de5"]),
    ("睡觉", &["shui4", "jiao4"]),
    ("了解", &["liao3", "jie3"]),
    ("了不起", &["liao3", "bu4", "qi3"]),
    ("作为", &["zuo4", "wei2"]),
    ("成为", &["cheng2", "wei2"]),
    ("认为", &["ren4", "wei2"]),
    ("以为", &["yi3", "wei2"]),
    ("行为", &["xing2", "wei2"]),
    ("首都", &["shou3", "du1"]),
    ("都市", &["du1", "shi4"]),
    ("成都", &["cheng2", "du1"]),
    ("着急", &["zhao2", "ji2"]),
    ("睡着", &["shui4", "zhao2"]),
    ("重新", &["chong2", "xin1"]),
    ("重复", &["chong2", "fu4"]),
    ("重庆", &["chong2", "qing4"]),
    ("爱好", &["ai4", "hao4"]),
    ("好奇", &["hao4", "qi2"]),
    ("音乐", &["yin1", "yue4"]),
    ("快乐", &["kuai4", "le4"]),
    ("便宜", &["pian2", "yi5"]),
    ("高兴", &["gao1", "xing4"]),
    ("空调", &["kong1", "tiao2"]),
    ("调查", &["diao4", "cha2"]),
    ("头发", &["tou2", "fa4"]),
    ("出差", &["chu1", "chai1"]),
    ("目的", &["mu4", "di4"]),
    ("的确", &["di2", "que4"]),
    ("还给", &["huan2", "gei3"]),
    ("归还", &["gui1", "huan2"]),
    ("暖和", &["nuan3", "huo5"]),
    ("朝鲜", &["chao2", "xian3"]),
    ("东西", &["dong1", "xi5"]),
    ("什么", &["shen2", "me5"]),
    ("怎么", &["zen3", "me5"]),
    ("那么", &["na4", "me5"]),
    ("这么", &["zhe4", "me5"]),
    ("多少", &["duo1", "shao5"]),
    ("朋友", &["peng2", "you5"]),
    ("一会儿", &["yi2", "hui4", "er5"]),
];

/// Single characters whose most common reading differs from the `pinyin` crate's first.
static CHARS: &[(char, &str)] = &[('长', "chang2"), ('还', "hai2"), ('只', "zhi3")];

/// The tone-numbered pinyin of every syllable of `word`, given its neighbours.
fn word_pinyin(prev: Option<&str>, word: &str, next: Option<&str>) -> Vec<String> {
    static TABLE: LazyLock<HashMap<&'static str, &'static [&'static str]>> =
        LazyLock::new(|| WORDS.iter().copied().collect());
    if let Some(syllables) = TABLE.get(word) {
        return syllables.iter().map(|s| s.to_string()).collect();
    }
    match word {
        // The complement and adverbial particles, when jieba leaves them alone.
        "得" => return vec!["de5".into()],
        "地" if prev.is_some_and(|p| p.chars().count() >= 2)
            && next.is_some_and(|n| n.chars().next().is_some_and(is_han)) =>
        {
            return vec!["de5".into()]
        }
        _ => {}
    }
    word.chars()
        .zip(word.to_pinyin())
        .filter_map(|(c, p)| {
            if let Some(&(_, py)) = CHARS.iter().find(|(k, _)| *k == c) {
                return Some(py.to_string());
            }
            // Characters without a reading (rare ones outside the crate's table) are
            // skipped rather than guessed.
            p.map(|p| p.with_tone_num_end().to_string())
        })
        .collect()
}

/// One word's phonemes: its syllables run together, as misaki writes them.
fn word_ipa(prev: Option<&str>, word: &str, next: Option<&str>) -> String {
    word_pinyin(prev, word, next)
        .iter()
        .filter_map(|s| syllable_ipa(s))
        .collect()
}

/// IPA of a pinyin initial.
fn initial_ipa(initial: &str) -> &'static str {
    match initial {
        "b" => "p",
        "p" => "pʰ",
        "m" => "m",
        "f" => "f",
        "d" => "t",
        "t" => "tʰ",
        "n" => "n",
        "l" => "l",
        "g" => "k",
        "k" => "kʰ",
        "h" => "x",
        "j" => "ʨ",
        "q" => "ʨʰ",
        "x" => "ɕ",
        "zh" => "ꭧ",
        "ch" => "ꭧʰ",
        "sh" => "ʂ",
        "r" => "ɻ",
        "z" => "ʦ",
        "c" => "ʦʰ",
        "s" => "s",
        _ => "",
    }
}

/// A final as (glide before the nucleus, nucleus, coda): the tone goes after the nucleus.
fn final_parts(fin: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match fin {
        "a" => ("", "a", ""),
        "ai" => ("", "ai", ""),
        "an" => ("", "a", "n"),
        "ang" => ("", "a", "ŋ"),
        "ao" => ("", "au", ""),
        "e" => ("", "ɤ", ""),
        "ei" => ("", "ei", ""),
        "en" => ("", "ə", "n"),
        "eng" => ("", "ə", "ŋ"),
        "i" => ("", "i", ""),
        "ia" => ("j", "a", ""),
        "ian" => ("j", "ɛ", "n"),
        "iang" => ("j", "a", "ŋ"),
        "iao" => ("j", "au", ""),
        "ie" => ("j", "e", ""),
        "in" => ("", "i", "n"),
        "iou" => ("j", "ou", ""),
        "ing" => ("", "i", "ŋ"),
        "iong" => ("j", "ʊ", "ŋ"),
        "ong" => ("", "ʊ", "ŋ"),
        "ou" => ("", "ou", ""),
        "u" => ("", "u", ""),
        "ua" => ("w", "a", ""),
        "uai" => ("w", "ai", ""),
        "uan" => ("w", "a", "n"),
        "uang" => ("w", "a", "ŋ"),
        "uei" => ("w", "ei", ""),
        "uen" => ("w", "ə", "n"),
        "ueng" => ("w", "ə", "ŋ"),
        "uo" | "o" => ("w", "o", ""),
        "ü" => ("", "y", ""),
        "üe" => ("ɥ", "e", ""),
        "üan" => ("ɥ", "ɛ", "n"),
        "ün" => ("", "y", "n"),
        _ => return None,
    })
}

/// Kokoro's arrow for a tone number; the neutral tone (5) has none.
fn tone_arrow(tone: u8) -> &'static str {
    match tone {
        1 => "→",
        2 => "↗",
        3 => "↓",
        4 => "↘",
        _ => "",
    }
}

/// One pinyin syllable with its tone number at the end (`zhong1`, `le`, `lü4`) in
/// Kokoro's symbols, e.g. `ʈʂʊ→ŋ`; `None` for what is not pinyin.
pub fn syllable_ipa(py: &str) -> Option<String> {
    let py = py.trim().to_lowercase().replace('v', "ü");
    let (body, tone) = match py.chars().last()? {
        d @ '1'..='5' => (&py[..py.len() - 1], d as u8 - b'0'),
        _ => (py.as_str(), 5),
    };
    let arrow = tone_arrow(tone);
    // Whole syllables: interjections and syllabic nasals.
    let whole = match body {
        "io" | "yo" => Some(("", "j", "ɔ")),
        "ê" => Some(("", "", "ɛ")),
        "er" => Some(("", "", "ɚ")),
        "o" => Some(("", "", "ɔ")),
        "hm" => Some(("h", "", "m")),
        "hng" => Some(("h", "", "ŋ")),
        "m" => Some(("", "", "m")),
        "n" => Some(("", "", "n")),
        "ng" => Some(("", "", "ŋ")),
        _ => None,
    };
    if let Some((init, glide, nucleus)) = whole {
        return Some(format!("{init}{glide}{nucleus}{arrow}"));
    }
    let initial = ["zh", "ch", "sh"]
        .into_iter()
        .find(|i| body.starts_with(i))
        .or_else(|| {
            let first = body.get(..1)?;
            "bpmfdtnlgkhjqxrzcs".contains(first).then_some(first)
        });
    let rest = &body[initial.map_or(0, str::len)..];
    let fin: String = match initial {
        None => {
            if let Some(r) = rest.strip_prefix('y') {
                match r.chars().next()? {
                    'u' | 'ü' => format!("ü{}", &r[r.chars().next()?.len_utf8()..]),
                    'i' => r.to_string(),
                    _ => format!("i{r}"),
                }
            } else if let Some(r) = rest.strip_prefix('w') {
                if r.starts_with('u') {
                    r.to_string()
                } else {
                    format!("u{r}")
                }
            } else {
                rest.to_string()
            }
        }
        Some("j" | "q" | "x") if rest.starts_with('u') => format!("ü{}", &rest[1..]),
        Some(_) => match rest {
            "iu" => "iou".into(),
            "ui" => "uei".into(),
            "un" => "uen".into(),
            _ => rest.to_string(),
        },
    };
    let init_ipa = initial.map_or("", initial_ipa);
    // The "empty rhyme" i after zh ch sh r and z c s is the buzzing vowel ɨ.
    if fin == "i" && matches!(initial, Some("zh" | "ch" | "sh" | "r" | "z" | "c" | "s")) {
        return Some(format!("{init_ipa}ɨ{arrow}"));
    }
    let (glide, nucleus, coda) = final_parts(&fin)?;
    Some(format!("{init_ipa}{glide}{nucleus}{arrow}{coda}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables() {
        for (py, ipa) in [
            ("ni3", "ni↓"),
            ("hao3", "xau↓"),
            ("shi4", "ʂɨ↘"),
            ("jie4", "ʨje↘"),
            ("jing1", "ʨi→ŋ"),
            ("zhong1", "ꭧʊ→ŋ"),
            ("guo2", "kwo↗"),
            ("le", "lɤ"),
            ("men5", "mən"),
            ("zi4", "ʦɨ↘"),
            ("ri4", "ɻɨ↘"),
            ("qu4", "ʨʰy↘"),
            ("xue2", "ɕɥe↗"),
            ("juan4", "ʨɥɛ↘n"),
            ("yun2", "y↗n"),
            ("you3", "jou↓"),
            ("yi1", "i→"),
            ("ying1", "i→ŋ"),
            ("wo3", "wo↓"),
            ("wu3", "u↓"),
            ("wei4", "wei↘"),
            ("liu2", "ljou↗"),
            ("gui4", "kwei↘"),
            ("lun2", "lwə↗n"),
            ("lü4", "ly↘"),
            ("nv3", "ny↓"),
            ("bo1", "pwo→"),
            ("er2", "ɚ↗"),
            ("n2", "n↗"),
            ("xiong2", "ɕjʊ↗ŋ"),
            ("chuang1", "ꭧʰwa→ŋ"),
        ] {
            assert_eq!(syllable_ipa(py).as_deref(), Some(ipa), "{py}");
        }
        assert_eq!(syllable_ipa("xyz1"), None);
    }

    fn zh() -> &'static Mandarin {
        static M: LazyLock<Mandarin> = LazyLock::new(Mandarin::new);
        &M
    }

    fn ps(text: &str) -> String {
        crate::text::g2p::clean(&zh().phonemize(text).unwrap())
    }

    #[test]
    fn sentences() {
        assert_eq!(ps("你好，世界。"), "ni↓xau↓, ʂɨ↘ʨje↘.");
        assert_eq!(ps("我们去北京。"), "wo↓mən ʨʰy↘ pei↓ʨi→ŋ.");
        // A polyphone read by the word it is in.
        assert_eq!(ps("银行"), "i↗nxa↗ŋ");
        // A bare number is read in Chinese even without the normalizer; jieba
        // segments 二十|一度.
        assert_eq!(ps("今天21度。"), "ʨi→ntʰjɛ→n ɚ↘ʂɨ↗ i→tu↘.");
    }

    #[test]
    fn latin_words_are_read_as_english() {
        let p = ps("我喜欢Kokoro。");
        assert!(p.contains("kəkˈɔɹO."), "{p}");
        assert!(p.chars().all(crate::text::vocab::in_vocab), "{p}");
    }
}
