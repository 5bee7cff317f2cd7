// Helpers shared by the test files: the bundled scenarios, test names made
// from paths, the lock of the tests that count kernel references, and running
// the nssim binary (its output and exit status, per-test files, its processes).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sim/features.h"
#include "sim/scenario.h"

namespace nssim::testing {

// Why a bundled scenario is not checked on this live kernel: it names another
// kernel (`kernel 6.1`), whose rules the model follows only on that kernel
// (nssim trace --real --vm 6.1). Empty: it is checked here. `live` is the
// profile Runner::adopt_environment() chose, `release` uname -r.
inline std::string written_for_another_kernel(const Scenario& sc, KernelVersion live, const std::string& release) {
  if (!sc.kernel || *profile_from_name(*sc.kernel) == live) return "";
  return sc.file + " is written for kernel " + *sc.kernel + "; the live kernel is " + release +
         " (checked there with nssim trace --real --vm " + *sc.kernel + ")";
}

// examples/*.nss, the labs' solution.nss and (optionally) tests/regressions/*.nss,
// relative to the source tree, sorted.
inline std::vector<std::string> bundled_scenarios(bool with_regressions = true) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* dir : {"examples", "labs", "tests/regressions"}) {
    if (!with_regressions && std::string(dir) == "tests/regressions") continue;
    fs::path root = fs::path(NSSIM_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      if (e.path().extension() != ".nss") continue;
      if (std::string(dir) == "labs" && e.path().filename() != "solution.nss") continue;
      out.push_back(fs::relative(e.path(), NSSIM_SOURCE_DIR).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "examples/02-x.nss" -> "examples_02_x_nss" (a valid gtest parameter name).
inline std::string path_test_name(const std::string& path) {
  std::string n = path;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// Tests that count references take this lock: a concurrent snapshot (another
// test process, or `nssim snapshot`) briefly holds fds on every namespace.
// Other tests that must not overlap across ctest's processes name their own file.
class IntrospectionLock {
 public:
  explicit IntrospectionLock(const char* path = "/tmp/nssim-introspection-tests.lock") {
    fd_ = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~IntrospectionLock() {
    if (fd_ >= 0) close(fd_);
  }
  IntrospectionLock(const IntrospectionLock&) = delete;
  IntrospectionLock& operator=(const IntrospectionLock&) = delete;

 private:
  int fd_ = -1;
};

// ---- running the nssim binary ---------------------------------------------------

// What a command printed (stdout and stderr together) and how it ended.
struct CliRun {
  int status;  // its exit status; -1 if it did not exit (killed by a signal)
  std::string out;
};

// Runs `cmd` with the shell, " 2>&1" appended (so stderr is in `out` too).
inline CliRun run_shell(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// `nssim ARGS` (ARGS: a shell command line), as run_shell runs it.
inline CliRun run_nssim(const std::string& args) { return run_shell(std::string(NSSIM_BINARY) + " " + args); }

// Why this test process cannot run nssim as an unprivileged user ("" if it
// can): that takes root, to drop to one, and util-linux's setpriv.
inline std::string unprivileged_skip_reason() {
  if (geteuid() != 0) return "needs root to drop to an unprivileged user";
  if (access("/usr/bin/setpriv", X_OK) != 0) return "setpriv (util-linux) is missing";
  return "";
}

// `nssim ARGS` as user nobody (uid and gid 65534, no groups), as run_shell runs it.
inline CliRun run_nssim_unprivileged(const std::string& args) {
  return run_shell("/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(NSSIM_BINARY) + " " +
                   args);
}

// A file of the running test: TempDir()/PREFIX + "Suite_Test" (non-alphanumerics
// as '_') + SUFFIX. One per test: ctest runs the tests in parallel processes.
inline std::string test_temp_path(const std::string& prefix, const std::string& suffix) {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return ::testing::TempDir() + "/" + prefix + name + suffix;
}

// `nssim ARGS FILE`, FILE = test_temp_path(PREFIX, ".nss") holding `input`;
// just `nssim ARGS` when `input` is empty.
inline CliRun run_nssim_on(const std::string& args, const std::string& input, const std::string& prefix) {
  std::string path = test_temp_path(prefix, ".nss");
  if (!input.empty()) std::ofstream(path) << input;
  return run_nssim(args + (input.empty() ? "" : " " + path));
}

// A whole file, byte for byte; empty if it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// /proc/PID/stat fields 4 (ppid) and 6 (session) of a process; {-1, -1} if it is gone.
inline std::pair<int, int> ppid_sid(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  try {
    s.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return {-1, -1};  // it exited between open and read: libstdc++'s filebuf throws on ESRCH
  }
  size_t p = s.rfind(')');
  if (p == std::string::npos || p + 2 > s.size()) return {-1, -1};
  std::istringstream is(s.substr(p + 2));
  std::string state;
  int ppid = -1, pgrp = -1, sid = -1;
  is >> state >> ppid >> pgrp >> sid;
  return {ppid, sid};
}

// The pids in /proc now (processes come and go while it is read).
inline std::vector<int> all_pids() {
  std::vector<int> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    std::string n = it->path().filename();
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos) out.push_back(std::stoi(n));
  }
  return out;
}

// Starts `nssim ARGS...` in a child process, its stdout and stderr into
// `out_path` (created or truncated; "/dev/null" to drop them); the child's pid.
inline pid_t spawn_nssim(const std::vector<std::string>& args, const std::string& out_path) {
  std::vector<char*> argv{const_cast<char*>("nssim")};
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(out, 2);
    execv(NSSIM_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// A run on the live kernel whose task a can be stopped while init is busy:
// "init: clone(0) -> a", 20000 of init's sethostname() calls (seconds), then
// `tail`, in TempDir()/NAME.nss, run by `nssim trace --real --no-bpf
// --no-events --no-table --timeout 300` with its output into TempDir()/NAME.out.
struct HangingRun {
  pid_t nssim = -1;
  int sandbox = -1;  // the sandbox's pid 1: nssim's child
  int a = -1;        // task a: the sandbox's only child; -1 if it did not appear
  std::string out_path;
};

// Starts the run and waits (up to 1000 looks at /proc) for a's process.
inline HangingRun start_hanging_run(const std::string& name, const std::string& tail) {
  HangingRun r;
  std::string path = ::testing::TempDir() + "/" + name + ".nss";
  {
    std::ofstream f(path);
    f << "init: clone(0) -> a\n";
    for (int i = 0; i < 20000; ++i) f << "init: sethostname(\"h\")\n";  // time to stop a
    f << tail;
  }
  r.out_path = ::testing::TempDir() + "/" + name + ".out";
  r.nssim =
      spawn_nssim({"trace", "--real", "--no-bpf", "--no-events", "--no-table", "--timeout", "300", path}, r.out_path);
  for (int i = 0; i < 1000 && r.a < 0; ++i) {
    for (int p : all_pids()) {
      int ppid = ppid_sid(p).first;
      if (ppid == r.nssim) r.sandbox = p;
      if (r.sandbox > 0 && ppid == r.sandbox) r.a = p;
    }
    if (r.a < 0) usleep(2000);
  }
  return r;
}

// Stops task a with SIGSTOP, once it has reported to the controller (300 ms;
// init's 20000 steps take seconds), and waits for nssim; its wait status.
inline int stop_a_and_wait(const HangingRun& r) {
  usleep(300000);
  kill(r.a, SIGSTOP);
  int st;
  waitpid(r.nssim, &st, 0);
  return st;
}

}  // namespace nssim::testing
