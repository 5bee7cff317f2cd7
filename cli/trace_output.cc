#include "cli/trace_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <string_view>
#include <vector>

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
             profile_name(r_.sim().kernel().config().kernel), real ? ", checked on the live kernel" : "");
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
    fmt::print(out_, "      {:<{}}  {:>5}  {:<8}  {:<8}", t.name, w, pid, t.in_vfork ? "vfork" : task_state_name(t.state),
               nsproxy_cell(k, r_.sim().task(t.name)));
    for (int i = 0; i < kLinks; ++i) fmt::print(out_, "  {:<10}", t.ns[i] ? std::to_string(t.inum[i]) : "-");
    fmt::print(out_, "\n");
    // Capability sets, on a line of their own, when some set is not what
    // root (all) or a non-root id (none) has without capset/prctl.
    static constexpr const char* kSet[] = {"inh", "prm", "eff", "bnd", "amb"};
    static constexpr bool kFullUsual[] = {false, true, true, true, false};
    std::string caps;
    for (int i = 0; i < 5; ++i) {
      bool usual = t.caps[i] == 0 || (kFullUsual[i] && t.caps[i] == CAP_FULL_SET);
      if (i == 3) usual = t.caps[i] == CAP_FULL_SET;
      if (!usual) caps += fmt::format("  {}={}", kSet[i], cap_set_str(t.caps[i]));
    }
    if (!caps.empty()) fmt::print(out_, "      {:<{}}  caps:{}\n", "", w, caps);
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
        auto active = k.active_namespaces();  // empty before 6.19: no marks
        for (auto& l : rec.obs.liveness) {  // what is live, in creation order
          const NsRecord& nr = k.ns_records()[l.token];
          if (!nr.ns) continue;
          std::string hs;
          for (auto& h : all[nr.ns->serial]) hs += (hs.empty() ? "" : ", ") + h.what;
          const bool inactive = !active.empty() && !active[nr.ns->serial];
          fmt::print(out_, "      refs {}:[{}] = {}{}: {}\n", ns_type_name(nr.type), nr.inum, nr.ns->refs(),
                     inactive ? " (inactive)" : "", hs);
        }
      }
      break;
    }
    case StepRecord::Let:
      fmt::print(out_, "\n{:>3}  line {:<4} {}  ({})\n", rec.step, rec.line, rec.text, rec.detail);
      break;
    case StepRecord::Expect:
      fmt::print(out_, "\n{:>3}  line {:<4} expect {}  {}  ({})\n", rec.step, rec.line, rec.text,
                 verdict_name(rec.verdict),
                 rec.verdict == Verdict::Unanswered && opt_.reveal ? "the model's value: " + rec.answer : rec.detail);
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

