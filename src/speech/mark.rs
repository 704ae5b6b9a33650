//! Marks every piece another [`Speech`] yields with the watermark, each piece on its
//! own (pieces begin and end at zero, so they are marked and sent one by one and the
//! stream stays a stream). The work runs on a blocking thread: ~10 ms of CPU per
//! second of audio.

use super::{EngineLoad, PieceStream, SpeakRequest, Speech, SpeechError, VoiceInfo, SAMPLE_RATE};
use crate::audio::fade_edges;
use crate::watermark::{WatermarkError, Watermarker};
use futures::StreamExt;
use std::sync::Arc;

/// Samples ramped to zero again at each edge after marking: the mark's change is
/// spread over whole STFT frames and would otherwise leave the piece's ends off zero.
const EDGE: usize = 48;

/// A [`Speech`] whose audio carries the watermark; without a marker it passes the
/// audio through untouched.
pub struct MarkedSpeech<S> {
    inner: Arc<S>,
    marker: Option<Arc<Watermarker>>,
}

impl<S> MarkedSpeech<S> {
    /// Marks `inner`'s audio with `marker`, or not at all when it is `None`.
    pub fn new(inner: Arc<S>, marker: Option<Arc<Watermarker>>) -> Self {
        MarkedSpeech { inner, marker }
    }
}

/// Marks one piece of 24 kHz PCM. A piece too short to analyse (under 32 ms) or
/// silent is left as it is.
pub fn mark_piece(marker: &Watermarker, pcm: &mut [i16]) {
    match marker.embed_i16(pcm, SAMPLE_RATE) {
        Ok(()) => fade_edges(pcm, EDGE, EDGE),
        Err(WatermarkError::TooShort { .. }) => {}
        Err(e) => tracing::warn!("a piece was sent unmarked: {e}"),
    }
}

impl<S: Speech> Speech for MarkedSpeech<S> {
    fn voices(&self) -> Vec<VoiceInfo> {
        self.inner.voices()
    }

    fn default_voice(&self) -> String {
        self.inner.default_voice()
    }

    fn voice_name(&self, req: &SpeakRequest) -> Option<String> {
        self.inner.voice_name(req)
    }

    fn engine_load(&self) -> EngineLoad {
        self.inner.engine_load()
    }

    fn watermarked(&self) -> bool {
        self.marker.is_some()
    }

    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        let stream = self.inner.speak(req)?;
        let Some(marker) = self.marker.clone() else {
            return Ok(stream);
        };
        Ok(stream
            .then(move |piece| {
                let marker = marker.clone();
                async move {
                    let mut pcm = piece?;
                    tokio::task::spawn_blocking(move || {
                        mark_piece(&marker, &mut pcm);
                        pcm
                    })
                    .await
                    .map_err(SpeechError::SynthesisTask)
                }
            })
            .boxed())
    }
}
