//! A streamed text: `synthesize-start`, `synthesize-chunk`s, `synthesize-stop`.
//! Chunks are cut into sentences as they come and each is spoken as soon as the one
//! before it is; the sentences after the first continue its answer (they do not go
//! ahead of other answers' first audio, and their pieces are due when the audio of the
//! sentences before them runs out). SSML is collected and spoken whole at
//! `synthesize-stop`.

use std::collections::VecDeque;

use super::request::{preview, speak, text_format, voice_choice, voice_label};
use super::{Closed, Mode, Session};
use crate::metrics::Protocol;
use crate::speech::{Deadline, SpeakRequest, SpeechError, TextFormat, VoiceChoice};
use crate::text::split::Sentences;
use crate::wyoming::{Event, SynthesizeChunk, SynthesizeStart};

/// A streamed text, between `synthesize-start` and `synthesize-stopped`.
pub(super) struct Streamed {
    format: TextFormat,
    voice: VoiceChoice,
    splitter: Sentences,
    /// SSML arrives in chunks cut anywhere: it is collected and parsed once, whole,
    /// on `synthesize-stop` (one document, one break budget).
    ssml: String,
    pending: VecDeque<String>,
    chars: usize,
    /// `synthesize-stop` arrived: finish the pending sentences, then `synthesize-stopped`.
    stopping: bool,
    /// An error was reported: swallow the rest until `synthesize-stop`.
    failed: bool,
    /// A sentence's audio has begun: the next ones continue that answer.
    sounding: bool,
    /// When the listener runs out of the answer's audio, across its sentences.
    due: Deadline,
}

impl Session<'_> {
    /// `synthesize-start`: cancels the audio in hand and opens a stream.
    pub(super) async fn synthesize_start(&mut self, start: SynthesizeStart) -> Result<(), Closed> {
        self.cancel_audio().await?;
        self.shared
            .cfg
            .metrics
            .request(Protocol::Wyoming, "synthesize-stream");
        let voice = voice_choice(start.voice);
        self.asked_voice = voice_label(self.shared.speech.as_ref(), &voice);
        let mut streamed = Streamed {
            format: TextFormat::Text,
            voice,
            splitter: Sentences::default(),
            ssml: String::new(),
            pending: VecDeque::new(),
            chars: 0,
            stopping: false,
            failed: false,
            sounding: false,
            due: Deadline::new(),
        };
        match text_format(start.text_format.as_ref()) {
            Ok(format) => streamed.format = format,
            Err((text, code)) => {
                // Fail the stream but keep it, so `synthesize-stop` still gets its answer.
                streamed.failed = true;
                self.send_error(text, code).await?;
            }
        }
        self.mode = Mode::Streaming(Box::new(streamed));
        Ok(())
    }

    /// `synthesize-chunk`: more text; the sentences it completes are queued.
    pub(super) async fn synthesize_chunk(&mut self, chunk: SynthesizeChunk) -> Result<(), Closed> {
        let max = self.shared.cfg.max_text_chars;
        let Mode::Streaming(streamed) = &mut self.mode else {
            tracing::debug!("ignoring synthesize-chunk outside a stream");
            return Ok(());
        };
        if streamed.failed {
            return Ok(());
        }
        streamed.chars += chunk.text.chars().count();
        if streamed.chars > max {
            let error = SpeechError::TooLong {
                len: streamed.chars,
                max,
            };
            streamed.failed = true;
            streamed.pending.clear();
            self.cancel_audio().await?;
            return self.send_speech_error(&error).await;
        }
        if streamed.format == TextFormat::Ssml {
            streamed.ssml.push_str(&chunk.text);
            return Ok(());
        }
        let sentences = streamed.splitter.push(&chunk.text);
        streamed.pending.extend(sentences);
        self.advance().await
    }

    /// `synthesize-stop`: the rest of the text is queued; `synthesize-stopped` follows
    /// its audio.
    pub(super) async fn synthesize_stop(&mut self) -> Result<(), Closed> {
        let Mode::Streaming(streamed) = &mut self.mode else {
            tracing::debug!("ignoring synthesize-stop outside a stream");
            return Ok(());
        };
        streamed.stopping = true;
        if streamed.format == TextFormat::Ssml {
            let document = std::mem::take(&mut streamed.ssml);
            if !document.trim().is_empty() {
                streamed.pending.push_back(document);
            }
        } else if let Some(rest) = streamed.splitter.finish() {
            streamed.pending.push_back(rest);
        }
        self.advance().await
    }

    /// Streaming: starts the next pending sentence if none is being spoken; ends
    /// the stream once `synthesize-stop` came and everything is spoken.
    pub(super) async fn advance(&mut self) -> Result<(), Closed> {
        while self.audio.is_none() {
            let Mode::Streaming(streamed) = &mut self.mode else {
                return Ok(());
            };
            if streamed.failed {
                streamed.pending.clear();
            }
            let Some(sentence) = streamed.pending.pop_front() else {
                if streamed.stopping {
                    self.mode = Mode::Idle;
                    return self.send(Event::SynthesizeStopped).await;
                }
                return Ok(());
            };
            let chars = sentence.chars().count();
            tracing::debug!(chars, "synthesize (streamed): {}", preview(&sentence));
            let request = SpeakRequest {
                text: sentence,
                format: streamed.format,
                voice: streamed.voice.clone(),
                speed: 1.0,
                continues: streamed.sounding,
                due: Some(streamed.due.clone()),
            };
            match speak(self.shared, request).await {
                Ok(spoken) => {
                    if let Some(choice) = spoken.substituted {
                        streamed.voice = choice;
                    }
                    streamed.sounding = true;
                    self.begin_audio(spoken.pieces, spoken.label, chars).await?;
                }
                // A fragment with nothing to say ("…", an emoji) is no error within a stream.
                Err(SpeechError::EmptyText(_)) => {}
                Err(error) => {
                    streamed.failed = true;
                    self.send_speech_error(&error).await?;
                }
            }
        }
        Ok(())
    }
}
