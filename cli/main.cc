// nssim: see how Linux namespaces work inside the kernel, proven on the live kernel.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"nssim — a simulator of Linux namespaces (task_struct -> nsproxy -> namespaces),\n"
               "checked step by step against the live kernel."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("nssim ") + NSSIM_VERSION);

  nssim::cli::TraceArgs targs;
  auto* trace = app.add_subcommand("trace", "Replay a scenario step by step and show what changes in the kernel "
                                            "structures (events, nsproxy sharing, refcounts, /proc/PID/ns inodes).");
  trace->add_option("file", targs.file, "Scenario file (.nss); '-' reads standard input")->required();
  trace->add_flag("--real", targs.real,
                  "Also run every step on the live kernel (as root, in a sandbox) and report every disagreement");
  trace->add_flag("--json", targs.json, "JSON Lines: one object per step, then a summary object");
  trace->add_flag("--refs", targs.refs, "Show the refcount ledger (who holds each reference) after every call");
  trace->add_flag("--no-events", targs.no_events, "Do not show kernel-function events");
  trace->add_flag("--no-table", targs.no_table, "Do not show the tasks x /proc/PID/ns table");
  trace->add_option("--timeout", targs.timeout_ms, "With --real: milliseconds a step may take (default 5000)");
  trace->footer(
      "Exit status: 0 all expectations and asserted results hold (and, with --real, the kernel agrees);\n"
      "1 an expectation, an asserted result or the kernel disagreed; 2 usage, parse or run error;\n"
      "3 --real could not run (not root, or a namespace type is missing).");

  int rc = 0;
  trace->callback([&] { rc = nssim::cli::cmd_trace(targs); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}
