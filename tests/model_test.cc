// Simulator unit tests: the model's internal structures (nsproxy counts,
// namespace refcounts, the ledger, the inode allocator, leak checking) for
// the rules the conformance tests check from the outside.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "sim/fuzz.h"
#include "sim/kernel.h"
#include "sim/runner.h"
#include "sim/sim_backend.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

struct Model {
  Kernel k;
  Task* init = k.init_task();
  Task* fork(Task* parent, uint64_t flags = 0, const char* name = "t") {
    auto r = k.sys_clone(parent, flags, name);
    EXPECT_TRUE(r.has_value()) << errno_name(r.error());
    return r ? *r : nullptr;
  }
  // The refcount ledger must account for every reference of every live namespace.
  void check_ledger() {
    auto all = k.all_holders();
    for (auto& rec : k.ns_records()) {
      if (rec.ns) {
        EXPECT_EQ(all[rec.ns->serial].size(), rec.ns->refs()) << k.ns_str(rec.ns);
      }
    }
  }
};

// With the cgroup2 mount's nsdelegate (systemd mounts it so), a cgroup
// outside the creator's cgroup namespace is refused: ENOENT
// (cgroup_procs_write_permission()); the live host here has no nsdelegate, so
// only the model checks this branch.
TEST(Cgroup, NsdelegateRefusesACgroupOutsideTheNamespace) {
  Kernel::Config cfg;
  cfg.cgroup_nsdelegate = true;
  SimBackend sim(cfg);
  for (const char* line : {"init: mkdir(\"/sys/fs/cgroup/a\")", "init: mkdir(\"/sys/fs/cgroup/b\")",
                           "init: open(\"/sys/fs/cgroup/a\") -> ca", "init: open(\"/sys/fs/cgroup/b\") -> cb",
                           "init: clone3(CLONE_INTO_CGROUP|CLONE_NEWCGROUP, cgroup=ca) -> c"}) {
    auto pr = parse_scenario(line);
    ASSERT_TRUE(pr.ok()) << line;
    EXPECT_TRUE(sim.call(std::get<CallStmt>(pr.scenario.statements[0].s)).ok) << line;
  }
  auto pr = parse_scenario("c: clone3(CLONE_INTO_CGROUP, cgroup=cb) -> d");
  auto o = sim.call(std::get<CallStmt>(pr.scenario.statements[0].s));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.err, ENOENT);
  pr = parse_scenario("c: clone3(CLONE_INTO_CGROUP, cgroup=ca) -> e");
  EXPECT_TRUE(sim.call(std::get<CallStmt>(pr.scenario.statements[0].s)).ok);
}

TEST(NsProxy, SharedByPlainForkAndCounted) {
  Model m;
  Task* a = m.fork(m.init);
  EXPECT_EQ(a->nsproxy, m.init->nsproxy);
  EXPECT_EQ(a->nsproxy->count(), 2u);
  m.k.sys_exit(a, 0);
  EXPECT_EQ(a->nsproxy, nullptr);  // exit_task_namespaces() before the zombie
  EXPECT_EQ(m.init->nsproxy->count(), 1u);
  m.check_ledger();
}

TEST(NsProxy, CopiedByCloneWithAnyNewFlag) {
  Model m;
  Task* b = m.fork(m.init, CLONE_NEWNET);
  EXPECT_NE(b->nsproxy, m.init->nsproxy);
  EXPECT_EQ(b->nsproxy->count(), 1u);
  EXPECT_EQ(b->nsproxy->uts_ns, m.init->nsproxy->uts_ns);
  EXPECT_NE(b->nsproxy->net_ns, m.init->nsproxy->net_ns);
  EXPECT_EQ(b->nsproxy->net_ns->refs(), 1u);
  m.check_ledger();
}

TEST(NsProxy, EverySetnsInstallsANewOneEvenForTheSameNamespace) {
  Model m;
  Task* a = m.fork(m.init);
  NsProxy* before = a->nsproxy;
  int fd = *m.k.sys_open_nsfs(a, a, Link::Uts);
  ASSERT_TRUE(m.k.sys_setns(a, fd, 0).has_value());
  EXPECT_NE(a->nsproxy, before);
  EXPECT_EQ(a->nsproxy->uts_ns, before->uts_ns);
  EXPECT_EQ(before->count(), 1u);  // only init now
  m.check_ledger();
}

TEST(Unshare, NewpidMovesOnlyPidForChildrenAndSecondIsEinval) {
  Model m;
  PidNamespace* active = m.k.task_active_pid_ns(m.init);
  ASSERT_TRUE(m.k.sys_unshare(m.init, CLONE_NEWPID).has_value());
  EXPECT_EQ(m.k.task_active_pid_ns(m.init), active);
  EXPECT_NE(m.init->nsproxy->pid_ns_for_children, active);
  EXPECT_EQ(m.k.ns_of_link(m.init, Link::PidForChildren), nullptr);  // no child_reaper yet
  auto r = m.k.sys_unshare(m.init, CLONE_NEWPID);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EINVAL);
  Task* c = m.fork(m.init);
  EXPECT_EQ(c->thread_pid->numbers.back().nr, 1u);
  EXPECT_EQ(m.init->nsproxy->pid_ns_for_children->child_reaper, c);
  m.check_ledger();
}

TEST(Unshare, NewtimeCountsTwoReferencesPerNsproxy) {
  Model m;
  TimeNamespace* t0 = m.init->nsproxy->time_ns;
  uint32_t before = t0->refs();
  ASSERT_TRUE(m.k.sys_unshare(m.init, CLONE_NEWTIME).has_value());
  TimeNamespace* t1 = m.init->nsproxy->time_ns_for_children;
  EXPECT_NE(t1, t0);
  EXPECT_EQ(t1->refs(), 1u);
  Task* k = m.fork(m.init);
  EXPECT_NE(k->nsproxy, m.init->nsproxy);  // timens_on_fork() needs a copy
  EXPECT_EQ(k->nsproxy->time_ns, t1);
  EXPECT_EQ(t1->refs(), 3u);  // init's time_for_children + k's time and time_for_children
  EXPECT_EQ(t0->refs(), before - 1);  // init's new nsproxy still holds time, but not time_for_children
  m.check_ledger();
}

