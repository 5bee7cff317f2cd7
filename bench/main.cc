// nssim-bench: what setns, unshare and clone cost on the live kernel, how
// that grows, and what the model (sim/) costs for the same calls — in one
// run, so every ratio compares figures measured side by side.
//
// The kernel benchmarks never change the host. As root, main() first forks a
// sandbox: pid 1 of a new pid namespace with its own mount (made private),
// uts, ipc, net and cgroup namespaces, and a fresh /proc. Every namespace,
// mount and process a benchmark creates lives inside it; when the sandbox
// dies (end of run, Ctrl-C, SIGKILL of this process: PR_SET_PDEATHSIG) the
// kernel kills every process in it and frees every namespace and mount.
//
// The sandbox is pinned to one CPU and runs at SCHED_FIFO (see realtime()).
//
//   nssim-bench [--quick] [--no-pin] [--no-rt] [--no-sandbox] [google benchmark flags...]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_util.h"

namespace {

using namespace nssim::bench;

volatile sig_atomic_t g_sandbox_pidfd = -1;

void forward_fatal(int sig) {
  if (g_sandbox_pidfd >= 0) syscall(SYS_pidfd_send_signal, static_cast<int>(g_sandbox_pidfd), SIGKILL, nullptr, 0);
  static const char msg[] = "\nnssim-bench: interrupted; the sandbox was killed\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
  signal(sig, SIG_DFL);
  raise(sig);
}

// Returns in the sandbox (pid 1 of its pid namespace); the calling process
// waits for it and exits with its status. False (with `why`) when the sandbox
// cannot be made; the caller then runs without the kernel benchmarks.
bool enter_sandbox(std::string& why) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    why = "pipe2: " + errno_str(errno);
    return false;
  }
  std::fflush(nullptr);
  constexpr unsigned long kFlags =
      CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
  long pid = syscall(SYS_clone, kFlags | SIGCHLD, 0, nullptr, nullptr, 0);
  if (pid < 0) {
    why = "clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET|CLONE_NEWCGROUP): " +
          errno_str(errno);
    return false;
  }
  if (pid > 0) {
    close(p[0]);  // p[1] stays open: its EOF tells the sandbox we are gone
    g_sandbox_pidfd = pidfd_open(static_cast<pid_t>(pid));
    struct sigaction sa {};
    sa.sa_handler = forward_fatal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    int st = 0;
    while (waitpid(static_cast<pid_t>(pid), &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(st)) {
      fmt::print(stderr, "nssim-bench: the sandbox died of signal {}\n", WTERMSIG(st));
      _exit(128 + WTERMSIG(st));
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
  }
  // The sandbox: die with the parent, even if it died before this line.
  close(p[1]);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pollfd pf{p[0], POLLIN, 0};
  if (poll(&pf, 1, 0) > 0 && (pf.revents & POLLHUP)) _exit(1);
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    fmt::print(stderr, "nssim-bench: making / private in the sandbox failed: {}\n", errno_str(errno));
    _exit(2);
  }
  // A /proc of the sandbox's pid namespace, so /proc/PID means our pids.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    fmt::print(stderr, "nssim-bench: mounting /proc in the sandbox failed: {}\n", errno_str(errno));
    _exit(2);
  }
  static const char host[] = "nssim-bench";
  sethostname(host, sizeof host - 1);
  return true;
}

std::string first_line_with(const char* file, const char* key) {
  std::ifstream f(file);
  std::string l;
  while (std::getline(f, l))
    if (l.rfind(key, 0) == 0) {
      auto c = l.find(':');
      return c == std::string::npos ? l : l.substr(c + 2);
    }
  return "";
}

std::string slurp_line(const char* file) {
  std::ifstream f(file);
  std::string l;
  std::getline(f, l);
  return l;
}

// SCHED_FIFO for the sandbox and the processes it makes, so other work on
// the machine cannot preempt a timed loop (nor a child the loop waits for).
// The kernel's RT throttling (sched_rt_runtime_us) still leaves the CPU to
// others 5% of the time; nothing in the sandbox spins.
void realtime() {
  sched_param sp{};
  sp.sched_priority = 10;
  if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0) g_sandbox.rt = true;
}

