// nssim graph: the picture of one step of a scenario (docs/pictures.md).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include <nlohmann/json.hpp>

#include "pictures/graph.h"
#include "pictures/snapshot_graph.h"
#include "real/snapshot.h"
#include "sim/runner.h"

namespace nssim::cli {

namespace {

// Renders `g` in `fmt_out` and writes it to `output` (empty or "-": standard
// output). The exit status: 0, or 2 after saying why on stderr.
int render_and_write(const Graph& g, Format fmt_out, const std::string& output) {
  std::string out, err;
  if (!render(g, fmt_out, out, err)) {
    fmt::print(stderr, "nssim: {}\n", err);
    return 2;
  }
  if (!write_output(output, out, err)) {
    fmt::print(stderr, "{}\n", err);
    return 2;
  }
  return 0;
}

// nssim graph --snapshot [SNAP]: the live system, or a saved snapshot.
int graph_snapshot(const GraphArgs& a, Format fmt_out, DrawOptions d) {
  std::string err;
  if (!check_writable(a.output, err)) {
    fmt::print(stderr, "{}\n", err);
    return 2;
  }
  real::Snapshot s;
  if (!a.snapshot_file.empty()) {
    std::string text;
    if (!read_file(a.snapshot_file, text, err)) {
      fmt::print(stderr, "{}\n", err);
      return 2;
    }
    auto j = nlohmann::json::parse(text, nullptr, false);
    auto loaded = j.is_discarded() ? std::nullopt : real::snapshot_from_json(j, err);
    if (!loaded) {
      fmt::print(stderr, "nssim: {}: {}\n", a.snapshot_file, j.is_discarded() ? "not JSON" : err);
      return 2;
    }
    s = std::move(*loaded);
    d.title = a.snapshot_file == "-" ? "<stdin>" : std::filesystem::path(a.snapshot_file).filename().string();
  } else {
    real::SnapshotOptions opt;
    opt.use_bpf = !a.no_bpf;
    s = real::take_snapshot(opt);
    d.title = "the live system";
  }
  d.max_tasks_per_group = a.max_group;
  d.max_nsproxies = a.max_nsproxies;
  Graph g = build_snapshot_graph(s, d);
  return render_and_write(g, fmt_out, a.output);
}

// --line N: the step of the statement on source line N, or an error located
// at that line (with the nearest statements as a hint). Steps are 1-based.
std::optional<int> step_of_line(const Scenario& sc, const std::string& src, int line) {
  const auto& st = sc.statements;
  for (size_t i = 0; i < st.size(); ++i)
    if (st[i].line == line) return static_cast<int>(i) + 1;
  int lines = static_cast<int>(std::count(src.begin(), src.end(), '\n')) +
              (!src.empty() && src.back() != '\n' ? 1 : 0);
  Diagnostic d;
  d.loc = {std::min(std::max(line, 1), std::max(lines, 1)), 1};
  if (line > lines) {
    d.message = fmt::format("--line {}: the file has {} line{}", line, lines, lines == 1 ? "" : "s");
  } else {
    d.message = fmt::format("--line {}: no statement on this line (a comment, a blank or a header line)", line);
  }
  // The statements around it: the last one before and the first one after.
  const Statement* before = nullptr;
  const Statement* after = nullptr;
  size_t before_i = 0, after_i = 0;
  for (size_t i = 0; i < st.size(); ++i) {
    if (st[i].line < line) before = &st[i], before_i = i + 1;
    if (st[i].line > line && !after) after = &st[i], after_i = i + 1;
  }
  std::vector<std::string> near;
  if (before) near.push_back(fmt::format("line {} (step {})", before->line, before_i));
  if (after) near.push_back(fmt::format("line {} (step {})", after->line, after_i));
  d.hint = st.empty() ? "the scenario has no statement: draw the initial state with --step 0"
           : near.size() == 2
               ? fmt::format("the nearest statements are on {} and {}; --step N takes a step number", near[0], near[1])
               : fmt::format("the nearest statement is on {}; --step N takes a step number", near[0]);
  fmt::print(stderr, "{}", format_diagnostic(sc.file, src, d));
  return std::nullopt;
}

}  // namespace

int cmd_graph(const GraphArgs& a) {
  // The format: --format, else OUT's extension, else DOT.
  Format fmt_out = Format::Dot;
  if (!a.format.empty()) {
    auto f = format_from_name(a.format);
    if (!f) {
      fmt::print(stderr, "nssim: unknown format '{}': use dot, svg, png or pdf\n", a.format);
      return 2;
    }
    fmt_out = *f;
  } else if (!a.output.empty() && a.output != "-") {
    std::string ext = std::filesystem::path(a.output).extension().string();
    if (!ext.empty()) {
      auto f = format_from_name(ext.substr(1));
      if (!f) {
        fmt::print(stderr, "nssim: cannot tell the format from '{}': add --format dot|svg|png|pdf\n", a.output);
        return 2;
      }
      fmt_out = *f;
    }
  }

  std::string src, err;
  DrawOptions d;
  if (!a.focus.empty() && !parse_focus(a.focus, d.focus, err)) {
    fmt::print(stderr, "nssim: {}\n", err);
    return 2;
  }
  if (!a.hide.empty() && !parse_hide(a.hide, d, err)) {
    fmt::print(stderr, "nssim: {}\n", err);
    return 2;
  }
  if (a.snapshot) return graph_snapshot(a, fmt_out, std::move(d));

  ParseResult pr;
  if (!load_scenario(a.file, src, pr, a.kernel)) return 2;
  const Scenario& sc = pr.scenario;
  const int nsteps = static_cast<int>(sc.statements.size());
  int step = a.step;
  if (a.line > 0) {
    auto s = step_of_line(sc, src, a.line);
    if (!s) return 2;
    step = *s;
  }
  if (step > nsteps) {
    fmt::print(stderr, "nssim: no step {} in {}: it has {} step{} (0 is the initial state)\n", step, sc.file, nsteps,
               nsteps == 1 ? "" : "s");
    return 2;
  }
  const int target = step < 0 ? nsteps : step;  // --final: the last statement
  if (!check_writable(a.output, err)) {
    fmt::print(stderr, "{}\n", err);
    return 2;
  }

  Runner::Options opt;
  opt.trace = false;
  StepState st = replay_to_step(sc, target, opt);
  if (!st.want) {
    if (st.summary.error) fmt::print(stderr, "{}", format_diagnostic(sc.file, src, *st.summary.error));
    fmt::print(stderr, "nssim: step {} was not reached: the run stopped at step {}\n", target, st.summary.steps + 1);
    return 2;
  }

  d.title = a.file == "-" ? "<stdin>" : std::filesystem::path(a.file).filename().string();
  d.subtitle = st.caption;
  d.ns_names = std::move(st.ns_names);
  d.max_tasks_per_group = a.max_group;
  d.max_nsproxies = a.max_nsproxies;
  Graph g = build_graph(*st.want, st.want_prev ? &*st.want_prev : nullptr, d);
  return render_and_write(g, fmt_out, a.output);
}

}  // namespace nssim::cli
