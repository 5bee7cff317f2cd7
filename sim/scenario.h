// The scenario language (.nss): one statement per line. See
// docs/scenario-language.md for every statement, with examples and errors.
//
//   # comment
//   kernel 6.18                        profile line (optional, before any call)
//   task init                          name of the initial task (optional)
//   TASK: CALL(ARGS) [-> NAME] [= RESULT]
//   (name_to_handle_at(FD) -> H binds H to a file handle: a name of the whole
//   scenario, not of a task's fd table, that any task may open_by_handle_at(H))
//   let NAME = TASK.LINK
//   expect LHS ==|!= RHS   |   expect alive(NAME)   |   expect dead(NAME)
//   expect active(NAME)   |   expect inactive(NAME)   (kernel 6.19+)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/uapi.h"

namespace nssim {

struct Loc {
  int line = 0, col = 0;  // 1-based
};

// A parse or run error located in the scenario source.
struct Diagnostic {
  Loc loc;
  std::string message;  // "unknown flag 'CLONE_NEWFOO'"
  std::string hint;     // "flags are CLONE_* names joined with '|', or 0"
};
// "file:line:col: error: message\n  <source line>\n  ^\nhint: ..."
std::string format_diagnostic(std::string_view file, std::string_view source, const Diagnostic& d);
// All of `ds`, each formatted as format_diagnostic() does, in one pass over
// `source` when they are in line order (a parse's errors are), so a file with
// an error on each of 10^5 lines prints in linear time.
std::string format_diagnostics(std::string_view file, std::string_view source, const std::vector<Diagnostic>& ds);

// umount2()'s MNT_DETACH (include/linux/fs.h): a lazy unmount.
inline constexpr uint64_t kMntDetach = 2;
// open()'s one modelled flag (O_CLOEXEC, as in <fcntl.h>).
inline constexpr uint64_t kOCloexec = 02000000;
// recvmsg()'s one modelled flag (MSG_CMSG_CLOEXEC, include/linux/socket.h).
inline constexpr uint64_t kMsgCmsgCloexec = 0x40000000;
// open_tree()'s flags (include/uapi/linux/mount.h, include/uapi/linux/fcntl.h @ v7.2).
inline constexpr uint64_t kOpenTreeClone = 1, kOpenTreeNamespace = 2, kOpenTreeCloexec = 02000000,
                          kAtRecursive = 0x8000;

enum class CallKind : uint8_t {
  Clone, Clone3, Unshare, Setns, Open, Close, Exit, Wait, PidfdOpen, Sethostname,
  Thread, Setuid, Setgid, Setresuid, Setresgid, Write, Ioctl, Mount, Umount, PrctlDumpable,
  PrctlChildSubreaper, Exec, Socket, Socketpair, Send, Recv, Capset, PrctlKeepcaps, PrctlCapbsetDrop, Setgroups,
  Chroot, Mkdir, Rmdir, PivotRoot,
  Listns,  // listns(TYPES, owner=FD[, flags=N]): a count (kernel/nstree.c @ v7.2)
  NameToHandleAt, OpenByHandleAt,  // nsfs file handles: name_to_handle_at(FD) -> H, open_by_handle_at(H) -> FD
  // open_tree("/srv/DIR", OPEN_TREE_NAMESPACE[|AT_RECURSIVE][|OPEN_TREE_CLOEXEC]) -> F: an nsfs fd of a new
  // mount namespace (fs/namespace.c: vfs_open_tree() @ v7.2; flags in c.flags, open_tree()'s own values)
  OpenTree,
};
std::string_view call_name(CallKind k);

// A path a call names:
//   /proc/TASK/ns/LINK        TASK a task name, self (the thread group leader) or thread-self
//   /proc/TASK/uid_map|gid_map|setgroups
//   /run/P, /srv/P, /mnt/P, /media/P   files the run creates (bind-mount targets;
//        P one or more '/'-separated names, no '.' or '..'): the live sandbox
//        covers these four directories with private tmpfs mounts
//   /sys/fs/cgroup[/P]        a cgroup v2 directory, P relative to the run's
//        root cgroup (the live backend's per-run directory); P one or more
//        '/'-separated names of letters, digits, '_' and '-'
//   /run/P/proc/TASK/ns/LINK (and the other /proc forms under such a P): a /proc
//        path reached through a directory, e.g. the old root pivot_root() put there
struct NsPath {
  enum Kind : uint8_t { ProcNs, ProcFile, Run, Cgroup } kind = ProcNs;
  std::string task;  // ProcNs/ProcFile
  Link link = Link::Net;  // ProcNs
  std::string file;  // ProcFile: "uid_map", "gid_map" or "setgroups"
  // Run: the path; Cgroup: the path below the run's root cgroup ("" for the
  // root, "a/b"). One string for both kinds: a parsed scenario holds two
  // NsPaths per statement, and a million-line scenario must stay small.
  std::string run;
  const std::string& cgroup() const { return run; }
  std::string via;   // ProcNs/ProcFile: the directory /proc is looked up in ("" = "/")
};
// The directory every cgroup path starts with.
inline constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup";
// Parses a path of the shapes above; nullopt otherwise.
std::optional<NsPath> parse_path(std::string_view p);

// The ns_ioctl() requests, then sock_ioctl()'s SIOCGSKNS (same order as Kernel::NsIoctl).
enum class IoctlCmd : uint8_t {
  NsGetUserns, NsGetParent, NsGetNstype, NsGetOwnerUid, SiocGskns,
  NsGetId, NsGetMntnsId,  // namespace ids (a number; --real compares them by identity)
  // pidfd namespace ioctls (include/uapi/linux/pidfd.h, fs/pidfs.c: pidfd_ioctl()):
  // PIDFD_GET_<X>_NAMESPACE, in the order of their numbers 1..10; each a new nsfs fd.
  PidfdGetCgroupNs, PidfdGetIpcNs, PidfdGetMntNs, PidfdGetNetNs, PidfdGetPidNs, PidfdGetPidForChildrenNs,
  PidfdGetTimeNs, PidfdGetTimeForChildrenNs, PidfdGetUserNs, PidfdGetUtsNs,
  // pid translation on a pid namespace fd (include/uapi/linux/nsfs.h, fs/nsfs.c:
  // ns_ioctl(); Feature::NsPidTranslation): ioctl(FD, REQ, TASK|N), a number.
  NsGetPidFromPidns, NsGetTgidFromPidns, NsGetPidInPidns, NsGetTgidInPidns,
};
// NS_GET_{PID,TGID}_{FROM,IN}_PIDNS: a pid argument, a pid number as result.
inline bool ioctl_translates_pid(IoctlCmd c) { return c >= IoctlCmd::NsGetPidFromPidns; }
// *_FROM_PIDNS: the argument is a number in the fd's pid namespace (else in the caller's).
inline bool ioctl_pid_from_fd_ns(IoctlCmd c) {
  return c == IoctlCmd::NsGetPidFromPidns || c == IoctlCmd::NsGetTgidFromPidns;
}
// The argument passed for a task that has no number where one is needed (not
// in that namespace, or reaped): above PID_MAX_LIMIT, so no task has it (the
// live backend's kNoSuchPid). Non-zero, as the task's number would be.
inline constexpr int32_t kNoPidNumber = 0x3fffffff;
// PIDFD_GET_<X>_NAMESPACE (a pidfd's namespace ioctls).
inline bool ioctl_is_pidfd_ns(IoctlCmd c) { return c >= IoctlCmd::PidfdGetCgroupNs && c <= IoctlCmd::PidfdGetUtsNs; }
// The requests that return a namespace id.
inline bool ioctl_returns_id(IoctlCmd c) { return c == IoctlCmd::NsGetId || c == IoctlCmd::NsGetMntnsId; }
// ioctl requests whose result is a new nsfs fd (named with '-> NAME').
inline bool ioctl_makes_fd(IoctlCmd c) {
  return c == IoctlCmd::NsGetUserns || c == IoctlCmd::NsGetParent || c == IoctlCmd::SiocGskns ||
         ioctl_is_pidfd_ns(c);
}

// One set of capset(): capset(effective-=CAP_SYS_ADMIN, permitted=CAP_NET_ADMIN).
// Keep: not named (unchanged); Set: '=' MASK; Add: '+=' MASK; Remove: '-=' MASK,
// relative to the caller's set when it calls.
struct CapChange {
  enum Op : uint8_t { Keep, Set, Add, Remove } op = Keep;
  uint64_t mask = 0;
  uint64_t apply(uint64_t old) const {
    return op == Set ? mask : op == Add ? (old | mask) : op == Remove ? (old & ~mask) : old;
  }
  friend bool operator==(const CapChange&, const CapChange&) = default;
};
enum CapsetWhich : uint8_t { kCapEffective, kCapPermitted, kCapInheritable };

struct CallStmt {
  Loc loc;               // of the task name
  std::string task;      // who makes the call
  CallKind kind = CallKind::Clone;
  Loc call_loc;          // of the call name
  uint64_t flags = 0;    // clone/clone3/unshare/setns; umount: 0 or kMntDetach; open: 0 or kOCloexec;
                         // recv: 0 or kMsgCmsgCloexec; mount: kMsBind, or kMsRec|kMsPrivate/kMsSlave/kMsShared
                         // (mount("none", "/", ...))
  std::string fd;        // setns/close/ioctl/name_to_handle_at: fd name; send/recv: the socket;
                         // open_by_handle_at: the file handle's name (flags: 0 or kOCloexec)
  Loc fd_loc;
  std::string fd2;       // send: the fd passed (SCM_RIGHTS)
  Loc fd2_loc;
  NsPath path;           // open, write, umount; mount: the source (MS_BIND only)
  std::string path_text; // the path as written (mkdir, rmdir: a cgroup path)
  Loc path_loc;          // of the path string
  NsPath path2;          // mount: the target
  Loc path2_loc;
  std::string data;      // write: the bytes written
  uint32_t ids[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};  // setuid/setgid: ids[0]; setres*: r, e, s
  IoctlCmd ioctl = IoctlCmd::NsGetNstype;
  std::string target;    // wait/pidfd_open: task name; ioctl(FD, NS_GET_*_PIDNS, TASK): TASK (else `code`)
  Loc target_loc;
  int code = 0;          // exit; prctl: the value; socket, socketpair: the address family (kAf*);
                         // ioctl(FD, NS_GET_*_PIDNS, N): the pid number N
  int64_t cap = 0;       // prctl(PR_CAPBSET_DROP): the capability number
  CapChange caps[3];     // capset: by CapsetWhich
  std::vector<uint32_t> groups;  // setgroups: gids in the caller's user namespace
  std::string str;       // sethostname
  uint64_t listns_flags = 0;  // listns: its flags argument (flags=N; the kernel wants 0)
  std::optional<std::string> out;  // -> NAME
  Loc out_loc;
  std::vector<int32_t> set_tid;  // clone3(FLAGS, set_tid=[N, ...]): the child's namespace first
  std::string cgroup_fd;         // clone3(CLONE_INTO_CGROUP, cgroup=FD): the fd name of a cgroup directory
  Loc cgroup_fd_loc;
  std::optional<std::string> out2;  // socketpair: -> NAME1, NAME2 (the second); clone with CLONE_PIDFD: the pidfd
  Loc out2_loc;
  std::optional<std::string> assert_result;  // = RESULT ("0", "EINVAL", a name)
  std::string text;      // the call as written, e.g. "clone(CLONE_NEWUTS) -> b"
};

// A reference to something in the model: TASK.LINK, a let name, plus attributes.
//   a.net            namespace       a.nsproxy        nsproxy
//   N / a.net        namespace       N.refs N.inum N.level  integers
//   a.nsproxy.count  integer         a.hostname       string
//   a.pid  a.pid@b   integer         a.state          string
struct Term {
  enum Kind : uint8_t { Path, Int, Str, None, Blank } kind = Path;
  Loc loc;
  std::string base;               // task or let name (Path)
  std::vector<std::string> attrs; // ".net", ".refs", ...
  std::string at;                 // a.pid@b: seen from b's pid namespace
  int64_t ival = 0;
  std::string sval;
  std::string text;               // as written
};

struct Expr {
  // Active/Inactive: Feature::ActiveRefs (6.19+), Kernel::active_namespaces().
  enum Kind : uint8_t { Eq, Ne, Alive, Dead, Active, Inactive } kind = Eq;
  Term lhs, rhs;  // Alive/Dead/Active/Inactive use lhs only
  bool unary() const { return kind == Alive || kind == Dead || kind == Active || kind == Inactive; }
};

struct LetStmt {
  Loc loc;
  std::string name;
  Term value;
};
struct ExpectStmt {
  Loc loc;
  Expr expr;
  std::string text;
};

struct Statement {
  int line = 0;
  std::variant<CallStmt, LetStmt, ExpectStmt> s;
};

struct Scenario {
  std::string file;           // for diagnostics
  std::string source;
  std::optional<std::string> kernel;  // "6.18"
  std::string init_name = "init";
  std::vector<Statement> statements;
};

struct ParseResult {
  Scenario scenario;
  std::vector<Diagnostic> errors;  // empty on success
  bool ok() const { return errors.empty(); }
};

// Whether a scenario uses cgroup statements (mkdir, rmdir or open of a
// /sys/fs/cgroup path): the live backend then gives the run a cgroup of its
// own (clone3 with CLONE_INTO_CGROUP needs none without an fd of one: EBADF).
bool uses_cgroups(const Scenario& sc);

// Parse a whole scenario. Never throws; every problem becomes a Diagnostic
// with line:column, the offending token and what was expected.
ParseResult parse_scenario(std::string_view source, std::string file = "<input>");

}  // namespace nssim
