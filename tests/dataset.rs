//! Integration tests of dataset files (issue 7): round trip, crash safety, malformed input,
//! concurrent change on disk, "save as new sample", and export formats.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tracelens::dataset::{
    export, DatasetError, DatasetFile, Divergence, ExportFormat, ExportOptions, Filter, Record,
    Verdict,
};

const TRACELENS: &str = r#"{"id": "t-1", "code": "x = 1\n", "stdin": "", "verdict": "unreviewed", "tags": ["loop"], "note": "", "outcome": "completed", "custom_field": {"keep": [1, 2]}, "origin": {"id": "t", "mutation": {"op": "ROR", "line": 1, "before": "<", "after": ">"}, "who": "me"}}"#;
const CODEEXECUTOR: &str = r#"{"id": "ce-1", "code": "a = 1", "code_tokens": ["<0>", "a", "=", "1"], "trace": ["<line> <0> <state> a : 1 </state>"], "trace_tokens": ["<line>", "<0>", "<state>", "a", ":", "1", "</state>"]}"#;
const CRUXEVAL: &str =
    r#"{"code": "def f(x):\n    return x * 2", "input": "3", "output": "6", "id": "sample_7"}"#;

/// A file mixing the three formats, odd spacing, a CRLF line, a blank line, a malformed line
/// and a last line without a newline.
fn mixed_file() -> String {
    format!(
        "{TRACELENS}\n{CODEEXECUTOR}\r\n\n{{\"id\": broken\n{CRUXEVAL}\n{{ \"id\" : \"spaced\",   \"code\":\"y=2\"  }}"
    )
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split(|&b| b == b'\n').collect()
}

#[test]
fn round_trip_keeps_changes_untouched_bytes_and_unknown_fields() {
    let dir = tempfile::tempdir().unwrap();
    let original = mixed_file();
    let path = write(dir.path(), "d.jsonl", &original);
    let mut data = DatasetFile::open(&path).unwrap();
    assert_eq!(data.len(), 4);
    assert_eq!(data.problems().len(), 1);
    assert_eq!(data.problems()[0].line, 4);
    assert_eq!(data.summary(2).unwrap().id, "sample_7");

    data.set_verdict(0, Verdict::Accepted).unwrap();
    data.add_tag(0, "edited").unwrap();
    data.remove_tag(0, "loop").unwrap();
    data.set_note(2, "doubles its input").unwrap();
    assert!(data.is_dirty());
    data.save(false).unwrap();
    assert!(!data.is_dirty());
    assert!(!dir.path().join("d.jsonl.journal").exists());
    assert_eq!(
        fs::read_to_string(dir.path().join("d.jsonl.bak")).unwrap(),
        original
    );

    let saved = fs::read(&path).unwrap();
    let old = lines(original.as_bytes());
    let new = lines(&saved);
    assert_eq!(new.len(), old.len());
    // Lines 2 (CodeExecutor, CRLF), 3 (blank), 4 (malformed) and 6 (spaced) are untouched.
    for i in [1, 2, 3, 5] {
        assert_eq!(new[i], old[i], "line {} changed", i + 1);
    }
    assert!(
        !saved.ends_with(b"\n"),
        "the last line still has no newline"
    );

    let reopened = DatasetFile::open(&path).unwrap();
    let first = reopened.record(0).unwrap();
    assert_eq!(first.verdict, "accepted");
    assert_eq!(first.tags, vec!["edited".to_string()]);
    assert_eq!(
        first.extra["custom_field"],
        serde_json::json!({"keep": [1, 2]})
    );
    let origin = first.origin.unwrap();
    assert_eq!(origin.extra["who"], "me");
    assert_eq!(origin.mutation.unwrap().op, "ROR");
    let crux = reopened.record(2).unwrap();
    assert_eq!(crux.note, "doubles its input");
    assert_eq!(crux.extra["input"], "3");
    assert_eq!(crux.code, "def f(x):\n    return x * 2\nresult = f(3)\n");
    assert_eq!(reopened.record(3).unwrap().id, "spaced");
    assert_eq!(reopened.problems().len(), 1);
}

