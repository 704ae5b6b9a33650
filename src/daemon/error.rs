//! Why the daemon cannot start, run or reload. Each variant keeps its cause as the
//! source, so `{e:#}` through `anyhow` (or [`crate::error::Chain`]) reads
//! as one line.

use crate::assets::DataDirError;
use crate::config::ConfigError;
use crate::engine::affinity::CpuListError;
use crate::engine::{EngineError, VoiceError};
use crate::http::HttpError;
use crate::net::{EndpointError, ListenError};
use crate::server::ServerError;
use crate::speech::SpeechError;
use crate::system::activation::ActivationError;

/// Why the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The command line or a config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The sockets systemd passed.
    #[error(transparent)]
    Activation(#[from] ActivationError),
    /// A `--uri`.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// No `--uri` and no socket from systemd.
    #[error("nothing to listen on: give at least one --uri")]
    NothingToListenOn,
    /// `--http`'s endpoint.
    #[error("--http")]
    HttpEndpoint(#[source] EndpointError),
    /// The HTTP API's settings or its run.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The model, voices or runtime could not be found.
    #[error(transparent)]
    Assets(#[from] DataDirError),
    /// The voices could not be loaded.
    #[error(transparent)]
    Voices(#[from] VoiceError),
    /// `--voice` names no usable voice.
    #[error("--voice")]
    DefaultVoice(#[source] VoiceError),
    /// `--cpus`.
    #[error(transparent)]
    Cpus(#[from] CpuListError),
    /// The engine did not start.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The speech pipeline could not be built.
    #[error(transparent)]
    Speech(#[from] SpeechError),
    /// A listener could not be bound (`what` says which).
    #[error("{what}")]
    Listen {
        /// `listening on …` or `HTTP API on …`.
        what: String,
        /// Why.
        #[source]
        source: ListenError,
    },
    /// A socket systemd passed could not be adopted.
    #[error("socket {name} from systemd")]
    Adopt {
        /// Its `FileDescriptorName=`.
        name: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Wyoming server.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The HTTP server's task panicked.
    #[error("HTTP server task")]
    HttpTask(#[source] tokio::task::JoinError),
    /// `--log-level` on a reload.
    #[error(transparent)]
    LogLevel(#[from] tracing_subscriber::reload::Error),
    /// Marking is on and the watermarking network is not installed.
    #[error("watermark model {path} not found; {fix}, or turn marking off with --no-watermark")]
    NoWatermarkModel {
        /// Where it was looked for.
        path: std::path::PathBuf,
        /// The command that fetches it.
        fix: String,
    },
    /// The watermarking network's file is not the one the manifest names.
    #[error("watermark model")]
    WatermarkFile(#[source] crate::assets::VerifyError),
    /// The watermarking network could not be read.
    #[error(transparent)]
    Watermark(#[from] crate::watermark::WatermarkError),
    /// The runtime, the signal handlers or a thread could not start.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
