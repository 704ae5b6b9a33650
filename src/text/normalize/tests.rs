//! Golden tables for the normalizer.

use super::{normalize, Locale};

#[test]
#[ignore]
fn show() {
    let path = std::env::var("NORM_CASES").unwrap_or_default();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let (loc, input) = match line.strip_prefix("gb:") {
            Some(r) => (Locale::EnGb, r),
            None => (Locale::EnUs, line),
        };
        println!("{input:?}\n    => {:?}", normalize(&input.replace("\\n", "\n"), loc));
    }
}
