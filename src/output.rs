//! Outputs are written whole or not at all. A command checks every file it will write before its
//! work starts ([`check_targets`]), collects the bytes ([`Staged`]) and, at the end, writes each
//! to a temporary beside it and renames them all into place: a failure or Ctrl-C leaves the folder
//! as it was. An output folder is locked while a run uses it ([`OutputDir`]), so two runs cannot
//! mix their files. Messages name the user's paths, never a temporary's.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The lock file an [`OutputDir`] holds while a run uses the folder.
pub const LOCK_FILE: &str = ".mlp2d.lock";

/// Temporaries and probes start with this and end in `.tmp`; a killed run's are removed by the
/// next run that locks the folder.
const TEMP_PREFIX: &str = ".mlp2d-";

/// The folder `path` is written into (`.` for a bare file name).
pub fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes one file whole: [`Staged`] with a single file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut staged = Staged::default();
    staged.stage(path, bytes.to_vec());
    staged.commit()
}

/// Fails, naming the user's path, when any of `paths` cannot be written: its folder is missing
/// or not writable, or something that is not a file (e.g. a folder) has its name. Run before the
/// work that produces them.
pub fn check_targets<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<()> {
    let mut probed = BTreeSet::new();
    for path in paths {
        let path = path.as_ref();
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_dir() {
                bail!(
                    "cannot write {}: it is a folder (give a file name, or move the folder away)",
                    path.display()
                );
            }
            if !meta.is_file() {
                bail!("cannot write {}: it is not a regular file", path.display());
            }
        }
        let dir = parent_of(path);
        if !dir.is_dir() {
            bail!(
                "cannot write {}: the folder {} does not exist",
                path.display(),
                dir.display()
            );
        }
        if probed.insert(dir.to_path_buf()) {
            probe(dir)?;
        }
    }
    Ok(())
}

/// Proves `dir` writable by creating and removing a file in it; the error names the folder.
fn probe(dir: &Path) -> Result<()> {
    let (file, path) = create_temp(dir)
        .with_context(|| format!("output folder {} is not writable", dir.display()))?;
    drop(file);
    let _ = std::fs::remove_file(path);
    Ok(())
}

/// A new, empty file `.mlp2d-<pid>-<n>.tmp` in `dir`, with the mode any new file gets (0666
/// less the umask), as it would from `>`. The error is the OS's, without the temporary's name.
fn create_temp(dir: &Path) -> std::io::Result<(File, PathBuf)> {
    let pid = std::process::id();
    for n in 0u32.. {
        let path = dir.join(format!("{TEMP_PREFIX}{pid}-{n}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o666);
        }
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            // Left by an earlier process with the same pid, or by this one: take the next.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// Output files collected in memory and written together by [`Staged::commit`].
#[derive(Debug, Default)]
pub struct Staged {
    files: Vec<(PathBuf, Vec<u8>)>,
    removals: Vec<PathBuf>,
}

/// A temporary that is removed unless it was renamed into place.
struct Temp {
    path: PathBuf,
    target: PathBuf,
    renamed: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Staged {
    /// Adds a file; files are renamed into place in the order they were staged (stage the one
    /// whose presence marks a finished result last).
    pub fn stage(&mut self, path: impl Into<PathBuf>, bytes: Vec<u8>) {
        self.files.push((path.into(), bytes));
    }

    /// A file to remove on commit, if it exists (a stale file that would describe another run).
    pub fn remove(&mut self, path: impl Into<PathBuf>) {
        self.removals.push(path.into());
    }

    /// The files staged so far.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// Checks every target, writes each file to a temporary beside it, then removes the stale
    /// files and renames the temporaries into place. Until the renames start, any error removes
    /// the temporaries and leaves every existing file untouched.
    pub fn commit(self) -> Result<()> {
        check_targets(self.paths())?;
        for path in &self.removals {
            if path.exists() && !path.is_file() {
                bail!("cannot remove {}: it is not a file", path.display());
            }
        }
        let mut temps = Vec::with_capacity(self.files.len());
        for (target, bytes) in &self.files {
            let fail = || format!("cannot write {}", target.display());
            let (mut file, path) = create_temp(parent_of(target)).with_context(fail)?;
            let temp = Temp {
                path,
                target: target.clone(),
                renamed: false,
            };
            temps.push(temp);
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .with_context(fail)?;
        }
        for path in &self.removals {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
                _ => {}
            }
        }
        for temp in &mut temps {
            std::fs::rename(&temp.path, &temp.target)
                .with_context(|| format!("cannot write {}", temp.target.display()))?;
            temp.renamed = true;
        }
        Ok(())
    }
}

/// An output folder in use by this process: created if missing, proven writable, and locked
/// (`.mlp2d.lock`, held with `flock`, and the folder itself where the file system allows) so a
/// second run into it is refused. Dropping it releases the lock and removes the folder again if
/// this created it and nothing was written.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    created: bool,
    lock: Option<File>,
    /// The folder's own `flock`: holds even if a program the run starts removes the lock file.
    dir_lock: Option<File>,
}

/// The error when another run holds a folder's lock.
#[derive(Debug)]
pub struct FolderInUse {
    dir: PathBuf,
    /// ` (process N)`, when the lock file says.
    holder: String,
}

impl std::fmt::Display for FolderInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "output folder {} is in use by another mlp2d run{}: wait for it to end, or choose another folder",
            self.dir.display(),
            self.holder
        )
    }
}

