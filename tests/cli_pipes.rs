//! The command line stops quietly when the reader of its output goes away (`| head`).

use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn closed_stdout_ends_the_command_without_a_panic() {
    // A listing of several MB: far more than a pipe buffer holds, so the writer must still be
    // writing when the reader goes away.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let program = dir.path().join("long.py");
    let source: String = (0..1000).map(|i| format!("x{i} = {i} + 1 < 2\n")).collect();
    std::fs::write(&program, source).expect("the program is written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["mutate", "--list", "--json"])
        .arg(&program)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut first = [0u8; 1];
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_exact(&mut first)
        .expect("some output arrives");
    // The pipe's read end is dropped here, long before the listing is written out.
    let output = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert!(
        output.status.success(),
        "status {:?}, stderr: {stderr}",
        output.status
    );
}

#[test]
fn closed_stdout_and_stderr_end_a_trace_quietly() {
    // A trace of several MB of JSON, with both output pipes closed before it is written.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let program = dir.path().join("loop.py");
    std::fs::write(
        &program,
        "total = 0\nfor i in range(20000):\n    total += i\n",
    )
    .expect("the program is written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .arg("trace")
        .arg(&program)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().expect("the binary ends");
    assert_eq!(status.code(), Some(0), "status {status:?}");
}
