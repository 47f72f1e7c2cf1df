//! The supervisor: a process between mlp2d and each run of the command. It is a child
//! subreaper (`PR_SET_CHILD_SUBREAPER`), so every descendant of the command that loses its
//! parent (a background job, a daemon that forks twice or calls setsid) becomes its child rather
//! than init's. When the command's shell exits, when mlp2d asks (timeout, Ctrl-C), or when mlp2d
//! is gone (its end of the socket closes, even on SIGKILL), it kills the command's process
//! group, then every process left below it, reaps them all, and sends mlp2d the shell's wait
//! status. No process of the command outlives it.
//!
//! It runs in std's `Command` between fork and exec (`pre_exec`), in a copy of a multi-threaded
//! process: only async-signal-safe calls, no allocation, no panics.

use std::io;
use std::os::fd::RawFd;

use super::limits::Rlimits;

/// The message the supervisor sends before it exits: `STATUS_TAG` and the wait status.
pub const REPORT_BYTES: usize = 5;
pub const STATUS_TAG: u8 = 1;

/// Called in `pre_exec`: forks the command's process, which returns (std then execs the
/// command) in its own session under `limits`; this process supervises it and never returns.
///
/// # Safety
/// Only in a `pre_exec` closure, with `sock` this side of a socket pair whose other side mlp2d
/// keeps.
pub unsafe fn start(sock: RawFd, limits: &Rlimits) -> io::Result<()> {
    // SAFETY (all the calls here): plain system calls on values we own; async-signal-safe.
    unsafe {
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let supervisor = libc::getpid();
        let command = libc::fork();
        if command < 0 {
            return Err(io::Error::last_os_error());
        }
        if command == 0 {
            libc::close(sock);
            // Its own session and process group: Ctrl-C at the terminal reaches mlp2d only,
            // and the group can be killed whole.
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            // Killed with the supervisor, should the command kill it.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if libc::getppid() != supervisor {
                libc::_exit(127);
            }
            return limits.apply();
        }
        supervise(command, sock)
    }
}

/// Closes every descriptor but `sock` (moved to 0): std's exec-error pipe above all, which
/// std's `spawn` reads until every copy is closed, and the stderr pipe, whose reader waits for
/// the command's processes alone.
unsafe fn keep_only(sock: RawFd) {
    // SAFETY: descriptor calls on numbers; closing one that is not open is harmless.
    unsafe {
        if sock != 0 {
            libc::dup2(sock, 0);
        }
        if libc::syscall(libc::SYS_close_range, 1u32, u32::MAX, 0u32) != 0 {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
            let top = limit.rlim_cur.clamp(1024, 1 << 16) as RawFd;
            for fd in 1..top {
                libc::close(fd);
            }
        }
    }
}

enum Reaped {
    Alive,
    NoChildren,
}

/// Reaps every child that has ended; the command's wait status goes to `status`.
unsafe fn reap(command: libc::pid_t, status: &mut Option<libc::c_int>) -> Reaped {
    loop {
        let mut s = 0;
        // SAFETY: waitpid with a pointer to a local.
        let pid = unsafe { libc::waitpid(-1, &mut s, libc::WNOHANG) };
        if pid > 0 {
            if pid == command {
                *status = Some(s);
            }
            continue;
        }
        if pid == 0 {
            return Reaped::Alive;
        }
        if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Reaped::NoChildren;
    }
}

unsafe fn supervise(command: libc::pid_t, sock: RawFd) -> ! {
    // SAFETY (all the calls here): system calls on local values; async-signal-safe.
    unsafe {
        keep_only(sock);
        let me = libc::getpid();
        let mut status = None;
        // Until the command's shell ends, or mlp2d writes a byte or goes away.
        loop {
            reap(command, &mut status);
            if status.is_some() {
                break;
            }
            let mut p = libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            };
            if libc::poll(&mut p, 1, 20) > 0 {
                break;
            }
        }
        libc::kill(-command, libc::SIGKILL);
        // Each round kills this process's children; theirs then become its own.
        while let Reaped::Alive = reap(command, &mut status) {
            kill_children(me);
            let pause = libc::timespec {
                tv_sec: 0,
                tv_nsec: 1_000_000,
            };
            libc::nanosleep(&pause, std::ptr::null_mut());
        }
        let mut report = [0u8; REPORT_BYTES];
        if let Some(s) = status {
            report[0] = STATUS_TAG;
            report[1..].copy_from_slice(&s.to_le_bytes());
        }
        libc::send(0, report.as_ptr().cast(), report.len(), libc::MSG_NOSIGNAL);
        libc::_exit(0)
    }
}

