// Conformance tests: written once, run against the model (Sim) and the live
// kernel (Real). Each asserts what the kernel does; a Real instance that
// cannot run here is skipped with the reason.
#include "tests/testing.h"

namespace nssim::testing {
namespace {

using ::testing::Not;

class Conformance : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    s_ = std::make_unique<Session>(GetParam());
    if (!s_->available()) GTEST_SKIP() << "live kernel backend unavailable: " << s_->skip_reason();
  }
  Session& s() { return *s_; }
  // A fresh session whose live run has a cgroup of its own (cgroup
  // statements); the test skips, with the reason, where cgroup2 is not
  // writable. Callers return when IsSkipped().
  void UseCgroups() {
    s_ = std::make_unique<Session>(GetParam(), kDefaultKernel, /*cgroup=*/true);
    if (!s_->available()) GTEST_SKIP() << "cannot run live here: " << s_->skip_reason();
  }
  std::unique_ptr<Session> s_;
};

constexpr Link kNsproxyLinks[] = {Link::Cgroup, Link::Ipc, Link::Mnt, Link::Net, Link::PidForChildren,
                                  Link::Time, Link::TimeForChildren, Link::Uts};

TEST_P(Conformance, PlainForkSharesEveryNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  for (Link l : kAllLinks) EXPECT_TRUE(s().same("a", l, "init", l));
}

TEST_P(Conformance, CloneNewFlagsCreateOnlyTheFlaggedTypes) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b"), Succeeds());
  EXPECT_FALSE(s().same("b", Link::Uts, "init", Link::Uts));
  EXPECT_FALSE(s().same("b", Link::Net, "init", Link::Net));
  for (Link l : {Link::Cgroup, Link::Ipc, Link::Mnt, Link::Pid, Link::Time, Link::User})
    EXPECT_TRUE(s().same("b", l, "init", l));
}

TEST_P(Conformance, UnshareCreatesOneNamespaceOfEachType) {
  struct Case {
    const char* flag;
    Link link;
  } cases[] = {{"CLONE_NEWUTS", Link::Uts}, {"CLONE_NEWIPC", Link::Ipc},    {"CLONE_NEWNET", Link::Net},
               {"CLONE_NEWNS", Link::Mnt},  {"CLONE_NEWCGROUP", Link::Cgroup}, {"CLONE_NEWUSER", Link::User}};
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  for (auto& c : cases) {
    ASSERT_THAT(s().run(std::string("a: unshare(") + c.flag + ")"), Succeeds()) << c.flag;
    EXPECT_FALSE(s().same("a", c.link, "init", c.link)) << c.flag;
  }
  EXPECT_TRUE(s().same("a", Link::Pid, "init", Link::Pid));
  EXPECT_TRUE(s().same("a", Link::Time, "init", Link::Time));
}

TEST_P(Conformance, UnshareNewpidMovesOnlyPidForChildren) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  EXPECT_TRUE(s().same("p", Link::Pid, "init", Link::Pid));
  // pid_for_children cannot be opened until the namespace has its init.
  EXPECT_FALSE(s().openable("p", Link::PidForChildren));
  EXPECT_THAT(s().run("p: open(\"/proc/self/ns/pid_for_children\") -> f"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("p: unshare(CLONE_NEWPID)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("p: clone(0) -> c"), Succeeds());
  EXPECT_EQ(s().nspid("c").back(), 1u);  // pid 1: the namespace's child_reaper
  EXPECT_TRUE(s().same("p", Link::PidForChildren, "c", Link::Pid));
  EXPECT_THAT(s().run("p: unshare(CLONE_NEWPID)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("p: clone(CLONE_NEWPID) -> x"), FailsWithErrno(EINVAL));
}

TEST_P(Conformance, UnshareNewtimeThenForkEntersIt) {
  ASSERT_THAT(s().run("init: clone(0) -> t"), Succeeds());
  ASSERT_THAT(s().run("t: unshare(CLONE_NEWTIME)"), Succeeds());
  EXPECT_TRUE(s().same("t", Link::Time, "init", Link::Time));
  EXPECT_FALSE(s().same("t", Link::TimeForChildren, "init", Link::Time));
  ASSERT_THAT(s().run("t: clone(0) -> k"), Succeeds());
  EXPECT_TRUE(s().same("k", Link::Time, "t", Link::TimeForChildren));
}

TEST_P(Conformance, SetnsNstypeMustMatchTheFd) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> x"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> y"), Succeeds());
  ASSERT_THAT(s().run("y: open(\"/proc/x/ns/net\") -> fd"), Succeeds());
  EXPECT_THAT(s().run("y: setns(fd, CLONE_NEWUTS)"), FailsWithErrno(EINVAL));
  EXPECT_FALSE(s().same("y", Link::Net, "x", Link::Net));
  EXPECT_THAT(s().run("y: setns(fd, 0)"), Succeeds());
  EXPECT_TRUE(s().same("y", Link::Net, "x", Link::Net));
  ASSERT_THAT(s().run("y: close(fd)"), Succeeds());
  EXPECT_THAT(s().run("y: setns(fd, 0)"), FailsWithErrno(EBADF));
}

// kernel/nsproxy.c: SYSCALL_DEFINE2(setns, int, fd, int, flags) @ v6.18: the
// flags are an int (bits 32-63 are dropped; for a pidfd, bit 31 is
// sign-extended into check_setns_flags()); ksys_unshare() takes unsigned long
// and refuses unknown high bits.
TEST_P(Conformance, SetnsFlagsAreAnIntUnshareFlagsAreNot) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> x"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> y"), Succeeds());
  ASSERT_THAT(s().run("y: open(\"/proc/x/ns/net\") -> fd"), Succeeds());
  EXPECT_THAT(s().run("y: setns(fd, 0x100000000)"), Succeeds());  // nstype 0: any type
  EXPECT_TRUE(s().same("y", Link::Net, "x", Link::Net));
  ASSERT_THAT(s().run("y: pidfd_open(x) -> pfd"), Succeeds());
  EXPECT_THAT(s().run("y: setns(pfd, 0x80000000|CLONE_NEWUTS)"), FailsWithErrno(EINVAL));
  EXPECT_FALSE(s().same("y", Link::Uts, "x", Link::Uts));
  EXPECT_THAT(s().run("y: setns(pfd, 0x100000000|CLONE_NEWUTS)"), Succeeds());
  EXPECT_TRUE(s().same("y", Link::Uts, "x", Link::Uts));
  EXPECT_THAT(s().run("y: unshare(0x100000000)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("y: unshare(0x100000000|CLONE_NEWIPC)"), FailsWithErrno(EINVAL));
  EXPECT_TRUE(s().same("y", Link::Ipc, "init", Link::Ipc));
}

TEST_P(Conformance, SetnsPidOnlyToActiveOrDescendantAndOnlyPidForChildren) {
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWPID) -> inner"), Succeeds());
  ASSERT_THAT(s().run("j: open(\"/proc/inner/ns/pid\") -> f"), Succeeds());
  ASSERT_THAT(s().run("j: setns(f, CLONE_NEWPID)"), Succeeds());
  EXPECT_TRUE(s().same("j", Link::Pid, "init", Link::Pid));  // the caller's pid does not move
  EXPECT_TRUE(s().same("j", Link::PidForChildren, "inner", Link::Pid));
  ASSERT_THAT(s().run("j: clone(0) -> g"), Succeeds());
  EXPECT_EQ(s().nspid("g").size(), 2u);
  EXPECT_EQ(s().nspid("g").back(), 2u);
  ASSERT_THAT(s().run("inner: open(\"/proc/init/ns/pid\") -> up"), Succeeds());
  EXPECT_THAT(s().run("inner: setns(up, CLONE_NEWPID)"), FailsWithErrno(EINVAL));
}

TEST_P(Conformance, SetnsTimeChangesBothTimeLinks) {
  ASSERT_THAT(s().run("init: clone3(CLONE_NEWTIME) -> t"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: open(\"/proc/t/ns/time\") -> f"), Succeeds());
  ASSERT_THAT(s().run("j: setns(f, CLONE_NEWTIME)"), Succeeds());
  EXPECT_TRUE(s().same("j", Link::Time, "t", Link::Time));
  EXPECT_TRUE(s().same("j", Link::TimeForChildren, "t", Link::Time));
}

// The legacy clone's side (no time namespace; EINVAL since 7.1) is
// KernelProfiles.LegacyCloneWithCloneNewtime.
TEST_P(Conformance, LegacyCloneCannotMakeATimeNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> t1"), Succeeds());
  ASSERT_THAT(s().run("init: clone3(CLONE_NEWTIME) -> t2"), Succeeds());
  EXPECT_FALSE(s().same("t2", Link::Time, "init", Link::Time));
  EXPECT_TRUE(s().same("t2", Link::Time, "t2", Link::TimeForChildren));
}

TEST_P(Conformance, InvalidCloneFlagCombinations) {
  EXPECT_THAT(s().run("init: clone(CLONE_NEWIPC|CLONE_SYSVSEM) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: clone(CLONE_NEWPID|CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: clone(CLONE_NEWNS|CLONE_FS) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_FS) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: clone(CLONE_PARENT) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: clone3(CLONE_NEWIPC|CLONE_SYSVSEM) -> x"), FailsWithErrno(EINVAL));
}

TEST_P(Conformance, ZombieKeepsOnlyPidAndUserLinks) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> z"), Succeeds());
  ASSERT_THAT(s().run("z: exit(0)"), Succeeds());
  EXPECT_EQ(s().state("z"), TaskState::Zombie);
  for (Link l : kNsproxyLinks) EXPECT_FALSE(s().openable("z", l)) << link_name(l);
  EXPECT_TRUE(s().same("z", Link::Pid, "init", Link::Pid));
  EXPECT_TRUE(s().same("z", Link::User, "init", Link::User));
  EXPECT_THAT(s().run("init: wait(z)"), Returns("z"));
  EXPECT_EQ(s().state("z"), TaskState::Reaped);
  EXPECT_THAT(s().run("init: open(\"/proc/z/ns/pid\") -> f"), FailsWithErrno(ENOENT));
}

