//! The daemon's resident memory stays bounded with every voice installed (the default
//! data dir holds all 54, nine languages): once ready, after an answer in each language
//! (which builds each one's phonemizer), and after the same requests again, inferred again (the
//! response cache is off), which must not add more than a little. The bounds are far
//! above what is measured (docs/RELIABILITY.md, *Memory*), so only a real regression —
//! a phonemizer built twice, a leak per request, arena pages kept — trips them.

use std::path::Path;
use std::time::Duration;

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::wyoming::{synthesize, Conn};
use crate::support::{rt, GUARD};

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");
/// Measured 255–434 MiB with all voices.
const STEADY_MAX_MIB: u64 = 600;
/// What a second round of the same nine requests may add.
const ROUND_GROWTH_MAX_MIB: u64 = 16;

#[test]
fn resident_memory_stays_bounded_across_languages_and_rounds() {
    let _ = model::assets();
    let dir = tempfile::tempdir().unwrap();
    let mut daemon =
        Daemon::spawn(Path::new(BIN), dir.path(), &["--cache-size", "0"]).expect("daemon");
    daemon
        .wait_for_log("phonemizers built:", 1, GUARD)
        .unwrap_or_else(|e| panic!("no build line ({e}):\n{}", daemon.log()));
    let ready = daemon.rss_mib();
    let requests = model::A_SENTENCE_PER_LANGUAGE;
    let rt = rt();
    let round = || {
        rt.block_on(async {
            for (voice, text) in requests {
                let mut c = Conn::open(&daemon.tcp).await;
                c.send(synthesize(text, Some(voice))).await;
                assert!(model::rms(&c.audio(1024).await) > 0.02, "{voice}");
            }
        });
        daemon.rss_mib()
    };
    let first = round();
    let second = round();
    let status = daemon.terminate(Duration::from_secs(60)).unwrap();
    assert!(status.success());
    eprintln!("RSS: {ready} MiB ready, {first} MiB after a round in nine languages, {second} MiB after it again");
    for (when, rss) in [
        ("ready", ready),
        ("after a round", first),
        ("after two", second),
    ] {
        assert!(
            rss > 0 && rss <= STEADY_MAX_MIB,
            "{when}: {rss} MiB (bound {STEADY_MAX_MIB})"
        );
    }
    assert!(
        second <= first + ROUND_GROWTH_MAX_MIB,
        "the same round again grew RSS from {first} to {second} MiB"
    );
}
