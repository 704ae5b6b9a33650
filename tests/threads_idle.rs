//! The engine's threads: pinned to the allowed CPUs, and silent when idle (a
//! spinning thread pool would burn a core forever; that is a bug, not a speed figure).
//! Its own test binary, so no other test burns CPU in this process meanwhile.

#[path = "support/mod.rs"]
mod support;

use kokorod::engine::{affinity, InferRequest, Priority};
use std::time::Duration;

use support::model;

/// (thread name, allowed CPU list) of every thread of this process.
fn threads() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(Result::ok)
    {
        let status = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        out.push((field("Name:"), field("Cpus_allowed_list:")));
    }
    out
}

/// CPU seconds (user + system) this process has used.
#[allow(unsafe_code)] // FFI
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / ticks
}

#[test]
fn inference_threads_are_pinned_and_idle_costs_nothing() {
    let cpus = affinity::plan(None, None);
    let engine = model::engine();
    let style = model::voices().resolve("af_heart").unwrap().style;
    // Some real work first, so every pool thread has woken at least once.
    for n in [20usize, 60, 120] {
        let r = InferRequest {
            tokens: vec![50; n],
            style: style.clone(),
            speed: 1.0,
            priority: Priority::Rest,
            due: None,
        };
        assert!(!engine.infer_blocking(r).unwrap().is_empty());
    }

    // ONNX Runtime's pool threads inherit the creating thread's name and mask, so
    // every inference thread is "kokorod-infer", each pinned to a single CPU.
    let ts = threads();
    let infer: Vec<&String> = ts
        .iter()
        .filter(|(n, _)| n == "kokorod-infer")
        .map(|(_, a)| a)
        .collect();
    assert!(infer.len() >= cpus.len(), "{ts:?}");
    for &cpu in &cpus {
        assert!(
            infer.iter().any(|a| **a == cpu.to_string()),
            "a thread pinned to CPU {cpu}: {ts:?}"
        );
    }
    assert!(
        infer
            .iter()
            .all(|a| cpus.iter().any(|c| **a == c.to_string())),
        "every inference thread on one allowed CPU: {ts:?}"
    );

    // Idle: over two seconds the whole process may use a sliver of CPU, not a core.
    std::thread::sleep(Duration::from_millis(200));
    let before = cpu_seconds();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_seconds() - before;
    assert!(
        used < 0.1,
        "idle process used {used:.2} CPU-seconds in 2 s: something spins"
    );
}