TEST(Clone, FailedCloneLeavesTheModelUnchanged) {
  Model m;
  size_t objs = m.k.registry().live().size();
  auto r = m.k.sys_clone(m.init, CLONE_NEWIPC | CLONE_SYSVSEM, "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(m.k.registry().live().size(), objs);
  m.check_ledger();
}

TEST(Clone, NewuserOwnsTheOtherNewNamespaces) {
  Model m;
  Task* u = m.fork(m.init, CLONE_NEWUSER | CLONE_NEWUTS);
  UserNamespace* un = u->cred->user_ns;
  EXPECT_EQ(un->parent, m.init->cred->user_ns);
  EXPECT_EQ(un->level, 1u);
  EXPECT_EQ(u->nsproxy->uts_ns->user_ns, un);
  m.check_ledger();
}

TEST(Nesting, UserNamespacesNest33DeepThenEnospc) {
  Model m;
  Task* t = m.fork(m.init);
  int made = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = m.k.sys_unshare(t, CLONE_NEWUSER);
    if (!r) {
      EXPECT_EQ(r.error().code, ENOSPC);
      break;
    }
    // Map root so the next level may be created (its euid must be mapped).
    t->cred->user_ns->uid_map = {{0, 0, 1}};
    t->cred->user_ns->gid_map = {{0, 0, 1}};
    ++made;
  }
  EXPECT_EQ(made, 33);
  m.check_ledger();
}

TEST(Nesting, PidNamespacesStopAtLevel32) {
  Model m;
  Task* t = m.init;
  int made = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = m.k.sys_unshare(t, CLONE_NEWPID);
    if (!r) {
      EXPECT_EQ(r.error().code, ENOSPC);
      break;
    }
    t = m.fork(t);
    ++made;
  }
  EXPECT_EQ(made, 32);
}

TEST(Inum, LowestFreeNumberIsReused) {
  Model m;
  Task* a = m.fork(m.init, CLONE_NEWUTS);
  Task* b = m.fork(m.init, CLONE_NEWUTS);
  EXPECT_EQ(a->nsproxy->uts_ns->inum, PROC_DYNAMIC_FIRST);
  EXPECT_EQ(b->nsproxy->uts_ns->inum, PROC_DYNAMIC_FIRST + 1);
  m.k.sys_exit(a, 0);  // frees a's uts namespace and its number
  Task* c = m.fork(m.init, CLONE_NEWIPC);
  EXPECT_EQ(c->nsproxy->ipc_ns->inum, PROC_DYNAMIC_FIRST);  // one pool for every type
}

TEST(Inum, InitialNamespacesHaveTheProfilesNumbers) {
  Kernel k618;
  EXPECT_EQ(k618.init_task()->nsproxy->mnt_ns->inum, 4026531832u);
  EXPECT_EQ(k618.init_task()->nsproxy->net_ns->inum, 4026531833u);
  EXPECT_EQ(k618.init_task()->nsproxy->uts_ns->inum, 4026531838u);
  Kernel::Config c;
  c.kernel = {6, 2};
  Kernel k62(c);
  EXPECT_EQ(k62.init_task()->nsproxy->net_ns->inum, 4026531840u);  // as in the seed article
  EXPECT_EQ(k62.init_task()->nsproxy->mnt_ns->inum, 4026531841u);
  EXPECT_EQ(k62.init_task()->nsproxy->ipc_ns->inum, 4026531839u);
}

TEST(Lifetime, NsfsInodeHoldsOneReferenceForAllItsFds) {
  Model m;
  Task* b = m.fork(m.init, CLONE_NEWNET);
  NetNamespace* n = b->nsproxy->net_ns;
  int f1 = *m.k.sys_open_nsfs(m.init, b, Link::Net);
  int f2 = *m.k.sys_open_nsfs(m.init, b, Link::Net);
  EXPECT_EQ(n->refs(), 2u);  // nsproxy slot + one nsfs inode
  m.k.sys_exit(b, 0);
  uint32_t serial = n->serial;
  ASSERT_TRUE(m.k.sys_close(m.init, f1).has_value());
  EXPECT_NE(m.k.ns_records()[serial].ns, nullptr);
  ASSERT_TRUE(m.k.sys_close(m.init, f2).has_value());
  EXPECT_EQ(m.k.ns_records()[serial].ns, nullptr);  // freed with the last fd
  m.check_ledger();
}

TEST(Lifetime, PidfdPinsThePidNamespaceOfAReapedTask) {
  Model m;
  Task* c = m.fork(m.init, CLONE_NEWPID);
  uint32_t serial = m.k.task_active_pid_ns(c)->serial;
  int pfd = *m.k.sys_pidfd_open(m.init, c, 0);
  m.k.sys_exit(c, 0);
  ASSERT_TRUE(*m.k.sys_wait4(m.init, c));
  EXPECT_NE(m.k.ns_records()[serial].ns, nullptr);  // struct pid kept by the pidfd
  ASSERT_TRUE(m.k.sys_close(m.init, pfd).has_value());
  EXPECT_EQ(m.k.ns_records()[serial].ns, nullptr);
  m.check_ledger();
}

TEST(Lifetime, SocketHoldsItsNetNamespaceOnceAndIsAHolderInTheLedger) {
  Model m;
  Task* b = m.fork(m.init, CLONE_NEWNET | CLONE_FILES);  // b's fds are init's
  NetNamespace* n = b->nsproxy->net_ns;
  uint32_t serial = n->serial;
  int s = *m.k.sys_socket(b, kAfInet);
  EXPECT_EQ(n->refs(), 2u);  // nsproxy slot + the sock
  Task* c = m.fork(m.init);  // a copy of the table: the same socket file, no new reference
  EXPECT_EQ(n->refs(), 2u);
  auto hs = m.k.holders(n);
  ASSERT_EQ(hs.size(), 2u);
  std::string sock = hs[0].what.starts_with("socket#") ? hs[0].what : hs[1].what;
  EXPECT_THAT(sock, ::testing::StartsWith("socket#"));
  EXPECT_THAT(sock, ::testing::HasSubstr(fmt::format("fd {} of init", s)));  // init, b, then c (all named t)
  m.check_ledger();
  m.k.sys_exit(b, 0);
  EXPECT_EQ(n->refs(), 1u);  // only the socket
  m.check_ledger();
  ASSERT_TRUE(m.k.sys_close(m.init, s).has_value());
  EXPECT_NE(m.k.ns_records()[serial].ns, nullptr);  // c's fd still refers to the file
  m.k.sys_exit(c, 0);                               // its table goes, and with it the last fd
  EXPECT_EQ(m.k.ns_records()[serial].ns, nullptr);
  m.check_ledger();
}

