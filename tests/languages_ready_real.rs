//! Every installed language's phonemizer is built before the daemon listens (and so
//! before READY=1): the real binary, then a first request in each of the nine
//! languages, and not one phonemizer built on a request's path (log order, not time).
//! Prints the build times and the resident memory once ready.

mod common;
#[path = "../examples/kokorod_load/load.rs"]
mod load;
mod server_support;

use std::path::Path;
use std::time::Duration;

use load::Daemon;
use server_support::{synthesize, Conn};

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");

fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

#[test]
fn no_phonemizer_is_built_on_a_request_path() {
    let _ = common::assets();
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::spawn(Path::new(BIN), dir.path(), &[]).expect("daemon");
    let ready_rss = rss_mib(daemon.pid());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let firsts = [
        ("af_heart", "The lights are on."),
        ("bf_emma", "The lights are on."),
        ("ef_dora", "Las luces están encendidas."),
        ("ff_siwis", "Les lumières sont allumées."),
        ("hf_alpha", "बत्तियाँ जल रही हैं।"),
        ("if_sara", "Le luci sono accese."),
        ("jf_alpha", "電気がついています。"),
        ("pf_dora", "As luzes estão acesas."),
        ("zf_xiaobei", "灯亮着。"),
    ];
    rt.block_on(async {
        for (voice, text) in firsts {
            let mut c = Conn::open(&daemon.tcp).await;
            c.send(synthesize(text, Some(voice))).await;
            assert!(common::rms(&c.audio(1024).await) > 0.02, "{voice}");
        }
    });
    let after_rss = rss_mib(daemon.pid());
    let status = daemon.terminate(Duration::from_secs(60)).unwrap();
    assert!(status.success());
    let log = daemon.log();
    let listening = log.find("listening on").expect("listening line");
    // Built on a request's path, a phonemizer would announce itself after this point.
    let late: Vec<&str> = log[listening..]
        .lines()
        .filter(|l| l.contains("phonemizer ready"))
        .collect();
    assert!(late.is_empty(), "built on a request's path: {late:#?}");
    let built = log
        .find("phonemizers built:")
        .unwrap_or_else(|| panic!("no build line:\n{log}"));
    assert!(
        built < listening,
        "phonemizers built after the daemon listened:\n{log}"
    );
    let line = log[built..].lines().next().unwrap_or_default();
    // The default voice's language is built with the pipeline, the others just after.
    let before = &log[..listening];
    for lang in [
        "en-US", "en-GB", "es-ES", "fr-FR", "hi-IN", "it-IT", "ja-JP", "pt-BR", "zh-CN",
    ] {
        assert!(
            before.contains(lang),
            "{lang} not built before listening:\n{before}"
        );
    }
    for l in before.lines().filter(|l| l.contains("phonemizer")) {
        eprintln!("{l}");
    }
    eprintln!("RSS once ready: {ready_rss} MiB; after a request in each language: {after_rss} MiB");
    let _ = line;
}
