// Kernel profiles (sim/features.h): each version-dependent rule, checked on the
// model under every profile and on the live kernel under its own version. The
// expectation of each test is the feature table's row for that version, so the
// live run checks the table, and the model runs check the gates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "sim/features.h"
#include "testing.h"
#include "tests/bundled.h"

namespace nssim::testing {
namespace {

struct ProfileParam {
  BackendKind kind;
  KernelVersion kernel;  // Sim: the profile; Real: ignored (the live kernel's)
};

void PrintTo(const ProfileParam& p, std::ostream* os) {
  *os << (p.kind == BackendKind::Real ? "live kernel" : "model, kernel " + profile_name(p.kernel));
}

std::string param_name(const ::testing::TestParamInfo<ProfileParam>& i) {
  if (i.param.kind == BackendKind::Real) return "Real";
  return fmt::format("Sim_{}_{}", i.param.kernel.major, i.param.kernel.minor);
}

class KernelProfiles : public ::testing::TestWithParam<ProfileParam> {
 protected:
  void SetUp() override {
    s_ = std::make_unique<Session>(GetParam().kind, GetParam().kernel);
    if (!s_->available()) GTEST_SKIP() << "live kernel backend unavailable: " << s_->skip_reason();
  }
  Session& s() { return *s_; }
  std::unique_ptr<Session> s_;
};

// Before v6.2 a task whose children go to another time namespace may not make
// a child sharing its mm (vfork, posix_spawn) nor a thread: EINVAL. Since, the
// child keeps the creator's time namespace until it execs.
TEST_P(KernelProfiles, CloneVmAcrossATimeNamespaceSwitch) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWTIME)"), Succeeds());
  if (!s().has(Feature::TimensForCloneVm)) {
    EXPECT_THAT(s().run("p: clone(CLONE_VM|CLONE_VFORK) -> v"), FailsWithErrno(EINVAL));
    EXPECT_THAT(s().run("p: thread() -> t"), FailsWithErrno(EINVAL));
    // A plain fork is fine, and enters time_for_children (timens_on_fork()).
    ASSERT_THAT(s().run("p: clone(0) -> f"), Succeeds());
    EXPECT_TRUE(s().same("f", Link::Time, "p", Link::TimeForChildren));
    return;
  }
  ASSERT_THAT(s().run("p: clone(CLONE_VM|CLONE_VFORK) -> v"), Succeeds());
  EXPECT_TRUE(s().same("v", Link::Time, "p", Link::Time));
  ASSERT_THAT(s().run("v: exec()"), Succeeds());
  EXPECT_TRUE(s().same("v", Link::Time, "p", Link::TimeForChildren));
  ASSERT_THAT(s().run("p: thread() -> t"), Succeeds());
  EXPECT_TRUE(s().same("t", Link::Time, "p", Link::Time));
}

// Since v6.2 exec moves the caller into time_for_children
// (exec_task_namespaces()); before, exec leaves the time namespace alone and
// only children enter the new one.
TEST_P(KernelProfiles, ExecAndTheTimeNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWTIME)"), Succeeds());
  ASSERT_THAT(s().run("p: exec()"), Succeeds());
  if (s().has(Feature::TimensForCloneVm)) {
    EXPECT_TRUE(s().same("p", Link::Time, "p", Link::TimeForChildren));
    EXPECT_FALSE(s().same("p", Link::Time, "init", Link::Time));
  } else {
    EXPECT_FALSE(s().same("p", Link::Time, "p", Link::TimeForChildren));
    EXPECT_TRUE(s().same("p", Link::Time, "init", Link::Time));
  }
}

// PIDFD_THREAD (v6.9): a pidfd on a thread that leads no group. Without the
// flag such a thread is EINVAL (as is the flag itself before 6.9), ENOENT
// since 6.15 (pidfd_prepare(): row pidfd-non-leader-enoent).
TEST_P(KernelProfiles, PidfdOpenOfAThread) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: thread() -> t"), Succeeds());
  bool thread_fds = s().has(Feature::PidfdThread);
  EXPECT_THAT(s().run("init: pidfd_open(t) -> f1"),
              FailsWithErrno(s().has(Feature::PidfdNonLeaderEnoent) ? ENOENT : EINVAL));
  if (thread_fds)
    EXPECT_THAT(s().run("init: pidfd_open(t, 128) -> f2"), Succeeds());  // PIDFD_THREAD (O_EXCL)
  else
    EXPECT_THAT(s().run("init: pidfd_open(t, 128) -> f2"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("init: pidfd_open(p) -> f3"), Succeeds());
}

