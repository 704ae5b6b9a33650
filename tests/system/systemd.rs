//! kokorod as a systemd service, against the real binary and the real model: the
//! notify protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a datagram
//! socket this test binds as `NOTIFY_SOCKET`; SIGHUP reloads without dropping a
//! connection; socket activation (`LISTEN_FDS`) over TCP and Unix with the reference
//! Python `wyoming` client; config files, drop-ins, environment and flags in order;
//! engine health as the watchdog sees it; client text never forges a log line.
//!
//! systemd itself is not PID 1 here: the test plays the service manager's part.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kokorod::wyoming::Event;

use crate::support::model;
use crate::support::rt;
use crate::support::wyoming::{synthesize, synthesize_in, Conn};

const BIN: &str = env!("CARGO_BIN_EXE_kokorod");
/// A hang guard for one wait (the model load on a busy machine included), never a delay.
const GUARD: Duration = Duration::from_secs(300);

/// The service manager's end of `NOTIFY_SOCKET`: a thread reads every datagram at
/// once, as systemd does (an unread queue would fill up and drop messages).
struct Notify {
    rx: std::sync::mpsc::Receiver<String>,
    path: PathBuf,
    /// Every message read so far, in order.
    log: Vec<String>,
}

impl Notify {
    fn bind(dir: &Path) -> Notify {
        let path = dir.join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                if tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .is_err()
                {
                    return;
                }
            }
        });
        Notify {
            rx,
            path,
            log: Vec::new(),
        }
    }

    fn next(&mut self) -> String {
        let msg = self
            .rx
            .recv_timeout(GUARD)
            .unwrap_or_else(|e| panic!("no notification ({e}); so far: {:?}", self.log));
        self.log.push(msg.clone());
        msg
    }

    /// Reads until a message has `line` (one of its lines, exactly or as a prefix).
    fn until(&mut self, line: &str) -> String {
        loop {
            let msg = self.next();
            if msg.lines().any(|l| l.starts_with(line)) {
                return msg;
            }
        }
    }
}