TEST_P(Conformance, OpenFdKeepsNamespaceAliveAfterLastTask) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/proc/b/ns/net\") -> fd"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  // No task is in it any more, yet setns through the fd still finds it.
  ASSERT_THAT(s().run("a: setns(fd, CLONE_NEWNET)"), Succeeds());
  EXPECT_FALSE(s().same("a", Link::Net, "init", Link::Net));
}

TEST_P(Conformance, NamespaceIsFreedWithItsLastReference) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  auto net = s().token("b", Link::Net);
  ASSERT_TRUE(net);
  ASSERT_THAT(s().run("init: open(\"/proc/b/ns/net\") -> fd"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  auto alive = s().alive(*net);
  if (!alive) GTEST_SKIP() << "this backend cannot tell namespace liveness";
  EXPECT_TRUE(*alive);  // the fd keeps it
  ASSERT_THAT(s().run("init: close(fd)"), Succeeds());
  EXPECT_EQ(s().alive(*net), false);
}

TEST_P(Conformance, PidfdSetnsEntersSeveralAtOnce) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC) -> t"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: pidfd_open(t) -> pfd"), Succeeds());
  EXPECT_THAT(s().run("j: setns(pfd, 0)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("j: setns(pfd, CLONE_VM)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("j: setns(pfd, CLONE_NEWNET|CLONE_NEWUTS)"), Succeeds());
  EXPECT_TRUE(s().same("j", Link::Net, "t", Link::Net));
  EXPECT_TRUE(s().same("j", Link::Uts, "t", Link::Uts));
  EXPECT_TRUE(s().same("j", Link::Ipc, "init", Link::Ipc));
  ASSERT_THAT(s().run("t: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("j: setns(pfd, CLONE_NEWIPC)"), FailsWithErrno(ESRCH));
}

TEST_P(Conformance, ForkIntoPidNamespaceWhoseInitDiedIsEnomem) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  ASSERT_THAT(s().run("p: clone(0) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> d"), Succeeds());
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());  // init of the namespace: d is killed
  EXPECT_EQ(s().state("d"), TaskState::Reaped);    // ...and reaped by c on its way out
  EXPECT_EQ(s().state("c"), TaskState::Zombie);
  EXPECT_THAT(s().run("p: clone(0) -> e"), FailsWithErrno(ENOMEM));
}

TEST_P(Conformance, PidNumbersPerLevel) {
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWPID) -> b"), Succeeds());
  ASSERT_THAT(s().run("b: clone(0) -> c"), Succeeds());
  EXPECT_EQ(s().nspid("init"), (std::vector<uint32_t>{1}));
  EXPECT_EQ(s().nspid("a"), (std::vector<uint32_t>{2}));
  EXPECT_EQ(s().nspid("b"), (std::vector<uint32_t>{3, 1}));
  EXPECT_EQ(s().nspid("c"), (std::vector<uint32_t>{4, 2}));
}

// ---- credentials, capabilities, user namespaces ----------------------------

