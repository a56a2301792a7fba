//! The worker-level layers, set up between the fork and the exec of each Python worker:
//! `no_new_privs`, new user (when not root), PID, network, IPC and mount namespaces (those the
//! kernel allows, found once by trying them in a throwaway child), mounts made private, and
//! the lifeline: a pipe whose write end only tracelens holds, so that the worker's outer
//! process sees tracelens go however it ends and takes every process of the worker with it.

use std::ffi::CStr;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::OnceLock;

/// The namespaces, by the name a notice gives them.
const NAMESPACES: [(&str, libc::c_int); 5] = [
    ("user namespace", libc::CLONE_NEWUSER),
    ("PID namespace", libc::CLONE_NEWPID),
    ("network namespace", libc::CLONE_NEWNET),
    ("IPC namespace", libc::CLONE_NEWIPC),
    ("mount namespace", libc::CLONE_NEWNS),
];

/// What this machine allows, found once per process.
#[derive(Debug, Clone)]
pub struct NamespaceSupport {
    /// The `CLONE_NEW*` flags that work together.
    pub flags: libc::c_int,
    /// Each namespace with why it is missing (`None` when it works).
    pub layers: Vec<(String, Option<String>)>,
}

/// The identity maps written for a new user namespace: the worker is root inside it (so it
/// can mount its private tmpfs), the user's own id outside.
struct IdMaps {
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
}

impl IdMaps {
    fn current() -> IdMaps {
        // SAFETY: getuid and getgid cannot fail.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        IdMaps {
            uid_map: format!("0 {uid} 1\n").into_bytes(),
            gid_map: format!("0 {gid} 1\n").into_bytes(),
        }
    }
}

/// Whether tracelens runs as root: then no user namespace is made (root's own would keep its
/// power over root's files), and each child drops to an unprivileged uid instead.
pub fn running_as_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn write_file(path: &CStr, data: &[u8]) -> io::Result<()> {
    // SAFETY: async-signal-safe calls on a valid path and buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let written = libc::write(fd, data.as_ptr().cast(), data.len());
        libc::close(fd);
        if written != data.len() as isize {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Enter the namespaces of `flags`: only async-signal-safe calls, as it runs between fork and
/// exec.
fn enter(flags: libc::c_int, maps: &IdMaps) -> io::Result<()> {
    // SAFETY: plain system calls with valid arguments.
    unsafe {
        if libc::unshare(flags) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    if flags & libc::CLONE_NEWUSER != 0 {
        write_file(c"/proc/self/setgroups", b"deny")?;
        write_file(c"/proc/self/uid_map", &maps.uid_map)?;
        write_file(c"/proc/self/gid_map", &maps.gid_map)?;
    }
    if flags & libc::CLONE_NEWNS != 0 {
        // Nothing mounted in here reaches the rest of the system.
        // SAFETY: a remount of "/" with valid flags.
        let rc = unsafe {
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Try `flags` in a throwaway child; the error it met, if any.
fn try_in_child(flags: libc::c_int, maps: &IdMaps) -> Result<(), String> {
    // SAFETY: the child only makes async-signal-safe calls, then _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error().to_string());
    }
    if pid == 0 {
        let code = match enter(flags, maps) {
            Ok(()) => 0,
            Err(e) => e.raw_os_error().unwrap_or(1).clamp(1, 255),
        };
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    match libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)) {
        Some(0) => Ok(()),
        Some(code) => Err(io::Error::from_raw_os_error(code).to_string()),
        None => Err("the probe died".into()),
    }
}

/// The namespaces this machine allows (tried once per process).
pub fn support() -> &'static NamespaceSupport {
    static SUPPORT: OnceLock<NamespaceSupport> = OnceLock::new();
    SUPPORT.get_or_init(|| {
        let maps = IdMaps::current();
        let root = running_as_root();
        let mut flags = 0;
        let mut layers = Vec::new();
        for (name, flag) in NAMESPACES {
            if flag == libc::CLONE_NEWUSER && root {
                // Root's own user namespace would keep its power over root's files: each
                // child drops to an unprivileged uid instead (a layer of its own).
                continue;
            }
            // A namespace other than the user one needs the user one first when not root.
            let with_user = flags & libc::CLONE_NEWUSER;
            match try_in_child(flag | with_user, &maps) {
                Ok(()) => {
                    flags |= flag;
                    layers.push((name.to_string(), None));
                }
                Err(e) => layers.push((name.to_string(), Some(e))),
            }
        }
        if flags != 0 && try_in_child(flags, &maps).is_err() {
            // Each works alone but not together: keep the safe minimum.
            flags &= libc::CLONE_NEWUSER;
        }
        NamespaceSupport { flags, layers }
    })
}

/// The lifeline's read end, inherited by the worker (its number goes in the configuration).
pub struct Lifeline {
    pub write: OwnedFd,
    pub read: OwnedFd,
}

impl Lifeline {
    pub fn new() -> io::Result<Lifeline> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills two descriptors, both close-on-exec, owned below.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned by nobody else.
        Ok(unsafe {
            Lifeline {
                read: OwnedFd::from_raw_fd(fds[0]),
                write: OwnedFd::from_raw_fd(fds[1]),
            }
        })
    }
}

/// Arrange `command` to start the worker confined: a process group of its own (a signal to
/// the group reaches no process of tracelens's), `no_new_privs`, the lifeline kept open across
/// the exec, and the namespaces of `flags`.
pub fn confine_worker(command: &mut Command, flags: libc::c_int, lifeline: RawFd) {
    let maps = IdMaps::current();
    command.process_group(0);
    // SAFETY: the closure runs between fork and exec and makes only async-signal-safe calls.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::fcntl(lifeline, libc::F_SETFD, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if flags != 0 {
                enter(flags, &maps)?;
            }
            Ok(())
        });
    }
}
