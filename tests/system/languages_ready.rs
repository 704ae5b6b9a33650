//! Every installed language's phonemizer is built at start, right after the daemon is
//! ready (the default voice's before it), never on a request's path: the real binary,
//! then a first request in each of the nine languages once the build is logged, and
//! not one phonemizer built after that (log order, not time). Prints the build times
//! and the resident memory.

use std::path::Path;
use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::rt;
use crate::support::wyoming::{synthesize, Conn};

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
    let _ = model::assets();
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::spawn(Path::new(BIN), dir.path(), &[]).expect("daemon");
    let until = std::time::Instant::now() + Duration::from_secs(120);
    while !daemon.log().contains("phonemizers built:") {
        assert!(
            std::time::Instant::now() < until,
            "no build line:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let ready_rss = rss_mib(daemon.pid());
    let rt = rt();
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
            assert!(model::rms(&c.audio(1024).await) > 0.02, "{voice}");
        }
    });
    let after_rss = rss_mib(daemon.pid());
    let status = daemon.terminate(Duration::from_secs(60)).unwrap();
    assert!(status.success());
    let log = daemon.log();
    let listening = log.find("listening on").expect("listening line");
    let built = log
        .find("phonemizers built:")
        .unwrap_or_else(|| panic!("no build line:\n{log}"));
    let built_end = built + log[built..].find('\n').unwrap_or(log.len() - built);
    // Built on a request's path, a phonemizer would announce itself after the build line.
    let late: Vec<&str> = log[built_end..]
        .lines()
        .filter(|l| l.contains("phonemizer ready"))
        .collect();
    assert!(late.is_empty(), "built on a request's path: {late:#?}");
    // The default voice's language before listening, every other one by the build line.
    assert!(
        log[..listening].contains("en-US"),
        "the default language not built before listening:\n{log}"
    );
    let before = &log[..built_end];
    for lang in [
        "en-US", "en-GB", "es-ES", "fr-FR", "hi-IN", "it-IT", "ja-JP", "pt-BR", "zh-CN",
    ] {
        assert!(
            before.contains(lang),
            "{lang} not built at start:\n{before}"
        );
    }
    for l in before.lines().filter(|l| l.contains("phonemizer")) {
        eprintln!("{l}");
    }
    eprintln!("RSS once every phonemizer is built: {ready_rss} MiB; after a request in each language: {after_rss} MiB");
}
