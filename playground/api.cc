// The playground's C API (wasm32-wasi exports; playground/README.md): the same
// parser, runner, pictures' DOT text and lab grader as the CLI, called by the
// page's JavaScript (playground/app.js). Strings in and out are UTF-8 in the
// module's memory: the page writes its input into nssim_buf(), and every call
// returns a pointer to NUL-terminated text (JSON, DOT or the lab check's text)
// that stays valid until the next call.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "grading/lab.h"
#include "grading/submission.h"
#include "pictures/graph.h"
#include "sim/runner.h"
#include "sim/scenario.h"

using nlohmann::json;
using namespace nssim;
using namespace nssim::cli;

namespace {

std::string g_in;   // the input buffer (nssim_buf)
std::string g_out;  // the last result

// The loaded scenario: parsed once, replayed for each step asked for.
struct Session {
  std::string file, source;
  ParseResult pr;
};
std::unique_ptr<Session> g_session;

std::string base_name(const std::string& f) {
  auto p = f.rfind('/');
  return p == std::string::npos ? f : f.substr(p + 1);
}

json diagnostic_json(const std::string& file, const std::string& src, const Diagnostic& d) {
  return {{"line", d.loc.line},
          {"col", d.loc.col},
          {"message", d.message},
          {"hint", d.hint},
          {"text", format_diagnostic(file, src, d)}};
}

// The lab check's text, as `nssim lab check FILE` prints it (stdout and
// stderr interleaved as a terminal shows them; cli/cmd_lab.cc print_one()):
// graded per question by grading/submission.*, against `key` (the bundled
// solution.nss of a lab.nss; empty: the file is graded on its own). The page
// edits lab.nss in place, so as in the CLI no separate template is used.
std::string lab_check_text(const std::string& file, const std::string& src, const std::string& key_file,
                           const std::string& key_text) {
  lab::Source sub{file, src}, key{key_file, key_text};
  lab::SubmissionOptions so;
  if (!key_file.empty()) so.key = &key;
  lab::Graded g = lab::grade_submission(sub, so);
  lab::TextOptions t;
  std::string out = fmt::format("nssim lab check {}  (model{})\n", g.file, g.key_file.empty() ? "" : ": the key's steps");
  if (!g.error.empty()) out += g.error + "\n";
  for (auto& e : g.run_errors) out += e + "\n";
  char* buf = nullptr;
  size_t len = 0;
  if (std::FILE* f = open_memstream(&buf, &len)) {
    lab::print_graded(f, g, t);
    std::fclose(f);
    out.append(buf, len);
    std::free(buf);
  }
  return out + lab::graded_summary(g) + "\n";
}

const char* result(std::string s) {
  g_out = std::move(s);
  return g_out.c_str();
}

}  // namespace

#define NSSIM_EXPORT(name) extern "C" __attribute__((export_name(#name), used))

// A buffer of `size` bytes for the next call's input.
NSSIM_EXPORT(nssim_buf) char* nssim_buf(size_t size) {
  g_in.assign(size + 1, '\0');
  return g_in.data();
}
NSSIM_EXPORT(nssim_out_len) size_t nssim_out_len() { return g_out.size(); }

