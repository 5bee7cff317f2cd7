// The model's costs (sim/, tracing off), named like the kernel cases so the
// report can put each next to the kernel's figure from the same run:
// per call (sim/setns/uts <-> kernel/setns/uts, ...), where the time goes
// (sim/breakdown/*), how it scales to 10^6 tasks and 10^5 namespaces
// (sim_scale/*: time per step and heap bytes per task, measured with
// mallinfo2 and a counting operator new, never estimated), and a 10^6-step
// scenario replayed by the Runner without printing (sim/replay).
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/alloc_count.h"
#include "bench/bench_util.h"
#include "sim/kernel.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace nssim::bench {
namespace {

using benchmark::State;

template <class R>
inline void ck(Errors& e, const R& r, const char* what) {
  if (!r) [[unlikely]] {
    errno = r.error().code;
    e.record(what);
  }
}

Link link_of(const NsKind& k, bool for_children = false) {
  std::string_view n = k.name;
  if (n == "pid") return for_children ? Link::PidForChildren : Link::Pid;
  if (n == "time") return for_children ? Link::TimeForChildren : Link::Time;
  return *link_from_name(n);
}

// Allocation counters per iteration, added to every sim case.
struct AllocScope {
  AllocCount a0 = alloc_count();
  void report(State& st, uint64_t calls) const {
    AllocCount a1 = alloc_count();
    if (calls == 0) return;
    st.counters["allocs_per_call"] = static_cast<double>(a1.allocs - a0.allocs) / static_cast<double>(calls);
    st.counters["bytes_alloc_per_call"] = static_cast<double>(a1.bytes - a0.bytes) / static_cast<double>(calls);
  }
};

// ---- per call --------------------------------------------------------------
void BM_sim_sethostname(State& st) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  AllocScope as;
  for (auto _ : st) ck(e, k.sys_sethostname(init, "nssim-bench"), "sethostname");
  as.report(st, st.iterations());
  e.finish(st, st.iterations());
}

void BM_sim_open_close(State& st) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  AllocScope as;
  for (auto _ : st) {
    auto fd = k.sys_open_nsfs(init, init, Link::Net);
    ck(e, fd, "open");
    if (fd) ck(e, k.sys_close(init, *fd), "close");
  }
  as.report(st, st.iterations());
  e.finish(st, st.iterations());
}

void BM_sim_pidfd_open_close(State& st) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  AllocScope as;
  for (auto _ : st) {
    auto fd = k.sys_pidfd_open(init, init, 0);
    ck(e, fd, "pidfd_open");
    if (fd) ck(e, k.sys_close(init, *fd), "close");
  }
  as.report(st, st.iterations());
  e.finish(st, st.iterations());
}

// setns round trip between init's namespace and a holder task's, per call.
void BM_sim_setns(State& st, const NsKind& kd) {
  Kernel k;
  Task* init = k.init_task();
  auto h = k.sys_clone3(init, kd.flag, "holder");
  if (!h) return fail(st, "model clone3: " + errno_name(h.error()));
  auto fa = k.sys_open_nsfs(init, init, link_of(kd, true));
  auto fb = k.sys_open_nsfs(init, *h, link_of(kd));
  if (!fa || !fb) return fail(st, "model open");
  const NsCommon* b = k.ns_of_link(*h, link_of(kd));
  Errors e;
  ck(e, k.sys_setns(init, *fb, kd.flag), "untimed setns(B)");
  if (k.ns_of_link(init, link_of(kd, true)) != b) return fail(st, "untimed check: model setns did not enter B");
  ck(e, k.sys_setns(init, *fa, kd.flag), "untimed setns(A)");
  const int fds[2] = {*fb, *fa};
  uint64_t i = 0;
  AllocScope as;
  for (auto _ : st) {
    ck(e, k.sys_setns(init, fds[i & 1], kd.flag), "setns");
    ++i;
  }
  as.report(st, i);
  if (!e.finish(st, i)) return;
  st.SetLabel("round trip A<->B, time per call");
}

