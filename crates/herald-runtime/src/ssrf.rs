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

/// How an IPv6 address carries an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    /// `::ffff:a.b.c.d` (IPv4-mapped).
    Mapped,
    /// `::ffff:0:a.b.c.d` (IPv4-translated, SIIT).
    Translated,
    /// `::a.b.c.d` (IPv4-compatible, deprecated).
    Compatible,
    /// `64:ff9b::a.b.c.d` (NAT64 well-known prefix).
    Nat64,
    /// `64:ff9b:1::/48` (NAT64 local-use prefix, RFC 8215), judged by the last 32 bits.
    Nat64LocalUse,
    /// `2002:aabb:ccdd::/48` (6to4).
    SixToFour,
    /// `2001:0::/32` (Teredo): the server address, and the client address inverted.
    Teredo,
}

impl Embedding {
    fn name(self) -> &'static str {
        match self {
            Self::Mapped => "ipv4-mapped",
            Self::Translated => "ipv4-translated",
            Self::Compatible => "ipv4-compatible",
            Self::Nat64 => "nat64",
            Self::Nat64LocalUse => "nat64 local-use",
            Self::SixToFour => "6to4",
            Self::Teredo => "teredo",
        }
    }

    /// Whether the form itself may be dialed when the embedded address is public: only the
    /// well-known NAT64 prefix, which is how IPv6-only networks reach IPv4 hosts. The local-use
    /// prefix is site-specific (an operator may place the IPv4 address at any RFC 6052
    /// position), and the other forms are never routed as such on the internet, while stacks
    /// disagree on how they route them locally.
    fn dialable(self) -> bool {
        matches!(self, Self::Nat64)
    }
}

fn v4(b: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(b)
}

