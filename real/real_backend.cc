#include "real/real_backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "real/kernel_introspect.h"
#include "real/nsfs_handle.h"
#include "real/protocol.h"
#include "real/sandbox_roots.h"

#include "real/nsfs_ioctls.h"
#include "sim/kernel.h"
#include "sim/result.h"

namespace nssim::real {

struct RealBackend::FdNames {
  std::vector<std::pair<std::string, int>> names;
  int find(const std::string& n) const {
    for (auto& [k, v] : names)
      if (k == n) return v;
    return -1;
  }
  std::set<int> cloexec;  // fds the kernel closes at exec (do_close_on_exec())
  void bind(const std::string& n, int fd, bool close_on_exec) {
    if (close_on_exec)
      cloexec.insert(fd);
    else
      cloexec.erase(fd);
    for (auto& [k, v] : names)
      if (k == n) {
        v = fd;
        return;
      }
    names.emplace_back(n, fd);
  }
  // After exec: the close-on-exec fds and their names are gone.
  void close_on_exec() {
    std::erase_if(names, [&](const auto& kv) { return cloexec.count(kv.second) > 0; });
    cloexec.clear();
  }
};

struct RealBackend::Agent {
  std::string name;
  int ctl = -1;       // controller end of the agent's channel
  int pidfd = -1;     // pins nothing but the struct pid of a live task; closed once reaped
  // Ids as /proc numbers them (the pid namespace of the procfs instance nssim
  // sees, which may be an ancestor of nssim's own: `unshare --pid --fork`
  // without --mount-proc): every /proc path uses these.
  pid_t hostpid = 0;  // tgid in /proc's pid namespace
  pid_t hosttid = 0;  // tid in /proc's pid namespace (== hostpid for a thread group leader)
  pid_t ctlpid = 0;   // tgid in nssim's own pid namespace (waitpid, pidfd_open, BPF task records)
  bool is_thread = false;
  TaskState state = TaskState::Running;
  bool exit_requested = false;
  bool stuck = false;
  std::string stuck_why;  // the first timeout, for later calls' message
  std::vector<uint32_t> nspid_abs;  // NSpid from /proc's level down
  std::vector<uint64_t> pidns_ino;  // inode of its pid namespace at each of those levels (0: above nssim's)
  std::shared_ptr<FdNames> fds = std::make_shared<FdNames>();
  // The mm: one token per mm, shared by threads and CLONE_VM children (what
  // one of them does to the dumpability, all of them show).
  std::shared_ptr<int> mm = std::make_shared<int>(0);
  pid_t ppid = 0;  // parent's tgid as /proc numbers it (0: outside /proc's pid namespace), at the last refresh()
  std::optional<TaskObs> last;  // the last observation read from /proc
  bool marked = false;          // in marked_: this step's observe() reads it again
  // vfork(): the creator's answer to its clone request comes only when the
  // child releases the mm (exec or exit); until then the creator sleeps.
  bool vfork_pending = false;   // on the creator: its clone answer is owed
  std::string vfork_pidfd_name;  // on the creator: CLONE_PIDFD's fd name, bound when that answer comes
  Agent* vfork_parent = nullptr;  // on the child, until it execs or exits
  uint32_t level() const { return nspid_abs.empty() ? 0 : static_cast<uint32_t>(nspid_abs.size() - 1); }
};

namespace {

volatile sig_atomic_t g_sandbox_pidfd = -1;

void on_fatal_signal(int sig) {
  // Kill the sandbox's pid 1; the kernel kills everything else in it.
  if (g_sandbox_pidfd >= 0) syscall(SYS_pidfd_send_signal, static_cast<int>(g_sandbox_pidfd), SIGKILL, nullptr, 0);
  static const char msg[] = "\nnssim: interrupted; the sandbox was killed\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);  // delivered now, not after the handler returns
  raise(sig);
  // Still here: nssim is the init of a pid namespace (`unshare --pid --fork
  // nssim`), which the kernel spares from its own default-action signals.
  _exit(128 + sig);
}

// Waits for one fixed-size message; false on timeout or EOF.
template <class T>
bool recv_fixed(int fd, T& out, int timeout_ms, bool& eof) {
  eof = false;
  if (!wait_readable(fd, timeout_ms)) return false;
  ssize_t r = recv(fd, &out, sizeof out, 0);
  if (r == static_cast<ssize_t>(sizeof out)) return true;
  eof = true;
  return false;
}

// The agent's hello, and the fd it passes (its active pid namespace; -1: none).
bool recv_hello(int fd, Msg& out, int timeout_ms, int& passed) {
  passed = -1;
  if (!wait_readable(fd, timeout_ms) || !recv_msg(fd, out, &passed, MSG_CMSG_CLOEXEC)) return false;
  if (out.op == Op::Hello) return true;
  if (passed >= 0) close(passed), passed = -1;
  return false;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// NSpid of a task (0: nssim itself), as /proc's pid namespace numbers it: from
// that level down to the task's own.
std::vector<uint32_t> read_nspid(pid_t pid) {
  std::string s = slurp(pid ? fmt::format("/proc/{}/status", pid) : std::string("/proc/self/status"));
  std::vector<uint32_t> out;
  size_t p = s.find("\nNSpid:");
  if (p == std::string::npos) return out;
  std::istringstream is(s.substr(p + 7, s.find('\n', p + 1) - p - 7));
  uint32_t v;
  while (is >> v) out.push_back(v);
  return out;
}

// "Uid:" / "Gid:" lines of /proc/PID/status: real, effective, saved, fs.
std::array<uint32_t, 4> read_ids(const std::string& status, const char* key) {
  std::array<uint32_t, 4> v{};
  size_t p = status.find(key);
  if (p == std::string::npos) return v;
  std::istringstream is(status.substr(p + std::strlen(key), status.find('\n', p) - p - std::strlen(key)));
  for (auto& x : v) is >> x;
  return v;
}

// "CapInh:" .. "CapAmb:" of /proc/PID/status (TaskObs::caps order).
std::array<uint64_t, 5> read_caps_line(const std::string& status) {
  static constexpr const char* kKeys[] = {"\nCapInh:", "\nCapPrm:", "\nCapEff:", "\nCapBnd:", "\nCapAmb:"};
  std::array<uint64_t, 5> v{};
  for (size_t i = 0; i < v.size(); ++i) {
    size_t p = status.find(kKeys[i]);
    if (p != std::string::npos) v[i] = std::strtoull(status.c_str() + p + std::strlen(kKeys[i]), nullptr, 16);
  }
  return v;
}

// /proc/PID/uid_map as the initial user namespace reads it: lower ids are kernel ids.
std::string read_map(const std::string& path) {
  std::istringstream is(slurp(path));
  std::string out;
  uint64_t a, b, c;
  while (is >> a >> b >> c) out += fmt::format("{}{} {} {}", out.empty() ? "" : "\n", a, b, c);
  return out;
}

// State letter from /proc/PID/stat (after the comm's closing paren), 0 if
// gone; `ppid` (when given) gets the parent's tgid.
char read_state(pid_t pid, pid_t* ppid = nullptr) {
  std::string s = slurp(fmt::format("/proc/{}/stat", pid));
  size_t p = s.rfind(')');
  if (p == std::string::npos || p + 2 >= s.size()) return 0;
  if (ppid) *ppid = static_cast<pid_t>(std::strtol(s.c_str() + p + 3, nullptr, 10));
  return s[p + 2];
}

bool pidfd_alive(int pidfd) {
  if (pidfd < 0) return false;
  return syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0 || errno != ESRCH;
}

// A pidfd polls readable once its task has exited.
bool pidfd_exited(int pidfd, int timeout_ms) { return wait_readable(pidfd, timeout_ms); }

std::optional<uint64_t> read_link_inum(pid_t pid, Link l) {
  char buf[64];
  std::string path = fmt::format("/proc/{}/ns/{}", pid, link_name(l));  // pid: a tgid or a tid
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = 0;
  const char* lb = std::strchr(buf, '[');
  if (!lb) return std::nullopt;
  return std::strtoull(lb + 1, nullptr, 10);
}

CallOutcome outcome_ok(std::string r) { return CallOutcome{true, 0, std::move(r), "", ""}; }
CallOutcome outcome_err(int e, std::string note = "") { return CallOutcome{false, e, errno_name(e), "", std::move(note)}; }
CallOutcome outcome_usage(std::string m) {
  CallOutcome o;
  o.usage_error = std::move(m);
  return o;
}

constexpr pid_t kNoSuchPid = 0x3fffffff;  // above PID_MAX_LIMIT: the kernel finds no such task

}  // namespace

namespace {

constexpr uint32_t kInitUserInum = 0xEFFFFFFDU;  // PROC_USER_INIT_INO (include/linux/proc_ns.h)
constexpr uint32_t kInitPidInum = 0xEFFFFFFCU;   // PROC_PID_INIT_INO

uint32_t ns_inum(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

// A /proc/sys knob as a number; `dflt` when the file is absent.
long sysctl_num(const char* path, long dflt) {
  std::string s = slurp(path);
  return s.empty() ? dflt : std::strtol(s.c_str(), nullptr, 10);
}

bool write_file(const std::string& path, const std::string& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  close(fd);
  return ok;
}

std::vector<UidGidExtent> read_extents(const std::string& path) {
  std::vector<UidGidExtent> v;
  std::string s = read_map(path);
  if (!s.empty()) parse_id_map(s, v);
  return v;
}

}  // namespace


// Removes a cgroup2 directory and the cgroups below it, deepest first (an
// empty cgroup -- no live task, no child -- can be rmdir()ed). True when it
// is gone.
bool remove_cgroup_tree(const std::string& dir) {
  if (DIR* d = opendir(dir.c_str())) {
    std::vector<std::string> subs;
    while (dirent* e = readdir(d))
      if (e->d_type == DT_DIR && e->d_name[0] != '.') subs.emplace_back(e->d_name);
    closedir(d);
    for (auto& sub : subs) remove_cgroup_tree(dir + "/" + sub);
  }
  return rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

// A detached process (double fork, own session, signals ignored) that
// removes `dir` once nssim is gone: it waits on a pidfd of nssim and on a
// pipe; 'q' on the pipe means nssim removed the tree itself. Otherwise (nssim
// killed) the sandbox dies with it (PR_SET_PDEATHSIG, zap_pid_ns_processes()),
// its cgroups empty, and the cleaner removes them, retrying for up to 30 s.
// It keeps `lock_fd` (the run's flock() on the directory) until it is done,
// and no other fd of nssim's. Returns the pipe's write end, or -1.
int start_cgroup_cleaner(const std::string& dir, int lock_fd) {
  int self = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  int p[2];
  if (self < 0 || pipe2(p, O_CLOEXEC) != 0) {
    if (self >= 0) close(self);
    return -1;
  }
  std::fflush(nullptr);
  pid_t c = fork();
  if (c == 0) {
    if (fork() != 0) _exit(0);
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    // Only the pipe, the pidfd and the lock, at 3, 4, 5 (via fds above them).
    int hi = std::max({p[0], self, lock_fd, devnull}) + 1;
    int a = fcntl(p[0], F_DUPFD, hi), b = fcntl(self, F_DUPFD, hi), l = fcntl(lock_fd, F_DUPFD, hi);
    dup2(a, 3);
    dup2(b, 4);
    dup2(l, 5);
    syscall(SYS_close_range, 6U, ~0U, 0U);
    pollfd fds[2] = {{3, POLLIN, 0}, {4, POLLIN, 0}};
    while (poll(fds, 2, -1) < 0 && errno == EINTR) {
    }
    char q = 0;
    if ((fds[0].revents & POLLIN) && read(3, &q, 1) == 1 && q == 'q') _exit(0);
    for (int i = 0; i < 600; ++i) {
      if (remove_cgroup_tree(dir)) _exit(0);
      usleep(50 * 1000);
    }
    _exit(1);
  }
  close(p[0]);
  close(self);
  if (c < 0) {
    close(p[1]);
    return -1;
  }
  waitpid(c, nullptr, 0);
  return p[1];
}

std::string unavailable_reason() {
  if (char buf[32]; readlink("/proc/self", buf, sizeof buf) <= 0)
    return "/proc does not show nssim (no procfs, or one of another pid namespace): mount one for nssim's pid "
           "namespace (unshare --mount-proc, or mount -t proc proc /proc in a mount namespace of your own)";
  for (auto* t : {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}) {
    struct stat st;
    if (stat(fmt::format("/proc/self/ns/{}", t).c_str(), &st) != 0)
      return fmt::format("this kernel has no {} namespaces (/proc/self/ns/{} is missing)", t, t);
  }
  if (geteuid() == 0) return "";
  // Rootless: nssim makes a user namespace of its own (RealBackend::start()),
  // which needs its uid mapped where it is (create_user_ns()).
  if (slurp("/proc/self/uid_map").empty())
    return fmt::format(
        "nssim's uid is not mapped in its user namespace (/proc/self/uid_map is empty; it runs as "
        "the overflow uid {}): map it, e.g. unshare --user --map-root-user",
        geteuid());
  if (sysctl_num("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0)
    return "not root, and this kernel does not let unprivileged users create user namespaces "
           "(sysctl kernel.unprivileged_userns_clone=0): run as root, or enable it";
  if (sysctl_num("/proc/sys/user/max_user_namespaces", 1) == 0)
    return "not root, and user namespaces are disabled here (sysctl user.max_user_namespaces=0): run as root";
  return "";
}

std::unique_ptr<RealBackend> RealBackend::create(const Options& opt, std::string& why) {
  why = unavailable_reason();
  if (!why.empty()) return nullptr;
  std::unique_ptr<RealBackend> b(new RealBackend());
  if (!b->start(opt, why)) return nullptr;
  return b;
}

// Where nssim runs decides how the sandbox is made (docs/design.md, "Where
// --real runs"): root in the initial user namespace keeps today's sandbox;
// root in another user namespace (a container's) makes every initial
// namespace new there; not root, nssim first makes a user namespace of its
// own mapping its uid to 0 (as `unshare --map-root-user` does) and goes on as
// root in it. The model is then booted with that user namespace (env_user()).
bool RealBackend::enter_environment(std::string& why) {
  // Made once per process: later runs (nssim fuzz) find nssim already in it.
  static struct {
    bool made = false;
    uint32_t parent_userns = 0;
    uid_t uid = 0;
    gid_t gid = 0;
  } own;
  uint32_t userns = own.made ? own.parent_userns : ns_inum("/proc/self/ns/user");
  uint32_t level_floor = userns == kInitUserInum ? 0 : 1;  // ancestors of our own user namespace are hidden
  if (own.made) {
    rootless_ = true;
  } else if (geteuid() != 0) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) != 0) {
      why = fmt::format(
          "not root, and unshare(CLONE_NEWUSER) failed ({}): this system does not let unprivileged "
          "users create user namespaces; run as root",
          std::strerror(errno));
      return false;
    }
    // kernel/user_namespace.c: map_write(): an unprivileged writer maps only
    // its own id, and its gid only after setgroups is denied.
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", fmt::format("0 {} 1", uid)) ||
        !write_file("/proc/self/gid_map", fmt::format("0 {} 1", gid))) {
      why = fmt::format("could not map uid {} to root in nssim's user namespace: {}", uid, std::strerror(errno));
      return false;
    }
    rootless_ = true;
    own = {true, userns, uid, gid};
  }
  if (rootless_) {
    notes_.push_back(fmt::format(
        "rootless: nssim runs as root of a user namespace of its own (uid 0 -> {}, gid 0 -> {}); what needs host "
        "privilege fails there as the kernel says, in the model too",
        own.uid, own.gid));
  }
  if (rootless_ || userns != kInitUserInum) {
    EnvUserNs e;
    e.uid_map = read_extents("/proc/self/uid_map");
    e.gid_map = read_extents("/proc/self/gid_map");
    e.setgroups_allowed = slurp("/proc/self/setgroups").rfind("allow", 0) == 0;
    e.level = level_floor + (rootless_ ? 1 : 0);
    e.exec_inside = !rootless_;  // rootless: made after exec, so every mm->user_ns is its parent
    // The creator's euid/egid in the parent's terms (NS_GET_OWNER_UID answers
    // in ours: map it back down).
    uid_t owner = 0;
    int ufd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    if (ufd >= 0) {
      if (ioctl(ufd, NS_GET_OWNER_UID, &owner) != 0) owner = 0;
      close(ufd);
    }
    auto lower = [](const std::vector<UidGidExtent>& m, uint32_t id) {
      for (auto& x : m)
        if (id >= x.first && id - x.first < x.count) return x.lower_first + (id - x.first);
      return id;
    };
    e.owner = lower(e.uid_map, owner);
    e.group = e.gid_map.empty() ? 0 : e.gid_map.front().lower_first;
    env_user_ = e;
    if (e.level > 1 || (!rootless_ && userns != kInitUserInum))
      notes_.push_back(
          fmt::format("not checked here: user namespace level: the scenario's initial user namespace is {} (level at "
                      "least {}; its ancestors are not "
                      "visible from inside); the model boots it as a child of its init_user_ns, with the maps it reads",
                      rootless_ ? "the one nssim made" : "this container's", e.level));
  }
  return true;
}

// nssim's own capability sets, which the sandbox's init inherits (clone keeps
// them): the model's initial task gets the same when they are not root's full
// ones (a container that drops some).
void RealBackend::read_caps() {
  std::string st = slurp("/proc/self/status");
  auto hex = [&](const char* key) -> CapSet {
    size_t p = st.find(key);
    return p == std::string::npos ? 0 : std::strtoull(st.c_str() + p + std::strlen(key), nullptr, 16);
  };
  CapSets c{hex("\nCapInh:"), hex("\nCapPrm:"), hex("\nCapEff:"), hex("\nCapBnd:"), hex("\nCapAmb:")};
  if (c == CapSets{0, CAP_FULL_SET, CAP_FULL_SET, CAP_FULL_SET, 0}) return;
  init_caps_ = c;
  CapSet missing = CAP_FULL_SET & ~c.effective;
  std::string names;
  for (int i = 0; i <= 40; ++i)
    if ((missing >> i) & 1) names += fmt::format("{}{}", names.empty() ? "" : ",", i);
  notes_.push_back(
      fmt::format("capabilities: nssim runs with effective set {:#x}, bounding set {:#x} (not root's "
                  "full ones; missing capability numbers: {}); the model's initial task has the same "
                  "sets, so the kernel's refusals are predicted",
                  c.effective, c.bset, names.empty() ? "none" : names));
}

bool RealBackend::start(const Options& opt, std::string& why) {
  opt_ = opt;
  // The agents' exec() runs this binary (/proc/self/exe): its owner and mode
  // as seen before a rootless run enters its own user namespace.
  struct stat exe_st {};
  bool have_exe = stat("/proc/self/exe", &exe_st) == 0;
  if (!enter_environment(why)) return false;
  read_caps();
  if (have_exe) {
    exe_.mode = exe_st.st_mode & 07777;
    exe_.uid = exe_st.st_uid;
    exe_.gid = exe_st.st_gid;
    // Inside a container the ids are the container's: the model's kids are
    // its parent's (EnvUserNs). An unmapped owner shows as the overflow id:
    // any id the container does not map stands for it.
    if (env_user_ && !rootless_) {
      auto lower = [](const std::vector<UidGidExtent>& m, uint32_t id) -> uint32_t {
        for (auto& x : m)
          if (id >= x.first && id - x.first < x.count) return x.lower_first + (id - x.first);
        return 0xfffffffeu;
      };
      exe_.uid = lower(env_user_->uid_map, exe_.uid);
      exe_.gid = lower(env_user_->gid_map, exe_.gid);
    }
  }
  suid_dumpable_ = std::atoi(slurp("/proc/sys/fs/suid_dumpable").c_str());
  if (struct utsname u; uname(&u) == 0) release_ = u.release;
  pid_max_ = static_cast<uint32_t>(std::strtoul(slurp("/proc/sys/kernel/pid_max").c_str(), nullptr, 10));
  // Dynamically linked (ld.so maps shared objects after an exec): a mapping of a .so file.
  exe_.dynamic = slurp("/proc/self/maps").find(".so") != std::string::npos;
  // Which procfs this is: nssim's NSpid as it numbers it. Its last entry must
  // be nssim's own pid; entries before it are pid namespaces above nssim's
  // that this /proc shows (`unshare --pid --fork` without --mount-proc).
  {
    auto self = read_nspid(0);
    if (self.empty() || self.back() != static_cast<uint32_t>(getpid())) {
      why =
          "/proc is not a procfs of nssim's pid namespace or of one above it (/proc/self does not show nssim): "
          "mount one (unshare --mount-proc, or mount -t proc proc /proc in a mount namespace of your own)";
      return false;
    }
    ctl_index_ = self.size() - 1;
  }
  // Agent channels live at fds >= kChannelBase: lift our soft fd limit.
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    why = fmt::format("socketpair: {}", std::strerror(errno));
    return false;
  }
  if (opt.cgroup && !make_run_cgroup(why)) {
    close(sv[0]);
    close(sv[1]);
    return false;
  }
  std::fflush(nullptr);
  // In a user namespace not the initial one every initial namespace is made
  // new, so the user namespace the model boots (env_user()) owns them all.
  uint64_t flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS;
  // The sandbox's mount namespace is owned by our user namespace: when ours
  // does not own the mount namespace it copies, copy_mnt_ns() locks the copy
  // (lock_mnt_tree(), the root mount too): pivot_root() hands that MNT_LOCKED
  // on to the new root (found by --real as a non-root user: EINVAL, not EBUSY).
  root_mount_locked_ = false;
  if (int mfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC); mfd >= 0) {
    struct stat owner {}, ours {};
    if (int ufd = ioctl(mfd, NS_GET_USERNS); ufd >= 0) {
      if (fstat(ufd, &owner) == 0 && stat("/proc/self/ns/user", &ours) == 0)
        root_mount_locked_ = owner.st_ino != ours.st_ino;
      close(ufd);
    } else if (errno == EPERM) {
      root_mount_locked_ = true;  // the owner is an ancestor of our user namespace (rootless)
    }
    close(mfd);
  }
  if (env_user_) flags |= CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;
  // The run's cgroup: the sandbox starts there (and a new cgroup namespace
  // made with it is rooted there: cgroup_post_fork()).
  if (cg_fd_ >= 0) flags |= CLONE_INTO_CGROUP;
  clone_args ca{};
  ca.flags = flags;
  ca.exit_signal = SIGCHLD;
  ca.cgroup = cg_fd_ >= 0 ? static_cast<uint64_t>(cg_fd_) : 0;
  const std::string cg_dir = cg_dir_;  // for the child (no allocation there)
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) {
    int e = errno;
    why = fmt::format("clone3({}): {}", clone_flags_str(flags), std::strerror(e));
    if (e == EPERM && init_caps_ && !((init_caps_->effective >> CAP_SYS_ADMIN) & 1))
      why +=
          " (nssim runs without CAP_SYS_ADMIN, which creating namespaces needs: a container that drops it "
          "cannot run --real; give it CAP_SYS_ADMIN)";
    close(sv[0]);
    close(sv[1]);
    return false;
  }
  if (pid == 0) {
    // The sandbox's pid 1 = the scenario's initial task.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pollfd p{sv[1], POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP)) _exit(0);  // nssim died before PDEATHSIG was armed
    setsid();
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      fmt::print(stderr, "nssim agent: making / private failed: {}\n", std::strerror(errno));
      _exit(97);
    }
    if (sethostname(opt.hostname.data(), opt.hostname.size()) != 0) _exit(96);
    // A private, world-writable /run for bind-mount targets (/run/netns/NAME).
    if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0 ||
        mkdir("/run/netns", 0777) != 0 || chmod("/run/netns", 01777) != 0) {
      fmt::print(stderr, "nssim agent: setting up the private /run failed: {}\n", std::strerror(errno));
      _exit(95);
    }
    cover_created_path_roots({});
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    if (devnull > 2) close(devnull);
    dup2(sv[1], kChannelBase);
    syscall(SYS_close_range, 3U, static_cast<unsigned>(kChannelBase - 1), 0U);
    syscall(SYS_close_range, static_cast<unsigned>(kChannelBase + 1), ~0U, 0U);
    fcntl(kChannelBase, F_SETFD, 0);
    if (int pfd = open("/proc", O_PATH | O_DIRECTORY); pfd >= 0 && pfd != kProcDirFd) {
      dup2(pfd, kProcDirFd);
      close(pfd);
    }
    if (!cg_dir.empty())
      if (int cfd = open(cg_dir.c_str(), O_PATH | O_DIRECTORY); cfd >= 0 && cfd != kCgroupDirFd) {
        dup2(cfd, kCgroupDirFd);
        close(cfd);
      }
    Msg hello{};
    hello.op = Op::Hello;
    char buf[32] = {};
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    hello.a[0] = n > 0 ? std::strtoll(buf, nullptr, 10) : -1;
    if (send(kChannelBase, &hello, sizeof hello, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof hello)) _exit(0);
    agent_main(kChannelBase, true);
  }
  close(sv[1]);
  auto a = std::make_unique<Agent>();
  a->name = opt.init_name;
  a->ctl = sv[0];
  a->ctlpid = static_cast<pid_t>(pid);
  a->pidfd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
  g_sandbox_pidfd = a->pidfd;
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  Msg hello;
  bool eof;
  if (!recv_fixed(a->ctl, hello, opt.step_timeout_ms, eof) || hello.op != Op::Hello || hello.a[0] <= 0) {
    int st = 0;
    syscall(SYS_pidfd_send_signal, a->pidfd, SIGKILL, nullptr, 0);
    waitpid(static_cast<pid_t>(pid), &st, 0);
    why = !WIFEXITED(st)          ? "the sandbox's initial task did not start"
          : WEXITSTATUS(st) == 97 ? "could not make the sandbox's mounts private"
          : WEXITSTATUS(st) == 95 ? "could not mount the sandbox's private /run"
          : WEXITSTATUS(st) == 96 ? "could not set the sandbox's hostname"
                                  : "the sandbox's initial task did not start";
    close(a->pidfd);
    g_sandbox_pidfd = -1;
    return false;
  }
  a->hostpid = a->hosttid = static_cast<pid_t>(hello.a[0]);
  a->nspid_abs = read_nspid(a->hostpid);
  root_level_ = a->level();
  if (int fd = open(fmt::format("/proc/{}/ns/pid", a->hostpid).c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    a->pidns_ino = pidns_chain(fd, a->level());
    close(fd);
  }
  // Keep the sandbox's own namespaces alive for the whole run, as the model's
  // initial namespaces are (boot references).
  for (int i = 0; i < kLinks; ++i) {
    Link l = kAllLinks[i];
    if (l == Link::User || l == Link::PidForChildren || l == Link::TimeForChildren) continue;
    if (!env_user_ && l != Link::Mnt && l != Link::Uts && l != Link::Pid) continue;
    pins_.push_back(open(fmt::format("/proc/{}/ns/{}", a->hostpid, link_name(l)).c_str(), O_RDONLY | O_CLOEXEC));
  }
  find_levels(pins_);
  calibrate_liveness();
  if (!cg_dir_.empty()) {
    // How the sandbox's initial cgroup namespace names the run's cgroup.
    if (auto v = read_link_inum(a->hosttid, Link::Cgroup)) cg_init_inum_ = static_cast<uint32_t>(*v);
    Msg m{};
    m.op = Op::ReadCgroup;
    Reply r{};
    std::string note;
    if (!request(*a, m, -1, r, note) || r.ret != 0) {
      why = "cannot read the sandbox's /proc/thread-self/cgroup";
      add_agent(std::move(a));
      return false;
    }
    cg_prefix_ = std::string(r.str, r.len);
    if (cg_prefix_ == "/") cg_prefix_.clear();
  }
  add_agent(std::move(a));
  return true;
}


