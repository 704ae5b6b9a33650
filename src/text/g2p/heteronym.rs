//! Corrections for heteronyms that misaki reads one way whatever the context.
//!
//! misaki's lexicons key a heteronym's readings by part of speech, which cannot tell
//! two nouns apart: "lead" has only lˈid (the metal, lˈɛd, is missing) and "bass"
//! defaults to the fish (bˈæs) unless tagged an adjective, so "the bass guitar" comes
//! out as the fish. And its lexicon reads "read" tagged VBP (present, not third
//! person) as the past ɹˈɛd, because its small tagger often says VBP for a past
//! "read"; so "I read books every day" comes out in the past. A few neighbouring
//! words settle these cases; anything not covered keeps misaki's reading.

use misaki_rs::MToken;

/// Words after "bass" that make it the low musical range (bˈAs).
const BASS_MUSIC_NEXT: &[&str] = &[
    "guitar",
    "guitars",
    "guitarist",
    "guitarists",
    "player",
    "players",
    "line",
    "lines",
    "drum",
    "drums",
    "clef",
    "amp",
    "amps",
    "amplifier",
    "boost",
    "speaker",
    "speakers",
    "note",
    "notes",
    "voice",
    "voices",
    "singer",
    "section",
    "solo",
    "tone",
    "tones",
    "level",
    "levels",
    "response",
    "frequencies",
    "frequency",
    "cabinet",
    "string",
    "strings",
    "register",
    "part",
    "parts",
    "riff",
    "riffs",
    "trombone",
    "clarinet",
    "saxophone",
    "sound",
];

/// Words before "bass" that make it musical ("plays bass", "turn up the bass").
const BASS_MUSIC_PREV: &[&str] = &[
    "play", "plays", "played", "playing", "treble", "more", "less", "up", "down",
];

/// Words after "lead" that make it the metal (lˈɛd).
const LEAD_METAL_NEXT: &[&str] = &[
    "pipe",
    "pipes",
    "pipework",
    "poisoning",
    "paint",
    "acid",
    "pencil",
    "pencils",
    "weight",
    "weights",
    "shot",
    "crystal",
    "balloon",
    "sheet",
    "sheets",
    "roof",
    "flashing",
    "oxide",
    "glass",
    "bullet",
    "bullets",
    "solder",
    "ore",
    "exposure",
    "contamination",
    "content",
    "mine",
    "mines",
    "mining",
];

/// Words before a clause-final "lead" that make it the metal ("made of lead.").
const LEAD_METAL_PREV: &[&str] = &["of", "with"];

/// Words that make a clause habitual, so a bare "read" in it is the present.
const HABITUAL: &[&str] = &[
    "every",
    "each",
    "usually",
    "often",
    "always",
    "sometimes",
    "daily",
    "nightly",
    "weekly",
    "generally",
    "normally",
    "regularly",
    "typically",
    "tomorrow",
];

/// Words that put a clause in the past whatever else it says.
const PAST: &[&str] = &[
    "yesterday",
    "ago",
    "last",
    "earlier",
    "previously",
    "already",
    "once",
    "had",
    "has",
    "have",
    "was",
    "were",
    "did",
    "used",
];

