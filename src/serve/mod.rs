//! `mlp2d serve`: the playground. One page embedded in the binary, and one WebSocket per browser
//! session whose training runs on its own thread ([`session`]); the protocol is `protocol.md`.
//!
//! Safe to leave running: it binds 127.0.0.1 unless told otherwise, serves only its embedded
//! files, answers only requests whose `Host` is its own (a page of another site that rebinds its
//! name to this machine is refused) and, off loopback, that carry its token ([`hosts`]); takes
//! WebSockets only from its own page, never opens a path a page sends, and caps sessions, sizes
//! and idle time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::{mpsc, watch};

pub mod assets;
mod choices;
mod fields;
pub mod hosts;
mod messages;
mod session;
pub mod settings;
mod views;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub host: hosts::Host,
    /// 0: any free port (printed).
    pub port: u16,
    /// `Host` names the server answers to besides its own.
    pub allow_hosts: Vec<hosts::AllowHost>,
    pub max_sessions: usize,
    /// A session without a message from its page for this long is closed.
    pub idle: Duration,
}

struct Shared {
    sessions: AtomicUsize,
    max_sessions: usize,
    idle: Duration,
    stop: watch::Receiver<bool>,
}

/// Binds, prints the address, and serves until Ctrl-C or SIGTERM. `on_bound` sees the page's
/// URL once the server listens (to open a browser on it).
pub fn serve(opts: &ServeOptions, on_bound: impl FnOnce(&str)) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(run(opts, on_bound))
}

async fn run(opts: &ServeOptions, on_bound: impl FnOnce(&str)) -> Result<()> {
    let addrs = opts.host.socket_addrs(opts.port);
    let listener = tokio::net::TcpListener::bind(addrs.as_slice())
        .await
        .with_context(|| format!("cannot listen on {}", addrs[0]))?;
    let addr = listener.local_addr()?;
    let access = Arc::new(hosts::Access::new(opts, addr)?);
    let (stop_tx, stop) = watch::channel(false);
    let shared = Arc::new(Shared {
        sessions: AtomicUsize::new(0),
        max_sessions: opts.max_sessions,
        idle: opts.idle,
        stop,
    });
    let app = assets::routes(Router::new())
        .route("/ws", get(upgrade))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .layer(middleware::from_fn_with_state(access.clone(), hosts::admit))
        .with_state(shared.clone());
    on_bound(access.announce(opts, addr));
    let stopping = async move {
        while !crate::interrupt::requested() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = stop_tx.send(true);
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .await
        .context("the server failed")?;
    eprintln!("mlp2d serve: stopped");
    Ok(())
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !hosts::same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "WebSocket refused: its Origin is not this server's page\n",
        )
            .into_response();
    }
    // Room for a 10 MB CSV in a JSON string (escaped line ends) and nothing much more.
    ws.max_message_size(2 * settings::LIMITS.max_upload_bytes)
        .on_upgrade(move |socket| session_socket(socket, shared))
}

/// Counts a session in and out, however it ends.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn session_socket(mut socket: WebSocket, shared: Arc<Shared>) {
    let open = shared.sessions.fetch_add(1, Ordering::SeqCst) + 1;
    let _slot = Slot(shared.clone());
    if open > shared.max_sessions {
        let message = if shared.max_sessions == 1 {
            "1 session is open, the most this server takes: close a tab and reload".to_owned()
        } else {
            format!(
                "{} sessions are open, the most this server takes: close a tab and reload",
                shared.max_sessions
            )
        };
        close(&mut socket, &message).await;
        return;
    }
    let hello = settings::hello().to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let (commands, command_rx) = std::sync::mpsc::channel();
    let (out_tx, mut out) = mpsc::channel::<String>(8);
    let worker = std::thread::Builder::new()
        .name("mlp2d-session".into())
        .spawn(move || session::run(command_rx, out_tx));
    if worker.is_err() {
        close(&mut socket, "the server cannot start a session thread").await;
        return;
    }
    let mut stop = shared.stop.clone();
    let idle = shared.idle;
    let mut deadline = tokio::time::Instant::now() + idle;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        let e = session::error_reply(None, "send JSON text messages (protocol.md)");
                        if socket.send(Message::Text(e.to_string().into())).await.is_err() { break; }
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                deadline = tokio::time::Instant::now() + idle;
                match serde_json::from_str::<session::Command>(&text) {
                    Ok(command) => {
                        if commands.send(command).is_err() {
                            close(&mut socket, "the session ended unexpectedly: reload the page").await;
                            break;
                        }
                    }
                    Err(e) => {
                        let e = session::error_reply(None, format!("bad message: {e}"));
                        if socket.send(Message::Text(e.to_string().into())).await.is_err() { break; }
                    }
                }
            }
            outgoing = out.recv() => match outgoing {
                Some(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() { break; }
                }
                None => {
                    close(&mut socket, "the session ended unexpectedly: reload the page").await;
                    break;
                }
            },
            _ = tokio::time::sleep_until(deadline) => {
                let minutes = idle.as_secs_f64() / 60.0;
                close(&mut socket, &format!("closed after {minutes:.0} minutes without input: reconnect to go on")).await;
                break;
            }
            _ = stop.changed() => {
                close(&mut socket, "the server is stopping").await;
                break;
            }
        }
    }
    // Dropping `commands` ends the session's thread at its next look at the channel.
}

/// A `closed` message, then the WebSocket close.
async fn close(socket: &mut WebSocket, message: &str) {
    let m = json!({"type": "closed", "message": message}).to_string();
    let _ = socket.send(Message::Text(m.into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1000,
            reason: "".into(),
        })))
        .await;
}
