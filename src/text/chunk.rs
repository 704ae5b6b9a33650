//! Splitting a phoneme string into pieces the model takes in one inference.

use super::vocab;

/// Cut after these first: they end a sentence.
const SENTENCE: &[char] = &['.', '!', '?', '…'];
/// Then after these: they end a clause.
const CLAUSE: &[char] = &[',', ';', ':', '—'];
/// Closing marks that stay with the punctuation before them.
const CLOSERS: &[char] = &['"', '”', ')'];

/// Split `ph` into pieces of at most `max_tokens` tokens each (Kokoro takes 510).
///
/// A cut goes after sentence punctuation if there is some in the latter three
/// quarters of the allowed length, else after clause punctuation, else at the last
/// space, and only as a last resort inside a word. Whitespace at a cut is dropped;
/// no phoneme is lost. An input that fits is returned as one (trimmed) piece.
pub fn split_phonemes(ph: &str, max_tokens: usize) -> Vec<String> {
    let max_tokens = max_tokens.max(1);
    let mut pieces = Vec::new();
    let mut rest = ph.trim();
    while !rest.is_empty() {
        let Some(limit) = byte_limit(rest, max_tokens) else {
            pieces.push(rest.to_owned());
            break;
        };
        let cut = choose_cut(rest, limit, max_tokens);
        let piece = rest[..cut].trim_end();
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        rest = rest[cut..].trim_start();
    }
    pieces
}

/// The byte offset just past the first `max_tokens` tokens, or `None` if `s` fits.
fn byte_limit(s: &str, max_tokens: usize) -> Option<usize> {
    let mut count = 0;
    for (i, c) in s.char_indices() {
        if vocab::in_vocab(c) {
            if count == max_tokens {
                return Some(i);
            }
            count += 1;
        }
    }
    None
}

/// Where to cut `s`, given that `s[..limit]` holds exactly `max_tokens` tokens.
fn choose_cut(s: &str, limit: usize, max_tokens: usize) -> usize {
    let window = &s[..limit];
    // Ignore punctuation near the start: a piece of a few tokens sounds choppy.
    let min_tokens = max_tokens / 4;
    for set in [SENTENCE, CLAUSE] {
        if let Some(cut) = last_cut_after(window, set, min_tokens) {
            return cut;
        }
    }
    if let Some(sp) = window.rfind(' ').filter(|&sp| sp > 0) {
        return sp;
    }
    mid_word_cut(window)
}

/// The offset just after the last char of `set` in `window` (and any closing quote
/// or bracket that follows it) that ends at least `min_tokens` tokens in and is
/// followed by whitespace or the end of the window's text.
fn last_cut_after(window: &str, set: &[char], min_tokens: usize) -> Option<usize> {
    let mut best = None;
    let mut count = 0;
    let mut iter = window.char_indices().peekable();
    while let Some((_, c)) = iter.next() {
        if vocab::in_vocab(c) {
            count += 1;
        }
        if !set.contains(&c) {
            continue;
        }
        // Extend over closers and further punctuation ("?!", ".”").
        let mut end_count = count;
        while let Some(&(_, n)) = iter.peek() {
            if CLOSERS.contains(&n) || SENTENCE.contains(&n) || CLAUSE.contains(&n) {
                end_count += 1;
                iter.next();
            } else {
                break;
            }
        }
        count = end_count;
        let end = iter.peek().map_or(window.len(), |&(i, _)| i);
        let at_boundary = iter.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if at_boundary && count >= min_tokens.max(1) {
            best = Some(end);
        }
    }
    best
}

