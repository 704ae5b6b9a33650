//! Command line: `kokorod [serve]`, `speak`, `voices`, `phonemize`, `fetch`.
//! Every option's doc comment is its `--help` text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

use crate::text::g2p::Lang;

/// kokorod: local text-to-speech with the Kokoro-82M voice.
#[derive(Debug, Parser)]
#[command(
    name = "kokorod",
    version,
    about,
    propagate_version = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; without a command kokorod serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, which bare `kokorod` runs.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Log level: error, warn, info, debug, trace (RUST_LOG, if set, wins).
    #[arg(long, env = "KOKOROD_LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
}

/// Subcommands.
// Parsed once per process: boxing the large serve arguments would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: the Wyoming protocol on TCP and Unix sockets (the default).
    Serve(ServeArgs),
    /// Ask a running kokorod (over Wyoming) to speak, and save the WAV.
    Say(SayArgs),
    /// Synthesize text to a WAV file (16-bit PCM, 24 kHz mono).
    Speak(SpeakArgs),
    /// List the installed voices.
    Voices(VoicesArgs),
    /// Show the phonemes the model will be fed for a text.
    Phonemize(PhonemizeArgs),
    /// Look for the watermark in audio files, or mark audio from elsewhere.
    #[command(subcommand)]
    Watermark(WatermarkCommand),
    /// Download and verify the model, the voices and ONNX Runtime.
    Fetch(FetchArgs),
    /// Write man pages for kokorod and its commands into a dir (for packaging).
    #[command(hide = true)]
    Man(ManArgs),
}

/// Where the model, voices and ONNX Runtime are.
#[derive(Debug, Clone, Args)]
pub struct AssetArgs {
    /// Data dir holding the model, voices/ and lib/ (default: $KOKOROD_DATA_DIR, then
    /// $XDG_DATA_HOME/kokorod, /var/lib/kokorod, /usr/share/kokorod).
    #[arg(long)]
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
    /// Keep ONNX Runtime's optimized graph in the data dir (`ort-optimized-*.onnx`,
    /// ~90 MB): model loads take ~0.2 s less, but inference measured 7–12 % slower
    /// (docs/design-notes.md), so it is off unless start time matters more.
    #[arg(long)]
    pub graph_cache: bool,
}

/// `kokorod serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where to listen, repeatable: `tcp://HOST:PORT` (IPv6: `tcp://[::]:10210`) or `unix:///path`.
    #[arg(
        long = "uri",
        env = "KOKOROD_URI",
        value_delimiter = ',',
        default_value = "tcp://127.0.0.1:10210"
    )]
    pub uris: Vec<String>,
    /// Voice for requests that name none (a voice or a mix).
    #[arg(long, env = "KOKOROD_VOICE", default_value = "af_heart")]
    pub voice: String,
    /// Samples per Wyoming audio-chunk (16-bit, 24 kHz).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(64..=65536))]
    pub samples_per_chunk: u32,
    /// Most simultaneous connections; more are refused with an error.
    #[arg(long, env = "KOKOROD_MAX_CONNECTIONS", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Accept TCP connections (Wyoming and HTTP) only from these networks, e.g.
    /// `192.168.0.0/16,fd00::/8`; loopback is always allowed. Without it, anyone who
    /// can reach the port may connect.
    #[arg(
        long,
        env = "KOKOROD_ALLOW_FROM",
        value_name = "NET",
        value_delimiter = ','
    )]
    pub allow_from: Vec<crate::net::allow::Net>,
    /// Seconds a connection may stay silent before it is closed.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Longest accepted text per request, in characters.
    #[arg(long, default_value_t = 100_000)]
    pub max_text_chars: usize,
    /// Permissions of Unix sockets, octal.
    #[arg(long, default_value = "660", value_parser = parse_octal)]
    pub socket_mode: u32,
    /// Group owning Unix sockets (name or gid).
    #[arg(long)]
    pub socket_group: Option<String>,
    /// Seconds in-flight requests may take to finish on shutdown before they are cancelled.
    #[arg(long, default_value_t = 5)]
    pub shutdown_timeout: u64,
    /// Memory for repeated answers (PCM, least recently used evicted): bytes, or with a
    /// K/M/G suffix (1024-based); 0 turns the response cache off.
    #[arg(long, env = "KOKOROD_CACHE_SIZE", default_value = "32M", value_parser = parse_size)]
    pub cache_size: usize,
    /// For a request that names no voice (Home Assistant sends none unless one was
    /// picked), read a text clearly in another language than the default voice's by
    /// that language's best voice: the script tells Japanese, Chinese and Hindi, a
    /// language detector the Latin-script ones. `false` always uses --voice.
    #[arg(long, env = "KOKOROD_DETECT_LANGUAGE", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub detect_language: bool,
    /// Languages whose phonemizer is built at start besides the default voice's:
    /// comma-separated tags (`ja,en-GB`), `all` or `none`. Any other language's is
    /// built by its first request, which waits for it once (on 2 cores: the second
    /// English dialect and Japanese ~0.2 s, Mandarin ~0.1 s, the rest ~1 ms), and
    /// kept; unused, Japanese, Mandarin and the second English dialect cost no memory
    /// (45, 32 and 37 MiB).
    #[arg(long, env = "KOKOROD_PRELOAD_LANGUAGES", value_name = "LANGS", default_value = "none", value_parser = parse_languages)]
    pub preload_languages: Languages,
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Announce the TCP listeners over mDNS as `_wyoming._tcp` through Avahi, as NAME
    /// (default: kokorod-<hostname>). Loopback-only listeners are not announced.
    #[arg(long, value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub zeroconf: Option<String>,
    #[command(flatten)]
    pub lexicon: LexiconArgs,
    #[command(flatten)]
    pub pauses: PauseArgs,
    #[command(flatten)]
    pub watermark: WatermarkArgs,
    #[command(flatten)]
    pub assets: AssetArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// The inaudible mark in what kokorod speaks.