/// The daemon's stderr, collected by a thread.
struct Daemon {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    fn spawn(mut cmd: Command) -> Daemon {
        cmd.stderr(Stdio::piped())
            .stdout(Stdio::null())
            .stdin(Stdio::null());
        let mut child = cmd.spawn().expect("start kokorod");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Daemon {
            child,
            stderr: lines,
        }
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig).unwrap();
    }

    /// Waits for the exit (a hang guard, not a timing).
    fn wait(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain what is left.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(start.elapsed() < GUARD, "kokorod did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kokorod's log:\n{}", self.stderr());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kokorod(dir: &Path, config: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--threads")
        .arg("1");
    for var in [
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
        "WATCHDOG_PID",
        "LISTEN_FDS",
        "LISTEN_PID",
        "LISTEN_FDNAMES",
        "JOURNAL_STREAM",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn notify_protocol_from_start_through_reload_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kokorod.toml");
    std::fs::write(&config, "# nothing yet\n").unwrap();
    let socket = dir.path().join("k.sock");
    let uri = format!("unix://{}", socket.display());
    let mut notify = Notify::bind(dir.path());
    let mut cmd = kokorod(dir.path(), &config);
    cmd.arg("--uri")
        .arg(&uri)
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "2000000");
    let mut daemon = Daemon::spawn(cmd);

    // The first message is READY, with a readable status, once everything is bound.
    let ready = notify.next();
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    assert!(
        ready.contains("STATUS=ready: 54 voices, 1 thread, 0 connections"),
        "{ready}"
    );
    assert!(socket.exists(), "READY before the socket was bound");

    let rt = rt();
    let mut conn = rt.block_on(Conn::open(&uri));
    notify.until("STATUS=ready: 54 voices, 1 thread, 1 connection");
    // The watchdog pings on its own (WATCHDOG_PID unset: meant for us).
    notify.until("WATCHDOG=1");
    let before = rt.block_on(async {
        conn.send(synthesize("Good evening.", None)).await;
        conn.audio(1024).await
    });
    assert!(model::rms(&before) > 0.02);

    // SIGHUP: RELOADING with the monotonic time, then READY; the new default voice
    // is used, a restart-only change is reported, the connection stays.
    std::fs::write(
        &config,
        "voice = \"bf_emma\"\nmax-connections = 7\nlog-level = \"debug\"\n",
    )
    .unwrap();
    daemon.signal(nix::sys::signal::Signal::SIGHUP);
    let reloading = notify.until("RELOADING=1");
    assert!(
        reloading
            .lines()
            .any(|l| l.starts_with("MONOTONIC_USEC=") && l[15..].parse::<u64>().is_ok()),
        "{reloading}"
    );
    let ready = notify.until("READY=1");
    assert!(
        ready.contains("STATUS=ready: 54 voices, 1 thread, 1 connection"),
        "{ready}"
    );
    let (after, emma) = rt.block_on(async {
        conn.send(synthesize("Good evening.", None)).await;
        let after = conn.audio(1024).await;
        conn.send(synthesize("Good evening.", Some("bf_emma")))
            .await;
        (after, conn.audio(1024).await)
    });
    assert_eq!(after, emma, "the reloaded default voice speaks");
    assert_ne!(after, before);
    // The level came down to debug: requests are now logged with their text.
    assert_eq!(
        daemon.stderr().matches("synthesize: Good evening.").count(),
        2,
        "{}",
        daemon.stderr()
    );
    assert!(
        daemon
            .stderr()
            .contains("need a restart (systemctl restart kokorod): max-connections"),
        "{}",
        daemon.stderr()
    );

    drop(conn);
    notify.until("STATUS=ready: 54 voices, 1 thread, 0 connections");
    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    let stopping = notify.until("STOPPING=1");
    assert!(stopping.contains("STATUS=stopping"), "{stopping}");
    assert!(daemon.wait().success(), "{}", daemon.stderr());
    assert!(!socket.exists(), "our socket file is removed on exit");

    // The order a service manager saw.
    let pos = |what: &str| {
        notify
            .log
            .iter()
            .position(|m| m.lines().any(|l| l == what))
            .unwrap_or_else(|| panic!("no {what}: {:?}", notify.log))
    };
    let last_ready = notify
        .log
        .iter()
        .rposition(|m| m.lines().any(|l| l == "READY=1"))
        .unwrap();
    assert!(pos("READY=1") < pos("WATCHDOG=1") && pos("WATCHDOG=1") < pos("RELOADING=1"));
    assert!(pos("RELOADING=1") < last_ready && last_ready < pos("STOPPING=1"));
}

/// Dups `fd` to a high, close-on-exec number so that `dup2` onto 3, 4… in the child
/// cannot clobber another source.
#[allow(unsafe_code)] // FFI
fn high_fd(fd: std::os::fd::BorrowedFd<'_>) -> std::os::fd::OwnedFd {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we own, or -1.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 100) };
    assert!(new >= 0);
    // SAFETY: fresh descriptor.
    unsafe { std::os::fd::OwnedFd::from_raw_fd(new) }
}

#[test]
#[allow(unsafe_code)] // pre_exec
fn socket_activation_serves_tcp_and_unix_and_leaves_systemds_socket() {
    use std::os::fd::{AsFd, AsRawFd};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kokorod.toml");
    std::fs::write(&config, "").unwrap();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_uri = format!("tcp://{}", tcp.local_addr().unwrap());
    let socket = dir.path().join("activated.sock");
    let unix = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let unix_uri = format!("unix://{}", socket.display());
    let (fd_a, fd_b) = (high_fd(tcp.as_fd()), high_fd(unix.as_fd()));
    let (a, b) = (fd_a.as_raw_fd(), fd_b.as_raw_fd());
    drop((tcp, unix)); // the kernel sockets live on in `fd_a` and `fd_b`
    let ignored = dir.path().join("from-uri.sock");
    let mut notify = Notify::bind(dir.path());

    // As systemd does it: fds from 3, LISTEN_PID = the daemon's pid (the shell's, which
    // `exec` keeps), names in LISTEN_FDNAMES.
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir.path())
        .arg("-c")
        .arg("export LISTEN_PID=$$ WATCHDOG_PID=$$; exec \"$0\" \"$@\"")
        .arg(BIN);
    cmd.args([
        "serve",
        "--threads",
        "1",
        "--log-level",
        "debug",
        "--config",
    ])
    .arg(&config)
    .arg("--uri")
    .arg(format!("unix://{}", ignored.display()));
    cmd.env("LISTEN_FDS", "2")
        .env("LISTEN_FDNAMES", "wyoming-tcp:wyoming-unix")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "2000000");
    for var in ["JOURNAL_STREAM", "RUST_LOG"] {
        cmd.env_remove(var);
    }
    // SAFETY: dup2 is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for (from, to) in [(a, 3), (b, 4)] {
                if libc::dup2(from, to) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut daemon = Daemon::spawn(cmd);
    notify.until("READY=1");
    drop((fd_a, fd_b)); // the daemon has its own copies
    notify.until("WATCHDOG=1"); // WATCHDOG_PID names the daemon: it pings
    assert!(!ignored.exists(), "passed sockets replace --uri");

    // The reference client over both sockets.
    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    for uri in [&tcp_uri, &unix_uri] {
        let out = Command::new(&python)
            .arg("-c")
            .arg(PY_CLIENT)
            .arg(uri)
            .output()
            .unwrap_or_else(|e| panic!("{python}: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{uri}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (voices, samples) = stdout.trim().split_once(' ').unwrap();
        assert_eq!(voices, "54", "{uri}");
        assert!(
            samples.parse::<usize>().unwrap() > 12_000,
            "{uri}: {stdout}"
        );
    }

    // A client's text and voice with line breaks and escapes are logged as one
    // escaped line each (the text at debug level, the voice in an error).
    let rt = rt();
    rt.block_on(async {
        let mut c = Conn::open(&tcp_uri).await;
        c.send(synthesize(
            "Hello.",
            Some("nope\nERROR kokorod: forged voice"),
        ))
        .await;
        assert!(matches!(c.next().await, Event::Error(_)));
        let mut c = Conn::open(&tcp_uri).await;
        c.send(synthesize(
            "Hello.\nERROR kokorod: forged line\r\u{1b}[2J",
            None,
        ))
        .await;
        // Accepted (and so logged); leaving cancels the rest.
        assert!(matches!(c.next().await, Event::AudioStart(_)));
        // Logged with the voice that spoke, not the request's words for it.
        let mut c = Conn::open(&tcp_uri).await;
        c.send(synthesize_in("The kettle is on.", "en-GB")).await;
        assert!(model::rms(&c.audio(1024).await) > 0.02);
        let mut c = Conn::open(&tcp_uri).await;
        c.send(synthesize(
            "The kettle is off.",
            Some(" af_heart + am_adam(3) "),
        ))
        .await;
        assert!(model::rms(&c.audio(1024).await) > 0.02);
    });

    daemon.signal(nix::sys::signal::Signal::SIGTERM);
    notify.until("STOPPING=1");
    assert!(daemon.wait().success(), "{}", daemon.stderr());
    let log = daemon.stderr();
    assert!(
        log.contains("socket activation: 2 socket(s) from systemd replace --uri"),
        "{log}"
    );
    // (tracing's formatter writes ESC as `\x1b` itself; line breaks are ours to escape.)
    assert!(
        log.contains("synthesize: Hello.\\nERROR kokorod: forged line\\r"),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("unknown-voice") && l.contains("forged voice")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("spoke ") && l.contains("voice=af_heart") && l.contains("rtf=")),
        "{log}"
    );
    for voice in ["bf_emma", "af_heart(1)+am_adam(3)"] {
        assert!(
            log.lines()
                .any(|l| l.contains("spoke ") && l.contains(&format!("voice={voice} "))),
            "{voice}: {log}"
        );
    }
    assert!(
        !log.lines().any(|l| l.starts_with("ERROR kokorod: forged")),
        "{log}"
    );
    assert!(!log.contains('\u{1b}'), "{log}");
    assert!(socket.exists(), "systemd's socket file is left to systemd");
}

