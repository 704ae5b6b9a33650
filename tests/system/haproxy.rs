//! Two real daemons behind Debian's HAProxy with the shipped example config
//! (`packaging/haproxy/kokorod.cfg`, its ports moved to free loopback ports): 40 mixed
//! Wyoming and HTTP requests from four clients are all answered and spread over both
//! daemons; one daemon stopped with SIGTERM mid-load loses nothing — every answer is
//! complete, or refused before any audio and asked again by the client — HAProxy
//! marks it down and the rest go to the other; started again, it is back in rotation,
//! and Home Assistant's Wyoming client and the `openai` client are answered through it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use kokorod::wyoming::{Event, WyomingCodec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use crate::support::daemon::Daemon;
use crate::support::http::{parse, speech_body};
use crate::support::wyoming::synthesize;
use crate::support::{rt, GUARD};

const SHIPPED: &str = "packaging/haproxy/kokorod.cfg";
const TEXTS: [&str; 4] = [
    "Turn on the lights.",
    "The front door is locked.",
    "Timer set.",
    "Good night!",
];
/// A client asks again after a refusal, this many times at most.
const TRIES: usize = 10;

/// A daemon's ports (or the balancer's).
#[derive(Debug, Clone, Copy)]
struct Ports {
    wyoming: u16,
    http: u16,
}

impl Ports {
    /// Free loopback ports for `N` daemons or balancers, all held until every one is
    /// chosen so that no two are the same.
    fn free<const N: usize>() -> [Ports; N] {
        let held: Vec<_> = (0..2 * N)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let port = |i: usize| held[i].local_addr().unwrap().port();
        std::array::from_fn(|i| Ports {
            wyoming: port(2 * i),
            http: port(2 * i + 1),
        })
    }
}

fn start_daemon(dir: &Path, p: Ports) -> Daemon {
    let http = format!("tcp://127.0.0.1:{}", p.http);
    Daemon::spawn_at(
        Path::new(env!("CARGO_BIN_EXE_kokorod")),
        dir,
        &format!("tcp://127.0.0.1:{}", p.wyoming),
        // Room for the answers in hand on a machine other builds share.
        &["--http", &http, "--shutdown-timeout", "60"],
    )
    .unwrap()
}

/// The shipped config with this test's ports, its admin socket in `dir`, its log on
/// stderr, and run as the test's user in the foreground.
fn config(dir: &Path, front: Ports, a: Ports, b: Ports) -> String {
    let mut text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED))
        .expect("the shipped config");
    let socket = dir.join("admin.sock");
    for (from, to) in [
        (
            "log /dev/log local0",
            "log stderr format short local0 info".to_owned(),
        ),
        ("    chroot /var/lib/haproxy\n", String::new()),
        ("    user haproxy\n", String::new()),
        ("    group haproxy\n", String::new()),
        ("    daemon\n", String::new()),
        ("/run/haproxy/admin.sock", socket.display().to_string()),
        ("bind :10210", format!("bind 127.0.0.1:{}", front.wyoming)),
        ("bind :8880", format!("bind 127.0.0.1:{}", front.http)),
        (
            "server a 127.0.0.1:10211",
            format!("server a 127.0.0.1:{}", a.wyoming),
        ),
        (
            "server b 127.0.0.1:10212",
            format!("server b 127.0.0.1:{}", b.wyoming),
        ),
        (
            "server a 127.0.0.1:8881",
            format!("server a 127.0.0.1:{}", a.http),
        ),
        (
            "server b 127.0.0.1:8882",
            format!("server b 127.0.0.1:{}", b.http),
        ),
    ] {
        assert_eq!(text.matches(from).count(), 1, "{from:?} once in {SHIPPED}");
        text = text.replace(from, &to);
    }
    text
}

/// HAProxy in the foreground, its log in a file; killed when dropped.
struct Haproxy {
    child: Child,
    log: PathBuf,
    socket: PathBuf,
}

