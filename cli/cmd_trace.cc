#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include "cli/commands.h"
#include "pictures/graph.h"
#include "pictures/html.h"
#include "cli/real_run.h"
#include "cli/trace_output.h"
#include "cli/trace_restore.h"
#include "real/kernel_check.h"
#include "sim/runner.h"

namespace nssim::cli {

bool read_file(const std::string& path, std::string& out, std::string& err) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    // A directory opens fine and reads as nothing: say so instead of running an empty scenario.
    if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
      err = fmt::format("nssim: cannot read '{}': {}", path, std::strerror(EISDIR));
      return false;
    }
    std::ifstream f(path);
    if (!f) {
      err = fmt::format("nssim: cannot read '{}': {}", path, std::strerror(errno));
      return false;
    }
    ss << f.rdbuf();
  }
  out = ss.str();
  return true;
}

bool load_scenario(const std::string& file, std::string& src, ParseResult& pr, const std::string& kernel) {
  std::string err;
  if (!read_file(file, src, err)) {
    fmt::print(stderr, "{}\n", err);
    return false;
  }
  pr = parse_scenario(src, file == "-" ? "<stdin>" : file);
  fmt::print(stderr, "{}", format_diagnostics(pr.scenario.file, src, pr.errors));
  if (!kernel.empty()) pr.scenario.kernel = kernel;
  return pr.ok();
}

std::string check_kernel_profile(const std::string& v) {
  if (profile_from_name(v)) return "";
  return fmt::format("unknown kernel profile '{}' (known: {})", v, known_profiles_text());
}

