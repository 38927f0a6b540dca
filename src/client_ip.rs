//! Who the client is, network-wise (SECURITY.md "Client addresses and browsers").
//!
//! The socket peer is the client unless it is one of the configured trusted proxies. Behind
//! them, the client is the right-most `X-Forwarded-For` entry that is not a trusted proxy:
//! every proxy appends the address it received the request from, so entries to the left of
//! the first untrusted one were written by the client itself and prove nothing.

use std::net::IpAddr;

use ipnet::IpNet;

/// Whether `ip` lies in one of `networks`.
fn trusted(ip: IpAddr, networks: &[IpNet]) -> bool {
    networks.iter().any(|net| net.contains(&ip))
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as dual-stack sockets report IPv4 peers)
/// as the IPv4 address it is, so one client has one key whatever the socket type.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) as some proxies write it.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

/// The client address of a request from `peer` carrying the `X-Forwarded-For` header values
/// `forwarded_for` (in the order they appear), given the trusted proxy networks.
///
/// A peer that is not a trusted proxy is the client, whatever it claims. Behind trusted
/// proxies the chain is read from the right; an entry that does not parse ends the walk at
/// the last address a trusted proxy vouched for, so garbage cannot pick a key.
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted_proxies: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    if !trusted(peer, trusted_proxies) {
        return peer;
    }
    let mut client = peer;
    let entries = forwarded_for.rev().flat_map(|value| value.rsplit(','));
    for entry in entries {
        let Some(ip) = parse_entry(entry).map(canonical) else {
            break;
        };
        client = ip;
        if !trusted(ip, trusted_proxies) {
            break;
        }
    }
    client
}

/// The key a client is throttled by: its IPv4 address, or the /64 network of an IPv6 one
/// (a single host is routinely given a whole /64, so counting addresses would let it rotate
/// through 2^64 of them).
pub fn throttle_network(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(canonical) {
        Ok(IpAddr::V6(v6)) => IpNet::new(IpAddr::V6(v6), 64)
            .map(|net| net.trunc().to_string())
            .unwrap_or_else(|_| ip.to_owned()),
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = nets(&["10.0.0.0/8"]);
        let got = client_ip(ip("198.51.100.7"), ["203.0.113.9"].into_iter(), &proxies);
        assert_eq!(got, ip("198.51.100.7"));
        assert_eq!(
            client_ip(ip("198.51.100.7"), ["203.0.113.9"].into_iter(), &[]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let proxies = nets(&["10.0.0.0/8", "192.168.0.0/16"]);
        // The client wrote "1.2.3.4" itself; the edge proxy appended the real peer.
        let chain = ["1.2.3.4, 203.0.113.9, 192.168.1.1"];
        assert_eq!(
            client_ip(ip("10.0.0.2"), chain.into_iter(), &proxies),
            ip("203.0.113.9")
        );
        // Several header lines count as one list, in order.
        let lines = ["1.2.3.4", "203.0.113.9", "192.168.1.1"];
        assert_eq!(
            client_ip(ip("10.0.0.2"), lines.into_iter(), &proxies),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_chain_of_only_proxies_or_garbage_stops_at_the_last_vouched_address() {
        let proxies = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["10.1.1.1"].into_iter(), &proxies),
            ip("10.1.1.1")
        );
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["203.0.113.9, nonsense"].into_iter(),
                &proxies
            ),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), std::iter::empty(), &proxies),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ports_and_brackets_are_understood_and_mapped_ipv4_is_ipv4() {
        let proxies = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(
                ip("::ffff:10.0.0.2"),
                ["[2001:db8::5]:443"].into_iter(),
                &proxies
            ),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["203.0.113.9:5555"].into_iter(), &proxies),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_neighbours_share_their_slash_64() {
        assert_eq!(throttle_network("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(
            throttle_network("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_ne!(
            throttle_network("2001:db8:1:3::1"),
            throttle_network("2001:db8:1:2::1")
        );
        assert_eq!(throttle_network("192.0.2.1"), "192.0.2.1");
        assert_eq!(throttle_network("::ffff:192.0.2.1"), "192.0.2.1");
    }
}
