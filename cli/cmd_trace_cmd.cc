// nssim trace -- CMD [ARGS...]: run a real program under strace in the
// sandbox, stream its namespace calls into the model as they come, and check
// every nsfs inode and result the kernel reported against the model.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/strace_commands.h"
#include "cli/trace_output.h"
#include "pictures/graph.h"
#include "pictures/html.h"
#include "real/sandbox_exec.h"
#include "real/snapshot.h"
#include "sim/restore.h"
#include "strace/attach.h"
#include "strace/import.h"

namespace nssim::cli {

int split_trace_command(int argc, char** argv, std::vector<std::string>& command) {
  if (argc < 2 || std::string(argv[1]) != "trace") return argc;
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      for (int j = i + 1; j < argc; ++j) command.emplace_back(argv[j]);
      return i;
    }
  return argc;
}

namespace {

// Appends strace's output to `buf` and hands each complete line to `take_line`;
// a partial last line stays in `buf` for the next read.
template <typename F>
void feed_lines(std::string& buf, const char* data, size_t n, const F& take_line) {
  buf.append(data, n);
  size_t start = 0, nl;
  while ((nl = buf.find('\n', start)) != std::string::npos) {
    take_line(std::string_view(buf).substr(start, nl - start));
    start = nl + 1;
  }
  buf.erase(0, start);
}

std::string shell_words(const std::vector<std::string>& v) {
  std::string s;
  for (auto& w : v) {
    bool plain = !w.empty() && w.find_first_of(" \t'\"$;&|<>()*?`\\") == std::string::npos;
    s += (s.empty() ? "" : " ") + (plain ? w : "'" + w + "'");
  }
  return s;
}

std::string describe_status(int st) {
  if (WIFEXITED(st)) return fmt::format("exited with {}", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return fmt::format("killed by signal {} ({})", WTERMSIG(st), strsignal(WTERMSIG(st)));
  return "ended";
}

// A read of /proc/1 in the sandbox (strace::SandboxProbe).
constexpr const char* kSandboxProbeHint =
    "in nssim's sandbox pid 1 is the program itself, so a program that checks whether it runs in a container or "
    "sandbox may have behaved otherwise than outside (firejail runs its command unsandboxed); "
    "`nssim trace --host -- CMD` runs it on the host instead";

class Printer {
 public:
  Printer(const TraceCommandArgs& a, strace::Session& s) : a_(a), s_(s) {}

  void header(const Scenario& sc, const std::string& note) {
    if (a_.json) return;
    TextOptions to;
    to.events = !a_.no_events && !a_.summary;
    to.table = !a_.no_table && !a_.summary;
    to.refs = a_.refs;
    tp_.emplace(stdout, s_.runner(), to);
    tp_->header(sc, false, note);
  }

  void print(const strace::Output& o) {
    if (!shown(o)) return;
    if (a_.json) return json(o);
    switch (o.kind) {
      case strace::Output::Step:
        step(o);
        break;
      case strace::Output::Contradiction:
        fmt::print("\n  CONTRADICTION {}\n", o.message);
        if (!o.strace_text.empty()) fmt::print("      strace: {}\n", o.strace_text);
        break;
      case strace::Output::Comment:
        if (o.strace_line == 0)
          fmt::print("      {}\n", o.comment);  // the initial namespaces
        else if (!o.kernel.empty())             // an observation (readlink...) that saw a namespace first
          fmt::print("\n     strace:{:<5} {}\n      model=kernel: {}\n", o.strace_line, o.strace_text,
                     fmt::join(o.kernel, "  "));
        break;
    }
  }

  void summary(const strace::Session& s, int events, const std::string& program,
               const std::vector<strace::LogError>& errs, const std::string& strace_err) {
    auto nm = strace::not_modelled_lines(s);
    if (a_.json) {
      nlohmann::json n = nlohmann::json::array();
      for (auto& x : s.not_modelled())
        n.push_back({{"what", x.what},
                     {"why", x.why},
                     {"may_affect_namespaces", x.relevant},
                     {"count", x.count},
                     {"first_line", x.first_line}});
      nlohmann::json e = nlohmann::json::array();
      for (auto& x : errs) e.push_back({{"line", x.line}, {"message", x.message}});
      nlohmann::json probes = nlohmann::json::array();
      for (auto& x : s.sandbox_probes()) probes.push_back({{"line", x.line}, {"path", x.path}});
      std::cout << nlohmann::json{{"summary",
                                   {{"steps", s.steps()},
                                    {"strace_events", events},
                                    {"contradictions", s.contradictions()},
                                    {"ok", s.contradictions() == 0 && errs.empty()},
                                    {"program", program},
                                    {"sandbox_probes", a_.host ? nlohmann::json::array() : probes},
                                    {"not_modelled", n},
                                    {"log_errors", e}}}}
                       .dump()
                << '\n';
      return;
    }
    for (auto& e : errs) fmt::print("\n  strace line {}: {} ({})\n", e.line, e.message, e.hint);
    fmt::print("\nsummary: {} statements on the model from {} strace events; contradictions with the kernel: {}\n",
               s.steps(), events, s.contradictions());
    fmt::print("{}\n", program);
    if (auto& pr = s.sandbox_probes(); !pr.empty() && !a_.host) {
      std::vector<std::string> what;
      for (auto& x : pr) what.push_back(fmt::format("{} (strace line {})", x.path, x.line));
      fmt::print("warning: the program read {}: {}\n", fmt::join(what, ", "), kSandboxProbeHint);
    }
    if (!nm.empty()) {
      fmt::print("not modelled (each kind once, with its first strace line):\n");
      for (auto& l : nm) fmt::print("  {}\n", l);
    }
    if (!strace_err.empty()) fmt::print("strace said: {}\n", strace_err);
  }

 private:
  // --pid: a step or contradiction is shown when its task is one of the
  // processes asked for; comments (the initial namespaces) always are.
  bool shown(const strace::Output& o) const {
    if (a_.pids.empty() || o.kind != strace::Output::Step) return true;
    for (auto& [pid, name] : s_.task_names())
      if (name == o.record.call->task) return std::find(a_.pids.begin(), a_.pids.end(), pid) != a_.pids.end();
    return false;
  }

  void step(const strace::Output& o) {
    const StepRecord& r = o.record;
    const CallStmt& c = *r.call;
    std::string res = r.outcome.ok ? "= " + r.outcome.result : "= -1 " + r.outcome.result;
    std::string mark;
    if (r.expected && o.implied)
      mark = r.ok ? "  (implied by the line)" : fmt::format("  (implied: = {})", *r.expected);
    else if (r.expected)
      mark = r.ok ? fmt::format("  (kernel: = {}, ok)", *r.expected) : fmt::format("  (kernel: = {})", *r.expected);
    else if (!r.outcome.usage_error.empty())
      mark = "  (the model cannot run it)";
    if (a_.summary) {  // one line, and its contradictions
      fmt::print("{:>3}  strace:{:<5} {}: {}  {}{}\n", r.step, o.strace_line, c.task, c.text,
                 r.outcome.usage_error.empty() ? res : "", mark);
      for (auto& d : r.disagreements) fmt::print("      CONTRADICTION {}\n", d);
      return;
    }
    fmt::print("\n{:>3}  strace:{:<5} {}: {}  {}{}\n", r.step, o.strace_line, c.task, c.text,
               r.outcome.usage_error.empty() ? res : "", mark);
    fmt::print("      strace: {}\n", o.strace_text);
    if (!o.note.empty()) fmt::print("      note: {}\n", o.note);
    if (!a_.no_events)
      for (auto& e : r.events)
        fmt::print("      {:{}}{}{}{}\n", "", e.depth * 2, e.fn, e.detail.empty() ? "" : "  ", e.detail);
    if (!o.kernel.empty()) fmt::print("      model=kernel: {}\n", fmt::join(o.kernel, "  "));
    for (auto& d : r.disagreements) fmt::print("      CONTRADICTION {}\n", d);
    if (!a_.no_table && r.links_changed && tp_) tp_->table(r.obs);
    if (a_.refs) {
      const Kernel& k = s_.runner().sim().kernel();
      auto all = k.all_holders();
      auto active = k.active_namespaces();  // empty before 6.19: no marks
      for (auto& l : r.obs.liveness) {  // what is live, in creation order
        const NsRecord& nr = k.ns_records()[l.token];
        if (!nr.ns) continue;
        std::string hs;
        for (auto& h : all[nr.ns->serial]) hs += (hs.empty() ? "" : ", ") + h.what;
        const bool inactive = !active.empty() && !active[nr.ns->serial];
        fmt::print("      refs {}:[{}] = {}{}: {}\n", ns_type_name(nr.type), nr.inum, nr.ns->refs(),
                   inactive ? " (inactive)" : "", hs);
      }
    }
  }

  void json(const strace::Output& o) {
    nlohmann::json j;
    if (o.kind == strace::Output::Step) {
      j = step_json(o.record, s_.runner(), false);
      j["ok"] = o.record.ok && o.record.disagreements.empty();
      j["contradictions"] = o.record.disagreements;
      j["kernel"] = o.kernel;
      if (!o.note.empty()) j["note"] = o.note;
      j["implied"] = o.implied;
    } else if (o.kind == strace::Output::Contradiction) {
      j["contradiction"] = o.message;
    } else {
      return;
    }
    j["strace"] = {{"line", o.strace_line}, {"text", o.strace_text}};
    // replace: a hostname may be any bytes, not valid UTF-8 (dump() would throw).
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }

  const TraceCommandArgs& a_;
  strace::Session& s_;
  std::optional<TextPrinter> tp_;
};

}  // namespace

namespace {

// --attach: Ctrl-C (SIGINT) and SIGTERM ask strace to detach; nssim reads on
// until strace has printed everything and exited.
volatile sig_atomic_t g_stop = 0;
volatile pid_t g_strace = -1;
void on_stop_signal(int) {
  g_stop = 1;
  if (g_strace > 0) kill(g_strace, SIGINT);
}

int cmd_trace_attach(const TraceCommandArgs& a) {
  if (!a.html.empty()) {
    fmt::print(stderr,
               "nssim trace: --html applies to -- CMD and scenario FILEs, not --attach (the model starts from "
               "a snapshot, which a scenario cannot state)\n");
    return 2;
  }
  std::ofstream save;
  if (!a.save_log.empty()) {
    save.open(a.save_log);
    if (!save) {
      fmt::print(stderr, "nssim: cannot write '{}': {}\n", a.save_log, std::strerror(errno));
      return 2;
    }
  }
  std::string pidlist = fmt::format("{}", fmt::join(a.attach, ","));
  for (int p : a.attach)
    if (p <= 0 || access(fmt::format("/proc/{}", p).c_str(), F_OK) != 0) {
      fmt::print(stderr, "nssim: cannot attach to {}: pid {} is not a running process\n", pidlist, p);
      return 3;
    }
  // The starting state: a snapshot of the live system (read-only), restored
  // into the model; the attached processes are its tasks pPID. It is taken
  // just before strace attaches: a call made in between is in neither.
  real::Snapshot snap = real::take_snapshot();
  Scenario hdr;
  hdr.init_name = "init";
  auto restored = restore_kernel(real::restore_input(snap), Runner::config_for(hdr));
  if (!restored) {
    fmt::print(stderr, "nssim: cannot attach to {}: the live system's snapshot cannot be restored: {}\n", pidlist,
               restored.error());
    return 3;
  }
  strace::SessionOptions opt;
  opt.live = false;
  opt.source_name = "attach";
  uint32_t init_id = 0;
  size_t procs = 0;
  for (auto& [name, id] : restored->names) {
    auto nr = strace::parse_int(std::string_view(name).substr(1));
    if (!nr) continue;
    if (name[0] == 'p') ++procs;
    if (name == "p1") init_id = id;
    opt.restored[static_cast<int>(*nr)] = name;
  }
  for (int p : a.attach)
    if (!opt.restored.count(p)) {
      fmt::print(stderr,
                 "nssim: cannot attach to {}: pid {} is not in the snapshot (a kernel thread, a zombie, or "
                 "it exited)\n",
                 pidlist, p);
      return 3;
    }
  size_t nns = 0;
  for (auto& rec : restored->kernel->ns_records()) nns += rec.ns != nullptr;
  std::string notes;
  for (auto& n : restored->notes) notes += "; " + n;
  std::vector<std::pair<std::string, uint32_t>> names{{"init", init_id}};
  names.insert(names.end(), restored->names.begin(), restored->names.end());
  auto kernel = std::make_shared<std::unique_ptr<Kernel>>(std::move(restored->kernel));
  opt.initial = [kernel, names](const Kernel::Config&) {
    return std::make_unique<SimBackend>(std::move(*kernel), names);
  };
  std::string why;
  auto at = strace::Attach::start(a.attach, strace::trace_options(), a.timeout_ms, why);
  if (!at) {
    fmt::print(stderr, "nssim: cannot attach to {}: {}\n", pidlist, why);
    return 3;
  }
  g_strace = at->strace_pid();
  struct sigaction sa = {};
  struct sigaction old_int = {};
  struct sigaction old_term = {};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: the read below returns EINTR
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  strace::Session session(opt);
  std::vector<strace::Output> outs;
  session.begin(outs);
  Printer pr(a, session);
  Scenario title = session.header();
  title.file = "--attach " + pidlist;
  std::vector<std::string> who;
  for (int p : a.attach) who.push_back(fmt::format("{} (p{})", p, p));
  pr.header(title, fmt::format("live kernel: strace -f -yy -p of {}, attached (host pids; Ctrl-C detaches); the model "
                               "starts from a snapshot taken at attach time: {} processes, {} namespaces, with the "
                               "kernel's inodes and pid numbers; its init is the host's pid 1{}",
                               fmt::join(who, ", "), procs, nns, notes));
  auto flush = [&] {
    for (auto& o : outs) pr.print(o);
    outs.clear();
    std::fflush(stdout);
  };
  flush();
  strace::Reader reader;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  int lineno = 0, events = 0;
  auto take_line = [&](std::string_view line) {
    ++lineno;
    if (save) save << line << '\n';
    reader.feed(line, lineno, evs, errs);
    for (auto& e : evs) {
      ++events;
      session.feed(e, outs);
    }
    evs.clear();
    flush();
  };
  std::string buf;
  char chunk[65536];
  auto t0 = std::chrono::steady_clock::now();
  bool timed_out = false;
  for (;;) {
    int wait_ms = -1;
    if (a.duration_s > 0 && !timed_out) {
      auto left = std::chrono::duration<double>(a.duration_s) - (std::chrono::steady_clock::now() - t0);
      wait_ms = std::max(0, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
      if (wait_ms == 0) {
        timed_out = true;
        at->stop();
        wait_ms = -1;
      }
    }
    pollfd pfd{at->output_fd(), POLLIN, 0};
    int pr_n = poll(&pfd, 1, wait_ms);
    if (pr_n < 0 && errno == EINTR) continue;
    if (pr_n == 0) continue;
    ssize_t n = read(at->output_fd(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    feed_lines(buf, chunk, static_cast<size_t>(n), take_line);
  }
  if (!buf.empty()) take_line(buf);
  std::string strace_err = at->finish();
  g_strace = -1;
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  while (!strace_err.empty() && strace_err.back() == '\n') strace_err.pop_back();
  // Calls still in progress at the detach are no error: strace printed their start only.
  session.finish(outs, errs);
  flush();
  std::string how = g_stop      ? "detached (Ctrl-C or SIGTERM)"
                    : timed_out ? fmt::format("detached after --duration {}", a.duration_s)
                                : "they all exited";
  pr.summary(session, events, fmt::format("attached to {}: {}", pidlist, how), errs, strace_err);
  std::fflush(stdout);
  return session.contradictions() != 0 || !errs.empty() ? 1 : 0;
}

}  // namespace

int cmd_trace_command(const TraceCommandArgs& a) {
  if (!a.attach.empty()) return cmd_trace_attach(a);
  if (a.command.empty()) {
    fmt::print(stderr, "nssim trace: nothing to run after '--'\n");
    return 2;
  }
  if (std::string werr; !check_writable(a.html, werr)) {
    fmt::print(stderr, "{}\n", werr);
    return 2;
  }
  DrawOptions draw;
  if (std::string derr; (!a.focus.empty() && !parse_focus(a.focus, draw.focus, derr)) ||
                        (!a.hide.empty() && !parse_hide(a.hide, draw, derr))) {
    fmt::print(stderr, "nssim: {}\n", derr);
    return 2;
  }
  std::ofstream save;
  if (!a.save_log.empty()) {
    save.open(a.save_log);
    if (!save) {
      fmt::print(stderr, "nssim: cannot write '{}': {}\n", a.save_log, std::strerror(errno));
      return 2;
    }
  }
  real::SandboxExec::Options so;
  so.command = a.command;
  so.strace_args = strace::trace_options();
  so.program_stdout = 2;  // the trace owns standard output
  so.timeout_ms = a.timeout_ms;
  so.host = a.host;
  // The program's own file keeps its directory visible (the sandbox covers
  // /srv, /mnt and /media with private tmpfs mounts otherwise).
  if (!a.command.empty()) {
    std::string prog = a.command.front();
    if (prog.find('/') == std::string::npos)
      if (const char* path = std::getenv("PATH")) {
        std::istringstream dirs(path);
        for (std::string d; std::getline(dirs, d, ':');)
          if (!d.empty() && access((d + "/" + prog).c_str(), X_OK) == 0) {
            prog = d + "/" + prog;
            break;
          }
      }
    if (char* rp = realpath(prog.c_str(), nullptr)) {
      so.keep_paths.push_back(rp);
      std::free(rp);
    }
    so.keep_paths.push_back(prog);
  }
  std::string why;
  auto sb = real::SandboxExec::start(so, why);
  if (!sb) {
    fmt::print(stderr, "nssim: cannot trace '{}': {}\n", shell_words(a.command), why);
    return 3;
  }
  strace::SessionOptions opt;
  // --host: pid numbers are the host's (not comparable with the model's), and
  // the program is not pid 1: the model's init stands for the machine's, and
  // clones the program, so the program may exit before what it started.
  opt.live = !a.host;
  opt.init_parent = a.host;
  opt.init_pid = sb->program_pid();
  opt.root_pid_level = sb->pid_level();
  opt.hostname = sb->hostname();
  opt.init_inodes = sb->initial_inodes();
  strace::Session session(opt);
  std::vector<strace::Output> outs, all;
  session.begin(outs);
  Printer pr(a, session);
  Scenario title = session.header();
  title.file = "-- " + shell_words(a.command);
  pr.header(title,
            a.host ? fmt::format("live kernel: strace -f -yy of pid {} on the host (--host: no sandbox; the program "
                                 "changes the host as it would alone); the program's output goes to stderr",
                                 sb->program_pid())
                   : fmt::format("live kernel: strace -f -yy of pid {} (pid 1 of a sandbox pid namespace at level {}, "
                                 "private mounts and /run, own UTS); the program's output goes to stderr",
                                 sb->program_pid(), sb->pid_level()));
  auto flush = [&] {
    for (auto& o : outs) {
      pr.print(o);
      all.push_back(std::move(o));
    }
    outs.clear();
    std::fflush(stdout);
  };
  flush();
  strace::Reader reader;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  int lineno = 0, events = 0;
  std::string buf;
  char chunk[65536];
  auto take_line = [&](std::string_view line) {
    ++lineno;
    if (save) save << line << '\n';
    reader.feed(line, lineno, evs, errs);
    for (auto& e : evs) {
      ++events;
      session.feed(e, outs);
    }
    evs.clear();
    flush();
  };
  for (;;) {
    ssize_t n = read(sb->output_fd(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    feed_lines(buf, chunk, static_cast<size_t>(n), take_line);
  }
  if (!buf.empty()) take_line(buf);
  session.finish(outs, errs);
  flush();
  std::string strace_err;
  int status = sb->finish(strace_err);
  while (!strace_err.empty() && strace_err.back() == '\n') strace_err.pop_back();
  pr.summary(session, events, "program: " + describe_status(status), errs, strace_err);
  std::fflush(stdout);
  if (!a.html.empty()) {
    // The page steps through the translated scenario, replayed on the model.
    strace::RenderOptions ro;
    ro.title = "nssim trace -- " + shell_words(a.command);
    std::string src = strace::render_scenario(session, all, ro);
    ParseResult p = parse_scenario(src, "trace");
    if (!p.ok()) {
      fmt::print(stderr, "nssim: --html: the translated scenario does not parse: {}\n", p.errors.front().message);
      return 2;
    }
    Runner::Options ropt;
    Kernel::Config cfg = Runner::config_for(p.scenario);
    cfg.root_pid_level = sb->pid_level();
    cfg.hostname = sb->hostname();
    ropt.config = cfg;
    Runner runner(p.scenario, ropt);
    HtmlRecorder rec(p.scenario, runner, false, "translated from strace of " + shell_words(a.command));
    rec.set_draw_options(draw);
    rec.initial();
    RunSummary sum = runner.run([&](const StepRecord& r) { rec.step(r); });
    rec.finish(sum, sum.error ? format_diagnostic(p.scenario.file, src, *sum.error) : "");
    std::string werr;
    if (!rec.ok()) {
      fmt::print(stderr, "nssim: --html: {}\n", rec.render_error());
      return 2;
    }
    if (!write_output(a.html, rec.page(), werr)) {
      fmt::print(stderr, "{}\n", werr);
      return 2;
    }
  }
  if (session.contradictions() != 0 || !errs.empty()) return 1;
  // The program's own failure, once nssim found nothing wrong (documented in --help and README).
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 4;
}

}  // namespace nssim::cli