#[test]
fn crash_after_journalling_loses_nothing() {
    const CHILD: &str = "TRACELENS_TEST_CRASH_FILE";
    if let Ok(path) = std::env::var(CHILD) {
        // The child: edit, then die without saving, as kill -9 would.
        let mut data = DatasetFile::open(&path).unwrap();
        data.set_verdict(1, Verdict::Rejected).unwrap();
        data.add_tag(0, "crash").unwrap();
        data.set_note(0, "written before the crash").unwrap();
        let mut record = data.record(0).unwrap();
        record.code = "x = 2\n".into();
        record.id = Default::default();
        data.add_derived(0, record).unwrap();
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let original = mixed_file();
    let path = write(dir.path(), "d.jsonl", &original);
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_after_journalling_loses_nothing",
            "--nocapture",
        ])
        .env(CHILD, &path)
        .status()
        .unwrap();
    assert!(!status.success(), "the child must die before saving");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        original,
        "nothing was saved"
    );

    let mut data = DatasetFile::open(&path).unwrap();
    let pending = data.pending_journal().expect("a pending journal");
    assert_eq!(pending.entries.len(), 4);
    assert!(!pending.stale);
    assert!(data
        .open_report()
        .iter()
        .any(|l| l.contains("4 unsaved edit(s)")));
    assert!(matches!(
        data.set_verdict(0, Verdict::Accepted),
        Err(DatasetError::PendingJournal(_))
    ));
    let replay = data.replay_journal().unwrap();
    assert_eq!(replay.applied, 4);
    assert!(replay.skipped.is_empty());
    // Edits after the replay go on in the same journal, then all are saved.
    data.set_verdict(3, Verdict::Accepted).unwrap();
    data.save(false).unwrap();

    let data = DatasetFile::open(&path).unwrap();
    assert!(data.pending_journal().is_none());
    assert_eq!(data.len(), 5);
    assert_eq!(data.summary(1).unwrap().verdict, "rejected");
    assert_eq!(data.summary(3).unwrap().verdict, "accepted");
    let first = data.record(0).unwrap();
    assert_eq!(first.tags, vec!["loop".to_string(), "crash".to_string()]);
    assert_eq!(first.note, "written before the crash");
    let derived = data.record(4).unwrap();
    assert_eq!(derived.id, "t-1-edit-1");
    assert_eq!(derived.code, "x = 2\n");
    let origin = derived.origin.unwrap();
    assert_eq!(origin.id, "t-1");
    assert_eq!(
        origin.mutation.unwrap().op,
        "ROR",
        "the mutation of the source is kept"
    );
}

#[test]
fn discarding_a_journal_keeps_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.jsonl", mixed_file());
    let mut data = DatasetFile::open(&path).unwrap();
    data.set_verdict(0, Verdict::Accepted).unwrap();
    drop(data); // no save
    let mut data = DatasetFile::open(&path).unwrap();
    assert_eq!(data.pending_journal().unwrap().entries.len(), 1);
    let aside = data.discard_journal().unwrap().unwrap();
    assert!(fs::read_to_string(aside).unwrap().contains("accepted"));
    assert_eq!(data.summary(0).unwrap().verdict, "unreviewed");
    data.set_verdict(0, Verdict::Rejected).unwrap();
    data.save(false).unwrap();
    assert_eq!(
        DatasetFile::open(&path)
            .unwrap()
            .summary(0)
            .unwrap()
            .verdict,
        "rejected"
    );
}

