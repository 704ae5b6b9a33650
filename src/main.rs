//! kokorod's entry point: parse the command line, set up logging, dispatch.

use anyhow::{bail, Context, Result};
use clap::Parser;
use kokorod::assets::{self, AssetPaths};
use kokorod::cli::{AssetArgs, Cli, Command, EngineArgs, FetchArgs, LexiconArgs, PhonemizeArgs, SayArgs, ServeArgs, SpeakArgs, VoicesArgs};
use kokorod::http::{HttpConfig, HttpServer};
use kokorod::metrics::Metrics;
use kokorod::server::{Endpoint, Listener, Server, ServerConfig};
use tokio_util::sync::CancellationToken;
use kokorod::engine::{self, affinity, Engine, EngineConfig, Voices};
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech, TextFormat, VoiceChoice};
use kokorod::text::{self, Lang, Lexicon};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Commands that print data keep stderr quiet unless asked.
    let quiet = matches!(cli.command, Some(Command::Phonemize(_) | Command::Voices(_))) && cli.log_level == "info";
    init_logging(if quiet { "warn" } else { &cli.log_level });
    let r = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(a)) => serve(a),
        Some(Command::Say(a)) => say(a),
        Some(Command::Speak(a)) => speak(a),
        Some(Command::Voices(a)) => voices(a),
        Some(Command::Phonemize(a)) => phonemize(a),
        Some(Command::Fetch(a)) => fetch(a),
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kokorod: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},ort=warn")));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
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
    Ok(AssetPaths::resolve(a.data_dir.as_deref(), a.model.as_deref(), a.voices.as_deref(), a.ort_lib.as_deref())?)
}

