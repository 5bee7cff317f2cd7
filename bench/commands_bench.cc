// The commands users run, end to end: the nssim binary started as a user
// starts it, its output to /dev/null, timed from fork to exit. Every other
// file of nssim-bench measures calls or library entry points; these cases are
// the ones issue 19's targets are about.
//
//   cmd/trace/{summary,text,json,html}/steps:N  nssim trace of an N-step scenario
//   cmd/real/{default,paranoid}/live_tasks:N    nssim trace --real: time per step with N live tasks
//   cmd/snapshot/namespaces:N, cmd/lsns/...     nssim snapshot --json vs lsns -J
//   cmd/trace_cmd, cmd/strace                   nssim trace -- CMD vs strace -f CMD
//   cmd/fuzz_real                               nssim fuzz --real, steps per second
//   cmd/html_first_picture/steps:N              the page in headless Chromium (browser/cdp.h)
//
// Children run as users run them: SCHED_OTHER on every CPU (the sandbox's
// pinning and real-time priority are for the per-call cases). Scratch files
// live on a tmpfs mounted (usually over /tmp) in the sandbox's private mount
// namespace, so a killed run leaves nothing on the host.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "browser/cdp.h"

namespace nssim::bench {
namespace {

using benchmark::State;

// ---- scratch directory and child processes ------------------------------------
// A tmpfs over an existing directory (/tmp, else /mnt, /srv, /media) in the
// sandbox's own (private) mount namespace, made once: nothing is written to
// the host, and it all goes with the sandbox however the run ends. Never a
// directory that holds the nssim binary or the working directory (a clone
// under /tmp), which the tmpfs would hide.
const std::string& scratch(std::string& why) {
  static std::string dir;
  static std::string error;
  if (dir.empty() && error.empty()) {
    char cwd[4096] = "";
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
    auto under = [](const std::string& path, const std::string& d) {
      return path == d || path.rfind(d + "/", 0) == 0;
    };
    for (const char* d : {"/tmp", "/mnt", "/srv", "/media"}) {
      struct stat sb {};
      if (stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode) || under(NSSIM_BINARY, d) || under(cwd, d)) continue;
      if (mount("nssim-bench-cmd", d, "tmpfs", 0, "size=4g,mode=1777") == 0) {
        dir = d;
        break;
      }
      error = fmt::format("mount tmpfs on {} (sandbox mount namespace): {}", d, errno_str(errno));
    }
    if (dir.empty() && error.empty())
      error = "no directory for a scratch tmpfs: /tmp, /mnt, /srv and /media are missing or hold nssim";
  }
  why = dir.empty() ? error : "";
  return dir;
}

std::string scratch_path(const std::string& name) {
  std::string why;
  const std::string& d = scratch(why);
  return (d.empty() ? std::string("/tmp") : d) + "/" + name;
}

// While alive, the calling thread runs as users' programs do — SCHED_OTHER
// on every CPU — and so does whatever it starts (Chromium's many processes
// would otherwise inherit the sandbox's SCHED_FIFO on one CPU and starve
// each other); restores the sandbox's scheduling after.
// SCHED_OTHER on every CPU for the calling thread (and what it starts).
void schedule_as_users() {
  sched_param sp{};
  sched_setscheduler(0, SCHED_OTHER, &sp);
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int c = 0; c < get_nprocs_conf(); ++c) CPU_SET(c, &all);
  sched_setaffinity(0, sizeof all, &all);
}

class UserScheduling {
 public:
  UserScheduling() {
    policy_ = sched_getscheduler(0);
    sched_getparam(0, &param_);
    have_mask_ = sched_getaffinity(0, sizeof mask_, &mask_) == 0;
    schedule_as_users();
  }
  ~UserScheduling() {
    if (policy_ >= 0) sched_setscheduler(0, policy_, &param_);
    if (have_mask_) sched_setaffinity(0, sizeof mask_, &mask_);
  }
  UserScheduling(const UserScheduling&) = delete;
  UserScheduling& operator=(const UserScheduling&) = delete;

