// Per-student lab variants (variant.h). The rewriting works on the text, line
// by line, so every comment and the layout survive: a line is split into code,
// "strings" and a # comment, and identifiers are renamed by their context
// (after '.' a field, after /proc/ a task, after /ns/ a namespace type). The
// parser (sim/scenario.h) finds the names to rename and the checks whose
// answers are numbers; the grader (lab.h) recomputes those answers.
#include "grading/variant.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "grading/lab.h"
#include "sim/scenario.h"

namespace nssim::lab {

namespace {

namespace fs = std::filesystem;

// splitmix64 with our own shuffle: std::shuffle and the std distributions
// differ between standard libraries, and a seed must give the same variant
// wherever the teacher runs it.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
};

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur)) out.push_back(cur);
  return out;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (auto& l : v) out += l + '\n';
  return out;
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One line of a scenario: code, "string" literals (quotes included) and a
// trailing # comment.
struct Seg {
  enum Kind : uint8_t { Code, Str, Comment } kind;
  std::string text;
};

std::vector<Seg> split_segments(const std::string& line) {
  std::vector<Seg> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back({Seg::Code, cur}), cur.clear();
  };
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      flush();
      size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += (line[j] == '\\' && j + 1 < line.size()) ? 2 : 1;
      j = std::min(j + 1, line.size());
      out.push_back({Seg::Str, line.substr(i, j - i)});
      i = j;
      continue;
    }
    if (c == '#') {
      flush();
      out.push_back({Seg::Comment, line.substr(i)});
      return out;
    }
    cur += c, ++i;
  }
  flush();
  return out;
}

// The statement without its comment, trimmed.
std::string code_of(const std::string& line) {
  std::string s;
  for (auto& g : split_segments(line))
    if (g.kind != Seg::Comment) s += g.text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b);
}

// How a line of the template and a line of the key are matched: the
// statement without comment and without an asserted result (the template
// leaves "predict the result" lines without one).
std::string normalized(const std::string& line) {
  std::string s = code_of(line);
  static const std::regex result(R"(\s*=\s*[A-Za-z0-9_]+\s*$)");
  if (!s.starts_with("expect") && !s.starts_with("let")) s = std::regex_replace(s, result, "");
  return s;
}

// Which template line each key line is (nullopt: none, e.g. a student's
// step): the longest common subsequence of their statements, an expect
// compared up to its operator (the template's answer is a blank).
std::vector<std::optional<size_t>> align(const std::vector<std::string>& key, const std::vector<std::string>& lab) {
  static const std::regex expect_head(R"(^(expect\s.*?(==|!=)).*$)");
  auto stmts = [](const std::vector<std::string>& lines) {
    std::vector<std::pair<size_t, std::string>> v;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string n = normalized(lines[i]);
      if (n.empty()) continue;
      std::smatch m;
      if (std::regex_match(n, m, expect_head)) n = m[1].str();
      v.emplace_back(i, n);
    }
    return v;
  };
  auto a = stmts(key), b = stmts(lab);
  std::vector<std::vector<uint16_t>> len(a.size() + 1, std::vector<uint16_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;)
    for (size_t j = b.size(); j-- > 0;)
      len[i][j] = a[i].second == b[j].second ? len[i + 1][j + 1] + 1 : std::max(len[i + 1][j], len[i][j + 1]);
  std::vector<std::optional<size_t>> out(key.size());
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].second == b[j].second)
      out[a[i].first] = b[j].first, ++i, ++j;
    else if (len[i + 1][j] >= len[i][j + 1])
      ++i;
    else
      ++j;
  }
  return out;
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The consistent rewriting of one variant, applied to the key, the template
// and the handout's code alike.
struct Rewrite {
  std::map<std::string, std::string> names;  // task and let names
  std::map<std::string, std::string> types;  // "net" -> "ipc" (a permutation)
  Rng flag_rng{0};
  // Each set of flags gets one order, chosen the first time it is seen
  // (sorted set -> new order), so the same flags read the same everywhere.
  std::map<std::string, std::string> flag_orders;
  std::vector<std::pair<std::string, std::string>> flag_changes;  // first seen: from, to

