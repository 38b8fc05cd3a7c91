//! Which address a request comes from, behind reverse proxies that say so in
//! `X-Forwarded-For`.
use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed (`http.trusted_proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads addresses (`10.0.0.7`) and ranges (`10.0.0.0/8`).
    ///
    /// # Errors
    /// An entry that is neither, named.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{e:?} is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer, or while the peer is a trusted proxy, the address it
    /// forwarded for, hop by hop from the nearest (the header's right end). A client can put
    /// anything at the left of the header, so the walk stops at the first untrusted hop.
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match hop.parse::<IpAddr>() {
                Ok(ip) => client = ip,
                Err(_) => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let lb = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.1".into()]).unwrap();

        // Nobody trusted: the header is ignored, whoever sends it.
        assert_eq!(
            none.client_address(ip("10.0.0.5"), ["203.0.113.9"]),
            ip("10.0.0.5")
        );
        // Behind the load balancer: the address it saw.
        assert_eq!(
            lb.client_address(ip("10.0.0.5"), ["203.0.113.9"]),
            ip("203.0.113.9")
        );
        // A client's own forged entries sit left of the address the proxy saw.
        assert_eq!(
            lb.client_address(ip("10.0.0.5"), ["6.6.6.6, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Two trusted hops, then the client.
        assert_eq!(
            lb.client_address(ip("192.0.2.1"), ["203.0.113.9", "10.1.1.1"]),
            ip("203.0.113.9")
        );
        // Not from the proxy: the header is the client's own claim.
        assert_eq!(
            lb.client_address(ip("198.51.100.3"), ["10.0.0.1"]),
            ip("198.51.100.3")
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            lb.client_address(ip("10.0.0.5"), ["nonsense"]),
            ip("10.0.0.5")
        );
        assert!(TrustedProxies::parse(&["example.com".into()]).is_err());
    }
}
