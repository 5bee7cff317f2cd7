// The controller <-> agent protocol of the live-kernel backend. Every
// scenario task is a real process (an agent) created by its parent task's
// real clone/clone3; it executes one system call per request and answers
// with the raw result. Fixed-size messages over a SOCK_SEQPACKET socketpair
// made by the controller (in the host network namespace, so agent plumbing
// never pins a scenario namespace).
#pragma once

#include <cstdint>

namespace nssim::real {

enum class Op : uint32_t {
  Clone = 1,    // a[0] = flags (legacy clone: incl. the exit signal), a[1] = 1 for clone3 (str: its set_tid
                // array of int32 pids, len = 4 * count; bits 32..63 of a[1]: clone_args.cgroup + 1, 0 for none),
                // a[2] = child's channel fd number, a[3] = clone3's exit_signal
  Unshare,      // a[0] = flags
  Setns,        // a[0] = fd, a[1] = nstype
  Open,         // str = path, a[0] = extra open() flags (0 or O_CLOEXEC)
  Close,        // a[0] = fd
  Exit,         // a[0] = code (the exit syscall: only the calling thread)
  Wait,         // a[0] = pid in the caller's pid namespace
  PidfdOpen,    // a[0] = pid in the caller's pid namespace, a[1] = flags
  Sethostname,  // str = name
  Gethostname,  // reply: str
  Thread,       // pthread_create(); a[2] = the new thread's channel fd number
  Setuid,       // a[0]
  Setgid,       // a[0]
  Setresuid,    // a[0..2] (-1 = unchanged)
  Setresgid,    // a[0..2]
  WriteFile,    // str = path '\0' data: open(O_WRONLY), write, close
  Ioctl,        // a[0] = fd, a[1] = request; NS_GET_OWNER_UID's uid, NS_GET_ID's and NS_GET_MNTNS_ID's id come back as ret
  MountBind,    // str = source '\0' target: create the target file (and its parent directories), then mount(MS_BIND);
                // source == target, a directory or missing: mkdir -p it, mount(MS_BIND | a[0]) (a[0]: 0 or MS_REC)
  Umount,       // str = path, a[0]: umount2() flags (0 or MNT_DETACH)
  SetDumpable,  // a[0]: prctl(PR_SET_DUMPABLE, a[0])
  SetChildSubreaper,  // a[0]: prctl(PR_SET_CHILD_SUBREAPER, a[0])
  Exec,         // execve("/proc/self/exe"): the new image answers (kAgentExecEnv), keeping the channel
  Socket,       // a[0] = family: socket(family, a datagram/route type, 0) in the caller's net namespace
  Socketpair,   // a[0] = family: socketpair(family, SOCK_STREAM, 0); ret = fd0 << 32 | fd1
  SendFd,       // a[0] = socket, a[1] = fd: sendmsg() of one byte with SCM_RIGHTS [fd], MSG_NOSIGNAL|MSG_DONTWAIT
  RecvFd,       // a[0] = socket, a[1] = extra recvmsg() flags (0 or MSG_CMSG_CLOEXEC): one byte, MSG_DONTWAIT;
                // ret = the fd received, kRecvEof (0 bytes) or kRecvNoFd (a byte without one)
  Capset,       // a[0..2] = effective, permitted, inheritable masks; a[3] = their CapChange::Op, 2 bits each
                // (bits 0-1 effective...): capget(), the changes, capset() on the calling thread (pid 0)
  SetKeepcaps,  // a[0]: prctl(PR_SET_KEEPCAPS, a[0])
  CapbsetDrop,  // a[0]: prctl(PR_CAPBSET_DROP, a[0])
  Setgroups,    // str = the gids (uint32_t each, len = 4 * count): the raw setgroups() (the calling thread only)
  MountPropagation,  // a[0] = MS_REC|MS_PRIVATE/MS_SLAVE/MS_SHARED: mount("none", "/", NULL, a[0], NULL)
  Chroot,       // str = a directory under a sandbox tmpfs root: mkdir -p, then chroot() (the agent keeps
                // an fd of /proc at kProcDirFd first, to find its ids there)
  CgroupOpen,   // str = a cgroup path relative to the run's cgroup ("." for it), a[0] = 0 or O_CLOEXEC:
                // openat(kCgroupDirFd, str, O_RDONLY | O_DIRECTORY | a[0])
  CgroupMkdir,  // str = that relative path: mkdirat(kCgroupDirFd, str, 0755)
  CgroupRmdir,  // str = that relative path: unlinkat(kCgroupDirFd, str, AT_REMOVEDIR)
  ReadCgroup,   // reply str: the "0::" line's path of /proc/thread-self/cgroup (through kProcDirFd)
  PivotRoot,    // str, str2 = new_root, put_old under a sandbox tmpfs root: mkdir -p both, then pivot_root()
  Listns,       // a[0] = ns_type, a[1] = the owner's nsfs fd (its NS_GET_ID is req.user_ns_id; an fd without
                // one gives an id no namespace has), a[2] = flags: listns(); ret = how many ids it listed
  NameToHandle,  // a[0] = fd: name_to_handle_at(fd, "", AT_EMPTY_PATH); reply str = the whole struct file_handle
  OpenByHandle,  // str = a struct file_handle as NameToHandle gave it, a[0] = 0 or O_CLOEXEC:
                 // open_by_handle_at(FD_NSFS_ROOT, str, O_RDONLY | a[0])
  OpenTree,     // str = a directory under a sandbox tmpfs root, a[0] = flags: mkdir -p, then
                // open_tree(AT_FDCWD, str, a[0]) (syscall 428); ret = the fd (an nsfs fd with OPEN_TREE_NAMESPACE)
  Hello = 100,  // agent -> controller after creation: a[0] = tgid, a[1] = tid (/proc's pid namespace);
                // spawned agents pass an fd of their active pid namespace (SCM_RIGHTS)
};

inline constexpr int64_t kRecvEof = -2, kRecvNoFd = -3;
// The sandbox marks each private tmpfs it mounts over a root of
// kCreatedPathRoots with this file; the agent creates nothing under a root
// without it (it would be the host's directory).
inline constexpr const char* kSandboxTmpfsMark = ".nssim-sandbox-tmpfs";

// Room for a /proc path and a page of data (uid_map accepts up to a page).
inline constexpr int kStrMax = 4096 + 256;

struct Msg {
  Op op;
  uint32_t len;     // bytes used in str
  int64_t a[4];
  char str[kStrMax];
};

struct Reply {
  int64_t ret;      // syscall return value (>= 0) or -1
  int32_t err;      // errno when ret == -1
  uint32_t len;
  char str[kStrMax];
};

// Waits until fd is readable (or at EOF, or a pidfd's task has exited),
// retrying on EINTR; false on timeout.
bool wait_readable(int fd, int timeout_ms);
// One message, with an fd passed by SCM_RIGHTS when passfd >= 0.
bool send_msg(int fd, const Msg& m, int passfd);
// Receives one whole message (retrying on EINTR); the fd passed with it, if
// any, in *passed (-1: none). recvmsg() flags, e.g. MSG_CMSG_CLOEXEC.
bool recv_msg(int ch, Msg& m, int* passed, int flags = 0);

// First file descriptor number used for agent channels: agent i listens on
// kChannelBase + i, far above the fds a scenario opens (which start at 3, as
// in the model), so fd numbers agree between the model and the kernel.
inline constexpr int kChannelBase = 1000;
// Every agent has an O_PATH fd of the sandbox's /proc here, opened by its
// pid 1 before the run (inherited, kept across exec; below the channels,
// skipped where a task's fds are listed): a chroot() -- its own or a CLONE_FS
// sharer's -- hides /proc, and its children still report their ids from it.
inline constexpr int kProcDirFd = kChannelBase - 1;
// In runs with cgroup statements (RealBackend::Options::cgroup) every agent
// has an O_PATH fd of the run's own cgroup2 directory here (inherited, kept
// across exec and chroot; skipped where fds are listed): cgroup paths are
// looked up from it, so they never reach another cgroup of the host.
inline constexpr int kCgroupDirFd = kChannelBase - 2;

// The environment an exec'd agent finds its channel in ("NSSIM_AGENT_EXEC=FD",
// plus "NSSIM_AGENT_INIT=1" for the sandbox's pid 1): a constructor of every
// binary that links the live backend answers the Exec request and runs
// agent_main() before anything else of that binary starts.
inline constexpr char kAgentExecEnv[] = "NSSIM_AGENT_EXEC";
inline constexpr char kAgentInitEnv[] = "NSSIM_AGENT_INIT";

// Runs the agent loop on `channel` until told to exit or the controller goes
// away (EOF). `sandbox_init`: this is the sandbox's pid 1, which re-arms its
// parent-death signal after credential changes (commit_creds() clears it).
// Never returns.
[[noreturn]] void agent_main(int channel, bool sandbox_init);

// Host tgid and tid of the calling thread, from the host procfs
// (/proc/thread-self -> "TGID/task/TID").
void host_ids(int64_t& tgid, int64_t& tid);

}  // namespace nssim::real
