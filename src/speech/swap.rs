//! A [`Speech`] that can be replaced while it serves: a reload (SIGHUP) builds the
//! new one aside and swaps it in. Requests already running keep the one they
//! started with; connections are never dropped.

use super::{EngineLoad, PieceStream, SpeakRequest, Speech, SpeechError, VoiceInfo};
use std::sync::{Arc, RwLock};

/// Holds the current `S`; cheap to read, replaced whole.
pub struct SwapSpeech<S> {
    current: RwLock<Arc<S>>,
}

impl<S: Speech> SwapSpeech<S> {
    /// Starts with `speech`.
    pub fn new(speech: S) -> Self {
        SwapSpeech {
            current: RwLock::new(Arc::new(speech)),
        }
    }

    /// The speech serving new requests now.
    pub fn current(&self) -> Arc<S> {
        // A panic while holding the lock cannot leave an `Arc` half-written.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Serves new requests with `speech` from now on.
    pub fn replace(&self, speech: S) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(speech);
    }
}

impl<S: Speech> Speech for SwapSpeech<S> {
    fn voices(&self) -> Vec<VoiceInfo> {
        self.current().voices()
    }

    fn default_voice(&self) -> String {
        self.current().default_voice()
    }

    fn voice_name(&self, req: &SpeakRequest) -> Option<String> {
        self.current().voice_name(req)
    }

    fn engine_load(&self) -> EngineLoad {
        self.current().engine_load()
    }

    fn watermarked(&self) -> bool {
        self.current().watermarked()
    }

    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        self.current().speak(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Named(&'static str);

    impl Speech for Named {
        fn voices(&self) -> Vec<VoiceInfo> {
            Vec::new()
        }
        fn default_voice(&self) -> String {
            self.0.to_owned()
        }
        fn speak(&self, _req: SpeakRequest) -> Result<PieceStream, SpeechError> {
            Err(SpeechError::EmptyText(self.0.to_owned()))
        }
    }

    #[test]
    fn new_requests_see_the_replacement_old_holders_keep_theirs() {
        let swap = SwapSpeech::new(Named("old"));
        let held = swap.current();
        swap.replace(Named("new"));
        assert_eq!(swap.default_voice(), "new");
        assert_eq!(held.default_voice(), "old");
    }
}
