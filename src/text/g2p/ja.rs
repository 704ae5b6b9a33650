//! Japanese G2P in the style Kokoro v1.0 was trained with (misaki's first Japanese
//! G2P, after cutlet): a morphological analyser gives each word its pronunciation in
//! katakana (particles は/へ as ワ/エ, long vowels as ー), and the kana are written
//! in Kokoro's symbols mora by mora (き kʲi, しゃ ɕa, っ ʔ, ー ː, ん assimilated to
//! what follows).
//!
//! The analyser is `vibrato` (a MeCab-compatible Viterbi tokenizer) over the IPA
//! dictionary, built in memory from its sources (Debian package `mecab-ipadic`,
//! EUC-JP CSV files) when the Japanese phonemizer is first needed: 1.5–2 s, ~120 MB
//! resident (~235 MB at the peak of the build). Numbers are read by our own rules
//! (`23` ニジューサン, shared with `normalize::japanese`); words in Latin script are
//! read as English by espeak-ng.

use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use vibrato::Tokenizer;

use super::espeak;
use super::ipadic;
use crate::text::error::TextError;
use crate::text::normalize::number_kana;

/// Where Debian's `mecab-ipadic` puts the dictionary's sources.
pub const IPADIC_DIR: &str = "/usr/share/mecab/dic/ipadic";
/// Environment variable naming another directory with the same files.
pub const IPADIC_ENV: &str = "KOKOROD_IPADIC_DIR";

/// The analyser with its dictionary. Shareable across threads.
pub struct Japanese {
    tokenizer: Tokenizer,
}

impl Japanese {
    /// The analyser over the IPA dictionary's sources (`$KOKOROD_IPADIC_DIR`, else
    /// `/usr/share/mecab/dic/ipadic`), compiled once into the cache dir.
    pub fn new() -> Result<Self, TextError> {
        let dir = std::env::var_os(IPADIC_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(IPADIC_DIR));
        let dict = ipadic::load(&dir, crate::assets::cache_dir().as_deref())?;
        Ok(Japanese {
            tokenizer: Tokenizer::new(dict),
        })
    }

    /// Phonemes for `text` (before the vocabulary filter).
    pub fn phonemize(&self, text: &str) -> Result<String, TextError> {
        let text: String = text.nfkc().collect();
        let mut words = Vec::new();
        for part in text.split_whitespace() {
            self.words(part, &mut words);
        }
        assemble(&words)
    }

    /// The words of one whitespace-free part. Numbers are read by our rules, but the
    /// analyser still sees a digit in their place, so that a counter after them is
    /// read as one (6時 ロクジ, not ロク + 時に トキニ).
    fn words(&self, part: &str, out: &mut Vec<Word>) {
        static NUM: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?").expect("valid regex")
        });
        let mut readings = std::collections::VecDeque::new();
        let masked = NUM.replace_all(part, |c: &regex::Captures| {
            readings.push_back(number_kana(&c[0]));
            "0"
        });
        if masked.is_empty() {
            return;
        }
        let mut worker = self.tokenizer.new_worker();
        worker.reset_sentence(masked.as_ref());
        worker.tokenize();
        for t in worker.token_iter() {
            let surface = t.surface();
            let f: Vec<&str> = t.feature().split(',').collect();
            let pos = Pos::of(&f);
            let kind = if !surface.is_empty() && surface.bytes().all(|b| b == b'0') {
                // One placeholder per number, in order.
                for _ in 0..surface.len() {
                    let reading = readings.pop_front().unwrap_or_default();
                    out.push(Word {
                        kind: Kind::Kana(reading),
                        pos: Pos::Noun,
                    });
                }
                continue;
            } else if surface.chars().any(|c| c.is_ascii_alphabetic())
                && surface
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '\'')
            {
                Kind::Latin(surface.to_string())
            } else if let Some(p) = punct(surface) {
                Kind::Punct(p)
            } else if let Some(r) = [f.get(8), f.get(7)]
                .into_iter()
                .flatten()
                .find(|r| **r != "*" && r.chars().all(is_kana))
            {
                // The volitional う (ましょう, でしょう, 行こう) lengthens the o before it.
                if pos == Pos::Auxiliary && *r == "ウ" {
                    Kind::Kana("ー".into())
                } else {
                    Kind::Kana(long_e(r))
                }
            } else if surface.chars().all(is_kana) {
                // Unknown to the dictionary but written in kana: read as written.
                Kind::Kana(surface.to_string())
            } else {
                // An unknown kanji or symbol: nothing we can say for it.
                continue;
            };
            out.push(Word { kind, pos });
        }
    }
}