// Options::cgroup: a cgroup2 directory of the run's own below nssim's cgroup
// (nssim-PID-RANDOM), its cleaner, and stale directories of dead runs swept.
bool RealBackend::make_run_cgroup(std::string& why) {
  constexpr const char* kNeed = "cgroup statements need a writable cgroup2 hierarchy: ";
  std::string mount_point, mount_root, super_opts;
  {
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
      size_t dash = line.find(" - cgroup2 ");
      if (dash == std::string::npos) continue;
      std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 11));
      std::string id, parent, dev, source;
      head >> id >> parent >> dev >> mount_root >> mount_point;
      tail >> source >> super_opts;
      break;
    }
  }
  if (mount_point.empty()) {
    why = fmt::format("{}no cgroup2 mount in /proc/self/mountinfo", kNeed);
    return false;
  }
  cg_nsdelegate_ = ("," + super_opts + ",").find(",nsdelegate,") != std::string::npos;
  std::string self = slurp("/proc/self/cgroup");
  size_t at = self.starts_with("0::") ? 0 : self.find("\n0::");
  if (at == std::string::npos) {
    why = fmt::format("{}/proc/self/cgroup has no cgroup2 line", kNeed);
    return false;
  }
  at += self[at] == '\n' ? 4 : 3;
  std::string mine = self.substr(at, self.find('\n', at) - at);
  if (mount_root != "/" && mine.starts_with(mount_root)) mine = mine.substr(mount_root.size());
  else if (mount_root != "/" || mine.starts_with("/..")) {
    why = fmt::format("{}nssim's cgroup {} is not below the cgroup2 mount at {} (root {})", kNeed, mine, mount_point,
                      mount_root);
    return false;
  }
  std::string parent = mount_point + (mine == "/" ? "" : mine);
  // Directories of earlier runs whose nssim and cleaner are both gone: every
  // run holds an flock() on its directory while it lives (and its cleaner,
  // until it has removed it), so an unlocked one is stale, whatever pid
  // namespace its nssim ran in. One made in the last 10 s is left alone (its
  // run may not have locked it yet).
  if (DIR* d = opendir(parent.c_str())) {
    while (dirent* e = readdir(d)) {
      if (std::strncmp(e->d_name, "nssim-", 6) != 0 || e->d_type != DT_DIR) continue;
      std::string stale = parent + "/" + e->d_name;
      struct stat st;
      if (stat(stale.c_str(), &st) != 0 || time(nullptr) - st.st_ctime < 10) continue;
      int fd = open(stale.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      if (flock(fd, LOCK_EX | LOCK_NB) == 0) remove_cgroup_tree(stale);
      close(fd);
    }
    closedir(d);
  }
  uint32_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = static_cast<uint32_t>(time(nullptr));
  std::string dir = fmt::format("{}/nssim-{}-{:08x}", parent, getpid(), rnd);
  if (mkdir(dir.c_str(), 0755) != 0) {
    why = fmt::format("{}cannot make {} ({}): run as root, or where nssim's cgroup is delegated to its user", kNeed,
                      dir, std::strerror(errno));
    return false;
  }
  cg_fd_ = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  cg_lock_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg_lock_ >= 0 && flock(cg_lock_, LOCK_EX | LOCK_NB) != 0) close(cg_lock_), cg_lock_ = -1;
  cg_cleaner_ = cg_lock_ >= 0 ? start_cgroup_cleaner(dir, cg_lock_) : -1;  // the cleaner holds the lock too
  if (cg_fd_ < 0 || cg_cleaner_ < 0) {
    why = fmt::format("{}cannot open {} or start its cleaner ({})", kNeed, dir, std::strerror(errno));
    if (cg_fd_ >= 0) close(cg_fd_), cg_fd_ = -1;
    if (cg_cleaner_ >= 0) close(cg_cleaner_), cg_cleaner_ = -1;  // EOF: the cleaner removes it
    else rmdir(dir.c_str());
    if (cg_lock_ >= 0) close(cg_lock_), cg_lock_ = -1;
    return false;
  }
  cg_dir_ = dir;
  return true;
}

