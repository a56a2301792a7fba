//! Hostile programs (issue 19), each run through the real pool and followed by checks on the
//! real machine: the files of a directory beside the worker's (made writable by anyone, so
//! that only the sandbox stands in the way) unchanged and none created, a loopback listener
//! and an abstract UNIX socket started here that received nothing, no process left with the
//! test's marker in its command line, and the next honest program in the same worker traced
//! exactly as before. Every program runs twice: with the audit hook (the friendly first line)
//! and with the kernel layers alone. A layer this kernel lacks is skipped with a notice.

mod tracer_support;

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracelens::trace::{
    Limits, OutcomeKind, PoolOptions, SandboxMode, Trace, TraceRequest, TracerPool,
};

/// A hostile program: `{DIR}`, `{KEEP}`, `{SECRET}`, `{PORT}`, `{MARK}`, `{ABSTRACT}` and
/// `{TESTPID}` are filled in, and `PRELUDE` comes first. It prints `ESCAPED` when something it
/// tried worked.
struct Hostile {
    name: &'static str,
    code: &'static str,
    /// The layers that must be on for the kernel alone to hold it.
    needs: &'static [&'static str],
    /// Whether the audit hook alone holds it too (then it runs with the hook on whatever layers
    /// are missing).
    hook_alone: bool,
}

/// `attempt(name, call)`: prints `ESCAPED name` when `call()` works, `refused name ERROR` when
/// it raises an OSError.
const PRELUDE: &str = r#"def attempt(name, call):
    try:
        call()
        print('ESCAPED', name)
    except OSError as e:
        print('refused', name, type(e).__name__)
"#;

const HOSTILE: &[Hostile] = &[
    Hostile {
        name: "changes files beside its directory with os.*",
        code: r#"import os
for name, call in [
    ('remove', lambda: os.remove('{KEEP}')),
    ('rename', lambda: os.rename('{KEEP}', '{DIR}/moved')),
    ('replace', lambda: os.replace('{KEEP}', 'stolen')),
    ('mkdir', lambda: os.mkdir('{DIR}/made')),
    ('chmod', lambda: os.chmod('{KEEP}', 0o600)),
    ('truncate', lambda: os.truncate('{KEEP}', 0)),
    ('symlink', lambda: os.symlink('{KEEP}', '{DIR}/link')),
    ('link', lambda: os.link('{KEEP}', '{DIR}/hard')),
    ('link in', lambda: os.link('{KEEP}', 'hard')),
    ('utime', lambda: os.utime('{KEEP}', (0, 0))),
    ('open', lambda: open('{DIR}/new.txt', 'w').write('x')),
    ('append', lambda: open('{KEEP}', 'a').write('x')),
]:
    attempt(name, call)
"#,
        needs: &["Landlock domain"],
        hook_alone: true,
    },
    Hostile {
        name: "changes files through dir_fd, descriptors and links",
        code: r#"import os
def descriptor(path):
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return os.open(path, os.O_PATH)  # Landlock checks no right for O_PATH
d = descriptor('{DIR}')
f = descriptor('{KEEP}')
def through_link():
    os.symlink('{DIR}', 'dirlink')
    open('dirlink/pwned', 'w').write('x')
for name, call in [
    ('open dir_fd', lambda: os.open('viafd', os.O_CREAT | os.O_WRONLY, 0o666, dir_fd=d)),
    ('mkdir dir_fd', lambda: os.mkdir('viafd_dir', dir_fd=d)),
    ('remove dir_fd', lambda: os.remove('keep.txt', dir_fd=d)),
    ('rename dir_fd', lambda: os.rename('keep.txt', 'x', src_dir_fd=d, dst_dir_fd=d)),
    ('fchmod', lambda: os.chmod(f, 0o777)),
    ('fchown', lambda: os.chown(f, 0, 0)),
    ('symlinked dir', through_link),
    ('setxattr', lambda: os.setxattr('{KEEP}', 'user.x', b'1')),
    ('mkfifo', lambda: os.mkfifo('{DIR}/fifo')),
]:
    attempt(name, call)
"#,
        needs: &["Landlock domain", "seccomp filters"],
        hook_alone: false,
    },
    Hostile {
        name: "writes, deletes and runs a shell through libc (ctypes)",
        code: r#"import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.open(b'{DIR}/c.txt', 0o101, 0o666) >= 0:
    print('ESCAPED open')
if libc.unlink(b'{KEEP}') == 0:
    print('ESCAPED unlink')
if libc.system(b'touch {DIR}/sys.txt; sleep 20 # {MARK}') == 0:
    print('ESCAPED system')
print('refused libc calls')
"#,
        needs: &["Landlock domain", "seccomp filters"],
        hook_alone: true,
    },
    Hostile {
        name: "starts processes (fork, spawnv_passfds, posix_spawn, system, a daemon)",
        code: r#"import os, multiprocessing.util
def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 20 # {MARK}'])
        os._exit(0)
def system():
    status = os.system('sleep 20 # {MARK}')
    if status != 0:
        raise OSError('os.system returned %d' % status)
for name, call in [
    ('spawnv_passfds', lambda: multiprocessing.util.spawnv_passfds(
        b'/bin/sh', [b'/bin/sh', b'-c', b'sleep 20 # {MARK}'], ())),
    ('posix_spawn', lambda: os.posix_spawn('/bin/sleep', ['/bin/sleep', '20', '{MARK}'], {})),
    ('system', system),
    ('exec', lambda: os.execv('/bin/sleep', ['/bin/sleep', '20', '{MARK}'])),
    ('daemon', daemon),
]:
    attempt(name, call)
"#,
        needs: &["seccomp filters"],
        hook_alone: false,
    },
    Hostile {
        name: "connects to a loopback listener (socket module, libc, UDP)",
        code: r#"import socket, struct
try:
    socket.create_connection(('127.0.0.1', {PORT}), timeout=1)
    print('ESCAPED socket')
except OSError as e:
    print('refused socket', type(e).__name__)
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b'x', ('127.0.0.1', {PORT}))
    print('ESCAPED udp')
except OSError as e:
    print('refused udp', type(e).__name__)
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(2, 1, 0)
addr = struct.pack('<HH4s8x', 2, socket.htons({PORT}), bytes([127, 0, 0, 1]))
if fd >= 0 and libc.connect(fd, addr, 16) == 0:
    print('ESCAPED libc connect')
print('refused libc socket')
"#,
        needs: &["seccomp filters", "network namespace"],
        hook_alone: true,
    },
    Hostile {
        name: "connects to an abstract UNIX socket outside",
        code: r#"import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(b'\0{ABSTRACT}')
    print('ESCAPED abstract')
except OSError as e:
    print('refused', type(e).__name__)
"#,
        needs: &["Landlock: signal and abstract-socket scoping"],
        hook_alone: false,
    },
    Hostile {
        name: "reads files it has no business reading",
        code: r#"for path in ['/etc/shadow', '{SECRET}', '/proc/1/environ', '/etc/hostname']:
    try:
        open(path, 'rb').read()
        print('ESCAPED read', path)
    except OSError as e:
        print('refused', path, type(e).__name__)
"#,
        needs: &["Landlock domain"],
        hook_alone: false,
    },
    Hostile {
        name: "signals its worker, every other process and the test itself",
        code: r#"import os, signal
def pidfd():
    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)
