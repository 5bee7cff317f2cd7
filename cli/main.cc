// nssim: see how Linux namespaces work inside the kernel, proven on the live kernel.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/strace_commands.h"
#include "cli/vm_run.h"

int main(int argc, char** argv) {
  // In a virtual machine of `--vm VERSION`, this binary is the guest's /init (vm/guest.cc).
  if (nssim::vm::is_guest()) nssim::vm::guest_main();
  CLI::App app{"nssim — a simulator of Linux namespaces (task_struct -> nsproxy -> namespaces),\n"
               "checked step by step against the live kernel."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("nssim ") + NSSIM_VERSION);

  nssim::cli::TraceArgs targs;
  auto* trace = app.add_subcommand("trace", "Replay a scenario step by step and show what changes in the kernel "
                                            "structures (events, nsproxy sharing, refcounts, /proc/PID/ns inodes).");
  // `nssim trace [OPTIONS] -- CMD ARGS...` traces a real program (cli/cmd_trace_cmd.cc).
  std::vector<std::string> trace_cmd;
  int trace_argc = nssim::cli::split_trace_command(argc, argv, trace_cmd);
  std::string trace_save_log;
  std::vector<std::string> trace_files;
  std::string trace_vm;
  trace->add_option("file", trace_files, "Scenario file (.nss); '-' reads standard input; with --vm, one or more");
  trace->add_option("--save-log", trace_save_log,
                    "With -- CMD: also keep strace's raw output in this file (for nssim import)");
  bool trace_summary = false;
  std::vector<int> trace_pids;
  trace->add_flag("--summary", trace_summary,
                  "With -- CMD: one line per namespace call (strace line, process, statement, result), no kernel "
                  "functions and no table");
  bool trace_host = false;
  trace->add_flag("--host", trace_host,
                  "With -- CMD: run the program on the host, in nssim's own namespaces and mounts, not in the "
                  "sandbox: it changes the host as it would run alone (for programs that must see the host: "
                  "nsenter -t PID of a container started outside, firejail)");
  trace->add_option("--pid", trace_pids,
                    "With -- CMD: show only these processes' calls (PID[,PID...] as strace prints them); the "
                    "model still replays every process")
      ->delimiter(',')
      ->type_name("PID[,PID...]");
  std::vector<int> trace_attach;
  trace
      ->add_option("--attach", trace_attach,
                   "Follow running processes (strace -f -yy -p PID..., as strace -p would: nothing else changes, "
                   "and strace detaches on Ctrl-C, on --duration, or when they all exit); the model starts from a "
                   "snapshot of the live system taken at attach time (their namespaces, creds and pid numbers)")
      ->delimiter(',')
      ->type_name("PID[,PID...]");
  double trace_duration = 0;
  trace->add_option("--duration", trace_duration, "With --attach: detach after this many seconds")
      ->check(CLI::PositiveNumber);
  auto* trace_real = trace->add_flag("--real", targs.real,
                  "Also run every step on the live kernel (as root, in a sandbox) and report every disagreement");
  trace->add_option("--vm", trace_vm,
                    "With --real: run on Debian's kernel VERSION (6.1, 6.12, ...) booted under qemu instead of this "
                    "machine's kernel: fetched with apt into ~/.cache/nssim, one boot for all FILEs")
      ->type_name("VERSION")
      ->needs(trace_real);
  trace->add_option("--kernel", targs.kernel,
                    "Model this kernel's rules (6.1, 6.2, 6.12, 6.18, 7.2, 7.3), over the scenario's `kernel` line; with "
                    "--real the live kernel's version decides (a different one gets a warning)")
      ->check(nssim::cli::check_kernel_profile);
  trace->add_flag("--json", targs.json, "JSON Lines: one object per step, then a summary object");
  trace->add_flag("--refs", targs.refs, "Show the refcount ledger (who holds each reference) after every call");
  trace->add_flag("--reveal", targs.reveal,
                  "Show the model's value of each '?' blank (hidden by default: a trace does not give a lab's answers away)");
  trace->add_flag("--no-events", targs.no_events, "Do not show kernel-function events");
  trace->add_flag("--no-table", targs.no_table, "Do not show the tasks x /proc/PID/ns table");
  trace->add_flag("--no-bpf", targs.no_bpf,
                  "With --real: do not check nsproxy sharing/counts and refcount changes on the kernel with BPF");
  trace->add_flag("--paranoid", targs.paranoid, "With --real: read every task's /proc/PID/ns links, status, maps, fds and hostname after every step (the full check), not only what the step can have changed");
  trace->add_option("--timeout", targs.timeout_ms, "With --real: milliseconds a step may take (default 5000)");
  auto* from_snap_opt = trace->add_option(
      "--from-snapshot", targs.from_snapshot,
      "Start from the state of a saved snapshot (nssim snapshot -o SNAP), or '-': take one of the live "
      "system now (read-only); model only. Restored processes are named pPID, threads tTID");
  trace->add_option("--root", targs.root_pid,
                    "With --from-snapshot: the scenario's initial task (task NAME, default init) is this process "
                    "(default pid 1)")
      ->type_name("PID")
      ->check(CLI::Range(1, 1 << 30).description(""));
  auto* html_opt = trace->add_option("--html", targs.html,
                    "Also write a self-contained page that steps through the scenario: source, graph, events "
                    "(and, with --real, the kernel's inode numbers and disagreements)");
  trace->add_option("--focus", targs.focus,
                    "With --html: draw only these links (net, uts, ipc, mnt, pid, pid_for_children, user, cgroup, "
                    "time, time_for_children), e.g. --focus net,uts")
      ->type_name("LINK[,LINK]")
      ->needs(html_opt);
  trace->add_option("--hide", targs.hide, "With --html: do not draw the tasks' dotted cred and/or pid arcs")
      ->type_name("creds,pids")
      ->needs(html_opt);
  trace->footer(
      "Exit status: 0 all expectations and asserted results hold (and, with --real, the kernel agrees);\n"
      "1 an expectation, an asserted result or the kernel disagreed; 2 usage, parse or run error;\n"
      "3 --real could not run (not root, or a namespace type is missing; with --vm: the kernel could not be\n"
      "fetched or booted, or the guest stopped).\n\n"
      "nssim trace [--json] [--summary] [--pid PID,...] [--html OUT] [--save-log LOG] -- CMD [ARGS...] runs a\n"
      "real program under strace in the sandbox and replays its namespace calls on the model as they come,\n"
      "checking every nsfs inode and result the kernel reported. Exit status: 0 no contradiction and the\n"
      "program exited with 0; 1 a contradiction or an unreadable strace line; 3 it cannot run here;\n"
      "4 no contradiction, but the program failed (exited non-zero or was killed).\n\n"
      "nssim trace --attach PID[,PID...] [--duration S] [--summary] [--save-log LOG] follows running processes\n"
      "with strace -f -yy -p (as strace -p would: nothing else of the host changes). The model starts from a\n"
      "snapshot of the live system taken just before strace attaches; the processes and their children are\n"
      "replayed on it until Ctrl-C, --duration, or their exit, and strace detaches from them in every case.\n"
      "Exit status: 0 no contradiction; 1 a contradiction or an unreadable strace line; 2 usage; 3 it cannot\n"
      "attach (not root or not allowed to ptrace, a pid that is not a process, strace missing).");

  nssim::cli::GraphArgs gargs;
  bool final_step = false;
  auto* graph = app.add_subcommand("graph", "Draw the kernel structures (tasks -> nsproxy -> namespaces, owners, "
                                            "parents, pins) of one step of a scenario, or of the live system "
                                            "(--snapshot), with Graphviz.");
  auto* file_opt = graph->add_option("file", gargs.file, "Scenario file (.nss); '-' reads standard input");
  auto* step_opt = graph->add_option("--step", gargs.step,
                                     "Draw the state right after step N (the statements are steps 1, 2, ... as "
                                     "numbered by 'nssim trace'); 0 is the initial state, before any statement")
                       ->check(CLI::NonNegativeNumber);
  auto* final_opt =
      graph->add_flag("--final", final_step, "Draw the state after the last statement (the default)")->excludes(step_opt);
  auto* line_opt = graph
                       ->add_option("--line", gargs.line,
                                    "Draw the state right after the statement on source line N (its step; an error "
                                    "if no statement is on that line)")
                       ->check(CLI::PositiveNumber)
                       ->excludes(step_opt, final_opt);
  auto* snap_opt =
      graph
          ->add_option("--snapshot", gargs.snapshot_file,
                       "Draw the live system instead of a scenario: every task, nsproxy (BPF) and namespace, and what "
                       "keeps alive each namespace no process is in (as 'nssim snapshot' finds them; read-only). "
                       "With SNAP, a file saved by 'nssim snapshot -o SNAP' (or --json)")
          ->expected(0, 1)
          ->type_name("[SNAP]")
          ->excludes(file_opt, step_opt, final_opt, line_opt);
  graph->add_flag("--no-bpf", gargs.no_bpf, "With --snapshot (live): do not use BPF (no nsproxies, no refcounts)")
      ->needs(snap_opt);
  graph->add_option("--kernel", gargs.kernel, "Model this kernel's rules (6.1, 6.2, 6.12, 6.18, 7.2, 7.3)")
      ->check(nssim::cli::check_kernel_profile);
  graph->add_option("--format", gargs.format,
                    "dot, svg, png or pdf (default: from OUT's extension, else dot). dot is the graph as built; "
                    "the others are laid out and rendered in-process by Graphviz");
  graph->add_option("-o,--output", gargs.output, "Output file (default or '-': standard output)");
  graph->add_option("--focus", gargs.focus,
                    "Draw only these links: the nsproxy slots (net, uts, ipc, mnt, pid_for_children, cgroup, time, "
                    "time_for_children), the tasks' pid and user (cred) links, and namespaces of their types")
      ->type_name("LINK[,LINK]");
  graph->add_option("--hide", gargs.hide, "Do not draw the tasks' dotted cred and/or pid arcs")->type_name("creds,pids");
  graph->add_option("--max-group", gargs.max_group,
                    "Tasks sharing an nsproxy are drawn one by one up to this many (default 8); above, tasks "
                    "with no fd and no change in the step are folded into one node")
      ->check(CLI::PositiveNumber);
  graph->add_option("--max-nsproxies", gargs.max_nsproxies,
                    "With more live nsproxies than this (default 16), nsproxies of the same shape (same shared "
                    "namespaces, same kinds of their own) are drawn once, as a stack")
      ->check(CLI::PositiveNumber);
  graph->footer(
      "Objects created in the step, or whose count changed, are drawn in red; objects freed in the step are drawn\n"
      "faded (grey, dashed) in that step only, and listed in the caption; `let` names label their namespaces.\n"
      "--snapshot: tasks are grouped by nsproxy (without BPF: by equal /proc links), namespaces are labelled with\n"
      "their inode, refcount (BPF) and, when no process is in them, what holds them (fd N of PID, bind mount at\n"
      "PATH in mnt:[...], pidfd, socket...); a saved snapshot always gives the same DOT.\n"
      "Exit status: 0 written; 2 usage, parse or run error, unknown step or format, unwritable output,\n"
      "unreadable snapshot.");

  int rc = 0;
  nssim::cli::add_lab_command(app, rc);
  nssim::cli::add_snapshot_command(app, rc);
  nssim::cli::FuzzArgs fargs;
  auto* fuzz = app.add_subcommand("fuzz", "Differential testing: random valid scenarios on the model (refcount "
                                          "ledger and leak checks) and, with --real, on the live kernel; every "
                                          "problem is shrunk to a minimal scenario written to --out.");
  fuzz->add_option("--seed", fargs.seed, "First random seed (run i uses seed+i; the same seed, the same scenarios)");
  fuzz->add_option("--steps", fargs.steps, "Calls per scenario")->check(CLI::Range(1, 100000));
  fuzz->add_option("--runs", fargs.runs, "Number of scenarios")->check(CLI::Range(1, 100000000));
  fuzz->add_option("--kernel", fargs.kernel,
                   "Generate for and model this kernel's rules (6.1, 6.2, 6.12, 6.18, 7.2, 7.3); with --real the live "
                   "kernel's version decides")
      ->check(nssim::cli::check_kernel_profile);
  auto* fuzz_real = fuzz->add_flag("--real", fargs.real, "Also run every scenario on the live kernel (root) and compare");
  std::string fuzz_vm;
  fuzz->add_option("--vm", fuzz_vm,
                   "With --real: run the campaign on Debian's kernel VERSION booted under qemu (failing scenarios "
                   "come back into --out)")
      ->type_name("VERSION")
      ->needs(fuzz_real);
  fuzz->add_flag("--paranoid", fargs.paranoid, "With --real: read every task's /proc/PID/ns links, status, maps, fds and hostname after every step (the full check), not only what the step can have changed");
  fuzz->add_flag("--no-shrink", fargs.no_shrink, "Save failing scenarios as generated");
  fuzz->add_option("--time-limit", fargs.time_limit_s, "Stop after this many seconds");
  fuzz->add_option("--out", fargs.out_dir, "Directory for minimal failing scenarios (default fuzz-out)");
  fuzz->footer(
      "Exit status: 0 no problem; 1 problems found (see --out); 2 usage error; 3 --real unavailable (with --vm: "
      "the kernel could not be fetched or booted).");
  fuzz->callback([&] { rc = fuzz_vm.empty() ? nssim::cli::cmd_fuzz(fargs) : nssim::cli::fuzz_in_vm(fargs, fuzz_vm); });
  // What `trace -- CMD` and `trace --attach` take from the trace options.
  auto trace_command_args = [&] {
    nssim::cli::TraceCommandArgs c;
    c.json = targs.json;
    c.refs = targs.refs;
    c.no_events = targs.no_events;
    c.no_table = targs.no_table;
    c.html = targs.html;
    c.focus = targs.focus;
    c.hide = targs.hide;
    c.save_log = trace_save_log;
    c.summary = trace_summary;
    c.pids = trace_pids;
    c.timeout_ms = targs.timeout_ms;
    return c;
  };
  trace->callback([&] {
    targs.from_snapshot_given = from_snap_opt->count() > 0;
    if (!trace_vm.empty()) {
      if (!trace_cmd.empty()) {
        fmt::print(stderr, "nssim trace: --vm runs scenario FILEs, not -- CMD\n");
        rc = 2;
      } else if (trace_files.empty()) {
        fmt::print(stderr, "nssim trace: give one or more scenario FILEs to run with --vm\n");
        rc = 2;
      } else {
        rc = nssim::cli::trace_in_vm(targs, trace_files, trace_vm);
      }
      return;
    }
    if (!trace_attach.empty() || trace_duration > 0) {
      if (trace_attach.empty()) {
        fmt::print(stderr, "nssim trace: --duration applies to --attach PID[,PID...]\n");
        rc = 2;
      } else if (!trace_cmd.empty() || !trace_files.empty() || targs.real || trace_host || targs.from_snapshot_given ||
                 targs.root_pid) {
        fmt::print(stderr,
                   "nssim trace: --attach follows running processes; it takes no -- CMD, scenario FILE, --real, "
                   "--host, --from-snapshot or --root\n");
        rc = 2;
      } else {
        nssim::cli::TraceCommandArgs c = trace_command_args();
        c.attach = trace_attach;
        c.duration_s = trace_duration;
        rc = nssim::cli::cmd_trace_command(c);
      }
      return;
    }
    if (trace_files.size() > 1) {
      fmt::print(stderr, "nssim trace: give one scenario FILE (several with --real --vm VERSION)\n");
      rc = 2;
      return;
    }
    if (!trace_files.empty()) targs.file = trace_files[0];
    if (!trace_cmd.empty() && (targs.from_snapshot_given || targs.root_pid)) {
      fmt::print(stderr,
                 "nssim trace: -- CMD runs a program on the live kernel; --from-snapshot and --root apply to "
                 "a scenario FILE only\n");
      rc = 2;
    } else if (trace_cmd.empty() && targs.file.empty()) {
      fmt::print(stderr, "nssim trace: give a scenario FILE, or -- CMD [ARGS...] to trace a program\n");
      rc = 2;
    } else if (trace_cmd.empty()) {
      rc = nssim::cli::cmd_trace(targs);
    } else if (!targs.file.empty() || targs.real) {
      fmt::print(stderr, "nssim trace: -- CMD takes no scenario FILE and no --real (the program runs on the live "
                         "kernel)\n");
      rc = 2;
    } else {
      nssim::cli::TraceCommandArgs c = trace_command_args();
      c.command = trace_cmd;
      c.host = trace_host;
      rc = nssim::cli::cmd_trace_command(c);
    }
  });
  nssim::cli::add_import_command(app, rc);
  graph->callback([&] {
    gargs.snapshot = snap_opt->count() > 0;
    if (!gargs.snapshot && gargs.file.empty()) {
      fmt::print(stderr, "nssim graph: give a scenario FILE, or --snapshot [SNAP] to draw the live system\n");
      rc = 2;
      return;
    }
    rc = nssim::cli::cmd_graph(gargs);
  });
  try {
    app.parse(trace_argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}