// Calls a task can make once (setns into a child user namespace, unshare of
// a user or pid namespace): each of a batch of fresh child tasks makes it
// once; only the calls are timed (one clock pair per batch of 64). An
// iteration is a batch; its time is set per call. Register with a fixed
// iteration count: the untimed part is ~100x the timed one.
template <class Prepare, class Call>
void batch_once(State& st, Kernel& k, Prepare prepare, Call call, const char* what) {
  constexpr int kBatch = 64;
  Task* init = k.init_task();
  Errors e;
  std::vector<Task*> kids(kBatch);
  uint64_t calls = 0, allocs = 0, bytes = 0;
  for (auto _ : st) {
    for (int j = 0; j < kBatch; ++j) {
      auto c = k.sys_clone(init, 0, "c");
      ck(e, c, "clone");
      kids[j] = c ? *c : nullptr;
      if (kids[j]) prepare(kids[j]);
    }
    AllocCount a0 = alloc_count();
    int64_t t0 = now_ns();
    for (int j = 0; j < kBatch; ++j)
      if (kids[j]) ck(e, call(kids[j]), what);
    int64_t t1 = now_ns();
    AllocCount a1 = alloc_count();
    allocs += a1.allocs - a0.allocs;
    bytes += a1.bytes - a0.bytes;
    calls += kBatch;
    for (Task* c : kids)
      if (c) {
        k.sys_exit(c, 0);
        ck(e, k.sys_wait4(init, c), "wait4");
      }
    st.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9 / kBatch);
  }
  st.counters["allocs_per_call"] = static_cast<double>(allocs) / static_cast<double>(calls ? calls : 1);
  st.counters["bytes_alloc_per_call"] = static_cast<double>(bytes) / static_cast<double>(calls ? calls : 1);
  e.finish(st, calls);
}

void BM_sim_setns_user(State& st) {
  Kernel k;
  Task* init = k.init_task();
  auto h = k.sys_clone3(init, CLONE_NEWUSER, "holder");
  if (!h) return fail(st, "model clone3(CLONE_NEWUSER): " + errno_name(h.error()));
  auto fu = k.sys_open_nsfs(init, *h, Link::User);
  if (!fu) return fail(st, "model open user");
  int fd = *fu;  // inherited by each child at the same number
  batch_once(st, k, [](Task*) {}, [&](Task* c) { return k.sys_setns(c, fd, CLONE_NEWUSER); }, "setns");
  st.SetLabel("one way, per call (a fresh task enters once)");
}

void BM_sim_unshare(State& st, const NsKind& kd) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  const uint64_t flag = kd.flag;
  ck(e, k.sys_unshare(init, flag), "untimed unshare");
  AllocScope as;
  for (auto _ : st) ck(e, k.sys_unshare(init, flag), "unshare");
  as.report(st, st.iterations());
  if (!e.finish(st, st.iterations())) return;
  st.SetLabel("repeated by one task (each drops the previous namespace)");
}

void BM_sim_unshare_once(State& st, uint64_t flag) {
  Kernel k;
  batch_once(st, k, [](Task*) {}, [&](Task* c) { return k.sys_unshare(c, flag); }, "unshare");
  st.SetLabel("once per fresh task, per call");
}

void BM_sim_clone3(State& st, uint64_t flags) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  AllocScope as;
  for (auto _ : st) {
    auto c = k.sys_clone3(init, flags, "c");
    ck(e, c, "clone3");
    if (c) {
      k.sys_exit(*c, 0);
      auto w = k.sys_wait4(init, *c);
      ck(e, w, "wait4");
      if (w && !*w) e.record("wait4 did not reap");
    }
  }
  as.report(st, st.iterations());
  if (!e.finish(st, st.iterations())) return;
  st.SetLabel("clone3 + exit + wait4");
}

const NsKind* const kOrder[] = {ns_kind("uts"), ns_kind("ipc"),  ns_kind("cgroup"), ns_kind("net"),
                                ns_kind("pid"), ns_kind("mnt"), ns_kind("time")};

