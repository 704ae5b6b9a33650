//! Where the server listens: `tcp://HOST:PORT` and `unix:///path` endpoints, binding
//! them (Unix sockets with a chosen mode and group, stale sockets replaced only when
//! provably dead), adopting already-bound listeners (systemd socket activation), and
//! one `accept` over both kinds.

use std::fmt;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// Default socket file mode: owner and group may connect.
pub const DEFAULT_SOCKET_MODE: u32 = 0o660;

/// A place to listen on or connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `tcp://HOST:PORT`; `HOST` is a name, an IPv4 address or a bracketed IPv6 address.
    Tcp {
        /// Host as written, IPv6 with its brackets (`[::1]`).
        host: String,
        /// Port (0 picks a free one when binding).
        port: u16,
    },
    /// `unix:///absolute/path` or `unix://relative/path`.
    Unix(PathBuf),
}

/// A URI that is not a usable endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URI `{uri}`: {why} (expected tcp://HOST:PORT or unix:///path)")]
pub struct EndpointError {
    /// The URI as given.
    pub uri: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(uri: &str) -> Result<Self, EndpointError> {
        let fail = |why| EndpointError {
            uri: uri.to_owned(),
            why,
        };
        if let Some(path) = uri.strip_prefix("unix://") {
            // As in the reference library, everything after `unix://` is the path.
            if path.is_empty() {
                return Err(fail("the socket path is empty"));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let Some(rest) = uri.strip_prefix("tcp://") else {
            return Err(fail("unsupported scheme"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let Some((host, port)) = rest.rsplit_once(':') else {
            return Err(fail("a port is required"));
        };
        let port: u16 = port
            .parse()
            .map_err(|_| fail("the port is not a number from 0 to 65535"))?;
        if host.is_empty() {
            return Err(fail("the host is empty"));
        }
        if let Some(inner) = host.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(fail("unbalanced `[` in the host"));
            };
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(fail("not an IPv6 address between `[` and `]`"));
            }
        } else if host.contains([':', '[', ']', '/']) {
            return Err(fail(
                "IPv6 addresses must be written in brackets, e.g. tcp://[::1]:10210",
            ));
        }
        Ok(Endpoint::Tcp {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

impl Endpoint {
    /// `HOST:PORT` as the socket functions want it (IPv6 keeps its brackets).
    fn host_port(host: &str, port: u16) -> String {
        format!("{host}:{port}")
    }

    /// Connects to this endpoint (for clients).
    pub async fn connect(&self) -> io::Result<Stream> {
        match self {
            Endpoint::Tcp { host, port } => {
                let stream = TcpStream::connect(Self::host_port(host, *port)).await?;
                // Small events (describe, synthesize) should not wait for Nagle.
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
            Endpoint::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
        }
    }
}

/// How to create Unix socket files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSocketOptions {
    /// File mode of the socket (connecting needs write permission).
    pub mode: u32,
    /// Group to give the socket, by name or numeric id; `None` keeps the process's.
    pub group: Option<String>,
}

impl Default for UnixSocketOptions {
    fn default() -> Self {
        Self {
            mode: DEFAULT_SOCKET_MODE,
            group: None,
        }
    }
}

/// Why a listener could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Binding failed (address in use, permission, no such directory, …).
    #[error("cannot listen on {endpoint}: {source}")]
    Bind {
        /// Where.
        endpoint: String,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// The socket path exists and is not a socket: never deleted.
    #[error("cannot listen on unix://{}: the path exists and is not a socket; refusing to replace it", .0.display())]
    NotASocket(PathBuf),
    /// Another process answers on the socket path.
    #[error("cannot listen on unix://{}: another server is already listening there", .0.display())]
    InUse(PathBuf),
    /// The socket path exists and could not be checked or replaced.
    #[error("cannot listen on unix://{}: an existing socket is in the way and cannot be checked or removed: {source}", .path.display())]
    Stale {
        /// The socket path.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// The socket's mode or group could not be set.
    #[error("cannot set {what} of unix://{}: {source}", .path.display())]
    Permissions {
        /// `mode` or `group`.
        what: &'static str,
        /// The socket path.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// The socket path is too long to be created with its permissions set before
    /// anyone can connect.
    #[error("cannot listen on unix://{}: the path is {} bytes; a Unix socket path must stay under {} bytes here (use a shorter one, e.g. under /run)", .0.display(), .0.as_os_str().len(), MAX_SOCKET_PATH)]
    PathTooLong(PathBuf),
    /// `--socket-group` names no group.
    #[error("unknown group `{0}` for the socket")]
    UnknownGroup(String),
    /// The socket mode has bits other than permissions.
    #[error("socket mode {0:o} is not a permission mode (0000 to 0777)")]
    BadMode(u32),
}

/// A connected byte stream of either kind.
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix-socket connection.
    Unix(UnixStream),
}

impl Stream {
    /// Whether `allow` lets this peer in: a TCP peer by its address, a Unix peer always.
    pub fn peer_allowed(&self, allow: &super::allow::AllowList) -> bool {
        match self {
            // A peer whose address cannot be read is gone already.
            Stream::Tcp(s) => s.peer_addr().is_ok_and(|a| allow.allows(a.ip())),
            Stream::Unix(_) => true,
        }
    }
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => std::pin::Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// The address a listener is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalAddr {
    /// TCP address (with the real port when bound to port 0).
    Tcp(std::net::SocketAddr),
    /// Unix socket path; `None` for an unnamed or abstract socket.
    Unix(Option<PathBuf>),
}

impl LocalAddr {
    /// The address as an endpoint a client can connect to (`None` for unnamed sockets).
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self {
            LocalAddr::Tcp(addr) => Some(Endpoint::Tcp {
                host: match addr.ip() {
                    std::net::IpAddr::V4(ip) => ip.to_string(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                },
                port: addr.port(),
            }),
            LocalAddr::Unix(path) => path.clone().map(Endpoint::Unix),
        }
    }
}

impl fmt::Display for LocalAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.endpoint() {
            Some(endpoint) => endpoint.fmt(f),
            None => f.write_str("unix://(unnamed)"),
        }
    }
}

/// A bound listener of either kind.
#[derive(Debug)]
pub struct Listener {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Tcp(TcpListener),
    Unix {
        listener: UnixListener,
        /// Present when we created the socket file and must remove it.
        owned: Option<SocketFile>,
    },
}

impl Listener {
    /// Binds `endpoint`; Unix sockets get `unix`'s mode and group.
    pub async fn bind(
        endpoint: &Endpoint,
        unix: &UnixSocketOptions,
    ) -> Result<Listener, ListenError> {
        match endpoint {
            Endpoint::Tcp { host, port } => {
                let listener = TcpListener::bind(Endpoint::host_port(host, *port))
                    .await
                    .map_err(|source| ListenError::Bind {
                        endpoint: endpoint.to_string(),
                        source,
                    })?;
                Ok(Listener {
                    kind: Kind::Tcp(listener),
                })
            }
            Endpoint::Unix(path) => bind_unix(path, unix),
        }
    }

    /// Adopts an already-bound, listening TCP socket (e.g. passed by systemd).
    pub fn from_std_tcp(listener: std::net::TcpListener) -> io::Result<Listener> {
        listener.set_nonblocking(true)?;
        Ok(Listener {
            kind: Kind::Tcp(TcpListener::from_std(listener)?),
        })
    }

    /// Adopts an already-bound, listening Unix socket (e.g. passed by systemd); its
    /// file belongs to whoever created it and is left in place on shutdown.
    pub fn from_std_unix(listener: std::os::unix::net::UnixListener) -> io::Result<Listener> {
        listener.set_nonblocking(true)?;
        Ok(Listener {
            kind: Kind::Unix {
                listener: UnixListener::from_std(listener)?,
                owned: None,
            },
        })
    }

    /// Where this listener is bound.
    pub fn local_addr(&self) -> io::Result<LocalAddr> {
        match &self.kind {
            Kind::Tcp(listener) => Ok(LocalAddr::Tcp(listener.local_addr()?)),
            // The socket was bound under a temporary name and renamed: report the final path.
            Kind::Unix {
                owned: Some(file), ..
            } => Ok(LocalAddr::Unix(Some(file.path.clone()))),
            Kind::Unix {
                listener,
                owned: None,
            } => Ok(LocalAddr::Unix(
                listener.local_addr()?.as_pathname().map(Path::to_path_buf),
            )),
        }
    }

    /// Waits for the next connection; returns it with a description of the peer.
    pub async fn accept(&self) -> io::Result<(Stream, String)> {
        match &self.kind {
            Kind::Tcp(listener) => {
                let (stream, peer) = listener.accept().await?;
                // Audio chunks are written in bursts; do not delay the last small one.
                stream.set_nodelay(true)?;
                Ok((Stream::Tcp(stream), peer.to_string()))
            }
            Kind::Unix { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                // Unix peers are unnamed; the credentials say who it is.
                let peer = match stream.peer_cred() {
                    Ok(cred) => {
                        format!("unix (pid {}, uid {})", cred.pid().unwrap_or(0), cred.uid())
                    }
                    Err(_) => "unix".to_owned(),
                };
                Ok((Stream::Unix(stream), peer))
            }
        }
    }
}

/// A socket file we created; removed on drop if it is still ours.
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        // Do not remove a socket that a newer instance has put in our place.
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                if let Err(error) = std::fs::remove_file(&self.path) {
                    tracing::warn!("cannot remove socket {}: {error}", self.path.display());
                }
            }
            _ => {}
        }
    }
}

/// Longest socket path that can be staged: `sun_path` holds 108 bytes with the NUL,
/// and the staging name (`.k.<pid>.<n>/s`) adds up to 26 bytes in the same directory.
const MAX_SOCKET_PATH: usize = 107 - 26;

fn bind_unix(path: &Path, opts: &UnixSocketOptions) -> Result<Listener, ListenError> {
    if opts.mode & !0o777 != 0 {
        return Err(ListenError::BadMode(opts.mode));
    }
    let gid = opts.group.as_deref().map(group_id).transpose()?;
    // Two instances starting together take turns: the second finds the first's live
    // socket instead of replacing it.
    let _turn = lock_dir(path)?;
    check_existing(path)?;

    // Bind inside a fresh private directory, set mode and group, then rename into
    // place: nobody can connect before the permissions are right, and a stale socket
    // is replaced atomically. A path too long to stage is refused, never bound in
    // place (world-reachable until its mode is set, and a chmod by path that a
    // symlink swapped in would redirect).
    let (listener, staged) = match bind_staged(path, opts.mode, gid) {
        Ok(done) => done,
        Err(StageError::PathTooLong) => return Err(ListenError::PathTooLong(path.to_path_buf())),
        Err(StageError::Listen(error)) => return Err(error),
    };
    if let Some((dir, socket)) = staged {
        let renamed = std::fs::rename(&socket, path);
        let _ = std::fs::remove_file(&socket);
        let _ = std::fs::remove_dir(&dir);
        renamed.map_err(|source| ListenError::Bind {
            endpoint: format!("unix://{}", path.display()),
            source,
        })?;
    }
    let meta = std::fs::symlink_metadata(path).map_err(|source| ListenError::Bind {
        endpoint: format!("unix://{}", path.display()),
        source,
    })?;
    let owned = SocketFile {
        path: path.to_path_buf(),
        dev: meta.dev(),
        ino: meta.ino(),
    };
    Ok(Listener {
        kind: Kind::Unix {
            listener,
            owned: Some(owned),
        },
    })
}

enum StageError {
    PathTooLong,
    Listen(ListenError),
}

impl From<ListenError> for StageError {
    fn from(error: ListenError) -> Self {
        StageError::Listen(error)
    }
}

/// Binds under `<dir>/.kokorod.<pid>.<n>/s` with the final permissions.
type Staged = (UnixListener, Option<(PathBuf, PathBuf)>);

fn bind_staged(path: &Path, mode: u32, gid: Option<u32>) -> Result<Staged, StageError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = parent.join(format!(".k.{}.{n}", std::process::id()));
    let socket = dir.join("s");
    if socket.as_os_str().len() >= 108 || path.as_os_str().len() > MAX_SOCKET_PATH {
        return Err(StageError::PathTooLong);
    }
    let endpoint = || format!("unix://{}", path.display());
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|source| ListenError::Bind {
                endpoint: endpoint(),
                source,
            })?;
    }
    let result = bind_at(&socket).and_then(|listener| {
        set_permissions(&socket, mode, gid)?;
        Ok(listener)
    });
    match result {
        Ok(listener) => Ok((listener, Some((dir, socket)))),
        Err(error) => {
            let _ = std::fs::remove_file(&socket);
            let _ = std::fs::remove_dir(&dir);
            Err(error.into())
        }
    }
}

