//! Reading a file a submission could have made or replaced: a regular file only (never a FIFO,
//! a device, a socket or a folder, whether named directly or through a symlink), at most a
//! stated number of bytes, within a deadline. Opening never blocks (`O_NONBLOCK`), and the type
//! is checked again on the opened file, so a swap between the two checks does not get through.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

/// How long one read may take. Regular files of a few MB read in milliseconds; this only
/// matters for a file system that stalls (a network or FUSE mount).
pub const READ_DEADLINE: Duration = Duration::from_secs(10);

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Nothing at the path (or a symlink to nothing).
    Missing,
    /// A FIFO, device, socket or folder (`what` names it).
    NotRegular(&'static str),
    TooBig {
        size: u64,
        limit: u64,
    },
    /// It grew past the limit while it was read.
    Grew {
        limit: u64,
    },
    TimedOut(Duration),
    Io(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => write!(f, "it does not exist"),
            Refused::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Refused::TooBig { size, limit } => {
                write!(f, "it is {size} bytes, over the limit of {limit}")
            }
            Refused::Grew { limit } => {
                write!(
                    f,
                    "it grew past the limit of {limit} bytes while it was read"
                )
            }
            Refused::TimedOut(d) => write!(f, "reading it took over {} s", d.as_secs_f64()),
            Refused::Io(e) => write!(f, "{e}"),
        }
    }
}

fn kind(t: std::fs::FileType) -> Option<&'static str> {
    Some(if t.is_file() {
        return None;
    } else if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    })
}

/// The bytes of the regular file at `path` (symlinks followed), if it holds at most `limit`
/// bytes and reads within `deadline`.
pub fn read_regular(path: &Path, limit: u64, deadline: Duration) -> Result<Vec<u8>, Refused> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Refused::Missing,
        _ => Refused::Io(e.to_string()),
    };
    let check = |meta: std::fs::Metadata| match kind(meta.file_type()) {
        Some(what) => Err(Refused::NotRegular(what)),
        None if meta.len() > limit => Err(Refused::TooBig {
            size: meta.len(),
            limit,
        }),
        None => Ok(()),
    };
    check(std::fs::metadata(path).map_err(io)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    check(file.metadata().map_err(io)?)?;
    // A thread, so that a stalled file system costs this read its deadline, not the run.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = file.take(limit + 1).read_to_end(&mut bytes);
        let _ = send.send(read.map(|_| bytes));
    });
    let bytes = match receive.recv_timeout(deadline) {
        Ok(read) => read.map_err(io)?,
        Err(_) => return Err(Refused::TimedOut(deadline)),
    };
    if bytes.len() as u64 > limit {
        return Err(Refused::Grew { limit });
    }
    Ok(bytes)
}
