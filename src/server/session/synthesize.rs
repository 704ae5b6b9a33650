//! `synthesize`: one whole text, answered with its audio.

use super::audio::{audio_start, audio_stop};
use super::request::{preview, speak, text_format, voice_choice, voice_label};
use super::{Closed, Mode, Session};
use crate::metrics::Protocol;
use crate::speech::{SpeakRequest, SpeechError};
use crate::wyoming::Synthesize;

impl Session<'_> {
    /// Answers a `synthesize`: cancels the audio in hand, then speaks the text.
    pub(super) async fn synthesize(&mut self, synthesize: Synthesize) -> Result<(), Closed> {
        if matches!(self.mode, Mode::Streaming(_)) {
            // Sent for backward compatibility inside a stream: the chunks have it all.
            return Ok(());
        }
        self.cancel_audio().await?;
        self.mode = Mode::Idle;
        self.shared
            .cfg
            .metrics
            .request(Protocol::Wyoming, "synthesize");
        let Synthesize {
            text,
            voice,
            text_format: format,
            ..
        } = synthesize;
        let max = self.shared.cfg.max_text_chars;
        let len = text.chars().count();
        let voice = voice_choice(voice);
        self.asked_voice = voice_label(self.shared.speech.as_ref(), &voice);
        if len > max {
            return self
                .send_speech_error(&SpeechError::TooLong { len, max })
                .await;
        }
        let format = match text_format(format.as_ref()) {
            Ok(format) => format,
            Err((text, code)) => return self.send_error(text, code).await,
        };
        let request = SpeakRequest {
            text,
            format,
            voice,
            speed: 1.0,
            continues: false,
            due: None,
        };
        // Client text, raw: the log sinks escape control characters (no forged lines).
        tracing::debug!(chars = len, "synthesize: {}", preview(&request.text));
        match speak(self.shared, request).await {
            Ok(spoken) => {
                self.mode = Mode::Single;
                self.begin_audio(spoken.pieces, spoken.label, len).await
            }
            // Nothing to say is an answer, not a failure: empty audio.
            Err(SpeechError::EmptyText(_)) => {
                tracing::info!(voice = %self.asked_voice, "nothing speakable: empty audio");
                self.send(audio_start()).await?;
                self.send(audio_stop(0)).await
            }
            Err(error) => self.send_speech_error(&error).await,
        }
    }
}
