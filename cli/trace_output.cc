#include "cli/trace_output.h"

#include <fmt/format.h>

namespace nssim::cli {

namespace {
const char* verdict_name(Verdict v) { return v == Verdict::Pass ? "PASS" : v == Verdict::Fail ? "FAIL" : "UNANSWERED"; }

std::string nsproxy_cell(const Kernel& k, const Task* t) {
  if (!t || !t->nsproxy) return "-";
  return fmt::format("#{}({})", t->nsproxy->id(), t->nsproxy->count());
}
}  // namespace

void TextPrinter::header(const Scenario& sc, bool real, const std::string& real_note) {
  fmt::print(out_, "nssim trace {}  (model: kernel {}{})\n", sc.file,
             profile_name(r_.sim().kernel().config().profile), real ? ", checked on the live kernel" : "");
  if (!real_note.empty()) fmt::print(out_, "{}\n", real_note);
  if (opt_.table) table(r_.sim().observe());
}

void TextPrinter::table(const Observation& o) {
  static constexpr const char* kShort[kLinks] = {"cgroup", "ipc",  "mnt",    "net",  "pid",
                                                 "pid4c",  "time", "time4c", "user", "uts"};
  for (auto& t : o.tasks) name_w_ = std::max(name_w_, t.name.size());
  const size_t w = name_w_;
  fmt::print(out_, "      {:<{}}  {:>5}  {:<8}  {:<8}", "TASK", w, "PID", "STATE", "NSPROXY");
  for (auto* s : kShort) fmt::print(out_, "  {:<10}", s);
  fmt::print(out_, "\n");
  const Kernel& k = r_.sim().kernel();
  for (auto& t : o.tasks) {
    if (t.state == TaskState::Reaped) continue;
    std::string pid = t.nspid.empty() ? "-" : std::to_string(t.nspid.back());
    fmt::print(out_, "      {:<{}}  {:>5}  {:<8}  {:<8}", t.name, w, pid, task_state_name(t.state),
               nsproxy_cell(k, r_.sim().task(t.name)));
    for (int i = 0; i < kLinks; ++i) fmt::print(out_, "  {:<10}", t.ns[i] ? std::to_string(t.inum[i]) : "-");
    fmt::print(out_, "\n");
  }
}

void TextPrinter::step(const StepRecord& rec) {
  switch (rec.kind) {
    case StepRecord::Call: {
      const CallStmt& c = *rec.call;
      std::string res = rec.outcome.ok ? "= " + rec.outcome.result : "= -1 " + rec.outcome.result;
      std::string mark;
      if (rec.expected)
        mark = rec.ok ? fmt::format("  (asserted = {}: ok)", *rec.expected)
                      : fmt::format("  FAIL: asserted = {}", *rec.expected);
      fmt::print(out_, "\n{:>3}  line {:<4} {}: {}  {}{}\n", rec.step, rec.line, c.task, c.text, res, mark);
      if (opt_.events)
        for (auto& e : rec.events)
          fmt::print(out_, "      {:{}}{}{}{}\n", "", e.depth * 2, e.fn, e.detail.empty() ? "" : "  ", e.detail);
      if (rec.peer) {
        const CallOutcome& p = *rec.peer;
        if (!p.usage_error.empty())  // the live backend could not run the call: there is no result
          fmt::print(out_, "      kernel: (not run: {})\n", p.usage_error);
        else
          fmt::print(out_, "      kernel: {}{}\n", p.ok ? "= " + p.result : "= -1 " + p.result,
                     p.note.empty() ? "" : "  (" + p.note + ")");
      }
      if (rec.peer) {
        // Namespaces seen on the kernel for the first time: model inode =
        // kernel inode. The mapping holds kernel tokens (NS_GET_ID ids when
        // the kernel has nsfs handles, else inodes): show the inode.
        std::map<uint64_t, uint32_t> inum_of_token;
        if (rec.peer_obs)
          for (auto& l : rec.peer_obs->liveness) inum_of_token[l.token] = l.inum;
        std::string line;
        const auto& recs = r_.sim().kernel().ns_records();
        for (auto& [serial, kin] : r_.differ().mapping()) {
          if (shown_.count(serial) && shown_[serial] == kin) continue;
          shown_[serial] = kin;
          const NsRecord& nr = recs[serial];
          auto it = inum_of_token.find(kin);
          uint64_t shown = it != inum_of_token.end() ? it->second : kin;
          line += fmt::format("{}{}:[{}]={}", line.empty() ? "" : "  ", ns_type_name(nr.type), nr.inum, shown);
        }
        if (!line.empty()) fmt::print(out_, "      model=kernel: {}\n", line);
      }
      for (auto& d : rec.disagreements) fmt::print(out_, "      DISAGREE: {}\n", d);
      if (opt_.table && rec.links_changed) table(rec.obs);
      if (opt_.refs) {
        const Kernel& k = r_.sim().kernel();
        auto all = k.all_holders();
        for (auto& l : rec.obs.liveness) {  // what is live, in creation order
          const NsRecord& nr = k.ns_records()[l.token];
          if (!nr.ns) continue;
          std::string hs;
          for (auto& h : all[nr.ns->serial]) hs += (hs.empty() ? "" : ", ") + h.what;
          fmt::print(out_, "      refs {}:[{}] = {}: {}\n", ns_type_name(nr.type), nr.inum, nr.ns->refs(), hs);
        }
      }
      break;
    }
    case StepRecord::Let:
      fmt::print(out_, "\n{:>3}  line {:<4} {}  ({})\n", rec.step, rec.line, rec.text, rec.detail);
      break;
    case StepRecord::Expect:
      fmt::print(out_, "\n{:>3}  line {:<4} expect {}  {}  ({})\n", rec.step, rec.line, rec.text,
                 verdict_name(rec.verdict), rec.detail);
      break;
  }
}

void TextPrinter::summary(const RunSummary& s, bool real) {
  fmt::print(out_, "\nsummary: {} steps, {} calls; expectations: {} passed, {} failed{}; asserted results: {} failed",
             s.steps, s.calls, s.expects_passed, s.expects_failed,
             s.expects_unanswered ? fmt::format(", {} unanswered", s.expects_unanswered) : "", s.results_failed);
  if (real) fmt::print(out_, "; live kernel: {} disagreement{}", s.disagreements, s.disagreements == 1 ? "" : "s");
  fmt::print(out_, "\n");
}

nlohmann::json step_json(const StepRecord& rec, Runner& runner, bool real) {
  using nlohmann::json;
  json j;
  j["step"] = rec.step;
  j["line"] = rec.line;
  if (rec.kind == StepRecord::Expect) {
    j["expect"] = rec.text;
    j["ok"] = rec.verdict == Verdict::Pass;
    j["verdict"] = verdict_name(rec.verdict);
    j["detail"] = rec.detail;
    return j;
  }
  if (rec.kind == StepRecord::Let) {
    j["let"] = rec.text;
    j["detail"] = rec.detail;
    j["ok"] = true;
    return j;
  }
  const CallStmt& c = *rec.call;
  const Kernel& k = runner.sim().kernel();
  j["task"] = c.task;
  j["call"] = c.text;
  j["result"] = rec.outcome.result;
  j["expected"] = rec.expected ? json(*rec.expected) : json(nullptr);
  j["ok"] = rec.ok && rec.disagreements.empty();
  json ev = json::array();
  for (auto& e : rec.events) ev.push_back({{"fn", e.fn}, {"detail", e.detail}, {"depth", e.depth}});
  j["events"] = ev;
  json tasks = json::object();
  for (auto& t : rec.obs.tasks) {
    json tj;
    const Task* task = runner.sim().task(t.name);
    tj["pid"] = t.nspid.empty() ? json(nullptr) : json(t.nspid.back());
    tj["nspid"] = t.nspid;
    tj["state"] = task_state_name(t.state);
    tj["nsproxy"] = task && task->nsproxy ? json(task->nsproxy->id()) : json(nullptr);
    json ns = json::object();
    for (int i = 0; i < kLinks; ++i)
      ns[std::string(link_name(kAllLinks[i]))] = t.ns[i] ? json(t.inum[i]) : json(nullptr);
    tj["ns"] = ns;
    tasks[t.name] = tj;
  }
  j["tasks"] = tasks;
  json proxies = json::object();
  for (auto* p : k.nsproxies()) proxies[std::to_string(p->id())] = {{"count", p->count()}};
  j["nsproxies"] = proxies;
  json nss = json::array();
  auto holders = k.all_holders();
  for (auto& l : rec.obs.liveness) {  // live, or freed in this step
    const NsRecord& nr = k.ns_records()[l.token];
    json n;
    n["type"] = ns_type_name(nr.type);
    n["inum"] = nr.inum;
    n["alive"] = nr.ns != nullptr;
    n["refs"] = nr.ns ? nr.ns->refs() : 0;
    const UserNamespace* owner = nullptr;
    if (nr.ns) owner = nr.type == NsType::User ? static_cast<const UserNamespace*>(nr.ns)->parent : nr.ns->user_ns;
    n["owner"] = owner ? json(owner->inum) : json(nullptr);
    json h = json::array();
    if (nr.ns)
      for (auto& x : holders[nr.ns->serial]) h.push_back(x.what);
    n["holders"] = h;
    nss.push_back(n);
  }
  j["namespaces"] = nss;
  if (real && rec.peer) {
    json rj;
    rj["result"] = rec.peer->usage_error.empty() ? json(rec.peer->result) : json(nullptr);
    if (!rec.peer->usage_error.empty()) rj["not_run"] = rec.peer->usage_error;
    if (!rec.peer->note.empty()) rj["note"] = rec.peer->note;
    json rt = json::object();
    if (rec.peer_obs)
      for (auto& t : rec.peer_obs->tasks) {
        // As on the model's side: what the kernel has not reaped, and what the
        // model lists (live, or reaped in this step).
        if (t.state == TaskState::Reaped && !rec.obs.find(t.name)) continue;
        json ns = json::object();
        for (int i = 0; i < kLinks; ++i)
          ns[std::string(link_name(kAllLinks[i]))] = t.ns[i] ? json(t.inum[i]) : json(nullptr);
        rt[t.name] = {{"state", task_state_name(t.state)}, {"nspid", t.nspid}, {"ns", ns}};
      }
    rj["tasks"] = rt;
    rj["disagreements"] = rec.disagreements;
    j["real"] = rj;
  }
  return j;
}

nlohmann::json summary_json(const RunSummary& s) {
  nlohmann::json j = {{"steps", s.steps},
                      {"calls", s.calls},
                      {"expects_passed", s.expects_passed},
                      {"expects_failed", s.expects_failed},
                      {"expects_unanswered", s.expects_unanswered},
                      {"results_failed", s.results_failed},
                      {"disagreements", s.disagreements},
                      {"ok", s.ok()}};
  // A run error stopped the run (also printed on stderr, with the source line).
  if (s.error) {
    j["error"] = {{"line", s.error->loc.line}, {"column", s.error->loc.col}, {"message", s.error->message}};
    if (!s.error->hint.empty()) j["error"]["hint"] = s.error->hint;
  }
  return {{"summary", j}};
}

}  // namespace nssim::cli