// An ioctl a pidfd does not know: no pidfd ioctl at all before 6.11 (ENOTTY);
// from 6.11 pidfd_ioctl() checks the argument (NS_GET_OWNER_UID, NS_GET_ID and
// NS_GET_MNTNS_ID pass a pointer: EINVAL) and the task (reaped: ESRCH) before the command; since
// 6.14 pidfs_ioctl_valid() refuses the command first (ENOTTY).
TEST_P(KernelProfiles, UnknownIoctlOnAPidfd) {
  const bool checks_first = s().has(Feature::PidfdIoctl) && !s().has(Feature::PidfsIoctlValid);
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("init: pidfd_open(p) -> pf"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_NSTYPE)"), FailsWithErrno(ENOTTY));
  EXPECT_THAT(s().run("init: ioctl(pf, SIOCGSKNS) -> x"), FailsWithErrno(ENOTTY));
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_OWNER_UID)"), FailsWithErrno(checks_first ? EINVAL : ENOTTY));
  // NS_GET_ID and NS_GET_MNTNS_ID pass a pointer too (found booting 6.12).
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_ID)"), FailsWithErrno(checks_first ? EINVAL : ENOTTY));
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_MNTNS_ID)"), FailsWithErrno(checks_first ? EINVAL : ENOTTY));
  ASSERT_THAT(s().run("p: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(p)"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(pf, NS_GET_USERNS) -> y"), FailsWithErrno(checks_first ? ESRCH : ENOTTY));
}

// ioctl(pidfd, PIDFD_GET_<X>_NAMESPACE) (fs/pidfs.c: pidfd_ioctl(), 6.11+;
// row pidfd-ioctl): a new nsfs fd on the task's namespace X, the one its
// /proc/PID/ns/X shows; ENOTTY before 6.11 (a pidfd has no ioctl).
TEST_P(KernelProfiles, PidfdNamespaceIoctls) {
  // The token of the namespace behind t's newest nsfs fd (the ioctl's).
  auto newest_fd = [&](const std::string& t) -> std::optional<uint64_t> {
    Observation o = s().backend().observe();
    const TaskObs* ta = o.find(t);
    if (!ta) return std::nullopt;
    const TaskObs::Fd* best = nullptr;
    for (auto& f : ta->fds)
      if (f.kind == TaskObs::Fd::Ns && (!best || f.fd > best->fd)) best = &f;
    return best ? std::optional<uint64_t>(best->token) : std::nullopt;
  };
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWCGROUP) -> p"),
              Succeeds());
  ASSERT_THAT(s().run("init: pidfd_open(p) -> pf"), Succeeds());
  if (!s().has(Feature::PidfdIoctl)) {
    EXPECT_THAT(s().run("init: ioctl(pf, PIDFD_GET_NET_NAMESPACE) -> x"), FailsWithErrno(ENOTTY));
    EXPECT_THAT(s().run("init: ioctl(pf, PIDFD_GET_USER_NAMESPACE) -> y"), FailsWithErrno(ENOTTY));
    return;
  }
  static const std::pair<const char*, Link> kNs[] = {
      {"CGROUP", Link::Cgroup}, {"IPC", Link::Ipc},   {"MNT", Link::Mnt},
      {"NET", Link::Net},       {"PID", Link::Pid},   {"PID_FOR_CHILDREN", Link::PidForChildren},
      {"TIME", Link::Time},     {"TIME_FOR_CHILDREN", Link::TimeForChildren},
      {"USER", Link::User},     {"UTS", Link::Uts}};
  int n = 0;
  for (auto& [x, link] : kNs) {
    ASSERT_THAT(s().run(fmt::format("init: ioctl(pf, PIDFD_GET_{}_NAMESPACE) -> x{}", x, ++n)), Succeeds()) << x;
    auto want = s().token("p", link);
    ASSERT_TRUE(want.has_value()) << x;
    EXPECT_EQ(newest_fd("init"), want) << x;
  }
  EXPECT_FALSE(s().same("p", Link::Uts, "init", Link::Uts));  // the fds name p's own namespaces
  // No child_reaper check: pid_for_children opens before the namespace has its
  // init, where /proc/PID/ns/pid_for_children is ENOENT before 7.1.
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  EXPECT_EQ(s().openable("p", Link::PidForChildren), s().has(Feature::PidForChildrenBeforeInit));
  ASSERT_THAT(s().run("init: ioctl(pf, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE) -> pfc"), Succeeds());
  EXPECT_NE(newest_fd("init"), s().token("p", Link::Pid));
  // ptrace_may_access(PTRACE_MODE_READ_FSCREDS): uid 1000 may not look at root.
  ASSERT_THAT(s().run("init: clone(0) -> u"), Succeeds());
  ASSERT_THAT(s().run("u: setuid(1000)"), Succeeds());
  ASSERT_THAT(s().run("u: pidfd_open(init) -> uf"), Succeeds());
  EXPECT_THAT(s().run("u: ioctl(uf, PIDFD_GET_NET_NAMESPACE) -> y"), FailsWithErrno(EACCES));
  // An exited task (no nsproxy) and a reaped one: ESRCH.
  ASSERT_THAT(s().run("p: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(pf, PIDFD_GET_UTS_NAMESPACE) -> z1"), FailsWithErrno(ESRCH));
  ASSERT_THAT(s().run("init: wait(p)"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(pf, PIDFD_GET_UTS_NAMESPACE) -> z2"), FailsWithErrno(ESRCH));
}

// A pidfd request on an nsfs fd: ENOTTY, but 6.12's ns_ioctl() matches its
// extensible requests by number alone and takes PIDFD_GET_UTS_NAMESPACE (nr
// 10) for NS_MNT_GET_INFO: EINVAL (row nsfs-ioctl-valid). 6.1 has no
// extensible requests.
TEST_P(KernelProfiles, PidfdRequestOnAnNsfsFd) {
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/uts\") -> n"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/mnt\") -> m"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(n, PIDFD_GET_NET_NAMESPACE) -> x"), FailsWithErrno(ENOTTY));
  const int uts = s().has(Feature::NsGetMntnsId) && !s().has(Feature::NsfsIoctlValid) ? EINVAL : ENOTTY;
  EXPECT_THAT(s().run("init: ioctl(n, PIDFD_GET_UTS_NAMESPACE) -> y"), FailsWithErrno(uts));
  EXPECT_THAT(s().run("init: ioctl(m, PIDFD_GET_UTS_NAMESPACE) -> z"), FailsWithErrno(uts));
}

// The pid-translation ioctls on a pid namespace fd (fs/nsfs.c: ns_ioctl(),
// 6.11+, row ns-pid-translation; ENOTTY on 6.1). A pid no task has is ESRCH
// on 6.12 as on 6.18 and 7.2 (issue 18 said ENOTTY on 6.12: not so in
// 6.12.117's source).
TEST_P(KernelProfiles, PidTranslationIoctls) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWPID) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> g"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/pid\") -> n"), Succeeds());
  if (!s().has(Feature::NsPidTranslation)) {
    EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, c)"), FailsWithErrno(ENOTTY));
    EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_FROM_PIDNS, 1)"), FailsWithErrno(ENOTTY));
    return;
  }
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, c)"), Returns("1"));
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, g)"), Returns("2"));
  auto g = s().nspid("g");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_FROM_PIDNS, g)"), Returns(std::to_string(g[0])));
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_FROM_PIDNS, 2)"), Returns(std::to_string(g[0])));
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, init)"), FailsWithErrno(ESRCH));  // not in c's namespace
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, 99999)"), FailsWithErrno(ESRCH));  // no such pid
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_FROM_PIDNS, 99999)"), FailsWithErrno(ESRCH));
  ASSERT_THAT(s().run("g: thread() -> gt"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, gt)"), Returns("3"));
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_TGID_IN_PIDNS, gt)"), Returns("2"));
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_TGID_FROM_PIDNS, gt)"), Returns(std::to_string(g[0])));
  // Seen from inside: init has no number in c's namespace.
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/pid\") -> own"), Succeeds());
  EXPECT_THAT(s().run("c: ioctl(own, NS_GET_PID_FROM_PIDNS, g)"), Returns("2"));
  EXPECT_THAT(s().run("c: ioctl(own, NS_GET_PID_IN_PIDNS, init)"), FailsWithErrno(ESRCH));
  ASSERT_THAT(s().run("init: open(\"/proc/init/ns/uts\") -> u"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(u, NS_GET_PID_IN_PIDNS, c)"), FailsWithErrno(EINVAL));  // not a pid namespace
  // A zombie keeps its numbers until it is reaped.
  ASSERT_THAT(s().run("c: clone(0) -> z"), Succeeds());
  ASSERT_THAT(s().run("z: exit(0)"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, z)"), Returns("4"));
  ASSERT_THAT(s().run("c: wait(z)"), Succeeds());
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_IN_PIDNS, z)"), FailsWithErrno(ESRCH));  // reaped
  EXPECT_THAT(s().run("init: ioctl(n, NS_GET_PID_FROM_PIDNS, 4)"), FailsWithErrno(ESRCH));
}

// setns(pidfd, CLONE_NEWNS|other flags) by a process with CLONE_FS threads:
// mntns_install() checks prepare_nsset()'s private copy of the fs_struct on
// 6.1 and since 6.18 (allowed), the caller's shared one on 6.12 (EINVAL, rows
// mntns-install-checks-current-fs and mntns-install-checks-nsset-fs).
// CLONE_NEWNS alone checks the shared one everywhere.
TEST_P(KernelProfiles, SetnsPidfdWithMountByAThreadedProcess) {
  const bool current_fs =
      s().has(Feature::MntnsInstallChecksCurrentFs) && !s().has(Feature::MntnsInstallChecksNssetFs);
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> other"), Succeeds());
  ASSERT_THAT(s().run("init: pidfd_open(other) -> pf"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: thread() -> pt"), Succeeds());
  EXPECT_THAT(s().run("p: setns(pf, CLONE_NEWNS)"), FailsWithErrno(EINVAL));
  if (current_fs) {
    EXPECT_THAT(s().run("p: setns(pf, CLONE_NEWNS|CLONE_NEWUTS)"), FailsWithErrno(EINVAL));
    EXPECT_TRUE(s().same("p", Link::Mnt, "init", Link::Mnt));
    EXPECT_TRUE(s().same("p", Link::Uts, "init", Link::Uts));  // nothing is committed
    return;
  }
  ASSERT_THAT(s().run("p: setns(pf, CLONE_NEWNS|CLONE_NEWUTS)"), Succeeds());
  EXPECT_TRUE(s().same("p", Link::Mnt, "other", Link::Mnt));
  EXPECT_TRUE(s().same("pt", Link::Mnt, "init", Link::Mnt));  // the thread keeps its nsproxy
}

// lock_mount() refuses a put_old on a detached mount with ENOENT (6.12:
// do_lock_mount()'s is_mounted()); on 6.1 it takes it and check_mnt() of the
// caller's root, whose mount left with the old root, refuses: EINVAL.
TEST_P(KernelProfiles, PivotRootOntoADetachedMount) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: clone(0) -> j"), Succeeds());
  ASSERT_THAT(s().run("j: chroot(\"/run/jail\")"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"none\", \"/\", MS_REC|MS_PRIVATE)"), Succeeds());
  ASSERT_THAT(s().run("c: mount(\"/srv/root\", \"/srv/root\", MS_BIND|MS_REC)"), Succeeds());
  ASSERT_THAT(s().run("c: pivot_root(\"/srv/root\", \"/srv/root/mnt/old\")"), Succeeds());
  ASSERT_THAT(s().run("c: umount(\"/mnt/old\", MNT_DETACH)"), Succeeds());
  EXPECT_THAT(s().run("j: pivot_root(\"/srv/root\", \"/srv/root/old\")"),
              FailsWithErrno(s().has(Feature::LockMountChecksMounted) ? ENOENT : EINVAL));
}

// pidns_for_children_get() @ v7.2 hands out pid_for_children as soon as the
// namespace exists; before 7.1 it is ENOENT until the namespace has its init.
TEST_P(KernelProfiles, PidForChildrenBeforeItsInit) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  EXPECT_EQ(s().openable("p", Link::PidForChildren), s().has(Feature::PidForChildrenBeforeInit));
  ASSERT_THAT(s().run("p: clone(0) -> c"), Succeeds());  // c is the init: both open it now
  EXPECT_TRUE(s().openable("p", Link::PidForChildren));
  EXPECT_TRUE(s().same("p", Link::PidForChildren, "c", Link::Pid));
}

// Legacy clone(CLONE_NEWTIME): 0x80 is inside CSIGNAL, so the exit signal is
// 0x80|SIGCHLD = 145. Before 7.1 it is kept (no time namespace is made); since,
// kernel_clone() refuses it (valid_signal(): row clone-valid-exit-signal), from
// a thread as from a process. clone3 is unchanged. Found by fuzz --vm 7.2.
TEST_P(KernelProfiles, LegacyCloneWithCloneNewtime) {
  ASSERT_THAT(s().run("init: thread() -> th"), Succeeds());
  if (s().has(Feature::CloneValidExitSignal)) {
    EXPECT_THAT(s().run("init: clone(CLONE_NEWTIME) -> t1"), FailsWithErrno(EINVAL));
    EXPECT_THAT(s().run("th: clone(CLONE_NEWTIME) -> t2"), FailsWithErrno(EINVAL));
    EXPECT_THAT(s().run("init: clone(CLONE_NEWTIME|CLONE_NEWUTS) -> t3"), FailsWithErrno(EINVAL));
  } else {
    ASSERT_THAT(s().run("init: clone(CLONE_NEWTIME) -> t1"), Succeeds());
    EXPECT_TRUE(s().same("t1", Link::Time, "init", Link::Time));
    ASSERT_THAT(s().run("th: clone(CLONE_NEWTIME) -> t2"), Succeeds());
    EXPECT_TRUE(s().same("t2", Link::Time, "init", Link::Time));
    ASSERT_THAT(s().run("init: clone(CLONE_NEWTIME|CLONE_NEWUTS) -> t3"), Succeeds());
    EXPECT_FALSE(s().same("t3", Link::Uts, "init", Link::Uts));
  }
  ASSERT_THAT(s().run("init: clone3(CLONE_NEWTIME) -> t4"), Succeeds());
  EXPECT_FALSE(s().same("t4", Link::Time, "init", Link::Time));
}

// UNSHARE_EMPTY_MNTNS (7.1) is CLONE_PARENT_SETTID's bit: EINVAL from
// check_unshare_flags() before; since, a new mount namespace.
TEST_P(KernelProfiles, UnshareEmptyMountNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  if (!s().has(Feature::EmptyMntns)) {
    EXPECT_THAT(s().run("p: unshare(UNSHARE_EMPTY_MNTNS)"), FailsWithErrno(EINVAL));
    EXPECT_TRUE(s().same("p", Link::Mnt, "init", Link::Mnt));
    return;
  }
  ASSERT_THAT(s().run("p: unshare(UNSHARE_EMPTY_MNTNS)"), Succeeds());
  EXPECT_FALSE(s().same("p", Link::Mnt, "init", Link::Mnt));
}

// NS_GET_ID (6.18) and NS_GET_MNTNS_ID (6.12 at the latest): ENOTTY before.
// The numbers are the model's own, so the test compares identity: the same
// namespace gives the same id through any fd, two namespaces two ids. Where the
// kernel counts ids up (fixed-init-ns-ids), a later namespace has a larger id,
// and in one clone the kernel makes uts before net (create_new_namespaces()).
TEST_P(KernelProfiles, NamespaceIds) {
  auto id = [&](const std::string& fd, const char* req = "NS_GET_ID") -> std::optional<uint64_t> {
    CallOutcome o = s().run(fmt::format("init: ioctl({}, {})", fd, req));
    if (!o.ok) return std::nullopt;
    return std::strtoull(o.result.c_str(), nullptr, 10);
  };
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/uts\") -> u1"), Succeeds());
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> c"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/uts\") -> cu"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/c/ns/net\") -> cn"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/uts\") -> u2"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/self/ns/mnt\") -> m"), Succeeds());
  if (!s().has(Feature::NsGetId)) {
    EXPECT_THAT(s().run("init: ioctl(u1, NS_GET_ID)"), FailsWithErrno(ENOTTY));
  } else {
    auto a = id("u1"), b = id("u2"), x = id("cu"), y = id("cn");
    ASSERT_TRUE(a && b && x && y);
    EXPECT_EQ(*a, *b);  // one namespace, two fds
    EXPECT_NE(*a, *x);
    EXPECT_NE(*x, *y);  // one id space for every type
    if (s().has(Feature::FixedInitNsIds)) {
      EXPECT_LT(*a, *x);  // the sandbox's (or the boot's) uts is older
      EXPECT_LT(*x, *y);
      if (s().sim()) {  // the live run's uts is the sandbox's: fixed ids only in the model
        EXPECT_EQ(*a, 2u);  // UTS_NS_INIT_ID
        EXPECT_EQ(*x, 10u);  // the first id after NS_LAST_INIT_ID + 1
      }
    }
  }
  if (!s().has(Feature::NsGetMntnsId)) {
    EXPECT_THAT(s().run("init: ioctl(m, NS_GET_MNTNS_ID)"), FailsWithErrno(ENOTTY));
    return;
  }
  EXPECT_THAT(s().run("init: ioctl(u1, NS_GET_MNTNS_ID)"), FailsWithErrno(EINVAL));
  auto mm = id("m", "NS_GET_MNTNS_ID");
  ASSERT_TRUE(mm);
  if (s().has(Feature::NsGetId)) {
    EXPECT_EQ(mm, id("m"));  // the common id since 6.18
  }
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNS) -> d"), Succeeds());
  ASSERT_THAT(s().run("init: open(\"/proc/d/ns/mnt\") -> dm"), Succeeds());
  auto dm = id("dm", "NS_GET_MNTNS_ID");
  ASSERT_TRUE(dm);
  EXPECT_NE(*mm, *dm);
  if (!s().has(Feature::NsGetId)) {
    EXPECT_LT(*mm, *dm);  // 6.12: mnt_ns->seq counts up
  }
}

