//! mDNS/DNS-SD announcement of the Wyoming TCP listeners (`_wyoming._tcp`), through the
//! system's Avahi daemon (the `zeroconf` crate over libavahi-client), so Home Assistant
//! discovers kokorod by itself.
//!
//! Avahi publishes the host's own name and addresses: we give it a port and, for a
//! listener bound to one address, the interface holding that address — never a
//! wildcard address. Loopback-only listeners are not announced (nobody else could
//! connect). Without a reachable Avahi daemon we warn once and keep serving.
//!
//! Each announcement has its own thread blocked in `poll(2)` on Avahi's D-Bus socket
//! (no timeout that fires while idle): it wakes only when Avahi sends something. The
//! announcement is withdrawn when the process exits: its D-Bus connection closes and
//! avahi-daemon frees the client's entry group, sending goodbye packets (TTL 0). Avahi's
//! simple poll offers no wake-up we could reach through the crate, and the process
//! exits right after the server stops, so an in-process withdrawal would gain nothing.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use zeroconf::prelude::*;
use zeroconf::{MdnsService, NetworkInterface, ServiceRegistration, ServiceType};

/// DNS-SD service type of the Wyoming protocol, as Home Assistant browses for it.
pub const SERVICE_TYPE: (&str, &str) = ("wyoming", "tcp");

/// Longest DNS label: an instance name is cut to fit.
const MAX_LABEL: usize = 63;

/// What to announce for one TCP listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Instance name (`kokorod-<hostname>` unless given).
    pub name: String,
    /// The listener's real port.
    pub port: u16,
    /// `None`: every interface (wildcard listener); else the index of the interface
    /// holding the listener's address, and that interface's name.
    pub interface: Option<(u32, String)>,
}

/// Why a listener is not announced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    /// Only this host can connect.
    #[error("{0} listens on loopback only: not announced over mDNS (listen on tcp://0.0.0.0:PORT or an interface's address to be discovered)")]
    Loopback(SocketAddr),
    /// The address is on no interface we can find.
    #[error("{0}: no network interface holds this address; not announced over mDNS")]
    NoInterface(SocketAddr),
}

/// The default instance name: `kokorod-<short hostname>`.
#[must_use]
pub fn default_name() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    let short = host.split('.').next().unwrap_or_default();
    if short.is_empty() {
        "kokorod".to_owned()
    } else {
        format!("kokorod-{short}")
    }
}