int cmd_trace(const TraceArgs& a) {
  // Into a file or pipe, a large stdout buffer makes a million steps a few
  // thousand writes, not one or more per step. Not with --real, whose steps
  // are slow enough that a reader should see each as it comes.
  static char outbuf[1 << 20];
  if (!a.real && !isatty(fileno(stdout))) std::setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  std::string src, err;
  ParseResult pr;
  if (!load_scenario(a.file, src, pr, a.kernel)) {
    // --json: the errors as one object too (on stderr as text, as always), so a
    // reader of the JSON stream sees why there is no step.
    if (a.json && !pr.errors.empty()) {
      RunSummary none;  // no step ran; the first parse error stopped it
      none.error = pr.errors.front();
      nlohmann::json sj = summary_json(none);
      for (const Diagnostic& d : pr.errors) sj["summary"]["parse_errors"].push_back(diagnostic_json(d));
      std::cout << sj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    return 2;
  }
  const Scenario& sc = pr.scenario;
  src = std::string();  // the scenario keeps its own copy (sc.source): one, not two, for a long run
  if (std::string werr; !check_writable(a.html, werr)) {
    fmt::print(stderr, "{}\n", werr);
    return 2;
  }
  DrawOptions draw;  // --focus, --hide: what the --html pictures draw
  if (std::string derr; (!a.focus.empty() && !parse_focus(a.focus, draw.focus, derr)) ||
                        (!a.hide.empty() && !parse_hide(a.hide, draw, derr))) {
    fmt::print(stderr, "nssim: {}\n", derr);
    return 2;
  }
  Runner::Options opt;
  std::string restore_summary;
  if (a.from_snapshot_given || !a.from_snapshot.empty() || a.root_pid) {
    if (!a.from_snapshot_given && a.from_snapshot.empty()) {
      fmt::print(stderr, "nssim: --root needs --from-snapshot\n");
      return 2;
    }
    if (a.real) {
      fmt::print(stderr, "nssim: --real with --from-snapshot: the live kernel cannot be put into a snapshot's state "
                         "(its namespaces, pids and inode numbers are the kernel's own); run the scenario on the "
                         "model only\n");
      return 2;
    }
    auto r = restore_for_trace(a.from_snapshot, a.root_pid, sc, err);
    if (!r) {
      fmt::print(stderr, "{}\n", err);
      return 2;
    }
    opt.initial = std::move(r->initial);
    restore_summary = std::move(r->summary);
    fmt::print(stderr, "nssim: {}\n", restore_summary);
  }
  std::optional<RealPeer> real;
  std::unique_ptr<real::KernelStructureCheck> kcheck;
  Runner* runner_ptr = nullptr;
  std::string real_note;
  if (a.real) {
    real = start_real_peer(sc, a.timeout_ms, a.paranoid);
    if (!real) return 3;
    opt.peer = real->backend.get();
    opt.config = real->config;
    real_note = real->note;
    // The kernel's own structures (BPF): nsproxy sharing and counts, refcount
    // changes per namespace, checked after every call.
    std::string why_not = a.no_bpf ? "--no-bpf" : real::KernelStructureCheck::unavailable_reason();
    if (why_not.empty()) {
      kcheck = std::make_unique<real::KernelStructureCheck>(*real->backend);
      opt.extra_check = [&](const StepRecord& r) { return kcheck->check(*runner_ptr, r); };
      real_note += "; kernel structures: nsproxy sharing and counts, refcount changes checked with BPF";
    } else {
      real_note += "; kernel structures: not checked (" + why_not + ")";
    }
    real_note += not_checked_lines(*real);
  }
  // Kernel-function events are formatted only for someone to read them:
  // text without --no-events, --json (its `events`) and --html.
  opt.trace = !a.no_events || a.json || !a.html.empty();
  Runner runner(sc, opt);
  runner_ptr = &runner;
  RunSummary sum;
  // --html: a step-through page, collected alongside the usual output.
  std::optional<HtmlRecorder> html;
  if (!a.html.empty()) {
    html.emplace(sc, runner, a.real, real_note);
    html->set_draw_options(std::move(draw));
    html->initial();
  }
  auto record = [&](const StepRecord& r) {
    if (html) html->step(r);
  };
  if (a.json) {
    std::string line;
    sum = runner.run([&](const StepRecord& r) {
      // A hostname may be any bytes, not valid UTF-8: written as dump(replace) would.
      line.clear();
      write_step_json(line, r, runner, a.real);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
      record(r);
    });
    nlohmann::json sj = summary_json(sum);
    if (real && !real->not_checked.empty()) sj["summary"]["live_kernel_notes"] = real->not_checked;
    if (kcheck)
      sj["kernel_structures"] = {{"nsproxy_counts", kcheck->nsproxy_counts()},
                                 {"nsproxy_tasks", kcheck->nsproxy_tasks()},
                                 {"refcount_changes", kcheck->namespace_checks()}};
    std::fflush(stdout);
    std::cout << sj.dump() << '\n';
  } else {
    TextOptions to;
    to.events = !a.no_events;
    to.table = !a.no_table;
    to.refs = a.refs;
    to.reveal = a.reveal;
    TextPrinter tp(stdout, runner, to);
    tp.header(sc, a.real, real_note);
    sum = runner.run([&](const StepRecord& r) {
      tp.step(r);
      record(r);
    });
    if (!sum.error) tp.summary(sum, a.real);
    if (!sum.error && kcheck)
      fmt::print("kernel structures (BPF): {} nsproxy counts, {} tasks' nsproxy sharing, {} namespace "
                 "refcount changes compared\n",
                 kcheck->nsproxy_counts(), kcheck->nsproxy_tasks(), kcheck->namespace_checks());
  }
  std::fflush(stdout);
  if (html) {
    html->finish(sum, sum.error ? format_diagnostic(sc.file, sc.source, *sum.error) : "");
    std::string werr;
    if (!html->ok()) {
      fmt::print(stderr, "nssim: --html: {}\n", html->render_error());
      return 2;
    }
    if (!write_output(a.html, html->page(), werr)) {
      fmt::print(stderr, "{}\n", werr);
      return 2;
    }
  }
  if (sum.error) {
    fmt::print(stderr, "{}", format_diagnostic(sc.file, sc.source, *sum.error));
    return 2;
  }
  return sum.ok() ? 0 : 1;
}

}  // namespace nssim::cli