#[test]
fn malformed_inputs_open_with_a_report_and_are_kept_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let mut huge = br#"{"id": "huge", "code": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    huge.extend_from_slice(b"\"}");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "broken",
            b"{\"id\": \"a\", \"code\": \"x\"\n".to_vec(),
            "not a JSON object",
        ),
        (
            "wrong-type",
            br#"{"id": "a", "code": "x", "tags": "loop"}"#.to_vec(),
            "not a dataset record",
        ),
        (
            "utf8",
            b"{\"id\": \"a\xff\", \"code\": \"x\"}\n".to_vec(),
            "invalid UTF-8",
        ),
        ("huge", huge, "longer than"),
    ];
    for (name, bad, expected) in cases {
        let mut content = format!("{CODEEXECUTOR}\n").into_bytes();
        content.extend_from_slice(&bad);
        if !bad.ends_with(b"\n") {
            content.push(b'\n');
        }
        content.extend_from_slice(format!("{CRUXEVAL}\n").as_bytes());
        let path = write(dir.path(), &format!("{name}.jsonl"), &content);
        let mut data = DatasetFile::open(&path).unwrap();
        assert_eq!(data.len(), 2, "{name}");
        assert_eq!(data.problems().len(), 1, "{name}");
        let problem = &data.problems()[0];
        assert_eq!(problem.line, 2, "{name}");
        assert!(
            problem.message.contains(expected),
            "{name}: {}",
            problem.message
        );
        let report = data.open_report().join("\n");
        assert!(report.contains("line 2:"), "{name}: {report}");
        // Edit the records around the bad line and save: the bad line survives unchanged.
        data.set_verdict(0, Verdict::Accepted).unwrap();
        data.set_verdict(1, Verdict::Rejected).unwrap();
        data.save(false).unwrap();
        let saved = fs::read(&path).unwrap();
        assert!(
            saved.windows(bad.len()).any(|w| w == bad.as_slice()),
            "{name}: bad line lost"
        );
        let reopened = DatasetFile::open(&path).unwrap();
        assert_eq!(reopened.summary(1).unwrap().verdict, "rejected", "{name}");
    }

    let empty = write(dir.path(), "empty.jsonl", b"");
    let mut data = DatasetFile::open(&empty).unwrap();
    assert!(data.is_empty());
    assert!(data.open_report()[0].contains("the file is empty"));
    data.save(false).unwrap();
    assert_eq!(fs::read(&empty).unwrap(), b"");
    assert!(matches!(
        DatasetFile::open(dir.path().join("missing.jsonl")),
        Err(DatasetError::Io { .. })
    ));
}

#[test]
fn concurrent_change_on_disk_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let original = mixed_file();
    let path = write(dir.path(), "d.jsonl", &original);
    let mut data = DatasetFile::open(&path).unwrap();
    assert!(!data.changed_on_disk().unwrap());
    // Rewriting the same bytes is not a change.
    fs::write(&path, &original).unwrap();
    assert!(!data.changed_on_disk().unwrap());
    data.set_verdict(0, Verdict::Accepted).unwrap();

    // Another program replaces the file (write elsewhere, rename over it).
    let theirs = original.replacen("\"a = 1\"", "\"a = 3\"", 1);
    assert_eq!(theirs.len(), original.len());
    let staged = write(dir.path(), "theirs.tmp", &theirs);
    fs::rename(&staged, &path).unwrap();
    assert!(data.changed_on_disk().unwrap());
    assert!(matches!(
        data.save(false),
        Err(DatasetError::ChangedOnDisk(_))
    ));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        theirs,
        "a refused save writes nothing"
    );
    // Forcing writes this session's version; theirs is kept as the backup.
    data.save(true).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("d.jsonl.bak")).unwrap(),
        theirs
    );
    let saved = DatasetFile::open(&path).unwrap();
    assert_eq!(saved.summary(0).unwrap().verdict, "accepted");
    assert_eq!(saved.record(1).unwrap().code, "a = 1");
}