 private:
  int policy_ = -1;
  sched_param param_{};
  cpu_set_t mask_{};
  bool have_mask_ = false;
};

struct Exit {
  double wall_s = 0;
  long max_rss_kb = 0;
  int status = -1;         // exit status, or 128 + signal
  std::string stderr_tail; // the last lines of its stderr when it failed
};

// Runs argv with stdout to `out` (a path), stderr kept for errors.
Exit run(const std::vector<std::string>& argv, const std::string& out = "/dev/null") {
  std::string err_path = scratch_path("stderr.txt");
  Exit e;
  int64_t t0 = now_ns();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    schedule_as_users();
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int er = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (o < 0 || er < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(o, 1);
    dup2(er, 2);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  if (pid < 0) {
    e.stderr_tail = "fork: " + errno_str(errno);
    return e;
  }
  int st = 0;
  rusage ru{};
  while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
  }
  e.wall_s = static_cast<double>(now_ns() - t0) * 1e-9;
  e.max_rss_kb = ru.ru_maxrss;
  e.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (e.status != 0) {
    std::ifstream f(err_path);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    e.stderr_tail = s.size() > 600 ? s.substr(s.size() - 600) : s;
  }
  return e;
}

std::string nssim() { return NSSIM_BINARY; }

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  return static_cast<bool>(f);
}

// ---- scenarios ----------------------------------------------------------------
// The scenario of issue 19: blocks of four steps that make a task with new
// uts and net namespaces, rename it, and let it exit and be reaped. Never more
// than two live tasks, so time per step must not grow with the length.
std::string churn_scenario(int64_t steps) {
  std::string s;
  s.reserve(static_cast<size_t>(steps) * 40);
  for (int64_t i = 0, n = 0; n < steps; ++i, n += 4) {
    s += fmt::format("init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> t{}\n", i);
    s += fmt::format("t{}: sethostname(\"h{}\")\n", i, i);
    s += fmt::format("t{}: exit(0)\n", i);
    s += fmt::format("init: wait(t{})\n", i);
  }
  return s;
}

// A scenario file per length, written once.
std::string churn_file(int64_t steps, std::string& why) {
  static std::map<int64_t, std::string> files;
  if (auto it = files.find(steps); it != files.end()) return it->second;
  const std::string& dir = scratch(why);
  if (dir.empty()) return "";
  std::string p = fmt::format("{}/churn-{}.nss", dir, steps);
  if (!write_file(p, churn_scenario(steps))) {
    why = "cannot write " + p;
    return "";
  }
  files[steps] = p;
  return p;
}

bool fail_exit(State& st, const std::string& what, const Exit& e) {
  fail(st, fmt::format("{} exited {}: {}", what, e.status, e.stderr_tail));
  return false;
}

// ---- nssim trace ----------------------------------------------------------------
enum class Output { Summary, Text, Json, Html };

void BM_trace(State& st, Output out) {
  release_growth();
  if (!need_kernel(st)) return;  // the scratch tmpfs needs the sandbox
  const int64_t steps = st.range(0);
  std::string why;
  std::string file = churn_file(steps, why);
  if (file.empty()) return fail(st, why);
  std::vector<std::string> argv{nssim(), "trace"};
  switch (out) {
    case Output::Summary: argv.insert(argv.end(), {"--no-events", "--no-table"}); break;
    case Output::Text: break;
    case Output::Json: argv.push_back("--json"); break;
    case Output::Html: argv.insert(argv.end(), {"--no-events", "--no-table", "--html", "/dev/null"}); break;
  }
  argv.push_back(file);
  long rss = 0;
  for (auto _ : st) {
    Exit e = run(argv);
    if (e.status != 0) return (void)fail_exit(st, "nssim trace", e);
    rss = std::max(rss, e.max_rss_kb);
    st.SetIterationTime(e.wall_s);
  }
  st.counters["steps"] = static_cast<double>(steps);
  st.counters["max_rss_kb"] = static_cast<double>(rss);
  st.SetLabel(fmt::format("{} steps, output to /dev/null", steps));
}

