//! The client's IP address, for throttling and the audit log.
//!
//! Without proxies of our own it is the TCP peer. Behind `n` trusted reverse proxies it is the
//! `X-Forwarded-For` entry `n` hops from the right: each proxy appends the address it received
//! the request from, so the rightmost `n` entries were written by proxies we run and anything to
//! their left is whatever the client chose to send. Reading the first entry, as many servers do,
//! lets any client pick its own address (and a fresh throttle bucket per request).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// How many reverse proxies of ours stand in front of the server (`trusted_proxy_hops`);
/// inserted into request extensions by the server from configuration, so the extractor needs
/// no state. Absent or 0: `X-Forwarded-For` is ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrustedProxyHops(pub u32);

/// The client's IP address: the entry [`TrustedProxyHops`] from the right of
/// `X-Forwarded-For`, else the TCP peer. IPv4 addresses arriving as IPv4-mapped IPv6
/// (`::ffff:a.b.c.d`, on a dual-stack listener) are given as IPv4.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let hops = parts
            .extensions
            .get::<TrustedProxyHops>()
            .copied()
            .unwrap_or_default();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = forwarded_client(&parts.headers, hops).or(peer);
        Ok(ClientIp(ip.map(|ip| ip.to_canonical())))
    }
}

/// The address `hops` trusted proxies vouch for: the `X-Forwarded-For` entry `hops` from the
/// right, counting every entry of every header line in order. With fewer entries than hops
/// (the request skipped an outer proxy), the leftmost, which one of ours wrote. `None` when no
/// proxy is trusted, there is no header, or the chosen entry is not an address; the caller
/// then uses the TCP peer (our innermost proxy), never an entry further left.
pub fn forwarded_client(headers: &HeaderMap, hops: TrustedProxyHops) -> Option<IpAddr> {
    if hops.0 == 0 {
        return None;
    }
    // Split the raw bytes, so one undecodable entry (sent by the client) cannot hide the
    // entries our proxies appended to the same line.
    let entries: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|line| line.as_bytes().split(|b| *b == b','))
        .collect();
    let hops = usize::try_from(hops.0).unwrap_or(usize::MAX);
    let chosen = entries.get(entries.len().saturating_sub(hops))?;
    parse_entry(std::str::from_utf8(chosen).ok()?)
}

/// One `X-Forwarded-For` entry: an address, optionally bracketed or with a port
/// (`203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`, `203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = entry.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .and_then(|e| e.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                "x-forwarded-for",
                HeaderValue::from_str(line).expect("test header"),
            );
        }
        map
    }

    fn client(lines: &[&str], hops: u32) -> Option<String> {
        forwarded_client(&headers(lines), TrustedProxyHops(hops)).map(|ip| ip.to_string())
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(client(&["203.0.113.9"], 0), None);
    }

    #[test]
    fn the_entry_our_proxy_wrote_wins_over_what_the_client_sent() {
        // The client sent "1.2.3.4"; our one proxy appended the address it saw.
        assert_eq!(
            client(&["1.2.3.4, 203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(client(&["203.0.113.9"], 1).as_deref(), Some("203.0.113.9"));
    }

    #[test]
    fn two_hops_read_the_second_entry_from_the_right() {
        // client-chosen, the client as seen by the outer proxy, the outer proxy as seen by the
        // inner one.
        let line = "6.6.6.6, 198.51.100.4, 10.0.0.2";
        assert_eq!(client(&[line], 2).as_deref(), Some("198.51.100.4"));
        assert_eq!(client(&[line], 1).as_deref(), Some("10.0.0.2"));
    }

    #[test]
    fn entries_across_several_header_lines_count_in_order() {
        assert_eq!(
            client(&["6.6.6.6, 7.7.7.7", "198.51.100.4", "10.0.0.2"], 2).as_deref(),
            Some("198.51.100.4")
        );
    }

    #[test]
    fn fewer_entries_than_hops_take_the_leftmost() {
        assert_eq!(
            client(&["198.51.100.4"], 3).as_deref(),
            Some("198.51.100.4")
        );
        assert_eq!(client(&[], 1), None);
    }

    #[test]
    fn garbage_at_the_chosen_position_falls_back_to_the_peer() {
        assert_eq!(client(&["198.51.100.4, unknown"], 1), None);
        assert_eq!(client(&["198.51.100.4,"], 1), None);
        // Garbage to the left is the client's business and does not shift the count.
        assert_eq!(
            client(&["not an address, 198.51.100.4"], 1).as_deref(),
            Some("198.51.100.4")
        );
    }

    #[test]
    fn undecodable_client_bytes_do_not_hide_our_entry() {
        let mut map = HeaderMap::new();
        map.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 198.51.100.4").expect("obs-text is allowed"),
        );
        assert_eq!(
            forwarded_client(&map, TrustedProxyHops(1)),
            Some("198.51.100.4".parse().expect("ip"))
        );
    }

    #[test]
    fn entries_with_ports_and_brackets_parse() {
        for (entry, ip) in [
            ("203.0.113.7:4711", "203.0.113.7"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            (" 2001:db8::1 ", "2001:db8::1"),
        ] {
            assert_eq!(
                parse_entry(entry).map(|i| i.to_string()).as_deref(),
                Some(ip),
                "{entry}"
            );
        }
    }
}
