//! The daemon: settings checked before the engine loads, then the engine, the speech
//! pipeline (swappable on reload, with a response cache in front), and the Wyoming
//! server, the HTTP API and the service side (READY, watchdog, signals) over it.
//!
//! ```text
//! Settings::new(args)            checks endpoints, HTTP options, assets, --voice
//!   start_engine(…)              while the process has a single thread
//! Daemon::build(settings, engine)
//!   .bind().await                listeners bound (or adopted from systemd)
//!   .run(shutdown) / .run_as_service()
//! ```
//!
//! [`serve`] is `kokorod serve`: all of the above on its own runtime. Tests start a
//! daemon in-process on an engine they share, the same way.

mod error;
mod reload;
mod setup;

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

pub use error::DaemonError;
pub use setup::{
    load_lexicon, load_watermarker, prepare_phonemizers, resolve_assets, start_engine,
};

use crate::assets::AssetPaths;
use crate::cli::ServeArgs;
use crate::config::Effective;
use crate::engine::{Engine, HealthProbe, Voices};
use crate::error::Chain;
use crate::http::{HttpConfig, HttpServer};
use crate::metrics::Metrics;
use crate::net::allow::AllowList;
use crate::net::{Endpoint, Listener, LocalAddr, Shutdown};
use crate::server::{Server, ServerConfig};
use crate::speech::{CachedSpeech, KokoroConfig, KokoroSpeech, MarkedSpeech, Speech, SwapSpeech};
use crate::system::activation::{self, Activated};
use crate::system::notify::Notifier;
use crate::system::service::Service;
use crate::watermark::Watermarker;

/// The pipeline of the moment (a reload swaps it).
type Served = SwapSpeech<KokoroSpeech>;
/// What both front ends serve, through the response cache: that pipeline's audio,
/// watermarked (the cache keeps marked audio, so nothing is marked twice).
type Marked = MarkedSpeech<Served>;

/// `kokorod serve`: prints the settings for `--check-config`, else serves until
/// SIGTERM or SIGINT. `argv` is the command line, read again on each reload.
pub fn serve(a: ServeArgs, eff: Effective, argv: Vec<OsString>) -> Result<(), DaemonError> {
    if a.service.check_config {
        print!("{}", eff.describe());
        return Ok(());
    }
    // systemd's sockets, taken (and LISTEN_* cleared) while this is the only thread.
    // SAFETY: no thread has been started yet.
    #[allow(unsafe_code)]
    let activated = unsafe { activation::take() }?;
    crate::system::memory::fix_mmap_threshold();
    let settings = Settings::new(a, eff, argv)?.with_activated(activated);
    // The engine (and OpenMP's environment) first, while this is the only thread.
    let engine = start_engine(&settings.paths, &settings.args.engine)?;
    let daemon = Daemon::build(settings, engine)?;
    // Inference has its own threads; the async side only moves bytes.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kokorod-io")
        .enable_all()
        .build()?;
    rt.block_on(async move { daemon.bind().await?.run_as_service().await })
}

/// The settings of a daemon, checked before the engine loads.
pub struct Settings {
    args: ServeArgs,
    eff: Effective,
    argv: Vec<OsString>,
    endpoints: Vec<Endpoint>,
    activated: Vec<Activated>,
    http: Option<(Endpoint, HttpConfig)>,
    paths: AssetPaths,
    voices: Arc<Voices>,
    marker: Option<Arc<Watermarker>>,
}

impl Settings {
    /// Checks `a` (the options of `eff`, the configuration read from `argv`): the
    /// endpoints, the HTTP options, the assets, the default voice and the watermark
    /// network (loaded here: all before the model).
    pub fn new(a: ServeArgs, eff: Effective, argv: Vec<OsString>) -> Result<Self, DaemonError> {
        let endpoints = a
            .uris
            .iter()
            .map(|u| u.parse::<Endpoint>())
            .collect::<Result<Vec<_>, _>>()?;
        let http = http_config(&a)?;
        let paths = resolve_assets(&a.assets)?;
        let voices = Arc::new(Voices::load(&paths.voices)?);
        voices
            .resolve(&a.voice)
            .map_err(DaemonError::DefaultVoice)?;
        let marker = load_watermarker(&paths, &a.watermark)?;
        Ok(Settings {
            args: a,
            eff,
            argv,
            endpoints,
            activated: Vec::new(),
            http,
            paths,
            voices,
            marker,
        })
    }

    /// Serves on the sockets systemd passed instead of the `--uri` endpoints.
    #[must_use]
    pub fn with_activated(mut self, activated: Vec<Activated>) -> Self {
        self.activated = activated;
        self
    }

