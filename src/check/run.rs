//! Running the command on one problem: `sh -c 'CMD "$@"' mlp2d PROBLEM ANSWER`, in its own
//! process group under a deadline, stderr kept. Whatever the command does, the outcome is a
//! value (never a panic), and the run goes on with the next problem.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Lines of the command's stderr kept for the report.
const TAIL_LINES: usize = 6;

/// What became of one run of the command.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Why there is no answer to read (crashed, timed out, could not start), if so.
    pub failure: Option<String>,
    /// The last lines of its stderr.
    pub stderr_tail: Vec<String>,
    pub seconds: f64,
}

/// Runs `cmd` with the problem and answer paths as its last two arguments.
pub fn run(cmd: &str, problem: &Path, answer: &Path, timeout: Duration) -> Ran {
    let start = Instant::now();
    let done = |failure: Option<String>, stderr_tail| Ran {
        failure,
        stderr_tail,
        seconds: start.elapsed().as_secs_f64(),
    };
    // An unnamed temporary file, not a pipe: a grandchild that outlives the shell cannot block
    // us on a pipe it still holds.
    let mut err_file = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => return done(Some(format!("cannot capture stderr: {e}")), vec![]),
    };
    let stderr = match err_file.try_clone() {
        Ok(f) => Stdio::from(f),
        Err(e) => return done(Some(format!("cannot capture stderr: {e}")), vec![]),
    };
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$@\""))
        .arg("mlp2d")
        .arg(problem)
        .arg(answer)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        // Its own group: a timeout kills the command's children too, not just the shell.
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return done(Some(format!("could not start `sh`: {e}")), vec![]),
    };
    let kill_group = |pid: u32| {
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
        }
    };
    let mut pause = Duration::from_millis(1);
    let failure = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break match (status.code(), status.signal()) {
                    (Some(0), _) => None,
                    (Some(code), _) => {
                        Some(format!("crashed: the command exited with status {code}"))
                    }
                    (None, Some(sig)) => {
                        Some(format!("crashed: the command was killed by signal {sig}"))
                    }
                    (None, None) => Some("crashed".to_owned()),
                };
            }
            Ok(None) => {}
            Err(e) => {
                kill_group(child.id());
                let _ = child.wait();
                break Some(format!("lost the command: {e}"));
            }
        }
        if crate::interrupt::requested() {
            kill_group(child.id());
            let _ = child.wait();
            break Some("interrupted".to_owned());
        }
        if start.elapsed() >= timeout {
            kill_group(child.id());
            let _ = child.wait();
            break Some(format!(
                "timed out: no exit within {} s (killed)",
                timeout.as_secs_f64()
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    done(failure, tail(&mut err_file))
}

/// The last lines of what the command wrote to stderr (its last 4 KiB).
fn tail(file: &mut std::fs::File) -> Vec<String> {
    let len = file.seek(SeekFrom::End(0)).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(4096)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}