// socketpair(): each sock holds the net namespace, and each end holds the
// other (unix_peer()), so a closed end's sock keeps its namespace reference
// until the other end is released too; the ledger names both, and a file in
// flight by the socket whose queue holds it.
TEST(Lifetime, SocketpairEndsHoldEachOtherAndInFlightFilesAreHolders) {
  Model m;
  Task* b = m.fork(m.init, CLONE_NEWNET | CLONE_NEWUTS | CLONE_FILES);  // b's fds are init's
  NetNamespace* n = b->nsproxy->net_ns;
  UtsNamespace* u = b->nsproxy->uts_ns;
  auto [x, y] = *m.k.sys_socketpair(b, kAfUnix);
  EXPECT_EQ(n->refs(), 3u);  // nsproxy slot + two socks
  int f = *m.k.sys_open_nsfs(b, b, Link::Uts);
  ASSERT_TRUE(m.k.sys_send_fd(b, x, f).has_value());
  ASSERT_TRUE(m.k.sys_close(b, f).has_value());
  m.k.sys_exit(b, 0);
  ASSERT_TRUE(*m.k.sys_wait4(m.init, b));
  EXPECT_EQ(u->refs(), 1u);  // the nsfs inode of the file in flight
  auto hs = m.k.holders(u);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_THAT(hs[0].what, ::testing::HasSubstr("in flight to socket#"));
  m.check_ledger();
  ASSERT_TRUE(m.k.sys_close(m.init, x).has_value());
  EXPECT_EQ(n->refs(), 2u);  // x's sock lives on: y's unix_peer() holds it
  bool held = false;
  for (auto& h : m.k.holders(n)) held |= h.what.find("closed, held by its peer") != std::string::npos;
  EXPECT_TRUE(held);
  m.check_ledger();
  auto r = m.k.sys_recv_fd(m.init, y, false);  // the queued file is still there
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(m.k.sys_close(m.init, *r).has_value());
  EXPECT_THAT(m.k.sys_recv_fd(m.init, y, false), ::testing::Eq(Kernel::kRecvEof));  // x is gone
  uint32_t serial = n->serial;
  ASSERT_TRUE(m.k.sys_close(m.init, y).has_value());
  EXPECT_EQ(m.k.ns_records()[serial].ns, nullptr);
  m.check_ledger();
}

// The unix GC is not modelled: a send that would close a cycle of unix
// sockets in flight is refused (a usage error), not run.
TEST(Lifetime, SendThatWouldCloseAnInFlightCycleIsRefused) {
  SimBackend sim{Kernel::Config{}};
  auto run = [&](const std::string& line) {
    static std::vector<std::unique_ptr<Scenario>> keep;
    auto pr = parse_scenario(line);
    EXPECT_TRUE(pr.ok()) << line;
    keep.push_back(std::make_unique<Scenario>(std::move(pr.scenario)));
    return sim.call(std::get<CallStmt>(keep.back()->statements.front().s));
  };
  EXPECT_TRUE(run("init: socketpair(AF_UNIX) -> a, b").ok);
  EXPECT_TRUE(run("init: send(a, a)").ok);  // a in b's queue: no cycle
  auto o = run("init: send(b, b)");         // b in a's queue, which b reaches through a: a cycle
  EXPECT_THAT(o.usage_error, ::testing::HasSubstr("\nhint: only the kernel's unix garbage collector"));
  EXPECT_TRUE(run("init: send(a, b)").usage_error.size() > 0);  // b in its own queue
  EXPECT_TRUE(run("init: recv(b) -> a2").ok);
  EXPECT_TRUE(run("init: send(b, b)").ok);  // a is no longer in flight
}

// The securebits live in RefCount's tail padding: a cred stays 56 bytes
// (objects.h), and failed capset()/prctl() calls leave the cred as it was.
TEST(Caps, CredStaysSmallAndFailedCallsChangeNothing) {
  static_assert(sizeof(Cred) == 56);
  Model m;
  Task* a = m.fork(m.init);
  Cred* before = a->cred;
  uint32_t caps = before->caps_id;
  EXPECT_EQ(m.k.sys_capset(a, CAP_FULL_SET, CAP_FULL_SET & ~(1ULL << CAP_SYS_ADMIN), 0).error().code, EPERM);
  EXPECT_EQ(m.k.sys_prctl_capbset_drop(a, 41).error().code, EINVAL);
  EXPECT_EQ(m.k.sys_prctl_set_keepcaps(a, -1).error().code, EINVAL);
  EXPECT_EQ(a->cred, before);
  EXPECT_EQ(a->cred->caps_id, caps);
  ASSERT_TRUE(m.k.sys_prctl_set_keepcaps(a, 1).has_value());
  EXPECT_TRUE(a->cred->securebits & SECBIT_KEEP_CAPS);
  Task* c = m.fork(a);  // fork copies the cred, securebits included
  EXPECT_TRUE(c->cred->securebits & SECBIT_KEEP_CAPS);
  ASSERT_TRUE(m.k.sys_setresuid(c, 1000, 1000, 1000).has_value());
  EXPECT_EQ(c->cred->caps().permitted, CAP_FULL_SET);
  EXPECT_EQ(c->cred->caps().effective, 0u);
  m.check_ledger();
}

// Every ns_capable() reads the effective set: with CAP_SYS_ADMIN cleared,
// root may not unshare; the names of a set read back as the parser takes them.
TEST(Caps, EffectiveSetDecidesNsCapable) {
  Model m;
  Task* a = m.fork(m.init);
  ASSERT_TRUE(m.k.sys_capset(a, CAP_FULL_SET & ~(1ULL << CAP_SYS_ADMIN), CAP_FULL_SET, 0).has_value());
  EXPECT_FALSE(m.k.ns_capable(a->cred, a->cred->user_ns, CAP_SYS_ADMIN));
  EXPECT_EQ(m.k.sys_unshare(a, CLONE_NEWUTS).error().code, EPERM);
  EXPECT_EQ(cap_set_str(a->cred->caps().effective), "ALL-CAP_SYS_ADMIN");
  EXPECT_EQ(cap_set_str((1ULL << CAP_NET_ADMIN) | (1ULL << CAP_SYS_ADMIN)), "CAP_NET_ADMIN|CAP_SYS_ADMIN");
  EXPECT_EQ(cap_set_str(CAP_FULL_SET), "ALL");
  EXPECT_EQ(cap_set_str(0), "0");
}

