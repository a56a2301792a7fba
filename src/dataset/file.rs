//! An open dataset file: indexed at open (byte offset of every line, a [`Summary`] per
//! record), records parsed lazily when asked for, edits journalled as they are made, and saved
//! atomically with untouched lines written back byte for byte.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::journal::{Edit, Entry, Journal, PendingJournal};
use super::parse::{parse_batch, Parsed};
use super::record::{Origin, Record, Verdict};
use super::save::{in_place_line, write_record, HashingWriter, LineCopier};
use super::scan::{self, line_hash, Fingerprint};
use super::source::{parse_line, SourceFormat};
use super::summary::{divergence_of, Divergence, Filter, StoredScore, Summary};
use crate::atomic_file::replace_file;
use crate::plural::count;

/// What can go wrong with a dataset file.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0} changed on disk since it was opened; save again with force to overwrite it")]
    ChangedOnDisk(PathBuf),
    #[error(
        "{0} has a journal of unsaved edits from an earlier session: replay or discard it first"
    )]
    PendingJournal(PathBuf),
    #[error(
        "{path} was modified in place since it was opened (line {line} differs), so the version \
         that was opened is gone; reopen it (unsaved edits are in the journal and can be replayed)"
    )]
    ModifiedInPlace { path: PathBuf, line: usize },
    #[error("no record {0} in the dataset")]
    NoSuchRecord(usize),
    #[error("{path}:{line}: {message}")]
    BadRecord {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// A line that could not be read as a record; it is kept verbatim on save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// What replaying a journal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    pub applied: usize,
    /// Entries whose record could not be found (by position or id), with the reason.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineKind {
    Record(usize),
    Malformed,
    Blank,
}

/// One line of the file on disk.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    pub(super) offset: u64,
    pub(super) len: u64,
    pub(super) terminator: u8,
    pub(super) kind: LineKind,
    /// Hash of the line's bytes when it was read (`None` for lines too long to be read).
    pub(super) hash: Option<u64>,
}

/// One record: where it is on disk (`None` for a record added in this session), its summary,
/// and its edited content when it was changed since the last save.
#[derive(Debug)]
struct Slot {
    line: Option<usize>,
    summary: Summary,
    edited: Option<Box<Record>>,
}

/// An open dataset.
#[derive(Debug)]
pub struct DatasetFile {
    path: PathBuf,
    /// The version of the file that was read (it stays readable when the path is replaced).
    file: File,
    fingerprint: Fingerprint,
    lines: Vec<Line>,
    slots: Vec<Slot>,
    problems: Vec<LineProblem>,
    journal: Journal,
    pending: Option<PendingJournal>,
}

