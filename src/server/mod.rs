//! The Wyoming server: one session per connection over the shared transport.
//!
//! [`Server::run`] accepts on every listener until the shutdown drains (Unix socket
//! files are removed right away), lets sessions finish the request in hand for up to
//! [`ServerConfig::shutdown_grace`], and cancels the rest (see [`crate::net`]).

mod fallback;
mod session;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Metrics, Protocol};
use crate::net::allow::AllowList;
use crate::net::{
    Connections, Handler, Limits, Listener, LocalAddr, Shutdown, Stream, UnixSocketOptions,
    DEFAULT_SOCKET_MODE,
};
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
    pub allow_from: AllowList,
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
            allow_from: AllowList::default(),
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
    connections: Arc<Connections>,
    pub(crate) errors: AtomicU64,
    pub(crate) slow_dropped: AtomicU64,
}

impl ServerStats {
    /// Connections being served now.
    pub fn open_connections(&self) -> usize {
        self.connections.open()
    }

    /// Connections accepted and served since start.
    pub fn accepted_total(&self) -> u64 {
        self.connections.accepted_total()
    }

    /// Connections refused because `max_connections` were open.
    pub fn refused_total(&self) -> u64 {
        self.connections.refused_total()
    }

    /// `error` events sent.
    pub fn errors_total(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Connections dropped because the client stopped reading.
    pub fn slow_clients_dropped(&self) -> u64 {
        self.slow_dropped.load(Ordering::Relaxed)
    }

    /// The connection counts alone (what the service status shows).
    pub fn connections(&self) -> Arc<Connections> {
        Arc::clone(&self.connections)
    }

    /// Waits until the number of open connections may have changed. A change while
    /// nobody waits is remembered, so none is missed; bursts coalesce.
    pub async fn connections_changed(&self) {
        self.connections.changed().await;
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

    /// Where it listens (listeners whose address cannot be read are left out).
    pub fn local_addrs(&self) -> Vec<LocalAddr> {
        crate::net::local_addrs(&self.listeners)
    }

    /// The server's counters.
    #[must_use]
    pub fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(&self.shared.stats)
    }

    /// Serves until `shutdown` drains and the sessions have ended.
    pub async fn run(self, shutdown: impl Into<Shutdown>) -> Result<(), ServerError> {
        if self.listeners.is_empty() {
            return Err(ServerError::NoListeners);
        }
        for listener in &self.listeners {
            match listener.local_addr() {
                Ok(addr) => tracing::info!("listening on {addr}"),
                Err(error) => tracing::info!("listening (address unknown: {error})"),
            }
        }
        let cfg = &self.shared.cfg;
        let limits = Limits {
            max_connections: cfg.max_connections,
            allow_from: cfg.allow_from.clone(),
            shutdown_grace: cfg.shutdown_grace,
        };
        let connections = Arc::clone(&self.shared.stats.connections);
        crate::net::serve(
            "Wyoming",
            self.listeners,
            self.shared,
            limits,
            connections,
            shutdown.into(),
        )
        .await;
        Ok(())
    }
}

impl Handler for session::Shared {
    /// The peer is in the connection's span, on every line the session logs.
    async fn serve(self: Arc<Self>, stream: Stream, _peer: String, shutdown: Shutdown) {
        let _counted = self.cfg.metrics.connection(Protocol::Wyoming);
        session::run(stream, self, shutdown.drain, shutdown.cancel).await;
    }

    /// Tells an over-limit client why it is being closed, then closes.
    async fn refuse(self: Arc<Self>, stream: Stream, max: usize, cancel: CancellationToken) {
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
            () = cancel.cancelled() => {}
        }
    }
}
