#include "bench/bench_util.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <mutex>

namespace nssim::bench {

SandboxInfo g_sandbox;
int g_cwd_fd = -1;

namespace {
std::mutex g_mu;
std::map<std::string, std::string> g_skipped, g_failed;
}  // namespace

std::string current_case;  // set by add() in main.cc before each run

void rest_if_realtime() {
  // 350 ms busy, 40 ms asleep: at most 920 ms of any 1 s period on the CPU,
  // under the 950 ms of /proc/sys/kernel/sched_rt_runtime_us.
  static int64_t busy_since = 0;
  if (!g_sandbox.rt) return;
  int64_t now = now_ns();
  if (busy_since == 0) busy_since = now;
  if (now - busy_since < 350'000'000) return;
  timespec ts{0, 40'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  busy_since = now_ns();
}

bool need_kernel(benchmark::State& st) {
  if (g_sandbox.no_kernel.empty()) return true;
  skip(st, g_sandbox.no_kernel);
  return false;
}

void skip(benchmark::State& st, std::string_view reason) {
  std::string msg = fmt::format("skipped: {}", reason);
  st.SkipWithError(msg.c_str());
  std::lock_guard l(g_mu);
  g_skipped.emplace(current_case + ": " + msg, msg);
}

void fail(benchmark::State& st, std::string_view what) {
  std::string msg = fmt::format("FAILED: {}", what);
  st.SkipWithError(msg.c_str());
  std::lock_guard l(g_mu);
  g_failed.emplace(current_case + ": " + msg, msg);
}

int failures() {
  std::lock_guard l(g_mu);
  return static_cast<int>(g_failed.size());
}

std::string verdict_summary() {
  std::lock_guard l(g_mu);
  std::string s = fmt::format("{} case(s) skipped, {} failed", g_skipped.size(), g_failed.size());
  for (auto& kv : g_failed) s += "\n  " + kv.first;
  return s;
}

bool Errors::finish(benchmark::State& st, uint64_t calls) const {
  if (n == 0) return true;
  fail(st, fmt::format("{} of {} calls failed; first: {}: {}", n, calls, first_what ? first_what : "?",
                       errno_str(first_errno)));
  return false;
}

std::string errno_str(int e) {
  const char* n = strerrorname_np(e);
  return fmt::format("{} ({})", n ? n : std::to_string(e).c_str(), std::strerror(e));
}

long clone3_fork(uint64_t flags) {
  clone_args a{};
  a.flags = flags;
  a.exit_signal = SIGCHLD;
  return syscall(SYS_clone3, &a, sizeof a);
}

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int setns_(int fd, int nstype) { return static_cast<int>(syscall(SYS_setns, fd, nstype)); }

const NsKind* ns_kind(std::string_view name) {
  for (auto& k : kNsKinds)
    if (name == k.name) return &k;
  return nullptr;
}

uint64_t self_ns_ino(const char* link) {
  struct stat st;
  if (stat(fmt::format("/proc/self/ns/{}", link).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

uint64_t fd_ino(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return 0;
  return st.st_ino;
}

int open_self_ns(const char* link) {
  return open(fmt::format("/proc/self/ns/{}", link).c_str(), O_RDONLY | O_CLOEXEC);
}

Fd::~Fd() {
  if (fd >= 0) close(fd);
}

void restore_cwd_after_mnt() {
  if (g_cwd_fd >= 0 && fchdir(g_cwd_fd) != 0) {
  }
}

bool Holder::start(uint64_t flags, std::string& why) {
  stop();
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    why = "pipe2: " + errno_str(errno);
    return false;
  }
  long pid = clone3_fork(flags);
  if (pid < 0) {
    why = fmt::format("clone3({:#x}): {}", flags, errno_str(errno));
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls. Wait for EOF on the pipe.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(p[1]);
    char c;
    while (read(p[0], &c, 1) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 0);
  }
  close(p[0]);
  ctl_ = p[1];
  pid_ = static_cast<pid_t>(pid);
  pidfd_ = pidfd_open(pid_);
  return true;
}

void Holder::stop() {
  if (pid_ < 0) return;
  close(ctl_);
  int st;
  waitpid(pid_, &st, __WALL);
  if (pidfd_ >= 0) close(pidfd_);
  pid_ = -1;
  pidfd_ = -1;
  ctl_ = -1;
}

int Holder::open_ns(const char* link) const {
  return open(fmt::format("/proc/{}/ns/{}", pid_, link).c_str(), O_RDONLY | O_CLOEXEC);
}

}  // namespace nssim::bench
