//! Which TCP peers may connect (`--allow-from 192.168.0.0/16,fd00::/8`): a daemon that
//! listens on the LAN need not answer the whole LAN, nor whatever a misrouted or
//! forwarded port lets in. Loopback peers are always allowed, Unix sockets are not
//! concerned (their file permissions decide).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

/// A network that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid network `{given}`: {why} (expected ADDRESS/PREFIX, e.g. 192.168.0.0/16 or fd00::/8)"
)]
pub struct NetError {
    given: String,
    why: &'static str,
}

impl FromStr for Net {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Self, NetError> {
        let fail = |why| NetError {
            given: s.chars().take(64).collect(),
            why,
        };
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| fail("not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= max)
                .ok_or_else(|| fail("the prefix length is out of range"))?,
        };
        Ok(Net { addr, prefix })
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Net {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 peer counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

/// `::ffff:a.b.c.d` (a dual-stack listener's IPv4 peer) as `a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// The networks peers may connect from; empty allows everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Net>);

impl AllowList {
    /// Peers from `nets` (and loopback) only; no networks allows every peer.
    pub fn new(nets: Vec<Net>) -> Self {
        AllowList(nets)
    }

    /// Whether a TCP peer at `ip` may connect.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || canonical(ip).is_loopback() || self.0.iter().any(|n| n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let lan: Net = "192.168.0.0/16".parse().unwrap();
        assert!(lan.contains(ip("192.168.1.20")));
        assert!(lan.contains(ip("::ffff:192.168.1.20")));
        assert!(!lan.contains(ip("192.169.0.1")));
        assert!(!lan.contains(ip("10.0.0.1")));
        let odd: Net = "10.1.2.128/25".parse().unwrap();
        assert!(odd.contains(ip("10.1.2.200")) && !odd.contains(ip("10.1.2.127")));
        let v6: Net = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let host: Net = "10.0.0.7".parse().unwrap();
        assert!(host.contains(ip("10.0.0.7")) && !host.contains(ip("10.0.0.8")));
        assert!("0.0.0.0/0".parse::<Net>().unwrap().contains(ip("8.8.8.8")));
        for bad in [
            "",
            "10.0.0.0/33",
            "fd00::/129",
            "example.com/8",
            "10.0.0.0/x",
            "10.0.0/8",
        ] {
            assert!(bad.parse::<Net>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_list_allows_its_networks_and_loopback() {
        let all = AllowList::default();
        assert!(all.allows(ip("203.0.113.9")));
        let list = AllowList::new(vec![
            "192.168.0.0/16".parse().unwrap(),
            "fd00::/8".parse().unwrap(),
        ]);
        assert!(list.allows(ip("192.168.3.4")) && list.allows(ip("fd00::5")));
        assert!(
            list.allows(ip("127.0.0.1"))
                && list.allows(ip("::1"))
                && list.allows(ip("::ffff:127.0.0.1"))
        );
        assert!(!list.allows(ip("10.0.0.1")) && !list.allows(ip("2001:db8::1")));
    }
}
