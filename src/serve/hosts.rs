//! Who may talk to the server. Every request's `Host` must be one of the server's own names (or
//! one `--allow-host` adds), so a page whose site rebinds its name to this machine is refused
//! (DNS rebinding), on loopback and off it. Off loopback every request must also carry the
//! random token of the printed URL: in `?token=`, which sets a cookie, or in that cookie (the
//! page's own requests and its WebSocket send it by themselves).

use std::ffi::CStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ServeOptions;
use super::settings::LIMITS;

/// What `--host` said, and the addresses it stands for (bound: the first that works).
#[derive(Debug, Clone)]
pub struct Host {
    /// The name as given (lowercase), or None for an address.
    name: Option<String>,
    /// Never empty.
    addrs: Vec<IpAddr>,
}

impl Host {
    /// An IP address (IPv6 with or without brackets), or a name resolved by the system.
    pub fn resolve(text: &str) -> Result<Host> {
        let bare = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Host {
                name: None,
                addrs: vec![ip],
            });
        }
        if text.is_empty() || text.contains([':', '/', ' ']) {
            bail!("--host {text:?} is neither an IP address nor a host name");
        }
        let addrs: Vec<IpAddr> = (text, 0)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve --host {text:?}"))?
            .map(|a| a.ip())
            .collect();
        if addrs.is_empty() {
            bail!("cannot resolve --host {text:?}: it has no address");
        }
        Ok(Host {
            name: Some(text.to_ascii_lowercase()),
            addrs,
        })
    }

    pub fn socket_addrs(&self, port: u16) -> Vec<SocketAddr> {
        self.addrs
            .iter()
            .map(|&ip| SocketAddr::new(ip, port))
            .collect()
    }
}

/// An `--allow-host` value: a name (or address), and its port if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowHost {
    name: String,
    port: Option<u16>,
}

/// clap's parser for `--allow-host NAME[:PORT]`.
pub fn parse_allow_host(text: &str) -> Result<AllowHost, String> {
    // A bare IPv6 address has colons of its own.
    if let Ok(ip) = text.parse::<Ipv6Addr>() {
        return Ok(AllowHost {
            name: format!("[{ip}]"),
            port: None,
        });
    }
    match split_host(text) {
        Some((name, port)) if !name.contains(['/', ' ', '@']) => Ok(AllowHost { name, port }),
        _ => Err("expected NAME or NAME:PORT (e.g. playground.lan or playground.lan:8080)".into()),
    }
}

/// `name[:port]` or `[v6][:port]` into a lowercase name and the port, if any.
fn split_host(text: &str) -> Option<(String, Option<u16>)> {
    let (name, rest) = match text.strip_prefix('[') {
        Some(inner) => {
            let end = inner.find(']')? + 2;
            (&text[..end], &text[end..])
        }
        None => match text.find(':') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        },
    };
    let port = match rest {
        "" => None,
        _ => Some(rest.strip_prefix(':')?.parse().ok()?),
    };
    (!name.is_empty()).then(|| (name.to_ascii_lowercase(), port))
}

/// The server's answer to who may talk to it, fixed once it listens.
pub struct Access {
    /// The `Host` names and ports it answers to (names lowercase, IPv6 in brackets).
    hosts: Vec<(String, u16)>,
    /// Off loopback: the token every request must carry.
    token: Option<String>,
    /// The cookie's name: per port, so two servers on one machine keep their own.
    cookie: String,
    /// The URLs to print; the first is the one to open.
    urls: Vec<String>,
}

impl Access {
    /// For a server listening on `addr`, as `opts` asked.
    pub fn new(opts: &ServeOptions, addr: SocketAddr) -> Result<Access> {
        let port = addr.port();
        let ip = addr.ip();
        let local = ip.is_loopback();
        let mut names: Vec<String> = vec![
            bracketed(ip),
            "localhost".into(),
            "127.0.0.1".into(),
            "[::1]".into(),
        ];
        names.extend(opts.host.name.clone());
        let mut others = Vec::new();
        if !local {
            if let Some(h) = hostname() {
                others.push(h);
            }
            if ip.is_unspecified() {
                // 0.0.0.0 takes IPv4 only; `::` takes both (Linux's default).
                let v4_only = ip.is_ipv4();
                others.extend(
                    interface_addresses()
                        .into_iter()
                        // fe80:: addresses need a zone in a URL, which browsers refuse.
                        .filter(|a| match a {
                            IpAddr::V4(a) => !a.is_loopback(),
                            IpAddr::V6(a) => {
                                !v4_only && !a.is_loopback() && !a.is_unicast_link_local()
                            }
                        })
                        .map(bracketed),
                );
            }
        }
        names.extend(others.iter().cloned());
        let mut hosts: Vec<(String, u16)> = names.into_iter().map(|n| (n, port)).collect();
        hosts.extend(
            opts.allow_hosts
                .iter()
                .map(|a| (a.name.clone(), a.port.unwrap_or(port))),
        );
        let token = if local { None } else { Some(new_token()?) };
        let query = token
            .as_ref()
            .map(|t| format!("?token={t}"))
            .unwrap_or_default();
        let first = match (&opts.host.name, ip) {
            (Some(name), _) => name.clone(),
            (None, IpAddr::V4(a)) if a.is_unspecified() => "127.0.0.1".into(),
            (None, IpAddr::V6(a)) if a.is_unspecified() => "[::1]".into(),
            (None, ip) => bracketed(ip),
        };
        let urls = std::iter::once(first)
            .chain(if ip.is_unspecified() { others } else { vec![] })
            .map(|name| format!("http://{name}:{port}/{query}"))
            .collect();
        Ok(Access {
            hosts,
            token,
            cookie: format!("mlp2d_token_{port}"),
            urls,
        })
    }