namespace {
// Writes JSON exactly as nlohmann::json::dump(-1, ' ', false, replace) does
// (compact, object keys in byte order, UTF-8 kept, invalid UTF-8 replaced),
// without building a document: a --json step costs its output, not
// allocations (a million steps write ~3 GB).
class JsonWriter {
 public:
  // RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF (what
  // nlohmann's decoder accepts).
  static bool valid_utf8(std::string_view v) {
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    const auto* end = p + v.size();
    while (p < end) {
      unsigned char c = *p;
      if (c < 0x80) {
        ++p;
        continue;
      }
      int n;
      unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
      if (c >= 0xC2 && c <= 0xDF) n = 1;
      else if (c == 0xE0) n = 2, lo = 0xA0;
      else if (c == 0xED) n = 2, hi = 0x9F;
      else if (c >= 0xE1 && c <= 0xEF) n = 2;
      else if (c == 0xF0) n = 3, lo = 0x90;
      else if (c == 0xF4) n = 3, hi = 0x8F;
      else if (c >= 0xF1 && c <= 0xF3) n = 3;
      else return false;
      if (end - p <= n) return false;
      if (p[1] < lo || p[1] > hi) return false;
      for (int i = 2; i <= n; ++i)
        if (p[i] < 0x80 || p[i] > 0xBF) return false;
      p += n + 1;
    }
    return true;
  }
  // Appends to `out` through a raw cursor into its spare room (grown when
  // short): a step writes ~4 KB in ~300 pieces, and a std::string append per
  // piece cost more than the copying. `out` has its final size once the
  // writer is gone.
  explicit JsonWriter(std::string& out) : s_(out) {
    size_t used = s_.size();
    s_.resize(std::max(s_.capacity(), used + 4096));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }
  ~JsonWriter() { s_.resize(static_cast<size_t>(p_ - s_.data())); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  // Printable ASCII with nothing to escape (no control byte, '"', '\\' or
  // byte >= 0x80), tested 8 bytes at a time; a false "no" only takes the slow path.
  static bool plain(std::string_view v) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    const char* p = v.data();
    size_t i = 0, n = v.size();
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      std::memcpy(&x, p + i, 8);
      uint64_t q = x ^ (kOnes * '"'), b = x ^ (kOnes * '\\');
      uint64_t hit = ((x - kOnes * 0x20) & ~x) | ((q - kOnes) & ~q) | ((b - kOnes) & ~b) | x;
      if (hit & kHigh) return false;
    }
    for (; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(p[i]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    }
    return true;
  }
  void str(std::string_view v) {
    // Most strings have nothing to escape: copied at once.
    if (plain(v)) {
      room(v.size() + 2);
      *p_++ = '"';
      std::memcpy(p_, v.data(), v.size());
      p_ += v.size();
      *p_++ = '"';
      return;
    }
    // nlohmann's escapes for ASCII; valid UTF-8 is kept as it is (ensure_ascii
    // off); a string with invalid UTF-8 goes through nlohmann itself (replace).
    if (!valid_utf8(v)) {
      put(nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    put("\"");
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < v.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      put(v.substr(run, i - run));
      run = i + 1;
      switch (c) {
        case '"': put("\\\""); break;
        case '\\': put("\\\\"); break;
        case '\b': put("\\b"); break;
        case '\f': put("\\f"); break;
        case '\n': put("\\n"); break;
        case '\r': put("\\r"); break;
        case '\t': put("\\t"); break;
        default: put(fmt::format("\\u{:04x}", c)); break;
      }
    }
    put(v.substr(run));
    put("\"");
  }
  void key(std::string_view k) {
    sep();
    str(k);
    put(":");
    first_ = true;  // the value that follows needs no comma
  }
  // A key written in this file: a plain identifier, nothing to escape.
  template <size_t N>
  void key(const char (&k)[N]) {
    room(N + 3);
    lead();
    *p_++ = '"';
    std::memcpy(p_, k, N - 1);
    p_ += N - 1;
    *p_++ = '"';
    *p_++ = ':';
    first_ = true;  // the value that follows needs no comma
  }
  template <class N>
  void num(N v) {
    room(32);
    lead();
    p_ = std::to_chars(p_, p_ + 31, v).ptr;
  }
  void boolean(bool b) { raw(b ? "true" : "false"); }
  void null() { raw("null"); }
  void string(std::string_view v) {
    sep();
    str(v);
  }
  // A value already written as JSON (e.g. by an earlier step), copied as it is.
  void value_text(std::string_view json) { raw(json); }
  // Where the next byte goes, and what was written since such a position.
  size_t pos() const { return static_cast<size_t>(p_ - s_.data()); }
  std::string_view since(size_t at) const { return std::string_view(s_.data() + at, p_ - s_.data() - at); }
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

 private:
  void room(size_t n) {
    if (static_cast<size_t>(end_ - p_) >= n) [[likely]]
      return;
    size_t used = static_cast<size_t>(p_ - s_.data());
    s_.resize(std::max(2 * s_.size(), used + n));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }
  void put(std::string_view v) {
    room(v.size());
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  void sep() {
    room(1);
    lead();
  }
  // The comma a value needs, if any (room for it made by the caller).
  void lead() {
    if (!first_) *p_++ = ',';
    first_ = false;
  }
  void raw(std::string_view v) {
    room(v.size() + 1);
    lead();
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  void open(char c) {
    room(2);
    lead();
    *p_++ = c;
    first_ = true;
  }
  void close(char c) {
    room(1);
    *p_++ = c;
    first_ = false;
  }
  std::string& s_;
  char* p_;
  char* end_;
  bool first_ = true;
};

// The 10 links, in key order (the kAllLinks order is alphabetical too).
void write_links(JsonWriter& w, const TaskObs& t) {
  w.begin_object();
  for (int i = 0; i < kLinks; ++i) {
    w.key(link_name(kAllLinks[i]));
    if (t.ns[i])
      w.num(t.inum[i]);
    else
      w.null();
  }
  w.end_object();
}

void write_nspid(JsonWriter& w, const TaskObs& t) {
  w.begin_array();
  for (uint32_t p : t.nspid) w.num(p);
  w.end_array();
}

struct Scratch {
  HolderTexts holders;
  struct NsText {
    uint64_t serial;
    std::string key;   // what the record says, as bytes
    std::string text;  // the record as written
  };
  std::vector<NsText> ns_cache, ns_next;
  std::string key;
  std::vector<std::pair<std::string, uint32_t>> proxies;
  std::vector<const NsProxy*> proxy_ptrs;
  std::vector<std::pair<std::string_view, const TaskObs*>> tasks;
};
}  // namespace

void write_step_json(std::string& out, const StepRecord& rec, Runner& runner, bool real) {
  JsonWriter w(out);
  w.begin_object();
  if (rec.kind == StepRecord::Expect) {
    w.key("detail"), w.string(rec.detail);
    w.key("expect"), w.string(rec.text);
    w.key("line"), w.num(rec.line);
    w.key("ok"), w.boolean(rec.verdict == Verdict::Pass);
    w.key("step"), w.num(rec.step);
    w.key("verdict"), w.string(verdict_name(rec.verdict));
    w.end_object();
    return;
  }
  if (rec.kind == StepRecord::Let) {
    w.key("detail"), w.string(rec.detail);
    w.key("let"), w.string(rec.text);
    w.key("line"), w.num(rec.line);
    w.key("ok"), w.boolean(true);
    w.key("step"), w.num(rec.step);
    w.end_object();
    return;
  }
  const CallStmt& c = *rec.call;
  const Kernel& k = runner.sim().kernel();
  w.key("call"), w.string(c.text);
  w.key("events"), w.begin_array();
  for (auto& e : rec.events) {
    w.begin_object();
    w.key("depth"), w.num(e.depth);
    w.key("detail"), w.string(e.detail);
    w.key("fn"), w.string(e.fn);
    w.end_object();
  }
  w.end_array();
  w.key("expected");
  if (rec.expected)
    w.string(*rec.expected);
  else
    w.null();
  w.key("line"), w.num(rec.line);
  // Live namespaces, or freed in this step, in creation order.
  w.key("namespaces"), w.begin_array();
  // Scratch kept across steps (one line per step, a million steps): its
  // buffers are warm after the first step.
  thread_local Scratch sc;
  k.holder_texts(sc.holders);
  const std::vector<uint8_t> active = k.active_namespaces();  // 6.19+ only
  // A namespace's record is a function of what `key` holds (its type, inode,
  // owner, refs, liveness and holders): most do not change from one step to
  // the next, and are copied from the previous step's line instead of being
  // written again. Entries are by serial; only what this step lists is kept.
  auto& cache = sc.ns_cache;
  auto& next = sc.ns_next;
  next.clear();
  size_t ci = 0;
  for (auto& l : rec.obs.liveness) {
    const NsRecord& nr = k.ns_records()[l.token];
    const UserNamespace* owner = nullptr;
    if (nr.ns) owner = nr.type == NsType::User ? static_cast<const UserNamespace*>(nr.ns)->parent : nr.ns->user_ns;
    const uint32_t refs = nr.ns ? nr.ns->refs() : 0u;
    std::string& key = sc.key;
    key.clear();
    // 0: no such state (before 6.19), 1: active, 2: inactive.
    const uint32_t act = active.empty() || !nr.ns ? 0u : active[nr.ns->serial] ? 1u : 2u;
    const uint32_t fields[] = {static_cast<uint32_t>(nr.type), nr.inum, owner ? owner->inum : 0u, owner != nullptr,
                               refs, nr.ns != nullptr, act};
    key.append(reinterpret_cast<const char*>(fields), sizeof fields);
    if (nr.ns)
      sc.holders.for_each(nr.ns->serial, [&](std::string_view x) {
        const uint32_t n = static_cast<uint32_t>(x.size());  // length-prefixed: no two lists read alike
        key.append(reinterpret_cast<const char*>(&n), sizeof n);
        key.append(x);
      });
    while (ci < cache.size() && cache[ci].serial < l.token) ++ci;
    if (ci < cache.size() && cache[ci].serial == l.token && cache[ci].key == key) {
      w.value_text(cache[ci].text);
      next.push_back(std::move(cache[ci]));
      continue;
    }
    const size_t start = w.pos();
    w.begin_object();
    if (act) w.key("active"), w.boolean(act == 1);  // keys in order: only where the profile has it
    w.key("alive"), w.boolean(nr.ns != nullptr);
    w.key("holders"), w.begin_array();
    if (nr.ns) sc.holders.for_each(nr.ns->serial, [&](std::string_view x) { w.string(x); });
    w.end_array();
    w.key("inum"), w.num(nr.inum);
    w.key("owner");
    if (owner)
      w.num(owner->inum);
    else
      w.null();
    w.key("refs"), w.num(refs);
    w.key("type"), w.string(ns_type_name(nr.type));
    w.end_object();
    std::string_view text = w.since(start);
    if (text.front() == ',') text.remove_prefix(1);
    next.push_back({l.token, key, std::string(text)});
  }
  cache.swap(next);
  w.end_array();
  // Keyed by id as a string: in string order ("10" before "2").
  auto& proxies = sc.proxies;
  proxies.clear();
  k.nsproxies(sc.proxy_ptrs);
  for (auto* p : sc.proxy_ptrs) proxies.emplace_back(std::to_string(p->id()), p->count());
  std::sort(proxies.begin(), proxies.end());
  w.key("nsproxies"), w.begin_object();
  for (size_t i = 0; i < proxies.size(); ++i) {
    if (i > 0 && proxies[i].first == proxies[i - 1].first) continue;
    w.key(proxies[i].first), w.begin_object(), w.key("count"), w.num(proxies[i].second), w.end_object();
  }
  w.end_object();
  w.key("ok"), w.boolean(rec.ok && rec.disagreements.empty());
  if (real && rec.peer) {
    w.key("real"), w.begin_object();
    w.key("disagreements"), w.begin_array();
    for (auto& d : rec.disagreements) w.string(d);
    w.end_array();
    if (!rec.peer->usage_error.empty()) w.key("not_run"), w.string(rec.peer->usage_error);
    if (!rec.peer->note.empty()) w.key("note"), w.string(rec.peer->note);
    w.key("result");
    if (rec.peer->usage_error.empty())
      w.string(rec.peer->result);
    else
      w.null();
    // As on the model's side: what the kernel has not reaped, and what the
    // model lists (live, or reaped in this step). A name listed twice shows
    // its last entry.
    std::map<std::string_view, const TaskObs*> rt;
    if (rec.peer_obs)
      for (auto& t : rec.peer_obs->tasks)
        if (t.state != TaskState::Reaped || rec.obs.find(t.name)) rt[t.name] = &t;
    w.key("tasks"), w.begin_object();
    for (auto& [name, t] : rt) {
      w.key(name), w.begin_object();
      w.key("ns"), write_links(w, *t);
      w.key("nspid"), write_nspid(w, *t);
      w.key("state"), w.string(task_state_name(t->state));
      w.end_object();
    }
    w.end_object();
    w.end_object();
  }
  w.key("result"), w.string(rec.outcome.result);
  w.key("step"), w.num(rec.step);
  w.key("task"), w.string(c.task);
  // Tasks not reaped, or reaped in this step, in name order (a name listed
  // twice shows its last entry, as a map would).
  auto& tasks = sc.tasks;
  tasks.clear();
  for (auto& t : rec.obs.tasks) tasks.emplace_back(t.name, &t);
  std::stable_sort(tasks.begin(), tasks.end(), [](auto& a, auto& b) { return a.first < b.first; });
  w.key("tasks"), w.begin_object();
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (i + 1 < tasks.size() && tasks[i + 1].first == tasks[i].first) continue;
    auto [name, t] = tasks[i];
    const Task* task = runner.sim().task(t->name);
    w.key(name), w.begin_object();
    w.key("ns"), write_links(w, *t);
    w.key("nspid"), write_nspid(w, *t);
    w.key("nsproxy");
    if (task && task->nsproxy)
      w.num(task->nsproxy->id());
    else
      w.null();
    w.key("pid");
    if (t->nspid.empty())
      w.null();
    else
      w.num(t->nspid.back());
    w.key("state"), w.string(task_state_name(t->state));
    w.end_object();
  }
  w.end_object();
  w.end_object();
}

nlohmann::json step_json(const StepRecord& rec, Runner& runner, bool real) {
  std::string s;
  write_step_json(s, rec, runner, real);
  return nlohmann::json::parse(s);
}

nlohmann::json diagnostic_json(const Diagnostic& d) {
  nlohmann::json j = {{"line", d.loc.line}, {"column", d.loc.col}, {"message", d.message}};
  if (!d.hint.empty()) j["hint"] = d.hint;
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
  if (s.error) j["error"] = diagnostic_json(*s.error);
  return {{"summary", j}};
}

}  // namespace nssim::cli
