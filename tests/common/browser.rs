//! A minimal, synchronous Chrome DevTools Protocol client for the browser tests: starts headless
//! Chromium, opens one page and drives it over a plain `ws://` connection on the loopback.
//!
//! Every wait is bounded, so a stuck or crashed browser fails a test instead of hanging it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, ErrorKind};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// How long Chromium may take to print its DevTools endpoint.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest wait for one reply (also the socket's read timeout) and for a page load.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Stderr lines kept for error messages (Chromium prints much D-Bus noise in containers).
const STDERR_KEEP: usize = 40;

const CANDIDATES: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/chromium-headless-shell",
    "/usr/lib/chromium/chromium",
    "/usr/bin/google-chrome",
];

/// Flags that keep Chromium headless and quiet: without the `--disable-*` ones it tries network
/// connections of its own (updates, sync, QUIC), which sandboxed machines refuse.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--remote-debugging-port=0",
];

/// One headless Chromium with one page; killed (and its profile removed) on drop.
pub struct Browser {
    ws: WebSocket<TcpStream>,
    /// The page's flat session: commands carrying it go to the page, not the browser.
    session: Option<String>,
    next_id: u64,
    enabled: bool,
    /// `Page.loadEventFired` events seen: a navigation is done once this moved on.
    loads: u64,
    console_errors: Vec<String>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    child: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// The Chromium binary: `MLP2D_CHROMIUM` if set, else the first usual path that exists.
    pub fn find() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("MLP2D_CHROMIUM").filter(|p| !p.is_empty()) {
            return Some(p.into());
        }
        CANDIDATES.iter().map(PathBuf::from).find(|p| p.exists())
    }

    /// Starts Chromium, connects to its DevTools endpoint and opens a fresh page.
    pub fn launch() -> Result<Browser> {
        let bin =
            Self::find().context("no Chromium found (install chromium or set MLP2D_CHROMIUM)")?;
        let profile = tempfile::Builder::new()
            .prefix("mlp2d-chromium-")
            .tempdir()?;
        let mut child = Command::new(&bin)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--window-size=1400,1000", "about:blank"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;

        // Stderr is read to its end in the background so the pipe never fills; the endpoint
        // line is passed on, the last lines kept for error messages.
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = mpsc::channel();
        let (kept, pipe) = (Arc::clone(&stderr), child.stderr.take().expect("piped"));
        thread::spawn(move || {
            let (mut reader, mut buf) = (BufReader::new(pipe), Vec::new());
            while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                if let Some((_, url)) = line.split_once("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
                let mut kept = kept.lock().unwrap();
                if kept.len() == STDERR_KEEP {
                    kept.pop_front();
                }
                kept.push_back(line);
                buf.clear();
            }
        });

        let ws = match wait_endpoint(&mut child, &rx, &stderr).and_then(|url| connect(&url)) {
            Ok(ws) => ws,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let mut browser = Browser {
            ws,
            session: None,
            next_id: 0,
            enabled: false,
            loads: 0,
            console_errors: Vec::new(),
            stderr,
            child,
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}))?;
        let target_id = target["targetId"]
            .as_str()
            .context("no targetId")?
            .to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        )?;
        browser.session = Some(
            attached["sessionId"]
                .as_str()
                .context("no sessionId")?
                .into(),
        );
        Ok(browser)
    }

    /// Sends one command (to the page once attached) and returns its `result`.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        self.call_raw(method, params)?
            .map_err(|e| anyhow!("{method} failed: {e}"))
    }

    /// Like `call`, but a protocol error is the inner `Err`, so waits can retry on it (e.g.
    /// "Execution context was destroyed" mid-navigation); the outer one is the connection's.
    fn call_raw(&mut self, method: &str, params: Value) -> Result<Result<Value, String>> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .with_context(|| format!("sending {method}"))?;
        let deadline = Instant::now() + CALL_TIMEOUT;
        while Instant::now() < deadline {
            let text = match self.ws.read() {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(f)) => {
                    bail!("Chromium closed the connection during {method}: {f:?}")
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    break;
                }
                Err(e) => return Err(e).context(format!("reading the reply to {method}")),
            };
            let mut reply: Value = serde_json::from_str(text.as_str())?;
            if reply["id"].as_u64() != Some(id) {
                self.on_event(&reply);
            } else if let Some(err) = reply.get("error") {
                return Ok(Err(err["message"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_string()));
            } else {
                return Ok(Ok(reply["result"].take()));
            }
        }
        bail!("no reply to {method} within {CALL_TIMEOUT:?}")
    }

    fn on_event(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Page.loadEventFired") => self.loads += 1,
            Some("Runtime.consoleAPICalled") if params["type"] == "error" => {
                let args = params["args"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let texts: Vec<String> = args.iter().map(remote_text).collect();
                self.console_errors
                    .push(format!("console.error: {}", texts.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                let text = exception_text(&params["exceptionDetails"]);
                self.console_errors.push(format!("uncaught: {text}"));
            }
            _ => {}
        }
    }

    /// `console.error` calls and uncaught exceptions seen so far (after the first `goto`).
    pub fn console_errors(&self) -> &[String] {
        &self.console_errors
    }

    /// The last lines Chromium printed on stderr, for diagnosing a failure.
    pub fn stderr_tail(&self) -> Vec<String> {
        self.stderr.lock().unwrap().iter().cloned().collect()
    }

    /// Opens `url` and waits until it has loaded.
    pub fn goto(&mut self, url: &str) -> Result<()> {
        self.enable()?;
        let before = self.loads;
        let nav = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(e) = nav["errorText"].as_str() {
            bail!("navigating to {url}: {e}");
        }
        // A same-document navigation (only the #fragment changes) fires no load event.
        let before = if nav.get("loaderId").is_some() {
            before
        } else {
            u64::MAX
        };
        self.wait_loaded(before, url)
    }

    /// Reloads the page and waits until it has loaded again.
    pub fn reload(&mut self) -> Result<()> {
        self.enable()?;
        let before = self.loads;
        self.call("Page.reload", json!({}))?;
        self.wait_loaded(before, "the reload")
    }

    fn enable(&mut self) -> Result<()> {
        if !self.enabled {
            self.call("Page.enable", json!({}))?;
            self.call("Runtime.enable", json!({}))?;
            self.enabled = true;
        }
        Ok(())
    }

    /// Waits for a load event after `before` loads (`u64::MAX`: none expected), then for
    /// `document.readyState == "complete"` (checked after the event, so not on the old page).
    fn wait_loaded(&mut self, before: u64, what: &str) -> Result<()> {
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let state = self.evaluate("document.readyState")?;
            if (before == u64::MAX || self.loads > before) && state == Ok(json!("complete")) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{what} did not finish loading within {CALL_TIMEOUT:?} (readyState {state:?})"
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Evaluates `js` in the page (promises awaited) and returns its value as JSON; a thrown
    /// exception is an error with its text.
    pub fn eval(&mut self, js: &str) -> Result<Value> {
        self.evaluate(js)?
            .map_err(|e| anyhow!("evaluating `{}`: {e}", short(js)))
    }

    /// The value, or the exception or protocol error as the inner `Err`.
    fn evaluate(&mut self, js: &str) -> Result<Result<Value, String>> {
        let params = json!({"expression": js, "returnByValue": true, "awaitPromise": true});
        Ok(self.call_raw("Runtime.evaluate", params)?.and_then(|r| {
            if let Some(details) = r.get("exceptionDetails") {
                return Err(exception_text(details));
            }
            let obj = &r["result"];
            // NaN, Infinity, -0 and bigints come as a string in `unserializableValue`.
            Ok(obj
                .get("value")
                .or(obj.get("unserializableValue"))
                .cloned()
                .unwrap_or(Value::Null))
        }))
    }

    /// Evaluates `condition` every 100 ms until it is truthy and returns that value. Exceptions
    /// count as "not yet" (the element may not exist yet); the last one is in the timeout error.
    pub fn wait_for(&mut self, condition: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let last = self.evaluate(condition)?;
            if let Ok(v) = &last
                && truthy(v)
            {
                return Ok(last.unwrap());
            }
            if Instant::now() >= deadline {
                bail!(
                    "timed out after {timeout:?} waiting for `{}` (last: {last:?})",
                    short(condition)
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Puts `path` into the `<input type=file>` matching `selector`; Chromium then fires the
    /// input's `change` event itself.
    pub fn set_file_input(&mut self, selector: &str, path: &Path) -> Result<()> {
        let path = path
            .canonicalize()
            .with_context(|| format!("{}", path.display()))?;
        let root = self.call("DOM.getDocument", json!({"depth": 0}))?;
        let node = self.call(
            "DOM.querySelector",
            json!({"nodeId": root["root"]["nodeId"], "selector": selector}),
        )?;
        let node_id = node["nodeId"].as_u64().filter(|&id| id != 0);
        let node_id = node_id.with_context(|| format!("no element matches {selector}"))?;
        self.call(
            "DOM.setFileInputFiles",
            json!({"nodeId": node_id, "files": [path.to_string_lossy()]}),
        )?;
        Ok(())
    }

    /// Emulates a window of `width` × `height` CSS pixels (a phone's touch screen if `mobile`).
    pub fn set_viewport(&mut self, width: u32, height: u32, mobile: bool) -> Result<()> {
        let metrics =
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile});
        self.call("Emulation.setDeviceMetricsOverride", metrics)?;
        Ok(())
    }

    /// Types `text` into the element matching `selector` as a keyboard would (replacing what it
    /// holds), then fires `change` as leaving the field does. A number input keeps text it cannot
    /// parse as `validity.badInput`, which setting `value` from script never gives.
    pub fn type_text(&mut self, selector: &str, text: &str) -> Result<()> {
        let focus = format!(
            "(() => {{ const e = document.querySelector({selector:?}); if (!e) throw new Error('no ' + {selector:?});
               e.focus(); e.value = ''; return true; }})()"
        );
        self.eval(&focus)?;
        self.call("Input.insertText", json!({"text": text}))?;
        let change = format!(
            "document.querySelector({selector:?}).dispatchEvent(new Event('change', {{bubbles: true}}))"
        );
        self.eval(&change)?;
        Ok(())
    }

    /// A PNG of the page's viewport.
    pub fn screenshot_png(&mut self) -> Result<Vec<u8>> {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}))?;
        let data = shot["data"].as_str().context("no screenshot data")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // `Browser.close` lets Chromium take its helper processes down with it; kill is the
        // fallback. The profile directory goes afterwards, with the `TempDir` field.
        let close = json!({"id": self.next_id + 1, "method": "Browser.close"});
        let _ = self.ws.send(Message::text(close.to_string()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the `DevTools listening on ws://…` line (or Chromium's early exit).
fn wait_endpoint(
    child: &mut Child,
    rx: &mpsc::Receiver<String>,
    stderr: &Mutex<VecDeque<String>>,
) -> Result<String> {
    let deadline = Instant::now() + LAUNCH_TIMEOUT;
    let failure = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(url) => return Ok(url),
            Err(_) if Instant::now() >= deadline => {
                break format!("printed no DevTools endpoint within {LAUNCH_TIMEOUT:?}");
            }
            Err(_) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            break format!("exited ({status}) before printing its DevTools endpoint");
        }
    };
    thread::sleep(Duration::from_millis(100)); // the last lines, if it just died
    let lines: Vec<String> = stderr.lock().unwrap().iter().cloned().collect();
    bail!(
        "Chromium {failure}; its stderr ended with:\n{}",
        lines.join("\n")
    )
}

/// A WebSocket to Chromium's browser endpoint, loopback only, with read and write timeouts.
fn connect(url: &str) -> Result<WebSocket<TcpStream>> {
    let host_port = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next());
    let host_port = host_port.with_context(|| format!("not a ws:// URL: {url}"))?;
    if !(host_port.starts_with("127.0.0.1:") || host_port.starts_with("[::1]:")) {
        bail!("DevTools endpoint {url} is not on the loopback");
    }
    let stream = TcpStream::connect(host_port).with_context(|| format!("connecting to {url}"))?;
    stream.set_read_timeout(Some(CALL_TIMEOUT))?;
    stream.set_write_timeout(Some(CALL_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let (ws, _) = tungstenite::client(url, stream)
        .map_err(|e| anyhow!("WebSocket handshake with {url}: {e}"))?;
    Ok(ws)
}

/// The readable text of a thrown exception (`exceptionDetails`).
fn exception_text(details: &Value) -> String {
    let exception = &details["exception"];
    match (exception["description"].as_str(), details["text"].as_str()) {
        (Some(d), _) => d.to_string(),
        _ if exception.get("value").is_some() => remote_text(exception),
        (None, Some(t)) => t.to_string(),
        (None, None) => details.to_string(),
    }
}

/// A console argument or thrown value as text: strings bare, objects by their description.
fn remote_text(obj: &Value) -> String {
    match (&obj["value"], obj["description"].as_str()) {
        (Value::String(s), _) => s.clone(),
        (Value::Null, Some(d)) => d.to_string(),
        (v, _) => v.to_string(),
    }
}

/// JavaScript's truthiness, on the JSON the page returned.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// At most 120 characters of `js`, for error messages.
fn short(js: &str) -> String {
    match js.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &js[..i]),
        None => js.to_string(),
    }
}