/// The word a token spells, lowercased, without the punctuation misaki may attach.
fn word(tk: &MToken) -> String {
    tk.text
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// Whether a token is punctuation, i.e. ends a phrase.
fn is_punct(tk: &MToken) -> bool {
    !tk.text.is_empty() && !tk.text.chars().any(char::is_alphanumeric)
}

/// Rewrite misaki's reading of the heteronyms above where the context is clear.
pub fn fix(tokens: &mut [MToken], british: bool) {
    for i in 0..tokens.len() {
        let w = word(&tokens[i]);
        if w == "read" {
            fix_read(tokens, i, british);
            continue;
        }
        if w != "bass" && w != "lead" {
            continue;
        }
        // The neighbouring words, skipping articles for the preceding one.
        let next = tokens.get(i + 1);
        let next_word = next.map(word).unwrap_or_default();
        let phrase_ends = next.is_none_or(is_punct);
        let and_treble =
            next_word == "and" && tokens.get(i + 2).map(word).as_deref() == Some("treble");
        let mut j = i;
        let mut prev_word = String::new();
        while j > 0 {
            j -= 1;
            let p = word(&tokens[j]);
            if is_punct(&tokens[j]) {
                break;
            }
            if !matches!(
                p.as_str(),
                "the" | "a" | "an" | "some" | "his" | "her" | "their" | "my"
            ) {
                prev_word = p;
                break;
            }
        }
        let Some(ps) = tokens[i].phonemes.as_mut() else {
            continue;
        };
        if w == "bass"
            && (BASS_MUSIC_NEXT.contains(&next_word.as_str())
                || and_treble
                || BASS_MUSIC_PREV.contains(&prev_word.as_str()))
        {
            // bˈæs (US), bˈas (GB) → bˈAs
            *ps = ps.replacen(['æ', 'a'], "A", 1);
        } else if w == "lead"
            && (LEAD_METAL_NEXT.contains(&next_word.as_str())
                || (phrase_ends && LEAD_METAL_PREV.contains(&prev_word.as_str())))
        {
            // lˈid (US), lˈiːd (GB) → lˈɛd
            *ps = ps.replacen("iː", "ɛ", 1).replacen('i', "ɛ", 1);
        }
    }
}

/// A present-tense "read" that misaki read as the past, in a clearly habitual clause.
fn fix_read(tokens: &mut [MToken], i: usize, british: bool) {
    let tk = &tokens[i];
    let past_reading = tk.phonemes.as_deref().is_some_and(|p| p.contains('ɛ'));
    if !past_reading || !matches!(tk.tag.as_str(), "VBP" | "VBD") {
        return;
    }
    let start = tokens[..i].iter().rposition(is_punct).map_or(0, |p| p + 1);
    let end = tokens[i..]
        .iter()
        .position(is_punct)
        .map_or(tokens.len(), |p| i + p);
    let clause: Vec<String> = tokens[start..end].iter().map(word).collect();
    let has = |set: &[&str]| clause.iter().any(|w| set.contains(&w.as_str()));
    if has(HABITUAL) && !has(PAST) {
        if let Some(ps) = tokens[i].phonemes.as_mut() {
            // ɹˈɛd → ɹˈid (US), ɹˈiːd (GB, whose lexicon marks the length)
            *ps = ps.replacen('ɛ', if british { "iː" } else { "i" }, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(words: &[(&str, &str)]) -> Vec<MToken> {
        words
            .iter()
            .map(|&(t, p)| {
                let mut tk = MToken::new(t.into(), "NN".into(), " ".into());
                tk.phonemes = Some(p.into());
                tk
            })
            .collect()
    }

    fn fixed(words: &[(&str, &str)]) -> Vec<String> {
        let mut t = toks(words);
        fix(&mut t, false);
        t.into_iter().map(|tk| tk.phonemes.unwrap()).collect()
    }

    #[test]
    fn bass() {
        assert_eq!(
            fixed(&[("the", "ðə"), ("bass", "bˈæs"), ("guitar", "ɡətˈɑɹ")])[1],
            "bˈAs"
        );
        assert_eq!(
            fixed(&[("plays", "plˈAz"), ("the", "ðə"), ("bass", "bˈas")])[2],
            "bˈAs"
        );
        assert_eq!(
            fixed(&[("bass", "bˈæs"), ("and", "ænd"), ("treble", "tɹˈɛbᵊl")])[0],
            "bˈAs"
        );
        // The fish stays the fish.
        assert_eq!(
            fixed(&[("caught", "kˈɔt"), ("a", "ɐ"), ("bass", "bˈæs")])[2],
            "bˈæs"
        );
        assert_eq!(
            fixed(&[("bass", "bˈæs"), ("and", "ænd"), ("trout", "tɹˈWt")])[0],
            "bˈæs"
        );
    }

    #[test]
    fn read() {
        let mut t = toks(&[
            ("I", "ˌI"),
            ("read", "ɹˈɛd"),
            ("every", "ˈɛvəɹi"),
            ("day", "dˈA"),
        ]);
        t[1].tag = "VBP".into();
        fix(&mut t, false);
        assert_eq!(t[1].phonemes.as_deref(), Some("ɹˈid"));
        t[1].phonemes = Some("ɹˈɛd".into());
        fix(&mut t, true);
        assert_eq!(t[1].phonemes.as_deref(), Some("ɹˈiːd"));
        // A past marker in the clause, or no habitual one: misaki's reading stays.
        for words in [
            &[
                ("I", "ˌI"),
                ("read", "ɹˈɛd"),
                ("it", "ɪt"),
                ("every", "ˈɛvəɹi"),
                ("day", "dˈA"),
                ("last", "lˈæst"),
                ("year", "jˈɪɹ"),
            ][..],
            &[("I", "ˌI"), ("read", "ɹˈɛd"), ("it", "ɪt")][..],
            &[
                ("I", "ˌI"),
                ("read", "ɹˈɛd"),
                ("it", "ɪt"),
                (".", "."),
                ("Every", "ˈɛvəɹi"),
                ("day", "dˈA"),
            ][..],
        ] {
            let mut t = toks(words);
            t[1].tag = "VBD".into();
            fix(&mut t, false);
            assert_eq!(t[1].phonemes.as_deref(), Some("ɹˈɛd"), "{words:?}");
        }
    }

    #[test]
    fn lead() {
        assert_eq!(
            fixed(&[("of", "ʌv"), ("lead", "lˈid"), (".", ".")])[1],
            "lˈɛd"
        );
        assert_eq!(fixed(&[("Lead", "lˈiːd"), ("paint", "pˈAnt")])[0], "lˈɛd");
        assert_eq!(
            fixed(&[("made", "mˈAd"), ("of", "ɒv"), ("lead", "lˈiːd")])[2],
            "lˈɛd"
        );
        // The verb and "the lead" stay lˈid.
        assert_eq!(
            fixed(&[("lead", "lˈid"), ("the", "ðə"), ("way", "wˈA")])[0],
            "lˈid"
        );
        assert_eq!(
            fixed(&[("take", "tˈAk"), ("the", "ðə"), ("lead", "lˈid")])[2],
            "lˈid"
        );
        assert_eq!(fixed(&[("lead", "lˈid"), ("singer", "sˈɪŋəɹ")])[0], "lˈid");
    }
}
