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

namespace nssim {
namespace {

namespace fs = std::filesystem;

// /proc/PID/stat fields 4 (ppid) and 6 (session) of a process; {-1,-1} if gone.
std::pair<int, int> ppid_sid(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t p = s.rfind(')');
  if (p == std::string::npos) return {-1, -1};
  std::istringstream is(s.substr(p + 2));
  std::string state;
  int ppid, pgrp, sid;
  is >> state >> ppid >> pgrp >> sid;
  return {ppid, sid};
}

std::vector<int> all_pids() {
  std::vector<int> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") == std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

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

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
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
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(NSSIM_BINARY, "nssim", "trace", "--real", "--no-events", "--no-table", path.c_str(), nullptr);
    _exit(127);
  }
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
  std::string path = ::testing::TempDir() + "/nssim_hang.nss";
  {
    std::ofstream f(path);
    f << "init: clone(0) -> a\n";
    for (int i = 0; i < 20000; ++i) f << "init: sethostname(\"h\")\n";  // time to stop a
    f << "a: sethostname(\"x\")\ninit: clone(0) -> b\n";
  }
  std::string out_path = ::testing::TempDir() + "/nssim_hang.out";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(out, 2);
    execl(NSSIM_BINARY, "nssim", "trace", "--real", "--no-bpf", "--no-events", "--no-table", "--timeout", "300",
          path.c_str(), nullptr);
    _exit(127);
  }
  // The sandbox's pid 1 is nssim's child; a is its only child.
  int sandbox = -1, a = -1;
  for (int i = 0; i < 500 && a < 0; ++i) {
    for (int p : all_pids()) {
      if (ppid_sid(p).first == pid) sandbox = p;
      if (sandbox > 0 && ppid_sid(p).first == sandbox) a = p;
    }
    if (a < 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_GT(a, 0) << "task a should exist early in the run";
  // Let a report to the controller first (microseconds; init's 20000 steps
  // take seconds), then stop it.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(a, SIGSTOP);
  int st;
  waitpid(pid, &st, 0);
  std::string out = slurp(out_path);
  ASSERT_TRUE(WIFEXITED(st)) << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  EXPECT_EQ(WEXITSTATUS(st), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("task 'a' hangs: its agent gave no answer within 300 ms"));
  EXPECT_THAT(out, ::testing::HasSubstr("init: clone(0) -> b"));  // the run went on
  EXPECT_THAT(processes_left(sandbox), ::testing::IsEmpty());
}

TEST(Sandbox, SigkillOfNssimLeavesNoProcess) { kill_midway(SIGKILL); }
TEST(Sandbox, CtrlCLeavesNoProcess) { kill_midway(SIGINT); }

TEST(Sandbox, UnprivilegedRunExitsThreeWithAReason) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to an unprivileged user";
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) is missing";
  std::string path = ::testing::TempDir() + "/nssim_unpriv.nss";
  std::ofstream(path) << "init: clone(0) -> a\n";
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  std::string cmd = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(NSSIM_BINARY) +
                    " trace --real " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = pclose(p);
  EXPECT_EQ(WEXITSTATUS(st), 3) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("needs root"));
}

}  // namespace
}  // namespace nssim