void BM_sim_setns_k(State& st, bool pidfd) {
  const int kk = static_cast<int>(st.range(0));
  Kernel k;
  Task* init = k.init_task();
  uint64_t all = 0, flags = 0;
  for (int j = 0; j < 7; ++j) {
    all |= kOrder[j]->flag;
    if (j < kk) flags |= kOrder[j]->flag;
  }
  auto hb = k.sys_clone3(init, all, "hb");
  auto ha = k.sys_clone3(init, 0, "ha");
  if (!hb || !ha) return fail(st, "model clone3");
  Errors e;
  uint64_t i = 0, calls = 0;
  AllocScope as;
  if (pidfd) {
    auto pb = k.sys_pidfd_open(init, *hb, 0), pa = k.sys_pidfd_open(init, *ha, 0);
    if (!pb || !pa) return fail(st, "model pidfd_open");
    const int fds[2] = {*pb, *pa};
    for (auto _ : st) {
      ck(e, k.sys_setns(init, fds[i & 1], flags), "setns(pidfd)");
      ++i;
    }
    calls = i;
  } else {
    std::vector<int> to[2];
    std::vector<uint64_t> fl;
    for (int j = 0; j < kk; ++j) {
      auto b = k.sys_open_nsfs(init, *hb, link_of(*kOrder[j]));
      auto a = k.sys_open_nsfs(init, init, link_of(*kOrder[j], true));
      if (!a || !b) return fail(st, "model open");
      to[0].push_back(*b);
      to[1].push_back(*a);
      fl.push_back(kOrder[j]->flag);
    }
    for (auto _ : st) {
      const std::vector<int>& f = to[i & 1];
      for (int j = 0; j < kk; ++j) ck(e, k.sys_setns(init, f[j], fl[j]), "setns");
      ++i;
    }
    calls = i * static_cast<uint64_t>(kk);
  }
  as.report(st, i);
  if (!e.finish(st, calls)) return;
  st.counters["k"] = kk;
}

// ---- where the time goes ---------------------------------------------------------
// prepare_nsset() copies the caller's nsproxy (create_new_namespaces(0)) on
// every setns; this is that copy and its put, alone.
void BM_sim_breakdown_nsproxy_copy(State& st) {
  Kernel k;
  Task* init = k.init_task();
  Errors e;
  AllocScope as;
  for (auto _ : st) {
    auto r = k.create_new_namespaces(0, init, init->cred->user_ns, init->fs, init);
    ck(e, r, "create_new_namespaces");
    if (r) k.put_nsproxy(*r);
  }
  as.report(st, st.iterations());
  e.finish(st, st.iterations());
  st.SetLabel("create_new_namespaces(0) + put_nsproxy: the nsproxy copy of every setns and unshare");
}

// The refcount work of that copy without any string: a new NsProxy in a
// registry, a reference on each of its eight slots, then all dropped again.
// What the copy would cost if names were built only when tracing.
void BM_sim_breakdown_nsproxy_floor(State& st) {
  Kernel k;
  const NsProxy* src = k.init_task()->nsproxy;
  ObjectRegistry reg;
  uint32_t id = 0;
  AllocScope as;
  for (auto _ : st) {
    auto* p = new NsProxy(reg, ++id);
    NsCommon* slots[8] = {src->mnt_ns, src->uts_ns, src->ipc_ns, src->pid_ns_for_children,
                          src->cgroup_ns, src->net_ns, src->time_ns, src->time_ns_for_children};
    for (NsCommon* ns : slots) ns->get();
    p->mnt_ns = src->mnt_ns;
    p->uts_ns = src->uts_ns;
    p->ipc_ns = src->ipc_ns;
    p->pid_ns_for_children = src->pid_ns_for_children;
    p->cgroup_ns = src->cgroup_ns;
    p->net_ns = src->net_ns;
    p->time_ns = src->time_ns;
    p->time_ns_for_children = src->time_ns_for_children;
    benchmark::DoNotOptimize(p);
    for (NsCommon* ns : slots) (void)ns->put();
    (void)p->put();
    delete p;
  }
  as.report(st, st.iterations());
  st.SetLabel("new NsProxy + 8 get + 8 put + delete, no strings");
}

// The objects a modelled plain fork allocates (task, cred, struct pid; an
// empty private files table and a private fs are left implicit), allocated
// and freed from their pools, nothing else.
void BM_sim_breakdown_fork_floor(State& st) {
  uint32_t id = 0;
  AllocScope as;
  for (auto _ : st) {
    auto* t = new Task;
    auto* c = new Cred(++id);
    auto* p = new Pid(id);
    p->numbers.resize(1);
    p->numbers[0] = PidNumber{id, nullptr};
    benchmark::DoNotOptimize(t);
    (void)c->put();
    (void)p->put();
    delete p;
    delete c;
    delete t;
  }
  as.report(st, st.iterations());
  st.SetLabel("new + delete of task, cred, pid from their pools");
}