/// The IPA dictionary writes the long e of one morpheme sometimes ー (エーガ), often
/// イ (ガクセイ, センセイ); it is said, and was written for Kokoro (from UniDic), as ー.
/// Only inside one morpheme: across morphemes (し|て|いる) the イ is a vowel of its own.
fn long_e(pron: &str) -> String {
    let mut out = String::with_capacity(pron.len());
    let mut prev_e = false;
    for c in pron.chars() {
        if c == 'イ' && prev_e {
            out.push('ー');
            prev_e = false;
            continue;
        }
        prev_e = "エケゲセゼテデネヘベペメレ".contains(c);
        out.push(c);
    }
    out
}

/// What the grouping of morphemes into spoken words needs to know of a part of speech.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pos {
    Noun,
    /// A noun suffix (たち, さん): joins the word before it.
    Suffix,
    /// Verb, adjective or auxiliary: what an auxiliary or て/で attaches to.
    Inflecting,
    /// Auxiliary verb (ます, た, ない): joins an inflecting word before it.
    Auxiliary,
    /// Conjunctive particle (て, で, ば): joins an inflecting word before it.
    Conjunctive,
    Other,
}

impl Pos {
    /// From an IPA-dictionary feature row (part of speech, then its subdivisions).
    fn of(f: &[&str]) -> Pos {
        match (f.first().copied(), f.get(1).copied()) {
            // たち, さん: one word with their noun. Counters and place suffixes (度,
            // 駅) are words of their own, as in misaki's word list.
            (Some("名詞"), Some("接尾")) if matches!(f.get(2), Some(&("一般" | "人名"))) => {
                Pos::Suffix
            }
            (Some("名詞"), _) => Pos::Noun,
            (Some("助動詞"), _) => Pos::Auxiliary,
            (Some("助詞"), Some("接続助詞")) => Pos::Conjunctive,
            (Some("動詞" | "形容詞"), _) => Pos::Inflecting,
            _ => Pos::Other,
        }
    }

    /// Whether a morpheme of this kind is spoken as one word with `prev`.
    fn joins(self, prev: Pos) -> bool {
        match self {
            Pos::Suffix => matches!(prev, Pos::Noun | Pos::Suffix),
            Pos::Auxiliary | Pos::Conjunctive => {
                matches!(prev, Pos::Inflecting | Pos::Auxiliary | Pos::Conjunctive)
            }
            _ => false,
        }
    }
}

enum Kind {
    /// A reading in kana (katakana or hiragana, ー for long vowels).
    Kana(String),
    /// A word in Latin letters.
    Latin(String),
    /// A punctuation mark, already Kokoro's.
    Punct(Mark),
}

struct Word {
    kind: Kind,
    pos: Pos,
}

#[derive(Clone, Copy)]
enum Mark {
    /// Ends what precedes it: `. , ? ! : ; … ) ”`.
    Close(char),
    /// Opens what follows: `( “`.
    Open(char),
    /// Between words: `—`.
    Between(char),
    /// Separates words without a symbol (・).
    Space,
}

