#include "strace/import.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

namespace nssim::strace {

std::vector<std::string> trace_options() {
  return {"-f",
          "-q",
          "-yy",
          "--decode-pids=pidns",
          "-s",
          "4096",
          "-e",
          "trace=clone,clone3,fork,vfork,execve,execveat,exit,exit_group,wait4,waitid,unshare,setns,open,"
          "openat,openat2,creat,close,close_range,dup,dup2,dup3,fcntl,pidfd_open,socket,socketpair,accept,accept4,"
          "sendmsg,recvmsg,sendmmsg,recvmmsg,mount,umount2,ioctl,"
          "sethostname,setdomainname,write,readlink,readlinkat,setuid,setgid,setresuid,setresgid,setreuid,"
          "setregid,setfsuid,setfsgid,setgroups,capset,prctl,kill,tkill,tgkill,pidfd_send_signal,chroot,"
          "pivot_root"};
}

std::string ident_of(std::string s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
  if (o.empty() || !std::isalpha(static_cast<unsigned char>(o[0]))) o = "t" + o;
  return o;
}

std::map<int, std::string> comm_names(const std::vector<Event>& evs) {
  std::map<int, std::string> first;
  for (auto& e : evs) {
    if (e.kind != Event::Syscall || first.count(e.pid)) continue;
    const Call& c = e.call;
    if ((c.name == "execve" || c.name == "execveat") && !c.ret.failed() && !c.ret.unknown) {
      if (auto p = parse_string(c.args.empty() ? "" : c.args[c.name == "execve" ? 0 : 1])) {
        std::string b = p->substr(p->rfind('/') == std::string::npos ? 0 : p->rfind('/') + 1);
        first[e.pid] = ident_of(b);
      }
    }
  }
  std::map<int, std::string> out;
  std::map<std::string, int> seen;
  for (auto& [pid, n] : first) {
    int k = ++seen[n];
    out[pid] = k == 1 ? n : fmt::format("{}-{}", n, k);
  }
  return out;
}

LogRead read_log(std::string_view src) {
  LogRead r;
  {
    std::istringstream is{std::string(src)};
    std::string l;
    while (std::getline(is, l)) r.lines.push_back(l);
  }
  Reader reader;
  for (size_t i = 0; i < r.lines.size(); ++i) reader.feed(r.lines[i], static_cast<int>(i + 1), r.events, r.errors);
  r.pending = reader.pending();
  r.decorations = reader.saw_decorations();
  return r;
}

namespace {

// A line's -tt ("15:29:01.123456") or -ttt ("1700000000.123456") time in
// microseconds, after the optional pid column; nullopt without one.
std::optional<int64_t> line_time(std::string_view l) {
  size_t i = 0;
  while (i < l.size() && l[i] == ' ') ++i;
  size_t e = l.find(' ', i);
  std::string_view t = l.substr(i, e == std::string_view::npos ? std::string_view::npos : e - i);
  size_t dot = t.find('.');
  if (dot == std::string_view::npos || t.find_first_not_of("0123456789:.") != std::string_view::npos) return std::nullopt;
  int64_t secs = 0;
  for (size_t b = 0; b < dot;) {
    size_t c = std::min(t.find(':', b), dot);
    auto v = parse_int(t.substr(b, c - b).starts_with("0") && c - b > 1 ? t.substr(b + 1, c - b - 1) : t.substr(b, c - b));
    if (!v) return std::nullopt;
    secs = secs * 60 + *v;
    b = c + 1;
  }
  std::string_view frac = t.substr(dot + 1);
  if (frac.empty() || frac.size() > 9) return std::nullopt;
  int64_t us = 0;
  for (size_t k = 0; k < 6; ++k) us = us * 10 + (k < frac.size() ? frac[k] - '0' : 0);
  return secs * 1000000 + us;
}

// -T: the time spent in the call, " <0.000123>" at the end of the line, in microseconds (0 without).
int64_t line_duration(std::string_view l) {
  while (!l.empty() && (l.back() == ' ' || l.back() == '\r')) l.remove_suffix(1);
  size_t lt = l.rfind(" <");
  if (!l.ends_with(">") || lt == std::string_view::npos) return 0;
  std::string_view d = l.substr(lt + 2, l.size() - lt - 3);
  size_t dot = d.find('.');
  if (dot == std::string_view::npos || d.find_first_not_of("0123456789.") != std::string_view::npos) return 0;
  auto secs = parse_int(d.substr(0, dot) == "0" ? "0" : d.substr(0, dot));
  if (!secs) return 0;
  int64_t us = 0;
  std::string_view frac = d.substr(dot + 1);
  for (size_t k = 0; k < 6; ++k) us = us * 10 + (k < frac.size() ? frac[k] - '0' : 0);
  return *secs * 1000000 + us;
}

}  // namespace

bool merge_per_process(const std::vector<PerProcessFile>& files, std::string& merged, std::vector<Origin>& origin,
                       std::string& err) {
  struct L {
    int64_t t;
    size_t file;
    int line;
    std::string text;
  };
  std::vector<L> all;
  for (size_t f = 0; f < files.size(); ++f) {
    std::istringstream is(files[f].text);
    std::string l;
    int n = 0;
    while (std::getline(is, l)) {
      ++n;
      if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto t = line_time(l);
      if (!t) {
        err = fmt::format("{}:{}: error: no -tt timestamp to merge the per-process files by\n  {}\nhint: record with "
                          "strace -ff -tt -yy -o LOG CMD (or strace -f -yy -o LOG CMD, one file)",
                          files[f].file, n, l);
        return false;
      }
      // strace prints a call when it returns, stamped with when it began: a
      // blocking call (wait4) sorts by its end when -T gives it.
      all.push_back(L{*t + line_duration(l), f, n, fmt::format("{} {}", files[f].pid, l)});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const L& a, const L& b) { return a.t < b.t; });
  merged.clear();
  origin.clear();
  for (auto& l : all) {
    merged += l.text;
    merged += '\n';
    origin.push_back(Origin{files[l.file].file, l.line});
  }
  return true;
}

std::vector<std::pair<int, std::string>> per_process_files(const std::string& log) {
  namespace fs = std::filesystem;
  std::vector<std::pair<int, std::string>> out;
  fs::path p(log);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string base = p.filename().string() + ".";
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (!n.starts_with(base) || n.size() == base.size()) continue;
    std::string num = n.substr(base.size());
    if (num.find_first_not_of("0123456789") != std::string::npos || num.size() > 9) continue;
    out.emplace_back(std::stoi(num), (p.has_parent_path() ? (dir / n).string() : n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<int, std::array<uint64_t, kLinks>> existing_pids(const std::vector<Event>& evs, std::map<int, int>* parents,
                                                          std::map<int, int>* threads) {
  std::map<int, std::array<uint64_t, kLinks>> out;
  if (evs.empty()) return out;
  std::map<int, int> first_line;  // pid -> its first line (a call's start)
  std::set<int64_t> results;      // pids clones returned (in the caller's pid ns and strace's)
  std::vector<std::pair<int, int>> clone_starts;  // (line, creator) of clones none of whose pids is a pid column
  // To tell which clones return pids in strace's pid namespace: pid column ->
  // (creator, line, CLONE_NEWPID), and the first line a pid may change its
  // pid_ns_for_children (unshare(CLONE_NEWPID), any setns).
  struct Origin {
    int parent, line;
    bool newpid;
  };
  std::map<int, Origin> origin;
  std::map<int, int> pidns_change;
  for (auto& e : evs) {
    int l = e.kind == Event::Syscall ? e.call.first_line : e.line;
    auto [it, fresh] = first_line.emplace(e.pid, l);
    if (!fresh) it->second = std::min(it->second, l);
  }
  for (auto& e : evs) {
    if (e.kind != Event::Syscall) continue;
    const Call& c = e.call;
    if (c.name != "clone" && c.name != "clone3" && c.name != "fork" && c.name != "vfork") continue;
    if (c.ret.failed()) continue;
    if (c.ret.unknown) continue;  // "= ?": the caller died in it, no child line follows
    results.insert(c.ret.value);
    if (c.ret.tracer_pid) results.insert(*c.ret.tracer_pid);
    int child = static_cast<int>(c.ret.tracer_pid.value_or(c.ret.value));
    origin.emplace(child, Origin{e.pid, c.first_line, c.args_text.find("CLONE_NEWPID") != std::string::npos});
    if (!first_line.count(child))
      clone_starts.emplace_back(c.first_line, e.pid);  // a child in another pid namespace, or one with no line
  }
  for (auto& e : evs)
    if (e.kind == Event::Syscall && !e.call.ret.failed() &&
        ((e.call.name == "unshare" && e.call.args_text.find("CLONE_NEWPID") != std::string::npos) ||
         e.call.name == "setns"))
      pidns_change.emplace(e.pid, e.call.first_line);
  std::sort(clone_starts.begin(), clone_starts.end());
  std::vector<std::pair<int, int>> unmade;  // (first line, pid)
  for (auto& [pid, l] : first_line)
    if (pid != evs.front().pid && !results.count(pid)) unmade.emplace_back(l, pid);
  std::sort(unmade.begin(), unmade.end());
  // Whether pid's active pid namespace is strace's: the log's first pid or an
  // existing one, or made (no CLONE_NEWPID) by one whose children went there.
  // Its clones return pids as strace shows them, so a result with no line is
  // a child that printed none (a Go thread idle until the detach), not one
  // shown under another number.
  auto strace_pidns = [&](int pid) {
    for (int hops = 0; hops < 64; ++hops) {
      if (pid == evs.front().pid || out.count(pid)) return true;
      auto o = origin.find(pid);
      if (o == origin.end() || o->second.newpid) return false;
      if (auto ch = pidns_change.find(o->second.parent); ch != pidns_change.end() && ch->second < o->second.line)
        return false;
      pid = o->second.parent;
    }
    return false;
  };
  // Each unmade pid is the child of the earliest unclaimed clone that started
  // before it, if any, among clones by a creator in another pid namespace.
  size_t next = 0;
  for (auto& [l, pid] : unmade) {
    while (next < clone_starts.size() && clone_starts[next].first < l && strace_pidns(clone_starts[next].second))
      ++next;
    if (next < clone_starts.size() && clone_starts[next].first < l) {
      ++next;
      continue;
    }
    out[pid] = {};
  }
  // A reap of a pid no clone of the log made: the log starts mid-life (strace -p of one process).
  bool reaps_unknown = false;
  for (auto& e : evs)
    if (e.kind == Event::Syscall && (e.call.name == "wait4" || e.call.name == "waitid") && e.call.ret.value > 0 &&
        e.call.name == "wait4" && !results.count(e.call.ret.tracer_pid.value_or(e.call.ret.value)) &&
        !results.count(e.call.ret.value))
      reaps_unknown = true;
  if (out.empty() && !reaps_unknown) return out;
  out[evs.front().pid] = {};
  // The first sightings of their links, before each changes its namespaces:
  // its own, and those of descendants that share them (a clone without
  // CLONE_NEW*, neither calling unshare or setns first), as a shell's children read them.
  std::map<int, int> changed;  // pid -> line of its first unshare or setns
  struct Made {
    int parent, line;
    bool fresh;   // CLONE_NEW*
    bool thread;  // CLONE_THREAD: in its parent's thread group
  };
  std::map<int, Made> made;
  for (auto& e : evs) {
    if (e.kind != Event::Syscall) continue;
    const Call& c = e.call;
    if ((c.name == "unshare" || c.name == "setns") && !changed.count(e.pid)) changed[e.pid] = c.first_line;
    if ((c.name == "clone" || c.name == "clone3" || c.name == "fork" || c.name == "vfork") && !c.ret.failed() &&
        !c.ret.unknown)
      made.emplace(static_cast<int>(c.ret.tracer_pid.value_or(c.ret.value)),
                   Made{e.pid, c.first_line, c.args_text.find("CLONE_NEW") != std::string::npos,
                        c.args_text.find("CLONE_THREAD") != std::string::npos});
  }
  // The existing process whose namespaces `pid` has at `line`, or 0.
  auto owner = [&](int pid, int line) {
    for (int hops = 0; hops < 64; ++hops) {
      if (auto ch = changed.find(pid); ch != changed.end() && ch->second < line) return 0;
      if (out.count(pid)) return pid;
      auto m = made.find(pid);
      if (m == made.end() || m->second.fresh) return 0;
      line = m->second.line;
      pid = m->second.parent;
    }
    return 0;
  };
  for (auto& e : evs) {
    if (e.kind != Event::Syscall) continue;
    const Call& c = e.call;
    bool open = c.name == "open" || c.name == "openat" || c.name == "openat2";
    bool link = c.name == "readlink" || c.name == "readlinkat";
    if ((!open && !link) || c.ret.failed() || c.ret.unknown) continue;
    size_t pa = c.name == "open" || c.name == "readlink" ? 0 : 1;
    if (c.args.size() <= pa) continue;
    auto path = parse_string(c.args[pa]);
    if (!path || !path->starts_with("/proc/")) continue;
    std::string_view rest = std::string_view(*path).substr(6);
    size_t sl = rest.find('/');
    if (sl == std::string_view::npos || !rest.substr(sl).starts_with("/ns/")) continue;
    std::string_view who = rest.substr(0, sl), lname = rest.substr(sl + 4);
    int pid = who == "self" || who == "thread-self" ? e.pid : static_cast<int>(parse_int(who).value_or(0));
    auto l = link_from_name(lname);
    int ex = l ? owner(pid, c.first_line) : 0;
    if (!ex) continue;
    std::optional<std::pair<NsType, uint64_t>> nd;
    if (open)
      nd = parse_ns_decor(c.ret.decor);
    else if (c.args.size() > pa + 1)
      if (auto target = parse_string(c.args[pa + 1])) nd = parse_ns_decor(*target);
    size_t i = static_cast<size_t>(std::find(kAllLinks.begin(), kAllLinks.end(), *l) - kAllLinks.begin());
    if (nd && nd->first == link_type(*l) && !out[ex][i]) out[ex][i] = nd->second;
  }
  if (parents)
    for (auto& e : evs)
      if (e.kind == Event::Syscall && e.call.name == "wait4" && e.call.ret.value > 0 && out.count(e.pid)) {
        int child = static_cast<int>(e.call.ret.tracer_pid.value_or(e.call.ret.value));
        if (child != e.pid && out.count(child) && !parents->count(child)) (*parents)[child] = e.pid;
      }
  if (threads) {
    // A child is its creator's thread group's: any thread of it may reap it
    // (no __WNOTHREAD). An orphan reaped by a subreaper is told apart by its
    // creator having exited before the reap.
    std::map<int, int> exited;  // pid -> line of its "+++ exited" / "+++ killed"
    std::set<int> execs;        // pids whose execve succeeded: a group's leader (or it becomes one)
    for (auto& e : evs) {
      if ((e.kind == Event::Exited || e.kind == Event::Killed) && !exited.count(e.pid)) exited[e.pid] = e.line;
      if (e.kind == Event::Syscall && (e.call.name == "execve" || e.call.name == "execveat") && !e.call.ret.failed() &&
          !e.call.ret.unknown)
        execs.insert(e.pid);
    }
    auto root = [&](int pid) {
      for (int hops = 0; hops < 64; ++hops) {
        auto it = threads->find(pid);
        if (it == threads->end() || it->second == pid) return pid;
        pid = it->second;
      }
      return pid;
    };
    // The existing pid whose thread group `pid` is in: itself, or the one a
    // chain of CLONE_THREAD clones in the log starts from; 0 for a process the log made.
    auto group_of = [&](int pid) {
      for (int hops = 0; hops < 64; ++hops) {
        if (out.count(pid)) return pid;
        auto m = made.find(pid);
        if (m == made.end() || !m->second.thread) return 0;
        pid = m->second.parent;
      }
      return 0;
    };
    // One thread group of existing pids a and b. The leader: one that execs
    // (only a leader's execve is modelled), else `lead` when given, else the
    // one the log shows first; the other is its thread().
    auto join = [&](int a, int b, int lead) {
      a = root(a), b = root(b);
      if (a == b) return;
      bool b_leads;
      if (execs.count(b) != execs.count(a))
        b_leads = execs.count(b) > 0;
      else if (lead)
        b_leads = root(lead) == b;
      else
        b_leads = first_line[b] < first_line[a];
      if (b_leads) std::swap(a, b);
      (*threads)[b] = a;
    };
    for (auto& e : evs) {
      if (e.kind != Event::Syscall || e.call.name != "wait4" || e.call.ret.value <= 0) continue;
      int reaper = group_of(e.pid);
      if (!reaper) continue;
      auto m = made.find(static_cast<int>(e.call.ret.tracer_pid.value_or(e.call.ret.value)));
      if (m == made.end()) continue;
      int creator = m->second.parent;
      if (creator == e.pid) continue;
      // (A thread's exit hands its children to another thread of its group.)
      bool creator_thread = made.count(creator) && made.at(creator).thread;
      auto x = exited.find(creator);
      if (!creator_thread && x != exited.end() && x->second < e.call.first_line) continue;
      if (int g = group_of(creator)) join(g, reaper, 0);
    }
    // tgkill(TGID, TID, sig) = 0 names TID's thread group (a Go runtime's
    // preemption signals, SIGURG, show every thread of a daemon this way).
    // Read only from a caller in an existing group: the log's pids and the
    // caller's are then in one pid namespace, the initial one.
    std::map<int, int> by_tgid;  // TGID -> the first existing group seen in it
    for (auto& e : evs) {
      if (e.kind != Event::Syscall || e.call.name != "tgkill" || e.call.ret.failed() || e.call.ret.unknown) continue;
      if (e.call.args.size() < 2 || !group_of(e.pid)) continue;
      auto tgid = parse_int(e.call.args[0]), tid = parse_int(e.call.args[1]);
      if (!tgid || !tid || *tgid <= 0 || *tid <= 0) continue;
      int g = group_of(static_cast<int>(*tid));
      if (!g) continue;
      int t = static_cast<int>(*tgid);
      if (out.count(t))
        join(t, g, t);
      else if (auto [it, fresh] = by_tgid.emplace(t, g); !fresh)
        join(it->second, g, 0);
    }
    for (auto& [pid, lead] : *threads) lead = root(pid);
  }
  return out;
}

Imported import_events(const std::vector<Event>& evs, const SessionOptions& opt, const RenderOptions& ro) {
  Imported im;
  SessionOptions o = opt;
  // Does a process other than the first make calls after the first one ended?
  int first = evs.empty() ? 0 : evs.front().pid;
  bool ended = false;
  for (auto& e : evs) {
    if (e.pid == first && (e.kind == Event::Exited || e.kind == Event::Killed)) ended = true;
    if (ended && e.pid != first && e.kind == Event::Syscall) {
      o.init_parent = true;
      break;
    }
  }
  if (o.existing.empty() && !o.initial) o.existing = existing_pids(evs, &o.existing_parent, &o.existing_thread_of);
  im.session = std::make_unique<Session>(o);
  for (auto& e : evs) im.session->feed(e, im.outs);
  im.session->finish(im.outs, im.errors);
  if (im.errors.empty()) im.scenario = render_scenario(*im.session, im.outs, ro);
  return im;
}

}  // namespace nssim::strace
