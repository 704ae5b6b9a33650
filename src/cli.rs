//! Command line: `kokorod [serve]`, `speak`, `voices`, `phonemize`, `fetch`.
//! Every option's doc comment is its `--help` text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// kokorod: local text-to-speech with the Kokoro-82M voice.
#[derive(Debug, Parser)]
#[command(name = "kokorod", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do; without a command kokorod serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log level: error, warn, info, debug, trace (RUST_LOG, if set, wins).
    #[arg(long, env = "KOKOROD_LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Synthesize text to a WAV file (16-bit PCM, 24 kHz mono).
    Speak(SpeakArgs),
    /// List the installed voices.
    Voices(VoicesArgs),
    /// Show the phonemes the model will be fed for a text.
    Phonemize(PhonemizeArgs),
    /// Download and verify the model, the voices and ONNX Runtime.
    Fetch(FetchArgs),
}

/// Where the model, voices and ONNX Runtime are.
#[derive(Debug, Clone, Args)]
pub struct AssetArgs {
    /// Data dir holding the model, voices/ and lib/ (default: $KOKOROD_DATA_DIR, then
    /// $XDG_DATA_HOME/kokorod, /var/lib/kokorod, /usr/share/kokorod).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// The ONNX model (default: kokoro-v1.0.int8.onnx in the data dir).
    #[arg(long, env = "KOKOROD_MODEL")]
    pub model: Option<PathBuf>,
    /// A dir of <voice>.bin files or a kokoro-onnx voices-v1.0.bin (default: the data dir's voices/).
    #[arg(long, env = "KOKOROD_VOICES")]
    pub voices: Option<PathBuf>,
    /// The ONNX Runtime library (default: $ORT_DYLIB_PATH, then the data dir's lib/).
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
}

/// Where inference runs.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Inference threads (default: one per CPU in the process's affinity mask).
    #[arg(long, env = "KOKOROD_THREADS")]
    pub threads: Option<usize>,
    /// CPUs to pin inference to, e.g. `0-3` or `2,3` (default: the affinity mask).
    #[arg(long, env = "KOKOROD_CPUS")]
    pub cpus: Option<String>,
}

/// `kokorod speak`.
#[derive(Debug, Args)]
pub struct SpeakArgs {
    /// Text to speak; read from stdin when absent.
    #[arg(long, short)]
    pub text: Option<String>,
    /// Voice, or a mix such as `af_heart(2)+bf_emma(1)`.
    #[arg(long, env = "KOKOROD_VOICE", default_value = "af_heart")]
    pub voice: String,
    /// Speed factor, 0.5 to 2.0.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f32,
    /// Output WAV file; `-` writes to stdout.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Longest accepted text, in characters.
    #[arg(long, default_value_t = 100_000)]
    pub max_text_chars: usize,
    #[command(flatten)]
    pub assets: AssetArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// `kokorod voices`.
#[derive(Debug, Args)]
pub struct VoicesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub assets: AssetArgs,
}

/// `kokorod phonemize`.
#[derive(Debug, Args)]
pub struct PhonemizeArgs {
    /// The text.
    pub text: String,
    /// Voice whose language decides the rules (`a…` American, `b…` British English).
    #[arg(long, default_value = "af_heart")]
    pub voice: String,
    /// Also print the token ids.
    #[arg(long)]
    pub tokens: bool,
}

/// `kokorod fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Data dir to install into (default: $KOKOROD_DATA_DIR, else $XDG_DATA_HOME/kokorod).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where downloaded packages are cached (default: $XDG_CACHE_HOME/kokorod).
    #[arg(long, env = "KOKOROD_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Skip ONNX Runtime (when a system copy is used through ORT_DYLIB_PATH).
    #[arg(long)]
    pub no_runtime: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
