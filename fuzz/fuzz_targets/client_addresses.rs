//! Client addresses: any `X-Forwarded-For` chain from any peer picks an address without a
//! panic; an untrusted peer is always its own client; throttle keys are stable.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use storedesk::client_ip::{client_ip, throttle_network};

fuzz_target!(|input: (u128, bool, Vec<&str>)| {
    let (raw, v4, chain) = input;
    let peer = if v4 {
        IpAddr::from(std::net::Ipv4Addr::from(raw as u32))
    } else {
        IpAddr::from(std::net::Ipv6Addr::from(raw))
    };
    let trusted: [ipnet::IpNet; 2] = ["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()];
    let client = client_ip(peer, chain.iter().copied(), &trusted);
    let canonical = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 => v4,
    };
    if !trusted.iter().any(|net| net.contains(&canonical)) {
        assert_eq!(client, canonical);
    }
    let key = throttle_network(&client.to_string());
    assert_eq!(
        throttle_network(&key.split('/').next().unwrap_or_default().to_string()),
        key
    );
});