// ---- nssim trace --real at N live tasks ---------------------------------------------
// Two scenarios that differ only in the number of sethostname steps after
// the same setup: the difference of their times, divided by the difference
// of steps, is the time of one step with N live tasks — start-up, setup and
// teardown cancel out. The steps are made by w, alone in its uts namespace,
// so they touch none of the N-2 idle tasks (made by clone(0): they share
// init's); with N = 1, init makes them.
std::string live_scenario(int64_t live, int64_t steps) {
  std::string s, who = "init";
  if (live >= 2) {
    s += "init: clone(CLONE_NEWUTS) -> w\n";
    who = "w";
  }
  for (int64_t i = 2; i < live; ++i) s += fmt::format("init: clone(0) -> k{}\n", i);
  for (int64_t i = 0; i < steps; ++i) s += fmt::format("{}: sethostname(\"h{}\")\n", who, i);
  return s;
}

bool supports(const std::string& flag) {
  static std::map<std::string, bool> known;
  if (auto it = known.find(flag); it != known.end()) return it->second;
  std::string why;
  const std::string& dir = scratch(why);
  if (dir.empty()) return false;
  std::string out = dir + "/help.txt";
  run({nssim(), "trace", "--help"}, out);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  return known[flag] = ss.str().find(flag) != std::string::npos;
}

void BM_real_live(State& st, bool paranoid, int64_t short_steps, int64_t long_steps) {
  if (!need_kernel(st)) return;
  if (paranoid && !supports("--paranoid")) return skip(st, "this nssim has no --paranoid");
  const int64_t live = st.range(0);  // init, w and the idle tasks
  std::string why;
  const std::string& dir = scratch(why);
  if (dir.empty()) return fail(st, why);
  std::string a = fmt::format("{}/live-{}-{}.nss", dir, live, short_steps);
  std::string b = fmt::format("{}/live-{}-{}.nss", dir, live, long_steps);
  if (!write_file(a, live_scenario(live, short_steps)) || !write_file(b, live_scenario(live, long_steps)))
    return fail(st, "cannot write the scenarios");
  std::vector<std::string> base{nssim(), "trace", "--real", "--no-events", "--no-table"};
  if (paranoid) base.push_back("--paranoid");
  double short_s = 0, long_s = 0;
  int n = 0;
  for (auto _ : st) {
    auto argv_a = base, argv_b = base;
    argv_a.push_back(a);
    argv_b.push_back(b);
    Exit ea = run(argv_a);
    if (ea.status != 0) return (void)fail_exit(st, "nssim trace --real", ea);
    Exit eb = run(argv_b);
    if (eb.status != 0) return (void)fail_exit(st, "nssim trace --real", eb);
    double per = (eb.wall_s - ea.wall_s) / static_cast<double>(long_steps - short_steps);
    st.SetIterationTime(per > 0 ? per : 1e-9);
    short_s += ea.wall_s;
    long_s += eb.wall_s;
    ++n;
  }
  st.counters["live_tasks"] = static_cast<double>(live);
  st.counters["short_run_s"] = n ? short_s / n : 0;
  st.counters["long_run_s"] = n ? long_s / n : 0;
  st.SetLabel(fmt::format("per sethostname step: ({} − {} steps) runs, {} live tasks{}", long_steps, short_steps,
                          live, paranoid ? ", --paranoid" : ""));
}

