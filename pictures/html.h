// `nssim trace FILE --html OUT.html`: one self-contained page (no network, no
// external script) that steps through a scenario: the source with the current
// line highlighted, the graph of the step (SVG from pictures/graph.*), the
// kernel-function events, and with --real the kernel's inode numbers and every
// disagreement. Left/right arrow keys, buttons, a slider and the URL fragment
// (#step=N) select the step.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pictures/graph.h"
#include "sim/runner.h"

namespace nssim::cli {

// One step of the page: its record (text, result, events...; see html.cc)
// and its picture (an <svg> element).
struct HtmlStep {
  nlohmann::json record;
  std::string svg;
};

// Collects one page step per statement while a Runner runs:
//   HtmlRecorder rec(sc, runner, real, note);
//   rec.initial();                       // before runner.run(): step 0
//   runner.run([&](auto& r) { rec.step(r); });
//   rec.finish(summary, error_text);
//   write_output(path, rec.page(), err);
class HtmlRecorder {
 public:
  HtmlRecorder(const Scenario& sc, Runner& runner, bool real, std::string real_note);
  // What every picture draws (--focus, --hide); set before initial(). The
  // title, caption, kernel inodes and `let` names are filled in per step.
  void set_draw_options(DrawOptions d) { base_ = std::move(d); }
  void initial();
  void step(const StepRecord& r);
  // `error` is a run error's formatted diagnostic (empty if none).
  void finish(const RunSummary& s, const std::string& error);
  // False once Graphviz failed to render a step (why: render_error()).
  bool ok() const { return render_error_.empty(); }
  const std::string& render_error() const { return render_error_; }
  std::string page() const;

 private:
  std::string draw(const ModelSnapshot& cur, const ModelSnapshot* prev, const std::string& caption, bool with_kernel);
  void flush_initial();

  const Scenario& sc_;
  Runner& runner_;
  bool real_;
  std::string real_note_;
  std::string title_;
  ModelSnapshot prev_;
  bool initial_pending_ = false;
  std::vector<HtmlStep> steps_;
  nlohmann::json summary_;
  std::string render_error_;
  std::map<uint32_t, uint64_t> kernel_inum_;  // --real: model serial -> kernel inode number
  DrawOptions base_;
};

// The page for already collected data (exposed for tests): `data` has
// "title", "file", "source", "real", "steps" (see html.cc for the keys; a
// step's picture is its "svg").
std::string html_page(const nlohmann::json& data);
// The same with the steps apart from `data` (what HtmlRecorder writes).
std::string html_page(const nlohmann::json& data, const std::vector<HtmlStep>& steps);

}  // namespace nssim::cli
