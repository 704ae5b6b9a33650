//! The text normalizer never panics and always terminates, in every locale.

use kokorod::text::normalize::{normalize, Locale};

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    for locale in [
        Locale::EnUs,
        Locale::EnGb,
        Locale::Es,
        Locale::Fr,
        Locale::It,
        Locale::PtBr,
        Locale::Hi,
        Locale::Ja,
        Locale::Zh,
    ] {
        let out = normalize(text, locale);
        // Idempotence is not promised, but a second pass over our own output must be
        // just as safe.
        let _ = normalize(&out, locale);
    }
}
