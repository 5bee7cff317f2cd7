// The BPF kernel introspection (real/kernel_introspect.h) on the live kernel:
// nsproxy sharing and count, namespace refcounts and what changes them, owner
// and parent chains, the files that pin namespaces. Every number is the
// kernel's; the tests set up private namespaces so that other processes on the
// machine cannot change what they measure. Skipped, with the reason, where BPF
// is not available (not root, no BTF, nssim built without BPF).
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "real/kernel_check.h"
#include "tests/bundled.h"
#include "real/kernel_introspect.h"
#include "real/real_backend.h"
#include "sim/runner.h"

namespace nssim::real {
namespace {

using nssim::testing::IntrospectionLock;

#define SKIP_WITHOUT_BPF()                                                             \
  IntrospectionLock introspection_lock;                                                \
  do {                                                                                 \
    if (std::string why = bpf_unavailable_reason(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

uint32_t inum_of(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}
uint32_t inum_of(int pid, std::string_view link) {
  return inum_of("/proc/" + std::to_string(pid) + "/ns/" + std::string(link));
}

// A child process that runs `setup` (0 = success, else an error code it
// exits with), reports, and then waits until the test releases it.
class Child {
 public:
  explicit Child(std::function<int()> setup) {
    int ready[2], hold[2];
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe(hold) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(ready[0]);
      close(hold[1]);
      int rc = setup();
      char c = static_cast<char>(rc);
      if (write(ready[1], &c, 1) != 1) _exit(99);
      if (rc != 0) _exit(rc);
      while (read(hold[0], &c, 1) > 0) {
      }
      _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    hold_ = hold[1];
    char c = 1;
    ok_ = read(ready[0], &c, 1) == 1 && c == 0;
    close(ready[0]);
  }
  ~Child() { release(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool ok() const { return pid_ > 0 && ok_; }
  int pid() const { return pid_; }
  // Lets it exit and reaps it.
  void release() {
    if (hold_ >= 0) close(hold_);
    hold_ = -1;
    if (pid_ > 0) waitpid(pid_, nullptr, __WALL);
    pid_ = -1;
  }

 private:
  int pid_ = -1;
  int hold_ = -1;
  bool ok_ = false;
};

// A Child's setup: unshare(flags), then fork a process that lives until this
// one dies (a second task in the new namespaces). 0; 2 if unshare() failed, 3
// if fork() did.
int unshare_and_fork(int flags) {
  if (unshare(flags) != 0) return 2;
  pid_t c = fork();
  if (c == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pause();
    _exit(0);
  }
  return c > 0 ? 0 : 3;
}

KSnapshot snap(bool files = false) {
  std::string err;
  auto k = bpf_snapshot(err, files);
  EXPECT_TRUE(k.has_value()) << err;
  return k ? *k : KSnapshot{};
}

// Tasks whose nsproxy is `id`.
int tasks_sharing(const KSnapshot& k, uint64_t id) {
  int n = 0;
  for (auto& t : k.tasks) n += t.nsproxy_id == id;
  return n;
}

TEST(Bpf, AvailableAsRootOrSaysWhyNot) {
  std::string why = bpf_unavailable_reason();
  if (geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0 && why.find("built without") == std::string::npos)
    EXPECT_EQ(why, "");
  else
    EXPECT_NE(why, "");
}

TEST(Bpf, EveryLinkMatchesProc) {
  SKIP_WITHOUT_BPF();
  KSnapshot k = snap();
  const KTaskNs* me = k.task(getpid());
  ASSERT_NE(me, nullptr);
  EXPECT_EQ(me->tgid, getpid());
  for (Link l : kAllLinks)
    EXPECT_EQ(me->link(l).inum, inum_of(std::string("/proc/self/ns/") + std::string(link_name(l)))) << link_name(l);
  EXPECT_NE(me->nsproxy_id, 0u);
  // Every namespace a task reaches is reported, with a refcount.
  for (Link l : kAllLinks) {
    const KNs* n = k.ns(me->link(l).inum);
    ASSERT_NE(n, nullptr) << link_name(l);
    EXPECT_EQ(n->type, link_type(l));
    EXPECT_GE(n->refs, 1u);
    EXPECT_NE(n->refs, kRefsUnknown);
  }
  EXPECT_EQ(k.dropped, 0u);
}

// What the task pass reports of a task's /proc status (so a snapshot reads no
// per-task /proc file) is what /proc shows: for a task that is pid 1 of a new
// pid namespace (NSpid has two numbers), with distinct real/effective/saved/fs
// ids (setresuid drops its capabilities) and asleep.
TEST(Bpf, StatusFieldsMatchProc) {
  SKIP_WITHOUT_BPF();
  int go[2], ready[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(ready), 0);
  pid_t c = fork();
  if (c == 0) {
    close(go[1]);
    close(ready[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(CLONE_NEWPID) != 0) _exit(1);
    pid_t g = fork();
    if (g != 0) {
      waitpid(g, nullptr, 0);
      _exit(0);
    }
    if (setresgid(4, 5, 6) != 0 || setresuid(1, 2, 3) != 0) _exit(1);
    (void)!write(ready[1], "x", 1);
    char b;
    (void)!read(go[0], &b, 1);
    _exit(0);
  }
  close(go[0]);
  close(ready[1]);
  char b;
  ASSERT_EQ(read(ready[0], &b, 1), 1);
  close(ready[0]);
  int gc = 0;
  {
    std::ifstream f("/proc/" + std::to_string(c) + "/task/" + std::to_string(c) + "/children");
    f >> gc;
  }
  ASSERT_GT(gc, 0);
  usleep(20 * 1000);  // asleep in read()
  KSnapshot k = snap();
  std::string status;
  {
    std::ifstream f("/proc/" + std::to_string(gc) + "/status");
    std::stringstream ss;
    ss << f.rdbuf();
    status = ss.str();
  }
  close(go[1]);
  waitpid(c, nullptr, 0);
  const KTaskNs* t = k.task(gc);
  ASSERT_NE(t, nullptr);
  auto field = [&](const std::string& key) {
    size_t p = status.find("\n" + key + ":");
    if (p == std::string::npos) return std::string();
    p += key.size() + 2;
    std::string v = status.substr(p, status.find('\n', p) - p);
    return v.substr(v.find_first_not_of(" \t"));
  };
  EXPECT_EQ(fmt::format("{}", t->ppid), field("PPid"));
  EXPECT_EQ(std::string(1, t->state), field("State").substr(0, 1));
  EXPECT_EQ(t->state, 'S');
  EXPECT_EQ(fmt::format("{}\t{}\t{}\t{}", t->uids[0], t->uids[1], t->uids[2], t->uids[3]), field("Uid"));
  EXPECT_EQ(fmt::format("{}\t{}\t{}\t{}", t->gids[0], t->gids[1], t->gids[2], t->gids[3]), field("Gid"));
  EXPECT_EQ(t->uids, (std::array<uint32_t, 4>{1, 2, 3, 2}));
  EXPECT_EQ(fmt::format("{:016x}", t->cap_inh), field("CapInh"));
  EXPECT_EQ(fmt::format("{:016x}", t->cap_prm), field("CapPrm"));
  EXPECT_EQ(fmt::format("{:016x}", t->cap_eff), field("CapEff"));
  EXPECT_EQ(fmt::format("{:016x}", t->cap_bnd), field("CapBnd"));
  EXPECT_EQ(fmt::format("{:016x}", t->cap_amb), field("CapAmb"));
  EXPECT_EQ(t->cap_eff, 0u);
  EXPECT_NE(t->cap_bnd, 0u);
  std::string nspid;
  for (uint32_t n : t->nspid) nspid += (nspid.empty() ? "" : "\t") + std::to_string(n);
  EXPECT_EQ(nspid, field("NSpid"));
  EXPECT_EQ(t->nspid.size(), 2u);
  EXPECT_EQ(t->nspid.back(), 1u);
}

TEST(Bpf, KernelThreadsShareTheInitialNsproxy) {
  SKIP_WITHOUT_BPF();
  KSnapshot k = snap();
  const KTaskNs* kthreadd = k.task(2);
  ASSERT_NE(kthreadd, nullptr);
  ASSERT_TRUE(kthreadd->kthread);
  EXPECT_EQ(kthreadd->comm, "kthreadd");
  // Except kdevtmpfs, which unshares its mount namespace (devtmpfs_setup()).
  int kthreads = 0;
  for (auto& t : k.tasks)
    if (t.kthread && t.comm != "kdevtmpfs") {
      ++kthreads;
      EXPECT_EQ(t.nsproxy_id, kthreadd->nsproxy_id) << t.comm;
    } else if (t.kthread) {
      EXPECT_NE(t.nsproxy_id, kthreadd->nsproxy_id);
      EXPECT_NE(t.slot(KSlot::Mnt), kthreadd->slot(KSlot::Mnt));
      EXPECT_EQ(t.slot(KSlot::Net).inum, kthreadd->slot(KSlot::Net).inum);
    }
  // init_nsproxy is held by every kernel thread and every host task that never unshared.
  EXPECT_GE(kthreadd->nsproxy_count, static_cast<uint32_t>(kthreads));
  for (KSlot s : {KSlot::Uts, KSlot::Ipc, KSlot::Mnt, KSlot::Net, KSlot::Cgroup})
    EXPECT_EQ(kthreadd->slot(s).inum, inum_of(2, kslot_name(s))) << kslot_name(s);
}

TEST(Bpf, NsproxyIdIsStableAcrossPasses) {
  SKIP_WITHOUT_BPF();
  std::string err;
  auto a = bpf_task_snapshot(err);
  auto b = bpf_task_snapshot(err);
  ASSERT_FALSE(a.empty()) << err;
  uint64_t ida = 0, idb = 0;
  for (auto& t : a)
    if (t.pid == 2) ida = t.nsproxy_id;
  for (auto& t : b)
    if (t.pid == 2) idb = t.nsproxy_id;
  EXPECT_NE(ida, 0u);
  EXPECT_EQ(ida, idb);
}

// Every namespace a task record points at has its own record, however many
// read() calls the pass takes. bpf_seq_read() (kernel/bpf/bpf_iter.c @ v6.18)
// drops the output of the object that overflows its buffer and shows that
// object again in the next read(); a pass that had already marked the
// object's namespaces as emitted then never emitted them (found by CI: the
// sandbox's own namespaces vanished on one machine, whose task count put them
// at a buffer boundary). 300 tasks, each alone in a new uts namespace, put a
// fresh namespace at every boundary.
TEST(Bpf, EveryNamespaceATaskPointsAtHasARecord) {
  SKIP_WITHOUT_BPF();
  std::vector<std::unique_ptr<Child>> kids;
  for (int i = 0; i < 300; ++i) {
    kids.push_back(std::make_unique<Child>([] { return unshare(CLONE_NEWUTS) == 0 ? 0 : 2; }));
    ASSERT_TRUE(kids.back()->ok());
  }
  for (int pass = 0; pass < 3; ++pass) {
    KSnapshot k = snap();
    std::set<uint32_t> recorded;
    for (auto& n : k.namespaces) recorded.insert(n.inum);
    int missing = 0, seen = 0;
    for (auto& kid : kids) {
      const KTaskNs* t = k.task(kid->pid());
      ASSERT_NE(t, nullptr);
      ++seen;
      if (!recorded.count(t->slot(KSlot::Uts).inum)) ++missing;
    }
    EXPECT_EQ(seen, 300);
    EXPECT_EQ(missing, 0) << "uts namespaces of the children without a record, pass " << pass;
    EXPECT_EQ(k.dropped, 0u);
  }
  // Newest first: each child holds a copy of the hold pipes of those before it.
  while (!kids.empty()) kids.pop_back();
}

TEST(Bpf, ForkSharesTheNsproxyAndCountsIt) {
  SKIP_WITHOUT_BPF();
  // A private nsproxy (a new UTS namespace), so no other process can change its count.
  Child parent([] {
    if (unshare(CLONE_NEWUTS) != 0) return 2;
    return 0;
  });
  ASSERT_TRUE(parent.ok());
  KSnapshot before = snap();
  const KTaskNs* p = before.task(parent.pid());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->nsproxy_count, 1u);
  EXPECT_EQ(p->slot(KSlot::Uts).refs, 1u);  // one nsproxy slot, nothing else
  EXPECT_EQ(tasks_sharing(before, p->nsproxy_id), 1);

  // The child does the fork (the new UTS namespace is its own).
  Child forker([] { return unshare_and_fork(CLONE_NEWUTS); });
  ASSERT_TRUE(forker.ok());
  KSnapshot k = snap();
  const KTaskNs* f = k.task(forker.pid());
  ASSERT_NE(f, nullptr);
  std::vector<const KTaskNs*> sharing;
  for (auto& t : k.tasks)
    if (t.nsproxy_id == f->nsproxy_id) sharing.push_back(&t);
  ASSERT_EQ(sharing.size(), 2u);  // the forker and its child
  EXPECT_EQ(f->nsproxy_count, 2u);
  EXPECT_EQ(f->slot(KSlot::Uts).refs, 1u);  // shared nsproxy: still one slot reference
  const KTaskNs* child = sharing[0]->pid == forker.pid() ? sharing[1] : sharing[0];
  EXPECT_EQ(child->nsproxy_count, 2u);
  EXPECT_EQ(child->slot(KSlot::Uts).inum, f->slot(KSlot::Uts).inum);
  int child_pid = child->pid;
  kill(child_pid, SIGKILL);
  // The zombie has released its nsproxy (exit_task_namespaces() before exit_notify()).
  for (int i = 0; i < 200; ++i) {
    KSnapshot z = snap();
    const KTaskNs* zc = z.task(child_pid);
    if (zc && zc->nsproxy_id == 0) {
      EXPECT_NE(zc->exit_state, 0);
      EXPECT_EQ(z.task(forker.pid())->nsproxy_count, 1u);
      return;
    }
    usleep(5000);
  }
  ADD_FAILURE() << "the killed child never showed up as a zombie without an nsproxy";
}

TEST(Bpf, OpeningProcNsRaisesTheRefcountByOneForAllFds) {
  SKIP_WITHOUT_BPF();
  Child c([] { return unshare(CLONE_NEWUTS) == 0 ? 0 : 2; });
  ASSERT_TRUE(c.ok());
  std::string path = "/proc/" + std::to_string(c.pid()) + "/ns/uts";
  uint32_t inum = inum_of(path);
  auto refs = [&] {
    KSnapshot k = snap();
    const KNs* n = k.ns(inum);
    return n ? n->refs : 0u;
  };
  EXPECT_EQ(refs(), 1u);  // the nsproxy slot
  int fd1 = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd1, 0);
  EXPECT_EQ(refs(), 2u);  // + the nsfs inode
  std::string err;
  auto viafd = bpf_ns_of_fd(fd1, err);
  ASSERT_TRUE(viafd.has_value()) << err;
  EXPECT_EQ(viafd->inum, inum);
  EXPECT_EQ(viafd->refs, 2u);
  EXPECT_EQ(viafd->nsfs_users, 1u);  // this fd only: opening it added the inode's reference
  int fd2 = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd2, 0);
  EXPECT_EQ(refs(), 2u);  // all fds share the one nsfs inode
  viafd = bpf_ns_of_fd(fd2, err);
  ASSERT_TRUE(viafd.has_value()) << err;
  EXPECT_EQ(viafd->nsfs_users, 2u);
  close(fd1);
  EXPECT_EQ(refs(), 2u);
  close(fd2);
  EXPECT_EQ(refs(), 1u);  // last fd: the inode is evicted and puts its reference
}

TEST(Bpf, OwnerAndParentChains) {
  SKIP_WITHOUT_BPF();
  // user ns U (level 1) owning a pid namespace P whose parent is the initial one.
  Child c([] {
    if (unshare(CLONE_NEWUSER) != 0) return 2;
    if (unshare(CLONE_NEWPID | CLONE_NEWNET) != 0) return 3;
    return 0;
  });
  ASSERT_TRUE(c.ok());
  std::string proc = "/proc/" + std::to_string(c.pid()) + "/ns/";
  KSnapshot k = snap();
  const KTaskNs* t = k.task(c.pid());
  ASSERT_NE(t, nullptr);
  const KNs* u = k.ns(t->user.inum);
  const KNs* p = k.ns(t->slot(KSlot::PidForChildren).inum);
  const KNs* n = k.ns(t->slot(KSlot::Net).inum);
  ASSERT_TRUE(u && p && n);
  EXPECT_EQ(u->inum, inum_of(proc + "user"));
  EXPECT_EQ(u->level, 1u);
  EXPECT_EQ(u->parent_inum, inum_of("/proc/self/ns/user"));
  EXPECT_EQ(u->owner_inum, u->parent_inum);
  EXPECT_EQ(p->level, 1u);
  EXPECT_EQ(p->parent_inum, inum_of("/proc/self/ns/pid"));
  EXPECT_EQ(p->owner_inum, u->inum);
  EXPECT_EQ(n->owner_inum, u->inum);
  // pid_for_children differs from the active pid namespace until a fork.
  EXPECT_NE(t->pid_active.inum, p->inum);
  // Refs: P by the nsproxy slot only; U by the task's cred, its struct ucounts
  // (outside the model: docs/introspection.md), and P's and N's owner pointers.
  EXPECT_EQ(p->refs, 1u);
  EXPECT_EQ(k.task_ucounts(u->inum), 1u);
  EXPECT_EQ(u->refs, 4u);
  // The initial user namespace is reached and has no owner.
  const KNs* init = k.ns(u->parent_inum);
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->level, 0u);
  EXPECT_EQ(init->owner_inum, 0u);
}

TEST(Bpf, UserNamespaceRefsAreCredsPlusUcounts) {
  SKIP_WITHOUT_BPF();
  // The fork: same euid, so a new cred and the same struct ucounts.
  Child c([] { return unshare_and_fork(CLONE_NEWUSER); });
  ASSERT_TRUE(c.ok());
  KSnapshot k = snap();
  const KTaskNs* t = k.task(c.pid());
  ASSERT_NE(t, nullptr);
  uint32_t u = t->user.inum;
  std::vector<const KTaskNs*> in;
  for (auto& x : k.tasks)
    if (x.user.inum == u) in.push_back(&x);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0]->ucounts_id, in[1]->ucounts_id);
  EXPECT_EQ(t->ucounts_user_inum, u);
  EXPECT_EQ(t->ucounts_uid, 0u);  // the creator's euid, as a kernel uid
  EXPECT_EQ(k.task_ucounts(u), 1u);
  ASSERT_NE(k.ns(u), nullptr);
  EXPECT_EQ(k.ns(u)->refs, 2u + 1u);  // two creds + one ucounts
  for (auto* x : in)
    if (x->pid != c.pid()) kill(x->pid, SIGKILL);
}

TEST(Bpf, FilesThatPinNamespaces) {
  SKIP_WITHOUT_BPF();
  // A process in a new net namespace with a socket, a pidfd of itself and an
  // nsfs fd of its own uts namespace; its files' f_cred lie in a new user namespace.
  Child c([] {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWUTS) != 0) return 2;
    if (dup2(socket(AF_INET, SOCK_DGRAM, 0), 50) != 50) return 3;
    if (dup2(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)), 51) != 51) return 4;
    if (dup2(open("/proc/self/ns/uts", O_RDONLY), 52) != 52) return 5;
    return 0;
  });
  ASSERT_TRUE(c.ok());
  std::string proc = "/proc/" + std::to_string(c.pid()) + "/ns/";
  KSnapshot k = snap(true);
  auto find = [&](int fd, KFileRef::Kind kind) -> const KFileRef* {
    for (auto& f : k.files)
      if (f.tgid == c.pid() && f.fd == fd && f.kind == kind) return &f;
    return nullptr;
  };
  const KFileRef* sock = find(50, KFileRef::Kind::Socket);
  const KFileRef* pidfd = find(51, KFileRef::Kind::Pidfd);
  const KFileRef* nsfs = find(52, KFileRef::Kind::Nsfs);
  const KFileRef* cred = find(52, KFileRef::Kind::FileCred);
  ASSERT_NE(sock, nullptr);
  ASSERT_NE(pidfd, nullptr);
  ASSERT_NE(nsfs, nullptr);
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(sock->inum, inum_of(proc + "net"));
  EXPECT_EQ(sock->type, NsType::Net);
  EXPECT_EQ(pidfd->inum, inum_of(proc + "pid"));
  EXPECT_EQ(nsfs->inum, inum_of(proc + "uts"));
  EXPECT_EQ(nsfs->type, NsType::Uts);
  EXPECT_EQ(cred->inum, inum_of(proc + "user"));
  // The uts namespace: nsproxy slot + nsfs inode.
  ASSERT_NE(k.ns(nsfs->inum), nullptr);
  EXPECT_EQ(k.ns(nsfs->inum)->refs, 2u);
}

