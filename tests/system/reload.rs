//! Voice files changed under a running daemon, then SIGHUP, while a request runs —
//! against the real daemon binary and the real model. One voice file is replaced by
//! another voice's bytes, one deleted, one added: the answer in flight keeps the
//! voices it began with, to the byte; new requests get the new set on Wyoming and
//! HTTP alike (the response cache included); a reload that meets a broken voice file
//! is refused and the previous voices keep serving.

use std::path::Path;
use std::time::Duration;

use kokorod::speech::TextFormat;
use kokorod::text::{Lang, Lexicon};
use kokorod::wyoming::Event;
use nix::sys::signal::Signal;

use crate::support::daemon::Daemon;
use crate::support::model;
use crate::support::rt;
use crate::support::wyoming::{synthesize, Conn};

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");
/// Hang guard for a log line or an exit (a model load on a busy machine included),
/// never a delay.
const GUARD: Duration = Duration::from_secs(300);
/// The daemon's default samples per audio-chunk.
const CHUNK: usize = 1024;

/// Seven sentences (~14 s of audio, more than the socket and the session's send
/// buffer hold, so the answer cannot end before the reload) whose phonemes are the
/// same in American and British English: af_heart.bin replaced by bf_emma's bytes
/// and read as en-us must then sound exactly like bf_emma. Checked, not assumed.
const PARAGRAPH: &str = "It is a big day in this town. This fish will swim with us. \
    Ben sent him six red gifts. The sun is up, but it is windy. Then Tim sits in his \
    tent, with his kit. It is fun, it is quick, but it will end with a big hug. Ken \
    will bring his tin drum.";
const SHORT: &str = "Ken will bring his tin drum.";

/// One `synthesize` on a fresh connection; the checked audio.
fn speak(rt: &tokio::runtime::Runtime, uri: &str, text: &str, voice: &str) -> Vec<i16> {
    rt.block_on(async {
        let mut conn = Conn::open(uri).await;
        conn.send(synthesize(text, Some(voice))).await;
        conn.audio(CHUNK).await
    })
}

/// The voice names `describe` lists.
fn described(rt: &tokio::runtime::Runtime, uri: &str) -> Vec<String> {
    rt.block_on(async {
        let mut conn = Conn::open(uri).await;
        conn.send(Event::Describe).await;
        match conn.next().await {
            Event::Info(info) => info
                .tts
                .iter()
                .flat_map(|p| p.voices.iter().map(|v| v.name.clone()))
                .collect(),
            other => panic!("expected info, got {other:?}"),
        }
    })
}

/// The voice ids `GET /v1/audio/voices` lists, and `/health`'s voice count.
fn http_voices(rt: &tokio::runtime::Runtime, addr: &str) -> (Vec<String>, u64) {
    rt.block_on(async {
        let list = crate::support::http::request(addr, "GET", "/v1/audio/voices", &[], b"").await;
        assert_eq!(list.status, 200);
        let ids = list.json()["voices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();
        let health = crate::support::http::request(addr, "GET", "/health", &[], b"").await;
        assert_eq!(health.status, 200);
        assert_eq!(health.json()["ready"], true);
        (ids, health.json()["voices"].as_u64().unwrap())
    })
}

/// Equal audio, or where the two first differ.
fn assert_same_audio(got: &[i16], want: &[i16], what: &str) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{what}: {} samples vs {} expected, first difference at sample {at}",
            got.len(),
            want.len()
        );
    }
}

fn copy_voices(from: &Path, to: &Path, names: &[&str]) {
    std::fs::create_dir(to).unwrap();
    for name in names {
        std::fs::copy(
            from.join(format!("{name}.bin")),
            to.join(format!("{name}.bin")),
        )
        .unwrap();
    }
}

