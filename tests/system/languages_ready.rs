//! When phonemizers are built, on the real binary with all 54 voices (nine languages).
//! By default only the default voice's, before listening: a first request in another
//! language builds that language's once (log order), and the memory of the unused ones
//! is never taken. With `--preload-languages all` every installed language is built
//! right after ready and not one on a request's path. Prints build times, first-request
//! times and resident memory.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::wyoming::{synthesize, Conn};
use crate::support::{rt, GUARD};

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");
/// Japanese, Mandarin and the second English dialect measured 114 MiB together.
const LAZY_SAVES_MIN_MIB: u64 = 50;

/// A daemon whose start-up builds are done (its build line is logged).
fn started(extra: &[&str]) -> (Daemon, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::spawn(Path::new(BIN), dir.path(), extra).expect("daemon");
    daemon
        .wait_for_log("phonemizers built:", 1, GUARD)
        .unwrap_or_else(|e| panic!("no build line ({e}):\n{}", daemon.log()));
    (daemon, dir)
}

/// Speaks each (voice, text) on a connection of its own; returns the first-audio times.
fn speak_each(daemon: &Daemon, requests: &[(&str, &str)]) -> Vec<Duration> {
    rt().block_on(async {
        let mut took = Vec::new();
        for (voice, text) in requests {
            let t = Instant::now();
            let mut c = Conn::open(&daemon.tcp).await;
            c.send(synthesize(text, Some(voice))).await;
            let audio = c.audio(1024).await;
            took.push(t.elapsed());
            assert!(model::rms(&audio) > 0.02, "{voice}");
        }
        took
    })
}

/// The log's lines after the build line that announce a phonemizer.
fn built_after_start(log: &str) -> Vec<&str> {
    let built = log
        .find("phonemizers built:")
        .unwrap_or_else(|| panic!("no build line:\n{log}"));
    let built_end = built + log[built..].find('\n').unwrap_or(log.len() - built);
    log[built_end..]
        .lines()
        .filter(|l| l.contains("phonemizer ready"))
        .collect()
}

const FIRSTS: [(&str, &str); 9] = model::A_SENTENCE_PER_LANGUAGE;

#[test]
fn other_languages_are_built_on_first_use_unless_preloaded() {
    let _ = model::assets();

    // Default: the default voice's language only, before listening.
    let (mut daemon, _dir) = started(&[]);
    let lazy_ready = daemon.rss_mib();
    let log = daemon.log();
    let listening = log.find("listening on").expect("listening line");
    assert!(
        log[..listening].contains("language=\"en-US\""),
        "the default language not built before listening:\n{log}"
    );
    assert!(
        built_after_start(&log).is_empty() && !log.contains("language=\"ja-JP\""),
        "built without a request:\n{log}"
    );
    let ja = [
        ("jf_alpha", FIRSTS[6].1),
        ("jf_alpha", "扉が閉まっています。"),
    ];
    let took = speak_each(&daemon, &[ja[0], ja[1], FIRSTS[1], FIRSTS[2]]);
    let lazy_after = daemon.rss_mib();
    assert!(daemon.terminate(Duration::from_secs(60)).unwrap().success());
    let log = daemon.log();
    let late = built_after_start(&log);
    for lang in ["ja-JP", "en-GB", "es-ES"] {
        let n = late.iter().filter(|l| l.contains(lang)).count();
        assert_eq!(n, 1, "{lang} built {n} times by its requests:\n{log}");
    }
    assert_eq!(late.len(), 3, "built by no request of theirs:\n{log}");
    for l in &late {
        eprintln!("{l}");
    }
    eprintln!(
        "first audio: Japanese {:?} then {:?} (built by the first), en-GB {:?}, es-ES {:?}",
        took[0], took[1], took[2], took[3]
    );

    // Preloaded: every installed language right after ready, none on a request's path.
    let (mut daemon, _dir) = started(&["--preload-languages", "all"]);
    let all_ready = daemon.rss_mib();
    speak_each(&daemon, &FIRSTS);
    let all_after = daemon.rss_mib();
    assert!(daemon.terminate(Duration::from_secs(60)).unwrap().success());
    let log = daemon.log();
    let late = built_after_start(&log);
    assert!(late.is_empty(), "built on a request's path: {late:#?}");
    let before = &log[..log.find("phonemizers built:").unwrap()];
    for lang in [
        "en-US", "en-GB", "es-ES", "fr-FR", "hi-IN", "it-IT", "ja-JP", "pt-BR", "zh-CN",
    ] {
        assert!(
            before.contains(&format!("language=\"{lang}\"")),
            "{lang} not built at start:\n{before}"
        );
    }
    for l in log.lines().filter(|l| l.contains("phonemizer")) {
        eprintln!("{l}");
    }
    eprintln!(
        "RSS, MiB: default {lazy_ready} ready, {lazy_after} after ja, en-GB, es; \
         preloaded {all_ready} ready, {all_after} after all nine"
    );
    assert!(
        lazy_ready + LAZY_SAVES_MIN_MIB <= all_ready,
        "not building unused languages saved too little: {lazy_ready} against {all_ready} MiB"
    );
}