/// The IPv4 addresses an IPv6 address embeds, and how; empty when it embeds none (Teredo
/// embeds two).
pub fn embedded_v4(ip: Ipv6Addr) -> (Option<Embedding>, Vec<Ipv4Addr>) {
    let s = ip.segments();
    let o = ip.octets();
    let tail = v4([o[12], o[13], o[14], o[15]]);
    if ip.is_unspecified() || ip.is_loopback() {
        return (None, Vec::new());
    }
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => (Some(Embedding::Mapped), vec![tail]),
        [0, 0, 0, 0, 0xffff, 0, ..] => (Some(Embedding::Translated), vec![tail]),
        [0, 0, 0, 0, 0, 0, ..] => (Some(Embedding::Compatible), vec![tail]),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => (Some(Embedding::Nat64), vec![tail]),
        [0x64, 0xff9b, 1, ..] => (Some(Embedding::Nat64LocalUse), vec![tail]),
        [0x2002, ..] => (
            Some(Embedding::SixToFour),
            vec![v4([o[2], o[3], o[4], o[5]])],
        ),
        [0x2001, 0, ..] => (
            Some(Embedding::Teredo),
            vec![
                v4([o[4], o[5], o[6], o[7]]),
                v4([!o[12], !o[13], !o[14], !o[15]]),
            ],
        ),
        _ => (None, Vec::new()),
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Judge every form that embeds an IPv4 address by what it embeds: a stack or a translator
    // on the way may turn it into exactly that IPv4 address.
    if let (Some(form), addrs) = embedded_v4(ip) {
        if addrs.iter().any(|a| forbidden_v4(*a).is_some()) {
            return Some(match form {
                Embedding::Mapped => "ipv4-mapped internal",
                Embedding::Translated => "ipv4-translated internal",
                Embedding::Compatible => "ipv4-compatible internal",
                Embedding::Nat64 => "nat64 internal",
                Embedding::Nat64LocalUse => "nat64 local-use internal",
                Embedding::SixToFour => "6to4 internal",
                Embedding::Teredo => "teredo internal",
            });
        }
        if !form.dialable() {
            return Some(form.name());
        }
        return None;
    }
    let s = ip.segments();
    Some(match s[0] {
        x if x & 0xfe00 == 0xfc00 => "unique local",
        x if x & 0xffc0 == 0xfe80 => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local",
        x if x & 0xff00 == 0xff00 => "multicast",
        0x2001 if s[1] == 0x0db8 => "documentation",
        0x2001 if s[1] < 0x0200 => "ietf protocol assignment",
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

    /// Every IPv6 form that embeds an IPv4 address, with an internal and a public embedded
    /// address: (address, refused).
    const EMBEDDED: [(&str, bool); 30] = [
        // The forms of the defect report.
        ("::ffff:0:7f00:1", true),
        ("::ffff:0:a9fe:a9fe", true),
        ("64:ff9b:1::7f00:1", true),
        // IPv4-mapped: refused even when public (never routed as such).
        ("::ffff:7f00:1", true),
        ("::ffff:a9fe:a9fe", true),
        ("::ffff:8.8.8.8", true),
        // IPv4-translated (SIIT).
        ("::ffff:0:a00:1", true),
        ("::ffff:0:808:808", true),
        // IPv4-compatible.
        ("::7f00:1", true),
        ("::a9fe:a9fe", true),
        ("::808:808", true),
        // NAT64 well-known prefix: judged by the embedded address, public ones dialable.
        ("64:ff9b::7f00:1", true),
        ("64:ff9b::a9fe:a9fe", true),
        ("64:ff9b::6440:1", true),
        ("64:ff9b::808:808", false),
        // NAT64 local-use prefix: internal embedded addresses named, the form refused.
        ("64:ff9b:1::a00:1", true),
        ("64:ff9b:1::a9fe:a9fe", true),
        ("64:ff9b:1:7f00:1:0:808:808", true),
        ("64:ff9b:1::808:808", true),
        // 6to4: internal embedded addresses named as such; the form is refused either way.
        ("2002:7f00:1::1", true),
        ("2002:a9fe:a9fe::1", true),
        ("2002:c0a8:101::1", true),
        ("2002:808:808::1", true),
        // Teredo: server address, and the client address inverted.
        ("2001:0:7f00:1::1", true),
        ("2001:0:808:808::80ff:fffe", true),
        ("2001:0:808:808::f7f7:f7f7", true),
        ("2001:0:a9fe:a9fe::1", true),
        // Not embeddings.
        ("2606:4700:4700::1111", false),
        ("2a00:1450:4001::200e", false),
        ("::1", true),
    ];

    #[test]
    fn ipv6_forms_are_judged_by_the_embedded_ipv4_address() {
        for (addr, want) in EMBEDDED {
            let ip: Ipv6Addr = addr.parse().unwrap();
            let reason = forbidden_reason(IpAddr::V6(ip));
            assert_eq!(reason.is_some(), want, "{addr}: {reason:?}");
        }
        let reason = |a: &str| forbidden_reason(a.parse().unwrap()).unwrap_or("allowed");
        assert_eq!(reason("::ffff:0:7f00:1"), "ipv4-translated internal");
        assert_eq!(reason("64:ff9b:1::7f00:1"), "nat64 local-use internal");
        assert_eq!(reason("2002:a9fe:a9fe::1"), "6to4 internal");
        assert_eq!(reason("2001:0:808:808::80ff:fffe"), "teredo internal");
        assert_eq!(reason("::ffff:0:808:808"), "ipv4-translated");
        assert_eq!(reason("64:ff9b:1::808:808"), "nat64 local-use");
    }

    #[test]
    fn an_embedding_is_never_more_permissive_than_what_it_embeds() {
        for (addr, _) in EMBEDDED {
            let ip: Ipv6Addr = addr.parse().unwrap();
            for v4 in embedded_v4(ip).1 {
                if forbidden_v4(v4).is_some() {
                    assert!(forbidden_v6(ip).is_some(), "{addr} embeds {v4}");
                }
            }
        }
    }

    #[test]
    fn urls_with_embedded_internal_addresses_are_refused_before_dialing() {
        for url in [
            "http://[::ffff:0:7f00:1]/",
            "http://[::ffff:0:a9fe:a9fe]/",
            "http://[64:ff9b:1::7f00:1]/",
        ] {
            let host = url::Url::parse(url).unwrap();
            let Some(url::Host::Ipv6(ip)) = host.host() else {
                panic!("{url} has no ipv6 host");
            };
            let e = check(url, IpAddr::V6(ip), false).unwrap_err();
            assert!(e.reason.ends_with("internal"), "{url}: {e}");
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
