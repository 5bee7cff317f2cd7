#include "strace/session.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace nssim::strace {

// An fd of a traced task that the translation follows.
struct Session::FdEntry {
  enum Kind : uint8_t {
    Ns,        // an nsfs file (/proc/T/ns/L, a /run bind mount, NS_GET_USERNS...): a model fd
    Pidfd,     // pidfd_open(): a model fd
    ProcFile,  // /proc/T/uid_map, gid_map, setgroups: written with write("PATH", "DATA")
    Foreign,   // an nsfs file the model does not have (opened another way)
    Socket,    // socket(): a model fd; its sock holds the net namespace it was made in
  } kind = Ns;
  // The model has this open file (the fd names it), so its last close is a close().
  bool model_file() const { return (kind == Ns || kind == Pidfd || kind == Socket) && in_model; }
  std::string name;  // the model's fd name (dup'ed fds share the name of their open file)
  std::string path;  // ProcFile: the scenario path ("/proc/self/uid_map")
  bool cloexec = false;
  bool in_model = true;  // false when the model's open failed where the kernel's succeeded
  bool pair = false;     // Socket: a unix socket from socketpair(), which send()/recv() take
};
struct Session::FdTable {
  std::map<int, FdEntry> fds;
  int aliases(const std::string& name) const {
    int n = 0;
    for (auto& [fd, e] : fds)
      n += (e.kind == FdEntry::Ns || e.kind == FdEntry::Pidfd || e.kind == FdEntry::Socket) && e.name == name;
    return n;
  }
};
struct Session::Task {
  std::string name;
  int pid = 0;  // pid column
  std::shared_ptr<FdTable> fds;
  std::string comm;   // the program it runs (basename)
  bool gone = false;  // strace showed its end
};
// The event being handled and what it produced.
struct Session::Ctx {
  Ctx(const Event* e, std::vector<Output>* o, size_t f) : ev(e), out(o), first(f) {}
  const Event* ev = nullptr;
  std::vector<Output>* out = nullptr;
  size_t first = 0;                 // index in *out of this event's first output
  std::vector<std::string> msgs;    // contradictions found while handling it
  std::vector<std::string> kernel;  // first sightings: "net:[4026531840]=4026532181"
};

namespace {

constexpr uint64_t kThreadFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
// Clone flags that matter to namespaces, fd tables, the mm and task structure
// (CLONE_VFORK: the creator sleeps until the child execs or exits); the others
// (CLONE_SETTLS, CLONE_*_SETTID, CLONE_CHILD_CLEARTID, CLONE_PTRACE,
// CLONE_UNTRACED, CLONE_IO, CLONE_CLEAR_SIGHAND) do not.
constexpr uint64_t kKeptFlags = CLONE_NEW_ANY | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                                CLONE_PARENT | CLONE_VM | CLONE_VFORK;

std::string quote(std::string_view s, bool& ok) {
  std::string o = "\"";
  ok = true;
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if (c == '\n')
      o += "\\n";
    else if (c == '\t')
      o += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      ok = false;
    else
      o += c;
  }
  return o + "\"";
}

std::string basename_of(std::string_view p) {
  size_t s = p.rfind('/');
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}

// "/var/run/x" is "/run/x" on Debian (/var/run -> /run).
std::string normalize_run(std::string p) {
  if (p.starts_with("/var/run/")) p.erase(0, 4);
  return p;
}

