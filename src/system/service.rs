//! The daemon's side of the service manager, once its listeners are bound:
//! READY with a readable STATUS that follows the connection count (woken by the
//! server, never polled), the watchdog, and signals — SIGTERM/SIGINT stop
//! (STOPPING, then the server drains), SIGHUP reloads (RELOADING, the reload,
//! READY again) without dropping a connection.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::engine::HealthProbe;
use crate::net::Connections;
use crate::system::notify::{status_line, Notifier};
use crate::system::watchdog;

/// Reloads configuration, voices and lexicon; returns a summary to log, or why
/// nothing changed (the daemon's error). Runs on a blocking thread.
pub type Reload<E> = Box<dyn Fn() -> Result<String, E> + Send + Sync>;

/// What the service side needs from the daemon; `E` is why a reload fails.
pub struct Service<E> {
    /// Notifications.
    pub notifier: Notifier,
    /// The Wyoming server's connections, for the status line.
    pub connections: Arc<Connections>,
    /// Voices served now (changes on reload).
    pub voices: Arc<dyn Fn() -> usize + Send + Sync>,
    /// Inference threads.
    pub threads: usize,
    /// The engine's health, for the watchdog.
    pub probe: HealthProbe,
    /// How long a busy engine may go without finishing a job.
    pub stall: Duration,
    /// SIGHUP's work.
    pub reload: Reload<E>,
}

impl<E: std::error::Error + Send + 'static> Service<E> {
    fn status(&self) -> String {
        status_line((self.voices)(), self.threads, self.connections.open())
    }

    /// Sends READY and starts the status, watchdog and signal tasks. `shutdown` is
    /// cancelled on SIGTERM/SIGINT, right after STOPPING=1 is sent: work that must be
    /// undone when shutdown begins (withdrawing the mDNS advertisement) waits on it.
    pub fn start(self, shutdown: CancellationToken) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let (mut term, mut int, mut hup) = (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
            signal(SignalKind::hangup())?,
        );
        let this = Arc::new(self);
        this.notifier.ready(&this.status());
        if this.notifier.enabled() {
            let s = this.clone();
            let stop = shutdown.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = s.connections.changed() => {}
                        () = stop.cancelled() => return,
                    }
                    s.notifier.status(&s.status());
                }
            });
            if let Some(interval) = watchdog::interval_from_env() {
                tracing::info!(
                    interval_ms = interval.as_millis() as u64,
                    "systemd watchdog enabled"
                );
                // Pings go on while the server drains: stopping is not wedged.
                tokio::spawn(watchdog::run(
                    this.notifier.clone(),
                    this.probe.clone(),
                    interval,
                    this.stall,
                ));
            }
        }
        tokio::spawn(async move {
            loop {
                let name = tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                    _ = hup.recv() => {
                        this.reload().await;
                        continue;
                    }
                };
                // Shutdown first, the log line after: nothing a log write does (a
                // stalled or closed stderr) can keep the signal from taking effect.
                let open = this.connections.open();
                this.notifier
                    .stopping(&format!("stopping: {open} connection(s) finishing"));
                shutdown.cancel();
                tracing::info!("{name}: shutting down");
                return;
            }
        });
        Ok(())
    }

    async fn reload(self: &Arc<Self>) {
        tracing::info!("SIGHUP: reloading configuration, voices and lexicon");
        self.notifier.reloading();
        let s = self.clone();
        match tokio::task::spawn_blocking(move || (s.reload)()).await {
            Ok(Ok(summary)) => tracing::info!("reloaded: {summary}"),
            Ok(Err(why)) => tracing::error!(
                "reload failed, the previous settings stay: {}",
                crate::error::Chain(&why).to_string()
            ),
            Err(e) => tracing::error!("reload failed: {e}"),
        }
        self.notifier.ready(&self.status());
    }
}
