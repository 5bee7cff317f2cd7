#include "grading/submission.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace nssim::lab {

namespace {

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t b = 0;
  while (b <= s.size()) {
    size_t e = s.find('\n', b);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    if (e == s.size()) break;
    b = e + 1;
  }
  return out;
}

// A task block: `# ==== Task N ...` .. `# ==== end of task N ====` (lines, 1-based).
struct Block {
  std::string id;
  int start = 0, end = 0;
};

std::vector<Block> find_blocks(std::string_view source) {
  static const std::regex start_re(R"(^\s*#\s*====\s*Task\s+(\S+?):?\s.*$)", std::regex::icase);
  static const std::regex end_re(R"(^\s*#\s*====\s*end of task\s+(\S+?)\s*=*\s*$)", std::regex::icase);
  std::vector<Block> out;
  auto lines = split_lines(source);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string l(lines[i]);
    std::smatch m;
    if (std::regex_match(l, m, end_re)) {
      for (auto& b : out)
        if (b.id == m[1].str() && !b.end) b.end = static_cast<int>(i + 1);
    } else if (std::regex_match(l, m, start_re)) {
      out.push_back(Block{m[1].str(), static_cast<int>(i + 1), 0});
    }
  }
  // A block without its end marker is not a block.
  std::erase_if(out, [](const Block& b) { return b.end == 0; });
  return out;
}

int block_of(const std::vector<Block>& bs, int line) {
  for (size_t i = 0; i < bs.size(); ++i)
    if (bs[i].start < line && line < bs[i].end) return static_cast<int>(i);
  return -1;
}

// Index of the question a line belongs to (the last mark before it), -1: before any.
int question_at(const std::vector<QuestionMark>& qs, int line) {
  int q = -1;
  for (size_t i = 0; i < qs.size() && qs[i].line < line; ++i) q = static_cast<int>(i);
  return q;
}

bool is_check(const Statement& st) {
  if (std::holds_alternative<ExpectStmt>(st.s)) return true;
  auto* c = std::get_if<CallStmt>(&st.s);
  return c && c->assert_result;
}

std::string squeeze(std::string_view s) {
  // Spacing does not make a line different; quoted strings keep theirs.
  std::string out;
  bool quoted = false;
  for (char ch : s) {
    if (ch == '"') quoted = !quoted;
    if (!quoted && std::isspace(static_cast<unsigned char>(ch))) continue;
    out += ch;
  }
  return out;
}

// Whether a statement has a blank position (its answer).
bool has_blank(const Statement& st) {
  if (auto* e = std::get_if<ExpectStmt>(&st.s))
    return e->expr.lhs.kind == Term::Blank || e->expr.rhs.kind == Term::Blank;
  if (auto* c = std::get_if<CallStmt>(&st.s)) return c->assert_result && *c->assert_result == "?";
  return false;
}

// A line's shape: everything but the answer when `blank`.
std::string shape(const Statement& st, bool blank) {
  if (auto* c = std::get_if<CallStmt>(&st.s)) return "call " + c->task + ":" + squeeze(c->text);
  if (auto* l = std::get_if<LetStmt>(&st.s)) return "let " + l->name + "=" + squeeze(l->value.text);
  const auto& e = std::get<ExpectStmt>(st.s);
  switch (e.expr.kind) {
    case Expr::Alive:
      return "alive " + e.expr.lhs.text;
    case Expr::Dead:
      return "dead " + e.expr.lhs.text;
    case Expr::Ne:
      return "ne " + e.expr.lhs.text + "!=" + e.expr.rhs.text;
    case Expr::Eq:
      return "eq " + e.expr.lhs.text + "==" + (blank ? "" : e.expr.rhs.text);
  }
  return "";
}

std::string shown(const Statement& st) {
  if (auto* c = std::get_if<CallStmt>(&st.s))
    return c->task + ": " + c->text + (c->assert_result ? " = " + *c->assert_result : "");
  if (auto* l = std::get_if<LetStmt>(&st.s)) return "let " + l->name + " = " + l->value.text;
  return "expect " + std::get<ExpectStmt>(st.s).text;
}

