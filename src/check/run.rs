//! Running the command on one problem: `sh -c 'CMD "$@"' mlp2d PROBLEM ANSWER` below a
//! supervisor (supervise.rs) in its own session, under resource limits (limits.rs) and, with
//! `--sandbox`, under bubblewrap (sandbox.rs). It ends when the shell exits, at the timeout or
//! on Ctrl-C, and in every case with every process it started killed, so the answer read after
//! it is a copy no process can still change. Its stderr is kept to its last bytes in memory as
//! it comes. Whatever the command does, the outcome is a value (never a panic).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::limits::Rlimits;
use super::reaper;
use super::sandbox::Sandbox;
use super::supervise::{self, REPORT_BYTES, STATUS_TAG};

/// The bytes of the command's stderr kept: its last 4 KiB.
pub const STDERR_KEPT: usize = 4096;

/// Lines of the command's stderr kept for the report.
const TAIL_LINES: usize = 6;

/// How long the supervisor may take to kill everything once asked.
const GRACE: Duration = Duration::from_secs(5);

/// How each problem's command is run.
#[derive(Debug, Clone)]
pub struct Launch {
    pub cmd: String,
    pub timeout: Duration,
    pub rlimits: Rlimits,
    /// CPU seconds of `rlimits`, for the message when a process goes over them.
    pub cpu_seconds: Option<u64>,
    /// File size of `rlimits`, for the message when a file goes over it.
    pub file_size: Option<u64>,
    pub sandbox: Option<Sandbox>,
}

/// What became of one run of the command.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Why there is no answer to read (crashed, timed out, could not start), if so.
    pub failure: Option<String>,
    /// The last lines of its stderr, as written (the report escapes them).
    pub stderr_tail: Vec<String>,
    pub seconds: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Timeout,
    Interrupt,
}

/// The last [`STDERR_KEPT`] bytes written to a pipe, read by a thread as they come.
struct Tail {
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
}

impl Tail {
    fn start(mut pipe: std::io::PipeReader) -> Tail {
        let bytes = Arc::new(Mutex::new(Vec::with_capacity(2 * STDERR_KEPT)));
        let kept = Arc::clone(&bytes);
        let reader = std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let new = &buf[n.saturating_sub(STDERR_KEPT)..n];
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                kept.extend_from_slice(new);
                if kept.len() > STDERR_KEPT {
                    let extra = kept.len() - STDERR_KEPT;
                    kept.drain(..extra);
                }
            }
        });
        Tail { bytes, reader }
    }

    /// The last lines, once the pipe has closed (every writer is dead) or a second has passed.
    fn lines(self) -> Vec<String> {
        let start = Instant::now();
        while !self.reader.is_finished() && start.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(2));
        }
        let bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(TAIL_LINES)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    }
}

