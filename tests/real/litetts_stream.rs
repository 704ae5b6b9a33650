//! `POST /v1/audio/stream` over the real model: LiteTTS's progressive endpoint, driven
//! by Python's own HTTP client (`tests/python/litetts_stream.py`: chunked whatever the
//! body says, first bytes before the last audio is produced, errors), then every body it
//! received decoded by `audio::decode` and compared with the raw PCM one.
//!
//! Needs `KOKOROD_PYTHON` (any python3: only its standard library is used).

use std::path::PathBuf;
use std::sync::Arc;

use kokorod::audio::decode::{decode_file, DecodeError, Decoded};
use kokorod::http::HttpConfig;
use kokorod::metrics::Metrics;
use kokorod::speech::Speech;

use crate::support::http::TestHttp;
use crate::support::model;

/// RMS of the middle half: speech, not silence.
fn rms(d: &Decoded) -> f32 {
    let n = d.samples.len();
    let mid = &d.samples[n / 4..n * 3 / 4];
    (mid.iter().map(|s| s * s).sum::<f32>() / mid.len() as f32).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_endpoint_streams_every_format_to_a_python_client() {
    let speech: Arc<dyn Speech> = model::speech();
    let metrics = Arc::new(Metrics::new());
    let http = TestHttp::start_with(speech, HttpConfig::default(), metrics.clone()).await;
    let out = tempfile::tempdir().unwrap();

    let python = std::env::var("KOKOROD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/litetts_stream.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(http.url())
        .arg(out.path())
        .kill_on_drop(true)
        .output();
    let done = tokio::time::timeout(std::time::Duration::from_secs(900), run)
        .await
        .expect("python client hung")
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr),
    );
    eprintln!("{stdout}");
    assert!(
        done.status.success(),
        "stream endpoint checks failed ({}):\n{stdout}\n{stderr}",
        done.status
    );

    // The raw PCM body is the reference; our decoder refuses it (no header), as it must.
    let pcm = std::fs::read(out.path().join("pcm")).unwrap();
    let reference = pcm.len() / 2;
    assert!(reference > 24_000, "{reference} samples");
    assert!(matches!(
        decode_file(&out.path().join("pcm")),
        Err(DecodeError::UnknownFormat { .. })
    ));
    for (fmt, rate, slack) in [
        // Lossless: the same samples, so the same length.
        ("wav", 24_000, 0),
        // The last block is padded to flacenc's shortest (32 samples).
        ("flac", 24_000, 32),
        // No LAME tag: the encoder's delay and last frame's padding stay.
        ("mp3", 24_000, 4 * 576),
        // Opus decodes at 48 kHz; pre-skip and end trim give the exact length.
        ("opus", 48_000, 0),
    ] {
        let d = decode_file(&out.path().join(fmt)).unwrap_or_else(|e| panic!("{fmt}: {e:#}"));
        assert_eq!(d.rate, rate, "{fmt}");
        let want = reference * rate as usize / 24_000;
        let got = d.samples.len();
        // Same text, same voice: the same audio up to the codec's padding (the model is
        // run again for each request, so allow a few ms either way as the openai test does).
        let tolerance = rate as usize / 100;
        assert!(
            got + tolerance >= want && got <= want + slack * rate as usize / 24_000 + tolerance,
            "{fmt}: {got} samples at {rate} Hz, the PCM body has {want}"
        );
        let level = rms(&d);
        assert!(level > 0.02, "{fmt}: RMS {level}: silence?");
    }
    let long = decode_file(&out.path().join("long.wav")).unwrap();
    assert!(
        long.samples.len() > 20 * 24_000,
        "long: {} s",
        long.samples.len() / 24_000
    );

    // Counted under its own endpoint label.
    let text = http.request("GET", "/metrics", &[], b"").await;
    let text = String::from_utf8_lossy(&text.body);
    assert!(
        text.contains("kokorod_requests_total{protocol=\"http\",endpoint=\"stream\"} 8"),
        "{text}"
    );
    assert!(
        text.contains(
            "kokorod_errors_total{protocol=\"http\",endpoint=\"stream\",code=\"unknown_voice\"} 1"
        ),
        "{text}"
    );
    http.stop().await;
}