// /proc/thread-self/cgroup's path as the scenario names it: in the sandbox's
// initial cgroup namespace (the host's, unless nssim runs in a container's)
// the run's own cgroup is the root; namespaces the scenario makes are rooted
// inside the run's cgroup already.
std::string RealBackend::cgroup_view(const std::string& raw, uint32_t cgns_inum) const {
  if (cgns_inum != cg_init_inum_ || cg_prefix_.empty() || !raw.starts_with(cg_prefix_)) return raw;
  std::string rest = raw.substr(cg_prefix_.size());
  if (rest.empty() || rest[0] == ' ') return "/" + rest;  // " (deleted)"
  return rest[0] == '/' ? rest : raw;
}

// How many pid namespaces can still nest below nssim's: a chain of children,
// each pid 1 of a new one, until create_pid_namespace() says ENOSPC (the new
// level would pass MAX_PID_NS_LEVEL). -1 when the chain stops for another
// reason. Everything it made is gone when it returns (each link waits for the
// next and dies with its parent).
static int pid_levels_left() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  std::fflush(nullptr);
  pid_t c = fork();
  if (c < 0) {
    close(p[0]), close(p[1]);
    return -1;
  }
  if (c == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int depth = 0;
    for (;;) {
      if (unshare(CLONE_NEWPID) != 0) {
        int r = errno == ENOSPC ? depth : -1;
        ssize_t w = write(p[1], &r, sizeof r);
        (void)w;
        _exit(0);
      }
      pid_t g = fork();
      if (g != 0) {
        int st;
        if (g > 0) waitpid(g, &st, 0);
        _exit(0);
      }
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      ++depth;
    }
  }
  close(p[1]);
  int r = -1;
  pollfd pf{p[0], POLLIN, 0};
  if (poll(&pf, 1, 5000) > 0 && read(p[0], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) r = -1;
  close(p[0]);
  kill(c, SIGKILL);
  int st;
  waitpid(c, &st, 0);
  return r;
}

