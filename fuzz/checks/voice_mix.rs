//! The voice-mix parser (`af_heart(2)+am_adam(1)`): any spec resolves or is refused
//! with an error; a resolved mix is a finite weighted mean of known voices.

use std::sync::OnceLock;

use kokorod::engine::Voices;

/// Bytes of one voice file: 510 × 256 little-endian f32.
const VOICE_BYTES: usize = 510 * 256 * 4;

/// A few voices with distinct constant styles, written to a temp dir once. The dir stays:
/// styles are read from their files when a spec resolves (one dir, rewritten each run).
fn voices() -> &'static Voices {
    static VOICES: OnceLock<Voices> = OnceLock::new();
    VOICES.get_or_init(|| {
        let dir = std::env::temp_dir().join("kokorod-fuzz-voices");
        std::fs::create_dir_all(&dir).unwrap();
        for (i, name) in ["af_heart", "am_adam", "bf_emma", "jf_alpha", "zm_yunxi"]
            .iter()
            .enumerate()
        {
            let value = (i as f32 + 1.0).to_le_bytes();
            let bytes: Vec<u8> = value.iter().copied().cycle().take(VOICE_BYTES).collect();
            std::fs::write(dir.join(format!("{name}.bin")), bytes).unwrap();
        }
        Voices::load(&dir).unwrap()
    })
}

/// Panics if the property fails for `input`.
pub fn check(input: &[u8]) {
    let Ok(spec) = std::str::from_utf8(input) else {
        return;
    };
    match voices().resolve(spec) {
        Ok(voice) => {
            assert!(voices().names().any(|n| n == voice.primary));
            // Styles are means of values 1..=5.
            for &x in voice.style.row(1) {
                assert!(
                    x.is_finite() && (0.99..=5.01).contains(&x),
                    "{spec:?} -> {x}"
                );
            }
        }
        Err(error) => {
            // The message shows the client's text escaped and capped.
            let text = error.to_string();
            assert!(!text.contains('\0'), "{text:?}");
            assert!(text.len() < 2048, "{} bytes", text.len());
        }
    }
}
