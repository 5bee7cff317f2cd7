// nssim snapshot: every namespace of the live system, as lsns shows it, plus
// nsproxies and refcounts (BPF) and, for each namespace no process is in, what
// keeps it alive (real/snapshot.h, docs/introspection.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "real/snapshot.h"

namespace nssim::cli {

namespace {

struct SnapshotArgs {
  bool json = false;
  bool nsproxies = false;
  bool no_bpf = false;
  std::string type;    // only this namespace type
  std::string output;  // also save the snapshot (JSON) here
  std::string input;   // show this saved snapshot instead of taking one
};

int cmd_snapshot(const SnapshotArgs& a) {
  std::optional<NsType> type;
  if (!a.type.empty()) {
    type = ns_type_from_name(a.type);
    if (!type) {
      fmt::print(stderr, "nssim: unknown namespace type '{}': use cgroup, ipc, mnt, net, pid, time, user or uts\n",
                 a.type);
      return 2;
    }
  }
  real::Snapshot s;
  if (!a.input.empty()) {
    std::string text, err;
    if (!read_file(a.input, text, err)) {
      fmt::print(stderr, "{}\n", err);
      return 2;
    }
    auto j = nlohmann::json::parse(text, nullptr, false);
    auto loaded = j.is_discarded() ? std::nullopt : real::snapshot_from_json(j, err);
    if (!loaded) {
      fmt::print(stderr, "nssim: {}: {}\n", a.input, j.is_discarded() ? "not JSON" : err);
      return 2;
    }
    s = std::move(*loaded);
  } else {
    real::SnapshotOptions opt;
    opt.use_bpf = !a.no_bpf;
    s = real::take_snapshot(opt);
  }

  if (!a.output.empty()) {
    std::ofstream f(a.output);
    // As snapshot_to_json(s).dump(2) with invalid UTF-8 replaced (comms, hostnames and paths may be any bytes).
    f << real::snapshot_json_text(s, 2) << '\n';
    if (!f) {
      fmt::print(stderr, "nssim: cannot write {}\n", a.output);
      return 2;
    }
  }
  if (a.json) {
    // Written directly, not through a JSON tree (real::snapshot_json_text(): the same text, faster).
    std::string text = real::snapshot_json_text(s, 3, type);
    text += '\n';
    fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  fmt::print("{}", real::snapshot_table(s, type));
  if (a.nsproxies) fmt::print("\n{}", real::snapshot_nsproxy_table(s));
  return 0;
}

}  // namespace

void add_snapshot_command(CLI::App& app, int& rc) {
  static SnapshotArgs a;
  auto* c = app.add_subcommand(
      "snapshot",
      "Every namespace on this machine, like lsns, plus what lsns cannot show: which tasks share an nsproxy, "
      "each namespace's kernel refcount (BPF, as root), and for namespaces no process is in, what keeps them "
      "alive (an fd, a bind mount in some mount namespace, a child or owned namespace, a pidfd, a socket...). "
      "Read-only.");
  c->add_flag("--json", a.json,
              "JSON shaped like 'lsns -J --output-all', plus refs, nsproxies, holders, why, "
              "and the tasks, nsproxies, mounts and fds (the whole model)");
  c->add_option("-t,--type", a.type, "Only namespaces of this type (cgroup ipc mnt net pid time user uts)");
  c->add_flag("--nsproxies", a.nsproxies, "Also list every nsproxy: its count, slots and the tasks using it (BPF)");
  c->add_flag("--no-bpf", a.no_bpf, "Do not use BPF (no nsproxies, refcounts, pidfds, sockets or f_cred)");
  c->add_option("-o,--output", a.output, "Also save the snapshot as JSON to this file");
  c->add_option("--input", a.input, "Show a saved snapshot (from -o) instead of taking one");
  c->footer(
      "Exit status: 0 shown; 2 usage error, unreadable input or unwritable output.\n"
      "Without root only the processes you may ptrace are seen, and there are no refcounts.");
  c->callback([&rc] { rc = cmd_snapshot(a); });
}

}  // namespace nssim::cli