// Each propagated copy of a bind mount is a mount of its own, named in the
// ledger with the mount namespace it is in.
TEST(Lifetime, LedgerNamesEveryMountHoldingANamespaceIncludingPropagatedCopies) {
  Model m;
  Task* a = m.fork(m.init, CLONE_NEWNS, "a");
  ASSERT_TRUE(m.k.sys_mount_propagation(a, kMsShared).has_value());
  Task* p = m.fork(a, CLONE_NEWNS, "p");
  EXPECT_EQ(p->nsproxy->mnt_ns->group, a->nsproxy->mnt_ns->group);  // a copy of a shared tree: a peer
  EXPECT_NE(a->nsproxy->mnt_ns->group, 0u);
  Task* n = m.fork(m.init, CLONE_NEWNET, "n");
  NetNamespace* net = n->nsproxy->net_ns;
  Kernel::PathRef src;
  src.task = n;
  src.link = Link::Net;
  ASSERT_TRUE(m.k.sys_mount_bind(a, src, "/srv/ns/net").has_value());
  EXPECT_TRUE(m.k.run_dir_exists("/srv/ns"));
  ASSERT_EQ(p->nsproxy->mnt_ns->mounts.size(), 1u);
  EXPECT_EQ(net->refs(), 2u);  // n's nsproxy + one nsfs inode for both mounts
  m.check_ledger();
  std::string inode;
  for (auto& h : m.k.holders(net))
    if (h.what.starts_with("nsfs inode")) inode = h.what;
  EXPECT_EQ(inode, fmt::format("nsfs inode (mount /srv/ns/net in {}, mount /srv/ns/net in {})",
                               m.k.ns_str(a->nsproxy->mnt_ns), m.k.ns_str(p->nsproxy->mnt_ns)));
  // A slave of the group: a later mount reaches it; its own do not go back.
  Task* sl = m.fork(a, CLONE_NEWNS, "sl");
  ASSERT_TRUE(m.k.sys_mount_propagation(sl, kMsSlave).has_value());
  EXPECT_EQ(sl->nsproxy->mnt_ns->group, 0u);
  EXPECT_EQ(sl->nsproxy->mnt_ns->master, a->nsproxy->mnt_ns->group);
  ASSERT_TRUE(m.k.sys_mount_bind(sl, src, "/srv/ns/back").has_value());
  EXPECT_EQ(m.k.mount_at(a->nsproxy->mnt_ns, "/srv/ns/back"), nullptr);
  // The peer's umount propagates to a (its peer) and sl (a slave of the group).
  ASSERT_TRUE(m.k.sys_umount(p, "/srv/ns/net").has_value());
  EXPECT_EQ(m.k.mount_at(a->nsproxy->mnt_ns, "/srv/ns/net"), nullptr);
  EXPECT_EQ(m.k.mount_at(sl->nsproxy->mnt_ns, "/srv/ns/net"), nullptr);
  m.check_ledger();
  // The group's last peers go: its slave is left private (no master to hand it to).
  m.k.sys_exit(p, 0);
  m.k.sys_exit(a, 0);
  EXPECT_EQ(sl->nsproxy->mnt_ns->master, 0u);
  m.check_ledger();
}

// A copy owned by a less privileged user namespace becomes a slave of a
// shared tree (CL_SHARED_TO_SLAVE), not a peer.
TEST(Lifetime, LessPrivilegedCopyOfASharedTreeIsASlave) {
  Model m;
  ASSERT_TRUE(m.k.sys_mount_propagation(m.init, kMsShared).has_value());
  Task* u = m.fork(m.init, CLONE_NEWUSER | CLONE_NEWNS, "u");
  EXPECT_EQ(u->nsproxy->mnt_ns->group, 0u);
  EXPECT_EQ(u->nsproxy->mnt_ns->master, m.init->nsproxy->mnt_ns->group);
  // ENOTDIR: onto a created directory, and under a file.
  Kernel::PathRef src;
  src.task = m.init;
  src.link = Link::Uts;
  ASSERT_TRUE(m.k.sys_mount_bind(m.init, src, "/mnt/d/f").has_value());
  EXPECT_EQ(m.k.mount_at(u->nsproxy->mnt_ns, "/mnt/d/f")->ns, m.init->nsproxy->uts_ns);  // received
  EXPECT_EQ(m.k.sys_mount_bind(m.init, src, "/mnt/d").error().code, ENOTDIR);
  EXPECT_EQ(m.k.sys_mount_bind(m.init, src, "/mnt/d/f/g").error().code, ENOTDIR);
  EXPECT_EQ(m.k.sys_umount(m.init, "/mnt/d").error().code, EINVAL);
  m.check_ledger();
}

TEST(Lifetime, LeakCheckerFindsNothingAfterEverythingExits) {
  Model m;
  Task* a = m.fork(m.init, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWUSER);
  Task* b = m.fork(a, CLONE_NEWPID | CLONE_NEWIPC);
  int fd = *m.k.sys_open_nsfs(m.init, b, Link::Ipc);
  m.k.sys_exit(b, 0);
  m.k.sys_exit(a, 0);
  ASSERT_TRUE(*m.k.sys_wait4(m.init, a));
  // b was reparented to init (the child_reaper) when a exited.
  ASSERT_TRUE(*m.k.sys_wait4(m.init, b));
  ASSERT_TRUE(m.k.sys_close(m.init, fd).has_value());
  std::vector<const RefCounted*> allowed = m.k.boot_objects();
  for (auto* o : m.k.registry().live())
    if (o->kind() != ObjKind::UtsNamespace && o->kind() != ObjKind::NetNamespace &&
        o->kind() != ObjKind::UserNamespace && o->kind() != ObjKind::PidNamespace &&
        o->kind() != ObjKind::IpcNamespace && o->kind() != ObjKind::MntNamespace &&
        o->kind() != ObjKind::TimeNamespace && o->kind() != ObjKind::CgroupNamespace)
      allowed.push_back(o);  // init's own nsproxy, cred, files...
  EXPECT_THAT(m.k.registry().leaks(allowed), ::testing::IsEmpty());
}

