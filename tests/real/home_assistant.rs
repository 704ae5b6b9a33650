//! kokorod as Home Assistant's Wyoming TTS sees it, with the real model: a Python
//! client that requests and reads exactly as Home Assistant's provider does (until
//! `audio-stop` or the end of the stream, never looking at `error`) gets a prompt
//! end for every refused request, an empty answer for text with nothing to say,
//! speech for a removed voice, and finds every language under its bare and its
//! regional tag.
//!
//! Needs a python3 with the `wyoming` package (`WYOMING_PYTHON`, as the Makefile sets).

use std::collections::HashMap;
use std::path::PathBuf;

use kokorod::server::ServerConfig;
use serde_json::{json, Value};

use crate::support::model;
use crate::support::wyoming::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_assistant_gets_a_prompt_end_for_every_request() {
    let cfg = ServerConfig {
        max_text_chars: 200,
        ..ServerConfig::default()
    };
    assert!(
        cfg.idle_timeout.as_secs() >= 300,
        "the hang must outlast the client's guard"
    );
    let s = TestServer::start_with(model::speech(), cfg).await;
    let cases = json!([
        {"case": "spoken", "text": "The front door is locked.", "voice": "af_heart"},
        {"case": "no voice picked", "text": "The kitchen light is on."},
        {"case": "unknown voice", "text": "Hello.", "voice": "nobody"},
        {"case": "malformed mix", "text": "Hello.", "voice": "af_heart(x)+bf_emma"},
        {"case": "too long", "text": "word ".repeat(50)},
        {"case": "only spaces", "text": "    "},
        {"case": "only punctuation", "text": "… !"},
        {"case": "removed voice", "text": "Il fait beau.", "voice": "ff_gone"},
        {"case": "after the refusals", "text": "Still here.", "voice": "bf_emma"},
    ]);
    let (host, port) = s
        .tcp
        .strip_prefix("tcp://")
        .and_then(|a| a.rsplit_once(':'))
        .expect("tcp uri");
    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/ha_wyoming_tts.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(host)
        .arg(port)
        .arg(cases.to_string())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    let languages: Vec<String> =
        serde_json::from_value(lines.next().unwrap()["languages"].clone()).unwrap();
    let results: HashMap<String, (String, u64)> = lines
        .map(|v| {
            let case = v["case"].as_str().unwrap().to_owned();
            let outcome = v["outcome"].as_str().unwrap().to_owned();
            (case, (outcome, v["frames"].as_u64().unwrap()))
        })
        .collect();
    let outcome = |case: &str| {
        results
            .get(case)
            .unwrap_or_else(|| panic!("{case}: {stdout}"))
    };
    for spoken in [
        "spoken",
        "no voice picked",
        "removed voice",
        "after the refusals",
    ] {
        let (kind, frames) = outcome(spoken);
        assert!(
            kind == "wav" && *frames > 12_000,
            "{spoken}: {kind} {frames}\n{stdout}"
        );
    }
    // Refused: the connection ends, so Home Assistant stops waiting at once.
    for refused in ["unknown voice", "malformed mix", "too long"] {
        assert_eq!(outcome(refused).0, "none", "{refused}\n{stdout}");
    }
    // Nothing to say: an answer without audio, not a failure.
    for empty in ["only spaces", "only punctuation"] {
        assert_eq!(outcome(empty), &("wav".to_owned(), 0), "{empty}\n{stdout}");
    }
    // Home Assistant 2024.3 refused a bare tag the list lacked ("fr" against "fr-FR");
    // current versions rank matches, and an exact tag always ranks first.
    for tag in [
        "en", "en-US", "en-GB", "es", "es-ES", "fr", "fr-FR", "hi", "hi-IN", "it", "it-IT", "ja",
        "ja-JP", "pt", "pt-BR", "zh", "zh-CN",
    ] {
        assert!(
            languages.iter().any(|l| l == tag),
            "{tag} not in {languages:?}"
        );
    }
    s.stop().await;
}