// The strings the model builds even with tracing off: an "nsproxy#N" name
// and one "nsproxy#N.slot" per reference it takes or drops.
void BM_sim_breakdown_names(State& st) {
  uint32_t id = 12345;
  for (auto _ : st) {
    std::string n = fmt::format("nsproxy#{}", id++);
    std::string a = n + ".uts";
    std::string b = n + ".pid_for_children";
    benchmark::DoNotOptimize(a.data());
    benchmark::DoNotOptimize(b.data());
  }
  st.SetLabel("fmt::format(\"nsproxy#{}\") + two slot names (what one get/put pair builds untraced)");
}

void BM_sim_breakdown_malloc(State& st) {
  for (auto _ : st) {
    void* p = ::operator new(128);
    benchmark::DoNotOptimize(p);
    ::operator delete(p);
  }
  st.SetLabel("operator new + delete of 128 bytes (one model object)");
}

// sizeof and the heap footprint (malloc_usable_size) of each object a fork
// allocates; one iteration.
void BM_sim_object_sizes(State& st) {
  Kernel k;
  Task* init = k.init_task();
  auto c = k.sys_clone(init, 0, "t");
  if (!c) return fail(st, "model clone");
  Task* t = *c;
  for (auto _ : st) {
  }
  // Pooled objects (sim/pool.h) live in slabs: no per-object malloc header,
  // so their footprint is their sizeof. The rest are plain heap objects.
  auto put = [&](const char* n, size_t sz) { st.counters[std::string("sizeof_") + n] = static_cast<double>(sz); };
  (void)t;
  put("Task", sizeof(Task));
  put("Cred", sizeof(Cred));
  put("Pid", sizeof(Pid));
  put("FilesStruct", sizeof(FilesStruct));
  put("FsStruct", sizeof(FsStruct));
  put("NsProxy", sizeof(NsProxy));
  put("PidNumber", sizeof(PidNumber));
  put("UtsNamespace", sizeof(UtsNamespace));
  put("NetNamespace", sizeof(NetNamespace));
  put("PidNamespace", sizeof(PidNamespace));
  put("UserNamespace", sizeof(UserNamespace));
  put("MntNamespace", sizeof(MntNamespace));
  put("File", sizeof(File));
  st.SetLabel("bytes (Task, Cred, Pid, NsProxy, File, FilesStruct, FsStruct are pooled: no malloc header)");
}

// ---- scaling ----------------------------------------------------------------------
// A model with `n` live tasks. Flat: children of init (a scenario where
// init forks everything). Tree: at most 1000 children per task.
struct Population {
  std::unique_ptr<Kernel> k;
  int64_t n = -1;
  bool tree = false;
  uint64_t ns_flags = 0;
  double bytes_per_task = 0, allocs_per_task = 0, ns_per_clone = 0;
};

Population g_pop;

// The model's memory: the heap without the pools' slabs, plus the pool slots
// of live objects (slabs stay warm across cases; see sim/pool.h).
size_t model_bytes_in_use() { return heap_in_use() - PoolStats::slab_bytes + PoolStats::live_bytes; }

void drop_population() {
  g_pop.k.reset();
  g_pop.n = -1;
  malloc_trim(0);
}

Population& population(int64_t n, bool tree, uint64_t ns_flags, Errors& e) {
  Population& p = g_pop;
  if (p.n == n && p.tree == tree && p.ns_flags == ns_flags) return p;
  drop_population();
  size_t h0 = model_bytes_in_use();
  AllocCount a0 = alloc_count();
  int64_t t0 = now_ns();
  p.k = std::make_unique<Kernel>();
  Task* init = p.k->init_task();
  std::vector<Task*> parents{init};
  size_t pi = 0, kids_of_current = 0;
  for (int64_t i = 1; i < n; ++i) {
    Task* parent = init;
    if (tree) {
      if (kids_of_current == 1000) ++pi, kids_of_current = 0;
      parent = parents[pi];
      ++kids_of_current;
    }
    auto c = p.k->sys_clone(parent, ns_flags, "t");
    ck(e, c, "clone");
    if (c && tree) parents.push_back(*c);
  }
  int64_t t1 = now_ns();
  parents = {};
  size_t h1 = model_bytes_in_use();
  AllocCount a1 = alloc_count();
  p.n = n;
  p.tree = tree;
  p.ns_flags = ns_flags;
  double m = static_cast<double>(n > 1 ? n - 1 : 1);
  p.bytes_per_task = (static_cast<double>(h1) - static_cast<double>(h0)) / m;
  p.allocs_per_task = static_cast<double>(a1.allocs - a0.allocs) / m;
  p.ns_per_clone = static_cast<double>(t1 - t0) / m;
  return p;
}

