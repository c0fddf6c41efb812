//! The outbound HTTP adapter of the [`Poster`] port, with SSRF protection: a webhook or bot
//! URL may name any host, so every address it resolves to is checked before connecting.
//! Private, loopback, link-local (the cloud metadata service at 169.254.169.254 included),
//! shared, multicast and unspecified addresses are refused unless
//! `ALLOW_PRIVATE_WEBHOOK_TARGETS=true`. Redirects are never followed (Chatwoot's client
//! does not follow them for a POST either), so a public host cannot bounce the request to
//! an internal one; a 3xx answer counts as a failure.

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use shared::events::delivery::{PostError, Poster, Request};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Chatwoot's `WEBHOOK_TIMEOUT` default (seconds).
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 5;

pub struct HttpPoster {
    client: reqwest::Client,
    allow_private: bool,
}

impl HttpPoster {
    pub fn new(allow_private: bool, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("chatwoot-serverless/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()
            .expect("a client with these settings builds");
        HttpPoster {
            client,
            allow_private,
        }
    }

    /// Settings from the environment: `ALLOW_PRIVATE_WEBHOOK_TARGETS`, `WEBHOOK_TIMEOUT`.
    pub fn from_config(config: &shared::state::Config) -> Self {
        let seconds = std::env::var("WEBHOOK_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        HttpPoster::new(
            config.allow_private_webhook_targets,
            Duration::from_secs(seconds),
        )
    }
}

#[async_trait]
impl Poster for HttpPoster {
    async fn post(&self, request: &Request) -> Result<u16, PostError> {
        let url = url::Url::parse(&request.url)
            .map_err(|e| PostError::Refused(format!("invalid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(PostError::Refused(format!("scheme {}", url.scheme())));
        }
        // Literal addresses never reach the resolver: check them here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(PostError::Refused("URL without a host".into())),
        };
        if let Some(ip) = literal.filter(|ip| !self.allow_private && !is_public(*ip)) {
            return Err(PostError::Refused(format!("address {ip} is not public")));
        }
        let mut builder = self.client.post(url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let response = builder.send().await.map_err(|e| {
            let refused = std::iter::successors(std::error::Error::source(&e), |c| c.source())
                .any(|cause| cause.to_string().contains(REFUSED));
            if refused {
                PostError::Refused(REFUSED.into())
            } else if e.is_timeout() {
                PostError::Network("timed out".into())
            } else {
                PostError::Network(without_url(&e))
            }
        })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(PostError::Status(status))
        }
    }
}

const REFUSED: &str = "the host resolves only to addresses that are not public";

/// reqwest's error text, without the URL (it may carry credentials or tokens).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}

/// Resolves through the system resolver and drops addresses that are not public.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(REFUSED.into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is on the public internet. An IPv6 address that carries an IPv4 one
/// (mapped, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it reaches.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

/// The IPv4 address an IPv6 one stands for, in every form that routes to one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::from(ip.to_bits() as u32);
    match s {
        // ::ffff:a.b.c.d (mapped)
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        // ::a.b.c.d (compatible, deprecated); :: and ::1 are IPv6's own
        [0, 0, 0, 0, 0, 0, _, _] if ip.to_bits() > 1 => Some(low),
        // 64:ff9b::/96 (NAT64 well-known prefix)
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        // 2002:AABB:CCDD::/48 (6to4)
        [0x2002, high, low16, ..] => {
            Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low16)))
        }
        // 2001:0::/32 (Teredo): the client's address, inverted, in the last 32 bits
        [0x2001, 0, ..] => Some(Ipv4Addr::from(!u32::from(low))),
        _ => None,
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // 100.64.0.0/10 shared address space (carrier-grade NAT)
        || (a == 100 && (64..128).contains(&b))
        // 198.18.0.0/15 benchmarking, 240.0.0.0/4 reserved
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local (fd00:ec2::254 is EC2's metadata service), fe80::/10 link-local
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // 2001:db8::/32 documentation
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // 64:ff9b:1::/48 local-use NAT64, fec0::/10 site-local (deprecated)
        || (first == 0x64 && ip.segments()[1] == 0xff9b && ip.segments()[2] == 1)
        || (first & 0xffc0) == 0xfec0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_not_public() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            "fec0::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for allowed in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::101:101",
            "2002:101:101::1",
        ] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed}");
        }
    }
}