TEST_P(Conformance, DroppingRootLosesCapabilitiesButNotUserNamespaces) {
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setgid(1000)"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  EXPECT_THAT(s().run("u: setuid(0)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("u: unshare(CLONE_NEWUTS)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("u: clone(CLONE_NEWNET) -> x"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("u: unshare(CLONE_NEWUSER)"), Succeeds());
  EXPECT_THAT(s().run("u: unshare(CLONE_NEWUTS|CLONE_NEWNET)"), Succeeds());
  EXPECT_FALSE(s().same("u", Link::Uts, "init", Link::Uts));
}

TEST_P(Conformance, UnprivilegedCloneWithNewuserMayCreateTheRest) {
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  ASSERT_THAT(s().run("u: clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWUTS) -> c"), Succeeds());
  EXPECT_FALSE(s().same("c", Link::Net, "init", Link::Net));
  // Without CLONE_NEWUSER the capability check runs before the SYSVSEM rule...
  EXPECT_THAT(s().run("u: clone(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_SYSVSEM) -> x"), FailsWithErrno(EPERM));
  // ...with it, the child owns its namespaces and the flag rule decides.
  EXPECT_THAT(s().run("u: clone(CLONE_NEWUSER|CLONE_NEWIPC|CLONE_SYSVSEM) -> y"), FailsWithErrno(EINVAL));
}

// kernel/exit.c: find_new_reaper(): an orphan goes to the nearest ancestor
// that is a child subreaper, so it (not init) waits for it.
TEST_P(Conformance, OrphansGoToTheNearestSubreaper) {
  ASSERT_THAT(s().run("init: clone(0) -> shim"), Succeeds());
  ASSERT_THAT(s().run("shim: prctl(PR_SET_CHILD_SUBREAPER, 1)"), Succeeds());
  ASSERT_THAT(s().run("shim: clone(0) -> mid"), Succeeds());
  ASSERT_THAT(s().run("mid: clone(0) -> leaf"), Succeeds());
  ASSERT_THAT(s().run("mid: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("shim: wait(mid)"), Returns("mid"));
  ASSERT_THAT(s().run("leaf: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("init: wait(leaf)"), FailsWithErrno(ECHILD));
  EXPECT_THAT(s().run("shim: wait(leaf)"), Returns("leaf"));
}

// propagate_has_child_subreaper(): descendants made before the flag was set
// are marked too; clearing the flag sends later orphans back to init.
TEST_P(Conformance, SubreaperCoversOlderDescendantsUntilCleared) {
  ASSERT_THAT(s().run("init: clone(0) -> mgr"), Succeeds());
  ASSERT_THAT(s().run("mgr: clone(0) -> mid"), Succeeds());
  ASSERT_THAT(s().run("mid: clone(0) -> leaf"), Succeeds());
  ASSERT_THAT(s().run("mid: clone(0) -> leaf2"), Succeeds());
  ASSERT_THAT(s().run("mgr: prctl(PR_SET_CHILD_SUBREAPER, 1)"), Succeeds());
  ASSERT_THAT(s().run("leaf: clone(0) -> deep"), Succeeds());
  ASSERT_THAT(s().run("leaf: exit(0)"), Succeeds());  // deep: an orphan made after the flag
  ASSERT_THAT(s().run("deep: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("mgr: wait(deep)"), Returns("deep"));
  ASSERT_THAT(s().run("mgr: prctl(PR_SET_CHILD_SUBREAPER, 0)"), Succeeds());
  ASSERT_THAT(s().run("mid: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("leaf2: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("mgr: wait(leaf2)"), FailsWithErrno(ECHILD));
  EXPECT_THAT(s().run("init: wait(leaf2)"), Returns("leaf2"));
}

// find_new_reaper() stops where the pid level changes: below a new pid
// namespace's init, orphans stay with that init even under a subreaper.
TEST_P(Conformance, SubreaperDoesNotReachIntoANestedPidNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> sub"), Succeeds());
  ASSERT_THAT(s().run("sub: prctl(PR_SET_CHILD_SUBREAPER, 1)"), Succeeds());
  ASSERT_THAT(s().run("sub: clone(CLONE_NEWPID) -> pinit"), Succeeds());
  ASSERT_THAT(s().run("pinit: clone(0) -> mid"), Succeeds());
  ASSERT_THAT(s().run("mid: clone(0) -> leaf"), Succeeds());
  ASSERT_THAT(s().run("mid: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("leaf: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("sub: wait(leaf)"), FailsWithErrno(ECHILD));
  EXPECT_THAT(s().run("pinit: wait(leaf)"), Returns("leaf"));
}

// fs/namespace.c: do_umount(): MNT_DETACH skips the busy check; the open
// file keeps the detached mount and its nsfs pin until closed.
TEST_P(Conformance, LazyUmountSucceedsWhileBusyAndTheFileKeepsThePin) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: mount(\"/proc/b/ns/net\", \"/run/netns/x\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  ASSERT_THAT(s().run("init: open(\"/run/netns/x\") -> f"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\")"), FailsWithErrno(EBUSY));
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\", MNT_DETACH)"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\", MNT_DETACH)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  EXPECT_THAT(s().run("u: setns(f, CLONE_NEWNET)"), Succeeds());  // the namespace is still there
  ASSERT_THAT(s().run("u: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(u)"), Returns("u"));
  ASSERT_THAT(s().run("init: close(f)"), Succeeds());
  EXPECT_THAT(s().run("init: open(\"/run/netns/x\") -> g"), Succeeds());  // the plain file under it
  EXPECT_THAT(s().run("init: setns(g, CLONE_NEWNET)"), FailsWithErrno(EINVAL));
}

// fs/pnode.c: propagate_mnt() @ v6.12: a bind mount made in a tree whose
// root is shared appears in every peer tree too, and each copy holds the
// nsfs inode: the namespace outlives the tree it was mounted in. A file open
// through the copy keeps it busy (propagate_mount_busy()).
TEST_P(Conformance, BindMountPropagatesToASharedPeer) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: mount(\"none\", \"/\", MS_REC|MS_SHARED)"), Succeeds());
  ASSERT_THAT(s().run("a: clone(CLONE_NEWNS) -> p"), Succeeds());  // a copy of a shared tree: a peer
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("a: mount(\"/proc/n/ns/net\", \"/srv/ns/net\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("n: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(n)"), Returns("n"));
  ASSERT_THAT(s().run("a: exit(0)"), Succeeds());  // a's tree goes with its mount
  ASSERT_THAT(s().run("init: wait(a)"), Returns("a"));
  ASSERT_THAT(s().run("p: clone(0) -> q"), Succeeds());
  ASSERT_THAT(s().run("q: open(\"/srv/ns/net\") -> f"), Succeeds());
  EXPECT_THAT(s().run("q: setns(f, CLONE_NEWNET)"), Succeeds());  // the copy pinned it
  EXPECT_THAT(s().run("p: umount(\"/srv/ns/net\")"), FailsWithErrno(EBUSY));
  // The initial tree is private (the sandbox made it so): it never had the mount.
  ASSERT_THAT(s().run("init: open(\"/srv/ns/net\") -> g"), Succeeds());
  EXPECT_THAT(s().run("init: setns(g, CLONE_NEWNET)"), FailsWithErrno(EINVAL));
}

// fs/pnode.c: do_make_slave() and change_mnt_propagation(MS_PRIVATE) @ v6.12:
// a private tree neither receives nor sends; a slave receives from its old
// peers but sends nothing back. umount propagates the same way
// (propagate_umount()).
TEST_P(Conformance, PrivateRootStopsPropagationAndASlaveOnlyReceives) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: mount(\"none\", \"/\", MS_REC|MS_SHARED)"), Succeeds());
  ASSERT_THAT(s().run("a: clone(CLONE_NEWNS) -> pr"), Succeeds());
  ASSERT_THAT(s().run("pr: mount(\"none\", \"/\", MS_REC|MS_PRIVATE)"), Succeeds());
  ASSERT_THAT(s().run("a: clone(CLONE_NEWNS) -> sl"), Succeeds());
  ASSERT_THAT(s().run("sl: mount(\"none\", \"/\", MS_REC|MS_SLAVE)"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("a: mount(\"/proc/n/ns/net\", \"/mnt/net\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("pr: open(\"/mnt/net\") -> f"), Succeeds());
  EXPECT_THAT(s().run("pr: setns(f, CLONE_NEWNET)"), FailsWithErrno(EINVAL));  // only the empty file
  ASSERT_THAT(s().run("sl: open(\"/mnt/net\") -> g"), Succeeds());
  EXPECT_THAT(s().run("sl: setns(g, CLONE_NEWNET)"), Succeeds());  // received
  ASSERT_THAT(s().run("sl: close(g)"), Succeeds());
  ASSERT_THAT(s().run("sl: mount(\"/proc/n/ns/net\", \"/mnt/back\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/mnt/back\") -> h"), Succeeds());
  EXPECT_THAT(s().run("a: setns(h, CLONE_NEWNET)"), FailsWithErrno(EINVAL));  // a slave sends nothing
  // The master's umount takes the slave's copy too: sl's net link still
  // holds n's namespace, but /mnt/net in sl is the empty file again.
  ASSERT_THAT(s().run("a: umount(\"/mnt/net\")"), Succeeds());
  EXPECT_THAT(s().run("sl: umount(\"/mnt/net\")"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("sl: umount(\"/mnt/back\")"), Succeeds());
}

// A namespace file bound onto a path the mount creates (directories too, as
// `ip netns add` and `unshare --net=FILE` users do) pins it like /run/netns.
// fs/namespace.c: graft_tree() @ v6.12 refuses a directory as the mountpoint
// (ENOTDIR); fs/namei.c: a file on the way is ENOTDIR, a missing path ENOENT.
// kernel/user_namespace.c: create_user_ns() -> fs/namespace.c:
// current_chrooted() @ v6.12: a root that is a directory, not the mount
// namespace's root, forbids a new user namespace (clone and unshare alike);
// the root is inherited by a fork (kernel/fork.c: copy_fs()).
TEST_P(Conformance, ChrootedTaskCannotCreateAUserNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: chroot(\"/run/jail\")"), Succeeds());
  EXPECT_THAT(s().run("j: clone(CLONE_NEWUSER) -> u"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("j: unshare(CLONE_NEWUSER)"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("j: clone(0) -> k"), Succeeds());
  EXPECT_THAT(s().run("k: unshare(CLONE_NEWUSER)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("init: clone(CLONE_NEWUSER) -> free"), Succeeds());  // init was not moved
}

// fs/open.c: SYSCALL_DEFINE1(chroot) @ v6.12: ns_capable(current_user_ns(),
// CAP_SYS_CHROOT), the caller's own user namespace: without the capability
// EPERM, with every capability of a new user namespace it works.
TEST_P(Conformance, ChrootWithoutCapSysChrootIsEperm) {
  ASSERT_THAT(s().run("init: clone(0) -> d"), Succeeds());
  ASSERT_THAT(s().run("d: capset(effective-=CAP_SYS_CHROOT)"), Succeeds());
  EXPECT_THAT(s().run("d: chroot(\"/srv/d\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("d: clone(CLONE_NEWUSER) -> u"), Succeeds());  // d is not chrooted
  ASSERT_THAT(s().run("init: write(\"/proc/u/uid_map\", \"0 0 1\")"), Succeeds());
  ASSERT_THAT(s().run("init: write(\"/proc/u/gid_map\", \"0 0 1\")"), Succeeds());
  EXPECT_THAT(s().run("u: clone(CLONE_NEWUSER) -> w"), Succeeds());  // mapped: may nest
  EXPECT_THAT(s().run("u: chroot(\"/srv/u\")"), Succeeds());
  EXPECT_THAT(s().run("u: clone(CLONE_NEWUSER) -> v"), FailsWithErrno(EPERM));  // chrooted now
}

// fs/namei.c: path_init() @ v6.12 starts an absolute lookup at fs->root:
// after chroot("/run/jail") /proc is not there (ENOENT), a bind target names
// a file of the jail, and one made from outside is found inside; the program
// to exec is not there either. "/" is a directory, not a mount
// (do_change_type(): EINVAL); a mounted namespace file is no directory
// (ENOTDIR).
TEST_P(Conformance, ChrootedTaskResolvesProcAndBindTargetsUnderItsRoot) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: chroot(\"/run/jail\")"), Succeeds());
  EXPECT_THAT(s().run("j: open(\"/proc/n/ns/net\") -> x"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("j: mount(\"/proc/n/ns/net\", \"/run/net\", MS_BIND)"), FailsWithErrno(ENOENT));
  ASSERT_THAT(s().run("init: mount(\"/proc/n/ns/net\", \"/run/jail/run/net\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("j: open(\"/run/net\") -> f"), Succeeds());
  EXPECT_THAT(s().run("j: setns(f, CLONE_NEWNET)"), Succeeds());
  EXPECT_THAT(s().run("j: exec()"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("j: mount(\"none\", \"/\", MS_REC|MS_PRIVATE)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("j: chroot(\"/run/net\")"), FailsWithErrno(ENOTDIR));
  EXPECT_THAT(s().run("init: open(\"/run/net\") -> y"), FailsWithErrno(ENOENT));  // outside, nothing there
}

// fs/namespace.c: SYSCALL_DEFINE2(pivot_root) @ v6.12 -> fs/fs_struct.c:
// chroot_fs_refs(): every task whose root was the old root, in any fs_struct,
// moves to new_root and is not chrooted (current_chrooted() compares with the
// new root); a task chrooted elsewhere stays. /proc is then reached only
// through put_old, until umount(put_old, MNT_DETACH).
TEST_P(Conformance, PivotRootMovesEveryTaskRootedAtTheOldRoot) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> d"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: chroot(\"/run/jail\")"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"/srv/r\", \"/srv/r\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("c: pivot_root(\"/srv/r\", \"/srv/r/mnt/old\")"), Succeeds());
  EXPECT_THAT(s().run("d: open(\"/proc/n/ns/net\") -> x"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("d: open(\"/mnt/old/proc/n/ns/net\") -> y"), Succeeds());
  EXPECT_THAT(s().run("d: clone(CLONE_NEWUSER) -> du"), Succeeds());       // not chrooted
  EXPECT_THAT(s().run("j: clone(CLONE_NEWUSER) -> ju"), FailsWithErrno(EPERM));  // still chrooted
  EXPECT_THAT(s().run("init: open(\"/proc/n/ns/net\") -> z"), Succeeds());    // another namespace
  EXPECT_THAT(s().run("c: exec()"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("c: umount(\"/mnt/old\")"), FailsWithErrno(EBUSY));
  EXPECT_THAT(s().run("c: umount(\"/mnt/old\", MNT_DETACH)"), Succeeds());
  EXPECT_THAT(s().run("d: open(\"/mnt/old/proc/n/ns/net\") -> v"), FailsWithErrno(ENOENT));
}

// IS_MNT_SHARED() of put_old's mount, new_root's parent or the root's parent
// is EINVAL (fs/namespace.c: SYSCALL_DEFINE2(pivot_root) @ v6.12): why
// runtimes make / private first.
TEST_P(Conformance, PivotRootOnASharedRootIsEinval) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"/srv/r\", \"/srv/r\", MS_BIND|MS_REC)"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"none\", \"/\", MS_REC|MS_SHARED)"), Succeeds());
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/r\", \"/srv/r/mnt/old\")"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("c: mount(\"none\", \"/\", MS_REC|MS_SLAVE)"), Succeeds());
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/r\", \"/srv/r/mnt/old\")"), Succeeds());
}

// The checks in the kernel's order: may_mount() (EPERM) before the lookups
// (ENOTDIR), the root on new_root's or put_old's mount (EBUSY), new_root not
// a mount point (EINVAL), put_old not under new_root (EINVAL).
TEST_P(Conformance, PivotRootChecksInTheKernelsOrder) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"/proc/n/ns/net\", \"/srv/f\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> e"), Succeeds());
  ASSERT_THAT(s().run("e: capset(effective-=CAP_SYS_ADMIN)"), Succeeds());
  EXPECT_THAT(s().run("e: pivot_root(\"/srv/f\", \"/srv/f/old\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/f\", \"/srv/f/old\")"), FailsWithErrno(ENOTDIR));
  ASSERT_THAT(s().run("c: mount(\"/srv/r\", \"/srv/r\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: chroot(\"/run/jail\")"), Succeeds());
  EXPECT_THAT(s().run("j: pivot_root(\"/srv/r\", \"/srv/r/old\")"), FailsWithErrno(EBUSY));  // /run's mount
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/plain\", \"/srv/plain/old\")"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/r\", \"/srv/elsewhere\")"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("c: umount(\"/srv/r\")"), Succeeds());
  EXPECT_THAT(s().run("c: pivot_root(\"/srv/r\", \"/srv/r/old\")"), FailsWithErrno(EINVAL));  // no mount point now
}

// fs/fs_struct.c: set_fs_root() changes the fs_struct every CLONE_FS sharer
// uses; fs/namespace.c: mntns_install() @ v6.12 sets the root to the
// namespace's own root, leaving the chroot.
TEST_P(Conformance, ChrootMovesTheFsStructAndSetnsLeavesIt) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: open(\"/proc/p/ns/mnt\") -> m"), Succeeds());
  ASSERT_THAT(s().run("p: clone(CLONE_FS) -> q"), Succeeds());
  ASSERT_THAT(s().run("q: chroot(\"/mnt/q\")"), Succeeds());
  EXPECT_THAT(s().run("p: open(\"/proc/n/ns/net\") -> x"), FailsWithErrno(ENOENT));
  ASSERT_THAT(s().run("p: clone(0) -> r"), Succeeds());  // a private copy of the chrooted fs_struct
  EXPECT_THAT(s().run("r: setns(m, CLONE_NEWNS)"), Succeeds());
  EXPECT_THAT(s().run("r: open(\"/proc/n/ns/net\") -> g"), Succeeds());
  EXPECT_THAT(s().run("r: clone(CLONE_NEWUSER) -> u"), Succeeds());
  EXPECT_THAT(s().run("p: setns(m, CLONE_NEWNS)"), FailsWithErrno(EINVAL));  // shared with q
}

TEST_P(Conformance, BindMountOntoAnyPathPins) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> n"), Succeeds());
  ASSERT_THAT(s().run("init: mount(\"/proc/n/ns/net\", \"/media/x/y/net\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("n: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(n)"), Returns("n"));
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: open(\"/media/x/y/net\") -> f"), Succeeds());
  EXPECT_THAT(s().run("u: setns(f, CLONE_NEWNET)"), Succeeds());
  EXPECT_THAT(s().run("init: mount(\"/proc/u/ns/net\", \"/media/x/y\", MS_BIND)"), FailsWithErrno(ENOTDIR));
  EXPECT_THAT(s().run("init: mount(\"/proc/u/ns/net\", \"/media/x/y/net/z\", MS_BIND)"),
              FailsWithErrno(ENOTDIR));
  EXPECT_THAT(s().run("init: umount(\"/media/x/y\")"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: umount(\"/media/x/nope\")"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("init: umount(\"/media/x/y/net/z\")"), FailsWithErrno(ENOTDIR));
  ASSERT_THAT(s().run("u: close(f)"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/media/x/y/net\")"), Succeeds());
}

// fs/namespace.c: path_mount() -> may_mount() @ v6.12: changing propagation
// needs CAP_SYS_ADMIN over the mount namespace's owner, like any mount.
TEST_P(Conformance, PropagationChangeNeedsCapSysAdmin) {
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  EXPECT_THAT(s().run("u: mount(\"none\", \"/\", MS_REC|MS_SHARED)"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("u: unshare(CLONE_NEWUSER|CLONE_NEWNS)"), Succeeds());
  EXPECT_THAT(s().run("u: mount(\"none\", \"/\", MS_REC|MS_PRIVATE)"), Succeeds());
}

// fs/exec.c: begin_new_exec() -> exec_task_namespaces(): the task enters its
// time_for_children; an fd opened O_CLOEXEC is closed, a plain one is kept.
TEST_P(Conformance, ExecEntersTimeForChildrenAndClosesCloexecFds) {
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: unshare(CLONE_NEWTIME)"), Succeeds());
  EXPECT_FALSE(s().same("a", Link::Time, "a", Link::TimeForChildren));
  ASSERT_THAT(s().run("a: open(\"/proc/a/ns/uts\", O_CLOEXEC) -> cx"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/proc/a/ns/uts\") -> kept"), Succeeds());
  ASSERT_THAT(s().run("a: exec()"), Succeeds());
  EXPECT_TRUE(s().same("a", Link::Time, "a", Link::TimeForChildren));
  EXPECT_THAT(s().run("a: setns(kept, CLONE_NEWUTS)"), Succeeds());
}

// do_close_on_exec(): the O_CLOEXEC fd was the last pin of a namespace whose
// tasks are gone, so the exec frees it; a plain fd keeps its namespace.
TEST_P(Conformance, ExecClosesTheLastPinOfANamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWIPC) -> c"), Succeeds());
  auto uts = s().token("b", Link::Uts);
  auto ipc = s().token("c", Link::Ipc);
  ASSERT_TRUE(uts && ipc);
  ASSERT_THAT(s().run("a: open(\"/proc/b/ns/uts\", O_CLOEXEC) -> cx"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/proc/c/ns/ipc\") -> kept"), Succeeds());
  for (const char* t : {"b", "c"}) {
    ASSERT_THAT(s().run(fmt::format("{}: exit(0)", t)), Succeeds());
    ASSERT_THAT(s().run(fmt::format("init: wait({})", t)), Returns(t));
  }
  auto before = s().alive(*uts);
  if (!before) GTEST_SKIP() << "this backend cannot tell namespace liveness";
  EXPECT_TRUE(*before);
  ASSERT_THAT(s().run("a: exec()"), Succeeds());
  EXPECT_EQ(s().alive(*uts), false);
  EXPECT_EQ(s().alive(*ipc), true);
}

// A thread of the caller dies in de_thread(); the execing leader lives on.
TEST_P(Conformance, ExecKillsTheOtherThreads) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: thread() -> t"), Succeeds());
  ASSERT_THAT(s().run("p: exec()"), Succeeds());
  EXPECT_EQ(s().state("t"), TaskState::Reaped);
  EXPECT_EQ(s().state("p"), TaskState::Running);
}

// vfork after unshare(CLONE_NEWTIME): the CLONE_VM child stays in the
// creator's time namespace (copy_namespaces() shares the nsproxy; a
// timens_on_fork() switch would change the memory it shares), the creator
// sleeps until the child execs, and the exec moves the child into
// time_for_children (exec_task_namespaces()).
TEST_P(Conformance, VforkChildKeepsTheTimeNamespaceUntilExec) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWTIME)"), Succeeds());
  ASSERT_THAT(s().run("p: clone(CLONE_VM|CLONE_VFORK) -> v"), Succeeds());
  EXPECT_TRUE(s().same("v", Link::Time, "p", Link::Time));
  EXPECT_FALSE(s().same("v", Link::Time, "p", Link::TimeForChildren));
  EXPECT_TRUE(s().in_vfork("p"));
  EXPECT_FALSE(s().in_vfork("v"));
  ASSERT_THAT(s().run("v: exec()"), Succeeds());
  EXPECT_FALSE(s().in_vfork("p"));
  EXPECT_TRUE(s().same("v", Link::Time, "p", Link::TimeForChildren));
  // A plain fork is switched at once (timens_on_fork()).
  ASSERT_THAT(s().run("p: clone(0) -> f"), Succeeds());
  EXPECT_TRUE(s().same("f", Link::Time, "p", Link::TimeForChildren));
}

// CLONE_PIDFD: the creator gets a pidfd on the child (pidfd_prepare(), O_CLOEXEC),
// usable for setns into the child's namespaces; a copied fd table was made
// before it (the child has no such fd), a CLONE_FILES one shares it.
TEST_P(Conformance, ClonePidfdIsASetnsTargetInTheCreatorsTable) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: clone3(CLONE_PIDFD|CLONE_NEWUTS|CLONE_NEWIPC) -> c, pfd"), Returns("c, pfd"));
  ASSERT_THAT(s().run("p: setns(pfd, CLONE_NEWUTS)"), Succeeds());
  EXPECT_TRUE(s().same("p", Link::Uts, "c", Link::Uts));
  EXPECT_FALSE(s().same("p", Link::Ipc, "c", Link::Ipc));
  ASSERT_THAT(s().run("p: clone(CLONE_PIDFD|CLONE_FILES) -> f, pf"), Returns("f, pf"));
  EXPECT_THAT(s().run("f: close(pf)"), Succeeds());  // the shared table has it
  EXPECT_THAT(s().run("p: close(pf)"), FailsWithErrno(EBADF));
  EXPECT_THAT(s().run("p: clone(CLONE_PIDFD|CLONE_PARENT_SETTID) -> x, px"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("p: wait(c)"), Returns("c"));
  EXPECT_THAT(s().run("p: setns(pfd, CLONE_NEWUTS)"), FailsWithErrno(ESRCH));
}

// clone3's set_tid (CRIU): the pid in each pid namespace, the child's first;
// EEXIST when taken, EINVAL for a pid other than 1 in a namespace without an
// init, EPERM without CAP_SYS_ADMIN over the namespace's owner (alloc_pid()).
TEST_P(Conformance, SetTidChoosesThePidInEachNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: clone3(CLONE_NEWPID, set_tid=[1, 4242]) -> c"), Returns("c"));
  EXPECT_EQ(s().nspid("c"), (std::vector<uint32_t>{4242, 1}));
  EXPECT_THAT(s().run("p: clone3(0, set_tid=[4242]) -> x"), FailsWithErrno(EEXIST));
  EXPECT_THAT(s().run("p: clone3(CLONE_NEWPID, set_tid=[7]) -> y"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("c: clone3(0, set_tid=[77]) -> g"), Returns("g"));
  EXPECT_EQ(s().nspid("g").back(), 77u);
  ASSERT_THAT(s().run("p: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_THAT(s().run("p: clone3(0, set_tid=[5000]) -> z"), FailsWithErrno(EPERM));
}

// clone3(CLONE_INTO_CGROUP, cgroup=FD): the child starts in that cgroup
// (cgroup_css_set_fork(), cgroup_post_fork()) and its children inherit it; a
// cgroup with a live task cannot be removed, one with only zombies can
// (cgroup_exit()); an fd of a removed cgroup gives ENOENT, an fd that is not
// a cgroup directory EBADF.
TEST_P(Conformance, CloneIntoCgroupPlacesTheChild) {
  UseCgroups();
  if (IsSkipped()) return;
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/a\")"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/a\") -> cg"), Returns("cg"));
  ASSERT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=cg) -> c"), Returns("c"));
  EXPECT_EQ(s().cgroup("c"), "/a");
  EXPECT_EQ(s().cgroup("init"), "/");
  ASSERT_THAT(s().run("c: clone(0) -> d"), Returns("d"));
  EXPECT_EQ(s().cgroup("d"), "/a");
  EXPECT_THAT(s().run("init: rmdir(\"/sys/fs/cgroup/a\")"), FailsWithErrno(EBUSY));
  ASSERT_THAT(s().run("d: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("init: rmdir(\"/sys/fs/cgroup/a\")"), Succeeds());
  EXPECT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=cg) -> e"), FailsWithErrno(ENOENT));
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/net\") -> nf"), Returns("nf"));
  EXPECT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=nf) -> e"), FailsWithErrno(EBADF));
  EXPECT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP) -> e"), FailsWithErrno(EBADF));  // fd 0: /dev/null
}

