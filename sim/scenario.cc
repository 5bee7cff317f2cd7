// Lexer and parser of the scenario language. Hand-written: the grammar is one
// statement per line, and a recursive-descent parser gives precise
// line:column diagnostics with the offending token and what was expected.
#include "sim/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <charconv>
#include <unordered_map>

#include "sim/features.h"
#include "sim/objects.h"
#include "sim/result.h"
#include "sim/unwind.h"

namespace nssim {

std::string_view call_name(CallKind k) {
  switch (k) {
    case CallKind::Clone: return "clone";
    case CallKind::Clone3: return "clone3";
    case CallKind::Unshare: return "unshare";
    case CallKind::Setns: return "setns";
    case CallKind::Open: return "open";
    case CallKind::Close: return "close";
    case CallKind::Exit: return "exit";
    case CallKind::Wait: return "wait";
    case CallKind::PidfdOpen: return "pidfd_open";
    case CallKind::Sethostname: return "sethostname";
    case CallKind::Thread: return "thread";
    case CallKind::Setuid: return "setuid";
    case CallKind::Setgid: return "setgid";
    case CallKind::Setresuid: return "setresuid";
    case CallKind::Setresgid: return "setresgid";
    case CallKind::Write: return "write";
    case CallKind::Ioctl: return "ioctl";
    case CallKind::Listns: return "listns";
    case CallKind::OpenTree: return "open_tree";
    case CallKind::Mount: return "mount";
    case CallKind::Umount: return "umount";
    case CallKind::PrctlDumpable: return "prctl";
    case CallKind::PrctlChildSubreaper: return "prctl";
    case CallKind::PrctlKeepcaps: return "prctl";
    case CallKind::PrctlCapbsetDrop: return "prctl";
    case CallKind::Capset: return "capset";
    case CallKind::Setgroups: return "setgroups";
    case CallKind::Exec: return "exec";
    case CallKind::Socket: return "socket";
    case CallKind::Socketpair: return "socketpair";
    case CallKind::Send: return "send";
    case CallKind::Recv: return "recv";
    case CallKind::Chroot: return "chroot";
    case CallKind::Mkdir: return "mkdir";
    case CallKind::Rmdir: return "rmdir";
    case CallKind::PivotRoot: return "pivot_root";
    case CallKind::NameToHandleAt: return "name_to_handle_at";
    case CallKind::OpenByHandleAt: return "open_by_handle_at";
  }
  return "?";
}

namespace {
// Appends one diagnostic; (line, start) is a cursor into `source`: the line
// number and offset of the start of that line, moved forward to d's line
// (from the top when d lies before it).
void append_diagnostic(std::string& out, std::string_view file, std::string_view source, const Diagnostic& d,
                       int& line, size_t& start) {
  out += fmt::format("{}:{}:{}: error: {}\n", file, d.loc.line, d.loc.col, d.message);
  // Show the source line with a caret under the column.
  if (d.loc.line < line) line = 1, start = 0;
  while (line < d.loc.line) {
    size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) break;
    ++line, start = nl + 1;
  }
  if (line == d.loc.line && d.loc.line > 0) {
    size_t end = source.find('\n', start);
    std::string_view text = source.substr(start, end == std::string_view::npos ? source.size() - start : end - start);
    out += fmt::format("  {}\n  {}^\n", text, std::string(d.loc.col > 0 ? d.loc.col - 1 : 0, ' '));
  }
  if (!d.hint.empty()) out += "hint: " + d.hint + "\n";
}
}  // namespace

std::string format_diagnostic(std::string_view file, std::string_view source, const Diagnostic& d) {
  std::string out;
  int line = 1;
  size_t start = 0;
  append_diagnostic(out, file, source, d, line, start);
  return out;
}

std::string format_diagnostics(std::string_view file, std::string_view source, const std::vector<Diagnostic>& ds) {
  std::string out;
  int line = 1;
  size_t start = 0;
  for (const Diagnostic& d : ds) append_diagnostic(out, file, source, d, line, start);
  return out;
}

namespace {

struct Token {
  enum Kind : uint8_t { End, Ident, Number, String, Punct, Bad } kind = End;
  // Identifier, number text, string value (unescaped) or punctuation: a view
  // into the line, or into the lexer's store for a string with escapes.
  std::string_view text;
  Loc loc;
};

// A string value as the language writes it: quoted, with the lexer's escapes
// (\\ \" \n \t) put back and other control bytes shown as \xHH, so a message
// stays on one line.
std::string quoted(std::string_view v) {
  std::string q = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') q += '\\', q += c;
    else if (c == '\n') q += "\\n";
    else if (c == '\t') q += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) q += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else q += c;
  }
  return q + '"';
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::End: return "end of line";
    case Token::String: return "string " + quoted(t.text);
    default: return fmt::format("'{}'", t.text);
  }
}

// ASCII character classes (what <cctype> answers in the "C" locale), inline.
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// Tokenizes one line; '#' starts a comment outside strings.
class Lexer {
 public:
  // `store` keeps the unescaped values of strings with escapes (it must not
  // move its strings: a deque), as long as the tokens are used.
  Lexer(std::string_view line, int lineno, std::deque<std::string>& store)
      : s_(line), line_(lineno), store_(store) {}

