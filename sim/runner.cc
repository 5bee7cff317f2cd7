#include "sim/runner.h"

#include <fmt/format.h>

#include <chrono>
#ifndef __wasm__
#include <thread>  // a peer settles (none in the wasm32-wasi build: no threads there)
#endif

namespace nssim {

struct Runner::Value {
  enum Kind : uint8_t { Ns, Proxy, Int, Str, None, Blank } kind = None;
  uint64_t id = 0;   // ns serial / nsproxy id / peer token
  int64_t i = 0;
  std::string s;
  std::string show;
};

Kernel::Config Runner::config_for(const Scenario& sc) {
  Kernel::Config c;
  if (sc.kernel) c.kernel = *profile_from_name(*sc.kernel);
  c.init_comm = sc.init_name;
  return c;
}

void Runner::adopt_environment(const Backend& b, Kernel::Config& cfg) {
  cfg.root_pid_level = b.root_pid_level();
  cfg.env_user = b.env_user();
  cfg.root_mount_locked = b.root_mount_locked();
  cfg.init_caps = b.init_caps();
  if (auto e = b.exec_file()) cfg.exe = *e;
  if (auto d = b.suid_dumpable()) cfg.suid_dumpable = *d;
  // The live kernel's rules, whatever the scenario pinned (the CLI warns): a
  // version between profiles gets each feature by its version; one above the
  // newest modelled is modelled as that one, one below the oldest as it.
  if (auto rel = b.kernel_release())
    if (auto v = version_from_release(*rel)) cfg.kernel = live_profile(*v);
  // Before per-namespace pid_max every pid namespace has the global one.
  if (!KernelFeatures(cfg.kernel).has(Feature::PidMaxPerPidNs))
    if (auto m = b.global_pid_max()) cfg.pid_max = *m;
  if (auto n = b.cgroup_nsdelegate()) cfg.cgroup_nsdelegate = *n;
}

Runner::Runner(const Scenario& sc, Options opt) : sc_(sc), opt_(std::move(opt)) {
  Kernel::Config cfg = opt_.config ? *opt_.config : config_for(sc);
  sim_ = opt_.initial ? opt_.initial(cfg) : std::make_unique<SimBackend>(std::move(cfg));
}

namespace {
bool is_link_attr(const std::string& a) { return link_from_name(a).has_value(); }

Diagnostic diag(Loc l, std::string m, std::string h = "") { return Diagnostic{l, std::move(m), std::move(h)}; }

const char* kTaskAttrHint =
    "a task has: the 10 link names (net, pid_for_children, ...), nsproxy, hostname, pid, pid@TASK, state, "
    "uid, euid, suid, gid, egid, sgid, cap_eff, cap_prm, cap_inh, cap_bnd (cap_eff.CAP_SYS_ADMIN: 1 or 0), "
    "cgroup_path, cgroup_path@TASK";
const char* kNsAttrHint = "a namespace has: refs, inum, level, owner, parent, type";
}  // namespace

std::optional<Diagnostic> Runner::eval(const Term& t, Value& v) {
  Kernel& k = sim_->kernel();
  switch (t.kind) {
    case Term::Int: v.kind = Value::Int, v.i = t.ival, v.show = std::to_string(t.ival); return {};
    case Term::Str: v.kind = Value::Str, v.s = t.sval, v.show = "\"" + t.sval + "\""; return {};
    case Term::None: v.kind = Value::None, v.show = "none"; return {};
    case Term::Blank: v.kind = Value::Blank, v.show = "?"; return {};
    case Term::Path: break;
  }
  size_t ai = 0;
  // What the value is, also when it is none (a zombie's a.net is a net
  // namespace that is not there): the attributes after it are checked against
  // that, so a wrong one is an error whatever the value.
  enum class Static : uint8_t { Ns, Proxy, Other } st = Static::Other;
  NsType st_type = NsType::Net;  // when st is Ns
  auto ns_value = [&](uint32_t serial) {
    const NsRecord& r = k.ns_records()[serial];
    v.kind = Value::Ns;
    v.id = serial;
    v.show = fmt::format("{}:[{}]{}", ns_type_name(r.type), r.inum, r.ns ? "" : " (freed)");
    st = Static::Ns, st_type = r.type;
  };
  auto none = [&](Static s, NsType type = NsType::Net) {
    v.kind = Value::None, v.show = "none";
    st = s, st_type = type;
  };
  auto set_ns = [&](const NsCommon* ns, NsType type) {
    if (ns)
      ns_value(ns->serial);
    else
      none(Static::Ns, type);
  };
  if (auto it = lets_.find(t.base); it != lets_.end()) {
    ns_value(it->second);
  } else if (sim_->known(t.base)) {
    Task* task = sim_->task(t.base);
    if (t.attrs.empty())
      return diag(t.loc, fmt::format("'{}' is a task; say which of its links", t.base), kTaskAttrHint);
    const std::string& a = t.attrs[ai++];
    if (!t.at.empty() && a != "pid" && a != "cgroup_path")
      return diag(t.loc, "'@TASK' only applies to pid and cgroup_path",
                  "a.pid@b is a's pid as seen from b's pid namespace, a.cgroup_path@b a's cgroup as b reads it");
    if (a == "cgroup_path") {
      // /proc/PID/cgroup's "0::PATH" as the task itself (or the task after
      // '@') reads it: relative to the reader's cgroup namespace root.
      const Task* reader = task;
      if (!t.at.empty()) {
        if (!sim_->known(t.at)) return diag(t.loc, fmt::format("unknown task '{}' after '@'", t.at));
        reader = sim_->task(t.at);
        if (!reader || !reader->nsproxy)
          return diag(t.loc, fmt::format("task '{}' has exited: it reads /proc with no cgroup namespace", t.at));
      }
      if (!task || !reader || !reader->nsproxy) {
        none(Static::Other);
      } else {
        v.kind = Value::Str, v.s = k.proc_cgroup_show(reader, task), v.show = "\"" + v.s + "\"";
      }
    } else if (a == "pid" && !t.at.empty()) {
      if (!task || !task->thread_pid) {
        none(Static::Other);
      } else {
        PidNamespace* view = k.task_active_pid_ns(task);
        if (!t.at.empty()) {
          if (!sim_->known(t.at)) return diag(t.loc, fmt::format("unknown task '{}' after '@'", t.at));
          Task* o = sim_->task(t.at);
          if (!o || !o->thread_pid)
            return diag(t.loc, fmt::format("task '{}' has been reaped: it has no pid namespace to look from", t.at));
          view = k.task_active_pid_ns(o);
        }
        v.kind = Value::Int;
        v.i = 0;  // 0: not visible from that namespace (as getpid-style lookups report nothing)
        for (auto& n : task->thread_pid->numbers)
          if (n.ns == view) v.i = n.nr;
        v.show = std::to_string(v.i);
      }
    } else if (is_link_attr(a)) {
      Link l = *link_from_name(a);
      set_ns(task ? k.ns_of_link(task, l) : nullptr, link_type(l));
    } else if (a == "nsproxy") {
      if (task && task->nsproxy)
        v.kind = Value::Proxy, v.id = task->nsproxy->id(), v.show = fmt::format("nsproxy#{}", task->nsproxy->id());
      else
        none(Static::Proxy);
      if (ai < t.attrs.size()) {
        const std::string& b = t.attrs[ai++];
        if (b != "count") return diag(t.loc, fmt::format("unknown nsproxy attribute '{}'", b), "an nsproxy has: count");
        int64_t c = (task && task->nsproxy) ? task->nsproxy->count() : 0;
        v.kind = Value::Int, v.i = c, v.show = std::to_string(c);
      }
    } else if (a == "hostname") {
      if (task && task->nsproxy)
        v.kind = Value::Str, v.s = task->nsproxy->uts_ns->nodename, v.show = "\"" + v.s + "\"";
      else
        none(Static::Other);
    } else if (a == "uid" || a == "euid" || a == "suid" || a == "gid" || a == "egid" || a == "sgid") {
      // As getuid()/getresuid() report them in the task's own user namespace
      // (from_kuid_munged(): an unmapped id reads 65534).
      if (!task || !task->cred) {
        none(Static::Other);
      } else {
        const Cred* c = task->cred;
        bool g = a.find("gid") != std::string::npos;
        uint32_t kid = a == "uid" ? c->uid : a == "euid" ? c->euid : a == "suid" ? c->suid
                     : a == "gid" ? c->gid : a == "egid" ? c->egid : c->sgid;
        v.kind = Value::Int;
        v.i = k.from_kid_munged(c->user_ns, kid, g);
        v.show = std::to_string(v.i);
      }
    } else if (a == "cap_eff" || a == "cap_prm" || a == "cap_inh" || a == "cap_bnd") {
      // The raw sets, as CapEff/CapPrm/CapInh/CapBnd in /proc/PID/status; with
      // a capability name after it (a.cap_eff.CAP_SYS_ADMIN) 1 or 0.
      if (!task || !task->cred) {
        none(Static::Other);
      } else {
        const CapSets& cs = task->cred->caps();
        CapSet set = a == "cap_eff" ? cs.effective : a == "cap_prm" ? cs.permitted : a == "cap_inh" ? cs.inheritable
                                                                                                    : cs.bset;
        v.kind = Value::Int;
        v.i = static_cast<int64_t>(set);
        v.show = fmt::format("{:#x} ({})", set, cap_set_str(set));
      }
      if (ai < t.attrs.size()) {
        const std::string& b = t.attrs[ai++];
        auto cap = cap_from_name(b);
        if (!cap)
          return diag(t.loc, fmt::format("unknown capability '{}'", b), "e.g. a.cap_eff.CAP_SYS_ADMIN (1 or 0)");
        if (v.kind == Value::Int) {
          v.i = (v.i >> *cap) & 1;
          v.show = std::to_string(v.i);
        }
      }
    } else if (a == "state") {
      v.kind = Value::Str;
      v.s = !task ? "reaped" : task->in_vfork ? "vfork" : task_state_name(task->state);
      v.show = "\"" + v.s + "\"";
    } else {
      return diag(t.loc, fmt::format("unknown task attribute '{}'", a), kTaskAttrHint);
    }
  } else {
    return diag(t.loc, fmt::format("unknown name '{}'", t.base),
                "names are tasks (named by 'task' or '-> NAME') or namespaces bound by 'let'");
  }
  // Namespace attributes.
  while (ai < t.attrs.size()) {
    const std::string& a = t.attrs[ai++];
    if (st != Static::Ns) return diag(t.loc, fmt::format("'{}' does not apply here", a));
    if (a != "refs" && a != "inum" && a != "type" && a != "level" && a != "owner" && a != "parent")
      return diag(t.loc, fmt::format("unknown namespace attribute '{}'", a), kNsAttrHint);
    if ((a == "level" || a == "parent") && st_type != NsType::Pid && st_type != NsType::User)
      return diag(t.loc, fmt::format("only pid and user namespaces have a {}", a));
    if (v.kind == Value::None) {  // attributes of none are none
      if (a == "owner")
        st_type = NsType::User;
      else if (a != "parent")
        st = Static::Other;
      continue;
    }
    const NsRecord& r = k.ns_records()[v.id];
    const NsCommon* ns = r.ns;
    const NsType type = r.type;
    if (a == "refs") {
      v.kind = Value::Int, v.i = ns ? ns->refs() : 0, v.show = std::to_string(v.i);
      st = Static::Other;
    } else if (a == "inum") {
      v.kind = Value::Int, v.i = r.inum, v.show = std::to_string(v.i);
      st = Static::Other;
    } else if (a == "type") {
      v.kind = Value::Str, v.s = std::string(ns_type_name(type)), v.show = "\"" + v.s + "\"";
      st = Static::Other;
    } else if (a == "level") {
      // A freed namespace has no level (nor owner, nor parent): none.
      if (!ns) {
        none(Static::Other);
        continue;
      }
      // Pid levels count from the scenario's root pid namespace (level 0),
      // also with --real, where the model's levels are the kernel's (the
      // sandbox's pid namespace is below the host's: Kernel::Config::root_pid_level).
      int64_t lvl = type == NsType::Pid
                        ? int64_t{static_cast<const PidNamespace*>(ns)->level} - k.config().root_pid_level
                        : int64_t{static_cast<const UserNamespace*>(ns)->level};
      v.kind = Value::Int, v.i = lvl, v.show = std::to_string(lvl);
      st = Static::Other;
    } else if (a == "owner") {
      set_ns(!ns ? nullptr : type == NsType::User ? static_cast<const UserNamespace*>(ns)->parent : ns->user_ns,
             NsType::User);
    } else {  // parent
      set_ns(!ns                     ? nullptr
             : type == NsType::Pid ? static_cast<const NsCommon*>(static_cast<const PidNamespace*>(ns)->parent)
                                   : static_cast<const UserNamespace*>(ns)->parent,
             type);
    }
  }
  return {};
}

namespace {
// `a.pid` names the pid namespace link, except next to a number, where it
// means the pid number (as in `expect b.pid == 1`).
Term as_pid_number(const Term& t, const Term& other) {
  if (t.kind == Term::Path && t.at.empty() && t.attrs.size() == 1 && t.attrs[0] == "pid" && other.kind == Term::Int) {
    Term n = t;
    n.at = t.base;  // a.pid@a: a's pid in its own active pid namespace
    return n;
  }
  return t;
}
}  // namespace

std::variant<std::string, Diagnostic> Runner::value_of(const Term& t) {
  Value v;
  if (auto d = eval(t, v)) return *d;
  return v.show;
}

std::optional<Diagnostic> Runner::run_expect(const ExpectStmt& e, StepRecord& r) {
  r.text = e.text;
  Value a, b;
  const Term lhs = as_pid_number(e.expr.lhs, e.expr.rhs);
  const Term rhs = as_pid_number(e.expr.rhs, e.expr.lhs);
  if (auto d = eval(lhs, a)) return *d;
  if (e.expr.kind == Expr::Alive || e.expr.kind == Expr::Dead) {
    if (a.kind != Value::Ns)
      return diag(e.expr.lhs.loc, fmt::format("{} needs a namespace", e.expr.kind == Expr::Alive ? "alive" : "dead"),
                  "e.g. let N = b.net, then expect alive(N)");
    bool alive = sim_->kernel().ns_records()[a.id].ns != nullptr;
    bool want = e.expr.kind == Expr::Alive;
    r.verdict = alive == want ? Verdict::Pass : Verdict::Fail;
    r.answer = alive ? "alive" : "dead";
    r.detail = fmt::format("{} is {}", a.show, r.answer);
    return std::nullopt;
  }
  if (e.expr.kind == Expr::Active || e.expr.kind == Expr::Inactive) {
    const bool want = e.expr.kind == Expr::Active;
    if (a.kind != Value::Ns)
      return diag(e.expr.lhs.loc, fmt::format("{} needs a namespace", want ? "active" : "inactive"),
                 "e.g. let N = b.net, then expect inactive(N)");
    const Kernel& k = sim_->kernel();
    if (!k.has(Feature::ActiveRefs)) {
      // A profile (or live kernel) before 6.19: there is no such state to ask.
      r.verdict = Verdict::Unanswered;
      r.answer = k.ns_records()[a.id].ns ? "alive" : "dead";
      r.detail = fmt::format("unanswered: kernel {} has no active references (6.19+: `kernel 7.2`); {} is {}",
                             profile_name(k.config().kernel), a.show, r.answer);
      return std::nullopt;
    }
    auto act = k.active_namespaces();
    const bool active = a.id < act.size() && act[a.id];
    const bool alive = k.ns_records()[a.id].ns != nullptr;
    // Inactive means alive but held only internally: a freed namespace is neither.
    r.verdict = alive && active == want ? Verdict::Pass : Verdict::Fail;
    r.answer = active ? "active" : k.ns_records()[a.id].ns ? "inactive" : "dead";
    r.detail = fmt::format("{} is {}", a.show, r.answer);
    return std::nullopt;
  }
  if (auto d = eval(rhs, b)) return *d;
  if (a.kind == Value::Blank || b.kind == Value::Blank) {
    r.verdict = Verdict::Unanswered;
    r.answer = a.kind == Value::Blank ? b.show : a.show;
    r.detail = "unanswered";  // the value is r.answer: traces print it only when asked (--reveal)
    return std::nullopt;
  }
  bool eq;
  auto kind_name = [](Value::Kind k) {
    switch (k) {
      case Value::Ns: return "a namespace";
      case Value::Proxy: return "an nsproxy";
      case Value::Int: return "a number";
      case Value::Str: return "a string";
      default: return "none";
    }
  };
  if (a.kind == Value::None || b.kind == Value::None) {
    eq = a.kind == b.kind;
  } else if (a.kind != b.kind) {
    return diag(e.expr.rhs.loc, fmt::format("cannot compare {} with {}", kind_name(a.kind), kind_name(b.kind)));
  } else {
    switch (a.kind) {
      case Value::Ns:
      case Value::Proxy: eq = a.id == b.id; break;
      case Value::Int: eq = a.i == b.i; break;
      default: eq = a.s == b.s; break;
    }
  }
  bool want = e.expr.kind == Expr::Eq;
  r.verdict = eq == want ? Verdict::Pass : Verdict::Fail;
  r.answer = a.show;
  // Show each side's value; a literal shows itself.
  auto side = [](const Term& t, const Value& v) {
    return t.kind == Term::Path ? fmt::format("{} = {}", t.text, v.show) : std::string();
  };
  std::string l = side(e.expr.lhs, a), rr = side(e.expr.rhs, b);
  r.detail = l.empty() ? rr : rr.empty() ? l : l + ", " + rr;
  return std::nullopt;
}


std::vector<std::string> changed_tasks(const Observation& before, const Observation& after) {
  std::vector<std::string> out;
  size_t i = 0;  // same walk as links_changed()
  for (const TaskObs& t : after.tasks) {
    size_t j = i;
    while (j < before.tasks.size() && before.tasks[j].name != t.name) ++j;
    if (j == before.tasks.size()) {
      out.push_back(t.name);  // new
      continue;
    }
    if (!(before.tasks[j] == t)) out.push_back(t.name);
    i = j + 1;
  }
  return out;
}

bool links_changed(const Observation& before, const Observation& after) {
  // Both lists are in the same order (creation order of the names), and
  // `after` only drops tasks and adds new ones: walk them side by side.
  size_t i = 0;
  for (const TaskObs& t : after.tasks) {
    while (i < before.tasks.size() && before.tasks[i].name != t.name) {
      if (before.tasks[i].state != TaskState::Reaped) return true;  // gone without being seen reaped
      ++i;
    }
    if (i == before.tasks.size()) return true;  // new
    if (before.tasks[i].ns != t.ns || before.tasks[i].state != t.state) return true;
    ++i;
  }
  for (; i < before.tasks.size(); ++i)
    if (before.tasks[i].state != TaskState::Reaped) return true;
  return false;
}

namespace {
// Disagreements that can be the kernel still finishing asynchronous work: a
// namespace the model has freed, a task the model has moved on (a zombie the
// kernel still shows exiting, a reaped task still there), and the links of
// such a task.
bool may_settle(const std::vector<std::string>& d) {
  if (d.empty()) return false;
  for (auto& x : d) {
    bool late = x.find("is freed in the model but alive in the kernel") != std::string::npos ||
                x.find(": state ") != std::string::npos || x.find(": the model has none") != std::string::npos;
    if (!late) return false;  // e.g. a different result never settles
  }
  return true;
}
}  // namespace

RunSummary Runner::run(const std::function<void(const StepRecord&)>& sink) {
  RunSummary sum;
  Kernel& k = sim_->kernel();
  const bool observe = opt_.observe || opt_.peer;
  Observation prev = observe ? sim_->observe() : Observation{};
  // Feature::ActiveRefs: the live backend sees a namespace through nsfs file
  // handles, which are ESTALE for an inactive namespace as for a freed one
  // (fs/nsfs.c: ns_get_unless_inactive() @ v7.2): compare its activity.
  auto alive = [&](uint64_t serial) {
    if (!k.ns_records()[serial].ns) return false;
    if (!k.has(Feature::ActiveRefs)) return true;
    auto active = k.active_namespaces();  // per question: the state changes with every call
    return serial < active.size() && active[serial] != 0;
  };
  auto model_inum = [&](uint64_t serial) { return k.ns_records()[serial].inum; };
  // Kernel tokens are ns_ids when the backend has nsfs handles (has_liveness):
  // the model takes them over for the checks that compare ids (mnt_ns_loop()).
  auto adopt_kernel_ids = [&](const Observation& po) {
    if (!po.has_liveness) return;
    for (auto& [serial, kid] : differ_.mapping()) k.adopt_ns_id(serial, kid);
  };
  if (opt_.peer) {
    // Map the initial namespaces before anything happens.
    Observation po = opt_.peer->observe();
    (void)differ_.compare(prev, po, alive, model_inum);
    adopt_kernel_ids(po);
  }
  // The last call is observed in full on the peer (every task read afresh).
  size_t last_call = sc_.statements.size();
  for (size_t i = 0; i < sc_.statements.size(); ++i)
    if (std::holds_alternative<CallStmt>(sc_.statements[i].s)) last_call = i;
  int step = 0;
  for (const Statement& st : sc_.statements) {
    StepRecord r;
    r.step = ++step;
    r.line = st.line;
    // The step, or the diagnostic that ends the run.
    auto run_step = [&]() -> std::optional<Diagnostic> {
      if (auto* c = std::get_if<CallStmt>(&st.s)) {
        r.kind = StepRecord::Call;
        r.call = c;
        if (c->out && lets_.count(*c->out))
          return diag(c->out_loc, fmt::format("'{}' is a let name", *c->out),
                      "a name is either a task or fd, or a let binding: rename one of them");
        k.trace.on = opt_.trace;
        r.outcome = sim_->call(*c);
        r.events = k.trace.take();
        k.trace.on = false;
        if (!r.outcome.usage_error.empty()) {
          // Point at what is wrong: the caller, an fd name, the name to bind,
          // the task waited for, or the path naming an unknown task.
          const std::string& u = r.outcome.usage_error;
          std::string_view msg = std::string_view(u).substr(0, u.find("\nhint: "));
          auto unknown = [&](const std::string& n) { return !n.empty() && msg == "unknown task '" + n + "'"; };
          bool has_path = c->kind == CallKind::Open || c->kind == CallKind::Write || c->kind == CallKind::Mount;
          Loc at = c->loc;
          if (msg.find("(the fd to pass)") != std::string::npos) at = c->fd2_loc;
          else if (msg.find("would put a unix socket in flight") != std::string::npos) at = c->fd2_loc;
          else if (msg.find("fd name") != std::string::npos && !c->cgroup_fd.empty() &&
                   msg.starts_with("'" + c->cgroup_fd + "'"))
            at = c->cgroup_fd_loc;  // clone3(..., cgroup=FD)
          else if (msg.find("fd name") != std::string::npos || msg.find("names no file handle") != std::string::npos)
            at = c->fd_loc;
          else if (msg.find("already names") != std::string::npos) at = c->out_loc;
          else if (unknown(c->task)) at = c->loc;
          else if (unknown(c->target)) at = c->target_loc;
          else if (has_path && (unknown(c->path.task) || msg.find("is a plain file") != std::string::npos))
            at = c->path_loc;
          if (at.line < 1) at = c->loc;  // a location the statement does not have: point at the call
          // A backend's hint follows its message after "\nhint: ".
          if (auto h = u.find("\nhint: "); h != std::string::npos) return diag(at, u.substr(0, h), u.substr(h + 7));
          return diag(at, u);
        }
        ++sum.calls;  // only calls that ran
        r.expected = c->assert_result;
        if (r.expected && *r.expected == "?") {
          // '= ?': a blank the student has not filled yet; the model's result is its answer.
          r.verdict = Verdict::Unanswered;
          ++sum.expects_unanswered;
        } else if (r.expected) {
          // '= 0' means "succeeded" for calls that return a new name (clone,
          // open...). A call that returns a number (ioctl NS_GET_NSTYPE/
          // NS_GET_OWNER_UID) must match it, and so must wait, whose result is
          // the task it reaped or 0 (not exited yet).
          bool numeric = !r.outcome.result.empty() &&
                         r.outcome.result.find_first_not_of("0123456789") == std::string::npos;
          bool names_new = !numeric && c->kind != CallKind::Wait && r.outcome.result != "EOF";
          r.ok = *r.expected == r.outcome.result || (*r.expected == "0" && r.outcome.ok && names_new);
          if (!r.ok) ++sum.results_failed;
        }
        if (observe) r.obs = sim_->observe();
        if (opt_.peer) {
          r.peer = opt_.peer->call(*c);
          if (!r.peer->usage_error.empty())
            r.disagreements.push_back("the kernel backend could not run the call: " + r.peer->usage_error);
          else if (c->kind == CallKind::Ioctl && ioctl_returns_id(c->ioctl) && r.outcome.ok && r.peer->ok) {
            if (auto d = compare_ns_id(*c, r.outcome.result, r.peer->result)) r.disagreements.push_back(*d);
          } else if (r.peer->result != r.outcome.result)
            r.disagreements.push_back(fmt::format("result: the model returns {}, the kernel returns {}{}",
                                                  r.outcome.result, r.peer->result,
                                                  r.peer->note.empty() ? "" : " (" + r.peer->note + ")"));
          opt_.peer->scope_observation(static_cast<size_t>(step - 1) == last_call, changed_tasks(prev, r.obs));
          r.peer_obs = opt_.peer->observe();
          auto d = differ_.compare(r.obs, *r.peer_obs, alive, model_inum);
          // Some kernel work finishes after the syscall returns (a reaped
          // task's struct pid is put after an RCU grace period; an init
          // waiting in zap_pid_ns_processes() is woken by the reap of the last
          // other task): give the kernel time to reach the model's
          // state before reporting a disagreement (RCU grace periods grow
          // under load: up to ~1.3 s in all, only while something differs).
          for (int wait_ms = 5; wait_ms <= 640 && may_settle(d); wait_ms *= 2) {
#ifndef __wasm__
            std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
#endif
            r.peer_obs = opt_.peer->observe();
            d = differ_.compare(r.obs, *r.peer_obs, alive, model_inum);
          }
          r.disagreements.insert(r.disagreements.end(), d.begin(), d.end());
          adopt_kernel_ids(*r.peer_obs);
          if (opt_.extra_check) {
            auto x = opt_.extra_check(r);
            r.disagreements.insert(r.disagreements.end(), x.begin(), x.end());
          }
        }
        // Did any /proc/PID/ns link change?
        if (observe) r.links_changed = links_changed(prev, r.obs);
      } else if (auto* l = std::get_if<LetStmt>(&st.s)) {
        r.kind = StepRecord::Let;
        r.text = fmt::format("let {} = {}", l->name, l->value.text);
        Value v;
        if (auto d = eval(l->value, v)) return *d;
        if (v.kind != Value::Ns)
          return diag(l->value.loc, fmt::format("let binds a namespace, but {} is {}", l->value.text, v.show),
                      "write e.g. let N = b.net");
        if (sim_->known(l->name))
          return diag(l->loc, fmt::format("'{}' already names a task", l->name));
        lets_[l->name] = static_cast<uint32_t>(v.id);
        r.detail = fmt::format("{} = {}", l->name, v.show);
        r.obs = std::move(prev);  // moved back after the sink: no copy per step
      } else if (auto* e = std::get_if<ExpectStmt>(&st.s)) {
        r.kind = StepRecord::Expect;
        if (auto d = run_expect(*e, r)) return d;
        if (r.verdict == Verdict::Pass) ++sum.expects_passed;
        else if (r.verdict == Verdict::Fail) ++sum.expects_failed;
        else ++sum.expects_unanswered;
        r.obs = std::move(prev);
      }
      return std::nullopt;
    };
    if (auto d = run_step()) {
      sum.error = std::move(*d);
      sum.steps = step - 1;
      return sum;
    }
    sum.disagreements += static_cast<int>(r.disagreements.size());
    sink(r);
    // The sink saw the observation; the next step compares with it (a let or
    // expect step hands back the one it borrowed).
    prev = std::move(r.obs);
    k.trace.recycle(std::move(r.events));
  }
  sum.steps = step;
  return sum;
}

std::optional<std::string> Runner::compare_ns_id(const CallStmt& c, const std::string& model,
                                                 const std::string& kernel) {
  Kernel& k = sim_->kernel();
  uint64_t m = std::strtoull(model.c_str(), nullptr, 10), kid = std::strtoull(kernel.c_str(), nullptr, 10);
  const char* req = c.ioctl == IoctlCmd::NsGetId ? "NS_GET_ID" : "NS_GET_MNTNS_ID";
  // 6.12's NS_GET_MNTNS_ID numbers mount namespaces alone (mnt_ns->seq).
  int space = c.ioctl == IoctlCmd::NsGetMntnsId && !k.has(Feature::NsGetId) ? 1 : 0;
  if (auto it = ns_id_to_kernel_.find({space, m}); it != ns_id_to_kernel_.end()) {
    if (it->second != kid)
      return fmt::format("{}: the model's id {} is the namespace the kernel numbered {} before, but the kernel now "
                         "returns {} (one namespace, two ids)",
                         req, m, it->second, kid);
    return std::nullopt;
  }
  if (auto it = ns_id_from_kernel_.find({space, kid}); it != ns_id_from_kernel_.end())
    return fmt::format("{}: the kernel returns {} for the model's {} and {} (one id for two namespaces the model "
                       "tells apart)",
                       req, kid, it->second, m);
  // Where the kernel counts up from a fixed start, the boot's (and the
  // sandbox's) namespaces are older than every namespace the scenario made,
  // and the scenario's follow creation order.
  //   kernel/nstree.c: __ns_tree_gen_id() @ v7.2; fs/namespace.c: alloc_mnt_ns() @ v6.12.
  bool counts_up = space == 1 || k.has(Feature::FixedInitNsIds);
  if (counts_up) {
    const uint64_t last_boot = space == 1 ? 2 : 8;  // the initial mount namespace's seq / NS_LAST_INIT_ID
    // A fixed initial id (7.x: ipc 1 .. mnt 8) names the same namespace in both.
    if (space == 0 && kid <= last_boot && m != kid)
      return fmt::format("{}: the kernel returns the initial namespace's fixed id {}, the model {}", req, kid, m);
    for (auto& [key, other_k] : ns_id_to_kernel_) {
      if (key.first != space) continue;
      uint64_t other_m = key.second;
      if (m <= last_boot && other_m <= last_boot) continue;  // two boot-time ones: the sandbox's order is its own
      if ((other_m < m) != (other_k < kid))
        return fmt::format("{}: the model numbers this namespace {} and an earlier-seen one {}; the kernel {} and {} "
                           "(ids count up in creation order on this kernel)",
                           req, m, other_m, kid, other_k);
    }
  }
  ns_id_to_kernel_[{space, m}] = kid;
  ns_id_from_kernel_[{space, kid}] = m;
  return std::nullopt;
}

}  // namespace nssim
