// Shared helpers for nssim-bench: the verdict of every case (measured,
// skipped with a reason, or failed), error counting inside timed loops, raw
// syscall wrappers and the namespace-type table.
#pragma once

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <time.h>

namespace nssim::bench {

// ---- verdicts ---------------------------------------------------------------
// Every case ends in one of three ways. A skip states why the kernel or the
// machine does not allow the measurement; a failure (an unexpected errno, a
// namespace that did not change) makes the whole run exit 1, because a
// benchmark that times errors is a defect.
void skip(benchmark::State& st, std::string_view reason);
void fail(benchmark::State& st, std::string_view what);
// Failures so far (distinct case names) and a one-line summary for stderr.
int failures();
std::string verdict_summary();

// Counts failed calls inside a timed loop at the cost of one predictable
// branch; finish() turns any into a failure of the case.
struct Errors {
  uint64_t n = 0;
  int first_errno = 0;
  const char* first_what = nullptr;
  void check(long rc, const char* what) {
    if (rc < 0) [[unlikely]]
      record(what);
  }
  void record(const char* what) {
    if (n++ == 0) {
      first_errno = errno;
      first_what = what;
    }
  }
  // True when the case may be reported as measured.
  bool finish(benchmark::State& st, uint64_t calls) const;
};

// ---- clocks -------------------------------------------------------------------
inline int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// ---- raw syscalls ---------------------------------------------------------------
// clone3({.flags, .exit_signal = SIGCHLD}) with fork semantics: returns the
// child's pid in the parent and 0 in the child; -1 with errno.
long clone3_fork(uint64_t flags);
int pidfd_open(pid_t pid);
int setns_(int fd, int nstype);
std::string errno_str(int e);  // "EINVAL (Invalid argument)"

// ---- namespace types ----------------------------------------------------------
struct NsKind {
  const char* name;  // the /proc/PID/ns link name
  uint64_t flag;     // CLONE_NEW*
};
inline constexpr NsKind kNsKinds[] = {
    {"uts", 0x04000000}, {"ipc", 0x08000000},    {"net", 0x40000000}, {"mnt", 0x00020000},
    {"cgroup", 0x02000000}, {"time", 0x00000080}, {"pid", 0x20000000}, {"user", 0x10000000},
};
const NsKind* ns_kind(std::string_view name);
// The inode of /proc/self/ns/LINK (0 when it cannot be read).
uint64_t self_ns_ino(const char* link);
uint64_t fd_ino(int fd);

// A child process that holds namespaces alive: created with clone3(flags),
// it blocks until its control pipe closes (or the benchmark process dies:
// PR_SET_PDEATHSIG), so its /proc/PID/ns links can be opened.
class Holder {
 public:
  Holder() = default;
  ~Holder() { stop(); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  // False with `why` set when clone3 fails.
  bool start(uint64_t flags, std::string& why);
  void stop();
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }
  // open("/proc/PID/ns/LINK", O_RDONLY|O_CLOEXEC); -1 with errno.
  int open_ns(const char* link) const;

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int ctl_ = -1;
};

// Open /proc/self/ns/LINK.
int open_self_ns(const char* link);

// An owned fd.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
};

// setns(mnt) moves root and cwd to the new namespace's root: go back to the
// directory the run started in.
void restore_cwd_after_mnt();

// Registers a case; every case goes through here so that skip()/fail() know
// its name. Families share a name prefix: "kernel/setns/uts".
extern std::string current_case;
// At SCHED_FIFO, sleeps (untimed, before a case's loop) often enough to stay
// under the kernel's real-time throttle, which would otherwise stop a timed
// loop for 50 ms in every second; it also lets deferred kernel work run.
void rest_if_realtime();
template <class F>
benchmark::internal::Benchmark* add(const std::string& name, F fn) {
  return benchmark::RegisterBenchmark(name.c_str(), [name, fn](benchmark::State& st) {
    current_case = name;
    rest_if_realtime();
    fn(st);
  });
}
// Kernel cases start with this: false (and the case skipped) outside the sandbox.
bool need_kernel(benchmark::State& st);

// Registration hooks of each file (called from main() in this order).
struct Config {
  bool quick = false;  // smoke run: fewer sizes, tiny min time
};
void register_kernel(const Config& c);
void register_calls_kernel(const Config& c);
void register_calls_sim(const Config& c);
void register_growth(const Config& c);
void register_real(const Config& c);
void register_commands(const Config& c);  // the nssim commands users run, end to end
// Frees what the growth cases keep for their later repetitions (mount
// namespaces with thousands of mounts, 1,000 net namespaces pinned by fds),
// so that cases after them measure a sandbox without that load.
void release_growth();
void register_sim(const Config& c);

// Sandbox facts recorded in the JSON context.
struct SandboxInfo {
  int cpu = -1;           // pinned CPU, -1 when not pinned
  bool rt = false;        // running at SCHED_FIFO
  std::string no_kernel;  // why kernel cases cannot run (not root...), empty when they can
};
extern SandboxInfo g_sandbox;
extern int g_cwd_fd;  // restored after setns(mnt), which moves cwd to the new root

}  // namespace nssim::bench
