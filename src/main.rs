//! kokorod's entry point: parse the command line, set up logging, dispatch.

use anyhow::{bail, Context, Result};
use kokorod::assets::{self, AssetPaths};
use kokorod::cli::{
    AssetArgs, Cli, Command, EngineArgs, FetchArgs, LexiconArgs, PhonemizeArgs, SayArgs, ServeArgs,
    SpeakArgs, VoicesArgs,
};
use kokorod::config::{self, ConfigError, Effective};
use kokorod::engine::{self, affinity, Engine, EngineConfig, Voices};
use kokorod::http::{HttpConfig, HttpServer};
use kokorod::metrics::Metrics;
use kokorod::server::LocalAddr;
use kokorod::server::{Endpoint, Listener, Server, ServerConfig};
use kokorod::speech::{
    CachedSpeech, KokoroConfig, KokoroSpeech, SpeakRequest, Speech, SwapSpeech, TextFormat,
    VoiceChoice,
};
use kokorod::system::{self, activation, notify::Notifier, service::Service};
use kokorod::text::{self, Lang, Lexicon};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

fn main() -> std::process::ExitCode {
    // The command line over the config files (`kokorod [serve]` only).
    let mut eff = match config::load(std::env::args_os()) {
        Ok(eff) => eff,
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("kokorod: {e}");
            failed_status(&e.to_string());
            return std::process::ExitCode::FAILURE;
        }
    };
    let cli: &Cli = &eff.cli;
    // Commands that print data keep stderr quiet unless asked.
    let quiet = matches!(
        cli.command,
        Some(Command::Phonemize(_) | Command::Voices(_))
    ) && cli.log_level == "info";
    system::logging::init(if quiet { "warn" } else { &cli.log_level });
    let r = match eff.cli.command.take() {
        None => serve(eff.cli.serve.clone(), eff),
        Some(Command::Serve(a)) => serve(a, eff),
        Some(Command::Say(a)) => say(a),
        Some(Command::Speak(a)) => speak(a),
        Some(Command::Voices(a)) => voices(a),
        Some(Command::Phonemize(a)) => phonemize(a),
        Some(Command::Fetch(a)) => fetch(a),
        Some(Command::Man(a)) => kokorod::manpage::write_all(&a.dir)
            .map(|_| ())
            .with_context(|| format!("writing man pages to {}", a.dir.display())),
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kokorod: {e:#}");
            failed_status(&format!("{e:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Under systemd, the reason for a failed start (or run) shows in `systemctl status`.
fn failed_status(why: &str) {
    Notifier::from_env().status(&format!("failed: {}", why.replace('\n', " ")));
}

/// The user lexicon: `--lexicon` (which must load), else `lexicon/` in the data dir (if
/// any). Bad entries are logged with file and line, never fatal.
fn load_lexicon(a: &LexiconArgs, data_dir: Option<&std::path::Path>) -> Lexicon {
    let (path, explicit) = match (&a.lexicon, data_dir) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(d)) => (d.join("lexicon"), false),
        (None, None) => return Lexicon::default(),
    };
    let (lex, warnings) = Lexicon::load(&path, explicit);
    for w in warnings {
        tracing::warn!("lexicon: {w}");
    }
    if !lex.is_empty() {
        tracing::info!(entries = lex.len(), path = %path.display(), "user lexicon loaded");
    }
    lex
}

fn resolve_assets(a: &AssetArgs) -> Result<AssetPaths> {
    Ok(AssetPaths::resolve(
        a.data_dir.as_deref(),
        a.model.as_deref(),
        a.voices.as_deref(),
        a.ort_lib.as_deref(),
    )?)
}

/// Starts the engine on the planned CPUs; sets the OpenMP environment first, while
/// this is the only thread.
fn start_engine(paths: &AssetPaths, e: &EngineArgs) -> Result<Engine> {
    let allowed = affinity::allowed_cpus();
    let cpus = e
        .cpus
        .as_deref()
        .map(|s| affinity::parse_cpu_list(s, &allowed))
        .transpose()?;
    let cpus = affinity::plan(cpus.as_deref(), e.threads);
    affinity::set_openmp_env(cpus.len());
    let t = Instant::now();
    let engine = Engine::start(EngineConfig {
        model: paths.model.clone(),
        runtime: paths.runtime.clone(),
        cpus,
        queue_depth: 64,
        warm_up: true,
        optimized_cache: e.graph_cache.then(|| paths.data_dir.clone()),
    })?;
    tracing::info!(
        model = %paths.model.display(),
        cpus = ?engine.info().cpus,
        load_ms = engine.info().load_time.as_millis() as u64,
        warm_up_ms = engine.info().warm_up_time.as_millis() as u64,
        total_ms = t.elapsed().as_millis() as u64,
        "engine ready"
    );
    Ok(engine)
}

/// Builds every installed language's phonemizer (at start just after ready, and on a
/// reload before the new voices are offered).
fn prepare_phonemizers(speech: &KokoroSpeech) -> Result<()> {
    let t = Instant::now();
    let built = speech.prepare_phonemizers()?;
    if !built.is_empty() {
        let each = built
            .iter()
            .map(|(lang, took)| format!("{} {} ms", lang.bcp47(), took.as_millis()))
            .collect::<Vec<_>>()
            .join(", ");
        tracing::info!(
            total_ms = t.elapsed().as_millis() as u64,
            rss_mib = rss_mib(),
            "phonemizers built: {each}"
        );
    }
    Ok(())
}

/// This process's resident memory, for the start-up log (0 where /proc has none).
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb / 1024)
}

