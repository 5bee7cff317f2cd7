// nssim import LOG -o SCENARIO.nss: a recorded `strace -f -yy` log (from
// anywhere) becomes a scenario that `nssim trace` (and `--real`) can run.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "pictures/graph.h"
#include "cli/strace_commands.h"
#include "strace/import.h"

namespace nssim::cli {

int cmd_import(const ImportArgs& a) {
  std::string src, err;
  std::string logname = a.log == "-" ? "<stdin>" : a.log;
  std::vector<strace::Origin> origin;  // -ff: where each merged line came from
  if (!read_file(a.log, src, err)) {
    // strace -ff -o LOG writes LOG.PID files, one per process: merged by time.
    auto ff = a.log == "-" || std::filesystem::exists(a.log) ? decltype(strace::per_process_files(a.log)){}
                                                              : strace::per_process_files(a.log);
    if (ff.empty()) {
      fmt::print(stderr, "{}\n", err);
      return 2;
    }
    std::vector<strace::PerProcessFile> files;
    for (auto& [pid, path] : ff) {
      std::string text;
      if (!read_file(path, text, err)) {
        fmt::print(stderr, "{}\n", err);
        return 2;
      }
      files.push_back({pid, path, std::move(text)});
    }
    if (!strace::merge_per_process(files, src, origin, err)) {
      fmt::print(stderr, "{}\n", err);
      return 2;
    }
    logname = fmt::format("{}.*", a.log);
  }
  // Every line is read first: errors are reported all at once, with line numbers.
  strace::LogRead log = strace::read_log(src);
  const std::vector<std::string>& lines = log.lines;
  std::vector<strace::Event>& evs = log.events;
  std::vector<strace::LogError>& errs = log.errors;
  auto report = [&](const std::vector<strace::LogError>& es) {
    for (auto& e : es) {
      if (e.line > 0 && static_cast<size_t>(e.line) <= origin.size())
        fmt::print(stderr, "{}:{}: error: {}\n", origin[e.line - 1].file, origin[e.line - 1].line, e.message);
      else
        fmt::print(stderr, "{}:{}: error: {}\n", logname, e.line, e.message);
      if (e.line > 0 && static_cast<size_t>(e.line) <= lines.size()) fmt::print(stderr, "  {}\n", lines[e.line - 1]);
      if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
    }
  };
  if (evs.empty() && errs.empty())
    errs.push_back({0, "no system call in the log", "record one with: strace -f -yy -o LOG CMD"});
  if (!errs.empty()) {
    report(errs);
    return 2;
  }
  strace::SessionOptions opt;
  opt.source_name = logname;
  if (a.names == "comm") {
    opt.names = strace::comm_names(evs);
  } else if (a.names != "pid") {
    std::istringstream is(a.names);
    std::string item;
    while (std::getline(is, item, ',')) {
      size_t eq = item.find('=');
      auto pid = eq == std::string::npos ? std::nullopt : strace::parse_int(item.substr(0, eq));
      std::string n = eq == std::string::npos ? "" : item.substr(eq + 1);
      if (!pid || n.empty() || strace::ident_of(n) != n) {
        fmt::print(stderr,
                   "nssim import: bad --names item '{}' (expected PID=NAME, NAME of letters, digits, _ and -)\n", item);
        return 2;
      }
      opt.names[static_cast<int>(*pid)] = n;
    }
  }
  if (!log.decorations)
    fmt::print(stderr,
               "nssim import: {}: no -yy fd decorations: the kernel's inode numbers cannot be cross-checked "
               "(record with strace -f -yy)\n",
               logname);
  strace::RenderOptions ro;
  ro.title = fmt::format("Imported from {} by nssim import ({} lines of strace -f -yy).", logname, lines.size());
  ro.brief = a.brief;
  strace::Imported im = strace::import_events(evs, opt, ro);
  if (!im.errors.empty()) {
    report(im.errors);
    return 2;
  }
  for (auto& [line, pid, name] : log.pending)
    fmt::print(stderr, "nssim import: {}:{}: pid {}'s {}() never completed (the task was killed while in it)\n",
               logname, line, pid, name);
  const std::string& scenario = im.scenario;
  const strace::Session& session = *im.session;
  const std::vector<strace::Output>& outs = im.outs;
  for (auto& o : outs) {
    if (o.kind == strace::Output::Contradiction) fmt::print(stderr, "{}: contradiction: {}\n", logname, o.message);
    if (o.kind == strace::Output::Step)
      for (auto& d : o.record.disagreements) fmt::print(stderr, "{}: contradiction: {}\n", logname, d);
  }
  if (a.output.empty() || a.output == "-") {
    fmt::print("{}", scenario);
  } else if (std::string werr; !write_output(a.output, scenario, werr)) {
    fmt::print(stderr, "{}\n", werr);
    return 2;
  }
  return session.contradictions() == 0 ? 0 : 1;
}

void add_import_command(CLI::App& app, int& rc) {
  static ImportArgs args;
  auto* imp = app.add_subcommand("import",
                                 "Convert a recorded `strace -f -yy` log into a scenario (.nss) that "
                                 "`nssim trace` (and --real) can run.");
  imp->add_option("log", args.log,
                  "The strace log (strace -f -yy -o LOG CMD); '-' reads standard input; LOG with no such file but "
                  "LOG.PID files (strace -ff -tt -o LOG): those, merged by time")
      ->required();
  imp->add_option("-o,--output", args.output, "The scenario to write (default or '-': standard output)");
  imp->add_option("--names", args.names,
                  "Task names: pid (p<PID>, the default), comm (the first program each pid runs), or PID=NAME,... "
                  "(others: p<PID>)");
  imp->add_flag("--brief", args.brief, "Keep only the comments of untranslated calls that can affect namespaces");
  imp->footer(
      "Every translated call asserts the result the kernel returned (= RESULT); lines the model does not know are\n"
      "kept as comments. Exit status: 0 written, the model agrees with the log; 1 written, with contradictions\n"
      "(listed on stderr and in the scenario); 2 unreadable or malformed log (line-numbered errors), bad option.");
  imp->callback([&rc] { rc = cmd_import(args); });
}

}  // namespace nssim::cli