// A blank may be filled with a value or a name, never with an expression: a
// number, a string, none, an errno, a let name, TASK.LINK or TASK.nsproxy.
std::string refuse_answer(const ExpectStmt& e, const ExpectStmt& key) {
  const Term& a = e.expr.rhs;
  if (a.kind == Term::Blank) return "";
  if (a.kind == Term::Path && squeeze(a.text) == squeeze(e.expr.lhs.text))
    return fmt::format("'{}' compares a value with itself (a tautology): write the value, not the question", e.text);
  if (a.kind == Term::Path) {
    if (key.expr.rhs.kind != Term::Path)
      return fmt::format("the blank in '{}' is filled with an expression; write a value (a number, a \"string\", none)",
                         e.text);
    bool name = a.at.empty() && a.attrs.size() <= 1;
    if (name && a.attrs.size() == 1) {
      name = a.attrs[0] == "nsproxy";
      for (Link l : kAllLinks) name = name || a.attrs[0] == link_name(l);
    }
    if (!name)
      return fmt::format("the blank in '{}' is filled with an expression; write a name (N, TASK.net, TASK.nsproxy)",
                         e.text);
  }
  return "";
}

Term blank_term() {
  Term t;
  t.kind = Term::Blank, t.text = "?";
  return t;
}

struct Token {
  int block = -1;  // index into the file's blocks, or a statement:
  int stmt = -1;
  int line = 0;
};

std::vector<Token> tokenize(const Scenario& sc, const std::vector<Block>& bs) {
  std::vector<Token> out;
  std::vector<bool> emitted(bs.size());
  size_t bi = 0;
  auto emit_blocks_before = [&](int line) {
    for (; bi < bs.size() && bs[bi].start < line; ++bi) out.push_back(Token{static_cast<int>(bi), -1, bs[bi].start});
  };
  for (size_t i = 0; i < sc.statements.size(); ++i) {
    int line = sc.statements[i].line;
    emit_blocks_before(line);
    if (block_of(bs, line) >= 0) continue;
    out.push_back(Token{-1, static_cast<int>(i), line});
  }
  emit_blocks_before(1 << 30);
  return out;
}

// Where one graded statement came from.
struct Origin {
  int question = -1;      // index into the questions
  std::string refused;    // why its answer or line is refused
  bool from_key = false;  // the key's statement (its columns are the key's)
};

// The questions of a file: its marks, or one question per check when it has none.
struct Questions {
  std::vector<QuestionMark> marks;
  bool implicit = false;
};

}  // namespace

const char* status_word(Question::Status s) {
  switch (s) {
    case Question::Pass:
      return "pass";
    case Question::Fail:
      return "fail";
    case Question::Unanswered:
      return "unanswered";
    case Question::NotGraded:
      return "not graded";
  }
  return "?";
}

int Graded::count(Question::Status s) const {
  return static_cast<int>(std::count_if(questions.begin(), questions.end(), [&](auto& q) { return q.status == s; }));
}

std::vector<QuestionMark> parse_questions(std::string_view source, std::vector<Diagnostic>& errors) {
  static const std::regex re(R"(^\s*#\s*@q\s+([A-Za-z0-9._-]+)\s+\((\d+)\s+points?\)\s*(#.*)?$)");
  std::vector<QuestionMark> out;
  std::set<std::string> seen;
  auto lines = split_lines(source);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string l(lines[i]);
    size_t at = l.find("@q");
    size_t hash = l.find_first_not_of(" \t");
    if (hash == std::string::npos || l[hash] != '#' || at == std::string::npos ||
        l.find_first_not_of(" \t#", hash) != at)
      continue;
    std::smatch m;
    int line = static_cast<int>(i + 1);
    if (!std::regex_match(l, m, re)) {
      errors.push_back(Diagnostic{{line, static_cast<int>(at + 1)},
                                  "malformed question line",
                                  "write '# @q ID (N points)', e.g. '# @q 3.2 (2 points)' or '# @q 1 (1 point)'"});
      continue;
    }
    if (!seen.insert(m[1].str()).second) {
      errors.push_back(Diagnostic{{line, static_cast<int>(at + 4)},
                                  fmt::format("question '{}' appears twice", m[1].str()),
                                  "every '# @q ID' names a different question"});
      continue;
    }
    out.push_back(QuestionMark{m[1].str(), std::stoi(m[2].str()), line});
  }
  return out;
}

