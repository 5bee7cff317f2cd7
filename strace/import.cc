#include "strace/import.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
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
  im.session = std::make_unique<Session>(o);
  for (auto& e : evs) im.session->feed(e, im.outs);
  im.session->finish(im.outs, im.errors);
  if (im.errors.empty()) im.scenario = render_scenario(*im.session, im.outs, ro);
  return im;
}

}  // namespace nssim::strace
