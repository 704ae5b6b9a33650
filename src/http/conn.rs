//! HTTP connections: hyper's HTTP/1.1 over the shared transport, with the limits a
//! daemon facing a network needs and `axum::serve` does not set — a clear refusal
//! beyond the connection limit, a deadline for each request head (slowloris; it also closes idle
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
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;

use crate::metrics::{ConnectionGuard, Metrics, Protocol};
use crate::net::{Handler, Shutdown, Stream};

/// Serves HTTP/1.1 on each connection the shared accept loop hands over.
pub(super) struct HttpHandler {
    pub router: Router,
    pub metrics: Arc<Metrics>,
    /// Time to send a request's head, counted from when the server waits for it
    /// (so it is also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// A client that takes none of our output for this long is dropped.
    pub write_timeout: Duration,
}

/// After the grace period, how long a connection has to close once its streams are
/// told to end, before it is dropped.
const CLOSE_AFTER_CANCEL: Duration = Duration::from_secs(2);

impl Handler for HttpHandler {
    async fn serve(self: Arc<Self>, stream: Stream, _peer: String, shutdown: Shutdown) {
        let io = Conn {
            inner: stream,
            write_timeout: self.write_timeout,
            stalled: None,
            _counted: self.metrics.connection(Protocol::Http),
        };
        let service = TowerToHyperService::new(self.router.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout);
        let conn = builder.serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        let mut draining = false;
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        // Timeouts, resets, malformed requests: the client's problem, not ours.
                        tracing::debug!("HTTP: connection ended: {e}");
                    }
                    return;
                }
                () = shutdown.drain.cancelled(), if !draining => {
                    // Idle connections close now; busy ones after their response.
                    draining = true;
                    conn.as_mut().graceful_shutdown();
                }
                () = shutdown.cancel.cancelled() => break,
            }
        }
        // Streams in flight end at their next await (they watch the same token); the
        // connection then closes, or is dropped.
        if tokio::time::timeout(CLOSE_AFTER_CANCEL, conn)
            .await
            .is_err()
        {
            tracing::warn!("HTTP: dropping a connection that did not close");
        }
    }

    fn refused(&self) {
        self.metrics
            .error(Protocol::Http, "connection", "too_many_connections");
    }

    /// Tells an over-limit client why it is closed (a 503 in OpenAI's error shape),
    /// then closes.
    async fn refuse(self: Arc<Self>, mut stream: Stream, max: usize, cancel: CancellationToken) {
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
            () = cancel.cancelled() => {}
        }
    }
}

/// A served connection: holds its `kokorod_open_connections` count while open, and fails writes that stay blocked past the write timeout (the client stopped
/// reading), which ends the connection and with it the synthesis behind the response.
struct Conn {
    inner: Stream,
    write_timeout: Duration,
    /// Since when writes have been blocked.
    stalled: Option<Pin<Box<Sleep>>>,
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
