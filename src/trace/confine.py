# tracelens confinement: embedded ahead of tracer.py in the worker's script (see
# src/trace/sandbox/). tracelens passes its settings in TRACELENS_SANDBOX (JSON); without it
# (`--sandbox off`) nothing here runs.
#
# The worker (already in its namespaces, with no_new_privs) splits in two (`split`): an outer
# process that only watches the lifeline from tracelens and the inner worker (PID 1 of its PID
# namespace), so that whatever ends tracelens ends every process of the worker. The inner
# worker mounts a private tmpfs on its directory and builds one Landlock ruleset (`prepare`);
# each child it forks confines itself (`confine`) before it reads a request: the parent-death
# signal, no other descriptors, rlimits, an unprivileged uid when tracelens runs as root, no
# capabilities, the Landlock domain, then the seccomp filters.
import os as _os

SANDBOX_ENV = "TRACELENS_SANDBOX"
PR_SET_PDEATHSIG, PR_SET_KEEPCAPS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 8, 22, 2
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_RULE_PATH_BENEATH = 1
CAP_DAC_READ_SEARCH = 2
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
# Landlock file-system rights (bit numbers of LANDLOCK_ACCESS_FS_*).
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_MAKE_CHAR, LL_MAKE_BLOCK, LL_TRUNCATE = 1 << 6, 1 << 11, 1 << 14
LL_NET_TCP = 1 | 2  # bind and connect
LL_SCOPE = 1 | 2  # abstract UNIX sockets and signals
# What a program may write at most: one file's size, and the whole private tmpfs.
FILE_SIZE_LIMIT = 64 << 20
TMPFS_OPTIONS = b"size=64m,nr_inodes=4096,mode=0711"
OPEN_FILES_LIMIT = 256
# How long the outer process waits for an inner worker that is leaving by itself.
EXIT_GRACE_S = 0.3
THREADS_LIMIT = 256
# Read-only beyond the Python installation: the shared libraries its extension modules load,
# the time zones, and the harmless devices.
SYSTEM_READ = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache",
               "/usr/share/zoneinfo", "/etc/localtime", "/dev/urandom", "/dev/zero")


