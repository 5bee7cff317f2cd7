// The live-kernel backend never changes the host and leaves nothing behind:
// unprivileged runs refuse cleanly (exit 3), and killing nssim (SIGKILL or
// Ctrl-C) in the middle of a run leaves no agent process alive.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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

void kill_midway(int sig) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string path = ::testing::TempDir() + "/nssim_long_" + std::to_string(sig) + ".nss";
  std::ofstream(path) << long_scenario();
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(NSSIM_BINARY, "nssim", "trace", "--real", "--no-events", "--no-table", path.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  int sandbox = -1;
  for (int p : all_pids())
    if (ppid_sid(p).first == pid) sandbox = p;
  ASSERT_GT(sandbox, 0) << "the run should be under way";
  EXPECT_FALSE(run_processes(sandbox).empty());
  kill(pid, sig);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFSIGNALED(st)) << "exit status " << st;
  // Agents die with the sandbox's pid 1 (PDEATHSIG / the kernel's zap).
  std::vector<int> left;
  for (int i = 0; i < 100; ++i) {
    left = run_processes(sandbox);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(left, ::testing::IsEmpty());
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
