//! `fetch.private_redirects: false`: redirects lead only to public addresses, so a
//! public feed cannot point the fetcher at the intranet or a cloud metadata service.
//! (Followed by default: an intranet feed's own redirects should work.) Only where
//! redirects lead is checked, before connecting: an IP literal here, a name by the
//! resolver of the client redirects go through, so the address checked is the one used.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use reqwest::blocking::Client;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::Fetcher;

/// A redirect refused for leading to a private address.
#[derive(Debug, thiserror::Error)]
#[error("refusing to follow a redirect to {0}, a private address (fetch.private_redirects: false)")]
pub(super) struct Refused(String);

/// Loopback, private, link-local, shared (carrier-grade NAT), "this network" and
/// unspecified addresses, IPv4 mapped into IPv6 included.
fn is_private(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && b & 0xC0 == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
        }
    }
}

impl Fetcher {
    /// The client for a request to `url`: for a redirect with `private_redirects:
    /// false`, the public-only one, once `url` is not a private IP literal.
    pub(super) fn client_for(&self, url: &Url, redirected: bool) -> Result<&Client, Refused> {
        let Some(guarded) = self.guarded.as_ref().filter(|_| redirected) else {
            return Ok(&self.client);
        };
        match url.host() {
            Some(Host::Ipv4(ip)) if is_private(ip.into()) => Err(Refused(ip.to_string())),
            Some(Host::Ipv6(ip)) if is_private(ip.into()) => Err(Refused(ip.to_string())),
            _ => Ok(guarded),
        }
    }
}

/// Resolves names as the system does, and refuses a name with any private address.
pub(super) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let lookup = host.clone();
            // getaddrinfo blocks; off the client's runtime thread, the deadline holds.
            let found = tokio::task::spawn_blocking(move || (lookup.as_str(), 0).to_socket_addrs());
            let addrs: Vec<SocketAddr> = found.await??.collect();
            if addrs.iter().any(|a| is_private(a.ip())) {
                return Err(Refused(host).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_told_from_public_ones() {
        let private = "127.0.0.1 10.1.2.3 172.16.0.1 192.168.1.1 169.254.169.254 100.64.0.1 \
                       0.0.0.0 255.255.255.255 ::1 :: fd00::1 fe80::1 ::ffff:127.0.0.1";
        for ip in private.split_whitespace() {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in "93.184.216.34 100.128.0.1 172.32.0.1 2606:4700::1111".split(' ') {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