/// Starts the engine on the planned CPUs; sets the OpenMP environment first, while
/// this is the only thread.
fn start_engine(paths: &AssetPaths, e: &EngineArgs) -> Result<Engine> {
    let allowed = affinity::allowed_cpus();
    let cpus = e.cpus.as_deref().map(|s| affinity::parse_cpu_list(s, &allowed)).transpose()?;
    let cpus = affinity::plan(cpus.as_deref(), e.threads);
    affinity::set_openmp_env(cpus.len());
    let t = Instant::now();
    let engine = Engine::start(EngineConfig { model: paths.model.clone(), runtime: paths.runtime.clone(), cpus, queue_depth: 64, warm_up: true })?;
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

fn serve(a: ServeArgs) -> Result<()> {
    let endpoints = a.uris.iter().map(|u| u.parse::<Endpoint>()).collect::<Result<Vec<_>, _>>()?;
    if endpoints.is_empty() {
        bail!("nothing to listen on: give at least one --uri");
    }
    let http = http_config(&a)?;
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    voices.resolve(&a.voice).with_context(|| "--voice")?;
    // The engine (and OpenMP's environment) first, while this is the only thread.
    let engine = start_engine(&paths, &a.engine)?;
    let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
    let speech = KokoroSpeech::new(engine, voices.clone(), KokoroConfig { default_voice: a.voice.clone(), max_text_chars: a.max_text_chars })?.with_lexicon(lexicon);
    let cfg = ServerConfig {
        samples_per_chunk: a.samples_per_chunk as usize,
        max_connections: a.max_connections as usize,
        idle_timeout: std::time::Duration::from_secs(a.idle_timeout),
        max_text_chars: a.max_text_chars,
        socket_mode: a.socket_mode,
        socket_group: a.socket_group.clone(),
        shutdown_grace: std::time::Duration::from_secs(a.shutdown_timeout),
        metrics: Arc::new(Metrics::new()),
        ..ServerConfig::default()
    };
    let speech: Arc<dyn Speech> = Arc::new(speech);
    // Inference has its own threads; the async side only moves bytes.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("kokorod-io").enable_all().build()?;
    rt.block_on(async move {
        let mut listeners = Vec::new();
        for ep in &endpoints {
            listeners.push(Listener::bind(ep, &cfg.unix_socket_options()).await.with_context(|| format!("listening on {ep}"))?);
        }
        let shutdown = CancellationToken::new();
        let http = match http {
            Some((ep, http_cfg)) => {
                let l = Listener::bind(&ep, &cfg.unix_socket_options()).await.with_context(|| format!("HTTP API on {ep}"))?;
                let server = HttpServer::new(l, speech.clone(), cfg.metrics.clone(), http_cfg, shutdown.clone())?;
                Some(tokio::spawn(server.run()))
            }
            None => None,
        };
        tokio::spawn(on_signals(shutdown.clone()));
        tracing::info!(voices = voices.len(), default_voice = %a.voice, "ready");
        Server::new(listeners, speech, cfg).run(shutdown).await?;
        if let Some(http) = http {
            http.await.context("HTTP server task")??;
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// `--http` and its options, checked before the engine loads.
fn http_config(a: &ServeArgs) -> Result<Option<(Endpoint, HttpConfig)>> {
    let Some(uri) = &a.http.http else { return Ok(None) };
    let ep = uri.parse::<Endpoint>().context("--http")?;
    let api_key = a.http.api_key_file.as_deref().map(kokorod::http::load_api_key).transpose()?;
    let cfg = HttpConfig {
        max_text_chars: a.max_text_chars,
        api_key,
        cors_origins: a.http.cors_origins.clone(),
        shutdown_grace: std::time::Duration::from_secs(a.shutdown_timeout),
    };
    Ok(Some((ep, cfg)))
}

/// Cancels `token` on SIGTERM or SIGINT.
async fn on_signals(token: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    token.cancel();
}

fn say(a: SayArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("reading text from stdin")?;
            s
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (fmt, samples) = rt
        .block_on(async { tokio::time::timeout(std::time::Duration::from_secs(a.timeout), kokorod::client::say(&a.uri, &text, a.voice.as_deref())).await })
        .map_err(|_| anyhow::anyhow!("no complete answer from {} within {} s", a.uri, a.timeout))??;
    if fmt.channels != 1 {
        bail!("the server sent {} channels; kokorod say writes mono", fmt.channels);
    }
    write_output(&a.output, fmt.rate, &samples)
}

fn speak(a: SpeakArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin().take(a.max_text_chars as u64 * 4 + 1).read_to_string(&mut s).context("reading text from stdin")?;
            s
        }
    };
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    // Check the request before paying for the model load.
    voices.resolve(&a.voice)?;
    let engine = start_engine(&paths, &a.engine)?;
    let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
    let speech = KokoroSpeech::new(engine, voices, KokoroConfig { default_voice: "af_heart".into(), max_text_chars: a.max_text_chars })?.with_lexicon(lexicon);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let t = Instant::now();
    let format = if a.ssml { TextFormat::Ssml } else { TextFormat::Text };
    let req = SpeakRequest { voice: VoiceChoice { name: Some(a.voice.clone()), language: None }, speed: a.speed, format, ..SpeakRequest::text(text) };
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
    tracing::info!(audio_s = format!("{secs:.2}"), synth_s = format!("{took:.2}"), rtf = format!("{:.3}", took / secs.max(1e-9)), "spoke");
    write_output(&a.output, engine::SAMPLE_RATE, &samples)
}

fn write_output(path: &PathBuf, rate: u32, samples: &[i16]) -> Result<()> {
    if path.as_os_str() == "-" {
        let out = std::io::stdout().lock();
        kokorod::audio::write_wav(out, rate, samples).context("writing to stdout")?;
    } else {
        let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        kokorod::audio::write_wav(std::io::BufWriter::new(f), rate, samples).with_context(|| format!("writing {}", path.display()))?;
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
        writeln!(out, "{:<16} {:<8} {:<8} GRADE", "NAME", "LANGUAGE", "GENDER")?;
        for v in infos {
            writeln!(out, "{:<16} {:<8} {:<8} {}", v.name, v.language, v.gender, v.grade.as_deref().unwrap_or("-"))?;
        }
    }
    Ok(())
}

fn phonemize(a: PhonemizeArgs) -> Result<()> {
    let Some(lang) = a.voice.chars().next().and_then(Lang::from_voice_prefix) else {
        bail!("voice {:?}: its name does not start with a Kokoro language letter (a b e f h i j p z)", a.voice);
    };
    let data_dir = AssetPaths::resolve(None, None, None, None).ok().map(|p| p.data_dir);
    let lexicon = load_lexicon(&a.lexicon, data_dir.as_deref());
    let format = if a.ssml { TextFormat::Ssml } else { TextFormat::Text };
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
    let all = ex.pieces.iter().filter(|p| !p.phonemes.is_empty()).map(|p| p.phonemes.as_str()).collect::<Vec<_>>().join(" ");
    println!("{all}");
    if a.tokens {
        println!("{:?}", text::tokenize(&all));
    }
    Ok(())
}

fn fetch(a: FetchArgs) -> Result<()> {
    let data_dir = match a.data_dir {
        Some(d) => d,
        None => assets::candidate_dirs(None).into_iter().next().context("no data dir: set --data-dir or KOKOROD_DATA_DIR")?,
    };
    let cache_dir = a.cache_dir.or_else(default_cache_dir).context("no cache dir: set --cache-dir or KOKOROD_CACHE_DIR")?;
    let opts = assets::FetchOptions { data_dir: data_dir.clone(), cache_dir, runtime: !a.no_runtime };
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
