#include "real/snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "real/kernel_introspect.h"
#include "sim/restore.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace nssim::real {

namespace {

constexpr uint32_t kInitUserIno = 0xEFFFFFFDU;  // PROC_USER_INIT_INO

std::string slurp(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::vector<int> numeric_entries(const std::string& dir) {
  std::vector<int> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const char* n = e->d_name;
    if (!*n || std::strspn(n, "0123456789") != std::strlen(n)) continue;
    out.push_back(std::atoi(n));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// "net:[4026531833]" -> (Net, 4026531833).
std::optional<std::pair<NsType, uint32_t>> parse_ns_name(std::string_view s) {
  size_t c = s.find(":[");
  if (c == std::string_view::npos || s.empty() || s.back() != ']') return std::nullopt;
  auto t = ns_type_from_name(s.substr(0, c));
  if (!t) return std::nullopt;
  std::string num(s.substr(c + 2, s.size() - c - 3));
  if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::make_pair(*t, static_cast<uint32_t>(std::stoul(num)));
}

// readlink(2); "" with errno set on failure.
std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// A field of /proc/PID/status ("PPid"), "" when absent.
std::string status_field(const std::string& status, std::string_view key) {
  std::string k = "\n" + std::string(key) + ":";
  size_t p = status.find(k);
  if (p == std::string::npos) {
    if (status.compare(0, key.size() + 1, std::string(key) + ":") != 0) return "";
    p = 0;
  } else {
    p += 1;
  }
  p += key.size() + 1;
  size_t e = status.find('\n', p);
  std::string v = status.substr(p, e == std::string::npos ? std::string::npos : e - p);
  size_t b = v.find_first_not_of(" \t");
  return b == std::string::npos ? "" : v.substr(b);
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct NsfsMountEntry {
  NsType type;
  uint32_t inum;
  std::string mountpoint;
};

// The nsfs mounts of a mountinfo text: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SRC SUPEROPTS";
// for nsfs, ROOT is the namespace ("net:[4026532300]").
std::vector<NsfsMountEntry> parse_mountinfo_nsfs(const std::string& text) {
  std::vector<NsfsMountEntry> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    size_t sep = line.find(" - ");
    if (sep == std::string_view::npos) continue;
    std::string_view tail = line.substr(sep + 3);
    if (tail.substr(0, 5) != "nsfs ") continue;
    std::vector<std::string_view> f;
    size_t i = 0;
    while (i < sep && f.size() < 5) {
      size_t j = line.find(' ', i);
      if (j == std::string_view::npos || j > sep) j = sep;
      f.push_back(line.substr(i, j - i));
      i = j + 1;
    }
    if (f.size() < 5) continue;
    auto ns = parse_ns_name(unescape(f[3]));
    if (!ns) continue;
    out.push_back({ns->first, ns->second, unescape(f[4])});
  }
  return out;
}

// An open file of an nsfs namespace, checked: fstatfs says nsfs, the inode is
// `inum` and (when given) the namespace has type `type` (NS_GET_NSTYPE: an
// inode number freed and reused meanwhile can name a namespace of another type).
int open_ns_checked(const std::string& path, uint32_t inum, std::optional<NsType> type = std::nullopt) {
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct statfs sf;
  struct stat st;
  if (fstatfs(fd, &sf) != 0 || static_cast<unsigned long>(sf.f_type) != NSFS_MAGIC || fstat(fd, &st) != 0 ||
      (inum && st.st_ino != inum)) {
    close(fd);
    return -1;
  }
  if (type) {
    int t = ioctl(fd, NS_GET_NSTYPE);
    if (t < 0 || ns_type_from_clone_flag(static_cast<uint64_t>(t)) != type) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

uint32_t fd_inum(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

struct HelperEntry {
  NsfsMountEntry m;
  int fd;  // an open file of the mounted namespace, -1 when it could not be opened
};

// The nsfs mounts of a mount namespace no process is in: a helper child
// enters it (setns), reads its own mountinfo through our /proc, opens each
// nsfs mount and passes the fds back; then it exits. Nothing else changes.
bool read_mntns_via_helper(int mntns_fd, std::vector<HelperEntry>& out, std::string& err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    err = fmt::format("socketpair: {}", std::strerror(errno));
    return false;
  }
  int procfd = open("/proc", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  pid_t c = fork();
  if (c < 0) {
    err = fmt::format("fork: {}", std::strerror(errno));
    close(sv[0]), close(sv[1]), close(procfd);
    return false;
  }
  if (c == 0) {
    close(sv[0]);
    if (setns(mntns_fd, CLONE_NEWNS) != 0) _exit(2);
    int mi = openat(procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (mi < 0) _exit(3);
    std::string text;
    char buf[8192];
    for (ssize_t n; (n = read(mi, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    for (auto& e : parse_mountinfo_nsfs(text)) {
      int fd = open_ns_checked(e.mountpoint, e.inum);
      std::string msg = fmt::format("{} {} {}", ns_type_name(e.type), e.inum, e.mountpoint);
      iovec iov{msg.data(), msg.size()};
      msghdr h{};
      h.msg_iov = &iov;
      h.msg_iovlen = 1;
      char cbuf[CMSG_SPACE(sizeof(int))] = {};
      if (fd >= 0) {
        h.msg_control = cbuf;
        h.msg_controllen = sizeof cbuf;
        cmsghdr* cm = CMSG_FIRSTHDR(&h);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fd, sizeof(int));
      }
      if (sendmsg(sv[1], &h, MSG_NOSIGNAL) < 0) _exit(4);
    }
    _exit(0);
  }
  close(sv[1]);
  close(procfd);
  for (;;) {
    char buf[8192];
    char cbuf[CMSG_SPACE(sizeof(int))];
    iovec iov{buf, sizeof buf};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    ssize_t n = recvmsg(sv[0], &h, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    int fd = -1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm))
      if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    std::string msg(buf, static_cast<size_t>(n));
    size_t a = msg.find(' '), b = a == std::string::npos ? a : msg.find(' ', a + 1);
    auto t = a == std::string::npos ? std::nullopt : ns_type_from_name(msg.substr(0, a));
    if (!t || b == std::string::npos) {
      if (fd >= 0) close(fd);
      continue;
    }
    out.push_back({{*t, static_cast<uint32_t>(std::stoul(msg.substr(a + 1, b - a - 1))), msg.substr(b + 1)}, fd});
  }
  close(sv[0]);
  int st = 0;
  while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    err = WIFEXITED(st) && WEXITSTATUS(st) == 2 ? fmt::format("setns into it: not permitted or failed")
                                                : fmt::format("the helper failed (status {})", st);
    return false;
  }
  return true;
}

std::string user_name(uint32_t uid) {
  static std::map<uint32_t, std::string> cache;
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  passwd pw, *res = nullptr;
  char buf[4096];
  std::string name = getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res ? res->pw_name : std::to_string(uid);
  cache[uid] = name;
  return name;
}

// NSpid, Uid, Gid and the Cap* lines of a thread's status.
void read_task_status(const std::string& status, SnapTask& t) {
  if (status.empty()) return;
  std::istringstream ns(status_field(status, "NSpid"));
  for (uint32_t n; ns >> n;) t.nspid.push_back(n);
  std::istringstream us(status_field(status, "Uid")), gs(status_field(status, "Gid"));
  bool ok = true;
  for (auto& u : t.uids) ok = ok && static_cast<bool>(us >> u);
  for (auto& g : t.gids) ok = ok && static_cast<bool>(gs >> g);
  auto cap = [&](std::string_view k, uint64_t& v) {
    std::string f = status_field(status, k);
    if (f.empty()) ok = false;
    v = std::strtoull(f.c_str(), nullptr, 16);
  };
  cap("CapInh", t.cap_inh);
  cap("CapPrm", t.cap_prm);
  cap("CapEff", t.cap_eff);
  cap("CapBnd", t.cap_bnd);
  cap("CapAmb", t.cap_amb);
  t.creds = ok;
}

struct ProcInfo {
  int ppid = 0;
  uint32_t uid = 0;
  bool kthread = false;
  std::string comm, command;
  bool command_read = false;  // `command` is read lazily: only a namespace's first process needs it
};

SnapHolder holder(SnapHolder::Kind k, int pid = 0, int fd = -1, std::string comm = "") {
  SnapHolder h;
  h.kind = k;
  h.pid = pid;
  h.fd = fd;
  h.comm = std::move(comm);
  return h;
}

std::string ns_str(NsType t, uint32_t inum) { return fmt::format("{}:[{}]", ns_type_name(t), inum); }

// What holds a namespace with no visible holder, per type (docs/introspection.md).
std::string_view invisible_holders(NsType t) {
  switch (t) {
    case NsType::Net:
      return "kernel sockets and devices, or a namespace being torn down (cleanup_net)";
    case NsType::User:
      return "creds of kernel objects, superblocks' s_user_ns, mm->user_ns";
    case NsType::Pid:
      return "struct pids of reaped tasks not yet freed (RCU), or kernel objects";
    case NsType::Mnt:
      return "a lazily unmounted tree or a mount being set up";
    default:
      return "kernel-internal references";
  }
}

}  // namespace

std::string_view snap_holder_kind_name(SnapHolder::Kind k) {
  switch (k) {
    case SnapHolder::Kind::ForChildren:
      return "for-children";
    case SnapHolder::Kind::Fd:
      return "fd";
    case SnapHolder::Kind::BindMount:
      return "bind-mount";
    case SnapHolder::Kind::Owner:
      return "owner";
    case SnapHolder::Kind::Parent:
      return "parent";
    case SnapHolder::Kind::Pidfd:
      return "pidfd";
    case SnapHolder::Kind::Socket:
      return "socket";
    case SnapHolder::Kind::FileCred:
      return "f_cred";
    case SnapHolder::Kind::Nsproxy:
      return "nsproxy";
  }
  return "?";
}

std::string SnapHolder::text() const {
  std::string who = comm.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, comm);
  switch (kind) {
    case Kind::ForChildren:
      return fmt::format("for_children link of {}", who);
    case Kind::Fd:
      return fmt::format("fd {} of {}", fd, who);
    case Kind::BindMount:
      return fmt::format("bind mount at {} in mnt:[{}]", path, ns);
    case Kind::Owner:
      return fmt::format("owner of {}", ns_str(ns_type, ns));
    case Kind::Parent:
      return fmt::format("parent of {}", ns_str(ns_type, ns));
    case Kind::Pidfd:
      return fmt::format("pidfd {} of {}", fd, who);
    case Kind::Socket:
      return fmt::format("socket fd {} of {}", fd, who);
    case Kind::FileCred:
      return fmt::format("f_cred of fd {} of {}", fd, who);
    case Kind::Nsproxy:
      return fmt::format("nsproxy {:016x} of {}", nsproxy, who);
  }
  return "?";
}

const SnapNs* Snapshot::find(uint32_t inum) const {
  auto it = std::lower_bound(namespaces.begin(), namespaces.end(), inum,
                             [](const SnapNs& n, uint32_t i) { return n.inum < i; });
  return it != namespaces.end() && it->inum == inum ? &*it : nullptr;
}

namespace {

// What a snapshot saw of each namespace inode number, for consistency: the
// system keeps running while the snapshot reads it, and a namespace freed
// between two reads can have its inode number reused at once by a new one of
// any type (proc_alloc_inum() hands out the lowest free number). The first
// sighting of a number fixes its type; a later reference that names the number
// with another type is a half-seen object and is dropped, with a note.
struct Sightings {
  std::map<uint32_t, NsType> type;
  std::vector<std::string> dropped;  // notes: what was left out and why
  // True when `inum` is (now) known as `t`.
  bool claim(uint32_t inum, NsType t) {
    auto [it, fresh] = type.emplace(inum, t);
    return fresh || it->second == t;
  }
  void drop(std::string what, uint32_t inum, NsType t) {
    dropped.push_back(
        fmt::format("{} named {}, but the snapshot had seen {} as a {} namespace (freed and its "
                    "number reused while the snapshot read): left out",
                    what, ns_str(t, inum), inum, ns_type_name(type.at(inum))));
  }
};

// The command line of `pid` as lsns shows it (arguments joined by spaces), "" when empty or gone.
std::string read_command(int pid) {
  std::string cmd = slurp(fmt::format("/proc/{}/cmdline", pid));
  std::replace(cmd.begin(), cmd.end(), '\0', ' ');
  while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
  return cmd;
}

bool process_from_proc(int pid, Snapshot& s, std::map<int, ProcInfo>& procs);

// Step 1 with BPF: every task from one iter/task pass (links, nsproxy, and
// what its /proc status shows), every nsfs fd from the iter/task_file pass.
// No per-task /proc read.
void tasks_from_bpf(const KSnapshot& k, Snapshot& s, std::map<int, ProcInfo>& procs) {
  std::map<int, const KTaskNs*> leader;
  for (auto& kt : k.tasks)
    if (kt.pid == kt.tgid && kt.pid > 0) leader[kt.tgid] = &kt;
  s.tasks.reserve(k.tasks.size());
  for (auto& kt : k.tasks) {
    if (kt.pid <= 0 || kt.tgid <= 0) continue;
    auto li = leader.find(kt.tgid);
    const KTaskNs& l = li != leader.end() ? *li->second : kt;
    auto [pit, fresh] = procs.try_emplace(kt.tgid);
    ProcInfo& pi = pit->second;
    if (fresh) {
      pi.ppid = l.ppid;
      pi.uid = l.uids[0];
      pi.kthread = l.kthread;
      pi.comm = l.comm;
    }
    SnapTask t;
    t.pid = kt.tgid;
    t.tid = kt.pid;
    t.ppid = pi.ppid;
    t.uid = pi.uid;
    t.comm = pi.comm;
    t.kthread = pi.kthread;
    t.state = kt.state;
    for (int i = 0; i < kLinks; ++i)
      t.ns[i] = kAllLinks[i] == Link::PidForChildren && kt.pid_for_children_hidden ? 0 : kt.link(kAllLinks[i]).inum;
    t.nsproxy = kt.nsproxy_id;
    t.nspid = kt.nspid;
    t.creds = true;
    t.uids = kt.uids;
    t.gids = kt.gids;
    t.cap_inh = kt.cap_inh, t.cap_prm = kt.cap_prm, t.cap_eff = kt.cap_eff, t.cap_bnd = kt.cap_bnd;
    t.cap_amb = kt.cap_amb;
    s.tasks.push_back(std::move(t));
  }
  // /proc/PID/fd shows the fd table of the process (its leader's): one entry per (pid, fd).
  std::set<std::pair<int, int>> seen;
  for (auto& f : k.files)
    if (f.kind == KFileRef::Kind::Nsfs && f.tgid > 0 && seen.insert({f.tgid, f.fd}).second)
      s.fds.push_back({f.tgid, f.fd, f.inum, f.type});
  // Surprise (verified live, 6.18): iter/task did not report a thread group
  // that /proc lists (pid 1 of this machine and its threads). One readdir of
  // /proc finds such processes; they are read from /proc (without an nsproxy).
  int unreadable = 0;
  for (int pid : numeric_entries("/proc"))
    if (!procs.count(pid) && !process_from_proc(pid, s, procs)) ++unreadable;
  if (unreadable)
    s.notes.push_back(fmt::format("{} process(es) whose namespaces could not be read (permission denied)", unreadable));
  // Kernel threads' names: /proc shows the full name (a workqueue worker's with its queue), the task only 16 bytes.
  for (auto& [pid, pi] : procs)
    if (pi.kthread) {
      std::string c = slurp(fmt::format("/proc/{}/comm", pid));
      while (!c.empty() && c.back() == '\n') c.pop_back();
      if (!c.empty()) pi.comm = c;
    }
  for (auto& t : s.tasks)
    if (t.kthread) t.comm = procs[t.pid].comm;
  std::sort(s.tasks.begin(), s.tasks.end(),
            [](const SnapTask& a, const SnapTask& b) { return std::tie(a.pid, a.tid) < std::tie(b.pid, b.tid); });
  // One entry per (pid, fd): a process that appeared between the passes can be
  // in the file pass and read from /proc too (the file pass's entry is kept).
  std::stable_sort(s.fds.begin(), s.fds.end(),
                   [](const SnapFd& a, const SnapFd& b) { return std::tie(a.pid, a.fd) < std::tie(b.pid, b.fd); });
  s.fds.erase(std::unique(s.fds.begin(), s.fds.end(),
                          [](const SnapFd& a, const SnapFd& b) { return a.pid == b.pid && a.fd == b.fd; }),
              s.fds.end());
}

// One process from /proc: its threads' ten links and status, its nsfs fds.
// False when its namespaces could not be read (permission denied).
bool process_from_proc(int pid, Snapshot& s, std::map<int, ProcInfo>& procs) {
  std::string base = fmt::format("/proc/{}", pid);
  std::string status = slurp(base + "/status");
  if (status.empty()) return true;  // exited meanwhile
  ProcInfo pi;
  pi.ppid = std::atoi(status_field(status, "PPid").c_str());
  pi.uid = static_cast<uint32_t>(std::strtoul(status_field(status, "Uid").c_str(), nullptr, 10));
  pi.kthread = status_field(status, "Kthread") == "1";
  pi.comm = slurp(base + "/comm");
  while (!pi.comm.empty() && pi.comm.back() == '\n') pi.comm.pop_back();
  std::string cmd = read_command(pid);
  if (cmd.empty() && status_field(status, "PPid") == "2") pi.kthread = true;
  pi.command = cmd.empty() ? pi.comm : cmd;
  pi.command_read = true;
  bool any = false, denied = false;
  for (int tid : numeric_entries(base + "/task")) {
    SnapTask t;
    t.pid = pid;
    t.tid = tid;
    t.ppid = pi.ppid;
    t.uid = pi.uid;
    t.comm = pi.comm;
    t.kthread = pi.kthread;
    std::string tb = fmt::format("{}/task/{}", base, tid);
    std::string tstatus = slurp(tb + "/status");
    read_task_status(tstatus, t);
    std::string st = status_field(tstatus, "State");
    if (!st.empty()) t.state = st[0];
    // Permission is per process (ptrace access): once its first thread's links are all denied, so are the rest.
    for (int i = 0; i < kLinks && !(denied && !any); ++i) {
      auto ns = parse_ns_name(read_link(fmt::format("{}/ns/{}", tb, link_name(kAllLinks[i]))));
      if (ns)
        t.ns[i] = ns->second, any = true;
      else if (errno == EACCES || errno == EPERM)
        denied = true;
    }
    // A task that exited while its links were read (some of its nsproxy's links
    // read, later ones gone) is shown as an exiting task is: none of them.
    constexpr Link kNsproxyLinks[] = {Link::Uts, Link::Ipc, Link::Mnt, Link::Net, Link::Cgroup, Link::Time};
    int slots_read = 0;
    for (int i = 0; i < kLinks; ++i)
      slots_read += t.ns[i] && std::find(std::begin(kNsproxyLinks), std::end(kNsproxyLinks), kAllLinks[i]) !=
                                   std::end(kNsproxyLinks);
    if (slots_read > 0 && slots_read < static_cast<int>(std::size(kNsproxyLinks)))
      for (int i = 0; i < kLinks; ++i)
        if (kAllLinks[i] != Link::User && kAllLinks[i] != Link::Pid) t.ns[i] = 0;
    s.tasks.push_back(std::move(t));
  }
  for (int fd : numeric_entries(base + "/fd")) {
    auto ns = parse_ns_name(read_link(fmt::format("{}/fd/{}", base, fd)));
    if (ns) s.fds.push_back({pid, fd, ns->second, ns->first});
  }
  procs[pid] = std::move(pi);
  return any || !denied;
}

// Step 1 without BPF: every process from /proc.
void tasks_from_proc(Snapshot& s, std::map<int, ProcInfo>& procs) {
  int unreadable = 0;
  for (int pid : numeric_entries("/proc"))
    if (!process_from_proc(pid, s, procs)) ++unreadable;
  if (unreadable)
    s.notes.push_back(fmt::format("{} process(es) whose namespaces could not be read (permission denied{})", unreadable,
                                  geteuid() == 0 ? "" : "; run as root to see every process"));
}

// The inode number of the namespace a /proc ns link names now, 0 when it cannot be read.
uint32_t link_inum(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

// One snapshot; `sighted.dropped` lists what changed under it.
Snapshot take_once(const SnapshotOptions& opt, Sightings& sighted) {
  Snapshot s;
  utsname u{};
  if (uname(&u) == 0) s.kernel = u.release;
  s.self_pid = getpid();

  // ---- 1. every task and its namespaces; every nsfs fd ---------------------
  // With BPF, one pass gives every task's links, nsproxy and refcounts, every
  // file that pins a namespace, and every namespace reached, before this
  // process opens any namespace file (so the refcounts are not its own).
  std::optional<KSnapshot> k;
  if (opt.use_bpf) {
    s.bpf_note = bpf_unavailable_reason();
    if (s.bpf_note.empty()) {
      k = bpf_snapshot(s.bpf_note, true);
      s.bpf = k.has_value();
    }
  } else {
    s.bpf_note = "not asked for (--no-bpf)";
  }
  std::map<int, ProcInfo> procs;
  if (k)
    tasks_from_bpf(*k, s, procs);
  else
    tasks_from_proc(s, procs);
  // Every link, fd of the first step, in order: a number seen as two types is a half-seen object.
  for (auto& t : s.tasks)
    for (int i = 0; i < kLinks; ++i)
      if (t.ns[i] && !sighted.claim(t.ns[i], link_type(kAllLinks[i]))) {
        sighted.drop(fmt::format("the {} link of pid {} (tid {})", link_name(kAllLinks[i]), t.pid, t.tid), t.ns[i],
                     link_type(kAllLinks[i]));
        t.ns[i] = 0;
      }
  std::erase_if(s.fds, [&](const SnapFd& f) {
    if (sighted.claim(f.inum, f.type)) return false;
    sighted.drop(fmt::format("fd {} of pid {}", f.fd, f.pid), f.inum, f.type);
    return true;
  });

  // ---- 2. nsfs bind mounts in every mount namespace ------------------------
  std::map<uint32_t, int> pins;  // inum -> an open nsfs file of it (closed at the end)
  auto pin = [&](uint32_t inum, int fd) {
    if (fd < 0) return;
    if (!pins.emplace(inum, fd).second) close(fd);
  };
  auto add_mount = [&](SnapMount m) {
    if (!sighted.claim(m.inum, m.type)) {
      sighted.drop(fmt::format("the bind mount at {} in mnt:[{}]", m.mountpoint, m.mnt_ns), m.inum, m.type);
      return false;
    }
    s.mounts.push_back(std::move(m));
    return true;
  };
  std::set<uint32_t> mnt_read;
  std::set<uint32_t> chrooted_only;  // every task in it is chrooted: read through a helper
  const int mnt_idx = static_cast<int>(Link::Mnt);
  std::map<uint32_t, std::vector<const SnapTask*>> mnt_tasks;
  for (auto& t : s.tasks)
    if (t.ns[mnt_idx]) mnt_tasks[t.ns[mnt_idx]].push_back(&t);
  for (auto& [mnt, tasks] : mnt_tasks) {
    for (const SnapTask* t : tasks) {
      std::string tb = fmt::format("/proc/{}", t->tid);  // a thread's own directory, by tid (not listed, but there)
      // A chrooted task's mountinfo shows only what is under its root, and
      // relative to it: read the tree through a task whose root is "/", or
      // else through a helper (setns() puts it at the namespace's root).
      char root[8] = {};
      ssize_t rn = readlink((tb + "/root").c_str(), root, sizeof root - 1);
      if (rn > 0 && !(rn == 1 && root[0] == '/')) continue;  // (unreadable: as before)
      std::string mi = slurp(tb + "/mountinfo");
      if (mi.empty()) continue;
      // Still in it after the read (it may have setns()ed or exited, and a reused pid be another task)?
      if (link_inum(tb + "/ns/mnt") != mnt) continue;
      for (auto& e : parse_mountinfo_nsfs(mi)) {
        if (!add_mount({mnt, e.mountpoint, e.inum, e.type, t->pid})) continue;
        if (!pins.count(e.inum)) pin(e.inum, open_ns_checked(tb + "/root" + e.mountpoint, e.inum, e.type));
      }
      mnt_read.insert(mnt);
      break;
    }
    if (!mnt_read.count(mnt)) {
      for (const SnapTask* t : tasks)
        if (!pins.count(mnt)) pin(mnt, open_ns_checked(fmt::format("/proc/{}/ns/mnt", t->tid), mnt, NsType::Mnt));
      if (pins.count(mnt)) {
        chrooted_only.insert(mnt);
        continue;
      }
      // Every task seen in it has left or exited since: the mount namespace may be gone too.
      s.notes.push_back(
          fmt::format("the mounts of mnt:[{}] could not be read (no task seen in it is still there)", mnt));
    }
  }
  // Mount namespaces no process is in, kept by an fd or a bind mount: enter them with a helper.
  for (int round = 0; round < 64; ++round) {
    std::set<uint32_t> todo;
    for (auto& f : s.fds)
      if (f.type == NsType::Mnt && !mnt_read.count(f.inum) && !mnt_tasks.count(f.inum)) todo.insert(f.inum);
    for (auto& m : s.mounts)
      if (m.type == NsType::Mnt && !mnt_read.count(m.inum) && !mnt_tasks.count(m.inum)) todo.insert(m.inum);
    for (uint32_t mnt : chrooted_only)
      if (!mnt_read.count(mnt)) todo.insert(mnt);
    if (todo.empty()) break;
    for (uint32_t mnt : todo) {
      mnt_read.insert(mnt);
      if (!pins.count(mnt))
        for (auto& f : s.fds)
          if (f.inum == mnt && !pins.count(mnt))
            pin(mnt, open_ns_checked(fmt::format("/proc/{}/fd/{}", f.pid, f.fd), mnt, NsType::Mnt));
      if (!pins.count(mnt)) {
        s.notes.push_back(fmt::format("mnt:[{}] could not be opened to read its mounts", mnt));
        continue;
      }
      std::vector<HelperEntry> entries;
      std::string err;
      if (!read_mntns_via_helper(pins[mnt], entries, err))
        s.notes.push_back(fmt::format("the mounts of mnt:[{}] could not be read: {}", mnt, err));
      for (auto& e : entries) {
        if (add_mount({mnt, e.m.mountpoint, e.m.inum, e.m.type, 0}))
          pin(e.m.inum, e.fd);
        else if (e.fd >= 0)
          close(e.fd);
      }
    }
  }

  // Namespaces only a bind mount keeps are reached by no task and no file of
  // the first pass: a second pass over this process's own files (the pins just
  // opened) reads them. A pin of a mounted namespace uses the nsfs inode the
  // mount already holds, so it adds no reference to what is read.
  if (k && std::any_of(pins.begin(), pins.end(), [&](auto& p) { return !k->ns(p.first); })) {
    std::string err;
    if (auto own = bpf_snapshot(err, true, s.self_pid)) {
      // The pinned ones the first pass missed, and their owners and parents it missed.
      std::vector<uint32_t> todo;
      for (auto& [inum, fd] : pins)
        if (!k->ns(inum)) todo.push_back(inum);
      std::vector<KNs> add;
      std::set<uint32_t> added;
      while (!todo.empty()) {
        uint32_t inum = todo.back();
        todo.pop_back();
        const KNs* kn = own->ns(inum);
        if (!kn || k->ns(inum) || !added.insert(inum).second) continue;
        add.push_back(*kn);
        for (uint32_t rel : {kn->owner_inum, kn->parent_inum})
          if (rel) todo.push_back(rel);
      }
      k->namespaces.insert(k->namespaces.end(), add.begin(), add.end());
      std::sort(k->namespaces.begin(), k->namespaces.end(), [](const KNs& a, const KNs& b) { return a.inum < b.inum; });
    }
  }

  // ---- 3. the namespace table --------------------------------------------
  std::map<uint32_t, SnapNs> table;
  auto touch = [&](uint32_t inum, NsType type) -> SnapNs& {
    auto [it, fresh] = table.try_emplace(inum);
    if (fresh) it->second.inum = inum, it->second.type = type;
    return it->second;
  };
  // Holders, once each (a namespace can have thousands: every socket of the initial net namespace).
  std::set<std::tuple<uint32_t, int, int, int, uint32_t, std::string>> holder_keys;
  auto add_holder = [&](uint32_t inum, NsType type, SnapHolder h) {
    if (!holder_keys.emplace(inum, static_cast<int>(h.kind), h.pid, h.fd, h.ns, h.path).second) return;
    touch(inum, type).holders.push_back(std::move(h));
  };
  auto comm_of = [&](int pid) {
    auto it = procs.find(pid);
    return it != procs.end() ? it->second.comm : std::string();
  };
  std::map<uint32_t, std::set<int>> in_procs, in_tasks;
  std::map<uint32_t, std::pair<int, int>> any_task;  // inum -> (pid, tid) with a link to it (to open it later)
  std::map<uint32_t, Link> any_link;
  for (auto& t : s.tasks)
    for (int i = 0; i < kLinks; ++i) {
      uint32_t inum = t.ns[i];
      if (!inum) continue;
      Link l = kAllLinks[i];
      touch(inum, link_type(l));
      if (!any_task.count(inum)) any_task[inum] = {t.pid, t.tid}, any_link[inum] = l;
      if (l == Link::PidForChildren || l == Link::TimeForChildren) {
        Link own = l == Link::PidForChildren ? Link::Pid : Link::Time;
        if (inum != t.ns[static_cast<int>(own)])
          add_holder(inum, link_type(l), holder(SnapHolder::Kind::ForChildren, t.pid, -1, t.comm));
        continue;
      }
      in_procs[inum].insert(t.pid);
      in_tasks[inum].insert(t.tid);
    }
  for (auto& f : s.fds) add_holder(f.inum, f.type, holder(SnapHolder::Kind::Fd, f.pid, f.fd, comm_of(f.pid)));
  for (auto& m : s.mounts) {
    SnapHolder h = holder(SnapHolder::Kind::BindMount);
    h.path = m.mountpoint;
    h.ns = m.mnt_ns;
    add_holder(m.inum, m.type, h);
    auto& ns = touch(m.inum, m.type);
    if (std::find(ns.nsfs.begin(), ns.nsfs.end(), m.mountpoint) == ns.nsfs.end()) ns.nsfs.push_back(m.mountpoint);
  }
  if (k) {
    std::map<uint64_t, SnapNsProxy> nsps;
    std::unordered_map<int, const KTaskNs*> by_tid;
    for (auto& kt : k->tasks) by_tid.emplace(kt.pid, &kt);
    for (auto& t : s.tasks) {
      if (!t.nsproxy) continue;
      auto it = by_tid.find(t.tid);
      if (it == by_tid.end()) continue;
      const KTaskNs* kt = it->second;
      std::array<uint32_t, 8> slots{};
      for (int i = 0; i < kKSlots; ++i) slots[i] = kt->ns[i].inum;
      auto [pit, fresh] = nsps.try_emplace(t.nsproxy);
      SnapNsProxy& p = pit->second;
      if (fresh) {
        p.id = t.nsproxy;
        p.count = kt->nsproxy_count;
        p.slots = slots;
      } else if (p.slots != slots) {
        // An nsproxy freed during the pass and another allocated at its address: the same id, other slots.
        sighted.dropped.push_back(
            fmt::format("the nsproxy of pid {} (tid {}): another task showed the same nsproxy "
                        "with other namespaces (freed and reused during the pass): left out",
                        t.pid, t.tid));
        t.nsproxy = 0;
        continue;
      }
      p.tids.push_back(t.tid);
    }
    for (auto& [id, p] : nsps) {
      for (int i = 0; i < kKSlots; ++i) {
        if (!p.slots[i]) continue;
        NsType ty = kslot_type(static_cast<KSlot>(i));
        if (!sighted.claim(p.slots[i], ty)) {  // a link of the same record was dropped above
          p.slots[i] = 0;
          continue;
        }
        auto& ns = touch(p.slots[i], ty);
        if (std::find(ns.nsproxies.begin(), ns.nsproxies.end(), id) == ns.nsproxies.end()) ns.nsproxies.push_back(id);
      }
      s.nsproxies.push_back(std::move(p));
    }
    for (auto& kn : k->namespaces) {
      if (!sighted.claim(kn.inum, kn.type)) {
        sighted.drop("a namespace the BPF pass reached", kn.inum, kn.type);
        continue;
      }
      auto& ns = touch(kn.inum, kn.type);
      if (kn.refs != kRefsUnknown) ns.refs = kn.refs;
      ns.ns_id = kn.ns_id;
      ns.level = kn.level;
      if (kn.owner_inum) ns.owner = kn.owner_inum;
      if (kn.parent_inum) ns.parent = kn.parent_inum;
    }
    for (auto& f : k->files) {
      if (f.kind == KFileRef::Kind::Nsfs) continue;       // in s.fds
      if (f.tgid == s.self_pid || f.tgid <= 0) continue;  // the snapshot's own files are not holders
      if (!sighted.claim(f.inum, f.type)) {
        sighted.drop(fmt::format("{} fd {} of pid {}", kfile_kind_name(f.kind), f.fd, f.tgid), f.inum, f.type);
        continue;
      }
      SnapHolder::Kind kind = f.kind == KFileRef::Kind::Pidfd    ? SnapHolder::Kind::Pidfd
                              : f.kind == KFileRef::Kind::Socket ? SnapHolder::Kind::Socket
                                                                 : SnapHolder::Kind::FileCred;
      add_holder(f.inum, f.type, holder(kind, f.tgid, f.fd, comm_of(f.tgid)));
    }
  }

  // ---- 4. owners and parents (ioctls; after the refcounts were read) -------
  // A namespace found only here (e.g. a user namespace that only owns others,
  // without BPF) is added with its holders computed below.
  std::deque<std::pair<uint32_t, int>> queue;  // inum, an open fd of it (owned by the queue)
  std::set<uint32_t> asked;
  auto open_ns = [&](uint32_t inum) -> int {
    NsType want = table.at(inum).type;
    if (pins.count(inum)) return fcntl(pins[inum], F_DUPFD_CLOEXEC, 0);
    if (any_task.count(inum)) {
      auto [pid, tid] = any_task[inum];
      int fd = open_ns_checked(fmt::format("/proc/{}/task/{}/ns/{}", pid, tid, link_name(any_link[inum])), inum, want);
      if (fd >= 0) return fd;
    }
    for (auto& f : s.fds)
      if (f.inum == inum) {
        int fd = open_ns_checked(fmt::format("/proc/{}/fd/{}", f.pid, f.fd), inum, want);
        if (fd >= 0) return fd;
      }
    return -1;
  };
  // With BPF, owners and parents of every namespace it reached are known: ask
  // only about the others (fewer transient fds on other people's namespaces).
  for (auto& [inum, ns] : table)
    if (!(k && k->ns(inum))) queue.push_back({inum, -1});
  while (!queue.empty()) {
    auto [inum, fd] = queue.front();
    queue.pop_front();
    if (!asked.insert(inum).second) {
      if (fd >= 0) close(fd);
      continue;
    }
    if (fd < 0) fd = open_ns(inum);
    if (fd < 0) continue;
    SnapNs& ns = table.at(inum);
    auto follow = [&](unsigned long req, NsType want, const char* what) -> uint32_t {
      int r = ioctl(fd, req);
      if (r < 0) return 0;
      uint32_t got = fd_inum(r);
      if (!sighted.claim(got, want)) {
        sighted.drop(fmt::format("the {} of {}", what, ns_str(ns.type, inum)), got, want);
        close(r);
        return 0;
      }
      touch(got, want);
      if (!asked.count(got))
        queue.push_back({got, r});
      else
        close(r);
      return got;
    };
    if (ns.type != NsType::User) {
      if (uint32_t o = follow(NS_GET_USERNS, NsType::User, "owner")) ns.owner = o;
    }
    if (ns.type == NsType::User || ns.type == NsType::Pid) {
      if (uint32_t p = follow(NS_GET_PARENT, ns.type, "parent")) ns.parent = p;
      if (ns.type == NsType::User) ns.owner = ns.parent;
    }
    close(fd);
  }
  // The owner uid of every user namespace (NS_GET_OWNER_UID; for restore).
  for (auto& [inum, ns] : table) {
    if (ns.type != NsType::User) continue;
    int fd = open_ns(inum);
    if (fd < 0) continue;
    uid_t uid = 0;
    if (ioctl(fd, NS_GET_OWNER_UID, &uid) == 0) ns.owner_uid = uid;
    close(fd);
  }
  for (auto& [inum, fd] : pins) close(fd);

  // ---- 5. relations, lsns columns, why alive --------------------------------
  // Every owner is a listed user namespace and every parent a listed namespace
  // of the child's type (BPF records are resolved within one pass; ioctls were
  // claimed above, so this only drops what a number reused between them broke).
  for (auto& [inum, ns] : table) {
    auto check = [&](uint32_t& rel, NsType want, const char* what) {
      if (!rel) return;
      auto it = table.find(rel);
      if (it == table.end()) {
        if (sighted.claim(rel, want)) return void(touch(rel, want));
      } else if (it->second.type == want) {
        return;
      }
      sighted.drop(fmt::format("the {} of {}", what, ns_str(ns.type, inum)), rel, want);
      rel = 0;
    };
    if (ns.type != NsType::User) check(ns.owner, NsType::User, "owner");
    if (ns.type == NsType::User || ns.type == NsType::Pid) check(ns.parent, ns.type, "parent");
    if (ns.type == NsType::User) ns.owner = ns.parent;
  }
  struct Relation {
    uint32_t target;
    NsType type;
    SnapHolder h;
  };
  std::vector<Relation> relations;
  for (auto& [inum, ns] : table) {
    if (ns.parent) {
      SnapHolder h = holder(SnapHolder::Kind::Parent);
      h.ns = inum;
      h.ns_type = ns.type;
      relations.push_back({ns.parent, ns.type, h});
    }
    if (ns.owner && ns.type != NsType::User) {
      SnapHolder h = holder(SnapHolder::Kind::Owner);
      h.ns = inum;
      h.ns_type = ns.type;
      relations.push_back({ns.owner, NsType::User, h});
    }
  }
  for (auto& r : relations) add_holder(r.target, r.type, r.h);
  for (auto& [inum, ns] : table) {
    auto ip = in_procs.find(inum);
    ns.nprocs = ip == in_procs.end() ? 0 : static_cast<uint32_t>(ip->second.size());
    auto itk = in_tasks.find(inum);
    ns.ntasks = itk == in_tasks.end() ? 0 : static_cast<uint32_t>(itk->second.size());
    if (ns.nprocs) {
      ns.pid = *ip->second.begin();
      auto& pi = procs[ns.pid];
      if (!pi.command_read) {
        std::string cmd = read_command(ns.pid);
        pi.command = cmd.empty() ? pi.comm : cmd;
        pi.command_read = true;
      }
      ns.ppid = pi.ppid;
      ns.uid = pi.uid;
      ns.user = user_name(pi.uid);
      ns.command = pi.command;
      if (ns.type == NsType::User) {
        // The maps as this process (initial user namespace) reads them: lower ids are kuids.
        std::string um = slurp(fmt::format("/proc/{}/uid_map", ns.pid));
        std::string gm = slurp(fmt::format("/proc/{}/gid_map", ns.pid));
        std::string sg = slurp(fmt::format("/proc/{}/setgroups", ns.pid));
        // Still in it (it could have setns()ed away between the scans)?
        if (parse_ns_name(read_link(fmt::format("/proc/{}/ns/user", ns.pid))) ==
            std::optional<std::pair<NsType, uint32_t>>({NsType::User, inum})) {
          ns.uid_map = um;
          ns.gid_map = gm;
          if (!sg.empty()) ns.setgroups_allowed = sg.starts_with("allow");
        }
      }
      continue;
    }
    if (ns.holders.empty())
      for (uint64_t id : ns.nsproxies)
        for (auto& p : s.nsproxies)
          if (p.id == id && !p.tids.empty()) {
            SnapHolder h = holder(SnapHolder::Kind::Nsproxy, p.tids.front(), -1, comm_of(p.tids.front()));
            h.nsproxy = id;
            ns.holders.push_back(h);
          }
    std::vector<std::string> why;
    for (auto& h : ns.holders) {
      if (why.size() == 6) break;
      why.push_back(h.text());
    }
    if (why.size() > 5 && ns.holders.size() > 6) {
      why.resize(5);
      why.push_back(fmt::format("and {} more", ns.holders.size() - 5));
    }
    if (!why.empty()) {
      ns.why = fmt::format("{}", fmt::join(why, "; "));
    } else if (ns.refs) {
      ns.why = fmt::format("{} reference(s), none visible from user space ({})", *ns.refs, invisible_holders(ns.type));
    } else if (inum == kInitUserIno || ns.type == NsType::User) {
      ns.why = "no holder visible from user space";
    } else {
      ns.why = "no holder visible from user space (without BPF, pidfds, sockets and f_cred are not seen)";
    }
  }
  s.namespaces.reserve(table.size());
  for (auto& [inum, ns] : table) s.namespaces.push_back(std::move(ns));
  return s;
}

}  // namespace

Snapshot take_snapshot(const SnapshotOptions& opt) {
  // The system moves while it is read. A snapshot that had to leave out a
  // half-seen object is taken once more; if the second one also had to, it is
  // kept, and its notes say what was left out.
  for (int attempt = 1;; ++attempt) {
    Sightings sighted;
    Snapshot s = take_once(opt, sighted);
    if (sighted.dropped.empty() || attempt == 2) {
      if (!sighted.dropped.empty())
        s.notes.push_back(
            fmt::format("the system changed while the snapshot read it ({} attempts); {} half-seen "
                        "object(s) left out:",
                        attempt, sighted.dropped.size()));
      for (auto& d : sighted.dropped) s.notes.push_back(d);
      return s;
    }
  }
}

// ---- output ---------------------------------------------------------------

std::string snapshot_table(const Snapshot& s, std::optional<NsType> type) {
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"NS", "TYPE", "NPROCS", "PID", "USER", "REFS", "COMMAND"});
  for (auto& n : s.namespaces) {
    if (type && n.type != *type) continue;
    std::string cmd = n.nprocs ? n.command : "(no process) held by: " + n.why;
    rows.push_back({std::to_string(n.inum), std::string(ns_type_name(n.type)), std::to_string(n.nprocs),
                    n.pid ? std::to_string(n.pid) : "-", n.nprocs ? n.user : "-",
                    n.refs ? std::to_string(*n.refs) : "-", cmd});
  }
  std::array<size_t, 7> w{};
  for (auto& r : rows)
    for (size_t i = 0; i < 6; ++i) w[i] = std::max(w[i], r[i].size());
  std::string out;
  for (auto& r : rows) {
    out +=
        fmt::format("{:>{}} {:<{}} {:>{}} {:>{}} {:<{}} ", r[0], w[0], r[1], w[1], r[2], w[2], r[3], w[3], r[4], w[4]);
    if (s.bpf) out += fmt::format("{:>{}} ", r[5], w[5]);
    out += r[6];
    out += '\n';
  }
  if (!s.bpf) out += fmt::format("(no refcounts or nsproxies: {})\n", s.bpf_note);
  for (auto& note : s.notes) out += fmt::format("note: {}\n", note);
  return out;
}

std::string snapshot_nsproxy_table(const Snapshot& s) {
  if (!s.bpf) return fmt::format("nsproxies need BPF: {}\n", s.bpf_note);
  std::string out =
      fmt::format("{:<16} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  TASKS\n", "NSPROXY", "COUNT",
                  "UTS", "IPC", "MNT", "PID_CHILD", "NET", "TIME", "TIME_CHILD", "CGROUP");
  std::vector<const SnapNsProxy*> v;
  for (auto& p : s.nsproxies) v.push_back(&p);
  std::sort(v.begin(), v.end(),
            [](auto* a, auto* b) { return a->count > b->count || (a->count == b->count && a->id < b->id); });
  for (auto* p : v) {
    std::string tasks;
    for (size_t i = 0; i < p->tids.size() && i < 8; ++i) tasks += (i ? "," : "") + std::to_string(p->tids[i]);
    if (p->tids.size() > 8) tasks += fmt::format(",... ({} seen)", p->tids.size());
    out += fmt::format("{:016x} {:>5}", p->id, p->count);
    for (uint32_t slot : p->slots) out += fmt::format(" {:>10}", slot);
    out += "  " + tasks + "\n";
  }
  return out;
}

namespace {

nlohmann::json holder_json(const SnapHolder& h) {
  nlohmann::json j = {{"kind", snap_holder_kind_name(h.kind)}, {"text", h.text()}};
  if (h.pid) j["pid"] = h.pid;
  if (h.fd >= 0) j["fd"] = h.fd;
  if (!h.comm.empty()) j["comm"] = h.comm;
  if (!h.path.empty()) j["path"] = h.path;
  if (h.ns) j["ns"] = h.ns;
  if (h.kind == SnapHolder::Kind::Owner || h.kind == SnapHolder::Kind::Parent) j["ns_type"] = ns_type_name(h.ns_type);
  if (h.nsproxy) j["nsproxy"] = fmt::format("{:016x}", h.nsproxy);
  return j;
}

std::string hex_id(uint64_t id) { return fmt::format("{:016x}", id); }

}  // namespace

nlohmann::json snapshot_to_json(const Snapshot& s) {
  using nlohmann::json;
  json nss = json::array();
  for (auto& n : s.namespaces) {
    json j;
    j["ns"] = n.inum;
    j["type"] = ns_type_name(n.type);
    j["path"] = n.nprocs          ? json(fmt::format("/proc/{}/ns/{}", n.pid, ns_type_name(n.type)))
                : !n.nsfs.empty() ? json(n.nsfs.front())
                                  : json(nullptr);
    j["nprocs"] = n.nprocs;
    j["pid"] = n.nprocs ? json(n.pid) : json(nullptr);
    j["ppid"] = n.nprocs ? json(n.ppid) : json(nullptr);
    j["command"] = n.nprocs ? json(n.command) : json(nullptr);
    j["uid"] = n.nprocs ? json(n.uid) : json(nullptr);
    j["user"] = n.nprocs ? json(n.user) : json(nullptr);
    std::string nsfs;
    for (auto& p : n.nsfs) nsfs += (nsfs.empty() ? "" : "\n") + p;
    j["nsfs"] = nsfs.empty() ? json(nullptr) : json(nsfs);
    j["pns"] = n.parent;
    j["ons"] = n.owner;
    // nssim's fields
    j["ntasks"] = n.ntasks;
    j["level"] = n.level;
    j["refs"] = n.refs ? json(*n.refs) : json(nullptr);
    j["ns_id"] = n.ns_id ? json(n.ns_id) : json(nullptr);
    json ps = json::array();
    for (uint64_t id : n.nsproxies) ps.push_back(hex_id(id));
    j["nsproxies"] = ps;
    json hs = json::array();
    for (auto& h : n.holders) hs.push_back(holder_json(h));
    j["holders"] = hs;
    j["why"] = n.nprocs ? json(nullptr) : json(n.why);
    if (n.uid_map) j["uid_map"] = *n.uid_map;
    if (n.gid_map) j["gid_map"] = *n.gid_map;
    if (n.setgroups_allowed) j["setgroups"] = *n.setgroups_allowed ? "allow" : "deny";
    if (n.owner_uid) j["owner_uid"] = *n.owner_uid;
    nss.push_back(std::move(j));
  }
  json tasks = json::array();
  for (auto& t : s.tasks) {
    json links = json::object();
    for (int i = 0; i < kLinks; ++i)
      links[std::string(link_name(kAllLinks[i]))] = t.ns[i] ? json(t.ns[i]) : json(nullptr);
    tasks.push_back({{"pid", t.pid},
                     {"tid", t.tid},
                     {"ppid", t.ppid},
                     {"uid", t.uid},
                     {"comm", t.comm},
                     {"state", std::string(1, t.state)},
                     {"kthread", t.kthread},
                     {"ns", links},
                     {"nsproxy", t.nsproxy ? json(hex_id(t.nsproxy)) : json(nullptr)}});
    if (!t.nspid.empty()) tasks.back()["nspid"] = t.nspid;
    if (t.creds) {
      auto hex = [](uint64_t v) { return fmt::format("{:016x}", v); };
      tasks.back()["uids"] = t.uids;
      tasks.back()["gids"] = t.gids;
      tasks.back()["caps"] = {{"inh", hex(t.cap_inh)},
                              {"prm", hex(t.cap_prm)},
                              {"eff", hex(t.cap_eff)},
                              {"bnd", hex(t.cap_bnd)},
                              {"amb", hex(t.cap_amb)}};
    }
  }
  json nsps = json::array();
  for (auto& p : s.nsproxies) {
    json slots = json::object();
    for (int i = 0; i < kKSlots; ++i) slots[std::string(kslot_name(static_cast<KSlot>(i)))] = p.slots[i];
    nsps.push_back({{"id", hex_id(p.id)}, {"count", p.count}, {"slots", slots}, {"tasks", p.tids}});
  }
  json mounts = json::array();
  for (auto& m : s.mounts)
    mounts.push_back({{"mnt_ns", m.mnt_ns},
                      {"mountpoint", m.mountpoint},
                      {"ns", m.inum},
                      {"type", ns_type_name(m.type)},
                      {"via_pid", m.via_pid ? json(m.via_pid) : json(nullptr)}});
  json fds = json::array();
  for (auto& f : s.fds) fds.push_back({{"pid", f.pid}, {"fd", f.fd}, {"ns", f.inum}, {"type", ns_type_name(f.type)}});
  return json{{"namespaces", nss}, {"nssim_snapshot", 1},    {"kernel", s.kernel},
              {"bpf", s.bpf},      {"bpf_note", s.bpf_note}, {"self_pid", s.self_pid},
              {"tasks", tasks},    {"nsproxies", nsps},      {"mounts", mounts},
              {"fds", fds},        {"notes", s.notes}};
}

namespace {

// JSON text written directly, laid out as nlohmann::json::dump(indent) lays it
// out (members in the order written: callers write them sorted, as json
// objects keep them). No tree is built: the --json of a large machine is
// written in a fraction of the time.
class JsonText {
 public:
  JsonText(std::string& out, int indent) : out_(out), indent_(indent) {}
  void open(char c) {
    out_ += c;
    ++depth_;
    first_ = true;
  }
  void close(char c) {
    --depth_;
    if (!first_) {
      out_ += '\n';
      out_.append(static_cast<size_t>(depth_ * indent_), ' ');
    }
    out_ += c;
    first_ = false;
  }
  // Before each array element; key() does it for object members.
  void elem() {
    if (!first_) out_ += ',';
    out_ += '\n';
    out_.append(static_cast<size_t>(depth_ * indent_), ' ');
    first_ = false;
  }
  JsonText& key(std::string_view k) {  // k: plain ASCII
    elem();
    out_ += '"';
    out_ += k;
    out_ += "\": ";
    return *this;
  }
  void str(std::string_view v) {
    bool plain = true;
    for (unsigned char c : v)
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    if (plain) {
      out_ += '"';
      out_ += v;
      out_ += '"';
    } else {  // escapes and UTF-8 (invalid sequences become U+FFFD) exactly as dump() does them
      out_ += nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  template <class T>
  void num(T v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, p);
  }
  void null() { out_ += "null"; }
  void boolean(bool b) { out_ += b ? "true" : "false"; }
  template <class T>
  void num_or_null(bool has, T v) {
    if (has)
      num(v);
    else
      null();
  }
  template <class Range>
  void num_array(const Range& r) {
    open('[');
    for (auto v : r) elem(), num(v);
    close(']');
  }

 private:
  std::string& out_;
  int indent_;
  int depth_ = 0;
  bool first_ = true;
};

}  // namespace

std::string snapshot_json_text(const Snapshot& s, int indent, std::optional<NsType> only) {
  std::string out;
  out.reserve(512 * (s.namespaces.size() + s.tasks.size()) + 4096);
  JsonText w(out, indent);
  w.open('{');
  w.key("bpf").boolean(s.bpf);
  w.key("bpf_note").str(s.bpf_note);
  w.key("fds").open('[');
  for (auto& f : s.fds) {
    w.elem();
    w.open('{');
    w.key("fd").num(f.fd);
    w.key("ns").num(f.inum);
    w.key("pid").num(f.pid);
    w.key("type").str(ns_type_name(f.type));
    w.close('}');
  }
  w.close(']');
  w.key("kernel").str(s.kernel);
  w.key("mounts").open('[');
  for (auto& m : s.mounts) {
    w.elem();
    w.open('{');
    w.key("mnt_ns").num(m.mnt_ns);
    w.key("mountpoint").str(m.mountpoint);
    w.key("ns").num(m.inum);
    w.key("type").str(ns_type_name(m.type));
    w.key("via_pid").num_or_null(m.via_pid != 0, m.via_pid);
    w.close('}');
  }
  w.close(']');
  w.key("namespaces").open('[');
  for (auto& n : s.namespaces) {
    if (only && n.type != *only) continue;
    w.elem();
    w.open('{');
    bool p = n.nprocs != 0;
    if (p)
      w.key("command").str(n.command);
    else
      w.key("command").null();
    if (n.gid_map) w.key("gid_map").str(*n.gid_map);
    w.key("holders").open('[');
    for (auto& h : n.holders) {
      w.elem();
      w.open('{');
      if (!h.comm.empty()) w.key("comm").str(h.comm);
      if (h.fd >= 0) w.key("fd").num(h.fd);
      w.key("kind").str(snap_holder_kind_name(h.kind));
      if (h.ns) w.key("ns").num(h.ns);
      if (h.kind == SnapHolder::Kind::Owner || h.kind == SnapHolder::Kind::Parent)
        w.key("ns_type").str(ns_type_name(h.ns_type));
      if (h.nsproxy) w.key("nsproxy").str(hex_id(h.nsproxy));
      if (!h.path.empty()) w.key("path").str(h.path);
      if (h.pid) w.key("pid").num(h.pid);
      w.key("text").str(h.text());
      w.close('}');
    }
    w.close(']');
    w.key("level").num(n.level);
    w.key("nprocs").num(n.nprocs);
    w.key("ns").num(n.inum);
    w.key("ns_id").num_or_null(n.ns_id != 0, n.ns_id);
    std::string nsfs;
    for (auto& m : n.nsfs) nsfs += (nsfs.empty() ? "" : "\n") + m;
    if (nsfs.empty())
      w.key("nsfs").null();
    else
      w.key("nsfs").str(nsfs);
    w.key("nsproxies").open('[');
    for (uint64_t id : n.nsproxies) w.elem(), w.str(hex_id(id));
    w.close(']');
    w.key("ntasks").num(n.ntasks);
    w.key("ons").num(n.owner);
    if (n.owner_uid) w.key("owner_uid").num(*n.owner_uid);
    if (p)
      w.key("path").str(fmt::format("/proc/{}/ns/{}", n.pid, ns_type_name(n.type)));
    else if (!n.nsfs.empty())
      w.key("path").str(n.nsfs.front());
    else
      w.key("path").null();
    w.key("pid").num_or_null(p, n.pid);
    w.key("pns").num(n.parent);
    w.key("ppid").num_or_null(p, n.ppid);
    w.key("refs").num_or_null(n.refs.has_value(), n.refs.value_or(0));
    if (n.setgroups_allowed) w.key("setgroups").str(*n.setgroups_allowed ? "allow" : "deny");
    w.key("type").str(ns_type_name(n.type));
    w.key("uid").num_or_null(p, n.uid);
    if (n.uid_map) w.key("uid_map").str(*n.uid_map);
    if (p)
      w.key("user").str(n.user);
    else
      w.key("user").null();
    if (p)
      w.key("why").null();
    else
      w.key("why").str(n.why);
    w.close('}');
  }
  w.close(']');
  w.key("notes").open('[');
  for (auto& note : s.notes) w.elem(), w.str(note);
  w.close(']');
  w.key("nsproxies").open('[');
  for (auto& p : s.nsproxies) {
    w.elem();
    w.open('{');
    w.key("count").num(p.count);
    w.key("id").str(hex_id(p.id));
    w.key("slots").open('{');
    static constexpr KSlot kSorted[] = {
        KSlot::Cgroup,          KSlot::Ipc, KSlot::Mnt, KSlot::Net, KSlot::PidForChildren, KSlot::Time,
        KSlot::TimeForChildren, KSlot::Uts};
    for (KSlot k : kSorted) w.key(kslot_name(k)).num(p.slots[static_cast<int>(k)]);
    w.close('}');
    w.key("tasks").num_array(p.tids);
    w.close('}');
  }
  w.close(']');
  w.key("nssim_snapshot").num(1);
  w.key("self_pid").num(s.self_pid);
  // Link names sorted as a json object keeps them.
  std::array<int, kLinks> link_order;
  for (int i = 0; i < kLinks; ++i) link_order[i] = i;
  std::sort(link_order.begin(), link_order.end(),
            [](int a, int b) { return link_name(kAllLinks[a]) < link_name(kAllLinks[b]); });
  w.key("tasks").open('[');
  for (auto& t : s.tasks) {
    w.elem();
    w.open('{');
    if (t.creds) {
      w.key("caps").open('{');
      w.key("amb").str(fmt::format("{:016x}", t.cap_amb));
      w.key("bnd").str(fmt::format("{:016x}", t.cap_bnd));
      w.key("eff").str(fmt::format("{:016x}", t.cap_eff));
      w.key("inh").str(fmt::format("{:016x}", t.cap_inh));
      w.key("prm").str(fmt::format("{:016x}", t.cap_prm));
      w.close('}');
    }
    w.key("comm").str(t.comm);
    if (t.creds) w.key("gids").num_array(t.gids);
    w.key("kthread").boolean(t.kthread);
    w.key("ns").open('{');
    for (int i : link_order) w.key(link_name(kAllLinks[i])).num_or_null(t.ns[i] != 0, t.ns[i]);
    w.close('}');
    if (!t.nspid.empty()) w.key("nspid").num_array(t.nspid);
    if (t.nsproxy)
      w.key("nsproxy").str(hex_id(t.nsproxy));
    else
      w.key("nsproxy").null();
    w.key("pid").num(t.pid);
    w.key("ppid").num(t.ppid);
    w.key("state").str(std::string_view(&t.state, 1));
    w.key("tid").num(t.tid);
    w.key("uid").num(t.uid);
    if (t.creds) w.key("uids").num_array(t.uids);
    w.close('}');
  }
  w.close(']');
  w.close('}');
  return out;
}

namespace {

// A field of a saved snapshot that is missing, of the wrong kind or out of
// range: "pid at tasks[2].pid: 1099511627776 is out of range (1..4194304)".
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int64_t kPidMax = kRestorePidMax;  // PID_MAX_LIMIT (64-bit)
constexpr int64_t kUidMax = 0xFFFFFFFEll;    // (uid_t)-1 is no uid
constexpr int64_t kU32 = 0xFFFFFFFFll;
constexpr int64_t kI64 = INT64_MAX;

std::string leaf(const std::string& where) {
  size_t d = where.find_last_of('.');
  std::string f = d == std::string::npos ? where : where.substr(d + 1);
  return f.substr(0, f.find('['));
}

// An integer (not a float, not a string) in lo..hi.
int64_t checked_int(const nlohmann::json& v, const std::string& where, int64_t lo, int64_t hi) {
  if (!v.is_number_integer())
    throw BadField(fmt::format("{} at {}: {} is not an integer", leaf(where), where, v.dump()));
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi))
      throw BadField(fmt::format("{} at {}: {} is out of range ({}..{})", leaf(where), where, u, lo, hi));
    return static_cast<int64_t>(u);
  }
  int64_t i = v.get<int64_t>();
  if (i < lo || i > hi)
    throw BadField(fmt::format("{} at {}: {} is out of range ({}..{})", leaf(where), where, i, lo, hi));
  return i;
}

const nlohmann::json& member(const nlohmann::json& o, const std::string& key, const std::string& where) {
  if (!o.is_object()) throw BadField(fmt::format("{}: not an object", where));
  if (!o.contains(key)) throw BadField(fmt::format("{} at {}.{}: missing", key, where, key));
  return o.at(key);
}

std::string checked_str(const nlohmann::json& v, const std::string& where) {
  if (!v.is_string()) throw BadField(fmt::format("{} at {}: {} is not a string", leaf(where), where, v.dump()));
  return v.get<std::string>();
}

// A 64-bit hex id ("ce873e2213db691d").
uint64_t checked_hex(const nlohmann::json& v, const std::string& where) {
  std::string s = checked_str(v, where);
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    throw BadField(fmt::format("{} at {}: '{}' is not a 64-bit hex number", leaf(where), where, s));
  return out;
}

const nlohmann::json& checked_array(const nlohmann::json& v, const std::string& where) {
  if (!v.is_array()) throw BadField(fmt::format("{} at {}: {} is not an array", leaf(where), where, v.dump()));
  return v;
}

}  // namespace

std::optional<Snapshot> snapshot_from_json(const nlohmann::json& j, std::string& err) {
  using nlohmann::json;
  static const json kEmpty = json::array();
  auto type_of = [&](const json& v, const std::string& where) {
    std::string name = checked_str(v, where);
    auto t = ns_type_from_name(name);
    if (!t) throw BadField(fmt::format("{} at {}: unknown namespace type '{}'", leaf(where), where, name));
    return *t;
  };
  // Field `key` of object `o` (at `where`): an integer in lo..hi; `dflt` when absent (nullopt: required).
  auto num = [](const json& o, const std::string& key, const std::string& where, int64_t lo, int64_t hi,
                std::optional<int64_t> dflt = std::nullopt) -> int64_t {
    if (dflt && (!o.is_object() || !o.contains(key))) return *dflt;
    return checked_int(member(o, key, where), where + "." + key, lo, hi);
  };
  // As num(), null reading as `null_as`.
  auto num_or_null = [](const json& o, const std::string& key, const std::string& where, int64_t lo, int64_t hi,
                        int64_t null_as) -> int64_t {
    if (!o.is_object() || !o.contains(key) || o.at(key).is_null()) return null_as;
    return checked_int(o.at(key), where + "." + key, lo, hi);
  };
  auto arr = [&](const json& o, const std::string& key) -> const json& {
    if (!o.contains(key) || o.at(key).is_null()) return kEmpty;
    return checked_array(o.at(key), key);
  };
  auto str = [](const json& o, const std::string& key, const std::string& where, const char* dflt) -> std::string {
    if (!o.contains(key) || (o.at(key).is_null() && dflt)) return dflt ? dflt : "";
    return checked_str(o.at(key), where + "." + key);
  };
  try {
    if (!j.is_object() || !j.contains("namespaces") || !j.contains("nssim_snapshot")) {
      err = "not an nssim snapshot (no \"nssim_snapshot\" and \"namespaces\")";
      return std::nullopt;
    }
    if (const json& v = j.at("nssim_snapshot"); !v.is_number_integer() || v.get<int64_t>() != 1) {
      err = fmt::format("unsupported nssim_snapshot version {} (this nssim reads version 1)", v.dump());
      return std::nullopt;
    }
    Snapshot s;
    s.kernel = str(j, "kernel", "", "");
    s.bpf = j.value("bpf", false);
    s.bpf_note = str(j, "bpf_note", "", "");
    s.self_pid = static_cast<int>(num(j, "self_pid", "", 0, kPidMax, 0));
    const json& nss = arr(j, "namespaces");
    for (size_t i = 0; i < nss.size(); ++i) {
      const json& n = nss[i];
      std::string w = fmt::format("namespaces[{}]", i);
      SnapNs ns;
      ns.inum = static_cast<uint32_t>(num(n, "ns", w, 1, kU32));
      ns.type = type_of(member(n, "type", w), w + ".type");
      ns.nprocs = static_cast<uint32_t>(num(n, "nprocs", w, 0, kU32));
      ns.ntasks = static_cast<uint32_t>(num(n, "ntasks", w, 0, kU32, 0));
      ns.pid = static_cast<int>(num_or_null(n, "pid", w, 1, kPidMax, 0));
      ns.ppid = static_cast<int>(num_or_null(n, "ppid", w, 0, kPidMax, 0));
      ns.uid = static_cast<uint32_t>(num_or_null(n, "uid", w, 0, kUidMax, 0));
      if (n.contains("user") && !n.at("user").is_null()) ns.user = checked_str(n.at("user"), w + ".user");
      if (n.contains("command") && !n.at("command").is_null())
        ns.command = checked_str(n.at("command"), w + ".command");
      if (n.contains("nsfs") && !n.at("nsfs").is_null()) {
        std::string all = checked_str(n.at("nsfs"), w + ".nsfs");
        for (size_t p = 0; p <= all.size();) {
          size_t e = all.find('\n', p);
          if (e == std::string::npos) e = all.size();
          ns.nsfs.push_back(all.substr(p, e - p));
          p = e + 1;
        }
      }
      ns.parent = static_cast<uint32_t>(num(n, "pns", w, 0, kU32));
      ns.owner = static_cast<uint32_t>(num(n, "ons", w, 0, kU32));
      ns.level = static_cast<uint32_t>(num(n, "level", w, 0, 32, 0));
      if (n.contains("refs") && !n.at("refs").is_null()) ns.refs = static_cast<uint32_t>(num(n, "refs", w, 0, kU32));
      ns.ns_id = static_cast<uint64_t>(num_or_null(n, "ns_id", w, 0, kI64, 0));
      const json& ps = arr(n, "nsproxies");
      for (size_t k = 0; k < ps.size(); ++k)
        ns.nsproxies.push_back(checked_hex(ps[k], fmt::format("{}.nsproxies[{}]", w, k)));
      const json& hs = arr(n, "holders");
      for (size_t k = 0; k < hs.size(); ++k) {
        const json& h = hs[k];
        std::string hw = fmt::format("{}.holders[{}]", w, k);
        SnapHolder sh;
        std::string kind = checked_str(member(h, "kind", hw), hw + ".kind");
        bool found = false;
        for (auto kk : {SnapHolder::Kind::ForChildren, SnapHolder::Kind::Fd, SnapHolder::Kind::BindMount,
                        SnapHolder::Kind::Owner, SnapHolder::Kind::Parent, SnapHolder::Kind::Pidfd,
                        SnapHolder::Kind::Socket, SnapHolder::Kind::FileCred, SnapHolder::Kind::Nsproxy})
          if (snap_holder_kind_name(kk) == kind) sh.kind = kk, found = true;
        if (!found) throw BadField(fmt::format("kind at {}.kind: unknown holder kind '{}'", hw, kind));
        sh.pid = static_cast<int>(num(h, "pid", hw, 0, kPidMax, 0));
        sh.fd = static_cast<int>(num(h, "fd", hw, -1, kRestoreNrOpen - 1, -1));
        sh.comm = str(h, "comm", hw, "");
        sh.path = str(h, "path", hw, "");
        sh.ns = static_cast<uint32_t>(num(h, "ns", hw, 0, kU32, 0));
        if (h.contains("ns_type")) sh.ns_type = type_of(h.at("ns_type"), hw + ".ns_type");
        if (h.contains("nsproxy")) sh.nsproxy = checked_hex(h.at("nsproxy"), hw + ".nsproxy");
        ns.holders.push_back(std::move(sh));
      }
      if (n.contains("why") && !n.at("why").is_null()) ns.why = checked_str(n.at("why"), w + ".why");
      if (n.contains("uid_map")) ns.uid_map = checked_str(n.at("uid_map"), w + ".uid_map");
      if (n.contains("gid_map")) ns.gid_map = checked_str(n.at("gid_map"), w + ".gid_map");
      if (n.contains("setgroups")) ns.setgroups_allowed = checked_str(n.at("setgroups"), w + ".setgroups") == "allow";
      if (n.contains("owner_uid")) ns.owner_uid = static_cast<uint32_t>(num(n, "owner_uid", w, 0, kUidMax));
      s.namespaces.push_back(std::move(ns));
    }
    std::sort(s.namespaces.begin(), s.namespaces.end(), [](auto& a, auto& b) { return a.inum < b.inum; });
    const json& ts = arr(j, "tasks");
    for (size_t i = 0; i < ts.size(); ++i) {
      const json& t = ts[i];
      std::string w = fmt::format("tasks[{}]", i);
      SnapTask st;
      st.pid = static_cast<int>(num(t, "pid", w, 1, kPidMax));
      st.tid = static_cast<int>(num(t, "tid", w, 1, kPidMax));
      st.ppid = static_cast<int>(num(t, "ppid", w, 0, kPidMax, 0));
      st.uid = static_cast<uint32_t>(num(t, "uid", w, 0, kUidMax, 0));
      st.comm = str(t, "comm", w, "");
      std::string state = str(t, "state", w, "?");
      st.state = state.empty() ? '?' : state[0];
      st.kthread = t.value("kthread", false);
      const json& links = member(t, "ns", w);
      for (int k = 0; k < kLinks; ++k) {
        std::string ln(link_name(kAllLinks[k]));
        if (!links.contains(ln)) throw BadField(fmt::format("{} at {}.ns.{}: missing", ln, w, ln));
        st.ns[k] =
            links.at(ln).is_null() ? 0 : static_cast<uint32_t>(checked_int(links.at(ln), w + ".ns." + ln, 1, kU32));
      }
      if (t.contains("nsproxy") && !t.at("nsproxy").is_null())
        st.nsproxy = checked_hex(t.at("nsproxy"), w + ".nsproxy");
      if (t.contains("nspid")) {
        const json& np = checked_array(t.at("nspid"), w + ".nspid");
        for (size_t k = 0; k < np.size(); ++k)
          st.nspid.push_back(static_cast<uint32_t>(checked_int(np[k], fmt::format("{}.nspid[{}]", w, k), 1, kPidMax)));
      }
      if (t.contains("uids") && t.contains("gids") && t.contains("caps")) {
        for (auto [key, dst] : {std::pair{"uids", &st.uids}, std::pair{"gids", &st.gids}}) {
          const json& a = checked_array(t.at(key), w + "." + key);
          if (a.size() != 4)
            throw BadField(
                fmt::format("{} at {}.{}: {} entries, not 4 (real, effective, saved, fs)", key, w, key, a.size()));
          for (size_t k = 0; k < 4; ++k)
            (*dst)[k] = static_cast<uint32_t>(checked_int(a[k], fmt::format("{}.{}[{}]", w, key, k), 0, kUidMax));
        }
        const json& c = t.at("caps");
        auto cap = [&](const char* k) { return checked_hex(member(c, k, w + ".caps"), w + ".caps." + k); };
        st.cap_inh = cap("inh"), st.cap_prm = cap("prm"), st.cap_eff = cap("eff");
        st.cap_bnd = cap("bnd"), st.cap_amb = cap("amb");
        st.creds = true;
      }
      s.tasks.push_back(std::move(st));
    }
    const json& ps = arr(j, "nsproxies");
    for (size_t i = 0; i < ps.size(); ++i) {
      const json& p = ps[i];
      std::string w = fmt::format("nsproxies[{}]", i);
      SnapNsProxy sp;
      sp.id = checked_hex(member(p, "id", w), w + ".id");
      sp.count = static_cast<uint32_t>(num(p, "count", w, 0, kU32));
      const json& slots = member(p, "slots", w);
      for (int k = 0; k < kKSlots; ++k)
        sp.slots[k] =
            static_cast<uint32_t>(num(slots, std::string(kslot_name(static_cast<KSlot>(k))), w + ".slots", 0, kU32));
      const json& tids = checked_array(member(p, "tasks", w), w + ".tasks");
      for (size_t k = 0; k < tids.size(); ++k)
        sp.tids.push_back(static_cast<int>(checked_int(tids[k], fmt::format("{}.tasks[{}]", w, k), 1, kPidMax)));
      s.nsproxies.push_back(std::move(sp));
    }
    const json& ms = arr(j, "mounts");
    for (size_t i = 0; i < ms.size(); ++i) {
      const json& m = ms[i];
      std::string w = fmt::format("mounts[{}]", i);
      SnapMount sm;
      sm.mnt_ns = static_cast<uint32_t>(num(m, "mnt_ns", w, 1, kU32));
      sm.mountpoint = checked_str(member(m, "mountpoint", w), w + ".mountpoint");
      sm.inum = static_cast<uint32_t>(num(m, "ns", w, 1, kU32));
      sm.type = type_of(member(m, "type", w), w + ".type");
      sm.via_pid = static_cast<int>(num_or_null(m, "via_pid", w, 1, kPidMax, 0));
      if (const SnapNs* n = s.find(sm.inum); n && n->type != sm.type)
        throw BadField(fmt::format("type at {}.type: {} but namespace {} is listed as {}", w, ns_type_name(sm.type),
                                   sm.inum, ns_type_name(n->type)));
      s.mounts.push_back(std::move(sm));
    }
    const json& fs = arr(j, "fds");
    for (size_t i = 0; i < fs.size(); ++i) {
      const json& f = fs[i];
      std::string w = fmt::format("fds[{}]", i);
      SnapFd sf;
      sf.pid = static_cast<int>(num(f, "pid", w, 1, kPidMax));
      int64_t fd = checked_int(member(f, "fd", w), w + ".fd", INT64_MIN, INT64_MAX);
      if (fd < 0) throw BadField(fmt::format("fd at {}.fd: {} is not an fd number (0..{})", w, fd, kRestoreNrOpen - 1));
      if (fd >= kRestoreNrOpen)
        throw BadField(
            fmt::format("fd at {}.fd: fd {} above nr_open ({}) not supported by the model", w, fd, kRestoreNrOpen));
      sf.fd = static_cast<int>(fd);
      sf.inum = static_cast<uint32_t>(num(f, "ns", w, 1, kU32));
      sf.type = type_of(member(f, "type", w), w + ".type");
      if (const SnapNs* n = s.find(sf.inum); n && n->type != sf.type)
        throw BadField(fmt::format("type at {}.type: {} but namespace {} is listed as {}", w, ns_type_name(sf.type),
                                   sf.inum, ns_type_name(n->type)));
      s.fds.push_back(sf);
    }
    const json& notes = arr(j, "notes");
    for (size_t i = 0; i < notes.size(); ++i) s.notes.push_back(checked_str(notes[i], fmt::format("notes[{}]", i)));
    // Cross-checks, whatever "bpf" says: every link names a listed namespace of
    // its type; nsproxy ids are unique, a task's is listed, and its slots agree
    // with the task's links where both are known.
    std::map<uint64_t, const SnapNsProxy*> by_id;
    for (size_t i = 0; i < s.nsproxies.size(); ++i)
      if (!by_id.emplace(s.nsproxies[i].id, &s.nsproxies[i]).second)
        throw BadField(fmt::format("id at nsproxies[{}].id: nsproxy {} listed twice", i, hex_id(s.nsproxies[i].id)));
    for (size_t i = 0; i < s.tasks.size(); ++i) {
      const SnapTask& t = s.tasks[i];
      for (int k = 0; k < kLinks; ++k) {
        if (!t.ns[k]) continue;
        const SnapNs* n = s.find(t.ns[k]);
        if (!n)
          throw BadField(fmt::format("{} at tasks[{}].ns.{} (pid {}, tid {}): namespace {} is not listed in namespaces",
                                     link_name(kAllLinks[k]), i, link_name(kAllLinks[k]), t.pid, t.tid, t.ns[k]));
        if (n->type != link_type(kAllLinks[k]))
          throw BadField(fmt::format("{} at tasks[{}].ns.{} (pid {}, tid {}): namespace {} is listed as {}",
                                     link_name(kAllLinks[k]), i, link_name(kAllLinks[k]), t.pid, t.tid, t.ns[k],
                                     ns_type_name(n->type)));
      }
      if (!t.nsproxy) continue;
      auto it = by_id.find(t.nsproxy);
      if (it == by_id.end())
        throw BadField(
            fmt::format("nsproxy at tasks[{}].nsproxy (pid {}, tid {}): nsproxy {} is not listed in nsproxies", i,
                        t.pid, t.tid, hex_id(t.nsproxy)));
      for (int k = 0; k < kKSlots; ++k) {
        std::string_view name = kslot_name(static_cast<KSlot>(k));
        uint32_t slot = it->second->slots[k];
        for (int l = 0; l < kLinks; ++l)
          if (link_name(kAllLinks[l]) == name && t.ns[l] && slot && t.ns[l] != slot)
            throw BadField(fmt::format("{} at tasks[{}].ns.{} (pid {}, tid {}): {} but its nsproxy {} has {}", name, i,
                                       name, t.pid, t.tid, t.ns[l], hex_id(t.nsproxy), slot));
      }
    }
    return s;
  } catch (const std::exception& e) {
    err = fmt::format("malformed nssim snapshot: {}", e.what());
    return std::nullopt;
  }
}

RestoreInput restore_input(const Snapshot& s) {
  RestoreInput in;
  for (auto& n : s.namespaces) {
    RestoreNs r;
    r.inum = n.inum;
    r.type = n.type;
    r.owner = n.owner;
    r.parent = n.parent;
    r.ns_id = n.ns_id;
    r.uid_map = n.uid_map;
    r.gid_map = n.gid_map;
    r.setgroups_allowed = n.setgroups_allowed;
    r.owner_uid = n.owner_uid;
    std::vector<std::string> ext;
    for (auto& h : n.holders)
      if (h.kind == SnapHolder::Kind::Pidfd || h.kind == SnapHolder::Kind::Socket ||
          h.kind == SnapHolder::Kind::FileCred || h.kind == SnapHolder::Kind::Nsproxy)
        ext.push_back(h.text());
    r.external = !ext.empty() ? fmt::format("{}", fmt::join(ext, "; ")) : n.nprocs ? "" : n.why;
    in.namespaces.push_back(std::move(r));
  }
  for (auto& t : s.tasks) {
    RestoreTask r;
    r.pid = t.pid, r.tid = t.tid, r.ppid = t.ppid;
    r.state = t.state;
    r.kthread = t.kthread;
    r.ns = t.ns;
    r.nsproxy = s.bpf ? t.nsproxy : 0;
    r.nspid = t.nspid;
    r.creds = t.creds;
    if (t.creds) {
      r.uids = t.uids, r.gids = t.gids;
      r.cap_inh = t.cap_inh, r.cap_prm = t.cap_prm, r.cap_eff = t.cap_eff, r.cap_bnd = t.cap_bnd,
      r.cap_amb = t.cap_amb;
    } else {
      r.uids = {t.uid, t.uid, t.uid, t.uid};
    }
    in.tasks.push_back(std::move(r));
    if (t.pid == 1 && t.tid == 1 && s.bpf)
      if (const SnapNs* pns = s.find(t.ns[static_cast<int>(std::find(kAllLinks.begin(), kAllLinks.end(), Link::Pid) -
                                                             kAllLinks.begin())]))
        in.root_pid_level = pns->level;
  }
  if (s.bpf)
    for (auto& p : s.nsproxies) in.nsproxies.push_back(RestoreNsProxy{p.id, p.slots});
  for (auto& f : s.fds) in.fds.push_back(RestoreFd{f.pid, f.fd, f.inum});
  for (auto& m : s.mounts) in.mounts.push_back(RestoreMount{m.mnt_ns, m.mountpoint, m.inum});
  return in;
}

}  // namespace nssim::real