// Spawning into a cgroup is writing the child's pid to its cgroup.procs with
// the creator's credentials (cgroup_may_write(): EACCES for uid 1000 without
// CAP_DAC_OVERRIDE); mkdir needs write access to the parent (may_create()),
// after the name is found free (EEXIST first) and a cgroup with a child cannot go.
TEST_P(Conformance, CloneIntoCgroupNeedsWriteAccessToCgroupProcs) {
  UseCgroups();
  if (IsSkipped()) return;
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/b\")"), Succeeds());
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/b/y\")"), Succeeds());
  EXPECT_THAT(s().run("init: rmdir(\"/sys/fs/cgroup/b\")"), FailsWithErrno(EBUSY));
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/b\") -> cg"), Returns("cg"));
  ASSERT_THAT(s().run("init: clone(0) -> p"), Returns("p"));
  ASSERT_THAT(s().run("p: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_THAT(s().run("p: clone3(CLONE_INTO_CGROUP, cgroup=cg) -> x"), FailsWithErrno(EACCES));
  EXPECT_THAT(s().run("p: mkdir(\"/sys/fs/cgroup/b/z\")"), FailsWithErrno(EACCES));
  EXPECT_THAT(s().run("p: mkdir(\"/sys/fs/cgroup/b\")"), FailsWithErrno(EEXIST));
  EXPECT_THAT(s().run("p: mkdir(\"/sys/fs/cgroup/c/z\")"), FailsWithErrno(ENOENT));
  EXPECT_THAT(s().run("p: rmdir(\"/sys/fs/cgroup/b/y\")"), FailsWithErrno(EACCES));
  EXPECT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=cg) -> ok"), Returns("ok"));
}

