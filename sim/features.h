// Kernel versions and what changed between them. This is the one place where
// the model's version-dependent rules are decided: each row of the feature
// table names the version that brought a behaviour and the commit that did it,
// and the model asks `Kernel::has(Feature::X)` instead of comparing versions.
// docs/kernels.md lists the same rows (a test keeps the two in step).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nssim {

struct KernelVersion {
  uint16_t major = 6, minor = 18;
  auto operator<=>(const KernelVersion&) const = default;
};

// The kernels a scenario can name (`kernel 6.1`): 6.1 (Debian 12), 6.2 (the
// first with the time-namespace exec switch), 6.12 (Debian 13), 6.18 (the
// default and the version the rules are written against), 7.2 (Debian sid)
// and 7.3 (Debian experimental, 7.3-rc7).
inline constexpr KernelVersion kDefaultKernel{6, 18};
std::span<const KernelVersion> known_profiles();
std::optional<KernelVersion> profile_from_name(std::string_view s);  // a known profile only
std::string profile_name(KernelVersion v);                           // "6.18"
std::string known_profiles_text();                                   // "6.1, 6.2, 6.12, 6.18 (default), 7.2, 7.3"

// "6.18.44-fc-v1272" (uname -r) -> 6.18; nullopt when it does not start with
// MAJOR.MINOR.
std::optional<KernelVersion> version_from_release(std::string_view release);

// The newest version whose behaviour the model knows. A live kernel above it
// is modelled as this one (what changed since is not modelled; the caller
// says so).
inline constexpr KernelVersion kNewestModelled{7, 3};
inline constexpr KernelVersion kOldestModelled{6, 1};
// The version the model uses for live kernel `v`: v itself, clamped to
// [kOldestModelled, kNewestModelled].
KernelVersion live_profile(KernelVersion v);

enum class Feature : uint8_t {
  TimensForCloneVm,     // CLONE_VM/CLONE_THREAD allowed across a time-namespace switch; exec switches
  PidfdThread,          // pidfd_open(PIDFD_THREAD); a thread without it stays EINVAL
  PidMaxPerPidNs,       // each pid namespace has its own pid_max, PID_MAX_LIMIT when made
  FixedInitNetMntInum,  // init_net and the initial mount namespace have fixed inode numbers
  LockMountChecksMounted,  // lock_mount() refuses a path on a detached mount (ENOENT)
  ActiveRefs,              // ns_common's active reference count: a namespace held only internally is inactive
  PidForChildrenBeforeInit,  // /proc/PID/ns/pid_for_children opens before its namespace has an init
  EmptyMntns,              // unshare(UNSHARE_EMPTY_MNTNS), clone3(CLONE_EMPTY_MNTNS): a mount namespace of one mount
  PidfdNonLeaderEnoent,    // pidfd_open() of a thread without PIDFD_THREAD: ENOENT (EINVAL before)
  PidfdIoctl,              // a pidfd has an ioctl (PIDFD_GET_*_NAMESPACE) that checks arg and task first
  PidfsIoctlValid,         // a pidfd refuses an ioctl it does not know first: ENOTTY (arg/task checks before)
  MntnsInstallChecksCurrentFs,  // mntns_install() checks current->fs, not nsset->fs (6.12; see the next row)
  MntnsInstallChecksNssetFs,    // mntns_install() checks nsset->fs again (as 6.1 did): a private copy with other flags
  NsGetMntnsId,            // ioctl(NS_GET_MNTNS_ID) on a mount namespace fd (ENOTTY before)
  NsGetId,                 // ioctl(NS_GET_ID): one 64-bit id space for every namespace type (ENOTTY before)
  FixedInitNsIds,          // the initial namespaces' ids are fixed 1..8, later ones count up from 10
  Listns,                  // the listns() system call (ENOSYS before)
  NsfsFileHandles,         // name_to_handle_at()/open_by_handle_at(FD_NSFS_ROOT) on nsfs files (EOPNOTSUPP before)
  CloneValidExitSignal,    // kernel_clone() refuses an exit signal above _NSIG: legacy clone(CLONE_NEWTIME) is EINVAL
  TaskExecState,           // dumpability and the ptrace user namespace live in task->exec_state, kept until the task is freed
  PidnsFirstForkRetry,     // a failed first fork into a pid namespace leaves it open: the next fork is its init
  AllocPidSetTidChecksFirst,  // alloc_pid() checks every set_tid entry (EINVAL, EPERM) before taking any number
  // pidfd namespace ioctls and pid translation (branch pidx)
  NsfsIoctlValid,          // ns_ioctl() refuses a command it does not know first: ENOTTY (6.12: EINVAL for some)
  NsPidTranslation,        // ioctl(pid-ns fd, NS_GET_{PID,TGID}_{FROM,IN}_PIDNS, pid) (ENOTTY before)
  // open_tree(OPEN_TREE_NAMESPACE): a new mount namespace no task is in, held by the returned nsfs fd
  OpenTreeNamespace,
  TimensOffsetNsecCheck,   // proc_timens_set_offset() refuses a negative tv_nsec (EINVAL)
  kCount
};

struct FeatureRow {
  Feature feature;
  std::string_view name;    // "timens-for-clone-vm"
  KernelVersion since;      // first version with it
  std::string_view commit;  // "2b5f9dad32ed (fs/exec: switch timens when a task gets a new mm)"
  std::string_view before;  // the behaviour before `since`
  std::string_view after;   // since
};
std::span<const FeatureRow> feature_table();

class KernelFeatures {
 public:
  KernelFeatures() = default;
  explicit KernelFeatures(KernelVersion v);
  bool has(Feature f) const { return bits_ & (1u << static_cast<unsigned>(f)); }

 private:
  uint32_t bits_ = 0;
};

}  // namespace nssim