    /// The assets the engine is to load.
    pub fn paths(&self) -> &AssetPaths {
        &self.paths
    }
}

/// `--http` and its options.
fn http_config(a: &ServeArgs) -> Result<Option<(Endpoint, HttpConfig)>, DaemonError> {
    let Some(uri) = &a.http.http else {
        return Ok(None);
    };
    let ep = uri.parse::<Endpoint>().map_err(DaemonError::HttpEndpoint)?;
    let api_key = a
        .http
        .api_key_file
        .as_deref()
        .map(crate::http::load_api_key)
        .transpose()?;
    let cfg = HttpConfig {
        max_text_chars: a.max_text_chars,
        api_key,
        cors_origins: a.http.cors_origins.clone(),
        shutdown_grace: Duration::from_secs(a.shutdown_timeout),
        max_connections: a.http.http_max_connections as usize,
        read_timeout: Duration::from_secs(a.http.http_timeout),
        allowed_hosts: a.http.http_allow_hosts.clone(),
        allow_from: AllowList::new(a.allow_from.clone()),
        max_buffered_audio: Duration::from_secs(a.http.max_buffered_audio),
        ..HttpConfig::default()
    };
    Ok(Some((ep, cfg)))
}

/// A daemon with its speech pipeline built, not yet listening.
pub struct Daemon {
    args: ServeArgs,
    endpoints: Vec<Endpoint>,
    activated: Vec<Activated>,
    http: Option<(Endpoint, HttpConfig)>,
    voices: usize,
    speech: Arc<Served>,
    cache: Arc<CachedSpeech<Marked>>,
    metrics: Arc<Metrics>,
    probe: HealthProbe,
    threads: usize,
    reloader: Arc<reload::Reloader>,
}

impl Daemon {
    /// Builds the speech pipeline on `engine` (which may be shared with others).
    pub fn build(settings: Settings, engine: Engine) -> Result<Self, DaemonError> {
        let Settings {
            args: a,
            eff,
            argv,
            endpoints,
            activated,
            http,
            paths,
            voices,
            marker,
        } = settings;
        let (probe, threads) = (engine.probe(), engine.info().cpus.len());
        let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
        let speech = KokoroSpeech::new(
            engine,
            voices.clone(),
            KokoroConfig {
                default_voice: a.voice.clone(),
                max_text_chars: a.max_text_chars,
                pauses: a.pauses.pauses(),
                detect_language: a.detect_language,
                preload: a.preload_languages.0.clone(),
            },
        )?
        .with_lexicon(lexicon);
        let speech = Arc::new(SwapSpeech::new(speech));
        let marked = Arc::new(MarkedSpeech::new(speech.clone(), marker));
        // Repeated answers come from memory; a reload (voices, lexicon) empties it.
        let metrics = Arc::new(Metrics::new());
        let counted = metrics.clone();
        let cache = Arc::new(
            CachedSpeech::new(marked, a.cache_size).on_lookup(move |hit| {
                if hit {
                    counted.cache_hits.inc()
                } else {
                    counted.cache_misses.inc()
                };
            }),
        );
        let reloader = Arc::new(reload::Reloader {
            argv,
            running: eff,
            max_text_chars: a.max_text_chars,
            speech: speech.clone(),
            cache: cache.clone(),
        });
        Ok(Daemon {
            args: a,
            endpoints,
            activated,
            http,
            voices: voices.len(),
            speech,
            cache,
            metrics,
            probe,
            threads,
            reloader,
        })
    }