void BM_scale_fork_exit_wait(State& st, bool tree) {
  Errors e;
  Population& p = population(st.range(0), tree, 0, e);
  Kernel& k = *p.k;
  Task* init = k.init_task();
  AllocScope as;
  for (auto _ : st) {
    auto c = k.sys_clone(init, 0, "c");
    ck(e, c, "clone");
    if (c) {
      k.sys_exit(*c, 0);
      ck(e, k.sys_wait4(init, *c), "wait4");
    }
  }
  as.report(st, st.iterations());
  if (!e.finish(st, st.iterations())) return;
  st.counters["tasks"] = static_cast<double>(st.range(0));
  st.counters["heap_bytes_per_task"] = p.bytes_per_task;
  st.counters["allocs_per_task"] = p.allocs_per_task;
  st.counters["ns_per_clone_building"] = p.ns_per_clone;
  st.SetComplexityN(st.range(0));
  st.SetLabel(tree ? "fork+exit+wait by init, tasks in a tree (<= 1000 children each)"
                   : "fork+exit+wait by init, every task a child of init");
}

// M live namespaces: M-1 tasks each made with clone(CLONE_NEWNET) (a net
// namespace and an nsproxy each), children of init.
void BM_scale_ns(State& st, int what) {
  Errors e;
  Population& p = population(st.range(0), false, CLONE_NEWNET, e);
  Kernel& k = *p.k;
  Task* init = k.init_task();
  uint64_t i = 0;
  AllocScope as;
  if (what == 0) {  // setns(net) round trip
    auto h = k.sys_clone3(init, CLONE_NEWNET, "holder");
    if (!h) return fail(st, "model clone3");
    auto fa = k.sys_open_nsfs(init, init, Link::Net), fb = k.sys_open_nsfs(init, *h, Link::Net);
    if (!fa || !fb) return fail(st, "model open");
    const int fds[2] = {*fb, *fa};
    for (auto _ : st) {
      ck(e, k.sys_setns(init, fds[i & 1], CLONE_NEWNET), "setns");
      ++i;
    }
    if (i & 1) ck(e, k.sys_setns(init, *fa, CLONE_NEWNET), "setns");
    k.sys_exit(*h, 0);
    ck(e, k.sys_wait4(init, *h), "wait4");
    ck(e, k.sys_close(init, *fa), "close");
    ck(e, k.sys_close(init, *fb), "close");
    st.SetLabel("setns(net) round trip, per call");
  } else {  // unshare(CLONE_NEWNET) repeated: allocates an inode number each time
    Task* c = nullptr;
    if (auto r = k.sys_clone(init, 0, "u"); r) c = *r;
    if (!c) return fail(st, "model clone");
    for (auto _ : st) {
      ck(e, k.sys_unshare(c, CLONE_NEWNET), "unshare");
      ++i;
    }
    k.sys_exit(c, 0);
    ck(e, k.sys_wait4(init, c), "wait4");
    st.SetLabel("unshare(CLONE_NEWNET) repeated (proc_alloc_inum + a new nsproxy each)");
  }
  as.report(st, i);
  if (!e.finish(st, i)) return;
  st.counters["namespaces"] = static_cast<double>(st.range(0));
  st.counters["heap_bytes_per_task_with_netns"] = p.bytes_per_task;
  st.SetComplexityN(st.range(0));
}

