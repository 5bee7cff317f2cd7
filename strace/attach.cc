#include "strace/attach.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace nssim::strace {

namespace {

std::string status_field(int pid, const char* key) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string l;
  while (std::getline(f, l))
    if (l.starts_with(key)) {
      size_t b = l.find_first_not_of(" \t", std::strlen(key));
      return b == std::string::npos ? "" : l.substr(b);
    }
  return "";
}

std::string drain(int fd) {
  std::string s;
  char b[4096];
  for (;;) {
    ssize_t n = read(fd, b, sizeof b);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(b, static_cast<size_t>(n));
  }
  return s;
}

bool strace_installed() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && access((d + "/strace").c_str(), X_OK) == 0) return true;
  return false;
}

}  // namespace

std::unique_ptr<Attach> Attach::start(const std::vector<int>& pids, const std::vector<std::string>& strace_args,
                                      int timeout_ms, std::string& why) {
  if (pids.empty()) {
    why = "no process to attach to";
    return nullptr;
  }
  for (int p : pids) {
    if (p <= 0 || access(fmt::format("/proc/{}/status", p).c_str(), F_OK) != 0) {
      why = fmt::format("pid {} is not a running process", p);
      return nullptr;
    }
    if (p == getpid()) {
      why = fmt::format("pid {} is nssim itself", p);
      return nullptr;
    }
    if (std::string t = status_field(p, "TracerPid:"); !t.empty() && t != "0") {
      why = fmt::format("pid {} is already traced by pid {} (a process has one tracer)", p, t);
      return nullptr;
    }
  }
  if (!strace_installed()) {
    why = "strace is not installed (Debian: apt-get install strace)";
    return nullptr;
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    why = fmt::format("pipe: {}", std::strerror(errno));
    return nullptr;
  }
  std::vector<std::string> args{"strace"};
  args.insert(args.end(), strace_args.begin(), strace_args.end());
  args.insert(args.end(), {"-o", "/proc/self/fd/3"});
  for (int p : pids) args.insert(args.end(), {"-p", std::to_string(p)});
  std::fflush(nullptr);
  pid_t sp = fork();
  if (sp < 0) {
    why = fmt::format("fork: {}", std::strerror(errno));
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return nullptr;
  }
  if (sp == 0) {
    // nssim's death (any signal): strace detaches from every tracee and exits.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    // Ctrl-C reaches strace through nssim (stop()), once, after nssim has
    // read what strace printed; its own process group keeps the terminal's
    // SIGINT away from it.
    setpgid(0, 0);
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
  std::unique_ptr<Attach> a(new Attach);
  a->strace_ = sp;
  close(out[1]);
  close(err[1]);
  a->out_fd_ = out[0];
  a->err_fd_ = err[0];
  // Wait until strace holds every pid (strace prints the calls from then on).
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    bool all = true;
    for (int p : pids) all = all && status_field(p, "TracerPid:") == std::to_string(sp);
    if (all) break;
    int st;
    if (waitpid(sp, &st, WNOHANG) == sp) {
      a->strace_ = -1;
      std::string e = drain(a->err_fd_);
      while (!e.empty() && e.back() == '\n') e.pop_back();
      why = "strace could not attach" + (e.empty() ? std::string() : ": " + e);
      return nullptr;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(timeout_ms)) {
      why = "strace did not attach to every process in time (one may have exited)";
      return nullptr;  // the destructor detaches from those it holds
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return a;
}

void Attach::stop() const {
  if (strace_ > 0) kill(strace_, SIGINT);
}

std::string Attach::finish() {
  int st = 0;
  if (strace_ > 0) {
    while (waitpid(strace_, &st, 0) < 0 && errno == EINTR) {
    }
    strace_ = -1;
  }
  std::string e = drain(err_fd_), kept;
  std::istringstream is(e);
  for (std::string l; std::getline(is, l);)
    if (!(l.starts_with("strace: Process ") && (l.ends_with(" attached") || l.ends_with(" detached"))))
      kept += l + "\n";
  return kept;
}

Attach::~Attach() {
  if (strace_ > 0) {
    kill(strace_, SIGINT);  // detach, never kill: the tracees are not ours
    // Nobody reads its output any more: a strace blocked writing it gets
    // EPIPE (or dies of SIGPIPE, and the kernel detaches its tracees).
    if (out_fd_ >= 0) close(out_fd_);
    out_fd_ = -1;
    int st;
    while (waitpid(strace_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  for (int fd : {out_fd_, err_fd_})
    if (fd >= 0) close(fd);
}

}  // namespace nssim::strace
