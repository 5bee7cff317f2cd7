#include "grading/lab.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#ifndef __wasm__
#include <filesystem>  // the bundled labs (none in the wasm32-wasi build: the page has them)
#include <fstream>
#endif
#include <map>
#include <set>

namespace nssim::lab {

namespace {

// `a.pid` next to a number is a's pid number in its own pid namespace; the
// runner reads it as a.pid@a (Runner::run_expect, as_pid_number in
// sim/runner.cc). Mirrored here so that the grader follows the same value.
bool bare_pid(const Term& t) {
  return t.kind == Term::Path && t.at.empty() && t.attrs.size() == 1 && t.attrs[0] == "pid";
}
Term pid_number(const Term& t) {
  Term n = t;
  n.at = t.base;
  n.text = t.text + "@" + t.base;
  return n;
}
Term as_compared(const Term& t, const Term& other) {
  return bare_pid(t) && other.kind == Term::Int ? pid_number(t) : t;
}

std::string key_of(const Term& t) {
  std::string k = t.base;
  for (auto& a : t.attrs) k += "." + a;
  if (!t.at.empty()) k += "@" + t.at;
  return k;
}

constexpr const char* kUndefined = "<undefined>";

// The kernel's reason for an errno: the last event of the call that names it
// ("propagate_mount_busy: /run/netns/lab ... is busy (a file is open through it): EBUSY").
std::string errno_reason(const std::vector<Event>& events, const std::string& err) {
  for (size_t i = events.size(); i-- > 0;)
    if (events[i].detail.find(err) != std::string::npos) return events[i].fn + ": " + events[i].detail;
  return "";
}

// The side of an expectation that is a reference count (`N.refs`), if any.
const Term* refs_term(const ExpectStmt& e) {
  for (const Term* t : {&e.expr.lhs, &e.expr.rhs})
    if (t->kind == Term::Path && !t->attrs.empty() && t->attrs.back() == "refs") return t;
  return nullptr;
}

// Values of one term after every call step (step 0: before the first statement).
struct Series {
  Term term;
  bool let_based = false;
  std::vector<std::pair<int, std::string>> values;
};

// The last call step whose value differs from the one before it; nullopt if
// the value never changed over the recorded steps.
std::optional<int> last_change(const std::vector<std::pair<int, std::string>>& v) {
  for (size_t i = v.size(); i-- > 1;)
    if (v[i].second != v[i - 1].second) return v[i].first;
  return std::nullopt;
}

// The terms whose history decides an expectation, and the term whose value is
// the expectation's answer.
struct Plan {
  std::vector<Term> follow;
  std::optional<Term> answer_term;  // a blank opposite a bare TASK.pid: its number
  std::vector<std::string> own;     // texts of the expectation's own sides (left out of same_as)
};

Plan plan_for(const ExpectStmt& e) {
  Plan p;
  const Term& l = e.expr.lhs;
  const Term& r = e.expr.rhs;
  if (e.expr.unary()) {
    if (l.kind == Term::Path) p.follow.push_back(l);
    p.own.push_back(l.text);
    return p;
  }
  for (const Term* t : {&l, &r}) {
    const Term& other = t == &l ? r : l;
    if (t->kind != Term::Path) continue;
    p.own.push_back(t->text);
    if (other.kind == Term::Blank && bare_pid(*t)) {
      p.answer_term = pid_number(*t);
      p.follow.push_back(*p.answer_term);
    } else {
      p.follow.push_back(as_compared(*t, other));
    }
  }
  return p;
}

bool names_an_object(const std::string& v) {
  return v.find(":[") != std::string::npos || v.starts_with("nsproxy#");
}

const char* verdict_word(Verdict v) {
  return v == Verdict::Pass ? "pass" : v == Verdict::Fail ? "fail" : "unanswered";
}

}  // namespace

Report grade(const Scenario& sc, const Options& opt) {
  Report rep;
  rep.file = sc.file;
  rep.real = opt.peer != nullptr;

  Runner::Options ro;
  ro.trace = true;  // the events explain errnos and reference counts (labs are short)
  ro.peer = opt.peer;
  ro.config = opt.config;
  Runner runner(sc, ro);

  std::set<std::string> let_names;
  for (auto& st : sc.statements)
    if (auto* l = std::get_if<LetStmt>(&st.s)) let_names.insert(l->name);

  // Every term any expectation depends on, followed from the start.
  std::map<std::string, Series> series;
  std::vector<Plan> plans(sc.statements.size());
  for (size_t i = 0; i < sc.statements.size(); ++i) {
    auto* e = std::get_if<ExpectStmt>(&sc.statements[i].s);
    if (!e) continue;
    plans[i] = plan_for(*e);
    for (auto& t : plans[i].follow) {
      auto [it, fresh] = series.try_emplace(key_of(t));
      if (fresh) it->second.term = t, it->second.let_based = let_names.count(t.base) > 0;
    }
  }
  // Per namespace record: alive and refs after every call step, so a
  // let-bound namespace's history is known from before its `let`.
  std::vector<std::pair<int, std::vector<std::pair<bool, uint32_t>>>> snaps;
  const Kernel& k = runner.sim().kernel();

  auto record_values = [&](int step) {
    for (auto& [key, s] : series) {
      if (s.let_based && !runner.lets().count(s.term.base)) continue;
      auto v = runner.value_of(s.term);
      s.values.emplace_back(step, std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : kUndefined);
    }
    std::vector<std::pair<bool, uint32_t>> snap;
    for (auto& r : k.ns_records()) snap.emplace_back(r.ns != nullptr, r.ns ? r.ns->refs() : 0);
    snaps.emplace_back(step, std::move(snap));
  };
  record_values(0);

  // The decider of one followed term at this moment.
  auto decider_step = [&](const Term& t) -> std::optional<int> {
    const Series& s = series.at(key_of(t));
    if (!s.let_based) return last_change(s.values).value_or(0);
    auto lit = runner.lets().find(t.base);
    if (lit == runner.lets().end()) return std::nullopt;
    uint32_t serial = lit->second;
    // A let-bound namespace: its identity and refs are known from its creation on.
    std::vector<std::pair<int, std::string>> hist;
    for (auto& [step, snap] : snaps) {
      std::string v = "absent";
      if (serial < snap.size()) {
        v = snap[serial].first ? "alive" : "dead";
        if (t.attrs.size() == 1 && t.attrs[0] == "refs") v += fmt::format(" {}", snap[serial].second);
      }
      hist.emplace_back(step, v);
    }
    std::optional<int> created = last_change(hist);  // at least its creation
    if (t.attrs.empty() || (t.attrs.size() == 1 && t.attrs[0] == "refs")) return created.value_or(0);
    // Other attributes (owner, level...): followed from the let on.
    return std::max(last_change(s.values).value_or(0), created.value_or(0));
  };

  // Call steps by step number, for the decider's line and text.
  std::map<int, std::pair<int, const CallStmt*>> calls;
  std::map<int, std::vector<Event>> events;  // call step -> what the kernel did

  rep.run = runner.run([&](const StepRecord& r) {
    if (r.kind == StepRecord::Call) {
      calls[r.step] = {r.line, r.call};
      events[r.step] = r.events;
      record_values(r.step);
      if (!r.outcome.ok && r.outcome.usage_error.empty() && !r.expected && r.outcome.result.starts_with("E"))
        rep.failed_calls.push_back(FailedCall{r.step, r.line, r.call->task, r.call->text, r.outcome.result,
                                              errno_reason(r.events, r.outcome.result)});
      if (r.expected) {
        Item it;
        it.kind = Item::Result;
        it.step = r.step, it.line = r.line;
        it.task = r.call->task;
        it.text = r.call->text + " = " + *r.expected;
        bool blank = *r.expected == "?";
        it.verdict = blank ? Verdict::Unanswered : r.ok ? Verdict::Pass : Verdict::Fail;
        it.value = r.outcome.result;
        it.detail = r.ok || blank ? "" : fmt::format("asserted {}, the model returns {}", *r.expected, r.outcome.result);
        it.decided_by = Decider{r.step, r.line, r.call->task, r.call->text};
        if (!r.outcome.ok && r.outcome.result.starts_with("E")) it.why = errno_reason(r.events, r.outcome.result);
        rep.items.push_back(std::move(it));
      }
      if (!r.disagreements.empty())
        rep.kernel.push_back(KernelMark{r.step, r.line, r.call->task, r.call->text, r.disagreements});
      return;
    }
    if (r.kind != StepRecord::Expect) return;
    const Plan& p = plans[r.step - 1];
    Item it;
    it.kind = Item::Expect;
    it.step = r.step, it.line = r.line;
    it.text = r.text;
    it.verdict = r.verdict;
    it.detail = r.detail;
    it.value = r.answer;
    // The runner answers with the left side; a literal there (`expect 2 == a.nsproxy.count`)
    // is not the model's value: the right side is.
    if (const Expr& ex = std::get<ExpectStmt>(sc.statements[r.step - 1].s).expr;
        (ex.kind == Expr::Eq || ex.kind == Expr::Ne) && ex.lhs.kind != Term::Path && ex.lhs.kind != Term::Blank &&
        ex.rhs.kind == Term::Path) {
      auto v = runner.value_of(as_compared(ex.rhs, ex.lhs));
      if (auto* s = std::get_if<std::string>(&v)) it.value = *s;
    }
    if (p.answer_term) {
      auto v = runner.value_of(*p.answer_term);
      if (auto* s = std::get_if<std::string>(&v)) it.value = *s;
    }
    // Which call decided it: the latest change among the sides' histories.
    std::optional<int> dec;
    for (auto& t : p.follow)
      if (auto d = decider_step(t)) dec = std::max(dec.value_or(0), *d);
    if (dec) {
      Decider d;
      d.step = *dec;
      if (auto c = calls.find(*dec); c != calls.end())
        d.line = c->second.first, d.task = c->second.second->task, d.call = c->second.second->text;
      it.decided_by = d;
    }
    // A reference count: who holds each reference now, and every step that changed it.
    if (const Term* rt = refs_term(std::get<ExpectStmt>(sc.statements[r.step - 1].s))) {
      Term ns_t = *rt;
      ns_t.attrs.pop_back();
      auto v = runner.value_of(ns_t);
      if (auto* ns = std::get_if<std::string>(&v); ns && ns->find(":[") != std::string::npos) {
        auto all = k.all_holders();
        for (auto& rec : k.ns_records())
          if (rec.ns && fmt::format("{}:[{}]", ns_type_name(rec.type), rec.inum) == *ns)
            for (auto& h : all[rec.ns->serial]) it.holders.push_back(h.what);
        // Changes since the namespace was made (an inode number can be reused after a free).
        std::string made = *ns + " new", changed = *ns + " refs ";
        for (auto& [step, evs] : events) {
          if (step > r.step) break;
          auto c = calls.find(step);
          for (auto& e : evs) {
            if (e.detail.starts_with(made)) it.history.clear();
            bool change = e.detail.starts_with(made) || e.detail.starts_with(changed);
            if (!change || c == calls.end()) continue;
            it.history.push_back(fmt::format("line {}: {}: {}: {} {}", c->second.first, c->second.second->task,
                                             c->second.second->text, e.fn, e.detail));
          }
        }
      }
    }
    // Names a student could write for a namespace or nsproxy value.
    const std::string& probe = it.value;
    if (!p.answer_term && names_an_object(probe)) {
      auto consider = [&](const std::string& text, const Term& t) {
        if (it.same_as.size() >= 8) return;
        if (std::find(p.own.begin(), p.own.end(), text) != p.own.end()) return;
        auto v = runner.value_of(t);
        if (auto* s = std::get_if<std::string>(&v); s && *s == probe) it.same_as.push_back(text);
      };
      for (auto& [name, serial] : runner.lets()) {
        Term t;
        t.base = name, t.text = name;
        consider(name, t);
      }
      bool proxy = probe.starts_with("nsproxy#");
      for (auto& task : r.obs.tasks) {
        if (proxy) {
          Term t;
          t.base = task.name, t.attrs = {"nsproxy"}, t.text = task.name + ".nsproxy";
          consider(t.text, t);
          continue;
        }
        for (Link l : kAllLinks) {
          Term t;
          t.base = task.name, t.attrs = {std::string(link_name(l))};
          t.text = task.name + "." + t.attrs[0];
          consider(t.text, t);
        }
      }
    }
    rep.items.push_back(std::move(it));
  });

  for (auto& it : rep.items) {
    if (it.verdict == Verdict::Pass) ++rep.passed;
    else if (it.verdict == Verdict::Fail) ++rep.failed;
    else ++rep.unanswered;
  }
  return rep;
}

namespace {

std::string decider_text(const Decider& d) {
  if (d.step == 0) return "the initial state (no call changed it)";
  return fmt::format("line {}: {}: {}", d.line, d.task, d.call);
}

std::string value_text(const Item& it) {
  std::string v = it.value;
  if (!it.same_as.empty()) {
    v += " (the same as ";
    for (size_t i = 0; i < it.same_as.size(); ++i) v += (i ? ", " : "") + it.same_as[i];
    v += ")";
  }
  return v;
}

}  // namespace

std::string summary_line(const Report& r) {
  std::string s = fmt::format("{}: {} passed, {} failed, {} unanswered", r.file, r.passed, r.failed, r.unanswered);
  if (r.real)
    s += fmt::format("; live kernel: {} step{} differ{}", r.kernel.size(), r.kernel.size() == 1 ? "" : "s",
                     r.kernel.size() == 1 ? "s" : "");
  if (r.run.error) s += "; stopped by an error";
  return s;
}

void print_text(std::FILE* out, const Report& r, bool reveal) {
  // Checks and kernel marks, in step order.
  size_t ki = 0;
  auto flush_kernel = [&](int upto) {
    for (; ki < r.kernel.size() && r.kernel[ki].step <= upto; ++ki) {
      const KernelMark& m = r.kernel[ki];
      fmt::print(out, "  {:<11} line {:<4} {}: {}  (the live kernel behaves differently here)\n", "KERNEL", m.line,
                 m.task, m.call);
      for (auto& d : m.disagreements) fmt::print(out, "  {:<11}   {}\n", "", d);
    }
  };
  for (const Item& it : r.items) {
    flush_kernel(it.step);
    std::string what = it.kind == Item::Expect ? "expect " + it.text : it.task + ": " + it.text;
    const char* word = it.verdict == Verdict::Pass ? "pass" : it.verdict == Verdict::Fail ? "FAIL" : "unanswered";
    fmt::print(out, "  {:<11} line {:<4} {}\n", word, it.line, what);
    bool show = it.verdict == Verdict::Fail || (it.verdict == Verdict::Unanswered && reveal);
    if (!show) continue;
    if (it.kind == Item::Result) {
      fmt::print(out, "  {:<11}   the model returns {}\n", "", it.value);
      continue;
    }
    if (it.verdict == Verdict::Fail && !it.detail.empty()) {
      // Both sides as the model sees them, then other names for the value.
      fmt::print(out, "  {:<11}   the model: {}\n", "", it.detail);
      if (!it.same_as.empty()) {
        std::string names;
        for (size_t i = 0; i < it.same_as.size(); ++i) names += (i ? ", " : "") + it.same_as[i];
        fmt::print(out, "  {:<11}   ({} is also {})\n", "", it.value, names);
      }
    } else {
      fmt::print(out, "  {:<11}   the model: {}\n", "", value_text(it));
    }
    if (it.decided_by) fmt::print(out, "  {:<11}   decided by {}\n", "", decider_text(*it.decided_by));
  }
  flush_kernel(1 << 30);
  if (r.items.empty() && !r.run.error) fmt::print(out, "  (no expect statement and no asserted result to grade)\n");
}

std::vector<nlohmann::json> to_json(const Report& r, bool reveal) {
  using nlohmann::json;
  std::vector<json> out;
  size_t ki = 0;
  auto flush_kernel = [&](int upto) {
    for (; ki < r.kernel.size() && r.kernel[ki].step <= upto; ++ki) {
      const KernelMark& m = r.kernel[ki];
      out.push_back({{"file", r.file},
                     {"kind", "kernel"},
                     {"step", m.step},
                     {"line", m.line},
                     {"task", m.task},
                     {"call", m.call},
                     {"disagreements", m.disagreements}});
    }
  };
  for (const Item& it : r.items) {
    flush_kernel(it.step);
    bool show = it.verdict != Verdict::Unanswered || reveal;
    json j;
    j["file"] = r.file;
    j["kind"] = it.kind == Item::Expect ? "expect" : "result";
    j["step"] = it.step;
    j["line"] = it.line;
    j["text"] = it.text;
    if (it.kind == Item::Result) j["task"] = it.task;
    j["verdict"] = verdict_word(it.verdict);
    j["value"] = show ? json(it.value) : json(nullptr);
    j["same_as"] = show ? json(it.same_as) : json::array();
    j["detail"] = show ? json(it.detail) : json("unanswered");
    if (show && it.decided_by) {
      const Decider& d = *it.decided_by;
      j["decided_by"] = {{"step", d.step},
                         {"line", d.line},
                         {"task", d.step ? json(d.task) : json(nullptr)},
                         {"call", d.step ? json(d.call) : json(nullptr)}};
    } else {
      j["decided_by"] = nullptr;
    }
    out.push_back(std::move(j));
  }
  flush_kernel(1 << 30);
  json s = {{"file", r.file},
            {"passed", r.passed},
            {"failed", r.failed},
            {"unanswered", r.unanswered},
            {"real", r.real},
            {"kernel_differs", r.real ? json(r.kernel.size()) : json(nullptr)},
            {"ok", r.ok()}};
  s["error"] = r.run.error ? json(fmt::format("{}:{}:{}: {}", r.file, r.run.error->loc.line, r.run.error->loc.col,
                                              r.run.error->message))
                           : json(nullptr);
  out.push_back({{"summary", s}});
  return out;
}

// ---- bundled labs ----

#ifndef __wasm__

namespace {
bool holds_labs(const std::filesystem::path& d) {
  std::error_code ec;
  if (!std::filesystem::is_directory(d, ec)) return false;
  for (auto& e : std::filesystem::directory_iterator(d, ec))
    if (e.is_directory() && std::filesystem::exists(e.path() / "README.md")) return true;
  return false;
}
}  // namespace

std::string find_labs_dir() {
  if (const char* env = std::getenv("NSSIM_LABS"); env && *env) return holds_labs(env) ? env : "";
  if (holds_labs("labs")) return "labs";
#ifdef NSSIM_LABS_DIR
  if (holds_labs(NSSIM_LABS_DIR)) return NSSIM_LABS_DIR;
#endif
  return "";
}

std::vector<LabInfo> list_labs(const std::string& dir) {
  std::vector<LabInfo> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_directory()) continue;
    std::filesystem::path readme = e.path() / "README.md";
    if (!std::filesystem::exists(readme)) continue;
    LabInfo li;
    li.id = e.path().filename().string();
    li.dir = e.path().string();
    li.has_lab = std::filesystem::exists(e.path() / "lab.nss");
    li.has_solution = std::filesystem::exists(e.path() / "solution.nss");
    std::ifstream f(readme);
    std::string line;
    while (std::getline(f, line)) {
      if (!line.starts_with("# ")) continue;
      li.title = line.substr(2);
      // "Lab 3 — Lifetime" -> "Lifetime"
      if (auto p = li.title.find(" — "); li.title.starts_with("Lab ") && p != std::string::npos)
        li.title = li.title.substr(p + std::string(" — ").size());
      break;
    }
    out.push_back(std::move(li));
  }
  std::sort(out.begin(), out.end(), [](const LabInfo& a, const LabInfo& b) { return a.id < b.id; });
  return out;
}

#endif  // __wasm__

}  // namespace nssim::lab