// The model after n tasks have been created and reaped (a long trace): does
// a step still cost the same? clone3(CLONE_NEWPID)+exit+wait makes its child
// init of a pid namespace, whose exit runs find_new_reaper() and
// zap_pid_ns_processes(); a plain fork+exit+wait is the control.
void BM_scale_history(State& st, uint64_t flags) {
  const int64_t n = st.range(0);
  Errors e;
  drop_population();
  auto k = std::make_unique<Kernel>();  // fresh for every run: the loop below grows the table too
  {
    Task* init = k->init_task();
    for (int64_t i = 0; i < n; ++i) {
      auto c = k->sys_clone(init, 0, "h");
      ck(e, c, "clone");
      if (!c) break;
      k->sys_exit(*c, 0);
      ck(e, k->sys_wait4(init, *c), "wait4");
    }
  }
  Task* init = k->init_task();
  uint64_t i = 0;
  for (auto _ : st) {
    auto c = k->sys_clone3(init, flags, "c");
    ck(e, c, "clone3");
    if (c) {
      k->sys_exit(*c, 0);
      ck(e, k->sys_wait4(init, *c), "wait4");
    }
    ++i;
  }
  if (!e.finish(st, i)) return;
  st.counters["reaped_before"] = static_cast<double>(n);
  // The loop adds a slot per iteration: the mean table size it ran with.
  st.counters["mean_task_slots"] = static_cast<double>(k->task_slots()) - static_cast<double>(i) / 2;
  st.SetComplexityN(n);
  st.SetLabel(flags ? "clone3(CLONE_NEWPID)+exit+wait after n tasks were reaped"
                    : "fork+exit+wait after n tasks were reaped");
}

// Heap bytes per task held by the model at n tasks (one iteration: building
// the population is what is timed, per task).
void BM_scale_memory(State& st, uint64_t ns_flags) {
  Errors e;
  Population* p = nullptr;
  for (auto _ : st) {
    drop_population();  // a fresh build, so the heap delta is this population's
    p = &population(st.range(0), false, ns_flags, e);
    st.SetIterationTime(p->ns_per_clone * 1e-9);
  }
  if (!e.finish(st, static_cast<uint64_t>(st.range(0)))) return;
  st.counters["tasks"] = static_cast<double>(st.range(0));
  st.counters["heap_bytes_per_task"] = p->bytes_per_task;
  st.counters["allocs_per_task"] = p->allocs_per_task;
  st.SetLabel(ns_flags ? "time per clone(CLONE_NEWNET) while building; heap bytes per task incl. its net ns + nsproxy"
                       : "time per clone(0) while building; heap bytes per live task");
}

// ---- the Runner --------------------------------------------------------------------
// A scenario of `steps` statements: a preamble, then blocks of ten that make
// and reap a task with new uts+net namespaces, enter and leave its net
// namespace, rename it, unshare ipc, and check one expectation.
std::string make_scenario(int64_t steps) {
  std::string s = "init: open(\"/proc/self/ns/net\") -> f0\n";
  s.reserve(static_cast<size_t>(steps) * 40);
  int64_t n = 1;
  static const char* block[] = {
      "init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b\n",
      "b: sethostname(\"b\")\n",
      "init: open(\"/proc/b/ns/net\") -> f\n",
      "init: setns(f, CLONE_NEWNET)\n",
      "expect init.net == b.net\n",
      "init: setns(f0, CLONE_NEWNET)\n",
      "init: close(f)\n",
      "init: unshare(CLONE_NEWIPC)\n",
      "b: exit(0)\n",
      "init: wait(b) = b\n",
  };
  for (int i = 0; n < steps; i = (i + 1) % 10, ++n) s += block[i];
  return s;
}

// Thrown from the sink to stop a replay that overruns its time budget.
struct ReplayBudget {};
constexpr double kReplayBudgetS = 10;