TEST(Lifetime, LeakCheckerNamesTheLeakedObject) {
  Model m;
  Task* a = m.fork(m.init, CLONE_NEWUTS);
  (void)a;  // still running: its uts namespace is live
  auto leaks = m.k.registry().leaks(m.k.boot_objects());
  EXPECT_THAT(leaks, ::testing::Contains(::testing::HasSubstr("[UtsNamespace #2] refcount 1 instead of 0")));
}

// Nsproxies are not listed in the registry (they are made on every setns):
// the leak checker finds them in their pool, and only its own Kernel's.
TEST(Lifetime, LeakCheckerNamesALeakedNsProxy) {
  Model other;  // another Kernel's nsproxies share the pool
  ObjectRegistry reg;
  auto* p = new NsProxy(reg, 42);
  auto leaks = reg.leaks({});
  EXPECT_THAT(leaks, ::testing::ElementsAre("[NsProxy #42] refcount 1 instead of 0"));
  EXPECT_EQ(reg.count(ObjKind::NsProxy), 1u);
  (void)p->put();
  delete p;
  EXPECT_THAT(reg.leaks({}), ::testing::IsEmpty());
  // The other Kernel still sees exactly its init's nsproxy.
  EXPECT_EQ(other.k.registry().count(ObjKind::NsProxy), 1u);
  EXPECT_EQ(other.k.nsproxies().size(), 1u);
}

// setns() with tracing off borrows the old nsproxy's references, or updates
// an nsproxy of count 1 in place (the model's shortcuts); every count, id and
// sharing relation after the call must be what the kernel's sequence (tracing
// on: a new nsproxy, get all eight, put the old nsproxy's eight) leaves.
TEST(Setns, BorrowedCopyEndsWithTheKernelsCounts) {
  auto run = [](bool tracing) {
    Model m;
    m.k.trace.on = tracing;
    Task* a = m.fork(m.init, CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWCGROUP);
    int uts = *m.k.sys_open_nsfs(m.init, a, Link::Uts);
    int net = *m.k.sys_open_nsfs(m.init, a, Link::Net);
    int pidfd = *m.k.sys_pidfd_open(m.init, a, 0);
    std::vector<uint32_t> counts;
    auto snap = [&] {
      m.check_ledger();
      for (auto& rec : m.k.ns_records()) counts.push_back(rec.ns ? rec.ns->refs() : 0);
      for (const NsProxy* p : m.k.nsproxies()) counts.push_back(p->count()), counts.push_back(p->id());
      counts.push_back(static_cast<uint32_t>(m.k.nsproxies().size()));
      for (size_t id = 1; id < m.k.task_slots(); ++id)  // which nsproxy each task has (its id)
        if (Task* t = m.k.task(id)) counts.push_back(t->nsproxy ? t->nsproxy->id() : 0);
    };
    const uint32_t before = m.init->nsproxy->id();
    // Ours alone (count 1): the kernel's old nsproxy dies, tracing off updates it in place.
    EXPECT_EQ(m.init->nsproxy->count(), 1u);
    EXPECT_TRUE(m.k.sys_setns(m.init, uts, CLONE_NEWUTS).has_value());
    EXPECT_NE(m.init->nsproxy->id(), before);  // a new nsproxy all the same
    EXPECT_EQ(m.init->nsproxy->uts_ns, a->nsproxy->uts_ns);
    EXPECT_EQ(m.init->nsproxy->count(), 1u);
    snap();
    {
      // A failing ->install() on a count-1 nsproxy (pidns_install(): init's
      // pid namespace is above d's active one): d's nsproxy stays as it was.
      Task* d = m.fork(m.init, CLONE_NEWPID);
      int up = *m.k.sys_open_nsfs(d, m.init, Link::Pid);
      const NsProxy* dp = d->nsproxy;
      const uint32_t d_id = dp->id();
      PidNamespace* d_pid = dp->pid_ns_for_children;
      EXPECT_EQ(dp->count(), 1u);
      auto r = m.k.sys_setns(d, up, CLONE_NEWPID);
      EXPECT_FALSE(r.has_value());
      if (!r) {
        EXPECT_EQ(r.error().code, EINVAL);
      }
      EXPECT_EQ(d->nsproxy->id(), d_id);
      EXPECT_EQ(d->nsproxy->pid_ns_for_children, d_pid);
      snap();
      EXPECT_TRUE(m.k.sys_close(d, up).has_value());
      m.k.sys_exit(d, 0);
      EXPECT_TRUE(*m.k.sys_wait4(m.init, d));
      snap();
      // Then a count-1 setns of another task: its new id follows the one the
      // failed setns used up, as in the kernel's sequence.
      Task* e = m.fork(m.init, CLONE_NEWIPC);
      EXPECT_EQ(e->nsproxy->count(), 1u);
      int ipc = *m.k.sys_open_nsfs(e, a, Link::Ipc);
      EXPECT_TRUE(m.k.sys_setns(e, ipc, CLONE_NEWIPC).has_value());
      EXPECT_EQ(e->nsproxy->ipc_ns, a->nsproxy->ipc_ns);
      EXPECT_NE(e->nsproxy, m.init->nsproxy);
      snap();
      m.k.sys_exit(e, 0);
      EXPECT_TRUE(*m.k.sys_wait4(m.init, e));
      snap();
    }
    Task* b = m.fork(m.init);  // shares init's nsproxy: the next setns must take its own references
    EXPECT_TRUE(m.k.sys_setns(m.init, net, CLONE_NEWNET).has_value());
    EXPECT_NE(m.init->nsproxy, b->nsproxy);
    snap();
    EXPECT_FALSE(m.k.sys_setns(m.init, net, CLONE_NEWUTS).has_value());  // EINVAL: nothing changes
    snap();
    Task* c = m.fork(m.init, CLONE_NEWUTS);
    int cfd = *m.k.sys_pidfd_open(m.init, c, 0);
    m.k.sys_exit(c, 0);  // a zombie has no nsproxy: validate_nsset() fails after prepare_nsset()
    auto r = m.k.sys_setns(m.init, cfd, CLONE_NEWUTS);
    EXPECT_FALSE(r.has_value());
    if (!r) {
      EXPECT_EQ(r.error().code, ESRCH);
    }
    snap();
    EXPECT_TRUE(*m.k.sys_wait4(m.init, c));
    EXPECT_TRUE(m.k.sys_setns(m.init, pidfd, CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP).has_value());
    snap();
    m.k.sys_exit(b, 0);
    EXPECT_TRUE(*m.k.sys_wait4(m.init, b));
    snap();
    return counts;
  };
  EXPECT_EQ(run(false), run(true));
}