  // The line's tokens into `out` (cleared first: one buffer serves every line).
  void run(std::vector<Token>& out, std::vector<Diagnostic>& errs) {
    out.clear();
    for (;;) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
      Token t;
      t.loc = Loc{line_, static_cast<int>(i_) + 1};
      if (i_ >= s_.size() || s_[i_] == '#') {
        out.push_back(t);
        return;
      }
      char c = s_[i_];
      if (is_alpha(c) || c == '_') {
        size_t b = i_;
        while (i_ < s_.size() && (is_alnum(s_[i_]) || s_[i_] == '_' || s_[i_] == '-')) ++i_;
        // A trailing '-' belongs to "->", not to the name.
        while (i_ > b && s_[i_ - 1] == '-') --i_;
        t.kind = Token::Ident;
        t.text = s_.substr(b, i_ - b);
      } else if (is_digit(c) || (c == '-' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) {
        size_t b = i_++;
        while (i_ < s_.size() && (is_alnum(s_[i_]) || s_[i_] == '.')) ++i_;
        t.kind = Token::Number;
        t.text = s_.substr(b, i_ - b);
      } else if (c == '"') {
        ++i_;
        size_t b = i_;
        std::string* v = nullptr;  // the unescaped value, once an escape is seen
        bool closed = false;
        while (i_ < s_.size()) {
          char d = s_[i_++];
          if (d == '"') {
            closed = true;
            break;
          }
          if (d == '\\' && i_ < s_.size()) {
            if (!v) v = &store_.emplace_back(s_.substr(b, i_ - 1 - b));
            char e = s_[i_++];
            *v += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else if (v) {
            *v += d;
          }
        }
        if (!closed) {
          errs.push_back({t.loc, "unterminated string", "close the string with '\"' on the same line"});
          t.kind = Token::Bad;
          out.push_back(t);
          out.push_back(Token{Token::End, "", Loc{line_, static_cast<int>(s_.size()) + 1}});
          return;
        }
        t.kind = Token::String;
        t.text = v ? std::string_view(*v) : s_.substr(b, i_ - 1 - b);
      } else {
        static constexpr std::string_view two[] = {"->", "==", "!=", "+=", "-="};
        t.kind = Token::Punct;
        bool done = false;
        for (auto p : two)
          if (s_.substr(i_, 2) == p) {
            t.text = s_.substr(i_, 2);
            i_ += 2;
            done = true;
            break;
          }
        if (!done) {
          if (std::string_view(":(),|=.@?[]").find(c) == std::string_view::npos) {
            // A control byte or a byte of (possibly invalid) UTF-8 is shown as \xNN:
            // diagnostics stay printable and valid UTF-8 (--json, terminals).
            unsigned char u = static_cast<unsigned char>(c);
            errs.push_back({t.loc,
                            u >= 0x20 && u < 0x7f ? fmt::format("unexpected character '{}'", c)
                                                  : fmt::format("unexpected character '\\x{:02x}'", u),
                            c == '/' ? "a path is a string in double quotes, e.g. \"/srv/ns/net\"" : ""});
            t.kind = Token::Bad;
          }
          t.text = s_.substr(i_, 1);
          ++i_;
        }
      }
      out.push_back(std::move(t));
    }
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  int line_;
  std::deque<std::string>& store_;
};

// Every attribute a term may have (checked again by the runner for the kind of
// value it follows: sim/runner.cc).
bool known_attribute(std::string_view a) {
  static constexpr std::string_view kOther[] = {"nsproxy", "count",  "hostname", "pid",  "state", "uid",
                                                "euid",    "suid",   "gid",      "egid", "sgid",  "refs",
                                                "inum",    "type",   "level",    "owner", "parent",
                                                "cap_eff", "cap_prm", "cap_inh", "cap_bnd", "cgroup_path"};
  if (link_from_name(a) || cap_from_name(a)) return true;  // a.cap_eff.CAP_SYS_ADMIN
  for (auto k : kOther)
    if (a == k) return true;
  return false;
}
constexpr const char* kAttributeHint =
    "a task has: the 10 link names (net, pid_for_children, ...), nsproxy, hostname, pid, pid@TASK, state, uid, "
    "euid, suid, gid, egid, sgid, cap_eff, cap_prm, cap_inh, cap_bnd (then a CAP_* name: 1 or 0), cgroup_path, "
    "cgroup_path@TASK; a namespace has: "
    "refs, inum, level, owner, parent, type; an nsproxy has: count";

// Names a scenario cannot define (with -> NAME, task or let): they already mean something.
bool reserved_name(std::string_view n) { return n == "self" || n == "thread-self" || n == "none"; }
constexpr const char* kReservedHint =
    "self and thread-self mean the calling task (in paths, wait and pidfd_open), none is the empty value of "
    "let and expect: choose another name";

constexpr int kAllowProcNs = 1, kAllowProcFile = 2, kAllowRun = 4, kAllowCgroup = 8;
constexpr int kOpenable = kAllowProcNs | kAllowRun | kAllowCgroup, kCgroupOnly = kAllowCgroup, kRunOnly = kAllowRun, kProcFileOnly = kAllowProcFile,
              kMountSource = kAllowProcNs | kAllowRun;

class LineParser {
 public:
  explicit LineParser(const std::vector<Token>& toks) : t_(toks) {}

  const Token& peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (p_ < t_.size() - 1) ++p_;
    return t;
  }
  bool is_punct(std::string_view p, size_t k = 0) const {
    return peek(k).kind == Token::Punct && peek(k).text == p;
  }
  [[noreturn]] void error(const Token& at, std::string msg, std::string hint = "") {
    error(at.loc, std::move(msg), std::move(hint));
  }
  [[noreturn]] void error(Loc at, std::string msg, std::string hint = "") {
    raise_parse_error(Diagnostic{at, std::move(msg), std::move(hint)});
  }
  [[noreturn]] void expected(const char* what, std::string hint = "") {
    error(peek(), fmt::format("unexpected {}, expected {}", describe(peek()), what), std::move(hint));
  }
  void expect_punct(std::string_view p, const char* what = nullptr) {
    if (!is_punct(p)) expected(what ? what : fmt::format("'{}'", p).c_str());
    next();
  }
  std::string ident(const char* what, std::string hint = "") {
    if (peek().kind != Token::Ident) expected(what, std::move(hint));
    return std::string(next().text);
  }
  void end() {
    if (peek().kind != Token::End) expected("end of line");
  }

  // FLAGS := 0 | NUMBER | CLONE_X {'|' CLONE_X}
  uint64_t flags() {
    uint64_t v = 0;
    for (;;) {
      const Token& t = peek();
      if (t.kind == Token::Number) {
        v |= number(t, "flags are 64-bit numbers");
        next();
      } else if (t.kind == Token::Ident) {
        auto f = clone_flag_from_name(t.text);
        if (!f) error(t, fmt::format("unknown flag '{}'", t.text), "flags are CLONE_* names joined with '|', or 0");
        v |= *f;
        next();
      } else {
        expected("clone flags", "flags are CLONE_* names joined with '|', or 0");
      }
      if (!is_punct("|")) return v;
      next();
    }
  }
  // A number that must fit uint64_t (flags); `range_hint` explains the range
  // when it does not.
  uint64_t number(const Token& t, const char* range_hint = "numbers here are 64-bit") {
    return magnitude(t, t.text, range_hint);
  }
  uint64_t magnitude(const Token& t, std::string_view s, const char* range_hint) {
    uint64_t v = 0;
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec == std::errc::result_out_of_range && ptr == s.data() + s.size())
      error(t, fmt::format("number '{}' out of range", t.text), range_hint);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
      error(t, fmt::format("bad number '{}'", t.text), "write a decimal or 0x-hexadecimal number");
    return v;
  }
  // A number that must fit int64_t (ids, results, expectation values).
  int64_t signed_number(const Token& t, const char* range_hint = "numbers here are 64-bit signed integers") {
    bool neg = !t.text.empty() && t.text[0] == '-';
    uint64_t v = magnitude(t, t.text.substr(neg ? 1 : 0), range_hint);
    // -(2^63) is INT64_MIN; negating it as an int64_t, or anything larger, overflows.
    constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
    if (v > (neg ? kMinMagnitude : kMinMagnitude - 1))
      error(t, fmt::format("number '{}' out of range", t.text), range_hint);
    return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  }
  // A number that must fit the C int argument of the call (exit, prctl's value).
  int int_number(const Token& t, const char* range_hint) {
    int64_t v = signed_number(t, range_hint);
    if (v < INT32_MIN || v > INT32_MAX) error(t, fmt::format("number '{}' out of range", t.text), range_hint);
    return static_cast<int>(v);
  }

  // A path string of one of the allowed shapes (see NsPath).
  NsPath path(const char* call, int allowed) {
    const Token& s = peek();
    if (s.kind != Token::String) expected("a path string", path_hint(call, allowed));
    auto np = parse_path(s.text);
    bool ok = np && (((allowed & kAllowProcNs) && np->kind == NsPath::ProcNs) ||
                     ((allowed & kAllowProcFile) && np->kind == NsPath::ProcFile) ||
                     ((allowed & kAllowRun) && np->kind == NsPath::Run) ||
                     ((allowed & kAllowCgroup) && np->kind == NsPath::Cgroup));
    if (!ok) error(s, fmt::format("unsupported path {} for {}()", quoted(s.text), call), path_hint(call, allowed));
    next();
    return *np;
  }
  static std::string path_hint(const char* call, int allowed) {
    std::string h = fmt::format("{}() takes ", call);
    std::vector<std::string> forms;
    if (allowed & kAllowProcNs)
      forms.push_back("\"/proc/TASK/ns/LINK\" (TASK a task name, self or thread-self; LINK one of cgroup ipc mnt "
                      "net pid pid_for_children time time_for_children user uts)");
    if (allowed & kAllowProcFile)
      forms.push_back("\"/proc/TASK/uid_map\", \"/proc/TASK/gid_map\", \"/proc/TASK/setgroups\" or "
                      "\"/proc/TASK/timens_offsets\"");
    if (allowed & kAllowRun)
      forms.push_back("a path under /run, /srv, /mnt or /media (\"/srv/ns/net\": absolute, normalised, a file the run "
                      "creates on the sandbox's private tmpfs)");
    if (allowed & kAllowCgroup)
      forms.push_back("a cgroup directory \"/sys/fs/cgroup/NAME[/NAME...]\" (relative to the run's root cgroup; "
                      "names of letters, digits, '_' and '-')");
    for (size_t i = 0; i < forms.size(); ++i) h += (i ? " or " : "") + forms[i];
    return h;
  }
  // A uid/gid argument: a number, or -1 for "unchanged".
  uint32_t id() {
    const Token& t = peek();
    if (t.kind != Token::Number) expected("a uid/gid number (-1: unchanged)");
    int64_t v = signed_number(t, "ids are 0..4294967294, or -1");
    if (v < -1 || v > 0xfffffffeLL) error(t, fmt::format("id {} out of range", t.text), "ids are 0..4294967294, or -1");
    next();
    return static_cast<uint32_t>(v);
  }

  Term term() {
    Term r;
    const Token& t = peek();
    r.loc = t.loc;
    if (t.kind == Token::Number) {
      r.kind = Term::Int;
      r.ival = signed_number(t);
      r.text = std::string(t.text);
      next();
      return r;
    }
    if (t.kind == Token::String) {
      r.kind = Term::Str;
      r.sval = std::string(t.text);
      r.text = quoted(t.text);
      next();
      return r;
    }
    if (is_punct("?")) {
      r.kind = Term::Blank;
      r.text = "?";
      next();
      return r;
    }
    if (t.kind != Token::Ident)
      expected("a value (TASK.LINK, a let name, a number, a string, none or ?)");
    if (t.text == "none") {
      r.kind = Term::None;
      r.text = "none";
      next();
      return r;
    }
    r.kind = Term::Path;
    r.base = std::string(next().text);
    r.text = r.base;
    while (is_punct(".")) {
      next();
      const Token& at = peek();
      std::string a = ident("an attribute after '.'",
                            "e.g. a.net, a.nsproxy, a.nsproxy.count, N.refs, a.hostname, a.pid, a.state");
      if (!known_attribute(a)) error(at, fmt::format("unknown attribute '{}'", a), kAttributeHint);
      r.attrs.push_back(a);
      r.text += "." + a;
    }
    if (is_punct("@")) {
      next();
      r.at = ident("a task name after '@'",
                   "a.pid@b is a's pid as seen from b's pid namespace, a.cgroup_path@b a's cgroup as b reads it");
      r.text += "@" + r.at;
    }
    return r;
  }

  const std::vector<Token>& t_;  // one line's tokens, ending with End
  size_t p_ = 0;
};

}  // namespace

// TASK/ns/LINK, TASK/uid_map, ... (after "/proc/").
static std::optional<NsPath> parse_proc_path(std::string_view p, NsPath out) {
  size_t slash = p.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  out.task = std::string(p.substr(0, slash));
  p.remove_prefix(slash + 1);
  if (p == "uid_map" || p == "gid_map" || p == "setgroups" || p == "timens_offsets") {
    out.kind = NsPath::ProcFile;
    out.file = std::string(p);
    return out;
  }
  if (!p.starts_with("ns/")) return std::nullopt;
  p.remove_prefix(3);
  auto l = link_from_name(p);
  if (!l) return std::nullopt;
  out.kind = NsPath::ProcNs;
  out.link = *l;
  return out;
}