// A new cgroup namespace is rooted at its creator's cgroup (copy_cgroup_ns():
// root_cset = current's css_set); /proc/PID/cgroup paths are relative to the
// reader's root. With CLONE_INTO_CGROUP|CLONE_NEWCGROUP the kernel roots the
// child's new namespace at the destination (cgroup_post_fork()).
TEST_P(Conformance, NewCgroupNamespaceIsRootedAtTheCreatorsCgroup) {
  UseCgroups();
  if (IsSkipped()) return;
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/a\")"), Succeeds());
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/a/x\")"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/a\") -> ca"), Returns("ca"));
  ASSERT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=ca) -> p"), Returns("p"));
  EXPECT_EQ(s().cgroup("p"), "/a");
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWCGROUP)"), Succeeds());
  EXPECT_EQ(s().cgroup("p"), "/");
  ASSERT_THAT(s().run("p: open(\"/sys/fs/cgroup/a/x\") -> cx"), Returns("cx"));
  ASSERT_THAT(s().run("p: clone3(CLONE_INTO_CGROUP, cgroup=cx) -> q"), Returns("q"));
  EXPECT_EQ(s().cgroup("q"), "/x");
  ASSERT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP|CLONE_NEWCGROUP, cgroup=ca) -> r"), Returns("r"));
  EXPECT_EQ(s().cgroup("r"), "/");
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/a/x\") -> ix"), Returns("ix"));
  ASSERT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP, cgroup=ix) -> t"), Returns("t"));
  EXPECT_EQ(s().cgroup("t"), "/a/x");
}

// From inside a cgroup namespace, a cgroup outside it: refused (ENOENT) only
// when the cgroup2 mount has nsdelegate (cgroup_procs_write_permission());
// otherwise the child starts there and reads its cgroup as "/../b".
TEST_P(Conformance, CloneIntoCgroupOutsideTheCgroupNamespace) {
  UseCgroups();
  if (IsSkipped()) return;
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/a\")"), Succeeds());
  ASSERT_THAT(s().run("init: mkdir(\"/sys/fs/cgroup/b\")"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/a\") -> ca"), Returns("ca"));
  ASSERT_THAT(s().run("init: open(\"/sys/fs/cgroup/b\") -> cb"), Returns("cb"));
  ASSERT_THAT(s().run("init: clone3(CLONE_INTO_CGROUP|CLONE_NEWCGROUP, cgroup=ca) -> c"), Returns("c"));
  EXPECT_EQ(s().cgroup("c"), "/");
  if (s().cgroup_nsdelegate()) {
    EXPECT_THAT(s().run("c: clone3(CLONE_INTO_CGROUP, cgroup=cb) -> d"), FailsWithErrno(ENOENT));
  } else {
    ASSERT_THAT(s().run("c: clone3(CLONE_INTO_CGROUP, cgroup=cb) -> d"), Returns("d"));
    EXPECT_EQ(s().cgroup("d"), "/../b");
  }
}

// The vfork child's exit wakes the creator too (exit_mm() -> mm_release()).
TEST_P(Conformance, VforkChildExitWakesTheCreator) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: clone(CLONE_VM|CLONE_VFORK) -> v"), Succeeds());
  EXPECT_TRUE(s().in_vfork("p"));
  ASSERT_THAT(s().run("v: exit(0)"), Succeeds());
  EXPECT_FALSE(s().in_vfork("p"));
  EXPECT_THAT(s().run("p: wait(v)"), Returns("v"));
}

// A CLONE_VM child shares its creator's mm (copy_mm(): mmget()), so the
// dumpability it sets is its creator's too (set_dumpable() on the one mm);
// a forked child's is its own copy (dup_mm()).
TEST_P(Conformance, VmChildSharesTheMmsDumpability) {
  ASSERT_THAT(s().run("init: clone(0) -> d"), Succeeds());
  ASSERT_THAT(s().run("d: clone(0) -> e"), Succeeds());
  ASSERT_THAT(s().run("d: setresuid(1000, 1000, 1000)"), Succeeds());
  ASSERT_THAT(s().run("e: setresuid(1000, 1000, 1000)"), Succeeds());
  ASSERT_THAT(s().run("d: prctl(PR_SET_DUMPABLE, 1)"), Succeeds());
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f1"), Succeeds());
  ASSERT_THAT(s().run("d: clone(0) -> forked"), Succeeds());
  ASSERT_THAT(s().run("forked: prctl(PR_SET_DUMPABLE, 0)"), Succeeds());
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f2"), Succeeds());
  ASSERT_THAT(s().run("d: clone(CLONE_VM) -> w"), Succeeds());
  ASSERT_THAT(s().run("w: prctl(PR_SET_DUMPABLE, 0)"), Succeeds());
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f3"), FailsWithErrno(EACCES));
  ASSERT_THAT(s().run("w: exec()"), Succeeds());  // w's own mm now: d's stays as w left it
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f4"), FailsWithErrno(EACCES));
}

// After setresuid() the mm is not dumpable (commit_creds()), so a task with
// the same uid but no CAP_SYS_PTRACE cannot open the links; exec with
// euid == uid makes it dumpable again (SUID_DUMP_USER).
TEST_P(Conformance, ExecMakesTheMmDumpableAgain) {
  ASSERT_THAT(s().run("init: clone(0) -> d"), Succeeds());
  ASSERT_THAT(s().run("d: clone(0) -> e"), Succeeds());
  ASSERT_THAT(s().run("d: setresuid(1000, 1000, 1000)"), Succeeds());
  ASSERT_THAT(s().run("e: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f1"), FailsWithErrno(EACCES));
  ASSERT_THAT(s().run("d: exec()"), Succeeds());
  EXPECT_THAT(s().run("e: open(\"/proc/d/ns/uts\") -> f2"), Succeeds());
}

