//! `describe` → `info`: the TTS program and every voice, with the language tags
//! Home Assistant looks voices up by.

use super::{Closed, Session};
use crate::speech::Speech;
use crate::text::bcp47;
use crate::wyoming::{Attribution, Event, Info, TtsProgram, TtsVoice};

impl Session<'_> {
    /// Answers `describe` with `info`, built per request (microseconds): a reload
    /// (SIGHUP) may change the voices.
    pub(super) async fn describe(&mut self) -> Result<(), Closed> {
        let info = build_info(self.shared.speech.as_ref());
        self.send(Event::Info(info)).await
    }
}

/// The `info` for `speech`: one TTS program, `kokorod`, with every voice.
fn build_info(speech: &dyn Speech) -> Info {
    let attribution = Attribution {
        name: "hexgrad/Kokoro-82M".to_owned(),
        url: "https://huggingface.co/hexgrad/Kokoro-82M".to_owned(),
    };
    let voices = speech
        .voices()
        .into_iter()
        .map(|voice| {
            let languages = language_tags(&voice.name, &voice.language);
            let language = languages[0].clone();
            TtsVoice {
                description: Some(format!(
                    "{} ({language}, {})",
                    display_name(&voice.name),
                    voice.gender
                )),
                name: voice.name,
                attribution: attribution.clone(),
                installed: true,
                version: None,
                languages,
                speakers: None,
            }
        })
        .collect();
    Info {
        tts: vec![TtsProgram {
            name: "kokorod".to_owned(),
            description: Some("Kokoro-82M neural text-to-speech".to_owned()),
            attribution,
            installed: true,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            voices,
            supports_synthesize_streaming: true,
        }],
    }
}

/// The tags a voice advertises: its regional tag first, then the bare language
/// (`fr-FR`, `fr`). Home Assistant looks a requested language up among these (by
/// exact tag in older versions, best match in newer), and both forms are asked for.
/// A voice table tag without a region takes the one of the voice's language letter.
fn language_tags(name: &str, tag: &str) -> Vec<String> {
    let tag = bcp47(tag);
    let bare = tag.split('-').next().unwrap_or_default().to_owned();
    let regional = if tag.contains('-') {
        Some(tag.clone())
    } else {
        name.chars()
            .next()
            .and_then(crate::text::Lang::from_voice_prefix)
            .map(|lang| lang.bcp47().to_owned())
            .filter(|full| full.split('-').next() == Some(bare.as_str()))
    };
    match regional {
        Some(regional) if !bare.is_empty() && regional != bare => vec![regional, bare],
        _ => vec![tag],
    }
}

/// `af_heart` → `Heart`.
fn display_name(name: &str) -> String {
    let base = name.split_once('_').map_or(name, |(_, rest)| rest);
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_advertise_regional_and_bare_tags() {
        assert_eq!(language_tags("ff_siwis", "fr-fr"), ["fr-FR", "fr"]);
        assert_eq!(language_tags("af_heart", "en-us"), ["en-US", "en"]);
        assert_eq!(language_tags("bf_emma", "en-gb"), ["en-GB", "en"]);
        assert_eq!(language_tags("pf_dora", "pt-br"), ["pt-BR", "pt"]);
        assert_eq!(language_tags("ef_dora", "es"), ["es-ES", "es"]);
        assert_eq!(language_tags("jf_alpha", "ja"), ["ja-JP", "ja"]);
        assert_eq!(language_tags("zf_xiaobei", "zh"), ["zh-CN", "zh"]);
        assert_eq!(language_tags("hf_alpha", "hi"), ["hi-IN", "hi"]);
        // A custom voice whose name says nothing: its table tag as it is.
        assert_eq!(language_tags("custom", "de"), ["de"]);
        assert_eq!(language_tags("af_x", "es"), ["es"]);
    }

    #[test]
    fn voice_display_names() {
        assert_eq!(display_name("af_heart"), "Heart");
        assert_eq!(display_name("zm_yunjian"), "Yunjian");
        assert_eq!(display_name("custom"), "Custom");
        assert_eq!(display_name("x_"), "x_");
    }
}
