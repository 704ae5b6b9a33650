//! One accept loop for every front end: peers outside `--allow-from` are closed
//! without a word, clients beyond the connection limit are told why by the front
//! end's refusal (at most [`MAX_REFUSING`] at a time; past that they are closed at
//! once), accept errors (out of file descriptors) back off instead of spinning, and
//! each connection is served in a span carrying its peer.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::allow::AllowList;
use super::{Listener, Shutdown, Stream};

/// Refusals being told at once, per front end. Each holds a descriptor for up to a
/// second while the client reads why; a flood beyond this is closed without a word, so
/// refusals can never use up the descriptors that served clients need.
pub const MAX_REFUSING: usize = 64;

/// What a front end does with its connections.
pub trait Handler: Send + Sync + 'static {
    /// Serves one connection until it ends: after the request in hand once
    /// `shutdown.drain` is cancelled, at once when `shutdown.cancel` is. `peer`
    /// describes the client (the span around this call carries it too).
    fn serve(
        self: Arc<Self>,
        stream: Stream,
        peer: String,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send;

    /// Counts a client refused for the limit, whether it is then told why or (past
    /// [`MAX_REFUSING`]) closed at once.
    fn refused(&self) {}

    /// Tells a client beyond the limit of `max` connections why it is closed; gives
    /// up when `cancel` is cancelled.
    fn refuse(
        self: Arc<Self>,
        stream: Stream,
        max: usize,
        cancel: CancellationToken,
    ) -> impl Future<Output = ()> + Send;
}

/// What bounds a front end's connections.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; more are refused.
    pub max_connections: usize,
    /// TCP peers allowed to connect.
    pub allow_from: AllowList,
    /// On shutdown, how long connections may finish their request before being
    /// cancelled.
    pub shutdown_grace: Duration,
}

/// A front end's connection counts, readable while it runs.
#[derive(Debug, Default)]
pub struct Connections {
    open: AtomicUsize,
    accepted: AtomicU64,
    refused: AtomicU64,
    refusing: Arc<AtomicUsize>,
    /// Woken when the number of open connections changes.
    changed: Notify,
}

impl Connections {
    /// Connections being served now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Connections accepted and served since start.
    pub fn accepted_total(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections refused because the limit was reached.
    pub fn refused_total(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Refused connections being told why now (at most [`MAX_REFUSING`]).
    pub fn refusing(&self) -> usize {
        self.refusing.load(Ordering::Relaxed)
    }

    /// Takes a refusal slot unless [`MAX_REFUSING`] are in use.
    fn try_refuse(&self) -> Option<RefusalSlot> {
        self.refusing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_REFUSING).then_some(n + 1)
            })
            .ok()?;
        Some(RefusalSlot(Arc::clone(&self.refusing)))
    }

    /// Waits until the number of open connections may have changed. A change while
    /// nobody waits is remembered, so none is missed; bursts coalesce.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Takes a connection slot unless `max` are in use.
    fn try_open(self: &Arc<Self>, max: usize) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_one();
        Some(Slot(Arc::clone(self)))
    }
}

