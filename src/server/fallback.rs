//! What a Wyoming request for a voice kokorod cannot use gets instead.
//!
//! Home Assistant keeps the voice a user picked in its settings; when that voice's
//! file is later removed, refusing the request leaves the user with silence. A name
//! shaped like a Kokoro voice (`ff_siwis`: language letter, gender letter, `_`) says
//! which language was wanted, so the best installed voice of that language speaks
//! instead. Anything else (a typo of no known shape, a malformed mix) stays an error.

use crate::speech::VoiceChoice;
use crate::text::Lang;

/// The choice to retry with when the voice named `name` cannot be used, or `None`
/// when the name says nothing about the language wanted.
pub(crate) fn substitute(name: &str) -> Option<VoiceChoice> {
    // One voice's name exactly as Kokoro spells them; mixes are typed by hand, and a
    // mistake in one is better reported than covered.
    let mut chars = name.chars();
    let lang = chars.next().and_then(Lang::from_voice_prefix)?;
    let gender = chars.next()?;
    let rest = chars.as_str().strip_prefix('_')?;
    let shaped = matches!(gender, 'f' | 'm')
        && !rest.is_empty()
        && rest.len() <= 32
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    shaped.then(|| VoiceChoice {
        name: None,
        language: Some(lang.bcp47().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(name: &str) -> Option<String> {
        substitute(name).and_then(|c| c.language)
    }

    #[test]
    fn kokoro_shaped_names_imply_their_language() {
        assert_eq!(lang("ff_siwis").as_deref(), Some("fr-FR"));
        assert_eq!(lang("af_removed").as_deref(), Some("en-US"));
        assert_eq!(lang("bm_gone").as_deref(), Some("en-GB"));
        assert_eq!(lang("jf_alpha2").as_deref(), Some("ja-JP"));
        assert_eq!(lang("pm_santa").as_deref(), Some("pt-BR"));
        assert_eq!(lang("zf_xiao_2").as_deref(), Some("zh-CN"));
        assert!(substitute("ef_dora").unwrap().name.is_none());
    }

    #[test]
    fn other_names_stay_errors() {
        for name in [
            "nobody",
            "xx_nobody",
            "xf_name",
            "ax_name",
            "af_",
            "af-heart",
            "",
            "f",
            "af_a b",
            "af_\u{1b}[2J",
            "AF_HEART",
            "af_heart.bin",
            "af_heart(2)",
            "af_x+bf_emma",
            "af_heart\0",
        ] {
            assert_eq!(substitute(name), None, "{name:?}");
        }
        assert_eq!(substitute(&format!("af_{}", "a".repeat(40))), None);
    }
}