fn bind_at(path: &Path) -> Result<UnixListener, ListenError> {
    UnixListener::bind(path).map_err(|source| ListenError::Bind {
        endpoint: format!("unix://{}", path.display()),
        source,
    })
}

/// Locks the socket's directory (`flock`, released on drop) while its path is checked
/// and replaced.
fn lock_dir(path: &Path) -> Result<nix::fcntl::Flock<std::fs::File>, ListenError> {
    use std::os::unix::fs::OpenOptionsExt;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |source: io::Error| ListenError::Bind {
        endpoint: format!("unix://{}", path.display()),
        source,
    };
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(parent)
        .map_err(fail)?;
    nix::fcntl::Flock::lock(dir, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| fail(io::Error::from(errno)))
}

/// Sets the staged socket's mode and group. Only ever called inside our own 0700
/// directory; the file is checked to be a socket, and `lchown` never follows a link.
fn set_permissions(path: &Path, mode: u32, gid: Option<u32>) -> Result<(), ListenError> {
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    if !is_socket {
        return Err(ListenError::NotASocket(path.to_path_buf()));
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        ListenError::Permissions {
            what: "mode",
            path: path.to_path_buf(),
            source,
        }
    })?;
    if let Some(gid) = gid {
        std::os::unix::fs::lchown(path, None, Some(gid)).map_err(|source| {
            ListenError::Permissions {
                what: "group",
                path: path.to_path_buf(),
                source,
            }
        })?;
    }
    Ok(())
}