// ---- every bundled scenario: nsproxies and refcount changes, model vs kernel ----

// The sandbox on the live kernel for `sc` (its init name); null with `why` set
// when it cannot start.
std::unique_ptr<RealBackend> start_real(const Scenario& sc, std::string& why) {
  RealBackend::Options ro;
  ro.init_name = sc.init_name;
  return RealBackend::create(ro, why);
}

// Runner options for a run that the live kernel `real` follows, without the trace.
Runner::Options peer_options(RealBackend& real) {
  Runner::Options opt;
  opt.trace = false;
  opt.peer = &real;
  return opt;
}

class BundledOnKernel : public ::testing::TestWithParam<std::string> {};

// What `nssim trace --real` checks with BPF (real/kernel_check.h), over every
// bundled scenario: after every call, every live task's nsproxy count, which
// tasks share one (a bijection model <-> kernel nsproxy), and each namespace's refcount change.
TEST_P(BundledOnKernel, NsproxiesAndRefcountChangesMatchTheModel) {
  SKIP_WITHOUT_BPF();
  if (std::string why = unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::ifstream in(std::filesystem::path(NSSIM_SOURCE_DIR) / GetParam());
  std::stringstream ss;
  ss << in.rdbuf();
  ParseResult pr = parse_scenario(ss.str(), GetParam());
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start_real(pr.scenario, why);
  ASSERT_TRUE(real) << why;
  KernelStructureCheck kcheck(*real);
  Runner* rp = nullptr;
  Runner::Options opt = peer_options(*real);
  opt.extra_check = [&](const StepRecord& r) { return kcheck.check(*rp, r); };
  Kernel::Config cfg = Runner::config_for(pr.scenario);
  Runner::adopt_environment(*real, cfg);
  if (auto why_not = testing::written_for_another_kernel(pr.scenario, cfg.kernel, real->kernel_release().value_or("?"));
      !why_not.empty())
    GTEST_SKIP() << why_not;
  opt.config = cfg;
  Runner runner(pr.scenario, opt);
  rp = &runner;
  std::vector<std::string> problems;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    for (auto& d : r.disagreements) problems.push_back(fmt::format("line {}: {}", r.line, d));
  });
  ASSERT_FALSE(sum.error);
  EXPECT_THAT(problems, ::testing::IsEmpty());
  EXPECT_GT(kcheck.namespace_checks(), 0);
  RecordProperty("namespace_checks", kcheck.namespace_checks());
  RecordProperty("nsproxy_tasks", kcheck.nsproxy_tasks());
}

