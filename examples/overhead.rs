//! What the daemon's pipeline costs on top of the bare model, in one process: the same
//! texts spoken through the pipeline (normalizer, splitter, G2P, scheduling, trimming;
//! cache off) and their exact token sequences run straight through ONNX Runtime, with
//! kokorod's session settings and with ONNX Runtime's own defaults. Rounds interleave
//! the three so a busy moment hits each alike. Wall and process CPU time both printed.
//! Prints figures; asserts nothing. `bench/overhead.sh` runs it beside a Python session.
//!
//! cargo run --release --example overhead -- [ROUNDS] [TOKENS.json]
//!
//! With TOKENS.json it also writes the token sequences there (for the Python anchor).

use futures::StreamExt;
use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Engine, EngineConfig, Model, Tuning, Voices, SAMPLE_RATE};
use kokorod::speech::kokoro::{explain, PIECE_MAX_TOKENS};
use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech, TextFormat};
use kokorod::text::{split_phonemes, tokenize, Lang, Lexicon};
use std::sync::Arc;
use std::time::Instant;

#[allow(unsafe_code)] // FFI
fn cpu_s() -> f64 {
    // SAFETY: rusage is plain integers, for which all zeroes is a valid value.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Wall and CPU seconds of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (t, c) = (Instant::now(), cpu_s());
    let out = f();
    (out, t.elapsed().as_secs_f64(), cpu_s() - c)
}

#[derive(Default, Clone, Copy)]
struct Sum {
    wall: f64,
    cpu: f64,
    audio: f64,
}

impl Sum {
    fn add(&mut self, wall: f64, cpu: f64, samples: usize) {
        self.wall += wall;
        self.cpu += cpu;
        self.audio += samples as f64 / SAMPLE_RATE as f64;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let tokens_out = args.next();
    let texts: serde_json::Value =
        serde_json::from_str(include_str!("../bench/texts.json")).expect("texts.json");
    let texts: Vec<(String, String)> = texts
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("text").to_string()))
        .collect();
    let paths = AssetPaths::resolve(None, None, None, None).expect("assets: run `make fetch`");
    let cpus = affinity::plan(None, None);
    affinity::set_openmp_env(cpus.len());
    let voices = Arc::new(Voices::load(&paths.voices).expect("voices"));
    let voice = voices.resolve("af_heart").expect("af_heart");

    // The exact inferences the pipeline runs for each text.
    let lexicon = Lexicon::default();
    let sequences: Vec<Vec<Vec<i64>>> = texts
        .iter()
        .map(|(_, t)| {
            let ex = explain(t, TextFormat::Text, Lang::EnUs, &lexicon).expect("explain");
            ex.pieces
                .iter()
                .flat_map(|p| split_phonemes(&p.phonemes, PIECE_MAX_TOKENS))
                .map(|c| tokenize(&c))
                .filter(|t| !t.is_empty())
                .collect()
        })
        .collect();
    if let Some(path) = tokens_out {
        let json = serde_json::json!({
            "style": voice.style.row(1).len(),
            "texts": texts.iter().zip(&sequences).map(|((k, _), s)| serde_json::json!({"name": k, "sequences": s})).collect::<Vec<_>>(),
        });
        std::fs::write(&path, json.to_string()).expect("write tokens");
    }

    let engine = Engine::start(EngineConfig {
        model: paths.model.clone(),
        runtime: paths.runtime.clone(),
        cpus: cpus.clone(),
        queue_depth: 8,
        warm_up: true,
        optimized_cache: None,
    })
    .expect("engine");
    let speech =
        KokoroSpeech::new(engine, voices.clone(), KokoroConfig::default()).expect("speech");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut ours = Model::load(&paths.model, &paths.runtime, &cpus).expect("model");
    let bare_tuning = Tuning {
        spinning: true,
        trim_after_run: false,
        ..Tuning::default()
    };
    let mut bare =
        Model::load_tuned(&paths.model, &paths.runtime, &cpus, &bare_tuning).expect("model");
    // The pipeline's first use builds its phonemizer: not part of any request's cost here.
    rt.block_on(async {
        let mut s = speech
            .speak(SpeakRequest::text("Hello there."))
            .expect("speak");
        while let Some(p) = s.next().await {
            p.expect("piece");
        }
    });
    let warm = tokenize("hˈɛloʊ ðˈɛɹ.");
    for m in [&mut ours, &mut bare] {
        m.run(&warm, voice.style.row(warm.len()), 1.0)
            .expect("warm-up");
    }

    let n = texts.len();
    let (mut pipe, mut model_ours, mut model_bare) = (
        vec![Sum::default(); n],
        vec![Sum::default(); n],
        vec![Sum::default(); n],
    );
    for _ in 0..rounds {
        for (i, (_, text)) in texts.iter().enumerate() {
            let (samples, wall, cpu) = timed(|| {
                rt.block_on(async {
                    let mut s = speech.speak(SpeakRequest::text(text)).expect("speak");
                    let mut n = 0;
                    while let Some(p) = s.next().await {
                        n += p.expect("piece").len();
                    }
                    n
                })
            });
            pipe[i].add(wall, cpu, samples);
            for (model, sum) in [
                (&mut ours, &mut model_ours[i]),
                (&mut bare, &mut model_bare[i]),
            ] {
                let (samples, wall, cpu) = timed(|| {
                    sequences[i]
                        .iter()
                        .map(|t| {
                            model
                                .run(t, voice.style.row(t.len()), 1.0)
                                .expect("run")
                                .len()
                        })
                        .sum::<usize>()
                });
                sum.add(wall, cpu, samples);
            }
        }
    }
    println!(
        "{:<10} {:>6} {:>5} | {:>22} | {:>22} | {:>22} | {:>9} {:>9}",
        "text",
        "tokens",
        "runs",
        "pipeline wall/cpu ms",
        "model (ours) wall/cpu",
        "model (ORT defaults)",
        "pipe/ours",
        "pipe/bare"
    );
    for (i, (name, _)) in texts.iter().enumerate() {
        let r = rounds as f64;
        let audio = pipe[i].audio;
        let cell = |s: Sum| {
            format!(
                "{:.0}/{:.0} rtf {:.3}",
                s.wall / r * 1e3,
                s.cpu / r * 1e3,
                s.wall / audio
            )
        };
        println!(
            "{:<10} {:>6} {:>5} | {:>22} | {:>22} | {:>22} | {:>8.1}% {:>8.1}%",
            name,
            sequences[i].iter().map(Vec::len).sum::<usize>(),
            sequences[i].len(),
            cell(pipe[i]),
            cell(model_ours[i]),
            cell(model_bare[i]),
            (pipe[i].wall / model_ours[i].wall - 1.0) * 100.0,
            (pipe[i].wall / model_bare[i].wall - 1.0) * 100.0,
        );
    }
    println!(
        "(means over {rounds} rounds; rtf = wall / the audio the pipeline sends, for all three)"
    );
}
