//! kokorod's load program: N clients against a running daemon (`--uri`, `--pid`) or
//! one it starts itself (`--spawn`); prints throughput, first-audio percentiles,
//! errors by kind, and the daemon's RSS and open fds over time. Exits non-zero on any
//! unexpected error or fd leak. `make load` runs it at 10 and 50 clients.
//!
//! cargo run --release --example kokorod_load -- --spawn target/release/kokorod --clients 10 --requests 1000

mod load;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Load kokorod's Wyoming server and check every answer")]
struct Args {
    /// Server to load (repeatable; requests alternate between them).
    #[arg(long = "uri")]
    uris: Vec<String>,
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
    let (uris, pid) = match &args.spawn {
        Some(bin) => {
            let extra: Vec<&str> = args.daemon_args.iter().map(String::as_str).collect();
            match load::Daemon::spawn(bin, dir.path(), &extra) {
                Ok(d) => {
                    let uris = vec![d.tcp.clone(), d.unix.clone()];
                    let pid = d.pid();
                    daemon = Some(d);
                    (uris, Some(pid))
                }
                Err(e) => {
                    eprintln!("kokorod_load: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => (args.uris.clone(), args.pid),
    };
    if uris.is_empty() {
        eprintln!("kokorod_load: give --uri (and --pid) or --spawn");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "kokorod_load: {} clients, {} requests against {}",
        args.clients,
        args.requests,
        uris.join(" and ")
    );
    let cfg = load::LoadConfig {
        uris,
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