const PY_CLIENT: &str = r#"
import asyncio, sys
from wyoming.client import AsyncClient
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize
from wyoming.audio import AudioChunk, AudioStop

async def main(uri):
    async with AsyncClient.from_uri(uri) as c:
        await c.write_event(Describe().event())
        while True:
            e = await c.read_event()
            if Info.is_type(e.type):
                info = Info.from_event(e)
                break
        await c.write_event(Synthesize(text="Socket activation works.").event())
        n = 0
        while True:
            e = await c.read_event()
            if AudioChunk.is_type(e.type):
                n += len(AudioChunk.from_event(e).audio) // 2
            elif AudioStop.is_type(e.type):
                break
        print(len(info.tts[0].voices), n)

asyncio.run(asyncio.wait_for(main(sys.argv[1]), 120))
"#;

/// `kokorod --check-config` with `args` and `env`: (success, stdout, stderr).
fn check_config(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).arg("--check-config").args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("KOKOROD_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn line_of<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key}:\n{out}"))
}

#[test]
fn config_precedence_file_then_drop_ins_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("kokorod.d")).unwrap();
    std::fs::write(d.join("kokorod.toml"), "voice = \"af_bella\"\nuri = [\"tcp://127.0.0.1:10299\", \"unix:///run/x.sock\"]\nsamples-per-chunk = 512\nidle-timeout = 30\n").unwrap();
    std::fs::write(
        d.join("kokorod.d/10-a.toml"),
        "voice = \"am_adam\"\nsamples-per-chunk = 2048\n",
    )
    .unwrap();
    std::fs::write(d.join("kokorod.d/20-b.toml"), "voice = \"bf_emma\"\n").unwrap();
    let main = d.join("kokorod.toml");
    let c = main.to_str().unwrap();

    let (ok, out, err) = check_config(d, &["--config", c], &[]);
    assert!(ok, "{err}");
    assert!(
        line_of(&out, "voice").starts_with("voice = \"bf_emma\"  # ")
            && line_of(&out, "voice").ends_with("20-b.toml"),
        "{out}"
    );
    assert!(
        line_of(&out, "samples-per-chunk").ends_with("10-a.toml"),
        "{out}"
    );
    assert!(
        line_of(&out, "samples-per-chunk").contains("\"2048\""),
        "{out}"
    );
    assert_eq!(
        line_of(&out, "uri"),
        format!("uri = [\"tcp://127.0.0.1:10299\", \"unix:///run/x.sock\"]  # {c}")
    );
    assert_eq!(
        line_of(&out, "max-connections"),
        "max-connections = \"64\"  # default"
    );

    // The environment beats the files; a flag beats the environment.
    let (_, out, _) = check_config(d, &["--config", c], &[("KOKOROD_VOICE", "af_sky")]);
    assert_eq!(line_of(&out, "voice"), "voice = \"af_sky\"  # environment");
    assert!(line_of(&out, "samples-per-chunk").ends_with("10-a.toml"));
    let (_, out, _) = check_config(
        d,
        &["--config", c, "--voice", "am_michael"],
        &[("KOKOROD_VOICE", "af_sky")],
    );
    assert_eq!(line_of(&out, "voice"), "voice = \"am_michael\"  # flag");
    let (_, out, _) = check_config(d, &["--idle-timeout", "9"], &[("KOKOROD_CONFIG", c)]);
    assert_eq!(
        line_of(&out, "idle-timeout"),
        "idle-timeout = \"9\"  # flag"
    );
    assert!(
        line_of(&out, "voice").ends_with("20-b.toml"),
        "KOKOROD_CONFIG names the file: {out}"
    );
}

