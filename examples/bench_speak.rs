//! Figures for the engine: model load and warm-up, inference time and
//! real-time factor for a 10-word sentence and a 60-word paragraph, peak RSS.
//! Prints figures; asserts nothing. `bench/speak.sh` runs it beside the anchor.
//!
//! cargo run --release --example bench_speak -- [RUNS]

use futures::StreamExt;
use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Engine, EngineConfig, Voices, SAMPLE_RATE};
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech};
use std::sync::Arc;
use std::time::Instant;

fn vm_hwm_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let texts: serde_json::Value =
        serde_json::from_str(include_str!("../bench/texts.json")).expect("texts.json");
    let t0 = Instant::now();
    let paths = AssetPaths::resolve(None, None, None, None).expect("assets: run `make fetch`");
    let cpus = affinity::plan(None, None);
    affinity::set_openmp_env(cpus.len());
    let engine = Engine::start(EngineConfig {
        model: paths.model,
        runtime: paths.runtime,
        cpus,
        queue_depth: 8,
        warm_up: true,
        optimized_cache: None,
    })
    .expect("engine");
    let voices = Arc::new(Voices::load(&paths.voices).expect("voices"));
    let speech =
        KokoroSpeech::new(engine.clone(), voices, KokoroConfig::default()).expect("speech");
    let info = engine.info();
    // Ready comes before the warm-up; the figures below are of a warm engine.
    while info.warm_up_time.get().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    println!(
        "kokorod  threads={} load={:.0}ms warm-up={:.0}ms start-to-warm={:.0}ms",
        info.cpus.len(),
        info.load_time.as_secs_f64() * 1e3,
        info.warm_up_time
            .get()
            .map_or(0.0, |d| d.as_secs_f64() * 1e3),
        t0.elapsed().as_secs_f64() * 1e3
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for key in ["sentence", "paragraph"] {
        let text = texts[key].as_str().expect("text");
        let (mut total, mut first, mut audio_s) = (0.0, 0.0, 0.0);
        for _ in 0..runs {
            let t = Instant::now();
            let (samples, ttfa) = rt.block_on(async {
                let mut s = speech.speak(SpeakRequest::text(text)).expect("speak");
                let mut n = 0usize;
                let mut ttfa = None;
                while let Some(p) = s.next().await {
                    ttfa.get_or_insert(t.elapsed().as_secs_f64());
                    n += p.expect("piece").len();
                }
                (n, ttfa.unwrap_or(0.0))
            });
            total += t.elapsed().as_secs_f64();
            first += ttfa;
            audio_s = samples as f64 / SAMPLE_RATE as f64;
        }
        let mean = total / runs as f64;
        println!("kokorod  {key:<9} words={:<3} audio={audio_s:.2}s synth={:.0}ms first-audio={:.0}ms rtf={:.3}",
            text.split_whitespace().count(), mean * 1e3, first / runs as f64 * 1e3, mean / audio_s);
    }
    println!("kokorod  peak-rss={:.0}MB", vm_hwm_mb());
}