for name, call in [
    ('worker', lambda: os.kill(os.getppid(), signal.SIGKILL)),
    ('test', lambda: os.kill({TESTPID}, signal.SIGKILL)),
    ('group', lambda: os.kill(0, signal.SIGKILL)),
    ('pidfd', pidfd),
]:
    attempt(name, call)
reachable = 0
for pid in range(1, 3000):
    try:
        os.kill(pid, 0)
        reachable += 1
    except OSError:
        pass
if reachable:
    print('ESCAPED', reachable, 'processes can be signalled')
"#,
        needs: &["seccomp filters"],
        hook_alone: false,
    },
    Hostile {
        name: "fills the disk (posix_fallocate, many large files)",
        code: r#"import os
fd = os.open('big', os.O_CREAT | os.O_WRONLY)
try:
    os.posix_fallocate(fd, 0, 2 << 30)
    print('ESCAPED fallocate')
except OSError as e:
    print('refused', type(e).__name__)
os.close(fd)
os.remove('big')
written = 0
try:
    for i in range(64):
        with open('f%d' % i, 'wb') as f:
            f.write(bytes(32 << 20))
        written += 32
except OSError as e:
    print('refused after', written, 'MiB', type(e).__name__)
if written > 64:
    print('ESCAPED wrote', written, 'MiB')
"#,
        needs: &[
            "private tmpfs (64 MiB)",
            "rlimits (file size, open files, threads)",
        ],
        hook_alone: false,
    },
    Hostile {
        name: "uses ptrace, mount, personality, keyrings, unshare (ctypes)",
        code: r#"import ctypes
libc = ctypes.CDLL(None, use_errno=True)
calls = {'ptrace': (101, 16, 1, 0, 0), 'mount': (165, b'none', b'/tmp', b'tmpfs', 0, 0),
         'personality': (135, 0x0040000), 'add_key': (248, b'user', b'k', b'v', 1, 0xfffffffd),
         'keyctl': (250, 0, 0xfffffffd, 0, 0), 'unshare': (272, 0x10000000),
         'chroot': (161, b'/'), 'setns': (308, 0, 0), 'bpf': (321, 0, 0, 0),
         'process_vm_readv': (310, 1, 0, 0, 0, 0, 0)}
for name, args in calls.items():
    if libc.syscall(*args) >= 0:
        print('ESCAPED', name)
print('refused syscalls')
"#,
        needs: &["seccomp filters"],
        hook_alone: true,
    },
    Hostile {
        name: "switches the friendly checks off and forges the next programs' traces",
        code: r#"import sys, os, struct
try:
    sys.gettrace().__self__.armed = False
    print('ESCAPED gettrace')
except AttributeError:
    pass
try:
    import gc
    for h in [f for f in gc.get_objects() if getattr(f, '__name__', '') == 'audit']:
        h.__closure__[0].cell_contents = '/'
        print('found the hook')
except PermissionError:
    pass
child = None
f = sys._getframe()
while f is not None:
    s = f.f_locals.get('self')
    if s is not None and hasattr(s, 'shm') and hasattr(s, 'done_w'):
        child = s
    f = f.f_back
forged = b'O"FORGED\\n"\nF{"kind":"completed","message":null,"line":null}\n'
if child is not None:
    child.reuse = True
    child.shm[8:8 + len(forged)] = forged
    struct.pack_into('<Q', child.shm, 0, 8 + len(forged))
for fd in range(3, 64):
    try:
        os.write(fd, b'k' * 16)
    except OSError:
        pass
try:
    open('{DIR}/after_disarm', 'w').write('x')
    print('ESCAPED write after disarming')
except OSError as e:
    print('refused', type(e).__name__)
"#,
        needs: &["Landlock domain"],
        hook_alone: true,
    },
];