/// Japanese and ASCII punctuation as Kokoro's marks (after NFKC, so full-width forms
/// are already ASCII).
fn punct(surface: &str) -> Option<Mark> {
    let mut cs = surface.chars();
    let c = cs.next()?;
    if cs.any(|d| d != c) {
        return None;
    }
    Some(match c {
        '。' | '.' => Mark::Close('.'),
        '、' | ',' => Mark::Close(','),
        '?' => Mark::Close('?'),
        '!' => Mark::Close('!'),
        ':' => Mark::Close(':'),
        ';' => Mark::Close(';'),
        '…' | '‥' => Mark::Close('…'),
        '」' | '』' | '”' | '»' => Mark::Close('”'),
        ')' | '》' | '】' | ']' | '〕' => Mark::Close(')'),
        '「' | '『' | '“' | '«' => Mark::Open('“'),
        '(' | '《' | '【' | '[' | '〔' => Mark::Open('('),
        '〜' | '~' | '—' | 'ー' => Mark::Between('—'),
        '・' => Mark::Space,
        _ => return None,
    })
}

/// Hiragana, katakana and the prolonged sound mark.
pub(super) fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー')
}

/// Join the words into the phoneme string: morphemes of one spoken word together,
/// words spaced, marks against the word they close or open, and a glottal stop (っ)
/// bound to the word after it.
fn assemble(words: &[Word]) -> Result<String, TextError> {
    // (text, space after)
    let mut toks: Vec<(String, bool)> = Vec::new();
    let mut kana = String::new();
    let mut kana_pos = Pos::Other;
    let flush = |kana: &mut String, toks: &mut Vec<(String, bool)>| {
        if !kana.is_empty() {
            toks.push((kana_to_phonemes(kana), true));
            kana.clear();
        }
    };
    for w in words {
        match &w.kind {
            Kind::Kana(r) => {
                if !(kana.is_empty() || w.pos.joins(kana_pos)) {
                    flush(&mut kana, &mut toks);
                }
                kana.push_str(r);
                kana_pos = w.pos;
            }
            Kind::Latin(s) => {
                flush(&mut kana, &mut toks);
                toks.push((espeak::latin_as_english(s)?, true));
            }
            Kind::Punct(m) => {
                flush(&mut kana, &mut toks);
                match *m {
                    Mark::Close(c) => {
                        if let Some(last) = toks.last_mut() {
                            last.1 = false;
                        }
                        toks.push((c.to_string(), true));
                    }
                    Mark::Open(c) => {
                        if let Some(last) = toks.last_mut() {
                            last.1 = true;
                        }
                        toks.push((c.to_string(), false));
                    }
                    Mark::Between(c) => toks.push((c.to_string(), true)),
                    Mark::Space => {}
                }
            }
        }
    }
    flush(&mut kana, &mut toks);
    let mut out = String::new();
    for (t, space) in &toks {
        out.push_str(t);
        if *space {
            out.push(' ');
        }
    }
    Ok(bind_glottal_stops(out.trim()))
}

