//! HTTP connections: hyper's HTTP/1.1 over our listeners, with the limits a daemon
//! facing a network needs and `axum::serve` does not set — a connection limit with a
//! clear refusal, a deadline for each request head (slowloris; it also closes idle
//! keep-alive connections), and a deadline for clients that stop reading our output.
//! (The request body's deadline is the speech handler's: only it reads a body.)

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::metrics::{ConnectionGuard, Metrics, Protocol};
use crate::server::{Listener, Stream};

/// What bounds each connection.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    /// Connections served at once; more get a 503 and are closed.
    pub max_connections: usize,
    /// Time to send a request's head, counted from when the server waits for it
    /// (so it is also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// A client that takes none of our output for this long is dropped.
    pub write_timeout: Duration,
    /// TCP peers allowed to connect; others are closed at once.
    pub allow: crate::server::allow::AllowList,
}

/// How the accept loop stops: `drain` asks connections to finish the request in
/// hand and close; `cut` drops whatever is left.
pub(super) struct Stopping {
    pub drain: CancellationToken,
    pub cut: CancellationToken,
}

/// Accepts until `stop.drain` is cancelled, serving each connection on `tracker`.
pub(super) async fn accept_loop(
    listener: Listener,
    router: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    tracker: TaskTracker,
    stop: Stopping,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop.drain.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("HTTP accept failed: {e}");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = stop.drain.cancelled() => break,
                }
            }
        };
        if !stream.peer_allowed(&limits.allow) {
            tracing::debug!("HTTP {peer}: refused: not in --allow-from");
            continue;
        }
        if let Stream::Tcp(tcp) = &stream {
            // Small JSON answers should not wait for Nagle.
            let _ = tcp.set_nodelay(true);
        }
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(
                "HTTP {peer}: refused: {} connections are open",
                limits.max_connections
            );
            metrics.error(Protocol::Http, "connection", "too_many_connections");
            tracker.spawn(refuse(stream, limits.max_connections, stop.cut.clone()));
            continue;
        };
        let io = Conn {
            inner: stream,
            write_timeout: limits.write_timeout,
            stalled: None,
            _slot: slot,
            _counted: metrics.connection(Protocol::Http),
        };
        let (drain, cut) = (stop.drain.clone(), stop.cut.clone());
        let header_timeout = limits.header_timeout;
        // The peer rides with each request, for the refusal log line.
        let service = TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(super::Peer(Arc::from(peer.as_str())))),
        );
        tracker.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let conn = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(conn);
            let mut draining = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            // Timeouts, resets, malformed requests: the client's problem, not ours.
                            tracing::debug!("HTTP {peer}: connection ended: {e}");
                        }
                        return;
                    }
                    () = drain.cancelled(), if !draining => {
                        // Idle connections close now; busy ones after their response.
                        draining = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    () = cut.cancelled() => return,
                }
            }
        });
    }
}

/// Tells an over-limit client why it is closed (a 503 in OpenAI's error shape), then closes.
async fn refuse(mut stream: Stream, max: usize, cut: CancellationToken) {
    let body = serde_json::json!({"error": {
        "message": format!("kokorod is serving its maximum of {max} HTTP connections; try again later"),
        "type": "server_error", "param": null, "code": "too_many_connections",
    }})
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let goodbye = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await?;
        // Read until the client closes, so that closing does not reset the connection
        // (discarding its request) before the client has read the answer.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    };
    tokio::select! {
        _ = tokio::time::timeout(Duration::from_secs(1), goodbye) => {}
        () = cut.cancelled() => {}
    }
}

/// A served connection: holds its slot and its `kokorod_open_connections` count while
/// open, and fails writes that stay blocked past the write timeout (the client stopped
/// reading), which ends the connection and with it the synthesis behind the response.
struct Conn {
    inner: Stream,
    write_timeout: Duration,
    /// Since when writes have been blocked.
    stalled: Option<Pin<Box<Sleep>>>,
    _slot: OwnedSemaphorePermit,
    _counted: ConnectionGuard,
}

impl Conn {
    /// `Pending` from the socket starts (or keeps) the stall clock; anything else stops it.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let timeout = self.write_timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if stalled.as_mut().poll(cx).is_ready() {
            self.stalled = None;
            tracing::warn!("HTTP: dropping a client that took no data for {timeout:?}");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )));
        }
        Poll::Pending
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
