//! The whole daemon in this test process, on the process's shared engine: Wyoming and
//! the HTTP API bound on ephemeral loopback ports, no config file.

use kokorod::daemon::{Daemon, DaemonError, Settings};
use kokorod::net::Shutdown;
use tokio::task::JoinHandle;

use super::{model, GUARD};

/// A daemon serving until [`InProcess::stop`].
pub struct InProcess {
    /// `tcp://127.0.0.1:PORT` of the Wyoming server.
    pub wyoming: String,
    /// `127.0.0.1:PORT` of the HTTP API.
    pub http: String,
    shutdown: Shutdown,
    running: JoinHandle<Result<(), DaemonError>>,
}

impl InProcess {
    /// Builds and binds a daemon with `extra` flags after the listeners'.
    pub async fn start(extra: &[&str]) -> Self {
        let mut argv = vec![
            "kokorod",
            "--no-config",
            "--uri",
            "tcp://127.0.0.1:0",
            "--http",
            "tcp://127.0.0.1:0",
        ];
        argv.extend(extra);
        let eff = kokorod::config::load(argv.clone()).expect("config");
        let serve = eff.cli.serve.clone();
        let settings =
            Settings::new(serve, eff, argv.iter().map(Into::into).collect()).expect("settings");
        let daemon = Daemon::build(settings, model::engine()).expect("build");
        let bound = daemon.bind().await.expect("bind");
        let wyoming = bound.wyoming_addrs()[0].endpoint().unwrap().to_string();
        let http = bound.http_addrs()[0].endpoint().unwrap().to_string();
        let shutdown = Shutdown::new();
        let running = tokio::spawn(bound.run(shutdown.clone()));
        InProcess {
            wyoming,
            http: http.trim_start_matches("tcp://").to_owned(),
            shutdown,
            running,
        }
    }

    /// Stops it and checks that it stopped cleanly.
    pub async fn stop(self) {
        self.shutdown.begin();
        tokio::time::timeout(GUARD, self.running)
            .await
            .expect("the daemon did not stop")
            .expect("the daemon panicked")
            .expect("the daemon failed");
    }
}