/// A group name or numeric id to a gid.
fn group_id(group: &str) -> Result<u32, ListenError> {
    if let Ok(gid) = group.parse::<u32>() {
        return Ok(gid);
    }
    match nix::unistd::Group::from_name(group) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        _ => Err(ListenError::UnknownGroup(group.to_owned())),
    }
}

/// Refuses a path that is not a socket or that a live server answers on.
fn check_existing(path: &Path) -> Result<(), ListenError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(ListenError::Stale {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if !meta.file_type().is_socket() {
        return Err(ListenError::NotASocket(path.to_path_buf()));
    }
    // Connecting to a Unix socket does not block: it succeeds, or fails at once
    // with ECONNREFUSED when nobody listens (or EAGAIN when a live backlog is full).
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ListenError::InUse(path.to_path_buf())),
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!("replacing stale socket {}", path.display());
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
            Err(ListenError::InUse(path.to_path_buf()))
        }
        Err(source) => Err(ListenError::Stale {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Result<Endpoint, EndpointError> {
        s.parse()
    }

    #[test]
    fn parses_endpoints() {
        assert_eq!(
            ep("tcp://127.0.0.1:10210").unwrap(),
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 10210
            }
        );
        assert_eq!(
            ep("tcp://[::1]:0").unwrap(),
            Endpoint::Tcp {
                host: "[::1]".into(),
                port: 0
            }
        );
        assert_eq!(
            ep("tcp://[::]:10210/").unwrap(),
            Endpoint::Tcp {
                host: "[::]".into(),
                port: 10210
            }
        );
        assert_eq!(
            ep("tcp://localhost:1").unwrap(),
            Endpoint::Tcp {
                host: "localhost".into(),
                port: 1
            }
        );
        assert_eq!(
            ep("unix:///run/kokorod/sock").unwrap(),
            Endpoint::Unix("/run/kokorod/sock".into())
        );
        assert_eq!(
            ep("unix://rel.sock").unwrap(),
            Endpoint::Unix("rel.sock".into())
        );
        for uri in ["tcp://[::1]:10210", "tcp://0.0.0.0:5", "unix:///tmp/x"] {
            assert_eq!(ep(uri).unwrap().to_string(), uri);
        }
    }

    #[test]
    fn rejects_bad_endpoints() {
        for bad in [
            "",
            "127.0.0.1:10210",
            "http://x:1",
            "stdio://",
            "tcp://127.0.0.1",
            "tcp://:10210",
            "tcp://127.0.0.1:",
            "tcp://127.0.0.1:65536",
            "tcp://127.0.0.1:-1",
            "tcp://::1:10210",
            "tcp://[::1:10210",
            "tcp://[nope]:1",
            "unix://",
        ] {
            let error = ep(bad).unwrap_err();
            assert!(
                error.to_string().contains("expected tcp://HOST:PORT"),
                "{bad}: {error}"
            );
        }
    }

    #[tokio::test]
    async fn tcp_binds_ephemeral_ipv4_and_ipv6() {
        let opts = UnixSocketOptions::default();
        let l = Listener::bind(&ep("tcp://127.0.0.1:0").unwrap(), &opts)
            .await
            .unwrap();
        let LocalAddr::Tcp(addr) = l.local_addr().unwrap() else {
            panic!()
        };
        assert_ne!(addr.port(), 0);
        let client = tokio::spawn(l.local_addr().unwrap().endpoint().unwrap().connect_owned());
        let (_stream, peer) = l.accept().await.unwrap();
        assert!(peer.starts_with("127.0.0.1:"));
        client.await.unwrap().unwrap();
        // IPv6 loopback may be missing in some sandboxes; only check what exists.
        if let Ok(l6) = Listener::bind(&ep("tcp://[::1]:0").unwrap(), &opts).await {
            let endpoint = l6.local_addr().unwrap().endpoint().unwrap();
            assert!(
                endpoint.to_string().starts_with("tcp://[::1]:"),
                "{endpoint}"
            );
            let client = tokio::spawn(endpoint.connect_owned());
            l6.accept().await.unwrap();
            client.await.unwrap().unwrap();
        }
    }

    impl Endpoint {
        async fn connect_owned(self) -> io::Result<Stream> {
            self.connect().await
        }
    }

    fn mode_of(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[tokio::test]
    async fn a_path_too_long_to_stage_is_refused_not_bound_in_place() {
        let dir = tempfile::tempdir().unwrap();
        // Under the kernel's 108 bytes, but with no room for the staging directory.
        let name = "s".repeat(104 - dir.path().as_os_str().len());
        let path = dir.path().join(name);
        assert!(path.as_os_str().len() < 108);
        let error = Listener::bind(&Endpoint::Unix(path.clone()), &UnixSocketOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(error, ListenError::PathTooLong(_)), "{error}");
        assert!(error.to_string().contains("shorter"), "{error}");
        assert!(!path.exists(), "nothing was bound");
        // The longest path allowed still works.
        let name = "s".repeat(MAX_SOCKET_PATH - dir.path().as_os_str().len() - 1);
        let path = dir.path().join(name);
        let l = Listener::bind(&Endpoint::Unix(path.clone()), &UnixSocketOptions::default())
            .await
            .unwrap();
        assert_eq!(mode_of(&path), 0o660);
        drop(l);
    }

    #[test]
    fn two_instances_starting_together_never_replace_each_others_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sock");
        for round in 0..50 {
            // A stale socket for both to find, as after a crash.
            drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
            let start = std::sync::Arc::new(std::sync::Barrier::new(2));
            let both: Vec<_> = (0..2)
                .map(|_| {
                    let (path, start) = (path.clone(), start.clone());
                    std::thread::spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_io()
                            .build()
                            .unwrap();
                        let _inside = rt.enter();
                        start.wait();
                        let bound = bind_unix(&path, &UnixSocketOptions::default());
                        drop(_inside);
                        (rt, bound)
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            let results: Vec<String> = both
                .iter()
                .map(|(_, r)| match r {
                    Ok(_) => "bound".to_owned(),
                    Err(e) => e.to_string(),
                })
                .collect();
            let bound = both.iter().filter(|(_, r)| r.is_ok()).count();
            assert_eq!(bound, 1, "round {round}: {results:?}");
            assert!(
                both.iter()
                    .any(|(_, r)| matches!(r, Err(ListenError::InUse(_)))),
                "round {round}: {results:?}"
            );
            // The winner's socket is the one in place, and it answers.
            assert!(
                std::os::unix::net::UnixStream::connect(&path).is_ok(),
                "round {round}"
            );
            for (rt, listener) in both {
                let _inside = rt.enter();
                drop(listener);
            }
            assert!(
                !path.exists(),
                "round {round}: the winner removed its socket"
            );
        }
    }

    #[tokio::test]
    async fn unix_socket_mode_removal_and_stale_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sock");
        let endpoint = Endpoint::Unix(path.clone());
        let l = Listener::bind(&endpoint, &UnixSocketOptions::default())
            .await
            .unwrap();
        assert_eq!(mode_of(&path), 0o660);
        assert_eq!(l.local_addr().unwrap(), LocalAddr::Unix(Some(path.clone())));
        // Only the socket is left in the directory: the staging directory is gone.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("k.sock")]);
        let client = tokio::spawn(endpoint.clone().connect_owned());
        l.accept().await.unwrap();
        client.await.unwrap().unwrap();

        // A live server is never replaced.
        let error = Listener::bind(&endpoint, &UnixSocketOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(error, ListenError::InUse(_)), "{error}");
        drop(l);
        assert!(!path.exists(), "socket removed on drop");

        // A stale socket (nobody listening) is replaced, with the requested mode.
        let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(stale);
        assert!(path.exists());
        let opts = UnixSocketOptions {
            mode: 0o600,
            group: None,
        };
        let l = Listener::bind(&endpoint, &opts).await.unwrap();
        assert_eq!(mode_of(&path), 0o600);
        drop(l);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn a_regular_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-socket");
        std::fs::write(&path, b"precious").unwrap();
        let error = Listener::bind(&Endpoint::Unix(path.clone()), &UnixSocketOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(error, ListenError::NotASocket(_)));
        assert!(error.to_string().contains("not a socket"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }

    #[tokio::test]
    async fn group_and_mode_options() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.sock");
        let endpoint = Endpoint::Unix(path.clone());
        let error = Listener::bind(
            &endpoint,
            &UnixSocketOptions {
                mode: 0o4660,
                group: None,
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ListenError::BadMode(_)));
        let error = Listener::bind(
            &endpoint,
            &UnixSocketOptions {
                mode: 0o660,
                group: Some("no-such-group-kk".into()),
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ListenError::UnknownGroup(_)));
        // Our own group is always allowed.
        let gid = std::fs::metadata(dir.path()).unwrap().gid();
        let opts = UnixSocketOptions {
            mode: 0o640,
            group: Some(gid.to_string()),
        };
        let _l = Listener::bind(&endpoint, &opts).await.unwrap();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(meta.gid(), gid);
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    }

    #[tokio::test]
    async fn adopted_unix_listener_keeps_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fd.sock");
        let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let l = Listener::from_std_unix(std_listener).unwrap();
        assert_eq!(l.local_addr().unwrap(), LocalAddr::Unix(Some(path.clone())));
        let client = tokio::spawn(Endpoint::Unix(path.clone()).connect_owned());
        l.accept().await.unwrap();
        client.await.unwrap().unwrap();
        drop(l);
        assert!(path.exists(), "the socket's creator removes it");

        let std_tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_tcp.local_addr().unwrap();
        let l = Listener::from_std_tcp(std_tcp).unwrap();
        assert_eq!(l.local_addr().unwrap(), LocalAddr::Tcp(addr));
    }
}
