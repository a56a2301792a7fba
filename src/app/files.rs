//! Files the explorer writes: atomic saves and the recovery copy of an unsaved buffer.
//!
//! The recovery copy lives in `$TRACELENS_RECOVERY_DIR`, else `$XDG_STATE_HOME/tracelens`,
//! else `~/.local/state/tracelens`, named after the program's absolute path. A crash or
//! SIGKILL loses at most the last second of typing; SIGTERM, SIGHUP and SIGINT lose nothing
//! (the event loop writes the buffer once more before it leaves). The next start offers it back.

use std::io::Write;

use crate::atomic_file::replace_file;
use std::path::{Path, PathBuf};

/// Write `text` to `path` atomically (see [`crate::atomic_file::replace_file`]).
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    replace_file(path, false, |w| w.write_all(text.as_bytes()))
}

/// The folder holding recovery files, when one can be named.
pub fn recovery_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TRACELENS_RECOVERY_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return Some(PathBuf::from(dir).join("tracelens"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/tracelens"))
}

/// The recovery file for the program at `path` (`None`: an untitled buffer).
pub fn recovery_path(path: Option<&Path>) -> Option<PathBuf> {
    let dir = recovery_dir()?;
    let name = match path {
        Some(p) => {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
            abs.to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        }
        None => "untitled.py".to_string(),
    };
    Some(dir.join(format!("{name}.recover")))
}

/// Write the recovery copy (creating its folder).
pub fn write_recovery(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, text)
}

/// A recovery copy worth offering: it exists and differs from what is on disk.
pub fn pending_recovery(recovery: &Path, on_disk: &str) -> Option<String> {
    let text = std::fs::read_to_string(recovery).ok()?;
    (text != on_disk).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_recovery_is_offered_only_when_different() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.py");
        write_atomic(&file, "x = 1\n").unwrap();
        write_atomic(&file, "x = 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x = 2\n");
        let rec = dir.path().join("state/p.py.recover");
        write_recovery(&rec, "x = 3\n").unwrap();
        assert_eq!(
            pending_recovery(&rec, "x = 2\n").as_deref(),
            Some("x = 3\n")
        );
        assert_eq!(pending_recovery(&rec, "x = 3\n"), None);
        assert_eq!(pending_recovery(&dir.path().join("none"), ""), None);
    }
}
