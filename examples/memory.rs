//! Where the daemon's resident memory goes, piece by piece, in one process: ONNX
//! Runtime and the model, one inference, the language detector, then each language's
//! phonemizer built alone, with the heap trimmed after each step so that what the step
//! keeps is told apart from what glibc merely holds on to. Prints figures (MiB, from
//! /proc/self/smaps_rollup); asserts nothing. docs/RELIABILITY.md (*Memory*) has a run.
//!
//! cargo run --release --example memory -- [--thread] [--no-model] [--no-prepack]
//!     [--no-pattern] [--opt1|--opt2] [LANG…]
//!
//! `--thread` builds the phonemizers on a thread of their own, as the daemon does
//! (glibc then gives that thread an arena of its own). LANG is a BCP 47 tag (`en-US`,
//! `ja-JP`, …); without one, every language.

use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Model, Tuning, Voices};
use kokorod::text::{Lang, Phonemizer};
use std::time::Instant;

/// Resident memory from /proc/self/smaps_rollup, in KiB.
#[derive(Clone, Copy, Default)]
struct Mem {
    rss: u64,
    pss: u64,
    anon: u64,
}

impl Mem {
    fn now() -> Mem {
        let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        Mem {
            rss: field("Rss:"),
            pss: field("Pss:"),
            anon: field("Anonymous:"),
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn signed_mib(a: u64, b: u64) -> f64 {
    (a as f64 - b as f64) / 1024.0
}

#[allow(unsafe_code)] // FFI
fn trim() {
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe { libc::malloc_trim(0) };
}

/// Runs one step, prints what it added (before and after a malloc_trim) and how long
/// it took.
struct Steps {
    last: Mem,
}

impl Steps {
    fn step<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        let took = t.elapsed();
        let held = Mem::now();
        trim();
        let kept = Mem::now();
        println!(
            "{name:<22} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>8}",
            signed_mib(held.rss, self.last.rss),
            signed_mib(kept.rss, self.last.rss),
            signed_mib(kept.anon, self.last.anon),
            mib(kept.rss),
            mib(kept.anon),
            took.as_millis()
        );
        self.last = kept;
        out
    }
}

fn main() {
    let mut on_thread = false;
    let mut model = true;
    let mut tuning = Tuning::default();
    let mut langs = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--thread" => on_thread = true,
            "--no-model" => model = false,
            "--no-prepack" => tuning.prepacking = false,
            "--no-pattern" => tuning.memory_pattern = false,
            "--opt1" => tuning.opt_level = 1,
            "--opt2" => tuning.opt_level = 2,
            tag => match Lang::ALL.into_iter().find(|l| l.bcp47() == tag) {
                Some(l) => langs.push(l),
                None => panic!("unknown language {tag}"),
            },
        }
    }
    if langs.is_empty() {
        langs = Lang::ALL.to_vec();
    }
    let paths = AssetPaths::resolve(None, None, None, None).expect("assets (kokorod fetch)");
    let cpus = affinity::plan(None, None);
    affinity::set_openmp_env(cpus.len());
    println!(
        "{:<22} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8}",
        "step (MiB)", "+rss", "+trimd", "+anon", "rss", "anon", "ms"
    );
    let mut s = Steps { last: Mem::now() };
    println!(
        "{:<22} {:>7} {:>7} {:>7} {:>7.1} {:>7.1}",
        "start",
        "",
        "",
        "",
        mib(s.last.rss),
        mib(s.last.anon)
    );
    if model {
        let voices = Voices::load(&paths.voices).expect("voices");
        let mut m = s.step("model loaded", || {
            Model::load_tuned(&paths.model, &paths.runtime, &cpus, &tuning).expect("model")
        });
        let style = voices.resolve("af_heart").expect("af_heart");
        let tokens: Vec<i64> = (0..60).map(|i| 16 + i % 40).collect();
        let row = style.style.row(tokens.len()).to_vec();
        s.step("one inference (60)", || {
            m.run(&tokens, &row, 1.0).expect("run")
        });
        let long: Vec<i64> = (0..200).map(|i| 16 + i % 40).collect();
        let row = style.style.row(long.len()).to_vec();
        s.step("one inference (200)", || {
            m.run(&long, &row, 1.0).expect("run")
        });
        std::mem::forget(m);
    }
    s.step("language detector", || {
        kokorod::text::detect::LanguageGuesser::shared();
    });
    let build = move |mut s: Steps| {
        let mut kept = Vec::new();
        for lang in langs {
            kept.push(s.step(lang.bcp47(), || Phonemizer::new(lang).expect("phonemizer")));
        }
        std::mem::forget(kept);
        s
    };
    let s = if on_thread {
        std::thread::spawn(move || build(s)).join().expect("thread")
    } else {
        build(s)
    };
    let end = Mem::now();
    println!(
        "end: rss {:.1} MiB, pss {:.1} MiB, anon {:.1} MiB, file {:.1} MiB",
        mib(end.rss),
        mib(end.pss),
        mib(end.anon),
        mib(end.rss - end.anon)
    );
    let _ = s;
}
