//! The writer side of a connection: queued events out in batches, a slow reader
//! dropped, and the goodbye on shutdown.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::SinkExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::mpsc;
use tokio_util::codec::FramedWrite;
use tokio_util::sync::CancellationToken;

use super::LINGER;
use crate::server::ServerStats;
use crate::speech::ErrorKind;
use crate::wyoming::{ErrorEvent, Event, WyomingCodec};

/// Writes queued events in batches; gives up when a batch cannot be written within
/// `timeout` (the client stopped reading). On `kill` (shutdown past its grace) the
/// frame being written is finished, never cut, and the client is told why its answer
/// ends with an `error` (`shutting-down`) before the connection closes.
pub(super) async fn write_loop<W: AsyncWrite + Unpin>(
    mut sink: FramedWrite<W, WyomingCodec>,
    mut rx: mpsc::Receiver<Event>,
    timeout: Duration,
    kill: &CancellationToken,
    stats: &ServerStats,
) {
    loop {
        let event = tokio::select! {
            biased;
            () = kill.cancelled() => break,
            event = rx.recv() => event,
        };
        let Some(event) = event else { break };
        let batch = async {
            sink.feed(event).await?;
            while let Ok(event) = rx.try_recv() {
                sink.feed(event).await?;
            }
            SinkExt::<Event>::flush(&mut sink).await
        };
        tokio::pin!(batch);
        let written = tokio::select! {
            written = tokio::time::timeout(timeout, &mut batch) => written,
            // Finish what is being written (briefly) so that no frame is torn.
            () = kill.cancelled() => tokio::time::timeout(LINGER, &mut batch).await,
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::debug!("write failed: {error}");
                return;
            }
            Err(_) if kill.is_cancelled() => {
                tracing::warn!("closing on shutdown: the client is not reading");
                return;
            }
            Err(_) => {
                stats.slow_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("dropping connection: the client read nothing for {timeout:?}");
                return;
            }
        }
    }
    if kill.is_cancelled() {
        let error = Event::Error(ErrorEvent {
            text: "kokorod is shutting down; the request was cancelled".to_owned(),
            code: Some(ErrorKind::ShuttingDown.wyoming().to_owned()),
        });
        stats.errors.fetch_add(1, Ordering::Relaxed);
        let goodbye = async {
            sink.send(error).await?;
            SinkExt::<Event>::close(&mut sink).await
        };
        let _ = tokio::time::timeout(LINGER, goodbye).await;
        return;
    }
    // Everything is written: send FIN so the client sees a clean end.
    let _ = tokio::time::timeout(LINGER, SinkExt::<Event>::close(&mut sink)).await;
}

/// After an invalid frame: read and discard what the client still sends, briefly,
/// so that closing does not reset the connection before it has read our `error`.
pub(super) async fn linger<R: AsyncRead + Unpin>(mut reader: R, kill: &CancellationToken) {
    let drain = async {
        let mut scratch = vec![0u8; 16 * 1024];
        while matches!(reader.read(&mut scratch).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        _ = tokio::time::timeout(LINGER, drain) => {}
        () = kill.cancelled() => {}
    }
}
