// --vm VERSION for nssim trace, lab check and fuzz: the same command, run with
// --real by nssim inside a Debian kernel booted under qemu (vm/).
#include "cli/vm_run.h"

#include <fmt/format.h>

namespace nssim::cli {

int trace_in_vm(const TraceArgs& a, const std::vector<std::string>& files, const std::string& version) {
  if (!a.html.empty() || !a.from_snapshot.empty() || a.from_snapshot_given || a.root_pid) {
    fmt::print(stderr,
               "nssim trace: --vm runs the scenarios in a virtual machine; --html, --from-snapshot and "
               "--root are not available with it\n");
    return 2;
  }
  vm::Job job;
  job.version = version;
  job.json = a.json;
  job.command = "nssim trace";
  std::vector<std::string> base = {"trace", "--real"};
  if (a.json) base.push_back("--json");
  if (a.refs) base.push_back("--refs");
  if (a.reveal) base.push_back("--reveal");
  if (a.no_events) base.push_back("--no-events");
  if (a.no_table) base.push_back("--no-table");
  if (a.no_bpf) base.push_back("--no-bpf");
  if (a.paranoid) base.push_back("--paranoid");
  if (!a.kernel.empty()) base.push_back("--kernel=" + a.kernel);  // in the guest, --real: its version decides
  base.push_back("--timeout=" + std::to_string(a.timeout_ms));
  for (auto& f : files) {
    if (f == "-") {
      fmt::print(stderr, "nssim trace: --vm: give scenario files ('-', standard input, is not sent to the guest)\n");
      return 2;
    }
    auto argv = base;
    argv.push_back(f);
    job.runs.push_back({argv, f});
    job.inputs.push_back(f);
  }
  return vm::run(job);
}

int fuzz_in_vm(const FuzzArgs& a, const std::string& version) {
  vm::Job job;
  job.version = version;
  job.command = "nssim fuzz";
  std::vector<std::string> argv = {"fuzz",
                                   "--real",
                                   "--seed=" + std::to_string(a.seed),
                                   "--steps=" + std::to_string(a.steps),
                                   "--runs=" + std::to_string(a.runs),
                                   "--out=" + a.out_dir};
  if (a.paranoid) argv.push_back("--paranoid");
  if (!a.kernel.empty()) argv.push_back("--kernel=" + a.kernel);
  if (a.no_shrink) argv.push_back("--no-shrink");
  if (a.time_limit_s > 0) argv.push_back(fmt::format("--time-limit={}", a.time_limit_s));
  job.runs.push_back({argv, ""});
  job.collect_dir = a.out_dir;
  return vm::run(job);
}

}  // namespace nssim::cli
