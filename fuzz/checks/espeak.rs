//! The espeak-ng path (C code fed client words) never crashes, never hangs, and its
//! output maps to Kokoro's symbols, for every language that goes through it.

use kokorod::text::g2p::{espeak, espeak_g2p};

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    // One piece's worth: the pipeline never hands espeak more.
    let text: String = text.chars().take(400).collect();
    if let Ok(ipa) = espeak::text_to_ipa(&text, "en-us") {
        let _ = espeak::ipa_to_kokoro(&ipa, false);
        let _ = espeak::ipa_to_kokoro(&ipa, true);
    }
    for voice in ["es", "fr-fr", "hi", "it", "pt-br"] {
        let _ = espeak_g2p::phonemize(&text, voice);
    }
    let _ = espeak::latin_as_english(&text);
}