namespace {

// Checks before the first question of a file that has questions.
std::optional<Diagnostic> check_before_questions(const Scenario& sc, const std::vector<QuestionMark>& qs) {
  if (qs.empty()) return std::nullopt;
  for (auto& st : sc.statements)
    if (is_check(st) && st.line < qs.front().line)
      return Diagnostic{
          {st.line, 1},
          fmt::format("a check before the first question (line {}: '# @q {}')", qs.front().line, qs.front().id),
          "every check belongs to a question: put a '# @q ID (N points)' line above it"};
  return std::nullopt;
}

Graded all_not_graded(const std::string& file, const std::vector<QuestionMark>& marks, const std::string& why) {
  Graded g;
  g.file = file;
  for (auto& m : marks) {
    Question q;
    q.id = m.id, q.points = m.points, q.status = Question::NotGraded, q.reasons = {why};
    g.max_score += m.points;
    g.questions.push_back(std::move(q));
  }
  return g;
}

std::string first_error(const std::string& file, const std::string& src, const std::vector<Diagnostic>& ds) {
  std::string s = format_diagnostic(file, src, ds.front());
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}
std::string short_error(const std::string& file, const Diagnostic& d) {
  return fmt::format("{}:{}:{}: {}", file, d.loc.line, d.loc.col, d.message);
}

}  // namespace

Graded not_graded(const std::string& file, const std::string& questions_from, const std::string& why) {
  std::vector<Diagnostic> ignored;
  Graded g = all_not_graded(file, parse_questions(questions_from, ignored), why);
  g.error = why;
  return g;
}

namespace {
// A file saved on Windows or by an editor that adds a BOM grades as the same
// text: CRLF line ends become LF and a leading UTF-8 BOM is dropped, so task
// block markers and the first statement are what they look like.
std::string plain_text(std::string t) {
  if (t.starts_with("\xEF\xBB\xBF")) t.erase(0, 3);
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i)
    if (!(t[i] == '\r' && i + 1 < t.size() && t[i + 1] == '\n')) out += t[i];
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

Graded grade_normalized(const Source& sub, const SubmissionOptions& opt);
}  // namespace

Graded grade_submission(const Source& sub_in, const SubmissionOptions& opt_in) {
  Source sub{sub_in.file, plain_text(sub_in.text)}, key, templ;
  SubmissionOptions opt = opt_in;
  if (opt_in.key) key = Source{opt_in.key->file, plain_text(opt_in.key->text)}, opt.key = &key;
  if (opt_in.templ) templ = Source{opt_in.templ->file, plain_text(opt_in.templ->text)}, opt.templ = &templ;
  return grade_normalized(sub, opt);
}