class Confinement:
    """The settings tracelens passed and the layers set up so far, each by name with why it is
    missing (None when it is on)."""

    def __init__(self, config):
        import ctypes
        self.ctypes = ctypes
        self.config = config
        self.strict = bool(config.get("strict"))
        libc = ctypes.CDLL(None, use_errno=True)
        # Looked up now: a child looks nothing up after its program starts.
        self.syscall, self.prctl, self.mount = libc.syscall, libc.prctl, libc.mount
        self.layers = []
        self.ruleset = -1
        self.filters = []
        self.drop_to = config.get("drop_to")
        self.worker_pid = _os.getpid()

    @classmethod
    def from_env(cls):
        import json
        text = _os.environ.pop(SANDBOX_ENV, None)
        return cls(json.loads(text)) if text else None

    def layer(self, name, missing=None):
        self.layers.append({"name": name, "missing": missing})

    def failed(self):
        return "; ".join("%s (%s)" % (l["name"], l["missing"]) for l in self.layers
                         if l["missing"])

    def errno_text(self):
        return _os.strerror(self.ctypes.get_errno())

    # --- the worker -----------------------------------------------------------------------
    def split(self, base):
        """Fork the inner worker; the outer process waits for the lifeline to close (tracelens
        is gone) or the inner worker to end. Then it gives an inner worker that is leaving by
        itself (its stdin closed too) a moment, kills it (and so its PID namespace), and removes
        the worker's directory `base`, whatever the inner worker left there."""
        lifeline = int(self.config["lifeline"])
        pid = _os.fork()
        if pid == 0:
            self.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
            _os.close(lifeline)
            self.worker_pid = _os.getpid()
            return
        import select
        devnull = _os.open(_os.devnull, _os.O_RDWR)
        for fd in (0, 1):  # tracelens sees the inner worker's end as the end of its output
            _os.dup2(devnull, fd)
        watched = [lifeline]
        try:
            watched.append(_os.pidfd_open(pid))
        except (AttributeError, OSError):
            pass  # no pidfd: only the lifeline is watched
        select.select(watched, [], [])
        finished, status = _os.waitpid(pid, _os.WNOHANG)
        if not finished:
            select.select(watched[1:], [], [], EXIT_GRACE_S)
            finished, status = _os.waitpid(pid, _os.WNOHANG)
        if not finished:
            _os.kill(pid, 9)
            _, status = _os.waitpid(pid, 0)
        self.release(base)
        import shutil
        shutil.rmtree(base, ignore_errors=True)
        _os._exit(_os.waitstatus_to_exitcode(status) & 0xFF if _os.WIFEXITED(status) else 70)

    def prepare(self, base):
        """In the inner worker, before any child: the private tmpfs on `base`, the Landlock
        ruleset, the seccomp filters, and a trial child that applies them all."""
        if self.config.get("mount_namespace"):
            if self.mount(b"tracelens", base.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          TMPFS_OPTIONS) == 0:
                self.layer("private tmpfs (64 MiB)")
            else:
                self.layer("private tmpfs (64 MiB)", self.errno_text())
        else:
            self.layer("private tmpfs (64 MiB)", "needs the mount namespace")
        self.make_ruleset(base)
        filters = self.config.get("seccomp")
        if isinstance(filters, list) and filters:
            self.filters = [bytes.fromhex(f) for f in filters]
        self.trial(None if self.filters else str(filters))

    def make_ruleset(self, base):
        ctypes = self.ctypes
        abi = self.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)
        if abi < 1:
            self.no_landlock(self.errno_text())
            return
        fs = (1 << 13) - 1
        if abi >= 2:
            fs |= 1 << 13  # REFER
        if abi >= 3:
            fs |= LL_TRUNCATE
        if abi >= 5:
            fs |= 1 << 15  # IOCTL_DEV
        attr = (ctypes.c_uint64 * 3)(fs, LL_NET_TCP if abi >= 4 else 0,
                                     LL_SCOPE if abi >= 6 else 0)
        size = 24 if abi >= 6 else 16 if abi >= 4 else 8
        ruleset = self.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
        if ruleset < 0:
            self.no_landlock(self.errno_text())
            return
        read = LL_READ_FILE | LL_READ_DIR
        file_only = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | (1 << 15)
        import sys
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                    _os.path.dirname(_os.path.dirname(_os.path.realpath(sys.executable)))}
        rules = [(p, read) for p in sorted(prefixes) + list(SYSTEM_READ)]
        rules.append((base, fs & ~(LL_EXECUTE | LL_MAKE_CHAR | LL_MAKE_BLOCK)))
        rules.append((_os.devnull, LL_READ_FILE | LL_WRITE_FILE | LL_TRUNCATE))

        class PathBeneath(ctypes.Structure):
            _pack_ = 1
            _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

        for path, access in rules:
            try:
                fd = _os.open(path, _os.O_PATH | _os.O_CLOEXEC)
            except OSError:
                continue  # not on this system
            try:
                if not _os.path.isdir(path):
                    access &= file_only
                rule = PathBeneath(access & fs, fd)
                if self.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                                ctypes.byref(rule), 0) != 0:
                    self.no_landlock("%s: %s" % (path, self.errno_text()))
                    _os.close(ruleset)
                    return
            finally:
                _os.close(fd)
        self.ruleset = ruleset
        self.layer("Landlock: files (ABI %d)" % abi)
        self.layer("Landlock: TCP bind/connect", None if abi >= 4 else "needs Landlock ABI 4")
        self.layer("Landlock: signal and abstract-socket scoping",
                   None if abi >= 6 else "needs Landlock ABI 6")

    def no_landlock(self, why):
        for name in ("Landlock: files", "Landlock: TCP bind/connect",
                     "Landlock: signal and abstract-socket scoping"):
            self.layer(name, why)

    def trial(self, no_seccomp):
        """Apply every child layer in a throwaway child: what fails there is reported missing
        (and not tried again in each child). `no_seccomp` says why there are no filters."""
        r, w = _os.pipe()
        pid = _os.fork()
        if pid == 0:
            try:
                _os.close(r)
                failed = self.apply(keep=(w,))
                _os.write(w, failed.encode())
            finally:
                _os._exit(0)
        _os.close(w)
        report = b""
        while True:
            chunk = _os.read(r, 65536)
            if not chunk:
                break
            report += chunk
        _os.close(r)
        _os.waitpid(pid, 0)
        broken = dict(line.split("\t", 1) for line in report.decode().splitlines() if line)
        for name in ("parent-death signal", "rlimits (file size, open files, threads)",
                     "unprivileged uid %s" % self.drop_to if self.drop_to is not None else None,
                     self.caps_layer(), "Landlock domain", "seccomp filters"):
            if name == "Landlock domain" and self.ruleset < 0:
                self.layer(name, "no ruleset (see Landlock: files)")
            elif name == "seccomp filters" and no_seccomp is not None:
                self.layer(name, "not compiled: %s" % no_seccomp)
            elif name is not None:
                self.layer(name, broken.get(name))
        if "Landlock domain" in broken and self.ruleset >= 0:
            _os.close(self.ruleset)
            self.ruleset = -1
        if "seccomp filters" in broken:
            self.filters = []
        if self.caps_layer() in broken or "unprivileged uid %s" % self.drop_to in broken:
            self.drop_to = None
            self.config["no_caps"] = True

    # --- each child -----------------------------------------------------------------------
    def confine(self, keep):
        """In a child, before it reads its first request. A layer the trial found working that
        fails here ends the child (the request then ends as `crashed`)."""
        failed = self.apply(keep)
        if failed:
            _os.write(2, failed.encode())
            _os._exit(71)

    def apply(self, keep):
        """Every child layer, in order; returns the failures as `name\\tWHY` lines."""
        failed = []

        def attempt(name, action):
            try:
                error = action()
            except OSError as e:
                error = e.strerror or str(e)
            if error:
                failed.append("%s\t%s\n" % (name, error))

        attempt("parent-death signal", self.set_pdeathsig)
        self.close_others(keep)
        attempt("rlimits (file size, open files, threads)", set_rlimits)
        if self.drop_to is not None:
            attempt("unprivileged uid %s" % self.drop_to, self.set_uid)
        if not self.config.get("no_caps"):
            attempt(self.caps_layer(), self.drop_capabilities)
        if self.ruleset >= 0:
            attempt("Landlock domain", self.restrict)
        for bpf in self.filters:
            attempt("seccomp filters", lambda: self.install_filter(bpf))
        return "".join(failed)

    def set_pdeathsig(self):
        if self.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0) != 0:
            return self.errno_text()
        if _os.getppid() != self.worker_pid:
            _os._exit(70)  # the worker is gone already
        return None

    def close_others(self, keep):
        """Close every descriptor but 0-2 and `keep` (and the ruleset until it is applied)."""
        close_fds_except(set(keep) | ({self.ruleset} if self.ruleset >= 0 else set()))

    def set_uid(self):
        uid = int(self.drop_to)
        self.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
        _os.setgroups([])
        _os.setresgid(uid, uid, uid)
        _os.setresuid(uid, uid, uid)
        return None

    def caps_layer(self):
        if self.drop_to is None:
            return "no capabilities"
        return "no capabilities but CAP_DAC_READ_SEARCH (Landlock bounds the reads)"

    def drop_capabilities(self):
        """No capability left; a child that dropped its uid keeps CAP_DAC_READ_SEARCH only, to
        read the Python installation wherever it is (Landlock bounds what it reads)."""
        ctypes = self.ctypes
        keep = 1 << CAP_DAC_READ_SEARCH if self.drop_to is not None else 0
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)
        data = (ctypes.c_uint32 * 6)(keep, keep, 0, 0, 0, 0)
        if self.syscall(int(self.config["capset"]), ctypes.byref(header), ctypes.byref(data)):
            return self.errno_text()
        return None

    def restrict(self):
        status = self.syscall(SYS_LANDLOCK_RESTRICT_SELF, self.ruleset, 0)
        _os.close(self.ruleset)
        self.ruleset = -1
        return self.errno_text() if status else None

    def install_filter(self, bpf):
        ctypes = self.ctypes

        class Program(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        code = ctypes.create_string_buffer(bpf, len(bpf))
        program = Program(len(bpf) // 8, ctypes.addressof(code))
        if self.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0):
            return self.errno_text()
        return None

    def release(self, base):
        """At the worker's end: unmount the private tmpfs, so that `base` can go."""
        if self.config.get("mount_namespace"):
            self.ctypes.CDLL(None).umount2(base.encode(), 2)  # MNT_DETACH

    def own_dir(self, path):
        """A directory the child writes in, owned by the uid it drops to."""
        if self.drop_to is not None:
            _os.chown(path, int(self.drop_to), int(self.drop_to))


def close_fds_except(keep):
    """Close every descriptor above 2 but those in `keep`."""
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            _os.closerange(low, fd)
            low = fd + 1
    _os.closerange(low, 1 << 16)


def set_rlimits():
    import resource
    for limit, value in ((resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT),
                         (resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT),
                         (resource.RLIMIT_NPROC, THREADS_LIMIT)):
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))
    return None


