//! Result files are written whole or not at all: a temporary file in the same folder, renamed
//! into place, so a crash or Ctrl-C never leaves a half-written file under the real name.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mlp2d-").suffix(".tmp");
    // A temporary file is private (0600) by default; the result should get the mode any new
    // file gets (0666 less the umask), as it would from `>`.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // Through the plain file: errors then say what went wrong, not the temporary's name.
    let file = tmp.as_file_mut();
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Creates the output folder and proves it is writable, before any training time is spent.
/// Returns whether it created the folder (see [`remove_if_empty`]).
pub fn prepare_dir(dir: &Path) -> Result<bool> {
    if dir.is_file() {
        anyhow::bail!("output folder {} is a file", dir.display());
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    remove_stale_temporaries(dir);
    tempfile::Builder::new()
        .prefix(".mlp2d-probe-")
        .tempfile_in(dir)
        .with_context(|| format!("output folder {} is not writable", dir.display()))?;
    Ok(created)
}

/// Removes a folder [`prepare_dir`] created for a run that then wrote nothing (it diverged, was
/// stopped, or failed), so no empty result folder is left behind.
pub fn remove_if_empty(dir: &Path) {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none()) {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Temporary files a killed run (SIGKILL, power loss) could not clean up. Only our own
/// `.mlp2d-*.tmp` names are touched.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".mlp2d-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Fails early, naming the file, when `path` cannot be written because its folder is missing or
/// it is itself a folder: before the work that produces it.
pub fn check_parent(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!("{} is a folder: give a file name", path.display());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}