/// A word ending in っ runs into the next one ("乗っ た" noʔta), and one starting with
/// it into the one before, unless punctuation stands between.
fn bind_glottal_stops(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let before_stop =
                next == Some('ʔ') && !prev.is_some_and(|p| "!\",.:;?»—…”".contains(p));
            let after_stop = prev == Some('ʔ') && !next.is_some_and(|n| "\"«“".contains(n));
            if before_stop || after_stop {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Katakana to hiragana (ヷ–ヺ have no hiragana and stay).
fn to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Small kana that combine with the kana before them.
fn is_small(c: char) -> bool {
    matches!(c, 'ゃ' | 'ゅ' | 'ょ' | 'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ')
}

/// One kana's sound in Kokoro's symbols.
fn mora(c: char) -> Option<&'static str> {
    Some(match c {
        'あ' | 'ぁ' => "a",
        'い' | 'ぃ' | 'ゐ' => "i",
        'う' | 'ぅ' => "ɯ",
        'え' | 'ぇ' | 'ゑ' => "e",
        'お' | 'ぉ' | 'を' => "o",
        'か' | 'ゕ' => "ka",
        'が' => "ɡa",
        'き' => "kʲi",
        'ぎ' => "ɡʲi",
        'く' => "kɯ",
        'ぐ' => "ɡɯ",
        'け' | 'ゖ' => "ke",
        'げ' => "ɡe",
        'こ' => "ko",
        'ご' => "ɡo",
        'さ' => "sa",
        'ざ' => "ʣa",
        'し' => "ɕi",
        'じ' | 'ぢ' => "ʥi",
        'す' => "sɨ",
        'ず' | 'づ' => "zɨ",
        'せ' => "se",
        'ぜ' => "ʣe",
        'そ' => "so",
        'ぞ' => "ʣo",
        'た' => "ta",
        'だ' => "da",
        'ち' => "ʨi",
        'つ' => "ʦɨ",
        'て' => "te",
        'で' => "de",
        'と' => "to",
        'ど' => "do",
        'な' => "na",
        'に' => "ɲi",
        'ぬ' => "nɯ",
        'ね' => "ne",
        'の' => "no",
        'は' => "ha",
        'ば' => "ba",
        'ぱ' => "pa",
        'ひ' => "çi",
        'び' => "bʲi",
        'ぴ' => "pʲi",
        'ふ' => "ɸɯ",
        'ぶ' => "bɯ",
        'ぷ' => "pɯ",
        'へ' => "he",
        'べ' => "be",
        'ぺ' => "pe",
        'ほ' => "ho",
        'ぼ' => "bo",
        'ぽ' => "po",
        'ま' => "ma",
        'み' => "mʲi",
        'む' => "mɯ",
        'め' => "me",
        'も' => "mo",
        'や' | 'ゃ' => "ja",
        'ゆ' | 'ゅ' => "jɯ",
        'よ' | 'ょ' => "jo",
        'ら' => "ɾa",
        'り' => "ɾʲi",
        'る' => "ɾɯ",
        'れ' => "ɾe",
        'ろ' => "ɾo",
        'わ' | 'ゎ' => "βa",
        'ゔ' => "vɯ",
        'ヷ' => "va",
        'ヸ' => "vʲi",
        'ヹ' => "ve",
        'ヺ' => "vo",
        _ => return None,
    })
}

/// Two kana read as one sound where the general rule (drop the first one's vowel,
/// add the small kana's) would be wrong or lose palatalisation.
fn digraph(a: char, b: char) -> Option<&'static str> {
    Some(match (a, b) {
        ('い', 'ぇ') => "je",
        ('う', 'ぃ') => "βi",
        ('う', 'ぇ') => "βe",
        ('う', 'ぉ') => "βo",
        ('き', 'ぇ') => "kʲe",
        ('き', 'ゃ') => "kʲa",
        ('き', 'ゅ') => "kʲɨ",
        ('き', 'ょ') => "kʲo",
        ('ぎ', 'ゃ') => "ɡʲa",
        ('ぎ', 'ゅ') => "ɡʲɨ",
        ('ぎ', 'ょ') => "ɡʲo",
        ('く', 'ぁ') => "kᵝa",
        ('く', 'ぃ') => "kᵝi",
        ('く', 'ぇ') => "kᵝe",
        ('く', 'ぉ') => "kᵝo",
        ('ぐ', 'ぁ') => "ɡᵝa",
        ('ぐ', 'ぃ') => "ɡᵝi",
        ('ぐ', 'ぇ') => "ɡᵝe",
        ('ぐ', 'ぉ') => "ɡᵝo",
        ('し', 'ぇ') => "ɕe",
        ('し', 'ゃ') => "ɕa",
        ('し', 'ゅ') => "ɕɨ",
        ('し', 'ょ') => "ɕo",
        ('じ', 'ぇ') => "ʥe",
        ('じ', 'ゃ') | ('ぢ', 'ゃ') => "ʥa",
        ('じ', 'ゅ') | ('ぢ', 'ゅ') => "ʥɨ",
        ('じ', 'ょ') | ('ぢ', 'ょ') => "ʥo",
        ('ち', 'ぇ') => "ʨe",
        ('ち', 'ゃ') => "ʨa",
        ('ち', 'ゅ') => "ʨɨ",
        ('ち', 'ょ') => "ʨo",
        ('つ', 'ぁ') => "ʦa",
        ('つ', 'ぃ') => "ʦʲi",
        ('つ', 'ぇ') => "ʦe",
        ('つ', 'ぉ') => "ʦo",
        ('て', 'ぃ') => "tʲi",
        ('て', 'ゅ') => "tʲɨ",
        ('で', 'ぃ') => "dʲi",
        ('で', 'ゅ') => "dʲɨ",
        ('と', 'ぅ') => "tɯ",
        ('ど', 'ぅ') => "dɯ",
        ('に', 'ぇ') => "ɲe",
        ('に', 'ゃ') => "ɲa",
        ('に', 'ゅ') => "ɲɨ",
        ('に', 'ょ') => "ɲo",
        ('ひ', 'ぇ') => "çe",
        ('ひ', 'ゃ') => "ça",
        ('ひ', 'ゅ') => "çɨ",
        ('ひ', 'ょ') => "ço",
        ('び', 'ゃ') => "bʲa",
        ('び', 'ゅ') => "bʲɨ",
        ('び', 'ょ') => "bʲo",
        ('ぴ', 'ゃ') => "pʲa",
        ('ぴ', 'ゅ') => "pʲɨ",
        ('ぴ', 'ょ') => "pʲo",
        ('ふ', 'ぁ') => "ɸa",
        ('ふ', 'ぃ') => "ɸʲi",
        ('ふ', 'ぇ') => "ɸe",
        ('ふ', 'ぉ') => "ɸo",
        ('ふ', 'ゅ') => "ɸʲɨ",
        ('ふ', 'ょ') => "ɸʲo",
        ('み', 'ゃ') => "mʲa",
        ('み', 'ゅ') => "mʲɨ",
        ('み', 'ょ') => "mʲo",
        ('り', 'ゃ') => "ɾʲa",
        ('り', 'ゅ') => "ɾʲɨ",
        ('り', 'ょ') => "ɾʲo",
        ('ゔ', 'ぁ') => "va",
        ('ゔ', 'ぃ') => "vʲi",
        ('ゔ', 'ぇ') => "ve",
        ('ゔ', 'ぉ') => "vo",
        ('ゔ', 'ゅ') => "bʲɨ",
        ('ゔ', 'ょ') => "bʲo",
        _ => return None,
    })
}