// ---- nssim snapshot vs lsns -J --------------------------------------------------------
// N namespaces held by N/2 processes, each in a new uts and ipc namespace,
// children of one farm process. Stopping the farm (EOF on its pipe) makes it
// kill and reap them all, so nothing outlives a case.
class NsFarm {
 public:
  bool start(int64_t namespaces, std::string& why) {
    int ctl[2], ready[2];
    if (pipe2(ctl, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
      why = "pipe2: " + errno_str(errno);
      return false;
    }
    const int64_t procs = (namespaces + 1) / 2;
    pid_t pid = fork();
    if (pid < 0) {
      why = "fork: " + errno_str(errno);
      return false;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(ctl[1]);
      close(ready[0]);
      std::vector<pid_t> kids;
      int made[2];
      if (pipe2(made, O_CLOEXEC) != 0) _exit(1);
      for (int64_t i = 0; i < procs; ++i) {
        pid_t k = fork();
        if (k == 0) {
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          char c = unshare(CLONE_NEWUTS | CLONE_NEWIPC) == 0 ? 'y' : 'n';
          if (write(made[1], &c, 1) != 1) _exit(1);
          for (;;) pause();
        }
        if (k < 0) break;
        kids.push_back(k);
      }
      size_t ok = 0;
      for (size_t i = 0; i < kids.size(); ++i) {
        char c = 'n';
        if (read(made[0], &c, 1) == 1 && c == 'y') ++ok;
      }
      char r = ok == static_cast<size_t>(procs) ? 'y' : 'n';
      if (write(ready[1], &r, 1) != 1) _exit(1);
      char c;
      while (read(ctl[0], &c, 1) < 0 && errno == EINTR) {
      }
      for (pid_t k : kids) kill(k, SIGKILL);
      for (pid_t k : kids) waitpid(k, nullptr, 0);
      _exit(0);
    }
    close(ctl[0]);
    close(ready[1]);
    pid_ = pid;
    ctl_ = ctl[1];
    char r = 'n';
    ssize_t got = read(ready[0], &r, 1);
    close(ready[0]);
    if (got != 1 || r != 'y') {
      why = fmt::format("could not make {} processes in new uts+ipc namespaces", procs);
      stop();
      return false;
    }
    return true;
  }
  void stop() {
    if (pid_ < 0) return;
    close(ctl_);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  ~NsFarm() { stop(); }

 private:
  pid_t pid_ = -1;
  int ctl_ = -1;
};

// One farm at a time: the one for the size asked last (released by the
// cases that follow, so its processes do not weigh on them).
std::unique_ptr<NsFarm> g_farm;
int64_t g_farm_size = -1;
void release_farm() {
  g_farm.reset();
  g_farm_size = -1;
}
NsFarm* farm(int64_t namespaces, std::string& why) {
  auto& f = g_farm;
  auto& size = g_farm_size;
  if (size == namespaces && f) return f.get();
  release_farm();
  auto n = std::make_unique<NsFarm>();
  if (!n->start(namespaces, why)) return nullptr;
  f = std::move(n);
  size = namespaces;
  return f.get();
}

void BM_listing(State& st, bool snapshot) {
  release_growth();  // both commands must see only the farm's namespaces besides the sandbox's
  if (!need_kernel(st)) return;
  const int64_t n = st.range(0);
  std::vector<std::string> argv;
  if (snapshot) {
    argv = {nssim(), "snapshot", "--json"};
  } else {
    if (system("command -v lsns >/dev/null 2>&1") != 0) return skip(st, "no lsns (util-linux)");
    argv = {"lsns", "-J"};
  }
  std::string why;
  if (!farm(n, why)) return fail(st, why);
  for (auto _ : st) {
    Exit e = run(argv);
    if (e.status != 0) return (void)fail_exit(st, argv[0] == "lsns" ? "lsns -J" : "nssim snapshot --json", e);
    st.SetIterationTime(e.wall_s);
  }
  st.counters["namespaces_added"] = static_cast<double>(n);
  st.SetLabel(fmt::format("{} with {} more namespaces (uts+ipc of {} processes)",
                          snapshot ? "nssim snapshot --json" : "lsns -J", n, (n + 1) / 2));
}

// ---- nssim trace -- CMD vs strace -f CMD ---------------------------------------------
const std::vector<std::string> kTracedCmd{"unshare", "--uts", "--ipc", "--net", "--fork", "--", "true"};

void BM_traced(State& st, bool via_nssim) {
  release_farm();
  if (!need_kernel(st)) return;
  if (system("command -v strace >/dev/null 2>&1") != 0) return skip(st, "no strace");
  std::vector<std::string> argv;
  if (via_nssim)
    argv = {nssim(), "trace", "--"};
  else
    argv = {"strace", "-f", "-o", "/dev/null"};
  argv.insert(argv.end(), kTracedCmd.begin(), kTracedCmd.end());
  for (auto _ : st) {
    Exit e = run(argv);
    if (e.status != 0) return (void)fail_exit(st, argv[0], e);
    st.SetIterationTime(e.wall_s);
  }
  st.SetLabel(via_nssim ? "nssim trace -- unshare --uts --ipc --net --fork -- true"
                        : "strace -f -o /dev/null unshare --uts --ipc --net --fork -- true");
}

// ---- nssim fuzz --real ----------------------------------------------------------------
void BM_fuzz_real(State& st, int runs, int steps) {
  if (!need_kernel(st)) return;
  std::string why;
  const std::string& dir = scratch(why);
  if (dir.empty()) return fail(st, why);
  int seed = 1;
  double wall = 0;
  for (auto _ : st) {
    Exit e = run({nssim(), "fuzz", "--real", "--seed", std::to_string(seed), "--runs", std::to_string(runs),
                  "--steps", std::to_string(steps), "--out", dir + "/fuzz-out"});
    if (e.status != 0) return (void)fail_exit(st, "nssim fuzz --real", e);
    st.SetIterationTime(e.wall_s / (static_cast<double>(runs) * steps));
    wall = e.wall_s;
    seed += runs;
  }
  st.counters["steps"] = static_cast<double>(runs) * steps;
  st.counters["steps_per_s"] = wall > 0 ? static_cast<double>(runs) * steps / wall : 0;
  st.SetLabel(fmt::format("{} scenarios of {} steps per run; time per step", runs, steps));
}

// ---- the HTML page in headless Chromium -------------------------------------------------
void BM_html_first_picture(State& st) {
  if (!need_kernel(st)) return;
  std::string chromium = browser::find_chromium();
  if (chromium.empty()) return skip(st, "no Chromium (install Debian's chromium)");
  const int64_t steps = st.range(0);
  std::string why;
  std::string file = churn_file(steps, why);
  if (file.empty()) return fail(st, why);
  const std::string& dir = scratch(why);
  std::string page = fmt::format("{}/page-{}.html", dir, steps);
  Exit made = run({nssim(), "trace", "--no-events", "--no-table", "--html", page, file});
  if (made.status != 0) return (void)fail_exit(st, "nssim trace --html", made);
  struct stat sb {};
  stat(page.c_str(), &sb);
  UserScheduling as_users;  // Chromium and this thread, while it polls the page
  browser::Chromium br;
  if (!br.start(chromium, browser::headless_flags(dir + "/chromium-profile"), dir + "/chromium.log"))
    return fail(st, "cannot start " + chromium);
  // The page sets window.nssimFirstPicture (ms since navigation start) after
  // the frame that painted its first picture: the time is the wall clock from
  // opening the tab until that is seen, which also counts how long the page
  // keeps the browser too busy to answer.
  double page_ms = 0;
  for (auto _ : st) {
    int64_t t0 = now_ns();
    std::string tab = br.open("file://" + page, why);
    if (tab.empty()) return fail(st, "open the page: " + why);
    bool shown = br.wait_for(tab, "typeof window.nssimFirstPicture === 'number'", 60000, 5, why);
    double s = static_cast<double>(now_ns() - t0) * 1e-9;
    if (auto v = br.eval(tab, "window.nssimFirstPicture"); shown && v.is_number()) page_ms = v.get<double>();
    br.close(tab);
    if (!shown) return fail(st, "the page never showed its first picture: " + why);
    st.SetIterationTime(s);
  }
  st.counters["page_first_picture_ms"] = page_ms;
  st.counters["page_bytes"] = static_cast<double>(sb.st_size);
  st.counters["steps"] = static_cast<double>(steps);
  st.SetLabel(fmt::format("{} steps: from opening the page to its first picture painted", steps));
}

}  // namespace

void register_commands(const Config& c) {
  const std::vector<int64_t> sizes = c.quick ? std::vector<int64_t>{1000, 10000}
                                             : std::vector<int64_t>{10000, 100000, 1000000};
  const int reps_small = c.quick ? 1 : 5, reps_big = c.quick ? 1 : 3;
  struct Kind {
    const char* name;
    Output out;
  };
  for (Kind k : {Kind{"summary", Output::Summary}, Kind{"text", Output::Text}, Kind{"json", Output::Json},
                 Kind{"html", Output::Html}}) {
    for (int64_t n : sizes) {
      // The page embeds a picture per step: beyond 10^4 steps it is not a
      // page anyone opens (docs/benchmarks.md gives its size per step).
      if (k.out == Output::Html && n > (c.quick ? 1000 : 10000)) continue;
      add(fmt::format("cmd/trace/{}", k.name), [out = k.out](State& st) { BM_trace(st, out); })
          ->ArgName("steps")
          ->Arg(n)
          ->UseManualTime()
          ->Iterations(1)
          ->Repetitions(n >= 1000000 || k.out == Output::Html ? reps_big : reps_small);
    }
  }
  // Fewer extra steps where a step costs more (many tasks, --paranoid), so
  // each pair of runs stays within seconds. --paranoid reads every task after
  // every step, setup included (quadratic), so it stops at 100 live tasks.
  for (bool paranoid : {false, true}) {
    std::vector<int64_t> sizes = c.quick ? std::vector<int64_t>{1, 10} : std::vector<int64_t>{1, 10, 100, 1000};
    if (paranoid && sizes.size() > 3) sizes.pop_back();
    for (int64_t n : sizes) {
      const int64_t short_steps = 20;
      const int64_t extra = c.quick ? 40 : (paranoid && n >= 100) || n >= 1000 ? 100 : 500;
      add(fmt::format("cmd/real/{}", paranoid ? "paranoid" : "default"),
          [=](State& st) { BM_real_live(st, paranoid, short_steps, short_steps + extra); })
          ->ArgName("live_tasks")
          ->Arg(n)
          ->UseManualTime()
          ->Iterations(1)
          ->Repetitions(c.quick ? 1 : 3);
    }
  }
  for (int64_t n : c.quick ? std::vector<int64_t>{100} : std::vector<int64_t>{100, 1000, 5000}) {
    for (bool snap : {false, true})
      add(snap ? "cmd/snapshot" : "cmd/lsns", [snap](State& st) { BM_listing(st, snap); })
          ->ArgName("namespaces")
          ->Arg(n)
          ->UseManualTime()
          ->Iterations(1)
          ->Repetitions(c.quick ? 1 : 5);
  }
  for (bool via : {false, true})
    add(via ? "cmd/trace_cmd" : "cmd/strace", [via](State& st) { BM_traced(st, via); })
        ->UseManualTime()
        ->Iterations(c.quick ? 1 : 3);
  add("cmd/fuzz_real", [q = c.quick](State& st) { BM_fuzz_real(st, q ? 2 : 20, 50); })
      ->UseManualTime()
      ->Iterations(1)
      ->Repetitions(c.quick ? 1 : 3);
  add("cmd/html_first_picture", BM_html_first_picture)
      ->ArgName("steps")
      ->Arg(c.quick ? 1000 : 10000)
      ->UseManualTime()
      ->Iterations(1)
      ->Repetitions(c.quick ? 1 : 5);
}

}  // namespace nssim::bench