#[derive(Debug, Clone, Args)]
pub struct WatermarkArgs {
    /// Mark all audio kokorod speaks with an inaudible Perth watermark, so that it can
    /// later be told from a recording of a person (`kokorod watermark detect`). Unset,
    /// audio is marked when the watermark network is installed (a warning says when it
    /// is not); `true` requires it.
    #[arg(
        long,
        env = "KOKOROD_WATERMARK",
        value_name = "BOOL",
        value_parser = clap::value_parser!(bool),
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        overrides_with = "no_watermark"
    )]
    pub watermark: Option<bool>,
    /// Do not mark the audio (the same as `--watermark=false`).
    #[arg(long, overrides_with = "watermark")]
    pub no_watermark: bool,
    /// How strong the mark is, 0.1 to 1 (1 is Perth's own): weaker changes the sound
    /// less and survives lossy codecs less.
    #[arg(long, env = "KOKOROD_WATERMARK_STRENGTH", default_value_t = 1.0, value_parser = parse_strength, value_name = "FACTOR")]
    pub watermark_strength: f32,
}

fn parse_strength(s: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|e| format!("{e}"))?;
    if crate::watermark::STRENGTH.contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{v} is outside {}..={}",
            crate::watermark::STRENGTH.start(),
            crate::watermark::STRENGTH.end()
        ))
    }
}

/// Whether to mark, and how firmly that was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    /// `--no-watermark` or `--watermark=false`.
    Off,
    /// The default: mark when the network is installed, warn when it is not (a data dir
    /// fetched by an older kokorod must not stop the service after an upgrade).
    IfInstalled,
    /// `--watermark` or `watermark = true`: not starting is better than not marking.
    Required,
}

impl WatermarkArgs {
    /// What the flags ask for.
    pub fn marking(&self) -> Marking {
        match (self.no_watermark, self.watermark) {
            (true, _) | (false, Some(false)) => Marking::Off,
            (false, Some(true)) => Marking::Required,
            (false, None) => Marking::IfInstalled,
        }
    }
}

/// The OpenAI-compatible HTTP API (off unless `--http` is given).
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Serve the OpenAI-compatible HTTP API here, e.g. `tcp://127.0.0.1:8880`.
    #[arg(long = "http", env = "KOKOROD_HTTP")]
    pub http: Option<String>,
    /// File holding the API key that `/v1/*` requires as `Authorization: Bearer KEY`.
    #[arg(long, env = "KOKOROD_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Allow browser pages from this origin (repeatable; `*` for any). CORS is off without it.
    #[arg(
        long = "cors-origin",
        env = "KOKOROD_CORS_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Most simultaneous HTTP connections; more are answered 503 and closed.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub http_max_connections: u32,
    /// Seconds an HTTP client has to send a request's head, and again its body; idle
    /// keep-alive connections are closed after it too.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub http_timeout: u64,
    /// A further name the HTTP API answers to in the `Host` header when it listens on
    /// loopback (repeatable); loopback names and addresses are always allowed, anything
    /// else is refused (421) so a DNS-rebinding web page cannot reach it.
    #[arg(long = "http-allow-host", value_name = "NAME", value_delimiter = ',')]
    pub http_allow_hosts: Vec<String>,
    /// Longest audio, in seconds, of an HTTP answer sent with `"stream": false` (held in
    /// memory until complete); longer ones are refused with 413 `audio_too_long`.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_buffered_audio: u64,
}

