// The live-kernel backend never changes the host and leaves nothing behind:
// unprivileged runs refuse cleanly (exit 3); killing nssim (SIGKILL or Ctrl-C)
// in the middle of a run leaves no agent process alive, no namespace the run
// made alive (checked with nsfs file handles, which go stale when the
// namespace is freed) and the host's mount table as it was; a step whose agent
// does not answer times out with a clear message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <set>
#include <thread>

#include "real/real_backend.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

namespace fs = std::filesystem;

using testing::all_pids;
using testing::ppid_sid;
using testing::slurp;

// The processes of one nssim run: its sandbox's pid 1 (a child of the
// controller) calls setsid(), so every agent is in the session it leads.
std::vector<int> run_processes(int sandbox) {
  std::vector<int> out;
  for (int p : all_pids())
    if (ppid_sid(p).second == sandbox) out.push_back(p);
  return out;
}

// The run's processes still there after up to 2 s (they die with the sandbox).
std::vector<int> processes_left(int sandbox) {
  std::vector<int> left;
  for (int i = 0; i < 100; ++i) {
    left = run_processes(sandbox);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return left;
}

// A scenario long enough to be interrupted: many forks, exits and namespaces.
std::string long_scenario() {
  std::string s;
  for (int i = 0; i < 3000; ++i) {
    s += "init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> t" + std::to_string(i) + "\n";
    s += "t" + std::to_string(i) + ": exit(0)\n";
    s += "init: wait(t" + std::to_string(i) + ")\n";
  }
  return s;
}

#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, uint64_t)
#endif
constexpr int kFdNsfsRoot = -10003;  // FD_NSFS_ROOT, include/uapi/linux/fcntl.h @ v6.18
struct NsHandle {
  file_handle h;
  unsigned char bytes[128];
};

uint64_t ns_id(const std::string& link) {
  int fd = open(link.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint64_t id = 0;
  if (ioctl(fd, NS_GET_ID, &id) != 0) id = 0;
  close(fd);
  return id;
}

// File handles of every namespace the run's processes are in (the host's own
// excluded): a handle opens while its namespace lives, then fails ESTALE.
std::map<uint64_t, NsHandle> handles_of_run(int sandbox) {
  static const char* kLinks[] = {"uts", "ipc", "mnt", "pid", "pid_for_children", "net", "time", "time_for_children",
                                 "cgroup", "user"};
  std::set<uint64_t> host;
  for (const char* l : kLinks) host.insert(ns_id(std::string("/proc/self/ns/") + l));
  std::map<uint64_t, NsHandle> out;
  for (int p : run_processes(sandbox))
    for (const char* l : kLinks) {
      std::string link = "/proc/" + std::to_string(p) + "/ns/" + l;
      int fd = open(link.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      uint64_t id = 0;
      NsHandle h{};
      h.h.handle_bytes = sizeof h.bytes;
      int mnt = 0;
      if (ioctl(fd, NS_GET_ID, &id) == 0 && !host.count(id) &&
          syscall(SYS_name_to_handle_at, fd, "", &h.h, &mnt, AT_EMPTY_PATH) == 0)
        out.emplace(id, h);
      close(fd);
    }
  return out;
}

bool still_alive(NsHandle& h) {
  int fd = static_cast<int>(syscall(SYS_open_by_handle_at, kFdNsfsRoot, &h.h, O_RDONLY | O_CLOEXEC));
  if (fd >= 0) close(fd);
  return fd >= 0 || errno != ESTALE;
}

void kill_midway(int sig) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string path = ::testing::TempDir() + "/nssim_long_" + std::to_string(sig) + ".nss";
  std::ofstream(path) << long_scenario();
  std::string mounts_before = slurp("/proc/self/mountinfo");
  pid_t pid = testing::spawn_nssim({"trace", "--real", "--no-events", "--no-table", path}, "/dev/null");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // The run is under way once its sandbox exists: within 700 ms normally, later in
  // the sanitizer build or on a loaded machine (then give it some steps too).
  int sandbox = -1;
  for (int i = 0; i < 400; ++i) {
    for (int p : all_pids())
      if (ppid_sid(p).first == pid) sandbox = p;
    if (sandbox > 0) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(sandbox, 0) << "the run should be under way";
  EXPECT_FALSE(run_processes(sandbox).empty());
  auto handles = handles_of_run(sandbox);
  // At least the sandbox's own pid, mnt and uts namespaces, and the scenario's net ones.
  EXPECT_GE(handles.size(), 3u);
  kill(pid, sig);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFSIGNALED(st)) << "exit status " << st;
  // Agents die with the sandbox's pid 1 (PDEATHSIG / the kernel's zap).
  EXPECT_THAT(processes_left(sandbox), ::testing::IsEmpty());
  // Every namespace of the run is freed (net namespaces are torn down by a
  // kernel worker: give it a few seconds).
  std::vector<uint64_t> alive;
  for (int i = 0; i < 250; ++i) {
    alive.clear();
    for (auto& [id, h] : handles)
      if (still_alive(h)) alive.push_back(id);
    if (alive.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(alive, ::testing::IsEmpty()) << "ns_ids of namespaces the run left alive";
  // The host's mount table: nothing mounted or unmounted by the run.
  EXPECT_EQ(slurp("/proc/self/mountinfo"), mounts_before);
}

// An agent that stops answering (here: stopped with SIGSTOP between two of
// its steps) makes its step time out with a clear message; the run goes on,
// reports the disagreement, exits 1 and leaves no process behind.
TEST(Sandbox, StepThatHangsTimesOutWithAClearMessage) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  testing::HangingRun hang = testing::start_hanging_run("nssim_hang", "a: sethostname(\"x\")\ninit: clone(0) -> b\n");
  ASSERT_GT(hang.a, 0) << "task a should exist early in the run";
  int st = testing::stop_a_and_wait(hang);
  std::string out = slurp(hang.out_path);
  ASSERT_TRUE(WIFEXITED(st)) << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  EXPECT_EQ(WEXITSTATUS(st), 1);
  // a's own call finds it (the steps before it do not read a: docs/design.md, "What --real reads per step").
  EXPECT_THAT(out, ::testing::HasSubstr("a: sethostname(\"x\")  = 0\n      kernel: = -1 ETIMEDOUT  (no answer within 300 ms)"));
  EXPECT_THAT(out, ::testing::HasSubstr("init: clone(0) -> b"));  // the run went on
  EXPECT_THAT(processes_left(hang.sandbox), ::testing::IsEmpty());
}

TEST(Sandbox, SigkillOfNssimLeavesNoProcess) { kill_midway(SIGKILL); }
TEST(Sandbox, CtrlCLeavesNoProcess) { kill_midway(SIGINT); }

// nssim as pid 1 of a pid namespace (`unshare --pid --fork nssim ...`): the
// kernel ignores default-action signals its init sends itself, so re-raising
// SIGINT did nothing and the run went on with a killed sandbox, printing
// thousands of false disagreements (found by a tester). It must stop there.
TEST(Sandbox, CtrlCStopsNssimRunningAsPidOne) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  if (access("/usr/bin/unshare", X_OK) != 0 || access("/usr/bin/timeout", X_OK) != 0)
    GTEST_SKIP() << "unshare or timeout (util-linux, coreutils) is missing";
  std::string path = testing::test_temp_path("nssim_", ".nss");
  std::ofstream(path) << long_scenario();
  testing::CliRun r = testing::run_shell("/usr/bin/timeout -s INT 2 /usr/bin/unshare --pid --fork --mount-proc " +
                                         std::string(NSSIM_BINARY) + " trace --real --no-events --no-table " + path);
  EXPECT_EQ(r.status, 124) << r.out;  // timeout's status: the command ended by its signal
  EXPECT_THAT(r.out, ::testing::HasSubstr("interrupted; the sandbox was killed"));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("DISAGREE")));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("summary:")));
}

