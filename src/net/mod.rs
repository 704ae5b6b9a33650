//! The transport both front ends share: endpoints and listeners (TCP and Unix
//! sockets), which peers may connect, and one bounded accept loop that stops in two
//! steps.
//!
//! A front end (Wyoming, HTTP) supplies a [`Handler`] for one connection; [`serve`]
//! accepts on its listeners until [`Shutdown::drain`] is cancelled, runs each
//! connection in a `conn` span that carries the peer, and then gives the connections
//! the grace period before cancelling the rest ([`Shutdown::cancel`]).

mod accept;
pub mod allow;
mod listener;
mod shutdown;

pub use accept::{serve, Connections, Handler, Limits, MAX_REFUSING};
pub use listener::{
    Endpoint, EndpointError, ListenError, Listener, LocalAddr, Stream, UnixSocketOptions,
    DEFAULT_SOCKET_MODE,
};
pub use shutdown::Shutdown;

/// Where `listeners` listen (a listener whose address cannot be read is left out).
pub fn local_addrs(listeners: &[Listener]) -> Vec<LocalAddr> {
    listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect()
}