// The setns path is compiled twice (sim/nsproxy.cc: Trace and NoTrace), and
// the quiet build takes shortcuts (in place, borrowed copies). Random
// scenarios from the fuzzer, replayed with tracing on and off, must reach the
// same state after every step: each namespace's refcount, each nsproxy's id
// and count, which nsproxy each task has, and each call's result.
TEST(Setns, QuietAndTracedBuildsAgreeOnGeneratedScenarios) {
  auto replay = [](const Scenario& sc, bool tracing) {
    Runner::Options opt;
    opt.trace = tracing;
    Runner runner(sc, opt);
    std::vector<std::string> states;
    RunSummary sum = runner.run([&](const StepRecord& r) {
      const Kernel& k = runner.sim().kernel();
      if (r.kind == StepRecord::Call && r.outcome.usage_error.empty()) {
        EXPECT_EQ(!r.events.empty(), tracing) << "line " << r.line;  // the build that ran
      }
      std::string st = fmt::format("line {}: {} {} {}", r.line, r.outcome.result, r.outcome.err, r.verdict == Verdict::Pass);
      for (auto& rec : k.ns_records()) st += fmt::format(" {}", rec.ns ? rec.ns->refs() : 0);
      for (const NsProxy* p : k.nsproxies()) st += fmt::format(" nsproxy#{}={}", p->id(), p->count());
      for (size_t id = 0; id < k.task_slots(); ++id)
        if (const Task* t = k.task(static_cast<uint32_t>(id)))
          st += fmt::format(" t{}:{}", id, t->nsproxy ? t->nsproxy->id() : 0);
      states.push_back(std::move(st));
    });
    EXPECT_FALSE(sum.error.has_value());
    return states;
  };
  int setns_lines = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    std::string src;
    for (auto& l : generate_scenario(FuzzOptions{seed, 60})) {
      src += l + "\n";
      setns_lines += l.find("setns(") != std::string::npos;
    }
    ParseResult pr = parse_scenario(src, "<fuzz>");
    ASSERT_TRUE(pr.ok()) << "seed " << seed;
    auto traced = replay(pr.scenario, true), quiet = replay(pr.scenario, false);
    ASSERT_EQ(traced.size(), quiet.size()) << "seed " << seed;
    for (size_t i = 0; i < traced.size(); ++i)
      ASSERT_EQ(traced[i], quiet[i]) << "seed " << seed << ", step " << i;
  }
  EXPECT_GT(setns_lines, 500);  // the generated scenarios do exercise setns
}

// nssim fuzz's generator makes socketpairs and passes fds over them: sends
// that queue a file and receives that install one, on the model.
TEST(Fuzz, GeneratesSocketpairsSendsAndReceives) {
  int pairs = 0, sends = 0, recvs = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed)
    for (auto& l : generate_scenario(FuzzOptions{seed, 60})) {
      pairs += l.find("socketpair(") != std::string::npos;
      sends += l.find(": send(") != std::string::npos;
      recvs += l.find(": recv(") != std::string::npos;
    }
  EXPECT_GT(pairs, 20);
  EXPECT_GT(sends, 20);
  EXPECT_GT(recvs, 20);
}

// ... and nsfs file handles: handles of fds, opened again by any task.
TEST(Fuzz, GeneratesNsfsFileHandles) {
  int handles = 0, opens = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed)
    for (auto& l : generate_scenario(FuzzOptions{seed, 60})) {
      handles += l.find(": name_to_handle_at(") != std::string::npos;
      opens += l.find(": open_by_handle_at(") != std::string::npos;
    }
  EXPECT_GT(handles, 20);
  EXPECT_GT(opens, 20);
}

// ... and open_tree(OPEN_TREE_NAMESPACE) (EINVAL on the default 6.18; a mount
// namespace on 7.2), with setns() into the fds it made.
TEST(Fuzz, GeneratesOpenTreeNamespaces) {
  int trees = 0, made = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    FuzzOptions o{seed, 60};
    o.config.kernel = {7, 2};
    for (auto& l : generate_scenario(o)) trees += l.find(": open_tree(") != std::string::npos;
  }
  for (uint64_t seed = 1; seed <= 100; ++seed)
    for (auto& l : generate_scenario(FuzzOptions{seed, 60})) made += l.find(": open_tree(") != std::string::npos;
  EXPECT_GT(trees, 10);
  EXPECT_GT(made, 10);
}

TEST(Exit, InitOfAPidNamespaceTakesItsTasksWithIt) {
  Model m;
  Task* c = m.fork(m.init, CLONE_NEWPID);  // pid 1 of a new namespace
  Task* d = m.fork(c);
  uint32_t d_id = d->id;
  Task* outside_child = nullptr;
  (void)outside_child;
  m.k.sys_exit(c, 0);
  EXPECT_EQ(m.k.task(d_id), nullptr);  // killed and reaped by c in zap_pid_ns_processes()
  EXPECT_EQ(c->state, TaskState::Zombie);
  EXPECT_FALSE(c->thread_pid->numbers.back().ns->adding);
  m.check_ledger();
}

TEST(Exit, ZapWaitsForZombiesWhoseParentIsOutside) {
  Model m;
  Task* inner = m.fork(m.init, CLONE_NEWPID);
  int fd = *m.k.sys_open_nsfs(m.init, inner, Link::Pid);
  ASSERT_TRUE(m.k.sys_setns(m.init, fd, CLONE_NEWPID).has_value());
  Task* x = m.fork(m.init);  // in inner's namespace, parent outside
  m.k.sys_exit(inner, 0);
  EXPECT_EQ(inner->state, TaskState::Exiting);  // waits for x to be reaped by init
  EXPECT_EQ(x->state, TaskState::Zombie);
  ASSERT_TRUE(*m.k.sys_wait4(m.init, x));
  EXPECT_EQ(inner->state, TaskState::Zombie);
  m.check_ledger();
}

TEST(Trace, EventsNameTheKernelFunctionsAndReferences) {
  Model m;
  m.k.trace.on = true;
  m.fork(m.init, CLONE_NEWNET);
  auto ev = m.k.trace.take();
  std::vector<std::string> fns;
  for (auto& e : ev) fns.push_back(e.fn);
  EXPECT_THAT(fns, ::testing::IsSupersetOf({"clone", "copy_process", "copy_namespaces", "create_new_namespaces",
                                            "copy_net_ns", "alloc_pid"}));
  m.k.sys_exit(m.init->last_child(), 0);
  ev = m.k.trace.take();
  bool saw_put = false;
  for (auto& e : ev) saw_put |= e.fn == "put_nsproxy" && e.detail.find("1→0") != std::string::npos;
  EXPECT_TRUE(saw_put);
}

