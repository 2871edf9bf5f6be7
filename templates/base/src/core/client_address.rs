//! Who sent a request, for the limits that count per client: the TCP peer, unless the peer is
//! one of `TRUSTED_PROXIES`. Then it is the right-most `X-Forwarded-For` address that is not
//! itself a trusted proxy: what the nearest untrusted hop connected from. Anything to its left
//! the client could have written, and an untrusted peer's header is ignored entirely.
//!
//! Limits count a client by its [`bucket`]: an IPv4 address, or an IPv6 /64, the block one
//! host is usually given and could otherwise rotate through.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;

/// Resolves the client address of requests, given the proxies trusted to name it.
#[derive(Debug, Clone, Default)]
pub struct ClientAddresses {
    trusted_proxies: Vec<IpNetwork>,
}

impl ClientAddresses {
    pub fn new(trusted_proxies: &[IpNetwork]) -> Self {
        Self {
            trusted_proxies: trusted_proxies.to_vec(),
        }
    }

    /// The client of a request from `peer` with `headers`.
    pub fn resolve(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.ip().to_canonical();
        if !self.is_trusted(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address.to_canonical();
            if !self.is_trusted(client) {
                break;
            }
        }
        client
    }

    /// The key the client of a request is counted under: [`bucket`] of [`Self::resolve`].
    pub fn bucket(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        bucket(self.resolve(peer, headers))
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|network| network.contains(address))
    }
}

/// The key a client is counted under: its address, or for IPv6 its /64.
pub fn bucket(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V4(address) => IpAddr::V4(address),
        IpAddr::V6(address) => IpAddr::V6(Ipv6Addr::from(u128::from(address) & (u128::MAX << 64))),
    }
}

/// An address with a prefix length, `10.0.0.0/8`; a bare address is a network of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn contains(&self, candidate: IpAddr) -> bool {
        match (self.address, candidate.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(candidate)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(candidate) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(candidate)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(candidate) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value, None),
        };
        let address: IpAddr = address.parse().map_err(|_| ())?;
        let address = address.to_canonical();
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().map_err(|_| ())?,
            None => max,
        };
        if prefix > max {
            return Err(());
        }
        Ok(Self { address, prefix })
    }
}

/// Comma-separated networks, as `TRUSTED_PROXIES` holds them; empty entries are skipped. The
/// error is the first entry that is not a network.
pub fn parse_networks(list: &str) -> Result<Vec<IpNetwork>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| entry.parse().map_err(|()| entry.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn network(text: &str) -> IpNetwork {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusting(networks: &[&str]) -> ClientAddresses {
        let networks: Vec<_> = networks.iter().map(|text| network(text)).collect();
        ClientAddresses::new(&networks)
    }

    fn forwarded(list: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(list).unwrap());
        headers
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        assert!(network("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!network("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(network("192.0.2.10").contains(ip("192.0.2.10")));
        assert!(!network("192.0.2.10").contains(ip("192.0.2.11")));
        assert!(network("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(network("fd00::/8").contains(ip("fd12::1")));
        assert!(!network("fd00::/8").contains(ip("10.0.0.1")));
        // An IPv4 peer seen through an IPv6 socket is still that IPv4 address.
        assert!(network("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn malformed_networks_are_refused() {
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0/8",
            "proxy",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<IpNetwork>().is_err(), "{bad}");
        }
        assert_eq!(
            parse_networks("10.0.0.0/8, ,192.0.2.1").unwrap(),
            [network("10.0.0.0/8"), network("192.0.2.1")]
        );
        assert_eq!(parse_networks("10.0.0.0/8,lb").unwrap_err(), "lb");
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let headers = forwarded("198.51.100.7, 203.0.113.9");
        let peer = SocketAddr::from(([10, 0, 0, 5], 4000));
        assert_eq!(trusting(&[]).resolve(peer, &headers), ip("10.0.0.5"));

        let trusted = trusting(&["10.0.0.0/8"]);
        assert_eq!(trusted.resolve(peer, &headers), ip("203.0.113.9"));
        // A chain of trusted proxies is walked until the first address outside them.
        let chain = forwarded("198.51.100.7, 10.1.1.1");
        assert_eq!(trusted.resolve(peer, &chain), ip("198.51.100.7"));
        // Without the header, or with garbage in it, the proxy itself is all we know.
        assert_eq!(trusted.resolve(peer, &HeaderMap::new()), ip("10.0.0.5"));
        assert_eq!(
            trusted.resolve(peer, &forwarded("not-an-address")),
            ip("10.0.0.5")
        );
        // A client that is not a trusted proxy cannot pick its own address.
        let outsider = SocketAddr::from(([198, 51, 100, 1], 4000));
        assert_eq!(trusted.resolve(outsider, &headers), ip("198.51.100.1"));
    }

    #[test]
    fn several_forwarded_for_headers_read_as_one_list() {
        let mut headers = forwarded("198.51.100.7");
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        let peer = SocketAddr::from(([10, 0, 0, 5], 4000));
        assert_eq!(
            trusting(&["10.0.0.0/8"]).resolve(peer, &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        assert_eq!(bucket(ip("2001:db8:1:2::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            bucket(ip("2001:db8:1:2:ffff::9")),
            bucket(ip("2001:db8:1:2::abcd"))
        );
        assert_ne!(bucket(ip("2001:db8:1:2::1")), bucket(ip("2001:db8:1:3::1")));
        assert_eq!(bucket(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