// listns() (6.19) by owner: what a user namespace the test made owns, active,
// and, for a caller without may_see_all_namespaces() (a task in a child user
// namespace; on the live kernel every task of the sandbox), only its own.
// ENOSYS before.
TEST_P(KernelProfiles, ListnsByOwner) {
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/user\") -> u"), Succeeds());
  if (!s().has(Feature::Listns)) {
    EXPECT_THAT(s().run("c: listns(0, owner=u)"), FailsWithErrno(ENOSYS));
    return;
  }
  EXPECT_THAT(s().run("c: listns(0, owner=u)"), Returns("2"));
  EXPECT_THAT(s().run("c: listns(CLONE_NEWNET, owner=u)"), Returns("1"));
  EXPECT_THAT(s().run("c: listns(CLONE_NEWUSER, owner=u)"), Returns("0"));
  ASSERT_THAT(s().run("c: clone(CLONE_NEWUTS) -> d"), Succeeds());
  EXPECT_THAT(s().run("c: listns(CLONE_NEWUTS, owner=u)"), Returns("1"));  // d's uts is not c's
  ASSERT_THAT(s().run("d: open(\"/proc/self/ns/user\") -> du"), Succeeds());
  EXPECT_THAT(s().run("d: listns(CLONE_NEWUTS, owner=du)"), Returns("1"));  // d's own
  EXPECT_THAT(s().run("c: listns(0, owner=u, flags=1)"), FailsWithErrno(EINVAL));
  EXPECT_THAT(s().run("c: listns(CLONE_VM, owner=u)"), FailsWithErrno(EOPNOTSUPP));
  ASSERT_THAT(s().run("c: open(\"/proc/self/ns/uts\") -> cu"), Succeeds());
  EXPECT_THAT(s().run("c: listns(0, owner=cu)"), FailsWithErrno(EINVAL));
}

