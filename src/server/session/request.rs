//! From Wyoming's request to the speech layer's: the voice, the text format, and
//! the fallback for a voice that cannot be used.

use crate::server::fallback;
use std::sync::Arc;

use crate::speech::{PieceStream, SpeakRequest, Speech, SpeechError, TextFormat, VoiceChoice};
use crate::wyoming::SynthesizeVoice;

use super::Shared;

/// A request's audio and the voice that speaks it (for logs).
pub(super) struct Spoken {
    pub pieces: PieceStream,
    /// The voice as resolved (`af_heart`, `bf_emma` for `en-GB`, a mix's weights).
    pub label: String,
    /// The choice that replaced a voice that could not be used.
    pub substituted: Option<VoiceChoice>,
}

/// Asks for speech. A voice that cannot be used but whose name says what language
/// was wanted (see [`fallback`]) is replaced by the best voice of that language, or
/// else the default voice, with a warning. Planning runs on a blocking thread: text
/// analysis is CPU work.
pub(super) async fn speak(shared: &Shared, request: SpeakRequest) -> Result<Spoken, SpeechError> {
    let speech = shared.speech.as_ref();
    let label = voice_label(speech, &request.voice);
    let substitutes = request
        .voice
        .name
        .as_deref()
        .and_then(fallback::substitute)
        .map(|by_language| {
            [by_language, VoiceChoice::default()].map(|voice| SpeakRequest {
                voice,
                ..request.clone()
            })
        });
    let why = match speak_named(shared.speech.clone(), request).await {
        Ok((pieces, name)) => {
            return Ok(Spoken {
                pieces,
                label: name.unwrap_or(label),
                substituted: None,
            })
        }
        Err(SpeechError::Voice(why)) => why,
        Err(error) => return Err(error),
    };
    let Some(substitutes) = substitutes else {
        return Err(SpeechError::Voice(why));
    };
    for substitute in substitutes {
        let instead = voice_label(speech, &substitute.voice);
        let choice = substitute.voice.clone();
        match speak_named(shared.speech.clone(), substitute).await {
            Ok((pieces, name)) => {
                let instead = name.unwrap_or(instead);
                tracing::warn!(voice = %label, code = "unknown-voice", "{why}; speaking with {instead} instead");
                return Ok(Spoken {
                    pieces,
                    label: instead,
                    substituted: Some(choice),
                });
            }
            Err(SpeechError::Voice(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Err(SpeechError::Voice(why))
}

/// [`Speech::speak`] and [`Speech::voice_name`] on a blocking thread: validating and
/// planning cost CPU time linear in the text (see [`crate::speech::speak_blocking`]).
async fn speak_named(
    speech: Arc<dyn Speech>,
    request: SpeakRequest,
) -> Result<(PieceStream, Option<String>), SpeechError> {
    tokio::task::spawn_blocking(move || {
        let name = speech.voice_name(&request);
        speech.speak(request).map(|pieces| (pieces, name))
    })
    .await
    .map_err(SpeechError::TextTask)?
}

/// The voice as asked for, for logs: a name or mix, `lang:xx`, or the default. Only
/// logged once the request was accepted (the name resolved), and cut short all the
/// same: a valid mix may still be long.
pub(super) fn voice_label(speech: &dyn Speech, choice: &VoiceChoice) -> String {
    const MAX: usize = 64;
    let label = match (&choice.name, &choice.language) {
        (Some(name), _) => name.clone(),
        (None, Some(language)) => format!("lang:{language}"),
        (None, None) => speech.default_voice(),
    };
    match label.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &label[..at]),
        None => label,
    }
}

/// The start of a client's text for a debug line (the sinks escape it).
pub(super) fn preview(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Wyoming's voice to ours; empty strings mean "not given".
pub(super) fn voice_choice(voice: Option<SynthesizeVoice>) -> VoiceChoice {
    let voice = voice.unwrap_or_default();
    let given = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    VoiceChoice {
        name: given(voice.name),
        language: given(voice.language),
    }
}

pub(super) fn text_format(
    format: Option<&crate::wyoming::TextFormat>,
) -> Result<TextFormat, (String, &'static str)> {
    match format {
        None | Some(crate::wyoming::TextFormat::Text) => Ok(TextFormat::Text),
        Some(crate::wyoming::TextFormat::Ssml) => Ok(TextFormat::Ssml),
        Some(crate::wyoming::TextFormat::Other(other)) => {
            let shown: String = other
                .chars()
                .take(32)
                .flat_map(char::escape_debug)
                .collect();
            Err((
                format!("unsupported text_format `{shown}`: use `text` or `ssml`"),
                "bad-text-format",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_choice_treats_empty_as_absent() {
        assert_eq!(voice_choice(None), VoiceChoice::default());
        let v = SynthesizeVoice {
            name: Some(" ".into()),
            language: Some("en-GB".into()),
            speaker: Some("1".into()),
        };
        assert_eq!(
            voice_choice(Some(v)),
            VoiceChoice {
                name: None,
                language: Some("en-GB".into())
            }
        );
    }

    #[test]
    fn text_formats() {
        use crate::wyoming::TextFormat as W;
        assert_eq!(text_format(None).unwrap(), TextFormat::Text);
        assert_eq!(text_format(Some(&W::Ssml)).unwrap(), TextFormat::Ssml);
        let (text, code) = text_format(Some(&W::Other("markdown".into()))).unwrap_err();
        assert_eq!(code, "bad-text-format");
        assert!(text.contains("markdown"));
    }
}