/// Releases a connection slot when the connection ends, however it ends.
struct Slot(Arc<Connections>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// Releases a refusal slot when the refusal ends.
struct RefusalSlot(Arc<AtomicUsize>);

impl Drop for RefusalSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `listeners` with `handler` until `shutdown.drain` is cancelled, then waits
/// for the connections up to the grace period and cancels the rest. Each listener
/// is dropped when its loop ends (a Unix socket file we created goes with it).
/// `name` prefixes this front end's transport log lines.
pub async fn serve<H: Handler>(
    name: &'static str,
    listeners: Vec<Listener>,
    handler: Arc<H>,
    limits: Limits,
    connections: Arc<Connections>,
    shutdown: Shutdown,
) {
    let tasks = TaskTracker::new();
    let mut accepting = tokio::task::JoinSet::new();
    for listener in listeners {
        let one = Accept {
            name,
            handler: Arc::clone(&handler),
            limits: limits.clone(),
            connections: Arc::clone(&connections),
            tasks: tasks.clone(),
            shutdown: shutdown.clone(),
        };
        accepting.spawn(one.run(listener));
    }
    while let Some(joined) = accepting.join_next().await {
        if let Err(error) = joined {
            tracing::error!("{name}: accept loop failed: {error}");
        }
    }
    let grace = limits.shutdown_grace;
    shutdown
        .grace(&tasks, grace, || {
            tracing::warn!(
                "{name}: cancelling {} connection(s) still busy {grace:?} after shutdown began",
                connections.open()
            );
        })
        .await;
}

/// One listener's loop.
struct Accept<H> {
    name: &'static str,
    handler: Arc<H>,
    limits: Limits,
    connections: Arc<Connections>,
    tasks: TaskTracker,
    shutdown: Shutdown,
}

impl<H: Handler> Accept<H> {
    async fn run(self, listener: Listener) {
        let (name, max) = (self.name, self.limits.max_connections);
        loop {
            let accepted = tokio::select! {
                biased;
                () = self.shutdown.drain.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!("{name}: accept failed: {error}");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                        () = self.shutdown.drain.cancelled() => break,
                    }
                }
            };
            let span = tracing::info_span!("conn", peer = %peer);
            if !stream.peer_allowed(&self.limits.allow_from) {
                // Not a client of ours: closed without a word, and without a slot.
                span.in_scope(|| tracing::debug!("{name}: refused: not in --allow-from"));
                continue;
            }
            let Some(slot) = self.connections.try_open(max) else {
                self.connections.refused.fetch_add(1, Ordering::Relaxed);
                self.handler.refused();
                let Some(refusing) = self.connections.try_refuse() else {
                    span.in_scope(|| {
                        tracing::debug!("{name}: refused: {max} connections are open; closed at once ({MAX_REFUSING} refusals pending)");
                    });
                    continue;
                };
                span.in_scope(|| {
                    tracing::warn!("{name}: refused: {max} connections are open");
                });
                let refusal =
                    Arc::clone(&self.handler).refuse(stream, max, self.shutdown.cancel.clone());
                self.tasks.spawn(
                    async move {
                        let _refusing = refusing;
                        refusal.await;
                    }
                    .instrument(span),
                );
                continue;
            };
            span.in_scope(|| tracing::debug!("{name}: connected"));
            let served = Arc::clone(&self.handler).serve(stream, peer, self.shutdown.clone());
            self.tasks.spawn(
                async move {
                    let _slot = slot;
                    served.await;
                }
                .instrument(span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;

    /// Holds every connection and every refusal until the shutdown cancels them.
    #[derive(Default)]
    struct Holding {
        refusals: AtomicUsize,
    }

    impl Handler for Holding {
        async fn serve(self: Arc<Self>, _stream: Stream, _peer: String, shutdown: Shutdown) {
            shutdown.cancel.cancelled().await;
        }

        async fn refuse(self: Arc<Self>, _stream: Stream, _max: usize, cancel: CancellationToken) {
            self.refusals.fetch_add(1, Ordering::SeqCst);
            cancel.cancelled().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals_in_flight_are_bounded_and_the_rest_closed_at_once() {
        const MAX: usize = 4;
        const EXTRA: usize = MAX_REFUSING + 20;
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = Listener::from_std_tcp(std_listener).unwrap();
        let handler = Arc::new(Holding::default());
        let connections = Arc::new(Connections::default());
        let shutdown = Shutdown::new();
        let limits = Limits {
            max_connections: MAX,
            allow_from: AllowList::default(),
            shutdown_grace: Duration::from_millis(10),
        };
        let server = tokio::spawn(serve(
            "test",
            vec![listener],
            Arc::clone(&handler),
            limits,
            Arc::clone(&connections),
            shutdown.clone(),
        ));
        let mut clients = Vec::new();
        for _ in 0..MAX + EXTRA {
            clients.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        while connections.refused_total() < EXTRA as u64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(connections.open(), MAX);
        assert_eq!(handler.refusals.load(Ordering::SeqCst), MAX_REFUSING);
        assert_eq!(connections.refusing(), MAX_REFUSING);
        // Past the bound, a client finds its connection closed while the others wait.
        for client in &mut clients[MAX + MAX_REFUSING..] {
            let mut byte = [0u8; 1];
            let read = tokio::time::timeout(Duration::from_secs(5), client.read(&mut byte))
                .await
                .expect("closed at once");
            assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        }
        shutdown.begin();
        server.await.unwrap();
        assert_eq!(connections.refusing(), 0);
    }
}