// nsfs file handles (6.18): before, nsfs has no export operations and
// name_to_handle_at() is EOPNOTSUPP; since, a handle opens its namespace again
// for a task in it, for anyone who may_see_all_namespaces() (the initial pid
// namespace with CAP_SYS_ADMIN there: the model's own root, never the live
// sandbox), and for nobody once the namespace is freed (ESTALE). Sockets have
// no handles on any version.
TEST_P(KernelProfiles, NsfsFileHandles) {
  ASSERT_THAT(s().run("init: socket(AF_UNIX) -> sk"), Succeeds());
  EXPECT_THAT(s().run("init: name_to_handle_at(sk) -> hs"), FailsWithErrno(EOPNOTSUPP));
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUTS) -> a"), Succeeds());
  ASSERT_THAT(s().run("a: open(\"/proc/self/ns/uts\") -> f"), Succeeds());
  if (!s().has(Feature::NsfsFileHandles)) {
    EXPECT_THAT(s().run("a: name_to_handle_at(f) -> h"), FailsWithErrno(EOPNOTSUPP));
    return;
  }
  ASSERT_THAT(s().run("a: name_to_handle_at(f) -> h"), Succeeds());
  ASSERT_THAT(s().run("a: close(f)"), Succeeds());
  ASSERT_THAT(s().run("a: open_by_handle_at(h) -> g"), Succeeds());  // a is in it
  EXPECT_THAT(s().run("a: ioctl(g, NS_GET_NSTYPE)"), Returns(std::to_string(CLONE_NEWUTS)));
  // init is not in it: only may_see_all_namespaces() lets it through.
  const bool sees_all = s().root_pid_level() == 0;
  if (sees_all) {
    ASSERT_THAT(s().run("init: open_by_handle_at(h) -> x"), Succeeds());
    ASSERT_THAT(s().run("init: close(x)"), Succeeds());
  } else {
    EXPECT_THAT(s().run("init: open_by_handle_at(h) -> x"), FailsWithErrno(ESTALE));
  }
  // CAP_SYS_ADMIN over the initial user namespace is part of it.
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER) -> u"), Succeeds());
  EXPECT_THAT(s().run("u: open_by_handle_at(h) -> y"), FailsWithErrno(ESTALE));
  ASSERT_THAT(s().run("u: open(\"/proc/self/ns/user\") -> fu"), Succeeds());
  ASSERT_THAT(s().run("u: name_to_handle_at(fu) -> hu"), Succeeds());
  EXPECT_THAT(s().run("u: open_by_handle_at(hu, O_CLOEXEC) -> gu"), Succeeds());  // its own user namespace
  // The handle outlives its namespace: freed, ESTALE for everyone.
  ASSERT_THAT(s().run("a: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(a)"), Returns("a"));
  EXPECT_THAT(s().run("init: open_by_handle_at(h) -> z"), FailsWithErrno(ESTALE));
}

