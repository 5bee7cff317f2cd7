#include "sim/fuzz.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "sim/runner.h"
#include "sim/sim_backend.h"

namespace nssim {

namespace {

constexpr uint64_t kNsFlags[] = {CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET,  CLONE_NEWNS,
                                 CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME};

class Gen {
 public:
  Gen(uint64_t seed, Kernel::Config cfg, bool cgroups) : rng_(seed), sim_(std::move(cfg)), cgroups_(cgroups) {}

  std::vector<std::string> run(int steps) {
    for (int i = 0; i < steps * 3 && static_cast<int>(lines_.size()) < steps; ++i) step();
    return lines_;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T>
  const T& any(const std::vector<T>& v) { return v[pick(static_cast<int>(v.size()))]; }

  std::vector<std::string> running() {
    std::vector<std::string> v;
    for (auto& n : sim_.names())
      if (Task* t = sim_.task(n); t && t->state == TaskState::Running) v.push_back(n);
    return v;
  }
  std::vector<std::string> fds_of(const std::string& task) {
    std::vector<std::string> v;
    Task* t = sim_.task(task);
    if (t && t->files)
      for (auto& [n, fd] : t->files->names) v.push_back(n);
    return v;
  }
  uint64_t ns_flags(int max_bits) {
    uint64_t f = 0;
    int n = pick(max_bits + 1);
    for (int i = 0; i < n; ++i) f |= kNsFlags[pick(8)];
    return f;
  }
  std::string flags_str(uint64_t f) { return clone_flags_str(f); }

  // Runs a candidate line on the model; keeps it when it is a valid statement.
  void emit(const std::string& line) {
    auto pr = parse_scenario(line);
    if (!pr.ok() || pr.scenario.statements.empty()) return;
    auto sc = std::make_unique<Scenario>(std::move(pr.scenario));
    auto& c = std::get<CallStmt>(sc->statements.front().s);
    CallOutcome o = sim_.call(c);
    if (!o.usage_error.empty()) return;
    keep_.push_back(std::move(sc));
    lines_.push_back(line);
  }

  void step() {
    auto tasks = running();
    if (tasks.empty()) return;
    // Mostly recent tasks: that is where namespaces pile up.
    const std::string& t = chance(50) ? tasks.back() : any(tasks);
    std::vector<std::string> all = sim_.names();
    if (cgroups_ && chance(6)) return emit(cgroup_line(t));
    int kind = pick(100);
    std::string line;
    if (kind < 20) {  // clone / clone3
      uint64_t f = ns_flags(3);
      if (chance(10)) f |= CLONE_FILES;
      if (chance(5)) f |= CLONE_FS;
      if (chance(5)) f |= CLONE_SYSVSEM;
      if (chance(3)) f |= CLONE_PARENT;
      if (chance(3)) f |= CLONE_THREAD;
      bool c3 = chance(40);
      if (!c3 && chance(6)) {  // posix_spawn()'s vfork, or a plain CLONE_VM child
        f |= CLONE_VM;
        if (chance(60)) f |= CLONE_VFORK;
      }
      if (chance(8)) f |= CLONE_PIDFD;  // -> child, pidfd (as lxc's clone3 does)
      std::string set_tid;  // CRIU's clone3: a chosen pid per level (1 for a new init, or a taken one)
      if (c3 && chance(8)) {
        static const int kPids[] = {1, 2, 3, 50, 300};
        set_tid = fmt::format(", set_tid=[{}", kPids[pick(5)]);
        if (chance(30)) set_tid += fmt::format(", {}", kPids[pick(5)]);
        set_tid += "]";
      }
      line = fmt::format("{}: {}({}{}) -> t{}", t, c3 ? "clone3" : "clone", flags_str(f), set_tid, ++ntask_);
      if (f & CLONE_PIDFD) line += fmt::format(", f{}", ++nfd_);
    } else if (kind < 24) {
      line = fmt::format("{}: thread() -> t{}", t, ++ntask_);
    } else if (kind < 36) {
      uint64_t f = ns_flags(2);
      if (chance(5)) f |= CLONE_FILES;
      if (chance(5)) f |= CLONE_FS;
      line = fmt::format("{}: unshare({})", t, flags_str(f));
    } else if (kind < 48) {  // open a /proc/T/ns/L, or a namespace file bind-mounted on /run
      std::string target = chance(15) ? "self" : any(all);
      if (chance(10))  // keeps the mount busy: umount EBUSY, MNT_DETACH lazy
        line = fmt::format("{}: open(\"{}\") -> f{}", t, mount_point(), ++nfd_);
      else
        line = fmt::format("{}: open(\"/proc/{}/ns/{}\"{}) -> f{}", t, target, link_name(kAllLinks[pick(kLinks)]),
                           chance(20) ? ", O_CLOEXEC" : "", ++nfd_);
    } else if (kind < 50) {  // capabilities: what every ns_capable() check sees
      static const char* kCaps[] = {"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SETUID",      "CAP_SETGID", "CAP_SETPCAP",
                                    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_SETFCAP"};
      const char* cap = kCaps[pick(9)];
      static const char* kSets[] = {"effective", "permitted", "inheritable"};
      switch (pick(7)) {
        case 0:
        case 1:
          line = fmt::format("{}: capset({}{}{})", t, kSets[pick(3)], chance(50) ? "-=" : "+=", cap);
          break;
        case 2:
          line = fmt::format("{}: capset(effective=ALL{}{})", t, chance(50) ? fmt::format("-{}", cap) : "",
                             chance(50) ? ", inheritable=0" : "");
          break;
        case 3: line = fmt::format("{}: prctl(PR_SET_KEEPCAPS, {})", t, pick(2)); break;
        case 4: line = fmt::format("{}: prctl(PR_CAPBSET_DROP, {})", t, cap); break;
        case 5: line = fmt::format("{}: setresuid({}, {}, {})", t, chance(70) ? 1000 : 0, chance(70) ? 1000 : 0,
                                   chance(50) ? 1000 : 0);
          break;
        default: {
          static const char* kGroups[] = {"", "0", "1000", "0, 1000"};
          line = fmt::format("{}: setgroups({})", t, kGroups[pick(4)]);
        }
      }
    } else if (kind < 62) {  // setns
      if (chance(30)) return handle_step(t);
      auto fds = fds_of(t);
      if (fds.empty()) return;
      uint64_t f = chance(50) ? 0 : ns_flags(2);
      line = fmt::format("{}: setns({}, {})", t, any(fds), flags_str(f));
    } else if (kind < 67) {
      auto fds = fds_of(t);
      if (fds.empty()) return;
      line = fmt::format("{}: close({})", t, any(fds));
    } else if (kind < 70) {
      line = fmt::format("{}: pidfd_open({}) -> f{}", t, any(all), ++nfd_);
    } else if (kind < 72) {  // a socket pins the caller's net namespace (named sN, for SIOCGSKNS below)
      static const char* kFamilies[] = {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"};
      if (chance(50)) {
        line = fmt::format("{}: socket({}) -> s{}", t, kFamilies[pick(4)], ++nfd_);
      } else {  // a pair made before a clone connects two tasks
        int a = ++nfd_, b = ++nfd_;
        line = fmt::format("{}: socketpair(AF_UNIX) -> s{}, s{}", t, a, b);
      }
    } else if (kind < 76) {  // pass an fd (nsfs, pidfd, socket) and take one: in-flight files
      auto fds = fds_of(t);
      std::vector<std::string> socks;
      for (auto& n : fds)
        if (n[0] == 's') socks.push_back(n);
      if (socks.empty()) return;
      if (chance(55))  // refused (not emitted) when it would close a cycle of unix sockets in flight
        line = fmt::format("{}: send({}, {})", t, any(socks), any(fds));
      else
        line = fmt::format("{}: recv({}{}) -> f{}", t, any(socks), chance(20) ? ", MSG_CMSG_CLOEXEC" : "", ++nfd_);
    } else if (kind < 80) {
      if (t == sim_.names().front() && !chance(5)) return;  // init's exit ends most of the run
      line = fmt::format("{}: exit({})", t, pick(3));
    } else if (kind < 87) {
      line = fmt::format("{}: wait({})", t, any(all));
    } else if (kind < 88) {
      line = fmt::format("{}: prctl(PR_SET_CHILD_SUBREAPER, {})", t, chance(80) ? 1 : 0);
    } else if (kind < 90) {
      line = fmt::format("{}: sethostname(\"h{}\")", t, pick(5));
    } else if (kind < 92) {
      line = chance(50) ? fmt::format("{}: setuid({})", t, chance(70) ? 1000 : 0)
                        : fmt::format("{}: setgid({})", t, chance(70) ? 1000 : 0);
    } else if (kind < 94) {
      static const char* kMaps[] = {"0 0 1", "0 1000 1", "0 0 10", "1 1 1"};
      static const char* kFiles[] = {"uid_map", "gid_map", "setgroups"};
      int f = pick(3);
      line = fmt::format("{}: write(\"/proc/{}/{}\", \"{}\")", t, chance(50) ? "self" : any(all), kFiles[f],
                         f == 2 ? (chance(70) ? "deny" : "allow") : kMaps[pick(4)]);
    } else if (kind < 96) {
      auto fds = fds_of(t);
      if (fds.empty()) return;
      static const char* kReq[] = {"NS_GET_USERNS", "NS_GET_PARENT", "NS_GET_NSTYPE", "NS_GET_OWNER_UID",
                                   "SIOCGSKNS",     "NS_GET_ID",     "NS_GET_MNTNS_ID"};
      std::vector<std::string> socks;
      for (auto& n : fds)
        if (n[0] == 's') socks.push_back(n);
      if (chance(15)) {  // listns(): what a user namespace (an nsfs fd, else EINVAL) owns, as t sees it
        static const char* kTypes[] = {"0", "CLONE_NEWUTS", "CLONE_NEWNET|CLONE_NEWUTS", "CLONE_NEWUSER",
                                       "CLONE_NEWPID|CLONE_NEWNS"};
        line = fmt::format("{}: listns({}, owner={}{})", t, kTypes[pick(5)], any(fds), chance(10) ? ", flags=1" : "");
        return emit(line);
      }
      if (chance(25)) {  // a pidfd's namespaces (on any fd: ENOTTY, or 6.12's EINVAL on an nsfs fd)
        static const char* kPidfdNs[] = {"CGROUP", "IPC",  "MNT",  "NET",  "PID",
                                         "PID_FOR_CHILDREN", "TIME", "TIME_FOR_CHILDREN", "USER", "UTS"};
        line = fmt::format("{}: ioctl({}, PIDFD_GET_{}_NAMESPACE) -> f{}", t, any(fds), kPidfdNs[pick(10)], ++nfd_);
        return emit(line);
      }
      if (chance(20)) {  // pid translation: a task's pid across pid namespaces (a number), or a literal pid
        static const char* kPidReq[] = {"NS_GET_PID_FROM_PIDNS", "NS_GET_TGID_FROM_PIDNS", "NS_GET_PID_IN_PIDNS",
                                        "NS_GET_TGID_IN_PIDNS"};
        line = fmt::format("{}: ioctl({}, {}, {})", t, any(fds), kPidReq[pick(4)],
                           chance(10) ? std::string(chance(50) ? "99999" : "1") : any(all));
        return emit(line);
      }
      // Namespace ids: a number (compared by identity on the live kernel).
      int r = chance(25) ? 5 + pick(2) : pick(5);
      std::string fd = any(fds);
      if (!socks.empty() && chance(60)) r = 4, fd = any(socks);  // mostly on a socket: the EPERM/fd cases
      line = fmt::format("{}: ioctl({}, {}){}", t, fd, kReq[r],
                         r < 2 || r == 4 ? fmt::format(" -> f{}", ++nfd_) : "");
    } else if (kind < 98) {
      if (chance(40)) {
        pivot_step(t, all);
        return;
      }
      if (chance(25)) {  // propagation of the caller's tree: what later bind mounts reach
        static const char* kTypes[] = {"MS_PRIVATE", "MS_SLAVE", "MS_SHARED"};
        line = fmt::format("{}: mount(\"none\", \"/\", MS_REC|{})", t, kTypes[pick(3)]);
      } else {
        line = fmt::format("{}: mount(\"/proc/{}/ns/{}\", \"{}\", MS_BIND)", t, any(all),
                           link_name(kAllLinks[pick(kLinks)]), mount_point());
      }
    } else if (kind < 99) {
      if (chance(35)) {
        pivot_step(t, all);
        return;
      }
      if (chance(30)) {  // chroot: a directory (or a mount point file: ENOTDIR); then /proc is gone for it
        static const char* kDirs[] = {"/run/jail", "/srv/root", "/mnt/jail/inner"};
        line = fmt::format("{}: chroot(\"{}\")", t, chance(20) ? mount_point() : std::string(kDirs[pick(3)]));
      } else {
        line = fmt::format("{}: umount(\"{}\"{})", t, mount_point(), chance(40) ? ", MNT_DETACH" : "");
      }
    } else if (chance(50)) {
      line = fmt::format("{}: exec()", t);  // refused (not emitted) for a thread that is not its leader
    } else {
      line = fmt::format("{}: prctl(PR_SET_DUMPABLE, {})", t, pick(2));
    }
    emit(line);
  }

  // nsfs file handles: of any fd (a socket's: EOPNOTSUPP), opened by any
  // task (ESTALE once freed, or not the caller's without may_see_all_namespaces()).
  void handle_step(const std::string& t) {
    auto fds = fds_of(t);
    if (!handles_.empty() && (fds.empty() || chance(55)))
      return emit(fmt::format("{}: open_by_handle_at({}{}) -> f{}", t, any(handles_), chance(20) ? ", O_CLOEXEC" : "",
                              ++nfd_));
    std::vector<std::string> files;  // mostly not a socket (sN): those have no handles
    for (auto& n : fds)
      if (n[0] != 's' || chance(10)) files.push_back(n);
    if (files.empty()) return;
    std::string line = fmt::format("{}: name_to_handle_at({}) -> h{}", t, any(files), ++nhandle_);
    emit(line);
    if (!lines_.empty() && lines_.back() == line) handles_.push_back(fmt::format("h{}", nhandle_));
  }

  // cgroup v2: directories below the run's root, fds of them, children
  // spawned into them (lxc's clone3(CLONE_INTO_CGROUP|CLONE_PIDFD)), with a
  // new cgroup namespace now and then (rooted at the destination).
  std::string cgroup_line(const std::string& t) {
    static const char* kDirs[] = {"a", "b", "a/x", "b/y", "a/x/z"};
    std::string dir = kDirs[pick(5)];
    int k = pick(100);
    if (k < 30) return fmt::format("{}: mkdir(\"/sys/fs/cgroup/{}\")", t, dir);
    if (k < 45) return fmt::format("{}: rmdir(\"/sys/fs/cgroup/{}\")", t, dir);
    if (k < 70) {
      std::string path = chance(15) ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + dir;
      int n = ++nfd_;
      cgroup_fds_.insert(fmt::format("f{}", n));
      return fmt::format("{}: open(\"{}\"{}) -> f{}", t, path, chance(15) ? ", O_CLOEXEC" : "", n);
    }
    auto fds = fds_of(t);
    std::vector<std::string> cg;
    for (auto& n : fds)
      if (cgroup_fds_.count(n)) cg.push_back(n);
    std::string fd = !cg.empty() && chance(85) ? any(cg) : !fds.empty() ? any(fds) : "";
    uint64_t f = CLONE_INTO_CGROUP | (chance(30) ? CLONE_NEWCGROUP : 0) | (chance(10) ? ns_flags(1) : 0);
    if (chance(10)) f |= CLONE_PIDFD;
    std::string line = fmt::format("{}: clone3({}{}) -> t{}", t, flags_str(f),
                                   fd.empty() ? "" : fmt::format(", cgroup={}", fd), ++ntask_);
    if (f & CLONE_PIDFD) line += fmt::format(", f{}", ++nfd_);
    return line;
  }

  // A container runtime's root switch, one step of it (each also on its own,
  // in any order, so the failures come too): a directory bound onto itself,
  // pivot_root() onto it (put_old under it, or not: EINVAL; a directory that
  // is not a mount point: EINVAL), the old root's /proc, its lazy unmount.
  void pivot_step(const std::string& t, const std::vector<std::string>& all) {
    int k = pick(2);
    switch (pick(7)) {
      case 0:
      case 1:
        emit(fmt::format("{}: mount(\"/srv/r{}\", \"/srv/r{}\", MS_BIND{})", t, k, k, chance(50) ? "|MS_REC" : ""));
        break;
      case 2: {
        static const char* kOld[] = {"/srv/r{}/mnt/old", "/srv/r{}/mnt/old", "/srv/r{}/run/o", "/srv/elsewhere"};
        std::string new_root = chance(85) ? fmt::format("/srv/r{}", k) : std::string("/srv/plain");
        emit(fmt::format("{}: pivot_root(\"{}\", \"{}\")", t, new_root, fmt::format(fmt::runtime(kOld[pick(4)]), k)));
        break;
      }
      case 3:
        emit(fmt::format("{}: umount(\"{}\"{})", t, chance(80) ? "/mnt/old" : "/run/o",
                         chance(75) ? ", MNT_DETACH" : ""));
        break;
      case 4:
        emit(fmt::format("{}: open(\"/mnt/old/proc/{}/ns/{}\") -> f{}", t, chance(15) ? "self" : any(all),
                         link_name(kAllLinks[pick(kLinks)]), ++nfd_));
        break;
      case 5:
        emit(fmt::format("{}: mount(\"/mnt/old/proc/{}/ns/net\", \"/run/netns/p{}\", MS_BIND)", t, any(all), k));
        break;
      default: {
        // The same root switch in one call (7.0+; EINVAL before): open_tree()
        // makes a mount namespace of the directory's tree, fN holds it, and
        // setns(fN, ...) enters it. A mount point file is ENOTDIR, CLONE with
        // NAMESPACE EINVAL.
        std::string path = chance(80) ? fmt::format("/srv/r{}", k) : chance(50) ? "/srv/plain" : mount_point();
        std::string flags = "OPEN_TREE_NAMESPACE";
        if (chance(50)) flags += "|AT_RECURSIVE";
        if (chance(20)) flags += "|OPEN_TREE_CLOEXEC";
        if (chance(5)) flags += "|OPEN_TREE_CLONE";
        emit(fmt::format("{}: open_tree(\"{}\", {}) -> f{}", t, path, flags, ++nfd_));
        break;
      }
    }
  }

  // A bind-mount target: /run/netns (as ip netns add), or a path the mount
  // creates with its directories under /srv (as unshare --net=FILE users do);
  // rarely a directory (ENOTDIR) or a file's child (ENOTDIR).
  std::string mount_point() {
    int k = pick(4);
    if (chance(3)) return chance(50) ? "/srv/ns" : fmt::format("/srv/ns/m{}/x", k);
    return chance(50) ? fmt::format("/run/netns/m{}", k) : fmt::format("/srv/ns/m{}", k);
  }

  std::mt19937_64 rng_;
  SimBackend sim_;
  std::vector<std::unique_ptr<Scenario>> keep_;  // CallStmts the backend saw must outlive it
  std::vector<std::string> lines_;
  int ntask_ = 0, nfd_ = 0;
  int nhandle_ = 0;
  std::vector<std::string> handles_;  // names of name_to_handle_at() lines kept (bound when the call succeeded)
  bool cgroups_ = true;
  std::set<std::string> cgroup_fds_;  // fd names open() gave for cgroup directories
};

// Tears everything down on the model (every task exits and is reaped, every
// fd closed, every /run mount unmounted) and reports what is still alive
// although nothing should hold it: only the initial namespaces and what the
// initial task itself still uses may remain.
std::vector<FuzzProblem> leak_check(SimBackend& sim) {
  Kernel& k = sim.kernel();
  Task* init = k.init_task();
  std::vector<FuzzProblem> out;
  if (init->state != TaskState::Running) return out;  // the scenario ended the world
  k.trace.on = false;
  for (size_t id = k.task_slots(); id-- > 1;)
    if (Task* t = k.task(id); t && t->state == TaskState::Running && !t->is_leader()) k.sys_exit(t, 0);
  for (size_t id = k.task_slots(); id-- > 1;)
    if (Task* t = k.task(id); t && t->state == TaskState::Running) k.sys_exit(t, 0);
  for (int round = 0; round < 4; ++round)
    for (size_t id = 1; id < k.task_slots(); ++id)
      if (Task* t = k.task(id); t && t->state == TaskState::Zombie) (void)k.sys_wait4(init, t);
  for (size_t fd = 0; init->files && fd < init->files->fdt.size(); ++fd)
    if (init->files->fdt[fd]) (void)k.sys_close(init, static_cast<int>(fd));
  while (!init->nsproxy->mnt_ns->mounts.empty()) {
    std::string mp = init->nsproxy->mnt_ns->mounts.back()->mountpoint;
    if (!k.sys_umount(init, mp)) break;  // locked or busy: stays
  }
  // What the initial task still legitimately holds.
  std::set<const RefCounted*> ok;
  auto keep_ns = [&](auto& self, const NsCommon* ns) -> void {
    if (!ns || ok.count(ns)) return;
    ok.insert(ns);
    self(self, ns->user_ns);
    if (ns->type == NsType::Pid) self(self, static_cast<const PidNamespace*>(ns)->parent);
    if (ns->type == NsType::User) self(self, static_cast<const UserNamespace*>(ns)->parent);
    if (ns->type == NsType::Mnt)
      for (auto* m : static_cast<const MntNamespace*>(ns)->mounts) {
        ok.insert(m);
        self(self, m->ns);
      }
  };
  // The initial namespaces never die, nor do the mounts of the initial mount namespace.
  for (auto* o : k.boot_objects()) keep_ns(keep_ns, static_cast<const NsCommon*>(o));
  const NsProxy* p = init->nsproxy;
  ok.insert(p);
  for (const NsCommon* ns : {static_cast<const NsCommon*>(p->uts_ns), static_cast<const NsCommon*>(p->ipc_ns),
                             static_cast<const NsCommon*>(p->mnt_ns),
                             static_cast<const NsCommon*>(p->pid_ns_for_children),
                             static_cast<const NsCommon*>(p->net_ns), static_cast<const NsCommon*>(p->time_ns),
                             static_cast<const NsCommon*>(p->time_ns_for_children),
                             static_cast<const NsCommon*>(p->cgroup_ns)})
    keep_ns(keep_ns, ns);
  keep_ns(keep_ns, init->cred->user_ns);
  keep_ns(keep_ns, k.task_active_pid_ns(init));
  ok.insert(init->files);
  ok.insert(init->fs);
  // Its mm, once it exec'd or shared it: the exe file and the cred that
  // opened it, mm->user_ns.
  if (const Mm* mm = init->mm) {
    ok.insert(mm);
    for (const File* f : mm->files)
      if (f) {
        ok.insert(f);
        keep_ns(keep_ns, f->f_cred->user_ns);
      }
    keep_ns(keep_ns, mm->user_ns);
  }
  // Tasks that could not exit cleanly (exiting inits waiting for zombies of a
  // parent outside) keep their objects: accept everything of live tasks.
  for (size_t id = 1; id < k.task_slots(); ++id)
    if (Task* t = k.task(id)) {
      keep_ns(keep_ns, t->cred->user_ns);
      keep_ns(keep_ns, k.task_active_pid_ns(t));
      if (const Mm* m = t->exec_mm) {  // 7.2: task->exec_state until it is reaped
        ok.insert(m);
        keep_ns(keep_ns, m->user_ns);
      }
    }
  std::vector<const RefCounted*> allowed(ok.begin(), ok.end());
  for (auto& l : k.registry().leaks(allowed)) out.push_back({0, "leak after teardown: " + l});
  return out;
}

}  // namespace

std::vector<std::string> generate_scenario(const FuzzOptions& opt) {
  Gen g(opt.seed, opt.config, opt.cgroups);
  auto lines = g.run(opt.steps);
  // A profile other than the default is named, so the scenario replays alone.
  if (opt.config.kernel != kDefaultKernel && profile_from_name(profile_name(opt.config.kernel)))
    lines.insert(lines.begin(), "kernel " + profile_name(opt.config.kernel));
  return lines;
}

std::vector<FuzzProblem> check_scenario(const std::vector<std::string>& lines, const PeerFactory& make_peer,
                                        int* steps_run) {
  std::string src;
  for (auto& l : lines) src += l + "\n";
  ParseResult pr = parse_scenario(src, "<fuzz>");
  std::vector<FuzzProblem> out;
  if (!pr.ok()) {
    out.push_back({pr.errors.front().loc.line, "parse error: " + pr.errors.front().message});
    return out;
  }
  std::unique_ptr<Backend> peer = make_peer ? make_peer() : nullptr;
  Runner::Options opt;
  opt.trace = false;
  opt.peer = peer.get();
  if (peer) {
    Kernel::Config cfg = Runner::config_for(pr.scenario);
    Runner::adopt_environment(*peer, cfg);
    opt.config = cfg;
  }
  Runner runner(pr.scenario, opt);
  int steps = 0;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    ++steps;
    for (auto& d : r.disagreements) out.push_back({r.line, d});
    const Kernel& k = runner.sim().kernel();
    auto all = k.all_holders();
    for (auto& rec : k.ns_records())
      if (rec.ns && all[rec.ns->serial].size() != rec.ns->refs())
        out.push_back({r.line, fmt::format("ledger of {} lists {} holders for {} references", k.ns_str(rec.ns),
                                           all[rec.ns->serial].size(), rec.ns->refs())});
  });
  if (steps_run) *steps_run = steps;
  if (sum.error) {
    out.push_back({sum.error->loc.line, "run error: " + sum.error->message});
    return out;
  }
  auto leaks = leak_check(runner.sim());
  out.insert(out.end(), leaks.begin(), leaks.end());
  return out;
}

namespace {
// The kind of a problem, for "still the same bug" while shrinking: its text
// without numbers and names.
std::string kind_of(const std::string& s) {
  std::string k;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) k += c;
  size_t colon = k.find(':');
  return colon == std::string::npos ? k : k.substr(colon);
}
bool reproduces(const std::vector<std::string>& lines, const PeerFactory& make_peer, const std::string& kind) {
  bool same = false;
  for (auto& p : check_scenario(lines, make_peer)) {
    // A candidate that no longer runs (a removed line named a task or fd a
    // later line uses) is not a smaller scenario, whatever it showed first.
    if (p.what.rfind("run error", 0) == 0 || p.what.rfind("parse error", 0) == 0) return false;
    if (kind_of(p.what) == kind) same = true;
  }
  return same;
}
}  // namespace

std::vector<std::string> shrink_scenario(std::vector<std::string> lines, const PeerFactory& make_peer,
                                         const std::function<void(size_t)>& progress) {
  auto first = check_scenario(lines, make_peer);
  std::string kind;
  for (auto& p : first)
    if (p.what.rfind("run error", 0) != 0 && p.what.rfind("parse error", 0) != 0) {
      kind = kind_of(p.what);
      break;
    }
  if (kind.empty()) return lines;
  // ddmin over lines: remove chunks, halving the chunk size.
  for (size_t chunk = std::max<size_t>(1, lines.size() / 2); chunk >= 1; chunk /= 2) {
    for (size_t i = 0; i < lines.size();) {
      std::vector<std::string> cand(lines.begin(), lines.begin() + i);
      cand.insert(cand.end(), lines.begin() + std::min(lines.size(), i + chunk), lines.end());
      if (!cand.empty() && reproduces(cand, make_peer, kind)) {
        lines = std::move(cand);
        if (progress) progress(lines.size());
      } else {
        i += chunk;
      }
    }
    if (chunk == 1) break;
  }
  // Then flag bits of each call.
  for (size_t i = 0; i < lines.size(); ++i) {
    for (auto& [name, bit] : std::vector<std::pair<std::string, uint64_t>>{
             {"CLONE_NEWUTS", 0}, {"CLONE_NEWIPC", 0}, {"CLONE_NEWNET", 0}, {"CLONE_NEWNS", 0}, {"CLONE_NEWPID", 0},
             {"CLONE_NEWUSER", 0}, {"CLONE_NEWCGROUP", 0}, {"CLONE_NEWTIME", 0}, {"CLONE_FILES", 0},
             {"CLONE_FS", 0}, {"CLONE_SYSVSEM", 0}, {"CLONE_PARENT", 0}, {"CLONE_THREAD", 0}, {"CLONE_VFORK", 0}, {"CLONE_PIDFD", 0},
             {"CLONE_SIGHAND", 0}, {"CLONE_VM", 0}}) {
      (void)bit;
      size_t at = lines[i].find(name);
      if (at == std::string::npos) continue;
      std::string cand = lines[i];
      size_t end = at + name.size();
      if (end < cand.size() && cand[end] == '|')
        cand.erase(at, name.size() + 1);
      else if (at > 0 && cand[at - 1] == '|')
        cand.erase(at - 1, name.size() + 1);
      else
        cand.replace(at, name.size(), "0");
      auto trial = lines;
      trial[i] = cand;
      if (reproduces(trial, make_peer, kind)) lines = std::move(trial);
    }
  }
  return lines;
}

}  // namespace nssim
