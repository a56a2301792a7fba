//! The one atomic writer: every file tracelens writes whole (datasets, exports, batch and eval
//! output, saved programs, checkpoints, tokenizers) goes through [`replace_file`] or
//! [`replace_file_by_path`]. A temporary file is written in the target's directory, fsynced,
//! the previous version optionally kept as `FILE.bak`, renamed over the target, and the
//! directory fsynced. A crash at any point leaves either the old or the new file in place,
//! never a mix. A new file gets the usual mode (0666 masked by the umask); a replaced file
//! keeps the permissions of the one it replaces.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// `PATH` with `suffix` appended to its file name (`data.jsonl` + `.bak` = `data.jsonl.bak`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Replace `path` with what `write` produces. With `keep_backup`, the previous content (if
/// any) stays as `PATH.bak`.
pub fn replace_file<T>(
    path: &Path,
    keep_backup: bool,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<T>,
) -> io::Result<T> {
    replace_staged(path, keep_backup, |temp| {
        let mut writer = BufWriter::with_capacity(1 << 20, temp.as_file());
        let result = write(&mut writer)?;
        writer.flush()?;
        Ok(result)
    })
}

/// Replace `path` with the file `write` makes at the path it is given (for libraries that
/// save to a path themselves). `write` may also check what it wrote: an error leaves `path`
/// untouched.
pub fn replace_file_by_path<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<T, E>,
) -> Result<T, E> {
    replace_staged(path, false, |temp| write(temp.path()))
}

/// The steps both writers share around `write`, which fills the temporary file.
fn replace_staged<T, E: From<io::Error>>(
    path: &Path,
    keep_backup: bool,
    write: impl FnOnce(&NamedTempFile) -> Result<T, E>,
) -> Result<T, E> {
    let dir = parent_dir(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tracelens-").suffix(".tmp");
    // A new file's usual mode: 0666, which the kernel masks with the umask (tempfile's own
    // default is 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(without_temp_path)?;
    let usual = temp.as_file().metadata()?.permissions();
    let result = write(&temp)?;
    // Opened again: a writer by path may have put a new file at the temporary path (with
    // a mode of its own: safetensors renames its own 0600 temporary there).
    File::open(temp.path())?.sync_all()?;
    match fs::metadata(path) {
        Ok(metadata) => {
            fs::set_permissions(temp.path(), metadata.permissions())?;
            if keep_backup {
                keep_as_backup(path)?;
            }
        }
        Err(_) => fs::set_permissions(temp.path(), usual)?,
    }
    temp.persist(path).map_err(|err| err.error)?;
    sync_dir(dir)?;
    Ok(result)
}

/// The directory a file is written in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// tempfile's error names the temporary path it tried (`... at path "/d/.tracelens-x.tmp"`);
/// callers name the target themselves, so only the OS error is kept.
fn without_temp_path(err: io::Error) -> io::Error {
    let text = err.to_string();
    let os_error = text.split(" at path ").next().unwrap_or(&text);
    io::Error::new(err.kind(), os_error.to_string())
}

/// Check, before any expensive work, that `out` can be written: it is none of `inputs` (a
/// link or another spelling included; replacing an input would lose it, and with it every
/// line the output leaves out), it does not exist unless `replace` (the commands' `--force`:
/// a user's file is replaced only when asked), and its directory takes a new file.
pub fn check_output(out: &Path, inputs: &[&Path], replace: bool) -> io::Result<()> {
    if inputs.iter().any(|input| is_same_file(input, out)) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it is the input file; write the output to another file",
        ));
    }
    if !replace && fs::symlink_metadata(out).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it exists; pass --force to replace it",
        ));
    }
    tempfile::Builder::new()
        .prefix(".tracelens-")
        .suffix(".tmp")
        .tempfile_in(parent_dir(out))
        .map_err(without_temp_path)?;
    Ok(())
}

/// Whether two paths name one existing file.
fn is_same_file(a: &Path, b: &Path) -> bool {
    let (Ok(a), Ok(b)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
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

    #[test]
    fn a_writer_by_path_replaces_only_when_it_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        replace_file_by_path(&path, |p| fs::write(p, b"v1")).unwrap();
        let failed = replace_file_by_path(&path, |p| {
            fs::write(p, b"v2")?;
            Err::<(), _>(io::Error::other("check failed"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"v1");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn an_existing_output_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        fs::write(&out, "mine\n").unwrap();
        let err = check_output(&out, &[], false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(err.to_string().contains("--force"), "{err}");
        assert!(check_output(&out, &[], true).is_ok());
        assert_eq!(fs::read_to_string(&out).unwrap(), "mine\n");
    }

    #[test]
    fn the_input_is_never_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        fs::write(&input, "x\n").unwrap();
        let other_spelling = dir.path().join(".").join("in.jsonl");
        for replace in [false, true] {
            let err = check_output(&other_spelling, &[&input], replace).unwrap_err();
            assert!(err.to_string().contains("is the input file"), "{err}");
        }
        assert!(check_output(&dir.path().join("out.jsonl"), &[&input], false).is_ok());
        let missing = check_output(&dir.path().join("no/out.jsonl"), &[&input], false).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn a_missing_directory_is_reported_once_without_the_temporary_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = replace_file(&dir.path().join("no/such/out.jsonl"), false, |w| {
            w.write_all(b"x")
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(
            !text.contains(".tracelens-") && !text.contains("at path"),
            "{text}"
        );
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_the_usual_mode_and_replaced_files_keep_theirs() {
        use std::os::unix::fs::PermissionsExt;
        // The umask's effect, learnt from a file created the plain way.
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        let usual = fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        let path = dir.path().join("new.jsonl");
        replace_file(&path, false, |w| w.write_all(b"x")).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), usual, "a new file is 0666 masked by the umask");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&path, false, |w| w.write_all(b"y")).unwrap();
        assert_eq!(mode(&path), 0o640);
        // A writer by path that puts its own 0600 file there (as safetensors does) still
        // gives a new file the usual mode.
        let by_path = dir.path().join("model.safetensors");
        replace_file_by_path(&by_path, |p| {
            let own = p.with_extension("own");
            fs::write(&own, b"z")?;
            fs::set_permissions(&own, fs::Permissions::from_mode(0o600))?;
            fs::rename(&own, p)
        })
        .unwrap();
        assert_eq!(mode(&by_path), usual);
    }
}
