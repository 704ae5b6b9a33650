//! Resident memory as one model session sees inputs of new lengths: one inference per
//! token count, then the same counts again. Prints RSS (MiB, trimmed) after each.
//!
//! cargo run --release --example shapes -- [--no-pattern] [--no-prepack] [MAX [STEP]]
use kokorod::assets::AssetPaths;
use kokorod::engine::{affinity, Model, Tuning, Voices};

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut tuning = Tuning::default();
    let mut nums = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--no-pattern" => tuning.memory_pattern = false,
            "--no-prepack" => tuning.prepacking = false,
            n => nums.push(n.parse::<usize>().expect("a number")),
        }
    }
    let max = nums.first().copied().unwrap_or(200);
    let step = nums.get(1).copied().unwrap_or(10);
    let paths = AssetPaths::resolve(None, None, None, None).expect("assets (kokorod fetch)");
    let cpus = affinity::plan(None, None);
    affinity::set_openmp_env(cpus.len());
    let voices = Voices::load(&paths.voices).expect("voices");
    let style = voices.resolve("af_heart").expect("af_heart");
    let mut m = Model::load_tuned(&paths.model, &paths.runtime, &cpus, &tuning).expect("model");
    kokorod::engine::trim_heap();
    println!("loaded: {:.1} MiB", rss_kib() as f64 / 1024.0);
    for pass in 1..=2 {
        let start = rss_kib();
        let mut line = String::new();
        for n in (step..=max).step_by(step) {
            let tokens: Vec<i64> = (0..n).map(|i| 16 + (i as i64 * 7) % 40).collect();
            m.run(&tokens, style.style.row(n), 1.0).expect("run");
            kokorod::engine::trim_heap();
            line += &format!(" {n}:{:.0}", rss_kib() as f64 / 1024.0);
        }
        println!(
            "pass {pass}: +{:.1} MiB;{line}",
            (rss_kib() as f64 - start as f64) / 1024.0
        );
    }
}
