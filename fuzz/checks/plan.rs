//! Request planning (normalization, inline markup, sentence splitting, SSML) never
//! panics, terminates, and keeps every piece bounded, for plain text and SSML, in US
//! and British English. Inputs are repeated up to 100,000 characters, so that a
//! pattern whose cost grows with the square of its length shows up as a timeout.

use kokorod::speech::kokoro::plan_request;
use kokorod::speech::plan::Piece;
use kokorod::speech::TextFormat;
use kokorod::text::overrides::Run;
use kokorod::text::Lang;

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Some((&times, rest)) = input.split_first() else {
        return;
    };
    let Ok(unit) = std::str::from_utf8(rest) else {
        return;
    };
    if unit.is_empty() {
        return;
    }
    // 1 to 256 copies, at most 100,000 characters: the daemon's default limit.
    let copies = usize::from(times) + 1;
    let text: String = unit
        .chars()
        .cycle()
        .take((unit.chars().count() * copies).min(100_000))
        .collect();
    for format in [TextFormat::Text, TextFormat::Ssml] {
        for (lang, cut_first) in [(Lang::EnUs, true), (Lang::EnGb, false)] {
            let Ok(pieces) = plan_request(&text, format, lang, 1.0, cut_first) else {
                continue;
            };
            for piece in &pieces {
                if let Piece::Speak { runs, .. } = piece {
                    let size: usize = runs
                        .iter()
                        .map(|r| match r {
                            Run::Text(t) | Run::Phonemes(t) => t.len(),
                        })
                        .sum();
                    // A piece is one inference's worth of text (plus an SSML run's tail).
                    assert!(size <= 4 * 1024, "a piece of {size} bytes");
                }
            }
        }
    }
}
