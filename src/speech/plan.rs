//! What a request becomes before synthesis: pieces of speech (text and phoneme runs
//! with their language and speed), synthesised one at a time, and silences.

use std::time::Duration;

use super::kokoro::SPEED_RANGE;
use super::{SpeechError, SsmlRefusal, SAMPLE_RATE};
use crate::text::overrides::Run;
use crate::text::split::MAX_PIECE_BYTES;
use crate::text::ssml::{self, Segment};
use crate::text::Lang;

/// Longest silence piece, in samples (one second): longer breaks are several pieces.
pub const MAX_SILENCE_PIECE: usize = SAMPLE_RATE as usize;

/// One step of the audio stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Speech: runs phonemized with `lang`'s phonemizer and spoken at `speed`.
    Speak {
        /// Text and phonemes, in order.
        runs: Vec<Run>,
        /// The language whose phonemizer reads the text.
        lang: Lang,
        /// The engine's speed, within [`SPEED_RANGE`].
        speed: f32,
    },
    /// This many samples of silence (at most [`MAX_SILENCE_PIECE`]).
    Silence(usize),
}

impl Piece {
    /// Whether the piece can make a sound (or is a silence someone asked for).
    pub fn has_content(&self) -> bool {
        match self {
            Piece::Silence(n) => *n > 0,
            Piece::Speak { runs, .. } => runs.iter().any(|r| match r {
                Run::Phonemes(_) => true,
                Run::Text(t) => t.chars().any(char::is_alphanumeric),
            }),
        }
    }
}

/// Plain text: one piece per part `split` makes (sentences, a short first clause) for
/// the text in `lang`.
pub fn plan_text(
    text: &str,
    lang: Lang,
    speed: f32,
    split: impl Fn(&str, Lang) -> Vec<String>,
) -> Vec<Piece> {
    split(text, lang)
        .into_iter()
        .map(|t| Piece::Speak {
            runs: vec![Run::Text(t)],
            lang,
            speed,
        })
        .collect()
}

/// SSML: text and phonemes in the same language and rate form one piece up to a
/// sentence end (`<s>`, `<p>`, or a sentence `split` finds in the text); a break is
/// a silence. `lang` is the voice's language, used where no `xml:lang` is in effect;
/// `<prosody rate>` multiplies `speed`, clamped to [`SPEED_RANGE`].
pub fn plan_ssml(
    ssml_text: &str,
    lang: Lang,
    speed: f32,
    split: impl Fn(&str, Lang) -> Vec<String>,
) -> Result<Vec<Piece>, SpeechError> {
    let segments = ssml::parse(ssml_text, Some(lang.bcp47()))?;
    let mut plan = Plan {
        pieces: Vec::new(),
        open: None,
    };
    let resolve = |tag: &Option<String>| -> Result<Lang, SpeechError> {
        match tag {
            None => Ok(lang),
            Some(t) => ssml::lang_from_tag(t)
                .ok_or_else(|| SpeechError::Ssml(SsmlRefusal::Language(t.clone()))),
        }
    };
    let speed_for = |rate: f32| (speed * rate).clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end());
    for seg in segments {
        match seg {
            Segment::Text {
                text,
                lang: tag,
                rate,
            } => {
                let (l, s) = (resolve(&tag)?, speed_for(rate));
                // Each segment is split (and normalized) in its own language.
                let parts = split(&text, l);
                let n = parts.len();
                for (i, part) in parts.into_iter().enumerate() {
                    let ends = i + 1 < n || part.ends_with(['.', '!', '?', '…', '\n']);
                    plan.add(Run::Text(part), l, s);
                    if ends {
                        plan.close();
                    }
                }
            }
            Segment::Phonemes {
                ph,
                alphabet,
                lang: tag,
                rate,
            } => {
                let l = resolve(&tag)?;
                let ps = ssml::phoneme_symbols(&ph, alphabet, l == Lang::EnGb)
                    .map_err(|e| SpeechError::Ssml(e.into()))?;
                plan.add(Run::Phonemes(ps), l, speed_for(rate));
            }
            Segment::Break(d) => plan.silence(d),
            Segment::SentenceEnd => plan.close(),
        }
    }
    plan.close();
    Ok(plan.pieces)
}