    /// Binds every listener (or adopts systemd's) and prepares the servers.
    pub async fn bind(mut self) -> Result<Bound, DaemonError> {
        let a = &self.args;
        let cfg = ServerConfig {
            samples_per_chunk: a.samples_per_chunk as usize,
            max_connections: a.max_connections as usize,
            idle_timeout: Duration::from_secs(a.idle_timeout),
            max_text_chars: a.max_text_chars,
            socket_mode: a.socket_mode,
            socket_group: a.socket_group.clone(),
            shutdown_grace: Duration::from_secs(a.shutdown_timeout),
            allow_from: AllowList::new(a.allow_from.clone()),
            metrics: self.metrics.clone(),
            ..ServerConfig::default()
        };
        let unix = cfg.unix_socket_options();
        let mut listeners = Vec::new();
        let activated = std::mem::take(&mut self.activated);
        if activated.is_empty() {
            if self.endpoints.is_empty() {
                return Err(DaemonError::NothingToListenOn);
            }
            for ep in &self.endpoints {
                let l = Listener::bind(ep, &unix)
                    .await
                    .map_err(|source| DaemonError::Listen {
                        what: format!("listening on {ep}"),
                        source,
                    })?;
                listeners.push(l);
            }
        } else {
            tracing::info!(
                "socket activation: {} socket(s) from systemd replace --uri",
                activated.len()
            );
            for s in activated {
                let name = s.name().to_owned();
                let l = s
                    .into_listener()
                    .map_err(|source| DaemonError::Adopt { name, source })?;
                listeners.push(l);
            }
        }
        if let Some(name) = &a.zeroconf {
            let tcp: Vec<_> = listeners
                .iter()
                .filter_map(|l| match l.local_addr() {
                    Ok(LocalAddr::Tcp(addr)) => Some(addr),
                    _ => None,
                })
                .collect();
            // Withdrawn when the process exits (Avahi drops a client's records when its
            // D-Bus connection closes, sending goodbyes).
            crate::mdns::announce(name, &tcp);
        }
        // Bound before READY=1: every listener is up when systemd hears we are ready.
        let http = match self.http.take() {
            Some((ep, mut http_cfg)) => {
                let l = Listener::bind(&ep, &unix)
                    .await
                    .map_err(|source| DaemonError::Listen {
                        what: format!("HTTP API on {ep}"),
                        source,
                    })?;
                http_cfg.metrics = self.metrics.clone();
                Some(HttpServer::new(vec![l], self.cache.clone(), http_cfg)?)
            }
            None => None,
        };
        let server = Server::new(listeners, self.cache.clone(), cfg);
        Ok(Bound {
            server,
            http,
            daemon: self,
        })
    }
}

/// A daemon whose listeners are bound: the place to read their addresses before it
/// runs.
pub struct Bound {
    server: Server,
    http: Option<HttpServer>,
    daemon: Daemon,
}

impl Bound {
    /// Where the Wyoming server listens.
    pub fn wyoming_addrs(&self) -> Vec<LocalAddr> {
        self.server.local_addrs()
    }

    /// Where the HTTP API listens, if it is on.
    pub fn http_addrs(&self) -> Vec<LocalAddr> {
        self.http
            .as_ref()
            .map_or_else(Vec::new, HttpServer::local_addrs)
    }

    /// Reloads configuration, voices and lexicon as SIGHUP does; returns a summary.
    pub fn reload(&self) -> Result<String, DaemonError> {
        self.daemon.reloader.reload()
    }

    /// Serves until `shutdown` drains and every connection has ended.
    pub async fn run(self, shutdown: Shutdown) -> Result<(), DaemonError> {
        self.serve(shutdown, false).await
    }

    /// Serves as a system service: READY, status, watchdog, SIGHUP reloads, and
    /// SIGTERM or SIGINT stop.
    pub async fn run_as_service(self) -> Result<(), DaemonError> {
        self.serve(Shutdown::new(), true).await
    }

    async fn serve(self, shutdown: Shutdown, service: bool) -> Result<(), DaemonError> {
        let http = self.http.map(|h| tokio::spawn(h.run(shutdown.clone())));
        let d = &self.daemon;
        if service {
            let reloader = d.reloader.clone();
            let voices_now = d.speech.clone();
            // Everything that must start or stop with the service (mDNS: advertise
            // here, withdraw when the drain begins, which follows STOPPING=1) hooks in
            // here.
            Service {
                notifier: Notifier::from_env(),
                connections: self.server.stats().connections(),
                voices: Arc::new(move || voices_now.voices().len()),
                threads: d.threads,
                probe: d.probe.clone(),
                stall: Duration::from_secs(d.args.service.engine_stall_timeout),
                reload: Box::new(move || reloader.reload()),
            }
            .start(shutdown.drain.clone())?;
        }
        tracing::info!(
            voices = d.voices,
            default_voice = %d.args.voice,
            "ready"
        );
        // The default voice's language is built; `--preload-languages` are built now,
        // beside the first requests, so that start-up stays short (a request in a
        // language still being built waits for that build).
        let warm = d.speech.current();
        std::thread::Builder::new()
            .name("kokorod-g2p".into())
            .spawn(move || {
                if let Err(e) = prepare_phonemizers(&warm) {
                    tracing::warn!("building the phonemizers: {}", Chain(&e));
                }
            })?;
        self.server.run(shutdown).await?;
        if let Some(http) = http {
            http.await.map_err(DaemonError::HttpTask)??;
        }
        let c = self.daemon.cache.stats();
        tracing::info!(
            hits = c.hits,
            misses = c.misses,
            entries = c.entries,
            bytes = c.bytes,
            "response cache"
        );
        tracing::info!("stopped");
        Ok(())
    }
}