  std::string type_of(const std::string& t) const {
    auto it = types.find(t);
    return it == types.end() ? t : it->second;
  }

  enum class Ctx : uint8_t { Code, Str, Comment };

  std::string token(const std::string& tok, std::string_view before, std::string_view after, Ctx ctx) const {
    char prev = before.empty() ? 0 : before.back();
    if (tok.starts_with("CLONE_NEW") && ctx != Ctx::Str) {
      std::string t = lower(tok.substr(9));
      return types.count(t) ? "CLONE_NEW" + upper(type_of(t)) : tok;
    }
    bool in_proc = before.ends_with("/proc/"), in_ns = before.ends_with("/ns/");
    if (ctx == Ctx::Str) {
      if (in_proc && names.count(tok)) return names.at(tok);
      if (in_ns) return type_of(tok);
      return tok;
    }
    if (prev == '.' || in_ns) return type_of(tok);  // a field (a.net) or a /proc/PID/ns/TYPE link
    if (auto it = names.find(tok); it != names.end()) {
      if (ctx == Ctx::Comment) {
        // Comments are English: "a", "back", "more"... are words there unless
        // they read as the task ("a's", "a.net", "a:", a comment's last word).
        static const std::set<std::string> words = {"a", "i", "back", "more", "me", "up", "run", "mine", "enter", "on"};
        bool as_name = after.starts_with("'s") || after.starts_with(":") || after.starts_with("(") ||
                       after.starts_with("/") || (after.size() > 1 && after[0] == '.' && is_ident_start(after[1]));
        if (words.count(tok) && !as_name) return tok;
      }
      return it->second;
    }
    if (types.count(tok)) return type_of(tok);  // a bare type: `net` in a handout, "c's net" in a comment
    return tok;
  }

  std::string idents(const std::string& s, Ctx ctx) const {
    std::string out;
    size_t i = 0, n = s.size();
    while (i < n) {
      if (is_ident_start(s[i])) {
        size_t j = i;
        while (j < n && is_ident_char(s[j])) ++j;
        std::string_view before(s.data(), i), after(s.data() + j, n - j);
        out += token(s.substr(i, j - i), before, after, ctx);
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        size_t j = i;
        while (j < n && is_ident_char(s[j])) ++j;
        out.append(s, i, j - i);
        i = j;
      } else {
        out += s[i++];
      }
    }
    return out;
  }

