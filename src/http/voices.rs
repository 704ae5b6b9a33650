//! Voice names: OpenAI's built-in voices mapped to fitting Kokoro voices, and the
//! voice and model listings.

use crate::speech::VoiceInfo;
use crate::text::bcp47;
use serde_json::{json, Value};

/// OpenAI voice → Kokoro voice (Kokoro ships namesakes of five: alloy, echo, fable,
/// onyx, nova; the others by character: ash clear male, ballad warm British male,
/// coral warm female, sage calm female, shimmer bright female, verse lively male).
pub const OPENAI_VOICES: [(&str, &str); 11] = [
    ("alloy", "af_alloy"),
    ("ash", "am_michael"),
    ("ballad", "bm_george"),
    ("coral", "af_heart"),
    ("echo", "am_echo"),
    ("fable", "bm_fable"),
    ("onyx", "am_onyx"),
    ("nova", "af_nova"),
    ("sage", "af_sarah"),
    ("shimmer", "af_bella"),
    ("verse", "am_puck"),
];

/// The model names accepted: ours and OpenAI's two TTS models as aliases.
pub const MODELS: [&str; 3] = ["kokoro", "tts-1", "tts-1-hd"];

/// The Kokoro voice for an OpenAI voice name (any case); other names (Kokoro voices
/// and mixes such as `af_heart(2)+bf_emma(1)`) pass through unchanged.
pub fn map_voice(name: &str) -> String {
    let trimmed = name.trim();
    OPENAI_VOICES
        .iter()
        .find(|(openai, _)| openai.eq_ignore_ascii_case(trimmed))
        .map_or_else(|| trimmed.to_owned(), |(_, kokoro)| (*kokoro).to_owned())
}

/// The `/v1/audio/voices` body: every installed voice, then the OpenAI aliases.
pub fn voices_body(voices: &[VoiceInfo]) -> Value {
    let list: Vec<Value> = voices.iter().map(|v| json!({"id": v.name, "name": v.name, "language": bcp47(&v.language), "gender": v.gender, "grade": v.grade})).collect();
    let aliases: Vec<Value> = OPENAI_VOICES
        .iter()
        .filter(|(_, k)| voices.iter().any(|v| v.name == *k))
        .map(|(o, k)| json!({"name": o, "voice": k}))
        .collect();
    json!({"object": "list", "voices": list, "data": list, "openai_aliases": aliases})
}

/// The `/v1/models` body.
pub fn models_body(created: u64) -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|m| json!({"id": m, "object": "model", "created": created, "owned_by": "kokorod"}))
        .collect();
    json!({"object": "list", "data": data})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_names_map_and_others_pass_through() {
        assert_eq!(map_voice("alloy"), "af_alloy");
        assert_eq!(map_voice(" Onyx "), "am_onyx");
        assert_eq!(map_voice("bf_emma"), "bf_emma");
        assert_eq!(
            map_voice("af_heart(2)+bf_emma(1)"),
            "af_heart(2)+bf_emma(1)"
        );
        let names: std::collections::HashSet<_> = OPENAI_VOICES.iter().map(|(o, _)| o).collect();
        assert_eq!(names.len(), 11);
    }
}