/// The honest program run after each hostile one, and what it must print.
const HONEST: &str = "total = 0\nfor i in range(10):\n    total += i\nprint(total)\n";
const HONEST_OUT: &str = "45\n";

/// What the checks look at, set up fresh for each hostile program.
struct Scene {
    dir: PathBuf,
    keep: PathBuf,
    secret: PathBuf,
    marker: String,
    listener: TcpListener,
    abstract_name: String,
    abstract_listener: UnixListener,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let marker = format!("tlmark{}x{tag}", std::process::id());
        let dir = std::env::temp_dir().join(format!("sandbox-beside-{marker}"));
        std::fs::create_dir_all(&dir).expect("make the directory beside");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let keep = dir.join("keep.txt");
        std::fs::write(&keep, "keep me\n").expect("write keep.txt");
        std::fs::set_permissions(&keep, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let secret = dir.join("secret.txt");
        std::fs::write(&secret, "secret\n").expect("write secret.txt");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback listener");
        listener.set_nonblocking(true).expect("nonblocking");
        let abstract_name = format!("tracelens-{marker}");
        let addr = SocketAddr::from_abstract_name(abstract_name.as_bytes()).expect("an address");
        let abstract_listener = UnixListener::bind_addr(&addr).expect("an abstract socket");
        abstract_listener
            .set_nonblocking(true)
            .expect("nonblocking");
        Scene {
            dir,
            keep,
            secret,
            marker,
            listener,
            abstract_name,
            abstract_listener,
        }
    }

    fn program(&self, code: &str) -> String {
        let port = self.listener.local_addr().expect("address").port();
        (PRELUDE.to_string() + code)
            .replace("{DIR}", &self.dir.to_string_lossy())
            .replace("{KEEP}", &self.keep.to_string_lossy())
            .replace("{SECRET}", &self.secret.to_string_lossy())
            .replace("{PORT}", &port.to_string())
            .replace("{MARK}", &self.marker)
            .replace("{ABSTRACT}", &self.abstract_name)
            .replace("{TESTPID}", &std::process::id().to_string())
    }

    /// Every entry of the directory beside, with its mode, size and content.
    fn snapshot(&self) -> BTreeMap<String, (u32, Vec<u8>)> {
        snapshot(&self.dir)
    }