TEST(RefCountedDeathTest, PutBelowZeroAbortsWithTheObjectsName) {
  EXPECT_DEATH(
      {
        Kernel k;
        NsProxy* p = k.init_task()->nsproxy;
        (void)p->put();
        (void)p->put();
      },
      "NsProxy #1");
}

// mnt_ns_loop() compares ns_ids. The model counts them up in creation order;
// the kernel's come from per-CPU batches, so with --real the Runner adopts the
// kernel's ids. Either order must give the kernel's answer for those ids.
TEST(MntNsLoop, ComparesNsIdsNotCreationOrder) {
  Model m;
  Task* child = m.fork(m.init, CLONE_NEWNS, "child");  // a newer mount namespace
  Kernel::PathRef src{child, Link::Mnt, {}, false};
  ASSERT_TRUE(m.k.sys_mount_bind(m.init, src, "/run/netns/a").has_value());
  // Ids as a kernel might hand them out on two CPUs: the newer one smaller.
  m.k.adopt_ns_id(m.init->nsproxy->mnt_ns->serial, 9000);
  m.k.adopt_ns_id(child->nsproxy->mnt_ns->serial, 4097);
  auto r = m.k.sys_mount_bind(m.init, src, "/run/netns/b");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EINVAL);
  m.check_ledger();
}

// The leak checker over every bundled scenario: run it on the model, then
// every task exits and is reaped, every fd is closed and every /run mount
// unmounted; only the initial namespaces and nsproxy (and what the initial
// task still uses) may remain. The fuzzer runs the same check on every run.
class LeakCheck : public ::testing::TestWithParam<std::string> {};

TEST_P(LeakCheck, NothingButTheInitialObjectsSurvivesTheTeardown) {
  std::ifstream in(std::filesystem::path(NSSIM_SOURCE_DIR) / GetParam());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<std::string> problems;
  for (auto& p : check_scenario(lines, nullptr)) problems.push_back(fmt::format("line {}: {}", p.line, p.what));
  EXPECT_THAT(problems, ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Bundled, LeakCheck, ::testing::ValuesIn(testing::bundled_scenarios()),
                         [](const auto& i) { return testing::path_test_name(i.param); });

// --real rootless or in a container's user namespace: the model boots that
// user namespace (Kernel::Config::env_user) below its init_user_ns, owning
// every other initial namespace, with the initial task root in it; /proc is
// read from inside it (ids and maps as such a reader sees them). Here: uid and
// gid 65534 mapped to 0, as nssim maps itself when not root.
Kernel::Config rootless_config() {
  Kernel::Config cfg;
  EnvUserNs e;
  e.uid_map = {{0, 65534, 1}};
  e.gid_map = {{0, 65534, 1}};
  e.owner = e.group = 65534;
  e.setgroups_allowed = false;
  cfg.env_user = e;
  return cfg;
}

TEST(EnvUser, TheRunsUserNamespaceOwnsEveryInitialNamespace) {
  Kernel k(rootless_config());
  Task* init = k.init_task();
  const UserNamespace* u = init->cred->user_ns;
  ASSERT_NE(u->parent, nullptr);
  EXPECT_EQ(u->level, 1u);
  EXPECT_FALSE(u->setgroups_allowed);
  EXPECT_EQ(init->cred->uid, 65534u);  // its uid 0, as a kernel id
  EXPECT_EQ(init->cred->egid, 65534u);
  for (Link l : kAllLinks)
    if (l != Link::User) EXPECT_EQ(k.ns_of_link(init, l)->user_ns, u) << link_name(l);
  // Root there: a new network namespace is allowed, a host id is not mappable.
  auto net = k.sys_unshare(init, CLONE_NEWNET);
  EXPECT_TRUE(net.has_value());
  Model m;  // the host's root, for contrast
  EXPECT_EQ(m.init->cred->user_ns->parent, nullptr);
}

TEST(EnvUser, ObservationsReadIdsAndMapsAsAReaderInsideIt) {
  auto pr = parse_scenario(
      "init: clone(CLONE_NEWUSER) -> a\n"
      "init: write(\"/proc/a/uid_map\", \"0 0 1\") = 0\n"         // init's uid 0: kernel id 65534
      "init: write(\"/proc/a/gid_map\", \"0 1000 1\") = EPERM\n"  // 1000 is not mapped in the run's namespace
      "init: write(\"/proc/a/gid_map\", \"0 0 1\") = 0\n",
      "env.nss");
  ASSERT_TRUE(pr.ok());
  Runner::Options opt;
  opt.config = rootless_config();
  Runner runner(pr.scenario, opt);
  RunSummary sum = runner.run([](const StepRecord&) {});
  EXPECT_EQ(sum.results_failed, 0u);
  Observation o = runner.sim().observe();
  const TaskObs* init = o.find("init");
  const TaskObs* a = o.find("a");
  ASSERT_TRUE(init && a);
  // uid_m_show(): its own namespace's map in its parent's terms...
  EXPECT_EQ(init->uid_map, "0 65534 1");
  EXPECT_EQ((std::array<uint32_t, 4>{0, 0, 0, 0}), init->uids);  // from_kuid_munged(): 65534 reads as 0
  // ...a child's in the reader's: kernel id 65534 is the reader's uid 0.
  EXPECT_EQ(a->uid_map, "0 0 1");
  EXPECT_EQ(a->gid_map, "0 0 1");
  EXPECT_EQ((std::array<uint32_t, 4>{0, 0, 0, 0}), a->uids);
}

// Per-step observation must cost what is live, not the run's history (issue
// 19: observing every task ever named and every namespace ever made made a
// 2*10^4-step trace take 30 s). A long run with at most two live tasks: the
// records SimBackend::observe() visits, and what it lists, stay bounded while
// thousands of tasks and namespaces come and go. Counts records, not time.
TEST(Observe, CostsWhatIsLiveNotHistory) {
  constexpr int kRounds = 3000;
  std::string src = "task init\n";
  for (int i = 0; i < kRounds; ++i)
    src += fmt::format(
        "init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> t{0}\nt{0}: sethostname(\"h{0}\")\n"
        "init: open(\"/proc/t{0}/ns/net\") -> fd{0}\nt{0}: exit(0)\ninit: wait(t{0})\ninit: close(fd{0})\n",
        i);
  auto pr = parse_scenario(src);
  ASSERT_TRUE(pr.ok());
  Runner::Options opt;
  opt.trace = false;
  Runner runner(pr.scenario, opt);
  size_t max_tasks = 0, max_ns = 0, max_listed_tasks = 0, max_listed_ns = 0;
  int reaped_listed = 0, freed_listed = 0;
  std::string last_reaped;
  uint64_t last_freed = UINT64_MAX;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    if (r.kind != StepRecord::Call) return;
    auto cost = runner.sim().last_observe_cost();
    max_tasks = std::max(max_tasks, cost.tasks);
    max_ns = std::max(max_ns, cost.namespaces);
    max_listed_tasks = std::max(max_listed_tasks, r.obs.tasks.size());
    max_listed_ns = std::max(max_listed_ns, r.obs.liveness.size());
    // What an earlier step reaped or freed is not listed any more...
    EXPECT_EQ(r.obs.find(last_reaped), nullptr) << "step " << r.step;
    for (auto& l : r.obs.liveness) EXPECT_NE(l.token, last_freed) << "step " << r.step;
    last_reaped.clear();
    last_freed = UINT64_MAX;
    // ... but what this step reaped or freed is, as reaped or freed.
    for (auto& t : r.obs.tasks)
      if (t.state == TaskState::Reaped) last_reaped = t.name, ++reaped_listed;
    for (auto& l : r.obs.liveness)
      if (!l.alive) last_freed = l.token, ++freed_listed;
  });
  ASSERT_FALSE(sum.error);
  EXPECT_TRUE(sum.ok());
  const Kernel& k = runner.sim().kernel();
  ASSERT_GE(k.task_slots(), size_t{kRounds});
  ASSERT_GE(k.ns_records().size(), size_t{2 * kRounds});
  EXPECT_EQ(k.nr_live_tasks(), 1u);
  EXPECT_EQ(reaped_listed, kRounds);  // each t<i> listed as reaped once, in the step that reaped it
  EXPECT_EQ(freed_listed, 2 * kRounds);  // its uts and net namespaces, once each
  // Live at any step: init and one t<i> (plus the one reaped in that step);
  // the 8 initial namespaces, t<i>'s uts and net (plus up to 2 freed in that
  // step). observe() visits each once to list it and once to prune it.
  EXPECT_LE(max_listed_tasks, 3u);
  EXPECT_LE(max_listed_ns, 12u);
  EXPECT_LE(max_tasks, 2 * 3u);
  EXPECT_LE(max_ns, 2 * 12u);
}

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A peer that is the model, except that it renumbers NS_GET_ID's answers.
class RenumberingPeer : public Backend {
 public:
  RenumberingPeer(KernelVersion v, std::function<uint64_t(uint64_t)> f) : inner_(config(v)), f_(std::move(f)) {}
  std::string_view name() const override { return "renumbering"; }
  CallOutcome call(const CallStmt& c) override {
    CallOutcome o = inner_.call(c);
    if (o.ok && c.kind == CallKind::Ioctl && c.ioctl == IoctlCmd::NsGetId)
      o.result = std::to_string(f_(std::stoull(o.result)));
    return o;
  }
  Observation observe() override { return inner_.observe(); }