namespace {
Graded grade_normalized(const Source& sub, const SubmissionOptions& opt) {
  const Source& qsrc = opt.key ? *opt.key : sub;
  std::vector<Diagnostic> qerr;
  std::vector<QuestionMark> marks = parse_questions(qsrc.text, qerr);

  // The key (the teacher's file) must be right before anything is graded.
  ParseResult key;
  if (opt.key) {
    key = parse_scenario(opt.key->text, opt.key->file);
    if (!key.ok() || !qerr.empty()) {
      std::string why = first_error(opt.key->file, opt.key->text, key.ok() ? qerr : key.errors);
      Graded g = all_not_graded(sub.file, marks, "not graded: the key does not parse");
      g.error = why, g.exit_hint = 2;
      return g;
    }
    if (auto d = check_before_questions(key.scenario, marks)) {
      Graded g = all_not_graded(sub.file, marks, "not graded: the key has a check outside every question");
      g.error = first_error(opt.key->file, opt.key->text, {*d}), g.exit_hint = 2;
      return g;
    }
  }
  ParseResult pr = parse_scenario(sub.text, sub.file);
  if (!pr.ok() || (!opt.key && !qerr.empty())) {
    const auto& ds = pr.ok() ? qerr : pr.errors;
    Graded g = all_not_graded(sub.file, marks, "not graded: parse error at " + short_error(sub.file, ds.front()));
    g.error = first_error(sub.file, sub.text, ds), g.exit_hint = 2;
    return g;
  }
  if (!opt.key)
    if (auto d = check_before_questions(pr.scenario, marks)) {
      Graded g = all_not_graded(sub.file, marks, "not graded: a check outside every question");
      g.error = first_error(sub.file, sub.text, {*d}), g.exit_hint = 2;
      return g;
    }

  // The scenario that is run and graded, and where each of its statements came from.
  Scenario run = pr.scenario;
  std::vector<Origin> origin;
  std::vector<std::pair<int, std::string>> question_notes;  // (question, reason) not tied to a graded statement

  if (!opt.key) {
    for (auto& st : run.statements) origin.push_back(Origin{question_at(marks, st.line), ""});
  } else {
    const Scenario& ks = key.scenario;
    auto kblocks = find_blocks(opt.key->text), sblocks = find_blocks(sub.text);
    auto ktok = tokenize(ks, kblocks), stok = tokenize(pr.scenario, sblocks);
    // Which of the key's statements outside blocks are blanks.
    std::vector<bool> blank(ks.statements.size());
    std::optional<ParseResult> tp;
    if (opt.templ) tp = parse_scenario(opt.templ->text, opt.templ->file);
    if (tp && tp->ok()) {
      auto ttok = tokenize(tp->scenario, find_blocks(opt.templ->text));
      std::vector<int> kst, tst;
      for (auto& t : ktok)
        if (t.stmt >= 0) kst.push_back(t.stmt);
      for (auto& t : ttok)
        if (t.stmt >= 0) tst.push_back(t.stmt);
      bool same = kst.size() == tst.size();
      for (size_t i = 0; same && i < kst.size(); ++i) {
        const Statement& t = tp->scenario.statements[tst[i]];
        const Statement& k = ks.statements[kst[i]];
        blank[kst[i]] = has_blank(t);
        same = shape(t, blank[kst[i]]) == shape(k, blank[kst[i]]);
      }
      if (!same) {
        Graded g = all_not_graded(sub.file, marks, "not graded: the template and the key differ");
        g.error = fmt::format("{}: the template {} and the key differ outside their task blocks (teacher's error)",
                              sub.file, opt.templ->file);
        g.exit_hint = 2;
        return g;
      }
    } else {
      std::set<int> block_questions;
      for (auto& b : kblocks) block_questions.insert(question_at(marks, b.start));
      for (size_t i = 0; i < ks.statements.size(); ++i) {
        const Statement& st = ks.statements[i];
        if (block_questions.count(question_at(marks, st.line))) continue;  // a task's checks are given
        if (auto* e = std::get_if<ExpectStmt>(&st.s)) blank[i] = e->expr.kind == Expr::Eq;
        if (auto* c = std::get_if<CallStmt>(&st.s)) blank[i] = c->assert_result.has_value();
      }
    }
    auto same = [&](const Token& k, const Token& s) {
      if ((k.block >= 0) != (s.block >= 0)) return false;
      if (k.block >= 0) return kblocks[k.block].id == sblocks[s.block].id;
      bool b = blank[k.stmt];
      return shape(ks.statements[k.stmt], b) == shape(pr.scenario.statements[s.stmt], b);
    };
    // Longest common subsequence of the two token lists (a lab is short).
    size_t n = ktok.size(), m = stok.size();
    std::vector<std::vector<uint16_t>> L(n + 1, std::vector<uint16_t>(m + 1));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        L[i][j] = same(ktok[i], stok[j]) ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
    run.statements.clear();
    auto kq = [&](int line) { return question_at(marks, line); };
    auto add = [&](Statement st, int line, Origin o) {
      st.line = line;
      run.statements.push_back(std::move(st));
      origin.push_back(std::move(o));
    };
    // Student's statements in one gap that match nothing: edits when the key
    // also lost a statement there, else additions.
    std::vector<int> extra;
    std::vector<std::pair<int, int>> lost;  // (key token, display line)
    auto flush_gap = [&](int next_key_q, int fallback_line) {
      size_t e = 0;
      for (auto& [kt, line] : lost) {
        int q = kq(ktok[kt].line);
        if (ktok[kt].block >= 0) {
          question_notes.emplace_back(
              q, fmt::format("the markers of task {}'s block ('# ==== Task {}' ... '# "
                             "==== end of task {} ====') were removed",
                             kblocks[ktok[kt].block].id, kblocks[ktok[kt].block].id, kblocks[ktok[kt].block].id));
          for (auto& st : ks.statements)
            if (block_of(kblocks, st.line) == ktok[kt].block && std::holds_alternative<ExpectStmt>(st.s))
              add(st, line, Origin{kq(st.line), "", true});
          continue;
        }
        const Statement& k = ks.statements[static_cast<size_t>(ktok[kt].stmt)];
        // The line as the student was given it: a blank stays '?', so a
        // refusal never shows the key's answer.
        Statement st = k;
        if (blank[ktok[kt].stmt]) {
          if (auto* x = std::get_if<ExpectStmt>(&st.s)) x->expr.rhs = blank_term(), x->text = x->expr.lhs.text + " == ?";
          if (auto* c = std::get_if<CallStmt>(&st.s)) c->assert_result = "?";
        }
        std::string why;
        if (e < extra.size()) {
          const Statement& s = pr.scenario.statements[stok[extra[e]].stmt];
          why = fmt::format("line {}: a given line was edited: it reads '{}', the lab has '{}'", s.line, shown(s),
                            shown(st));
          line = s.line;
          ++e;
        } else {
          why = fmt::format("a given line was deleted (near line {}): '{}'", line, shown(st));
        }
        // A check shows the refusal itself; a plain step has no check to show it on.
        if (!is_check(st)) question_notes.emplace_back(q, why), why.clear();
        add(std::move(st), line, Origin{q, why, true});
      }
      for (; e < extra.size(); ++e) {
        const Statement& s = pr.scenario.statements[stok[extra[e]].stmt];
        question_notes.emplace_back(
            next_key_q >= 0 ? next_key_q : kq(fallback_line),
            fmt::format("line {}: a statement added outside the task blocks: '{}'", s.line, shown(s)));
      }
      extra.clear(), lost.clear();
    };
    size_t i = 0, j = 0;
    int last_line = 1;
    while (i < n || j < m) {
      if (i < n && j < m && same(ktok[i], stok[j])) {
        flush_gap(kq(ktok[i].line), ktok[i].line);
        const Token &kt = ktok[i], &st = stok[j];
        if (kt.block >= 0) {
          const Block& sb = sblocks[st.block];
          // The student's steps (their own checks are not graded: asserted results dropped)...
          for (auto& s : pr.scenario.statements) {
            if (block_of(sblocks, s.line) != st.block || std::holds_alternative<ExpectStmt>(s.s)) continue;
            Statement c = s;
            if (auto* call = std::get_if<CallStmt>(&c.s)) call->assert_result.reset();
            add(std::move(c), s.line, Origin{kq(kblocks[kt.block].start), ""});
          }
          // ...then the key's checks of the block, run on the student's state.
          for (auto& k : ks.statements)
            if (block_of(kblocks, k.line) == kt.block && std::holds_alternative<ExpectStmt>(k.s))
              add(k, sb.end, Origin{kq(k.line), "", true});
          last_line = sb.end;
        } else {
          const Statement& k = ks.statements[kt.stmt];
          Statement s = pr.scenario.statements[st.stmt];
          Origin o{kq(k.line), ""};
          if (blank[kt.stmt]) {
            if (auto* e = std::get_if<ExpectStmt>(&s.s)) {
              o.refused = refuse_answer(*e, std::get<ExpectStmt>(k.s));
              if (!o.refused.empty()) e->expr.rhs = blank_term();
            } else if (auto* c = std::get_if<CallStmt>(&s.s)) {
              if (!c->assert_result) c->assert_result = "?";
            }
          } else if (auto* c = std::get_if<CallStmt>(&s.s)) {
            auto* kc = std::get_if<CallStmt>(&k.s);
            if (kc->assert_result != c->assert_result) {
              o.refused = fmt::format("line {}: a given result was edited: it reads '{}', the lab has '{}'",
                                      s.line, shown(s), shown(k));
              c->assert_result = kc->assert_result;
            }
          }
          last_line = s.line;
          add(std::move(s), last_line, std::move(o));
        }
        ++i, ++j;
      } else if (j < m && (i == n || L[i][j + 1] >= L[i + 1][j])) {
        if (stok[j].stmt >= 0)
          extra.push_back(static_cast<int>(j));
        else
          for (auto& s : pr.scenario.statements)  // a block the key does not have
            if (block_of(sblocks, s.line) == stok[j].block) {
              Token t{-1, static_cast<int>(&s - pr.scenario.statements.data()), s.line};
              stok.push_back(t);  // keeps indexes valid: appended past m
              extra.push_back(static_cast<int>(stok.size() - 1));
            }
        ++j;
      } else {
        lost.emplace_back(static_cast<int>(i), last_line);
        ++i;
      }
    }
    flush_gap(-1, last_line);
    run.kernel = ks.kernel;
    run.init_name = ks.init_name;
  }

  // Implicit questions: one per check, for a file without `# @q` lines.
  bool implicit = marks.empty();
  if (implicit)
    for (size_t i = 0; i < run.statements.size(); ++i)
      if (is_check(run.statements[i])) {
        origin[i].question = static_cast<int>(marks.size());
        marks.push_back(QuestionMark{fmt::format("line {}", run.statements[i].line), 1, run.statements[i].line});
      }

  // Run; a run error drops its statement, fails its question, and the rest is graded again.
  std::vector<std::pair<int, std::string>> run_errors;  // (question, reason)
  std::vector<std::string> diagnostics;
  Report rep;
  for (int attempt = 0;; ++attempt) {
    rep = grade(run, opt.run);
    if (!rep.run.error) break;
    size_t idx = static_cast<size_t>(rep.run.steps);
    if (idx >= run.statements.size()) break;
    std::string why = fmt::format("run error at line {}: {}", run.statements[idx].line, rep.run.error->message);
    run_errors.emplace_back(origin[idx].question, why);
    Diagnostic d = *rep.run.error;
    if (origin[idx].from_key) d.loc = Loc{run.statements[idx].line, 1};
    std::string text = format_diagnostic(sub.file, sub.text, d);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    diagnostics.push_back(std::move(text));
    if (opt.run.peer || attempt >= 500) break;  // the live kernel's run cannot be replayed
    run.statements.erase(run.statements.begin() + static_cast<long>(idx));
    origin.erase(origin.begin() + static_cast<long>(idx));
  }

  Graded g;
  g.file = sub.file;
  g.key_file = opt.key ? opt.key->file : "";
  g.report = std::move(rep);
  g.run_errors = std::move(diagnostics);
  g.report.file = sub.file;
  for (auto& mk : marks) {
    Question q;
    q.id = mk.id, q.points = mk.points;
    g.questions.push_back(std::move(q));
  }
  std::vector<bool> failed_here(g.questions.size());
  for (size_t i = 0; i < g.report.items.size(); ++i) {
    Item& it = g.report.items[i];
    const Origin& o = origin[static_cast<size_t>(it.step - 1)];
    it.question = o.question;
    if (!o.refused.empty()) it.refused = o.refused;
    if (o.question < 0) continue;
    Question& q = g.questions[static_cast<size_t>(o.question)];
    q.items.push_back(i);
    if (!o.refused.empty()) failed_here[static_cast<size_t>(o.question)] = true;  // the check shows why
  }
  for (auto& [q, why] : question_notes)
    if (q >= 0) g.questions[static_cast<size_t>(q)].reasons.push_back(why), failed_here[static_cast<size_t>(q)] = true;
  // Run errors: the question of the failing statement fails; with a peer, the
  // questions after it were not run.
  std::optional<int> stopped_at;
  for (auto& [q, why] : run_errors) {
    if (q >= 0) g.questions[static_cast<size_t>(q)].reasons.push_back(why), failed_here[static_cast<size_t>(q)] = true;
    if (opt.run.peer) stopped_at = q;
  }
  // A call of the run that failed without being asserted: named first in its
  // question, since the checks after it fail because of it.
  std::vector<std::vector<std::string>> own_steps(g.questions.size());
  for (auto& fc : g.report.failed_calls) {
    int q = origin[static_cast<size_t>(fc.step - 1)].question;
    if (q >= 0)
      own_steps[static_cast<size_t>(q)].push_back(fmt::format("line {}: the step '{}: {}' failed with {}{}", fc.line,
                                                              fc.task, fc.call, fc.result,
                                                              fc.why.empty() ? "" : " (" + fc.why + ")"));
  }
  for (size_t qi = 0; qi < g.questions.size(); ++qi) {
    Question& q = g.questions[qi];
    g.max_score += q.points;
    bool any_fail = failed_here[qi], any_blank = false;
    for (size_t i : q.items) {
      any_fail = any_fail || g.report.items[i].verdict == Verdict::Fail;
      any_blank = any_blank || g.report.items[i].verdict == Verdict::Unanswered;
    }
    if (any_fail)
      q.status = Question::Fail;
    else if (any_blank)
      q.status = Question::Unanswered;
    else if (!q.items.empty())
      q.status = Question::Pass;
    else {
      q.status = Question::NotGraded;
      if (q.reasons.empty())
        q.reasons.push_back(stopped_at && !run_errors.empty() ? "not graded: " + run_errors.back().second
                                                              : "not graded: no check of this question ran");
    }
    if (q.status == Question::Pass) q.score = q.points, g.score += q.points;
    if (q.status == Question::Fail) q.reasons.insert(q.reasons.begin(), own_steps[qi].begin(), own_steps[qi].end());
  }
  return g;
}
}  // namespace