#[test]
fn config_errors_name_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("kokorod.d")).unwrap();
    std::fs::write(d.join("kokorod.toml"), "voice = \"af_bella\"\n").unwrap();
    let bad = d.join("kokorod.d/50-typo.toml");
    std::fs::write(&bad, "max-conections = 5\n").unwrap();
    let c = d.join("kokorod.toml");
    let (ok, _, err) = check_config(d, &["--config", c.to_str().unwrap()], &[]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{}: unknown key `max-conections`; did you mean `max-connections`?",
            bad.display()
        )),
        "{err}"
    );
    std::fs::write(&bad, "socket-mode = \"77x\"\n").unwrap();
    let (ok, _, err) = check_config(d, &["--config", c.to_str().unwrap()], &[]);
    assert!(
        !ok && err.contains(&format!("{}: `socket-mode`:", bad.display())),
        "{err}"
    );
    let missing = d.join("missing.toml");
    let (ok, _, err) = check_config(d, &["--config", missing.to_str().unwrap()], &[]);
    assert!(
        !ok && err.contains("missing.toml: config file not found"),
        "{err}"
    );
}

#[test]
fn shipped_example_configs_parse() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging");
    let mut found = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .map_while(Result::ok)
        {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                found.push(p);
            }
        }
    }
    assert!(!found.is_empty(), "no packaging/**/*.toml");
    let tmp = tempfile::tempdir().unwrap();
    for file in found {
        let (ok, out, err) = check_config(tmp.path(), &["--config", file.to_str().unwrap()], &[]);
        assert!(ok, "{}: {err}", file.display());
        assert!(out.contains(&format!("# read {}", file.display())), "{out}");
    }
}