// The kernel level of the sandbox's pid namespace. /proc numbers levels from
// its own pid namespace down; that one is the initial one when kernel threads
// show in it (kthreadd, pid 2, has PF_KTHREAD: only the initial pid namespace
// sees kernel threads; readable without ptrace rights). Otherwise BPF reads
// pid_namespace.level, or nssim counts how many more levels it may nest
// (pid_levels_left()); only if all fail is a lower bound used.
void RealBackend::find_levels(const std::vector<int>& pins) {
  abs_level_ = root_level_;
  {
    std::string st = slurp("/proc/2/stat");
    size_t rp = st.rfind(')');
    if (rp != std::string::npos) {
      std::istringstream is(st.substr(rp + 2));
      std::string field;
      unsigned long flags = 0;
      for (int i = 0; i < 6 && is >> field; ++i) {  // state ppid pgrp session tty_nr tpgid, then flags
      }
      if (is >> flags && (flags & 0x00200000UL)) return;  // PF_KTHREAD: /proc is the initial pid namespace's
    }
  }
  int pid_pin = -1;
  for (int fd : pins)
    if (fd >= 0 && ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWPID) pid_pin = fd;
  std::string err;
  if (pid_pin >= 0 && bpf_unavailable_reason().empty())
    if (auto k = bpf_ns_of_fd(pid_pin, err)) {
      abs_level_ = k->level;
      return;
    }
  if (int left = pid_levels_left(); left >= 0 && static_cast<uint32_t>(left) <= MAX_PID_NS_LEVEL) {
    uint32_t ctl_abs = MAX_PID_NS_LEVEL - static_cast<uint32_t>(left);
    abs_level_ = ctl_abs + (root_level_ - static_cast<uint32_t>(ctl_index_));
    return;
  }
  abs_level_ = root_level_ + 1;
  level_exact_ = false;
  notes_.push_back(fmt::format(
      "not checked here: pid namespace level: at least {} (the pid namespaces above /proc's are not visible "
      "here, and neither BPF nor nesting could measure it); the model uses {}, so the "
      "32-level limit may differ",
      abs_level_, abs_level_));
}

// Whether a file handle reopens a live namespace that is not one of ours:
// since the may_see_all_namespaces() restriction (stable 6.18.y, 6.19) a
// caller outside the initial pid namespace, or without CAP_SYS_ADMIN in the
// initial user namespace, gets ESTALE for those though they live — the same
// answer as for a freed one. Probed on the sandbox's uts namespace, which a
// pin keeps alive and nssim is not in.
void RealBackend::calibrate_liveness() {
  for (int fd : pins_) {
    if (fd < 0 || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUTS) continue;
    int e = 0;
    if (!handle_reopens(fd, e)) {
      handles_see_all_ = false;
      // Before 6.18 nsfs has no file handles at all (EOPNOTSUPP), found by
      // booting 6.1 and 6.12 (--vm); since, the restriction above (ESTALE).
      if (e == EOPNOTSUPP)
        notes_.push_back(
            "not checked here: namespace liveness: checked only for nssim's own namespaces: this kernel's nsfs has no "
            "file handles (name_to_handle_at() answers EOPNOTSUPP; nsfs file handles came in 6.18), so a namespace "
            "nssim is not in cannot be told live from freed");
      else
        notes_.push_back(fmt::format(
            "not checked here: namespace liveness: checked only for nssim's own namespaces: open_by_handle_at() "
            "answers {} for live namespaces nssim is not in here (fs/nsfs.c: nsfs_fh_to_dentry(): "
            "may_see_all_namespaces() needs the initial pid namespace and CAP_SYS_ADMIN in the initial user "
            "namespace), which would read as \"freed\"",
            errno_name(e)));
    }
  }
}

RealBackend::~RealBackend() {
  if (agents_.empty()) {
    remove_run_cgroup();
    return;
  }
  Agent& init = *agents_.front();
  bool killed = init.pidfd >= 0 && syscall(SYS_pidfd_send_signal, init.pidfd, SIGKILL, nullptr, 0) == 0;
  int kill_errno = errno;
  // Every agent also exits when its channel closes: that ends the sandbox even
  // where nssim may not signal its init (it changed uid, and nssim lacks CAP_KILL).
  for (auto& a : agents_)
    if (a->ctl >= 0) close(a->ctl), a->ctl = -1;
  int st;
  if (killed || init.pidfd < 0 || pidfd_exited(init.pidfd, 5000)) {
    waitpid(init.ctlpid, &st, __WALL);
  } else if (waitpid(init.ctlpid, &st, __WALL | WNOHANG) == 0) {
    fmt::print(stderr, "nssim: the sandbox (pid {}) could not be killed ({}) and did not exit within 5 s\n",
               init.hostpid, std::strerror(kill_errno));
  }
  g_sandbox_pidfd = -1;
  for (auto& a : agents_)
    if (a->pidfd >= 0) close(a->pidfd);
  for (int fd : pins_)
    if (fd >= 0) close(fd);
  remove_run_cgroup();
}

// The sandbox is gone (its init reaped after zap_pid_ns_processes()): its
// cgroups are empty. A task that has just exited may still be leaving one
// (EBUSY): retried for up to 2 s, then left to the cleaner.
void RealBackend::remove_run_cgroup() {
  if (cg_fd_ >= 0) close(cg_fd_), cg_fd_ = -1;
  if (cg_dir_.empty()) return;
  bool gone = false;
  for (int i = 0; i < 40 && !(gone = remove_cgroup_tree(cg_dir_)); ++i) usleep(50 * 1000);
  if (cg_cleaner_ >= 0) {
    if (gone) (void)!write(cg_cleaner_, "q", 1);
    close(cg_cleaner_);
    cg_cleaner_ = -1;
  }
  if (cg_lock_ >= 0) close(cg_lock_), cg_lock_ = -1;
  cg_dir_.clear();
}

std::string RealBackend::describe() const {
  std::string where = rootless_   ? ", rootless (nssim's own user namespace)"
                      : env_user_ ? ", in this container's user namespace"
                                  : "";
  return fmt::format("live kernel: sandbox pid {} (its own pid namespace at level {}{}, private mounts, own UTS{}{})",
                     agents_.front()->hostpid, level_exact_ ? "" : "at least ", abs_level_,
                     env_user_ ? ", every other namespace type new too" : "", where);
}

int RealBackend::sandbox_pid() const { return agents_.front()->hostpid; }

std::vector<int> RealBackend::host_pids() const {
  std::vector<int> v;
  for (const Agent* a : visible_)
    if (a->state != TaskState::Reaped) v.push_back(a->ctlpid);
  return v;
}

RealBackend::Agent* RealBackend::find(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void RealBackend::add_agent(std::unique_ptr<Agent> a) {
  by_name_[a->name] = a.get();
  visible_.push_back(a.get());
  agents_.push_back(std::move(a));
}

bool RealBackend::request(Agent& a, const Msg& m, int passfd, Reply& r, std::string& note) {
  if (!send_msg(a.ctl, m, passfd)) {
    note = "the task's agent is gone";
    return false;
  }
  bool eof;
  if (!recv_fixed(a.ctl, r, opt_.step_timeout_ms, eof)) {
    note = eof ? "the task's agent died" : fmt::format("no answer within {} ms", opt_.step_timeout_ms);
    if (!eof && !a.stuck) {
      a.stuck = true;
      a.stuck_why = note;
    }
    return false;
  }
  return true;
}

void RealBackend::refresh(Agent& a) {
  if (a.state == TaskState::Reaped) return;
  // A thread has no pidfd on kernels before PIDFD_THREAD (6.9: pidfd_open()
  // says EINVAL): /proc alone says whether it lives. (Found with --vm 6.1:
  // taking it for reaped closed its channel, and its agent's _exit() ended
  // the whole thread group.)
  bool alive = a.is_thread ? read_state(a.hosttid) != 0 && (a.pidfd < 0 || pidfd_alive(a.pidfd))
                            : pidfd_alive(a.pidfd);
  if (!alive) {
    a.state = TaskState::Reaped;
    if (a.pidfd >= 0) close(a.pidfd);
    a.pidfd = -1;
    if (a.ctl >= 0) close(a.ctl);
    a.ctl = -1;
    return;
  }
  char s = read_state(a.hosttid, &a.ppid);
  if (s == 'Z' || s == 'X')
    a.state = TaskState::Zombie;
  else if (a.exit_requested && !read_link_inum(a.hosttid, Link::Net))
    a.state = TaskState::Exiting;  // past exit_task_namespaces(), waiting in zap_pid_ns_processes()
  else
    a.state = TaskState::Running;
  auto ns = read_nspid(a.hosttid);
  if (!ns.empty()) a.nspid_abs = ns;
}

void RealBackend::wait_settled(Agent& a, int timeout_ms) {
  // An exiting task is settled once it is a zombie (or reaped), or once it is
  // visibly waiting in zap_pid_ns_processes() for zombies outside its namespace.
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (pidfd_exited(a.pidfd, 20)) return;
    if (a.is_thread && read_state(a.hosttid) == 0) return;  // an exited thread is released at once
    if (!read_link_inum(a.hosttid, Link::Net) && read_state(a.hosttid) != 'R') {
      // nsproxy is gone; give zap a moment to finish, then accept "exiting".
      if (pidfd_exited(a.pidfd, 100)) return;
      return;
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(timeout_ms)) return;
  }
}