bool has_token(std::string_view flags, std::string_view tok) {
  size_t b = 0;
  while (b <= flags.size()) {
    size_t e = flags.find('|', b);
    std::string_view t = flags.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (t == tok) return true;
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return false;
}

// wait4's status "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]" -> exit code (128+N when killed by signal N).
int status_code(std::string_view s) {
  if (size_t p = s.find("WEXITSTATUS(s) == "); p != std::string_view::npos)
    return static_cast<int>(
        parse_int(s.substr(p + 18, s.find_first_not_of("0123456789", p + 18) - p - 18)).value_or(0));
  if (size_t p = s.find("WTERMSIG(s) == "); p != std::string_view::npos) {
    std::string_view sig = s.substr(p + 15);
    sig = sig.substr(0, sig.find_first_of("} &"));
    for (int i = 1; i < 65; ++i)
      if (const char* a = sigabbrev_np(i); a && sig == std::string("SIG") + a) return 128 + i;
  }
  return 0;
}

// An integer argument that strace may have annotated ("2 /* 21392 in strace's PID NS */").
std::optional<int64_t> leading_int(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return parse_int(s.substr(0, s.find(' ')));
}

int signal_nr(std::string_view sig) {
  for (int i = 1; i < 65; ++i)
    if (const char* a = sigabbrev_np(i); a && sig == std::string("SIG") + a) return i;
  return 0;
}

std::vector<std::string> split_flags(std::string_view s) {
  std::vector<std::string> out;
  for (size_t b = 0; b <= s.size();) {
    size_t e = std::min(s.find('|', b), s.size());
    std::string_view t = s.substr(b, e - b);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    out.emplace_back(t);
    b = e + 1;
  }
  return out;
}

// strace's capability set: "0", "1<<CAP_CHOWN|1<<CAP_SYS_ADMIN", "~(1<<CAP_SYS_ADMIN)"
// (older versions), or a bit past the kernel's last capability ("1<<41": refused).
std::optional<uint64_t> parse_cap_set(std::string_view s) {
  uint64_t all = 0;
  for (int i = 0; i < 64; ++i)
    if (!cap_name(i).empty()) all |= 1ULL << i;
  bool neg = s.starts_with("~(") && s.ends_with(")");
  if (neg) s = s.substr(2, s.size() - 3);
  uint64_t v = 0;
  if (s != "0") {
    for (auto& tok : split_flags(s)) {
      std::string_view t = tok;
      if (!t.starts_with("1<<")) return std::nullopt;
      t.remove_prefix(3);
      std::optional<int> cap = cap_from_name(t);
      if (!cap) {
        auto n = parse_int(t);
        if (!n || *n < 0 || *n > 63 || cap_name(static_cast<int>(*n)).empty()) return std::nullopt;
        cap = static_cast<int>(*n);
      }
      v |= 1ULL << *cap;
    }
  }
  return neg ? all & ~v : v;
}

// "UNIX-STREAM:[40133063->40133064]" -> (own inode, peer inode).
std::optional<std::pair<uint64_t, uint64_t>> unix_inodes(std::string_view decor) {
  if (!decor.starts_with("UNIX")) return std::nullopt;
  size_t b = decor.find(":["), arrow = decor.find("->"), e = decor.rfind(']');
  if (b == std::string_view::npos || arrow == std::string_view::npos || e == std::string_view::npos || arrow > e)
    return std::nullopt;
  auto own = parse_int(decor.substr(b + 2, arrow - b - 2)), peer = parse_int(decor.substr(arrow + 2, e - arrow - 2));
  if (!own || !peer) return std::nullopt;
  return std::make_pair(static_cast<uint64_t>(*own), static_cast<uint64_t>(*peer));
}

// The fds of the SCM_RIGHTS messages in a msghdr as strace prints it
// ("{..., msg_control=[{..., cmsg_type=SCM_RIGHTS, cmsg_data=[5<net:[...]>]}], ...}"),
// one list per message; nullopt when there is none.
std::optional<std::vector<std::vector<std::string>>> scm_rights(std::string_view msghdr) {
  std::string ctl = struct_field(msghdr, "msg_control");
  if (ctl.size() < 2 || ctl.front() != '[' || ctl.back() != ']') return std::nullopt;
  std::vector<std::vector<std::string>> out;
  for (auto& cm : split_args(std::string_view(ctl).substr(1, ctl.size() - 2))) {
    if (struct_field(cm, "cmsg_type") != "SCM_RIGHTS") continue;
    std::string d = struct_field(cm, "cmsg_data");
    if (d.size() < 2 || d.front() != '[' || d.back() != ']') return std::nullopt;
    out.push_back(split_args(std::string_view(d).substr(1, d.size() - 2)));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

Session::Session(SessionOptions opt) : opt_(std::move(opt)) { header_.file = opt_.source_name; }

Session::~Session() = default;

std::string Session::name_for(int pid) {
  std::string base;
  if (auto it = opt_.names.find(pid); it != opt_.names.end())
    base = it->second;
  else
    base = fmt::format("p{}", pid);
  std::string n = base;
  for (int k = 2; used_names_.count(n) || n == "self" || n == "none" || n == "thread-self"; ++k)
    n = fmt::format("{}_{}", base, k);
  return n;
}

Session::Task* Session::task_for(int pid) {
  auto it = tasks_.find(pid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

Session::Task& Session::new_task(int pid, const std::string& name, std::shared_ptr<FdTable> fds,
                                 const std::string& comm) {
  auto t = std::make_unique<Task>();
  t->name = name;
  t->pid = pid;
  t->fds = std::move(fds);
  t->comm = comm;
  used_names_.insert(name);
  task_names_.emplace_back(pid, name);
  if (auto it = tasks_.find(pid); it != tasks_.end()) retired_.push_back(std::move(it->second));
  Task& ref = *t;
  tasks_[pid] = std::move(t);
  return ref;
}

uint32_t Session::active_pidns(const std::string& name) {
  Kernel& k = runner_->sim().kernel();
  nssim::Task* mt = runner_->sim().task(name);
  if (!mt || !mt->thread_pid) mt = k.init_task();
  return k.task_active_pid_ns(mt)->serial;
}

uint32_t Session::proc_pidns(const std::string& name) {
  Kernel& k = runner_->sim().kernel();
  nssim::Task* mt = runner_->sim().task(name);
  uint32_t root = k.task_active_pid_ns(k.init_task())->serial;
  if (!mt || !mt->nsproxy) return root;
  auto it = procns_.find(mt->nsproxy->mnt_ns->serial);
  return it == procns_.end() ? root : it->second;
}

void Session::remember_mnt(const std::string& task, uint32_t before) {
  nssim::Task* mt = runner_->sim().task(task);
  if (!mt || !mt->nsproxy) return;
  uint32_t after = mt->nsproxy->mnt_ns->serial;
  if (after == before || procns_.count(after)) return;
  if (auto it = procns_.find(before); it != procns_.end()) procns_[after] = it->second;
}

std::string Session::resolve_pid(int64_t nr, uint32_t pidns) {
  if (auto it = nspids_.find({pidns, nr}); it != nspids_.end()) {
    nssim::Task* mt = runner_->sim().task(it->second);
    if (mt) return it->second;
  }
  SimBackend& sim = runner_->sim();
  // The model's own numbers: right in a live run's sandbox and in pid namespaces
  // made during the trace; a recorded log's first pid namespace has other numbers.
  Kernel& k = sim.kernel();
  if (!opt_.live && !opt_.initial && pidns == k.task_active_pid_ns(k.init_task())->serial) return "";
  for (const std::string& n : sim.names()) {
    nssim::Task* mt = sim.task(n);
    if (!mt || !mt->thread_pid) continue;
    for (auto& num : mt->thread_pid->numbers)
      if (num.ns->serial == pidns && num.nr == nr) return n;
  }
  return "";
}

// "self", "thread-self", "123", "123/task/124" -> the task name in the scenario.
std::optional<std::string> Session::proc_task(const std::string& comp, Task& t) {
  if (comp == "self" || comp == "thread-self") return comp;
  auto v = parse_int(comp);
  if (!v || comp[0] == '0') return std::nullopt;
  std::string n = resolve_pid(*v, proc_pidns(t.name));
  if (n.empty()) return std::nullopt;
  return n;
}

int64_t Session::model_fd_ns(const std::string& task, const std::string& fdname) {
  SimBackend& sim = runner_->sim();
  nssim::Task* mt = sim.task(task);
  if (!mt || !mt->files) return -1;
  int fd = sim.fd_of(mt, fdname);
  if (fd < 0 || static_cast<size_t>(fd) >= mt->files->fdt.size() || !mt->files->fdt[fd]) return -1;
  const File* f = mt->files->fdt[fd];
  return f->fkind == FileKind::Nsfs && f->ns ? static_cast<int64_t>(f->ns->serial) : -2;
}

std::string Session::fd_name(FdTable& tbl, int fd) {
  std::string base = fmt::format("fd{}", fd), n = base;
  for (int k = 2; tbl.aliases(n) > 0; ++k) n = fmt::format("{}_{}", base, k);
  return n;
}

void Session::comment(Ctx& x, const std::string& what, const std::string& why, bool relevant, bool count) {
  Output o;
  o.kind = Output::Comment;
  o.strace_line = x.ev ? x.ev->line : 0;
  o.strace_first = x.ev && x.ev->kind == Event::Syscall ? x.ev->call.first_line : o.strace_line;
  o.strace_text = x.ev ? x.ev->text : "";
  o.comment = why;
  o.relevant = relevant;
  x.out->push_back(std::move(o));
  if (!count) return;
  auto it = nm_index_.find(what);
  if (it == nm_index_.end()) {
    nm_index_[what] = nm_.size();
    nm_.push_back(NotModelled{what, why, relevant, 1, x.ev ? x.ev->line : 0});
  } else {
    ++nm_[it->second].count;
  }
}

void Session::contradiction(Ctx& x, const std::string& msg) {
  x.msgs.push_back(fmt::format("line {}: {}", x.ev ? x.ev->line : 0, msg));
}

void Session::check_ns(NsType type, uint64_t inode, int64_t serial, const std::string& what, Ctx& x) {
  const Kernel& k = runner_->sim().kernel();
  if (serial < 0) {
    contradiction(x, fmt::format("{} is {}:[{}] on the kernel; the model has no namespace there", what,
                                 ns_type_name(type), inode));
    return;
  }
  const NsRecord& rec = k.ns_records()[serial];
  if (rec.type != type) {
    contradiction(x, fmt::format("{} is a {} namespace on the kernel ({}:[{}]), a {} one in the model ({}:[{}])", what,
                                 ns_type_name(type), ns_type_name(type), inode, ns_type_name(rec.type),
                                 ns_type_name(rec.type), rec.inum));
    return;
  }
  auto a = m2k_.find(static_cast<uint32_t>(serial));
  auto b = k2m_.find({type, inode});
  if (a != m2k_.end() && a->second != inode) {
    contradiction(
        x, fmt::format("{}: model {}:[{}] was kernel {}:[{}] and is now kernel {}:[{}] (one model "
                       "namespace, two kernel namespaces)",
                       what, ns_type_name(type), rec.inum, ns_type_name(type), a->second, ns_type_name(type), inode));
    return;
  }
  if (b != k2m_.end() && b->second != serial) {
    const NsRecord& other = k.ns_records()[b->second];
    if (other.ns) {
      contradiction(x, fmt::format("{}: kernel {}:[{}] was model {}:[{}] and is now model {}:[{}] (two live model "
                                   "namespaces, one kernel namespace)",
                                   what, ns_type_name(type), inode, ns_type_name(type), other.inum, ns_type_name(type),
                                   rec.inum));
      return;
    }
    m2k_.erase(b->second);  // the kernel reused the inode of a namespace freed in both
  }
  if (a == m2k_.end()) x.kernel.push_back(fmt::format("{}:[{}]={}", ns_type_name(type), rec.inum, inode));
  m2k_[static_cast<uint32_t>(serial)] = inode;
  k2m_[{type, inode}] = static_cast<uint32_t>(serial);
}

static std::optional<size_t> step_index(std::vector<Output>& out, size_t first) {
  for (size_t i = out.size(); i > first; --i)
    if (out[i - 1].kind == Output::Step) return i - 1;
  return std::nullopt;
}

Output* Session::step(Task& t, const std::string& call_text, const std::optional<std::string>& result, Ctx& x,
                      const std::string& note, bool implied) {
  std::string text = t.name + ": " + call_text + (result ? " = " + *result : "");
  ParseResult pr = parse_scenario(text, opt_.source_name);
  if (!pr.ok() || pr.scenario.statements.empty()) {
    comment(x, "untranslatable",
            fmt::format("could not be translated ({}: {})", text, pr.ok() ? "empty" : pr.errors.front().message), true);
    return nullptr;
  }
  stmts_.push_back(std::move(pr.scenario));
  const CallStmt& c = std::get<CallStmt>(stmts_.back().statements.front().s);
  Output o;
  o.kind = Output::Step;
  o.strace_line = x.ev ? x.ev->line : 0;
  o.strace_first = x.ev && x.ev->kind == Event::Syscall ? x.ev->call.first_line : o.strace_line;
  o.strace_text = x.ev ? x.ev->text : "";
  o.stmt = text;
  o.note = note;
  o.implied = implied;
  StepRecord& r = o.record;
  r.kind = StepRecord::Call;
  r.step = ++steps_;
  r.line = o.strace_line;
  r.call = &c;
  SimBackend& sim = runner_->sim();
  Kernel& k = sim.kernel();
  Observation prev = sim.observe();
  k.trace.on = true;
  r.outcome = sim.call(c);
  r.events = k.trace.take();
  k.trace.on = false;
  r.expected = c.assert_result;
  if (!r.outcome.usage_error.empty()) {
    r.ok = false;
    contradiction(x, fmt::format("the model cannot run {}: {}", text, r.outcome.usage_error));
  } else if (r.expected) {
    bool numeric = !r.outcome.result.empty() && r.outcome.result.find_first_not_of("0123456789") == std::string::npos;
    r.ok = *r.expected == r.outcome.result || (*r.expected == "0" && r.outcome.ok && !numeric);
    if (!r.ok)
      contradiction(x, fmt::format("{}: the kernel returned {}, the model predicts {}", call_text, *r.expected,
                                   r.outcome.ok ? "= " + r.outcome.result : "= -1 " + r.outcome.result));
  }
  r.obs = sim.observe();
  r.links_changed = links_changed(prev, r.obs);
  x.out->push_back(std::move(o));
  return &x.out->back();
}

void Session::begin(std::vector<Output>& out, int first_pid) {
  if (started_) return;
  started_ = true;
  int init_pid = opt_.init_pid ? opt_.init_pid : first_pid;
  if (opt_.initial) {
    // --attach: the model is the restored snapshot; its init stands for the
    // host's pid 1, and every traced process is a restored task (made in feed()).
    init_name_ = "init";
    header_.init_name = init_name_;
    Kernel::Config cfg = Runner::config_for(header_);
    cfg.hostname = opt_.hostname;
    Runner::Options ro;
    ro.trace = true;
    ro.config = cfg;
    ro.initial = opt_.initial;
    runner_ = std::make_unique<Runner>(header_, ro);
    for (const std::string& n : runner_->sim().names()) used_names_.insert(n);
    // The restored namespaces keep the kernel's inodes: each is its own sighting.
    const Kernel& k = runner_->sim().kernel();
    for (size_t i = 0; i < k.ns_records().size(); ++i) {
      const NsRecord& r = k.ns_records()[i];
      if (!r.ns) continue;
      m2k_[static_cast<uint32_t>(i)] = r.inum;
      k2m_[{r.type, r.inum}] = static_cast<uint32_t>(i);
    }
    return;
  }
  bool existing_first = opt_.existing.count(init_pid) > 0;
  bool parent = (opt_.init_parent || !opt_.existing.empty()) && !opt_.live;
  std::string first = name_for(init_pid);
  init_name_ = first;
  if (parent) {
    used_names_.insert(first);
    init_name_ = "init";
    for (int i = 2; used_names_.count(init_name_); ++i) init_name_ = fmt::format("init_{}", i);
    used_names_.erase(first);
  }
  header_.init_name = init_name_;
  Kernel::Config cfg = Runner::config_for(header_);
  cfg.root_pid_level = opt_.root_pid_level;
  cfg.hostname = opt_.hostname;
  Runner::Options ro;
  ro.trace = true;
  ro.config = cfg;
  runner_ = std::make_unique<Runner>(header_, ro);
  Kernel& k = runner_->sim().kernel();
  uint32_t root = k.task_active_pid_ns(k.init_task())->serial;
  if (parent) {
    // The init no log line is about: kept apart from the pid-keyed tasks.
    auto holder = std::make_unique<Task>();
    holder->name = init_name_;
    holder->fds = std::make_shared<FdTable>();
    used_names_.insert(init_name_);
    retired_.push_back(std::move(holder));
    if (!existing_first) {
      Ctx x{nullptr, &out, out.size()};
      step(*retired_.back(), fmt::format("clone(0) -> {}", first), first, x,
           "not in the log: the log's first process exits before others, so it runs under an init of its own "
           "(the model's first task is pid 1, whose exit would kill them)");
      new_task(init_pid, first, std::make_shared<FdTable>(), "");
      nspids_[{root, init_pid}] = first;
    }
  } else {
    new_task(init_pid, init_name_, std::make_shared<FdTable>(), "");
    nspids_[{root, opt_.live ? 1 : init_pid}] = init_name_;
  }
  // The initial namespaces: what /proc/PID/ns of the first process showed before it ran.
  Ctx x{nullptr, &out, out.size()};
  bool any = false;
  for (int i = 0; i < kLinks; ++i) {
    if (!opt_.init_inodes[i]) continue;
    any = true;
    NsCommon* ns = k.ns_of_link(k.init_task(), kAllLinks[i]);
    check_ns(link_type(kAllLinks[i]), opt_.init_inodes[i], ns ? ns->serial : -1,
             fmt::format("/proc/{}/ns/{} at the start", init_name_, link_name(kAllLinks[i])), x);
  }
  if (any) {
    Output o;
    o.kind = Output::Comment;
    o.comment = "the initial namespaces (model=kernel): " + fmt::format("{}", fmt::join(x.kernel, "  "));
    out.push_back(std::move(o));
  }
  for (auto& m : x.msgs) {
    Output o;
    o.kind = Output::Contradiction;
    o.message = m;
    out.push_back(std::move(o));
    ++contradictions_;
  }
}

void Session::feed(const Event& ev, std::vector<Output>& out) {
  if (!started_) begin(out, ev.pid);
  if (!task_for(ev.pid)) {
    // A pid not matched to a clone yet: the child of a clone whose result
    // strace has not printed (vfork), or whose pid the log shows in another
    // pid namespace than the clone's result.
    auto rs = opt_.restored.find(ev.pid);
    if (rs != opt_.restored.end() && runner_->sim().task(rs->second)) {
      // --attach: a process (or thread) of the snapshot.
      new_task(ev.pid, rs->second, std::make_shared<FdTable>(), "");
    } else if (opt_.existing.count(ev.pid)) {
      make_existing(ev, out);
    } else if (!parked_.empty()) {
      Parked pk = std::move(parked_.front());
      parked_.erase(parked_.begin());
      std::string name = pk.task->name;
      pk.task->pid = ev.pid;
      tasks_[ev.pid] = std::move(pk.task);
      Ctx x{&ev, &out, out.size()};
      comment(x, "pid matched by order",
              fmt::format("pid {} is taken to be {} (the clone at line {} returned {} in its pid namespace; record "
                          "with strace --decode-pids=pidns to make this exact)",
                          ev.pid, name, pk.line, pk.key),
              false);
    } else {
      orphans_[ev.pid].push_back(ev);
      return;
    }
  }
  if (hold_if_asleep(ev, out)) return;
  handle(ev, out);
  release_woken(out);
}

void Session::make_existing(const Event& ev, std::vector<Output>& out) {
  const std::array<uint64_t, kLinks>& inodes = opt_.existing.at(ev.pid);
  SimBackend& sim = runner_->sim();
  Kernel& k = sim.kernel();
  auto known = [&](nssim::Task* mt, int i) -> int {  // 1: mt's link i is the inode's model namespace
    NsCommon* ns = mt && mt->nsproxy ? k.ns_of_link(mt, kAllLinks[i]) : nullptr;
    auto b = k2m_.find({link_type(kAllLinks[i]), inodes[i]});
    return ns && b != k2m_.end() && b->second == ns->serial;
  };
  // A thread of another existing pid (existing_thread_of): made by its thread().
  if (auto th = opt_.existing_thread_of.find(ev.pid); th != opt_.existing_thread_of.end() && th->second != ev.pid) {
    int lead = th->second;
    if (!task_for(lead) && opt_.existing.count(lead)) {
      Event le = ev;
      le.pid = lead;
      make_existing(le, out);  // makes its threads too, this one among them
      if (task_for(ev.pid)) return;
    }
    if (Task* lt = task_for(lead); lt && sim.task(lt->name) && sim.task(lt->name)->state == TaskState::Running) {
      std::string name = name_for(ev.pid);
      Ctx x{&ev, &out, out.size()};
      step(*lt, fmt::format("thread() -> {}", name), name, x,
           fmt::format("not in the log: pid {} was running when the log starts, a thread of {}'s process: a "
                       "thread of one reaps a child a thread of the other made (a child belongs to its creator's "
                       "thread group), or a tgkill() names their thread group",
                       ev.pid, lt->name),
           true);
      new_task(ev.pid, name, lt->fds, lt->comm);
      existing_made_.emplace_back(ev.pid, name);
      nspids_[{k.task_active_pid_ns(k.init_task())->serial, ev.pid}] = name;
      return;
    }
  }
  // The creator: the init, or an existing process already made that shares
  // the most namespaces (a process in a container next to its init).
  std::string base = init_name_;
  int best = -1;
  std::vector<std::string> cands{init_name_};
  for (auto& [pid, n] : existing_made_) cands.push_back(n);
  if (auto pp = opt_.existing_parent.find(ev.pid); pp != opt_.existing_parent.end()) {
    // Its parent (which reaps it later): made first, it makes this one.
    int ppid = pp->second;
    opt_.existing_parent.erase(pp);  // no loop through a cycle of parents
    if (!task_for(ppid) && opt_.existing.count(ppid)) {
      Event pe = ev;
      pe.pid = ppid;
      make_existing(pe, out);
    }
    if (Task* pt = task_for(ppid); pt && sim.task(pt->name)) cands = {pt->name};
  }
  for (auto& c : cands) {
    nssim::Task* mt = sim.task(c);
    if (!mt || mt->state != TaskState::Running || !mt->nsproxy) continue;
    int score = 0;
    for (int i = 0; i < kLinks; ++i) score += inodes[i] ? known(mt, i) : 0;
    if (score > best) best = score, base = c;
  }
  nssim::Task* bt = sim.task(base);
  uint64_t flags = 0;
  std::vector<std::string> unplaced;
  bool any = false;
  for (int i = 0; i < kLinks; ++i) {
    if (!inodes[i]) continue;
    any = true;
    Link l = kAllLinks[i];
    if (l == Link::PidForChildren || l == Link::TimeForChildren || known(bt, i)) continue;
    NsCommon* ns = bt && bt->nsproxy ? k.ns_of_link(bt, l) : nullptr;
    if (k2m_.count({link_type(l), inodes[i]}) || l == Link::Time) {
      // Another model namespace already (or a time namespace, which clone() cannot make): not placed.
      unplaced.emplace_back(link_name(l));
      continue;
    }
    if (!ns || !m2k_.count(ns->serial)) continue;  // the creator's is not seen yet: taken to be this one
    flags |= ns_type_clone_flag(link_type(l));
  }
  std::string name = name_for(ev.pid);
  std::string note = fmt::format(
      "not in the log: pid {} was running when the log starts (no clone of it in the log); {}", ev.pid,
      any ? fmt::format("its namespaces are those its /proc/{}/ns links show in the log{}", ev.pid,
                        flags ? fmt::format(" ({}: these differ from {}'s)", clone_flags_str(flags), base) : "")
          : "marked existing: the log shows none of its namespaces, so it has the initial ones (the host's)");
  if (!unplaced.empty())
    note += fmt::format("; its {} namespace{} cannot be placed by a clone", fmt::join(unplaced, ", "),
                        unplaced.size() == 1 ? "" : "s");
  Ctx x{&ev, &out, out.size()};
  Task creator;
  creator.name = base;
  Output* o = step(creator, fmt::format("clone({}) -> {}", clone_flags_str(flags), name), name, x, note, true);
  new_task(ev.pid, name, std::make_shared<FdTable>(), "");
  existing_made_.emplace_back(ev.pid, name);
  nspids_[{k.task_active_pid_ns(k.init_task())->serial, ev.pid}] = name;
  if (nssim::Task* mt = sim.task(name); mt && mt->nsproxy)
    for (int i = 0; i < kLinks; ++i) {
      if (!inodes[i]) continue;
      NsCommon* ns = k.ns_of_link(mt, kAllLinks[i]);
      check_ns(link_type(kAllLinks[i]), inodes[i], ns ? ns->serial : -1,
               fmt::format("/proc/{}/ns/{} at the start of the log", ev.pid, link_name(kAllLinks[i])), x);
    }
  contradictions_ += static_cast<int>(x.msgs.size());
  if (o) {
    Output& s = out[static_cast<size_t>(o - out.data())];
    s.strace_text = fmt::format("(pid {} exists: its first line is {})", ev.pid, ev.line);
    s.record.disagreements.insert(s.record.disagreements.end(), x.msgs.begin(), x.msgs.end());
    s.kernel.insert(s.kernel.end(), x.kernel.begin(), x.kernel.end());
  } else {
    for (auto& m : x.msgs) {
      Output c;
      c.kind = Output::Contradiction;
      c.strace_line = ev.line;
      c.message = m;
      out.push_back(std::move(c));
    }
  }
  // Its threads the log shows (existing_thread_of) exist as long as it has:
  // made now, before any of its calls changes what they would share. (Last:
  // they append to `out`, which `o` points into.)
  for (auto& [tid, lead] : opt_.existing_thread_of)
    if (lead == ev.pid && tid != ev.pid && !task_for(tid)) {
      Event te = ev;
      te.pid = tid;
      make_existing(te, out);
    }
}

bool Session::hold_if_asleep(const Event& ev, std::vector<Output>& out) {
  (void)out;
  Task* t = task_for(ev.pid);
  if (!t) return false;
  auto it = std::find_if(held_.begin(), held_.end(), [&](auto& h) { return h.first == t->name; });
  nssim::Task* mt = runner_->sim().task(t->name);
  if (it == held_.end() && !(mt && mt->in_vfork)) return false;
  if (it == held_.end()) it = held_.insert(held_.end(), {t->name, {}});
  it->second.push_back(ev);
  return true;
}

void Session::release_woken(std::vector<Output>& out) {
  for (size_t i = 0; i < held_.size();) {
    nssim::Task* mt = runner_->sim().task(held_[i].first);
    if (mt && mt->in_vfork) {
      ++i;
      continue;
    }
    std::string name = held_[i].first;
    std::vector<Event> evs = std::move(held_[i].second);
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    Ctx x{nullptr, &out, out.size()};
    comment(x, "vfork: lines moved after the child's exec",
            fmt::format("strace printed {} line{} of {} (from line {}) before its CLONE_VFORK child's exec or exit was "
                        "complete; the creator sleeps until then, so they follow it here",
                        evs.size(), evs.size() == 1 ? "" : "s", name, evs.front().line),
            false, false);
    for (auto& e : evs)
      if (!hold_if_asleep(e, out)) handle(e, out);
    i = 0;  // a replayed event may have woken (or put to sleep) another task
  }
}

void Session::handle(const Event& ev, std::vector<Output>& out) {
  Task* tp = task_for(ev.pid);
  Task& t = *tp;
  Ctx x{&ev, &out, out.size()};
  switch (ev.kind) {
    case Event::Syscall:
      call(ev.call, t, x);
      break;
    case Event::Exited:
    case Event::Killed: {
      nssim::Task* mt = runner_->sim().task(t.name);
      t.gone = true;
      if (!mt || mt->state != TaskState::Running) t.fds = std::make_shared<FdTable>();
      if (mt && mt->state == TaskState::Running) {
        int code = ev.kind == Event::Exited ? ev.code : 128 + ev.code;
        on_exit(t, code, ev.kind == Event::Exited ? "" : fmt::format("killed by {}", ev.signal), x);
      } else {
        comment(x, "end of task", "the task's exit was already translated", false, false);
      }
      break;
    }
    case Event::Signal:
      if (t.name == init_name_ && !init_execed_) {
        // SIGSTOP/SIGCONT of the attach, before the program starts.
        comment(x, "signal delivery", "the sandbox's attach (before the program runs)", false, false);
        break;
      }
      comment(x, "signal delivery",
              "signals are not modelled; a fatal one shows as '+++ killed by' and is translated as exit", false);
      break;
    case Event::Superseded:
      // The leader's thread clone ended "= ?" because the thread it made
      // exec'd at once (de_thread() ended the leader in the call): the
      // superseded line names that thread, made here.
      if (auto u = thread_clone_unknown_.find(ev.pid);
          ev.code > 0 && !task_for(ev.code) && u != thread_clone_unknown_.end()) {
        int line = u->second;
        thread_clone_unknown_.erase(u);
        nssim::Task* lm = runner_->sim().task(t.name);
        if (lm && lm->state == TaskState::Running) {
          std::string name = name_for(ev.code);
          step(t, fmt::format("thread() -> {}", name), name, x,
               fmt::format("the thread clone at line {} ended '= ?': the thread it made, pid {}, exec'd and took the "
                           "leader's pid (de_thread() ended the leader in the call)",
                           line, ev.code));
          new_task(ev.code, name, t.fds, t.comm);
          replay_orphans(ev.code, *x.out);
        }
      }
      comment(
          x, "execve by a thread",
          "a non-leader thread's execve takes over the leader's pid (de_thread()): translated at its execve line as "
          "the leader's exec()",
          false, false);
      break;
  }
  // Attach what was found to the step this event produced, if any.
  contradictions_ += static_cast<int>(x.msgs.size());
  if (auto si = step_index(out, x.first)) {
    Output& s = out[*si];
    s.record.disagreements.insert(s.record.disagreements.end(), x.msgs.begin(), x.msgs.end());
    s.kernel.insert(s.kernel.end(), x.kernel.begin(), x.kernel.end());
  } else {
    for (auto& m : x.msgs) {
      Output o;
      o.kind = Output::Contradiction;
      o.strace_line = ev.line;
      o.strace_text = ev.text;
      o.message = m;
      out.push_back(std::move(o));
    }
    if (!x.kernel.empty()) {
      for (size_t i = out.size(); i > x.first; --i)
        if (out[i - 1].kind == Output::Comment) {
          out[i - 1].kernel = x.kernel;
          break;
        }
    }
  }
}

void Session::on_exit(Task& t, int code, const std::string& why, Ctx& x) {
  step(t, fmt::format("exit({})", code), std::nullopt, x, why);
  t.fds = std::make_shared<FdTable>();  // exit_files(): its fds are gone (a shared table lives on in the others)
}

void Session::check_fd_args(const Call& c, Task& t, Ctx& x) {
  for (auto& a : c.args) {
    auto f = parse_fd(a);
    if (!f || f->fd < 0 || f->decor.empty()) continue;
    auto nd = parse_ns_decor(f->decor);
    if (!nd) continue;
    auto it = t.fds->fds.find(f->fd);
    if (it == t.fds->fds.end()) {
      t.fds->fds[f->fd] = FdEntry{FdEntry::Foreign, "", "", false, false};
      comment(x, "unknown nsfs fd",
              fmt::format("fd {} of {} is {} but no translated call opened it (inherited from outside the trace, "
                          "or made by a call the model lacks)",
                          f->fd, t.name, f->decor),
              true);
      continue;
    }
    if (it->second.kind != FdEntry::Ns || !it->second.in_model) continue;
    check_ns(nd->first, nd->second, model_fd_ns(t.name, it->second.name),
             fmt::format("fd {} of {} ({})", f->fd, t.name, it->second.name), x);
  }
}

// The model closes an fd when the last kernel fd of its open file goes.
void Session::drop_fd(Task& t, int fd, Ctx& x, const char* why) {
  auto it = t.fds->fds.find(fd);
  if (it == t.fds->fds.end()) return;
  FdEntry e = it->second;
  t.fds->fds.erase(it);
  if (e.model_file() && t.fds->aliases(e.name) == 0)
    step(t, fmt::format("close({})", e.name), std::string("0"), x, why, true);
}

void Session::call(const Call& c, Task& t, Ctx& x) {
  const std::string& n = c.name;
  const Ret& r = c.ret;
  check_fd_args(c, t, x);
  auto result = [&](const std::string& ok_value) -> std::optional<std::string> {
    if (r.unknown) return std::nullopt;
    if (r.failed()) {
      if (errno_from_name(r.err)) return r.err;
      return std::nullopt;
    }
    return ok_value;
  };
  auto arg = [&](size_t i) -> std::string { return i < c.args.size() ? c.args[i] : std::string(); };
  Kernel& k = runner_->sim().kernel();
  nssim::Task* mt = runner_->sim().task(t.name);

  if (n == "execve" || n == "execveat") return on_exec(c, t, x);
  if (n == "clone" || n == "clone3" || n == "fork" || n == "vfork") return on_clone(c, t, x);
  if (n == "open" || n == "openat" || n == "creat" || n == "openat2") return on_open(c, t, x);
  if (n == "sendmsg" || n == "recvmsg") return on_msg(c, t, x);
  if (n == "capset") return on_capset(c, t, x);

  if (n == "unshare") {
    std::vector<std::string> unknown;
    uint64_t flags = parse_clone_flags(arg(0), &unknown);
    if (!unknown.empty())
      return comment(x, "unshare (unknown flags)", fmt::format("unknown flags {}", fmt::join(unknown, "|")), true);
    uint32_t before = mt && mt->nsproxy ? mt->nsproxy->mnt_ns->serial : 0;
    step(t, fmt::format("unshare({})", clone_flags_str(flags)), result("0"), x);
    remember_mnt(t.name, before);
    if (!r.failed() && (flags & CLONE_FILES) && t.fds.use_count() > 1) t.fds = std::make_shared<FdTable>(*t.fds);
    return;
  }
  if (n == "setns") {
    auto f = parse_fd(arg(0));
    auto it = f ? t.fds->fds.find(f->fd) : t.fds->fds.end();
    if (it == t.fds->fds.end() || (it->second.kind != FdEntry::Ns && it->second.kind != FdEntry::Pidfd))
      return comment(x, "setns (fd unknown to the model)",
                     "setns on an fd no translated call opened: the model cannot follow it", true);
    if (!it->second.in_model)
      return comment(x, "setns (fd missing in the model)", "its open failed in the model (see the contradiction there)",
                     true);
    std::vector<std::string> unknown;
    uint64_t flags = parse_clone_flags(arg(1), &unknown);
    uint32_t before = mt && mt->nsproxy ? mt->nsproxy->mnt_ns->serial : 0;
    step(t, fmt::format("setns({}, {})", it->second.name, clone_flags_str(flags)), result("0"), x);
    remember_mnt(t.name, before);
    return;
  }
  if (n == "close") {
    auto f = parse_fd(arg(0));
    if (!f) return comment(x, "close (other fds)", "no namespace effect", false);
    auto it = t.fds->fds.find(f->fd);
    if (it == t.fds->fds.end())
      return comment(x, "close (other fds)", "closing files other than namespace files: no namespace effect", false);
    FdEntry e = it->second;
    t.fds->fds.erase(it);
    if (e.model_file()) {
      if (t.fds->aliases(e.name) == 0) return (void)step(t, fmt::format("close({})", e.name), result("0"), x);
      return comment(x, "close (of a dup)", "the open file stays open through another fd (dup)", false);
    }
    return comment(x, "close (other fds)", "closing files other than namespace files: no namespace effect", false);
  }
  if (n == "close_range") {
    auto lo = parse_int(arg(0)), hi = parse_int(arg(1));
    std::string fl = arg(2);
    if (r.failed() || !lo || !hi) return comment(x, "close_range (failed)", "no effect", false);
    if (has_token(fl, "CLOSE_RANGE_UNSHARE") && t.fds.use_count() > 1) {
      step(t, "unshare(CLONE_FILES)", std::string("0"), x, "close_range(CLOSE_RANGE_UNSHARE) unshares the fd table",
           true);
      t.fds = std::make_shared<FdTable>(*t.fds);
    }
    std::vector<int> in;
    for (auto& [fd, e] : t.fds->fds)
      if (fd >= *lo && (*hi < 0 || fd <= *hi || static_cast<uint64_t>(*hi) == 0xffffffffULL)) in.push_back(fd);
    if (has_token(fl, "CLOSE_RANGE_CLOEXEC")) {
      for (int fd : in) t.fds->fds[fd].cloexec = true;
      return comment(x, "close_range(CLOSE_RANGE_CLOEXEC)", "marks fds close-on-exec (followed for execve)", false);
    }
    for (int fd : in) drop_fd(t, fd, x, "close_range");
    if (in.empty()) comment(x, "close_range (other fds)", "closes no namespace file", false);
    return;
  }
  if (n == "dup" || n == "dup2" || n == "dup3" ||
      (n == "fcntl" && (arg(1) == "F_DUPFD" || arg(1) == "F_DUPFD_CLOEXEC"))) {
    auto f = parse_fd(arg(0));
    auto it = f ? t.fds->fds.find(f->fd) : t.fds->fds.end();
    if (r.failed() || r.unknown) return comment(x, n + " (failed)", "no effect", false);
    int nfd = static_cast<int>(r.value);
    bool target_known = t.fds->fds.count(nfd) > 0;
    if (it == t.fds->fds.end() && !target_known)
      return comment(x, n + " (other fds)", "duplicating other files: no namespace effect", false);
    if (target_known && (!f || f->fd != nfd)) drop_fd(t, nfd, x, "dup2 closes the fd it replaces");
    if (it == t.fds->fds.end()) return comment(x, n + " (replacing a namespace fd)", "translated as close", true);
    FdEntry e = t.fds->fds[f->fd];
    if (f->fd == nfd) return comment(x, n + " (same fd)", "no effect", false);
    e.cloexec = (n == "dup3" && has_token(arg(2), "O_CLOEXEC")) || arg(1) == "F_DUPFD_CLOEXEC";
    t.fds->fds[nfd] = e;
    comment(x, "dup of a namespace fd",
            "the language has no dup: the new fd is followed as the same open file under its first name "
            "(a close of either fd closes it in the model only when both are gone)",
            true);
    if (auto nd = parse_ns_decor(r.decor); nd && e.kind == FdEntry::Ns && e.in_model)
      check_ns(nd->first, nd->second, model_fd_ns(t.name, e.name), fmt::format("fd {} of {}", nfd, t.name), x);
    return;
  }
  if (n == "fcntl") {
    auto f = parse_fd(arg(0));
    if (arg(1) == "F_SETFD" && f && t.fds->fds.count(f->fd) && !r.failed()) {
      t.fds->fds[f->fd].cloexec = arg(2).find("FD_CLOEXEC") != std::string::npos;
      return comment(x, "fcntl(F_SETFD)", "close-on-exec flag: followed for execve", false);
    }
    return comment(x, "fcntl", "no namespace effect", false);
  }
  if (n == "pidfd_open") {
    auto pid = leading_int(arg(0));
    std::string target = pid ? resolve_pid(*pid, active_pidns(t.name)) : "";
    if (target.empty())
      return comment(x, "pidfd_open (unknown pid)", "a pid that is not a traced task: not modelled", true);
    auto fl = parse_int(arg(1));
    std::string flags = fl && *fl ? fmt::format(", {}", *fl) : (arg(1) == "PIDFD_NONBLOCK" ? ", 2048" : "");
    if (r.failed() || r.unknown) {
      step(t, fmt::format("pidfd_open({}{}) -> fail{}", target, flags, c.line), result(""), x);
      return;
    }
    int fd = static_cast<int>(r.value);
    std::string name = fd_name(*t.fds, fd);
    drop_fd(t, fd, x, "fd reused");
    Output* o = step(t, fmt::format("pidfd_open({}{}) -> {}", target, flags, name), name, x);
    t.fds->fds[fd] = FdEntry{FdEntry::Pidfd, name, "", true, o && o->record.outcome.ok};
    return;
  }
  if (n == "socket") {
    // Every family's create() makes its sock with sk_alloc() in the caller's
    // net namespace, which the sock then holds (net/core/sock.c).
    static const std::pair<const char*, const char*> kFamilies[] = {
        {"AF_UNIX", "AF_UNIX"}, {"AF_LOCAL", "AF_UNIX"}, {"AF_INET", "AF_INET"}, {"AF_INET6", "AF_INET6"},
        {"AF_NETLINK", "AF_NETLINK"}};
    const char* fam = nullptr;
    for (auto& [a, b] : kFamilies)
      if (arg(0) == a) fam = b;
    if (!fam)
      return comment(x, "socket (other family)",
                     "a socket of a family the language lacks: it holds the caller's net namespace on the kernel",
                     true);
    if (r.failed() || r.unknown)
      return (void)step(t, fmt::format("socket({}) -> fail{}", fam, c.line), result(""), x);
    int fd = static_cast<int>(r.value);
    std::string name = fd_name(*t.fds, fd);
    drop_fd(t, fd, x, "fd reused");
    Output* o = step(t, fmt::format("socket({}) -> {}", fam, name), name, x);
    t.fds->fds[fd] = FdEntry{FdEntry::Socket, name, "", has_token(arg(1), "SOCK_CLOEXEC"), o && o->record.outcome.ok};
    return;
  }
  if (n == "socketpair" && (arg(0) == "AF_UNIX" || arg(0) == "AF_LOCAL")) {
    // net/unix/af_unix.c: unix_socketpair() serves every unix type: two socks
    // in the caller's net namespace, each holding the other.
    if (r.failed() || r.unknown)
      return (void)step(t, fmt::format("socketpair(AF_UNIX) -> fail{}, fail{}b", c.line, c.line), result(""), x);
    std::string sv = arg(3);  // "[3<UNIX:[..]>, 4<UNIX:[..]>]"
    auto fds = split_args(sv.size() >= 2 && sv.front() == '[' ? std::string_view(sv).substr(1, sv.size() - 2) : "");
    std::optional<FdArg> f0 = fds.size() == 2 ? parse_fd(fds[0]) : std::nullopt;
    std::optional<FdArg> f1 = fds.size() == 2 ? parse_fd(fds[1]) : std::nullopt;
    if (!f0 || !f1) return comment(x, n, "a socketpair whose fds the log does not show: not translated", true);
    std::string n0 = fd_name(*t.fds, f0->fd);
    drop_fd(t, f0->fd, x, "fd reused");
    std::string n1 = fd_name(*t.fds, f1->fd);
    drop_fd(t, f1->fd, x, "fd reused");
    // '= 0' asserts the success of a call that names its results.
    Output* o = step(t, fmt::format("socketpair(AF_UNIX) -> {}, {}", n0, n1), "0", x);
    bool cloexec = has_token(arg(1), "SOCK_CLOEXEC"), ok = o && o->record.outcome.ok;
    t.fds->fds[f0->fd] = FdEntry{FdEntry::Socket, n0, "", cloexec, ok, true};
    t.fds->fds[f1->fd] = FdEntry{FdEntry::Socket, n1, "", cloexec, ok, true};
    return;
  }
  if (n == "socketpair" || n == "accept" || n == "accept4")
    return comment(x, n, "new sockets: each holds the caller's net namespace on the kernel (not modelled)", true);
  if (n == "mount") {
    auto src = parse_string(arg(0)), dst = parse_string(arg(1));
    std::string fl = arg(3);
    auto fstype = parse_string(arg(2));
    if (src && dst && has_token(fl, "MS_BIND") && !has_token(fl, "MS_REMOUNT")) {
      std::string s = normalize_run(*src), d = normalize_run(*dst);
      std::optional<std::string> msrc;
      if (s.starts_with("/proc/")) {
        size_t slash = s.find('/', 6);
        std::string comp = slash == std::string::npos ? "" : s.substr(6, slash - 6);
        auto np = parse_path("/proc/x" + (slash == std::string::npos ? "" : s.substr(slash)));
        if (np && np->kind == NsPath::ProcNs)
          if (auto who = proc_task(comp, t)) msrc = fmt::format("/proc/{}/ns/{}", *who, link_name(np->link));
      } else if (auto np = parse_path(s);
                 np && np->kind == NsPath::Run && mt && mt->nsproxy && k.mount_at(mt->nsproxy->mnt_ns, s)) {
        msrc = s;
      }
      auto dp = parse_path(d);
      if (msrc && dp && dp->kind == NsPath::Run)
        return (void)step(t, fmt::format("mount(\"{}\", \"{}\", MS_BIND)", *msrc, d), result("0"), x);
      if (msrc)
        return comment(x, "mount (bind of a namespace file elsewhere)",
                       "a bind mount of a namespace file outside /run, /srv, /mnt and /media: the model only has "
                       "targets there; it pins the namespace on the kernel",
                       true);
    }
    if (fstype && *fstype == "proc" && dst && *dst == "/proc" && !r.failed() && mt && mt->nsproxy) {
      procns_[mt->nsproxy->mnt_ns->serial] = k.task_active_pid_ns(mt)->serial;
      return comment(x, "mount (proc)",
                     "a new procfs shows the mounting task's pid namespace: not modelled, but followed so that "
                     "/proc/PID paths resolve in it",
                     true);
    }
    if (has_token(fl, "MS_SHARED") || has_token(fl, "MS_PRIVATE") || has_token(fl, "MS_SLAVE") ||
        has_token(fl, "MS_UNBINDABLE")) {
      // The whole tree's propagation (unshare(1), container runtimes) is
      // modelled; the source and type are ignored by the kernel here.
      auto toks = split_flags(fl);
      std::string type;
      for (const char* ty : {"MS_PRIVATE", "MS_SLAVE", "MS_SHARED"})
        if (has_token(fl, ty)) type += type.empty() ? ty : "+";
      if (dst && *dst == "/" && toks.size() == 2 && has_token(fl, "MS_REC") && !type.empty() &&
          type.find('+') == std::string::npos)
        return (void)step(t, fmt::format("mount(\"none\", \"/\", MS_REC|{})", type), result("0"), x);
      return comment(x, "mount (propagation)",
                     "a propagation change of a single mount, or with other flags (MS_UNBINDABLE...): only "
                     "MS_REC|MS_PRIVATE, MS_SLAVE or MS_SHARED of \"/\" is modelled; peers would see bind mounts the "
                     "model does not give them",
                     true);
    }
    return comment(x, "mount (other)", "mounts of other files and filesystems are not modelled", true);
  }
  if (n == "umount2" || n == "umount") {
    auto p = parse_string(arg(0));
    std::string path = p ? normalize_run(*p) : "";
    auto np = parse_path(path);
    if (np && np->kind == NsPath::Run && mt && mt->nsproxy && k.mount_at(mt->nsproxy->mnt_ns, path)) {
      bool detach = has_token(arg(1), "MNT_DETACH");
      return (void)step(t, fmt::format("umount(\"{}\"{})", path, detach ? ", MNT_DETACH" : ""), result("0"), x);
    }
    return comment(x, "umount (other)", "unmounting something the model does not have: not modelled", true);
  }
  if (n == "ioctl") {
    auto f = parse_fd(arg(0));
    auto it = f ? t.fds->fds.find(f->fd) : t.fds->fds.end();
    static const std::pair<const char*, const char*> kReq[] = {{"NS_GET_USERNS", "NS_GET_USERNS"},
                                                               {"NS_GET_PARENT", "NS_GET_PARENT"},
                                                               {"NS_GET_NSTYPE", "NS_GET_NSTYPE"},
                                                               {"NS_GET_OWNER_UID", "NS_GET_OWNER_UID"}};
    std::string req = arg(1);
    bool known = false;
    for (auto& [a, b] : kReq) known |= req == a;
    // A request that returns a new nsfs fd (open_related_ns(): O_CLOEXEC):
    // "ioctl(FD, REQ) -> NAME", and the namespace strace decoded is checked.
    auto ns_fd_result = [&](const std::string& fdn) {
      if (r.failed() || r.unknown)
        return (void)step(t, fmt::format("ioctl({}, {}) -> fail{}", fdn, req, c.line), result(""), x);
      int nfd = static_cast<int>(r.value);
      std::string name = fd_name(*t.fds, nfd);
      drop_fd(t, nfd, x, "fd reused");
      Output* o = step(t, fmt::format("ioctl({}, {}) -> {}", fdn, req, name), name, x);
      bool ok = o && o->record.outcome.ok;
      t.fds->fds[nfd] = FdEntry{FdEntry::Ns, name, "", true, ok};
      if (auto nd = parse_ns_decor(r.decor); nd && ok)
        check_ns(nd->first, nd->second, model_fd_ns(t.name, name), fmt::format("fd {} of {}", nfd, t.name), x);
    };
    // sock_ioctl(): a new nsfs fd on the socket's net namespace.
    if (req == "SIOCGSKNS" && it != t.fds->fds.end() && it->second.kind == FdEntry::Socket && it->second.in_model)
      return ns_fd_result(it->second.name);
    if (!known || it == t.fds->fds.end() || it->second.kind != FdEntry::Ns || !it->second.in_model)
      return comment(x, req.starts_with("NS_") ? "ioctl (" + req + ")" : "ioctl (other)",
                     req.starts_with("NS_") ? "an nsfs query the model lacks, or on an fd it does not follow: no "
                                              "namespace effect"
                                            : "no namespace effect",
                     false);
    const std::string& fdn = it->second.name;
    if (req == "NS_GET_USERNS" || req == "NS_GET_PARENT") return ns_fd_result(fdn);
    if (req == "NS_GET_NSTYPE") {
      std::string v = r.failed() ? r.err : "";
      if (!r.failed()) {
        auto ty = ns_type_from_clone_flag(static_cast<uint64_t>(r.value));
        v = ty ? clone_flags_str(static_cast<uint64_t>(r.value)) : std::to_string(r.value);
      }
      return (void)step(t, fmt::format("ioctl({}, NS_GET_NSTYPE)", fdn),
                        r.unknown ? std::nullopt : std::optional<std::string>(v), x);
    }
    // NS_GET_OWNER_UID: the uid is written to the third argument ("[0]").
    std::string a2 = arg(2);
    std::optional<std::string> v;
    if (r.failed())
      v = result("");
    else if (a2.size() > 2 && a2.front() == '[')
      if (auto u = parse_int(a2.substr(1, a2.size() - 2))) v = std::to_string(*u);
    return (void)step(t, fmt::format("ioctl({}, NS_GET_OWNER_UID)", fdn), v, x);
  }
  if (n == "sethostname") {
    auto s = parse_string(arg(0));
    bool ok = false;
    std::string q = s ? quote(*s, ok) : "";
    if (!s || !ok) return comment(x, "sethostname (unreadable name)", "the name cannot be written in .nss", true);
    return (void)step(t, fmt::format("sethostname({})", q), result("0"), x);
  }
  if (n == "exit" || n == "exit_group") {
    auto code = parse_int(arg(0));
    nssim::Task* m = runner_->sim().task(t.name);
    if (m && m->state == TaskState::Running)
      return on_exit(t, static_cast<int>(code.value_or(0)), n == "exit_group" ? "" : "exit (this thread)", x);
    return comment(x, "end of task", "already exited in the model", false, false);
  }
  if (n == "wait4") return on_wait(c, t, x, r.failed() || r.unknown ? 0 : r.value);
  if (n == "waitid") {
    bool nowait = arg(3).find("WNOWAIT") != std::string::npos;
    std::string si = struct_field(arg(2), "si_pid");
    auto reaped = parse_int(si.substr(0, si.find(' ')));
    if (nowait || r.failed() || !reaped || *reaped == 0)
      return comment(x, "waitid (no reap)", "reaps nothing (WNOWAIT, WNOHANG or failure): no effect", false);
    return on_wait(c, t, x, *reaped);
  }
  if (n == "write") {
    auto f = parse_fd(arg(0));
    auto it = f ? t.fds->fds.find(f->fd) : t.fds->fds.end();
    // -yy names the file the write really went to ("8</sys/fs/cgroup/.../cgroup.procs>"):
    // it wins over the fd table, which misses closes strace did not show
    // (an fd reused with no close in the log, a close outside -e trace=).
    std::string mpath = it != t.fds->fds.end() && it->second.kind == FdEntry::ProcFile ? it->second.path : "";
    if (f && !f->decor.empty() && f->decor.starts_with("/")) {
      std::string d = f->decor, comp, file;
      if (d.starts_with("/proc/") && std::count(d.begin(), d.end(), '/') == 3) {
        comp = d.substr(6, d.find('/', 6) - 6);
        file = d.substr(d.rfind('/') + 1);
      }
      bool proc_file = file == "uid_map" || file == "gid_map" || file == "setgroups" || file == "timens_offsets";
      if (!proc_file) {
        mpath.clear();
      } else if (mpath.empty() || !mpath.ends_with("/" + file)) {
        // Opened where the log does not show it (before the trace, or relative to
        // a directory fd the reader could not follow): the decoration's pid.
        auto who = proc_task(comp, t);
        mpath = who ? fmt::format("/proc/{}/{}", *who, file) : "";
        if (!who)
          return comment(x, "write (uid_map of an unknown pid)",
                         fmt::format("pid {} is not a traced task (or not in this /proc's pid namespace)", comp), true);
      }
    }
    if (mpath.empty()) {
      if (it != t.fds->fds.end() && it->second.kind == FdEntry::ProcFile) t.fds->fds.erase(it);
      return comment(x, "write (other files)",
                     "writing files other than uid_map/gid_map/setgroups/timens_offsets: no namespace effect", false);
    }
    bool trunc = false, ok = false;
    auto data = parse_string(arg(1), &trunc);
    // The kernel reads these files as a C string (kernel/user_namespace.c:
    // map_write() @ v6.18: memdup_user_nul(), then lines up to the first NUL;
    // proc_setgroups_write() likewise): runc writes "0 0 1\n\0".
    if (data && data->find('\0') != std::string::npos) data->erase(data->find('\0'));
    std::string q = data ? quote(*data, ok) : "";
    if (!data || trunc)
      return comment(x, "write (uid_map, unreadable data)",
                     "the data is cut (strace -s) or unreadable: record with strace -s 4096", true);
    if (!ok)
      return comment(x, "write (uid_map, data the language cannot write)",
                     "the data has bytes a scenario string cannot hold (control bytes other than \\n and \\t): "
                     "not translated",
                     true);
    return (void)step(t, fmt::format("write(\"{}\", {})", mpath, q), result("0"), x);
  }
  if (n == "readlink" || n == "readlinkat") {
    auto p = parse_string(arg(n == "readlink" ? 0 : 1));
    std::string path = p ? *p : "";
    std::optional<NsPath> np;
    std::string comp;
    if (path.starts_with("/proc/")) {
      size_t slash = path.find('/', 6);
      comp = slash == std::string::npos ? "" : path.substr(6, slash - 6);
      np = parse_path("/proc/x" + (slash == std::string::npos ? "" : path.substr(slash)));
    }
    if (!np || np->kind != NsPath::ProcNs) return comment(x, "readlink (other)", "no namespace effect", false);
    auto who = proc_task(comp, t);
    nssim::Task* target = !who                    ? nullptr
                          : *who == "self"        ? (mt ? mt->group_leader : nullptr)
                          : *who == "thread-self" ? mt
                                                  : runner_->sim().task(*who);
    if (!who) return comment(x, "readlink (/proc/PID/ns of an unknown pid)", "a pid that is not a traced task", false);
    NsCommon* ns = target ? k.ns_of_link(target, np->link) : nullptr;
    std::string what = fmt::format("readlink {} ({}'s {})", path,
                                   *who == "self" || *who == "thread-self" ? t.name : *who, link_name(np->link));
    if (r.failed()) {
      if (ns) contradiction(x, fmt::format("{}: the kernel says {}, the model has {}", what, r.err, k.ns_str(ns)));
    } else if (auto buf = parse_string(arg(n == "readlink" ? 1 : 2))) {
      if (auto nd = parse_ns_decor(*buf)) check_ns(nd->first, nd->second, ns ? ns->serial : -1, what, x);
    }
    return comment(x, "readlink of /proc/PID/ns",
                   "an observation, not a change: checked against the model (the language has no readlink)", false);
  }
  if (n == "setuid" || n == "setgid") {
    auto id = parse_int(arg(0));
    if (!id) return comment(x, n + " (unreadable)", "credential change not translated", true);
    return (void)step(t, fmt::format("{}({})", n, *id), result("0"), x);
  }
  if (n == "setresuid" || n == "setresgid") {
    auto a = parse_int(arg(0)), b = parse_int(arg(1)), d = parse_int(arg(2));
    if (!a || !b || !d) return comment(x, n + " (unreadable)", "credential change not translated", true);
    return (void)step(t, fmt::format("{}({}, {}, {})", n, *a, *b, *d), result("0"), x);
  }
  if (n == "setgroups") {
    // setgroups(2, [0, 100]): the gids in the caller's user namespace.
    std::string list = arg(1), gids;
    bool ok = list.size() >= 2 && list.front() == '[' && list.back() == ']';
    std::string inner = ok ? list.substr(1, list.size() - 2) : "";
    for (size_t i = 0; ok && inner.find_first_not_of(' ') != std::string::npos && i <= inner.size();) {
      size_t e = std::min(inner.find(',', i), inner.size());
      std::string g = inner.substr(i, e - i);
      g.erase(0, std::min(g.find_first_not_of(' '), g.size()));
      auto v = parse_int(g);
      ok = v && *v >= 0 && *v < 0xffffffffLL;
      if (ok) gids += fmt::format("{}{}", gids.empty() ? "" : ", ", *v);
      i = e + 1;
    }
    if (ok) return (void)step(t, fmt::format("setgroups({})", gids), result("0"), x);
    return comment(x, n + " (unreadable)", "credential change not translated", true);
  }
  if (n == "sendmmsg" || n == "recvmmsg")
    return comment(x, n, "several messages at once: files passed with SCM_RIGHTS are not followed", true);
  if (n == "setreuid" || n == "setregid" || n == "setfsuid" || n == "setfsgid")
    return comment(x, n, "a credential change the language lacks: capabilities decide namespace permissions", true);
  if (n == "prctl") {
    if (arg(0) == "PR_SET_DUMPABLE") {
      std::string v = arg(1);
      int d = v == "SUID_DUMP_DISABLE" ? 0 : v == "SUID_DUMP_USER" ? 1 : static_cast<int>(parse_int(v).value_or(-1));
      if (d == 0 || d == 1) return (void)step(t, fmt::format("prctl(PR_SET_DUMPABLE, {})", d), result("0"), x);
    }
    if (arg(0) == "PR_SET_CHILD_SUBREAPER") {
      // Orphans below the caller come to it (conmon, buildah, shims): the
      // model needs it to know who may wait for them.
      if (auto v = parse_int(arg(1)))
        return (void)step(t, fmt::format("prctl(PR_SET_CHILD_SUBREAPER, {})", *v != 0 ? 1 : 0), result("0"), x);
    }
    if (arg(0) == "PR_SET_KEEPCAPS")
      if (auto v = parse_int(arg(1)); v && *v >= INT32_MIN && *v <= INT32_MAX)
        return (void)step(t, fmt::format("prctl(PR_SET_KEEPCAPS, {})", *v), result("0"), x);
    if (arg(0) == "PR_CAPBSET_DROP") {
      if (cap_from_name(arg(1))) return (void)step(t, fmt::format("prctl(PR_CAPBSET_DROP, {})", arg(1)), result("0"), x);
      if (auto v = parse_int(arg(1)); v && *v >= 0 && *v <= INT32_MAX)
        return (void)step(t, fmt::format("prctl(PR_CAPBSET_DROP, {})", *v), result("0"), x);
    }
    if (arg(0) == "PR_CAPBSET_DROP" || arg(0) == "PR_SET_SECUREBITS" || arg(0) == "PR_SET_KEEPCAPS" ||
        arg(0) == "PR_CAP_AMBIENT")
      return comment(x, "prctl (" + arg(0) + ")", "changes capabilities, which decide namespace permissions", true);
    return comment(x, "prctl (" + arg(0) + ")", "no namespace effect", false);
  }
  if (n == "kill" || n == "tkill" || n == "tgkill" || n == "pidfd_send_signal")
    return comment(
        x, n, "signals are not modelled; a task they kill shows as '+++ killed by' and is translated as exit", false);
  if (n == "setdomainname")
    return comment(x, n, "the uts namespace's domainname: the model keeps only the nodename", true);
  if (n == "chroot" || n == "pivot_root" || n == "move_mount" || n == "open_tree" || n == "fsmount" || n == "fsopen")
    return comment(x, n, "changes the mount tree, which the model does not have (beyond /run bind mounts)", true);
  comment(x, n, "not in the model", false);
}

// sendmsg/recvmsg passing files with SCM_RIGHTS: send(S, FD) and recv(S) -> F
// when one fd goes over a socketpair() socket the model has. The queues are
// followed by the kernel's socket inodes ("UNIX-STREAM:[OWN->PEER]"), so a
// message the model does not get is skipped by the recv that takes it.
void Session::on_msg(const Call& c, Task& t, Ctx& x) {
  const Ret& r = c.ret;
  bool send = c.name == "sendmsg";
  auto sock = c.args.empty() ? std::nullopt : parse_fd(c.args[0]);
  auto rights = c.args.size() > 1 ? scm_rights(c.args[1]) : std::nullopt;
  if (!rights && (send || r.failed() || r.unknown || !sock))
    return comment(x, c.name + " (no SCM_RIGHTS)", "passes no file: no namespace effect", false);
  auto it = sock ? t.fds->fds.find(sock->fd) : t.fds->fds.end();
  bool model_sock =
      it != t.fds->fds.end() && it->second.kind == FdEntry::Socket && it->second.pair && it->second.in_model;
  auto inodes = sock ? unix_inodes(sock->decor) : std::nullopt;
  std::string flags = c.args.size() > 2 ? c.args[2] : "";
  // Files the model will not have: followed as foreign nsfs fds, so a later setns on them says so.
  auto foreign = [&](const std::vector<std::string>& fds) {
    for (auto& a : fds)
      if (auto f = parse_fd(a); f && f->fd >= 0) {
        drop_fd(t, f->fd, x, "fd reused");
        if (parse_ns_decor(f->decor)) t.fds->fds[f->fd] = FdEntry{FdEntry::Foreign, "", "", false, false};
      }
  };
  if (send) {
    const auto& fds = rights->front();
    std::string why;
    std::optional<FdArg> f = fds.size() == 1 ? parse_fd(fds[0]) : std::nullopt;
    auto fe = f ? t.fds->fds.find(f->fd) : t.fds->fds.end();
    if (!inodes)
      why = "not a unix socket strace showed with its peer (strace -yy)";
    else if (!model_sock)
      why = "a socket the model does not have (only socketpair(AF_UNIX) ends are followed)";
    else if (rights->size() != 1 || fds.size() != 1)
      why = "more than one fd in one message: the language sends one";
    else if (fe == t.fds->fds.end() || !fe->second.model_file())
      why = "a file the model does not have (only namespace files, pidfds and sockets are followed)";
    if (!why.empty()) {
      if (!r.failed() && !r.unknown && inodes) inflight_[inodes->second].push_back(nullptr);
      return comment(x, "sendmsg (SCM_RIGHTS, not translated)",
                     fmt::format("{}: the receiver's recvmsg of it is not translated either", why), true);
    }
    std::optional<std::string> res;
    if (r.failed() && errno_from_name(r.err))
      res = r.err;
    else if (!r.failed() && !r.unknown)
      res = "0";
    Output* o = step(t, fmt::format("send({}, {})", it->second.name, fe->second.name), res, x);
    if (!r.failed() && !r.unknown)
      inflight_[inodes->second].push_back(o && o->record.outcome.ok ? std::make_shared<FdEntry>(fe->second) : nullptr);
    return;
  }
  bool cloexec = has_token(flags, "MSG_CMSG_CLOEXEC");
  if (has_token(flags, "MSG_PEEK")) {
    if (rights) foreign(rights->front());
    return comment(x, "recvmsg (MSG_PEEK)", "a peek leaves the files queued: not translated", true);
  }
  if (!rights) {
    // Nothing received: an EAGAIN or end of file the model would show too, on a socket it has.
    if (model_sock && r.failed() && errno_from_name(r.err))
      return (void)step(
          t, fmt::format("recv({}{}) -> fail{}", it->second.name, cloexec ? ", MSG_CMSG_CLOEXEC" : "", c.line), r.err,
          x);
    return comment(x, "recvmsg (no SCM_RIGHTS)", "receives no file: no namespace effect", false);
  }
  std::shared_ptr<FdEntry> sent;
  bool queued = false;
  if (inodes) {
    auto& q = inflight_[inodes->first];
    if (!q.empty()) {
      sent = q.front();
      q.pop_front();
      queued = true;
    }
  }
  const auto& fds = rights->front();
  std::optional<FdArg> f = fds.size() == 1 ? parse_fd(fds[0]) : std::nullopt;
  std::string why;
  if (!model_sock)
    why = "a socket the model does not have (only socketpair(AF_UNIX) ends are followed)";
  else if (!queued)
    why = "a message the trace did not show being sent";
  else if (!sent)
    why = "its sendmsg was not translated";
  else if (rights->size() != 1 || !f || f->fd < 0)
    why = "more than one fd in one message: the language receives one";
  if (!why.empty()) {
    // A pidfd received over a socket the model does not have (lxc-attach gets
    // the container init's pidfd from the monitor over its command socket):
    // pidfd_open() of the same process gives a file on the same struct pid, so
    // the setns() calls on it are followed. The namespaces' references do not
    // change (a struct pid holds its pid namespace once, however many files
    // hold the pid); the file is another one (f_count). Only with
    // MSG_CMSG_CLOEXEC: pidfd_open()'s fd is always close-on-exec.
    if (!model_sock && rights->size() == 1 && f && f->fd >= 0 && !r.failed() && !r.unknown && cloexec &&
        f->decor.rfind("pid:", 0) == 0) {
      auto nr = parse_int(f->decor.substr(4));
      Task* target = nr ? task_for(static_cast<int>(*nr)) : nullptr;
      // Only where pidfd_open() would give it too: the process not reaped and
      // seen from the receiver's active pid namespace (a received pidfd stays
      // valid where pidfd_open() is ESRCH).
      SimBackend& sim = runner_->sim();
      nssim::Task* tm = target ? sim.task(target->name) : nullptr;
      nssim::Task* me = sim.task(t.name);
      bool visible = tm && me && tm->state != TaskState::Reaped &&
                     Kernel::pid_nr_ns(tm->thread_pid, sim.kernel().task_active_pid_ns(me)) != 0;
      if (visible) {
        drop_fd(t, f->fd, x, "fd reused");
        std::string name = fd_name(*t.fds, f->fd);
        comment(x, "recvmsg (a pidfd, as pidfd_open)",
                "a pidfd received over a socket the model does not have: followed as pidfd_open() of its process "
                "(the same struct pid; another file)",
                true);
        Output* o = step(t, fmt::format("pidfd_open({}) -> {}", target->name, name), name, x,
                         "received with SCM_RIGHTS: modelled as pidfd_open() of the same process");
        t.fds->fds[f->fd] = FdEntry{FdEntry::Pidfd, name, "", true, o && o->record.outcome.ok};
        return;
      }
    }
    for (auto& l : *rights) foreign(l);
    return comment(x, "recvmsg (SCM_RIGHTS, not translated)", why, true);
  }
  // The socket's name before drop_fd(): a malformed log may give the received
  // fd the socket's own number, and dropping it erases the entry `it` names.
  std::string sock_name = it->second.name;
  drop_fd(t, f->fd, x, "fd reused");
  std::string name = fd_name(*t.fds, f->fd);
  Output* o =
      step(t, fmt::format("recv({}{}) -> {}", sock_name, cloexec ? ", MSG_CMSG_CLOEXEC" : "", name), name, x);
  FdEntry e = *sent;
  e.name = name;
  e.cloexec = cloexec;
  e.in_model = o && o->record.outcome.ok;
  t.fds->fds[f->fd] = e;
  if (auto nd = parse_ns_decor(f->decor); nd && e.kind == FdEntry::Ns && e.in_model)
    check_ns(nd->first, nd->second, model_fd_ns(t.name, name), fmt::format("fd {} of {} ({})", f->fd, t.name, name), x);
}

// capset({VERSION, pid=0}, {effective=..., permitted=..., inheritable=...}).
void Session::on_capset(const Call& c, Task& t, Ctx& x) {
  const Ret& r = c.ret;
  std::string hdr = c.args.empty() ? "" : c.args[0];
  std::string pid = struct_field(hdr, "pid");
  if (pid.empty() && hdr.size() > 2) {  // older strace: "{_LINUX_CAPABILITY_VERSION_3, 0}"
    auto parts = split_args(std::string_view(hdr).substr(1, hdr.size() - 2));
    if (parts.size() == 2) pid = parts[1];
  }
  // The kernel takes pid 0 or the caller's own pid number (in its pid
  // namespace) as itself (kernel/capability.c:SYSCALL_DEFINE2(capset) @ v6.12:
  // pid != 0 && pid != task_pid_vnr(current) is EPERM); setpriv passes getpid().
  auto p = leading_int(pid);
  auto own = [&] {
    if (!p) return false;
    if (*p == 0) return true;
    static const std::regex tracer(R"(/\* *(\d+) in strace's PID NS)");
    if (std::smatch m; std::regex_search(pid, m, tracer)) return std::stoll(m[1]) == t.pid;  // --decode-pids=pidns
    return *p == t.pid || resolve_pid(*p, active_pidns(t.name)) == t.name;
  };
  if (!own())
    return comment(x, "capset (another pid)", "capset of another task: the kernel refuses it (EPERM); not in the model",
                   true);
  std::string data = c.args.size() > 1 ? c.args[1] : "";
  std::vector<std::string> sets;
  for (const char* set : {"effective", "permitted", "inheritable"}) {
    auto v = parse_cap_set(struct_field(data, set));
    if (!v)
      return comment(x, "capset (unreadable)",
                     fmt::format("the {} set '{}' is not a list of known capabilities: not translated", set,
                                 struct_field(data, set)),
                     true);
    sets.push_back(fmt::format("{}={}", set, cap_set_str(*v)));
  }
  std::optional<std::string> res;
  if (r.failed() && errno_from_name(r.err))
    res = r.err;
  else if (!r.failed() && !r.unknown)
    res = "0";
  step(t, fmt::format("capset({})", fmt::join(sets, ", ")), res, x);
}

void Session::on_open(const Call& c, Task& t, Ctx& x) {
  const Ret& r = c.ret;
  size_t pi = c.name == "open" || c.name == "creat" ? 0 : 1;
  auto p = pi < c.args.size() ? parse_string(c.args[pi]) : std::nullopt;
  std::string flags = pi + 1 < c.args.size() ? c.args[pi + 1] : "";
  if (!p) return comment(x, c.name + " (other files)", "no namespace effect", false);
  std::string path = normalize_run(*p);
  // openat(DIRFD, "uid_map"): a relative path under the directory -yy names
  // ("5</proc/2417>"); AT_FDCWD's decoration is the working directory.
  if (!path.starts_with("/") && pi == 1 && !c.args.empty())
    if (auto d = parse_fd(c.args[0]); d && d->decor.starts_with("/")) {
      std::string dir = d->decor;
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      std::string rel = path.starts_with("./") ? path.substr(2) : path;
      path = normalize_run(dir == "/" ? "/" + rel : dir + "/" + rel);
    }
  bool cloexec = has_token(flags, "O_CLOEXEC");
  auto result_of = [&](const std::string& name) -> std::optional<std::string> {
    if (r.unknown) return std::nullopt;
    if (r.failed()) return errno_from_name(r.err) ? std::optional<std::string>(r.err) : std::nullopt;
    return name;
  };
  nssim::Task* mt = runner_->sim().task(t.name);
  Kernel& k = runner_->sim().kernel();
  std::string mpath;  // the path in the scenario
  bool proc_file = false;
  if (path.starts_with("/proc/")) {
    // /proc/PID/ns/LINK, /proc/PID/task/TID/ns/LINK, /proc/PID/{uid_map,gid_map,setgroups}
    std::string rest = path.substr(6);
    std::string comp = rest.substr(0, rest.find('/'));
    std::string tail = rest.find('/') == std::string::npos ? "" : rest.substr(rest.find('/'));
    if (tail.starts_with("/task/")) {
      std::string tid = tail.substr(6, tail.find('/', 6) - 6);
      comp = tid;
      tail = tail.find('/', 6) == std::string::npos ? "" : tail.substr(tail.find('/', 6));
    }
    auto np = parse_path("/proc/x" + tail);
    if (np && (np->kind == NsPath::ProcNs || np->kind == NsPath::ProcFile)) {
      auto who = proc_task(comp, t);
      if (!who)
        return comment(x, "open of /proc/PID/ns of an unknown pid",
                       fmt::format("pid {} is not a traced task (or not in this /proc's pid namespace)", comp), true);
      if (np->kind == NsPath::ProcFile) {
        mpath = fmt::format("/proc/{}/{}", *who, np->file);
        proc_file = true;
      } else {
        mpath = fmt::format("/proc/{}/ns/{}", *who, link_name(np->link));
      }
    }
  } else if (auto np = parse_path(path);
             np && np->kind == NsPath::Run && mt && mt->nsproxy && k.mount_at(mt->nsproxy->mnt_ns, path)) {
    mpath = path;  // a bind mount of a namespace file (ip netns exec)
  }
  if (proc_file) {
    if (r.failed() || r.unknown)
      return comment(x, "open of uid_map/gid_map/setgroups/timens_offsets (failed)",
                     "the model checks these permissions when the file is written", true);
    int fd = static_cast<int>(r.value);
    drop_fd(t, fd, x, "fd reused");
    t.fds->fds[fd] = FdEntry{FdEntry::ProcFile, "", mpath, cloexec, true};
    return comment(x, "open of uid_map/gid_map/setgroups/timens_offsets",
                   "followed: the write to it is translated (the model checks permissions at write time)", false);
  }
  if (mpath.empty()) {
    if (!r.failed() && !r.unknown && parse_ns_decor(r.decor)) {
      int fd = static_cast<int>(r.value);
      drop_fd(t, fd, x, "fd reused");
      t.fds->fds[fd] = FdEntry{FdEntry::Foreign, "", "", cloexec, false};
      return comment(x, "open of a namespace file elsewhere",
                     fmt::format("{} is {} (a bind mount outside /run?): the model only has /proc/PID/ns and /run "
                                 "bind mounts",
                                 path, r.decor),
                     true);
    }
    // In the sandbox the program is pid 1 of its own pid namespace, so what
    // /proc/1 says (comm, environ, cgroup...) describes the program, not the
    // machine's init: a program that reads it may decide it is sandboxed
    // (firejail: "an existing sandbox was detected") and behave otherwise.
    if (path.starts_with("/proc/1/") && !path.starts_with("/proc/1/ns/") && sandbox_probes_.size() < 8 &&
        std::none_of(sandbox_probes_.begin(), sandbox_probes_.end(),
                     [&](const SandboxProbe& sp) { return sp.path == path; }))
      sandbox_probes_.push_back(SandboxProbe{c.line, path, c.text});
    return comment(x, c.name + " (other files)", "opening files other than namespace files: no namespace effect",
                   false);
  }
  std::string oflags = cloexec ? ", O_CLOEXEC" : "";
  if (r.failed() || r.unknown) {
    step(t, fmt::format("open(\"{}\"{}) -> fail{}", mpath, oflags, c.line), result_of(""), x);
    return;
  }
  int fd = static_cast<int>(r.value);
  drop_fd(t, fd, x, "fd reused");
  std::string name = fd_name(*t.fds, fd);
  Output* o = step(t, fmt::format("open(\"{}\"{}) -> {}", mpath, oflags, name), result_of(name), x);
  bool ok = o && o->record.outcome.ok;
  t.fds->fds[fd] = FdEntry{FdEntry::Ns, name, mpath, cloexec, ok};
  if (auto nd = parse_ns_decor(r.decor); nd && ok)
    check_ns(nd->first, nd->second, model_fd_ns(t.name, name), fmt::format("fd {} of {} ({})", fd, t.name, mpath), x);
}

void Session::on_clone(const Call& c, Task& t, Ctx& x) {
  const Ret& r = c.ret;
  uint64_t flags = 0;
  std::vector<std::string> unknown;
  int exit_signal = SIGCHLD_NR;
  if (c.name == "vfork") {
    flags = CLONE_VM | CLONE_VFORK;
  } else if (c.name == "clone") {
    std::string f;
    for (auto& a : c.args)
      if (a.starts_with("flags=")) f = a.substr(6);
    // The low byte is the exit signal ("...|SIGCHLD").
    std::vector<std::string> rest;
    flags = parse_clone_flags(f, &rest);
    exit_signal = 0;
    for (auto& s : rest) {
      if (s.starts_with("SIG"))
        exit_signal = signal_nr(s);
      else
        unknown.push_back(s);
    }
    exit_signal |= static_cast<int>(flags & 0xff);
    flags &= ~0xffULL;
  } else if (c.name == "clone3") {
    std::string a0 = c.args.empty() ? "" : c.args[0];
    if (size_t arrow = a0.find(" => "); arrow != std::string::npos) a0 = a0.substr(0, arrow);
    flags = parse_clone_flags(struct_field(a0, "flags"), &unknown);
    std::string es = struct_field(a0, "exit_signal");
    exit_signal = es.starts_with("SIG") ? signal_nr(es) : static_cast<int>(parse_int(es).value_or(0));
  }
  // clone3's CLONE_INTO_CGROUP (lxc): the child starts in the cgroup of
  // clone_args.cgroup, a directory of the host's hierarchy that the log does
  // not relate to a scenario's run-relative cgroups: dropped, with a note.
  bool into_cgroup = (flags & CLONE_INTO_CGROUP) != 0;
  flags &= ~CLONE_INTO_CGROUP;
  if (auto u = std::find(unknown.begin(), unknown.end(), "CLONE_INTO_CGROUP"); u != unknown.end()) {
    unknown.erase(u);
    into_cgroup = true;
  }
  if (!unknown.empty())
    return comment(x, c.name + " (unknown flags)", fmt::format("unknown flags {}", fmt::join(unknown, "|")), true);
  Kernel& k = runner_->sim().kernel();
  nssim::Task* pm = runner_->sim().task(t.name);
  uint64_t kept = flags & kKeptFlags;
  std::string dropped = clone_flags_str(flags & ~kept & ~CLONE_INTO_CGROUP);
  bool thread = (flags & kThreadFlags) == kThreadFlags && !(flags & (CLONE_NEW_ANY | CLONE_PARENT));
  if (flags & CLONE_PIDFD)
    comment(x, "CLONE_PIDFD", "the pidfd the parent gets is not followed (the language has no clone pidfd)", true);
  std::string verb = c.name == "clone3" ? "clone3" : "clone";
  std::string note =
      (flags & ~kept & ~CLONE_INTO_CGROUP) && !thread ? fmt::format("dropped {} (no namespace effect)", dropped) : "";
  // The language refuses clone3 with CLONE_VM (nssim cannot run the task it
  // would make); the legacy clone takes the same flags below 32 bits but CSIGNAL.
  if (verb == "clone3" && (kept & CLONE_VM) && !thread && !(kept & (CLONE_NEWTIME | ~0xffffffffULL))) {
    verb = "clone";
    note += (note.empty() ? "" : "; ") + std::string("clone3 with CLONE_VM, written as clone (the same flags)");
  }
  if (into_cgroup)
    note += (note.empty() ? "" : "; ") +
            std::string("dropped CLONE_INTO_CGROUP (the host cgroup it names is not mapped to the run's") +
            (flags & CLONE_NEWCGROUP ? "; the new cgroup namespace's root is that cgroup in the kernel)" : ")");
  if (exit_signal != SIGCHLD_NR && !thread && !(flags & CLONE_THREAD))
    note += (note.empty() ? "" : "; ") +
            fmt::format("exit signal {} (the model's children all report with SIGCHLD)", exit_signal);
  if (r.unknown) {
    // "= ?": the caller died in the call (another thread's exit_group, a fatal
    // signal); whether a child was made, strace cannot tell, and none of its
    // lines follow (a thread dies with the group). Unless the new thread
    // execs: then the caller's "+++ superseded" line names it (Superseded).
    if (thread) thread_clone_unknown_[t.pid] = c.first_line;
    return comment(x, c.name + " (= ?)",
                   "the caller died in the call (exit_group of another thread, a signal): no result, not translated",
                   true);
  }
  if (r.failed()) {
    std::string call = thread ? fmt::format("thread() -> fail{}", c.line)
                              : fmt::format("{}({}) -> fail{}", verb, clone_flags_str(kept), c.line);
    std::optional<std::string> res;
    if (r.failed() && errno_from_name(r.err)) res = r.err;
    step(t, call, res, x, note);
    return;
  }
  int key = static_cast<int>(r.tracer_pid.value_or(r.value));
  uint32_t parent_ns = active_pidns(t.name);
  uint32_t root = k.task_active_pid_ns(k.init_task())->serial;
  // Without a translation, a pid in a nested pid namespace is not the pid column's.
  bool trusted = r.tracer_pid.has_value() || opt_.live || parent_ns == root;
  std::string name = name_for(key);
  std::string call =
      thread ? fmt::format("thread() -> {}", name) : fmt::format("{}({}) -> {}", verb, clone_flags_str(kept), name);
  uint32_t before = pm && pm->nsproxy ? pm->nsproxy->mnt_ns->serial : 0;
  Output* o = step(t, call, name, x, note);
  bool shared = thread || (flags & CLONE_FILES);
  new_task(key, name, shared ? t.fds : std::make_shared<FdTable>(*t.fds), t.comm);
  remember_mnt(name, before);
  nspids_[{parent_ns, r.value}] = name;
  if (!o || !o->record.outcome.ok) return;
  // The pid the kernel returned is the child's pid in the caller's active pid
  // namespace; compare with the model's where numbers are comparable.
  nssim::Task* cm = runner_->sim().task(name);
  // A multithreaded creator (Go: docker, podman, runc) clones from several
  // threads at once: the kernel hands out pids in the order alloc_pid() runs,
  // strace prints the returns in another, and the model allocates in the
  // printed order. The log's number is taken then (pids are resolved by it,
  // nspids_), with a note, not a contradiction.
  bool racy = pm && pm->group_leader && pm->group_leader->nr_threads > 1;
  if (cm && cm->thread_pid && (opt_.live || parent_ns != root) && !opt_.initial) {
    for (auto& num : cm->thread_pid->numbers)
      if (num.ns->serial == parent_ns && num.nr != r.value) {
        if (racy)
          comment(x, "pid order (multithreaded creator)",
                  fmt::format("{} returned pid {}, the model gives {} pid {}: {}'s process has several threads, whose "
                              "clones the kernel may number in another order than strace prints them; the log's "
                              "number is used",
                              c.name, r.value, name, num.nr, t.name),
                  false);
        else
          contradiction(x, fmt::format("{} returned pid {}; the model gives {} pid {} in {}'s pid namespace", c.name,
                                       r.value, name, num.nr, t.name));
      }
  }
  if (!trusted) {
    // The child's lines show it under a pid of strace's namespace that the
    // clone's result does not tell: match it with the next unknown pid.
    auto node = tasks_.extract(key);
    if (node.empty()) return;
    std::unique_ptr<Task> owned = std::move(node.mapped());
    if (!orphans_.empty()) {
      auto it = orphans_.begin();
      int pid = it->first;
      auto evs = std::move(it->second);
      orphans_.erase(it);
      owned->pid = pid;
      tasks_[pid] = std::move(owned);
      comment(x, "pid matched by order",
              fmt::format("pid {} is taken to be {} (the clone returned {} in its pid namespace; record with strace "
                          "--decode-pids=pidns to make this exact)",
                          pid, name, r.value),
              false);
      for (auto& e : evs) handle(e, *x.out);
      return;
    }
    parked_.push_back(Parked{key, c.line, std::move(owned)});
    return;
  }
  replay_orphans(key, *x.out);
}

void Session::replay_orphans(int pid, std::vector<Output>& out) {
  auto it = orphans_.find(pid);
  if (it == orphans_.end()) return;
  auto evs = std::move(it->second);
  orphans_.erase(it);
  for (auto& e : evs) handle(e, out);
}

void Session::on_wait(const Call& c, Task& t, Ctx& x, int64_t reaped) {
  const Ret& r = c.ret;
  auto who = leading_int(c.args.empty() ? "" : c.args[0]);
  uint32_t ns = active_pidns(t.name);
  if (reaped > 0) {
    std::string target = resolve_pid(reaped, ns);
    if (target.empty() && r.tracer_pid)
      if (Task* tt = task_for(static_cast<int>(*r.tracer_pid))) target = tt->name;
    if (auto ah = reaped_ahead_.find(t.pid); ah != reaped_ahead_.end()) {
      auto [was, nr, line] = ah->second;
      reaped_ahead_.erase(ah);
      if (was == target || nr == reaped)
        return comment(x, c.name + " (reaped ahead)",
                       fmt::format("reaps {}, done at line {} where another thread's wait returned ECHILD", was, line),
                       false);
      contradiction(x, fmt::format("{} reaped {}, but the model had it reap {} at line {} to explain another "
                                   "thread's ECHILD there",
                                   c.name, target.empty() ? std::to_string(reaped) : target, was, line));
      return comment(x, c.name + " (reaped ahead)", "the reap done ahead was another child", true, false);
    }
    bool before_log =
        std::any_of(existing_made_.begin(), existing_made_.end(), [&](auto& e) { return e.second == t.name; }) ||
        (opt_.initial && opt_.restored.count(t.pid));
    if (target.empty() && before_log)
      // A process that existed before the log (strace -p) reaps a child it made before it.
      return comment(x, c.name + " (a child from before the log)",
                     fmt::format("reaps pid {}, which {} made before the log starts (not followed)", reaped, t.name),
                     false);
    if (target.empty()) {
      contradiction(x, fmt::format("{} reaped pid {}, which the model has no child for", c.name, reaped));
      return comment(x, c.name + " (unknown pid)", "reaps a pid the model cannot place", true, false);
    }
    nssim::Task* tm = runner_->sim().task(target);
    if (tm && tm->state == TaskState::Running) {
      // Its end was not in the log (killed before strace saw it, or a restored
      // process strace does not follow): the status says how.
      bool found = false;
      for (auto& [p, tk] : tasks_)
        if (tk && tk->name == target) {
          on_exit(*tk, c.args.size() > 1 ? status_code(c.args[1]) : 0, "ended (wait4's status shows it)", x);
          found = true;
          break;
        }
      if (!found && opt_.initial) {
        Task gone;
        gone.name = target;
        gone.fds = std::make_shared<FdTable>();
        on_exit(gone, c.args.size() > 1 ? status_code(c.args[1]) : 0,
                "ended (a process from before the attach, not followed: wait4's status shows it)", x);
      }
    }
    step(t, fmt::format("wait({})", target), target, x);
    return;
  }
  if (who && *who > 0) {
    std::string target = resolve_pid(*who, ns);
    // ECHILD for a child the model still has as a zombie, while another
    // thread of the process the child belongs to has a wait4 for it (or any
    // child) in progress: that wait reaped it first, though strace prints its
    // end after this line (kernel/exit.c:wait_task_zombie() @ v7.2: the waiter
    // that moves its exit_state off EXIT_ZOMBIE wins; the other finds no
    // child). The reap is done here, ahead.
    SimBackend& sim = runner_->sim();
    nssim::Task* zt = target.empty() ? nullptr : sim.task(target);
    if (zt && zt->state == TaskState::Zombie && zt->real_parent && r.failed() && r.err == "ECHILD")
      for (auto& pw : c.pending_waits) {
        Task* pt = task_for(pw.pid);
        nssim::Task* pm = pt ? sim.task(pt->name) : nullptr;
        if (!pm || pm->state != TaskState::Running || pm->group_leader != zt->real_parent->group_leader ||
            reaped_ahead_.count(pw.pid))
          continue;
        if (pw.who != -1 && resolve_pid(pw.who, active_pidns(pt->name)) != target) continue;
        step(*pt, fmt::format("wait({})", target), target, x,
             fmt::format("done ahead: pid {}'s wait4 (started at line {}, its end printed later) reaped {} before this "
                         "line's ECHILD",
                         pw.pid, pw.line, target),
             true);
        int64_t nr = 0;
        for (auto& [key, name] : nspids_)
          if (name == target && key.first == active_pidns(pt->name)) nr = key.second;
        reaped_ahead_[pw.pid] = {target, nr, x.ev ? x.ev->line : 0};
        break;
      }
    if (!target.empty()) {
      std::optional<std::string> res;
      if (r.failed() && errno_from_name(r.err))
        res = r.err;
      else if (!r.failed() && !r.unknown)
        res = "0";
      return (void)step(t, fmt::format("wait({})", target), res, x);
    }
  }
  comment(x, c.name + " (no reap)", "waits that reap nothing (WNOHANG, ECHILD, any child): no effect", false);
}

void Session::on_exec(const Call& c, Task& t, Ctx& x) {
  const Ret& r = c.ret;
  if (r.failed() || r.unknown)
    return comment(x, c.name + " (failed)", "a failed execve is no exec: the program goes on unchanged", false);
  SimBackend& sim = runner_->sim();
  nssim::Task* mt = sim.task(t.name);
  if (!mt || mt->state != TaskState::Running)
    return comment(x, c.name + " (task not in the model)",
                   "the task has exited in the model: the exec is not translated", true);
  std::string prog;
  if (auto p = parse_string(c.args.empty() ? "" : c.args[c.name == "execveat" ? 1 : 0])) prog = *p;
  if (!prog.empty()) t.comm = basename_of(prog);
  if (t.name == init_name_) init_execed_ = true;
  if (c.exec_thread)
    comment(x, "execve by a thread",
            fmt::format("thread {} exec'd and took the leader's pid {} (de_thread()); the language lets only a leader "
                        "exec: translated as {}'s exec(), which ends the other threads (namespaces or creds the thread "
                        "had apart from its leader are not carried over)",
                        c.exec_thread, c.pid, t.name),
            true);
  // The kernel closes every close-on-exec fd; the model knows the bit only
  // where the language sets it (open(O_CLOEXEC), pidfds, NS_GET_* fds,
  // recv(MSG_CMSG_CLOEXEC)). Files whose every fd the kernel closes but the
  // model would keep (F_SETFD, F_DUPFD_CLOEXEC, dup3, close_range, SOCK_CLOEXEC)
  // get an explicit close() first, after the unshare_files() the exec does.
  std::map<std::string, bool> keep;  // model fd name -> some kernel fd of its file stays open
  for (auto& [fd, e] : t.fds->fds)
    if (e.model_file()) keep[e.name] |= !e.cloexec;
  std::vector<std::string> close_first, lost;
  for (auto& [name, kept] : keep) {
    int mfd = sim.fd_of(mt, name);
    bool model_closes = mfd >= 0 && mt->files && mt->files->cloexec(static_cast<size_t>(mfd));
    if (!kept && !model_closes) close_first.push_back(name);
    if (kept && model_closes) lost.push_back(name);
  }
  if (!close_first.empty() && t.fds.use_count() > 1) {
    step(t, "unshare(CLONE_FILES)", std::string("0"), x, "execve: unshare_files() (the fd table was shared)", true);
    t.fds = std::make_shared<FdTable>(*t.fds);
  }
  for (auto& name : close_first)
    step(t, fmt::format("close({})", name), std::string("0"), x,
         "execve closes it: close-on-exec was set after open (fcntl, dup3, close_range or SOCK_CLOEXEC), which the "
         "language cannot say",
         true);
  if (!lost.empty())
    comment(x, "execve (close-on-exec cleared)",
            fmt::format("the model's exec closes {} (opened close-on-exec), the kernel keeps it (the flag was cleared "
                        "later with fcntl): no longer followed",
                        fmt::join(lost, ", ")),
            true);
  step(t, "exec()", std::string("0"), x, prog.empty() ? "" : fmt::format("execve(\"{}\")", prog));
  if (t.fds.use_count() > 1) t.fds = std::make_shared<FdTable>(*t.fds);  // unshare_files()
  std::erase_if(t.fds->fds, [](const auto& kv) { return kv.second.cloexec; });
  for (auto& [fd, e] : t.fds->fds)
    if (std::find(lost.begin(), lost.end(), e.name) != lost.end()) e.in_model = false;
}

void Session::finish(std::vector<Output>& out, std::vector<LogError>& errs) {
  // A creator still asleep at the end (its child's exec or exit is not in the
  // log): its lines run anyway, and the model says why it cannot run them.
  for (auto& [name, evs] : std::exchange(held_, {}))
    for (auto& e : evs) handle(e, out);
  if (opt_.initial) {
    // --attach: a process made between the snapshot and the attach (in
    // neither); no clone claimed it: an existing process, its lines replayed.
    for (auto& [pid, evs] : std::exchange(orphans_, {})) {
      if (evs.empty()) continue;
      opt_.existing.emplace(pid, std::array<uint64_t, kLinks>{});
      make_existing(evs.front(), out);
      for (auto& e : evs) handle(e, out);
    }
  }
  for (auto& [pid, evs] : orphans_) {
    if (evs.empty()) continue;
    // Only its end ("+++ exited"): a thread or child whose creator died in the
    // clone (another thread's exit_group; the clone ends "= ?") before strace
    // saw the return. It made no call: nothing to replay, said once.
    if (std::none_of(evs.begin(), evs.end(), [](const Event& e) { return e.kind == Event::Syscall; })) {
      Ctx x{&evs.front(), &out, out.size()};
      comment(x, "a task seen only ending",
              fmt::format("pid {} shows only its end: the clone that made it did not return in the log (its caller "
                          "died in the call); it made no call",
                          pid),
              false);
      continue;
    }
    errs.push_back({evs.front().line,
                      fmt::format("pid {} appears without a clone, fork or vfork that created it ({} line{})", pid,
                                  evs.size(), evs.size() == 1 ? "" : "s"),
                      "the log must follow every process from the first one: strace -f -o LOG CMD, or -p of the "
                      "first process only"});
  }
  orphans_.clear();
  (void)out;
}

}  // namespace nssim::strace

namespace nssim::strace {

std::vector<std::string> not_modelled_lines(const Session& s) {
  std::vector<std::string> out;
  for (const NotModelled& n : s.not_modelled())
    out.push_back(fmt::format("{} ×{} (first at line {}){} {}", n.what, n.count, n.first_line,
                              n.relevant ? " — may affect namespaces:" : ":", n.why));
  return out;
}

// "56", or "54-56" for a call split by <unfinished ...>.
static std::string lines_of(const Output& x) {
  return x.strace_first && x.strace_first != x.strace_line ? fmt::format("{}-{}", x.strace_first, x.strace_line)
                                                           : std::to_string(x.strace_line);
}

std::string render_scenario(const Session& s, const std::vector<Output>& outs, const RenderOptions& opt) {
  std::string o;
  if (!opt.title.empty()) o += "# " + opt.title + "\n";
  o += fmt::format("# {} statements; {} contradiction{} with the kernel.\n", s.steps(), s.contradictions(),
                   s.contradictions() == 1 ? "" : "s");
  o += "# Each call asserts the result the kernel returned (= RESULT) and names its strace line;\n"
       "# lines the model does not know are kept as comments, with what they do to namespaces.\n";
  std::string tasks;
  for (auto& [pid, name] : s.task_names()) tasks += fmt::format("{}{}={}", tasks.empty() ? "" : ", ", pid, name);
  o += "# Tasks (pid in the log = name): " + tasks + "\n";
  o += "task " + s.init_name() + "\n";
  auto oneline = [](std::string t) {
    for (char& c : t)
      if (c == '\n' || c == '\r') c = ' ';
    return t;
  };
  for (const Output& x : outs) {
    switch (x.kind) {
      case Output::Step: {
        // A step no log line made (the init of a log whose first process exits first): its note alone.
        std::string tail = x.strace_line ? fmt::format("# strace:{}", lines_of(x)) : "#";
        if (!x.note.empty()) tail += (x.strace_line ? ": " : " ") + x.note;
        o += fmt::format("{:<56} {}\n", x.stmt, oneline(tail));
        for (auto& d : x.record.disagreements) o += "# CONTRADICTION " + oneline(d) + "\n";
        break;
      }
      case Output::Comment:
        if (opt.brief && !x.relevant) break;
        if (x.strace_line)
          o += fmt::format("# strace:{}: {}  -- {}\n", lines_of(x), oneline(x.strace_text), oneline(x.comment));
        else
          o += "# " + oneline(x.comment) + "\n";
        break;
      case Output::Contradiction:
        o += "# CONTRADICTION " + oneline(x.message) + "\n";
        break;
    }
  }
  auto nm = not_modelled_lines(s);
  if (!nm.empty()) {
    o += "# not modelled (each kind once):\n";
    for (auto& l : nm) o += "#   " + oneline(l) + "\n";
  }
  return o;
}

}  // namespace nssim::strace
