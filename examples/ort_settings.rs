//! Measures ONNX Runtime session settings on the real model: load
//! time, the first inference of each length after the warm-up (what the first
//! requests of a fresh daemon pay), and the best of several later ones. Wall time and
//! the process's CPU time (all threads) are both printed: on a busy machine CPU time is
//! the steadier figure. One variant per process, so each pays its own cold costs;
//! `bench/ort_settings.sh` runs them all, interleaved. Prints one JSON line.
//!
//! cargo run --release --example ort_settings -- VARIANT [RUNS]
//!   base          what kokorod runs: all optimizations, 2 intra-op threads, warm-up on a short phrase
//!   opt0|opt1|opt2  graph optimization level
//!   save / saved  write the optimized graph (save), then load that file with optimizations off (saved)
//!   nopattern     memory-pattern planning off
//!   noprepack     weight pre-packing off
//!   spin          intra-op threads spin between operators
//!   notrim        no arena shrinkage or malloc_trim after each run
//!   bare          spin + notrim: ONNX Runtime's defaults
//!   threads1      one intra-op thread
//!   warm-none     no warm-up
//!   warm-multi    warm-up on three lengths

use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Model, Tuning, Voices};
use kokorod::text::{tokenize, Lang, Phonemizer};
use std::path::PathBuf;
use std::time::Instant;

const TEXTS: [(&str, &str); 3] = [
    ("short", "The lights are on."),
    ("medium", "Turn on the kitchen lights and lock the front door, then set the alarm for seven."),
    ("long", "Good morning. It is a cloudy day with a light breeze from the west, and the temperature will climb slowly through the afternoon. The washing machine finished its cycle an hour ago, and the back door is still unlocked."),
];

#[allow(unsafe_code)] // FFI
fn cpu_s() -> f64 {
    // SAFETY: rusage is plain integers, for which all zeroes is a valid value.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn rss_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// (wall ms, cpu ms) of one inference.
fn time(model: &mut Model, tokens: &[i64], style: &[f32]) -> (f64, f64) {
    let (t, c) = (Instant::now(), cpu_s());
    model.run(tokens, style, 1.0).expect("inference");
    (t.elapsed().as_secs_f64() * 1e3, (cpu_s() - c) * 1e3)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "base".into());
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let paths = AssetPaths::resolve(None, None, None, None).expect("assets: run `make fetch`");
    let mut cpus = affinity::plan(None, None);
    let saved = std::env::temp_dir().join("kokorod-ort-optimized.onnx");
    let mut tuning = Tuning::default();
    let mut model_path: PathBuf = paths.model.clone();
    let mut warm: Vec<&str> = vec!["short"];
    match variant.as_str() {
        "base" => {}
        "opt0" => tuning.opt_level = 0,
        "opt1" => tuning.opt_level = 1,
        "opt2" => tuning.opt_level = 2,
        "save" => tuning.save_optimized = Some(saved.clone()),
        "saved" => {
            model_path = saved.clone();
            tuning.opt_level = 0;
        }
        "nopattern" => tuning.memory_pattern = false,
        "noprepack" => tuning.prepacking = false,
        "spin" => tuning.spinning = true,
        "notrim" => tuning.trim_after_run = false,
        "bare" => {
            // ONNX Runtime's own defaults, as a plain Python session runs.
            tuning.spinning = true;
            tuning.trim_after_run = false;
        }
        "threads1" => cpus.truncate(1),
        "warm-none" => warm.clear(),
        "warm-multi" => warm = vec!["short", "medium", "long"],
        other => panic!("unknown variant {other}"),
    }
    affinity::set_openmp_env(cpus.len());
    let ph = Phonemizer::new(Lang::EnUs).expect("phonemizer");
    let voices = Voices::load(&paths.voices).expect("voices");
    let voice = voices.resolve("af_heart").expect("af_heart");
    let inputs: Vec<(&str, Vec<i64>)> = TEXTS
        .iter()
        .map(|(k, t)| (*k, tokenize(&ph.phonemize(t).expect("g2p"))))
        .collect();

    let (t, c) = (Instant::now(), cpu_s());
    let mut model = Model::load_tuned(&model_path, &paths.runtime, &cpus, &tuning).expect("load");
    let (load_ms, load_cpu_ms) = (t.elapsed().as_secs_f64() * 1e3, (cpu_s() - c) * 1e3);
    let t = Instant::now();
    for w in &warm {
        let toks = &inputs.iter().find(|(k, _)| k == w).unwrap().1;
        time(&mut model, toks, voice.style.row(toks.len()));
    }
    let warm_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut out = serde_json::json!({
        "variant": variant, "threads": cpus.len(), "load_ms": load_ms.round(), "load_cpu_ms": load_cpu_ms.round(),
        "warm_ms": warm_ms.round(),
    });
    for (k, toks) in &inputs {
        let style = voice.style.row(toks.len());
        let first = time(&mut model, toks, style);
        let mut best = (f64::MAX, f64::MAX);
        for _ in 0..runs {
            let (w, c) = time(&mut model, toks, style);
            best = (best.0.min(w), best.1.min(c));
        }
        out[*k] = serde_json::json!({
            "tokens": toks.len(), "first_ms": first.0.round(), "first_cpu_ms": first.1.round(),
            "best_ms": best.0.round(), "best_cpu_ms": best.1.round(),
        });
    }
    out["rss_mb"] = serde_json::json!(rss_mb("VmRSS:").round());
    out["peak_rss_mb"] = serde_json::json!(rss_mb("VmHWM:").round());
    println!("{out}");
}