#[test]
fn change_in_place_is_detected_and_edits_survive_in_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let original = mixed_file();
    let path = write(dir.path(), "d.jsonl", &original);
    let mut data = DatasetFile::open(&path).unwrap();
    data.set_verdict(0, Verdict::Accepted).unwrap();
    // Another program rewrites the same file in place: same size, one line different.
    let theirs = original.replacen("\"a = 1\"", "\"a = 3\"", 1);
    fs::write(&path, &theirs).unwrap();
    assert!(matches!(
        data.save(false),
        Err(DatasetError::ChangedOnDisk(_))
    ));
    // The opened version of line 2 is gone: neither reading it nor a forced save pretends.
    assert!(matches!(
        data.record(1),
        Err(DatasetError::ModifiedInPlace { line: 2, .. })
    ));
    assert!(matches!(
        data.save(true),
        Err(DatasetError::ModifiedInPlace { line: 2, .. })
    ));
    assert_eq!(fs::read_to_string(&path).unwrap(), theirs);
    // Reopening offers the journal (written against the old version); replay finds by id.
    let mut data = DatasetFile::open(&path).unwrap();
    assert!(data.pending_journal().unwrap().stale);
    assert_eq!(data.replay_journal().unwrap().applied, 1);
    data.save(false).unwrap();
    let saved = DatasetFile::open(&path).unwrap();
    assert_eq!(saved.summary(0).unwrap().verdict, "accepted");
    assert_eq!(saved.record(1).unwrap().code, "a = 3");
}

#[test]
fn replace_stores_new_code_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.jsonl", mixed_file());
    let mut data = DatasetFile::open(&path).unwrap();
    let mut record: Record = data.record(1).unwrap();
    record.code = "a = 2".into();
    record.trace = vec!["<line> <0> <state> a : 2 </state>".into()];
    record.prediction = None;
    data.replace(1, record).unwrap();
    data.save(false).unwrap();
    let reopened = DatasetFile::open(&path).unwrap();
    let record = reopened.record(1).unwrap();
    assert_eq!(record.code, "a = 2");
    assert_eq!(
        record.trace,
        vec!["<line> <0> <state> a : 2 </state>".to_string()]
    );
    assert_eq!(
        reopened.filter(&Filter {
            text: "A = 2".into(),
            ..Filter::default()
        }),
        vec![1]
    );
    assert_eq!(reopened.tags(), vec!["loop".to_string()]);
}

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn export_formats_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.jsonl", mixed_file());
    let mut data = DatasetFile::open(&input).unwrap();
    data.set_verdict(1, Verdict::Accepted).unwrap();
    data.set_verdict(2, Verdict::Accepted).unwrap();
    data.add_tag(2, "crux").unwrap();
    data.save(false).unwrap();
    let out = dir.path().join("out.jsonl");
    let options = |format, only_accepted, tag: Option<&str>| ExportOptions {
        format,
        only_accepted,
        tag: tag.map(str::to_string),
        replace: true, // one output file, written by each export in turn
    };

    let report = export(
        &input,
        &out,
        &options(ExportFormat::CodeExecutor, false, None),
    )
    .unwrap();
    assert_eq!(report.written, 1);
    assert_eq!(report.skipped.len(), 3, "{:?}", report.skipped);
    assert!(report.input_report.iter().any(|l| l.contains("line 4:")));
    let ce: serde_json::Value = serde_json::from_str(CODEEXECUTOR).unwrap();
    assert_eq!(read_jsonl(&out), vec![ce]);

    let report = export(
        &input,
        &out,
        &options(ExportFormat::CruxEval, true, Some("crux")),
    )
    .unwrap();
    assert_eq!((report.written, report.filtered_out), (1, 3));
    let crux: serde_json::Value = serde_json::from_str(CRUXEVAL).unwrap();
    assert_eq!(read_jsonl(&out), vec![crux]);

    let report = export(&input, &out, &options(ExportFormat::Tracelens, true, None)).unwrap();
    assert_eq!(report.written, 2);
    let records = read_jsonl(&out);
    assert_eq!(records[0]["id"], "ce-1");
    assert_eq!(records[1]["verdict"], "accepted");
    assert_eq!(records[1]["tags"], serde_json::json!(["crux"]));
}

#[test]
fn export_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "d.jsonl", mixed_file());
    let out = dir.path().join("ce.jsonl");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tracelens"))
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[
        "dataset",
        "export",
        input.to_str().unwrap(),
        "--format",
        "codeexecutor",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("wrote 1 record to"), "{stderr}");
    assert!(stderr.contains("line 4:"), "{stderr}");
    assert_eq!(read_jsonl(&out).len(), 1);
}