/// Pieces so far and the one being filled.
struct Plan {
    pieces: Vec<Piece>,
    open: Option<Piece>,
}

impl Plan {
    fn add(&mut self, run: Run, lang: Lang, speed: f32) {
        if let Some(Piece::Speak {
            runs,
            lang: l,
            speed: s,
        }) = &mut self.open
        {
            let size: usize = runs
                .iter()
                .map(|r| match r {
                    Run::Text(t) | Run::Phonemes(t) => t.len(),
                })
                .sum();
            // Many inline elements in a row still make bounded pieces.
            if *l == lang && *s == speed && size < MAX_PIECE_BYTES {
                // Segments are separate words.
                runs.push(Run::Text(" ".into()));
                runs.push(run);
                return;
            }
        }
        self.close();
        self.open = Some(Piece::Speak {
            runs: vec![run],
            lang,
            speed,
        });
    }

    fn close(&mut self) {
        if let Some(p) = self.open.take() {
            self.pieces.push(p);
        }
    }

    /// Adjacent breaks merge, in pieces of at most [`MAX_SILENCE_PIECE`] samples: each
    /// piece becomes one buffer, so minutes of breaks (a few bytes of SSML each) never
    /// cost more than a second of samples at a time.
    fn silence(&mut self, d: Duration) {
        self.close();
        let mut n = (d.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as usize;
        while n > 0 {
            match self.pieces.last_mut() {
                Some(Piece::Silence(m)) if *m < MAX_SILENCE_PIECE => {
                    let add = n.min(MAX_SILENCE_PIECE - *m);
                    *m += add;
                    n -= add;
                }
                _ => self.pieces.push(Piece::Silence(0)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentence ends only, like the interim splitter.
    fn split(t: &str, _: Lang) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in t.chars() {
            cur.push(c);
            if matches!(c, '.' | '!' | '?') {
                out.push(std::mem::take(&mut cur).trim().to_owned());
            }
        }
        if !cur.trim().is_empty() {
            out.push(cur.trim().to_owned());
        }
        out
    }
    fn plan(s: &str) -> Vec<Piece> {
        plan_ssml(s, Lang::EnUs, 1.0, split).unwrap_or_else(|e| panic!("{s}: {e}"))
    }
    fn speak(runs: &[Run], lang: Lang, speed: f32) -> Piece {
        Piece::Speak {
            runs: runs.to_vec(),
            lang,
            speed,
        }
    }
    fn tx(s: &str) -> Run {
        Run::Text(s.into())
    }

    #[test]
    fn text_pieces() {
        assert_eq!(
            plan_text("One. Two", Lang::EnGb, 1.5, split),
            vec![
                speak(&[tx("One.")], Lang::EnGb, 1.5),
                speak(&[tx("Two")], Lang::EnGb, 1.5)
            ]
        );
    }

    #[test]
    fn breaks_become_silence_between_pieces() {
        assert_eq!(
            plan(
                r#"<speak>Hello<break time="500ms"/>world<break time="1s"/><break strength="weak"/></speak>"#
            ),
            vec![
                speak(&[tx("Hello")], Lang::EnUs, 1.0),
                Piece::Silence(12_000),
                speak(&[tx("world")], Lang::EnUs, 1.0),
                Piece::Silence(24_000),
                Piece::Silence(6_000),
            ]
        );
    }

    #[test]
    fn many_inline_elements_make_bounded_pieces() {
        let ssml = format!(
            "<speak>{}</speak>",
            r#"<phoneme alphabet="x-kokoro" ph="wˈɜɹd">word</phoneme> "#.repeat(2000)
        );
        let pieces = plan(&ssml);
        assert!(pieces.len() > 10, "{} pieces", pieces.len());
        for p in &pieces {
            let Piece::Speak { runs, .. } = p else {
                panic!("{p:?}")
            };
            let size: usize = runs
                .iter()
                .map(|r| match r {
                    Run::Text(t) | Run::Phonemes(t) => t.len(),
                })
                .sum();
            assert!(size <= MAX_PIECE_BYTES + 8, "{size}");
        }
    }

    #[test]
    fn minutes_of_breaks_come_in_pieces_of_a_second() {
        let ssml = format!("<speak>{}</speak>", r#"<break time="10s"/>"#.repeat(30));
        let pieces = plan(&ssml);
        assert_eq!(pieces.len(), 300);
        assert!(pieces
            .iter()
            .all(|p| *p == Piece::Silence(MAX_SILENCE_PIECE)));
    }

    #[test]
    fn sentences_and_inline_elements() {
        let p = plan(
            r#"<speak><p>Say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>. Then stop.</p><s>Next</s> one</speak>"#,
        );
        assert_eq!(
            p,
            vec![
                speak(
                    &[
                        tx("Say"),
                        tx(" "),
                        Run::Phonemes("təmˈAtO".into()),
                        tx(" "),
                        tx(".")
                    ],
                    Lang::EnUs,
                    1.0
                ),
                speak(&[tx("Then stop.")], Lang::EnUs, 1.0),
                speak(&[tx("Next")], Lang::EnUs, 1.0),
                speak(&[tx("one")], Lang::EnUs, 1.0),
            ]
        );
    }

    #[test]
    fn each_segment_is_split_in_its_own_language() {
        let seen = std::cell::RefCell::new(Vec::new());
        let split = |t: &str, l: Lang| {
            seen.borrow_mut().push((t.trim().to_owned(), l));
            vec![t.to_owned()]
        };
        let ssml = r#"<speak>A. <s xml:lang="en-GB">B.</s></speak>"#;
        plan_ssml(ssml, Lang::Zh, 1.0, split).unwrap();
        let seen = seen.into_inner();
        assert!(seen.contains(&("A.".into(), Lang::Zh)), "{seen:?}");
        assert!(seen.contains(&("B.".into(), Lang::EnGb)), "{seen:?}");
    }

    #[test]
    fn language_and_rate_split_pieces() {
        let p = plan(
            r#"<speak>A <lang xml:lang="en-GB">tomato</lang> <prosody rate="x-slow">slowly <prosody rate="x-slow">very</prosody></prosody></speak>"#,
        );
        assert_eq!(
            p,
            vec![
                speak(&[tx("A")], Lang::EnUs, 1.0),
                speak(&[tx("tomato")], Lang::EnGb, 1.0),
                speak(&[tx("slowly")], Lang::EnUs, 0.6),
                // 0.36, clamped to the model's range.
                speak(&[tx("very")], Lang::EnUs, 0.5),
            ]
        );
        let fast = plan_ssml(
            r#"<prosody rate="x-fast">go</prosody>"#,
            Lang::EnUs,
            1.5,
            split,
        )
        .unwrap();
        assert_eq!(fast, vec![speak(&[tx("go")], Lang::EnUs, 2.0)]);
        // A British voice: phonemes mapped with British conventions.
        let gb = plan_ssml(
            r#"<phoneme ph="təˈmɑːtəʊ">tomato</phoneme>"#,
            Lang::EnGb,
            1.0,
            split,
        )
        .unwrap();
        assert_eq!(
            gb,
            vec![speak(&[Run::Phonemes("təmˈɑːtQ".into())], Lang::EnGb, 1.0)]
        );
    }

    #[test]
    fn errors() {
        let e = plan_ssml(
            r#"<speak>Hallo <lang xml:lang="de-DE">Welt</lang></speak>"#,
            Lang::EnUs,
            1.0,
            split,
        )
        .unwrap_err();
        assert_eq!(e.code(), "bad-ssml");
        assert!(
            e.message()
                .contains("xml:lang=\"de-DE\" is not a language kokorod can speak"),
            "{e}"
        );
        let e = plan_ssml("<speak>Hi", Lang::EnUs, 1.0, split).unwrap_err();
        assert_eq!(
            e.message(),
            "invalid SSML: line 1, column 1: <speak> is never closed"
        );
    }

    #[test]
    fn content() {
        assert!(!plan("<speak> <break strength=\"none\"/> </speak>")
            .iter()
            .any(Piece::has_content));
        assert!(plan("<break/>").iter().any(Piece::has_content));
        assert!(!plan("?!").iter().any(Piece::has_content));
    }
}
