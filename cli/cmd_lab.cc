// nssim lab check|grade FILE... [--key KEY] [--real] [--format text|json|gradescope|junit] [--reveal|--no-reveal]
// nssim lab list [--dir DIR]
// nssim lab variant --seed N LAB-DIR [-o OUT]
// The grader is grading/lab.*; this file is the command line around it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <optional>

#include "cli/commands.h"
#include "grading/lab.h"
#include "grading/variant.h"
#include "grading/submission.h"
#include "cli/real_run.h"
#include "vm/vm.h"

namespace nssim::cli {

namespace {

struct LabCheckArgs {
  std::vector<std::string> files;
  bool real = false;
  bool json = false;
  bool reveal = false;
  bool no_reveal = false;   // exams: no model values
  bool no_explain = false;
  bool explain_flag = true;
  bool paranoid = false;
  std::string format = "text";  // text, json, gradescope, junit
  std::string key, templ;       // --key, --template
  std::string command = "check";
  int timeout_ms = 5000;
  std::string vm;  // --vm VERSION: with --real, in Debian's kernel VERSION booted under qemu
};

// lab check --real --vm VERSION: the same check in the guest, one boot, one run for all files.
int lab_check_in_vm(const LabCheckArgs& a) {
  vm::Job job;
  job.version = a.vm;
  job.json = a.format == "json";
  job.command = "nssim lab " + a.command;
  std::vector<std::string> argv = {"lab", a.command, "--real", "--timeout=" + std::to_string(a.timeout_ms),
                                   "--format=" + a.format};
  if (!a.key.empty()) argv.push_back("--key=" + a.key), job.inputs.push_back(a.key);
  if (!a.templ.empty()) argv.push_back("--template=" + a.templ), job.inputs.push_back(a.templ);
  if (a.no_reveal) argv.push_back("--no-reveal");
  if (a.no_explain) argv.push_back("--no-explain");
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

// Reads a file for grading; false (with a message) if it cannot be read.
bool read_source(const std::string& file, lab::Source& out) {
  std::string err;
  if (!read_file(file, out.text, err)) {
    fmt::print(stderr, "{}\n", err);
    return false;
  }
  out.file = file == "-" ? "<stdin>" : file;  // parse errors are graded (and printed) by the caller
  return true;
}

bool read_text(const std::string& file, lab::Source& out) {
  std::string err;
  if (!read_file(file, out.text, err)) {
    fmt::print(stderr, "{}\n", err);
    return false;
  }
  out.file = file;
  return true;
}

// The key of a bundled lab's student file: solution.nss next to lab.nss.
std::optional<std::string> bundled_key(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (file == "-" || fs::path(file).filename() != "lab.nss") return std::nullopt;
  fs::path key = fs::path(file).parent_path() / "solution.nss";
  if (!fs::exists(key, ec)) return std::nullopt;
  return key.string();
}

// Grades one file: 0 every question passes, 1 a question fails or is
// unanswered (or, with --real, the kernel disagreed), 2 unreadable, parse,
// key or run error, 3 --real unavailable. The result is in `out`.
int grade_one(const std::string& given, const LabCheckArgs& a, lab::Graded& out) {
  std::string file = given;
  // A lab directory means its student version.
  if (std::error_code ec; file != "-" && std::filesystem::is_directory(file, ec)) file = (std::filesystem::path(file) / "lab.nss").string();
  lab::Source sub, key, templ;
  if (!read_source(file, sub)) {
    out = lab::not_graded(file, "", "not graded: cannot read " + file);
    return 2;
  }
  lab::SubmissionOptions so;
  std::string key_file = a.key.empty() ? bundled_key(file).value_or("") : a.key;
  if (!key_file.empty()) {
    if (!read_text(key_file, key)) {
      out = lab::not_graded(file, "", "not graded: cannot read the key " + key_file);
      return 2;
    }
    so.key = &key;
    std::string t = a.templ;
    if (t.empty()) {
      // The lab.nss next to the key is the template, unless it is the file graded (edited in place).
      std::error_code ec;
      auto cand = std::filesystem::path(key_file).parent_path() / "lab.nss";
      if (std::filesystem::exists(cand, ec) && !std::filesystem::equivalent(cand, file, ec)) t = cand.string();
    }
    if (!t.empty()) {
      if (!read_text(t, templ)) return 2;
      so.templ = &templ;
    }
  }
  std::optional<RealPeer> real;
  if (a.real) {
    ParseResult pr = parse_scenario(key_file.empty() ? sub.text : key.text, sub.file);
    if (pr.ok()) {
      real = start_real_peer(pr.scenario, a.timeout_ms, a.paranoid);
      if (!real) {
        out = lab::not_graded(sub.file, key_file.empty() ? sub.text : key.text,
                              "not graded: --real cannot run here (see the message above)");
        out.exit_hint = 3;
        return 3;
      }
      so.run.peer = real->backend.get();
      so.run.config = real->config;
    }
  }
  out = lab::grade_submission(sub, so);
  if (real) out.report.real_note = real->note + not_checked_lines(*real);
  if (out.exit_hint) return out.exit_hint;
  if (!out.run_errors.empty()) return 2;
  return out.ok() ? 0 : 1;
}

void print_one(const lab::Graded& g, const LabCheckArgs& a, const lab::TextOptions& t) {
  if (a.format == "json") {
    // replace: a hostname may be any bytes, not valid UTF-8 (dump() would throw).
    for (auto& j : lab::graded_json(g, t))
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    std::cout.flush();
    if (!g.error.empty()) fmt::print(stderr, "{}\n", g.error);
    for (auto& e : g.run_errors) fmt::print(stderr, "{}\n", e);
    return;
  }
  fmt::print("nssim lab {} {}  (model{}{})\n", a.command, g.file,
             g.key_file.empty() ? "" : ": the key's steps", a.real ? ", every step also run on the live kernel" : "");
  if (!g.report.real_note.empty()) fmt::print("{}\n", g.report.real_note);
  if (!g.error.empty()) fmt::print(stderr, "{}\n", g.error);
  std::fflush(stdout);
  for (auto& e : g.run_errors) fmt::print(stderr, "{}\n", e);
  lab::print_graded(stdout, g, t);
  fmt::print("{}\n", lab::graded_summary(g));
  std::fflush(stdout);
}

int cmd_lab_check(const LabCheckArgs& a) {
  lab::TextOptions t;
  t.reveal = a.reveal, t.no_reveal = a.no_reveal, t.explain = !a.no_explain;
  int worst = 0;
  std::vector<lab::Graded> all;
  for (size_t i = 0; i < a.files.size(); ++i) {
    lab::Graded g;
    int rc = grade_one(a.files[i], a, g);
    if (a.format == "text" && i) fmt::print("\n");
    if (a.format == "text" || a.format == "json") print_one(g, a, t);
    all.push_back(std::move(g));
    worst = std::max(worst, rc);
    if (rc == 3) break;  // --real cannot run here: no point in trying the others
  }
  std::cout.flush();  // the report first, then what went wrong (a reader of 2>&1 gets the whole document)
  if (a.format == "gradescope") {
    std::cout << lab::gradescope_json(all, t).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    std::cout.flush();
    for (auto& g : all)
      if (!g.error.empty()) fmt::print(stderr, "{}\n", g.error);
  } else if (a.format == "junit") {
    std::cout << lab::junit_xml(all, t);
    std::cout.flush();
    for (auto& g : all)
      if (!g.error.empty()) fmt::print(stderr, "{}\n", g.error);
  }
  std::cout.flush();
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

  // check and grade take the same options; grade needs --key.
  auto add_grading = [&rc](CLI::App* sub, const std::string& command, bool key_required) {
    auto args = std::make_shared<LabCheckArgs>();
    args->command = command;
    sub->add_option("files", args->files, "Lab scenario(s) (.nss, or a lab directory for its lab.nss); '-' reads "
                                          "standard input")
        ->required();
    auto* key = sub->add_option("--key", args->key,
                                "The teacher's solution: grade the file's blanks and task blocks against it "
                                "(default for a bundled labs/NN/lab.nss: its solution.nss)");
    if (key_required) key->required();
    sub->add_option("--template", args->templ,
                    "With --key: the student's version (the key with '?' blanks); default: lab.nss next to the key");
    auto* real = sub->add_flag("--real", args->real,
                               "Also run every step on the live kernel (root, in a sandbox) and mark each step where "
                               "the scenario behaves differently there");
    sub->add_option("--format", args->format,
                    "text (default), json (JSON Lines: checks, questions, then a summary), gradescope (results.json), "
                    "junit (JUnit XML)")
        ->check(CLI::IsMember({"text", "json", "gradescope", "junit"}));
    sub->add_flag("--json", args->json, "The same as --format json");
    sub->add_flag("--reveal", args->reveal, "Also show the model's value for unanswered blanks");
    sub->add_flag("--no-reveal", args->no_reveal,
                  "Exams: never show the model's values (failures name the check and where to look only)");
    sub->add_flag("--explain,!--no-explain", args->explain_flag,
                  "Feedback under each failing check: the model's value and the step that decided it (default on)");
    sub->add_flag("--paranoid", args->paranoid,
                  "With --real: read every task's /proc/PID/ns links, status, maps, fds and hostname after every step "
                  "(the full check), not only what the step can have changed");
    sub->add_option("--timeout", args->timeout_ms, "With --real: milliseconds a step may take (default 5000)");
    sub->add_option("--vm", args->vm,
                    "With --real: run on Debian's kernel VERSION (6.1, 6.12, ...) booted under qemu instead of this "
                    "machine's kernel (fetched with apt into ~/.cache/nssim)")
        ->type_name("VERSION")
        ->needs(real);
    sub->footer(
        "Questions: '# @q ID (N points)' lines; every check after one belongs to it. A question scores its points\n"
        "when every check passes; refused answers (tautologies, edited given lines) score 0.\n"
        "Summary per file: 'FILE: score S/M; questions: ...; checks: N passed, N failed, N unanswered'.\n"
        "Exit status: 0 every question passes (and, with --real, the kernel agrees on every step);\n"
        "1 a question failed or is unanswered, or the kernel disagreed; 2 usage, unreadable file, parse, key or run\n"
        "error; 3 --real could not run (not root, or a namespace type is missing; with --vm: the kernel could not\n"
        "be fetched or booted). Every format still prints its summary on 2 and 3.");
    sub->callback([&rc, args] {
      if (args->json) args->format = "json";
      args->no_explain = !args->explain_flag;
      rc = args->vm.empty() ? cmd_lab_check(*args) : lab_check_in_vm(*args);
    });
  };
  add_grading(lab->add_subcommand("check",
                                  "Run a lab scenario and grade it per question: every 'expect' and asserted '= "
                                  "RESULT' passes, fails (with the model's value and the step that decided it), or is "
                                  "unanswered ('?' blank). A bundled lab.nss is graded against its solution.nss."),
              "check", false);
  add_grading(lab->add_subcommand("grade",
                                  "Grade a student's submission against the teacher's key: only the blanks and the "
                                  "task blocks may differ from the template; answers are checked against the key's run."),
              "grade", true);

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
