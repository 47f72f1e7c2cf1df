//! `mlp2d serve`: the playground in the browser (src/serve/).

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};

#[derive(clap::Args)]
pub struct Args {
    /// The port [0: any free port].
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Another than 127.0.0.1 lets other machines train on this one.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Browser sessions at once; more are told to close a tab.
    #[arg(long, default_value_t = 16)]
    pub max_sessions: usize,
    /// Seconds without input from a page before its session closes.
    #[arg(long, default_value_t = 600)]
    pub idle_timeout: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.max_sessions == 0 {
        bail!("--max-sessions must be at least 1");
    }
    if args.idle_timeout == 0 {
        bail!("--idle-timeout must be at least 1 second");
    }
    let opts = crate::serve::ServeOptions {
        host: args.host,
        port: args.port,
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

/// The desktop's browser on `url`; if there is none, the printed address has to do.
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
    if started.is_err() {
        eprintln!("mlp2d serve: cannot start {opener}: open {url} in a browser");
    }
}
