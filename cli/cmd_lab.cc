// nssim lab check FILE... [--real] [--json] [--reveal] [--timeout MS]
// nssim lab list [--dir DIR]
// nssim lab variant --seed N LAB-DIR [-o OUT]
// The grader is grading/lab.*; this file is the command line around it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "grading/lab.h"
#include "grading/variant.h"
#include "cli/real_run.h"
#include "vm/vm.h"

namespace nssim::cli {

namespace {

struct LabCheckArgs {
  std::vector<std::string> files;
  bool real = false;
  bool json = false;
  bool reveal = false;
  bool paranoid = false;
  int timeout_ms = 5000;
  std::string vm;  // --vm VERSION: with --real, in Debian's kernel VERSION booted under qemu
};

// lab check --real --vm VERSION: the same check in the guest, one boot, one run for all files.
int lab_check_in_vm(const LabCheckArgs& a) {
  vm::Job job;
  job.version = a.vm;
  job.json = a.json;
  job.command = "nssim lab check";
  std::vector<std::string> argv = {"lab", "check", "--real", "--timeout=" + std::to_string(a.timeout_ms)};
  if (a.json) argv.push_back("--json");
  if (a.reveal) argv.push_back("--reveal");
  if (a.paranoid) argv.push_back("--paranoid");
  for (auto& f : a.files) {
    if (f == "-") {
      fmt::print(stderr, "nssim lab check: --vm: give lab files ('-', standard input, is not sent to the guest)\n");
      return 2;
    }
    argv.push_back(f);
    job.inputs.push_back(f);
  }
  job.runs.push_back({argv, ""});  // lab check's summaries name their files already
  return vm::run(job);
}

// Exit status of one file: 0 all pass, 1 a check failed or is unanswered (or,
// with --real, the kernel behaves differently), 2 unreadable/parse/run error,
// 3 --real unavailable.
int check_one(const std::string& given, const LabCheckArgs& a) {
  std::string file = given;
  // A lab directory means its student version.
  if (std::error_code ec; file != "-" && std::filesystem::is_directory(file, ec)) file = (std::filesystem::path(file) / "lab.nss").string();
  std::string src;
  ParseResult pr;
  if (!load_scenario(file, src, pr)) {
    if (!pr.ok()) fmt::print(stderr, "{}: not graded: the scenario does not parse\n", pr.scenario.file);
    return 2;
  }
  const Scenario& sc = pr.scenario;
  lab::Options opt;
  std::optional<RealPeer> real;
  std::string note;
  if (a.real) {
    real = start_real_peer(sc, a.timeout_ms, a.paranoid);
    if (!real) return 3;
    opt.peer = real->backend.get();
    opt.config = real->config;
    note = real->note + not_checked_lines(*real);
  }
  lab::Report rep = lab::grade(sc, opt);
  rep.real_note = note;
  if (a.json) {
    // replace: a hostname may be any bytes, not valid UTF-8 (dump() would throw).
    for (auto& j : lab::to_json(rep, a.reveal))
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    std::cout.flush();
    if (rep.run.error) fmt::print(stderr, "{}", format_diagnostic(sc.file, src, *rep.run.error));
  } else {
    fmt::print("nssim lab check {}  (model: kernel {}{})\n", sc.file, sc.kernel.value_or("6.18"),
               a.real ? ", every step also run on the live kernel" : "");
    if (!note.empty()) fmt::print("{}\n", note);
    lab::print_text(stdout, rep, a.reveal);
    std::fflush(stdout);
    // A run error stops grading: say where, before the summary of what was graded.
    if (rep.run.error) fmt::print(stderr, "{}", format_diagnostic(sc.file, src, *rep.run.error));
    fmt::print("{}\n", lab::summary_line(rep));
    std::fflush(stdout);
  }
  if (rep.run.error) return 2;
  return rep.ok() ? 0 : 1;
}

int cmd_lab_check(const LabCheckArgs& a) {
  int worst = 0;
  for (size_t i = 0; i < a.files.size(); ++i) {
    if (i && !a.json) fmt::print("\n");
    int rc = check_one(a.files[i], a);
    if (rc == 3) return 3;  // --real cannot run here: no point in trying the others
    worst = std::max(worst, rc);
  }
  return worst;
}

int cmd_lab_list(const std::string& dir_opt) {
  std::string dir = dir_opt.empty() ? lab::find_labs_dir() : dir_opt;
  if (dir.empty()) {
    fmt::print(stderr, "nssim: no labs found (looked at $NSSIM_LABS, ./labs and the source tree); use --dir DIR\n");
    return 2;
  }
  auto labs = lab::list_labs(dir);
  if (labs.empty()) {
    fmt::print(stderr, "nssim: no labs in '{}' (a lab is a directory with README.md, lab.nss, solution.nss)\n", dir);
    return 2;
  }
  size_t w = 2;
  for (auto& l : labs) w = std::max(w, l.id.size());
  fmt::print("Labs in {}:\n", dir);
  for (auto& l : labs) {
    std::string files = std::string(l.has_lab ? "lab.nss" : "") + (l.has_lab && l.has_solution ? ", " : "") +
                        (l.has_solution ? "solution.nss" : "");
    fmt::print("  {:<{}}  {}{}\n", l.id, w, l.title, files.empty() ? "" : "  [" + files + "]");
  }
  fmt::print("\nStudents: read LAB/README.md, fill the '?' blanks in LAB/lab.nss, then\n"
             "  nssim lab check {}/LAB/lab.nss          (add --real to run the steps on the live kernel)\n"
             "Teachers: docs/labs.md; LAB/solution.nss is the key.\n",
             dir);
  return 0;
}

// lab variant: a per-student variant of a lab (grading/variant.h).
int cmd_lab_variant(uint64_t seed, const std::string& lab, std::string out) {
  std::string dir = lab;
  // A bundled lab may be named by its id ("02-nsproxy").
  if (std::error_code ec; !std::filesystem::is_directory(dir, ec))
    if (std::string labs = lab::find_labs_dir(); !labs.empty() && std::filesystem::is_directory(labs + "/" + lab, ec))
      dir = labs + "/" + lab;
  if (out.empty())
    out = fmt::format("{}-seed-{}", std::filesystem::path(dir).lexically_normal().filename().string(), seed);
  auto v = lab::make_variant(dir, seed, out);
  if (!v) {
    fmt::print(stderr, "nssim lab variant: {}\n", v.error());
    return 2;
  }
  if (std::string err = lab::write_variant(*v, out); !err.empty()) {
    fmt::print(stderr, "nssim lab variant: {}\n", err);
    return 2;
  }
  fmt::print("{}/: lab.nss ({} blanks), solution.nss ({} checks, all pass on the model), README.md, variant.json\n",
             out, v->info["blanks"].get<int>(), v->info["checks"].get<size_t>());
  fmt::print("  names {}, types {}, flag orders {}, steps {}, answers recomputed {}\n", v->info["names"].size(),
             v->info["types"].size(), v->info["flag_orders"].size(), v->info["steps"].size(),
             v->info["recomputed"].size());
  fmt::print("Grade a student's copy: nssim lab check {}/lab.nss   (the key: nssim lab check --real {}/solution.nss)\n",
             out, out);
  return 0;
}

}  // namespace

void add_lab_command(CLI::App& app, int& rc) {
  auto* lab = app.add_subcommand(
      "lab", "Course labs: grade a student's scenario (check), list the bundled labs, or make a per-student variant.");
  lab->require_subcommand(1);

  auto args = std::make_shared<LabCheckArgs>();
  auto* check = lab->add_subcommand(
      "check",
      "Run a lab scenario and grade every 'expect' (and every asserted '= RESULT'): pass; fail, with the model's "
      "value and the step that decided it; or unanswered, for a '?' blank.");
  check->add_option("files", args->files, "Lab scenario(s) (.nss, or a lab directory for its lab.nss); '-' reads "
                                          "standard input")
      ->required();
  auto* check_real = check->add_flag("--real", args->real,
                  "Also run every step on the live kernel (root, in a sandbox) and mark each step where the "
                  "scenario behaves differently there");
  check->add_flag("--json", args->json,
                  "JSON Lines for autograders: one object per check (and per step the kernel disagrees on), then a "
                  "summary object per file");
  check->add_flag("--reveal", args->reveal, "Also show the model's value for unanswered blanks");
  check->add_flag("--paranoid", args->paranoid, "With --real: read every task's /proc/PID/ns links, status, maps, fds and hostname after every step (the full check), not only what the step can have changed");
  check->add_option("--timeout", args->timeout_ms, "With --real: milliseconds a step may take (default 5000)");
  check->add_option("--vm", args->vm,
                    "With --real: run on Debian's kernel VERSION (6.1, 6.12, ...) booted under qemu instead of this "
                    "machine's kernel (fetched with apt into ~/.cache/nssim)")
      ->type_name("VERSION")
      ->needs(check_real);
  check->footer(
      "Summary per file: 'FILE: N passed, N failed, N unanswered' (with --real also how many steps differ).\n"
      "Exit status: 0 every check passes (and, with --real, the kernel agrees on every step);\n"
      "1 a check failed or is unanswered, or the kernel disagreed; 2 usage, unreadable file, parse or run error;\n"
      "3 --real could not run (not root, or a namespace type is missing; with --vm: the kernel could not be\n"
      "fetched or booted).");
  check->callback([&rc, args] { rc = args->vm.empty() ? cmd_lab_check(*args) : lab_check_in_vm(*args); });

  auto dir = std::make_shared<std::string>();
  auto* list = lab->add_subcommand("list", "List the bundled labs with their titles.");
  list->add_option("--dir", *dir, "Labs directory (default: $NSSIM_LABS, ./labs, or the source tree's labs/)");
  list->footer("Exit status: 0 listed; 2 no labs found.");
  list->callback([&rc, dir] { rc = cmd_lab_list(*dir); });

  struct VariantArgs {
    uint64_t seed = 0;
    std::string lab, out;
  };
  auto va = std::make_shared<VariantArgs>();
  auto* variant = lab->add_subcommand(
      "variant",
      "Make a per-student variant of a lab (other names, flag orders, namespace types, steps) with its own "
      "key, recomputed by the model.");
  variant
      ->add_option("--seed", va->seed, "The variant's number (e.g. a student id); the same seed gives the same variant")
      ->required();
  variant->add_option("lab", va->lab, "A lab directory (README.md, lab.nss, solution.nss) or a bundled lab's id")
      ->required();
  variant->add_option("-o,--out", va->out, "Output directory (default: LAB-seed-N)");
  variant->footer(
      "Writes OUT/lab.nss, OUT/solution.nss, OUT/README.md, OUT/variant.json (docs/labs.md, \"Per-student "
      "variants\").\nExit status: 0 written; 2 not a lab, a file that does not parse or grade, or OUT not "
      "writable.");
  variant->callback([&rc, va] { rc = cmd_lab_variant(va->seed, va->lab, va->out); });
}

}  // namespace nssim::cli