/// The quiet between pieces of speech.
#[derive(Debug, Clone, Args)]
pub struct PauseArgs {
    /// Milliseconds of quiet after a sentence (`.`, `!`, `?`).
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u32).range(0..=5000))]
    pub sentence_pause_ms: u32,
    /// Milliseconds of quiet where a sentence is cut into pieces (at `,`, `;`, `:`).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=5000))]
    pub clause_pause_ms: u32,
}

impl PauseArgs {
    /// As the pipeline takes them.
    pub fn pauses(&self) -> crate::speech::Pauses {
        crate::speech::Pauses {
            sentence_ms: self.sentence_pause_ms,
            clause_ms: self.clause_pause_ms,
        }
    }
}

/// A flag value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A size with a suffix other than K, M or G.
    #[error("{0:?}: unknown size suffix {1:?} (use K, M or G)")]
    SizeSuffix(String, char),
    /// Not a size.
    #[error("{0:?} is not a size such as 32M")]
    Size(String),
    /// Not a file mode.
    #[error("{0:?} is not an octal mode such as 660")]
    Mode(String),
    /// Not a language kokorod speaks.
    #[error("{0:?} is not a language kokorod speaks (en, en-US, en-GB, es, fr, hi, it, ja, pt-BR, zh; all; none)")]
    Language(String),
}

/// A set of languages, in the order of [`Lang::ALL`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Languages(pub Vec<Lang>);

/// `all`, `none`, or comma-separated tags (`ja,en-GB`; `en` is both dialects).
pub fn parse_languages(s: &str) -> Result<Languages, ValueError> {
    let mut named = Vec::new();
    for tag in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match tag.to_ascii_lowercase().as_str() {
            "all" => named.extend(Lang::ALL),
            "none" => {}
            _ => match Lang::by_tag(tag) {
                langs if langs.is_empty() => return Err(ValueError::Language(tag.to_owned())),
                langs => named.extend(langs),
            },
        }
    }
    Ok(Languages(
        Lang::ALL
            .into_iter()
            .filter(|l| named.contains(l))
            .collect(),
    ))
}

/// `1048576`, `512K`, `32M`, `1G` (1024-based; an optional trailing `B`/`iB`).
pub fn parse_size(s: &str) -> Result<usize, ValueError> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: usize = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(ValueError::SizeSuffix(s.to_owned(), c)),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    num.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| ValueError::Size(s.to_owned()))
}

/// Config files and the service manager (see `config.rs` and `system/`).
#[derive(Debug, Clone, Args)]
pub struct ServiceArgs {
    /// Config file; `<name>.d/*.toml` beside it are applied after it, in name order
    /// (default /etc/kokorod/kokorod.toml, which may be missing).
    #[arg(long, env = "KOKOROD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Print the settings in effect (config files, environment, flags) and exit.
    #[arg(long)]
    pub check_config: bool,
    /// Seconds an engine with work may go without finishing a job before it counts as
    /// wedged (systemd's watchdog pings stop).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub engine_stall_timeout: u64,
}

fn parse_octal(s: &str) -> Result<u32, ValueError> {
    u32::from_str_radix(s.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| ValueError::Mode(s.to_owned()))
}