/// The last resort: cut at the window's end, but not right after a stress mark (it
/// belongs to the vowel that follows) nor before a combining mark.
fn mid_word_cut(window: &str) -> usize {
    let mut cut = window.len();
    for (i, c) in window.char_indices().rev() {
        let next_is_combining = window[cut..]
            .chars()
            .next()
            .is_some_and(|n| matches!(n, '\u{300}'..='\u{36f}'));
        if !(matches!(c, 'ˈ' | 'ˌ') || next_is_combining) || i == 0 {
            break;
        }
        cut = i;
    }
    if cut == 0 {
        window.len()
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> usize {
        vocab::tokenize(s).len()
    }

    fn no_ws(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn check_invariants(input: &str, pieces: &[String], max: usize) {
        for p in pieces {
            assert!(
                tokens(p) <= max,
                "piece of {} tokens > {max}: {p:?}",
                tokens(p)
            );
            assert!(
                !p.is_empty() && p.trim() == p,
                "untrimmed or empty piece {p:?}"
            );
        }
        assert_eq!(
            no_ws(&pieces.concat()),
            no_ws(input),
            "phonemes lost or changed"
        );
        // Spaces inside pieces are kept as they were.
        let joined = pieces.join(" ");
        assert!(joined.len() <= input.trim().len() + pieces.len());
    }

    #[test]
    fn short_input_is_one_piece() {
        assert_eq!(
            split_phonemes("  həlˈO wˈɜɹld.  ", 510),
            vec!["həlˈO wˈɜɹld."]
        );
        assert!(split_phonemes("", 510).is_empty());
        assert!(split_phonemes("   ", 510).is_empty());
        // Exactly at the limit still fits.
        assert_eq!(split_phonemes("abcde", 5), vec!["abcde"]);
    }

    #[test]
    fn prefers_sentence_then_clause_then_space() {
        let s = "ðə kˈæt sˈæt, ɔn ðə mˈæt. ɪt wʌz hˈæpi, vˈɛɹi hˈæpi ɪndˈid";
        let p = split_phonemes(s, 40);
        assert_eq!(p[0], "ðə kˈæt sˈæt, ɔn ðə mˈæt.");
        check_invariants(s, &p, 40);

        let s = "ðə kˈæt sˈæt ɔn ðə mˈæt, ɪt wʌz hˈæpi vˈɛɹi hˈæpi ɪndˈid";
        let p = split_phonemes(s, 40);
        assert_eq!(p[0], "ðə kˈæt sˈæt ɔn ðə mˈæt,");
        check_invariants(s, &p, 40);

        let s = "ðə kˈæt sˈæt ɔn ðə mˈæt ɪt wʌz hˈæpi vˈɛɹi hˈæpi ɪndˈid";
        let p = split_phonemes(s, 20);
        assert_eq!(p[0], "ðə kˈæt sˈæt ɔn ðə");
        check_invariants(s, &p, 20);
    }

    #[test]
    fn early_punctuation_does_not_make_a_tiny_piece() {
        let s = "jˈɛs. ðə kˈæt sˈæt ɔn ðə mˈæt ænd ɪt wʌz hˈæpi";
        let p = split_phonemes(s, 30);
        assert_ne!(p[0], "jˈɛs.");
        check_invariants(s, &p, 30);
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        let s = "hi sˈɛd “stˈɑp!” ænd ðɛn ʃi lˈɛft ðə ɹˈum kwˈIətli";
        let p = split_phonemes(s, 30);
        assert_eq!(p[0], "hi sˈɛd “stˈɑp!”");
        check_invariants(s, &p, 30);
    }

    #[test]
    fn a_word_longer_than_the_limit_is_cut_mid_word() {
        let s = "ˈabcdefhijklmnopqrstuvwxyzabcdefhij";
        let p = split_phonemes(s, 10);
        assert!(p.len() >= 4);
        check_invariants(s, &p, 10);
        // A stress mark is never left at the end of a piece.
        let s = "aaaaaaaaaˈbbbbbbbbb";
        let p = split_phonemes(s, 10);
        assert_eq!(p[0], "aaaaaaaaa");
        check_invariants(s, &p, 10);
    }

    #[test]
    fn max_tokens_zero_or_one_terminates() {
        let p = split_phonemes("ab cd", 0);
        check_invariants("ab cd", &p, 1);
        assert_eq!(p, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn two_thousand_tokens() {
        let sentence = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˌOvəɹ ðə lˈAzi dˈɔɡ, ænd ɹˈʌnz əwˈA. ";
        let mut s = String::new();
        while tokens(&s) < 2000 {
            s.push_str(sentence);
        }
        assert!(tokens(&s) >= 2000);
        let p = split_phonemes(&s, 510);
        check_invariants(&s, &p, 510);
        assert!(p.len() >= 4, "{}", p.len());
        for piece in &p[..p.len() - 1] {
            assert!(
                piece.ends_with('.'),
                "not cut at a sentence end: …{:?}",
                &piece[piece.len() - 10..]
            );
            assert!(tokens(piece) > 510 / 2, "needlessly short piece");
        }

        // No punctuation and no spaces at all: pure mid-word cuts.
        // (No ASCII g: Kokoro's is U+0261.)
        let s: String = "abcdefhijk".repeat(200);
        let p = split_phonemes(&s, 510);
        check_invariants(&s, &p, 510);
        assert_eq!(
            p.iter().map(|x| tokens(x)).collect::<Vec<_>>(),
            vec![510, 510, 510, 470]
        );
    }
}