// Parses the buffer ("FILE\nSOURCE") and runs it on the model, without
// tracing kernel functions (nssim_step() has a step's):
// {"file", "diagnostics": [{line, col, message, hint, text}], "steps": [{step,
// line, kind, caption, text, result, ok}], "summary", "error"}.
// A scenario with parse errors is not run (as `nssim trace`).
NSSIM_EXPORT(nssim_load) const char* nssim_load() {
  std::string in(g_in.c_str());
  auto nl = in.find('\n');
  auto s = std::make_unique<Session>();
  s->file = in.substr(0, nl);
  s->source = nl == std::string::npos ? "" : in.substr(nl + 1);
  s->pr = parse_scenario(s->source, s->file);
  json out;
  out["file"] = s->file;
  json diags = json::array();
  for (auto& d : s->pr.errors) diags.push_back(diagnostic_json(s->file, s->source, d));
  out["diagnostics"] = diags;
  json steps = json::array();
  steps.push_back({{"step", 0}, {"line", 0}, {"kind", "initial"}, {"caption", step_caption(nullptr)},
                   {"text", "initial state"}, {"result", ""}, {"ok", true}});
  out["error"] = nullptr;
  if (s->pr.ok()) {
    const Scenario& sc = s->pr.scenario;
    Runner::Options opt;
    opt.trace = false;
    opt.observe = false;
    Runner runner(sc, opt);
    RunSummary sum = runner.run([&](const StepRecord& r) {
      json j;
      j["step"] = r.step;
      j["line"] = r.line;
      j["caption"] = step_caption(&r);
      switch (r.kind) {
        case StepRecord::Call:
          j["kind"] = "call";
          j["text"] = r.call->task + ": " + r.call->text;
          j["result"] = r.outcome.ok ? "= " + r.outcome.result : "= -1 " + r.outcome.result;
          j["ok"] = r.ok;
          break;
        case StepRecord::Let:
          j["kind"] = "let";
          j["text"] = r.text;
          j["result"] = r.detail;
          j["ok"] = true;
          break;
        case StepRecord::Expect:
          j["kind"] = "expect";
          j["text"] = "expect " + r.text;
          j["result"] = r.verdict == Verdict::Pass ? "PASS" : r.verdict == Verdict::Fail ? "FAIL" : "UNANSWERED";
          j["detail"] = r.detail;
          j["ok"] = r.verdict != Verdict::Fail;
          break;
      }
      steps.push_back(std::move(j));
    });
    out["summary"] = fmt::format(
        "{} steps, {} calls; expectations: {} passed, {} failed{}; asserted results: {} failed", sum.steps, sum.calls,
        sum.expects_passed, sum.expects_failed,
        sum.expects_unanswered ? fmt::format(", {} unanswered", sum.expects_unanswered) : "", sum.results_failed);
    out["ok"] = sum.ok();
    if (sum.error) out["error"] = diagnostic_json(s->file, s->source, *sum.error);
  }
  out["steps"] = std::move(steps);
  g_session = std::move(s);
  return result(out.dump(-1, ' ', false, json::error_handler_t::replace));
}

// Step N of the loaded scenario, replayed: {"dot": the picture as `nssim graph
// --step N --format dot` writes it, "events": the step's kernel functions
// [{fn, detail, depth}], "ledger": [{id, ns, refs, holders}], "links": [link
// names], "tasks": [{name, state, nspid, links: [inode or null]}]}.
NSSIM_EXPORT(nssim_step) const char* nssim_step(int target) {
  if (!g_session || !g_session->pr.ok()) return result("{}");
  const Scenario& sc = g_session->pr.scenario;
  Runner::Options opt;
  opt.trace = true;  // kept for step N only (a replay costs what a traced run to N does)
  json events = json::array();
  json ledger = json::array(), tasks = json::array();
  StepState st = replay_to_step(sc, target, opt, [&](const StepRecord* r, Runner& runner) {
    const Kernel& k = runner.sim().kernel();
    auto all = k.all_holders();
    for (auto& n : snapshot(k).namespaces) {
      json hs = json::array();
      for (auto& h : all[n.serial]) hs.push_back(h.what);
      ledger.push_back({{"id", fmt::format("ns{}", n.serial)},
                        {"ns", fmt::format("{}:[{}]", ns_type_name(n.type), n.inum)},
                        {"refs", n.refs},
                        {"holders", std::move(hs)}});
    }
    for (auto& t : runner.sim().observe().tasks) {
      json links = json::array();
      for (int i = 0; i < kLinks; ++i) links.push_back(t.ns[i] ? json(t.inum[i]) : json(nullptr));
      tasks.push_back({{"name", t.name}, {"state", task_state_name(t.state)}, {"nspid", t.nspid}, {"links", links}});
    }
    if (r)
      for (auto& e : r->events) events.push_back({{"fn", e.fn}, {"detail", e.detail}, {"depth", e.depth}});
  });
  if (!st.want) return result("{}");
  DrawOptions d;
  d.title = base_name(sc.file);
  d.subtitle = st.caption;
  d.ns_names = std::move(st.ns_names);
  Graph g = build_graph(*st.want, st.want_prev ? &*st.want_prev : nullptr, d);
  json links = json::array();
  for (Link l : kAllLinks) links.push_back(std::string(link_name(l)));
  json out = {{"dot", to_dot(g)}, {"events", events}, {"ledger", ledger}, {"links", links}, {"tasks", tasks}};
  return result(out.dump(-1, ' ', false, json::error_handler_t::replace));
}

// `nssim lab check FILE`'s text for the buffer: JSON {"file", "src", "key_file", "key"}.
NSSIM_EXPORT(nssim_lab_check) const char* nssim_lab_check() {
  json in = json::parse(g_in, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return result("nssim lab check: bad input\n");
  return result(lab_check_text(in.value("file", ""), in.value("src", ""), in.value("key_file", ""),
                               in.value("key", "")));
}
