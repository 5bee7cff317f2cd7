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

TEST_P(Conformance, LegacyCloneCannotMakeATimeNamespace) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWTIME) -> t1"), Succeeds());
  EXPECT_TRUE(s().same("t1", Link::Time, "init", Link::Time));
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

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::Values(BackendKind::Sim, BackendKind::Real),
                         backend_name);

}  // namespace
}  // namespace nssim::testing
