//! Where a server's runs may connect: never to this machine, the local
//! network or a metadata service on a vendor's or a tender's word.
//!
//! The check is on the address actually connected to, not on the URL's
//! text: a host name is resolved by [`PolicyResolver`], which drops every
//! address the policy refuses, and reqwest connects only to what the
//! resolver returned, so DNS that changes between a check and the connect
//! gets nothing through. An IP literal never reaches a resolver; it is
//! checked when the client is built ([`EgressPolicy::check_url`]), after the
//! URL parser has brought every spelling (`127.1`, `2130706433`,
//! `0x7f000001`, `0177.0.0.1`, `%31%32%37.0.0.1`, `127.0.0.1.`,
//! `[::ffff:127.0.0.1]`) to one address.
//!
//! Refused: loopback, private (RFC 1918, IPv6 unique-local), link-local
//! (incl. 169.254.169.254), shared address space (CGNAT, 100.64/10),
//! multicast, broadcast, unspecified, documentation and benchmarking ranges,
//! and IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64, 6to4).
//! An administrator may allow named networks (a buyer that hosts a vendor's
//! model on its own network); a tender or a vendor never can.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

pub use ipnet::IpNet;
pub use reqwest::Url;
pub use url::Host;

#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    /// Networks an administrator allowed although they are internal.
    pub allowed: Vec<IpNet>,
}

/// The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    match s {
        // ::a.b.c.d (deprecated compatible form); not :: or ::1 themselves.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(v4(hi, lo)),
        // NAT64 well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // 6to4 2002:a.b.c.d::/48.
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

/// Whether an address is this machine, a local network, or otherwise not the public internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
        }
    }
}

impl EgressPolicy {
    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Checks an endpoint URL: http or https, no user name or password, no
    /// fragment, and an IP literal host only where the policy permits it.
    /// A host name is checked when it is resolved, at every connect.
    pub fn check_url(&self, url: &str) -> Result<Url, String> {
        let parsed = Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{url:?}: only http:// and https:// endpoints are allowed"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(format!("{url:?}: an endpoint may not carry a user name or password"));
        }
        if parsed.fragment().is_some() {
            return Err(format!("{url:?}: an endpoint may not carry a fragment (#…)"));
        }
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(d))
                if d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost") =>
            {
                Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
            Some(url::Host::Domain(_)) => None,
            None => return Err(format!("{url:?} names no host")),
        };
        match ip {
            Some(ip) if !self.permits(ip) => Err(format!(
                "{url:?} points at {ip}, an address on this machine or a local network, which endpoints may not reach"
            )),
            _ => Ok(parsed),
        }
    }
}

/// Resolves host names and keeps only the addresses the policy permits.
pub struct PolicyResolver(pub Arc<EgressPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found.iter().copied().filter(|a| policy.permits(a.ip())).collect();
            if permitted.is_empty() {
                let refused: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                let detail = format!(
                    "{host} resolves only to addresses endpoints may not reach ({}): this machine or a local network",
                    refused.join(", ")
                );
                return Err(detail.into());
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_internal_address_is_refused() {
        let policy = EgressPolicy::default();
        for url in [
            "http://127.1:9/x",
            "http://0:9/",
            "http://2130706433:9/",
            "http://0x7f000001:9/",
            "http://0177.0.0.1:9/",
            "http://127.0.0.1.:9/",
            "http://%31%32%37.0.0.1:9/",
            "http://[::ffff:127.0.0.1]:9/",
            "http://[::ffff:169.254.169.254]/",
            "http://0xa9fea9fe/",
            "http://[::1]:9/",
            "http://10.1.2.3/",
            "http://100.64.0.1/",
            "http://[fd00::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://localhost:9/",
            "http://api.localhost/",
            "http://224.0.0.1/",
            // More spellings, not from the outside test.
            "http://0x7f.1/",
            "http://127.000.000.001/",
            "http://[0:0:0:0:0:ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://LOCALHOST:9/",
            "http://192.168.1.1:8000/v1",
            "http://172.16.0.5/",
            "http://169.254.1.1/",
            "http://[fe80::1]/",
            "http://0.0.0.0:9/",
            "http://255.255.255.255/",
        ] {
            assert!(policy.check_url(url).is_err(), "{url} was accepted");
        }
        assert!(policy.check_url("http://127.0.0.1\\@vendor.example.com/").is_err(), "userinfo or a loopback host");
        assert!(policy.check_url("http://user:pw@vendor.example.com/").is_err());
        assert!(policy.check_url("http://vendor.example.com/v1#").is_err());
        assert!(policy.check_url("ftp://vendor.example.com/").is_err());
        assert!(policy.check_url("https://api.vendor.example.com/v1").is_ok());
        assert!(policy.check_url("https://8.8.8.8/v1").is_ok());
    }

    #[test]
    fn an_administrator_may_allow_a_network() {
        let policy = EgressPolicy { allowed: vec!["10.20.0.0/16".parse().unwrap()] };
        assert!(policy.check_url("http://10.20.3.4:8000/v1").is_ok());
        assert!(policy.check_url("http://10.21.3.4:8000/v1").is_err());
        assert!(!policy.permits("127.0.0.1".parse().unwrap()));
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_gets_no_address() {
        use reqwest::dns::Resolve;
        let resolver = PolicyResolver(Arc::new(EgressPolicy::default()));
        let refused = resolver.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err());
        let allowed = PolicyResolver(Arc::new(EgressPolicy {
            allowed: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        }));
        assert!(allowed.resolve("localhost".parse().unwrap()).await.is_ok());
    }

    /// Through reqwest, as a run connects: a name is resolved by the policy,
    /// so a host name for this machine reaches nothing.
    #[tokio::test]
    async fn a_client_connects_only_where_the_policy_permits() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
            }
        });
        crate::install_tls_provider();
        let client = |policy: EgressPolicy| {
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(Arc::new(PolicyResolver(Arc::new(policy))))
                .build()
                .unwrap()
        };
        let url = format!("http://localhost:{port}/");
        let refused = client(EgressPolicy::default()).get(&url).send().await.unwrap_err();
        assert!(format!("{:?}", refused).contains("resolves only to addresses"), "{refused:?}");
        let loopback = EgressPolicy { allowed: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()] };
        let ok = client(loopback).get(&url).send().await.unwrap();
        assert_eq!(ok.text().await.unwrap(), "ok");
    }
}
