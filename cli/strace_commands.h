// `nssim trace -- CMD [ARGS...]` (cli/cmd_trace_cmd.cc) and `nssim import LOG`
// (cli/cmd_import.cc): real programs, traced with strace, replayed on the model.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace nssim::cli {

// nssim trace [--json] [--html OUT] [--save-log LOG] [--no-events] [--no-table] [--refs] -- CMD [ARGS...]
// (or --attach PID[,PID...] [--duration S] instead of -- CMD)
struct TraceCommandArgs {
  std::vector<std::string> command;
  bool json = false;
  bool refs = false;
  bool no_events = false;
  bool no_table = false;
  std::string html;      // also write a step-through page of the translated scenario
  std::string focus, hide;  // --focus, --hide: what the page's pictures draw (pictures/graph.h)
  std::string save_log;  // also keep strace's raw output (for `nssim import`)
  int timeout_ms = 5000;
  bool summary = false;   // one line per step (--summary)
  std::vector<int> pids;  // show only these processes' steps (--pid); empty: all
  bool host = false;      // --host: no sandbox (real/sandbox_exec.h)
  // --attach PID,...: follow running processes instead of running `command`
  // (strace/attach.h); --duration: detach after that many seconds (0: never).
  std::vector<int> attach;
  double duration_s = 0;
};
int cmd_trace_command(const TraceCommandArgs& a);

// nssim import LOG -o SCENARIO.nss [--names pid|comm|PID=NAME,...] [--brief]
struct ImportArgs {
  std::string log;
  std::string output;  // "" or "-": standard output
  std::string names = "pid";
  bool brief = false;
};
int cmd_import(const ImportArgs& a);
// Registers the `import` subcommand on `app`; its callback stores the exit status in `rc`.
void add_import_command(CLI::App& app, int& rc);

// `nssim trace [OPTIONS] -- CMD ARGS...`: CLI11 would read the words after
// "--" as positionals, so they are split off first. Returns the argc to parse
// (argv[0..n)) and fills `command` (empty when there is no "--" after "trace").
int split_trace_command(int argc, char** argv, std::vector<std::string>& command);

}  // namespace nssim::cli