// One replay per iteration (parse timed apart). A replay still running after
// kReplayBudgetS is stopped and reported with the steps it got through
// (counters steps_done, finished = 0): the suite must end in minutes even
// when a model change makes replay slow, and how far it got is the figure.
void BM_sim_replay(State& st) {
  const int64_t steps = st.range(0);
  drop_population();
  static std::string text;
  static int64_t text_steps = -1;
  if (text_steps != steps) text = make_scenario(steps), text_steps = steps;
  double parse_s = 0, peak_mb = 0;
  int64_t done = 0;
  bool finished = true;
  Errors e;
  for (auto _ : st) {
    size_t h0 = model_bytes_in_use();
    int64_t t0 = now_ns();
    ParseResult pr = parse_scenario(text, "replay.nss");
    int64_t t1 = now_ns();
    if (!pr.ok()) {
      fail(st, "parse: " + pr.errors[0].message);
      return;
    }
    size_t h1 = model_bytes_in_use();
    Runner::Options opt;
    opt.trace = false;
    opt.observe = false;  // a replay without printing has no use for /proc views
    Runner r(pr.scenario, opt);
    int64_t t2 = now_ns();
    const int64_t deadline = t2 + static_cast<int64_t>(kReplayBudgetS * 1e9);
    done = 0;
    try {
      RunSummary sum = r.run([&](const StepRecord&) {
        if ((++done & 1023) == 0 && now_ns() > deadline) throw ReplayBudget{};
      });
      if (!sum.ok()) e.record(sum.error ? "run error" : "expectation failed");
      if (sum.steps != steps) e.record("not every step ran");
      finished = true;
    } catch (const ReplayBudget&) {
      finished = false;
    }
    int64_t t3 = now_ns();
    parse_s = static_cast<double>(t1 - t0) * 1e-9;
    peak_mb = static_cast<double>(h1 - h0) / 1e6;
    st.SetIterationTime(static_cast<double>(t3 - t2) * 1e-9);
  }
  if (!e.finish(st, 1)) return;
  st.counters["steps"] = static_cast<double>(steps);
  st.counters["steps_done"] = static_cast<double>(done);
  st.counters["finished"] = finished ? 1 : 0;
  st.counters["parse_s"] = parse_s;
  st.counters["parsed_scenario_MB"] = peak_mb;
  st.SetLabel(finished ? "Runner::run without printing (parse timed apart: parse_s)"
                       : fmt::format("stopped after {:.0f} s at step {} of {}", kReplayBudgetS, done, steps));
}

// Runner time per step with n named tasks alive: Runner::run observes every
// named task after every call.
void BM_runner_step_named(State& st) {
  const int64_t n = st.range(0);
  constexpr int kSteps = 500;
  std::string s;
  for (int64_t i = 0; i < n; ++i) s += fmt::format("init: clone(0) -> t{}\n", i);
  for (int i = 0; i < kSteps; ++i) s += "init: sethostname(\"x\")\n";
  ParseResult pr = parse_scenario(s, "named.nss");
  if (!pr.ok()) return fail(st, "parse");
  for (auto _ : st) {
    Runner::Options opt;
    opt.trace = false;
    Runner r(pr.scenario, opt);
    int64_t t_mark = 0, t_end = 0;
    int64_t idx = 0;
    r.run([&](const StepRecord&) {
      ++idx;
      if (idx == n) t_mark = now_ns();
      t_end = now_ns();
    });
    if (n == 0) t_mark = t_end;  // unreachable for n >= 1
    st.SetIterationTime(static_cast<double>(t_end - t_mark) * 1e-9 / kSteps);
  }
  st.counters["named_tasks"] = static_cast<double>(n);
  st.SetComplexityN(n);
  st.SetLabel("time per sethostname step through Runner::run");
}

}  // namespace

