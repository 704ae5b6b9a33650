//! SIGHUP's work: re-reads the config files (under the same environment and flags),
//! the voices and the user lexicon, and swaps them in for new requests. Other changed
//! settings (listeners, threads, limits, the model) are reported as needing a restart.

use std::ffi::OsString;
use std::sync::Arc;

use super::setup::{load_lexicon, prepare_phonemizers, resolve_assets};
use super::{DaemonError, Marked};
use crate::cli::Command;
use crate::config::{self, Effective};
use crate::engine::Voices;
use crate::speech::{CachedSpeech, KokoroConfig, KokoroSpeech, SwapSpeech};

/// Settings a reload applies; any other change waits for a restart.
const LIVE: &[&str] = &[
    "voice",
    "voices",
    "lexicon",
    "data-dir",
    "log-level",
    "detect-language",
];

/// What a reload changes, and what it compares with.
pub(super) struct Reloader {
    /// The command line the daemon started with, read again with the config files.
    pub argv: Vec<OsString>,
    /// The settings the daemon started with.
    pub running: Effective,
    /// The text limit is also the servers', which keep theirs until a restart.
    pub max_text_chars: usize,
    pub speech: Arc<SwapSpeech<KokoroSpeech>>,
    pub cache: Arc<CachedSpeech<Marked>>,
}

impl Reloader {
    /// Reloads; returns a summary to log. On failure the previous settings stay.
    /// The response cache is emptied either way: cached answers were spoken with the
    /// voices and lexicon of before.
    pub fn reload(&self) -> Result<String, DaemonError> {
        let r = self.swap();
        self.cache.clear();
        r
    }

    fn swap(&self) -> Result<String, DaemonError> {
        let new = config::load(self.argv.iter().cloned())?;
        let a = match &new.cli.command {
            Some(Command::Serve(a)) => a,
            _ => &new.cli.serve,
        };
        let paths = resolve_assets(&a.assets)?;
        let voices = Arc::new(Voices::load(&paths.voices)?);
        let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
        let cfg = KokoroConfig {
            default_voice: a.voice.clone(),
            max_text_chars: self.max_text_chars,
            pauses: a.pauses.pauses(),
            detect_language: a.detect_language,
            preload: a.preload_languages.0.clone(),
        };
        let next = self
            .speech
            .current()
            .reconfigured(voices.clone(), lexicon, cfg)?;
        // A preloaded language the new voices bring is built before they are offered.
        prepare_phonemizers(&next)?;
        self.speech.replace(next);
        crate::system::logging::set_level(&new.cli.log_level)?;
        // Compared with what the process started with: restart-only settings keep that.
        let restart: Vec<String> = self
            .running
            .changed_keys(&new)
            .into_iter()
            .filter(|k| !LIVE.contains(&k.as_str()))
            .collect();
        if !restart.is_empty() {
            tracing::warn!(
                "changed settings that need a restart (systemctl restart kokorod): {}",
                restart.join(", ")
            );
        }
        let files = new
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>();
        Ok(format!(
            "{} voices, default voice {}, config files: {}",
            voices.len(),
            a.voice,
            if files.is_empty() {
                "none".into()
            } else {
                files.join(", ")
            }
        ))
    }
}
