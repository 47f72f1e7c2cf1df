//! `mlp2d serve` for tests: the server on a free port, and a WebSocket client that speaks the
//! playground's protocol (src/serve/protocol.md). Every read has a timeout: a test fails, it
//! never hangs.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// A running `mlp2d serve --port 0`, killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// The printed URL's `?token=`, off loopback.
    pub token: Option<String>,
    /// The server's stderr lines, when started with [`Server::start_with`].
    stderr: Option<Receiver<String>>,
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        Self::spawn(extra, &[], false)
    }

    /// With environment variables set, and its stderr kept for [`Server::stderr_until`].
    pub fn start_with(extra: &[&str], env: &[(&str, &OsStr)]) -> Server {
        Self::spawn(extra, env, true)
    }

    fn spawn(extra: &[&str], env: &[(&str, &OsStr)], capture: bool) -> Server {
        let mut child = super::bin()
            .args(["serve", "--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(if capture {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("mlp2d serve starts");
        let stderr = child.stderr.take().map(|pipe| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    eprintln!("{line}");
                    let _ = tx.send(line);
                }
            });
            rx
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("serve prints its address");
        // Keep reading: the server may print more, and a closed pipe would stop it.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let host = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        let token = line
            .split("?token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned);
        Server {
            child,
            host,
            token,
            stderr,
        }
    }

    /// The server's stderr lines until one satisfies `done` (within `timeout`), all of them.
    pub fn stderr_until(&self, timeout: Duration, done: impl Fn(&str) -> bool) -> Vec<String> {
        let rx = self.stderr.as_ref().expect("started with start_with");
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let stop = done(&line);
                    seen.push(line);
                    if stop {
                        return seen;
                    }
                }
                Err(_) => panic!("no such line on stderr within {timeout:?}; seen: {seen:?}"),
            }
        }
    }

    /// `PORT` of `127.0.0.1:PORT`.
    pub fn port(&self) -> &str {
        self.host.rsplit(':').next().expect("a port")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit by itself, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.host)
    }

    /// A session with the page's own origin; the `hello` is read.
    pub fn session(&self) -> Session {
        let (session, hello) = self
            .connect(&format!("http://{}", self.host))
            .expect("the WebSocket opens");
        assert_eq!(hello["type"], "hello", "{hello}");
        session
    }

    /// A WebSocket with the given `Origin`; the first message it gets.
    pub fn connect(&self, origin: &str) -> Result<(Session, Value), tungstenite::Error> {
        self.upgrade(&self.host, origin, None)
    }

    /// A WebSocket to this server with the given `Host`, `Origin` and `Cookie` headers; the
    /// first message it gets.
    pub fn upgrade(
        &self,
        host: &str,
        origin: &str,
        cookie: Option<&str>,
    ) -> Result<(Session, Value), tungstenite::Error> {
        // The URL names the Host header only: the connection goes to this server.
        let mut request = format!("ws://{host}/ws")
            .into_client_request()
            .expect("a valid request");
        request
            .headers_mut()
            .insert("Origin", origin.parse().expect("a header value"));
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("Cookie", cookie.parse().expect("a header value"));
        }
        let stream = TcpStream::connect(&self.host).expect("the server listens");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("a timeout can be set");
        let (ws, _) = tungstenite::client(request, stream).map_err(|e| match e {
            tungstenite::HandshakeError::Failure(e) => e,
            tungstenite::HandshakeError::Interrupted(_) => {
                panic!("the handshake would block on a blocking stream")
            }
        })?;
        let mut session = Session { ws };
        let first = session.recv();
        Ok((session, first))
    }

    /// A raw HTTP/1.1 GET with a `Host` header; the status code and body.
    pub fn get(&self, path: &str, host: &str) -> (u16, String) {
        let (status, _, body) = self.request(path, host, None);
        (status, body)
    }

    /// As `get`, with the response's headers as (lower-case name, value).
    pub fn get_with_headers(&self, path: &str, host: &str) -> (u16, Vec<(String, String)>, String) {
        let (status, head, body) = self.request(path, host, None);
        let headers = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        (status, headers, body)
    }

    /// A raw HTTP/1.1 GET with a `Host` and maybe a `Cookie` header; the status code, the
    /// header lines and the body.
    pub fn request(&self, path: &str, host: &str, cookie: Option<&str>) -> (u16, String, String) {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(&self.host).expect("the server listens");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a timeout can be set");
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\n{cookie}Connection: close\r\n\r\n"
        )
        .expect("the request is sent");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("a response comes");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (status, head.to_owned(), body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session, as the page speaks it.
pub struct Session {
    ws: WebSocket<TcpStream>,
}

impl Session {
    pub fn send(&mut self, message: Value) {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .expect("the message is sent");
    }

    pub fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.into()))
            .expect("the message is sent");
    }

    /// The next message (panics on a timeout or a closed socket).
    pub fn recv(&mut self) -> Value {
        serde_json::from_str(&self.recv_text()).expect("JSON")
    }

    /// The next message's text. serde_json (without `float_roundtrip`, which would rebuild
    /// burn) may parse a float 1 ulp off; a number compared bit for bit is read from the text.
    pub fn recv_text(&mut self) -> String {
        loop {
            match self.ws.read().expect("a message within the timeout") {
                Message::Text(t) => return t.to_string(),
                Message::Close(_) => panic!("the server closed the WebSocket"),
                _ => continue,
            }
        }
    }

    /// The next message that is not a frame.
    pub fn reply(&mut self) -> Value {
        loop {
            let m = self.recv();
            if m["type"] != "frame" {
                return m;
            }
        }
    }

    /// Messages until one satisfies `done` (within `timeout`), all of them.
    pub fn until(&mut self, timeout: Duration, mut done: impl FnMut(&Value) -> bool) -> Vec<Value> {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            assert!(
                start.elapsed() < timeout,
                "no such message within {timeout:?}; last: {:?}",
                seen.last()
            );
            let m = self.recv();
            let stop = done(&m);
            seen.push(m);
            if stop {
                return seen;
            }
        }
    }

    /// Sends settings; the `ready` (or panics with the error).
    pub fn configure(&mut self, settings: Value) -> Value {
        self.send(json!({"type": "configure", "settings": settings}));
        let m = self.reply();
        assert_eq!(m["type"], "ready", "{m}");
        m
    }
}

/// Small moons: a run of a few epochs takes milliseconds.
pub fn small_moons() -> Value {
    json!({
        "seed": 7,
        "data": {"kind": "moons", "samples": 300, "noise": 0.15, "test_fraction": 0.25},
        "model": {"hidden": [8, 8], "init": "he"},
        "train": {"batch_size": 16, "learning_rate": 0.05},
        "compare": {"precision": "f64", "backend": "flex"},
    })
}

/// `mlp2d compare` on an exported config (in a fresh folder); the folder (kept alive by the
/// returned guard) and metrics.csv's rows.
pub fn compare_export(
    toml: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<std::collections::HashMap<String, String>>,
) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("playground.toml");
    std::fs::write(&config, toml).expect("the config is written");
    let out = dir.path().join("run");
    super::ok(
        super::bin()
            .args(["compare", "--quiet", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out),
    );
    let mut reader = csv::Reader::from_path(out.join("metrics.csv")).expect("metrics.csv");
    let rows = reader.deserialize().map(|r| r.expect("a row")).collect();
    (dir, out, rows)
}