    /// The checks on the machine after a hostile program.
    fn assert_untouched(&self, before: &BTreeMap<String, (u32, Vec<u8>)>, what: &str) {
        assert_eq!(
            &self.snapshot(),
            before,
            "{what}: the directory beside changed"
        );
        let tmp_entries: Vec<String> = std::fs::read_dir(std::env::temp_dir())
            .expect("list the temporary directory")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(&self.marker) && !n.starts_with("sandbox-beside-"))
            .collect();
        assert!(tmp_entries.is_empty(), "{what}: created {tmp_entries:?}");
        match self.listener.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("{what}: the loopback listener received {other:?}"),
        }
        match self.abstract_listener.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("{what}: the abstract socket received {other:?}"),
        }
        let left = processes_with(&self.marker);
        assert!(left.is_empty(), "{what}: processes left: {left:?}");
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn snapshot(dir: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir)
        .expect("list the directory beside")
        .flatten()
    {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        let content = if meta.is_file() {
            std::fs::read(&path).unwrap_or_default()
        } else {
            Vec::new()
        };
        out.insert(
            entry.file_name().to_string_lossy().into_owned(),
            (meta.permissions().mode(), content),
        );
    }
    out
}

/// The pids whose command line contains `marker` (this test's own process aside).
fn processes_with(marker: &str) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
        })
        .collect()
}

fn one_worker(audit_hook: bool) -> TracerPool {
    let opts = PoolOptions {
        python: None,
        workers: 1,
        sandbox: SandboxMode::On,
    };
    let pool = if audit_hook {
        TracerPool::start(opts)
    } else {
        TracerPool::start_without_audit_hook(opts)
    };
    pool.expect("python3 must be available to run the sandbox tests")
}

fn run(pool: &TracerPool, code: &str) -> Trace {
    pool.trace(&TraceRequest {
        code: code.to_string(),
        stdin: String::new(),
        limits: Limits {
            timeout_ms: 4_000,
            ..Limits::default()
        },
    })
    .expect("the pool answers")
}

/// Each hostile program in turn on one worker, every check after each.
fn hostile_suite(audit_hook: bool) {
    let pool = one_worker(audit_hook);
    let mode = if audit_hook {
        "with the audit hook"
    } else {
        "kernel layers alone"
    };
    let missing: Vec<&str> = pool
        .sandbox_layers()
        .iter()
        .filter(|l| l.missing.is_some())
        .map(|l| l.name.as_str())
        .collect();
    let reference = run(&pool, HONEST);
    assert_eq!(reference.stdout, HONEST_OUT);
    for (i, hostile) in HOSTILE.iter().enumerate() {
        let lacking: Vec<&&str> = hostile
            .needs
            .iter()
            .filter(|need| missing.iter().any(|m| m.starts_with(**need)))
            .collect();
        let held_by_hook = audit_hook && hostile.hook_alone;
        if !held_by_hook && !lacking.is_empty() {
            eprintln!(
                "SKIPPED ({mode}): {}: this kernel lacks {lacking:?}",
                hostile.name
            );
            continue;
        }
        let scene = Scene::new(&format!("{}{i}", u8::from(audit_hook)));
        let before = scene.snapshot();
        let trace = run(&pool, &scene.program(hostile.code));
        let what = format!("{} ({mode})", hostile.name);
        eprintln!("{what}: {:?}\n{}", trace.outcome.kind, trace.stdout);
        assert!(
            !trace.stdout.contains("ESCAPED"),
            "{what}: {}\n{}",
            trace.stdout,
            trace.stderr
        );
        // It ran, and met a refusal: its own, or the audit hook's uncaught PermissionError (or
        // it forged its own trace, which a program can do within its own process).
        let message = trace.outcome.message.clone().unwrap_or_default();
        assert!(
            trace.stdout.contains("refused")
                || trace.stdout.contains("FORGED")
                || message.starts_with("PermissionError: tracelens"),
            "{what}: {:?} {message}\n{}\n{}",
            trace.outcome.kind,
            trace.stdout,
            trace.stderr
        );
        // A process it might have started would act a little later.
        std::thread::sleep(Duration::from_millis(200));
        scene.assert_untouched(&before, &what);
        let next = run(&pool, HONEST);
        assert_eq!(next.outcome.kind, OutcomeKind::Completed, "{what}: next");
        assert_eq!(
            tracer_support::briefs(&next),
            tracer_support::briefs(&reference),
            "{what}: the next honest program's trace differs"
        );
        assert_eq!(next.stdout, HONEST_OUT, "{what}: the next program's stdout");
    }
}

#[test]
fn hostile_programs_meet_the_audit_hook_and_leave_the_machine_untouched() {
    hostile_suite(true);
}

#[test]
fn the_kernel_layers_alone_hold_every_hostile_program() {
    hostile_suite(false);
}

