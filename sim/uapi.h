// The user-visible ABI the model speaks: clone flags, namespace types and the
// ten /proc/PID/ns link names. Values are Linux's (include/uapi/linux/sched.h
// @ v6.18), spelled out here so the simulator builds without kernel headers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// glibc's <sched.h> defines these as macros; define the ones it lacks with the
// same (ABI) values, and check the ones it has.
#if __has_include(<sched.h>)
#include <sched.h>
#endif
#ifndef CSIGNAL
#define CSIGNAL 0x000000ffULL
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080ULL
#endif
#ifndef CLONE_VM
#define CLONE_VM 0x00000100ULL
#endif
#ifndef CLONE_FS
#define CLONE_FS 0x00000200ULL
#endif
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400ULL
#endif
#ifndef CLONE_SIGHAND
#define CLONE_SIGHAND 0x00000800ULL
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000ULL
#endif
#ifndef CLONE_PTRACE
#define CLONE_PTRACE 0x00002000ULL
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000ULL
#endif
#ifndef CLONE_PARENT
#define CLONE_PARENT 0x00008000ULL
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000ULL
#endif
#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000ULL
#endif
#ifndef CLONE_SYSVSEM
#define CLONE_SYSVSEM 0x00040000ULL
#endif
#ifndef CLONE_SETTLS
#define CLONE_SETTLS 0x00080000ULL
#endif
#ifndef CLONE_PARENT_SETTID
#define CLONE_PARENT_SETTID 0x00100000ULL
#endif
#ifndef CLONE_CHILD_CLEARTID
#define CLONE_CHILD_CLEARTID 0x00200000ULL
#endif
#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000ULL
#endif
#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000ULL
#endif
#ifndef CLONE_CHILD_SETTID
#define CLONE_CHILD_SETTID 0x01000000ULL
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000ULL
#endif
#ifndef CLONE_NEWUTS
#define CLONE_NEWUTS 0x04000000ULL
#endif
#ifndef CLONE_NEWIPC
#define CLONE_NEWIPC 0x08000000ULL
#endif
#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000ULL
#endif
#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000ULL
#endif
#ifndef CLONE_NEWNET
#define CLONE_NEWNET 0x40000000ULL
#endif
#ifndef CLONE_IO
#define CLONE_IO 0x80000000ULL
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
// include/uapi/linux/sched.h @ v7.2 (Feature::EmptyMntns): clone3's bit 37,
// and unshare's 32-bit alias, which is CLONE_PARENT_SETTID's bit.
#ifndef CLONE_EMPTY_MNTNS
#define CLONE_EMPTY_MNTNS (1ULL << 37)
#endif
#ifndef UNSHARE_EMPTY_MNTNS
#define UNSHARE_EMPTY_MNTNS 0x00100000ULL
#endif

namespace nssim {

static_assert(static_cast<uint64_t>(CSIGNAL) == 0x000000ffULL);
static_assert(static_cast<uint64_t>(CLONE_NEWTIME) == 0x00000080ULL);
static_assert(static_cast<uint64_t>(CLONE_VM) == 0x00000100ULL);
static_assert(static_cast<uint64_t>(CLONE_FS) == 0x00000200ULL);
static_assert(static_cast<uint64_t>(CLONE_FILES) == 0x00000400ULL);
static_assert(static_cast<uint64_t>(CLONE_SIGHAND) == 0x00000800ULL);
static_assert(static_cast<uint64_t>(CLONE_PIDFD) == 0x00001000ULL);
static_assert(static_cast<uint64_t>(CLONE_PTRACE) == 0x00002000ULL);
static_assert(static_cast<uint64_t>(CLONE_VFORK) == 0x00004000ULL);
static_assert(static_cast<uint64_t>(CLONE_PARENT) == 0x00008000ULL);
static_assert(static_cast<uint64_t>(CLONE_THREAD) == 0x00010000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWNS) == 0x00020000ULL);
static_assert(static_cast<uint64_t>(CLONE_SYSVSEM) == 0x00040000ULL);
static_assert(static_cast<uint64_t>(CLONE_SETTLS) == 0x00080000ULL);
static_assert(static_cast<uint64_t>(CLONE_PARENT_SETTID) == 0x00100000ULL);
static_assert(static_cast<uint64_t>(CLONE_CHILD_CLEARTID) == 0x00200000ULL);
static_assert(static_cast<uint64_t>(CLONE_DETACHED) == 0x00400000ULL);
static_assert(static_cast<uint64_t>(CLONE_UNTRACED) == 0x00800000ULL);
static_assert(static_cast<uint64_t>(CLONE_CHILD_SETTID) == 0x01000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWCGROUP) == 0x02000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWUTS) == 0x04000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWIPC) == 0x08000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWUSER) == 0x10000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWPID) == 0x20000000ULL);
static_assert(static_cast<uint64_t>(CLONE_NEWNET) == 0x40000000ULL);
static_assert(static_cast<uint64_t>(CLONE_IO) == 0x80000000ULL);
static_assert(static_cast<uint64_t>(CLONE_CLEAR_SIGHAND) == 0x100000000ULL);
static_assert(static_cast<uint64_t>(CLONE_INTO_CGROUP) == 0x200000000ULL);