fn serve(a: ServeArgs, eff: Effective) -> Result<()> {
    if a.service.check_config {
        print!("{}", eff.describe());
        return Ok(());
    }
    // systemd's sockets, taken (and LISTEN_* cleared) while this is the only thread.
    // SAFETY: no thread has been started yet.
    #[allow(unsafe_code)]
    let activated = unsafe { activation::take() }?;
    let endpoints = a
        .uris
        .iter()
        .map(|u| u.parse::<Endpoint>())
        .collect::<Result<Vec<_>, _>>()?;
    if endpoints.is_empty() && activated.is_empty() {
        bail!("nothing to listen on: give at least one --uri");
    }
    let http = http_config(&a)?;
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    voices.resolve(&a.voice).with_context(|| "--voice")?;
    // The engine (and OpenMP's environment) first, while this is the only thread.
    let engine = start_engine(&paths, &a.engine)?;
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
        },
    )?
    .with_lexicon(lexicon);
    let speech = Arc::new(SwapSpeech::new(speech));
    // Repeated answers come from memory; a reload (voices, lexicon) empties it.
    let metrics = Arc::new(Metrics::new());
    let counted = metrics.clone();
    let cached = Arc::new(
        CachedSpeech::new(speech.clone(), a.cache_size).on_lookup(move |hit| {
            if hit {
                counted.cache_hits.inc()
            } else {
                counted.cache_misses.inc()
            };
        }),
    );
    let cfg = ServerConfig {
        samples_per_chunk: a.samples_per_chunk as usize,
        max_connections: a.max_connections as usize,
        idle_timeout: std::time::Duration::from_secs(a.idle_timeout),
        max_text_chars: a.max_text_chars,
        socket_mode: a.socket_mode,
        socket_group: a.socket_group.clone(),
        shutdown_grace: std::time::Duration::from_secs(a.shutdown_timeout),
        allow_from: kokorod::server::allow::AllowList::new(a.allow_from.clone()),
        metrics,
        ..ServerConfig::default()
    };
    // Inference has its own threads; the async side only moves bytes.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kokorod-io")
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut listeners = Vec::new();
        if activated.is_empty() {
            for ep in &endpoints {
                listeners.push(
                    Listener::bind(ep, &cfg.unix_socket_options())
                        .await
                        .with_context(|| format!("listening on {ep}"))?,
                );
            }
        } else {
            tracing::info!(
                "socket activation: {} socket(s) from systemd replace --uri",
                activated.len()
            );
            for s in activated {
                let name = s.name().to_owned();
                listeners.push(
                    s.into_listener()
                        .with_context(|| format!("socket {name} from systemd"))?,
                );
            }
        }
        let shutdown = CancellationToken::new();
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
            kokorod::mdns::announce(name, &tcp);
        }
        // Bound before READY=1: every listener is up when systemd hears we are ready.
        let http = match http {
            Some((ep, http_cfg)) => {
                let l = Listener::bind(&ep, &cfg.unix_socket_options())
                    .await
                    .with_context(|| format!("HTTP API on {ep}"))?;
                let server = HttpServer::new(
                    l,
                    cached.clone(),
                    cfg.metrics.clone(),
                    http_cfg,
                    shutdown.clone(),
                )?;
                Some(tokio::spawn(server.run()))
            }
            None => None,
        };
        let server = Server::new(listeners, cached.clone(), cfg);
        let (voices_now, reload_speech, reload_cache) =
            (speech.clone(), speech.clone(), cached.clone());
        // Everything that must start or stop with the service (mDNS: advertise here,
        // withdraw when `shutdown` is cancelled, which follows STOPPING=1) hooks in here.
        Service {
            notifier: Notifier::from_env(),
            stats: server.stats(),
            voices: Arc::new(move || voices_now.voices().len()),
            threads,
            probe,
            stall: std::time::Duration::from_secs(a.service.engine_stall_timeout),
            reload: Box::new(move || {
                let r =
                    reload(&eff, a.max_text_chars, &reload_speech).map_err(|e| format!("{e:#}"));
                // Cached answers were spoken with the old voices and lexicon.
                reload_cache.clear();
                r
            }),
        }
        .start(shutdown.clone())?;
        tracing::info!(voices = voices.len(), default_voice = %a.voice, "ready");
        // The default voice's language is built; the others are built now, beside the
        // first requests, so that start-up stays short and no request builds one (a
        // request in a language still being built waits for that build).
        let warm = speech.current();
        std::thread::Builder::new()
            .name("kokorod-g2p".into())
            .spawn(move || {
                if let Err(e) = prepare_phonemizers(&warm) {
                    tracing::warn!("building the phonemizers: {e:#}");
                }
            })?;
        server.run(shutdown).await?;
        if let Some(http) = http {
            http.await.context("HTTP server task")??;
        }
        let c = cached.stats();
        tracing::info!(
            hits = c.hits,
            misses = c.misses,
            entries = c.entries,
            bytes = c.bytes,
            "response cache"
        );
        tracing::info!("stopped");
        Ok(())
    })
}