def limit_cpu(timeout_s, reusable):
    """CPU time for one request: what the child used so far plus the time limit and a second.
    A child that may serve again keeps its hard limit open, as with the memory cap."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + timeout_s) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY if reusable else soft))


# --- the friendly first line -----------------------------------------------------------------
# An audit hook, installed in each child right after its confinement: it refuses what the
# kernel layers refuse too, with a PermissionError naming it. Its only state is the temporary
# directory's path, in a closure no attribute of the program's objects leads to (it is kept by
# the interpreter alone), so a program cannot switch it off.
PROCESS_EVENTS = frozenset({
    "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
    "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "signal.pthread_kill",
})
SOCKET_EVENTS = frozenset({
    "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.sendto", "socket.sendmsg",
})
NATIVE_EVENTS = frozenset({
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "ctypes.cdata", "ctypes.string_at",
    "ctypes.wstring_at", "ctypes.set_errno",
})
# The interpreter's own object lists, through which this hook itself could be found.
INTROSPECTION_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
# Each event that changes files: the positions of its paths, and of the directory descriptor
# each is relative to (None: the call takes none). CPython passes -1 for a dir_fd not given.
PATH_EVENTS = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),),
    "os.chmod": ((0, 2),), "os.chown": ((0, 3),), "os.utime": ((0, 3),),
    "os.rename": ((0, 2), (1, 3)), "os.link": ((0, 2), (1, 3)), "os.symlink": ((1, 2),),
    "os.truncate": ((0, None),), "os.chflags": ((0, None),), "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),), "shutil.rmtree": ((0, 1),), "shutil.copyfile": ((1, None),),
    "shutil.move": ((0, None), (1, None)),
}
WRITE_FLAGS = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND | _os.O_TRUNC
NO_DIR_FD = (None, -1, -100)  # not given, or AT_FDCWD


def inside(path, root):
    """True when `path` (a str, bytes or path-like, not a descriptor) is `root` or beneath it,
    symbolic links resolved."""
    try:
        full = _os.path.realpath(_os.fsdecode(path))
    except BaseException:
        return False
    return full == root or full.startswith(root + _os.sep)


def path_allowed(args, path_at, dir_fd_at, root):
    """A changed path is allowed when it is a path (a descriptor could name any file), is not
    relative to a directory descriptor (which could be any directory), and lies in `root`."""
    path = args[path_at] if path_at < len(args) else None
    if path is None or isinstance(path, int):
        return False
    dir_fd = args[dir_fd_at] if dir_fd_at is not None and dir_fd_at < len(args) else None
    if dir_fd not in NO_DIR_FD and not _os.path.isabs(_os.fsdecode(path)):
        return False
    return inside(path, root)


def local_socket(event, args):
    """An AF_UNIX socket (asyncio's socketpair among them) stays within the process."""
    family = args[1] if event == "socket.__new__" else getattr(args[0], "family", None)
    return family == 1


def make_audit_hook(tmpdir):
    def audit(event, args):
        if event == "open":
            path, mode, flags = args
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(
                (flags or 0) & WRITE_FLAGS)
            if writes and not isinstance(path, int) and not inside(path, tmpdir) and (
                    _os.fsdecode(path) != _os.devnull):
                raise PermissionError("tracelens: writing outside the program's temporary "
                                      "directory is not allowed: %r" % (path,))
        elif event in PROCESS_EVENTS:
            raise PermissionError("tracelens: process creation and signals are not allowed "
                                  "in a traced program (%s)" % event)
        elif event in SOCKET_EVENTS and not local_socket(event, args):
            raise PermissionError("tracelens: sockets are not allowed in a traced program "
                                  "(%s)" % event)
        elif event in NATIVE_EVENTS:
            raise PermissionError("tracelens: native code (ctypes) is not allowed in a traced "
                                  "program (%s)" % event)
        elif event in INTROSPECTION_EVENTS:
            raise PermissionError("tracelens: listing the interpreter's objects is not allowed "
                                  "in a traced program (%s)" % event)
        elif event in PATH_EVENTS:
            if not all(path_allowed(args, p, d, tmpdir) for p, d in PATH_EVENTS[event]):
                raise PermissionError("tracelens: changing files outside the program's "
                                      "temporary directory is not allowed (%s)" % event)
    return audit
