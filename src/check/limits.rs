//! The limits of a run. On the command: resource limits set in its process before it starts
//! (address space, file size, CPU time, processes), inherited by everything it starts. On what
//! `check` reads: a problem file no bigger than the problems `check` draws unless
//! `--max-problem` raises the limits (an answer's limit follows from its problem: answer.rs).

use std::str::FromStr;

/// Room for a safetensors header (names, shapes, offsets, metadata) beyond the tensors' bytes.
pub const HEADER_BYTES: u64 = 64 * 1024;

/// The largest problem judged: rows of `x`, the widest layer (inputs and classes included), and
/// layers. The defaults hold every problem `check` draws (tests/hostile.rs checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemLimits {
    pub rows: usize,
    pub width: usize,
    pub layers: usize,
}

impl Default for ProblemLimits {
    fn default() -> Self {
        ProblemLimits {
            rows: 256,
            width: 64,
            layers: 5,
        }
    }
}

impl std::fmt::Display for ProblemLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.rows, self.width, self.layers)
    }
}

impl FromStr for ProblemLimits {
    type Err = String;

    /// `ROWS,WIDTH,LAYERS`, e.g. `256,64,5`.
    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<Option<usize>> = text.split(',').map(|p| p.trim().parse().ok()).collect();
        let [Some(rows), Some(width), Some(layers)] = parts[..] else {
            return Err(format!(
                "expected ROWS,WIDTH,LAYERS (three whole numbers, e.g. {}), got {text:?}",
                ProblemLimits::default()
            ));
        };
        let limits = ProblemLimits {
            rows,
            width,
            layers,
        };
        // Beyond these a single problem's reference alone takes gigabytes.
        if !(1..=100_000).contains(&rows)
            || !(1..=10_000).contains(&width)
            || !(1..=100).contains(&layers)
        {
            return Err(format!(
                "{text:?}: rows must be 1 to 100000, width 1 to 10000, layers 1 to 100"
            ));
        }
        Ok(limits)
    }
}

impl ProblemLimits {
    /// The largest problem file within the limits: `x` and `y`, every layer's weight and bias
    /// three times (the parameters and up to two optimizer buffers), at f64, plus a header.
    pub fn file_bytes(&self) -> u64 {
        let (rows, width, layers) = (self.rows as u64, self.width as u64, self.layers as u64);
        let entries = rows * width + rows + 3 * layers * (width * width + width);
        entries * 8 + HEADER_BYTES
    }
}

/// Resource limits for the command, as given on the command line (None: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommandLimits {
    /// Address space of each process, bytes (`RLIMIT_AS`).
    pub memory: Option<u64>,
    /// Largest file it may write, bytes (`RLIMIT_FSIZE`; beyond it: SIGXFSZ).
    pub file_size: Option<u64>,
    /// CPU seconds of each process (`RLIMIT_CPU`; beyond it: SIGXCPU).
    pub cpu_seconds: Option<u64>,
    /// Processes (threads, as Linux counts them) it may start beyond those its user already
    /// runs when the run starts (`RLIMIT_NPROC` counts per user; root is exempt).
    pub processes: Option<u64>,
}

/// The values to set, computed before the command's process is forked; [`Rlimits::apply`]
/// only calls `setrlimit`, which is safe after a fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimits {
    memory: Option<u64>,
    file_size: Option<u64>,
    cpu_seconds: Option<u64>,
    processes: Option<u64>,
}

impl CommandLimits {
    pub fn rlimits(&self) -> Rlimits {
        Rlimits {
            memory: self.memory,
            file_size: self.file_size,
            cpu_seconds: self.cpu_seconds,
            processes: self.processes.map(|n| user_tasks() + n),
        }
    }
}

impl Rlimits {
    /// Sets the limits in the calling process, and no core files (a crashing command would
    /// write one per problem). Async-signal-safe.
    pub fn apply(&self) -> std::io::Result<()> {
        let set = |resource, value: Option<u64>, slack: u64| -> std::io::Result<()> {
            let Some(v) = value else {
                return Ok(());
            };
            let limit = libc::rlimit {
                rlim_cur: v as libc::rlim_t,
                rlim_max: v.saturating_add(slack) as libc::rlim_t,
            };
            // SAFETY: setrlimit with a valid pointer to a local value.
            if unsafe { libc::setrlimit(resource, &limit) } == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        };
        set(libc::RLIMIT_CORE, Some(0), 0)?;
        set(libc::RLIMIT_AS, self.memory, 0)?;
        set(libc::RLIMIT_FSIZE, self.file_size, 0)?;
        // At the soft limit the kernel sends SIGXCPU, at the hard one SIGKILL: a second apart,
        // so the report can say which limit it was.
        set(libc::RLIMIT_CPU, self.cpu_seconds, 1)?;
        set(libc::RLIMIT_NPROC, self.processes, 0)
    }
}

/// Tasks (processes and their threads) of this process's real user now: what `RLIMIT_NPROC`
/// is counted against.
fn user_tasks() -> u64 {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() }.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|status| field(status, "Uid:").is_some_and(|u| u == uid))
        .filter_map(|status| field(&status, "Threads:")?.parse::<u64>().ok())
        .sum()
}

/// The first value after `key` in /proc/PID/status.
fn field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .split_whitespace()
        .next()
}