// The checker is not a test that cannot fail: a model whose nsproxy count is
// off by one (a scenario task the kernel does not have) is reported.
TEST(KernelStructureCheck, ReportsACountTheKernelDoesNotHave) {
  SKIP_WITHOUT_BPF();
  ParseResult pr = parse_scenario("init: clone(0) -> a\n", "count.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start_real(pr.scenario, why);
  ASSERT_TRUE(real) << why;
  KernelStructureCheck kcheck(*real);
  Runner* rp = nullptr;
  std::vector<std::string> found;
  Runner::Options opt = peer_options(*real);
  opt.extra_check = [&](const StepRecord& r) {
    // Break the model behind the checker's back: one more count on a's nsproxy.
    rp->sim().task("a")->nsproxy->get();
    auto out = kcheck.check(*rp, r, /*settle_ms=*/0);
    (void)rp->sim().task("a")->nsproxy->put();  // back to the real count, never the last
    found = out;
    return std::vector<std::string>{};
  };
  Runner runner(pr.scenario, opt);
  rp = &runner;
  runner.run([](const StepRecord&) {});
  EXPECT_THAT(found, ::testing::Contains(::testing::HasSubstr("a.nsproxy.count: model 3, kernel 2")));
}

// Sharing is compared as one bijection per step (not pairs of tasks): a model
// that puts b on a's nsproxy, which the kernel keeps apart, is reported.
TEST(KernelStructureCheck, ReportsSharingTheKernelDoesNotHave) {
  SKIP_WITHOUT_BPF();
  ParseResult pr = parse_scenario("init: clone(CLONE_NEWUTS) -> a\ninit: clone(0) -> b\n", "sharing.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start_real(pr.scenario, why);
  ASSERT_TRUE(real) << why;
  KernelStructureCheck kcheck(*real);
  Runner* rp = nullptr;
  std::vector<std::string> found;
  Runner::Options opt = peer_options(*real);
  opt.extra_check = [&](const StepRecord& r) {
    Task* b = rp->sim().task("b");
    if (!b) return std::vector<std::string>{};
    // Behind the checker's back, for this one check: b points at a's nsproxy (no reference moves).
    NsProxy* own = b->nsproxy;
    b->nsproxy = rp->sim().task("a")->nsproxy;
    found = kcheck.check(*rp, r, /*settle_ms=*/0);
    b->nsproxy = own;
    return std::vector<std::string>{};
  };
  Runner runner(pr.scenario, opt);
  rp = &runner;
  runner.run([](const StepRecord&) {});
  EXPECT_THAT(found, ::testing::Contains(::testing::HasSubstr("a.nsproxy == b.nsproxy in the model, != on the kernel")));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, BundledOnKernel, ::testing::ValuesIn(testing::bundled_scenarios()),
                         [](const auto& i) { return testing::path_test_name(i.param); });

}  // namespace
}  // namespace nssim::real
