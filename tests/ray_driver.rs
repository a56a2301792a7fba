//! The Ray driver (`scripts/ray_run.py`) end to end on a local 2-CPU Ray instance:
//! `tests/ray_driver/check_ray_run.py` compares its trace, build and eval outputs byte for
//! byte with the single-machine commands, kills a running shard's worker and checks the retry.
//! Ray comes from the virtual environment `.ci/run` makes (`.venv-ray`, or the Python named by
//! `TRACELENS_RAY_PYTHON`); without it the test prints a skip notice.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ray_python() -> Option<PathBuf> {
    let python = std::env::var_os("TRACELENS_RAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-ray/bin/python"));
    let has_ray = Command::new(&python)
        .args(["-c", "import ray"])
        .output()
        .is_ok_and(|out| out.status.success());
    has_ray.then_some(python)
}

#[test]
fn ray_shards_give_the_single_machine_bytes_and_survive_a_killed_worker() {
    let Some(python) = ray_python() else {
        eprintln!("SKIPPED: Ray is not installed (.ci/run installs it into .venv-ray)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ray_driver/check_ray_run.py");
    let out = Command::new(python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_tracelens"))
        .output()
        .expect("the Ray check runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("SKIPPED") || stdout.contains("check_killed_shard_is_retried:"),
        "every check ran"
    );
}
