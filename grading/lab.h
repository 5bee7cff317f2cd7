// The lab grader behind `nssim lab check`: runs a scenario, grades every
// `expect` (pass, fail, or unanswered for a `?` blank) and every asserted
// result (`= RESULT`), finds for each the step that decided its value, and,
// with a peer backend (the live kernel), marks every step where the scenario
// behaves differently there. Output: text for students, JSON Lines for
// autograders. docs/labs.md describes both for teachers.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace nssim::lab {

// The call that last changed a value before a check, or the initial state
// (step 0) when no call did.
struct Decider {
  int step = 0;  // 0: the initial state
  int line = 0;
  std::string task, call;  // "init", "clone(0) -> a"
};

// One graded check.
struct Item {
  enum Kind : uint8_t { Expect, Result } kind = Expect;
  int step = 0, line = 0;
  std::string text;         // Expect: "a.nsproxy.count == ?"; Result: "unshare(CLONE_NEWPID) = EINVAL"
  std::string task;         // Result: the calling task
  Verdict verdict = Verdict::Pass;
  // The model's value: Expect: the value of the side that is not a literal
  // (the blank's answer, shown as `nssim trace` shows values: "2",
  // "net:[4026532000]", "\"lab\"", "none"; a pid number next to a bare
  // TASK.pid blank); Result: the model's result ("0", "EINVAL", the name).
  std::string value;
  // When `value` is a namespace or an nsproxy: names that resolve to it at
  // that moment ("b.net", "N"), so a student can write the answer.
  std::vector<std::string> same_as;
  std::string detail;       // the runner's detail ("a.net = net:[...], b.net = net:[...]")
  std::optional<Decider> decided_by;
  // Set by grade_submission() (grading/submission.h): the question it belongs
  // to (index into Graded::questions, -1: none) and, when the grader refused
  // the answer (a tautology, an edited given line), why.
  int question = -1;
  std::string refused;
  // Feedback that explains (--explain): for `N.refs`, who holds each
  // reference at the check ("nsproxy#3.net", "nsfs inode (fd 3 of a)") and
  // every step that changed the count since N was made ("line 12: a:
  // open(...) -> fd1: get refs 1→2 (nsfs inode)"); for a result that is an
  // errno, the kernel function and its reason ("propagate_mount_busy: ... busy
  // (a file is open through it): EBUSY").
  std::vector<std::string> holders, history;
  std::string why;
};

// A call the scenario did not assert that failed with an errno: often the
// student's own mistake, named before the checks it spoils.
struct FailedCall {
  int step = 0, line = 0;
  std::string task, call, result, why;
};

// A step where the live kernel did something else than the model.
struct KernelMark {
  int step = 0, line = 0;
  std::string task, call;
  std::vector<std::string> disagreements;
};

struct Report {
  std::string file;
  std::vector<Item> items;
  std::vector<KernelMark> kernel;
  std::vector<FailedCall> failed_calls;
  int passed = 0, failed = 0, unanswered = 0;
  bool real = false;       // checked on the live kernel
  std::string real_note;   // the live-kernel backend's description
  RunSummary run;
  bool ok() const { return !run.error && failed == 0 && unanswered == 0 && kernel.empty(); }
};

struct Options {
  Backend* peer = nullptr;                // the live kernel, or null
  std::optional<Kernel::Config> config;   // overrides the scenario's profile (root_pid_level for --real)
};

// Runs and grades a parsed scenario. Never throws; a run error (unknown task,
// comparing a number with a namespace...) stops the run and is in
// report.run.error, with every check graded before it.
Report grade(const Scenario& sc, const Options& opt);

// Text for students: one line per check (failures show the model's value and
// the deciding step; blanks show the model's value only when `reveal`), the
// kernel marks, then "FILE: N passed, N failed, N unanswered[; live kernel: N steps differ]".
void print_text(std::FILE* out, const Report& r, bool reveal);
std::string summary_line(const Report& r);

// JSON Lines for autograders: one object per check and per kernel mark, in
// step order, then {"summary": {...}}. Keys are documented in docs/labs.md.
std::vector<nlohmann::json> to_json(const Report& r, bool reveal);

// A bundled lab: labs/NN-name/ with README.md (its first heading is the
// title), lab.nss (the student's version) and solution.nss.
struct LabInfo {
  std::string id;     // "01-proc-ns-identity"
  std::string title;  // "/proc/PID/ns and inode identity"
  std::string dir;    // absolute or as found
  bool has_lab = false, has_solution = false;
};
// Where the bundled labs are: $NSSIM_LABS, else ./labs when it holds labs,
// else the source tree's labs/ the binary was built from. Empty if none.
std::string find_labs_dir();
std::vector<LabInfo> list_labs(const std::string& dir);

}  // namespace nssim::lab
