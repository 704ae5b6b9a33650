//! `sd_notify` messages (READY, STATUS, RELOADING, STOPPING, WATCHDOG). Without
//! `NOTIFY_SOCKET` nothing is sent; a failed send is logged, never fatal.
//!
//! Messages are sent without blocking: they are sent from async tasks, and a
//! manager that stops reading (a full datagram queue) must not stall the server.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Arc;

use sd_notify::NotifyState;

/// Sends state changes to the service manager, if there is one.
#[derive(Debug, Clone)]
pub struct Notifier {
    target: Option<Arc<Target>>,
}

#[derive(Debug)]
struct Target {
    sock: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// Enabled when systemd gave us `NOTIFY_SOCKET` (Type=notify services): a path,
    /// or `@name` for an abstract socket.
    pub fn from_env() -> Self {
        let target = std::env::var_os("NOTIFY_SOCKET")
            .filter(|s| !s.is_empty())
            .and_then(|path| match Target::new(&path) {
                Ok(t) => Some(Arc::new(t)),
                Err(e) => {
                    tracing::warn!(
                        "NOTIFY_SOCKET {}: {e}; not notifying the service manager",
                        path.to_string_lossy()
                    );
                    None
                }
            });
        Notifier { target }
    }

    /// Whether anything is sent at all.
    pub fn enabled(&self) -> bool {
        self.target.is_some()
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        let Some(t) = &self.target else { return };
        let msg: String = states.iter().map(|s| format!("{s}\n")).collect();
        match t.sock.send_to_addr(msg.as_bytes(), &t.addr) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                tracing::debug!("service manager not reading; dropped {msg:?}")
            }
            Err(e) => tracing::warn!("cannot notify the service manager: {e}"),
        }
    }

    /// Start-up (or a reload) is complete.
    pub fn ready(&self, status: &str) {
        self.send(&[NotifyState::Ready, NotifyState::Status(status)]);
    }

    /// A line a person reads in `systemctl status`.
    pub fn status(&self, status: &str) {
        self.send(&[NotifyState::Status(status)]);
    }

    /// A reload begins; systemd 253+ wants the monotonic time with it.
    pub fn reloading(&self) {
        let mut states = vec![
            NotifyState::Reloading,
            NotifyState::Status("reloading configuration, voices and lexicon"),
        ];
        if let Ok(now) = NotifyState::monotonic_usec_now() {
            states.push(now);
        }
        self.send(&states);
    }

    /// Shutdown begins.
    pub fn stopping(&self, status: &str) {
        self.send(&[NotifyState::Stopping, NotifyState::Status(status)]);
    }

    /// The watchdog's "still alive".
    pub fn watchdog(&self) {
        self.send(&[NotifyState::Watchdog]);
    }
}

impl Target {
    fn new(path: &std::ffi::OsStr) -> std::io::Result<Target> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_bytes();
        let addr = match bytes.strip_prefix(b"@") {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(name)?
            }
            None => SocketAddr::from_pathname(path)?,
        };
        let sock = UnixDatagram::unbound()?;
        sock.set_nonblocking(true)?;
        Ok(Target { sock, addr })
    }
}

/// `ready: 54 voices, 2 threads, 0 connections`.
pub fn status_line(voices: usize, threads: usize, connections: usize) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "ready: {}, {}, {}",
        n(voices, "voice", "voices"),
        n(threads, "thread", "threads"),
        n(connections, "connection", "connections")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_well() {
        assert_eq!(
            status_line(54, 2, 0),
            "ready: 54 voices, 2 threads, 0 connections"
        );
        assert_eq!(
            status_line(1, 1, 1),
            "ready: 1 voice, 1 thread, 1 connection"
        );
    }
}
