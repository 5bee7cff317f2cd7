#include "strace/log.h"

#include <fmt/format.h>
#include <string.h>

#include <cctype>
#include <charconv>
#include <csignal>

namespace nssim::strace {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Walks s from `i` as strace writes arguments: skips string literals ("...",
// with backslash escapes) and fd decorations ("3</etc/passwd>", nested <...>),
// and counts the bracket depth. At each ')' or ',' outside them it calls
// stop(c, i, depth), `depth` counted before that ')' closes; returns the first
// `i` where stop() is true, npos if none.
template <class Stop>
size_t scan_args(std::string_view s, size_t i, Stop stop) {
  int depth = 0, decor = 0;
  bool str = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (str) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        str = false;
      continue;
    }
    if (decor > 0) {
      if (c == '<')
        ++decor;
      else if (c == '>' && s[i - 1] != '-')  // a connected unix socket: <UNIX-STREAM:[1001->1002]>
        --decor;
      continue;
    }
    switch (c) {
      case '"':
        str = true;
        break;
      case '<':
        if (i + 1 < s.size() && s[i + 1] == '<')
          ++i;  // a shift, as in capability sets: "1<<CAP_SYS_ADMIN"
        else if (i > 0 && is_word(s[i - 1]))
          decor = 1;
        break;
      case '(':
      case '[':
      case '{':
        ++depth;
        break;
      case ')':
      case ',':
        if (stop(c, i, depth)) return i;
        if (c == ')') --depth;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

// The index of the first ')' from `i` at depth 0 that is not inside a string,
// a bracket or an fd decoration; npos if none.
size_t find_close(std::string_view s, size_t i) {
  return scan_args(s, i, [](char c, size_t, int depth) { return c == ')' && depth == 0; });
}

int signal_number(std::string_view name) {
  for (int i = 1; i < 65; ++i) {
    const char* a = sigabbrev_np(i);
    if (a && name == std::string("SIG") + a) return i;
  }
  return 0;
}

Ret parse_ret(std::string_view r) {
  Ret out;
  r = trim(r);
  // -T: a trailing " <0.000123>".
  if (!r.empty() && r.back() == '>') {
    size_t lt = r.rfind(" <");
    if (lt != std::string_view::npos) {
      std::string_view t = r.substr(lt + 2, r.size() - lt - 3);
      if (!t.empty() && t.find_first_not_of("0123456789.") == std::string_view::npos) r = trim(r.substr(0, lt));
    }
  }
  size_t i = 0;
  if (r.starts_with("?")) {
    out.unknown = true;
    i = 1;
  } else {
    size_t b = 0;
    if (i < r.size() && r[i] == '-') ++i;
    bool hex = r.substr(i).starts_with("0x");
    if (hex) i += 2;
    while (i < r.size() &&
           (hex ? std::isxdigit(static_cast<unsigned char>(r[i])) : std::isdigit(static_cast<unsigned char>(r[i]))))
      ++i;
    if (auto v = parse_int(r.substr(b, i - b)))
      out.value = *v;
    else
      out.unknown = true;
    if (i < r.size() && r[i] == '<') {
      int d = 0;
      size_t s = i;
      for (; i < r.size(); ++i) {
        if (r[i] == '<')
          ++d;
        else if (r[i] == '>' && --d == 0)
          break;
      }
      out.decor = std::string(r.substr(s + 1, i - s - 1));
      if (i < r.size()) ++i;
    }
  }
  std::string_view rest = trim(r.substr(std::min(i, r.size())));
  if (rest.size() > 1 && rest[0] == 'E' && std::isupper(static_cast<unsigned char>(rest[1]))) {
    size_t e = 0;
    while (e < rest.size() &&
           (std::isupper(static_cast<unsigned char>(rest[e])) || std::isdigit(rest[e]) || rest[e] == '_'))
      ++e;
    out.err = std::string(rest.substr(0, e));
    rest = trim(rest.substr(e));
  }
  if (size_t c = rest.find("/* ");
      c != std::string_view::npos && rest.find("in strace's PID NS") != std::string_view::npos) {
    out.tracer_pid = parse_int(trim(rest.substr(c + 3, rest.find(' ', c + 3) - c - 3)));
  }
  out.rest = std::string(rest);
  return out;
}

}  // namespace

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-') neg = true, s.remove_prefix(1);
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X"))
    base = 16, s.remove_prefix(2);
  else if (s.size() > 1 && s[0] == '0')
    base = 8, s.remove_prefix(1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

std::vector<std::string> split_args(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  scan_args(s, 0, [&](char c, size_t i, int depth) {
    if (c == ',' && depth == 0) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
    return false;
  });
  std::string_view last = trim(s.substr(start));
  if (!last.empty() || !out.empty()) out.emplace_back(last);
  return out;
}

std::optional<FdArg> parse_fd(std::string_view a) {
  a = trim(a);
  FdArg f;
  size_t lt = a.find('<');
  std::string_view num = lt == std::string_view::npos ? a : a.substr(0, lt);
  if (num == "AT_FDCWD") {
    f.fd = -100;
  } else {
    auto v = parse_int(num);
    if (!v) return std::nullopt;
    f.fd = static_cast<int>(*v);
  }
  if (lt != std::string_view::npos && a.back() == '>') f.decor = std::string(a.substr(lt + 1, a.size() - lt - 2));
  return f;
}

std::optional<std::pair<NsType, uint64_t>> parse_ns_decor(std::string_view d) {
  size_t c = d.find(":[");
  if (c == std::string_view::npos || d.back() != ']') return std::nullopt;
  auto t = ns_type_from_name(d.substr(0, c));
  if (!t) return std::nullopt;
  auto v = parse_int(d.substr(c + 2, d.size() - c - 3));
  if (!v) return std::nullopt;
  return std::make_pair(*t, static_cast<uint64_t>(*v));
}

std::optional<std::string> parse_string(std::string_view a, bool* truncated) {
  a = trim(a);
  if (truncated) *truncated = false;
  if (a.empty() || a[0] != '"') return std::nullopt;
  std::string v;
  size_t i = 1;
  for (; i < a.size(); ++i) {
    char c = a[i];
    if (c == '"') break;
    if (c != '\\' || i + 1 >= a.size()) {
      v += c;
      continue;
    }
    char e = a[++i];
    switch (e) {
      case 'n':
        v += '\n';
        break;
      case 't':
        v += '\t';
        break;
      case 'r':
        v += '\r';
        break;
      case 'v':
        v += '\v';
        break;
      case 'f':
        v += '\f';
        break;
      case 'x': {
        int n = 0, k = 0;
        while (k < 2 && i + 1 < a.size() && std::isxdigit(static_cast<unsigned char>(a[i + 1]))) {
          char h = a[++i];
          n = n * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          ++k;
        }
        v += static_cast<char>(n);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int n = e - '0', k = 1;
          while (k < 3 && i + 1 < a.size() && a[i + 1] >= '0' && a[i + 1] <= '7') n = n * 8 + (a[++i] - '0'), ++k;
          v += static_cast<char>(n);
        } else {
          v += e;
        }
    }
  }
  if (i >= a.size()) return std::nullopt;
  if (truncated) *truncated = a.substr(i + 1).starts_with("...");
  return v;
}

uint64_t parse_clone_flags(std::string_view s, std::vector<std::string>* unknown) {
  uint64_t v = 0;
  s = trim(s);
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find('|', b);
    std::string_view t = trim(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (!t.empty()) {
      if (auto f = clone_flag_from_name(t))
        v |= *f;
      else if (auto n = parse_int(t))
        v |= static_cast<uint64_t>(*n);
      else if (unknown)
        unknown->emplace_back(t);
    }
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return v;
}

std::string struct_field(std::string_view s, std::string_view key) {
  std::string_view in = trim(s);
  if (in.starts_with("{")) in.remove_prefix(1);
  if (in.ends_with("}")) in.remove_suffix(1);
  for (auto& f : split_args(in)) {
    std::string_view fv = f;
    if (fv.starts_with(key) && fv.size() > key.size() && fv[key.size()] == '=')
      return std::string(fv.substr(key.size() + 1));
  }
  return "";
}

std::vector<std::tuple<int, int, std::string>> Reader::pending() const {
  std::vector<std::tuple<int, int, std::string>> out;
  for (auto& [pid, p] : pending_) out.emplace_back(p.line, pid, p.name);
  return out;
}

void Reader::feed(std::string_view raw, int lineno, std::vector<Event>& out, std::vector<LogError>& errs) {
  std::string_view s = raw;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  std::string_view text = s;
  s = trim(s);
  if (s.empty()) return;
  auto bad = [&](std::string msg, std::string hint = "") { errs.push_back({lineno, std::move(msg), std::move(hint)}); };
  int pid = 0;
  // The pid column: "1234 ", "[pid  1234] ", "1234<comm> ".
  if (s.starts_with("[pid")) {
    size_t e = s.find(']');
    auto v = e == std::string_view::npos ? std::nullopt : parse_int(s.substr(4, e - 4));
    if (!v) return bad("bad '[pid N]' prefix", "strace -f prints '[pid N] ' before each line of a child");
    pid = static_cast<int>(*v);
    s = trim(s.substr(e + 1));
  } else if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    size_t e = 0;
    while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
    if (e < s.size() && (s[e] == ' ' || s[e] == '\t' || s[e] == '<')) {
      pid = static_cast<int>(*parse_int(s.substr(0, e)));
      s = s.substr(e);
      if (s.starts_with("<")) {  // -Y: the comm
        size_t g = s.find('>');
        if (g == std::string_view::npos) return bad("unterminated '<comm>' after the pid");
        s = s.substr(g + 1);
      }
      s = trim(s);
    }
  }
  // Timestamps: -t "15:29:01", -tt "15:29:01.123456", -ttt/-r "1700000000.123456".
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
    size_t e = s.find(' ');
    std::string_view t = s.substr(0, e);
    if (e != std::string_view::npos && t.find_first_not_of("0123456789:.") == std::string_view::npos &&
        (t.find(':') != std::string_view::npos || t.find('.') != std::string_view::npos))
      s = trim(s.substr(e));
  }
  if (s.starts_with("strace: ")) return;  // the tracer's own messages ("Process N attached")
  Event ev;
  ev.pid = pid;
  ev.line = lineno;
  ev.text = std::string(trim(text));
  if (s.starts_with("+++")) {
    if (s.starts_with("+++ exited with ")) {
      auto v = parse_int(s.substr(16, s.find(' ', 16) - 16));
      if (!v) return bad("bad exit line", "expected '+++ exited with N +++'");
      ev.kind = Event::Exited;
      ev.code = static_cast<int>(*v);
    } else if (s.starts_with("+++ killed by ")) {
      std::string_view sig = s.substr(14);
      sig = sig.substr(0, sig.find(' '));
      ev.kind = Event::Killed;
      ev.signal = std::string(sig);
      ev.code = signal_number(sig);
    } else if (s.starts_with("+++ superseded by execve")) {
      ev.kind = Event::Superseded;
      if (size_t in = s.find(" in pid "); in != std::string_view::npos)
        ev.code = static_cast<int>(parse_int(s.substr(in + 8, s.find(' ', in + 8) - in - 8)).value_or(0));
    } else {
      return bad("unknown '+++' line", "expected '+++ exited with N +++' or '+++ killed by SIGNAL +++'");
    }
    pending_.erase(pid);
    out.push_back(std::move(ev));
    return;
  }
  if (s.starts_with("---")) {
    ev.kind = Event::Signal;
    std::string_view sig = trim(s.substr(3));
    if (sig.starts_with("stopped by ")) sig.remove_prefix(11);
    ev.signal = std::string(sig.substr(0, sig.find_first_of(" {")));
    out.push_back(std::move(ev));
    return;
  }
  // "???(": strace names a system call it could not identify this way (seen
  // for the leader of a thread group whose other thread execs, under load, when
  // the leader's syscall entry was never seen). Such a line may be cut short
  // with no ')' and resumes as "<... ??? resumed>"; there is nothing to
  // translate, so every part of it is skipped.
  // Cut short, it can have the next line run into it: "???(19566 +++
  // superseded by execve in pid 19571 +++" (seen under load); that line is read.
  if (s.starts_with("?\?\?(")) {
    std::string_view rest = s.substr(4);
    if (size_t sp = rest.find(' '); sp != std::string_view::npos && sp > 0 &&
                                    rest.substr(0, sp).find_first_not_of("0123456789") == std::string_view::npos &&
                                    rest.substr(sp + 1).starts_with("+++ "))
      return feed(rest, lineno, out, errs);
    return;
  }
  if (s.starts_with("<... ?\?\? resumed>")) return;
  Call call;
  call.pid = pid;
  call.line = call.first_line = lineno;
  std::string_view body;  // after "NAME(" (or after "resumed>")
  std::string head;       // args before the split (resumed calls)
  std::string joined;     // a resumed call's arguments: the first line's, then the rest
  if (s.starts_with("<... ")) {
    size_t r = s.find(" resumed>");
    if (r == std::string_view::npos) return bad("bad resumed line", "expected '<... NAME resumed>REST) = RESULT'");
    call.name = std::string(s.substr(5, r - 5));
    if (auto ch = changed_.find(pid); ch != changed_.end() && ch->second.name == call.name) {
      call.exec_thread = ch->second.from_pid;
      pending_.insert_or_assign(pid, std::move(ch->second));
      changed_.erase(ch);
    }
    if (call.name == "execve" && cut_execve_ && (!pending_.count(pid) || pending_[pid].name != "execve")) {
      call.exec_thread = cut_execve_->from_pid;
      pending_.insert_or_assign(pid, std::move(*cut_execve_));
      cut_execve_.reset();
    }
    // A thread's execve printed "<unfinished ...>" under its own pid (no
    // "<pid changed to ...>", seen under load) resumes under the leader's:
    // the one execve another pid has in progress is it.
    if (call.name == "execve" && (!pending_.count(pid) || pending_[pid].name != "execve")) {
      int from = 0, n = 0;
      for (auto& [other, pw] : pending_)
        if (other != pid && pw.name == "execve") from = other, ++n;
      if (n == 1) {
        Pending moved = std::move(pending_.at(from));
        pending_.erase(from);
        moved.from_pid = from;
        call.exec_thread = from;
        pending_.insert_or_assign(pid, std::move(moved));
      }
    }
    auto it = pending_.find(pid);
    if (it == pending_.end() || it->second.name != call.name)
      return bad(
          fmt::format("'<... {} resumed>' without an earlier unfinished {}() of pid {}", call.name, call.name, pid),
          "strace prints 'NAME(ARGS <unfinished ...>' first; the log may be cut or reordered");
    head = it->second.args_head;
    call.first_line = it->second.line;
    std::string first_text = it->second.text;
    pending_.erase(it);
    // The arguments continue where the first line stopped, possibly inside a
    // struct: "ioctl(3<...>, SIOCGIFINDEX, {ifr_name="lo" <unfinished ...>" then
    // "<... ioctl resumed>, ifr_ifindex=1}) = 0". The two halves are read as one.
    joined = head + std::string(s.substr(r + 9));
    head.clear();
    body = joined;
    // The rest can itself be cut short: "<... wait4 resumed> <unfinished ...>) = ?" (killed while blocked).
    if (size_t u = body.find("<unfinished ...>");
        u != std::string_view::npos && find_close(body, 0) == std::string_view::npos)
      return;  // no result will follow; the task's exit line says what happened
    ev.text = first_text + " | " + std::string(trim(text));
  } else {
    size_t p = 0;
    while (p < s.size() && (is_word(s[p]) || s[p] == '?')) ++p;
    if (p == 0 || p >= s.size() || s[p] != '(')
      return bad(fmt::format("not a strace line: '{}'", std::string(s.substr(0, 40))),
                 "expected 'PID NAME(ARGS) = RESULT' (strace -f -yy -o LOG CMD)");
    call.name = std::string(s.substr(0, p));
    body = s.substr(p + 1);
    // A thread's execve: "execve(ARGS <pid changed to LEADER ...>"; it resumes
    // under the leader's pid once de_thread() has given it that pid.
    if (size_t pc = s.rfind("<pid changed to "); pc != std::string_view::npos && s.ends_with(" ...>")) {
      auto to = parse_int(s.substr(pc + 16, s.size() - 5 - pc - 16));
      if (!to) return bad("bad '<pid changed to PID ...>'");
      std::string_view h = body.substr(0, body.size() - (s.size() - pc));
      while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
      changed_[static_cast<int>(*to)] = Pending{lineno, call.name, std::string(h), std::string(trim(text)), pid};
      return;
    }
    // strace -p detached (Ctrl-C, `nssim trace --attach --duration`) while
    // this call was in progress and its line the last one printed (strace's
    // droptcb()): "wait4(-1,  <detached ...>". No result will come: skipped.
    if (s.ends_with("<detached ...>") && find_close(body, 0) == std::string_view::npos) return;
    if (s.ends_with("<unfinished ...>") && find_close(body, 0) == std::string_view::npos) {
      std::string_view h = body.substr(0, body.size() - 16);
      while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
      if (pending_.count(pid))
        return bad(fmt::format("pid {} starts {}() while its {}() (line {}) is unfinished", pid, call.name,
                               pending_[pid].name, pending_[pid].line));
      pending_[pid] = Pending{lineno, call.name, std::string(h), std::string(trim(text))};
      return;
    }
  }
  size_t close = find_close(body, 0);
  if (close == std::string_view::npos && call.name == "execve" && head.empty()) {
    std::string_view h = body;
    while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
    cut_execve_ = Pending{lineno, call.name, std::string(h), std::string(trim(text)), pid};
    return;
  }
  if (close == std::string_view::npos)
    return bad(fmt::format("{}( has no closing ')'", call.name),
               "the line may be cut; strings, [], {} and <...> must be balanced");
  std::string_view after = trim(body.substr(close + 1));
  if (!after.starts_with("="))
    return bad(fmt::format("{}(...) has no ' = RESULT'", call.name), "expected e.g. 'unshare(CLONE_NEWNET) = 0'");
  call.args_text = head + std::string(body.substr(0, close));
  call.args = split_args(call.args_text);
  call.ret = parse_ret(after.substr(1));
  if (call.ret.unknown && !after.substr(1).empty() && trim(after.substr(1))[0] != '?')
    return bad(fmt::format("bad result '{}'", std::string(trim(after.substr(1)))),
               "expected a number, -1 ERRNO (text), or ?");
  if (call.name == "wait4" && call.ret.failed() && call.ret.err == "ECHILD")
    for (auto& [other, pw] : pending_)
      if (other != pid && pw.name == "wait4")
        if (auto a = split_args(pw.args_head); !a.empty())
          if (auto who = parse_int(a[0])) call.pending_waits.push_back({other, pw.line, *who});
  for (auto& a : call.args)
    if (auto f = parse_fd(a); f && !f->decor.empty() && f->fd >= 0) decorations_ = true;
  if (!call.ret.decor.empty()) decorations_ = true;
  if (ev.text.find(" | ") == std::string::npos) ev.text = std::string(trim(text));
  call.text = ev.text;
  ev.kind = Event::Syscall;
  ev.call = std::move(call);
  out.push_back(std::move(ev));
}

}  // namespace nssim::strace