// ---- outputs ----

namespace {

std::string item_what(const Item& it) {
  return it.kind == Item::Expect ? "expect " + it.text : it.task + ": " + it.text;
}

const char* item_word(const Item& it) {
  if (!it.refused.empty()) return "REFUSED";
  return it.verdict == Verdict::Pass ? "pass" : it.verdict == Verdict::Fail ? "FAIL" : "unanswered";
}

std::string decider_line(const Decider& d) {
  if (d.step == 0) return "the initial state (no call changed it)";
  return fmt::format("line {}: {}: {}", d.line, d.task, d.call);
}

// The feedback lines of one check (without indentation).
std::vector<std::string> feedback(const Item& it, const TextOptions& t) {
  std::vector<std::string> out;
  if (!it.refused.empty()) {
    out.push_back("refused: " + it.refused);
    return out;
  }
  if (!t.explain || it.verdict == Verdict::Pass) return out;
  bool values = !t.no_reveal && (it.verdict == Verdict::Fail || t.reveal);
  if (it.verdict == Verdict::Unanswered && !values) return out;
  if (it.kind == Item::Result) {
    if (values) out.push_back("the model returns " + it.value);
    if (values && !it.why.empty()) out.push_back("why: " + it.why);
    return out;
  }
  if (values) {
    if (it.verdict == Verdict::Fail && !it.detail.empty())
      out.push_back("the model: " + it.detail);
    else
      out.push_back("the model: " + it.value);
    if (!it.same_as.empty()) {
      std::string names;
      for (size_t i = 0; i < it.same_as.size(); ++i) names += (i ? ", " : "") + it.same_as[i];
      out.push_back(fmt::format("({} is also {})", it.value, names));
    }
  }
  if (it.decided_by) out.push_back("decided by " + decider_line(*it.decided_by));
  if (values && (!it.holders.empty() || !it.history.empty())) {
    std::string hs;
    for (auto& h : it.holders) hs += (hs.empty() ? "" : ", ") + h;
    out.push_back(fmt::format("{} reference{} held by: {}", it.holders.size(), it.holders.size() == 1 ? "" : "s",
                              hs.empty() ? "nobody (freed)" : hs));
    for (auto& h : it.history) out.push_back("  " + h);
  }
  return out;
}

std::string question_text(const Graded& g, const Question& q, const TextOptions& t) {
  std::string s;
  for (auto& r : q.reasons) s += r + "\n";
  for (size_t i : q.items) {
    const Item& it = g.report.items[i];
    s += fmt::format("{} line {}: {}\n", item_word(it), it.line, item_what(it));
    for (auto& f : feedback(it, t)) s += "    " + f + "\n";
  }
  return s;
}

}  // namespace

