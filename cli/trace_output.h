// Printers for `nssim trace`: human text and JSON Lines.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/runner.h"

namespace nssim::cli {

struct TextOptions {
  bool events = true;   // kernel-function events
  bool table = true;    // tasks x links table after steps that change links
  bool refs = false;    // the refcount ledger after each call
  bool reveal = false;  // the model's value of '?' blanks
  bool color = false;
};

class TextPrinter {
 public:
  TextPrinter(std::FILE* out, Runner& runner, TextOptions opt) : out_(out), r_(runner), opt_(opt) {}
  void header(const Scenario& sc, bool real, const std::string& real_note);
  void step(const StepRecord& rec);
  void summary(const RunSummary& s, bool real);
  void table(const Observation& o);

 private:
  std::FILE* out_;
  Runner& r_;
  TextOptions opt_;
  std::map<uint64_t, uint64_t> shown_;  // mapping entries already printed
  // The TASK column's width: the longest name any table has listed (every
  // name is listed in the table of the step that binds it), so columns stay
  // put after a long-named task is reaped.
  size_t name_w_ = 4;
};

// One JSON object per step (JSON Lines); keys documented in docs/scenario-language.md.
// `tasks` and `namespaces` are what the step's observation lists: what is live,
// plus the tasks reaped and namespaces freed in that step.
// The same object written straight to `out` (no newline), as
// step_json(...).dump(-1, ' ', false, replace) would print it, without
// building a document: what `nssim trace --json` prints.
void write_step_json(std::string& out, const StepRecord& rec, Runner& runner, bool real);
nlohmann::json step_json(const StepRecord& rec, Runner& runner, bool real);
nlohmann::json summary_json(const RunSummary& s);
// {"line", "column", "message"[, "hint"]}: a run error or a parse error.
nlohmann::json diagnostic_json(const Diagnostic& d);

}  // namespace nssim::cli
