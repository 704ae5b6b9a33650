//! Sentences out of a text that arrives in pieces (Wyoming's streamed synthesis).

use super::SentenceStream;

/// Incremental sentence splitting for streamed text: [`SentenceStream`] (which
/// handles abbreviations, decimals and fragments cut anywhere), plus a safety cut so
/// that a stream without punctuation still starts speaking.
#[derive(Debug, Default)]
pub struct Sentences {
    inner: SentenceStream,
    /// Bytes pushed but not yet returned as sentences (approximately: sentences come
    /// back trimmed).
    pending: usize,
}

/// Cut unpunctuated text at a space once this much is waiting, so audio still starts.
const MAX_UNPUNCTUATED: usize = 400;

/// The largest char boundary of `s` at or below `at`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut i = at.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Sentences {
    /// Adds text; returns the sentences it completed.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.pending += text.len();
        let mut out = self.inner.push(text);
        self.pending = self
            .pending
            .saturating_sub(out.iter().map(String::len).sum());
        if self.pending > MAX_UNPUNCTUATED {
            let mut rest = std::mem::take(&mut self.inner).finish().unwrap_or_default();
            // Pieces of at most MAX_UNPUNCTUATED bytes, cut at spaces (a word longer
            // than that is cut where it must); the last, possibly incomplete, word waits.
            loop {
                let window = floor_char_boundary(&rest, MAX_UNPUNCTUATED);
                let cut = if rest.len() > MAX_UNPUNCTUATED {
                    rest[..window]
                        .rfind(char::is_whitespace)
                        .filter(|&c| c > 0)
                        .unwrap_or(window)
                } else {
                    match rest.rfind(char::is_whitespace) {
                        Some(c) => c,
                        None => break,
                    }
                };
                let tail = rest.split_off(cut);
                if !rest.trim().is_empty() {
                    out.push(rest.trim().to_owned());
                }
                rest = tail;
                if rest.len() <= MAX_UNPUNCTUATED
                    && !rest.trim_start().contains(char::is_whitespace)
                {
                    break;
                }
            }
            self.pending = rest.len();
            out.extend(self.inner.push(&rest));
        }
        out
    }

    /// The rest of the text, at the end of the stream.
    pub fn finish(&mut self) -> Option<String> {
        self.pending = 0;
        std::mem::take(&mut self.inner).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(chunks: &[&str]) -> Vec<String> {
        let mut s = Sentences::default();
        let mut out: Vec<String> = chunks.iter().flat_map(|c| s.push(c)).collect();
        out.extend(s.finish());
        out
    }

    #[test]
    fn sentences_across_chunks() {
        assert_eq!(
            split_all(&["Hello wor", "ld. How are", " you? Fine"]),
            ["Hello world.", "How are you?", "Fine"]
        );
        // A full stop at the end of a chunk waits: it may be a decimal point.
        assert_eq!(
            split_all(&["It is 3.", "14 today. ", "Yes!"]),
            ["It is 3.14 today.", "Yes!"]
        );
        assert_eq!(
            split_all(&["He said \"Stop.\") Then"]),
            ["He said \"Stop.\")", "Then"]
        );
        // An ellipsis before a lower-case word continues the sentence.
        assert_eq!(
            split_all(&["Ünïcödé ", "wörds… ", "ok"]),
            ["Ünïcödé wörds… ok"]
        );
        assert_eq!(
            split_all(&["Dr. Smith is ", "in. He waits."]),
            ["Dr. Smith is in.", "He waits."]
        );
        assert_eq!(split_all(&["Wait... what?! No"]), ["Wait... what?!", "No"]);
        assert_eq!(split_all(&["一。二！三"]), ["一。", "二！", "三"]);
        assert_eq!(split_all(&["a list\n\nnext para"]), ["a list", "next para"]);
        assert_eq!(split_all(&["  ", " "]), Vec::<String>::new());
        assert_eq!(split_all(&["v1.2.3 is out"]), ["v1.2.3 is out"]);
    }

    #[test]
    fn completed_sentences_come_out_as_soon_as_possible() {
        let mut s = Sentences::default();
        assert!(s.push("Hello world.").is_empty());
        assert_eq!(s.push(" How"), ["Hello world."]);
        assert_eq!(s.finish().as_deref(), Some("How"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn long_unpunctuated_text_is_cut_at_a_space() {
        let mut s = Sentences::default();
        let word = "wörd ";
        let out = s.push(&word.repeat(200));
        assert!(!out.is_empty());
        assert!(out.iter().all(|p| p.len() <= MAX_UNPUNCTUATED));
        let rest = s.finish().unwrap_or_default();
        let total: usize = out
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum::<usize>()
            + rest.split_whitespace().count();
        assert_eq!(total, 200);
    }
}
