//! Sockets passed by systemd (socket activation: `LISTEN_PID`, `LISTEN_FDS`,
//! `LISTEN_FDNAMES`). When there are any they replace the `--uri` listeners. A
//! passed Unix socket's file belongs to systemd and is never removed by us.
#![allow(unsafe_code)] // FFI

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::net::Listener;

/// A listening socket systemd passed.
#[derive(Debug)]
pub enum Activated {
    /// A TCP listener (IPv4 or IPv6).
    Tcp(std::net::TcpListener, String),
    /// A Unix stream listener.
    Unix(std::os::unix::net::UnixListener, String),
}

/// Why the passed sockets cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    /// The environment is malformed.
    #[error("socket activation: {0}")]
    Env(std::io::Error),
    /// A descriptor is not something kokorod can serve on.
    #[error("socket activation: fd {fd} ({name}) is {what}; kokorod takes listening TCP or Unix stream sockets (ListenStream=)")]
    Unsupported {
        /// The descriptor.
        fd: RawFd,
        /// Its `FileDescriptorName=`.
        name: String,
        /// What it is instead.
        what: &'static str,
    },
}

impl Activated {
    /// The name systemd gave it (`FileDescriptorName=`, default the socket unit's name).
    pub fn name(&self) -> &str {
        match self {
            Activated::Tcp(_, n) | Activated::Unix(_, n) => n,
        }
    }

    /// As a server listener (needs a tokio runtime).
    pub fn into_listener(self) -> std::io::Result<Listener> {
        match self {
            Activated::Tcp(l, _) => Listener::from_std_tcp(l),
            Activated::Unix(l, _) => Listener::from_std_unix(l),
        }
    }
}

/// Takes the sockets systemd passed to this process, if any, and removes the
/// `LISTEN_*` variables so nothing else takes them again.
///
/// # Safety
///
/// Changes the environment: call it while the process has a single thread.
pub unsafe fn take() -> Result<Vec<Activated>, ActivationError> {
    // SAFETY: forwarded to the caller (single-threaded).
    let fds: Vec<(RawFd, String)> = unsafe { sd_notify::listen_fds_with_names_and_unset_env() }
        .map_err(ActivationError::Env)?
        .collect();
    fds.into_iter()
        .map(|(fd, name)| {
            // SAFETY: systemd passed these descriptors to us and nothing else owns them.
            let owned = unsafe { OwnedFd::from_raw_fd(fd) };
            classify(owned, name)
        })
        .collect()
}

/// Checks what `fd` is and wraps it.
pub fn classify(fd: OwnedFd, name: String) -> Result<Activated, ActivationError> {
    use std::os::fd::AsRawFd;
    let raw = fd.as_raw_fd();
    let fail = |what| ActivationError::Unsupported {
        fd: raw,
        name: name.clone(),
        what,
    };
    let opt = |o| sockopt(raw, o);
    match opt(libc::SO_TYPE) {
        Some(t) if t == libc::SOCK_STREAM => {}
        Some(_) => return Err(fail("not a stream socket")),
        None => return Err(fail("not a socket")),
    }
    if opt(libc::SO_ACCEPTCONN) != Some(1) {
        return Err(fail("not listening"));
    }
    match opt(libc::SO_DOMAIN) {
        Some(libc::AF_INET | libc::AF_INET6) => Ok(Activated::Tcp(fd.into(), name)),
        Some(libc::AF_UNIX) => Ok(Activated::Unix(fd.into(), name)),
        _ => Err(fail("of another address family")),
    }
}

fn sockopt(fd: RawFd, opt: libc::c_int) -> Option<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of a c_int.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            opt,
            (&raw mut value).cast(),
            &raw mut len,
        )
    };
    (r == 0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn dup(fd: std::os::fd::BorrowedFd<'_>) -> OwnedFd {
        fd.try_clone_to_owned().unwrap()
    }

    #[test]
    fn tells_tcp_unix_and_unusable_descriptors_apart() {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(
            matches!(classify(dup(tcp.as_fd()), "t".into()).unwrap(), Activated::Tcp(_, ref n) if n == "t")
        );
        let dir = tempfile::tempdir().unwrap();
        let unix = std::os::unix::net::UnixListener::bind(dir.path().join("s")).unwrap();
        assert!(matches!(
            classify(dup(unix.as_fd()), "u".into()).unwrap(),
            Activated::Unix(..)
        ));
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let err = classify(dup(udp.as_fd()), "d".into())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a stream socket") && err.contains("(d)"),
            "{err}"
        );
        let file = std::fs::File::open("/dev/null").unwrap();
        assert!(classify(dup(file.as_fd()), "f".into())
            .unwrap_err()
            .to_string()
            .contains("not a socket"));
        let unbound = socket_not_listening();
        assert!(classify(unbound, "c".into())
            .unwrap_err()
            .to_string()
            .contains("not listening"));
    }

    fn socket_not_listening() -> OwnedFd {
        // SAFETY: plain socket(2); the result is checked and owned at once.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        assert!(fd >= 0);
        // SAFETY: a fresh descriptor nobody else owns.
        unsafe { OwnedFd::from_raw_fd(fd) }
    }
}