/// A word's reading in kana → Kokoro's symbols.
pub fn kana_to_phonemes(reading: &str) -> String {
    let kana: Vec<char> = reading.chars().map(to_hiragana).collect();
    let mut out = String::with_capacity(kana.len() * 3);
    for (i, &k) in kana.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| kana[j]);
        let next = kana.get(i + 1).copied();
        if let Some(ps) = prev.and_then(|p| digraph(p, k)) {
            out.push_str(ps);
            continue;
        }
        if next.is_some_and(|n| digraph(k, n).is_some()) {
            continue; // written with the next kana
        }
        if let Some(n) = next.filter(|&n| is_small(n)) {
            // Any other kana + small kana: the first one's consonant, the small one's sound.
            if let (Some(a), Some(b)) = (mora(k), mora(n)) {
                if k != 'っ' {
                    let mut cs = a.chars();
                    cs.next_back();
                    out.push_str(cs.as_str());
                    out.push_str(b);
                }
            }
            continue;
        }
        match k {
            _ if is_small(k) => {} // consumed by the kana before it
            'ー' => out.push('ː'),
            'っ' => out.push('ʔ'),
            'ん' => out.push(moraic_nasal(next.and_then(mora))),
            _ => out.push_str(mora(k).unwrap_or("")),
        }
    }
    out
}