// The inode of every pid namespace from the one `fd` refers to (at /proc's
// level `level`) up to nssim's own (NS_GET_PARENT stops there): index = level.
std::vector<uint64_t> RealBackend::pidns_chain(int fd, uint32_t level) const {
  std::vector<uint64_t> v(level + 1, 0);
  if (fd < 0) return v;
  int cur = fd;
  for (int64_t l = level; l >= 0; --l) {
    struct stat st {};
    if (fstat(cur, &st) == 0) v[l] = st.st_ino;
    if (static_cast<size_t>(l) <= ctl_index_) break;
    int up = ioctl(cur, NS_GET_PARENT);
    if (cur != fd) close(cur);
    if (up < 0) return v;
    cur = up;
  }
  if (cur != fd) close(cur);
  return v;
}

// Is t's pid namespace at level `want` the active pid namespace of `viewer`?
// From the chains recorded when each task reported in (a task's pid
// namespaces never change, and live while it does).
bool RealBackend::pid_ns_at_level_is(const Agent& t, uint32_t want, const Agent& viewer) const {
  uint32_t vl = viewer.level();
  if (want >= t.pidns_ino.size() || vl >= viewer.pidns_ino.size()) return false;
  return t.pidns_ino[want] != 0 && t.pidns_ino[want] == viewer.pidns_ino[vl];
}

int RealBackend::ctlpid_of(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() || it->second->state == TaskState::Reaped ? 0 : it->second->ctlpid;
}

int RealBackend::ctltid_of(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second->state == TaskState::Reaped) return 0;
  const Agent& a = *it->second;
  return ctl_index_ < a.nspid_abs.size() ? static_cast<int>(a.nspid_abs[ctl_index_]) : 0;
}

void RealBackend::mark(Agent* a) {
  if (!a || a->marked) return;
  a->marked = true;
  marked_.push_back(a);
}

// What a call can change on the kernel, beyond the caller's own task (its
// links, creds, fds, state): the tasks marked here are read again after it;
// every other task keeps its observation. The model's step adds the tasks
// whose observation it changed (Runner: scope_observation()), and the last
// call of a scenario reads every task, so a task the kernel changed and
// neither side expected is still found (docs/design.md, "What --real reads
// per step"). Scans agents in memory; no /proc reads.
void RealBackend::mark_changed(const CallStmt& c) {
  Agent* cur = find(c.task);
  if (!cur || cur->state == TaskState::Reaped) return;
  mark(cur);
  auto same_group = [&](const Agent* a) { return a->hostpid == cur->hostpid; };
  auto child = [&](const Agent* a) { return a->ppid == cur->hostpid && a != cur && !same_group(a); };
  switch (c.kind) {
    case CallKind::Clone:
    case CallKind::Clone3:
    case CallKind::Open:
    case CallKind::Close:
    case CallKind::PidfdOpen:
    case CallKind::Ioctl:
    case CallKind::Socket:
    case CallKind::Socketpair:
    case CallKind::Recv:
    case CallKind::OpenByHandleAt:
    case CallKind::OpenTree:
      // The fd table: shared by CLONE_FILES and threads (fs/file.c: fd_install(),
      // file_close_fd() act on current->files); clone's child is new (read anyway),
      // CLONE_PIDFD installs a pidfd in the caller's table (kernel/fork.c: copy_process()).
      for (Agent* a : visible_)
        if (a->fds == cur->fds) mark(a);
      break;
    case CallKind::Exit:
      // kernel/exit.c: do_exit() @ v6.18: the thread's links go
      // (exit_task_namespaces()); the group becomes a zombie with its last
      // thread (exit_notify()); children are reparented (forget_original_parent():
      // find_new_reaper(), reparent_leader()). The init of a pid namespace
      // kills every task in it (zap_pid_ns_processes()): its effect reaches
      // tasks nssim cannot list cheaply, so every task is read.
      for (Agent* a : visible_)
        if (same_group(a) || child(a)) mark(a);
      if (!cur->nspid_abs.empty() && cur->nspid_abs.back() == 1) full_ = true;
      break;
    case CallKind::Wait:
      // kernel/exit.c: do_wait() -> release_task(): the target (or any child) is reaped.
      if (Agent* t = find(c.target)) mark(t);
      for (Agent* a : visible_)
        if (child(a)) mark(a);
      break;
    case CallKind::Exec:
      // fs/exec.c: begin_new_exec(): de_thread() releases the other threads,
      // the mm (dumpability) and creds change for the group.
    case CallKind::PrctlDumpable:
      // kernel/sys.c: prctl(PR_SET_DUMPABLE): set_dumpable(current->mm): every
      // thread, and every process sharing the mm (CLONE_VM).
      for (Agent* a : visible_)
        if (same_group(a) || a->mm == cur->mm) mark(a);
      break;
    case CallKind::Setuid:
    case CallKind::Setgid:
    case CallKind::Setresuid:
    case CallKind::Setresgid:
    case CallKind::Capset:
      // commit_creds() of the calling thread; a change makes the mm (shared
      // by CLONE_VM) non-dumpable.
      for (Agent* a : visible_)
        if (a->mm == cur->mm) mark(a);
      break;
    case CallKind::Write:
      // A /proc/PID file (uid_map, gid_map, setgroups): the maps of every task
      // in that user namespace.
      full_ = true;
      break;
    default:
      // clone(CLONE_THREAD), unshare, setns, sethostname (the hostname of
      // every task in the caller's uts namespace: observe() copies it), the
      // set*id calls (the raw syscalls change the calling thread's cred
      // only: kernel/sys.c: __sys_setuid() -> commit_creds()), mount, umount:
      // the caller only.
      break;
  }
  // An exiting task settles after the call that started it (an init waiting
  // in zap_pid_ns_processes() for its other tasks to be reaped).
  for (Agent* a : visible_)
    if (a->exit_requested && a->state != TaskState::Zombie) mark(a);
}

void RealBackend::scope_observation(bool full, const std::vector<std::string>& tasks) {
  if (full) full_ = true;
  for (auto& n : tasks) mark(find(n));
}

CallOutcome RealBackend::call(const CallStmt& c) {
  begin_step();
  mark_changed(c);
  CallOutcome o = call_impl(c);
  // A timeout or an agent gone: what happened is not bounded by the rules above.
  if (!o.note.empty() || !o.usage_error.empty()) full_ = true;
  if (o.ok && c.kind == CallKind::Sethostname) set_hostname_ = find(c.task);
  flush_mms_ = c.kind == CallKind::Exit || c.kind == CallKind::Exec || c.kind == CallKind::Wait;
  return o;
}

// The creator's owed answer to its vfork clone: true once it has come (the
// kernel woke the creator), within timeout_ms. An agent that died owes nothing.
bool RealBackend::vfork_answered(Agent& parent, int timeout_ms) {
  if (!parent.vfork_pending) return true;
  if (parent.ctl < 0 || !wait_readable(parent.ctl, timeout_ms)) return parent.ctl < 0;
  Reply r{};
  bool eof;
  if (recv_fixed(parent.ctl, r, 0, eof) && !parent.vfork_pidfd_name.empty() && r.len == sizeof(int)) {
    int fd;
    std::memcpy(&fd, r.str, sizeof fd);
    parent.fds->bind(parent.vfork_pidfd_name, fd, true);  // pidfd_prepare(): O_CLOEXEC
  }
  parent.vfork_pidfd_name.clear();
  parent.vfork_pending = false;
  return true;
}

// A vfork child exec'd or exited (mm_release()): its creator wakes.
void RealBackend::vfork_released(Agent& child) {
  if (!child.vfork_parent) return;
  Agent* parent = child.vfork_parent;
  child.vfork_parent = nullptr;
  (void)vfork_answered(*parent, opt_.step_timeout_ms);
}

namespace {
constexpr const char* kNoRunCgroup =
    "cannot run live here: this run has no cgroup of its own (RealBackend::Options::cgroup is off; nssim sets it "
    "for a scenario with cgroup statements)";
}  // namespace