#[test]
fn voice_files_changed_on_sighup_while_a_request_runs() {
    // The premise of comparing af_heart (read as en-us) with bf_emma (en-gb).
    let phonemes = |voice: char| -> Vec<String> {
        let lang = Lang::from_voice_prefix(voice).unwrap();
        let ex = kokorod::speech::kokoro::explain(
            PARAGRAPH,
            TextFormat::Text,
            lang,
            &Lexicon::default(),
        )
        .unwrap();
        ex.pieces.into_iter().map(|p| p.phonemes).collect()
    };
    assert_eq!(
        phonemes('a'),
        phonemes('b'),
        "the paragraph no longer reads the same in en-us and en-gb: pick other words"
    );

    let installed = model::assets().voices;
    let tmp = tempfile::tempdir().unwrap();
    let voices = tmp.path().join("voices");
    copy_voices(&installed, &voices, &["af_heart", "bf_emma", "am_adam"]);
    let dir_arg = voices.to_str().unwrap();
    let rt = rt();

    // The reference: a fresh daemon with the original voices. (The model is
    // deterministic on CPU: the same request gives the same bytes in two daemons.)
    let ref_dir = tmp.path().join("reference");
    std::fs::create_dir(&ref_dir).unwrap();
    let mut reference = Daemon::spawn(
        Path::new(BIN),
        &ref_dir,
        &["--no-config", "--voices", dir_arg],
    )
    .unwrap();
    let original = speak(&rt, &reference.unix, PARAGRAPH, "af_heart");
    assert!(model::rms(&original) > 0.02);
    assert!(
        reference.terminate(GUARD).unwrap().success(),
        "{}",
        reference.log()
    );

    let run_dir = tmp.path().join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let mut daemon = Daemon::spawn(
        Path::new(BIN),
        &run_dir,
        &[
            "--no-config",
            "--voices",
            dir_arg,
            "--http",
            "tcp://127.0.0.1:0",
        ],
    )
    .unwrap();
    let http = daemon.http.clone().expect("the HTTP address was logged");
    let mut before = described(&rt, &daemon.tcp);
    before.sort();
    assert_eq!(before, ["af_heart", "am_adam", "bf_emma"]);

    // The request in flight: audio-start and the first chunk.
    let mut inflight = rt.block_on(Conn::open(&daemon.unix));
    let first = rt.block_on(async {
        inflight.send(synthesize(PARAGRAPH, Some("af_heart"))).await;
        match inflight.next().await {
            Event::AudioStart(s) => assert_eq!((s.rate, s.width, s.channels), (24_000, 2, 1)),
            other => panic!("expected audio-start, got {other:?}"),
        }
        match inflight.next().await {
            Event::AudioChunk(c) => {
                assert_eq!(
                    (c.rate, c.width, c.channels, c.timestamp),
                    (24_000, 2, 1, Some(0))
                );
                c.audio
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect::<Vec<i16>>()
            }
            other => panic!("expected audio-chunk, got {other:?}"),
        }
    });

    // Meanwhile: one voice replaced, one deleted, one added; then SIGHUP.
    std::fs::copy(voices.join("bf_emma.bin"), voices.join("af_heart.bin")).unwrap();
    std::fs::remove_file(voices.join("am_adam.bin")).unwrap();
    std::fs::copy(voices.join("bf_emma.bin"), voices.join("zz_new.bin")).unwrap();
    daemon.signal(Signal::SIGHUP).unwrap();
    let reloaded = daemon.wait_for_log("reloaded:", 1, GUARD).unwrap();
    assert!(reloaded.contains("3 voices"), "{reloaded}");

    // The answer in flight ends whole, spoken with the voices it began with.
    let finished = rt.block_on(async {
        let samples = inflight.audio_continued(CHUNK, first).await;
        inflight.ping_pong("still here").await;
        samples
    });
    assert_same_audio(
        &finished,
        &original,
        "the answer in flight across the reload",
    );

    // New requests: the new set, on Wyoming and HTTP.
    let mut after = described(&rt, &daemon.tcp);
    after.sort();
    assert_eq!(after, ["af_heart", "bf_emma", "zz_new"]);
    let (mut ids, count) = http_voices(&rt, &http);
    ids.sort();
    assert_eq!(
        (ids, count),
        (
            vec!["af_heart".to_owned(), "bf_emma".into(), "zz_new".into()],
            3
        )
    );
    // The same request as the one in flight: not its (cached) old answer but the new file.
    let heart = speak(&rt, &daemon.tcp, PARAGRAPH, "af_heart");
    assert_ne!(
        heart, original,
        "af_heart still speaks with the file of before the reload"
    );
    let emma = speak(&rt, &daemon.unix, PARAGRAPH, "bf_emma");
    assert_same_audio(&heart, &emma, "af_heart.bin holds bf_emma's bytes now");
    rt.block_on(async {
        let mut conn = Conn::open(&daemon.tcp).await;
        // Over Wyoming a removed voice is read by its language's best voice (the
        // HTTP check below is the strict one).
        conn.send(synthesize(SHORT, Some("am_adam"))).await;
        assert!(
            model::rms(&conn.audio(CHUNK).await) > 0.02,
            "am_adam's substitute"
        );
        conn.send(synthesize(SHORT, Some("zz_new"))).await;
        assert!(model::rms(&conn.audio(CHUNK).await) > 0.02, "zz_new speaks");
        let body =
            br#"{"model":"tts-1","input":"Hello.","voice":"am_adam","response_format":"pcm"}"#;
        let gone =
            crate::support::http::request(&http, "POST", "/v1/audio/speech", &[], body).await;
        assert_eq!(
            (gone.status, gone.error_code()),
            (400, "unknown_voice".to_owned())
        );
    });

    // A reload that meets a truncated voice file is refused; the previous voices stay.
    let bytes = std::fs::read(voices.join("af_heart.bin")).unwrap();
    std::fs::write(voices.join("af_heart.bin"), &bytes[..1000]).unwrap();
    daemon.signal(Signal::SIGHUP).unwrap();
    let failed = daemon.wait_for_log("reload failed", 1, GUARD).unwrap();
    assert!(
        failed.contains("af_heart.bin"),
        "the message names the file: {failed}"
    );
    let mut kept = described(&rt, &daemon.tcp);
    kept.sort();
    assert_eq!(kept, ["af_heart", "bf_emma", "zz_new"]);
    // The cache was emptied by the attempt too: this is spoken by the voices in memory.
    let heart = speak(&rt, &daemon.unix, SHORT, "af_heart");
    let emma = speak(&rt, &daemon.tcp, SHORT, "bf_emma");
    assert_same_audio(&heart, &emma, "af_heart after the refused reload");

    let status = daemon.terminate(GUARD).unwrap();
    let log = daemon.log();
    assert!(status.success(), "{status}\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert_eq!(log.matches("reloaded:").count(), 1, "{log}");
}
