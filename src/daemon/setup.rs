//! The pieces every command that speaks assembles: assets, engine, lexicon and the
//! phonemizers built ahead of requests.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::DaemonError;
use crate::assets::{fetch_hint, verify_file, AssetPaths, MANIFEST};
use crate::cli::{AssetArgs, EngineArgs, LexiconArgs, Marking, WatermarkArgs};
use crate::engine::{affinity, Engine, EngineConfig};
use crate::speech::KokoroSpeech;
use crate::text::Lexicon;
use crate::watermark::Watermarker;

/// The model, voices and runtime named by the options (or found in a data dir).
pub fn resolve_assets(a: &AssetArgs) -> Result<AssetPaths, DaemonError> {
    Ok(AssetPaths::resolve(
        a.data_dir.as_deref(),
        a.model.as_deref(),
        a.voices.as_deref(),
        a.ort_lib.as_deref(),
    )?)
}

/// The watermarking network, verified against the manifest, when marking is on.
/// Missing, it stops the start only if marking was asked for explicitly.
pub fn load_watermarker(
    paths: &AssetPaths,
    args: &WatermarkArgs,
) -> Result<Option<Arc<Watermarker>>, DaemonError> {
    let (path, entry) = (&paths.watermark, &MANIFEST.watermark);
    match args.marking() {
        Marking::Off => return Ok(None),
        _ if path.is_file() => {}
        Marking::Required => {
            return Err(DaemonError::NoWatermarkModel {
                path: path.clone(),
                fix: fetch_hint(),
            })
        }
        Marking::IfInstalled => {
            tracing::warn!(
                "audio is NOT watermarked: the watermark model {} is not installed; {} (or pass --no-watermark to say so)",
                path.display(),
                fetch_hint()
            );
            return Ok(None);
        }
    }
    verify_file(path, entry.size, &entry.sha256).map_err(DaemonError::WatermarkFile)?;
    let t = Instant::now();
    let marker = Watermarker::load_embedder(path)?.with_strength(args.watermark_strength);
    tracing::info!(
        model = %path.display(),
        strength = args.watermark_strength,
        load_ms = t.elapsed().as_millis() as u64,
        "watermark ready"
    );
    Ok(Some(Arc::new(marker)))
}

/// Starts the engine on the planned CPUs. Sets the OpenMP environment first: call it
/// while the process has a single thread.
pub fn start_engine(paths: &AssetPaths, e: &EngineArgs) -> Result<Engine, DaemonError> {
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
        total_ms = t.elapsed().as_millis() as u64,
        "engine ready (warm-up follows)"
    );
    Ok(engine)
}

/// The user lexicon: `--lexicon` (which must load), else `lexicon/` in the data dir (if
/// any). Bad entries are logged with file and line, never fatal.
pub fn load_lexicon(a: &LexiconArgs, data_dir: Option<&Path>) -> Lexicon {
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

/// Builds the phonemizers of `--preload-languages` (at start just after ready, and on
/// a reload before the new voices are offered); the others wait for a first request.
pub fn prepare_phonemizers(speech: &KokoroSpeech) -> Result<(), DaemonError> {
    let t = Instant::now();
    let built = speech.prepare_phonemizers()?;
    let each = built
        .iter()
        .map(|(lang, took)| format!("{} {} ms", lang.bcp47(), took.as_millis()))
        .collect::<Vec<_>>()
        .join(", ");
    tracing::info!(
        total_ms = t.elapsed().as_millis() as u64,
        rss_mib = rss_mib(),
        "phonemizers built: {}",
        if each.is_empty() {
            "none more (the others on first use)"
        } else {
            &each
        }
    );
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