std::string graded_summary(const Graded& g) {
  std::string s = fmt::format("{}: score {}/{}; questions: {} passed, {} failed, {} unanswered, {} not graded", g.file,
                              g.score, g.max_score, g.count(Question::Pass), g.count(Question::Fail),
                              g.count(Question::Unanswered), g.count(Question::NotGraded));
  if (!g.error.empty()) return s + "; not graded: see the error above";
  s += fmt::format("; checks: {} passed, {} failed, {} unanswered", g.report.passed, g.report.failed,
                   g.report.unanswered);
  if (g.report.real)
    s += fmt::format("; live kernel: {} step{} differ{}", g.report.kernel.size(),
                     g.report.kernel.size() == 1 ? "" : "s", g.report.kernel.size() == 1 ? "s" : "");
  return s;
}

void print_graded(std::FILE* out, const Graded& g, const TextOptions& t) {
  if (!g.key_file.empty()) fmt::print(out, "  graded against the key {}\n", g.key_file);
  for (const Question& q : g.questions) {
    fmt::print(out, "  {} ({} point{})  {}  {}/{}\n", q.id, q.points, q.points == 1 ? "" : "s", status_word(q.status),
               q.score, q.points);
    for (auto& r : q.reasons) fmt::print(out, "      {}\n", r);
    for (size_t i : q.items) {
      const Item& it = g.report.items[i];
      fmt::print(out, "      {:<11} line {:<4} {}\n", item_word(it), it.line, item_what(it));
      for (auto& f : feedback(it, t)) fmt::print(out, "      {:<11}   {}\n", "", f);
    }
  }
  for (const KernelMark& m : g.report.kernel) {
    fmt::print(out, "  {:<11} line {:<4} {}: {}  (the live kernel behaves differently here)\n", "KERNEL", m.line,
               m.task, m.call);
    for (auto& d : m.disagreements) fmt::print(out, "  {:<11}   {}\n", "", d);
  }
}