// Active references (6.19+): a namespace held only internally (a socket's
// net namespace) is inactive, and its handle is ESTALE although it lives;
// a new nsfs inode (SIOCGSKNS) makes it active, and the handle opens again.
// On 6.18 it opens all along (for a caller that may see it at all).
TEST_P(KernelProfiles, HandleOfAnInactiveNamespace) {
  if (!s().has(Feature::NsfsFileHandles)) GTEST_SKIP() << "no nsfs file handles before 6.18";
  ASSERT_THAT(s().run("init: clone(CLONE_NEWNET|CLONE_FILES) -> b"), Succeeds());
  ASSERT_THAT(s().run("b: socket(AF_UNIX) -> sk"), Succeeds());
  ASSERT_THAT(s().run("b: open(\"/proc/self/ns/net\") -> fd"), Succeeds());
  ASSERT_THAT(s().run("b: name_to_handle_at(fd) -> h"), Succeeds());
  ASSERT_THAT(s().run("b: exit(0)"), Succeeds());
  ASSERT_THAT(s().run("init: wait(b)"), Returns("b"));
  const bool sees_all = s().root_pid_level() == 0;  // init is not in b's net namespace
  auto opens = [&](const char* line, bool ok) {
    if (ok) {
      EXPECT_THAT(s().run(line), Succeeds()) << line;
    } else {
      EXPECT_THAT(s().run(line), FailsWithErrno(ESTALE)) << line;
    }
  };
  opens("init: open_by_handle_at(h) -> g1", sees_all);  // the open fd keeps it active
  if (sees_all) ASSERT_THAT(s().run("init: close(g1)"), Succeeds());
  ASSERT_THAT(s().run("init: close(fd)"), Succeeds());
  opens("init: open_by_handle_at(h) -> g2", sees_all && !s().has(Feature::ActiveRefs));
  ASSERT_THAT(s().run("init: ioctl(sk, SIOCGSKNS) -> n"), Succeeds());  // resurrects it
  opens("init: open_by_handle_at(h) -> g3", sees_all);
}