CallOutcome RealBackend::call_impl(const CallStmt& c) {
  Agent* cur = find(c.task);
  if (!cur) return outcome_usage(fmt::format("unknown task '{}'", c.task));
  refresh(*cur);
  if (cur->state != TaskState::Running)
    return outcome_usage(fmt::format("task '{}' has exited ({})", c.task, task_state_name(cur->state)));
  if (cur->vfork_pending && !vfork_answered(*cur, opt_.step_timeout_ms))
    return outcome_usage(fmt::format("task '{}' is still asleep in vfork(): the kernel has not woken it", c.task));
  if (cur->stuck)
    return outcome_usage(fmt::format("task '{}' hangs: its agent gave {} to an earlier request (stopped or "
                                     "blocked); its calls are no longer run",
                                     c.task, cur->stuck_why));
  Msg m{};
  Reply r{};
  std::string note;
  auto pid_in = [&](Agent& viewer, const std::string& name) -> pid_t {
    // The target's pid in the viewer's active pid namespace: its NSpid entry
    // at the viewer's level, provided the target's pid namespace at that level
    // IS the viewer's (a sibling branch has its own numbers: found by nssim
    // fuzz --real, where such a number named another task).
    // self: the caller's process (its thread group leader, as /proc/self);
    // thread-self: the calling thread.
    Agent* t = nullptr;
    if (name == "self") {
      for (Agent* a : visible_)
        if (a->hosttid == viewer.hostpid) t = a;
    } else if (name == "thread-self") {
      t = &viewer;
    } else {
      t = find(name);
    }
    if (!t) return kNoSuchPid;
    refresh(*t);
    if (t->state == TaskState::Reaped) return kNoSuchPid;
    uint32_t lvl = viewer.level();
    if (lvl >= t->nspid_abs.size()) return kNoSuchPid;
    if (!pid_ns_at_level_is(*t, lvl, viewer)) return kNoSuchPid;
    return static_cast<pid_t>(t->nspid_abs[lvl]);
  };
  // A /proc/TASK/... path as the agent must open it (host procfs, host ids).
  auto proc_path = [&](const std::string& task, const std::string& rest) -> std::string {
    if (task == "self" || task == "thread-self") return fmt::format("/proc/{}/{}", task, rest);
    Agent* t = find(task);
    if (!t) return "";
    refresh(*t);
    // A reaped task has no /proc/PID: ask for a pid that cannot exist rather
    // than one the host may have reused.
    return fmt::format("/proc/{}/{}", t->state == TaskState::Reaped ? kNoSuchPid : t->hosttid, rest);
  };
  // Strings go to the agent in a fixed-size message: refuse what does not fit
  // rather than cut it.
  if (size_t n = c.data.size() + c.path.run.size() + c.path2.run.size(); n > kStrMax - 128)
    return outcome_usage(fmt::format("{} bytes of strings: the live backend sends at most {} per call", n,
                                     kStrMax - 128));
  auto set_str = [&](const std::string& a, const std::string& b = "") {
    size_t n = std::min<size_t>(a.size(), kStrMax - 2);
    std::memcpy(m.str, a.data(), n);
    m.str[n] = 0;
    size_t n2 = std::min<size_t>(b.size(), kStrMax - 2 - n);
    std::memcpy(m.str + n + 1, b.data(), n2);
    m.len = static_cast<uint32_t>(b.empty() ? n : n + 1 + n2);
  };
  auto simple = [&](Op op, int64_t a0, int64_t a1, const std::string& str) -> CallOutcome {
    m.op = op;
    m.a[0] = a0;
    m.a[1] = a1;
    if (!str.empty()) set_str(str);
    if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
    if (r.ret < 0) return outcome_err(r.err);
    return outcome_ok("0");
  };
  auto fd_of = [&](const std::string& name, int& fd) -> std::string {
    fd = cur->fds->find(name);
    return fd < 0 ? fmt::format("'{}' is not an fd name in {}'s fd table", name, c.task) : "";
  };
  // A new task's agent: a channel for it, then its hello (host ids).
  auto spawn = [&](Op op, int64_t a0, int64_t a1, int64_t a3, bool thread) -> CallOutcome {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return outcome_err(errno, "socketpair");
    m.op = op;
    m.a[0] = a0;
    m.a[1] = a1;
    m.a[2] = kChannelBase + static_cast<int>(agents_.size());
    m.a[3] = a3;
    bool vfork = op == Op::Clone && (static_cast<uint64_t>(a0) & CLONE_VFORK);
    int lowest_free = -1;
    if (vfork && (static_cast<uint64_t>(a0) & CLONE_PIDFD)) {
      std::set<int> open_fds;
      if (DIR* d = opendir(fmt::format("/proc/{}/fd", cur->hosttid).c_str())) {
        while (dirent* e = readdir(d))
          if (e->d_name[0] != '.') open_fds.insert(std::atoi(e->d_name));
        closedir(d);
        for (lowest_free = 0; open_fds.count(lowest_free);) ++lowest_free;
      }
    }
    bool ok;
    if (vfork) {
      // The creator answers only once the child releases its mm (exec or
      // exit): wait for the child's hello, or an early answer (a failure).
      ok = send_msg(cur->ctl, m, sv[1]);
      if (!ok) note = "the task's agent is gone";
      pollfd p[2] = {{sv[0], POLLIN, 0}, {cur->ctl, POLLIN, 0}};
      if (ok && poll(p, 2, opt_.step_timeout_ms) > 0 && (p[1].revents & POLLIN) && !(p[0].revents & POLLIN)) {
        bool eof;
        ok = recv_fixed(cur->ctl, r, opt_.step_timeout_ms, eof);
        if (!ok) note = "the task's agent died";
      } else {
        r.ret = 0;
        cur->vfork_pending = ok;
      }
    } else {
      ok = request(*cur, m, sv[1], r, note);
    }
    close(sv[1]);
    if (!ok) {
      close(sv[0]);
      return outcome_err(ETIMEDOUT, note);
    }
    if (r.ret < 0) {
      close(sv[0]);
      return outcome_err(r.err);
    }
    Msg hello;
    int pidns_fd = -1;
    if (!recv_hello(sv[0], hello, opt_.step_timeout_ms, pidns_fd)) {
      close(sv[0]);
      CallOutcome o = outcome_ok(*c.out);
      o.note = "the kernel created a task that never reported back";
      return o;
    }
    auto a = std::make_unique<Agent>();
    a->name = *c.out;
    a->ctl = sv[0];
    a->hostpid = static_cast<pid_t>(hello.a[0]);
    a->hosttid = static_cast<pid_t>(hello.a[1]);
    a->is_thread = thread;
    a->nspid_abs = read_nspid(a->hosttid);
    // Its ids in nssim's own pid namespace: the NSpid entry at nssim's level.
    auto ctl_id = [&](const std::vector<uint32_t>& v) {
      return ctl_index_ < v.size() ? static_cast<pid_t>(v[ctl_index_]) : 0;
    };
    a->ctlpid = thread ? ctl_id(read_nspid(a->hostpid)) : ctl_id(a->nspid_abs);
    a->pidfd = static_cast<int>(syscall(SYS_pidfd_open, ctl_id(a->nspid_abs), thread ? PIDFD_THREAD : 0));
    a->fds = (thread || (c.flags & CLONE_FILES)) ? cur->fds : std::make_shared<FdNames>(*cur->fds);
    if (thread || (c.flags & CLONE_VM)) a->mm = cur->mm;
    a->pidns_ino = pidns_chain(pidns_fd, a->level());
    if (pidns_fd >= 0) close(pidns_fd);
    // A round trip, so the agent has closed its own copy of that fd before
    // anything reads its fd table or the kernel's refcounts.
    {
      Msg sync{};
      sync.op = Op::Gethostname;
      Reply sr{};
      std::string snote;
      (void)request(*a, sync, -1, sr, snote);
    }
    if (vfork) a->vfork_parent = cur;
    add_agent(std::move(a));
    if (!c.out2) return outcome_ok(*c.out);
    // CLONE_PIDFD: the creator's new fd. A vfork creator tells it only when
    // it wakes, and the child may use the name before (a CLONE_FILES table):
    // it is the lowest fd that was free before the clone (get_unused_fd_flags()),
    // checked against the creator's answer when it comes.
    if (vfork) {
      cur->vfork_pidfd_name = *c.out2;
      if (lowest_free >= 0) cur->fds->bind(*c.out2, lowest_free, true);
    } else if (r.len == sizeof(int)) {
      int fd;
      std::memcpy(&fd, r.str, sizeof fd);
      if (fd >= 0) cur->fds->bind(*c.out2, fd, true);  // pidfd_prepare(): O_CLOEXEC
    }
    return outcome_ok(fmt::format("{}, {}", *c.out, *c.out2));
  };
  switch (c.kind) {
    case CallKind::Clone:
    case CallKind::Clone3: {
      bool c3 = c.kind == CallKind::Clone3;
      uint64_t flags = c.flags;
      int64_t exit_signal = (flags & (CLONE_THREAD | CLONE_PARENT)) ? 0 : SIGCHLD;
      if (!c3) flags = (flags | SIGCHLD) & 0xffffffffULL;
      if (!c.set_tid.empty()) {  // clone3's set_tid array, in str
        m.len = static_cast<uint32_t>(c.set_tid.size() * sizeof(int32_t));
        std::memcpy(m.str, c.set_tid.data(), m.len);
      }
      int64_t a1 = c3;
      if (!c.cgroup_fd.empty()) {  // clone_args.cgroup, + 1 in a[1]'s high half
        // (Without a cgroup of the run's own no fd of a cgroup directory can be open: EBADF.)
        int fd;
        if (auto e = fd_of(c.cgroup_fd, fd); !e.empty()) return outcome_usage(e);
        a1 |= static_cast<int64_t>(fd + 1) << 32;
      }
      return spawn(Op::Clone, static_cast<int64_t>(flags), a1, exit_signal, false);
    }
    case CallKind::Thread: return spawn(Op::Thread, 0, 0, 0, true);
    case CallKind::Unshare: {
      bool shared_fds = cur->fds.use_count() > 1;
      auto o = simple(Op::Unshare, static_cast<int64_t>(c.flags), 0, "");
      if (o.ok && (c.flags & CLONE_FILES) && shared_fds) cur->fds = std::make_shared<FdNames>(*cur->fds);
      return o;
    }
    case CallKind::Setns: {
      int fd;
      if (auto e = fd_of(c.fd, fd); !e.empty()) return outcome_usage(e);
      return simple(Op::Setns, fd, static_cast<int64_t>(c.flags), "");
    }
    case CallKind::Open: {
      if (c.path.kind == NsPath::Cgroup) {
        if (cg_dir_.empty()) return outcome_usage(kNoRunCgroup);
        m.op = Op::CgroupOpen;
        m.a[0] = (c.flags & kOCloexec) ? O_CLOEXEC : 0;
        set_str(c.path.cgroup().empty() ? "." : c.path.cgroup());
        if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
        if (r.ret < 0) return outcome_err(r.err);
        cur->fds->bind(*c.out, static_cast<int>(r.ret), (c.flags & kOCloexec) != 0);
        return outcome_ok(*c.out);
      }
      std::string path = c.path.kind == NsPath::Run
                             ? c.path.run
                             : proc_path(c.path.task, fmt::format("ns/{}", link_name(c.path.link)));
      if (path.empty()) return outcome_usage(fmt::format("unknown task '{}'", c.path.task));
      if (c.path.kind != NsPath::Run) path = c.path.via + path;  // /proc under put_old
      m.op = Op::Open;
      m.a[0] = (c.flags & kOCloexec) ? O_CLOEXEC : 0;
      set_str(path);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), (c.flags & kOCloexec) != 0);
      return outcome_ok(*c.out);
    }
    case CallKind::Close: {
      int fd;
      if (auto e = fd_of(c.fd, fd); !e.empty()) return outcome_usage(e);
      auto o = simple(Op::Close, fd, 0, "");
      // fs/file.c: file_close_fd_locked() clears the fd's close-on-exec bit:
      // a later exec keeps the closed fd's name, as the model does (found by
      // nssim fuzz --real: a closed O_CLOEXEC fd's name vanished at exec).
      if (o.ok) cur->fds->cloexec.erase(fd);
      return o;
    }
    case CallKind::Exit: {
      m.op = Op::Exit;
      m.a[0] = c.code;
      cur->exit_requested = true;
      if (!send_msg(cur->ctl, m, -1)) return outcome_err(ETIMEDOUT, "the task's agent is gone");
      wait_settled(*cur, opt_.step_timeout_ms);
      vfork_released(*cur);
      return outcome_ok("0");
    }
    case CallKind::Wait: {
      m.op = Op::Wait;
      m.a[0] = pid_in(*cur, c.target);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      if (Agent* t = find(c.target)) refresh(*t);
      if (r.ret > 0) {
        // Reaping may let an init waiting in zap_pid_ns_processes() finish
        // its exit: give those a moment to become zombies.
        for (Agent* a : visible_)
          if (a->state == TaskState::Exiting) {
            pidfd_exited(a->pidfd, 200);
            refresh(*a);
          }
      }
      return outcome_ok(r.ret > 0 ? c.target : "0");
    }
    case CallKind::PidfdOpen: {
      m.op = Op::PidfdOpen;
      m.a[0] = pid_in(*cur, c.target);
      m.a[1] = static_cast<int64_t>(c.flags);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), true);  // pidfds are always O_CLOEXEC
      return outcome_ok(*c.out);
    }
    // nsfs file handles: the bytes come back to the controller, which keeps
    // them by name for whichever agent opens them.
    case CallKind::NameToHandleAt: {
      int fd;
      if (auto e = fd_of(c.fd, fd); !e.empty()) return outcome_usage(e);
      m.op = Op::NameToHandle;
      m.a[0] = fd;
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      handles_[*c.out].assign(r.str, r.str + r.len);
      return outcome_ok(*c.out);
    }
    case CallKind::OpenByHandleAt: {
      auto h = handles_.find(c.fd);
      if (h == handles_.end())
        return outcome_usage(fmt::format("'{}' names no file handle: bind one with name_to_handle_at(FD) -> {} (a "
                                         "call that failed binds nothing)",
                                         c.fd, c.fd));
      m.op = Op::OpenByHandle;
      m.a[0] = (c.flags & kOCloexec) ? O_CLOEXEC : 0;
      std::memcpy(m.str, h->second.data(), h->second.size());
      m.len = static_cast<uint32_t>(h->second.size());
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), (c.flags & kOCloexec) != 0);
      return outcome_ok(*c.out);
    }
    case CallKind::Sethostname: return simple(Op::Sethostname, 0, 0, c.str);
    case CallKind::Setuid: return simple(Op::Setuid, c.ids[0], 0, "");
    case CallKind::Setgid: return simple(Op::Setgid, c.ids[0], 0, "");
    case CallKind::Setresuid:
    case CallKind::Setresgid:
      m.a[2] = static_cast<int32_t>(c.ids[2]);
      return simple(c.kind == CallKind::Setresuid ? Op::Setresuid : Op::Setresgid, static_cast<int32_t>(c.ids[0]),
                    static_cast<int32_t>(c.ids[1]), "");
    case CallKind::Write: {
      std::string path = proc_path(c.path.task, c.path.file);
      if (path.empty()) return outcome_usage(fmt::format("unknown task '{}'", c.path.task));
      path = c.path.via + path;
      m.op = Op::WriteFile;
      set_str(path, c.data);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok("0");
    }
    case CallKind::Ioctl: {
      int fd;
      if (auto e = fd_of(c.fd, fd); !e.empty()) return outcome_usage(e);
      static constexpr unsigned long kReq[] = {NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID,
                                               SIOCGSKNS,     NS_GET_ID,     NS_GET_MNTNS_ID,
                                               // IoctlCmd::PidfdGet*Ns (the agent passes 0)
                                               PIDFD_GET_CGROUP_NAMESPACE, PIDFD_GET_IPC_NAMESPACE,
                                               PIDFD_GET_MNT_NAMESPACE, PIDFD_GET_NET_NAMESPACE,
                                               PIDFD_GET_PID_NAMESPACE, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE,
                                               PIDFD_GET_TIME_NAMESPACE, PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE,
                                               PIDFD_GET_USER_NAMESPACE, PIDFD_GET_UTS_NAMESPACE,
                                               // IoctlCmd::NsGet*Pidns (a[2]: the pid argument)
                                               NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS,
                                               NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS};
      static_assert(std::size(kReq) == static_cast<size_t>(IoctlCmd::NsGetTgidInPidns) + 1);
      m.op = Op::Ioctl;
      m.a[0] = fd;
      m.a[1] = static_cast<int64_t>(kReq[static_cast<int>(c.ioctl)]);
      if (ioctl_translates_pid(c.ioctl)) {
        // The pid argument as the model computes it (SimBackend::call()): the
        // number as written, or the task's pid in the fd's pid namespace
        // (*_FROM_PIDNS on a pid namespace fd) or else in the caller's;
        // kNoSuchPid where it has none. The kernel's numbers: those the agents
        // see (NSpid), at the level whose pid namespace is the one asked for.
        m.a[2] = c.code;
        if (!c.target.empty()) {
          Agent* t = find(c.target);
          if (!t && c.target != "self" && c.target != "thread-self")
            return outcome_usage(fmt::format("unknown task '{}'", c.target));
          pid_t nr = pid_in(*cur, c.target);
          if (ioctl_pid_from_fd_ns(c.ioctl)) {
            // Is the fd a pid namespace? Its inode, and the type nsfs says.
            int nfd = open(fmt::format("/proc/{}/fd/{}", cur->hosttid, fd).c_str(), O_RDONLY | O_CLOEXEC);
            struct stat st{};
            if (nfd >= 0 && fstat(nfd, &st) == 0 && ioctl(nfd, NS_GET_NSTYPE, 0UL) == CLONE_NEWPID) {
              nr = kNoSuchPid;
              Agent* tt = t;
              if (!tt) {  // self, thread-self
                for (Agent* a : visible_)
                  if (c.target == "self" ? a->hosttid == cur->hostpid : a == cur) tt = a;
              }
              if (tt) {
                refresh(*tt);
                for (size_t lvl = 0; tt->state != TaskState::Reaped && lvl < tt->pidns_ino.size() &&
                                     lvl < tt->nspid_abs.size();
                     ++lvl)
                  if (tt->pidns_ino[lvl] != 0 && tt->pidns_ino[lvl] == st.st_ino)
                    nr = static_cast<pid_t>(tt->nspid_abs[lvl]);
              }
            }
            if (nfd >= 0) close(nfd);
          }
          m.a[2] = nr;
        }
      }
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      if (ioctl_makes_fd(c.ioctl)) {
        cur->fds->bind(*c.out, static_cast<int>(r.ret), true);  // open_related_ns(), open_namespace(): O_CLOEXEC
        return outcome_ok(*c.out);
      }
      return outcome_ok(std::to_string(r.ret));
    }
    case CallKind::Listns: {
      int fd;
      if (auto e = fd_of(c.fd, fd); !e.empty()) return outcome_usage(e);
      m.op = Op::Listns;
      m.a[0] = static_cast<int64_t>(c.flags);
      m.a[1] = fd;
      m.a[2] = static_cast<int64_t>(c.listns_flags);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok(std::to_string(r.ret));
    }
    case CallKind::Mount: {
      if (!(c.flags & kMsBind)) return simple(Op::MountPropagation, c.flags, 0, "");
      std::string src = c.path.kind == NsPath::Run
                            ? c.path.run
                            : proc_path(c.path.task, fmt::format("ns/{}", link_name(c.path.link)));
      if (src.empty()) return outcome_usage(fmt::format("unknown task '{}'", c.path.task));
      if (c.path.kind != NsPath::Run) src = c.path.via + src;
      m.op = Op::MountBind;
      m.a[0] = (c.flags & kMsRec) ? MS_REC : 0;  // a directory's bind mount (SRC == DST) only
      set_str(src, c.path2.run);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok("0");
    }
    case CallKind::Umount: return simple(Op::Umount, c.flags, 0, c.path.run);
    case CallKind::Chroot: return simple(Op::Chroot, 0, 0, c.path.run);
    case CallKind::OpenTree: {
      m.op = Op::OpenTree;
      m.a[0] = static_cast<int64_t>(c.flags);
      set_str(c.path.run);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), (c.flags & kOpenTreeCloexec) != 0);
      return outcome_ok(*c.out);
    }
    case CallKind::Mkdir:
    case CallKind::Rmdir:
      if (cg_dir_.empty()) return outcome_usage(kNoRunCgroup);
      return simple(c.kind == CallKind::Mkdir ? Op::CgroupMkdir : Op::CgroupRmdir, 0, 0, c.path.cgroup());
    case CallKind::PivotRoot: {
      // Never in nssim's own mount namespace (the sandbox's pid 1 made a
      // private one, so this only guards against a change of that): the
      // agent pivots the sandbox's private copy or a namespace it made.
      struct stat own {}, its {};
      if (stat("/proc/self/ns/mnt", &own) != 0 ||
          stat(fmt::format("/proc/{}/ns/mnt", cur->hosttid).c_str(), &its) != 0 || own.st_ino == its.st_ino)
        return outcome_usage(fmt::format("pivot_root() by '{}': its mount namespace is not one the sandbox made "
                                         "(or cannot be read): the live backend never pivots the host's",
                                         c.task));
      m.op = Op::PivotRoot;
      set_str(c.path.run, c.path2.run);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok("0");
    }
    case CallKind::PrctlDumpable: return simple(Op::SetDumpable, c.code, 0, "");
    case CallKind::PrctlChildSubreaper: return simple(Op::SetChildSubreaper, c.code, 0, "");
    case CallKind::PrctlKeepcaps: return simple(Op::SetKeepcaps, c.code, 0, "");
    case CallKind::PrctlCapbsetDrop: return simple(Op::CapbsetDrop, c.cap, 0, "");
    case CallKind::Capset:
      m.a[2] = static_cast<int64_t>(c.caps[kCapInheritable].mask);
      m.a[3] = c.caps[kCapEffective].op | (c.caps[kCapPermitted].op << 2) | (c.caps[kCapInheritable].op << 4);
      return simple(Op::Capset, static_cast<int64_t>(c.caps[kCapEffective].mask),
                    static_cast<int64_t>(c.caps[kCapPermitted].mask), "");
    case CallKind::Setgroups: {
      m.op = Op::Setgroups;
      m.len = static_cast<uint32_t>(std::min(c.groups.size(), kStrMax / sizeof(uint32_t)) * sizeof(uint32_t));
      if (m.len) std::memcpy(m.str, c.groups.data(), m.len);
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok("0");
    }
    case CallKind::Exec: {
      if (cur->is_thread)
        return outcome_usage(fmt::format("exec() by {}, a thread that does not lead its group, is not modelled: "
                                         "de_thread() gives it the leader's pid; exec from the leader",
                                         c.task));
      bool shared_fds = cur->fds.use_count() > 1;
      auto o = simple(Op::Exec, 0, 0, "");
      if (!o.ok) return o;
      // unshare_files(), then do_close_on_exec(): the names follow.
      if (shared_fds) cur->fds = std::make_shared<FdNames>(*cur->fds);
      cur->fds->close_on_exec();
      cur->mm = std::make_shared<int>(0);  // exec_mmap(): a new mm
      // de_thread() released every other thread before execve() returned.
      for (Agent* a : visible_)
        if (a != cur && a->hostpid == cur->hostpid) refresh(*a);
      vfork_released(*cur);
      return o;
    }
    case CallKind::Socket: {
      m.op = Op::Socket;
      m.a[0] = c.code;
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), false);  // socket(): no SOCK_CLOEXEC
      return outcome_ok(*c.out);
    }
    case CallKind::Socketpair: {
      m.op = Op::Socketpair;
      m.a[0] = c.code;
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret >> 32), false);
      cur->fds->bind(*c.out2, static_cast<int>(r.ret & 0xffffffff), false);
      return outcome_ok(fmt::format("{}, {}", *c.out, *c.out2));
    }
    case CallKind::Send: {
      int sfd, fd;
      if (auto e = fd_of(c.fd, sfd); !e.empty()) return outcome_usage(e);
      if (auto e = fd_of(c.fd2, fd); !e.empty()) return outcome_usage(e);
      m.op = Op::SendFd;
      m.a[0] = sfd;
      m.a[1] = fd;
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret < 0) return outcome_err(r.err);
      return outcome_ok("0");
    }
    case CallKind::Recv: {
      int sfd;
      if (auto e = fd_of(c.fd, sfd); !e.empty()) return outcome_usage(e);
      m.op = Op::RecvFd;
      m.a[0] = sfd;
      m.a[1] = (c.flags & kMsgCmsgCloexec) ? MSG_CMSG_CLOEXEC : 0;
      if (!request(*cur, m, -1, r, note)) return outcome_err(ETIMEDOUT, note);
      if (r.ret == kRecvEof) return outcome_ok("EOF");
      if (r.ret == kRecvNoFd) return outcome_ok("a byte without an fd");
      if (r.ret < 0) return outcome_err(r.err);
      cur->fds->bind(*c.out, static_cast<int>(r.ret), (c.flags & kMsgCmsgCloexec) != 0);
      return outcome_ok(*c.out);
    }
  }
  return outcome_usage("unsupported call");
}