std::vector<nlohmann::json> graded_json(const Graded& g, const TextOptions& t) {
  using nlohmann::json;
  std::vector<json> out;
  if (g.error.empty()) {
    std::vector<json> items = to_json(g.report, t.reveal && !t.no_reveal);
    items.pop_back();  // its summary: ours follows
    size_t ii = 0;
    for (json& j : items) {
      if (j["kind"] == "expect" || j["kind"] == "result") {
        const Item& it = g.report.items[ii++];
        j["question"] = it.question >= 0 ? json(g.questions[static_cast<size_t>(it.question)].id) : json(nullptr);
        j["points"] = it.question >= 0 ? json(g.questions[static_cast<size_t>(it.question)].points) : json(nullptr);
        j["refused"] = it.refused.empty() ? json(nullptr) : json(it.refused);
        if (!it.refused.empty()) j["verdict"] = "refused";
        bool show = !t.no_reveal && (it.verdict == Verdict::Fail || t.reveal);
        j["holders"] = show ? json(it.holders) : json::array();
        j["history"] = show ? json(it.history) : json::array();
        j["why"] = show && !it.why.empty() ? json(it.why) : json(nullptr);
        if (t.no_reveal) j["value"] = nullptr, j["same_as"] = json::array(), j["detail"] = j["verdict"];
      }
      out.push_back(std::move(j));
    }
  }
  for (const Question& q : g.questions)
    out.push_back({{"file", g.file},
                   {"kind", "question"},
                   {"question", q.id},
                   {"points", q.points},
                   {"score", q.score},
                   {"status", status_word(q.status)},
                   {"reasons", q.reasons}});
  json s = {{"file", g.file},
            {"key", g.key_file.empty() ? json(nullptr) : json(g.key_file)},
            {"score", g.score},
            {"max_score", g.max_score},
            {"questions", g.questions.size()},
            {"questions_passed", g.count(Question::Pass)},
            {"questions_failed", g.count(Question::Fail)},
            {"questions_unanswered", g.count(Question::Unanswered)},
            {"questions_not_graded", g.count(Question::NotGraded)},
            {"passed", g.report.passed},
            {"failed", g.report.failed},
            {"unanswered", g.report.unanswered},
            {"real", g.report.real},
            {"kernel_differs", g.report.real ? json(g.report.kernel.size()) : json(nullptr)},
            {"ok", g.ok()}};
  if (!g.error.empty())
    s["error"] = g.error;
  else if (!g.run_errors.empty())
    s["error"] = g.run_errors.front();
  else
    s["error"] = nullptr;
  s["run_errors"] = g.run_errors;
  out.push_back({{"summary", s}});
  return out;
}