// open_tree(OPEN_TREE_NAMESPACE) (7.0): an unknown flag before (EINVAL); since,
// an nsfs fd of a new mount namespace rooted at the directory, which no task is
// in: setns() enters it, and there is no /proc in it. CAP_SYS_ADMIN in the
// caller's own user namespace is enough, but a caller that does not own its
// mount namespace must take what is mounted below (AT_RECURSIVE).
TEST_P(KernelProfiles, OpenTreeNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  if (!s().has(Feature::OpenTreeNamespace)) {
    EXPECT_THAT(s().run("p: open_tree(\"/srv/ot\", OPEN_TREE_NAMESPACE) -> m"), FailsWithErrno(EINVAL));
    return;
  }
  ASSERT_THAT(s().run("p: open_tree(\"/srv/ot\", OPEN_TREE_NAMESPACE) -> m"), Succeeds());
  EXPECT_THAT(s().run("p: ioctl(m, NS_GET_NSTYPE)"), Returns(std::to_string(CLONE_NEWNS)));
  EXPECT_THAT(s().run("p: open_tree(\"/srv/ot\", OPEN_TREE_NAMESPACE|OPEN_TREE_CLONE) -> x"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("p: clone(0) -> c"), Succeeds());
  ASSERT_THAT(s().run("c: setns(m, CLONE_NEWNS)"), Succeeds());
  EXPECT_FALSE(s().same("c", Link::Mnt, "p", Link::Mnt));
  EXPECT_THAT(s().run("c: open(\"/proc/self/ns/net\") -> y"), FailsWithErrno(ENOENT));
  ASSERT_THAT(s().run("init: mount(\"/proc/self/ns/uts\", \"/srv/ot2/ns/uts\", MS_BIND)"), Succeeds());
  EXPECT_THAT(s().run("p: open_tree(\"/srv/ot2/ns/uts\", OPEN_TREE_NAMESPACE) -> f"), FailsWithErrno(ENOTDIR));
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER) -> u"), Succeeds());
  EXPECT_THAT(s().run("u: open_tree(\"/srv/ot2\", OPEN_TREE_NAMESPACE) -> n1"), FailsWithErrno(EINVAL));
  ASSERT_THAT(s().run("u: open_tree(\"/srv/ot2\", OPEN_TREE_NAMESPACE|AT_RECURSIVE) -> n2"), Succeeds());
  ASSERT_THAT(s().run("init: clone(0) -> q"), Succeeds());
  ASSERT_THAT(s().run("q: capset(effective-=CAP_SYS_ADMIN)"), Succeeds());
  EXPECT_THAT(s().run("q: open_tree(\"/srv/ot\", OPEN_TREE_NAMESPACE) -> n3"), FailsWithErrno(EPERM));
}

// A zombie leader's /proc/PID/ns links: before 7.2 the ptrace check reads
// the dumpability exit_mm() saved (its thread's later prctl(PR_SET_DUMPABLE)
// does not reach it: EACCES); since task->exec_state (row task-exec-state) it
// reads the state the thread shares and changes, so the check passes and the
// leader, having no nsproxy, gives ENOENT. Found by make kernels on 7.2.
TEST_P(KernelProfiles, ZombieLeaderDumpabilityFollowsItsThreads) {
  ASSERT_THAT(s().run("init: setgid(1000)"), Succeeds());  // an id change: not dumpable
  ASSERT_THAT(s().run("init: clone(CLONE_NEWUSER) -> l"), Succeeds());
  ASSERT_THAT(s().run("l: thread() -> lt"), Succeeds());
  ASSERT_THAT(s().run("lt: clone(0) -> peer"), Succeeds());
  ASSERT_THAT(s().run("l: exit(1)"), Succeeds());
  ASSERT_THAT(s().run("lt: prctl(PR_SET_DUMPABLE, 1)"), Succeeds());
  EXPECT_THAT(s().run("peer: open(\"/proc/lt/ns/net\") -> f1"), Succeeds());
  EXPECT_THAT(s().run("peer: open(\"/proc/l/ns/net\") -> f2"),
              FailsWithErrno(s().has(Feature::TaskExecState) ? ENOENT : EACCES));
}

