// Runner: replays a scenario on the model (and, optionally, on a peer backend
// such as the live kernel), evaluates let/expect statements, compares the two
// backends after every step, and hands one StepRecord per statement to a sink.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "sim/backend.h"
#include "sim/differ.h"
#include "sim/scenario.h"
#include "sim/sim_backend.h"
#include "sim/trace.h"

namespace nssim {

enum class Verdict : uint8_t { Pass, Fail, Unanswered };

struct StepRecord {
  enum Kind : uint8_t { Call, Let, Expect } kind = Call;
  int step = 0;   // 1-based among statements
  int line = 0;
  // Call
  const CallStmt* call = nullptr;
  CallOutcome outcome;                    // the model's
  std::optional<std::string> expected;    // '= RESULT' as written
  bool ok = true;                         // asserted result matched (or none asserted)
  std::vector<Event> events;              // kernel functions the model went through
  bool links_changed = false;             // some task's /proc/PID/ns changed in this step
  // Let / Expect
  std::string text;                       // "a.net == N"
  Verdict verdict = Verdict::Pass;
  std::string detail;                     // "a.net = net:[4026532000], N = net:[4026532000]"
  std::string answer;                     // the model's value of the left side (for '?' blanks)
  // Peer (live kernel)
  std::optional<CallOutcome> peer;
  std::optional<Observation> peer_obs;
  std::vector<std::string> disagreements;
  Observation obs;                        // the model's observation after the step
};

// Whether some task's /proc/PID/ns links or state differ between two
// observations of one backend (a task new in `after`, or one listed in
// `before` but not reaped there and missing in `after`, counts as a change;
// a task reaped in `before` and no longer listed does not). O(tasks listed).
bool links_changed(const Observation& before, const Observation& after);

// Names of the tasks in `after` that are new or whose observation differs
// from `before` (two observations of one backend, as links_changed() takes
// them). O(tasks listed).
std::vector<std::string> changed_tasks(const Observation& before, const Observation& after);

struct RunSummary {
  int steps = 0;
  int calls = 0;
  int expects_passed = 0, expects_failed = 0, expects_unanswered = 0;
  int results_failed = 0;      // '= RESULT' mismatches
  int disagreements = 0;       // model vs peer
  std::optional<Diagnostic> error;  // a run error (unknown task...) stopped the run
  bool ok() const { return !error && expects_failed == 0 && results_failed == 0 && disagreements == 0; }
};

class Runner {
 public:
  struct Options {
    bool trace = true;           // record kernel-function events
    // Record what /proc shows after each call (StepRecord::obs, links_changed).
    // Off for fast replays; a peer backend turns it on (the comparison needs it).
    bool observe = true;
    Backend* peer = nullptr;     // e.g. the live kernel
    std::optional<Kernel::Config> config;  // overrides the profile from the scenario
    // With a peer: more checks after each call, once the peer's state has
    // been compared (e.g. real/kernel_check.h reads the kernel's nsproxies and
    // refcounts with BPF). What it returns are disagreements of that step.
    std::function<std::vector<std::string>(const StepRecord&)> extra_check;
    // Start from this model instead of a freshly booted kernel (e.g. a restored
    // snapshot, sim/restore.h): called once with the scenario's Kernel::Config.
    // Not with a peer (the live kernel cannot be put into that state).
    std::function<std::unique_ptr<SimBackend>(const Kernel::Config&)> initial;
  };
  Runner(const Scenario& sc, Options opt);

  // Runs every statement; `sink` sees each record while the model is in the
  // state right after that step (so it can read the kernel, the ledger...).
  RunSummary run(const std::function<void(const StepRecord&)>& sink);

  // The model's value of a term right now, as traces show it
  // ("net:[4026532000]", "2", "\"lab\"", "none"); a Diagnostic if it cannot
  // be evaluated (unknown name...). Use from a sink to follow a value over steps.
  std::variant<std::string, Diagnostic> value_of(const Term& t);

  SimBackend& sim() { return *sim_; }
  const SimBackend& sim() const { return *sim_; }
  const Differ& differ() const { return differ_; }
  // let-bound namespaces: name -> model serial.
  const std::map<std::string, uint32_t>& lets() const { return lets_; }

  // Kernel::Config for a scenario (profile, init name).
  static Kernel::Config config_for(const Scenario& sc);
  // What the model must know of the live environment `b` runs in (root pid
  // level, user namespace, capabilities, the exec'd file, suid_dumpable).
  static void adopt_environment(const Backend& b, Kernel::Config& cfg);

 private:
  struct Value;
  std::optional<Diagnostic> eval(const Term& t, Value& out);
  std::optional<Diagnostic> run_expect(const ExpectStmt& e, StepRecord& r);  // a diagnostic ends the run
  // ioctl(NS_GET_ID / NS_GET_MNTNS_ID) with a peer: the model's ids are its
  // own, so the kernel's answer is compared by identity (one namespace, one
  // id, both ways) and, where the kernel counts ids up (Feature::FixedInitNsIds;
  // 6.12's mount sequence), by order and the fixed initial ids. Empty: they agree.
  std::optional<std::string> compare_ns_id(const CallStmt& c, const std::string& model, const std::string& kernel);

  const Scenario& sc_;
  Options opt_;
  std::unique_ptr<SimBackend> sim_;
  Differ differ_;
  std::map<std::string, uint32_t> lets_;
  std::map<std::string, uint64_t> peer_lets_;
  // compare_ns_id(): (id space, model id) -> kernel id, and back. Space 0:
  // ns_common ids; 1: 6.12's mount-namespace sequence (NS_GET_MNTNS_ID).
  std::map<std::pair<int, uint64_t>, uint64_t> ns_id_to_kernel_, ns_id_from_kernel_;
};

}  // namespace nssim