/// Runs the command with the problem and answer paths as its last two arguments.
pub fn run(launch: &Launch, problem: &Path, answer: &Path) -> Ran {
    let start = Instant::now();
    let done = |failure: String| Ran {
        failure: Some(failure),
        stderr_tail: vec![],
        seconds: start.elapsed().as_secs_f64(),
    };
    let (ours, theirs) = match UnixStream::pair() {
        Ok(p) => p,
        Err(e) => return done(format!("cannot start the command: {e}")),
    };
    let (err_read, err_write) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return done(format!("cannot capture stderr: {e}")),
    };
    let argv: Vec<OsString> = vec![
        "sh".into(),
        "-c".into(),
        format!("{} \"$@\"", launch.cmd).into(),
        "mlp2d".into(),
        problem.into(),
        answer.into(),
    ];
    let mut command = match &launch.sandbox {
        Some(s) => s.command(&argv),
        None => {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        }
    };
    let (sock, rlimits) = (theirs.as_raw_fd(), launch.rlimits);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_write)
        .process_group(0);
    // SAFETY: `start` makes only async-signal-safe calls; `sock` stays open until spawn returns.
    unsafe {
        command.pre_exec(move || supervise::start(sock, &rlimits));
    }
    let spawned = reaper::spawn(&mut command);
    // Our copies of the command's ends: its stderr reaches EOF when its processes are gone.
    drop(command);
    drop(theirs);
    let supervisor = match spawned {
        Ok(c) => c,
        Err(e) => return done(format!("could not start `sh`: {e}")),
    };
    let tail = Tail::start(err_read);
    let (stop, report) = wait(supervisor, &ours, launch.timeout);
    let failure = match (stop, report) {
        (Some(Stop::Timeout), _) => Some(format!(
            "timed out: no exit within {} s (killed, with every process it started)",
            launch.timeout.as_secs_f64()
        )),
        (Some(Stop::Interrupt), _) => Some("interrupted".to_owned()),
        (None, Some(status)) => failure_of(status, launch),
        (None, None) => Some(
            "crashed: the command killed the process that supervised it (every process it left was killed)"
                .to_owned(),
        ),
    };
    Ran {
        failure,
        stderr_tail: tail.lines(),
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Waits for the supervisor to end, asking it to stop at the timeout or on Ctrl-C; the
/// reason it was stopped, and the shell's wait status when the supervisor sent it.
fn wait(
    mut supervisor: Child,
    ours: &UnixStream,
    timeout: Duration,
) -> (Option<Stop>, Option<i32>) {
    let start = Instant::now();
    let _ = ours.set_nonblocking(true);
    let mut report = Vec::with_capacity(REPORT_BYTES);
    let mut stop = None;
    let mut asked = None;
    let mut pause = Duration::from_millis(1);
    loop {
        read_report(ours, &mut report);
        match supervisor.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) => {}
            Err(_) => {
                let _ = supervisor.kill();
                let _ = supervisor.wait();
                break;
            }
        }
        match asked {
            None => {
                stop = if crate::interrupt::requested() {
                    Some(Stop::Interrupt)
                } else if start.elapsed() >= timeout {
                    Some(Stop::Timeout)
                } else {
                    None
                };
                if stop.is_some() {
                    let _ = (&*ours).write(&[1]);
                    asked = Some(Instant::now());
                }
            }
            Some(at) if at.elapsed() > GRACE => {
                let _ = supervisor.kill();
                let _ = supervisor.wait();
                break;
            }
            Some(_) => {}
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
    read_report(ours, &mut report);
    let status = (report.len() == REPORT_BYTES && report[0] == STATUS_TAG)
        .then(|| i32::from_le_bytes(report[1..].try_into().expect("4 bytes")));
    reaper::forget(supervisor.id());
    if status.is_none() {
        // The supervisor was killed: what it left came to us.
        reaper::sweep();
    }
    (stop, status)
}

fn read_report(ours: &UnixStream, report: &mut Vec<u8>) {
    let mut buf = [0u8; REPORT_BYTES];
    let room = REPORT_BYTES - report.len();
    if room > 0
        && let Ok(n) = (&*ours).read(&mut buf[..room])
    {
        report.extend_from_slice(&buf[..n]);
    }
}

/// The failure a wait status means, if any, naming the resource limits behind SIGXCPU and
/// SIGXFSZ.
fn failure_of(status: i32, launch: &Launch) -> Option<String> {
    let why = |sig: i32| match sig {
        libc::SIGXCPU => launch
            .cpu_seconds
            .map(|s| format!(" (SIGXCPU: a process went over the CPU-time limit of {s} s)")),
        libc::SIGXFSZ => launch.file_size.map(|b| {
            format!(
                " (SIGXFSZ: a file went over the file-size limit of {} MiB)",
                b / (1024 * 1024)
            )
        }),
        _ => None,
    };
    if libc::WIFEXITED(status) {
        return match libc::WEXITSTATUS(status) {
            0 => None,
            code => Some(format!(
                "crashed: the command exited with status {code}{}",
                why(code - 128).unwrap_or_default()
            )),
        };
    }
    if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        return Some(format!(
            "crashed: the command was killed by signal {sig}{}",
            why(sig).unwrap_or_default()
        ));
    }
    Some("crashed".to_owned())
}