// The first fork into a new pid namespace fails after alloc_pid()
// (CLONE_INTO_CGROUP with an fd that is no cgroup: EBADF). Before the 6.19
// alloc_pid() rework free_pid() closes the namespace (ENOMEM from then on);
// since, the next fork is its init (row pidns-first-fork-retry).
TEST_P(KernelProfiles, FailedFirstForkIntoAPidNamespace) {
  ASSERT_THAT(s().run("init: clone(0) -> p"), Succeeds());
  ASSERT_THAT(s().run("p: open(\"/proc/self/ns/net\") -> nf"), Succeeds());
  ASSERT_THAT(s().run("p: unshare(CLONE_NEWPID)"), Succeeds());
  ASSERT_THAT(s().run("p: clone3(CLONE_INTO_CGROUP, cgroup=nf) -> c"), FailsWithErrno(EBADF));
  if (s().has(Feature::PidnsFirstForkRetry)) {
    ASSERT_THAT(s().run("p: clone(0) -> d"), Succeeds());
    EXPECT_TRUE(s().same("d", Link::Pid, "p", Link::PidForChildren));
    EXPECT_THAT(s().run("p: clone(0) -> e"), Succeeds());
  } else {
    EXPECT_THAT(s().run("p: clone(0) -> d"), FailsWithErrno(ENOMEM));
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, KernelProfiles,
                         ::testing::Values(ProfileParam{BackendKind::Sim, {6, 1}},
                                           ProfileParam{BackendKind::Sim, {6, 2}},
                                           ProfileParam{BackendKind::Sim, {6, 12}},
                                           ProfileParam{BackendKind::Sim, {6, 18}},
                                           ProfileParam{BackendKind::Sim, {7, 2}},
                                           ProfileParam{BackendKind::Sim, {7, 3}},
                                           ProfileParam{BackendKind::Real, kDefaultKernel}),
                         param_name);

// The initial net and mnt inode numbers: fixed since 6.18, the first dynamic
// ones before (the seed article's `ls -l /proc/$$/ns` on 6.1). Model only: the
// live run's mnt namespace is the sandbox's, not the initial one.
TEST(KernelProfileModel, InitialNetAndMntInodes) {
  for (KernelVersion v : known_profiles()) {
    Kernel::Config cfg;
    cfg.kernel = v;
    Kernel k(cfg);
    const NsProxy* n = k.init_task()->nsproxy;
    bool fixed = KernelFeatures(v).has(Feature::FixedInitNetMntInum);
    EXPECT_EQ(n->net_ns->inum, fixed ? 4026531833u : 4026531840u) << profile_name(v);
    EXPECT_EQ(n->mnt_ns->inum, fixed ? 4026531832u : 4026531841u) << profile_name(v);
  }
}

// Before per-namespace pid_max (v6.14) the global one bounds set_tid in every
// pid namespace; since, a new pid namespace starts at PID_MAX_LIMIT.
TEST(KernelProfileModel, SetTidAboveTheGlobalPidMax) {
  for (KernelVersion v : known_profiles()) {
    Kernel::Config cfg;
    cfg.kernel = v;
    cfg.pid_max = 32768;  // the global pid_max of a 2-CPU machine
    SimBackend sim(cfg);
    // p is init of a pid namespace the model made; c asks for 40000 there.
    auto pr = parse_scenario("init: clone(CLONE_NEWPID) -> p\np: clone3(CLONE_NEWPID, set_tid=[1, 40000]) -> c\n");
    ASSERT_TRUE(pr.ok());
    auto first = sim.call(std::get<CallStmt>(pr.scenario.statements[0].s));
    ASSERT_TRUE(first.ok);
    auto r = sim.call(std::get<CallStmt>(pr.scenario.statements[1].s));
    if (KernelFeatures(v).has(Feature::PidMaxPerPidNs))
      EXPECT_TRUE(r.ok) << profile_name(v) << ": " << r.usage_error;
    else
      EXPECT_EQ(r.err, EINVAL) << profile_name(v);
  }
}

// set_tid into a new pid namespace without an init, asking for pid 5 there
// as a task without CAP_SYS_ADMIN over its owner: before the 6.19 alloc_pid()
// rework the "no init yet" EINVAL comes first; since, the capability check of
// every entry does (EPERM). Model only: the live run is root.
TEST(KernelProfileModel, SetTidChecksOrder) {
  for (KernelVersion v : known_profiles()) {
    SimBackend sim(Kernel::Config{.kernel = v});
    auto pr = parse_scenario(
        "init: clone(0) -> p\np: unshare(CLONE_NEWPID)\np: setuid(1000)\np: clone3(0, set_tid=[5]) -> c\n");
    ASSERT_TRUE(pr.ok());
    for (size_t i = 0; i + 1 < pr.scenario.statements.size(); ++i)
      ASSERT_TRUE(sim.call(std::get<CallStmt>(pr.scenario.statements[i].s)).ok) << i;
    auto r = sim.call(std::get<CallStmt>(pr.scenario.statements.back().s));
    EXPECT_EQ(r.err, KernelFeatures(v).has(Feature::AllocPidSetTidChecksFirst) ? EPERM : EINVAL) << profile_name(v);
  }
}

// A timens_offsets nanosecond field of 2^63 or more is a negative long:
// with the check (7.2; backported to Debian's 6.1.192 and 6.12.118, absent on
// the host's 6.18.44) EINVAL after the seconds' range check; without it the
// offset is normalised (2^64 - 10^9 nsec is -1 s: the offset is 99 s). The
// seconds' checks come first either way (ERANGE).
TEST(KernelProfileModel, TimensOffsetNanosecondSign) {
  for (KernelVersion v : known_profiles()) {
    SimBackend sim(Kernel::Config{.kernel = v});
    auto pr = parse_scenario(
        "init: unshare(CLONE_NEWTIME)\n"
        "init: write(\"/proc/init/timens_offsets\", \"monotonic 100 18446744072709551616\")\n"
        "init: write(\"/proc/init/timens_offsets\", \"monotonic -99999999999 18446744072709551616\")\n");
    ASSERT_TRUE(pr.ok()) << pr.errors.front().message;
    ASSERT_TRUE(sim.call(std::get<CallStmt>(pr.scenario.statements[0].s)).ok);
    auto r = sim.call(std::get<CallStmt>(pr.scenario.statements[1].s));
    bool check = KernelFeatures(v).has(Feature::TimensOffsetNsecCheck);
    if (check)
      EXPECT_EQ(r.err, EINVAL) << profile_name(v);
    else
      EXPECT_TRUE(r.ok) << profile_name(v) << ": " << r.err;
    EXPECT_EQ(sim.call(std::get<CallStmt>(pr.scenario.statements[2].s)).err, ERANGE) << profile_name(v);
    const TimeNamespace* ns = sim.kernel().init_task()->nsproxy->time_ns_for_children;
    EXPECT_EQ(ns->monotonic.sec, check ? 0 : 99) << profile_name(v);
    EXPECT_EQ(ns->monotonic.nsec, 0) << profile_name(v);
  }
}

// The initial time namespace is made frozen (its offsets are the host's), and
// timens_offsets is a per-process file: none under /proc/thread-self (ENOENT).
// Both seen live (a tester's scenarios, --real).
TEST(KernelProfileModel, TimensOffsetsOfTheInitialNamespaceAndThreadSelf) {
  SimBackend sim(Kernel::Config{});
  auto pr = parse_scenario(
      "init: write(\"/proc/init/timens_offsets\", \"monotonic 1 0\")\n"
      "init: clone(0) -> s\ns: unshare(CLONE_NEWTIME)\n"
      "s: write(\"/proc/thread-self/timens_offsets\", \"monotonic 1 0\")\n"
      "s: write(\"/proc/self/timens_offsets\", \"monotonic 1 0\")\n");
  ASSERT_TRUE(pr.ok()) << pr.errors.front().message;
  std::vector<CallOutcome> r;
  for (auto& st : pr.scenario.statements) r.push_back(sim.call(std::get<CallStmt>(st.s)));
  EXPECT_EQ(r[0].err, EACCES);
  EXPECT_EQ(r[3].err, ENOENT);
  EXPECT_TRUE(r[4].ok) << r[4].err;
}

// A freed namespace is neither active nor inactive (inactive: alive, held
// only internally): both checks fail on it.
TEST(KernelProfileModel, AFreedNamespaceIsNotInactive) {
  const std::string sc =
      "kernel 7.2\ninit: clone(CLONE_NEWNET) -> b\nlet N = b.net\nb: exit(0)\ninit: wait(b) = b\nexpect dead(N)\n";
  EXPECT_EQ(testing::run_nssim_on("trace --no-events --no-table", sc, "freed_dead_").status, 0);
  testing::CliRun in = testing::run_nssim_on("trace --no-events --no-table", sc + "expect inactive(N)\n", "freed_inactive_");
  EXPECT_EQ(in.status, 1) << in.out;
  testing::CliRun act = testing::run_nssim_on("trace --no-events --no-table", sc + "expect active(N)\n", "freed_active_");
  EXPECT_EQ(act.status, 1) << act.out;
}

// Active references (6.19+), on the model under every profile: a namespace
// held only internally (a socket) is inactive, one with a task or an nsfs
// inode is active, and an nsfs inode brings it back; an active namespace keeps
// its owning user namespace active though no task is in that one.
TEST(KernelProfileModel, ActiveAndInactiveNamespaces) {
  for (KernelVersion v : known_profiles()) {
    Session s(BackendKind::Sim, v);
    const Kernel& k = s.sim()->kernel();
    // b: a new user namespace U owning a new net namespace N; CLONE_FILES: init
    // shares b's fd table, so the socket outlives b.
    ASSERT_THAT(s.run("init: clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_FILES) -> b"), Succeeds());
    ASSERT_THAT(s.run("b: socket(AF_UNIX) -> sk"), Succeeds());
    const uint64_t n = s.token("b", Link::Net).value(), u = s.token("b", Link::User).value();
    auto active = [&](uint64_t serial) {
      auto a = k.active_namespaces();
      return serial < a.size() && a[serial];
    };
    if (!s.has(Feature::ActiveRefs)) {
      EXPECT_TRUE(k.active_namespaces().empty()) << profile_name(v);
      continue;
    }
    EXPECT_TRUE(active(n) && active(u)) << profile_name(v);
    ASSERT_THAT(s.run("init: open(\"/proc/b/ns/net\") -> fd"), Succeeds());
    ASSERT_THAT(s.run("b: exit(0)"), Succeeds());
    ASSERT_THAT(s.run("init: wait(b)"), Succeeds());
    EXPECT_TRUE(active(n)) << profile_name(v) << ": the nsfs inode";
    EXPECT_TRUE(active(u)) << profile_name(v) << ": no task is in U, but N, which U owns, is active";
    ASSERT_THAT(s.run("init: close(fd)"), Succeeds());
    EXPECT_EQ(s.alive(n), true) << profile_name(v) << ": the socket holds N";
    EXPECT_FALSE(active(n)) << profile_name(v) << ": held only internally";
    EXPECT_FALSE(active(u)) << profile_name(v);
    ASSERT_THAT(s.run("init: ioctl(sk, SIOCGSKNS) -> nfd"), Succeeds());  // a new nsfs inode resurrects N
    EXPECT_TRUE(active(n) && active(u)) << profile_name(v);
    ASSERT_THAT(s.run("init: close(nfd)"), Succeeds());
    EXPECT_FALSE(active(n) || active(u)) << profile_name(v);
  }
}

// listns() from the model's root pid namespace with CAP_SYS_ADMIN (a run
// without --real: the kernel's initial pid namespace) sees every active
// namespace the owner owns, not only the caller's; an inactive one (only a
// socket keeps it) is not listed. Model only: a live run's tasks are in the
// sandbox's pid namespace.
TEST(KernelProfileModel, ListnsSeesAllFromTheInitialPidNamespace) {
  Session s(BackendKind::Sim, {7, 2});
  ASSERT_THAT(s.run("init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c"), Succeeds());
  ASSERT_THAT(s.run("init: open(\"/proc/c/ns/user\") -> u"), Succeeds());
  EXPECT_THAT(s.run("init: listns(0, owner=u)"), Returns("2"));
  ASSERT_THAT(s.run("c: socket(AF_UNIX) -> sk"), Succeeds());
  ASSERT_THAT(s.run("c: unshare(CLONE_NEWNET)"), Succeeds());  // the old net: only the socket holds it
  EXPECT_THAT(s.run("init: listns(CLONE_NEWNET, owner=u)"), Returns("1"));  // the new one; the old is inactive
  ASSERT_THAT(s.run("c: open(\"/proc/self/ns/user\") -> cu"), Succeeds());
  EXPECT_THAT(s.run("c: listns(CLONE_NEWNET, owner=cu)"), Returns("1"));  // its own, the new one
}

// docs/kernels.md's table has a row for each feature, with its version and
// commit as the code has them.
TEST(KernelProfileDocs, TableListsEveryFeature) {
  std::ifstream f(std::string(NSSIM_SOURCE_DIR) + "/docs/kernels.md");
  ASSERT_TRUE(f) << "docs/kernels.md";
  std::vector<std::string> rows;
  for (std::string line; std::getline(f, line);)
    if (line.rfind("| `", 0) == 0) rows.push_back(line);
  for (const FeatureRow& r : feature_table()) {
    std::string key = fmt::format("| `{}` | {} | ", r.name, profile_name(r.since));
    auto it = std::find_if(rows.begin(), rows.end(), [&](const std::string& l) { return l.rfind(key, 0) == 0; });
    ASSERT_NE(it, rows.end()) << "docs/kernels.md has no row starting " << key;
    std::string commit(r.commit.substr(0, r.commit.find(' ')));
    EXPECT_NE(it->find(commit), std::string::npos) << r.name << ": commit " << commit << " not in its row";
  }
}

TEST(KernelProfileModel, VersionsAndNames) {
  EXPECT_EQ(profile_from_name("6.1"), (KernelVersion{6, 1}));
  EXPECT_EQ(profile_from_name("6.12"), (KernelVersion{6, 12}));
  EXPECT_FALSE(profile_from_name("6.16"));  // not a profile
  EXPECT_FALSE(profile_from_name("6.1x"));
  EXPECT_EQ(version_from_release("6.18.44-fc-v1272"), (KernelVersion{6, 18}));
  EXPECT_EQ(version_from_release("7.2.0-rc3"), (KernelVersion{7, 2}));
  EXPECT_FALSE(version_from_release("linux"));
  EXPECT_EQ(profile_from_name("7.2"), (KernelVersion{7, 2}));
  EXPECT_EQ(profile_from_name("7.3"), (KernelVersion{7, 3}));
  EXPECT_EQ(live_profile({7, 2}), (KernelVersion{7, 2}));
  EXPECT_EQ(live_profile({7, 9}), kNewestModelled);
  EXPECT_TRUE(KernelFeatures({7, 2}).has(Feature::ActiveRefs));
  EXPECT_FALSE(KernelFeatures({6, 18}).has(Feature::ActiveRefs));
  EXPECT_EQ(live_profile({6, 16}), (KernelVersion{6, 16}));
  EXPECT_TRUE(KernelFeatures({6, 16}).has(Feature::PidMaxPerPidNs));
  EXPECT_FALSE(KernelFeatures({6, 1}).has(Feature::TimensForCloneVm));
  EXPECT_FALSE(KernelFeatures({6, 18}).has(Feature::CloneValidExitSignal));
  EXPECT_TRUE(KernelFeatures({7, 2}).has(Feature::CloneValidExitSignal));
}

}  // namespace
}  // namespace nssim::testing
