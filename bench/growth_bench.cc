// How kernel costs grow: unshare(CLONE_NEWNS) and setns(mnt) vs the number of
// mounts in the mount namespace; creating (and dropping) a net namespace vs
// the number of net namespaces that exist; setns vs the number of threads in
// the process. The report fits each curve (fixed + per-unit cost, and the
// log-log exponent).
//
// Everything lives in the sandbox: the mounts are tmpfs mounts made in
// private mount namespaces created by unshare() from the sandbox's own, the
// net namespaces are pinned by fds of the sandbox process. Prepared sizes are
// kept across the calls Google Benchmark makes (iteration probing,
// repetitions) and die with the sandbox.
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_util.h"

namespace nssim::bench {
namespace {

using benchmark::State;

int count_mounts() {
  std::ifstream f("/proc/self/mountinfo");
  std::string l;
  int n = 0;
  while (std::getline(f, l)) ++n;
  return n;
}

// The sandbox's own mount and net namespaces (opened once).
int sandbox_ns(const char* link) {
  static std::map<std::string, int> fds;
  auto it = fds.find(link);
  if (it != fds.end()) return it->second;
  int fd = open_self_ns(link);
  fds[link] = fd;
  return fd;
}

// ---- mounts ----------------------------------------------------------------
struct MountNs {
  int base = -1;   // a mount namespace with the sandbox's mounts + n tmpfs mounts
  int copy = -1;   // a copy of it (same mounts), for setns round trips
  int mounts = 0;  // lines of /proc/self/mountinfo in it
};

// Makes (once per n) a private mount namespace with n more tmpfs mounts than
// the sandbox's: a tmpfs on /tmp and n-1 tmpfs mounts on directories in it.
// Returns to the sandbox's mount namespace.
std::map<int, MountNs> g_mount_ns;  // by n

MountNs* mount_ns(int n, std::string& why) {
  auto& cache = g_mount_ns;
  if (auto it = cache.find(n); it != cache.end()) return &it->second;
  int s = sandbox_ns("mnt");
  if (s < 0) {
    why = "open /proc/self/ns/mnt: " + errno_str(errno);
    return nullptr;
  }
  MountNs m;
  auto back = [&] {
    setns_(s, CLONE_NEWNS);
    restore_cwd_after_mnt();
  };
  if (unshare(CLONE_NEWNS) != 0) {
    why = "unshare(CLONE_NEWNS): " + errno_str(errno);
    return nullptr;
  }
  if (mount("nssim-bench", "/tmp", "tmpfs", 0, "size=64m,mode=0700") != 0) {
    why = "mount tmpfs on /tmp (private mount namespace): " + errno_str(errno);
    back();
    return nullptr;
  }
  for (int i = 1; i < n; ++i) {
    std::string d = fmt::format("/tmp/m{}", i);
    if (mkdir(d.c_str(), 0700) != 0 || mount("nssim-bench", d.c_str(), "tmpfs", 0, "size=4k,mode=0700") != 0) {
      why = fmt::format("mount #{} of {}: {}", i, n, errno_str(errno));
      back();
      return nullptr;
    }
  }
  m.mounts = count_mounts();
  m.base = open_self_ns("mnt");
  if (unshare(CLONE_NEWNS) != 0) {
    why = "unshare(CLONE_NEWNS) for the copy: " + errno_str(errno);
    back();
    return nullptr;
  }
  m.copy = open_self_ns("mnt");
  back();
  return &cache.emplace(n, m).first->second;
}

void BM_unshare_mnt_mounts(State& st) {
  if (!need_kernel(st)) return;
  std::string why;
  MountNs* m = mount_ns(static_cast<int>(st.range(0)), why);
  if (!m) return fail(st, why);
  Errors e;
  e.check(setns_(m->base, CLONE_NEWNS), "setns(base)");
  for (auto _ : st) e.check(unshare(CLONE_NEWNS), "unshare");
  e.check(setns_(sandbox_ns("mnt"), CLONE_NEWNS), "setns (restore)");
  restore_cwd_after_mnt();
  if (!e.finish(st, st.iterations())) return;
  st.counters["mounts"] = m->mounts;
  st.SetComplexityN(m->mounts);
  st.SetLabel("repeated unshare (each copies the tree and drops the previous copy)");
}

void BM_setns_mnt_mounts(State& st) {
  if (!need_kernel(st)) return;
  std::string why;
  MountNs* m = mount_ns(static_cast<int>(st.range(0)), why);
  if (!m) return fail(st, why);
  Errors e;
  const int fds[2] = {m->base, m->copy};
  uint64_t i = 0;
  for (auto _ : st) {
    e.check(setns_(fds[i & 1], CLONE_NEWNS), "setns");
    ++i;
  }
  e.check(setns_(sandbox_ns("mnt"), CLONE_NEWNS), "setns (restore)");
  restore_cwd_after_mnt();
  if (!e.finish(st, i)) return;
  st.counters["mounts"] = m->mounts;
  st.SetComplexityN(m->mounts);
  st.SetLabel("round trip between two namespaces of that many mounts, per call");
}

// ---- net namespaces ---------------------------------------------------------------
// Net namespaces pinned by fds: grown on demand, kept until the sandbox dies.
std::vector<int> g_netns;

bool hold_netns(size_t n, std::string& why) {
  int s = sandbox_ns("net");
  while (g_netns.size() < n) {
    if (unshare(CLONE_NEWNET) != 0) {
      why = fmt::format("unshare(CLONE_NEWNET) #{}: {}", g_netns.size() + 1, errno_str(errno));
      setns_(s, CLONE_NEWNET);
      return false;
    }
    g_netns.push_back(open_self_ns("net"));
  }
  if (setns_(s, CLONE_NEWNET) != 0) {
    why = "setns back to the sandbox's net namespace: " + errno_str(errno);
    return false;
  }
  return true;
}

// Creating a net namespace and dropping the previous one with K existing
// (the sandbox's own + K-1 pinned). The kernel frees a net namespace in a
// workqueue (net/core/net_namespace.c: cleanup_net()), so the drop is queued,
// not waited for.
void BM_netns_create(State& st) {
  if (!need_kernel(st)) return;
  const int64_t k = st.range(0);
  std::string why;
  if (!hold_netns(static_cast<size_t>(k - 1), why)) return fail(st, why);
  Errors e;
  for (auto _ : st) e.check(unshare(CLONE_NEWNET), "unshare");
  e.check(setns_(sandbox_ns("net"), CLONE_NEWNET), "setns (restore)");
  if (!e.finish(st, st.iterations())) return;
  st.counters["netns"] = static_cast<double>(k);
  st.SetComplexityN(k);
  st.SetLabel("unshare(CLONE_NEWNET) repeated; the dropped namespace is freed asynchronously");
}

// ---- threads ----------------------------------------------------------------
struct Threads {
  std::vector<pthread_t> t;
  int p[2] = {-1, -1};
  static void* idle(void* arg) {
    char c;
    while (read(*static_cast<int*>(arg), &c, 1) < 0 && errno == EINTR) {
    }
    return nullptr;
  }
  bool start(int n) {
    if (pipe2(p, O_CLOEXEC) != 0) return false;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (int i = 0; i < n; ++i) {
      pthread_t th;
      if (pthread_create(&th, &a, idle, &p[0]) != 0) break;
      t.push_back(th);
    }
    pthread_attr_destroy(&a);
    return static_cast<int>(t.size()) == n;
  }
  ~Threads() {
    if (p[1] >= 0) close(p[1]);
    for (auto th : t) pthread_join(th, nullptr);
    if (p[0] >= 0) close(p[0]);
  }
};

// setns round trip with T idle threads in the process. mnt, time and user
// refuse multi-threaded callers (EINVAL/EUSERS), so uts and net are measured.
void BM_setns_threads(State& st, const NsKind& k) {
  if (!need_kernel(st)) return;
  const int n = static_cast<int>(st.range(0));
  Holder h;
  std::string why;
  if (!h.start(k.flag, why)) return fail(st, why);
  Fd a(open_self_ns(k.name)), b(h.open_ns(k.name));
  if (a.fd < 0 || b.fd < 0) return fail(st, "open: " + errno_str(errno));
  const uint64_t ia = fd_ino(a.fd);
  Threads th;
  if (!th.start(n)) return fail(st, fmt::format("could only start {} of {} threads", th.t.size(), n));
  Errors e;
  const int fds[2] = {b.fd, a.fd};
  const int flag = static_cast<int>(k.flag);
  uint64_t i = 0;
  for (auto _ : st) {
    e.check(setns_(fds[i & 1], flag), "setns");
    ++i;
  }
  if (i & 1) e.check(setns_(a.fd, flag), "setns (restore)");
  if (self_ns_ino(k.name) != ia) return fail(st, "not back in the sandbox's namespace");
  if (!e.finish(st, i)) return;
  st.counters["threads"] = n + 1;
  st.SetComplexityN(n + 1);
  st.SetLabel("round trip, per call, with that many threads in the process");
}

}  // namespace

void release_growth() {
  for (auto& [n, m] : g_mount_ns) {
    if (m.base >= 0) close(m.base);
    if (m.copy >= 0) close(m.copy);
  }
  g_mount_ns.clear();
  for (int fd : g_netns)
    if (fd >= 0) close(fd);
  g_netns.clear();
}

void register_growth(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  std::vector<int64_t> mounts = c.quick ? std::vector<int64_t>{1, 10, 100} : std::vector<int64_t>{1, 10, 100, 1000, 10000};
  std::vector<int64_t> netns = c.quick ? std::vector<int64_t>{1, 10} : std::vector<int64_t>{1, 10, 100, 1000};
  std::vector<int64_t> threads = c.quick ? std::vector<int64_t>{0, 10} : std::vector<int64_t>{0, 1, 10, 100, 1000};
  auto* b = add("growth/unshare_mnt", BM_unshare_mnt_mounts)->ArgName("added_mounts")->UseRealTime()->MinTime(t);
  for (auto n : mounts) b->Arg(n);
  b = add("growth/setns_mnt", BM_setns_mnt_mounts)->ArgName("added_mounts")->UseRealTime()->MinTime(t);
  for (auto n : mounts) b->Arg(n);
  b = add("growth/netns_create", BM_netns_create)->ArgName("netns")->UseRealTime()->MinTime(t);
  for (auto n : netns) b->Arg(n);
  for (const char* ty : {"uts", "net"}) {
    const NsKind& k = *ns_kind(ty);
    b = add(std::string("growth/setns_threads/") + ty, [&k](State& st) { BM_setns_threads(st, k); })
            ->ArgName("extra_threads")->UseRealTime()->MinTime(t);
    for (auto n : threads) b->Arg(n);
  }
}

}  // namespace nssim::bench
