//! Load on `mlp2d serve`: N WebSocket sessions (as N pages would) each configure a run, press
//! play, and count frames and steps for a while; prints steps/s and frames/s per session.
//!
//!     cargo build --release && cargo run --release --example serve_load -- [SESSIONS] [SECONDS] [HIDDEN]
//!
//! Starts its own server (target/release/mlp2d serve --port 0) and talks only to 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::Message;
use tungstenite::client::IntoClientRequest;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sessions: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let hidden: Vec<usize> = args
        .get(2)
        .map(|a| a.split(',').filter_map(|w| w.parse().ok()).collect())
        .unwrap_or_else(|| vec![16, 16]);

    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/mlp2d");
    let mut server = Command::new(&binary)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release first)", binary.display()));
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the address");
    let host = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("an address")
        .to_owned();

    let settings = json!({
        "seed": 42,
        "data": {"kind": "moons", "samples": 1000, "noise": 0.1, "test_fraction": 0.2},
        "model": {"hidden": hidden, "init": "he"},
        "train": {"batch_size": 32, "learning_rate": 0.03},
        "compare": {"precision": "f64", "backend": "flex"},
    });
    println!(
        "{sessions} sessions, moons 1000 samples, hidden {hidden:?}, batch 32, f64, flex, {seconds} s"
    );
    let handles: Vec<_> = (0..sessions)
        .map(|_| {
            let (host, settings) = (host.clone(), settings.clone());
            std::thread::spawn(move || session(&host, settings, Duration::from_secs_f64(seconds)))
        })
        .collect();
    let results: Vec<(f64, f64, f64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let _ = server.kill();
    let _ = server.wait();
    println!("session  steps/s  frames/s  longest gap between frames (ms)");
    for (i, (steps, frames, gap)) in results.iter().enumerate() {
        println!("{i:>7}  {steps:>7.0}  {frames:>8.1}  {:>6.0}", gap * 1e3);
    }
    let total: f64 = results.iter().map(|r| r.0).sum();
    let min_frames = results.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    println!("all sessions: {total:.0} steps/s; slowest page: {min_frames:.1} frames/s");
}

/// One page: configure, play, count; (steps/s, frames/s, longest gap in seconds).
fn session(host: &str, settings: Value, length: Duration) -> (f64, f64, f64) {
    let mut request = format!("ws://{host}/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", format!("http://{host}").parse().unwrap());
    let stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let (mut ws, _) = tungstenite::client(request, stream).expect("the WebSocket opens");
    // The hello.
    while !matches!(ws.read().expect("a message"), Message::Text(_)) {}
    let send = |ws: &mut tungstenite::WebSocket<TcpStream>, v: Value| {
        ws.send(Message::Text(v.to_string().into())).unwrap()
    };
    send(&mut ws, json!({"type": "configure", "settings": settings}));
    send(&mut ws, json!({"type": "play"}));
    let (mut first, mut last) = (None::<(Instant, u64)>, (Instant::now(), 0u64));
    let (mut frames, mut gap) = (0usize, 0.0f64);
    let start = Instant::now();
    while start.elapsed() < length {
        let Message::Text(t) = ws.read().expect("a message") else {
            continue;
        };
        let m: Value = serde_json::from_str(&t).unwrap();
        if m["type"] != "frame" || m["running"] != true {
            continue;
        }
        let now = Instant::now();
        let step = m["step"].as_u64().unwrap_or(0);
        if first.is_none() {
            first = Some((now, step));
        } else {
            frames += 1;
            gap = gap.max(now.duration_since(last.0).as_secs_f64());
        }
        last = (now, step);
    }
    send(&mut ws, json!({"type": "pause"}));
    let (t0, s0) = first.expect("frames came");
    let seconds = last.0.duration_since(t0).as_secs_f64();
    ((last.1 - s0) as f64 / seconds, frames as f64 / seconds, gap)
}