/// SIGKILL to every child of this (single-threaded) process: from its `children` file where the
/// kernel has one, else from every process's `stat`.
unsafe fn kill_children(me: libc::pid_t) {
    // SAFETY: open/read/close/kill on local buffers.
    unsafe {
        let fd = libc::open(
            c"/proc/thread-self/children".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return scan_proc(me);
        }
        let mut buf = [0u8; 4096];
        let mut pid: libc::pid_t = 0;
        loop {
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            if n <= 0 {
                break;
            }
            for &b in buf.iter().take(n as usize) {
                if b.is_ascii_digit() {
                    pid = pid
                        .saturating_mul(10)
                        .saturating_add(libc::pid_t::from(b - b'0'));
                } else {
                    if pid > 0 {
                        libc::kill(pid, libc::SIGKILL);
                    }
                    pid = 0;
                }
            }
        }
        if pid > 0 {
            libc::kill(pid, libc::SIGKILL);
        }
        libc::close(fd);
    }
}

/// The parent pid in a /proc/PID/stat line: the field after the state, after the last `)`.
fn ppid_of_stat(stat: &[u8]) -> Option<libc::pid_t> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = stat.get(close + 1..)?;
    let mut fields = rest.split(|&b| b == b' ').filter(|f| !f.is_empty());
    fields.next()?;
    let ppid = fields.next()?;
    let mut v: libc::pid_t = 0;
    for &b in ppid {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v
            .saturating_mul(10)
            .saturating_add(libc::pid_t::from(b - b'0'));
    }
    Some(v)
}

/// Kills every process whose parent is `me`, read from /proc/*/stat.
unsafe fn scan_proc(me: libc::pid_t) {
    // SAFETY: directory and file calls on local buffers.
    unsafe {
        let dir = libc::open(
            c"/proc".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        );
        if dir < 0 {
            return;
        }
        let mut entries = [0u8; 4096];
        loop {
            let n = libc::syscall(
                libc::SYS_getdents64,
                dir,
                entries.as_mut_ptr(),
                entries.len(),
            );
            if n <= 0 {
                break;
            }
            let mut at = 0usize;
            while at + 19 < n as usize {
                let Some(len) = entries.get(at + 16..at + 18) else {
                    break;
                };
                let reclen = u16::from_ne_bytes([len[0], len[1]]) as usize;
                let Some(name) = entries.get(at + 19..at + reclen) else {
                    break;
                };
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if !name.is_empty() && name.iter().all(u8::is_ascii_digit) {
                    kill_if_child(name, me);
                }
                at += reclen.max(1);
            }
        }
        libc::close(dir);
    }
}

/// Reads /proc/NAME/stat and kills the process if its parent is `me`.
unsafe fn kill_if_child(name: &[u8], me: libc::pid_t) {
    let mut path = [0u8; 64];
    let parts: [&[u8]; 3] = [b"/proc/", name, b"/stat\0"];
    let mut len = 0;
    for part in parts {
        let Some(slot) = path.get_mut(len..len + part.len()) else {
            return;
        };
        slot.copy_from_slice(part);
        len += part.len();
    }
    // SAFETY: a NUL-terminated path in a local buffer; reads into a local buffer.
    unsafe {
        let fd = libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return;
        }
        let mut stat = [0u8; 512];
        let n = libc::read(fd, stat.as_mut_ptr().cast(), stat.len());
        libc::close(fd);
        let Some(line) = stat.get(..n.max(0) as usize) else {
            return;
        };
        if ppid_of_stat(line) == Some(me) {
            let mut pid: libc::pid_t = 0;
            for &b in name {
                pid = pid
                    .saturating_mul(10)
                    .saturating_add(libc::pid_t::from(b - b'0'));
            }
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ppid_of_stat;

    #[test]
    fn the_parent_is_read_past_a_name_with_spaces_and_parentheses() {
        assert_eq!(ppid_of_stat(b"42 (sh) S 7 42 42 0"), Some(7));
        assert_eq!(ppid_of_stat(b"42 (a) b (c) R 1234 1 1"), Some(1234));
        assert_eq!(ppid_of_stat(b"garbage"), None);
    }
}
