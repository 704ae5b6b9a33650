//! The Wyoming server: listeners, one session per connection, shutdown.
//!
//! [`serve`] accepts on every listener until `shutdown` is cancelled, then stops
//! accepting (Unix socket files are removed right away), lets sessions finish the
//! request in hand for up to [`ServerConfig::shutdown_grace`], and cancels the rest.

pub mod allow;
mod fallback;
mod listener;
mod session;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use listener::{
    Endpoint, EndpointError, ListenError, Listener, LocalAddr, Stream, UnixSocketOptions,
    DEFAULT_SOCKET_MODE,
};

use crate::metrics::{Metrics, Protocol};
use crate::speech::Speech;
use crate::wyoming::{ErrorEvent, Event, WyomingCodec};

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Samples per `audio-chunk` (the last chunk of each piece may be shorter).
    pub samples_per_chunk: usize,
    /// Connections served at once; more are told `too-many-connections` and closed.
    pub max_connections: usize,
    /// Close a connection that sends nothing for this long while no audio is produced.
    pub idle_timeout: Duration,
    /// Longest text per request (streamed text counts in total), in characters.
    pub max_text_chars: usize,
    /// Mode of Unix socket files we create.
    pub socket_mode: u32,
    /// Group of Unix socket files we create (name or gid); `None` keeps ours.
    pub socket_group: Option<String>,
    /// Drop a client that does not take our output for this long.
    pub write_timeout: Duration,
    /// Outgoing events buffered per connection before its synthesis waits for the client.
    pub send_buffer_events: usize,
    /// On shutdown, how long sessions may finish their request before being cancelled.
    pub shutdown_grace: Duration,
    /// Where requests, errors and audio are counted (shared with the HTTP API).
    pub metrics: Arc<Metrics>,
    /// TCP peers allowed to connect.
    pub allow_from: allow::AllowList,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            samples_per_chunk: 1024,
            max_connections: 64,
            idle_timeout: Duration::from_secs(300),
            max_text_chars: 100_000,
            socket_mode: DEFAULT_SOCKET_MODE,
            socket_group: None,
            write_timeout: Duration::from_secs(30),
            // 64 chunks of 1024 samples: under 3 s of audio, 128 KiB.
            send_buffer_events: 64,
            shutdown_grace: Duration::from_secs(5),
            metrics: Arc::default(),
            allow_from: allow::AllowList::default(),
        }
    }
}

impl ServerConfig {
    /// The Unix socket settings, for [`Listener::bind`].
    #[must_use]
    pub fn unix_socket_options(&self) -> UnixSocketOptions {
        UnixSocketOptions {
            mode: self.socket_mode,
            group: self.socket_group.clone(),
        }
    }
}

/// Live counters, readable while the server runs (for metrics).
#[derive(Debug, Default)]
pub struct ServerStats {
    open: AtomicUsize,
    accepted: AtomicU64,
    refused: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) slow_dropped: AtomicU64,
    /// Woken when the number of open connections changes (service status).
    changed: tokio::sync::Notify,
}

