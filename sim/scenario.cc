// Lexer and parser of the scenario language. Hand-written: the grammar is one
// statement per line, and a recursive-descent parser gives precise
// line:column diagnostics with the offending token and what was expected.
#include "sim/scenario.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "sim/result.h"

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
    case CallKind::Mount: return "mount";
    case CallKind::Umount: return "umount";
    case CallKind::PrctlDumpable: return "prctl";
  }
  return "?";
}

std::string format_diagnostic(std::string_view file, std::string_view source, const Diagnostic& d) {
  std::string out = fmt::format("{}:{}:{}: error: {}\n", file, d.loc.line, d.loc.col, d.message);
  // Show the source line with a caret under the column.
  int line = 1;
  size_t start = 0;
  for (size_t i = 0; i < source.size() && line < d.loc.line; ++i)
    if (source[i] == '\n') ++line, start = i + 1;
  if (line == d.loc.line && d.loc.line > 0) {
    size_t end = source.find('\n', start);
    std::string_view text = source.substr(start, end == std::string_view::npos ? source.size() - start : end - start);
    out += fmt::format("  {}\n  {}^\n", text, std::string(d.loc.col > 0 ? d.loc.col - 1 : 0, ' '));
  }
  if (!d.hint.empty()) out += "hint: " + d.hint + "\n";
  return out;
}

namespace {

struct Token {
  enum Kind : uint8_t { End, Ident, Number, String, Punct, Bad } kind = End;
  std::string text;  // identifier, number text, string value (unescaped) or punctuation
  Loc loc;
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::End: return "end of line";
    case Token::String: return fmt::format("string \"{}\"", t.text);
    default: return fmt::format("'{}'", t.text);
  }
}

// Tokenizes one line; '#' starts a comment outside strings.
class Lexer {
 public:
  Lexer(std::string_view line, int lineno) : s_(line), line_(lineno) {}