impl std::error::Error for FolderInUse {}

impl OutputDir {
    /// Prepares `dir` before any work is spent on what goes into it.
    pub fn prepare(dir: &Path) -> Result<OutputDir> {
        if dir.exists() && !dir.is_dir() {
            bail!("output folder {} is a file", dir.display());
        }
        let created = !dir.exists();
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        // From here on, dropping the value undoes what was done.
        let mut out = OutputDir {
            dir: dir.to_path_buf(),
            created,
            lock: None,
            dir_lock: None,
        };
        out.dir_lock = lock_folder(dir)?;
        out.lock = Some(lock(dir)?);
        remove_stale_temporaries(dir);
        probe(dir)?;
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if let Some(file) = self.lock.take() {
            // Removed while still held, so no other run can lock the file being removed.
            let _ = std::fs::remove_file(self.dir.join(LOCK_FILE));
            drop(file);
        }
        if self.created {
            remove_if_empty(&self.dir);
        }
    }
}

/// Takes `dir/.mlp2d.lock`. A lock file left by a killed run is free (the kernel released its
/// `flock`) and is taken over.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let unusable = |e: std::io::Error| {
        anyhow::Error::new(e).context(format!("cannot lock output folder {}", dir.display()))
    };
    loop {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(unusable)?;
        if !try_flock(&file).map_err(unusable)? {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut holder);
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            return Err(FolderInUse {
                dir: dir.to_path_buf(),
                holder,
            }
            .into());
        }
        // The holder before us may have removed the file after we opened it: then our lock is
        // on a file no one else sees, so start again.
        if same_file(&file, &path) {
            file.set_len(0).map_err(unusable)?;
            writeln!(file, "{}", std::process::id()).map_err(unusable)?;
            return Ok(file);
        }
    }
}

/// The folder's own `flock`, where the file system has one for folders (not over NFS, say):
/// None there, an error when another run holds it.
#[cfg(unix)]
fn lock_folder(dir: &Path) -> Result<Option<File>> {
    let Ok(folder) = File::open(dir) else {
        return Ok(None);
    };
    match try_flock(&folder) {
        Ok(true) => Ok(Some(folder)),
        Ok(false) => {
            let mut holder = String::new();
            let _ = File::open(dir.join(LOCK_FILE))
                .and_then(|mut f| std::io::Read::read_to_string(&mut f, &mut holder));
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            Err(FolderInUse {
                dir: dir.to_path_buf(),
                holder,
            }
            .into())
        }
        Err(_) => Ok(None),
    }
}

#[cfg(not(unix))]
fn lock_folder(_dir: &Path) -> Result<Option<File>> {
    Ok(None)
}

#[cfg(unix)]
fn try_flock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this File owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_flock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes a folder that holds nothing (a run that wrote nothing: diverged, stopped, failed).
fn remove_if_empty(dir: &Path) {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none()) {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Temporary files a killed run (SIGKILL, power loss) could not clean up. Only our own
/// `.mlp2d-*.tmp` names are touched, and only under the folder's lock.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Fails early, naming the file, when `path` cannot be written: before the work that produces
/// it. (One file: [`check_targets`].)
pub fn check_parent(path: &Path) -> Result<()> {
    check_targets([path])
}
