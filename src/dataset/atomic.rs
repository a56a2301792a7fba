//! Atomic file replacement: write a temporary file in the target's directory, fsync it, keep
//! the previous version as `FILE.bak` (optional), rename over the target, fsync the directory.
//! A crash at any point leaves either the old or the new file in place, never a mix.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// `PATH` with `suffix` appended to its file name (`data.jsonl` + `.bak` = `data.jsonl.bak`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Replace `path` with what `write` produces. With `keep_backup`, the previous content (if
/// any) stays as `PATH.bak`. The new file keeps the permissions of the one it replaces, or
/// gets 0666 less the umask.
pub fn replace_file<T>(
    path: &Path,
    keep_backup: bool,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<T>,
) -> io::Result<T> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tracelens-").suffix(".tmp");
    // A new file gets the usual mode (0666 less the umask), not a temporary file's 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir)?;
    let result = {
        let mut writer = BufWriter::with_capacity(1 << 20, temp.as_file());
        let result = write(&mut writer)?;
        writer.flush()?;
        result
    };
    temp.as_file().sync_all()?;
    let previous = fs::metadata(path).ok();
    if let Some(metadata) = &previous {
        temp.as_file().set_permissions(metadata.permissions())?;
        if keep_backup {
            keep_as_backup(path)?;
        }
    }
    temp.persist(path).map_err(|err| err.error)?;
    sync_dir(dir)?;
    Ok(result)
}

/// Make `PATH.bak` hold the current content of `path` (a hard link when possible, a copy
/// otherwise); the old backup is replaced only once the new one is complete.
fn keep_as_backup(path: &Path) -> io::Result<()> {
    let backup = sibling(path, ".bak");
    let staged = sibling(path, ".bak.tmp");
    let _ = fs::remove_file(&staged);
    if fs::hard_link(path, &staged).is_err() {
        fs::copy(path, &staged)?;
        File::open(&staged)?.sync_all()?;
    }
    fs::rename(&staged, &backup)
}

/// Flush a directory's entries (renames, new files) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        replace_file(&path, true, |w| w.write_all(b"one\n")).unwrap();
        assert!(
            !sibling(&path, ".bak").exists(),
            "no backup of a file that did not exist"
        );
        replace_file(&path, true, |w| w.write_all(b"two\n")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two\n");
        assert_eq!(fs::read(sibling(&path, ".bak")).unwrap(), b"one\n");
        // A failing writer leaves the file untouched and no temporary behind.
        let failed = replace_file(&path, true, |w| {
            w.write_all(b"partial")?;
            Err::<(), _>(io::Error::other("boom"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"two\n");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
