//! `mlp2d serve`: the playground in the browser (src/serve/).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use crate::serve::hosts::{self, AllowHost};

#[derive(clap::Args)]
pub struct Args {
    /// The port [0: any free port].
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address or name to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every
    /// interface), an address of one interface, or a name such as localhost.
    ///
    /// A name is resolved and its first address that can be bound is used. Anything but a
    /// loopback address lets other machines reach the page: the server then prints a warning
    /// and a URL with a random token, and refuses requests without it.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS|NAME")]
    pub host: String,
    /// Another name the page may be opened by, NAME or NAME:PORT (repeatable).
    ///
    /// The server answers only to its own names and addresses (localhost, 127.0.0.1, [::1],
    /// --host's; off loopback also this machine's hostname and, on 0.0.0.0 or ::, its interface
    /// addresses); a request whose Host is any other name gets 403, so a site that points its
    /// name at this machine cannot use the server. Add here a DNS alias or a proxy's name;
    /// without a port the name is allowed on the server's port.
    #[arg(long, value_name = "NAME[:PORT]", value_parser = hosts::parse_allow_host)]
    pub allow_host: Vec<AllowHost>,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Browser sessions at once; more are told to close a tab.
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = super::args::whole::<usize>(1))]
    pub max_sessions: usize,
    /// Seconds without input from a page before its session closes.
    #[arg(long, default_value_t = 600, value_name = "SECONDS", value_parser = super::args::whole::<u64>(1))]
    pub idle_timeout: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let opts = crate::serve::ServeOptions {
        host: hosts::Host::resolve(&args.host)?,
        port: args.port,
        allow_hosts: args.allow_host,
        max_sessions: args.max_sessions,
        idle: Duration::from_secs(args.idle_timeout),
    };
    crate::serve::serve(&opts, |url| {
        if args.open {
            open_browser(url);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The desktop's browser on `url`; if it cannot be opened, says so (the server goes on).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match started {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return could_not_open(url, &format!("{opener} is not installed"));
        }
        Err(e) => return could_not_open(url, &format!("cannot run {opener}: {e}")),
    };
    // xdg-open exits non-zero when it finds no browser; waiting must not hold up the server.
    let url = url.to_owned();
    std::thread::spawn(move || {
        let why = match child.wait() {
            Ok(status) if status.success() => return,
            Ok(status) => format!("{opener} failed, {status}"),
            Err(e) => format!("{opener}: {e}"),
        };
        could_not_open(&url, &why);
    });
}

fn could_not_open(url: &str, why: &str) {
    eprintln!("mlp2d serve: could not open a browser ({why}): open {url} by hand");
}