void pin_cpu() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return;
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) last = c;
  if (last < 0 || CPU_COUNT(&set) < 2) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  if (sched_setaffinity(0, sizeof one, &one) == 0) g_sandbox.cpu = last;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  bool pin = true, no_sandbox = false, rt = true;
  std::vector<char*> args{argv[0]};
  // Defaults first: flags given on the command line come later and win.
  static std::string reps = "--benchmark_repetitions=5";
  static std::string aggr = "--benchmark_display_aggregates_only=true";
  args.push_back(reps.data());
  args.push_back(aggr.data());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      cfg.quick = true;
    } else if (a == "--no-pin") {
      pin = false;
    } else if (a == "--no-rt") {
      rt = false;
    } else if (a == "--no-sandbox") {
      no_sandbox = true;
    } else if (a == "--help" || a == "-h") {
      fmt::print(
          "nssim-bench [--quick] [--no-pin] [--no-rt] [--no-sandbox] [google benchmark flags]\n"
          "  --quick   smoke run: one repetition, tiny minimum time, smaller growth sizes\n"
          "  --no-pin  do not pin the sandbox to one CPU\n"
          "  --no-rt   do not run the sandbox at SCHED_FIFO priority 10 (and its children)\n"
          "  --no-sandbox  model cases only, in this process (for profilers); kernel cases are skipped\n"
          "Kernel cases need root; they run in a sandbox (own pid/mnt/uts/ipc/net/cgroup namespaces)\n"
          "and leave nothing behind. Exit status 1 when a case failed (an unexpected errno).\n");
      args.push_back(argv[i]);
    } else {
      args.push_back(argv[i]);
    }
  }
  if (cfg.quick) {
    static std::string q1 = "--benchmark_repetitions=1", q2 = "--benchmark_min_time=0.01";
    args.insert(args.begin() + 3, q1.data());
    args.insert(args.begin() + 4, q2.data());
  }

  std::string why_no_sandbox;
  bool sandboxed = false;
  if (no_sandbox) {
    why_no_sandbox = "--no-sandbox: model cases only";
  } else if (geteuid() != 0) {
    why_no_sandbox = "not root: the kernel cases need root to create namespaces (run with sudo)";
  } else {
    sandboxed = enter_sandbox(why_no_sandbox);
  }
  if (!sandboxed) {
    fmt::print(stderr, "nssim-bench: kernel cases will be skipped: {}\n", why_no_sandbox);
    g_sandbox.no_kernel = why_no_sandbox;
  }
  if (sandboxed && pin) pin_cpu();
  if (sandboxed && rt) realtime();
  g_cwd_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  int bargc = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&bargc, args.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, args.data())) return 2;

  utsname u{};
  uname(&u);
  benchmark::AddCustomContext("kernel", fmt::format("{} {}", u.release, u.version));
  benchmark::AddCustomContext("machine", u.machine);
  benchmark::AddCustomContext("cpu_model", first_line_with("/proc/cpuinfo", "model name"));
  benchmark::AddCustomContext("cpus_online", slurp_line("/sys/devices/system/cpu/online"));
  benchmark::AddCustomContext("pinned_cpu", std::to_string(g_sandbox.cpu));
  benchmark::AddCustomContext("sched", g_sandbox.rt ? "SCHED_FIFO 10" : "SCHED_OTHER");
  benchmark::AddCustomContext("sandbox", sandboxed ? "yes" : "no: " + why_no_sandbox);
  benchmark::AddCustomContext("quick", cfg.quick ? "yes" : "no");
  benchmark::AddCustomContext("kernel_cmdline_mitigations",
                              slurp_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2"));
#ifdef NSSIM_BENCH_BUILD_TYPE
  benchmark::AddCustomContext("nssim_build_type", NSSIM_BENCH_BUILD_TYPE);
#endif

  register_kernel(cfg);
  register_calls_kernel(cfg);
  register_growth(cfg);
  register_real(cfg);
  register_commands(cfg);
  register_calls_sim(cfg);
  register_sim(cfg);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fmt::print(stderr, "nssim-bench: {}\n", verdict_summary());
  return failures() > 0 ? 1 : 0;
}
