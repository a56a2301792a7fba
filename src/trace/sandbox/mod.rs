//! Kernel confinement of every traced program (`--sandbox strict|on|off`), in two levels:
//! each worker starts in its own namespaces with `no_new_privs` and a lifeline to tracelens
//! (`namespaces.rs`); each child it forks confines itself before it runs a program: an
//! unprivileged uid when tracelens runs as root, rlimits, a Landlock domain and the seccomp
//! filters compiled in `seccomp.rs` (`confine.py`, embedded ahead of `tracer.py`).
//!
//! A layer this machine lacks is named once (`notice`) and the others go on; `strict` refuses
//! to trace without every layer.

mod namespaces;
mod seccomp;

use std::os::fd::{AsRawFd, OwnedFd};
use std::process::Command;
use std::str::FromStr;
use std::sync::Once;

use serde_json::json;

pub use namespaces::running_as_root;

/// The environment variable that carries the worker's confinement settings (JSON).
pub const SANDBOX_ENV: &str = "TRACELENS_SANDBOX";

/// The uid (and gid) a child runs as when tracelens runs as root.
const UNPRIVILEGED_ID: u32 = 65534;

/// How much confinement a pool asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxMode {
    /// Every layer, or no tracing at all.
    Strict,
    /// Every layer the machine has; the missing ones are named once.
    #[default]
    On,
    /// None of the kernel layers (for debugging the tracer itself).
    Off,
}

impl FromStr for SandboxMode {
    type Err = String;

    fn from_str(s: &str) -> Result<SandboxMode, String> {
        match s {
            "strict" => Ok(SandboxMode::Strict),
            "on" => Ok(SandboxMode::On),
            "off" => Ok(SandboxMode::Off),
            other => Err(format!("--sandbox is strict, on or off, not {other:?}")),
        }
    }
}

/// `--sandbox strict` on a machine that lacks a layer: the missing layers, with why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("--sandbox strict: these confinement layers are unavailable here: {0} (tracelens doctor lists them)")]
pub struct StrictRefusal(pub String);

/// One layer of confinement and why it is missing (`None`: it is on).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Layer {
    pub name: String,
    pub missing: Option<String>,
}

/// What a worker needs to start confined; dropped with the worker (the lifeline's write end
/// goes with it, which ends the worker's processes if the worker did not end first).
pub struct WorkerSandbox {
    _lifeline: OwnedFd,
    /// tracelens's copy of the read end, closed once the worker has started (`started`).
    read: Option<OwnedFd>,
}

impl WorkerSandbox {
    /// After the spawn: only the worker holds the lifeline's read end.
    pub fn started(&mut self) {
        self.read = None;
    }
}

/// The worker-level layers this machine allows.
pub fn worker_layers() -> Vec<Layer> {
    let mut layers: Vec<Layer> = namespaces::support()
        .layers
        .iter()
        .map(|(name, missing)| Layer {
            name: name.clone(),
            missing: missing.clone(),
        })
        .collect();
    layers.push(Layer {
        name: "no_new_privs".into(),
        missing: None,
    });
    layers
}

/// Prepare `command` (the worker's interpreter) to start confined; `None` with the sandbox off.
pub fn confine_worker(
    command: &mut Command,
    mode: SandboxMode,
) -> Result<Option<WorkerSandbox>, String> {
    if mode == SandboxMode::Off {
        return Ok(None);
    }
    let support = namespaces::support();
    let lifeline = namespaces::Lifeline::new().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let filters = match seccomp::filters_hex() {
        Ok(filters) => json!(filters),
        Err(e) => json!(e),
    };
    let config = json!({
        "strict": mode == SandboxMode::Strict,
        "lifeline": lifeline.read.as_raw_fd(),
        "pid_namespace": support.flags & libc::CLONE_NEWPID != 0,
        "mount_namespace": support.flags & libc::CLONE_NEWNS != 0,
        "drop_to": running_as_root().then_some(UNPRIVILEGED_ID),
        "seccomp": filters,
        "capset": libc::SYS_capset,
    });
    command.env(SANDBOX_ENV, config.to_string());
    namespaces::confine_worker(command, support.flags, lifeline.read.as_raw_fd());
    Ok(Some(WorkerSandbox {
        _lifeline: lifeline.write,
        read: Some(lifeline.read),
    }))
}

/// The layers of `layers` that are missing, as one line (`None` when every layer is on).
pub fn missing_line(layers: &[Layer]) -> Option<String> {
    let missing: Vec<String> = layers
        .iter()
        .filter_map(|l| l.missing.as_ref().map(|why| format!("{} ({why})", l.name)))
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

/// Say once per process which layers are missing, on stderr.
pub fn notice(layers: &[Layer]) {
    static ONCE: Once = Once::new();
    if let Some(line) = missing_line(layers) {
        ONCE.call_once(|| {
            eprintln!("tracelens: sandbox layers unavailable here, tracing without them: {line}")
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modes_parse_and_a_missing_layer_is_named_with_its_reason() {
        assert_eq!("strict".parse(), Ok(SandboxMode::Strict));
        assert_eq!("off".parse(), Ok(SandboxMode::Off));
        assert!("maybe".parse::<SandboxMode>().is_err());
        let layer = |name: &str, missing: Option<&str>| Layer {
            name: name.into(),
            missing: missing.map(str::to_string),
        };
        assert_eq!(missing_line(&[layer("seccomp filters", None)]), None);
        assert_eq!(
            missing_line(&[
                layer("seccomp filters", None),
                layer("PID namespace", Some("Operation not permitted")),
            ])
            .as_deref(),
            Some("PID namespace (Operation not permitted)")
        );
    }
}
