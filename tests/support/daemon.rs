//! The `kokorod` binary started as a child on 127.0.0.1:0 and a Unix socket, its
//! stderr read on a thread of its own so a test can wait for a log line without
//! polling; killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The daemon's stderr as read so far, and whether it has ended.
#[derive(Debug, Default)]
struct Log {
    text: String,
    ended: bool,
}

/// The log and the condition variable its reader thread signals after every line.
type SharedLog = Arc<(Mutex<Log>, Condvar)>;

/// Waits until `found` sees what it looks for in the log (or the log ends, or `within`
/// passes): woken by every new line, never polling.
fn wait_log<T>(
    log: &SharedLog,
    within: Duration,
    mut found: impl FnMut(&str) -> Option<T>,
) -> Result<T, String> {
    let (lock, logged) = &**log;
    let deadline = Instant::now() + within;
    let mut guard = lock.lock().unwrap();
    loop {
        if let Some(t) = found(&guard.text) {
            return Ok(t);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if guard.ended || left.is_zero() {
            let why = if guard.ended {
                "the daemon's log ended"
            } else {
                "timed out"
            };
            return Err(format!("{why}; its log:\n{}", guard.text));
        }
        guard = logged.wait_timeout(guard, left).unwrap().0;
    }
}

/// The address after `marker` in a log line (`127.0.0.1:PORT`, `[::1]:PORT`).
fn address_after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']'))
        .collect();
    (!addr.is_empty()).then_some(addr)
}

/// A daemon a test started: killed if still running when dropped.
pub struct Daemon {
    pub child: Child,
    /// `tcp://127.0.0.1:PORT` (Wyoming).
    pub tcp: String,
    /// `unix://DIR/kokorod.sock` (Wyoming).
    pub unix: String,
    /// `127.0.0.1:PORT` of the HTTP API, when started with `--http tcp://…`.
    pub http: Option<String>,
    pub dir: PathBuf,
    log: SharedLog,
}

impl Daemon {
    /// Starts `bin` on 127.0.0.1:0 and a Unix socket in `dir`; waits until it listens
    /// (on HTTP too, when `extra` has `--http`).
    pub fn spawn(bin: &Path, dir: &Path, extra: &[&str]) -> Result<Daemon, String> {
        Self::spawn_at(bin, dir, "tcp://127.0.0.1:0", extra)
    }

    /// [`Daemon::spawn`] with Wyoming on `tcp` (a fixed port, for a daemon restarted
    /// where a balancer expects it).
    pub fn spawn_at(bin: &Path, dir: &Path, tcp: &str, extra: &[&str]) -> Result<Daemon, String> {
        let socket = dir.join("kokorod.sock");
        let unix = format!("unix://{}", socket.display());
        let wants_http = extra
            .iter()
            .any(|a| *a == "--http" || a.starts_with("--http="));
        let mut child = Command::new(bin)
            .args(["--uri", tcp, "--uri", &unix])
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,ort=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("piped");
        let log: SharedLog = Arc::default();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let (lock, logged) = &*log;
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut log = lock.lock().unwrap();
                    log.text.push_str(&line);
                    log.text.push('\n');
                    logged.notify_all();
                }
                lock.lock().unwrap().ended = true;
                logged.notify_all();
            });
        }
        // Both Wyoming listeners are bound before the server logs either address; the
        // HTTP API logs its own from another task, in either order.
        let ready = wait_log(&log, Duration::from_secs(120), |text| {
            let tcp = address_after(text, "listening on tcp://")?;
            let http = match wants_http {
                true => Some(address_after(text, "HTTP API on tcp://")?),
                false => None,
            };
            Some((format!("tcp://{tcp}"), http))
        });
        let (tcp, http) = match ready {
            Ok(found) => found,
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the daemon did not get ready: {why}"));
            }
        };
        Ok(Daemon {
            child,
            tcp,
            unix,
            http,
            dir: dir.to_owned(),
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the daemon.
    pub fn signal(&self, signal: nix::sys::signal::Signal) -> Result<(), String> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).map_err(|e| e.to_string())
    }

    /// SIGTERM, then the exit status (killed after `within`).
    pub fn terminate(&mut self, within: Duration) -> Result<std::process::ExitStatus, String> {
        self.signal(nix::sys::signal::Signal::SIGTERM)?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(format!("still running {within:?} after SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its resident memory in MiB (0 once it is gone).
    pub fn rss_mib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    }

    /// Waits until `count` lines of the log contain `needle`; returns the `count`th.
    pub fn wait_for_log(
        &self,
        needle: &str,
        count: usize,
        within: Duration,
    ) -> Result<String, String> {
        wait_log(&self.log, within, |text| {
            text.lines()
                .filter(|l| l.contains(needle))
                .nth(count.saturating_sub(1))
                .map(str::to_owned)
        })
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.0.lock().unwrap().text.clone()
    }

    /// The whole log, once the daemon has closed its stderr (waits up to `within`).
    pub fn final_log(&self, within: Duration) -> String {
        let (lock, logged) = &*self.log;
        let guard = lock.lock().unwrap();
        let (guard, _) = logged
            .wait_timeout_while(guard, within, |log| !log.ended)
            .unwrap();
        guard.text.clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
