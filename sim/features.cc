#include "sim/features.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace nssim {

namespace {
constexpr std::array<KernelVersion, 6> kProfiles{{{6, 1}, {6, 2}, {6, 12}, {6, 18}, {7, 2}, {7, 3}}};

// Each row was checked in the source of the versions on both sides (Debian's
// linux-source-6.1, -6.12, -7.2 (7.2.13) and -7.3 (7.3-rc7) packages; 6.18
// live) and the commit found in the mainline history where it could be. The model's rules cite the same rows through Feature.
constexpr std::array<FeatureRow, static_cast<size_t>(Feature::kCount)> kTable{{
    {Feature::TimensForCloneVm,
     "timens-for-clone-vm",
     {6, 2},
     "2b5f9dad32ed (fs/exec: switch timens when a task gets a new mm)",
     "copy_process() refuses CLONE_VM or CLONE_THREAD with EINVAL while the caller's time namespace "
     "differs from time_for_children; exec does not change the time namespace",
     "allowed: a CLONE_VM child or a thread keeps the creator's time namespace (copy_namespaces() shares "
     "the nsproxy), and exec moves into time_for_children (exec_task_namespaces())"},
    {Feature::PidfdThread,
     "pidfd-thread",
     {6, 9},
     "64bef697d33b (pidfd: implement PIDFD_THREAD flag for pidfd_open())",
     "pidfd_open() accepts only PIDFD_NONBLOCK (EINVAL for other flags); a pid that leads no thread "
     "group is EINVAL (pidfd_prepare())",
     "PIDFD_THREAD opens a thread; without it a thread that is no group leader is still EINVAL "
     "(pidfd_prepare(); ENOENT since 6.15, row pidfd-non-leader-enoent)"},
    {Feature::PidMaxPerPidNs,
     "pid-max-per-pid-ns",
     {6, 14},
     "7863dcc72d0f (pid: allow pid_max to be set per pid namespace)",
     "one global pid_max (/proc/sys/kernel/pid_max) bounds pids and set_tid in every pid namespace",
     "each pid namespace has its own pid_max, PID_MAX_LIMIT (4194304) when it is made"},
    {Feature::FixedInitNetMntInum,
     "fixed-init-net-mnt-inum",
     {6, 18},
     "the work-nsfs series (netns: use stable inode number for initial mount ns; mnt twin), "
     "June 2025: absent in 6.12, present in 6.18; the tag between is not checked here",
     "init_net and the initial mount namespace take the first dynamic inode numbers at boot "
     "(net 4026531840, mnt 4026531841)",
     "fixed: net 4026531833 (NET_NS_INIT_INO), mnt 4026531832 (MNT_NS_INIT_INO)"},
    {Feature::LockMountChecksMounted, "lock-mount-checks-mounted", {6, 12},
     "not identified: absent in 6.1.192 (lock_mount()), present in 6.12 (do_lock_mount(): !is_mounted()); "
     "the first version between is not checked, 6.12 is the first known",
     "lock_mount() takes a put_old on a detached mount, and pivot_root()'s later checks refuse it (EINVAL)",
     "pivot_root() (and mounting) on a path whose mount was detached is ENOENT, before the other checks"},
    {Feature::ActiveRefs, "active-refs", {6, 19},
     "not identified: the ns_common active-reference series (kernel/nscommon.c: __ns_ref_active_get(), "
     "Christian Brauner, 2025; issue 18 dates it 6.19); absent in 6.18 (live), present in 7.2.13 and 7.3-rc7",
     "a namespace is alive or freed; nothing tells a namespace in use from one pinned only internally",
     "a namespace is active while a live nsproxy, an unreaped task's cred or struct pid, an nsfs inode "
     "(open fd, bind mount) or an active namespace it owns holds it; else inactive (alive, but invisible "
     "to listns() and file handles) until an nsfs inode resurrects it"},
    {Feature::PidForChildrenBeforeInit, "pid-for-children-before-init", {7, 1},
     "not identified: pidns_for_children_get() loses its child_reaper check; issue 18 dates it 7.1; "
     "present in 7.2.13 and 7.3-rc7, absent in 6.18 (live)",
     "/proc/PID/ns/pid_for_children cannot be opened (ENOENT) until the namespace has its init",
     "it opens as soon as the namespace exists (kernel/pid_namespace.c: pidns_for_children_get())"},
    {Feature::EmptyMntns, "empty-mntns", {7, 1},
     "not identified: UNSHARE_EMPTY_MNTNS/CLONE_EMPTY_MNTNS (include/uapi/linux/sched.h); issue 18 dates it "
     "7.1; present in 7.2.13 and 7.3-rc7",
     "unshare(0x00100000) is EINVAL (check_unshare_flags(): it is CLONE_PARENT_SETTID); clone3 with "
     "bit 37 is EINVAL (clone3_args_valid())",
     "a new mount namespace holding only a copy of the root mount (copy_mnt_ns(): clone_mnt() of the root, "
     "no copy_tree()); the caller's root and cwd move to it"},
    {Feature::PidfdNonLeaderEnoent, "pidfd-non-leader-enoent", {6, 15},
     "0fb482728ba1 (pidfs: improve multi-threaded exec and premature thread-group leader exit polling; "
     "6.15-rc1), believed: its diff is not read here. EINVAL in 6.12.117 (kernel/fork.c: pidfd_prepare()), "
     "ENOENT in 6.18 (live) and 7.2.13 (pidfd_prepare(), the !PIDFD_STALE checks)",
     "pidfd_open() without PIDFD_THREAD of a pid that leads no thread group is EINVAL (pidfd_prepare(): "
     "one pid_has_task(PIDTYPE_TGID) test for a reaped task and a thread alike)",
     "ENOENT (pidfd_prepare(): a pid with no task at all is ESRCH, one that is only a thread's ENOENT)"},
    {Feature::PidfdIoctl, "pidfd-ioctl", {6, 11},
     "pidfs: allow retrieval of namespace file descriptors (Christian Brauner, June 2024, merged for 6.11; "
     "hash not checked here): absent in 6.1.176 (kernel/fork.c: pidfd_fops has no ioctl), present in "
     "6.12.117 (fs/pidfs.c: pidfd_ioctl())",
     "a pidfd has no ioctl: every command is ENOTTY (fs/ioctl.c: vfs_ioctl())",
     "pidfd_ioctl() opens the task's namespaces (PIDFD_GET_*_NAMESPACE -> a new nsfs fd); before it looks at "
     "the command it refuses a non-zero argument (EINVAL), a reaped task (ESRCH), ptrace_may_access() "
     "(EACCES) and an exited task (ESRCH); an unknown command is then ENOTTY"},
    {Feature::PidfsIoctlValid, "pidfs-ioctl-valid", {6, 14},
     "8ce352818820 (pidfs: check for valid ioctl commands), merged for 6.14; absent in 6.12.117",
     "pidfd_ioctl() checks before the command (row pidfd-ioctl): a non-zero argument is EINVAL, a reaped "
     "task ESRCH, ptrace_may_access() EACCES, an exited task (no nsproxy) ESRCH; only then an unknown "
     "command (SIOCGSKNS, NS_GET_*) is ENOTTY (-ENOIOCTLCMD)",
     "pidfs_ioctl_valid() first: a command a pidfd does not know is ENOTTY, whatever the argument or task"},
    {Feature::MntnsInstallChecksCurrentFs, "mntns-install-checks-current-fs", {6, 12},
     "not identified: absent in 6.1.176 (fs/namespace.c: mntns_install() tests nsset->fs->users), present "
     "in 6.12.117 (it tests current->fs->users); 6.12 is the first known. Undone by the next row",
     "setns(pidfd, CLONE_NEWNS|other flags) checks the private copy prepare_nsset() made of the fs_struct "
     "(copy_fs_struct(), users 1): a process with CLONE_FS threads may, and commit_nsset() moves the root "
     "and cwd they share; CLONE_NEWNS alone checks the shared one (EINVAL)",
     "mntns_install() checks the caller's own fs_struct whatever the flags: with CLONE_FS threads "
     "setns(pidfd, CLONE_NEWNS|other flags) is EINVAL too"},
    {Feature::MntnsInstallChecksNssetFs, "mntns-install-checks-nsset-fs", {6, 18},
     "not identified: absent in 6.12.117 (mntns_install() tests current->fs->users), present in 6.18 "
     "(live) and 7.2.13 (it tests nsset->fs->users, as 6.1 did); 6.18 is the first known",
     "as row mntns-install-checks-current-fs: setns(pidfd, CLONE_NEWNS|other flags) by a process with "
     "CLONE_FS threads is EINVAL",
     "the private copy is checked again (users 1): allowed, and commit_nsset() moves the shared root and "
     "cwd; CLONE_NEWNS alone still checks the shared fs_struct (EINVAL)"},
    {Feature::NsGetMntnsId, "ns-get-mntns-id", {6, 12},
     "not identified: NS_GET_MNTNS_ID (_IOR(0xb7, 5, __u64)) is absent in 6.1.176 (fs/nsfs.c: ns_ioctl()), "
     "present in 6.12.117; the first version between is not checked, 6.12 is the first known",
     "ioctl(fd, NS_GET_MNTNS_ID) is ENOTTY (ns_ioctl()'s default)",
     "on a mount namespace fd it returns the namespace's id (6.12: mnt_ns->seq, a mount-only sequence, "
     "the initial namespace 2; since ns-get-id the common ns_id); on another type EINVAL"},
    {Feature::NsGetId, "ns-get-id", {6, 18},
     "not identified: NS_GET_ID (_IOR(0xb7, 13, __u64)) and ns_common.ns_id (kernel/nstree.c: ns_tree_gen_id()) "
     "are absent in 6.12.117, present in 6.18 (live); the first version between is not checked",
     "ioctl(fd, NS_GET_ID) is ENOTTY (fs/nsfs.c: ns_ioctl()'s default)",
     "it returns the namespace's 64-bit id: one id space for every type, never reused during a boot; "
     "6.18 draws ids from per-CPU batches (gen_cookie_next()), so the numbers say nothing of the order"},
    {Feature::FixedInitNsIds, "fixed-init-ns-ids", {6, 19},
     "not identified: NS_LAST_INIT_ID and the fixed ids in include/uapi/linux/nsfs.h, dated with the listns() "
     "series (issue 18: 6.19); absent in 6.18 (live: the boot's namespaces get batch ids), present in 7.2.13 "
     "and 7.3-rc7",
     "the initial namespaces take ids from the same batches as every other one, in boot order",
     "the initial namespaces have fixed ids: ipc 1, uts 2, user 3, pid 4, cgroup 5, time 6, net 7, mnt 8; "
     "later ones count up from 10 (__ns_tree_gen_id(): one atomic counter starting at 9), so ids follow "
     "creation order"},
    {Feature::Listns, "listns", {6, 19},
     "not identified: SYSCALL_DEFINE4(listns) in kernel/nstree.c (x86_64 number 470), the series of "
     "LWN's 'Namespace reference counting and listns()' (November 2025; issue 18: 6.19); absent in 6.18 (live: "
     "ENOSYS), present in 7.2.13 and 7.3-rc7",
     "listns() is ENOSYS",
     "listns() lists the ids of active namespaces (of the requested types, owned by a user namespace when "
     "user_ns_id is set); flags must be 0 (EINVAL); without may_see_all_namespaces() only the caller's own"},
    {Feature::NsfsFileHandles, "nsfs-file-handles", {6, 18},
     "not identified: nsfs's export_operations (fs/nsfs.c: nsfs_encode_fh(), nsfs_fh_to_dentry(), FD_NSFS_ROOT in "
     "include/uapi/linux/fcntl.h), the nsfs series of 2025; absent in 6.12.118, present in 6.18 (live 6.18.44, with "
     "stable 6.18.y's may_see_all_namespaces() check) and 7.2.13; 6.18 is the first known",
     "nsfs has no export operations: name_to_handle_at() of an nsfs file is EOPNOTSUPP "
     "(fs/fhandle.c: do_sys_name_to_handle(): exportfs_can_encode_fh())",
     "name_to_handle_at() encodes the namespace's id, type and inode; open_by_handle_at(FD_NSFS_ROOT, ...) opens "
     "it again: ESTALE once freed, or when the caller is not in it and may_see_all_namespaces() is false"},
    {Feature::CloneValidExitSignal, "clone-valid-exit-signal", {7, 1},
     "09e7827e7857 (kernel/fork: validate exit_signal in kernel_clone()), an mm-hotfixes fix of May 2026, "
     "believed in 7.1 (its mainline tag not checked); also queued for stable 6.12.y (June 2026). Absent in "
     "6.12.118 and 6.18.44 (live, booted: clone(CLONE_NEWTIME) succeeds), present in 7.2.13 (kernel_clone(): "
     "valid_signal(), booted: EINVAL)",
     "legacy clone() takes any exit signal in its low byte (CSIGNAL); one above _NSIG (64) is kept and never "
     "sent: clone(CLONE_NEWTIME) (exit signal 0x80|SIGCHLD = 145) succeeds without a time namespace",
     "kernel_clone() refuses an exit signal valid_signal() rejects (above _NSIG, 64) with EINVAL, after the "
     "CLONE_PIDFD/CLONE_PARENT_SETTID check and before copy_process(): legacy clone(CLONE_NEWTIME) is EINVAL, "
     "from a process or a thread alike; clone3() is unchanged (it checked the same before)"},
    {Feature::TaskExecState, "task-exec-state", {7, 2},
     "not identified: kernel/exec_state.c (Christian Brauner, 2026; struct task_exec_state); absent in 6.18 "
     "(live), present in 7.2.13 and 7.3-rc7; 7.2 is the first version checked (6.19-7.1 not read)",
     "the dumpability is a flag of the mm and mm->user_ns holds the exe's user namespace until the mm is "
     "freed at exit; an exited task keeps the dumpability exit_mm() saved (task->user_dumpable) and ptrace "
     "checks on it ask for CAP_SYS_PTRACE in init_user_ns",
     "both live in task->exec_state: shared by CLONE_VM siblings and threads, copied by fork, replaced by "
     "exec, put by free_task() after the task is reaped (its user namespace reference goes an RCU grace "
     "period later); a zombie's ptrace check reads the state its live threads still change"},
    {Feature::PidnsFirstForkRetry, "pidns-first-fork-retry", {6, 19},
     "not identified: kernel/pid.c's 2025 rework of alloc_pid() (one pidmap_lock section; believed "
     "6.19); absent in 6.18 (live), present in 7.2.13 (free_pid(): the PIDNS_ADDING case only warns; "
     "alloc_pid(): idr_set_cursor(0) while the namespace has no pid)",
     "free_pid() of a namespace's first pid (its first fork failed after alloc_pid(), e.g. CLONE_INTO_CGROUP) "
     "clears PIDNS_ADDING: the namespace admits no task any more, every later fork into it is ENOMEM",
     "the namespace stays open: the next fork into it starts from pid 1 again and becomes its init"},
    {Feature::AllocPidSetTidChecksFirst, "alloc-pid-set-tid-checks-first", {6, 19},
     "not identified: the same alloc_pid() rework as pidns-first-fork-retry (believed 6.19); absent in 6.18 "
     "(live) and 6.12.117, present in 7.2.13",
     "each level in turn, the task's own first: a set_tid entry out of range is EINVAL, one other than 1 in a "
     "namespace without an init EINVAL, no CAP_SYS_ADMIN/CAP_CHECKPOINT_RESTORE over its owner EPERM, "
     "then the number is taken (EEXIST)",
     "every entry's range (EINVAL) and capability (EPERM) are checked before any number is taken; then per level "
     "the number (EEXIST, EAGAIN), and only then a namespace without an init refuses any number but 1 (EINVAL)"},
    // pidfd namespace ioctls and pid translation (branch pidx)
    {Feature::NsfsIoctlValid, "nsfs-ioctl-valid", {6, 18},
     "not identified: nsfs_ioctl_valid() in fs/nsfs.c (the nsfs series of 2025); absent in 6.12.117, present in "
     "6.18 (live: ENOTTY) and 7.2.13; 6.18 is the first known",
     "ns_ioctl() matches its extensible requests by _IOC_NR() alone, whatever the magic and size: "
     "PIDFD_GET_UTS_NAMESPACE (_IO(0xFF, 10)) on an nsfs fd is taken for NS_MNT_GET_INFO (nr 10) and refused "
     "with EINVAL (not a mount namespace, or a NULL argument); 6.1 has no extensible requests (ENOTTY)",
     "nsfs_ioctl_valid() first: a request nsfs does not know is ENOTTY (-ENOIOCTLCMD)"},
    {Feature::NsPidTranslation, "ns-pid-translation", {6, 11},
     "nsfs: add pid translation ioctls (Christian Brauner, June 2024, believed merged for 6.11 with the pidfd "
     "namespace ioctls; hash not checked here): absent in 6.1.176 (fs/nsfs.c: ns_ioctl()), present in 6.12.117 "
     "and 7.2.13",
     "ioctl(fd, NS_GET_PID_FROM_PIDNS|NS_GET_TGID_FROM_PIDNS|NS_GET_PID_IN_PIDNS|NS_GET_TGID_IN_PIDNS, pid) is "
     "ENOTTY (ns_ioctl()'s default)",
     "on a pid namespace fd: *_IN_PIDNS takes a pid as the caller sees it and returns it as that namespace sees "
     "it, *_FROM_PIDNS the other way round (TGID: the thread group's leader); ESRCH when no task has that pid "
     "or the task has no number on the other side; EINVAL on another type"},
    // open_tree(OPEN_TREE_NAMESPACE): its own block (sim/open_tree.cc).
    {Feature::OpenTreeNamespace, "open-tree-namespace", {7, 0},
     "9b8a0ba68246 (mount: add OPEN_TREE_NAMESPACE; merged by 1bce1a664ac2 into the vfs tree for 7.0), with "
     "7.1's fixes 0febe278ec45 (keep covered mounts covered) and 805d5a2b7928 (directories only), believed: "
     "their diffs are not read here. Absent in 6.1.176, 6.12.117 and 6.18 (live: vfs_open_tree() knows "
     "OPEN_TREE_CLONE and OPEN_TREE_CLOEXEC only), present in 7.2.13 (fs/namespace.c: vfs_open_tree(), "
     "create_new_namespace())",
     "open_tree(PATH, OPEN_TREE_NAMESPACE) is EINVAL: an unknown flag (SYSCALL_DEFINE3(open_tree)'s first check)",
     "a new mount namespace owned by the caller's user namespace, rooted at a copy of PATH's mount (with the "
     "mounts below it for AT_RECURSIVE), which no task is in: the nsfs fd returned holds it (active), "
     "setns() enters it, and the last close frees it. EPERM without CAP_SYS_ADMIN in the caller's own user "
     "namespace; ENOTDIR for a file; EINVAL with OPEN_TREE_CLONE, for a path outside the caller's mount "
     "namespace, and for a caller without privilege over its mount namespace that would leave a mount below "
     "PATH out (no AT_RECURSIVE)"},
    // write("/proc/T/timens_offsets"): sim/timens.cc.
    {Feature::TimensOffsetNsecCheck, "timens-offset-nsec-check", {6, 19},
     "not identified; a fix backported to stable trees, so the profiles cannot follow every kernel: "
     "present in 7.2.13 (source), 6.1.192 and 6.12.118 (live, --vm), absent in 6.1.176 (source) and in "
     "the host's 6.18.44 (live). Dated 6.19 after the newest kernel seen without it",
     "a nanosecond field of 2^63 or more (read with %lu into a long, so negative) passes the parse and is "
     "normalised into the seconds by timespec64_add()",
     "EINVAL for that field, after the seconds' range check"},
}};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].feature) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kTable rows must follow enum Feature");
}  // namespace