// ---- sockets -------------------------------------------------------------------

// net/core/sock.c: sk_alloc(): a user socket holds the net namespace it was
// made in (get_net()), so the namespace outlives its last task; the last
// close frees it (__sk_destruct(): put_net()).
TEST_P(Conformance, SocketKeepsItsNetNamespaceAliveAfterItsLastTaskLeaves) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET|CLONE_FILES) -> b"), Succeeds());  // b's fds are init's
  auto net = s().token("b", Link::Net);
  ASSERT_TRUE(net);
  ASSERT_THAT(s().run("b: socket(AF_UNIX) -> sk"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  auto alive = s().alive(*net);
  if (!alive) GTEST_SKIP() << "this backend cannot tell namespace liveness";
  EXPECT_TRUE(*alive);  // no task, no nsfs fd, no mount: only the socket
  ASSERT_THAT(s().run("init: close(sk)"), Succeeds());
  EXPECT_EQ(s().alive(*net), false);
}

// net/socket.c: sock_ioctl(): SIOCGSKNS needs CAP_NET_ADMIN over the owner
// of the socket's net namespace (ns_capable(net->user_ns, ...)), checked on
// the caller's creds, not the socket's.
TEST_P(Conformance, SiocgsknsWithoutCapNetAdminOverTheOwnerIsEperm) {
  ASSERT_THAT(s().run("init: socket(AF_INET) -> sk"), Succeeds());
  // Full capabilities, but in a user namespace below the socket's owner.
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_FILES) -> u"), Succeeds());
  EXPECT_THAT(s().run("u: ioctl(sk, SIOCGSKNS) -> f"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("init: ioctl(sk, SIOCGSKNS) -> g"), Succeeds());
  // A net namespace u's user namespace owns: now u may.
  ASSERT_THAT(s().run("u: unshare(CLONE_NEWNET)"), Succeeds());
  ASSERT_THAT(s().run("u: socket(AF_NETLINK) -> mine"), Succeeds());
  EXPECT_THAT(s().run("u: ioctl(mine, SIOCGSKNS) -> h"), Succeeds());
  // The NS_GET_* requests are nsfs's: a socket does not know them.
  EXPECT_THAT(s().run("init: ioctl(sk, NS_GET_NSTYPE)"), FailsWithErrno(ENOTTY));
  EXPECT_THAT(s().run("init: ioctl(g, SIOCGSKNS) -> x"), FailsWithErrno(ENOTTY));  // g is an nsfs fd
}

// SIOCGSKNS opens the namespace of the socket (sock_net(sk)), whatever net
// namespace the caller is in now: the way lsns and lxkns find namespaces
// that only sockets keep.
TEST_P(Conformance, SiocgsknsOpensTheSocketsNamespaceNotTheCallers) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET|CLONE_FILES) -> b"), Succeeds());
  auto net = s().token("b", Link::Net);
  ASSERT_TRUE(net);
  ASSERT_THAT(s().run("b: socket(AF_NETLINK) -> sk"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  ASSERT_THAT(s().run("init: ioctl(sk, SIOCGSKNS) -> f"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> j"), Succeeds());  // a copy of init's fds
  ASSERT_THAT(s().run("j: setns(f, CLONE_NEWNET)"), Succeeds());
  EXPECT_FALSE(s().same("j", Link::Net, "init", Link::Net));
  EXPECT_EQ(s().token("j", Link::Net), net);
}

// net/core/scm.c: scm_fp_copy() takes a reference on the passed file and
// net/unix/af_unix.c: unix_attach_fds() queues it on the peer: the file in
// flight keeps its namespace after the sender closed its fd and exited.
TEST_P(Conformance, InFlightFdKeepsItsNamespaceAlive) {
  ASSERT_THAT(s().run("init: socketpair(AF_UNIX) -> a, b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS) -> c"), Succeeds());  // c has its own copy of a and b
  auto uts = s().token("c", Link::Uts);
  ASSERT_TRUE(uts);
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/uts\") -> f"), Succeeds());
  ASSERT_THAT(s().run("c: send(a, f)"), Succeeds());
  ASSERT_THAT(s().run("c: close(f)"), Succeeds());
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(c)"), Returns("c"));
  auto alive = s().alive(*uts);
  if (!alive) GTEST_SKIP() << "this backend cannot tell namespace liveness";
  EXPECT_TRUE(*alive);  // no task, no fd: only the file in b's receive queue
  ASSERT_THAT(s().run("init: recv(b) -> g"), Succeeds());
  EXPECT_EQ(s().alive(*uts), true);
  ASSERT_THAT(s().run("init: close(g)"), Succeeds());
  EXPECT_EQ(s().alive(*uts), false);
}

// recvmsg(): scm_detach_fds() -> receive_fd() installs the in-flight file
// as a new fd of the receiver: a pidfd sent by a task in new namespaces
// lets an unrelated task setns() into them (lxc's monitor and lxc-attach).
TEST_P(Conformance, RecvInstallsAPidfdUsableForSetns) {
  ASSERT_THAT(s().run("init: socketpair(AF_UNIX) -> a, b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS|CLONE_NEWIPC) -> c"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> attach"), Succeeds());
  ASSERT_THAT(s().run("c: pidfd_open(c) -> p"), Succeeds());
  EXPECT_THAT(s().run("attach: recv(b) -> q"), FailsWithErrno(EAGAIN));  // nothing queued yet
  ASSERT_THAT(s().run("c: send(a, p)"), Succeeds());
  ASSERT_THAT(s().run("c: close(p)"), Succeeds());
  ASSERT_THAT(s().run("attach: recv(b) -> q"), Returns("q"));
  EXPECT_THAT(s().run("attach: recv(b) -> q2"), FailsWithErrno(EAGAIN));  // one skb, one fd
  ASSERT_THAT(s().run("attach: setns(q, CLONE_NEWUTS|CLONE_NEWIPC)"), Succeeds());
  EXPECT_TRUE(s().same("attach", Link::Uts, "c", Link::Uts));
  EXPECT_TRUE(s().same("attach", Link::Ipc, "c", Link::Ipc));
  EXPECT_FALSE(s().same("attach", Link::Uts, "init", Link::Uts));
}

// unix_release_sock(): the last close of the receiving socket purges its
// queue (the in-flight files are put), shuts the peer down (send: EPIPE)
// and, since data was queued, sets ECONNRESET on it (reported once by
// recv, then end of file).
TEST_P(Conformance, ClosingTheReceiverReleasesQueuedFds) {
  ASSERT_THAT(s().run("init: socketpair(AF_UNIX) -> a, b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWIPC|CLONE_FILES) -> c"), Succeeds());  // c shares init's fds
  auto ipc = s().token("c", Link::Ipc);
  ASSERT_TRUE(ipc);
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/ipc\") -> f"), Succeeds());
  ASSERT_THAT(s().run("c: send(a, f)"), Succeeds());
  ASSERT_THAT(s().run("c: close(f)"), Succeeds());
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(c)"), Returns("c"));
  auto alive = s().alive(*ipc);
  if (!alive) GTEST_SKIP() << "this backend cannot tell namespace liveness";
  EXPECT_TRUE(*alive);
  ASSERT_THAT(s().run("init: close(b)"), Succeeds());  // still queued: released with the socket
  EXPECT_EQ(s().alive(*ipc), false);
  EXPECT_THAT(s().run("init: send(a, a)"), FailsWithErrno(EPIPE));
  EXPECT_THAT(s().run("init: recv(a) -> z"), FailsWithErrno(ECONNRESET));
  EXPECT_THAT(s().run("init: recv(a) -> z"), Returns("EOF"));
}

// The errors of send/recv before anything is queued: sockfd_lookup_light()
// (EBADF, ENOTSOCK); UDP without a destination (EDESTADDRREQ, before the
// control message); __scm_send(): SCM_RIGHTS only on unix sockets (EINVAL);
// scm_fp_copy(): a bad passed fd (EBADF); an unconnected unix datagram
// socket (ENOTCONN); an empty queue under MSG_DONTWAIT (EAGAIN).
TEST_P(Conformance, SendAndRecvErrorsFollowTheSocketLayers) {
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/net\") -> f"), Succeeds());
  ASSERT_THAT(s().run("init: socket(AF_INET) -> udp"), Succeeds());
  ASSERT_THAT(s().run("init: socket(AF_NETLINK) -> nl"), Succeeds());
  ASSERT_THAT(s().run("init: socket(AF_UNIX) -> dg"), Succeeds());
  ASSERT_THAT(s().run("init: socketpair(AF_UNIX) -> a, b"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/uts\") -> gone"), Succeeds());
  ASSERT_THAT(s().run("init: close(gone)"), Succeeds());
  EXPECT_THAT(s().run("init: send(f, a)"), FailsWithErrno(ENOTSOCK));
  EXPECT_THAT(s().run("init: recv(f) -> x"), FailsWithErrno(ENOTSOCK));
  EXPECT_THAT(s().run("init: send(gone, f)"), FailsWithErrno(EBADF));
  EXPECT_THAT(s().run("init: send(udp, gone)"), FailsWithErrno(EDESTADDRREQ));
  EXPECT_THAT(s().run("init: send(nl, f)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: send(dg, gone)"), FailsWithErrno(EBADF));
  EXPECT_THAT(s().run("init: send(dg, f)"), FailsWithErrno(ENOTCONN));
  EXPECT_THAT(s().run("init: send(a, gone)"), FailsWithErrno(EBADF));
  EXPECT_THAT(s().run("init: recv(udp) -> x"), FailsWithErrno(EAGAIN));
  EXPECT_THAT(s().run("init: recv(dg) -> x"), FailsWithErrno(EAGAIN));
  EXPECT_THAT(s().run("init: send(a, udp)"), Succeeds());  // any file travels, sockets too
  EXPECT_THAT(s().run("init: recv(b) -> u2"), Returns("u2"));
}