/// `--http` and its options, checked before the engine loads.
fn http_config(a: &ServeArgs) -> Result<Option<(Endpoint, HttpConfig)>> {
    let Some(uri) = &a.http.http else {
        return Ok(None);
    };
    let ep = uri.parse::<Endpoint>().context("--http")?;
    let api_key = a
        .http
        .api_key_file
        .as_deref()
        .map(kokorod::http::load_api_key)
        .transpose()?;
    let cfg = HttpConfig {
        max_text_chars: a.max_text_chars,
        api_key,
        cors_origins: a.http.cors_origins.clone(),
        shutdown_grace: std::time::Duration::from_secs(a.shutdown_timeout),
        max_connections: a.http.http_max_connections as usize,
        read_timeout: std::time::Duration::from_secs(a.http.http_timeout),
        allowed_hosts: a.http.http_allow_hosts.clone(),
        allow_from: kokorod::server::allow::AllowList::new(a.allow_from.clone()),
        max_buffered_audio: std::time::Duration::from_secs(a.http.max_buffered_audio),
        ..HttpConfig::default()
    };
    Ok(Some((ep, cfg)))
}

/// SIGHUP: re-reads the config files (under the same environment and flags), the
/// voices and the user lexicon, and swaps them in for new requests. Other changed
/// settings (listeners, threads, limits, the model) are reported as needing a restart.
fn reload(
    running: &Effective,
    max_text_chars: usize,
    speech: &SwapSpeech<KokoroSpeech>,
) -> Result<String> {
    const LIVE: &[&str] = &[
        "voice",
        "voices",
        "lexicon",
        "data-dir",
        "log-level",
        "detect-language",
    ];
    let new = config::load(std::env::args_os())?;
    let a = match &new.cli.command {
        Some(Command::Serve(a)) => a,
        _ => &new.cli.serve,
    };
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
    // The text limit is also the server's, which keeps its value until a restart.
    let cfg = KokoroConfig {
        default_voice: a.voice.clone(),
        max_text_chars,
        pauses: a.pauses.pauses(),
        detect_language: a.detect_language,
    };
    let next = speech
        .current()
        .reconfigured(voices.clone(), lexicon, cfg)?;
    // A language the new voices bring is built before they are offered.
    prepare_phonemizers(&next)?;
    speech.replace(next);
    system::logging::set_level(&new.cli.log_level).map_err(anyhow::Error::msg)?;
    // Compared with what the process started with: restart-only settings keep that.
    let restart: Vec<String> = running
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

fn say(a: SayArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading text from stdin")?;
            s
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (fmt, samples) = rt
        .block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(a.timeout),
                kokorod::client::say(&a.uri, &text, a.voice.as_deref()),
            )
            .await
        })
        .map_err(|_| {
            anyhow::anyhow!("no complete answer from {} within {} s", a.uri, a.timeout)
        })??;
    if fmt.channels != 1 {
        bail!(
            "the server sent {} channels; kokorod say writes mono",
            fmt.channels
        );
    }
    write_output(&a.output, fmt.rate, &samples)
}

