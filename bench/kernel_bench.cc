// Per-call costs on the live kernel: the null syscall floor, setns per type
// (a round trip between two prepared namespaces, per call), setns through a
// pidfd entering k types at once vs k nsfs setns calls, unshare per type,
// and clone3 with each CLONE_NEW* flag including the wait for the child.
//
// Honesty rules: namespaces are prepared and fds opened outside the timed
// loop; every call's result is checked (Errors) and one untimed round trip
// first proves that /proc/self/ns/LINK really changes; a case whose calls
// fail is reported FAILED, never timed.
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "bench/bench_util.h"

namespace nssim::bench {
namespace {

using benchmark::State;

// The link that setns(TYPE) changes: pid and time change the *_for_children
// link (time changes both).
const char* changed_link(const NsKind& k) {
  std::string_view n = k.name;
  return n == "pid" ? "pid_for_children" : k.name;
}

void restore_cwd(const NsKind& k) {
  if (k.flag == CLONE_NEWNS) restore_cwd_after_mnt();
}

// ---- the floor -------------------------------------------------------------
void BM_null_syscall(State& st) {
  if (!need_kernel(st)) return;
  for (auto _ : st) {
    long r = syscall(SYS_getpid);
    benchmark::DoNotOptimize(r);
  }
  st.SetLabel("syscall(SYS_getpid)");
}

void BM_sethostname(State& st) {
  if (!need_kernel(st)) return;
  Errors e;
  static const char name[] = "nssim-bench";
  for (auto _ : st) e.check(sethostname(name, sizeof name - 1), "sethostname");
  e.finish(st, st.iterations());
  st.SetLabel("in the sandbox's own uts namespace");
}

// open("/proc/self/ns/net") + close: what an nsfs fd costs.
void BM_open_close_nsfs(State& st) {
  if (!need_kernel(st)) return;
  Errors e;
  for (auto _ : st) {
    int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    e.check(fd, "open");
    if (fd >= 0) close(fd);
  }
  e.finish(st, st.iterations());
}

// ---- setns per type --------------------------------------------------------
// Proves one round trip A -> B -> A changes the link; fails the case if not.
bool round_trip_changes(State& st, int fd_a, int fd_b, uint64_t flags, const std::vector<const NsKind*>& kinds,
                        const std::vector<uint64_t>& ino_a, const std::vector<uint64_t>& ino_b) {
  for (int pass = 0; pass < 2; ++pass) {
    int fd = pass == 0 ? fd_b : fd_a;
    if (setns_(fd, static_cast<int>(flags)) != 0) {
      fail(st, fmt::format("untimed check: setns({}) {}", pass == 0 ? "B" : "A", errno_str(errno)));
      return false;
    }
    for (size_t i = 0; i < kinds.size(); ++i) {
      uint64_t want = pass == 0 ? ino_b[i] : ino_a[i];
      uint64_t got = self_ns_ino(changed_link(*kinds[i]));
      if (got != want) {
        fail(st, fmt::format("untimed check: after setns /proc/self/ns/{} is {} instead of {}",
                             changed_link(*kinds[i]), got, want));
        return false;
      }
    }
  }
  return true;
}

void BM_setns(State& st, const NsKind& k) {
  if (!need_kernel(st)) return;
  Holder h;
  std::string why;
  if (!h.start(k.flag, why)) return fail(st, why);
  const char* link = changed_link(k);
  Fd a(open_self_ns(link)), b(h.open_ns(k.name));
  if (a.fd < 0 || b.fd < 0) return fail(st, "opening the nsfs files: " + errno_str(errno));
  uint64_t ia = fd_ino(a.fd), ib = fd_ino(b.fd);
  if (ia == ib) return fail(st, "the holder's namespace is not a new one");
  if (!round_trip_changes(st, a.fd, b.fd, k.flag, {&k}, {ia}, {ib})) return restore_cwd(k);
  Errors e;
  const int fds[2] = {b.fd, a.fd};
  const int flag = static_cast<int>(k.flag);
  uint64_t i = 0;
  for (auto _ : st) {
    e.check(setns_(fds[i & 1], flag), "setns");
    ++i;
  }
  if (i & 1) e.check(setns_(a.fd, flag), "setns (restore)");
  restore_cwd(k);
  if (self_ns_ino(link) != ia) return fail(st, "not back in the sandbox's namespace after the loop");
  if (!e.finish(st, i)) return;
  st.SetLabel("round trip A<->B, time per call");
}

// setns(user): a caller that entered a child user namespace has no capability
// left in the parent, so it can never come back: no round trip. Each
// iteration forks a fresh child that enters once; only the call is timed.
void BM_setns_user(State& st) {
  if (!need_kernel(st)) return;
  Holder h;
  std::string why;
  if (!h.start(CLONE_NEWUSER, why)) return fail(st, why);
  Fd u(h.open_ns("user"));
  if (u.fd < 0) return fail(st, "open user ns: " + errno_str(errno));
  const uint64_t iu = fd_ino(u.fd);
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return fail(st, "pipe2");
  Errors e;
  uint64_t calls = 0;
  for (auto _ : st) {
    long pid = clone3_fork(0);
    if (pid == 0) {
      int64_t m[2];
      int64_t t0 = now_ns();
      int r = setns_(u.fd, CLONE_NEWUSER);
      int64_t t1 = now_ns();
      m[0] = r == 0 ? t1 - t0 : -1;
      m[1] = r == 0 ? static_cast<int64_t>(self_ns_ino("user") == iu) : errno;
      ssize_t w = write(p[1], m, sizeof m);
      (void)w;
      syscall(SYS_exit_group, 0);
    }
    ++calls;
    int64_t m[2] = {-1, EIO};
    if (pid < 0 || read(p[0], m, sizeof m) != static_cast<ssize_t>(sizeof m)) {
      e.record(pid < 0 ? "clone3" : "read");
      st.SetIterationTime(1e-9);
    } else if (m[0] < 0) {
      errno = static_cast<int>(m[1]);
      e.record("setns");
      st.SetIterationTime(1e-9);
    } else if (m[1] != 1) {
      errno = 0;
      e.record("setns did not change /proc/self/ns/user");
      st.SetIterationTime(1e-9);
    } else {
      st.SetIterationTime(static_cast<double>(m[0]) * 1e-9);
    }
    if (pid > 0) waitpid(static_cast<pid_t>(pid), nullptr, 0);
  }
  close(p[0]);
  close(p[1]);
  if (!e.finish(st, calls)) return;
  st.SetLabel("one way: a fresh child enters once (no way back from a child user namespace)");
}

// ---- setns through a pidfd: k types at once vs k nsfs calls ------------------
const NsKind* const kOrder[] = {ns_kind("uts"), ns_kind("ipc"),  ns_kind("cgroup"), ns_kind("net"),
                                ns_kind("pid"), ns_kind("mnt"), ns_kind("time")};

void BM_setns_k(State& st, bool pidfd) {
  if (!need_kernel(st)) return;
  const int k = static_cast<int>(st.range(0));
  uint64_t all = 0, flags = 0;
  std::vector<const NsKind*> kinds;
  for (int j = 0; j < 7; ++j) {
    all |= kOrder[j]->flag;
    if (j < k) flags |= kOrder[j]->flag, kinds.push_back(kOrder[j]);
  }
  Holder hb, ha;
  std::string why;
  if (!hb.start(all, why) || !ha.start(0, why)) return fail(st, why);
  std::vector<Fd> fa, fb;
  std::vector<uint64_t> ia, ib;
  for (auto* kd : kinds) {
    fa.emplace_back(open_self_ns(changed_link(*kd)));
    fb.emplace_back(hb.open_ns(kd->name));
    if (fa.back().fd < 0 || fb.back().fd < 0) return fail(st, "opening the nsfs files: " + errno_str(errno));
    ia.push_back(fd_ino(fa.back().fd));
    ib.push_back(fd_ino(fb.back().fd));
  }
  const NsKind mnt = *ns_kind("mnt");
  Errors e;
  uint64_t i = 0, calls = 0;
  if (pidfd) {
    if (!round_trip_changes(st, ha.pidfd(), hb.pidfd(), flags, kinds, ia, ib)) return restore_cwd(mnt);
    const int fds[2] = {hb.pidfd(), ha.pidfd()};
    for (auto _ : st) {
      e.check(setns_(fds[i & 1], static_cast<int>(flags)), "setns(pidfd)");
      ++i;
    }
    if (i & 1) e.check(setns_(ha.pidfd(), static_cast<int>(flags)), "setns (restore)");
    calls = i;
  } else {
    for (size_t j = 0; j < kinds.size(); ++j)
      if (!round_trip_changes(st, fa[j].fd, fb[j].fd, kinds[j]->flag, {kinds[j]}, {ia[j]}, {ib[j]}))
        return restore_cwd(mnt);
    std::vector<int> to[2];
    std::vector<int> fl;
    for (size_t j = 0; j < kinds.size(); ++j) {
      to[0].push_back(fb[j].fd);
      to[1].push_back(fa[j].fd);
      fl.push_back(static_cast<int>(kinds[j]->flag));
    }
    const size_t n = kinds.size();
    for (auto _ : st) {
      const int* f = to[i & 1].data();
      for (size_t j = 0; j < n; ++j) e.check(setns_(f[j], fl[j]), "setns");
      ++i;
    }
    if (i & 1)
      for (size_t j = 0; j < n; ++j) e.check(setns_(to[1][j], fl[j]), "setns (restore)");
    calls = i * n;
  }
  restore_cwd(mnt);
  for (size_t j = 0; j < kinds.size(); ++j)
    if (self_ns_ino(changed_link(*kinds[j])) != ia[j])
      return fail(st, fmt::format("not back in the sandbox's {} namespace", kinds[j]->name));
  if (!e.finish(st, calls)) return;
  st.counters["k"] = k;
  st.SetLabel(pidfd ? "one setns(pidfd, k flags) per switch" : "k setns(nsfs fd) calls per switch");
}

// ---- unshare per type ----------------------------------------------------------
// Repeated unshare in one process: each call makes a namespace and drops the
// previous one (the first drops nothing: the sandbox's own is pinned by fd).
void BM_unshare(State& st, const NsKind& k) {
  if (!need_kernel(st)) return;
  // unshare(CLONE_NEWTIME) only changes time_for_children.
  const char* link = k.flag == CLONE_NEWTIME ? "time_for_children" : changed_link(k);
  Fd a(open_self_ns(link));
  if (a.fd < 0) return fail(st, "open: " + errno_str(errno));
  const uint64_t ia = fd_ino(a.fd);
  const int flag = static_cast<int>(k.flag);
  Errors e;
  // Untimed check that unshare makes a new namespace.
  if (unshare(flag) != 0) return fail(st, "untimed check: unshare: " + errno_str(errno));
  if (self_ns_ino(link) == ia) return fail(st, "untimed check: unshare did not change /proc/self/ns/" + std::string(link));
  for (auto _ : st) e.check(unshare(flag), "unshare");
  e.check(setns_(a.fd, flag), "setns (restore)");
  restore_cwd(k);
  if (self_ns_ino(link) != ia) return fail(st, "not back in the sandbox's namespace after the loop");
  if (!e.finish(st, st.iterations())) return;
  st.SetLabel("repeated in one process (each drops the previous namespace)");
}

// unshare(CLONE_NEWPID) a second time is EINVAL while pid_for_children is not
// the active pid namespace (kernel/pid_namespace.c: copy_pid_ns()), so each
// iteration goes back with setns() — untimed; only the unshare is timed.
// The kernel frees a pid namespace after an RCU grace period
// (delayed_free_pidns()), which is also when it gives back its
// max_pid_namespaces count: at full speed, with the CPU held at SCHED_FIFO,
// 10^5 of them can be pending and unshare fails with ENOSPC. So the case runs
// a fixed 10^4 calls per repetition, and the rest between cases drains them.
void BM_unshare_pid(State& st) {
  if (!need_kernel(st)) return;
  Fd a(open_self_ns("pid"));
  if (a.fd < 0) return fail(st, "open: " + errno_str(errno));
  Errors e;
  uint64_t calls = 0;
  for (auto _ : st) {
    int64_t t0 = now_ns();
    int r = unshare(CLONE_NEWPID);
    int64_t t1 = now_ns();
    e.check(r, "unshare");
    e.check(setns_(a.fd, CLONE_NEWPID), "setns (back)");
    ++calls;
    st.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
  }
  if (!e.finish(st, calls)) return;
  st.SetLabel("unshare timed alone; setns back (untimed) frees it");
}

// unshare(CLONE_NEWUSER) nests (32 levels at most, kernel/user_namespace.c),
// so each iteration uses a fresh child; only the call is timed.
void BM_unshare_user(State& st) {
  if (!need_kernel(st)) return;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return fail(st, "pipe2");
  Errors e;
  uint64_t calls = 0;
  for (auto _ : st) {
    long pid = clone3_fork(0);
    if (pid == 0) {
      int64_t m[2];
      int64_t t0 = now_ns();
      int r = unshare(CLONE_NEWUSER);
      int64_t t1 = now_ns();
      m[0] = r == 0 ? t1 - t0 : -1;
      m[1] = errno;
      ssize_t w = write(p[1], m, sizeof m);
      (void)w;
      syscall(SYS_exit_group, 0);
    }
    ++calls;
    int64_t m[2] = {-1, EIO};
    if (pid < 0 || read(p[0], m, sizeof m) != static_cast<ssize_t>(sizeof m) || m[0] < 0) {
      errno = static_cast<int>(m[1]);
      e.record(pid < 0 ? "clone3" : "unshare");
      st.SetIterationTime(1e-9);
    } else {
      st.SetIterationTime(static_cast<double>(m[0]) * 1e-9);
    }
    if (pid > 0) waitpid(static_cast<pid_t>(pid), nullptr, 0);
  }
  close(p[0]);
  close(p[1]);
  if (!e.finish(st, calls)) return;
  st.SetLabel("once per fresh child (user namespaces nest, 32 levels at most)");
}

// ---- clone3 + exit + wait ----------------------------------------------------------
void BM_clone3(State& st, uint64_t flags) {
  if (!need_kernel(st)) return;
  Errors e;
  for (auto _ : st) {
    long pid = clone3_fork(flags);
    if (pid == 0) syscall(SYS_exit_group, 0);
    e.check(pid, "clone3");
    if (pid > 0) {
      int s = 0;
      e.check(waitpid(static_cast<pid_t>(pid), &s, 0), "waitpid");
      if (!WIFEXITED(s) || WEXITSTATUS(s) != 0) e.record("child status");
    }
  }
  if (!e.finish(st, st.iterations())) return;
  st.SetLabel("clone3 + child exit_group(0) + waitpid");
}

}  // namespace

void register_kernel(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  add("kernel/null_syscall", BM_null_syscall)->UseRealTime()->MinTime(t);
  add("kernel/sethostname", BM_sethostname)->UseRealTime()->MinTime(t);
  add("kernel/open_close_nsfs", BM_open_close_nsfs)->UseRealTime()->MinTime(t);
  for (auto& k : kNsKinds) {
    if (std::string_view(k.name) == "user") {
      add("kernel/setns/user", BM_setns_user)->UseManualTime()->Iterations(c.quick ? 20 : 400);
    } else {
      add(std::string("kernel/setns/") + k.name, [&k](State& st) { BM_setns(st, k); })->UseRealTime()->MinTime(t);
    }
  }
  add("kernel/setns_pidfd", [](State& st) { BM_setns_k(st, true); })
      ->ArgName("k")->DenseRange(1, 7)->UseRealTime()->MinTime(t);
  add("kernel/setns_nsfs_k", [](State& st) { BM_setns_k(st, false); })
      ->ArgName("k")->DenseRange(1, 7)->UseRealTime()->MinTime(t);
  for (auto& k : kNsKinds) {
    std::string_view n = k.name;
    std::string name = std::string("kernel/unshare/") + k.name;
    if (n == "pid")  // fixed count: see BM_unshare_pid
      add(name, BM_unshare_pid)->UseManualTime()->Iterations(c.quick ? 1000 : 10000);
    else if (n == "user")
      add(name, BM_unshare_user)->UseManualTime()->Iterations(c.quick ? 20 : 400);
    else
      add(name, [&k](State& st) { BM_unshare(st, k); })->UseRealTime()->MinTime(t);
  }
  add("kernel/clone3/none", [](State& st) { BM_clone3(st, 0); })->UseRealTime()->MinTime(t);
  uint64_t all = 0;
  for (auto& k : kNsKinds) {
    all |= k.flag;
    add(std::string("kernel/clone3/") + k.name, [&k](State& st) { BM_clone3(st, k.flag); })
        ->UseRealTime()->MinTime(t);
  }
  add("kernel/clone3/all", [all](State& st) { BM_clone3(st, all); })->UseRealTime()->MinTime(t);
}

}  // namespace nssim::bench