// Liveness through nsfs file handles (v6.18): a handle taken while the
// namespace lives opens again until its last reference goes, then ESTALE.

struct RealBackend::KernelNs {
  uint64_t id;  // ns_id: unique for the kernel's lifetime, never reused
  uint32_t inum;
  NsType type;
  std::vector<unsigned char> handle;
  bool alive = true;
  // Its handle reopened it while nssim held it open: ESTALE later means freed.
  // False where the kernel hides it from nssim (calibrate_liveness()).
  bool checkable = true;
};

// Whether a file handle of the nsfs file `fd` reopens it (fd keeps it alive).
bool RealBackend::handle_reopens(int fd, int& err) {
  std::vector<unsigned char> h;
  if (!encode_nsfs_handle(fd, h)) {
    err = errno;
    return false;
  }
  int r = open_nsfs_handle(h.data(), h.size(), O_CLOEXEC);
  if (r < 0) {
    err = errno;
    return false;
  }
  close(r);
  return true;
}

void RealBackend::refresh_liveness() {
  for (size_t i : live_kns_) {
    KernelNs& k = kns_[i];
    if (!k.alive || !k.checkable) continue;
    int fd = open_nsfs_handle(k.handle.data(), k.handle.size(), O_CLOEXEC);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ESTALE) {
      k.alive = false;
      kns_by_inum_.erase(uint64_t{static_cast<uint32_t>(k.type)} << 32 | k.inum);
    }
  }
}