impl DatasetFile {
    /// Open and index a dataset file (JSONL of tracelens, CodeExecutor or CRUXEval records).
    /// Malformed lines do not fail the open: they are listed in [`DatasetFile::problems`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |source| DatasetError::Io {
            path: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(io_err)?;
        let mut lines = Vec::new();
        let mut slots = Vec::new();
        let mut problems = Vec::new();
        let fingerprint = scan::scan(&file, |batch| {
            for (raw, (parsed, hash)) in batch.iter().zip(parse_batch(batch)) {
                let number = lines.len() + 1;
                let kind = match parsed {
                    Parsed::Blank => LineKind::Blank,
                    Parsed::Record(summary) => {
                        slots.push(Slot {
                            line: Some(lines.len()),
                            summary,
                            edited: None,
                        });
                        LineKind::Record(slots.len() - 1)
                    }
                    Parsed::Malformed(message) => {
                        problems.push(LineProblem {
                            line: number,
                            message,
                        });
                        LineKind::Malformed
                    }
                };
                lines.push(Line {
                    offset: raw.offset,
                    len: raw.len,
                    terminator: raw.terminator,
                    kind,
                    hash,
                });
            }
        })
        .map_err(io_err)?;
        let journal = Journal::for_dataset(&path);
        let pending = journal
            .load_pending(fingerprint)
            .map_err(|source| DatasetError::Io {
                path: journal.path().to_path_buf(),
                source,
            })?;
        Ok(DatasetFile {
            path,
            file,
            fingerprint,
            lines,
            slots,
            problems,
            journal,
            pending,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of records (malformed and blank lines not counted).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Lines that are not records, with their line numbers.
    pub fn problems(&self) -> &[LineProblem] {
        &self.problems
    }

    /// A short report for people: record count, empty file, malformed lines, pending journal.
    pub fn open_report(&self) -> Vec<String> {
        let name = self.path.display();
        let mut report = Vec::new();
        if self.fingerprint.size == 0 {
            report.push(format!("{name}: the file is empty (0 records)"));
        } else {
            report.push(format!("{name}: {}", count(self.slots.len(), "record")));
        }
        if !self.problems.is_empty() {
            report.push(format!(
                "{name}: {}, kept verbatim on save:",
                count(self.problems.len(), "malformed line")
            ));
            report.extend(
                self.problems
                    .iter()
                    .map(|p| format!("  line {}: {}", p.line, p.message)),
            );
        }
        if let Some(pending) = &self.pending {
            report.push(format!(
                "{}: {} unsaved edit(s) from an earlier session{}; replay or discard them",
                self.journal.path().display(),
                pending.entries.len(),
                if pending.stale {
                    " (the data file changed since)"
                } else {
                    ""
                }
            ));
        }
        report
    }

    /// The summary of record `index`.
    pub fn summary(&self, index: usize) -> Option<&Summary> {
        self.slots.get(index).map(|slot| &slot.summary)
    }

    /// Every summary, in file order.
    pub fn summaries(&self) -> impl Iterator<Item = &Summary> {
        self.slots.iter().map(|slot| &slot.summary)
    }

    /// The indices of the records that pass `filter`.
    pub fn filter(&self, filter: &Filter) -> Vec<usize> {
        filter.apply(self.summaries())
    }

    /// Every tag used in the dataset, sorted (for completion).
    pub fn tags(&self) -> Vec<String> {
        let tags: BTreeSet<&String> = self.summaries().flat_map(|s| s.tags.iter()).collect();
        tags.into_iter().cloned().collect()
    }

    /// Record the first divergence computed for record `index` (by `crate::analysis`).
    pub fn set_divergence(
        &mut self,
        index: usize,
        divergence: Divergence,
    ) -> Result<(), DatasetError> {
        self.slot_mut(index)?.summary.divergence = divergence;
        Ok(())
    }

    /// Record how the stored prediction of record `index` scored (computed by the explorer).
    pub fn set_score(&mut self, index: usize, score: StoredScore) -> Result<(), DatasetError> {
        self.slot_mut(index)?.summary.score = score;
        Ok(())
    }

    /// Compute (align prediction and truth) and store the first divergence of record `index`.
    pub fn compute_divergence(&mut self, index: usize) -> Result<Divergence, DatasetError> {
        let divergence = divergence_of(&self.record(index)?);
        self.set_divergence(index, divergence)?;
        Ok(divergence)
    }

    /// Record `index`, parsed from disk unless it was edited in this session.
    pub fn record(&self, index: usize) -> Result<Record, DatasetError> {
        let slot = self
            .slots
            .get(index)
            .ok_or(DatasetError::NoSuchRecord(index))?;
        if let Some(record) = &slot.edited {
            return Ok((**record).clone());
        }
        let line_index = slot.line.ok_or(DatasetError::NoSuchRecord(index))?;
        let line = self.lines[line_index];
        let bad = |message: String| DatasetError::BadRecord {
            path: self.path.clone(),
            line: line_index + 1,
            message,
        };
        let bytes = self
            .read_range(line.offset, line.len)
            .map_err(|err| bad(err.to_string()))?;
        if line.hash.is_some_and(|hash| hash != line_hash(&bytes)) {
            return Err(self.modified_in_place(line_index + 1));
        }
        parse_line(&bytes)
            .map(|(record, _)| record)
            .map_err(|err| bad(err.0))
    }

    /// Whether there are edits not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.slots.iter().any(|slot| slot.edited.is_some())
    }

    /// The journal found at open, until it is replayed or discarded.
    pub fn pending_journal(&self) -> Option<&PendingJournal> {
        self.pending.as_ref()
    }

    pub fn set_verdict(&mut self, index: usize, verdict: Verdict) -> Result<(), DatasetError> {
        self.edit(
            index,
            Edit::Verdict {
                value: verdict.as_str().to_string(),
            },
        )
    }

    /// Add a tag (no effect when the record has it already).
    pub fn add_tag(&mut self, index: usize, tag: &str) -> Result<(), DatasetError> {
        if self.slot(index)?.summary.tags.iter().any(|t| t == tag) {
            return Ok(());
        }
        self.edit(
            index,
            Edit::AddTag {
                tag: tag.to_string(),
            },
        )
    }

    /// Remove a tag (no effect when the record does not have it).
    pub fn remove_tag(&mut self, index: usize, tag: &str) -> Result<(), DatasetError> {
        if !self.slot(index)?.summary.tags.iter().any(|t| t == tag) {
            return Ok(());
        }
        self.edit(
            index,
            Edit::RemoveTag {
                tag: tag.to_string(),
            },
        )
    }

    pub fn set_note(&mut self, index: usize, note: &str) -> Result<(), DatasetError> {
        self.edit(
            index,
            Edit::Note {
                note: note.to_string(),
            },
        )
    }

    /// Replace record `index` (new code with its new trace; the caller clears or refreshes a
    /// stale prediction).
    pub fn replace(&mut self, index: usize, record: Record) -> Result<(), DatasetError> {
        self.edit(
            index,
            Edit::Replace {
                record: Box::new(record),
            },
        )
    }

    /// "Save as new sample": append `record` with its `origin` pointing at record `from`
    /// (a mutation already in `record.origin` is kept). An empty or taken id becomes
    /// `FROM-ID-edit-N`. Returns the new record's index.
    pub fn add_derived(&mut self, from: usize, mut record: Record) -> Result<usize, DatasetError> {
        // The record's own id, so an integer id stays one in `origin`.
        let source_id = self.record(from)?.id;
        let mutation = record.origin.take().and_then(|origin| origin.mutation);
        record.origin = Some(Origin {
            id: source_id.clone(),
            mutation,
            extra: Default::default(),
        });
        let taken: BTreeSet<&str> = self.summaries().map(|s| s.id.as_str()).collect();
        if record.id.is_empty() || taken.contains(record.id.as_str()) {
            record.id = (1..)
                .map(|n| format!("{source_id}-edit-{n}"))
                .find(|id| !taken.contains(id.as_str()))
                .unwrap_or_default()
                .into();
        }
        let index = self.slots.len();
        self.edit(
            index,
            Edit::Add {
                record: Box::new(record),
            },
        )?;
        Ok(index)
    }

    /// Apply the pending journal's entries (found by position, or by id when the file changed)
    /// and keep journalling after them.
    pub fn replay_journal(&mut self) -> Result<ReplayReport, DatasetError> {
        let Some(pending) = self.pending.take() else {
            return Ok(ReplayReport::default());
        };
        let mut report = ReplayReport::default();
        for entry in pending.entries {
            let exists = self.find(entry.index, &entry.id);
            let target = match (&entry.edit, exists) {
                // Already saved (a crash between saving and removing the journal).
                (Edit::Add { .. }, Some(_)) => Err("a record with this id exists already"),
                (Edit::Add { .. }, None) => Ok(self.slots.len()),
                (_, Some(index)) => Ok(index),
                (_, None) => Err("no record with this id"),
            };
            match target {
                Ok(index) => {
                    self.apply(index, entry.edit)?;
                    report.applied += 1;
                }
                Err(reason) => report.skipped.push(format!(
                    "{:?}: {reason} (edit {:?} skipped)",
                    entry.id, entry.edit
                )),
            }
        }
        report.skipped.extend(
            pending
                .unreadable
                .iter()
                .map(|(line, message)| format!("journal line {line}: {message}")),
        );
        let journal_path = self.journal.path().to_path_buf();
        self.journal.resume().map_err(|source| DatasetError::Io {
            path: journal_path,
            source,
        })?;
        Ok(report)
    }

    /// Set the pending journal aside (renamed to `FILE.jsonl.journal.discarded`, not deleted).
    pub fn discard_journal(&mut self) -> Result<Option<PathBuf>, DatasetError> {
        if self.pending.take().is_none() {
            return Ok(None);
        }
        let path = self.journal.path().to_path_buf();
        let aside = self
            .journal
            .set_aside()
            .map_err(|source| DatasetError::Io { path, source })?;
        Ok(Some(aside))
    }

    /// Close the dataset without saving this session's edits: their journal is set aside as
    /// `FILE.jsonl.journal.discarded` (kept, but never offered for replay).
    pub fn close_discarding_edits(mut self) -> Result<Option<PathBuf>, DatasetError> {
        if !self.is_dirty() {
            return Ok(None);
        }
        let path = self.journal.path().to_path_buf();
        match self.journal.set_aside() {
            Ok(aside) => Ok(Some(aside)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(DatasetError::Io { path, source }),
        }
    }

    /// Whether the file on disk is no longer the version that was opened (or last saved).
    pub fn changed_on_disk(&self) -> Result<bool, DatasetError> {
        match File::open(&self.path) {
            Ok(file) => {
                let now = scan::fingerprint(file).map_err(|source| self.io_error(source))?;
                Ok(now != self.fingerprint)
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(source) => Err(self.io_error(source)),
        }
    }

    /// Write the dataset back atomically, keeping the previous version as `FILE.jsonl.bak`.
    /// Untouched records, malformed and blank lines are copied byte for byte; edited records
    /// are rewritten; new records are appended. Refuses when the file changed on disk since it
    /// was opened, unless `force`.
    pub fn save(&mut self, force: bool) -> Result<(), DatasetError> {
        if self.pending.is_some() {
            return Err(DatasetError::PendingJournal(self.path.clone()));
        }
        if !force && self.changed_on_disk()? {
            return Err(DatasetError::ChangedOnDisk(self.path.clone()));
        }
        let (new_lines, fingerprint) = replace_file(&self.path, true, |out| {
            let mut out = HashingWriter::new(out);
            let lines = self.write_all(&mut out)?;
            Ok((lines, out.finish()))
        })
        .map_err(|source| match in_place_line(&source) {
            Some(line) => self.modified_in_place(line),
            None => self.io_error(source),
        })?;
        self.file = File::open(&self.path).map_err(|source| self.io_error(source))?;
        self.fingerprint = fingerprint;
        self.lines = new_lines;
        for (index, line) in self.lines.iter().enumerate() {
            if let LineKind::Record(slot) = line.kind {
                self.slots[slot].line = Some(index);
                self.slots[slot].edited = None;
            }
        }
        self.journal
            .remove()
            .map_err(|source| self.io_error(source))
    }

    /// Write every line and new record to `out`; returns the new line table.
    fn write_all(&self, out: &mut HashingWriter<impl Write>) -> io::Result<Vec<Line>> {
        let mut lines = Vec::with_capacity(self.lines.len());
        let mut copier = LineCopier::new(&self.file);
        for (number, line) in (1..).zip(&self.lines) {
            let edited = match line.kind {
                LineKind::Record(slot) => self.slots[slot].edited.as_deref(),
                LineKind::Malformed | LineKind::Blank => None,
            };
            match edited {
                None => {
                    let offset = out.written;
                    copier.copy(line, number, out)?;
                    lines.push(Line { offset, ..*line });
                }
                Some(record) => lines.push(write_record(out, record, line.kind)?),
            }
        }
        let unterminated = lines.last().is_some_and(|line| line.terminator == 0);
        if unterminated && self.slots.iter().any(|slot| slot.line.is_none()) {
            out.write_all(b"\n")?;
            if let Some(last) = lines.last_mut() {
                last.terminator = 1;
            }
        }
        for (index, slot) in self.slots.iter().enumerate() {
            if let (None, Some(record)) = (slot.line, slot.edited.as_deref()) {
                lines.push(write_record(out, record, LineKind::Record(index))?);
            }
        }
        Ok(lines)
    }

    fn slot(&self, index: usize) -> Result<&Slot, DatasetError> {
        self.slots
            .get(index)
            .ok_or(DatasetError::NoSuchRecord(index))
    }

    fn slot_mut(&mut self, index: usize) -> Result<&mut Slot, DatasetError> {
        self.slots
            .get_mut(index)
            .ok_or(DatasetError::NoSuchRecord(index))
    }

    /// The record at `index` if its id is `id`, else the first record with that id.
    fn find(&self, index: usize, id: &str) -> Option<usize> {
        match self.slots.get(index) {
            Some(slot) if slot.summary.id == id => Some(index),
            _ => self.slots.iter().position(|slot| slot.summary.id == id),
        }
    }

    /// Journal an edit, then apply it.
    fn edit(&mut self, index: usize, edit: Edit) -> Result<(), DatasetError> {
        if self.pending.is_some() {
            return Err(DatasetError::PendingJournal(self.path.clone()));
        }
        let id = match &edit {
            Edit::Add { record } => record.id.to_string(),
            _ => self.slot(index)?.summary.id.clone(),
        };
        let entry = Entry { index, id, edit };
        let journal_path = self.journal.path().to_path_buf();
        self.journal
            .append(self.fingerprint, &entry)
            .map_err(|source| DatasetError::Io {
                path: journal_path,
                source,
            })?;
        self.apply(index, entry.edit)
    }

    /// Apply an edit in memory (record `index`, or a new record at the end for `Add`).
    fn apply(&mut self, index: usize, edit: Edit) -> Result<(), DatasetError> {
        let (record, format, scores) = match edit {
            Edit::Add { record } => {
                let summary = Summary::of(&record, SourceFormat::Tracelens);
                self.slots.push(Slot {
                    line: None,
                    summary,
                    edited: Some(record),
                });
                return Ok(());
            }
            // New code and trace: a divergence computed before is stale.
            Edit::Replace { record } => (*record, SourceFormat::Tracelens, None),
            review => {
                let mut record = self.record(index)?;
                match review {
                    Edit::Verdict { value } => record.verdict = value,
                    Edit::AddTag { tag } if !record.tags.contains(&tag) => record.tags.push(tag),
                    Edit::RemoveTag { tag } => record.tags.retain(|t| *t != tag),
                    Edit::Note { note } => record.note = note,
                    _ => {}
                }
                let summary = &self.slot(index)?.summary;
                let scores = (summary.divergence, summary.score.clone());
                (record, summary.format, Some(scores))
            }
        };
        let slot = self.slot_mut(index)?;
        slot.summary = Summary::of(&record, format);
        if let Some((divergence, score)) = scores {
            slot.summary.divergence = divergence;
            slot.summary.score = score;
        }
        slot.edited = Some(Box::new(record));
        Ok(())
    }

    /// Read `len` bytes at `offset` of the opened version (positioned read: `&self` callers on
    /// several threads do not disturb each other).
    fn read_range(&self, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        let len = usize::try_from(len).map_err(io::Error::other)?;
        let mut bytes = vec![0u8; len];
        read_exact_at(&self.file, &mut bytes, offset).map_err(|err| {
            if err.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(err.kind(), "the file was truncated since it was opened")
            } else {
                err
            }
        })?;
        Ok(bytes)
    }

    fn modified_in_place(&self, line: usize) -> DatasetError {
        DatasetError::ModifiedInPlace {
            path: self.path.clone(),
            line,
        }
    }

    fn io_error(&self, source: io::Error) -> DatasetError {
        DatasetError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}