/// ん sounds like the consonant after it: m before m p b, ŋ before k ɡ, ɲ before
/// ɲ ʨ ʥ, n before n t d ɾ z, ɴ otherwise (and at the end of a word).
fn moraic_nasal(next: Option<&str>) -> char {
    let Some(n) = next else { return 'ɴ' };
    match n.chars().next() {
        Some('m' | 'p' | 'b') => 'm',
        Some('k' | 'ɡ') => 'ŋ',
        Some('ɲ' | 'ʨ' | 'ʥ') => 'ɲ',
        Some('n' | 't' | 'd' | 'ɾ' | 'z') => 'n',
        _ => 'ɴ',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana() {
        for (kana, ps) in [
            ("トーキョー", "toːkʲoː"),
            ("ワタシ", "βataɕi"),
            ("コンニチワ", "koɲɲiʨiβa"),
            ("シンブン", "ɕimbɯɴ"),
            ("ニホンゴ", "ɲihoŋɡo"),
            ("ガッコー", "ɡaʔkoː"),
            ("キュー", "kʲɨː"),
            ("ティー", "tʲiː"),
            ("ファイル", "ɸaiɾɯ"),
            ("ヴァイオリン", "vaioɾʲiɴ"),
            ("ピェ", "pʲe"),
            ("しゃしん", "ɕaɕiɴ"),
            ("ヲ", "o"),
            // A small kana on its own has nothing to combine with and is dropped.
            ("ぁ", ""),
        ] {
            assert_eq!(kana_to_phonemes(kana), ps, "{kana}");
        }
    }

    #[test]
    fn long_e_inside_a_morpheme() {
        assert_eq!(long_e("ガクセイ"), "ガクセー");
        assert_eq!(long_e("テイネイ"), "テーネー");
        assert_eq!(long_e("エイガ"), "エーガ");
        assert_eq!(long_e("イル"), "イル");
        // ェイ is not a long e (ヴェイ, rare): only plain e-row kana.
        assert_eq!(long_e("ウェイ"), "ウェイ");
    }

    fn ja() -> &'static Japanese {
        static J: LazyLock<Japanese> = LazyLock::new(|| Japanese::new().unwrap());
        &J
    }

    fn ps(text: &str) -> String {
        crate::text::g2p::clean(&ja().phonemize(text).unwrap())
    }

    #[test]
    fn sentences() {
        // Particles read ワ and エ, long vowels, っ bound to the next morpheme.
        assert_eq!(ps("今日はいい天気ですね。"), "kʲoː βa ii teŋkʲi desɨ ne.");
        assert_eq!(
            ps("東京駅から新幹線に乗った。"),
            "toːkʲoː ekʲi kaɾa ɕiŋkaɴseɴ ɲi noʔta."
        );
        assert_eq!(ps("大学へ行く"), "daiɡakɯ e ikɯ");
        assert_eq!(ps("私たちは学生です。"), "βataɕitaʨi βa ɡakɯseː desɨ.");
        assert_eq!(
            ps("彼は毎朝6時に起きる。"),
            "kaɾe βa maiasa ɾokɯ ʥi ɲi okʲiɾɯ."
        );
        assert_eq!(ps("「はい」と言った。"), "“hai” to iʔta.");
        assert_eq!(ps("学校へ行きましょう。"), "ɡaʔkoː e ikʲimaɕoː.");
        assert_eq!(ps("温度は21.5度です。"), "ondo βa ɲiʥɨːiʔteŋɡo do desɨ.");
    }

    #[test]
    fn latin_words_are_read_as_english() {
        let p = ps("Kokoroは日本語も話せます。");
        assert!(p.starts_with("kəkˈɔɹO βa"), "{p}");
    }
}