void register_sim(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  add("sim/sethostname", BM_sim_sethostname)->MinTime(t);
  add("sim/open_close_nsfs", BM_sim_open_close)->MinTime(t);
  add("sim/pidfd_open_close", BM_sim_pidfd_open_close)->MinTime(t);
  for (auto& k : kNsKinds) {
    std::string n = std::string("sim/setns/") + k.name;
    if (std::string_view(k.name) == "user")
      add(n, BM_sim_setns_user)->UseManualTime()->Iterations(c.quick ? 20 : 1000);
    else
      add(n, [&k](State& st) { BM_sim_setns(st, k); })->MinTime(t);
  }
  add("sim/setns_pidfd", [](State& st) { BM_sim_setns_k(st, true); })->ArgName("k")->DenseRange(1, 7)->MinTime(t);
  add("sim/setns_nsfs_k", [](State& st) { BM_sim_setns_k(st, false); })->ArgName("k")->DenseRange(1, 7)->MinTime(t);
  for (auto& k : kNsKinds) {
    std::string_view nm = k.name;
    std::string n = std::string("sim/unshare/") + k.name;
    if (nm == "user" || nm == "pid")
      add(n, [&k](State& st) { BM_sim_unshare_once(st, k.flag); })->UseManualTime()->Iterations(c.quick ? 20 : 1000);
    else
      add(n, [&k](State& st) { BM_sim_unshare(st, k); })->MinTime(t);
  }
  add("sim/clone3/none", [](State& st) { BM_sim_clone3(st, 0); })->MinTime(t);
  uint64_t all = 0;
  for (auto& k : kNsKinds) {
    all |= k.flag;
    add(std::string("sim/clone3/") + k.name, [&k](State& st) { BM_sim_clone3(st, k.flag); })->MinTime(t);
  }
  add("sim/clone3/all", [all](State& st) { BM_sim_clone3(st, all); })->MinTime(t);

  add("sim/breakdown/nsproxy_copy", BM_sim_breakdown_nsproxy_copy)->MinTime(t);
  add("sim/breakdown/nsproxy_copy_floor", BM_sim_breakdown_nsproxy_floor)->MinTime(t);
  add("sim/breakdown/fork_floor", BM_sim_breakdown_fork_floor)->MinTime(t);
  add("sim/breakdown/names", BM_sim_breakdown_names)->MinTime(t);
  add("sim/breakdown/malloc", BM_sim_breakdown_malloc)->MinTime(t);
  add("sim/object_sizes", BM_sim_object_sizes)->Iterations(1)->Repetitions(1);

  std::vector<int64_t> tasks = c.quick ? std::vector<int64_t>{1, 1000, 10000}
                                       : std::vector<int64_t>{1, 1000, 10000, 100000, 1000000};
  std::vector<int64_t> nss = c.quick ? std::vector<int64_t>{10, 1000} : std::vector<int64_t>{10, 1000, 10000, 100000};
  auto* b = add("sim_scale/fork_exit_wait/flat", [](State& st) { BM_scale_fork_exit_wait(st, false); })
                ->ArgName("tasks")->MinTime(t);
  for (auto n : tasks) b->Arg(n);
  b = add("sim_scale/fork_exit_wait/tree", [](State& st) { BM_scale_fork_exit_wait(st, true); })
          ->ArgName("tasks")->MinTime(t);
  for (auto n : tasks) b->Arg(n);
  b = add("sim_scale/setns_net", [](State& st) { BM_scale_ns(st, 0); })->ArgName("namespaces")->MinTime(t);
  for (auto n : nss) b->Arg(n);
  b = add("sim_scale/unshare_net", [](State& st) { BM_scale_ns(st, 1); })->ArgName("namespaces")->MinTime(t);
  for (auto n : nss) b->Arg(n);
  for (uint64_t fl : {uint64_t{0}, uint64_t{CLONE_NEWPID}}) {
    b = add(fl ? "sim_scale/history/clone3_newpid" : "sim_scale/history/fork",
            [fl](State& st) { BM_scale_history(st, fl); })
            ->ArgName("reaped")->Iterations(c.quick ? 200 : 2000)->Repetitions(c.quick ? 1 : 3);
    for (auto n : tasks) b->Arg(n == 1 ? 0 : n);
  }
  b = add("sim_scale/memory/tasks", [](State& st) { BM_scale_memory(st, 0); })
          ->ArgName("tasks")->UseManualTime()->Iterations(1)->Repetitions(c.quick ? 1 : 3);
  for (auto n : tasks) b->Arg(n);
  b = add("sim_scale/memory/netns", [](State& st) { BM_scale_memory(st, CLONE_NEWNET); })
          ->ArgName("namespaces")->UseManualTime()->Iterations(1)->Repetitions(c.quick ? 1 : 3);
  for (auto n : nss) b->Arg(n);
  b = add("sim_scale/runner_step", BM_runner_step_named)
          ->ArgName("named_tasks")->UseManualTime()->Iterations(3)->Repetitions(c.quick ? 1 : 3);
  for (auto n : c.quick ? std::vector<int64_t>{1, 100} : std::vector<int64_t>{1, 10, 100, 1000}) b->Arg(n);
  b = add("sim/replay", BM_sim_replay)
          ->ArgName("steps")->UseManualTime()->Iterations(1)->Repetitions(c.quick ? 1 : 3);
  for (auto n : c.quick ? std::vector<int64_t>{20000} : std::vector<int64_t>{10000, 100000, 1000000}) b->Arg(n);
}

}  // namespace nssim::bench
