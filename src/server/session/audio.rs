//! The audio of the request in hand: `audio-start`, its pieces as `audio-chunk`s with
//! timestamps, `audio-stop`; a failure mid-way ends it with `error` instead.

use bytes::Bytes;
use futures::StreamExt;
use tokio::time::Instant;

use super::{Closed, Mode, Session, CHANNELS, WIDTH};
use crate::metrics::Protocol;
use crate::speech::{PieceStream, SpeechError, SAMPLE_RATE};
use crate::wyoming::{AudioChunk, AudioStart, AudioStop, Event};

/// The synthesis whose audio is being sent.
pub(super) struct Audio {
    pieces: PieceStream,
    /// Samples sent so far (for timestamps).
    samples: u64,
    /// For the log line when it is done: what was asked, and when.
    voice: String,
    chars: usize,
    started: Instant,
}

impl Session<'_> {
    pub(super) async fn begin_audio(
        &mut self,
        pieces: PieceStream,
        voice: String,
        chars: usize,
    ) -> Result<(), Closed> {
        self.audio = Some(Audio {
            pieces,
            samples: 0,
            voice,
            chars,
            started: Instant::now(),
        });
        self.send(audio_start()).await
    }

    /// Ends the current audio (if any) with `audio-stop`; dropping its stream cancels
    /// the work not yet done.
    pub(super) async fn cancel_audio(&mut self) -> Result<(), Closed> {
        match self.audio.take() {
            Some(audio) => {
                drop(audio.pieces);
                self.send(audio_stop(audio.samples)).await
            }
            None => Ok(()),
        }
    }

    pub(super) async fn on_piece(
        &mut self,
        piece: Option<Result<Vec<i16>, SpeechError>>,
    ) -> Result<(), Closed> {
        match piece {
            Some(Ok(samples)) => {
                if let Some(audio) = &self.audio {
                    let metrics = &self.shared.cfg.metrics;
                    if audio.samples == 0 && !samples.is_empty() {
                        metrics.first_audio(Protocol::Wyoming, audio.started.elapsed());
                    }
                    metrics.audio(Protocol::Wyoming, samples.len(), SAMPLE_RATE);
                }
                let per_chunk = self.shared.cfg.samples_per_chunk.max(1);
                for chunk in samples.chunks(per_chunk) {
                    let Some(audio) = self.audio.as_mut() else {
                        break;
                    };
                    let timestamp = millis(audio.samples);
                    audio.samples += chunk.len() as u64;
                    let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
                    self.send(Event::AudioChunk(AudioChunk {
                        rate: SAMPLE_RATE,
                        width: WIDTH,
                        channels: CHANNELS,
                        timestamp: Some(timestamp),
                        audio: Bytes::from(bytes),
                    }))
                    .await?;
                }
                Ok(())
            }
            // Every piece turned out silent: the answer is just shorter (here, empty).
            Some(Err(SpeechError::EmptyText(_))) | None => {
                if let Some(audio) = &self.audio {
                    let audio_s = audio.samples as f64 / f64::from(SAMPLE_RATE);
                    let took = audio.started.elapsed().as_secs_f64();
                    tracing::info!(
                        voice = %audio.voice,
                        chars = audio.chars,
                        audio_ms = (audio_s * 1000.0) as u64,
                        rtf = format!("{:.3}", took / audio_s.max(1e-9)),
                        "spoke {audio_s:.2} s for {} characters",
                        audio.chars
                    );
                    self.shared.cfg.metrics.real_time_factor(
                        Protocol::Wyoming,
                        audio.started.elapsed(),
                        audio_s,
                    );
                }
                self.cancel_audio().await?;
                if matches!(self.mode, Mode::Single) {
                    self.mode = Mode::Idle;
                }
                self.advance().await
            }
            Some(Err(error)) => {
                tracing::warn!("synthesis failed: {}", error.message());
                // No `audio-stop`: a client that ignores `error` must not take the
                // audio so far for a complete answer. The connection then closes.
                drop(self.audio.take());
                self.send_speech_error(&error).await
            }
        }
    }
}

pub(super) async fn next_piece(audio: &mut Option<Audio>) -> Option<Result<Vec<i16>, SpeechError>> {
    match audio {
        Some(audio) => audio.pieces.next().await,
        None => std::future::pending().await,
    }
}

pub(super) fn audio_start() -> Event {
    Event::AudioStart(AudioStart {
        rate: SAMPLE_RATE,
        width: WIDTH,
        channels: CHANNELS,
        timestamp: Some(0),
    })
}

pub(super) fn audio_stop(samples: u64) -> Event {
    Event::AudioStop(AudioStop {
        timestamp: Some(millis(samples)),
    })
}

/// Milliseconds of audio in `samples`.
fn millis(samples: u64) -> i64 {
    i64::try_from(samples * 1000 / u64::from(SAMPLE_RATE)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_milliseconds() {
        assert_eq!(millis(0), 0);
        assert_eq!(millis(24_000), 1000);
        assert_eq!(millis(1024), 42);
    }
}
