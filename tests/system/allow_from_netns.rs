//! `--allow-from` on the real daemon, with peers at real non-loopback addresses: in a
//! network namespace made here (`unshare --net`, root), a dummy interface holds
//! 10.77.0.1 (an allowed network) and 10.88.0.1 (not allowed). The daemon listens on
//! every address; a client bound to each source address must be served, or closed
//! without a word, on Wyoming and on HTTP. Loopback stays allowed. Nothing leaves the
//! namespace: it has no link to the outside.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::support::model;

/// Set inside the namespace, where the inner test runs.
const INSIDE: &str = "KOKOROD_TEST_INSIDE_NETNS";
/// Fixed ports are safe here: the namespace is private to this test.
const WYOMING_PORT: u16 = 10210;
const HTTP_PORT: u16 = 8880;

#[test]
fn peers_outside_the_allowed_networks_are_refused() {
    if std::env::var_os(INSIDE).is_some() {
        return;
    }
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: needs root for a network namespace (unshare --net)");
        return;
    }
    for tool in ["unshare", "ip"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "{tool} is needed (make deps installs it)");
    }
    let me = std::env::current_exe().unwrap();
    // The inner test's name as libtest knows it: its module path, less the crate's.
    let inner = format!(
        "{}::inside_the_namespace",
        module_path!().split_once("::").unwrap().1
    );
    let out = Command::new("timeout")
        .args(["300", "unshare", "--net", "--fork", "--kill-child", "--"])
        .arg(me)
        .args([
            "--exact",
            &inner,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .output()
        .expect("run unshare");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "inside the namespace:\n{text}");
    assert!(
        text.contains(&format!("test {inner} ... ok")),
        "the inner test did not run:\n{text}"
    );
}

fn ip(args: &str) {
    let status = Command::new("ip")
        .args(args.split_whitespace())
        .status()
        .expect("ip");
    assert!(status.success(), "ip {args}");
}

/// Kills the daemon if the test fails before it stops it.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the server sends on a connection from `source` to `to` after `request`,
/// until it closes (or the guard runs out, for a connection it keeps open).
async fn exchange(source: &str, to: SocketAddr, request: &[u8], until: &[u8]) -> Vec<u8> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    let mut s = socket.connect(to).await.expect("connect");
    // The request may meet a closed connection: that is the answer then.
    let _ = s.write_all(request).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(until.len()).any(|w| w == until) {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("neither answered nor closed");
    got
}

#[tokio::test]
#[ignore = "run by peers_outside_the_allowed_networks_are_refused inside its namespace"]
async fn inside_the_namespace() {
    assert!(
        std::env::var_os(INSIDE).is_some(),
        "only inside the test's namespace"
    );
    ip("link set lo up");
    // A veth pair (the dummy driver may be missing); only its addresses matter.
    ip("link add kd0 type veth peer name kd1");
    ip("addr add 10.77.0.1/24 dev kd0");
    ip("addr add 10.88.0.1/24 dev kd0");
    ip("link set kd0 up");
    ip("link set kd1 up");

    let assets = model::assets();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args([
            "serve",
            "--no-config",
            "--uri",
            &format!("tcp://0.0.0.0:{WYOMING_PORT}"),
            "--http",
            &format!("tcp://0.0.0.0:{HTTP_PORT}"),
        ])
        .args(["--allow-from", "10.77.0.0/24,fd00::/8"])
        .arg("--data-dir")
        .arg(&assets.data_dir)
        .env("NO_COLOR", "1")
        .env("KOKOROD_LOG_LEVEL", "debug")
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kokorod");
    let stderr = child.stderr.take().unwrap();
    let mut daemon = Daemon(child);
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("HTTP API on") {
                let _ = tx.send(());
            }
            log.push(line);
        }
        log
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("kokorod did not start its HTTP API");

    let wyoming: SocketAddr = format!("10.77.0.1:{WYOMING_PORT}").parse().unwrap();
    let http: SocketAddr = format!("10.77.0.1:{HTTP_PORT}").parse().unwrap();
    let describe = b"{\"type\":\"describe\"}\n";
    let health =
        format!("GET /health HTTP/1.1\r\nHost: 10.77.0.1:{HTTP_PORT}\r\nConnection: close\r\n\r\n");
    for (source, allowed) in [
        ("10.77.0.1", true),
        ("10.88.0.1", false),
        ("127.0.0.1", true),
        ("10.77.0.1", true),
    ] {
        let to_loopback = |a: SocketAddr| {
            if source == "127.0.0.1" {
                SocketAddr::new("127.0.0.1".parse().unwrap(), a.port())
            } else {
                a
            }
        };
        let info = exchange(source, to_loopback(wyoming), describe, b"\n").await;
        let answer = exchange(source, to_loopback(http), health.as_bytes(), b"\r\n\r\n").await;
        if allowed {
            assert!(
                String::from_utf8_lossy(&info).contains("\"info\""),
                "{source}: Wyoming answered {:?}",
                String::from_utf8_lossy(&info)
            );
            assert!(
                answer.starts_with(b"HTTP/1.1 200"),
                "{source}: HTTP answered {:?}",
                String::from_utf8_lossy(&answer)
            );
        } else {
            assert!(
                info.is_empty(),
                "{source}: Wyoming answered {:?}",
                String::from_utf8_lossy(&info)
            );
            assert!(
                answer.is_empty(),
                "{source}: HTTP answered {:?}",
                String::from_utf8_lossy(&answer)
            );
        }
    }

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = daemon.0.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(status.success(), "exit {status}:\n{}", log.join("\n"));
    assert!(
        log.iter()
            .any(|l| l.contains("10.88.0.1") && l.contains("not in --allow-from")),
        "refusals are logged at debug:\n{}",
        log.join("\n")
    );
}