impl Haproxy {
    fn start(dir: &Path, config: &str) -> Self {
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(&cfg, config).unwrap();
        let log = dir.join("haproxy.log");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("haproxy (the Debian package haproxy: make deps)");
        let haproxy = Haproxy {
            child,
            log,
            socket: dir.join("admin.sock"),
        };
        let deadline = Instant::now() + GUARD;
        while haproxy.try_stats().is_none() {
            assert!(Instant::now() < deadline, "{}", haproxy.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        haproxy
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `show stat` over the admin socket: per (backend, server), its columns by name.
    fn try_stats(&self) -> Option<HashMap<(String, String), HashMap<String, String>>> {
        let mut s = UnixStream::connect(&self.socket).ok()?;
        s.write_all(b"show stat\n").ok()?;
        let mut csv = String::new();
        s.read_to_string(&mut csv).ok()?;
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next()?.trim_start_matches("# ").split(',').collect();
        let mut out = HashMap::new();
        for line in lines.filter(|l| !l.is_empty()) {
            let row: HashMap<String, String> = header
                .iter()
                .zip(line.split(','))
                .map(|(k, v)| ((*k).to_owned(), v.to_owned()))
                .collect();
            out.insert((row["pxname"].clone(), row["svname"].clone()), row);
        }
        Some(out)
    }

    /// A server's column in a backend.
    fn stat(&self, backend: &str, server: &str, column: &str) -> String {
        let stats = self.try_stats().expect("HAProxy's stats");
        stats[&(backend.to_owned(), server.to_owned())][column].clone()
    }

    /// Sessions a server has taken in both backends (Wyoming, HTTP).
    fn served(&self, server: &str) -> (u64, u64) {
        let n = |b| self.stat(b, server, "stot").parse::<u64>().unwrap();
        (n("kokorod_wyoming"), n("kokorod_http"))
    }

    /// Waits until `server`'s state is `status` in both backends.
    fn wait_status(&self, server: &str, status: &str) {
        let deadline = Instant::now() + GUARD;
        loop {
            let now = ["kokorod_wyoming", "kokorod_http"].map(|b| self.stat(b, server, "status"));
            if now.iter().all(|s| s == status) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{server} is {now:?}, not {status}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How one try of a request ended.
#[derive(Debug)]
enum Try {
    /// A whole answer: start, audio, stop (Wyoming) or a complete 200 (HTTP).
    Answered,
    /// Refused before any audio: the client asks again.
    Refused(String),
    /// Anything else, an answer cut short above all: a failure.
    Lost(String),
}

async fn wyoming_once(addr: &str, text: &str) -> Try {
    let stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return Try::Refused(format!("connect: {e}")),
    };
    let mut conn = Framed::new(stream, WyomingCodec::default());
    if let Err(e) = conn.send(synthesize(text, None)).await {
        return Try::Refused(format!("send: {e}"));
    }
    let (mut started, mut samples) = (false, 0);
    loop {
        let frame = match tokio::time::timeout(GUARD, conn.next()).await {
            Err(_) => return Try::Lost("no event in time".into()),
            Ok(Some(Ok(frame))) => frame,
            Ok(end) => {
                let how = match end {
                    Some(Err(e)) => e.to_string(),
                    _ => "closed".into(),
                };
                return match started {
                    false => Try::Refused(format!("Wyoming: {how} before any answer")),
                    true => Try::Lost(format!("Wyoming: {how} after {samples} samples")),
                };
            }
        };
        match Event::try_from(frame) {
            Ok(Event::AudioStart(_)) if !started => started = true,
            Ok(Event::AudioChunk(c)) if started => samples += c.audio.len() / 2,
            Ok(Event::AudioStop(_)) if started && samples > 0 => return Try::Answered,
            Ok(Event::Error(e)) if !started && e.code.as_deref() == Some("shutting-down") => {
                return Try::Refused(format!("Wyoming: {}", e.text));
            }
            other => return Try::Lost(format!("Wyoming: {other:?}")),
        }
    }
}

async fn http_once(addr: &str, text: &str) -> Try {
    let mut s = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return Try::Refused(format!("connect: {e}")),
    };
    let body = speech_body(text, "pcm");
    let head = format!(
        "POST /v1/audio/speech HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes()).await.is_err() || s.write_all(&body).await.is_err() {
        return Try::Refused("HTTP: the request could not be sent".into());
    }
    let mut raw = Vec::new();
    match tokio::time::timeout(GUARD, s.read_to_end(&mut raw)).await {
        Err(_) => return Try::Lost("HTTP: no answer in time".into()),
        // A reset after a cut-off body still leaves what arrived.
        Ok(_) if !raw.windows(4).any(|w| w == b"\r\n\r\n") => {
            return Try::Lost(format!("HTTP: no response head ({} bytes)", raw.len()));
        }
        Ok(_) => {}
    }
    let a = parse(&raw);
    match a.status {
        200 if a.complete && !a.body.is_empty() && a.body.len().is_multiple_of(2) => Try::Answered,
        // HAProxy found no server to take it, or the one it had was stopping.
        502..=504 => Try::Refused(format!("HTTP {}", a.status)),
        status => Try::Lost(format!(
            "HTTP {status}, complete {}, {} bytes",
            a.complete,
            a.body.len()
        )),
    }
}

/// What the clients saw.
#[derive(Debug, Default)]
struct Seen {
    answered: usize,
    refusals: Vec<String>,
    failures: Vec<String>,
}

/// `n` requests from one client, Wyoming and HTTP in turn, each asked again after a
/// refusal.
async fn client(id: usize, n: usize, front: Ports, done: Arc<AtomicUsize>, seen: Arc<Mutex<Seen>>) {
    let wyoming = format!("127.0.0.1:{}", front.wyoming);
    let http = format!("127.0.0.1:{}", front.http);
    for i in 0..n {
        let text = TEXTS[(id + i) % TEXTS.len()];
        let mut tries = 0;
        loop {
            tries += 1;
            let got = match (id + i) % 2 {
                0 => wyoming_once(&wyoming, text).await,
                _ => http_once(&http, text).await,
            };
            let refused = {
                let mut seen = seen.lock().unwrap();
                match got {
                    Try::Answered => {
                        seen.answered += 1;
                        false
                    }
                    Try::Refused(why) if tries < TRIES => {
                        seen.refusals.push(why);
                        true
                    }
                    Try::Refused(why) | Try::Lost(why) => {
                        seen.failures
                            .push(format!("client {id}, request {i}: {why}"));
                        false
                    }
                }
            };
            if !refused {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `clients` × `each` requests; `during` runs on this thread meanwhile, given the
/// count of requests done.
fn load(front: Ports, clients: usize, each: usize, during: impl FnOnce(&AtomicUsize)) -> Seen {
    let rt = rt();
    let done = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let tasks: Vec<_> = (0..clients)
        .map(|id| rt.spawn(client(id, each, front, done.clone(), seen.clone())))
        .collect();
    during(&done);
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    seen
}

#[test]
fn two_daemons_behind_haproxy_lose_nothing_when_one_stops() {
    let [front, pa, pb] = Ports::free::<3>();
    let dirs = [(); 4].map(|()| tempfile::tempdir().unwrap());
    let mut a = start_daemon(dirs[0].path(), pa);
    let _b = start_daemon(dirs[1].path(), pb);
    let haproxy = Haproxy::start(dirs[2].path(), &config(dirs[2].path(), front, pa, pb));
    haproxy.wait_status("a", "UP");
    haproxy.wait_status("b", "UP");

    // 40 requests from 4 clients; after 8 are answered, daemon a is stopped while it
    // has an answer in hand.
    let mut marked_down = None;
    let seen = load(front, 4, 10, |done| {
        let deadline = Instant::now() + GUARD;
        while done.load(Ordering::Relaxed) < 8 {
            assert!(Instant::now() < deadline, "{}", haproxy.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        let busy = |h: &Haproxy| {
            ["kokorod_wyoming", "kokorod_http"]
                .iter()
                .any(|b| h.stat(b, "a", "scur") != "0")
        };
        let deadline = Instant::now() + GUARD;
        while !busy(&haproxy) {
            assert!(Instant::now() < deadline, "a has nothing in hand");
            std::thread::sleep(Duration::from_millis(10));
        }
        a.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
        let stopped = Instant::now();
        haproxy.wait_status("a", "DOWN");
        marked_down = Some((
            stopped.elapsed(),
            done.load(Ordering::Relaxed),
            haproxy.served("a"),
        ));
    });
    let (took, done_then, a_served) = marked_down.unwrap();
    eprintln!(
        "a marked down {took:?} after SIGTERM, {done_then} of 40 done; \
         {} answered, {} refusals asked again: {:?}",
        seen.answered,
        seen.refusals.len(),
        seen.refusals
    );
    assert!(
        seen.failures.is_empty(),
        "{:?}\n{}",
        seen.failures,
        haproxy.log()
    );
    assert_eq!(seen.answered, 40);
    let status = a.terminate(GUARD).unwrap();
    let log = a.final_log(Duration::from_secs(10));
    assert!(status.success(), "a exited {status}:\n{log}");
    assert!(!log.contains("cancelling"), "a cut answers short:\n{log}");
    // Spread over both, and nothing went to a once it was down.
    let b_served = haproxy.served("b");
    assert!(a_served.0 > 0 && a_served.1 > 0, "a served {a_served:?}");
    assert!(b_served.0 > 0 && b_served.1 > 0, "b served {b_served:?}");
    assert_eq!(haproxy.served("a"), a_served, "a got requests while down");
    assert!(done_then < 40, "all answered before a was marked down");

    // Started again on its ports, a is back in rotation: of eight requests from two
    // clients, least-connections gives it some of each kind.
    let _a = start_daemon(dirs[3].path(), pa);
    haproxy.wait_status("a", "UP");
    let seen = load(front, 2, 4, |_| {});
    assert!(
        seen.failures.is_empty(),
        "{:?}\n{}",
        seen.failures,
        haproxy.log()
    );
    assert_eq!(seen.answered, 8);
    let again = haproxy.served("a");
    assert!(
        again.0 > a_served.0 && again.1 > a_served.1,
        "a back up served {again:?}, {a_served:?} before:\n{}",
        haproxy.log()
    );

    // The real clients through the balancer: Home Assistant's Wyoming request and
    // read loop, and the official `openai` client.
    let python = |var| std::env::var(var).unwrap_or_else(|_| "python3".to_owned());
    let cases = r#"[{"case": "spoken", "text": "The balancer is up.", "voice": "af_heart"}]"#;
    let ha = Command::new(python("WYOMING_PYTHON"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/ha_wyoming_tts.py"))
        .args(["127.0.0.1", &front.wyoming.to_string(), cases])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&ha.stdout);
    assert!(
        ha.status.success() && said.contains(r#""outcome": "wav""#),
        "{said}\n{}",
        String::from_utf8_lossy(&ha.stderr)
    );
    let openai = Command::new(python("KOKOROD_PYTHON"))
        .arg("-c")
        .arg(OPENAI)
        .arg(format!("http://127.0.0.1:{}/v1", front.http))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&openai.stdout);
    assert!(
        openai.status.success() && said.starts_with("RIFF"),
        "{said}\n{}",
        String::from_utf8_lossy(&openai.stderr)
    );
}

/// The official client asks for a WAV through the balancer and prints its first bytes.
const OPENAI: &str = r#"
import sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key="none", max_retries=0, timeout=120)
wav = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello from the balancer.", response_format="wav").read()
assert len(wav) > 44 + 24000, len(wav)
print(wav[:4].decode("ascii"))
"#;