    /// Off loopback, the warning (stderr); then the URLs (stdout). The URL to open.
    pub fn announce(&self, opts: &ServeOptions, addr: SocketAddr) -> &str {
        if self.token.is_some() {
            let mb = LIMITS.max_upload_bytes / (1024 * 1024);
            eprintln!(
                "mlp2d serve: warning: listening on {addr}, not on loopback: other machines can reach it.\n  \
                 Anyone who can reach this address and port and has the URL's token can\n  \
                 - train networks on this machine's CPU: up to {sessions} sessions at once among all of them\n    \
                 (--max-sessions), a thread each, running until {idle} s without input (--idle-timeout);\n    \
                 up to {layers} hidden layers of {width} units, up to {samples} samples;\n  \
                 - upload CSV files of up to {mb} MB each (held in memory, never written to disk);\n  \
                 - export what they trained. No page can make the server open, read or write a file.\n  \
                 The connection is plain HTTP: whoever can watch the network can read the token.\n  \
                 Names other than this machine's own (an alias, a proxy's name): --allow-host NAME.",
                sessions = opts.max_sessions,
                idle = opts.idle.as_secs(),
                layers = LIMITS.max_layers,
                width = LIMITS.max_width,
                samples = LIMITS.max_samples,
            );
        }
        println!("mlp2d playground: {}  (Ctrl-C stops)", self.urls[0]);
        for url in &self.urls[1..] {
            println!("  also: {url}");
        }
        &self.urls[0]
    }

    fn knows(&self, host: Option<&str>) -> bool {
        // A Host without a port is the default one.
        let host = host.and_then(split_host);
        host.is_some_and(|(name, port)| self.hosts.contains(&(name, port.unwrap_or(80))))
    }
}

/// The middleware: an unknown `Host` gets 403; off loopback, so does a request without the token.
/// A valid `?token=` sets the cookie that carries it from then on.
pub async fn admit(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !access.knows(host) {
        return (StatusCode::FORBIDDEN, "unknown host\n").into_response();
    }
    let Some(token) = &access.token else {
        return next.run(request).await;
    };
    let in_query = query_token(request.uri()).is_some_and(|t| same_secret(t, token));
    let in_cookie =
        cookie(request.headers(), &access.cookie).is_some_and(|t| same_secret(t, token));
    if !in_query && !in_cookie {
        return (
            StatusCode::FORBIDDEN,
            "this server wants its token: open the URL it printed (…/?token=…)\n",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    if in_query {
        let set = format!(
            "{}={token}; HttpOnly; SameSite=Strict; Path=/",
            access.cookie
        );
        if let Ok(value) = HeaderValue::from_str(&set) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The page's own origin: `http://` and the `Host` it was loaded from (a `Host` [`admit`] let in).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match (get(header::ORIGIN), get(header::HOST)) {
        (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(&format!("http://{host}")),
        _ => false,
    }
}

fn query_token(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (n, value) = pair.trim().split_once('=')?;
            (n == name).then_some(value)
        })
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn same_secret(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// 128 bits from the operating system, in hex.
fn new_token() -> Result<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .context("cannot draw a random token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// An address as it appears in a `Host` header.
fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

/// This machine's name (lowercase), if it has one.
fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`, which it owns for the call.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    // The name may be truncated without a NUL: then there is no name to trust.
    let name = CStr::from_bytes_until_nul(&buf).ok()?.to_str().ok()?;
    (rc == 0 && !name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// The addresses of this machine's network interfaces (none if they cannot be listed).
fn interface_addresses() -> Vec<IpAddr> {
    let mut found = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs gives a linked list that is only read here and freed once, at the end.
    // Each `ifa_addr` is null or points to a sockaddr whose `sa_family` tells its real type, so
    // the casts read a sockaddr_in / sockaddr_in6 only where one is.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return found;
        }
        let mut node = list;
        while !node.is_null() {
            let addr = (*node).ifa_addr;
            if !addr.is_null() {
                match i32::from((*addr).sa_family) {
                    libc::AF_INET => {
                        let a = &*addr.cast::<libc::sockaddr_in>();
                        found.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr))));
                    }
                    libc::AF_INET6 => {
                        let a = &*addr.cast::<libc::sockaddr_in6>();
                        found.push(IpAddr::V6(Ipv6Addr::from(a.sin6_addr.s6_addr)));
                    }
                    _ => {}
                }
            }
            node = (*node).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_split_into_name_and_port() {
        assert_eq!(
            split_host("LocalHost:8080"),
            Some(("localhost".into(), Some(8080)))
        );
        assert_eq!(split_host("example"), Some(("example".into(), None)));
        assert_eq!(split_host("[::1]:80"), Some(("[::1]".into(), Some(80))));
        assert_eq!(split_host("[::1]"), Some(("[::1]".into(), None)));
        for bad in ["", ":80", "a:", "a:x", "a:99999", "[::1", "[::1]x"] {
            assert_eq!(split_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn allow_host_takes_names_ports_and_addresses() {
        let a = parse_allow_host("fe80::1").unwrap();
        assert_eq!((a.name.as_str(), a.port), ("[fe80::1]", None));
        let a = parse_allow_host("Box.LAN:9000").unwrap();
        assert_eq!((a.name.as_str(), a.port), ("box.lan", Some(9000)));
        assert!(parse_allow_host("a/b").is_err());
        assert!(parse_allow_host("a:b").is_err());
    }

    #[test]
    fn tokens_are_compared_whole_and_differ() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc") && !same_secret("ab", "abc"));
        assert_ne!(new_token().unwrap(), new_token().unwrap());
        assert_eq!(new_token().unwrap().len(), 32);
    }
}
