//! The Debian packages, end to end on this machine: `packaging/build-deb.sh` builds
//! them from this test's build of the binary and the fetched assets; lintian finds no error; apt
//! installs them; without the model the installed daemon refuses to start naming the
//! exact fetch command; with it, the installed binary, run as the `kokorod` user,
//! answers `describe` (Python `wyoming`) and speaks on its Unix socket; the installed
//! units pass `systemd-analyze verify` and the HAProxy example `haproxy -c`; `dpkg -r`
//! then `dpkg --purge` leave nothing.
//!
//! The package is built from the binary cargo built for this test run: what is tested
//! is the packaging (files, scripts, units, the installed daemon's behaviour), and a
//! release build would add minutes to every CI run for no check of its own;
//! `make deb` packages the release build. Needs root (it installs packages; skipped
//! loudly otherwise). Service starts during the install are refused through
//! policy-rc.d, so that a machine run by systemd neither listens on the network nor
//! announces itself.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    out
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{so}\n{se}",
        out.status
    );
    format!("{so}{se}")
}

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

const PACKAGES: [&str; 2] = ["kokorod", "kokorod-model-int8"];

/// Refuses service starts while it lives (policy-rc.d, honoured by deb-systemd-invoke).
struct NoServiceStarts(bool);

impl NoServiceStarts {
    fn new() -> Self {
        let p = Path::new("/usr/sbin/policy-rc.d");
        if p.exists() {
            return NoServiceStarts(false);
        }
        std::fs::write(
            p,
            "#!/bin/sh\n# kokorod's package test: no service starts\nexit 101\n",
        )
        .unwrap();
        ok(Command::new("chmod").args(["0755", "/usr/sbin/policy-rc.d"]));
        NoServiceStarts(true)
    }
}

impl Drop for NoServiceStarts {
    fn drop(&mut self) {
        if self.0 {
            let _ = std::fs::remove_file("/usr/sbin/policy-rc.d");
        }
    }
}

/// Purges whatever a previous run left installed.
fn purge() -> String {
    ok(Command::new("dpkg").arg("--purge").args(PACKAGES))
}

/// The installed daemon in the foreground as `kokorod`, in systemd's environment for it,
/// with the installed config; the flags override its listeners (tests bind loopback and
/// ephemeral ports only: with no non-loopback TCP listener, mDNS announces nothing).
fn installed_daemon(extra: &[&str]) -> Command {
    // setpriv execs (runuser would stay the parent and die of the test's SIGTERM itself).
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=kokorod",
        "--regid=kokorod",
        "--init-groups",
        "env",
        "-i",
        "HOME=/var/lib/kokorod",
        "STATE_DIRECTORY=/var/lib/kokorod",
        "CACHE_DIRECTORY=/var/cache/kokorod",
        "RUNTIME_DIRECTORY=/run/kokorod",
        "OMP_WAIT_POLICY=PASSIVE",
        "NO_COLOR=1",
        "PATH=/usr/bin:/bin",
    ])
    .args([
        "/usr/bin/kokorod",
        "serve",
        "--config",
        "/etc/kokorod/kokorod.toml",
        "--uri",
        "unix:///run/kokorod/kokorod.sock",
        "--uri",
        "tcp://127.0.0.1:0",
        "--http",
        "tcp://127.0.0.1:0",
        "--threads",
        "1",
    ])
    .args(extra);
    c
}

/// Waits for the daemon's line that says it listens on the Unix socket; its log keeps
/// being read (and echoed) after that, so that its writes never fail.
fn wait_listening(child: &mut Child) -> Vec<String> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut lines = Vec::new();
    for line in reader.by_ref() {
        let line = line.unwrap();
        eprintln!("kokorod: {line}");
        let done = line.contains("listening on unix:///run/kokorod/kokorod.sock");
        lines.push(line);
        if done {
            std::thread::spawn(move || {
                reader
                    .map_while(Result::ok)
                    .for_each(|l| eprintln!("kokorod: {l}"))
            });
            return lines;
        }
    }
    panic!(
        "the installed kokorod exited before listening ({:?}):\n{}",
        child.wait(),
        lines.join("\n")
    );
}

