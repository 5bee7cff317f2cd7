// The rest of the modelled calls, each on the kernel and on the model under
// the same name (kernel/calls/X <-> sim/calls/X): credentials (setuid family),
// prctl(PR_SET_DUMPABLE), ioctl(NS_GET_*), a thread created and gone, a bind
// mount of an nsfs file and its umount, opening the mounted file, and writing
// a fresh user namespace's uid_map.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "sim/kernel.h"

namespace nssim::bench {
namespace {

using benchmark::State;

// ---- kernel ------------------------------------------------------------------
template <class F>
void kernel_loop(State& st, F call, const char* what) {
  if (!need_kernel(st)) return;
  Errors e;
  for (auto _ : st) e.check(call(), what);
  e.finish(st, st.iterations());
}

void* thread_noop(void*) { return nullptr; }

void BM_k_thread(State& st) {
  if (!need_kernel(st)) return;
  Errors e;
  for (auto _ : st) {
    pthread_t t;
    int r = pthread_create(&t, nullptr, thread_noop, nullptr);
    if (r != 0) {
      errno = r;
      e.record("pthread_create");
      continue;
    }
    pthread_join(t, nullptr);
  }
  e.finish(st, st.iterations());
  st.SetLabel("pthread_create + the thread returns + pthread_join");
}

// mount --bind /proc/self/ns/net onto a file, then umount it, in a private
// mount namespace with a tmpfs on /tmp (made here, dropped at the end).
void BM_k_mount(State& st, bool open_only) {
  if (!need_kernel(st)) return;
  Fd s(open_self_ns("mnt"));
  if (s.fd < 0) return fail(st, "open mnt: " + errno_str(errno));
  auto back = [&] {
    setns_(s.fd, CLONE_NEWNS);
    restore_cwd_after_mnt();
  };
  if (unshare(CLONE_NEWNS) != 0) return fail(st, "unshare(CLONE_NEWNS): " + errno_str(errno));
  if (mount("nssim-bench", "/tmp", "tmpfs", 0, "size=1m,mode=0700") != 0) {
    back();
    return fail(st, "mount tmpfs: " + errno_str(errno));
  }
  const char* target = "/tmp/netns";
  int fd = open(target, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  Errors e;
  if (open_only) {
    if (mount("/proc/self/ns/net", target, nullptr, MS_BIND, nullptr) != 0) {
      back();
      return fail(st, "bind mount: " + errno_str(errno));
    }
    for (auto _ : st) {
      int f = open(target, O_RDONLY | O_CLOEXEC);
      e.check(f, "open");
      if (f >= 0) close(f);
    }
    st.SetLabel("open + close of a bind-mounted nsfs file");
  } else {
    for (auto _ : st) {
      e.check(mount("/proc/self/ns/net", target, nullptr, MS_BIND, nullptr), "mount");
      e.check(umount2(target, 0), "umount");
    }
    st.SetLabel("mount(/proc/self/ns/net, file, MS_BIND) + umount");
  }
  back();
  e.finish(st, st.iterations());
}

// Each iteration: a fresh child in a new user namespace; only the write of
// its uid_map is timed (a map can be written once).
void BM_k_write_uid_map(State& st) {
  if (!need_kernel(st)) return;
  Errors e;
  uint64_t calls = 0;
  static const char map[] = "0 0 1\n";
  for (auto _ : st) {
    Holder h;
    std::string why;
    if (!h.start(CLONE_NEWUSER, why)) {
      e.record("clone3(CLONE_NEWUSER)");
      st.SetIterationTime(1e-9);
      continue;
    }
    int fd = open(fmt::format("/proc/{}/uid_map", h.pid()).c_str(), O_WRONLY | O_CLOEXEC);
    e.check(fd, "open uid_map");
    int64_t t0 = now_ns();
    ssize_t w = fd >= 0 ? write(fd, map, sizeof map - 1) : -1;
    int64_t t1 = now_ns();
    e.check(w, "write uid_map");
    if (fd >= 0) close(fd);
    ++calls;
    st.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
  }
  e.finish(st, calls);
  st.SetLabel("write(\"0 0 1\") to a fresh user namespace's uid_map, timed alone");
}

// ---- model -------------------------------------------------------------------
template <class R>
inline void ck(Errors& e, const R& r, const char* what) {
  if (!r) [[unlikely]] {
    errno = r.error().code;
    e.record(what);
  }
}

template <class F>
void sim_loop(State& st, F call, const char* what) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  for (auto _ : st) ck(e, call(k, init), what);
  e.finish(st, st.iterations());
}

void BM_s_thread(State& st) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  for (auto _ : st) {
    auto t = k.sys_thread(init, "t");
    ck(e, t, "thread");
    if (t) k.sys_exit(*t, 0);  // a thread is released at once (exit_notify)
  }
  e.finish(st, st.iterations());
  st.SetLabel("thread() + exit (released at once)");
}

void BM_s_ioctl(State& st, bool userns) {
  Kernel k;
  Task* init = k.init_task();
  auto fd = k.sys_open_nsfs(init, init, Link::Net);
  if (!fd) return fail(st, "model open");
  Errors e;
  for (auto _ : st) {
    if (userns) {
      auto r = k.sys_ioctl(init, *fd, Kernel::NsIoctl::GetUserns);
      ck(e, r, "ioctl(NS_GET_USERNS)");
      if (r) ck(e, k.sys_close(init, static_cast<int>(*r)), "close");
    } else {
      ck(e, k.sys_ioctl(init, *fd, Kernel::NsIoctl::GetNstype), "ioctl(NS_GET_NSTYPE)");
    }
  }
  e.finish(st, st.iterations());
}

void BM_s_mount(State& st, bool open_only) {
  Kernel k;
  Task* init = k.init_task();
  Kernel::PathRef src;
  src.task = init;
  src.link = Link::Net;
  const std::string_view dst = "/run/netns/bench";
  Errors e;
  if (open_only) {
    ck(e, k.sys_mount_bind(init, src, dst), "mount");
    for (auto _ : st) {
      auto fd = k.sys_open_path(init, dst);
      ck(e, fd, "open");
      if (fd) ck(e, k.sys_close(init, *fd), "close");
    }
  } else {
    for (auto _ : st) {
      ck(e, k.sys_mount_bind(init, src, dst), "mount");
      ck(e, k.sys_umount(init, dst), "umount");
    }
  }
  e.finish(st, st.iterations());
}

// Each iteration: a batch of 64 fresh children in new user namespaces; init
// writes each one's uid_map once; only the writes are timed.
void BM_s_write_uid_map(State& st) {
  constexpr int kBatch = 64;
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  std::vector<Task*> kids(kBatch);
  uint64_t calls = 0;
  for (auto _ : st) {
    for (auto& c : kids) {
      auto r = k.sys_clone3(init, CLONE_NEWUSER, "u");
      ck(e, r, "clone3");
      c = r ? *r : nullptr;
    }
    int64_t t0 = now_ns();
    for (Task* c : kids)
      if (c) ck(e, k.sys_write_proc(init, c, Kernel::ProcFile::UidMap, "0 0 1\n"), "write uid_map");
    int64_t t1 = now_ns();
    for (Task* c : kids)
      if (c) {
        k.sys_exit(c, 0);
        ck(e, k.sys_wait4(init, c), "wait4");
      }
    calls += kBatch;
    st.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9 / kBatch);
  }
  e.finish(st, calls);
  st.SetLabel("per write, a fresh user namespace each");
}

}  // namespace

