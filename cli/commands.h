#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace nssim {
struct ParseResult;
}

namespace nssim::cli {

struct TraceArgs {
  std::string file;
  bool real = false;
  bool json = false;
  bool refs = false;
  bool reveal = false;  // --reveal: the model's value of a lab's '?' blanks
  bool no_events = false;
  bool no_table = false;
  int timeout_ms = 5000;
  bool no_bpf = false;  // --no-bpf: do not read the kernel's nsproxies and refcounts with BPF
  bool paranoid = false;  // --paranoid: with --real, read every task after every step
  std::string html;  // --html OUT.html: also write a step-through page (empty: no page)
  std::string from_snapshot;  // --from-snapshot SNAP: start from a restored snapshot ("-": a live one); model only
  int root_pid = 0;           // --root PID: the scenario's initial task is that restored process (0: pid 1)
  bool from_snapshot_given = false;  // --from-snapshot was on the command line (even as '')
  std::string kernel;  // --kernel V: the profile, over the scenario's `kernel` line (empty: the scenario's)
  std::string focus;   // --focus net,uts: the --html pictures draw only these links (empty: all)
  std::string hide;    // --hide creds,pids: the --html pictures without these arcs
};
int cmd_trace(const TraceArgs& a);

// nssim graph FILE [--step N | --line N | --final] [--focus L,...] [--hide creds,pids] [--format F]
// [-o OUT] (cli/cmd_graph.cc).
struct GraphArgs {
  std::string file;
  int step = -1;       // -1: --final (the default)
  std::string format;  // dot|svg|png|pdf; empty: from OUT's extension, else dot
  std::string output;  // empty or "-": standard output
  size_t max_group = 8;
  size_t max_nsproxies = 16;
  bool snapshot = false;      // --snapshot [SNAP]: draw the live system (or a saved snapshot), not a scenario
  std::string snapshot_file;  // SNAP: a saved `nssim snapshot --json` file; empty: take one now
  bool no_bpf = false;        // --no-bpf (live snapshot)
  std::string kernel;         // --kernel V (see TraceArgs)
  int line = 0;               // --line N: the step of the statement on source line N (0: not given)
  std::string focus;          // --focus net,uts: draw only these links (empty: all)
  std::string hide;           // --hide creds,pids: without the tasks' cred and/or pid arcs
};
int cmd_graph(const GraphArgs& a);

// nssim fuzz [--seed S] [--steps N] [--runs N] [--real] (cli/cmd_fuzz.cc).
struct FuzzArgs {
  uint64_t seed = 1;
  int steps = 60;
  int runs = 100;
  bool real = false;
  bool paranoid = false;  // --paranoid: with --real, read every task after every step
  bool no_shrink = false;
  double time_limit_s = 0;  // 0: no limit
  std::string out_dir = "fuzz-out";
  std::string kernel;  // --kernel V: the model's profile (with --real: the live kernel's, always)
};
int cmd_fuzz(const FuzzArgs& a);

// nssim lab check|list (cli/cmd_lab.cc): adds the `lab` subcommand; its
// callbacks set `rc` to the exit status.
void add_lab_command(CLI::App& app, int& rc);

// nssim snapshot [--json] [-t TYPE] [--nsproxies] [-o FILE] [--input FILE]
// (cli/cmd_snapshot.cc): adds the `snapshot` subcommand; its callback sets `rc`.
void add_snapshot_command(CLI::App& app, int& rc);

// Reads a file ('-' = stdin). False with a message on failure.
bool read_file(const std::string& path, std::string& out, std::string& err);

// Reads and parses the scenario `file` ('-': standard input, named "<stdin>"):
// its text into `src`, the result into `pr`. False after printing the read
// error, or every parse diagnostic, to stderr (then !pr.ok()). `kernel`
// (--kernel, already validated): the profile, over the scenario's own line.
bool load_scenario(const std::string& file, std::string& src, ParseResult& pr, const std::string& kernel = "");

// CLI11 check for --kernel: a known profile (sim/features.h), else the list.
std::string check_kernel_profile(const std::string& v);

}  // namespace nssim::cli