/// Cuts `name` to a DNS label's 63 bytes on a character boundary.
fn fit_label(name: &str) -> String {
    let mut end = name.len().min(MAX_LABEL);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// Decides what to announce for the TCP listeners in `addrs`: one service per distinct
/// (port, interface); a second port gets its port in the name, since one host cannot
/// hold two instances of one name. `interface_of` finds the interface holding an address.
pub fn plan(
    name: &str,
    addrs: &[SocketAddr],
    interface_of: impl Fn(IpAddr) -> Option<(u32, String)>,
) -> (Vec<Plan>, Vec<Skip>) {
    let base = if name.is_empty() {
        default_name()
    } else {
        name.to_owned()
    };
    let (mut plans, mut skips) = (Vec::<Plan>::new(), Vec::new());
    let mut first_port = None;
    for addr in addrs {
        let ip = addr.ip();
        let interface = if ip.is_loopback()
            || matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
        {
            skips.push(Skip::Loopback(*addr));
            continue;
        } else if ip.is_unspecified() {
            None
        } else {
            match interface_of(ip) {
                Some(i) => Some(i),
                None => {
                    skips.push(Skip::NoInterface(*addr));
                    continue;
                }
            }
        };
        let port = addr.port();
        // `0.0.0.0:P` and `[::]:P` together are one service on every interface.
        if plans
            .iter()
            .any(|p| p.port == port && (p.interface.is_none() || p.interface == interface))
        {
            continue;
        }
        if interface.is_none() {
            plans.retain(|p| p.port != port);
        }
        let first = *first_port.get_or_insert(port);
        let name = if port == first {
            fit_label(&base)
        } else {
            format!(
                "{} ({port})",
                fit_label(&base)
                    .chars()
                    .take(MAX_LABEL - 8)
                    .collect::<String>()
            )
        };
        plans.push(Plan {
            name,
            port,
            interface,
        });
    }
    (plans, skips)
}

/// The interface holding `ip`: its index and name (`getifaddrs`).
#[must_use]
pub fn interface_of(ip: IpAddr) -> Option<(u32, String)> {
    let addrs = nix::ifaddrs::getifaddrs().ok()?;
    for ifa in addrs {
        let Some(a) = ifa.address else { continue };
        let found = match ip {
            IpAddr::V4(v4) => a.as_sockaddr_in().is_some_and(|s| s.ip() == v4),
            IpAddr::V6(v6) => a.as_sockaddr_in6().is_some_and(|s| s.ip() == v6),
        };
        if found {
            let index = nix::net::if_::if_nametoindex(ifa.interface_name.as_str()).ok()?;
            return Some((index, ifa.interface_name));
        }
    }
    None
}

/// Announces `_wyoming._tcp` for each TCP listener in `addrs` under `name` (empty: the
/// default name); the announcements last until the process exits (see the module
/// docs). Problems are logged, never returned: discovery is a convenience and must not
/// keep the daemon from serving.
pub fn announce(name: &str, addrs: &[SocketAddr]) {
    let (plans, skips) = plan(name, addrs, interface_of);
    for s in &skips {
        tracing::warn!("{s}");
    }
    for p in plans {
        if let Err(e) = start(&p) {
            // One warning: the first failure is Avahi's absence for every listener.
            tracing::warn!("mDNS: cannot announce over Avahi ({e}); is avahi-daemon running? kokorod keeps serving, undiscovered");
            break;
        }
    }
}

/// Why one announcement could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    /// Avahi (or the service description) refused.
    #[error(transparent)]
    Avahi(#[from] zeroconf::error::Error),
    /// The event loop's thread could not be started.
    #[error("cannot start the mDNS thread: {0}")]
    Thread(std::io::Error),
}

/// Registers one service with Avahi and leaves a thread serving its event loop.
fn start(p: &Plan) -> Result<(), StartError> {
    let (kind, proto) = SERVICE_TYPE;
    let mut service = MdnsService::new(ServiceType::new(kind, proto)?, p.port);
    service.set_name(&p.name);
    if let Some((index, _)) = &p.interface {
        service.set_network_interface(NetworkInterface::AtIndex(*index));
    }
    let (port, iface) = (
        p.port,
        p.interface
            .as_ref()
            .map_or_else(|| "all interfaces".to_owned(), |i| i.1.clone()),
    );
    service.set_registered_callback(Box::new(move |r: zeroconf::Result<ServiceRegistration>, _| match r {
        Ok(reg) => tracing::info!(name = %reg.name(), port, interfaces = %iface, "mDNS: announced _wyoming._tcp"),
        Err(e) => tracing::warn!(port, "mDNS: Avahi refused or dropped the announcement: {e}"),
    }));
    // Fails at once (no daemon, no system bus) before any thread exists.
    let event_loop = service.register()?;
    std::thread::Builder::new()
        .name("kokorod-mdns".into())
        .spawn(move || {
            let _service = service;
            // Avahi's longest wait (i32::MAX ms, ~24 days): poll(2) wakes only on Avahi's messages.
            let forever = Duration::from_millis(i32::MAX as u64);
            while let Ok(()) = event_loop.poll(forever) {}
            tracing::warn!("mDNS: Avahi's event loop failed; the announcement may be gone");
        })
        .map_err(StartError::Thread)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth0(ip: IpAddr) -> Option<(u32, String)> {
        (ip == "192.0.2.7".parse::<IpAddr>().unwrap()).then(|| (2, "eth0".to_owned()))
    }

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_is_skipped_and_wildcards_merge() {
        let (plans, skips) = plan(
            "k",
            &[
                sa("127.0.0.1:10210"),
                sa("[::1]:10210"),
                sa("0.0.0.0:10210"),
                sa("[::]:10210"),
            ],
            eth0,
        );
        assert_eq!(
            plans,
            vec![Plan {
                name: "k".into(),
                port: 10210,
                interface: None
            }]
        );
        assert_eq!(skips.len(), 2);
        assert!(skips[0].to_string().contains("loopback"), "{}", skips[0]);
    }

    #[test]
    fn a_specific_address_is_announced_on_its_interface_only() {
        let (plans, skips) = plan(
            "k",
            &[sa("192.0.2.7:10210"), sa("198.51.100.1:10210")],
            eth0,
        );
        assert_eq!(
            plans,
            vec![Plan {
                name: "k".into(),
                port: 10210,
                interface: Some((2, "eth0".into()))
            }]
        );
        assert_eq!(skips, vec![Skip::NoInterface(sa("198.51.100.1:10210"))]);
    }

    #[test]
    fn a_second_port_gets_its_own_name() {
        let (plans, _) = plan("k", &[sa("0.0.0.0:10210"), sa("0.0.0.0:10211")], eth0);
        assert_eq!(
            plans.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["k", "k (10211)"]
        );
    }

    #[test]
    fn default_name_and_long_names() {
        let (plans, _) = plan("", &[sa("0.0.0.0:1")], eth0);
        assert!(plans[0].name.starts_with("kokorod"), "{}", plans[0].name);
        let long = "é".repeat(40);
        let (plans, _) = plan(&long, &[sa("0.0.0.0:1")], eth0);
        assert!(plans[0].name.len() <= MAX_LABEL && plans[0].name.starts_with('é'));
    }
}
