//! mlp2d's side of "no process outlives the run": mlp2d is itself a child subreaper while it
//! runs commands, so the processes a command leaves behind after killing its supervisor come
//! to mlp2d, which kills them. Its own children are its supervisors (registered here when
//! spawned) and such orphans (everything else): [`sweep`] kills and reaps the orphans.

use std::collections::BTreeSet;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The live supervisors: mlp2d's children that are not orphans.
static SUPERVISORS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

fn supervisors() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    SUPERVISORS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes this process the child subreaper of everything it starts (once is enough).
pub fn become_subreaper() {
    // SAFETY: prctl with constant arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Spawns a supervisor and registers it, under the lock a sweep takes, so a sweep never
/// mistakes a supervisor just forked for an orphan.
pub fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let mut live = supervisors();
    let child = command.spawn()?;
    live.insert(child.id());
    Ok(child)
}

/// Unregisters a supervisor that has been waited for.
pub fn forget(pid: u32) {
    supervisors().remove(&pid);
}

/// Kills and reaps every child of this process that is not a live supervisor, until there is
/// none (killing one makes its children ours).
pub fn sweep() {
    let live = supervisors();
    let start = Instant::now();
    loop {
        let orphans: Vec<u32> = children()
            .into_iter()
            .filter(|p| !live.contains(p))
            .collect();
        if orphans.is_empty() || start.elapsed() > Duration::from_secs(10) {
            return;
        }
        for &pid in &orphans {
            // SAFETY: kill and waitpid on a child of ours, by pid.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        for &pid in &orphans {
            for _ in 0..1000 {
                let mut status = 0;
                // SAFETY: as above.
                let r = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
                if r != 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// This process's children: every thread's `children` file (a child belongs to the thread
/// that forked it, an orphan to any), else every process's parent from /proc/PID/stat.
fn children() -> Vec<u32> {
    let me = std::process::id();
    let from_tasks: Option<Vec<u32>> =
        std::fs::read_dir("/proc/self/task").ok().and_then(|tasks| {
            let mut all = Vec::new();
            for t in tasks.flatten() {
                let text = std::fs::read_to_string(t.path().join("children")).ok()?;
                all.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<u32>().ok()),
                );
            }
            Some(all)
        });
    if let Some(all) = from_tasks {
        return all;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    procs
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read(e.path().join("stat")).ok()?;
            let close = stat.iter().rposition(|&b| b == b')')?;
            let text = String::from_utf8_lossy(&stat[close + 1..]).into_owned();
            let ppid: u32 = text.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == me).then_some(pid)
        })
        .collect()
}

/// Sweeps when dropped: the end of a run of commands, on every path out of it, a panic's
/// included.
pub struct SweepOnDrop;

impl Drop for SweepOnDrop {
    fn drop(&mut self) {
        sweep();
    }
}