nlohmann::json gradescope_json(const std::vector<Graded>& gs, const TextOptions& t) {
  using nlohmann::json;
  json tests = json::array();
  int score = 0;
  std::string output;
  for (const Graded& g : gs) {
    score += g.score;
    if (!g.error.empty()) output += g.error + "\n";
    output += graded_summary(g) + "\n";
    for (const Question& q : g.questions) {
      std::string name = gs.size() > 1 ? g.file + ": " + q.id : q.id;
      tests.push_back({{"name", name},
                       {"score", q.score},
                       {"max_score", q.points},
                       {"status", q.status == Question::Pass ? "passed" : "failed"},
                       {"output", std::string(status_word(q.status)) + "\n" + question_text(g, q, t)}});
    }
  }
  return {{"score", score}, {"output", output}, {"tests", tests}};
}

namespace {
std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 has no control characters but tab and newline.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? '?' : c;
    }
  }
  return out;
}
}  // namespace

std::string junit_xml(const std::vector<Graded>& gs, const TextOptions& t) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const Graded& g : gs) {
    int failures = g.count(Question::Fail) + g.count(Question::Unanswered);
    int skipped = g.count(Question::NotGraded);
    x += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
                     xml_escape(g.file), g.questions.size(), failures, skipped);
    x += fmt::format(
        "    <properties><property name=\"score\" value=\"{}\"/><property name=\"max_score\" "
        "value=\"{}\"/></properties>\n",
        g.score, g.max_score);
    for (const Question& q : g.questions) {
      x += fmt::format("    <testcase classname=\"{}\" name=\"{} ({} point{})\"", xml_escape(g.file), xml_escape(q.id),
                       q.points, q.points == 1 ? "" : "s");
      if (q.status == Question::Pass) {
        x += "/>\n";
        continue;
      }
      x += ">\n";
      std::string body = xml_escape(question_text(g, q, t));
      if (q.status == Question::NotGraded)
        x += fmt::format("      <skipped message=\"{}\"/>\n",
                         xml_escape(q.reasons.empty() ? "not graded" : q.reasons.front()));
      else
        x += fmt::format("      <failure message=\"{}\">{}</failure>\n", status_word(q.status), body);
      x += "    </testcase>\n";
    }
    if (!g.error.empty()) x += fmt::format("    <system-err>{}</system-err>\n", xml_escape(g.error));
    x += "  </testsuite>\n";
  }
  return x + "</testsuites>\n";
}

}  // namespace nssim::lab