fn speak(a: SpeakArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .take(a.max_text_chars as u64 * 4 + 1)
                .read_to_string(&mut s)
                .context("reading text from stdin")?;
            s
        }
    };
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    // Check the request before paying for the model load.
    voices.resolve(&a.voice)?;
    let engine = start_engine(&paths, &a.engine)?;
    let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
    let speech = KokoroSpeech::new(
        engine,
        voices,
        KokoroConfig {
            default_voice: "af_heart".into(),
            max_text_chars: a.max_text_chars,
            pauses: a.pauses.pauses(),
            detect_language: false,
        },
    )?
    .with_lexicon(lexicon);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t = Instant::now();
    let format = if a.ssml {
        TextFormat::Ssml
    } else {
        TextFormat::Text
    };
    let req = SpeakRequest {
        voice: VoiceChoice {
            name: Some(a.voice.clone()),
            language: None,
        },
        speed: a.speed,
        format,
        ..SpeakRequest::text(text)
    };
    let samples = rt.block_on(async {
        use futures::StreamExt;
        let mut stream = speech.speak(req)?;
        let mut all = Vec::new();
        while let Some(piece) = stream.next().await {
            all.extend(piece?);
        }
        Ok::<_, kokorod::speech::SpeechError>(all)
    })?;
    let secs = samples.len() as f64 / engine::SAMPLE_RATE as f64;
    let took = t.elapsed().as_secs_f64();
    tracing::info!(
        audio_s = format!("{secs:.2}"),
        synth_s = format!("{took:.2}"),
        rtf = format!("{:.3}", took / secs.max(1e-9)),
        "spoke"
    );
    write_output(&a.output, engine::SAMPLE_RATE, &samples)
}

fn write_output(path: &PathBuf, rate: u32, samples: &[i16]) -> Result<()> {
    if path.as_os_str() == "-" {
        let out = std::io::stdout().lock();
        kokorod::audio::write_wav(out, rate, samples).context("writing to stdout")?;
    } else {
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        kokorod::audio::write_wav(std::io::BufWriter::new(f), rate, samples)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn voices(a: VoicesArgs) -> Result<()> {
    let paths = resolve_assets(&a.assets)?;
    let voices = Voices::load(&paths.voices)?;
    let infos = voices.infos();
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &infos)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<16} {:<8} {:<8} GRADE",
            "NAME", "LANGUAGE", "GENDER"
        )?;
        for v in infos {
            writeln!(
                out,
                "{:<16} {:<8} {:<8} {}",
                v.name,
                v.language,
                v.gender,
                v.grade.as_deref().unwrap_or("-")
            )?;
        }
    }
    Ok(())
}

fn phonemize(a: PhonemizeArgs) -> Result<()> {
    let Some(lang) = a.voice.chars().next().and_then(Lang::from_voice_prefix) else {
        bail!(
            "voice {:?}: its name does not start with a Kokoro language letter (a b e f h i j p z)",
            a.voice
        );
    };
    let data_dir = AssetPaths::resolve(None, None, None, None)
        .ok()
        .map(|p| p.data_dir);
    let lexicon = load_lexicon(&a.lexicon, data_dir.as_deref());
    let format = if a.ssml {
        TextFormat::Ssml
    } else {
        TextFormat::Text
    };
    let ex = kokorod::speech::kokoro::explain(&a.text, format, lang, &lexicon)?;
    if ex.pieces.is_empty() {
        bail!("the text has nothing speakable");
    }
    if a.explain {
        if let Some(n) = &ex.normalized {
            println!("normalized: {n}");
        }
        for (i, p) in ex.pieces.iter().enumerate() {
            println!("piece {}: {}", i + 1, p.text);
            if !p.phonemes.is_empty() {
                println!("  phonemes ({} tokens): {}", p.tokens, p.phonemes);
            }
            if a.tokens {
                println!("  tokens: {:?}", text::tokenize(&p.phonemes));
            }
        }
        return Ok(());
    }
    let all = ex
        .pieces
        .iter()
        .filter(|p| !p.phonemes.is_empty())
        .map(|p| p.phonemes.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    println!("{all}");
    if a.tokens {
        println!("{:?}", text::tokenize(&all));
    }
    Ok(())
}

fn fetch(a: FetchArgs) -> Result<()> {
    let data_dir = match a.data_dir {
        Some(d) => d,
        None => assets::candidate_dirs(None)
            .into_iter()
            .next()
            .context("no data dir: set --data-dir or KOKOROD_DATA_DIR")?,
    };
    let cache_dir = a
        .cache_dir
        .or_else(default_cache_dir)
        .context("no cache dir: set --cache-dir or KOKOROD_CACHE_DIR")?;
    let opts = assets::FetchOptions {
        data_dir: data_dir.clone(),
        cache_dir,
        runtime: !a.no_runtime,
    };
    assets::fetch(&opts, &mut |line| eprintln!("fetch: {line}"))?;
    eprintln!("fetch: all assets verified in {}", data_dir.display());
    Ok(())
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("kokorod"))
}