void register_calls_kernel(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  add("kernel/calls/setuid", [](State& st) { kernel_loop(st, [] { return setuid(0); }, "setuid"); })
      ->UseRealTime()->MinTime(t);
  add("kernel/calls/setgid", [](State& st) { kernel_loop(st, [] { return setgid(0); }, "setgid"); })
      ->UseRealTime()->MinTime(t);
  add("kernel/calls/setresuid", [](State& st) { kernel_loop(st, [] { return setresuid(0, 0, 0); }, "setresuid"); })
      ->UseRealTime()->MinTime(t);
  add("kernel/calls/setresgid", [](State& st) { kernel_loop(st, [] { return setresgid(0, 0, 0); }, "setresgid"); })
      ->UseRealTime()->MinTime(t);
  add("kernel/calls/prctl_set_dumpable",
      [](State& st) { kernel_loop(st, [] { return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); }, "prctl"); })
      ->UseRealTime()->MinTime(t);
  add("kernel/calls/ioctl_nstype", [](State& st) {
    Fd fd(open_self_ns("net"));
    kernel_loop(st, [&] { return ioctl(fd.fd, NS_GET_NSTYPE); }, "ioctl(NS_GET_NSTYPE)");
  })->UseRealTime()->MinTime(t);
  add("kernel/calls/ioctl_userns_close", [](State& st) {
    Fd fd(open_self_ns("net"));
    kernel_loop(st, [&] {
      int u = ioctl(fd.fd, NS_GET_USERNS);
      if (u >= 0) close(u);
      return u;
    }, "ioctl(NS_GET_USERNS)");
  })->UseRealTime()->MinTime(t);
  add("kernel/calls/thread_exit", BM_k_thread)->UseRealTime()->MinTime(t);
  add("kernel/calls/mount_bind_umount", [](State& st) { BM_k_mount(st, false); })->UseRealTime()->MinTime(t);
  add("kernel/calls/open_path_close", [](State& st) { BM_k_mount(st, true); })->UseRealTime()->MinTime(t);
  add("kernel/calls/write_uid_map", BM_k_write_uid_map)->UseManualTime()->Iterations(c.quick ? 20 : 400);
}

void register_calls_sim(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  add("sim/calls/setuid", [](State& st) {
    sim_loop(st, [](Kernel& k, Task* i) { return k.sys_setuid(i, 0); }, "setuid");
  })->MinTime(t);
  add("sim/calls/setgid", [](State& st) {
    sim_loop(st, [](Kernel& k, Task* i) { return k.sys_setgid(i, 0); }, "setgid");
  })->MinTime(t);
  add("sim/calls/setresuid", [](State& st) {
    sim_loop(st, [](Kernel& k, Task* i) { return k.sys_setresuid(i, 0, 0, 0); }, "setresuid");
  })->MinTime(t);
  add("sim/calls/setresgid", [](State& st) {
    sim_loop(st, [](Kernel& k, Task* i) { return k.sys_setresgid(i, 0, 0, 0); }, "setresgid");
  })->MinTime(t);
  add("sim/calls/prctl_set_dumpable", [](State& st) {
    sim_loop(st, [](Kernel& k, Task* i) { return k.sys_prctl_set_dumpable(i, 1); }, "prctl");
  })->MinTime(t);
  add("sim/calls/ioctl_nstype", [](State& st) { BM_s_ioctl(st, false); })->MinTime(t);
  add("sim/calls/ioctl_userns_close", [](State& st) { BM_s_ioctl(st, true); })->MinTime(t);
  add("sim/calls/thread_exit", BM_s_thread)->MinTime(t);
  add("sim/calls/mount_bind_umount", [](State& st) { BM_s_mount(st, false); })->MinTime(t);
  add("sim/calls/open_path_close", [](State& st) { BM_s_mount(st, true); })->MinTime(t);
  add("sim/calls/write_uid_map", BM_s_write_uid_map)->UseManualTime()->Iterations(c.quick ? 20 : 1000);
}

}  // namespace nssim::bench
