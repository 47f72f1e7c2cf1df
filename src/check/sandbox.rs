//! `--sandbox`: the command run under bubblewrap (`bwrap`, Debian's `bubblewrap`): the whole
//! file system read-only except DIR, a private /tmp, no network (its own network namespace with
//! only loopback), its own PID namespace (when bwrap's process ends, everything in it ends),
//! its own session. Checked once before any problem runs, so a machine where bwrap is missing
//! or cannot make namespaces is told so in one line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::escape::{MESSAGE_CHARS, escape};

/// How bwrap is run for every problem.
#[derive(Debug, Clone)]
pub struct Sandbox {
    bwrap: PathBuf,
    args: Vec<OsString>,
}

/// The first executable `name` on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

impl Sandbox {
    /// The sandbox for commands writing into `dir`, its /tmp at most `tmp_bytes` where bwrap can
    /// cap it; fails in one line when bwrap is missing or cannot set it up here.
    pub fn prepare(dir: &Path, tmp_bytes: Option<u64>) -> Result<Sandbox> {
        let Some(bwrap) = on_path("bwrap") else {
            bail!(
                "--sandbox needs bubblewrap (`bwrap`), which is not on PATH: install it (Debian and Ubuntu: apt-get install bubblewrap) or run without --sandbox"
            );
        };
        let dir = std::fs::canonicalize(dir)
            .with_context(|| format!("cannot find the folder {}", dir.display()))?;
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .context("cannot find the current folder")?;
        let mut args: Vec<OsString> = [
            "--die-with-parent",
            "--new-session",
            "--unshare-all",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        if let Some(bytes) = tmp_bytes.filter(|_| supports_size(&bwrap)) {
            args.extend(["--size".into(), bytes.to_string().into()]);
        }
        args.extend(["--tmpfs".into(), "/tmp".into()]);
        // The private /tmp hides a current folder under /tmp: shown again, read-only.
        if cwd.starts_with("/tmp") && cwd != Path::new("/tmp") {
            args.extend(["--ro-bind".into(), cwd.clone().into(), cwd.clone().into()]);
        }
        args.extend(["--bind".into(), dir.clone().into(), dir.into()]);
        args.extend(["--chdir".into(), cwd.into()]);
        let sandbox = Sandbox { bwrap, args };
        sandbox.probe()?;
        Ok(sandbox)
    }

    /// `argv` under bwrap.
    pub fn command(&self, argv: &[OsString]) -> Command {
        let mut c = Command::new(&self.bwrap);
        c.args(&self.args).arg("--").args(argv);
        c
    }

    /// Runs `true` in the sandbox: bwrap's own message when it cannot.
    fn probe(&self) -> Result<()> {
        let mut child = self
            .command(&["true".into()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("--sandbox: cannot run {}", self.bwrap.display()))?;
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait()? {
                break s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                bail!("--sandbox: bubblewrap did not start a sandbox within 20 s");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if status.success() {
            return Ok(());
        }
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut std::io::Read::take(&mut e, 4096), &mut err);
        }
        let why = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        bail!(
            "--sandbox: bubblewrap cannot set up its sandbox here ({}): {}; run without --sandbox or where user namespaces are allowed",
            status,
            escape(why, MESSAGE_CHARS)
        )
    }
}

/// Whether this bwrap can cap a tmpfs (`--size`, in its help since 0.8).
fn supports_size(bwrap: &Path) -> bool {
    Command::new(bwrap)
        .arg("--help")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--size"))
}