#[test]
fn packages_build_install_serve_and_purge_cleanly() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("\n*** SKIPPED debian_package: needs root to install packages ***\n");
        return;
    }
    // build-deb.sh strips it, as it does a release binary.
    let binary = Path::new(env!("CARGO_BIN_EXE_kokorod"));
    let data = kokorod::assets::AssetPaths::resolve(None, None, None, None)
        .expect("fetched assets (make fetch)")
        .data_dir;

    // Build.
    let out = tempfile::tempdir().unwrap();
    ok(Command::new(repo().join("packaging/build-deb.sh"))
        .arg(binary)
        .arg(&data)
        .arg(out.path()));
    let debs: Vec<PathBuf> = PACKAGES
        .iter()
        .map(|p| {
            std::fs::read_dir(out.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|f| {
                    f.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with(&format!("{p}_"))
                })
                .unwrap_or_else(|| panic!("no {p}_*.deb built"))
        })
        .collect();
    let field = |deb: &Path, f: &str| {
        ok(Command::new("dpkg-deb").arg("-f").arg(deb).arg(f))
            .trim()
            .to_owned()
    };
    let depends = field(&debs[0], "Depends");
    for d in [
        "libespeak-ng1",
        "libavahi-client3",
        "libc6",
        "espeak-ng-data",
        "mecab-ipadic",
        "adduser",
    ] {
        assert!(depends.contains(d), "Depends lacks {d}: {depends}");
    }
    assert_eq!(field(&debs[0], "Recommends"), "avahi-daemon");
    assert_eq!(field(&debs[1], "Architecture"), "all");
    let contents = ok(Command::new("dpkg-deb").arg("-c").arg(&debs[1]));
    assert_eq!(
        contents.matches("./usr/share/kokorod/voices/").count(),
        55,
        "54 voices and their dir:\n{contents}"
    );

    // lintian: no errors; the warnings are printed (and listed in the README).
    let lint = run(Command::new("lintian")
        .args(["--fail-on", "error", "--tag-display-limit", "0"])
        .args(&debs));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    eprintln!("lintian:\n{report}");
    assert!(
        lint.status.success() && !report.lines().any(|l| l.starts_with("E: ")),
        "lintian errors:\n{report}"
    );

    let _guard = NoServiceStarts::new();
    purge();
    let apt = |deb: &Path| {
        ok(Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .arg(deb)
            .env("DEBIAN_FRONTEND", "noninteractive"));
    };

    // The daemon alone: user, dirs, files; no model, so it names the fix and exits.
    apt(&debs[0]);
    ok(Command::new("getent").args(["passwd", "kokorod"]));
    assert_eq!(
        ok(Command::new("stat").args(["-c", "%U:%G %a", "/var/lib/kokorod"])).trim(),
        "kokorod:kokorod 750"
    );
    for f in [
        "/usr/bin/kokorod",
        "/usr/lib/systemd/system/kokorod.service",
        "/usr/lib/systemd/system/kokorod.socket",
        "/usr/lib/systemd/system/kokorod@.service",
        "/usr/share/doc/kokorod/examples/haproxy.cfg",
        "/etc/kokorod/kokorod.toml",
        "/usr/share/man/man1/kokorod-serve.1.gz",
        "/usr/share/doc/kokorod/copyright",
    ] {
        assert!(Path::new(f).is_file(), "{f} not installed");
    }
    // The example balancer config is one HAProxy accepts as it stands.
    ok(Command::new("haproxy").args(["-c", "-f", "/usr/share/doc/kokorod/examples/haproxy.cfg"]));
    assert!(std::fs::read_dir("/usr/lib/kokorod").unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("libonnxruntime.so")));
    ok(Command::new("install").args([
        "-d",
        "-o",
        "kokorod",
        "-g",
        "kokorod",
        "-m",
        "0755",
        "/run/kokorod",
    ]));
    let refused = run(&mut installed_daemon(&[]));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "kokorod started without a model:\n{err}"
    );
    assert!(err.contains("`runuser -u kokorod -- env HOME=/var/lib/kokorod kokorod fetch --data-dir /var/lib/kokorod`"), "{err}");

    // With the model package: the installed daemon serves on its Unix socket.
    apt(&debs[1]);
    let mut daemon = installed_daemon(&[])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = wait_listening(&mut daemon);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/usr/share/kokorod/kokoro-v1.0.int8.onnx")),
        "model not from the package:\n{}",
        lines.join("\n")
    );
    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let described = run(Command::new(&python)
        .arg("-c")
        .arg(DESCRIBE)
        .arg("unix:///run/kokorod/kokorod.sock"));
    let wav = out.path().join("said.wav");
    let said = run(Command::new("/usr/bin/kokorod")
        .args(["say", "--uri", "unix:///run/kokorod/kokorod.sock", "-o"])
        .arg(&wav)
        .arg("Installed from the package."));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = daemon.wait().unwrap();
    assert!(
        described.status.success(),
        "describe failed: {}{}",
        String::from_utf8_lossy(&described.stdout),
        String::from_utf8_lossy(&described.stderr)
    );
    assert!(
        String::from_utf8_lossy(&described.stdout).contains("voices 54"),
        "{}",
        String::from_utf8_lossy(&described.stdout)
    );
    assert!(
        said.status.success(),
        "say failed: {}",
        String::from_utf8_lossy(&said.stderr)
    );
    assert!(
        std::fs::metadata(&wav).unwrap().len() > 48_000,
        "too little audio"
    );
    assert!(status.success(), "SIGTERM exit: {status}");

    // The installed units.
    let man = if Command::new("man").arg("--version").output().is_ok() {
        "--man=yes"
    } else {
        "--man=no"
    };
    let verify = ok(Command::new("systemd-analyze").args([
        "verify",
        man,
        "/usr/lib/systemd/system/kokorod.service",
        "/usr/lib/systemd/system/kokorod.socket",
    ]));
    assert!(verify.trim().is_empty(), "systemd-analyze verify: {verify}");

    // Remove, then purge: nothing of ours is left.
    let files = ok(Command::new("dpkg").arg("-L").args(PACKAGES));
    ok(Command::new("dpkg").arg("-r").args(PACKAGES));
    assert!(!Path::new("/usr/bin/kokorod").exists() && !Path::new("/usr/share/kokorod").exists());
    assert!(
        Path::new("/etc/kokorod/kokorod.toml").exists(),
        "dpkg -r keeps conffiles"
    );
    purge();
    for f in files.lines().filter(|f| f.contains("kokorod")) {
        assert!(!Path::new(f).exists(), "{f} left after purge");
    }
    for p in [
        "/etc/kokorod",
        "/var/lib/kokorod",
        "/var/cache/kokorod",
        "/run/kokorod",
        "/usr/lib/kokorod",
        "/usr/share/kokorod",
        "/etc/systemd/system/kokorod.service",
        "/etc/systemd/system/multi-user.target.wants/kokorod.service",
    ] {
        assert!(
            std::fs::symlink_metadata(p).is_err(),
            "{p} left after purge"
        );
    }
    assert!(
        !run(Command::new("getent").args(["passwd", "kokorod"]))
            .status
            .success(),
        "user kokorod left after purge"
    );
    assert!(
        !run(Command::new("getent").args(["group", "kokorod"]))
            .status
            .success(),
        "group kokorod left after purge"
    );
    let status = ok(&mut sh(
        "dpkg-query -W -f='${db:Status-Status} ' kokorod kokorod-model-int8 2>/dev/null || true",
    ));
    assert!(
        !status.contains("installed") && !status.contains("config-files"),
        "dpkg still knows them: {status}"
    );
}

/// `describe` over the reference Python client; prints the program and voice count.
const DESCRIBE: &str = r#"
import asyncio, sys
from wyoming.client import AsyncClient
from wyoming.info import Describe, Info
async def main(uri):
    async with AsyncClient.from_uri(uri) as c:
        await c.write_event(Describe().event())
        while True:
            e = await asyncio.wait_for(c.read_event(), 30)
            if e is None:
                sys.exit("closed before info")
            if Info.is_type(e.type):
                tts = Info.from_event(e).tts[0]
                print(tts.name, "voices", len(tts.voices))
                return
asyncio.run(main(sys.argv[1]))
"#;