  // CLONE_A|CLONE_B -> another order of the same flags (not the first-seen one).
  std::string permute_flags(const std::string& s) {
    static const std::regex re(R"(CLONE_[A-Z_]+(?:\s*\|\s*CLONE_[A-Z_]+)+)");
    std::string out;
    size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
      out.append(s, last, it->position() - last);
      std::vector<std::string> flags;
      std::string expr = it->str(), cur;
      for (char c : expr + "|") {
        if (c == '|')
          flags.push_back(cur), cur.clear();
        else if (!std::isspace(static_cast<unsigned char>(c)))
          cur += c;
      }
      std::vector<std::string> sorted = flags;
      std::sort(sorted.begin(), sorted.end());
      std::string key = fmt::format("{}", fmt::join(sorted, "|"));
      auto f = flag_orders.find(key);
      if (f == flag_orders.end()) {
        std::vector<std::string> order = flags;
        std::set<std::string> distinct(flags.begin(), flags.end());
        for (int tries = 0; tries < 16 && distinct.size() > 1; ++tries) {
          flag_rng.shuffle(order);
          if (order != flags) break;
        }
        std::string from = fmt::format("{}", fmt::join(flags, "|")), to = fmt::format("{}", fmt::join(order, "|"));
        if (from != to) flag_changes.emplace_back(from, to);
        f = flag_orders.emplace(key, to).first;
      }
      out += f->second;
      last = it->position() + it->length();
    }
    out.append(s, last, std::string::npos);
    return out;
  }

  // One line of a scenario (or of a handout's code).
  std::string nss_line(const std::string& line) {
    std::string out;
    auto segs = split_segments(line);
    for (auto& g : segs) {
      if (g.kind == Seg::Comment) {
        // Keep a trailing comment at its column when the names got longer or shorter.
        size_t col = line.size() - g.text.size();
        size_t end = out.find_last_not_of(' ');
        if (end != std::string::npos && out.size() > end + 1) {
          out.resize(end + 1);
          out += std::string(col > out.size() ? col - out.size() : 1, ' ');
        }
        // A grader directive ("# @q 1.1 (1 point)") is not prose: a task
        // named q must not turn it into "# @dove 1.1".
        std::string_view c = g.text;
        while (!c.empty() && (c.front() == '#' || c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
        out += c.starts_with("@q") ? g.text : permute_flags(idents(g.text, Ctx::Comment));
        continue;
      }
      if (g.kind == Seg::Str) {
        std::string inner = g.text.size() >= 2 && g.text.back() == '"' ? g.text.substr(1, g.text.size() - 2) : "";
        out += types.count(inner) ? "\"" + type_of(inner) + "\"" : idents(g.text, Ctx::Str);
      } else {
        out += permute_flags(idents(g.text, g.kind == Seg::Code ? Ctx::Code : Ctx::Comment));
      }
    }
    return out;
  }

  // A Markdown handout: code blocks and `code spans` are rewritten as
  // scenario text; prose is left alone (the header says what changed).
  std::string markdown_line(const std::string& line, bool in_block) {
    if (in_block) return nss_line(line);
    std::string out;
    auto prose = [&](const std::string& text) {
      // Prose is left alone but for "k's": a task's or name's possessive.
      static const std::regex possessive(R"(\b([A-Za-z_][A-Za-z0-9_]*)'s\b)");
      std::string r;
      size_t last = 0;
      for (auto it = std::sregex_iterator(text.begin(), text.end(), possessive); it != std::sregex_iterator(); ++it) {
        r.append(text, last, it->position() - last);
        auto n = names.find((*it)[1].str());
        r += (n == names.end() || n->first == "a" ? (*it)[1].str() : n->second) + "'s";
        last = it->position() + it->length();
      }
      return r + text.substr(last);
    };
    size_t i = 0;
    while (i < line.size()) {
      size_t b = line.find('`', i);
      if (b == std::string::npos) break;
      size_t e = line.find('`', b + 1);
      if (e == std::string::npos) break;
      out += prose(line.substr(i, b - i)) + '`';
      out += nss_line(line.substr(b + 1, e - b - 1));
      out += '`';
      i = e + 1;
    }
    out += prose(line.substr(i));
    return out;
  }
};

// Names the variant draws from: short, not English words a comment would
// use, not the scenario language's words.
const std::vector<std::string> kTaskPool = {
    "ant",  "bee",  "cod",  "doe",  "eel",  "elk",  "emu",  "fox",  "gnu",  "hen",  "jay",  "lynx", "mole", "moth",
    "newt", "owl",  "puma", "ram",  "seal", "toad", "vole", "wasp", "wren", "yak",  "zebu", "crow", "dove", "frog",
    "hare", "ibis", "kiwi", "lark", "mink", "orca", "pika", "rook", "swan", "tern", "gull", "boar", "colt", "hawk"};
const std::vector<std::string> kLetPool = {"ALPHA", "BETA", "GAMMA", "DELTA", "KAPPA", "SIGMA", "THETA",
                                           "OMEGA", "ZETA", "TAU",   "PHI",   "PSI",   "RHO",   "ETA"};
const std::vector<std::string> kFdPool = {"xfd", "yfd", "zfd", "qfd", "wfd"};

// Every identifier a scenario's code uses (to keep new names apart from them).
void collect_idents(const std::string& text, std::set<std::string>& out) {
  for (auto& line : split_lines(text))
    for (auto& g : split_segments(line)) {
      if (g.kind == Seg::Comment) continue;
      const std::string& s = g.text;
      for (size_t i = 0; i < s.size();) {
        if (is_ident_start(s[i])) {
          size_t j = i;
          while (j < s.size() && is_ident_char(s[j])) ++j;
          out.insert(s.substr(i, j - i));
          i = j;
        } else {
          ++i;
        }
      }
    }
}

// Hands out names from a pool in a seeded order, skipping taken ones.
struct Names {
  std::vector<std::string> pool;
  size_t next = 0;
  std::string take(std::set<std::string>& taken, const std::string& fallback_prefix) {
    while (next < pool.size()) {
      std::string n = pool[next++];
      if (taken.insert(n).second) return n;
    }
    for (int i = 1;; ++i) {
      std::string n = fmt::format("{}{}", fallback_prefix, i);
      if (taken.insert(n).second) return n;
    }
  }
};

// Lines inside a "your steps go here" ... "end of task" region: the student's
// own steps, which the variant does not touch.
std::vector<bool> in_student_region(const std::vector<std::string>& lines) {
  std::vector<bool> in(lines.size(), false);
  bool inside = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string l = lower(lines[i]);
    bool comment = code_of(lines[i]).empty();
    if (comment && l.find("your steps go here") != std::string::npos) inside = true;
    in[i] = inside;
    if (comment && l.find("end of task") != std::string::npos) inside = false;
  }
  return in;
}