 private:
  static Kernel::Config config(KernelVersion v) {
    Kernel::Config cfg;
    cfg.kernel = v;
    return cfg;
  }
  SimBackend inner_;
  std::function<uint64_t(uint64_t)> f_;
};

std::vector<std::string> id_disagreements(const std::string& src, KernelVersion v, std::function<uint64_t(uint64_t)> f) {
  auto pr = parse_scenario(src, "t.nss");
  EXPECT_TRUE(pr.ok());
  RenumberingPeer peer(v, std::move(f));
  Runner::Options opt;
  opt.peer = &peer;
  Kernel::Config cfg;
  cfg.kernel = v;
  opt.config = cfg;
  Runner r(pr.scenario, opt);
  std::vector<std::string> out;
  r.run([&](const StepRecord& s) { out.insert(out.end(), s.disagreements.begin(), s.disagreements.end()); });
  return out;
}

// --real compares NS_GET_ID by identity: any renumbering that keeps one id per
// namespace agrees on 6.18 (per-CPU batches); where the kernel counts up
// (7.x) the order and the fixed initial ids must match as well.
TEST(NsIdComparison, IdentityNotNumbers) {
  const std::string src =
      "init: open(\"/proc/self/ns/uts\") -> u\n"
      "init: ioctl(u, NS_GET_ID)\n"
      "init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> c\n"
      "init: open(\"/proc/c/ns/uts\") -> cu\n"
      "init: ioctl(cu, NS_GET_ID)\n"
      "init: open(\"/proc/c/ns/net\") -> cn\n"
      "init: ioctl(cn, NS_GET_ID)\n"
      "init: ioctl(u, NS_GET_ID)\n";
  KernelVersion v618{6, 18}, v72{7, 2};
  EXPECT_THAT(id_disagreements(src, v618, [](uint64_t x) { return 5000 - x; }), IsEmpty());  // any order on 6.18
  EXPECT_THAT(id_disagreements(src, v72, [](uint64_t x) { return x <= 8 ? x : 100 + x; }), IsEmpty());
  EXPECT_THAT(id_disagreements(src, v618, [](uint64_t) { return 42; }),
              Contains(HasSubstr("one id for two namespaces")));
  uint64_t n = 0;
  EXPECT_THAT(id_disagreements(src, v618, [&](uint64_t) { return ++n + 1000; }),
              Contains(HasSubstr("one namespace, two ids")));
  EXPECT_THAT(id_disagreements(src, v72, [](uint64_t x) { return x <= 8 ? x : 5000 - x; }),
              Contains(HasSubstr("creation order")));
  EXPECT_THAT(id_disagreements(src, v72, [](uint64_t x) { return x == 2 ? 3 : x; }),
              Contains(HasSubstr("fixed id 3")));
  // The sandbox's uts (a model id <= 8) may be any id older than the scenario's.
  EXPECT_THAT(id_disagreements(src, v72, [](uint64_t x) { return x == 2 ? 9 : x; }), IsEmpty());
}

}  // namespace
}  // namespace nssim
