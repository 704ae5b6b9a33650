//! kokorod's load program: N clients against a running daemon (`--uri`, `--http`,
//! `--pid`) or one it starts itself (`--spawn`, with its HTTP API on 127.0.0.1:0);
//! prints throughput, first-audio percentiles, outcomes by kind, and the daemon's RSS
//! and open fds over time. Exits non-zero on any unexpected error or fd leak. `make
//! load` runs it at 10 and 50 clients.
//!
//! cargo run --release --example kokorod_load -- --spawn target/release/kokorod --clients 10 --requests 1000

mod load;
// The same spawner the system tests use: one copy of how to start the daemon and
// read its addresses from its log.
#[path = "../../tests/support/daemon.rs"]
#[allow(dead_code)]
mod spawn;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Load kokorod's Wyoming server and HTTP API and check every answer")]
struct Args {
    /// Server to load (repeatable; requests alternate between them).
    #[arg(long = "uri")]
    uris: Vec<String>,
    /// The daemon's HTTP API (`http://HOST:PORT` or `HOST:PORT`): adds HTTP requests
    /// to the mix.
    #[arg(long)]
    http: Option<String>,
    /// With --spawn: do not start the daemon's HTTP API (the Wyoming-only mix).
    #[arg(long)]
    no_http: bool,
    /// The daemon's PID, to sample its RSS and fds.
    #[arg(long)]
    pid: Option<u32>,
    /// Start this kokorod binary on 127.0.0.1:0 and a Unix socket, load it, stop it.
    #[arg(long)]
    spawn: Option<PathBuf>,
    /// Extra argument for the spawned daemon (repeatable).
    #[arg(long = "daemon-arg", allow_hyphen_values = true)]
    daemon_args: Vec<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Requests in total.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Seed of the request mix.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds one request may take before it counts as a timeout.
    #[arg(long, default_value_t = 600)]
    request_timeout: u64,
    /// Seconds between samples of the daemon.
    #[arg(long, default_value_t = 2.0)]
    sample_every: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut daemon = None;
    let (uris, http, pid) = match &args.spawn {
        Some(bin) => {
            let mut extra: Vec<&str> = args.daemon_args.iter().map(String::as_str).collect();
            let has_http = extra
                .iter()
                .any(|a| *a == "--http" || a.starts_with("--http="));
            if !args.no_http && !has_http {
                extra.extend(["--http", "tcp://127.0.0.1:0"]);
            }
            match spawn::Daemon::spawn(bin, dir.path(), &extra) {
                Ok(d) => {
                    let uris = vec![d.tcp.clone(), d.unix.clone()];
                    let (http, pid) = (d.http.clone(), d.pid());
                    daemon = Some(d);
                    (uris, http, Some(pid))
                }
                Err(e) => {
                    eprintln!("kokorod_load: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => (
            args.uris.clone(),
            args.http.as_deref().map(host_port),
            args.pid,
        ),
    };
    if uris.is_empty() {
        eprintln!("kokorod_load: give --uri (and --pid) or --spawn");
        return ExitCode::FAILURE;
    }
    let http_note = http
        .as_deref()
        .map_or(String::new(), |h| format!(" and HTTP on {h}"));
    eprintln!(
        "kokorod_load: {} clients, {} requests against {}{http_note}",
        args.clients,
        args.requests,
        uris.join(" and ")
    );
    let cfg = load::LoadConfig {
        uris,
        http,
        clients: args.clients,
        requests: args.requests,
        pid,
        seed: args.seed,
        request_timeout: Duration::from_secs(args.request_timeout),
        sample_every: Duration::from_secs_f64(args.sample_every),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt.block_on(load::run(cfg));
    print!("{}", report.render());
    let mut ok = report.ok();
    if let Some(mut d) = daemon {
        match d.terminate(Duration::from_secs(30)) {
            Ok(status) if status.success() => println!("daemon: stopped cleanly on SIGTERM"),
            Ok(status) => {
                println!("daemon: exited with {status} on SIGTERM");
                ok = false;
            }
            Err(e) => {
                println!("daemon: {e}");
                ok = false;
            }
        }
        if d.log().contains("panicked") {
            println!("daemon: a panic in its log:\n{}", d.log());
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `http://127.0.0.1:8880/` (or `tcp://…`) → `127.0.0.1:8880`: what the client connects to.
fn host_port(url: &str) -> String {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("tcp://"))
        .unwrap_or(url);
    rest.trim_end_matches('/').to_owned()
}
