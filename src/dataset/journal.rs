//! The edit journal (`FILE.jsonl.journal`): every edit is appended and fsync'd as it is made,
//! so a crash between saves loses nothing; the next open finds the journal and can replay it.
//!
//! The first line is a header naming the size and hash of the data file the edits apply to;
//! each further line is one [`Entry`]. A torn last line (a crash mid-write) is ignored and
//! reported.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::Record;
use super::scan::Fingerprint;
use crate::atomic_file::{sibling, sync_dir};

/// One edit of one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    Verdict {
        value: String,
    },
    AddTag {
        tag: String,
    },
    RemoveTag {
        tag: String,
    },
    Note {
        note: String,
    },
    /// The whole record replaced (new code with its new trace).
    Replace {
        record: Box<Record>,
    },
    /// A new record appended to the dataset.
    Add {
        record: Box<Record>,
    },
}

/// An edit and the record it applies to: its position in the dataset and its id (checked on
/// replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub index: usize,
    pub id: String,
    #[serde(flatten)]
    pub edit: Edit,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    journal: u32,
    base_size: u64,
    base_hash: u64,
}

/// A journal found on disk when a dataset was opened.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingJournal {
    pub entries: Vec<Entry>,
    /// The data file is not the version the journal was written against (it was saved or
    /// changed after the edits were journalled).
    pub stale: bool,
    /// Lines of the journal that could not be read (1-based line, message).
    pub unreadable: Vec<(usize, String)>,
}

/// The journal of one dataset file; the file is created on the first edit.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
}

impl Journal {
    /// The journal of the dataset at `data_path` (nothing is created yet).
    pub fn for_dataset(data_path: &Path) -> Self {
        Journal {
            path: sibling(data_path, ".journal"),
            file: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read a journal left on disk, if there is one with at least one entry.
    pub fn load_pending(&self, base: Fingerprint) -> io::Result<Option<PendingJournal>> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut lines = bytes.split(|&b| b == b'\n').enumerate().peekable();
        let mut pending = PendingJournal {
            entries: Vec::new(),
            stale: false,
            unreadable: Vec::new(),
        };
        match lines
            .next()
            .map(|(_, line)| serde_json::from_slice::<Header>(line))
        {
            Some(Ok(header)) => {
                pending.stale = header.base_size != base.size || header.base_hash != base.hash;
            }
            Some(Err(err)) if !bytes.is_empty() => {
                pending.stale = true;
                pending
                    .unreadable
                    .push((1, format!("bad journal header: {err}")));
            }
            _ => {}
        }
        while let Some((number, line)) = lines.next() {
            if line.is_empty() && lines.peek().is_none() {
                break;
            }
            match serde_json::from_slice::<Entry>(line) {
                Ok(entry) => pending.entries.push(entry),
                Err(err) => pending.unreadable.push((number + 1, err.to_string())),
            }
        }
        if pending.entries.is_empty() && pending.unreadable.is_empty() {
            return Ok(None);
        }
        Ok(Some(pending))
    }

    /// Append one entry and fsync it. The first append creates the journal with its header.
    pub fn append(&mut self, base: Fingerprint, entry: &Entry) -> io::Result<()> {
        if self.file.is_none() {
            let mut file = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&self.path)?;
            let header = Header {
                journal: 1,
                base_size: base.size,
                base_hash: base.hash,
            };
            let mut line = serde_json::to_vec(&header)?;
            line.push(b'\n');
            file.write_all(&line)?;
            file.sync_all()?;
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                sync_dir(dir)?;
            }
            self.file = Some(file);
        }
        let mut line = serde_json::to_vec(entry)?;
        line.push(b'\n');
        if let Some(file) = self.file.as_mut() {
            file.write_all(&line)?;
            file.sync_data()?;
        }
        Ok(())
    }

    /// Delete the journal (after a save made its edits part of the data file).
    pub fn remove(&mut self) -> io::Result<()> {
        self.file = None;
        match fs::remove_file(&self.path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    /// Set a pending journal aside as `FILE.jsonl.journal.discarded` (kept, not deleted).
    pub fn set_aside(&mut self) -> io::Result<PathBuf> {
        self.file = None;
        let aside = sibling(&self.path, ".discarded");
        fs::rename(&self.path, &aside)?;
        Ok(aside)
    }

    /// Keep appending to the journal found on disk (after replaying it). A torn last line
    /// is closed first, so the next entry starts on a line of its own.
    pub fn resume(&mut self) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)?;
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            read_last_byte(&file, len, &mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                file.sync_data()?;
            }
        }
        self.file = Some(file);
        Ok(())
    }
}

fn read_last_byte(mut file: &File, len: u64, byte: &mut [u8; 1]) -> io::Result<()> {
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(byte)
}