std::span<const KernelVersion> known_profiles() { return kProfiles; }

std::string profile_name(KernelVersion v) { return fmt::format("{}.{}", v.major, v.minor); }

std::string known_profiles_text() {
  std::string s;
  for (auto p : kProfiles) {
    if (!s.empty()) s += ", ";
    s += profile_name(p);
    if (p == kDefaultKernel) s += " (default)";
  }
  return s;
}

std::optional<KernelVersion> version_from_release(std::string_view r) {
  KernelVersion v;
  auto* end = r.data() + r.size();
  auto a = std::from_chars(r.data(), end, v.major);
  if (a.ec != std::errc() || a.ptr == end || *a.ptr != '.') return std::nullopt;
  auto b = std::from_chars(a.ptr + 1, end, v.minor);
  if (b.ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<KernelVersion> profile_from_name(std::string_view s) {
  auto v = version_from_release(s);
  if (!v || profile_name(*v) != s) return std::nullopt;
  for (auto p : kProfiles)
    if (p == *v) return p;
  return std::nullopt;
}

KernelVersion live_profile(KernelVersion v) {
  if (v > kNewestModelled) return kNewestModelled;
  if (v < kOldestModelled) return kOldestModelled;
  return v;
}

std::span<const FeatureRow> feature_table() { return kTable; }

KernelFeatures::KernelFeatures(KernelVersion v) {
  for (auto& row : kTable)
    if (v >= row.since) bits_ |= 1u << static_cast<unsigned>(row.feature);
}

}  // namespace nssim
