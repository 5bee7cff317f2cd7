#include "sim/uapi.h"

#include <bit>
#include <utility>

namespace nssim {
namespace {
constexpr std::array<std::string_view, kLinks> kLinkNames{
    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
constexpr std::array<std::string_view, kNsTypes> kTypeNames{"uts", "ipc", "mnt", "pid",
                                                            "net", "time", "cgroup", "user"};
constexpr std::array<uint64_t, kNsTypes> kTypeFlags{CLONE_NEWUTS, CLONE_NEWIPC,  CLONE_NEWNS,
                                                    CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWTIME,
                                                    CLONE_NEWCGROUP, CLONE_NEWUSER};
constexpr std::array<std::pair<std::string_view, uint64_t>, 29> kFlagNames{{
    {"CLONE_VM", CLONE_VM},
    {"CLONE_FS", CLONE_FS},
    {"CLONE_FILES", CLONE_FILES},
    {"CLONE_SIGHAND", CLONE_SIGHAND},
    {"CLONE_PIDFD", CLONE_PIDFD},
    {"CLONE_PTRACE", CLONE_PTRACE},
    {"CLONE_VFORK", CLONE_VFORK},
    {"CLONE_PARENT", CLONE_PARENT},
    {"CLONE_THREAD", CLONE_THREAD},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_SYSVSEM", CLONE_SYSVSEM},
    {"CLONE_SETTLS", CLONE_SETTLS},
    {"CLONE_PARENT_SETTID", CLONE_PARENT_SETTID},
    {"CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID},
    {"CLONE_DETACHED", CLONE_DETACHED},
    {"CLONE_UNTRACED", CLONE_UNTRACED},
    {"CLONE_CHILD_SETTID", CLONE_CHILD_SETTID},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_IO", CLONE_IO},
    {"CLONE_NEWTIME", CLONE_NEWTIME},
    {"CLONE_CLEAR_SIGHAND", CLONE_CLEAR_SIGHAND},
    {"CLONE_INTO_CGROUP", CLONE_INTO_CGROUP},
    {"CLONE_EMPTY_MNTNS", CLONE_EMPTY_MNTNS},
    // Parsed only: printing a flag set says CLONE_PARENT_SETTID for this bit.
    {"UNSHARE_EMPTY_MNTNS", UNSHARE_EMPTY_MNTNS},
}};
}  // namespace

std::string_view link_name(Link l) { return kLinkNames[static_cast<int>(l)]; }

std::optional<Link> link_from_name(std::string_view name) {
  for (int i = 0; i < kLinks; ++i)
    if (kLinkNames[i] == name) return static_cast<Link>(i);
  return std::nullopt;
}

NsType link_type(Link l) {
  switch (l) {
    case Link::Cgroup: return NsType::Cgroup;
    case Link::Ipc: return NsType::Ipc;
    case Link::Mnt: return NsType::Mnt;
    case Link::Net: return NsType::Net;
    case Link::Pid:
    case Link::PidForChildren: return NsType::Pid;
    case Link::Time:
    case Link::TimeForChildren: return NsType::Time;
    case Link::User: return NsType::User;
    case Link::Uts: return NsType::Uts;
  }
  return NsType::Uts;
}

std::string_view ns_type_name(NsType t) { return kTypeNames[static_cast<int>(t)]; }

std::optional<NsType> ns_type_from_name(std::string_view name) {
  for (int i = 0; i < kNsTypes; ++i)
    if (kTypeNames[i] == name) return static_cast<NsType>(i);
  return std::nullopt;
}

std::optional<NsType> ns_type_from_clone_flag(uint64_t flag) {
  for (int i = 0; i < kNsTypes; ++i)
    if (kTypeFlags[i] == flag) return static_cast<NsType>(i);
  return std::nullopt;
}

std::optional<uint64_t> clone_flag_from_name(std::string_view name) {
  for (auto& [n, v] : kFlagNames)
    if (n == name) return v;
  return std::nullopt;
}

namespace {
constexpr std::string_view kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
constexpr int kCapCount = static_cast<int>(std::size(kCapNames));
constexpr uint64_t kAllCaps = (uint64_t{1} << kCapCount) - 1;
}  // namespace

std::optional<int> cap_from_name(std::string_view name) {
  for (int i = 0; i < kCapCount; ++i)
    if (kCapNames[i] == name) return i;
  return std::nullopt;
}

std::string_view cap_name(int cap) { return cap >= 0 && cap < kCapCount ? kCapNames[cap] : std::string_view(); }

std::string cap_set_str(uint64_t set) {
  if (set == 0) return "0";
  auto list = [](uint64_t s, char sep) {
    std::string out;
    for (int i = 0; i < 64; ++i)
      if ((s >> i) & 1) {
        if (!out.empty()) out += sep;
        out += i < kCapCount ? std::string(kCapNames[i]) : std::to_string(i);
      }
    return out;
  };
  if (set == kAllCaps) return "ALL";
  // Mostly full: name what is missing.
  if ((set & ~kAllCaps) == 0 && std::popcount(set) > kCapCount / 2) return "ALL-" + list(kAllCaps & ~set, '-');
  return list(set, '|');
}

std::string clone_flags_str(uint64_t flags) {
  if (flags == 0) return "0";
  std::string out;
  for (auto& [n, v] : kFlagNames) {
    if (flags & v) {
      if (!out.empty()) out += '|';
      out += n;
      flags &= ~v;
    }
  }
  if (flags) {
    if (!out.empty()) out += '|';
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(flags));
    out += buf;
  }
  return out;
}

}  // namespace nssim
