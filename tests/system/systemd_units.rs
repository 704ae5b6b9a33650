//! The systemd units in `systemd/`: `systemd-analyze verify` accepts them, the
//! instance template `kokorod@.service` differs from `kokorod.service` only in its
//! config file, and the real daemon's engine works under the unit's
//! `MemoryDenyWriteExecute=yes` — emulated here (systemd need not be PID 1) with the
//! same seccomp filter systemd installs and with the kernel's PR_SET_MDWE, each checked
//! to bite on a write+execute mapping.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn units_pass_systemd_analyze_verify() {
    // verify wants ExecStart's binary to exist: point the copies at the one cargo built.
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    // The template as an instance: verify wants a unit it could start.
    for (name, file) in [
        ("kokorod.service", "kokorod.service"),
        ("kokorod.socket", "kokorod.socket"),
        ("kokorod@.service", "kokorod@a.service"),
    ] {
        let text = std::fs::read_to_string(repo().join("systemd").join(name)).unwrap();
        let path = dir.path().join(file);
        std::fs::write(
            &path,
            text.replace("/usr/bin/kokorod", env!("CARGO_BIN_EXE_kokorod")),
        )
        .unwrap();
        units.push(path);
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .expect("systemd-analyze (Debian package systemd)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {}\n{stderr}",
        out.status
    );
    let service = std::fs::read_to_string(&units[0]).unwrap();
    assert!(
        service.contains("\nMemoryDenyWriteExecute=yes\n"),
        "the test below proves MDWE works; keep it on"
    );
}

/// The settings of a unit, comments and blank lines left out.
fn settings(name: &str) -> Vec<String> {
    std::fs::read_to_string(repo().join("systemd").join(name))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_instance_template_is_the_service_with_its_own_config() {
    let service = settings("kokorod.service");
    let template = settings("kokorod@.service");
    let instance_only = |l: &str| !l.starts_with("Description=") && !l.starts_with("ExecStart=");
    assert_eq!(
        service
            .iter()
            .filter(|l| instance_only(l))
            .collect::<Vec<_>>(),
        template
            .iter()
            .filter(|l| instance_only(l))
            .collect::<Vec<_>>(),
        "kokorod@.service must harden and limit like kokorod.service"
    );
    assert!(
        template
            .contains(&"ExecStart=/usr/bin/kokorod serve --config /etc/kokorod/%i.toml".to_owned()),
        "{template:?}"
    );
}

/// Runs `args` under MDWE (`mode` = seccomp or prctl) through the system python3.
fn under_mdwe(mode: &str, args: &[&str]) -> std::process::Output {
    Command::new("/usr/bin/python3")
        .arg(repo().join("tests/python/mdwe_exec.py"))
        .arg(mode)
        .args(args)
        .output()
        .expect("run /usr/bin/python3")
}

#[test]
fn the_engine_speaks_under_memory_deny_write_execute() {
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    for mode in ["seccomp", "prctl"] {
        // The negative control: the restriction is in force.
        let wx = under_mdwe(
            mode,
            &[
                "/usr/bin/python3",
                "-c",
                "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)",
            ],
        );
        let err = String::from_utf8_lossy(&wx.stderr);
        if mode == "prctl" && err.contains("prctl(PR_SET_MDWE)") {
            eprintln!(
                "\n*** kernel {kernel} has no PR_SET_MDWE: only the seccomp emulation ran ***\n"
            );
            continue;
        }
        assert!(
            !wx.status.success()
                && (err.contains("PermissionError") || err.contains("Operation not permitted")),
            "{mode}: W+X mapping was allowed: {err}\n(python3-seccomp needed for the seccomp mode)"
        );
        // The real thing: ONNX Runtime loads and the model speaks.
        let wav: PathBuf = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile()
            .unwrap()
            .into_temp_path()
            .to_path_buf();
        let out = under_mdwe(
            mode,
            &[
                env!("CARGO_BIN_EXE_kokorod"),
                "speak",
                "--threads",
                "1",
                "-t",
                "Memory is never writable and executable.",
                "-o",
                wav.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{mode}: kokorod speak failed under MDWE: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let samples: Vec<i16> = hound::WavReader::open(&wav)
            .unwrap()
            .into_samples()
            .map(Result::unwrap)
            .collect();
        let rms = (samples
            .iter()
            .map(|&s| (s as f64 / 32768.0).powi(2))
            .sum::<f64>()
            / samples.len().max(1) as f64)
            .sqrt();
        assert!(
            samples.len() > 24_000 && rms > 0.02,
            "{mode}: {} samples, rms {rms}",
            samples.len()
        );
        let _ = std::fs::remove_file(&wav);
    }
}
