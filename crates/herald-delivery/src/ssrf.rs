//! The SSRF guard: webhooks must not reach internal networks. Addresses are checked after DNS
//! resolution, on exactly the addresses the connector will use (so a rebinding DNS answer cannot
//! slip an internal address in), and IP-literal URLs are checked directly.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;

/// Why a target address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target {host} refused: {reason} address {addr} (set allow_private_targets to allow)")]
pub struct RefusedTarget {
    /// Host name as given in the URL.
    pub host: String,
    /// The refused address.
    pub addr: IpAddr,
    /// The address class.
    pub reason: &'static str,
}

/// Why an address is not a public unicast address, or `None` when it is one.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        [0, ..] => "unspecified/this-network",
        [127, ..] => "loopback",
        [10, ..] => "private",
        [172, b, ..] if (16..32).contains(&b) => "private",
        [192, 168, ..] => "private",
        [169, 254, ..] => "link-local",
        [100, b, ..] if (64..128).contains(&b) => "carrier-grade nat",
        [192, 0, 0, _] => "ietf protocol assignment",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation",
        [198, 18 | 19, ..] => "benchmarking",
        [192, 88, 99, _] => "6to4 relay anycast",
        [255, 255, 255, 255] => "broadcast",
        [a, ..] if (224..240).contains(&a) => "multicast",
        [a, ..] if a >= 240 => "reserved",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    let s = ip.segments();
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the embedded address,
    // and refuse the forms themselves too, since stacks disagree on how they route.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(forbidden_v4(v4).map_or("ipv4-mapped", |_| "ipv4-mapped internal"));
    }
    if s[0..6] == [0, 0, 0, 0, 0, 0] {
        return Some("ipv4-compatible");
    }
    // NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address.
    if s[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        if let Some(reason) = forbidden_v4(v4) {
            return Some(reason);
        }
    }
    Some(match s[0] {
        x if x & 0xfe00 == 0xfc00 => "unique local",
        x if x & 0xffc0 == 0xfe80 => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local",
        x if x & 0xff00 == 0xff00 => "multicast",
        0x2001 if s[1] == 0x0db8 => "documentation",
        0x2001 if s[1] < 0x0200 => "ietf protocol assignment",
        0x2002 => "6to4",
        0x0100 if s[1..4] == [0, 0, 0] => "discard-only",
        _ => return None,
    })
}

/// Checks one address against the policy.
pub fn check(host: &str, ip: IpAddr, allow_private: bool) -> Result<(), RefusedTarget> {
    if allow_private {
        return Ok(());
    }
    match forbidden_reason(ip) {
        None => Ok(()),
        Some(reason) => Err(RefusedTarget {
            host: host.to_owned(),
            addr: ip,
            reason,
        }),
    }
}

/// A DNS resolver for the HTTP client that drops refused addresses from every answer and fails
/// when none is left, so the connector only ever dials allowed addresses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// Allow everything (tests, on-prem).
    pub allow_private: bool,
}

/// What [`GuardedResolver`] answers: the allowed addresses (port 0; the connector sets it).
pub type Addrs = std::vec::IntoIter<SocketAddr>;

/// The resolver's error: a [`RefusedTarget`], an I/O error, or "no address".
pub type ResolveError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = Addrs;
    type Error = ResolveError;
    type Future = Pin<Box<dyn Future<Output = Result<Addrs, ResolveError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ResolveError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|a| match check(&host, a.ip(), allow_private) {
                    Ok(()) => true,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(match refused {
                    Some(e) => Box::new(e) as ResolveError,
                    None => format!("{host} resolved to no address").into(),
                });
            }
            Ok(allowed.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        forbidden_reason(s.parse().unwrap()).is_some()
    }

    #[test]
    fn internal_ipv4_ranges_are_refused() {
        for a in [
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.255",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.1",
            "192.0.0.8",
        ] {
            assert!(refused(a), "{a} should be refused");
        }
    }

    #[test]
    fn public_ipv4_is_allowed() {
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "93.184.216.34",
            "192.169.0.1",
        ] {
            assert!(!refused(a), "{a} should be allowed");
        }
    }

    #[test]
    fn internal_ipv6_and_mapped_forms_are_refused() {
        for a in [
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "100::1",
        ] {
            assert!(refused(a), "{a} should be refused");
        }
    }

    #[test]
    fn public_ipv6_is_allowed() {
        for a in [
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "64:ff9b::808:808",
        ] {
            assert!(!refused(a), "{a} should be allowed");
        }
    }

    #[test]
    fn allow_private_lets_everything_through() {
        assert!(check("x", "127.0.0.1".parse().unwrap(), true).is_ok());
        let e = check("x", "127.0.0.1".parse().unwrap(), false).unwrap_err();
        assert_eq!(e.reason, "loopback");
    }

    #[tokio::test]
    async fn resolver_filters_localhost() {
        use tower_service::Service;
        let mut r = GuardedResolver {
            allow_private: false,
        };
        let err = r
            .call("localhost".parse().unwrap())
            .await
            .expect_err("refused");
        assert!(err.downcast_ref::<RefusedTarget>().is_some(), "{err}");
        let mut ok = GuardedResolver {
            allow_private: true,
        };
        let addrs: Vec<SocketAddr> = ok
            .call("localhost".parse().unwrap())
            .await
            .expect("resolved")
            .collect();
        assert!(!addrs.is_empty());
    }
}
