//! The seccomp filters every traced program runs under, compiled here with `seccompiler` and
//! installed by the worker's child right after its fork (`confine.py`). Denied calls fail with
//! `EPERM` (`ENOSYS` for `clone3`, so that the C library falls back to `clone`, which is
//! checked: threads are allowed, new processes are not).

use std::collections::BTreeMap;

use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule,
};

/// Calls denied whatever their arguments.
const DENIED: &[libc::c_long] = &[
    // other programs: execution, signals, tracing, another process's memory
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_kill,
    libc::SYS_tkill,
    libc::SYS_tgkill,
    libc::SYS_rt_sigqueueinfo,
    libc::SYS_rt_tgsigqueueinfo,
    libc::SYS_pidfd_open,
    libc::SYS_pidfd_send_signal,
    libc::SYS_pidfd_getfd,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_kcmp,
    // mounts and namespaces
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_open_tree,
    libc::SYS_move_mount,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    // file modes, owners, device nodes, extended attributes, handles
    libc::SYS_fchmod,
    libc::SYS_fchmodat,
    libc::SYS_fchown,
    libc::SYS_fchownat,
    libc::SYS_mknodat,
    libc::SYS_setxattr,
    libc::SYS_lsetxattr,
    libc::SYS_fsetxattr,
    libc::SYS_removexattr,
    libc::SYS_lremovexattr,
    libc::SYS_fremovexattr,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    // the kernel's other surfaces
    libc::SYS_personality,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_keyctl,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_quotactl,
    libc::SYS_acct,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_kexec_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_syslog,
];

/// The older calls x86-64 keeps next to their `*at` forms.
#[cfg(target_arch = "x86_64")]
const DENIED_LEGACY: &[libc::c_long] = &[
    libc::SYS_fork,
    libc::SYS_vfork,
    libc::SYS_chmod,
    libc::SYS_chown,
    libc::SYS_lchown,
    libc::SYS_mknod,
    libc::SYS_uselib,
];
#[cfg(not(target_arch = "x86_64"))]
const DENIED_LEGACY: &[libc::c_long] = &[];

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value).map_err(|e| e.to_string())
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| e.to_string())
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    action: SeccompAction,
) -> Result<BpfProgram, String> {
    let arch = std::env::consts::ARCH.try_into().map_err(|_| {
        format!(
            "seccomp filters are not built for {}",
            std::env::consts::ARCH
        )
    })?;
    let filter =
        SeccompFilter::new(rules, SeccompAction::Allow, action, arch).map_err(|e| e.to_string())?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())
}

/// The main filter: every call above, `clone` without `CLONE_THREAD` (a new process), and
/// `socket`/`socketpair` of any family but `AF_UNIX`.
fn main_filter() -> Result<BpfProgram, String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = DENIED
        .iter()
        .chain(DENIED_LEGACY)
        .map(|&nr| (nr, Vec::new()))
        .collect();
    let thread = libc::CLONE_THREAD as u64;
    rules.insert(
        libc::SYS_clone,
        vec![rule(vec![condition(
            0,
            SeccompCmpOp::MaskedEq(thread),
            0,
        )?])?],
    );
    for nr in [libc::SYS_socket, libc::SYS_socketpair] {
        let unix = libc::AF_UNIX as u64;
        rules.insert(nr, vec![rule(vec![condition(0, SeccompCmpOp::Ne, unix)?])?]);
    }
    compile(rules, SeccompAction::Errno(libc::EPERM as u32))
}

/// `clone3` hides its flags in memory a filter cannot read: it answers ENOSYS, and the C
/// library creates threads with `clone` instead.
fn clone3_filter() -> Result<BpfProgram, String> {
    let rules = BTreeMap::from([(libc::SYS_clone3, Vec::new())]);
    compile(rules, SeccompAction::Errno(libc::ENOSYS as u32))
}

/// x32 system calls (numbers with bit 30 set) would pass the x86-64 rules under other numbers:
/// they are all refused.
fn x32_filter() -> BpfProgram {
    const LD_NR: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS, offset 0: the call number
    const JGE: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    const RET: u16 = 0x06; // BPF_RET | BPF_K
    let errno = 0x0005_0000 | libc::EPERM as u32; // SECCOMP_RET_ERRNO
    let allow = 0x7fff_0000; // SECCOMP_RET_ALLOW
    let op = |code, jt, jf, k| sock_filter { code, jt, jf, k };
    vec![
        op(LD_NR, 0, 0, 0),
        op(JGE, 0, 1, 0x4000_0000),
        op(RET, 0, 0, errno),
        op(RET, 0, 0, allow),
    ]
}

/// Every filter, each as the hex of its `sock_filter` array, in the order they are installed.
pub fn filters_hex() -> Result<Vec<String>, String> {
    let mut programs = vec![main_filter()?, clone3_filter()?];
    if cfg!(target_arch = "x86_64") {
        programs.push(x32_filter());
    }
    Ok(programs
        .iter()
        .map(|program| {
            program
                .iter()
                .flat_map(|f| {
                    let mut bytes = Vec::with_capacity(8);
                    bytes.extend_from_slice(&f.code.to_ne_bytes());
                    bytes.push(f.jt);
                    bytes.push(f.jf);
                    bytes.extend_from_slice(&f.k.to_ne_bytes());
                    bytes
                })
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_compile_for_this_machine() {
        let filters = filters_hex().expect("filters compile");
        assert!(filters.len() >= 2);
        assert!(filters.iter().all(|f| !f.is_empty() && f.len() % 16 == 0));
    }
}