#[test]
fn the_friendly_refusal_names_what_was_refused() {
    let pool = one_worker(true);
    let scene = Scene::new("friendly");
    let trace = run(&pool, &scene.program("import os\nos.remove('{KEEP}')\n"));
    assert_eq!(trace.outcome.kind, OutcomeKind::Exception);
    let message = trace.outcome.message.unwrap_or_default();
    assert!(
        message.starts_with("PermissionError: tracelens:") && message.contains("os.remove"),
        "{message}"
    );
    // Threads and AF_UNIX socket pairs (asyncio's) stay allowed.
    let trace = run(
        &pool,
        "import socket, threading\na, b = socket.socketpair()\na.sendall(b'ping')\nprint(b.recv(4))\n\
         t = threading.Thread(target=lambda: print('thread ran'))\nt.start()\nt.join()\n",
    );
    assert_eq!(trace.stdout, "b'ping'\nthread ran\n", "{:?}", trace.outcome);
}

/// The traces of `HONEST`, a program that kills its worker, `HONEST` and `last`, traced
/// together on a pool of `workers` without the sandbox or the audit hook (only then can a
/// program kill its worker).
fn around_a_worker_killer(workers: usize, last: &str) -> Vec<Trace> {
    let pool = TracerPool::start_without_audit_hook(PoolOptions {
        python: None,
        workers,
        sandbox: SandboxMode::Off,
    })
    .expect("a pool");
    let killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n";
    let reqs: Vec<TraceRequest> = [HONEST, killer, HONEST, last]
        .iter()
        .map(|code| TraceRequest {
            code: code.to_string(),
            stdin: String::new(),
            limits: Limits::default(),
        })
        .collect();
    let traces: Vec<Trace> = pool
        .trace_many(&reqs, &|_| {})
        .into_iter()
        .map(|t| t.expect("an answer"))
        .collect();
    let kinds: Vec<OutcomeKind> = traces.iter().map(|t| t.outcome.kind).collect();
    assert_eq!(
        kinds,
        [
            OutcomeKind::Completed,
            OutcomeKind::Crashed,
            OutcomeKind::Completed,
            OutcomeKind::Completed
        ]
    );
    traces
}

#[test]
fn a_program_that_kills_its_worker_gets_its_own_crashed_outcome() {
    // Two workers: the others still get their answers.
    let traces = around_a_worker_killer(2, HONEST);
    let message = traces[1].outcome.message.clone().unwrap_or_default();
    assert!(message.contains("worker died twice"), "{message}");
}

#[test]
fn the_programs_queued_behind_one_that_kills_its_worker_still_run() {
    // One worker, so each program is sent while the one before it runs: the two after the
    // killer wait in the pipe of a worker that dies (twice), and run on its successor.
    let traces = around_a_worker_killer(1, "print('after')\n");
    assert_eq!(traces[3].stdout, "after\n");
}

#[test]
fn a_killed_tracelens_leaves_no_process_behind() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let batch = dir.path().join("in.jsonl");
    let slow = "import time\\nfor i in range(100):\\n    time.sleep(0.1)\\n";
    let lines: String = (0..4)
        .map(|i| format!("{{\"id\": \"{i}\", \"code\": \"{slow}\"}}\n"))
        .collect();
    std::fs::write(&batch, lines).expect("write the batch");
    let mut tracelens = std::process::Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["trace", "--jobs", "2", "--batch"])
        .arg(&batch)
        .arg("--out")
        .arg(dir.path().join("out.jsonl"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tracelens starts");
    // Two workers, each an outer process and an inner one with a child (slow on a busy machine).
    let started = std::time::Instant::now();
    let mut family = descendants(tracelens.id());
    while family.len() < 6 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
        family = descendants(tracelens.id());
    }
    assert!(family.len() >= 6, "the workers did not start: {family:?}");
    tracelens.kill().expect("kill tracelens");
    tracelens.wait().expect("reap tracelens");
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let mut alive = family.clone();
    while !alive.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        alive.retain(|&pid| is_alive(pid));
    }
    assert!(alive.is_empty(), "left behind: {alive:?}");
    // Nor any worker directory (named after the worker's outer process).
    let dirs: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .expect("list the temporary directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            family
                .iter()
                .any(|pid| n.starts_with(&format!("tracelens-{pid}-")))
        })
        .collect();
    assert!(dirs.is_empty(), "worker directories left: {dirs:?}");
}

/// Every process below `root`, found through /proc.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    Some(after.split(' ').map(str::to_string).collect())
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// Alive, and not a zombie waiting for whoever inherited it.
fn is_alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|state| state != "Z"))
}