#[test]
fn engine_health_as_the_watchdog_sees_it() {
    use kokorod::engine::{affinity, Engine, EngineConfig, Health, InferRequest, Priority};
    let p = model::assets();
    let engine = Engine::start(EngineConfig {
        model: p.model,
        runtime: p.runtime,
        cpus: affinity::plan(None, Some(1)),
        queue_depth: 32,
        warm_up: false,
        optimized_cache: None,
    })
    .unwrap();
    let probe = engine.probe();
    let stall = Duration::from_secs(60);
    assert_eq!(probe.check(stall), Health::Idle);

    // Eight long inferences: the engine is busy for a while. Right now it is healthy;
    // were it still on this work past the bound, it would count as wedged.
    let style = model::voices().resolve("af_heart").unwrap().style;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let jobs: Vec<_> = (0..8)
        .map(|_| {
            let (e, style) = (engine.clone(), style.clone());
            let tokens: Vec<i64> = (0..200)
                .map(|i| [50, 83, 54, 156, 57, 135][i % 6])
                .collect();
            rt.spawn(async move {
                e.infer(InferRequest {
                    tokens,
                    style,
                    speed: 1.0,
                    priority: Priority::Rest,
                    due: None,
                })
                .await
            })
        })
        .collect();
    while engine
        .info()
        .queued
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
    {
        std::thread::yield_now();
    }
    assert_eq!(probe.check(stall), Health::Busy);
    assert!(matches!(
        probe.check_at(stall, Instant::now() + 2 * stall),
        Health::Stalled { .. }
    ));
    for j in jobs {
        rt.block_on(j).unwrap().unwrap();
    }
    assert_eq!(probe.check(stall), Health::Idle);
    // An idle engine stays healthy however long it idles: no test inference needed.
    assert_eq!(
        probe.check_at(stall, Instant::now() + 100 * stall),
        Health::Idle
    );

    // The last handle gone, the thread ends: dead, whatever the queue says.
    drop(engine);
    let start = Instant::now();
    while probe.check(stall) != Health::Dead {
        assert!(start.elapsed() < GUARD, "the inference thread did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One journal entry of the native protocol: `NAME=value\n`, or for values with a
/// newline `NAME\n`, a little-endian u64 length, the value, `\n`.
fn journal_fields(mut data: &[u8]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    while !data.is_empty() {
        let nl = data.iter().position(|&b| b == b'\n').expect("field ends");
        let line = &data[..nl];
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            let (k, v) = (&line[..eq], &line[eq + 1..]);
            fields.push((
                String::from_utf8_lossy(k).into(),
                String::from_utf8_lossy(v).into(),
            ));
            data = &data[nl + 1..];
        } else {
            let len = u64::from_le_bytes(data[nl + 1..nl + 9].try_into().unwrap()) as usize;
            let v = &data[nl + 9..nl + 9 + len];
            fields.push((
                String::from_utf8_lossy(line).into(),
                String::from_utf8_lossy(v).into(),
            ));
            data = &data[nl + 9 + len + 1..];
        }
    }
    fields
}

/// Under systemd (stderr is the journal stream) records go to journald with
/// structured fields. journald does not run here (systemd is not PID 1), so the
/// test is journald: in a private mount namespace its socket directory is a
/// directory of ours, and the daemon's stderr is our pipe, named in JOURNAL_STREAM.
#[test]
fn under_systemd_records_go_to_the_journal_with_fields() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kokorod.toml");
    std::fs::write(&config, "").unwrap();
    let journal_dir = dir.path().join("journal");
    std::fs::create_dir(&journal_dir).unwrap();
    let journal = UnixDatagram::bind(journal_dir.join("socket")).unwrap();
    let (entries_tx, entries) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = journal.recv(&mut buf) {
            if entries_tx.send(journal_fields(&buf[..n])).is_err() {
                return;
            }
        }
    });
    let (mut stderr_r, stderr_w) = std::io::pipe().unwrap();
    let meta = std::fs::metadata(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&stderr_w)
    ))
    .unwrap();
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    let socket = dir.path().join("k.sock");
    let uri = format!("unix://{}", socket.display());
    let mut notify = Notify::bind(dir.path());

    let probe = Command::new("unshare").args(["--mount", "true"]).status();
    assert!(
        probe.is_ok_and(|s| s.success()),
        "this test makes a private mount namespace (`unshare --mount`, util-linux): run it as root"
    );
    let mut cmd = Command::new("unshare");
    cmd.current_dir(dir.path())
        .arg("--mount")
        .arg("sh")
        .arg("-c");
    cmd.arg("mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && mount --bind \"$J\" /run/systemd/journal && exec \"$0\" \"$@\"");
    cmd.arg(BIN)
        .args([
            "serve",
            "--threads",
            "1",
            "--log-level",
            "debug",
            "--uri",
            &uri,
            "--config",
        ])
        .arg(&config);
    cmd.env("J", &journal_dir)
        .env("JOURNAL_STREAM", &stream)
        .env("NOTIFY_SOCKET", &notify.path);
    for var in ["RUST_LOG", "WATCHDOG_USEC", "LISTEN_FDS"] {
        cmd.env_remove(var);
    }
    cmd.stderr(stderr_w)
        .stdout(Stdio::null())
        .stdin(Stdio::null());
    let mut child = cmd
        .spawn()
        .expect("unshare (needs root for a mount namespace)");
    drop(cmd);
    notify.until("READY=1");
    let rt = rt();
    rt.block_on(async {
        let mut c = Conn::open(&uri).await;
        c.send(synthesize(
            "Good night.\nERROR kokorod: forged",
            Some("bf_emma"),
        ))
        .await;
        assert!(model::rms(&c.audio(1024).await) > 0.02);
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    notify.until("STOPPING=1");
    assert!(child.wait().unwrap().success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut stderr_r, &mut err).unwrap();
    assert!(
        !err.contains("INFO"),
        "records went to stderr, not the journal:\n{err}"
    );

    let all: Vec<Vec<(String, String)>> = entries.try_iter().collect();
    let get =
        |e: &[(String, String)], k: &str| e.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let spoke = all
        .iter()
        .find(|e| get(e, "MESSAGE").is_some_and(|m| m.starts_with("spoke ")))
        .unwrap_or_else(|| panic!("no `spoke` entry in {all:?}"));
    assert_eq!(get(spoke, "KOKOROD_VOICE").as_deref(), Some("bf_emma"));
    assert_eq!(get(spoke, "KOKOROD_CHARS").as_deref(), Some("33"));
    assert!(
        get(spoke, "KOKOROD_RTF").unwrap().parse::<f64>().is_ok(),
        "{spoke:?}"
    );
    assert!(
        get(spoke, "KOKOROD_PEER")
            .unwrap()
            .starts_with("unix (pid "),
        "{spoke:?}"
    );
    assert_eq!(get(spoke, "PRIORITY").as_deref(), Some("5"));
    assert_eq!(get(spoke, "SYSLOG_IDENTIFIER").as_deref(), Some("kokorod"));
    let text = all
        .iter()
        .find_map(|e| get(e, "MESSAGE").filter(|m| m.starts_with("synthesize: ")))
        .expect("the request's debug entry");
    // One line: the message (escaped), then the fields for plain readers.
    assert!(
        text.starts_with("synthesize: Good night.\\nERROR kokorod: forged peer=unix"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}