// All CLONE_NEW* bits (the kernel's CLONE_NEWNS|...|CLONE_NEWTIME set).
inline constexpr uint64_t CLONE_NEW_ANY = static_cast<uint64_t>(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                          CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME);

inline constexpr int SIGCHLD_NR = 17;  // x86/arm/generic; the exit signal clone(FLAGS) adds
inline constexpr int NSIG_NR = 64;     // _NSIG (x86/arm/generic): valid_signal() accepts 0..64
inline constexpr uint32_t PIDFD_NONBLOCK = 04000;  // O_NONBLOCK
inline constexpr uint32_t PIDFD_THREAD = 0200;     // O_EXCL

// Namespace types, in the order of struct nsproxy where they live there.
enum class NsType : uint8_t { Uts, Ipc, Mnt, Pid, Net, Time, Cgroup, User };
inline constexpr int kNsTypes = 8;

// The ten links under /proc/PID/ns, in `ls` order (fs/proc/namespaces.c).
enum class Link : uint8_t {
  Cgroup, Ipc, Mnt, Net, Pid, PidForChildren, Time, TimeForChildren, User, Uts
};
inline constexpr int kLinks = 10;
inline constexpr std::array<Link, kLinks> kAllLinks{
    Link::Cgroup, Link::Ipc, Link::Mnt, Link::Net, Link::Pid,
    Link::PidForChildren, Link::Time, Link::TimeForChildren, Link::User, Link::Uts};

std::string_view link_name(Link l);            // "pid_for_children"
std::optional<Link> link_from_name(std::string_view name);
NsType link_type(Link l);                      // pid_for_children -> Pid
std::string_view ns_type_name(NsType t);       // "net" (the /proc link name of the type)
std::optional<NsType> ns_type_from_name(std::string_view name);
// Net -> CLONE_NEWNET (inline: setns() asks on every call).
inline constexpr std::array<uint64_t, kNsTypes> kNsTypeCloneFlags{
    CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME, CLONE_NEWCGROUP, CLONE_NEWUSER};
constexpr uint64_t ns_type_clone_flag(NsType t) { return kNsTypeCloneFlags[static_cast<int>(t)]; }
std::optional<NsType> ns_type_from_clone_flag(uint64_t flag);  // exactly one CLONE_NEW* bit

// Names of clone flags, for parsing "CLONE_NEWUTS|CLONE_NEWNET" and printing.
std::optional<uint64_t> clone_flag_from_name(std::string_view name);
std::string clone_flags_str(uint64_t flags);   // "CLONE_NEWUTS|CLONE_NEWNET", "0"

// Capability names (include/uapi/linux/capability.h @ v6.12: CAP_CHOWN 0 ..
// CAP_CHECKPOINT_RESTORE 40), for parsing "CAP_SYS_ADMIN" and printing sets.
std::optional<int> cap_from_name(std::string_view name);
std::string_view cap_name(int cap);             // "" for a number past CAP_LAST_CAP
// A set: "0", "ALL" (every capability), "ALL-CAP_SYS_ADMIN" (all but a few)
// or "CAP_NET_ADMIN|CAP_SYS_ADMIN".
std::string cap_set_str(uint64_t set);

// socket(2) address families nssim models (include/linux/socket.h).
inline constexpr int kAfUnix = 1, kAfInet = 2, kAfInet6 = 10, kAfNetlink = 16;

// mount()'s flags (include/uapi/linux/mount.h): MS_BIND for a bind mount of a
// namespace file; MS_REC with one propagation type for mount("none", "/", ...).
inline constexpr uint64_t kMsBind = 4096, kMsRec = 16384, kMsPrivate = 1 << 18, kMsSlave = 1 << 19,
                          kMsShared = 1 << 20;

// The directories under which a run creates files (bind-mount targets): the
// live sandbox covers each with a private tmpfs, so nothing reaches the host.
inline constexpr std::string_view kCreatedPathRoots[] = {"/run", "/srv", "/mnt", "/media"};
inline bool created_path_root(std::string_view p) {
  for (std::string_view r : kCreatedPathRoots)
    if (p == r) return true;
  return false;
}

}  // namespace nssim
