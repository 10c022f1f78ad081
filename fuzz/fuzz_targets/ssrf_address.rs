//! `herald_runtime::ssrf`: the classifier that decides whether a webhook may dial an address.
//!
//! Input: 4 bytes (an IPv4 address) or 16 bytes (an IPv6 address); other lengths read the
//! first 16 or 4 bytes, zero-padded.
//!
//! Properties beyond "no panic":
//! - an IPv6 form that embeds an IPv4 address is never more permissive than what it embeds:
//!   if any embedded address is refused, the IPv6 address is refused;
//! - every IPv4 address is judged the same as its IPv4-mapped, IPv4-translated,
//!   IPv4-compatible and NAT64 forms would make it refused (those forms are refused whenever
//!   the IPv4 address is);
//! - `check` with `allow_private` accepts everything and without it agrees with the classifier.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use herald_runtime::ssrf::{check, embedded_v4, forbidden_reason};
use libfuzzer_sys::fuzz_target;

fn refused(ip: IpAddr) -> bool {
    forbidden_reason(ip).is_some()
}

fn forms(v4: Ipv4Addr) -> [Ipv6Addr; 4] {
    let [a, b, c, d] = v4.octets();
    let tail = [u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])];
    [
        v4.to_ipv6_mapped(),
        Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, tail[0], tail[1]),
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, tail[0], tail[1]),
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, tail[0], tail[1]),
    ]
}

fuzz_target!(|data: &[u8]| {
    let ip = if data.len() >= 16 {
        let mut b = [0u8; 16];
        b.copy_from_slice(&data[..16]);
        IpAddr::V6(Ipv6Addr::from(b))
    } else {
        let mut b = [0u8; 4];
        for (dst, src) in b.iter_mut().zip(data) {
            *dst = *src;
        }
        IpAddr::V4(Ipv4Addr::from(b))
    };
    let verdict = refused(ip);
    assert!(check("fuzz", ip, true).is_ok());
    assert_eq!(check("fuzz", ip, false).is_err(), verdict);
    match ip {
        IpAddr::V6(v6) => {
            let (_, embedded) = embedded_v4(v6);
            if embedded.iter().any(|v4| refused(IpAddr::V4(*v4))) {
                assert!(verdict, "{v6} embeds a refused address: {embedded:?}");
            }
        }
        IpAddr::V4(v4) => {
            if verdict {
                for form in forms(v4) {
                    assert!(refused(IpAddr::V6(form)), "{form} embeds refused {v4}");
                }
            }
        }
    }
});
