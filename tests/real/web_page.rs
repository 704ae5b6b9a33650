//! kokorod's web page in a real browser: the HTTP API over the real model, with an API
//! key, and `tests/python/web_page.py` driving Debian's headless Chromium through
//! Selenium (voice list, streamed speech played by Web Audio, a mix, an unknown voice,
//! a comparison, the metrics panel; screenshots at desktop and phone widths).
//!
//! Needs `KOKOROD_PYTHON` (a python3 with `selenium`, as `make venv` installs) and the
//! `chromium` and `chromium-driver` packages (`make deps`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use kokorod::http::HttpConfig;

use crate::support::http::TestHttp;
use crate::support::model;

const KEY: &str = "sk-kokorod-page-51c2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_speaks_in_a_real_browser() {
    let cfg = HttpConfig {
        api_key: Some(KEY.into()),
        ..HttpConfig::default()
    };
    let http = TestHttp::start(model::speech(), cfg).await;

    // The page itself needs no key; the API behind it does.
    let page = http.request("GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        http.request("GET", "/v1/audio/voices", &[], b"")
            .await
            .status,
        401
    );
    let missing = http.request("GET", "/page/missing.js", &[], b"").await;
    assert_eq!(missing.status, 404);

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .join("screenshots");
    let python = std::env::var("KOKOROD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/web_page.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(http.url())
        .arg(KEY)
        .arg(&shots)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the browser test hung")
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the browser test failed ({}); it needs chromium, chromium-driver (make deps) and \
         selenium (make venv):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("page: ok"), "{stdout}");

    // Chromium's same-origin POSTs carry an Origin: none was refused. The one error the
    // page asked for is the unknown voice.
    let metrics = http.request("GET", "/metrics", &[], b"").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(!text.contains("origin_not_allowed"), "{text}");
    assert!(
        text.contains(
            "kokorod_errors_total{protocol=\"http\",endpoint=\"speech\",code=\"unknown_voice\"} 1"
        ),
        "{text}"
    );
    for name in ["page-desktop.png", "page-phone.png"] {
        let png = std::fs::read(shots.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        eprintln!("screenshot: {}", shots.join(name).display());
    }
    http.stop().await;
}