impl ServerStats {
    /// Connections being served now.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Connections accepted and served since start.
    pub fn accepted_total(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections refused because `max_connections` were open.
    pub fn refused_total(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// `synthesize` and `synthesize-start` requests received.
    pub fn requests_total(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `error` events sent.
    pub fn errors_total(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Connections dropped because the client stopped reading.
    pub fn slow_clients_dropped(&self) -> u64 {
        self.slow_dropped.load(Ordering::Relaxed)
    }

    /// Waits until the number of open connections may have changed. A change while
    /// nobody waits is remembered, so none is missed; bursts coalesce.
    pub async fn connections_changed(&self) {
        self.changed.notified().await;
    }

    /// Takes a connection slot unless `max` are in use.
    fn try_open(&self, max: usize) -> bool {
        let opened = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok();
        if opened {
            self.changed.notify_one();
        }
        opened
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Nothing to listen on.
    #[error("no listeners: give at least one --uri")]
    NoListeners,
}

/// A server ready to run; [`Server::stats`] can be read before and while it runs.
pub struct Server {
    listeners: Vec<Listener>,
    shared: Arc<session::Shared>,
}

impl Server {
    /// Prepares a server over bound listeners.
    pub fn new(listeners: Vec<Listener>, speech: Arc<dyn Speech>, cfg: ServerConfig) -> Self {
        let shared = session::Shared {
            speech,
            cfg,
            stats: Arc::default(),
        };
        Self {
            listeners,
            shared: Arc::new(shared),
        }
    }

    /// The server's counters.
    #[must_use]
    pub fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(&self.shared.stats)
    }

    /// Serves until `shutdown` is cancelled and the sessions have ended.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        if self.listeners.is_empty() {
            return Err(ServerError::NoListeners);
        }
        let sessions = TaskTracker::new();
        let kill = CancellationToken::new();
        let mut accepting = tokio::task::JoinSet::new();
        for listener in self.listeners {
            match listener.local_addr() {
                Ok(addr) => tracing::info!("listening on {addr}"),
                Err(error) => tracing::info!("listening (address unknown: {error})"),
            }
            let ctx = AcceptCtx {
                shared: Arc::clone(&self.shared),
                sessions: sessions.clone(),
                shutdown: shutdown.clone(),
                kill: kill.clone(),
            };
            accepting.spawn(accept_loop(listener, ctx));
        }
        // Each loop ends on shutdown and drops its listener (removing its socket file).
        while let Some(joined) = accepting.join_next().await {
            if let Err(error) = joined {
                tracing::error!("accept loop failed: {error}");
            }
        }
        sessions.close();
        let grace = self.shared.cfg.shutdown_grace;
        if tokio::time::timeout(grace, sessions.wait()).await.is_err() {
            tracing::warn!(
                "cancelling {} connection(s) still busy {grace:?} after shutdown began",
                self.shared.stats.open_connections()
            );
            kill.cancel();
            sessions.wait().await;
        }
        Ok(())
    }
}

/// Serves Wyoming on `listeners` until `shutdown` is cancelled (see [`Server`]).
pub async fn serve(
    listeners: Vec<Listener>,
    speech: Arc<dyn Speech>,
    cfg: ServerConfig,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    Server::new(listeners, speech, cfg).run(shutdown).await
}

struct AcceptCtx {
    shared: Arc<session::Shared>,
    sessions: TaskTracker,
    shutdown: CancellationToken,
    kill: CancellationToken,
}

/// Releases a connection slot when the session ends, however it ends.
struct Slot(Arc<ServerStats>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

async fn accept_loop(listener: Listener, ctx: AcceptCtx) {
    let stats = &ctx.shared.stats;
    let max = ctx.shared.cfg.max_connections;
    loop {
        let accepted = tokio::select! {
            biased;
            () = ctx.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!("accept failed: {error}");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = ctx.shutdown.cancelled() => break,
                }
            }
        };
        if !stream.peer_allowed(&ctx.shared.cfg.allow_from) {
            // Not a client of ours: closed without a word, and without a slot.
            tracing::debug!("{peer}: refused: not in --allow-from");
            continue;
        }
        if !stats.try_open(max) {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("{peer}: refused: {max} connections are open");
            ctx.sessions.spawn(refuse(stream, max, ctx.kill.clone()));
            continue;
        }
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{peer}: connected");
        let slot = Slot(Arc::clone(stats));
        let counted = ctx.shared.cfg.metrics.connection(Protocol::Wyoming);
        let shared = Arc::clone(&ctx.shared);
        let (drain, kill) = (ctx.shutdown.clone(), ctx.kill.clone());
        ctx.sessions.spawn(async move {
            let _slot = (slot, counted);
            session::run(stream, peer, shared, drain, kill).await;
        });
    }
}

/// Tells an over-limit client why it is being closed, then closes.
async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(stream: S, max: usize, kill: CancellationToken) {
    let mut framed = Framed::new(stream, WyomingCodec::default());
    let error = Event::Error(ErrorEvent {
        text: format!("kokorod is serving its maximum of {max} connections; try again later"),
        code: Some("too-many-connections".to_owned()),
    });
    let goodbye = async {
        framed.send(error).await?;
        SinkExt::<Event>::close(&mut framed).await?;
        // Read until the client closes, so that closing does not reset the
        // connection before the client has read the error.
        while let Some(Ok(_)) = framed.next().await {}
        Ok::<_, crate::wyoming::CodecError>(())
    };
    tokio::select! {
        _ = tokio::time::timeout(Duration::from_secs(1), goodbye) => {}
        () = kill.cancelled() => {}
    }
}