// Not root: nssim makes a user namespace of its own (uid 65534 -> 0) and runs
// the scenario there, the model booted with that namespace; the header says
// so and names what it cannot check (BPF, liveness of hidden namespaces).
TEST(Sandbox, UnprivilegedRunIsRootlessAndSaysWhatItCannotCheck) {
  if (std::string why = testing::unprivileged_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  if (std::string why = real::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string path = testing::test_temp_path("nssim_", ".nss");
  std::ofstream(path) << "init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> a\n"
                         "a: sethostname(\"x\") = 0\n"
                         "a: unshare(CLONE_NEWUSER) = 0\n"
                         "expect a.user.level == 2\n"  // below nssim's own, at level 1
                         "a: exit(0)\n"
                         "init: wait(a) = a\n";
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  testing::CliRun r = testing::run_nssim_unprivileged("trace --real --no-table " + path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, ::testing::HasSubstr("rootless"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("uid 0 -> 65534"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("kernel structures: not checked"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("live kernel: 0 disagreements"));
}

// Where the sandbox cannot be made at all (here: no network namespace may be
// created in this user namespace), exit 3 with the kernel's reason.
TEST(Sandbox, SandboxRefusedExitsThreeWithTheReason) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "unshare (util-linux) is missing";
  std::string path = testing::test_temp_path("nssim_", ".nss");
  std::ofstream(path) << "init: clone(0) -> a\n";
  testing::CliRun r = testing::run_shell(
      "/usr/bin/unshare --user --map-root-user sh -c 'echo 0 > /proc/sys/user/max_net_namespaces && exec " +
      std::string(NSSIM_BINARY) + " trace --real " + path + "'");
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_THAT(r.out, ::testing::HasSubstr("cannot run on the live kernel"));
  EXPECT_THAT(r.out, ::testing::HasSubstr("CLONE_NEWNET"));
}

}  // namespace
}  // namespace nssim
