#include "real/sandbox_exec.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "real/protocol.h"
#include "real/sandbox_roots.h"

namespace nssim::real {

namespace {

volatile sig_atomic_t g_pid1fd = -1;

void on_fatal_signal(int sig) {
  // Kill the sandbox's pid 1; the kernel kills everything else in it.
  if (g_pid1fd >= 0) syscall(SYS_pidfd_send_signal, static_cast<int>(g_pid1fd), SIGKILL, nullptr, 0);
  static const char msg[] = "\nnssim: interrupted; the traced program's sandbox was killed\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
  signal(sig, SIG_DFL);
  raise(sig);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A field of /proc/PID/status ("TracerPid:", "NSpid:"), or "" if absent.
std::string status_field(pid_t pid, const char* key) {
  std::string s = slurp(fmt::format("/proc/{}/status", pid));
  std::string k = std::string("\n") + key;
  size_t p = s.find(k);
  if (p == std::string::npos) return "";
  p += k.size();
  size_t e = s.find('\n', p);
  std::string v = s.substr(p, e == std::string::npos ? std::string::npos : e - p);
  size_t b = v.find_first_not_of(" \t");
  return b == std::string::npos ? "" : v.substr(b);
}

bool in_path(const char* prog) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::istringstream is(p);
  std::string dir;
  while (std::getline(is, dir, ':')) {
    std::string f = (dir.empty() ? "." : dir) + "/" + prog;
    if (access(f.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Waits up to timeout_ms for fd to be readable; reads one byte. 1: a byte, 0: EOF, -1: timeout.
int read_byte(int fd, int timeout_ms) {
  if (!wait_readable(fd, timeout_ms)) return -1;
  char c;
  ssize_t r;
  do {
    r = read(fd, &c, 1);
  } while (r < 0 && errno == EINTR);
  return r == 1 ? 1 : 0;
}

std::string drain(int fd) {
  std::string out;
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Exit codes of pid 1 when its setup fails (before the program runs).
constexpr int kExitPrivate = 97, kExitRun = 95, kExitProc = 94;

// The sandbox's mounts, in its own mount namespace (exits with a code above on failure).
void sandbox_mounts(const SandboxExec::Options& opt) {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(kExitPrivate);
  // A private, world-writable /run (ip netns add creates /run/netns/NAME).
  if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0 || mkdir("/run/netns", 0777) != 0 ||
      chmod("/run/netns", 01777) != 0)
    _exit(kExitRun);
  // /srv, /mnt, /media: private too (a program that bind-mounts there, as
  // `unshare --net=/srv/ns/net` does, creates its mount point first).
  cover_created_path_roots(opt.keep_paths);
  // A /proc for the new pid namespace: the program's /proc/PID paths use the pids it sees.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) _exit(kExitProc);
}

// The program's process: pid 1 of the sandbox, or (--host) a plain child of
// nssim with the host's namespaces. It execs once nssim says go (strace holds it by then).
[[noreturn]] void pid1_main(const SandboxExec::Options& opt, int ready_w, int go_r) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!opt.host) {
    setsid();
    sandbox_mounts(opt);
  }
  if (opt.program_stdout != 1) dup2(opt.program_stdout, 1);
  // The program starts with fds 0-2 only.
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  char c = 'r';
  if (write(ready_w, &c, 1) != 1) _exit(0);
  ssize_t r;
  do {
    r = read(go_r, &c, 1);
  } while (r < 0 && errno == EINTR);
  if (r != 1) _exit(0);  // nssim gave up
  std::vector<char*> argv;
  for (auto& a : opt.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  fmt::print(stderr, "nssim: cannot run '{}': {}\n", opt.command[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

std::string sandbox_exec_unavailable_reason() {
  if (geteuid() != 0)
    return "tracing a program needs root (it runs in a sandbox with its own pid, mount and UTS namespaces); run it "
           "with sudo";
  if (!in_path("strace")) return "strace is not installed (Debian: apt-get install strace)";
  for (auto* t : {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}) {
    struct stat st;
    if (stat(fmt::format("/proc/self/ns/{}", t).c_str(), &st) != 0)
      return fmt::format("this kernel has no {} namespaces (/proc/self/ns/{} is missing)", t, t);
  }
  return "";
}

std::unique_ptr<SandboxExec> SandboxExec::start(const Options& opt, std::string& why) {
  why = sandbox_exec_unavailable_reason();
  if (!why.empty()) return nullptr;
  if (opt.command.empty()) {
    why = "no command to run";
    return nullptr;
  }
  std::unique_ptr<SandboxExec> s(new SandboxExec());
  if (!s->run(opt, why)) return nullptr;
  return s;
}

bool SandboxExec::run(const Options& opt, std::string& why) {
  int ready[2], go[2], out[2], err[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
      pipe2(err, O_CLOEXEC) != 0) {
    why = fmt::format("pipe: {}", std::strerror(errno));
    return false;
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  hostname_ = host;
  std::fflush(nullptr);
  unsigned long ns_flags = opt.host ? 0 : CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS;
  long pid = syscall(SYS_clone, ns_flags | SIGCHLD, 0, nullptr, nullptr, 0);
  if (pid < 0) {
    why = fmt::format("clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS): {}", std::strerror(errno));
    return false;
  }
  if (pid == 0) pid1_main(opt, ready[1], go[0]);
  pid1_ = static_cast<pid_t>(pid);
  pid1fd_ = static_cast<int>(syscall(SYS_pidfd_open, pid1_, 0));
  g_pid1fd = pid1fd_;
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  close(ready[1]);
  close(go[0]);
  int rb = read_byte(ready[0], opt.timeout_ms);
  close(ready[0]);
  if (rb != 1) {
    int st = 0;
    kill(pid1_, SIGKILL);
    waitpid(pid1_, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    why = code == kExitPrivate ? "could not make the sandbox's mounts private"
          : code == kExitRun   ? "could not mount the sandbox's private /run"
          : code == kExitProc  ? "could not mount a /proc for the sandbox's pid namespace"
                               : "the sandbox's pid 1 did not start";
    pid1_ = -1;
    close(go[1]);
    return false;
  }
  // Stop pid 1 (it is blocked on the go pipe) so that it cannot run before strace holds it.
  kill(pid1_, SIGSTOP);
  int st = 0;
  if (waitpid(pid1_, &st, WUNTRACED) != pid1_ || !WIFSTOPPED(st)) {
    why = "the sandbox's pid 1 did not stop";
    close(go[1]);
    return false;
  }
  for (int i = 0; i < kLinks; ++i) {
    char buf[64];
    std::string p = fmt::format("/proc/{}/ns/{}", pid1_, link_name(kAllLinks[i]));
    ssize_t n = readlink(p.c_str(), buf, sizeof buf - 1);
    if (n <= 0) continue;
    buf[n] = 0;
    if (const char* lb = std::strchr(buf, '[')) inodes_[i] = std::strtoull(lb + 1, nullptr, 10);
  }
  {
    std::istringstream is(status_field(pid1_, "NSpid:"));
    uint32_t v, n = 0;
    while (is >> v) ++n;
    level_ = n ? n - 1 : 0;
  }
  std::vector<std::string> args{"strace"};
  args.insert(args.end(), opt.strace_args.begin(), opt.strace_args.end());
  args.insert(args.end(), {"-o", "/proc/self/fd/3", "-p", std::to_string(pid1_)});
  std::fflush(nullptr);
  pid_t sp = fork();
  if (sp < 0) {
    why = fmt::format("fork: {}", std::strerror(errno));
    close(go[1]);
    return false;
  }
  if (sp == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(err[1], 2);
    dup2(out[1], 3);
    syscall(SYS_close_range, 4U, ~0U, 0U);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp("strace", argv.data());
    fmt::print(stderr, "cannot run strace: {}\n", std::strerror(errno));
    _exit(127);
  }
  strace_ = sp;
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  // Wait until strace holds pid 1.
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    if (status_field(pid1_, "TracerPid:") == std::to_string(strace_)) break;
    int sst;
    if (waitpid(strace_, &sst, WNOHANG) == strace_) {
      strace_ = -1;
      std::string e = drain(err_fd_);
      while (!e.empty() && e.back() == '\n') e.pop_back();
      why = "strace could not attach to the program" + (e.empty() ? std::string() : ": " + e);
      close(go[1]);
      return false;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(opt.timeout_ms)) {
      why = "strace did not attach to the program in time";
      close(go[1]);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  char c = 'g';
  ssize_t w = write(go[1], &c, 1);
  (void)w;
  close(go[1]);
  kill(pid1_, SIGCONT);
  return true;
}

int SandboxExec::finish(std::string& strace_stderr) {
  if (finished_) return status_;
  int st = 0;
  if (strace_ > 0) {
    while (waitpid(strace_, &st, 0) < 0 && errno == EINTR) {
    }
    strace_ = -1;
  }
  strace_stderr = drain(err_fd_);
  status_ = 0;
  if (pid1_ > 0) {
    // strace has ended, so the program has too (or strace died: end it).
    if (waitpid(pid1_, &status_, WNOHANG) != pid1_) {
      if (pid1fd_ >= 0) syscall(SYS_pidfd_send_signal, pid1fd_, SIGKILL, nullptr, 0);
      while (waitpid(pid1_, &status_, 0) < 0 && errno == EINTR) {
      }
    }
    pid1_ = -1;
  }
  finished_ = true;
  return status_;
}

SandboxExec::~SandboxExec() {
  // Kill both first: a tracee's death is reported to its real parent only once
  // the tracer has seen it (or is gone).
  if (pid1_ > 0 && pid1fd_ >= 0) syscall(SYS_pidfd_send_signal, pid1fd_, SIGKILL, nullptr, 0);
  if (strace_ > 0) kill(strace_, SIGKILL);
  int st;
  if (strace_ > 0) waitpid(strace_, &st, 0);
  if (pid1_ > 0) waitpid(pid1_, &st, __WALL);
  g_pid1fd = -1;
  for (int fd : {pid1fd_, out_fd_, err_fd_})
    if (fd >= 0) close(fd);
}

}  // namespace nssim::real