#[test]
fn cruxeval_opens_and_exports_back_losslessly() {
    let crux = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cruxeval/cruxeval.jsonl");
    if !crux.exists() {
        eprintln!(
            "SKIPPED: {} is absent (CRUXEval lives beside the repo)",
            crux.display()
        );
        return;
    }
    let data = DatasetFile::open(&crux).unwrap();
    assert_eq!(data.len(), 800);
    assert!(data.problems().is_empty());
    let first = data.record(0).unwrap();
    assert!(first.code.ends_with(&format!(
        "\nresult = f({})\n",
        first.extra["input"].as_str().unwrap()
    )));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crux.jsonl");
    let options = ExportOptions {
        format: ExportFormat::CruxEval,
        only_accepted: false,
        tag: None,
        replace: false,
    };
    let report = export(&crux, &out, &options).unwrap();
    assert_eq!(report.written, 800);
    assert_eq!(read_jsonl(&out), read_jsonl(&crux));
}

#[test]
fn replaying_a_journal_that_was_already_saved_changes_nothing() {
    // A crash after the save's rename but before the journal was removed.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.jsonl", mixed_file());
    let journal = dir.path().join("d.jsonl.journal");
    let mut data = DatasetFile::open(&path).unwrap();
    data.add_tag(1, "seen").unwrap();
    data.set_verdict(1, Verdict::Accepted).unwrap();
    let record = data.record(1).unwrap();
    data.add_derived(1, record).unwrap();
    let kept = fs::read(&journal).unwrap();
    data.save(false).unwrap();
    let saved = fs::read(&path).unwrap();
    fs::write(&journal, kept).unwrap();

    let mut data = DatasetFile::open(&path).unwrap();
    assert!(data.pending_journal().unwrap().stale);
    let replay = data.replay_journal().unwrap();
    assert_eq!(replay.applied, 2);
    assert_eq!(replay.skipped.len(), 1, "{:?}", replay.skipped);
    assert!(replay.skipped[0].contains("exists already"));
    assert_eq!(data.len(), 5);
    assert_eq!(data.summary(1).unwrap().tags, vec!["seen".to_string()]);
    data.save(false).unwrap();
    let again = DatasetFile::open(&path).unwrap();
    assert_eq!(again.len(), 5);
    assert_eq!(again.record(4).unwrap().origin.unwrap().id, "ce-1");
    assert_eq!(fs::read(&path).unwrap().len(), saved.len());
}