TEST_P(Conformance, IdMapsAreWrittenOnceAndOnlyForOneself) {
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setgid(1000)"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  ASSERT_THAT(s().run("u: prctl(PR_SET_DUMPABLE, 1)"), Succeeds());
  ASSERT_THAT(s().run("u: clone(CLONE_NEWUSER) -> c"), Succeeds());
  EXPECT_THAT(s().run("c: write(\"/proc/self/uid_map\", \"0 0 1\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("c: write(\"/proc/self/uid_map\", \"0 1000 1\")"), Succeeds());
  EXPECT_THAT(s().run("c: write(\"/proc/self/uid_map\", \"0 1000 1\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("c: write(\"/proc/self/gid_map\", \"0 1000 1\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("c: write(\"/proc/self/setgroups\", \"deny\")"), Succeeds());
  EXPECT_THAT(s().run("c: write(\"/proc/self/gid_map\", \"0 1000 1\")"), Succeeds());
  EXPECT_THAT(s().run("c: write(\"/proc/self/setgroups\", \"allow\")"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("init: write(\"/proc/init/uid_map\", \"0 0 1\")"), FailsWithErrno(EPERM));
}

TEST_P(Conformance, SetnsIntoOwnUserNamespaceIsEinval) {
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: open(\"/proc/self/ns/user\") -> me"), Succeeds());
  EXPECT_THAT(s().run("u: setns(me, CLONE_NEWUSER)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("u: pidfd_open(self) -> p"), Succeeds());
  EXPECT_THAT(s().run("u: setns(p, CLONE_NEWUSER|CLONE_NEWUTS)"), FailsWithErrno(EINVAL));
}

TEST_P(Conformance, NestingLimitsAreUser33AndPidLevel32) {
  // User namespaces: the check is parent->level > 32.
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  int made = 0;
  for (int i = 0; i < 40; ++i) {
    CallOutcome o = s().run("u: unshare(CLONE_NEWUSER)");
    if (!o.ok) {
      EXPECT_EQ(o.err, ENOSPC);
      break;
    }
    ASSERT_THAT(s().run("u: write(\"/proc/self/uid_map\", \"0 0 1\")"), Succeeds());
    ASSERT_THAT(s().run("u: write(\"/proc/self/setgroups\", \"deny\")"), Succeeds());
    ASSERT_THAT(s().run("u: write(\"/proc/self/gid_map\", \"0 0 1\")"), Succeeds());
    ++made;
  }
  EXPECT_EQ(made, 33);
  // Pid namespaces: a namespace may be at most at level 32 (absolute).
  std::string cur = "init";
  for (int i = 0; i < 40; ++i) {
    CallOutcome o = s().run(cur + ": unshare(CLONE_NEWPID)");
    if (!o.ok) {
      EXPECT_EQ(o.err, ENOSPC);
      break;
    }
    std::string next = "p" + std::to_string(i);
    ASSERT_THAT(s().run(cur + ": clone(0) -> " + next), Succeeds());
    cur = next;
  }
  size_t levels_below_root = s().nspid(cur).size() - 1;
  EXPECT_EQ(levels_below_root + s().root_pid_level(), 32u);
}

TEST_P(Conformance, IoctlNsGetters) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWPID) -> c"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/uts\") -> uts"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(uts, NS_GET_NSTYPE)"), Returns(std::to_string(CLONE_NEWUTS)));
  EXPECT_THAT(s().run("init: ioctl(uts, NS_GET_PARENT) -> x"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: ioctl(uts, NS_GET_OWNER_UID)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("init: ioctl(uts, NS_GET_USERNS) -> owner"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(owner, NS_GET_OWNER_UID)"), Returns("0"));
  ASSERT_THAT(s().run("init: ioctl(owner, NS_GET_PARENT) -> up"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(up, NS_GET_USERNS) -> y"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/pid\") -> cpid"), Succeeds());
  ASSERT_THAT(s().run("init: ioctl(cpid, NS_GET_PARENT) -> ppid"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(ppid, NS_GET_PARENT) -> z"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/user\") -> mine"), Succeeds());
  EXPECT_THAT(s().run("c: ioctl(mine, NS_GET_PARENT) -> w"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("c: ioctl(mine, NS_GET_OWNER_UID)"), Returns("65534"));
}

// NS_GET_ID (6.18, fs/nsfs.c:ns_ioctl()): one id per namespace whoever asks,
// through any fd on it; no id for two; never handed out again after a free.
// The numbers are the model's own (the kernel's come from per-CPU batches):
// compared here by identity only. Not an nsfs file: ENOTTY.
TEST_P(Conformance, NsGetIdIsOneIdPerNamespace) {
  auto id = [&](const std::string& line) -> uint64_t {
    CallOutcome o = s().run(line);
    EXPECT_TRUE(o.ok) << line << ": " << o.result;
    return std::strtoull(o.result.c_str(), nullptr, 10);
  };
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_NEWUTS) -> c"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/uts\") -> a"), Succeeds());
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/uts\") -> b"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/init/ns/uts\") -> i"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/user\") -> u"), Succeeds());
  uint64_t ida = id("init: ioctl(a, NS_GET_ID)");
  EXPECT_EQ(id("c: ioctl(b, NS_GET_ID)"), ida);  // the child, in its own user namespace, sees the same id
  uint64_t idi = id("init: ioctl(i, NS_GET_ID)"), idu = id("init: ioctl(u, NS_GET_ID)");
  EXPECT_NE(idi, ida);
  EXPECT_NE(idu, ida);  // one id space for every type
  EXPECT_NE(idu, idi);
  EXPECT_THAT(s().run("init: ioctl(a, NS_GET_MNTNS_ID)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("init: socket(AF_UNIX) -> sk"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(sk, NS_GET_ID)"), FailsWithErrno(ENOTTY));
  ASSERT_THAT(s().run("init: pidfd_open(c) -> pf"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_ID)"), FailsWithErrno(ENOTTY));
  // c's uts goes: a later namespace never gets its id back.
  ASSERT_THAT(s().run("c: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(c)"), Succeeds());
  ASSERT_THAT(s().run("init: close(a)"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS) -> d"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/d/ns/uts\") -> e"), Succeeds());
  uint64_t ide = id("init: ioctl(e, NS_GET_ID)");
  EXPECT_NE(ide, ida);
  EXPECT_NE(ide, idi);
}

// ---- threads -----------------------------------------------------------------

TEST_P(Conformance, ThreadsHaveTheirOwnNamespacePointers) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: thread() -> t"), Succeeds());
  ASSERT_THAT(s().run("t: unshare(CLONE_NEWUTS|CLONE_NEWNET)"), Succeeds());
  EXPECT_FALSE(s().same("t", Link::Uts, "p", Link::Uts));
  EXPECT_TRUE(s().same("p", Link::Uts, "init", Link::Uts));
  EXPECT_THAT(s().run("p: unshare(CLONE_NEWUSER)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("p: open(\"/proc/init/ns/mnt\") -> m"), Succeeds());
  EXPECT_THAT(s().run("p: setns(m, CLONE_NEWNS)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("p: open(\"/proc/init/ns/time\") -> tm"), Succeeds());
  EXPECT_THAT(s().run("p: setns(tm, CLONE_NEWTIME)"), FailsWithErrno(EUSERS));
  EXPECT_THAT(s().run("p: unshare(CLONE_NEWNS)"), Succeeds());
  EXPECT_THAT(s().run("p: setns(m, CLONE_NEWNS)"), Succeeds());
  ASSERT_THAT(s().run("t: exit(0)"), Succeeds());
  EXPECT_EQ(s().state("t"), TaskState::Reaped);
}

TEST_P(Conformance, NoThreadsAfterUnshareNewpid) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  EXPECT_THAT(s().run("p: thread() -> t"), FailsWithErrno(EINVAL));
}

// ---- mounts and pins ---------------------------------------------------------

TEST_P(Conformance, BindMountPinsUntilUmountAndBusyMountsStay) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  auto net = s().token("b", Link::Net);
  ASSERT_THAT(s().run("init: mount(\"/proc/b/ns/net\", \"/run/netns/x\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/run/netns/x\") -> fd"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\")"), FailsWithErrno(EBUSY));
  ASSERT_THAT(s().run("init: setns(fd, CLONE_NEWNET)"), Succeeds());
  ASSERT_THAT(s().run("init: close(fd)"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\")"), Succeeds());
  EXPECT_THAT(s().run("init: umount(\"/run/netns/x\")"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: open(\"/run/netns/x\") -> plain"), Succeeds());
  EXPECT_THAT(s().run("init: setns(plain, 0)"), FailsWithErrno(EINVAL));  // a plain file now
  if (auto alive = s().alive(*net)) {
    EXPECT_TRUE(*alive);  // init's nsproxy holds it
  }
}

TEST_P(Conformance, DeadMountNamespaceReleasesItsBindMounts) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  auto net = s().token("b", Link::Net);
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> m"), Succeeds());
  ASSERT_THAT(s().run("m: mount(\"/proc/b/ns/net\", \"/run/netns/y\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Succeeds());
  if (auto alive = s().alive(*net)) {
    EXPECT_TRUE(*alive);
  }
  ASSERT_THAT(s().run("m: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(m)"), Succeeds());
  if (auto alive = s().alive(*net)) {
    EXPECT_FALSE(*alive);
  }
}

TEST_P(Conformance, LockedCopiesCannotBeUnmounted) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: mount(\"/proc/b/ns/net\", \"/run/netns/z\", MS_BIND)"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_NEWNS) -> v"), Succeeds());
  EXPECT_THAT(s().run("v: umount(\"/run/netns/z\")"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> w"), Succeeds());
  EXPECT_THAT(s().run("w: umount(\"/run/netns/z\")"), Succeeds());  // same owner: not locked
}

TEST_P(Conformance, UnprivilegedMountIsEperm) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  EXPECT_THAT(s().run("u: mount(\"/proc/b/ns/net\", \"/run/netns/q\", MS_BIND)"), FailsWithErrno(EPERM));
}

// ---- pid namespaces, life and death -----------------------------------------

TEST_P(Conformance, InitWaitsForZombiesWhoseParentIsOutside) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWPID) -> pinit"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/pinit/ns/pid\") -> pfd"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> o"), Succeeds());
  ASSERT_THAT(s().run("o: setns(pfd, CLONE_NEWPID)"), Succeeds());
  ASSERT_THAT(s().run("o: clone(0) -> g"), Succeeds());
  ASSERT_THAT(s().run("pinit: exit(0)"), Succeeds());
  EXPECT_EQ(s().state("g"), TaskState::Zombie);
  EXPECT_EQ(s().state("pinit"), TaskState::Exiting);
  ASSERT_THAT(s().run("o: wait(g)"), Returns("g"));
  EXPECT_EQ(s().state("pinit"), TaskState::Zombie);
}

// self names the caller's process (its thread group leader, as /proc/self),
// thread-self the calling thread: pidfd_open() of a thread that is not a
// leader needs PIDFD_THREAD (ENOENT without it).
TEST_P(Conformance, PidfdOpenSelfFromAThreadIsItsProcess) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: thread() -> t"), Succeeds());
  EXPECT_THAT(s().run("t: pidfd_open(self) -> a"), Succeeds());
  EXPECT_THAT(s().run("t: pidfd_open(thread-self) -> b"), FailsWithErrno(ENOENT));
}