/// `kokorod say`.
#[derive(Debug, Args)]
pub struct SayArgs {
    /// Text to speak; read from stdin when absent.
    pub text: Option<String>,
    /// The server: `tcp://HOST:PORT` or `unix:///path`.
    #[arg(long, env = "KOKOROD_URI", default_value = "tcp://127.0.0.1:10210")]
    pub uri: String,
    /// Voice (default: the server's).
    #[arg(long)]
    pub voice: Option<String>,
    /// Output WAV file; `-` writes to stdout.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Seconds to wait for the whole answer.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
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
    /// The text is SSML.
    #[arg(long)]
    pub ssml: bool,
    #[command(flatten)]
    pub lexicon: LexiconArgs,
    #[command(flatten)]
    pub pauses: PauseArgs,
    #[command(flatten)]
    pub watermark: WatermarkArgs,
    #[command(flatten)]
    pub assets: AssetArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// `kokorod watermark`.
#[derive(Debug, Subcommand)]
pub enum WatermarkCommand {
    /// Print each file's confidence (0 to 1) that it carries the Perth watermark
    /// kokorod marks its speech with, and a verdict. WAV, FLAC, MP3 and Ogg Opus, at
    /// any rate that is a multiple of 500 Hz. Exit status: 0 if every file is
    /// marked, 1 if one is not, 2 if one could not be read.
    Detect {
        /// Audio files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where the watermark network is (default: the data dirs `kokorod fetch` uses).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Mark an audio file (WAV, FLAC, MP3 or Ogg Opus; channels are mixed to one) and
    /// write it as 16-bit mono WAV at its own rate.
    Embed {
        /// The audio to mark.
        input: PathBuf,
        /// The marked WAV (`-` for stdout).
        output: PathBuf,
        /// How strong the mark is, 0.1 to 1 (1 is Perth's own).
        #[arg(long, default_value_t = 1.0, value_parser = parse_strength, value_name = "FACTOR")]
        strength: f32,
        /// Where the watermark network is (default: the data dirs `kokorod fetch` uses).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
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
    /// Show every stage: normalized text, then each piece with its phonemes.
    #[arg(long)]
    pub explain: bool,
    /// The text is SSML.
    #[arg(long)]
    pub ssml: bool,
    #[command(flatten)]
    pub lexicon: LexiconArgs,
}

/// The user's pronunciation lexicon.
#[derive(Debug, Clone, Args)]
pub struct LexiconArgs {
    /// Lexicon file or dir (`word<TAB>phonemes` per line; files named by language, e.g.
    /// `en-us.txt`). Default: `lexicon/` in the data dir, if there is one.
    #[arg(long, env = "KOKOROD_LEXICON")]
    pub lexicon: Option<PathBuf>,
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

/// `kokorod man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Dir to write `kokorod.1` and `kokorod-<command>.1` into.
    pub dir: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_kokorod_serves_with_defaults() {
        let c = Cli::try_parse_from([
            "kokorod",
            "--uri",
            "unix:///tmp/k.sock",
            "--uri",
            "tcp://[::1]:0",
        ])
        .unwrap();
        assert!(c.command.is_none());
        assert_eq!(c.serve.uris, vec!["unix:///tmp/k.sock", "tcp://[::1]:0"]);
        assert_eq!(c.serve.socket_mode, 0o660);
        assert!(Cli::try_parse_from(["kokorod", "--socket-mode", "999"]).is_err());
        let c = Cli::try_parse_from(["kokorod", "serve"]).unwrap();
        assert!(
            matches!(c.command, Some(Command::Serve(ref s)) if s.uris == vec!["tcp://127.0.0.1:10210"])
        );
        assert_eq!(c.serve.zeroconf, None);
    }

    #[test]
    fn preload_languages_take_tags_all_or_none() {
        let parse = |v: &str| {
            Cli::try_parse_from(["kokorod", "--preload-languages", v])
                .map(|c| c.serve.preload_languages.0)
        };
        assert_eq!(
            Cli::try_parse_from(["kokorod"])
                .unwrap()
                .serve
                .preload_languages
                .0,
            []
        );
        assert_eq!(parse("ja,en-GB").unwrap(), [Lang::EnGb, Lang::Ja]);
        assert_eq!(parse("zh, ja ,zh").unwrap(), [Lang::Ja, Lang::Zh]);
        assert_eq!(parse("all").unwrap(), Lang::ALL);
        assert_eq!(parse("none").unwrap(), []);
        let e = parse("ja,de").unwrap_err().to_string();
        assert!(e.contains("\"de\" is not a language kokorod speaks"), "{e}");
    }

    #[test]
    fn zeroconf_takes_an_optional_name() {
        let c = Cli::try_parse_from(["kokorod", "--zeroconf", "--uri", "tcp://0.0.0.0:1"]).unwrap();
        assert_eq!(c.serve.zeroconf.as_deref(), Some(""));
        assert_eq!(c.serve.uris, vec!["tcp://0.0.0.0:1"]);
        let c = Cli::try_parse_from(["kokorod", "serve", "--zeroconf=kitchen"]).unwrap();
        assert!(
            matches!(c.command, Some(Command::Serve(ref s)) if s.zeroconf.as_deref() == Some("kitchen"))
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("32M"), Ok(32 << 20));
        assert_eq!(parse_size("32MiB"), Ok(32 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