#[test]
fn divergence_is_computed_on_demand_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let truth = r#""trace": ["<line> <0> <state> a : 1 </state>", "<line> <1> <state> a : 1 <dictsep> b : 2 </state>"]"#;
    let content = [
        format!(r#"{{"id": "same", "code": "a = 1\nb = 2", {truth}, "prediction": {{"model": "m", "trace": ["<line> <0> <state> a : 1 </state>", "<line> <1> <state> a : 1 <dictsep> b : 2 </state>"]}}}}"#),
        format!(r#"{{"id": "off", "code": "a = 1\nb = 2", {truth}, "prediction": "<line> <0> <state> a : 1 </state> <line> <1> <state> a : 1 <dictsep> b : 3 </state>"}}"#),
        format!(r#"{{"id": "none", "code": "a = 1\nb = 2", {truth}}}"#),
    ]
    .join("\n");
    let path = write(dir.path(), "d.jsonl", content);
    let mut data = DatasetFile::open(&path).unwrap();
    assert_eq!(data.summary(0).unwrap().divergence, Divergence::NotComputed);
    assert_eq!(data.compute_divergence(0).unwrap(), Divergence::Agrees);
    assert_eq!(data.compute_divergence(1).unwrap(), Divergence::At(1));
    assert_eq!(
        data.compute_divergence(2).unwrap(),
        Divergence::NoPrediction
    );
    let diverged = |yes| Filter {
        diverged: Some(yes),
        ..Filter::default()
    };
    assert_eq!(data.filter(&diverged(true)), vec![1]);
    assert_eq!(data.filter(&diverged(false)), vec![0]);
    // A review edit keeps the divergence; the list still shows it.
    data.set_verdict(1, Verdict::Rejected).unwrap();
    assert_eq!(data.summary(1).unwrap().divergence, Divergence::At(1));
}

#[test]
fn a_torn_journal_line_is_reported_and_the_rest_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "d.jsonl", mixed_file());
    let mut data = DatasetFile::open(&path).unwrap();
    data.set_verdict(0, Verdict::Accepted).unwrap();
    data.add_tag(2, "x").unwrap();
    drop(data);
    // The process died in the middle of writing a third entry.
    let journal = dir.path().join("d.jsonl.journal");
    let mut bytes = fs::read(&journal).unwrap();
    bytes.extend_from_slice(br#"{"index": 3, "id": "spa"#);
    fs::write(&journal, bytes).unwrap();

    let mut data = DatasetFile::open(&path).unwrap();
    let pending = data.pending_journal().unwrap();
    assert_eq!(pending.entries.len(), 2);
    assert_eq!(pending.unreadable.len(), 1);
    assert_eq!(pending.unreadable[0].0, 4);
    let replay = data.replay_journal().unwrap();
    assert_eq!(replay.applied, 2);
    assert!(
        replay.skipped[0].starts_with("journal line 4:"),
        "{:?}",
        replay.skipped
    );
    assert_eq!(data.summary(0).unwrap().verdict, "accepted");
    assert_eq!(data.summary(2).unwrap().tags, vec!["x".to_string()]);
    // Journalling goes on after the torn line, on a line of its own.
    data.set_note(1, "after").unwrap();
    drop(data);
    let data = DatasetFile::open(&path).unwrap();
    let pending = data.pending_journal().unwrap();
    assert_eq!(pending.entries.len(), 3);
    assert_eq!(pending.unreadable.len(), 1);
}

#[test]
fn the_example_dataset_is_ready_for_curation() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dataset.jsonl");
    let data = DatasetFile::open(&path).unwrap();
    assert!(data.len() >= 20, "{} records", data.len());
    assert!(data.problems().is_empty(), "{:?}", data.problems());
    let ids: Vec<String> = data.summaries().map(|s| s.id.clone()).collect();
    let mut mutants = 0;
    for index in 0..data.len() {
        let record = data.record(index).unwrap();
        assert!(
            !record.code_tokens.is_empty() && !record.trace.is_empty(),
            "{}",
            record.id
        );
        assert_eq!(record.verdict, "unreviewed");
        if let Some(origin) = &record.origin {
            assert!(
                ids.contains(&origin.id.to_string()),
                "{} comes from a missing {}",
                record.id,
                origin.id
            );
            assert!(origin.mutation.is_some());
            mutants += 1;
        }
    }
    assert!(mutants > 0);
}

#[test]
fn codeexecutor_export_derives_missing_trace_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"id": "t", "code": "a = [1]", "code_tokens": ["<0>", "a", "=", "[", "1", "]"], "trace": ["<line> <0> <state> a : [ 1 ] </state>"], "verdict": "accepted"}"#;
    let input = write(dir.path(), "d.jsonl", format!("{line}\n"));
    let out = dir.path().join("ce.jsonl");
    let options = ExportOptions {
        format: ExportFormat::CodeExecutor,
        only_accepted: true,
        tag: None,
        replace: false,
    };
    assert_eq!(export(&input, &out, &options).unwrap().written, 1);
    let exported = &read_jsonl(&out)[0];
    assert_eq!(
        exported["trace_tokens"],
        serde_json::json!(["<line>", "<0>", "<state>", "a", ":", "[", "1", "]", "</state>"])
    );
    let keys: Vec<&String> = exported.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "code", "code_tokens", "trace", "trace_tokens"]);
}