// security/commoncap.c: cap_capable() @ v6.12 reads the cred's effective set:
// a root task that clears CAP_SYS_ADMIN from it with capset() loses setns and
// unshare, and may raise it again from its permitted set.
TEST_P(Conformance, CapsetDroppingSysAdminMakesSetnsEperm) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET) -> b"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/proc/b/ns/net\") -> f"), Succeeds());
  ASSERT_THAT(s().run("a: capset(effective-=CAP_SYS_ADMIN)"), Succeeds());
  EXPECT_EQ((s().caps("a")[2] >> CAP_SYS_ADMIN) & 1, 0u);  // CapEff
  EXPECT_EQ((s().caps("a")[1] >> CAP_SYS_ADMIN) & 1, 1u);  // CapPrm
  EXPECT_THAT(s().run("a: setns(f, CLONE_NEWNET)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("a: unshare(CLONE_NEWUTS)"), FailsWithErrno(EPERM));
  EXPECT_TRUE(s().same("a", Link::Net, "init", Link::Net));
  ASSERT_THAT(s().run("a: capset(effective+=CAP_SYS_ADMIN)"), Succeeds());
  EXPECT_THAT(s().run("a: setns(f, CLONE_NEWNET)"), Succeeds());
  EXPECT_TRUE(s().same("a", Link::Net, "b", Link::Net));
}

// security/commoncap.c: cap_capset() @ v6.12: the new permitted set within the
// old one, the new effective within the new permitted; EPERM otherwise.
TEST_P(Conformance, CapsetMayNotGrowPermittedNorEffectiveBeyondIt) {
  ASSERT_THAT(s().run("init: clone(0) -> a"), Succeeds());
  EXPECT_THAT(s().run("a: capset(permitted-=CAP_NET_ADMIN)"), FailsWithErrno(EPERM));  // pE would exceed pP
  ASSERT_THAT(s().run("a: capset(effective-=CAP_NET_ADMIN, permitted-=CAP_NET_ADMIN)"), Succeeds());
  EXPECT_THAT(s().run("a: capset(permitted+=CAP_NET_ADMIN)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("a: capset(effective+=CAP_NET_ADMIN)"), FailsWithErrno(EPERM));
  EXPECT_EQ((s().caps("a")[1] >> CAP_NET_ADMIN) & 1, 0u);
  // Inheritable: only from old pI | pP without CAP_SETPCAP.
  ASSERT_THAT(s().run("a: capset(effective-=CAP_SETPCAP)"), Succeeds());
  EXPECT_THAT(s().run("a: capset(inheritable+=CAP_NET_ADMIN)"), FailsWithErrno(EPERM));
  EXPECT_THAT(s().run("a: capset(inheritable+=CAP_SYS_ADMIN)"), Succeeds());
}

// security/commoncap.c: cap_prctl_drop() @ v6.12 (EPERM without CAP_SETPCAP,
// then EINVAL for an invalid number) and cap_bprm_creds_from_file(): root's
// new permitted set after exec is bset | pI.
TEST_P(Conformance, CapbsetDropLimitsWhatExecPermits) {
  ASSERT_THAT(s().run("init: clone(0) -> e"), Succeeds());
  EXPECT_THAT(s().run("e: prctl(PR_CAPBSET_DROP, 99)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("e: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN)"), Succeeds());
  EXPECT_EQ((s().caps("e")[3] >> CAP_SYS_ADMIN) & 1, 0u);  // CapBnd
  EXPECT_EQ((s().caps("e")[2] >> CAP_SYS_ADMIN) & 1, 1u);  // the running program keeps it
  ASSERT_THAT(s().run("e: exec()"), Succeeds());
  EXPECT_EQ((s().caps("e")[1] >> CAP_SYS_ADMIN) & 1, 0u);
  EXPECT_THAT(s().run("e: unshare(CLONE_NEWUTS)"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("e: capset(effective-=CAP_SETPCAP)"), Succeeds());
  EXPECT_THAT(s().run("e: prctl(PR_CAPBSET_DROP, 99)"), FailsWithErrno(EPERM));  // the capability check first
}

// security/commoncap.c: cap_emulate_setxuid() @ v6.12: leaving uid 0 keeps
// the permitted set with SECBIT_KEEP_CAPS (prctl(PR_SET_KEEPCAPS, 1)) and
// clears the effective one; exec clears the bit (cap_bprm_creds_from_file()).
TEST_P(Conformance, KeepcapsKeepsPermittedAcrossSetresuid) {
  ASSERT_THAT(s().run("init: clone(0) -> k"), Succeeds());
  EXPECT_THAT(s().run("k: prctl(PR_SET_KEEPCAPS, 2)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("k: prctl(PR_SET_KEEPCAPS, 1)"), Succeeds());
  ASSERT_THAT(s().run("k: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_EQ(s().caps("k")[2], 0u);
  EXPECT_EQ(s().caps("k")[1], s().caps("init")[1]);  // init's (a container may lack some)
  EXPECT_THAT(s().run("k: unshare(CLONE_NEWUTS)"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("k: capset(effective+=CAP_SYS_ADMIN)"), Succeeds());  // from pP, as uid 1000
  EXPECT_THAT(s().run("k: unshare(CLONE_NEWUTS)"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> n"), Succeeds());
  ASSERT_THAT(s().run("n: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_EQ(s().caps("n")[1], 0u);
}

TEST_P(Conformance, ExecClearsKeepcaps) {
  ASSERT_THAT(s().run("init: clone(0) -> k"), Succeeds());
  ASSERT_THAT(s().run("k: prctl(PR_SET_KEEPCAPS, 1)"), Succeeds());
  ASSERT_THAT(s().run("k: exec()"), Succeeds());
  ASSERT_THAT(s().run("k: setresuid(1000, 1000, 1000)"), Succeeds());
  EXPECT_EQ(s().caps("k")[1], 0u);
}

// kernel/groups.c: may_setgroups() @ v6.12: CAP_SETGID in the caller's user
// namespace, and kernel/user_namespace.c: userns_may_setgroups(): its gid_map
// written and setgroups not "deny"; EPERM. Then EINVAL for an unmapped gid.
TEST_P(Conformance, SetgroupsNeedsAGidMapAndAllowInTheUserNamespace) {
  ASSERT_THAT(s().run("init: setgroups(0)"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER) -> g"), Succeeds());
  EXPECT_THAT(s().run("g: setgroups()"), FailsWithErrno(EPERM));  // no gid_map yet
  ASSERT_THAT(s().run("init: write(\"/proc/g/gid_map\", \"0 0 1\")"), Succeeds());
  EXPECT_THAT(s().run("g: setgroups(0)"), Succeeds());
  EXPECT_THAT(s().run("g: setgroups(0, 7)"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER) -> d"), Succeeds());
  ASSERT_THAT(s().run("d: write(\"/proc/self/setgroups\", \"deny\")"), Succeeds());
  ASSERT_THAT(s().run("init: write(\"/proc/d/gid_map\", \"0 0 1\")"), Succeeds());
  EXPECT_THAT(s().run("d: setgroups()"), FailsWithErrno(EPERM));
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: capset(effective-=CAP_SETGID)"), Succeeds());
  EXPECT_THAT(s().run("u: setgroups()"), FailsWithErrno(EPERM));
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::Values(BackendKind::Sim, BackendKind::Real),
                         backend_name);

}  // namespace
}  // namespace nssim::testing