// A step begins: what an earlier step saw reaped or freed leaves the lists
// each step walks (the model drops them likewise: sim/sim_backend.h).
void RealBackend::begin_step() {
  for (Agent* a : marked_) a->marked = false;
  marked_.clear();
  full_ = opt_.paranoid;
  observes_in_step_ = 0;
  set_hostname_ = nullptr;
  std::erase_if(visible_, [](const Agent* a) { return a->state == TaskState::Reaped; });
  std::erase_if(live_kns_, [&](size_t i) { return !kns_[i].alive; });
}

// The scenario's fds of a task (3..999), from /proc/TID/fd: an nsfs fd reads
// "net:[4026532180]", a pidfd "anon_inode:[pidfd]".
void RealBackend::read_fds(Agent& a, TaskObs& t) {
  std::string dir = fmt::format("/proc/{}/fd", a.hosttid);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<int> nums;
  while (dirent* e = readdir(d)) {
    int n = std::atoi(e->d_name);
    if (n >= 3 && n < kChannelBase && n != kProcDirFd && n != kCgroupDirFd) nums.push_back(n);
  }
  closedir(d);
  std::sort(nums.begin(), nums.end());
  for (int n : nums) {
    char buf[256];
    std::string p = fmt::format("{}/{}", dir, n);
    ssize_t len = readlink(p.c_str(), buf, sizeof buf - 1);
    if (len <= 0) continue;
    buf[len] = 0;
    std::string target(buf);
    TaskObs::Fd f{n, TaskObs::Fd::Plain};
    const char* lb = std::strchr(buf, '[');
    auto type = ns_type_from_name(target.substr(0, target.find(':')));
    if (target.find("pidfd") != std::string::npos) {
      f.kind = TaskObs::Fd::Pidfd;
    } else if (target.starts_with("socket:[")) {
      f.kind = TaskObs::Fd::Socket;  // its net namespace is compared by the BPF refcount check
    } else if (lb && type) {
      f.kind = TaskObs::Fd::Ns;
      f.type = *type;
      f.inum = static_cast<uint32_t>(std::strtoull(lb + 1, nullptr, 10));
      f.token = token_for_path(p, *type, f.inum);
    } else {
      // Opened through a bind mount, the link shows the mount's path: ask the
      // file itself whether it is an nsfs file.
      int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        int t = ioctl(fd, NS_GET_NSTYPE);
        struct stat st {};
        if (t > 0 && fstat(fd, &st) == 0)
          if (auto nt = ns_type_from_clone_flag(static_cast<uint64_t>(t))) {
            f.kind = TaskObs::Fd::Ns;
            f.type = *nt;
            f.inum = static_cast<uint32_t>(st.st_ino);
          }
        close(fd);
        if (f.kind == TaskObs::Fd::Ns) f.token = token_for_path(p, f.type, f.inum);
      }
    }
    t.fds.push_back(f);
  }
}

uint64_t RealBackend::token_for(pid_t tid, Link l, uint32_t inum) {
  return token_for_path(fmt::format("/proc/{}/ns/{}", tid, link_name(l)), link_type(l), inum);
}

// The identity token (ns_id) of the namespace behind an nsfs path whose
// inode is `inum`; remembers a file handle for it the first time.
uint64_t RealBackend::token_for_path(const std::string& path, NsType type, uint32_t inum) {
  // A live namespace's inode number is its own; a freed one's may be reused,
  // which only a checkable handle tells (ESTALE): ask the others for their id.
  const uint64_t inum_key = uint64_t{static_cast<uint32_t>(type)} << 32 | inum;
  if (auto it = kns_by_inum_.find(inum_key); it != kns_by_inum_.end()) return kns_[it->second].id;
  if (!handles_ok_) return inum;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return inum;
  uint64_t id = 0;
  if (ioctl(fd, NS_GET_ID, &id) != 0) {
    handles_ok_ = false;
    liveness_note_ = fmt::format("this kernel has no NS_GET_ID ({}): liveness is not compared", std::strerror(errno));
    close(fd);
    return inum;
  }
  if (kns_by_id_.count(id)) {
    close(fd);
    return id;
  }
  KernelNs k{id, inum, type, {}, true, true};
  if (!encode_nsfs_handle(fd, k.handle)) {
    handles_ok_ = false;
    liveness_note_ = fmt::format("this kernel has no nsfs file handles ({}): liveness is not compared",
                                 std::strerror(errno));
    close(fd);
    return inum;
  }
  if (!handles_see_all_) {
    // Reopen it while fd keeps it alive: a refusal means "hidden from here".
    int rfd = open_nsfs_handle(k.handle.data(), k.handle.size(), O_CLOEXEC);
    if (rfd >= 0)
      close(rfd);
    else
      k.checkable = false;
  }
  close(fd);
  kns_by_id_[id] = kns_.size();
  live_kns_.push_back(kns_.size());
  if (k.checkable) kns_by_inum_[inum_key] = kns_.size();
  kns_.push_back(std::move(k));
  return id;
}

namespace {
constexpr int kCgIdx = [] {
  for (int i = 0; i < kLinks; ++i)
    if (kAllLinks[i] == Link::Cgroup) return i;
  return 0;
}();
}  // namespace

Observation RealBackend::observe() {
  Observation o;
  // After an exit, an exec or a reap, a dead mm's references can linger on
  // an idle CPU (flush_lazy_tlb_mms()): when a step is read again (the
  // runner settles a disagreement), let them go first. Not on the first
  // read: it costs a migration to every CPU.
  if (flush_mms_ && observes_in_step_ > 0) flush_lazy_tlb_mms();
  ++observes_in_step_;
  refresh_liveness();
  cost_ = ObserveCost{};
  cost_.full = full_;
  // Names in creation order, of the tasks not reaped before this step; a
  // reused name shows its newest task.
  std::vector<const std::string*> seen;
  std::unordered_map<std::string_view, bool> named;
  for (const Agent* a : visible_)
    if (named.emplace(a->name, true).second) seen.push_back(&a->name);
  std::vector<std::pair<size_t, Agent*>> kept;
  for (const std::string* np : seen) {
    const std::string& n = *np;
    Agent& a = *find(n);
    if (!full_ && !a.marked && a.last) {
      kept.emplace_back(o.tasks.size(), &a);
      o.tasks.push_back(*a.last);
      o.tasks.back().in_vfork = a.vfork_pending && !vfork_answered(a, 0);  // not from /proc: always current
      ++cost_.kept;
      continue;
    }
    ++cost_.read;
    refresh(a);
    TaskObs t;
    t.name = n;
    t.state = a.state;
    t.in_vfork = a.vfork_pending && !vfork_answered(a, 0);
    if (a.state != TaskState::Reaped) {
      for (size_t i = root_level_; i < a.nspid_abs.size(); ++i) t.nspid.push_back(a.nspid_abs[i]);
      for (int i = 0; i < kLinks; ++i) {
        auto v = read_link_inum(a.hosttid, kAllLinks[i]);
        if (v) {
          t.inum[i] = static_cast<uint32_t>(*v);
          t.ns[i] = token_for(a.hosttid, kAllLinks[i], t.inum[i]);
        }
      }
      std::string status = slurp(fmt::format("/proc/{}/status", a.hosttid));
      t.uids = read_ids(status, "\nUid:");
      t.gids = read_ids(status, "\nGid:");
      t.caps = read_caps_line(status);
      t.uid_map = read_map(fmt::format("/proc/{}/uid_map", a.hosttid));
      t.gid_map = read_map(fmt::format("/proc/{}/gid_map", a.hosttid));
      read_fds(a, t);
      if (a.state == TaskState::Running && !a.stuck && !a.vfork_pending) {  // asleep in vfork: cannot answer
        Msg m{};
        m.op = Op::Gethostname;
        Reply r{};
        std::string note;
        if (request(a, m, -1, r, note) && r.ret == 0) t.hostname = std::string(r.str, r.len);
        if (!cg_dir_.empty()) {
          m.op = Op::ReadCgroup;
          if (request(a, m, -1, r, note) && r.ret == 0) t.cgroup = cgroup_view(std::string(r.str, r.len), t.inum[kCgIdx]);
        }
      }
    }
    a.last = t;
    o.tasks.push_back(std::move(t));
  }
  // kernel/sys.c: sethostname() writes utsname()->nodename: the hostname of
  // every task in the caller's uts namespace, which the caller has just read.
  if (set_hostname_ && set_hostname_->last && set_hostname_->last->hostname) {
    constexpr int kUts = [] {
      for (int i = 0; i < kLinks; ++i)
        if (kAllLinks[i] == Link::Uts) return i;
      return 0;
    }();
    const TaskObs& by = *set_hostname_->last;
    for (auto& [i, a] : kept) {
      TaskObs& t = o.tasks[i];
      if (t.hostname && t.ns[kUts] && t.ns[kUts] == by.ns[kUts]) t.hostname = a->last->hostname = by.hostname;
    }
  }
  o.has_liveness = handles_ok_;
  if (handles_ok_)
    for (size_t i : live_kns_)
      if (kns_[i].checkable) o.liveness.push_back(NsLiveness{kns_[i].id, kns_[i].inum, kns_[i].type, kns_[i].alive});
  return o;
}

}  // namespace nssim::real
