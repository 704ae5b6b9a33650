//! Text normalization: turns what people and language models write (numbers, times, dates,
//! money, units, abbreviations, URLs, Markdown, emoji) into the words a speaker would say,
//! so that an English G2P (misaki) reads them right.
//!
//! The work is a fixed sequence of passes, each owning one kind of written form. Order
//! matters: Markdown first (its `*`, `_`, `#` are not symbols to read), then forms that
//! contain numbers and punctuation (URLs, phone numbers, dates, times, money, units), and
//! only then bare numbers and symbols. Every pass replaces what it reads with words, so a
//! later pass never re-reads an earlier one's output. Acronyms are left as written: the
//! lexicon decides whether "USB" is spelled and "NASA" read.
//!
//! The other languages have passes of their own in the same spirit: `romance` (es, fr,
//! it, pt-BR), `hindi`, `japanese` (katakana readings with their counters) and
//! `chinese` (Chinese numerals).

mod abbrev;
mod chinese;
mod currency;
mod dates;
mod hindi;
mod japanese;
mod markdown;
mod math;
pub(crate) mod numbers;
mod phone;
mod rewrite;
mod roman;
mod romance;
mod symbols;
mod time;
mod units;
mod web;
mod written;

pub(crate) use chinese::numbers as chinese_numbers;
pub(crate) use japanese::number_kana;

#[cfg(test)]
mod tests;

/// A language and regional variant the normalizer knows how to read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// American English: "November twenty-fifth", month/day/year, "kilometer".
    #[default]
    EnUs,
    /// British English: "the twenty-fifth of November", day/month/year, "kilometre",
    /// "one hundred and five".
    EnGb,
    /// Spanish: "veintiún grados", "las siete y media" written "7:30".
    Es,
    /// French: "sept heures trente" for "7 h 30", "vingt et un degrés".
    Fr,
    /// Italian: "ventuno gradi", "diciannove e trenta".
    It,
    /// Brazilian Portuguese: "vinte e um graus", "dezenove e trinta".
    PtBr,
    /// Hindi: "साढ़े सात बजे", "तेईस डिग्री सेल्सियस", "पैंतालीस प्रतिशत".
    Hi,
    /// Japanese, in katakana: "ジュークジ サンジュップン", "ニジューサンド".
    Ja,
    /// Mandarin Chinese: "十九点三十分", "二十二摄氏度", "百分之四十五".
    Zh,
}

impl Locale {
    /// Maps a BCP-47 tag ("en-US", "en_GB", "en") to a locale, if it is one we have.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let t = tag.trim().to_ascii_lowercase().replace('_', "-");
        match t.as_str() {
            "en" | "en-us" => Some(Self::EnUs),
            "en-gb" | "en-uk" => Some(Self::EnGb),
            "es" | "es-es" => Some(Self::Es),
            "fr" | "fr-fr" => Some(Self::Fr),
            "it" | "it-it" => Some(Self::It),
            "pt" | "pt-br" => Some(Self::PtBr),
            "hi" | "hi-in" => Some(Self::Hi),
            "ja" | "ja-jp" => Some(Self::Ja),
            "zh" | "zh-cn" | "zh-hans" | "cmn" => Some(Self::Zh),
            _ => None,
        }
    }

    /// British English puts "and" after hundreds: "one hundred and five".
    fn says_and(self) -> bool {
        self == Self::EnGb
    }

    /// True if an all-numeric date like 11/12/2026 puts the month first.
    fn month_first(self) -> bool {
        self == Self::EnUs
    }
}

/// Rewrites `text` into words the G2P of `locale`'s language reads correctly, keeping
/// sentence punctuation.
///
/// Never panics, whatever the input.
pub fn normalize(text: &str, locale: Locale) -> String {
    let s = markdown::pre_clean(text);
    let s = markdown::strip(&s);
    let romance = match locale {
        Locale::Hi => return hindi::normalize(&s),
        Locale::Ja => return japanese::normalize(&s),
        Locale::Zh => return chinese::normalize(&s),
        Locale::EnUs | Locale::EnGb => None,
        Locale::Es => Some(romance::Romance::Es),
        Locale::Fr => Some(romance::Romance::Fr),
        Locale::It => Some(romance::Romance::It),
        Locale::PtBr => Some(romance::Romance::Pt),
    };
    if let Some(lang) = romance {
        return romance::normalize(&s, lang);
    }
    let s = web::expand(&s);
    let s = phone::expand(&s, locale);
    let s = abbrev::expand(&s);
    let s = dates::expand(&s, locale);
    let s = time::expand(&s, locale);
    let s = math::signs(&s);
    let s = currency::expand(&s, locale);
    let s = numbers::expand_suffixed(&s, locale);
    let s = units::expand(&s, locale);
    let s = math::expand(&s, locale);
    let s = numbers::expand(&s, locale);
    let s = roman::expand(&s, locale);
    let s = symbols::expand(&s);
    symbols::tidy(&s)
}
