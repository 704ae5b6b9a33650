//! The SSML parser: any text is either segments or an error with a position inside
//! the input; never a panic, never unbounded work.

use kokorod::text::ssml;

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    for lang in [None, Some("en-GB"), Some("ja")] {
        if let Err(error) = ssml::parse(text, lang) {
            assert!(error.offset <= text.len(), "{error:?}");
            assert!(error.line >= 1 && error.column >= 1, "{error:?}");
        }
    }
}