struct Recomputed {
  std::string key, lab;  // the key with recomputed answers; the template with the same given numbers
  nlohmann::json changes = nlohmann::json::array();
  std::string why;  // empty: valid
};

std::vector<Verdict> verdicts(const Report& r) {
  std::vector<Verdict> v;
  for (auto& it : r.items) v.push_back(it.verdict);
  return v;
}

// `expect ... == OLD  # comment` with `value` for OLD, the comment kept at its
// column (one that explains the old number says so instead). nullopt: the
// line does not end in a number.
std::optional<std::string> with_number(const std::string& line, const std::string& value, std::string* old_out) {
  static const std::regex num_answer(R"(^(.*==\s*)(-?[0-9]+)$)");
  std::string code, comment;
  for (auto& g : split_segments(line)) (g.kind == Seg::Comment ? comment : code) += g.text;
  size_t width = code.size();
  while (!code.empty() && code.back() == ' ') code.pop_back();
  std::smatch m;
  if (!std::regex_match(code, m, num_answer)) return std::nullopt;
  std::string old = m[2].str(), fresh = m[1].str() + value;
  if (old_out) *old_out = old;
  if (comment.empty()) return fresh;
  if (std::any_of(comment.begin(), comment.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    comment = fmt::format("# recomputed by the model for this variant (the bundled lab: {})", old);
  return fresh + std::string(width > fresh.size() ? width - fresh.size() : 1, ' ') + comment;
}

// Runs the model on a candidate key: every check must pass once numeric
// answers (refcounts, counts, pid numbers) take the model's values; any other
// change (a name, none, a state, an errno) means the candidate changed what
// the lab teaches, and it is refused. A given (not blank) check of the
// template that the key recomputes gets the same number. The template must
// then grade exactly as the original's did (same blanks, same checks passing).
Recomputed recompute(std::vector<std::string> key, std::vector<std::string> lab,
                     const std::vector<Verdict>& lab_verdicts) {
  Recomputed out;
  ParseResult pr = parse_scenario(join_lines(key), "solution.nss");
  if (!pr.ok()) return out.why = "the variant's key does not parse: " + pr.errors.front().message, out;
  Report r = grade(pr.scenario, {});
  if (r.run.error) return out.why = "the variant's key stops: " + r.run.error->message, out;
  std::map<int, const ExpectStmt*> expects;
  for (auto& st : pr.scenario.statements)
    if (auto* e = std::get_if<ExpectStmt>(&st.s)) expects[st.line] = e;
  const std::vector<std::string> key_before = key;
  const auto at = align(key, lab);
  for (auto& it : r.items) {
    if (it.verdict == Verdict::Pass) continue;
    auto e = expects.find(it.line);
    bool numeric = it.kind == Item::Expect && e != expects.end() && e->second->expr.kind == Expr::Eq &&
                   e->second->expr.rhs.kind == Term::Int && !it.value.empty() &&
                   std::all_of(it.value.begin(), it.value.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!numeric) return out.why = fmt::format("line {}: '{}' would change ({})", it.line, it.text, it.value), out;
    size_t i = static_cast<size_t>(it.line - 1);
    std::string old;
    auto fixed = with_number(key[i], it.value, &old);
    if (!fixed) return out.why = fmt::format("line {}: no number to recompute", it.line), out;
    key[i] = *fixed;
    // The same check given (not blank) in the template.
    if (auto k = at[i]; k && code_of(lab[*k]) == code_of(key_before[i]))
      if (auto f = with_number(lab[*k], it.value, nullptr)) lab[*k] = *f;
    out.changes.push_back({{"line", it.line}, {"check", it.text}, {"bundled", old}, {"variant", it.value}});
  }
  if (!out.changes.empty()) {
    ParseResult again = parse_scenario(join_lines(key), "solution.nss");
    if (!again.ok()) return out.why = "the recomputed key does not parse", out;
    Report r2 = grade(again.scenario, {});
    if (r2.run.error || r2.failed || r2.unanswered) return out.why = "the recomputed key does not grade fully", out;
  } else if (r.unanswered) {
    return out.why = "the key has blanks", out;
  }
  ParseResult lp = parse_scenario(join_lines(lab), "lab.nss");
  if (!lp.ok()) return out.why = "the variant's template does not parse: " + lp.errors.front().message, out;
  Report lr = grade(lp.scenario, {});
  if (verdicts(lr) != lab_verdicts) return out.why = "the variant's template grades differently", out;
  out.key = join_lines(key);
  out.lab = join_lines(lab);
  return out;
}

}  // namespace

std::expected<Variant, std::string> make_variant(const std::string& lab_dir, uint64_t seed,
                                                 const std::string& out_label) {
  fs::path dir(lab_dir);
  auto lab_src = read_text(dir / "lab.nss"), key_src = read_text(dir / "solution.nss"),
       readme_src = read_text(dir / "README.md");
  if (!lab_src || !key_src)
    return std::unexpected(
        fmt::format("'{}' is not a lab: it needs lab.nss and solution.nss (and README.md)", lab_dir));
  std::string id = fs::weakly_canonical(dir).filename().string();
  if (id.empty()) id = dir.filename().string();

  ParseResult kp = parse_scenario(*key_src, (dir / "solution.nss").string());
  if (!kp.ok())
    return std::unexpected(
        fmt::format("{}: does not parse: {}", (dir / "solution.nss").string(), kp.errors.front().message));
  ParseResult lp = parse_scenario(*lab_src, (dir / "lab.nss").string());
  if (!lp.ok())
    return std::unexpected(
        fmt::format("{}: does not parse: {}", (dir / "lab.nss").string(), lp.errors.front().message));
  Report key_report = grade(kp.scenario, {});
  if (key_report.run.error || key_report.failed || key_report.unanswered)
    return std::unexpected(fmt::format("{}: the key does not grade fully ({}); fix it first",
                                       (dir / "solution.nss").string(), summary_line(key_report)));
  const std::vector<Verdict> lab_verdicts = verdicts(grade(lp.scenario, {}));
  int blanks = 0;
  for (auto v : lab_verdicts) blanks += v == Verdict::Unanswered;

  // One stream per kind of change, each from the seed and the lab, so that
  // adding a kind of change later does not reshuffle the others.
  auto rng_for = [&](std::string_view what) { return Rng{seed ^ fnv1a(id) ^ fnv1a(what)}; };

  std::set<std::string> taken = {"init", "self", "none", "thread", "expect", "let", "task", "kernel", "alive", "dead"};
  collect_idents(*key_src, taken);
  collect_idents(*lab_src, taken);
  Names tasks{kTaskPool}, lets{kLetPool}, fds{kFdPool};
  {
    Rng r = rng_for("names");
    r.shuffle(tasks.pool), r.shuffle(lets.pool), r.shuffle(fds.pool);
  }
  Rewrite rw;
  rw.flag_rng = rng_for("flags");
  std::vector<std::string> renamed;  // in order of appearance
  for (auto& st : kp.scenario.statements) {
    if (auto* c = std::get_if<CallStmt>(&st.s)) {
      bool makes_task = c->kind == CallKind::Clone || c->kind == CallKind::Clone3 || c->kind == CallKind::Thread;
      if (makes_task && c->out && *c->out != kp.scenario.init_name && !rw.names.count(*c->out))
        rw.names[*c->out] = tasks.take(taken, "task"), renamed.push_back(*c->out);
    } else if (auto* l = std::get_if<LetStmt>(&st.s); l && !rw.names.count(l->name)) {
      rw.names[l->name] = lets.take(taken, "NS"), renamed.push_back(l->name);
    }
  }

  // Namespace types: only among ipc, net and uts, the types whose nsproxy
  // slot, refcounting and nsfs file behave alike; uts stays when the lab
  // uses hostnames, and a type whose fixed inode number the lab asks for stays.
  std::set<std::string> group = {"ipc", "net", "uts"};
  std::string key_code;
  for (auto& l : split_lines(*key_src)) key_code += code_of(l) + "\n";
  if (key_code.find("hostname") != std::string::npos) group.erase("uts");
  static const std::regex inum(R"(\.([a-z_]+)\.inum)");
  for (auto it = std::sregex_iterator(key_code.begin(), key_code.end(), inum); it != std::sregex_iterator(); ++it)
    group.erase((*it)[1].str());
  std::set<std::string> present;
  for (auto& t : group)
    if (key_code.find("CLONE_NEW" + upper(t)) != std::string::npos || key_code.find("." + t) != std::string::npos ||
        key_code.find("/ns/" + t) != std::string::npos)
      present.insert(t);
  std::map<std::string, std::string> type_swap;
  if (group.size() >= 2 && !present.empty()) {
    std::vector<std::string> from(group.begin(), group.end()), to = from;
    std::vector<std::vector<std::string>> perms;
    do {
      bool moves = false;
      for (size_t i = 0; i < from.size(); ++i) moves |= present.count(from[i]) && to[i] != from[i];
      if (moves) perms.push_back(to);
    } while (std::next_permutation(to.begin(), to.end()));
    Rng r = rng_for("types");
    auto& pick = perms[r.below(perms.size())];
    for (size_t i = 0; i < from.size(); ++i)
      if (pick[i] != from[i]) type_swap[from[i]] = pick[i];
  }

  const std::vector<std::string> key0 = split_lines(*key_src), lab0 = split_lines(*lab_src);
  // Rewrites key, template and handout with the names, the types, the flag orders.
  struct Texts {
    std::vector<std::string> key, lab, readme;
  };
  auto rewrite_all = [&](Rewrite& w) {
    Texts t;
    for (auto& l : key0) t.key.push_back(w.nss_line(l));
    for (auto& l : lab0) t.lab.push_back(w.nss_line(l));
    // Code blocks without a language (scenario text) are rewritten; others (```c) are kept as written.
    bool block = false, other = false;
    for (auto& l : split_lines(readme_src.value_or(""))) {
      if (l.starts_with("```")) {
        if (!block) other = l.size() > 3;
        block = !block;
        t.readme.push_back(l);
        continue;
      }
      t.readme.push_back(block && other ? l : w.markdown_line(l, block));
    }
    return t;
  };

  Rewrite base = rw;
  base.types = type_swap;
  Texts texts = rewrite_all(base);
  Recomputed rc = recompute(texts.key, texts.lab, lab_verdicts);
  nlohmann::json dropped = nlohmann::json::array();
  if (!rc.why.empty() && !type_swap.empty()) {
    // The model says the types are not interchangeable in this lab after all.
    dropped.push_back({{"change", "namespace types"}, {"why", rc.why}});
    type_swap.clear();
    base = rw;
    texts = rewrite_all(base);
    rc = recompute(texts.key, texts.lab, lab_verdicts);
  }
  if (!rc.why.empty())
    return std::unexpected(fmt::format("{}: no valid variant for seed {}: {}", lab_dir, seed, rc.why));

  // Steps: one more fork (clone(0)) or one more open of a /proc/PID/ns file
  // after an existing one, outside the student's own steps. Candidates are
  // tried in a seeded order; the first whose recomputed key changes a number
  // (and nothing else) is taken.
  nlohmann::json steps = nlohmann::json::array();
  {
    static const std::regex fork_re(R"(^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*clone\(0\)\s*->\s*[A-Za-z_][A-Za-z0-9_]*$)");
    static const std::regex open_re(
        R"(^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*open\(("/proc/[^"]*")\)\s*->\s*[A-Za-z_][A-Za-z0-9_]*$)");
    auto region = in_student_region(texts.key);
    std::vector<size_t> cands;
    for (size_t i = 0; i < texts.key.size(); ++i) {
      std::string c = code_of(texts.key[i]);
      if (!region[i] && (std::regex_match(c, fork_re) || std::regex_match(c, open_re))) cands.push_back(i);
    }
    Rng r = rng_for("steps");
    r.shuffle(cands);
    std::set<std::string> taken_now = taken;
    for (auto& [o, n] : base.names) taken_now.insert(n);
    std::string child = tasks.take(taken_now, "task"), fd = fds.take(taken_now, "fd");
    const auto lab_of = align(texts.key, texts.lab);
    std::optional<std::pair<Texts, Recomputed>> fallback;
    nlohmann::json fallback_step;
    for (size_t i : cands) {
      std::string c = code_of(texts.key[i]);
      std::smatch m;
      std::string extra;
      if (std::regex_match(c, m, fork_re))
        extra = fmt::format("{}: clone(0) -> {}", m[1].str(), child);
      else if (std::regex_match(c, m, open_re))
        extra = fmt::format("{}: open({}) -> {}", m[1].str(), m[2].str(), fd);
      // The same statement in the template.
      std::optional<size_t> at = lab_of[i];
      if (!at || normalized(texts.lab[*at]) != normalized(texts.key[i])) continue;
      Texts t = texts;
      size_t indent = texts.key[i].find_first_not_of(' ');
      std::string line = std::string(indent == std::string::npos ? 0 : indent, ' ') + extra;
      t.key.insert(t.key.begin() + static_cast<long>(i) + 1, line);
      t.lab.insert(t.lab.begin() + static_cast<long>(*at) + 1, line);
      Recomputed got = recompute(t.key, t.lab, lab_verdicts);
      if (!got.why.empty()) continue;
      nlohmann::json step = {{"after", c}, {"inserted", extra}, {"key_line", i + 2}, {"lab_line", *at + 2}};
      if (!got.changes.empty()) {
        texts = std::move(t), rc = std::move(got), steps.push_back(step);
        fallback.reset();
        break;
      }
      if (!fallback) fallback.emplace(std::move(t), std::move(got)), fallback_step = step;
    }
    if (fallback) texts = std::move(fallback->first), rc = std::move(fallback->second), steps.push_back(fallback_step);
  }

  // Headers and paths: the variant names itself and its own directory.
  std::string src_path = "labs/" + id;
  auto relabel = [&](std::string s) {
    for (auto [from, to] : {std::pair{src_path + "/", out_label + "/"}, std::pair{src_path, out_label}})
      for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
    return s;
  };
  std::vector<std::string> kinds;
  if (!base.names.empty()) kinds.push_back("names");
  if (!base.flag_changes.empty()) kinds.push_back("flag orders");
  if (!type_swap.empty()) kinds.push_back("namespace types");
  if (!steps.empty()) kinds.push_back("steps");
  std::string changed = kinds.empty() ? "nothing" : kinds.back();
  if (kinds.size() > 1)
    changed = fmt::format("{} and {}", fmt::join(kinds.begin(), kinds.end() - 1, ", "), kinds.back());
  std::string header = fmt::format("# Variant seed {} of {} (nssim lab variant): {} differ from the bundled lab", seed,
                                   src_path, changed);
  auto with_header = [&](const std::string& text) {
    std::vector<std::string> lines = split_lines(relabel(text));
    lines.insert(lines.begin() + std::min<size_t>(1, lines.size()), header);
    return join_lines(lines);
  };
  Variant v;
  v.solution = with_header(rc.key);
  v.lab = with_header(rc.lab);

  std::vector<std::string> readme = split_lines(relabel(join_lines(texts.readme)));
  std::vector<std::string> note = {
      "", fmt::format("## Variant seed {}", seed), "",
      fmt::format(
          "This is variant seed {} of the lab `{}` (`nssim lab variant --seed {}`): its {} differ from your "
          "classmates' variants, and so do the answers. The code in this handout uses your variant's names; work "
          "in this directory's `lab.nss` and check it with `nssim lab check {}/lab.nss`.",
          seed, src_path, seed, changed, out_label)};
  if (!type_swap.empty()) {
    static const std::map<std::string, std::string> what = {
        {"ipc", "ipc (System V IPC)"}, {"net", "net (network)"}, {"uts", "uts (hostname)"}};
    std::vector<std::string> parts;
    for (auto& [f, t] : type_swap)
      if (present.count(f)) parts.push_back(fmt::format("{} read {}", what.at(f), what.at(t)));
    note.push_back("");
    note.push_back(
        fmt::format("Namespace types are exchanged in this variant: where the text says {}. What the lab "
                    "teaches holds for every one of these types alike; its code already uses your types.",
                    fmt::join(parts, "; ")));
  }
  readme.insert(readme.begin() + std::min<size_t>(1, readme.size()), note.begin(), note.end());
  v.readme = join_lines(readme);

  // Final check of what is handed out.
  ParseResult fk = parse_scenario(v.solution, out_label + "/solution.nss");
  ParseResult fl = parse_scenario(v.lab, out_label + "/lab.nss");
  if (!fk.ok() || !fl.ok())
    return std::unexpected(fmt::format("{}: the variant for seed {} does not parse (a bug)", lab_dir, seed));
  Report fr = grade(fk.scenario, {});
  if (fr.run.error || fr.failed || fr.unanswered)
    return std::unexpected(fmt::format("{}: the variant's key for seed {} does not grade fully: {} (a bug)", lab_dir,
                                       seed, summary_line(fr)));

  nlohmann::json names = nlohmann::json::object(), types = nlohmann::json::object(), flags = nlohmann::json::array();
  for (auto& n : renamed) names[n] = base.names.at(n);
  for (auto& [f, t] : type_swap) types[f] = t;
  for (auto& [f, t] : base.flag_changes) flags.push_back({{"from", f}, {"to", t}});
  // Line numbers as in the written files, below the header line.
  for (auto& s : steps) s["key_line"] = s["key_line"].get<int>() + 1, s["lab_line"] = s["lab_line"].get<int>() + 1;
  for (auto& c : rc.changes) c["line"] = c["line"].get<int>() + 1;
  v.info = {{"seed", seed},
            {"lab", id},
            {"source", lab_dir},
            {"names", names},
            {"types", types},
            {"flag_orders", flags},
            {"steps", steps},
            {"recomputed", rc.changes},
            {"not_made", dropped},
            {"blanks", blanks},
            {"checks", fr.items.size()}};
  return v;
}

std::string write_variant(const Variant& v, const std::string& out_dir) {
  std::error_code ec;
  // Never over a lab (the bundled one included) or anything else: a new or
  // empty directory only.
  if (fs::exists(out_dir, ec) && !(fs::is_directory(out_dir, ec) && fs::is_empty(out_dir, ec)))
    return fmt::format("'{}' exists and is not an empty directory: give -o a new directory", out_dir);
  fs::create_directories(out_dir, ec);
  if (ec) return fmt::format("cannot make '{}': {}", out_dir, ec.message());
  for (auto& [name, text] : {std::pair<std::string, std::string>{"lab.nss", v.lab},
                             {"solution.nss", v.solution},
                             {"README.md", v.readme},
                             {"variant.json", v.info.dump(2) + "\n"}}) {
    fs::path p = fs::path(out_dir) / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return fmt::format("cannot write '{}'", p.string());
  }
  return "";
}

}  // namespace nssim::lab