std::optional<NsPath> parse_path(std::string_view p) {
  NsPath out;
  // A cgroup directory: /sys/fs/cgroup[/NAME...], relative to the run's root cgroup.
  if (p.starts_with(kCgroupRoot) && (p.size() == kCgroupRoot.size() || p[kCgroupRoot.size()] == '/')) {
    std::string_view rest = p.substr(kCgroupRoot.size());
    if (!rest.empty()) rest.remove_prefix(1);
    if (p.size() > kCgroupRoot.size()) {
      if (rest.empty()) return std::nullopt;  // "/sys/fs/cgroup/": not normalised
      for (std::string_view r = rest;;) {
        size_t slash = r.find('/');
        std::string_view name = r.substr(0, slash);
        if (name.empty()) return std::nullopt;
        for (char ch : name)
          if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') return std::nullopt;
        if (slash == std::string_view::npos) break;
        r.remove_prefix(slash + 1);
      }
    }
    out.kind = NsPath::Cgroup;
    out.run = std::string(rest);
    return out;
  }
  // A file the run creates: ROOT/NAME[/NAME...] under one of the roots the
  // live sandbox covers with a private tmpfs; absolute and normalised.
  for (std::string_view root : kCreatedPathRoots) {
    if (!p.starts_with(root) || p.size() <= root.size() || p[root.size()] != '/') continue;
    // DIR/proc/...: /proc reached through DIR (pivot_root()'s put_old).
    for (size_t at = p.find("/proc/"); at != std::string_view::npos; at = p.find("/proc/", at + 1)) {
      auto under = parse_path(p.substr(0, at));
      if (!under || under->kind != NsPath::Run) continue;
      auto proc = parse_proc_path(p.substr(at + 6), NsPath{});
      if (!proc) continue;
      proc->via = under->run;
      return proc;
    }
    std::string_view rest = p.substr(root.size() + 1);
    for (;;) {
      size_t slash = rest.find('/');
      std::string_view name = rest.substr(0, slash);
      if (name.empty() || name == "." || name == "..") return std::nullopt;
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    out.kind = NsPath::Run;
    out.run = std::string(p);
    return out;
  }
  if (!p.starts_with("/proc/")) return std::nullopt;
  p.remove_prefix(6);
  return parse_proc_path(p, out);
}

ParseResult parse_scenario(std::string_view source, std::string file) {
  ParseResult res;
  res.scenario.file = std::move(file);
  res.scenario.source = std::string(source);
  Scenario& sc = res.scenario;
  bool seen_statement = false;
  bool task_named = false;
  // A name is either a task or fd (bound by 'task' or '-> NAME') or a let
  // binding, never both: the line that first defined each.
  std::unordered_map<std::string, std::pair<bool, int>> bound;  // name -> (is a task, line)
  std::unordered_map<std::string, int> let_names;               // name -> line
  std::unordered_map<std::string, int> handles;                 // file handle name -> line (name_to_handle_at)
  constexpr const char* kOneKindHint = "a name is either a task or fd, or a let binding: rename one of them";
  // At most one statement per line, and a statement takes at least six bytes
  // ("a:b()\n"): room for all of them at once (a statement is large; growing
  // the vector would copy them all and fault its pages twice).
  sc.statements.reserve(
      std::min(static_cast<size_t>(std::count(source.begin(), source.end(), '\n')) + 1, source.size() / 6 + 1));
  // Statements are built in place at the end of sc.statements, and dropped
  // again if the line turns out to be wrong.
  bool building = false;
  std::vector<Token> toks;
  std::deque<std::string> unescaped;
  int lineno = 0;
  size_t pos = 0;
  while (pos <= source.size()) {
    size_t nl = source.find('\n', pos);
    std::string_view line = source.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? source.size() + 1 : nl + 1;
    ++lineno;
    std::vector<Diagnostic> lexerrs;
    unescaped.clear();
    Lexer(line, lineno, unescaped).run(toks, lexerrs);
    if (!lexerrs.empty()) {
      res.errors.push_back(lexerrs.front());
      continue;
    }
    if (toks.front().kind == Token::End) continue;
    LineParser P(toks);
    building = false;
    // A line's statement, or the first error on it (sim/unwind.h).
    auto parse_line = [&] {
      const Token& first = P.peek();
      if (first.kind != Token::Ident) P.expected("a statement (TASK: call, let, expect, task, kernel)");
      if (first.text == "kernel" && P.peek(1).kind != Token::Punct) {
        P.next();
        const Token& v = P.peek();
        if (v.kind != Token::Number) P.expected(fmt::format("a kernel profile ({})", known_profiles_text()).c_str());
        if (seen_statement) P.error(first, "'kernel' must come before the first call, let or expect");
        if (sc.kernel) P.error(first, "'kernel' given twice");
        if (!profile_from_name(v.text))
          P.error(v, fmt::format("unknown kernel profile '{}'", v.text),
                  fmt::format("known profiles: {}", known_profiles_text()));
        sc.kernel = std::string(v.text);
        P.next();
        P.end();
        return;
      }
      // 'task NAME' and 'let NAME = ...' (a task may be named task or let: a
      // name followed by ':' is a call).
      if (first.text == "task" && !P.is_punct(":", 1)) {
        P.next();
        const Token& n = P.peek();
        std::string name = P.ident("a name after 'task'", "e.g. task init (the name of the initial task)");
        if (reserved_name(name)) P.error(n, fmt::format("'{}' is reserved", name), kReservedHint);
        if (seen_statement) P.error(first, "'task' must come before the first call, let or expect");
        if (task_named) P.error(first, "the initial task is named twice");
        P.end();
        sc.init_name = std::move(name);
        task_named = true;
        return;
      }
      if (first.text == "let" && !P.is_punct(":", 1)) {
        seen_statement = true;
        P.next();
        Statement& st = sc.statements.emplace_back();
        building = true;
        st.line = lineno;
        LetStmt& l = st.s.emplace<LetStmt>();
        l.loc = P.peek().loc;
        const Token& n = P.peek();
        l.name = P.ident("a name after 'let'", "let NAME = TERM, e.g. let N = b.net");
        if (reserved_name(l.name)) P.error(n, fmt::format("'{}' is reserved", l.name), kReservedHint);
        if (auto it = bound.find(l.name); it != bound.end())
          P.error(n, fmt::format("'{}' already names {} (line {})", l.name, it->second.first ? "a task" : "an fd",
                                 it->second.second),
                  kOneKindHint);
        if (auto it = handles.find(l.name); it != handles.end())
          P.error(n, fmt::format("'{}' already names a file handle (line {})", l.name, it->second), kOneKindHint);
        if (l.name == sc.init_name)
          P.error(n, fmt::format("'{}' already names a task (the initial task)", l.name), kOneKindHint);
        P.expect_punct("=", "'=' after the let name");
        l.value = P.term();
        if (l.value.kind != Term::Path)
          P.error(P.t_[P.p_ - 1], "let binds a namespace", "write e.g. let N = b.net");
        P.end();
        let_names.try_emplace(l.name, lineno);
        building = false;
        return;
      }
      if (first.text == "expect" && !P.is_punct(":", 1)) {
        seen_statement = true;
        Statement& st = sc.statements.emplace_back();
        building = true;
        st.line = lineno;
        ExpectStmt& e = st.s.emplace<ExpectStmt>();
        e.loc = first.loc;
        P.next();
        // The text as written, up to a comment (the end-of-line token is at its '#').
        size_t from = P.peek().loc.col - 1;
        e.text = std::string(line.substr(from, P.t_.back().loc.col - 1 - from));
        while (!e.text.empty() && std::isspace(static_cast<unsigned char>(e.text.back()))) e.text.pop_back();
        static constexpr std::pair<std::string_view, Expr::Kind> kUnary[] = {
            {"alive", Expr::Alive}, {"dead", Expr::Dead}, {"active", Expr::Active}, {"inactive", Expr::Inactive}};
        const auto* unary = std::find_if(std::begin(kUnary), std::end(kUnary),
                                         [&](auto& u) { return P.peek().text == u.first; });
        if (P.peek().kind == Token::Ident && unary != std::end(kUnary) && P.is_punct("(", 1)) {
          P.next();
          e.expr.kind = unary->second;
          P.next();
          e.expr.lhs = P.term();
          P.expect_punct(")");
        } else {
          e.expr.lhs = P.term();
          if (P.is_punct("=="))
            e.expr.kind = Expr::Eq;
          else if (P.is_punct("!="))
            e.expr.kind = Expr::Ne;
          else
            P.expected("'==' or '!='");
          P.next();
          e.expr.rhs = P.term();
        }
        P.end();
        building = false;
        return;
      }
      // TASK: CALL(ARGS) [-> NAME] [= RESULT]
      seen_statement = true;
      Statement& st = sc.statements.emplace_back();
      building = true;
      st.line = lineno;
      CallStmt& c = std::get<CallStmt>(st.s);  // the variant's first alternative
      c.loc = first.loc;
      c.task = std::string(P.next().text);
      P.expect_punct(":", "':' after the task name (TASK: call(...))");
      const Token& cn = P.peek();
      if (cn.kind != Token::Ident) P.expected("a system call name");
      c.call_loc = cn.loc;
      static constexpr std::pair<std::string_view, CallKind> kCalls[] = {
          {"clone", CallKind::Clone},   {"clone3", CallKind::Clone3}, {"unshare", CallKind::Unshare},
          {"setns", CallKind::Setns},   {"open", CallKind::Open},     {"close", CallKind::Close},
          {"exit", CallKind::Exit},     {"wait", CallKind::Wait},     {"pidfd_open", CallKind::PidfdOpen},
          {"sethostname", CallKind::Sethostname}, {"thread", CallKind::Thread},
          {"setuid", CallKind::Setuid},         {"setgid", CallKind::Setgid},
          {"setresuid", CallKind::Setresuid},   {"setresgid", CallKind::Setresgid},
          {"write", CallKind::Write},           {"ioctl", CallKind::Ioctl},
          {"mount", CallKind::Mount},           {"umount", CallKind::Umount},
          {"prctl", CallKind::PrctlDumpable},   {"exec", CallKind::Exec},
          {"socket", CallKind::Socket},         {"socketpair", CallKind::Socketpair},
          {"send", CallKind::Send},             {"recv", CallKind::Recv},
          {"capset", CallKind::Capset},         {"setgroups", CallKind::Setgroups},
          {"chroot", CallKind::Chroot},         {"pivot_root", CallKind::PivotRoot},
          {"mkdir", CallKind::Mkdir},           {"rmdir", CallKind::Rmdir},
          {"listns", CallKind::Listns},
          {"open_tree", CallKind::OpenTree},
          {"name_to_handle_at", CallKind::NameToHandleAt}, {"open_by_handle_at", CallKind::OpenByHandleAt},
      };
      bool found = false;
      for (auto& [n, k] : kCalls)
        if (cn.text == n) c.kind = k, found = true;
      if (!found)
        P.error(cn, fmt::format("unknown system call '{}'", cn.text),
                "known calls: clone, clone3, thread, unshare, setns, open, close, exit, wait, pidfd_open, sethostname, "
                "setuid, setgid, setresuid, setresgid, setgroups, capset, write, ioctl, mount, umount, prctl, exec, "
                "socket, socketpair, send, recv, chroot, pivot_root, mkdir, rmdir, listns, name_to_handle_at, open_by_handle_at, "
                "open_tree");
      P.next();
      P.expect_punct("(", "'(' after the call name");
      switch (c.kind) {
        case CallKind::Clone3: {
          c.flags = P.flags();
          // clone3(FLAGS[, set_tid=[N, ...]][, cgroup=FD]), the extra fields in either order
          constexpr const char* kClone3Hint =
              "clone3(FLAGS, set_tid=[PID, ...]) asks for a pid in each pid namespace, the child's first; "
              "clone3(FLAGS|CLONE_INTO_CGROUP, cgroup=FD) starts the child in the cgroup FD (open(\"/sys/fs/cgroup/...\")) "
              "names";
          bool seen_cgroup = false;
          while (P.is_punct(",")) {
            P.next();
            const Token& k = P.peek();
            if (k.kind == Token::Ident && k.text == "cgroup" && !seen_cgroup) {
              seen_cgroup = true;
              P.next();
              P.expect_punct("=", "'=' after cgroup");
              c.cgroup_fd_loc = P.peek().loc;
              c.cgroup_fd = P.ident("an fd name", "cgroup=FD: FD is an fd name bound by open(\"/sys/fs/cgroup/...\") -> FD");
              if (!(c.flags & CLONE_INTO_CGROUP))
                P.error(P.t_[P.p_ - 1], "cgroup=FD without CLONE_INTO_CGROUP: the kernel would ignore it",
                        "add CLONE_INTO_CGROUP to the flags, or leave cgroup= out");
              continue;
            }
            if (k.kind != Token::Ident || k.text != "set_tid" || !c.set_tid.empty())
              P.error(k, fmt::format("unexpected {}, expected {}", describe(k),
                                     seen_cgroup ? "set_tid=[...]" : c.set_tid.empty() ? "set_tid=[...] or cgroup=FD"
                                                                                       : "cgroup=FD"),
                      kClone3Hint);
            P.next();
            P.expect_punct("=", "'=' after set_tid");
            P.expect_punct("[", "'[' to open the list of pids");
            while (!P.is_punct("]")) {
              if (!c.set_tid.empty()) P.expect_punct(",", "',' between pids, or ']'");
              const Token& n = P.peek();
              if (n.kind != Token::Number) P.expected("a pid number", "e.g. set_tid=[1, 4242]");
              int64_t v = P.signed_number(n);
              if (v < INT32_MIN || v > INT32_MAX) P.error(n, "a pid is a 32-bit number");
              c.set_tid.push_back(static_cast<int32_t>(v));
              P.next();
            }
            if (c.set_tid.empty()) P.error(P.peek(), "set_tid=[] names no pid", "leave set_tid out, or give a pid");
            P.next();
          }
          break;
        }
        case CallKind::Clone:
        case CallKind::Unshare: c.flags = P.flags(); break;
        case CallKind::Setns:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name", "setns(FD, FLAGS): FD is a name bound by '-> NAME' on open or pidfd_open");
          P.expect_punct(",", "',' then the namespace type flags (0 for any)");
          c.flags = P.flags();
          break;
        case CallKind::Open:
        case CallKind::Umount: {
          bool open = c.kind == CallKind::Open;
          c.path_loc = P.peek().loc;
          c.path = P.path(open ? "open" : "umount", open ? kOpenable : kRunOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          // An optional second argument: 0 or the one flag modelled.
          auto one_flag = [&](std::string_view flag, uint64_t value, const char* hint) {
            if (!P.is_punct(",")) return;
            P.next();
            const Token& f = P.peek();
            if (f.kind == Token::Ident && f.text == flag)
              c.flags = value;
            else if (!(f.kind == Token::Number && f.text == "0"))
              P.error(f, fmt::format("unsupported {} flags {}", call_name(c.kind), describe(f)), hint);
            P.next();
          };
          if (open)  // open(PATH, FLAGS): O_RDONLY is implied
            one_flag("O_CLOEXEC", kOCloexec,
                     "nssim opens read-only: open(\"/proc/T/ns/net\") or open(\"/proc/T/ns/net\", O_CLOEXEC)");
          else  // umount2(PATH, FLAGS)
            one_flag("MNT_DETACH", kMntDetach,
                     "nssim models umount(\"/srv/...\") and umount(\"/srv/...\", MNT_DETACH) (paths under /run, /srv, "
                     "/mnt or /media)");
          break;
        }
        case CallKind::Mkdir:
        case CallKind::Rmdir:
          // mkdir("/sys/fs/cgroup/NAME"), rmdir(...): a cgroup below the run's root.
          c.path_loc = P.peek().loc;
          c.path = P.path(c.kind == CallKind::Mkdir ? "mkdir" : "rmdir", kCgroupOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          if (c.path.cgroup().empty())
            P.error(P.t_[P.p_ - 1], fmt::format("{}() of the run's root cgroup", call_name(c.kind)),
                    "name a cgroup below it, e.g. \"/sys/fs/cgroup/a\"");
          break;
        case CallKind::Chroot:
          // chroot("/srv/DIR"): a directory the run creates (as mount does
          // its targets), under one of the roots but not a root itself.
          c.path_loc = P.peek().loc;
          c.path = P.path("chroot", kRunOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          break;
        case CallKind::PivotRoot:
          // pivot_root("/srv/r", "/srv/r/mnt/old"): new_root and put_old,
          // directories the run creates first (as chroot does), under the roots.
          c.path_loc = P.peek().loc;
          c.path = P.path("pivot_root", kRunOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then put_old, a directory under new_root (e.g. \"/srv/r/mnt/old\")");
          c.path2_loc = P.peek().loc;
          c.path2 = P.path("pivot_root", kRunOnly);
          break;
        case CallKind::Write: {
          c.path_loc = P.peek().loc;
          c.path = P.path("write", kProcFileOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then the data to write");
          const Token& d = P.peek();
          if (d.kind != Token::String) P.expected("the data to write, as a string", "e.g. write(\"/proc/b/uid_map\", \"0 1000 1\")");
          c.data = std::string(d.text);
          P.next();
          break;
        }
        case CallKind::Mount: {
          constexpr const char* kMountHint =
              "nssim models mount(\"/proc/T/ns/LINK\", \"/srv/ns/net\", MS_BIND) and mount(\"none\", \"/\", "
              "MS_REC|MS_PRIVATE) (or MS_SLAVE, MS_SHARED)";
          c.path_loc = P.peek().loc;
          if (P.peek().kind == Token::String && P.peek().text == "none") {
            // mount("none", "/", MS_REC|TYPE): a propagation change of the whole tree.
            c.path_text = "none";
            P.next();
            P.expect_punct(",", "',' then \"/\"");
            c.path2_loc = P.peek().loc;
            const Token& d = P.peek();
            if (d.kind != Token::String) P.expected("\"/\"", kMountHint);
            if (d.text != "/")
              P.error(d, fmt::format("unsupported propagation target {}", quoted(d.text)),
                      "nssim models propagation changes of the whole tree: mount(\"none\", \"/\", MS_REC|MS_PRIVATE)");
            P.next();
            P.expect_punct(",", "',' then MS_REC|MS_PRIVATE, MS_REC|MS_SLAVE or MS_REC|MS_SHARED");
            const Token& first = P.peek();
            uint64_t f = 0;
            for (;;) {
              const Token& t = P.peek();
              static constexpr std::pair<std::string_view, uint64_t> kMs[] = {
                  {"MS_REC", kMsRec}, {"MS_PRIVATE", kMsPrivate}, {"MS_SLAVE", kMsSlave}, {"MS_SHARED", kMsShared}};
              uint64_t v = 0;
              for (auto& [n, bit] : kMs)
                if (t.kind == Token::Ident && t.text == n) v = bit;
              if (!v)
                P.error(t, fmt::format("unsupported mount flags {}", describe(t)),
                        "a propagation change is MS_REC|MS_PRIVATE, MS_REC|MS_SLAVE or MS_REC|MS_SHARED");
              f |= v;
              P.next();
              if (!P.is_punct("|")) break;
              P.next();
            }
            uint64_t type = f & (kMsPrivate | kMsSlave | kMsShared);
            if (!(f & kMsRec) || !type || (type & (type - 1)))
              P.error(first, "a propagation change needs MS_REC and exactly one of MS_PRIVATE, MS_SLAVE, MS_SHARED",
                      "nssim models the whole tree's propagation (as unshare(1) does): MS_REC|MS_PRIVATE, "
                      "MS_REC|MS_SLAVE or MS_REC|MS_SHARED");
            c.flags = f;
            break;
          }
          c.path = P.path("mount", kMountSource);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then the mount point");
          c.path2_loc = P.peek().loc;
          if (const Token& d = P.peek(); d.kind == Token::String) {
            for (std::string_view no : {"/proc", "/sys", "/dev"})
              if (d.text == no || (d.text.starts_with(no) && d.text.size() > no.size() && d.text[no.size()] == '/'))
                P.error(d, fmt::format("mount target {} is under {}", quoted(d.text), no),
                        "nssim never mounts over /proc, /sys or /dev (the live sandbox shares them with the host): "
                        "bind the namespace file onto a path under /run, /srv, /mnt or /media, e.g. \"/srv/ns/net\"");
            if (created_path_root(d.text))
              P.error(d, fmt::format("mount target {} is a directory", quoted(d.text)),
                      "a namespace file is bound onto a file: name one under it, e.g. \"/srv/ns/net\" (created "
                      "as ip netns add does)");
          }
          c.path2 = P.path("mount", kRunOnly);
          P.expect_punct(",", "', MS_BIND'");
          const Token& f = P.peek();
          if (f.kind != Token::Ident || f.text != "MS_BIND")
            P.error(f, fmt::format("unsupported mount flags {}", describe(f)), kMountHint);
          c.flags = kMsBind;
          P.next();
          if (P.is_punct("|")) {  // MS_BIND|MS_REC: the submounts too (a directory's)
            P.next();
            const Token& g = P.peek();
            if (g.kind != Token::Ident || g.text != "MS_REC")
              P.error(g, fmt::format("unsupported mount flags {}", describe(g)),
                      "a bind mount is MS_BIND or MS_BIND|MS_REC");
            c.flags |= kMsRec;
            P.next();
          }
          break;
        }
        case CallKind::Thread: break;
        case CallKind::Exec:
          if (!P.is_punct(")"))
            P.error(P.peek(), fmt::format("exec() takes no arguments, not {}", describe(P.peek())),
                    "exec() runs the task's own program again (the live backend's agent binary): a plain "
                    "file, no set-id bits, no file capabilities");
          break;
        case CallKind::Socket: {
          // socket(FAMILY): the type and protocol are the agent's (a datagram
          // or route socket); only the family's net namespace matters here.
          const Token& f = P.peek();
          static constexpr std::pair<std::string_view, int> kFamilies[] = {
              {"AF_UNIX", kAfUnix}, {"AF_LOCAL", kAfUnix}, {"AF_INET", kAfInet}, {"AF_INET6", kAfInet6},
              {"AF_NETLINK", kAfNetlink}};
          bool known = false;
          for (auto& [n, v] : kFamilies)
            if (f.kind == Token::Ident && f.text == n) c.code = v, known = true;
          if (!known)
            P.error(f, fmt::format("unsupported address family {}", describe(f)),
                    "nssim models socket(AF_UNIX), socket(AF_INET), socket(AF_INET6) and socket(AF_NETLINK)");
          P.next();
          break;
        }
        case CallKind::Socketpair: {
          // socketpair(AF_UNIX): a connected SOCK_STREAM pair (the agent's
          // type); other families have no socketpair (EOPNOTSUPP).
          const Token& f = P.peek();
          if (f.kind == Token::Ident && (f.text == "AF_UNIX" || f.text == "AF_LOCAL"))
            c.code = kAfUnix;
          else
            P.error(f, fmt::format("unsupported address family {} for socketpair", describe(f)),
                    "only unix sockets come in pairs: a: socketpair(AF_UNIX) -> s1, s2");
          P.next();
          break;
        }
        case CallKind::Send:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("a socket's fd name", "send(SOCK, FD) passes FD over SOCK (SCM_RIGHTS)");
          P.expect_punct(",", "',' then the fd to pass");
          c.fd2_loc = P.peek().loc;
          c.fd2 = P.ident("the name of the fd to pass", "send(SOCK, FD) passes FD over SOCK (SCM_RIGHTS)");
          break;
        case CallKind::Recv:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("a socket's fd name", "recv(SOCK) -> FD receives a passed fd");
          if (P.is_punct(",")) {  // recvmsg()'s one modelled flag
            P.next();
            const Token& f = P.peek();
            if (f.kind == Token::Ident && f.text == "MSG_CMSG_CLOEXEC")
              c.flags = kMsgCmsgCloexec;
            else if (!(f.kind == Token::Number && f.text == "0"))
              P.error(f, fmt::format("unsupported recv flags {}", describe(f)),
                      "nssim models recv(SOCK) and recv(SOCK, MSG_CMSG_CLOEXEC); it never blocks "
                      "(MSG_DONTWAIT is implied)");
            P.next();
          }
          break;
        case CallKind::PrctlChildSubreaper:  // set by the prctl case below, never looked up
        case CallKind::PrctlKeepcaps:
        case CallKind::PrctlCapbsetDrop: break;
        case CallKind::PrctlDumpable: {
          const Token& o = P.peek();
          if (o.kind == Token::Ident && o.text == "PR_SET_KEEPCAPS") {
            P.next();
            P.expect_punct(",", "', 1' (keep permitted capabilities across setuid) or ', 0'");
            const Token& n = P.peek();
            if (n.kind != Token::Number) P.expected("0 or 1");
            c.kind = CallKind::PrctlKeepcaps;
            c.code = P.int_number(n, "prctl(PR_SET_KEEPCAPS, N) takes 0 or 1 (other values are EINVAL); nssim passes "
                                     "N as a C int: -2147483648..2147483647");
            P.next();
            break;
          }
          if (o.kind == Token::Ident && o.text == "PR_CAPBSET_DROP") {
            P.next();
            P.expect_punct(",", "', CAP_NAME' (the capability to drop from the bounding set)");
            const Token& n = P.peek();
            c.kind = CallKind::PrctlCapbsetDrop;
            if (n.kind == Token::Number) {
              c.cap = P.int_number(n, "a capability number is a C int here: -2147483648..2147483647");
            } else if (n.kind == Token::Ident && cap_from_name(n.text)) {
              c.cap = *cap_from_name(n.text);
            } else {
              P.error(n, fmt::format("unknown capability {}", describe(n)),
                      "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN): a CAP_* name or a capability number (an invalid "
                      "number is EINVAL)");
            }
            P.next();
            break;
          }
          if (o.kind == Token::Ident && o.text == "PR_SET_CHILD_SUBREAPER") {
            P.next();
            P.expect_punct(",", "', 1' (become a subreaper) or ', 0'");
            const Token& n = P.peek();
            if (n.kind != Token::Number) P.expected("a number (0 clears, anything else sets)");
            c.kind = CallKind::PrctlChildSubreaper;
            c.code = P.int_number(n, "prctl(PR_SET_CHILD_SUBREAPER, N): 0 clears, any other value sets; nssim "
                                     "passes N as a C int: -2147483648..2147483647");
            P.next();
            break;
          }
          if (o.kind != Token::Ident || o.text != "PR_SET_DUMPABLE")
            P.error(o, fmt::format("unsupported prctl option {}", describe(o)),
                    "nssim models prctl(PR_SET_DUMPABLE, 0|1), prctl(PR_SET_CHILD_SUBREAPER, 0|1), "
                    "prctl(PR_SET_KEEPCAPS, 0|1) and prctl(PR_CAPBSET_DROP, CAP_NAME)");
          P.next();
          P.expect_punct(",", "', 0' or ', 1'");
          const Token& n = P.peek();
          if (n.kind != Token::Number) P.expected("0 or 1");
          c.code = P.int_number(n, "prctl(PR_SET_DUMPABLE, N) takes 0 or 1 (other values are EINVAL); nssim passes N "
                                   "as a C int: -2147483648..2147483647");
          P.next();
          break;
        }
        case CallKind::Capset: {
          // capset(SET OP CAPS, ...): SET effective|permitted|inheritable, OP
          // = += -=, CAPS CAP_* names joined with '|', 0 or ALL.
          constexpr const char* kHint =
              "capset(effective-=CAP_SYS_ADMIN), capset(effective=CAP_NET_ADMIN|CAP_SYS_ADMIN, permitted=ALL, "
              "inheritable=0): each of effective, permitted, inheritable at most once, with = += or -=";
          static constexpr std::string_view kSets[] = {"effective", "permitted", "inheritable"};
          do {
            if (!c.caps[0].op && !c.caps[1].op && !c.caps[2].op && P.is_punct(")")) break;  // capset(): no change
            if (c.caps[0].op || c.caps[1].op || c.caps[2].op) P.next();  // the ','
            const Token& w = P.peek();
            int which = -1;
            for (int i = 0; i < 3; ++i)
              if (w.kind == Token::Ident && w.text == kSets[i]) which = i;
            if (which < 0) P.error(w, fmt::format("unknown capability set {}", describe(w)), kHint);
            if (c.caps[which].op != CapChange::Keep)
              P.error(w, fmt::format("'{}' is named twice", w.text), kHint);
            P.next();
            const Token& op = P.peek();
            if (P.is_punct("="))
              c.caps[which].op = CapChange::Set;
            else if (P.is_punct("+="))
              c.caps[which].op = CapChange::Add;
            else if (P.is_punct("-="))
              c.caps[which].op = CapChange::Remove;
            else
              P.error(op, fmt::format("expected '=', '+=' or '-=' after '{}', found {}", kSets[which], describe(op)),
                      kHint);
            P.next();
            uint64_t mask = 0;
            for (;;) {
              const Token& t = P.peek();
              if (t.kind == Token::Number && t.text == "0") {
              } else if (t.kind == Token::Ident && t.text == "ALL") {
                mask |= CAP_FULL_SET;
              } else if (t.kind == Token::Ident && t.text.starts_with("ALL-")) {
                // ALL-CAP_A-CAP_B: every capability but these (as traces print a set).
                uint64_t m = CAP_FULL_SET;
                std::string_view rest = t.text.substr(4);
                while (!rest.empty()) {
                  size_t dash = rest.find('-');
                  auto cap = cap_from_name(rest.substr(0, dash));
                  if (!cap)
                    P.error(t, fmt::format("unknown capability '{}' in {}", rest.substr(0, dash), describe(t)),
                            "ALL-CAP_SYS_ADMIN-CAP_NET_ADMIN: every capability but those named");
                  m &= ~(uint64_t{1} << *cap);
                  rest = dash == std::string_view::npos ? std::string_view() : rest.substr(dash + 1);
                }
                mask |= m;
              } else if (t.kind == Token::Ident && cap_from_name(t.text)) {
                mask |= uint64_t{1} << *cap_from_name(t.text);
              } else {
                P.error(t, fmt::format("unknown capability {}", describe(t)),
                        "capabilities are CAP_* names (CAP_SYS_ADMIN) joined with '|', 0 (none), ALL, or "
                        "ALL-CAP_SYS_ADMIN (all but those named)");
              }
              P.next();
              if (!P.is_punct("|")) break;
              P.next();
            }
            c.caps[which].mask = mask;
          } while (P.is_punct(","));
          break;
        }
        case CallKind::Setgroups:
          // setgroups(GID, ...): gids in the caller's user namespace; setgroups() clears the list.
          while (!P.is_punct(")")) {
            if (!c.groups.empty()) P.expect_punct(",", "',' between gids, or ')'");
            const Token& g = P.peek();
            if (g.kind != Token::Number || g.text.starts_with("-"))
              P.expected("a gid number", "setgroups() or setgroups(0, 100): gids in the caller's user namespace");
            uint64_t v = P.number(g, "gids are 0..4294967294");
            if (v >= 0xffffffffULL) P.error(g, fmt::format("number '{}' out of range", g.text), "gids are 0..4294967294");
            c.groups.push_back(static_cast<uint32_t>(v));
            P.next();
          }
          break;
        case CallKind::Setuid:
        case CallKind::Setgid: c.ids[0] = P.id(); break;
        case CallKind::Setresuid:
        case CallKind::Setresgid:
          c.ids[0] = P.id();
          P.expect_punct(",");
          c.ids[1] = P.id();
          P.expect_punct(",");
          c.ids[2] = P.id();
          break;
        case CallKind::Ioctl: {
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name",
                         "ioctl(FD, NS_GET_USERNS|NS_GET_PARENT|NS_GET_NSTYPE|NS_GET_OWNER_UID|NS_GET_ID|"
                         "NS_GET_MNTNS_ID|SIOCGSKNS|PIDFD_GET_<X>_NAMESPACE)");
          P.expect_punct(",", "',' then the request");
          const Token& r = P.peek();
          static constexpr std::pair<std::string_view, IoctlCmd> kCmds[] = {
              {"NS_GET_USERNS", IoctlCmd::NsGetUserns}, {"NS_GET_PARENT", IoctlCmd::NsGetParent},
              {"NS_GET_NSTYPE", IoctlCmd::NsGetNstype}, {"NS_GET_OWNER_UID", IoctlCmd::NsGetOwnerUid},
              {"SIOCGSKNS", IoctlCmd::SiocGskns},
              // namespace ids (Feature::NsGetId, Feature::NsGetMntnsId)
              {"NS_GET_ID", IoctlCmd::NsGetId}, {"NS_GET_MNTNS_ID", IoctlCmd::NsGetMntnsId},
              // a pidfd's namespaces (fs/pidfs.c: pidfd_ioctl(); Feature::PidfdIoctl)
              {"PIDFD_GET_CGROUP_NAMESPACE", IoctlCmd::PidfdGetCgroupNs},
              {"PIDFD_GET_IPC_NAMESPACE", IoctlCmd::PidfdGetIpcNs},
              {"PIDFD_GET_MNT_NAMESPACE", IoctlCmd::PidfdGetMntNs},
              {"PIDFD_GET_NET_NAMESPACE", IoctlCmd::PidfdGetNetNs},
              {"PIDFD_GET_PID_NAMESPACE", IoctlCmd::PidfdGetPidNs},
              {"PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE", IoctlCmd::PidfdGetPidForChildrenNs},
              {"PIDFD_GET_TIME_NAMESPACE", IoctlCmd::PidfdGetTimeNs},
              {"PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE", IoctlCmd::PidfdGetTimeForChildrenNs},
              {"PIDFD_GET_USER_NAMESPACE", IoctlCmd::PidfdGetUserNs},
              {"PIDFD_GET_UTS_NAMESPACE", IoctlCmd::PidfdGetUtsNs},
              // pid translation on a pid namespace fd (fs/nsfs.c: ns_ioctl(); Feature::NsPidTranslation)
              {"NS_GET_PID_FROM_PIDNS", IoctlCmd::NsGetPidFromPidns},
              {"NS_GET_TGID_FROM_PIDNS", IoctlCmd::NsGetTgidFromPidns},
              {"NS_GET_PID_IN_PIDNS", IoctlCmd::NsGetPidInPidns},
              {"NS_GET_TGID_IN_PIDNS", IoctlCmd::NsGetTgidInPidns}};
          bool known = false;
          for (auto& [n, k] : kCmds)
            if (r.kind == Token::Ident && r.text == n) c.ioctl = k, known = true;
          if (!known)
            P.error(r, fmt::format("unsupported ioctl request {}", describe(r)),
                    "known: NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID, NS_GET_ID, NS_GET_MNTNS_ID, "
                    "SIOCGSKNS, PIDFD_GET_<X>_NAMESPACE (X: CGROUP, IPC, MNT, NET, PID, PID_FOR_CHILDREN, TIME, "
                    "TIME_FOR_CHILDREN, USER, UTS), NS_GET_{PID,TGID}_{FROM,IN}_PIDNS");
          P.next();
          if (known && ioctl_translates_pid(c.ioctl)) {
            // The pid argument: a task (its number, as the statement's request
            // wants it: docs/scenario-language.md#ioctl) or a number as is.
            if (!P.is_punct(","))
              P.expected("', TASK' or ', N': the pid to translate",
                         "e.g. ioctl(f, NS_GET_PID_IN_PIDNS, c) (c's pid as f's pid namespace sees it)");
            P.next();
            const Token& a = P.peek();
            if (a.kind == Token::Number) {
              int64_t v = P.signed_number(a);
              if (v < 0 || v > INT32_MAX)
                P.error(a, fmt::format("number '{}' out of range", a.text), "a pid number: 0..2147483647");
              c.code = static_cast<int>(v);
              P.next();
            } else {
              c.target_loc = a.loc;
              c.target = P.ident("a task name or a pid number",
                                 "e.g. ioctl(f, NS_GET_PID_IN_PIDNS, c) or ioctl(f, NS_GET_PID_IN_PIDNS, 99999)");
              if (P.is_punct("."))
                P.error(P.peek(), fmt::format("'{}.' here: the task name itself stands for its pid", c.target),
                        fmt::format("write ioctl({}, {}, {}): the pid is looked up as the request does", c.fd, r.text,
                                    c.target));
            }
          } else if (known && P.is_punct(",")) {
            P.error(P.peek(), fmt::format("ioctl({}) takes no third argument here", r.text),
                    "only NS_GET_{PID,TGID}_{FROM,IN}_PIDNS take one (a task name or a pid number)");
          } else if (known && P.is_punct("|")) {
            P.error(P.peek(), "an ioctl takes one request ('|' joins flags, not requests)",
                    fmt::format("one statement per request: ioctl({}, {}) -> A, then ioctl({}, ...) -> B", c.fd,
                                r.text, c.fd));
          }
          break;
        }
        case CallKind::Close:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name", "close(FD): FD is a name bound by '-> NAME'");
          break;
        // nsfs file handles (fs/fhandle.c): name_to_handle_at(FD) -> H and
        // open_by_handle_at(H[, O_CLOEXEC]) -> FD. H is a scenario-wide name.
        case CallKind::NameToHandleAt:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name", "name_to_handle_at(FD) -> H: FD is an nsfs fd, e.g. open(\"/proc/T/ns/net\") -> FD");
          break;
        case CallKind::OpenByHandleAt: {
          c.fd_loc = P.peek().loc;
          const Token& h = P.peek();
          c.fd = P.ident("a file handle name", "open_by_handle_at(H): H is bound by name_to_handle_at(FD) -> H");
          // (A name not seen yet may come from an earlier parse: a line run on its own.)
          if (auto it = bound.find(c.fd); it != bound.end() && !handles.count(c.fd))
            P.error(h, fmt::format("'{}' is not a file handle: it names {} (line {})", c.fd,
                                   it->second.first ? "a task" : "an fd", it->second.second),
                    "name a handle first: a: name_to_handle_at(FD) -> H");
          if (P.is_punct(",")) {  // open_by_handle_at(FD_NSFS_ROOT, h, O_RDONLY[|O_CLOEXEC])
            P.next();
            const Token& f = P.peek();
            if (f.kind == Token::Ident && f.text == "O_CLOEXEC")
              c.flags = kOCloexec;
            else if (!(f.kind == Token::Number && f.text == "0"))
              P.error(f, fmt::format("unsupported open_by_handle_at flags {}", describe(f)),
                      "nssim opens read-only: open_by_handle_at(H) or open_by_handle_at(H, O_CLOEXEC)");
            P.next();
          }
          break;
        }
        case CallKind::Exit: {
          const Token& n = P.peek();
          if (n.kind != Token::Number) P.expected("an exit code");
          c.code = P.int_number(n, "exit() takes a C int, -2147483648..2147483647; the status a parent sees is "
                                   "CODE & 0xff (0..255)");
          P.next();
          break;
        }
        case CallKind::Wait:
        case CallKind::PidfdOpen:
          c.target_loc = P.peek().loc;
          c.target = P.ident("a task name");
          if (c.kind == CallKind::PidfdOpen && P.is_punct(",")) {
            P.next();
            const Token& n = P.peek();
            if (n.kind != Token::Number) P.expected("pidfd_open flags (a number)");
            constexpr const char* kPidfdRange =
                "pidfd_open() flags are an unsigned int: 0..0xffffffff (0x80 PIDFD_THREAD, 2048 PIDFD_NONBLOCK)";
            c.flags = P.number(n, kPidfdRange);
            if (c.flags > UINT32_MAX) P.error(n, fmt::format("number '{}' out of range", n.text), kPidfdRange);
            P.next();
          }
          break;
        case CallKind::Sethostname: {
          const Token& s = P.peek();
          if (s.kind != Token::String) P.expected("a hostname string");
          c.str = std::string(s.text);
          P.next();
          break;
        }
        case CallKind::Listns: {
          // listns(TYPES, owner=FD[, flags=N]): TYPES is struct ns_id_req's
          // ns_type (a __u32), FD an nsfs fd on the owning user namespace.
          constexpr const char* kListnsHint =
              "listns(CLONE_NEWNET|CLONE_NEWUTS, owner=FD) counts the active namespaces of those types (0: any) "
              "that the user namespace FD (an nsfs fd) owns";
          const Token& t = P.peek();
          c.flags = P.flags();
          if (c.flags > UINT32_MAX)
            P.error(t, "listns() types are a 32-bit ns_type: CLONE_NEW* flags", kListnsHint);
          P.expect_punct(",", "',' then owner=FD");
          const Token& k = P.peek();
          if (k.kind != Token::Ident || k.text != "owner")
            P.error(k, fmt::format("unexpected {}, expected owner=FD", describe(k)), kListnsHint);
          P.next();
          P.expect_punct("=", "'=' after owner");
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name", kListnsHint);
          if (P.is_punct(",")) {
            P.next();
            const Token& f = P.peek();
            if (f.kind != Token::Ident || f.text != "flags")
              P.error(f, fmt::format("unexpected {}, expected flags=N", describe(f)), kListnsHint);
            P.next();
            P.expect_punct("=", "'=' after flags");
            const Token& n = P.peek();
            if (n.kind != Token::Number) P.expected("listns() flags (a number)", "the kernel accepts only 0");
            c.listns_flags = P.number(n, "listns() flags are an unsigned int: 0..0xffffffff");
            if (c.listns_flags > UINT32_MAX)
              P.error(n, fmt::format("number '{}' out of range", n.text), "listns() flags are an unsigned int");
            P.next();
          }
          break;
        }
        case CallKind::OpenTree: {
          // open_tree("/srv/DIR", OPEN_TREE_NAMESPACE[|AT_RECURSIVE][|OPEN_TREE_CLOEXEC]): DIR a
          // directory the run creates first (as chroot does); open_tree()'s flags are an unsigned int.
          constexpr const char* kOpenTreeHint =
              "open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE) -> m makes a mount namespace from the tree at that "
              "directory (kernel 7.0+); flags: OPEN_TREE_NAMESPACE, AT_RECURSIVE, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE "
              "(with OPEN_TREE_NAMESPACE: EINVAL) or a number";
          c.path_loc = P.peek().loc;
          c.path = P.path("open_tree", kRunOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then the flags, e.g. OPEN_TREE_NAMESPACE|AT_RECURSIVE");
          const Token& first_flag = P.peek();
          static constexpr std::pair<std::string_view, uint64_t> kOpenTreeFlags[] = {
              {"OPEN_TREE_NAMESPACE", kOpenTreeNamespace}, {"OPEN_TREE_CLONE", kOpenTreeClone},
              {"OPEN_TREE_CLOEXEC", kOpenTreeCloexec},     {"AT_RECURSIVE", kAtRecursive}};
          for (;;) {
            const Token& f = P.peek();
            if (f.kind == Token::Number) {
              c.flags |= P.number(f, "open_tree() flags are an unsigned int");
            } else if (f.kind == Token::Ident) {
              bool known = false;
              for (auto& [n, v] : kOpenTreeFlags)
                if (f.text == n) c.flags |= v, known = true;
              if (!known) P.error(f, fmt::format("unknown open_tree() flag '{}'", f.text), kOpenTreeHint);
            } else {
              P.expected("open_tree() flags", kOpenTreeHint);
            }
            P.next();
            if (!P.is_punct("|")) break;
            P.next();
          }
          if (c.flags > UINT32_MAX)
            P.error(first_flag, "open_tree() flags are an unsigned int: 0..0xffffffff", kOpenTreeHint);
          if (!(c.flags & kOpenTreeNamespace))
            P.error(first_flag, "open_tree() without OPEN_TREE_NAMESPACE is not modelled",
                    "nssim models the mount namespace open_tree(PATH, OPEN_TREE_NAMESPACE) makes; a detached "
                    "mount (OPEN_TREE_CLONE) or an O_PATH fd (0) is not");
          break;
        }
      }
      if (P.is_punct(","))
        P.error(P.peek(), fmt::format("{}() takes no more arguments here", call_name(c.kind)),
                fmt::format("its forms: docs/scenario-language.md#{}", call_name(c.kind)));
      P.expect_punct(")", "')' to close the argument list");
      if (P.is_punct("->")) {
        P.next();
        c.out_loc = P.peek().loc;
        c.out = P.ident("a name for the result after '->'");
        bool fd_ioctl = c.kind == CallKind::Ioctl && ioctl_makes_fd(c.ioctl);
        bool makes = c.kind == CallKind::Clone || c.kind == CallKind::Clone3 || c.kind == CallKind::Thread ||
                     c.kind == CallKind::Open || c.kind == CallKind::PidfdOpen || c.kind == CallKind::Socket ||
                     c.kind == CallKind::Socketpair || c.kind == CallKind::Recv || fd_ioctl ||
                     c.kind == CallKind::NameToHandleAt || c.kind == CallKind::OpenByHandleAt ||
                     c.kind == CallKind::OpenTree;
        if (c.kind == CallKind::Listns)
          P.error(P.t_[P.p_ - 1], "listns() returns a number, not a name: assert it with = N",
                  "e.g. c: listns(CLONE_NEWUTS|CLONE_NEWNET, owner=u) = 2");
        if (!makes && c.kind == CallKind::Ioctl) {
          static constexpr const char* kNumeric[][2] = {
              {"NS_GET_NSTYPE", "e.g. ioctl(f, NS_GET_NSTYPE) = CLONE_NEWNET"},
              {"NS_GET_OWNER_UID", "e.g. ioctl(f, NS_GET_OWNER_UID) = 0"},
              {"NS_GET_ID", "e.g. ioctl(f, NS_GET_ID) = 10 (the model's id; --real compares ids by identity)"},
              {"NS_GET_MNTNS_ID", "e.g. ioctl(f, NS_GET_MNTNS_ID) = 8"},
              {"NS_GET_*_PIDNS", "e.g. ioctl(f, NS_GET_PID_IN_PIDNS, c) = 1 (a pid number)"}};
          int i = c.ioctl == IoctlCmd::NsGetNstype ? 0 : c.ioctl == IoctlCmd::NsGetOwnerUid ? 1
                  : c.ioctl == IoctlCmd::NsGetId  ? 2 : ioctl_translates_pid(c.ioctl) ? 4 : 3;
          P.error(P.t_[P.p_ - 1], fmt::format("ioctl({}) returns a number, not a name: assert it with = N", kNumeric[i][0]),
                  kNumeric[i][1]);
        }
        if (!makes)
          P.error(P.t_[P.p_ - 1], fmt::format("{}() returns nothing to name", call_name(c.kind)),
                  "'-> NAME' names the task made by clone/clone3/thread, the fd made by open, pidfd_open, "
                  "socket, socketpair, recv, open_by_handle_at, open_tree or ioctl(NS_GET_USERNS/NS_GET_PARENT/"
                  "SIOCGSKNS/PIDFD_GET_<X>_NAMESPACE), or "
                  "the handle made by name_to_handle_at");
        if (reserved_name(*c.out)) P.error(P.t_[P.p_ - 1], fmt::format("'{}' is reserved", *c.out), kReservedHint);
        if (auto it = let_names.find(*c.out); it != let_names.end())
          P.error(P.t_[P.p_ - 1], fmt::format("'{}' is a let name (line {})", *c.out, it->second), kOneKindHint);
        // '-> A, B': socketpair names both fds, a clone with CLONE_PIDFD its pidfd.
        auto second_name = [&](const char* what, const char* hint, const char* name_what, const char* both,
                               const char* both_hint) {
          if (!P.is_punct(",")) P.expected(fmt::format("', NAME' to name {}", what).c_str(), hint);
          P.next();
          c.out2_loc = P.peek().loc;
          c.out2 = P.ident(name_what);
          if (*c.out2 == *c.out) P.error(P.t_[P.p_ - 1], fmt::format("'{}' names {}", *c.out2, both), both_hint);
          if (reserved_name(*c.out2)) P.error(P.t_[P.p_ - 1], fmt::format("'{}' is reserved", *c.out2), kReservedHint);
          if (auto it = let_names.find(*c.out2); it != let_names.end())
            P.error(P.t_[P.p_ - 1], fmt::format("'{}' is a let name (line {})", *c.out2, it->second), kOneKindHint);
        };
        if (c.kind == CallKind::Socketpair) {
          second_name("the second socket", "socketpair() makes two fds: a: socketpair(AF_UNIX) -> s1, s2",
                      "a name for the second socket", "both sockets", "give each end its own name");
        } else if ((c.kind == CallKind::Clone || c.kind == CallKind::Clone3) && (c.flags & CLONE_PIDFD)) {
          // CLONE_PIDFD: the pidfd the kernel stores through args->pidfd.
          second_name("the pidfd CLONE_PIDFD makes", "e.g. init: clone3(CLONE_PIDFD|CLONE_NEWPID) -> c, pfd",
                      "a name for the pidfd", "both the task and its pidfd", "give the pidfd its own name");
        } else if (P.is_punct(",")) {
          P.error(P.peek(), fmt::format("{}() returns one name, not two", call_name(c.kind)),
                  "only socketpair() and a clone with CLONE_PIDFD name two results: a: socketpair(AF_UNIX) -> s1, "
                  "s2; init: clone3(CLONE_PIDFD) -> c, pfd");
        }
      } else if (c.kind == CallKind::Clone || c.kind == CallKind::Clone3 || c.kind == CallKind::Thread) {
        P.expected("'-> NAME' to name the new task", "e.g. init: clone(0) -> a");
      } else if (c.kind == CallKind::Socket) {
        P.expected("'-> NAME' to name the new socket", "e.g. a: socket(AF_UNIX) -> s");
      } else if (c.kind == CallKind::Socketpair) {
        P.expected("'-> NAME1, NAME2' to name the two sockets", "e.g. a: socketpair(AF_UNIX) -> s1, s2");
      } else if (c.kind == CallKind::Recv) {
        P.expected("'-> NAME' to name the received fd", "e.g. b: recv(s2) -> f");
      } else if (c.kind == CallKind::NameToHandleAt) {
        P.expected("'-> NAME' to name the file handle", "e.g. a: name_to_handle_at(f) -> h");
      } else if (c.kind == CallKind::OpenTree) {
        P.expected("'-> NAME' to name the mount namespace's fd",
                   "e.g. a: open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE) -> m");
      } else if (c.kind == CallKind::Open || c.kind == CallKind::PidfdOpen || c.kind == CallKind::OpenByHandleAt ||
                 (c.kind == CallKind::Ioctl && ioctl_makes_fd(c.ioctl))) {
        P.expected("'-> NAME' to name the new fd", "e.g. a: open(\"/proc/b/ns/net\") -> fd1");
      }
      int text_end = 0;  // the call text shown in traces stops before '= RESULT'
      if (P.is_punct("=")) {
        text_end = P.peek().loc.col;
        P.next();
        const Token& r = P.peek();
        if (P.is_punct("?")) {
          c.assert_result = "?";  // a blank: the student predicts the result (graded as unanswered)
        } else if (r.kind == Token::Number) {
          c.assert_result = std::to_string(P.signed_number(r));
        } else if (r.kind == Token::Ident && r.text.starts_with("CLONE_")) {
          auto f = clone_flag_from_name(r.text);
          if (!f) P.error(r, fmt::format("unknown flag '{}'", r.text));
          if (c.kind != CallKind::Ioctl || c.ioctl != IoctlCmd::NsGetNstype)
            P.error(r,
                    fmt::format("a flag name as the result: only ioctl(FD, NS_GET_NSTYPE) returns a namespace type, "
                                "{}() does not",
                                call_name(c.kind)),
                    "assert 0, an errno name (EINVAL) or the name bound by '-> NAME'");
          c.assert_result = std::to_string(*f);  // e.g. ioctl(fd, NS_GET_NSTYPE) = CLONE_NEWNET
        } else if (r.kind == Token::Ident) {
          if (r.text.size() > 1 && r.text[0] == 'E' && std::isupper(static_cast<unsigned char>(r.text[1])) &&
              !errno_from_name(r.text) && !(c.kind == CallKind::Recv && r.text == "EOF"))
            P.error(r, fmt::format("unknown errno '{}'", r.text), "e.g. EINVAL, EPERM, ENOENT, ENOMEM, ENOSPC");
          c.assert_result = std::string(r.text);
        } else {
          P.expected("a result: 0, an errno name (EINVAL), the new task's name, or ? (a blank)");
        }
        P.next();
      }
      P.end();
      // The call text as written, without '= RESULT' or a trailing comment
      // (the end-of-line token is at its '#').
      if (!text_end) text_end = P.t_.back().loc.col;
      c.text = std::string(line.substr(c.call_loc.col - 1, text_end - c.call_loc.col));
      // File handle names: one kind of name each (a handle is not an fd).
      if (c.kind == CallKind::NameToHandleAt && c.out) {
        if (auto it = bound.find(*c.out); it != bound.end())
          P.error(c.out_loc, fmt::format("'{}' names {} (line {})", *c.out, it->second.first ? "a task" : "an fd",
                                         it->second.second),
                  "a file handle is not an fd: give it a name of its own");
        handles.try_emplace(*c.out, lineno);
      } else {
        auto handle_name = [&](const std::string& n, Loc at) {
          if (auto it = handles.find(n); it != handles.end())
            P.error(at, fmt::format("'{}' is a file handle (line {}), not {}", n, it->second,
                                    c.kind == CallKind::OpenByHandleAt ? "a name for its fd" : "an fd or task"),
                    "open the namespace it names first: a: open_by_handle_at(H) -> FD");
        };
        if (c.out) handle_name(*c.out, c.out_loc);
        if (c.out2) handle_name(*c.out2, c.out2_loc);
        if (!c.fd.empty() && c.kind != CallKind::OpenByHandleAt) handle_name(c.fd, c.fd_loc);
        if (!c.fd2.empty()) handle_name(c.fd2, c.fd2_loc);
      }
      if (c.out && c.kind != CallKind::NameToHandleAt) {
        bool task = c.kind == CallKind::Clone || c.kind == CallKind::Clone3 || c.kind == CallKind::Thread;
        bound.try_emplace(*c.out, task, lineno);
        if (c.out2) bound.try_emplace(*c.out2, false, lineno);
      }
      while (!c.text.empty() && std::isspace(static_cast<unsigned char>(c.text.back()))) c.text.pop_back();
      building = false;
    };
    if (auto err = catch_parse_error(parse_line)) {
      if (building) sc.statements.pop_back();  // the statement this line began
      res.errors.push_back(std::move(*err));
    }
  }
  return res;
}

bool uses_cgroups(const Scenario& sc) {
  for (const Statement& st : sc.statements) {
    const auto* c = std::get_if<CallStmt>(&st.s);
    if (c && (c->kind == CallKind::Mkdir || c->kind == CallKind::Rmdir ||
              (c->kind == CallKind::Open && c->path.kind == NsPath::Cgroup)))
      return true;
  }
  return false;
}

}  // namespace nssim