  std::vector<Token> run(std::vector<Diagnostic>& errs) {
    std::vector<Token> out;
    for (;;) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
      Token t;
      t.loc = Loc{line_, static_cast<int>(i_) + 1};
      if (i_ >= s_.size() || s_[i_] == '#') {
        out.push_back(t);
        return out;
      }
      char c = s_[i_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t b = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '-'))
          ++i_;
        // A trailing '-' belongs to "->", not to the name.
        while (i_ > b && s_[i_ - 1] == '-') --i_;
        t.kind = Token::Ident;
        t.text = std::string(s_.substr(b, i_ - b));
      } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i_ + 1 < s_.size() &&
                                                                  std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
        size_t b = i_++;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
        t.kind = Token::Number;
        t.text = std::string(s_.substr(b, i_ - b));
      } else if (c == '"') {
        ++i_;
        std::string v;
        bool closed = false;
        while (i_ < s_.size()) {
          char d = s_[i_++];
          if (d == '"') {
            closed = true;
            break;
          }
          if (d == '\\' && i_ < s_.size()) {
            char e = s_[i_++];
            v += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else {
            v += d;
          }
        }
        if (!closed) {
          errs.push_back({t.loc, "unterminated string", "close the string with '\"' on the same line"});
          t.kind = Token::Bad;
          out.push_back(t);
          out.push_back(Token{Token::End, "", Loc{line_, static_cast<int>(s_.size()) + 1}});
          return out;
        }
        t.kind = Token::String;
        t.text = std::move(v);
      } else {
        static constexpr std::string_view two[] = {"->", "==", "!="};
        t.kind = Token::Punct;
        bool done = false;
        for (auto p : two)
          if (s_.substr(i_, 2) == p) {
            t.text = std::string(p);
            i_ += 2;
            done = true;
            break;
          }
        if (!done) {
          if (std::string_view(":(),|=.@?").find(c) == std::string_view::npos) {
            errs.push_back({t.loc, fmt::format("unexpected character '{}'", c), ""});
            t.kind = Token::Bad;
          }
          t.text = std::string(1, c);
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
};

struct ParseError {
  Diagnostic d;
};

constexpr int kAllowProcNs = 1, kAllowProcFile = 2, kAllowRun = 4;
constexpr int kOpenable = kAllowProcNs | kAllowRun, kRunOnly = kAllowRun, kProcFileOnly = kAllowProcFile,
              kMountSource = kAllowProcNs | kAllowRun;

class LineParser {
 public:
  LineParser(std::vector<Token> toks) : t_(std::move(toks)) {}

  const Token& peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (p_ < t_.size() - 1) ++p_;
    return t;
  }
  bool is_punct(const char* p, size_t k = 0) const { return peek(k).kind == Token::Punct && peek(k).text == p; }
  [[noreturn]] void error(const Token& at, std::string msg, std::string hint = "") {
    throw ParseError{Diagnostic{at.loc, std::move(msg), std::move(hint)}};
  }
  [[noreturn]] void expected(const char* what, std::string hint = "") {
    error(peek(), fmt::format("unexpected {}, expected {}", describe(peek()), what), std::move(hint));
  }
  void expect_punct(const char* p, const char* what = nullptr) {
    if (!is_punct(p)) expected(what ? what : fmt::format("'{}'", p).c_str());
    next();
  }
  std::string ident(const char* what, std::string hint = "") {
    if (peek().kind != Token::Ident) expected(what, std::move(hint));
    return next().text;
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
        v |= number(t);
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
  uint64_t number(const Token& t) {
    uint64_t v = 0;
    std::string_view s = t.text;
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
      error(t, fmt::format("bad number '{}'", t.text), "write a decimal or 0x-hexadecimal number");
    return v;
  }
  int64_t signed_number(const Token& t) {
    if (!t.text.empty() && t.text[0] == '-') {
      Token u = t;
      u.text = t.text.substr(1);
      return -static_cast<int64_t>(number(u));
    }
    return static_cast<int64_t>(number(t));
  }

  // A path string of one of the allowed shapes (see NsPath).
  NsPath path(const char* call, int allowed) {
    const Token& s = peek();
    if (s.kind != Token::String) expected("a path string", path_hint(call, allowed));
    auto np = parse_path(s.text);
    bool ok = np && (((allowed & kAllowProcNs) && np->kind == NsPath::ProcNs) ||
                     ((allowed & kAllowProcFile) && np->kind == NsPath::ProcFile) ||
                     ((allowed & kAllowRun) && np->kind == NsPath::Run));
    if (!ok) error(s, fmt::format("unsupported path \"{}\" for {}()", s.text, call), path_hint(call, allowed));
    next();
    return *np;
  }
  static std::string path_hint(const char* call, int allowed) {
    std::string h = fmt::format("{}() takes ", call);
    std::vector<std::string> forms;
    if (allowed & kAllowProcNs)
      forms.push_back("\"/proc/TASK/ns/LINK\" (TASK a task name, self or thread-self; LINK one of cgroup ipc mnt "
                      "net pid pid_for_children time time_for_children user uts)");
    if (allowed & kAllowProcFile) forms.push_back("\"/proc/TASK/uid_map\", \"/proc/TASK/gid_map\" or \"/proc/TASK/setgroups\"");
    if (allowed & kAllowRun) forms.push_back("\"/run/NAME\" or \"/run/netns/NAME\"");
    for (size_t i = 0; i < forms.size(); ++i) h += (i ? " or " : "") + forms[i];
    return h;
  }
  // A uid/gid argument: a number, or -1 for "unchanged".
  uint32_t id() {
    const Token& t = peek();
    if (t.kind != Token::Number) expected("a uid/gid number (-1: unchanged)");
    int64_t v = signed_number(t);
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
      r.text = t.text;
      next();
      return r;
    }
    if (t.kind == Token::String) {
      r.kind = Term::Str;
      r.sval = t.text;
      r.text = "\"" + t.text + "\"";
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
    r.base = next().text;
    r.text = r.base;
    while (is_punct(".")) {
      next();
      std::string a = ident("an attribute after '.'",
                            "e.g. a.net, a.nsproxy, a.nsproxy.count, N.refs, a.hostname, a.pid, a.state");
      r.attrs.push_back(a);
      r.text += "." + a;
    }
    if (is_punct("@")) {
      next();
      r.at = ident("a task name after '@'", "a.pid@b is a's pid as seen from b's pid namespace");
      r.text += "@" + r.at;
    }
    return r;
  }

  std::vector<Token> t_;
  size_t p_ = 0;
};

}  // namespace

std::optional<NsPath> parse_path(std::string_view p) {
  NsPath out;
  if (p.starts_with("/run/")) {
    std::string_view rest = p.substr(5);
    if (rest.starts_with("netns/")) rest.remove_prefix(6);
    if (rest.empty() || rest.find('/') != std::string_view::npos || rest == "netns" || rest == "." || rest == "..")
      return std::nullopt;
    out.kind = NsPath::Run;
    out.run = std::string(p);
    return out;
  }
  if (!p.starts_with("/proc/")) return std::nullopt;
  p.remove_prefix(6);
  size_t slash = p.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  out.task = std::string(p.substr(0, slash));
  p.remove_prefix(slash + 1);
  if (p == "uid_map" || p == "gid_map" || p == "setgroups") {
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

ParseResult parse_scenario(std::string_view source, std::string file) {
  ParseResult res;
  res.scenario.file = std::move(file);
  res.scenario.source = std::string(source);
  Scenario& sc = res.scenario;
  bool seen_statement = false;
  int lineno = 0;
  size_t pos = 0;
  while (pos <= source.size()) {
    size_t nl = source.find('\n', pos);
    std::string_view line = source.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? source.size() + 1 : nl + 1;
    ++lineno;
    std::vector<Diagnostic> lexerrs;
    auto toks = Lexer(line, lineno).run(lexerrs);
    if (!lexerrs.empty()) {
      res.errors.push_back(lexerrs.front());
      continue;
    }
    if (toks.front().kind == Token::End) continue;
    LineParser P(std::move(toks));
    try {
      const Token& first = P.peek();
      if (first.kind != Token::Ident) P.expected("a statement (TASK: call, let, expect, task, kernel)");
      if (first.text == "kernel" && P.peek(1).kind != Token::Punct) {
        P.next();
        const Token& v = P.peek();
        if (v.kind != Token::Number) P.expected("a kernel profile (6.18 or 6.2)");
        if (seen_statement) P.error(first, "'kernel' must come before the first call, let or expect");
        if (sc.kernel) P.error(first, "'kernel' given twice");
        if (v.text != "6.18" && v.text != "6.2")
          P.error(v, fmt::format("unknown kernel profile '{}'", v.text), "known profiles: 6.18 (default), 6.2");
        sc.kernel = v.text;
        P.next();
        P.end();
        continue;
      }
      if (first.text == "task" && P.peek(1).kind == Token::Ident) {
        if (seen_statement) P.error(first, "'task' must come before the first call, let or expect");
        P.next();
        sc.init_name = P.next().text;
        P.end();
        continue;
      }
      if (first.text == "let" && P.peek(1).kind == Token::Ident) {
        seen_statement = true;
        P.next();
        LetStmt l;
        l.loc = P.peek().loc;
        l.name = P.next().text;
        P.expect_punct("=", "'=' after the let name");
        l.value = P.term();
        if (l.value.kind != Term::Path)
          P.error(P.t_[P.p_ - 1], "let binds a namespace", "write e.g. let N = b.net");
        P.end();
        sc.statements.push_back(Statement{lineno, std::move(l)});
        continue;
      }
      if (first.text == "expect" && !P.is_punct(":", 1)) {
        seen_statement = true;
        ExpectStmt e;
        e.loc = first.loc;
        P.next();
        e.text = std::string(line.substr(P.peek().loc.col - 1));
        if (auto h = e.text.find('#'); h != std::string::npos) e.text.resize(h);
        while (!e.text.empty() && std::isspace(static_cast<unsigned char>(e.text.back()))) e.text.pop_back();
        if (P.peek().kind == Token::Ident && (P.peek().text == "alive" || P.peek().text == "dead") &&
            P.is_punct("(", 1)) {
          e.expr.kind = P.next().text == "alive" ? Expr::Alive : Expr::Dead;
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
        sc.statements.push_back(Statement{lineno, std::move(e)});
        continue;
      }
      // TASK: CALL(ARGS) [-> NAME] [= RESULT]
      seen_statement = true;
      CallStmt c;
      c.loc = first.loc;
      c.task = P.next().text;
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
          {"prctl", CallKind::PrctlDumpable},
      };
      bool found = false;
      for (auto& [n, k] : kCalls)
        if (cn.text == n) c.kind = k, found = true;
      if (!found)
        P.error(cn, fmt::format("unknown system call '{}'", cn.text),
                "known calls: clone, clone3, thread, unshare, setns, open, close, exit, wait, pidfd_open, sethostname, "
                "setuid, setgid, setresuid, setresgid, write, ioctl, mount, umount, prctl");
      P.next();
      P.expect_punct("(", "'(' after the call name");
      switch (c.kind) {
        case CallKind::Clone:
        case CallKind::Clone3:
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
          c.path = P.path(open ? "open" : "umount", open ? kOpenable : kRunOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          break;
        }
        case CallKind::Write: {
          c.path = P.path("write", kProcFileOnly);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then the data to write");
          const Token& d = P.peek();
          if (d.kind != Token::String) P.expected("the data to write, as a string", "e.g. write(\"/proc/b/uid_map\", \"0 1000 1\")");
          c.data = d.text;
          P.next();
          break;
        }
        case CallKind::Mount: {
          c.path = P.path("mount", kMountSource);
          c.path_text = P.t_[P.p_ - 1].text;
          P.expect_punct(",", "',' then the mount point");
          c.path2 = P.path("mount", kRunOnly);
          P.expect_punct(",", "', MS_BIND'");
          const Token& f = P.peek();
          if (f.kind != Token::Ident || f.text != "MS_BIND")
            P.error(f, fmt::format("unsupported mount flags {}", describe(f)),
                    "nssim models bind mounts of namespace files: mount(\"/proc/T/ns/net\", \"/run/netns/x\", MS_BIND)");
          P.next();
          break;
        }
        case CallKind::Thread: break;
        case CallKind::PrctlDumpable: {
          const Token& o = P.peek();
          if (o.kind != Token::Ident || o.text != "PR_SET_DUMPABLE")
            P.error(o, fmt::format("unsupported prctl option {}", describe(o)),
                    "nssim models prctl(PR_SET_DUMPABLE, 0|1)");
          P.next();
          P.expect_punct(",", "', 0' or ', 1'");
          const Token& n = P.peek();
          if (n.kind != Token::Number) P.expected("0 or 1");
          c.code = static_cast<int>(P.signed_number(n));
          P.next();
          break;
        }
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
          c.fd = P.ident("an fd name", "ioctl(FD, NS_GET_USERNS|NS_GET_PARENT|NS_GET_NSTYPE|NS_GET_OWNER_UID)");
          P.expect_punct(",", "',' then the request");
          const Token& r = P.peek();
          static constexpr std::pair<std::string_view, IoctlCmd> kCmds[] = {
              {"NS_GET_USERNS", IoctlCmd::NsGetUserns}, {"NS_GET_PARENT", IoctlCmd::NsGetParent},
              {"NS_GET_NSTYPE", IoctlCmd::NsGetNstype}, {"NS_GET_OWNER_UID", IoctlCmd::NsGetOwnerUid}};
          bool known = false;
          for (auto& [n, k] : kCmds)
            if (r.kind == Token::Ident && r.text == n) c.ioctl = k, known = true;
          if (!known)
            P.error(r, fmt::format("unsupported ioctl request {}", describe(r)),
                    "known: NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID");
          P.next();
          break;
        }
        case CallKind::Close:
          c.fd_loc = P.peek().loc;
          c.fd = P.ident("an fd name", "close(FD): FD is a name bound by '-> NAME'");
          break;
        case CallKind::Exit: {
          const Token& n = P.peek();
          if (n.kind != Token::Number) P.expected("an exit code");
          c.code = static_cast<int>(P.signed_number(n));
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
            c.flags = P.number(n);
            P.next();
          }
          break;
        case CallKind::Sethostname: {
          const Token& s = P.peek();
          if (s.kind != Token::String) P.expected("a hostname string");
          c.str = s.text;
          P.next();
          break;
        }
      }
      P.expect_punct(")", "')' to close the argument list");
      if (P.is_punct("->")) {
        P.next();
        c.out_loc = P.peek().loc;
        c.out = P.ident("a name for the result after '->'");
        bool fd_ioctl = c.kind == CallKind::Ioctl &&
                        (c.ioctl == IoctlCmd::NsGetUserns || c.ioctl == IoctlCmd::NsGetParent);
        bool makes = c.kind == CallKind::Clone || c.kind == CallKind::Clone3 || c.kind == CallKind::Thread ||
                     c.kind == CallKind::Open || c.kind == CallKind::PidfdOpen || fd_ioctl;
        if (!makes)
          P.error(P.t_[P.p_ - 1], fmt::format("{}() returns nothing to name", call_name(c.kind)),
                  "'-> NAME' names the task made by clone/clone3/thread or the fd made by open, pidfd_open "
                  "or ioctl(NS_GET_USERNS/NS_GET_PARENT)");
        if (*c.out == "self" || *c.out == "none")
          P.error(P.t_[P.p_ - 1], fmt::format("'{}' is reserved", *c.out));
      } else if (c.kind == CallKind::Clone || c.kind == CallKind::Clone3 || c.kind == CallKind::Thread) {
        P.expected("'-> NAME' to name the new task", "e.g. init: clone(0) -> a");
      } else if (c.kind == CallKind::Open || c.kind == CallKind::PidfdOpen ||
                 (c.kind == CallKind::Ioctl &&
                  (c.ioctl == IoctlCmd::NsGetUserns || c.ioctl == IoctlCmd::NsGetParent))) {
        P.expected("'-> NAME' to name the new fd", "e.g. a: open(\"/proc/b/ns/net\") -> fd1");
      }
      int text_end = 0;  // the call text shown in traces stops before '= RESULT'
      if (P.is_punct("=")) {
        text_end = P.peek().loc.col;
        P.next();
        const Token& r = P.peek();
        if (r.kind == Token::Number) {
          c.assert_result = std::to_string(P.signed_number(r));
        } else if (r.kind == Token::Ident && r.text.starts_with("CLONE_")) {
          auto f = clone_flag_from_name(r.text);
          if (!f) P.error(r, fmt::format("unknown flag '{}'", r.text));
          c.assert_result = std::to_string(*f);  // e.g. ioctl(fd, NS_GET_NSTYPE) = CLONE_NEWNET
        } else if (r.kind == Token::Ident) {
          if (r.text.size() > 1 && r.text[0] == 'E' && std::isupper(static_cast<unsigned char>(r.text[1])) &&
              !errno_from_name(r.text))
            P.error(r, fmt::format("unknown errno '{}'", r.text), "e.g. EINVAL, EPERM, ENOENT, ENOMEM, ENOSPC");
          c.assert_result = r.text;
        } else {
          P.expected("a result: 0, an errno name (EINVAL), or the new task's name");
        }
        P.next();
      }
      P.end();
      // The call text as written, without '= RESULT' or a trailing comment.
      c.text = std::string(line.substr(c.call_loc.col - 1, text_end ? text_end - c.call_loc.col : std::string::npos));
      if (auto h = c.text.find('#'); h != std::string::npos && c.text.find('"') == std::string::npos) c.text.resize(h);
      else if (h != std::string::npos) {
        // '#' inside a string must stay: cut at a '#' after the last quote.
        size_t q = c.text.rfind('"');
        size_t h2 = c.text.find('#', q);
        if (h2 != std::string::npos) c.text.resize(h2);
      }
      while (!c.text.empty() && std::isspace(static_cast<unsigned char>(c.text.back()))) c.text.pop_back();
      sc.statements.push_back(Statement{lineno, std::move(c)});
    } catch (const ParseError& e) {
      res.errors.push_back(e.d);
    }
  }
  return res;
}

}  // namespace nssim
