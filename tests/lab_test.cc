// The lab grader (grading/lab.*, `nssim lab check|list`) and the bundled labs:
// pass/fail/unanswered counting, the deciding step, exit codes, JSON shape;
// every lab's blank version reports its blanks as unanswered (not a crash),
// and filling the blanks with the solution's answers makes it pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "grading/lab.h"
#include "grading/submission.h"
#include "real/real_backend.h"
#include "real/sandbox_exec.h"
#include "sim/runner.h"
#include "sim/sim_backend.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

ParseResult parse(const std::string& src) {
  ParseResult pr = parse_scenario(src, "test.nss");
  EXPECT_TRUE(pr.ok()) << (pr.ok() ? "" : pr.errors.front().message);
  return pr;
}

// Grades a scenario held by the caller (the report points into it).
lab::Report grade(const ParseResult& pr, Backend* peer = nullptr) {
  lab::Options o;
  o.peer = peer;
  return lab::grade(pr.scenario, o);
}

const lab::Item* item_at_line(const lab::Report& r, int line) {
  for (auto& it : r.items)
    if (it.line == line) return &it;
  return nullptr;
}

std::string load(const fs::path& p) { return testing::slurp(p.string()); }

// ---- grading ------------------------------------------------------------

TEST(LabGrade, CountsPassFailAndUnanswered) {
  auto pr = parse(
      "init: clone(0) -> a\n"
      "expect a.nsproxy == init.nsproxy\n"   // pass
      "expect a.nsproxy.count == 3\n"        // fail (2)
      "expect a.net == ?\n"                  // unanswered
      "expect a.nsproxy.count == ?\n"        // unanswered
      "init: unshare(CLONE_NEWPID) = 0\n"    // asserted result: pass
      "init: unshare(CLONE_NEWPID) = 0\n");  // asserted result: fail (EINVAL)
  lab::Report r = grade(pr);
  ASSERT_FALSE(r.run.error);
  EXPECT_EQ(r.passed, 2);
  EXPECT_EQ(r.failed, 2);
  EXPECT_EQ(r.unanswered, 2);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lab::summary_line(r), "test.nss: 2 passed, 2 failed, 2 unanswered");
  const lab::Item* res = item_at_line(r, 7);
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->kind, lab::Item::Result);
  EXPECT_EQ(res->verdict, Verdict::Fail);
  EXPECT_EQ(res->value, "EINVAL");
}

TEST(LabGrade, AllPassIsOk) {
  auto pr = parse("init: clone(0) -> a\nexpect a.nsproxy.count == 2\n");
  lab::Report r = grade(pr);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lab::summary_line(r), "test.nss: 1 passed, 0 failed, 0 unanswered");
}

TEST(LabGrade, FailShowsTheModelValueAndTheLastCallThatChangedIt) {
  auto pr = parse(
      "init: clone(0) -> a\n"              // count 2
      "init: clone(0) -> b\n"              // count 3
      "b: unshare(CLONE_NEWUTS)\n"         // count 2: the decider
      "init: clone(CLONE_NEWNET) -> c\n"   // unrelated
      "expect a.nsproxy.count == 3\n");
  lab::Report r = grade(pr);
  const lab::Item* it = item_at_line(r, 5);
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->verdict, Verdict::Fail);
  EXPECT_EQ(it->value, "2");
  ASSERT_TRUE(it->decided_by);
  EXPECT_EQ(it->decided_by->line, 3);
  EXPECT_EQ(it->decided_by->task, "b");
  EXPECT_EQ(it->decided_by->call, "unshare(CLONE_NEWUTS)");
}

TEST(LabGrade, DecidingStepOfALetNamespaceCanComeBeforeTheLet) {
  auto pr = parse(
      "init: clone(CLONE_NEWNET) -> b\n"   // N made, refs 1: the decider
      "init: clone(0) -> x\n"
      "let N = b.net\n"
      "expect N.refs == 2\n"
      "x: open(\"/proc/b/ns/net\") -> f\n"  // refs 2
      "init: clone(0) -> y\n"            // unrelated
      "expect N.refs == 1\n"
      "b: exit(0)\n"
      "x: close(f)\n"                     // freed
      "expect alive(N)\n");
  lab::Report r = grade(pr);
  ASSERT_FALSE(r.run.error);
  const lab::Item* a = item_at_line(r, 4);
  ASSERT_TRUE(a && a->decided_by);
  EXPECT_EQ(a->value, "1");
  EXPECT_EQ(a->decided_by->line, 1);
  const lab::Item* b = item_at_line(r, 7);
  ASSERT_TRUE(b && b->decided_by);
  EXPECT_EQ(b->value, "2");
  EXPECT_EQ(b->decided_by->line, 5);
  const lab::Item* c = item_at_line(r, 10);
  ASSERT_TRUE(c && c->decided_by);
  EXPECT_EQ(c->verdict, Verdict::Fail);
  EXPECT_EQ(c->value, "dead");
  EXPECT_EQ(c->decided_by->line, 9);
}

TEST(LabGrade, BothSidesOfAComparisonCanDecide) {
  auto pr = parse(
      "init: clone(0) -> a\n"
      "init: clone(0) -> b\n"
      "a: unshare(CLONE_NEWUTS)\n"
      "b: unshare(CLONE_NEWUTS)\n"  // changes the right side last
      "expect a.uts == b.uts\n");
  lab::Report r = grade(pr);
  const lab::Item* it = item_at_line(r, 5);
  ASSERT_TRUE(it && it->decided_by);
  EXPECT_EQ(it->verdict, Verdict::Fail);
  EXPECT_EQ(it->decided_by->line, 4);
  EXPECT_THAT(it->detail, HasSubstr("a.uts = uts:["));
  EXPECT_THAT(it->detail, HasSubstr("b.uts = uts:["));
}

TEST(LabGrade, AValueNoCallChangedIsDecidedByTheInitialState) {
  auto pr = parse("init: clone(0) -> a\nexpect init.user.inum == 1\n");
  lab::Report r = grade(pr);
  const lab::Item* it = item_at_line(r, 2);
  ASSERT_TRUE(it && it->decided_by);
  EXPECT_EQ(it->value, "4026531837");
  EXPECT_EQ(it->decided_by->step, 0);
}

TEST(LabGrade, PidNextToANumberIsThePidNumberAsInTheRunner) {
  auto pr = parse(
      "init: clone(0) -> sh\n"
      "sh: unshare(CLONE_NEWPID)\n"
      "sh: clone(0) -> c\n"
      "expect c.pid == 3\n"       // fail: 1
      "expect 3 == c.pid\n"       // literal on the left: the value is still c's
      "expect c.pid == ?\n"       // the blank's answer is the number
      "expect c.pid@init == ?\n");
  lab::Report r = grade(pr);
  ASSERT_FALSE(r.run.error);
  EXPECT_EQ(item_at_line(r, 4)->value, "1");
  EXPECT_EQ(item_at_line(r, 4)->decided_by->line, 3);
  EXPECT_EQ(item_at_line(r, 5)->value, "1");
  EXPECT_EQ(item_at_line(r, 6)->verdict, Verdict::Unanswered);
  EXPECT_EQ(item_at_line(r, 6)->value, "1");
  EXPECT_EQ(item_at_line(r, 7)->value, "3");
}

TEST(LabGrade, ABlankNamespaceAnswerListsNamesAStudentCanWrite) {
  auto pr = parse(
      "init: clone(CLONE_NEWNET) -> b\n"
      "let N = b.net\n"
      "b: clone(0) -> c\n"
      "expect c.net == ?\n"
      "expect c.nsproxy == ?\n");
  lab::Report r = grade(pr);
  const lab::Item* net = item_at_line(r, 4);
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->verdict, Verdict::Unanswered);
  EXPECT_THAT(net->same_as, ::testing::UnorderedElementsAre("N", "b.net"));
  EXPECT_THAT(item_at_line(r, 5)->same_as, ElementsAre("b.nsproxy"));
}

TEST(LabGrade, ARunErrorStopsGradingButKeepsWhatWasGraded) {
  auto pr = parse("init: clone(0) -> a\nexpect a.nsproxy.count == 2\nexpect zz.net == ?\nexpect a.net == ?\n");
  lab::Report r = grade(pr);
  ASSERT_TRUE(r.run.error);
  EXPECT_THAT(r.run.error->message, HasSubstr("unknown name 'zz'"));
  EXPECT_EQ(r.passed, 1);
  EXPECT_EQ(r.items.size(), 1u);
  EXPECT_FALSE(r.ok());
}

// A peer that agrees with the model except for one call's result.
class OneLiePeer : public Backend {
 public:
  explicit OneLiePeer(std::string lie_on) : lie_on_(std::move(lie_on)) {}
  std::string_view name() const override { return "liar"; }
  CallOutcome call(const CallStmt& c) override {
    CallOutcome o = inner_.call(c);
    if (c.text.find(lie_on_) != std::string::npos) o.ok = false, o.err = EPERM, o.result = "EPERM";
    return o;
  }
  Observation observe() override { return inner_.observe(); }

 private:
  SimBackend inner_;
  std::string lie_on_;
};

TEST(LabGrade, StepsWhereThePeerDisagreesAreMarked) {
  auto pr = parse("init: clone(0) -> a\na: sethostname(\"x\")\nexpect a.hostname == \"x\"\n");
  OneLiePeer peer("sethostname");
  lab::Report r = grade(pr, &peer);
  EXPECT_EQ(r.passed, 1);
  ASSERT_EQ(r.kernel.size(), 1u);
  EXPECT_EQ(r.kernel[0].line, 2);
  EXPECT_EQ(r.kernel[0].call, "sethostname(\"x\")");
  EXPECT_THAT(r.kernel[0].disagreements, Contains(HasSubstr("the kernel returns EPERM")));
  EXPECT_FALSE(r.ok());  // all checks pass, but the scenario is not what the kernel does
  EXPECT_THAT(lab::summary_line(r), HasSubstr("; live kernel: 1 step differs"));
}

TEST(LabGrade, JsonHasOneObjectPerCheckThenASummary) {
  auto pr = parse(
      "init: clone(0) -> a\n"
      "expect a.nsproxy.count == 2\n"
      "expect a.nsproxy.count == 5\n"
      "expect a.net == ?\n"
      "init: unshare(CLONE_NEWPID) = 0\n");
  lab::Report r = grade(pr);
  auto js = lab::to_json(r, /*reveal=*/false);
  ASSERT_EQ(js.size(), 5u);
  for (size_t i = 0; i + 1 < js.size(); ++i) {
    for (const char* k : {"file", "kind", "step", "line", "text", "verdict", "value", "same_as", "detail", "decided_by"})
      EXPECT_TRUE(js[i].contains(k)) << k << " in " << js[i].dump();
  }
  EXPECT_EQ(js[0]["verdict"], "pass");
  EXPECT_EQ(js[1]["verdict"], "fail");
  EXPECT_EQ(js[1]["value"], "2");
  EXPECT_EQ(js[1]["decided_by"]["line"], 1);
  EXPECT_EQ(js[1]["decided_by"]["call"], "clone(0) -> a");
  EXPECT_EQ(js[2]["verdict"], "unanswered");
  EXPECT_TRUE(js[2]["value"].is_null());  // not revealed
  EXPECT_EQ(js[3]["kind"], "result");
  EXPECT_EQ(js[3]["task"], "init");
  const auto& s = js[4]["summary"];
  EXPECT_EQ(s["passed"], 2);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["unanswered"], 1);
  EXPECT_EQ(s["ok"], false);
  EXPECT_EQ(s["real"], false);
  EXPECT_TRUE(s["kernel_differs"].is_null());
  EXPECT_TRUE(s["error"].is_null());
  auto revealed = lab::to_json(r, /*reveal=*/true);
  EXPECT_THAT(revealed[2]["value"].get<std::string>(), HasSubstr("net:["));
  EXPECT_THAT(revealed[2]["same_as"], Contains("init.net"));
}

// ---- the binary --------------------------------------------------------------

using testing::CliRun;

// `nssim ARGS`, with `input` (if any) in this test's own .nss file as the last argument.
CliRun run(const std::string& args, const std::string& input = "") {
  return testing::run_nssim_on(args, input, "nssim_lab_");
}

TEST(LabCli, ExitsZeroWhenEveryCheckPasses) {
  CliRun r = run("lab check", "init: clone(0) -> a\nexpect a.nsproxy.count == 2\n");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr(": 1 passed, 0 failed, 0 unanswered"));
}

TEST(LabCli, ExitsOneOnAFailureWithTheValueAndTheDecidingStep) {
  CliRun r = run("lab check", "init: clone(0) -> a\nexpect a.nsproxy.count == 3\n");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("FAIL"));
  EXPECT_THAT(r.out, HasSubstr("the model: a.nsproxy.count = 2"));
  EXPECT_THAT(r.out, HasSubstr("decided by line 1: init: clone(0) -> a"));
  EXPECT_THAT(r.out, HasSubstr(": 0 passed, 1 failed, 0 unanswered"));
}

TEST(LabCli, ExitsOneWhenABlankIsUnansweredAndHidesItsValue) {
  CliRun r = run("lab check", "init: clone(0) -> a\nexpect a.nsproxy.count == ?\n");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("unanswered  line 2"));
  EXPECT_THAT(r.out, Not(HasSubstr("the model")));
  EXPECT_THAT(r.out, HasSubstr(": 0 passed, 0 failed, 1 unanswered"));
  CliRun rev = run("lab check --reveal", "init: clone(0) -> a\nexpect a.nsproxy.count == ?\n");
  EXPECT_THAT(rev.out, HasSubstr("the model: 2"));
}

TEST(LabCli, ParseAndRunErrorsAndMissingFilesExitTwo) {
  CliRun p = run("lab check", "init: clone(CLONE_NEWFOO) -> a\n");
  EXPECT_EQ(p.status, 2) << p.out;
  EXPECT_THAT(p.out, HasSubstr("unknown flag 'CLONE_NEWFOO'"));
  CliRun e = run("lab check", "init: clone(0) -> a\nexpect b.net == ?\n");
  EXPECT_EQ(e.status, 2) << e.out;
  EXPECT_THAT(e.out, HasSubstr(":2:8: error: unknown name 'b'"));
  CliRun m = run("lab check /nonexistent/lab.nss");
  EXPECT_EQ(m.status, 2) << m.out;
  CliRun u = run("lab");
  EXPECT_EQ(u.status, 2) << u.out;
  CliRun u2 = run("lab check");
  EXPECT_EQ(u2.status, 2) << u2.out;
}

TEST(LabCli, JsonLinesParseAndEndWithASummary) {
  CliRun r = run("lab check --json", "init: clone(0) -> a\nexpect a.nsproxy.count == 2\nexpect a.net == ?\n");
  EXPECT_EQ(r.status, 1) << r.out;
  std::istringstream in(r.out);
  std::string line;
  std::vector<nlohmann::json> js;
  while (std::getline(in, line)) js.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(js.size(), 5u);  // two checks, their two questions (one per check: no '# @q'), the summary
  EXPECT_EQ(js[0]["verdict"], "pass");
  EXPECT_EQ(js[0]["question"], "line 2");
  EXPECT_EQ(js[1]["verdict"], "unanswered");
  EXPECT_EQ(js[2]["kind"], "question");
  EXPECT_EQ(js[4]["summary"]["unanswered"], 1);
  EXPECT_EQ(js[4]["summary"]["max_score"], 2);
}

TEST(LabCli, ListShowsEveryBundledLabWithItsTitle) {
  CliRun r = run(std::string("lab list --dir ") + NSSIM_SOURCE_DIR + "/labs");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("01-proc-ns-identity"));
  EXPECT_THAT(r.out, HasSubstr("/proc/PID/ns and inode identity"));
  EXPECT_THAT(r.out, HasSubstr("07-time-namespaces"));
  EXPECT_THAT(r.out, HasSubstr("12-capstone-bwrap"));
  CliRun none = run("lab list --dir /nonexistent");
  EXPECT_EQ(none.status, 2);
}

// A student without root: lab check --real runs rootless, as trace does.
TEST(LabCli, RealWithoutRootRunsRootless) {
  if (std::string why = testing::unprivileged_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  if (std::string why = real::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string path = testing::test_temp_path("nssim_lab_", ".nss");
  std::ofstream(path) << "init: clone(CLONE_NEWNET) -> a\nlet N = a.net\nexpect N.refs == ?  # 1\n";
  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  CliRun r = testing::run_nssim_unprivileged("lab check --real " + path);
  EXPECT_EQ(r.status, 1) << r.out;  // one unanswered blank
  EXPECT_THAT(r.out, ::testing::HasSubstr("rootless"));
  EXPECT_THAT(r.out, ::testing::Not(::testing::HasSubstr("cannot run")));
}

// ---- the bundled labs ----------------------------------------------------------

std::vector<std::string> lab_dirs() {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(fs::path(NSSIM_SOURCE_DIR) / "labs"))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

fs::path lab_path(const std::string& lab, const char* file) { return fs::path(NSSIM_SOURCE_DIR) / "labs" / lab / file; }

TEST(Labs, TwelveEachWithHandoutScenarioSolutionAndTeacherKey) {
  auto labs = lab_dirs();
  EXPECT_GE(labs.size(), 12u);
  for (auto& l : labs) {
    EXPECT_TRUE(fs::exists(lab_path(l, "README.md"))) << l;
    EXPECT_TRUE(fs::exists(lab_path(l, "lab.nss"))) << l;
    EXPECT_TRUE(fs::exists(lab_path(l, "solution.nss"))) << l;
    // The key to the discussion questions, for the teacher only.
    EXPECT_TRUE(fs::exists(fs::path(NSSIM_SOURCE_DIR) / "labs" / l / "teacher" / "answers.md")) << l;
  }
}

// The code of a line: without its comment and with single spaces.
std::string code_of(const std::string& line) {
  std::string c;
  bool in_str = false;
  for (char ch : line) {
    if (ch == '"') in_str = !in_str;
    if (ch == '#' && !in_str) break;
    c += ch;
  }
  std::istringstream in(c);
  std::string w, out;
  while (in >> w) out += (out.empty() ? "" : " ") + w;
  return out;
}

// A lab file as a sequence of code lines and "your steps" blocks:
//   # ==== Task N: your steps go here ====  ...  # ==== end of task N ====
struct Piece {
  std::string code;              // a code line, or empty for a block
  std::string block;             // the block's task number
  std::vector<std::string> body; // the block's code lines
};
std::vector<Piece> pieces(const std::string& text) {
  static const std::regex begin(R"(^#\s*====\s*Task (\d+): your steps)"), end(R"(^#\s*====\s*end of task (\d+))");
  std::vector<Piece> out;
  std::istringstream in(text);
  std::string line;
  Piece* block = nullptr;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, begin)) {
      out.push_back(Piece{"", m[1], {}});
      block = &out.back();
      continue;
    }
    if (std::regex_search(line, m, end)) {
      block = nullptr;
      continue;
    }
    std::string c = code_of(line);
    if (c.empty()) continue;
    if (block) block->body.push_back(c);
    else out.push_back(Piece{c, "", {}});
  }
  return out;
}

// lab.nss with its blanks filled from solution.nss, its "predict the result"
// calls completed with the solution's '= RESULT', and its "your steps" blocks
// replaced by the solution's. Fails the test if the two files are out of step.
std::string fill_from_solution(const std::string& lab, const std::string& sol, std::string& problem) {
  auto L = pieces(lab), S = pieces(sol);
  if (L.size() != S.size()) {
    problem = "lab.nss has " + std::to_string(L.size()) + " statements/blocks, solution.nss " + std::to_string(S.size());
    return "";
  }
  std::string out;
  for (size_t i = 0; i < L.size(); ++i) {
    const Piece &l = L[i], &s = S[i];
    if (!l.block.empty() || !s.block.empty()) {
      if (l.block != s.block) {
        problem = "block " + l.block + " vs " + s.block;
        return "";
      }
      // The markers stay: a grader with a key finds the student's steps between them.
      out += "# ==== Task " + l.block + ": your steps go here ====\n";
      for (auto& c : s.body) out += c + "\n";
      out += "# ==== end of task " + l.block + " ====\n";
      continue;
    }
    if (l.code == s.code) {
      out += s.code + "\n";
      continue;
    }
    size_t q = l.code.find('?');
    bool blank_ok = q != std::string::npos && s.code.starts_with(l.code.substr(0, q)) &&
                    s.code.ends_with(l.code.substr(q + 1)) && s.code.size() > l.code.size() - 1;
    bool result_ok = s.code.starts_with(l.code + " = ") && s.code.find(' ', l.code.size() + 3) == std::string::npos;
    if (!blank_ok && !result_ok) {
      problem = "'" + l.code + "' does not match the solution's '" + s.code + "'";
      return "";
    }
    out += s.code + "\n";
  }
  return out;
}

std::set<int> blank_lines(const Scenario& sc) {
  std::set<int> out;
  for (auto& st : sc.statements)
    if (auto* e = std::get_if<ExpectStmt>(&st.s))
      if (e->expr.lhs.kind == Term::Blank || e->expr.rhs.kind == Term::Blank) out.insert(st.line);
  for (auto& st : sc.statements)
    if (auto* c = std::get_if<CallStmt>(&st.s); c && c->assert_result == "?") out.insert(st.line);
  return out;
}

class BundledLab : public ::testing::TestWithParam<std::string> {};

TEST_P(BundledLab, BlankVersionReportsEveryBlankAsUnansweredNotACrash) {
  std::string src = load(lab_path(GetParam(), "lab.nss"));
  ParseResult pr = parse_scenario(src, "lab.nss");
  ASSERT_TRUE(pr.ok()) << format_diagnostic("lab.nss", src, pr.errors.front());
  auto blanks = blank_lines(pr.scenario);
  EXPECT_GE(blanks.size(), 10u) << "a lab is mostly predictions";
  lab::Report r = lab::grade(pr.scenario, {});
  ASSERT_FALSE(r.run.error) << format_diagnostic("lab.nss", src, *r.run.error);
  std::set<int> unanswered;
  for (auto& it : r.items)
    if (it.verdict == Verdict::Unanswered) unanswered.insert(it.line);
  EXPECT_EQ(unanswered, blanks);
  EXPECT_EQ(r.unanswered, static_cast<int>(blanks.size()));
  // The only failures of a blank lab are the checks that wait for the
  // student's own steps (after the "your steps" block).
  size_t block = src.find("your steps go here");
  ASSERT_NE(block, std::string::npos) << "every lab has a task where the student writes the steps";
  int block_line = static_cast<int>(std::count(src.begin(), src.begin() + block, '\n')) + 1;
  for (auto& it : r.items) {
    if (it.verdict == Verdict::Fail) {
      EXPECT_GT(it.line, block_line) << it.text;
    }
  }
  EXPECT_FALSE(r.ok());
}

TEST_P(BundledLab, FillingTheBlanksWithTheSolutionsAnswersPasses) {
  std::string lab = load(lab_path(GetParam(), "lab.nss")), sol = load(lab_path(GetParam(), "solution.nss"));
  std::string problem;
  std::string filled = fill_from_solution(lab, sol, problem);
  ASSERT_EQ(problem, "");
  ParseResult pr = parse_scenario(filled, "filled.nss");
  ASSERT_TRUE(pr.ok()) << format_diagnostic("filled.nss", filled, pr.errors.front());
  lab::Report r = lab::grade(pr.scenario, {});
  ASSERT_FALSE(r.run.error) << format_diagnostic("filled.nss", filled, *r.run.error);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.unanswered, 0);
  EXPECT_TRUE(r.ok());
  // The solution itself grades the same, with nothing left blank.
  ParseResult ps = parse_scenario(sol, "solution.nss");
  ASSERT_TRUE(ps.ok());
  EXPECT_TRUE(blank_lines(ps.scenario).empty());
  lab::Report rs = lab::grade(ps.scenario, {});
  EXPECT_TRUE(rs.ok()) << lab::summary_line(rs);
  EXPECT_EQ(rs.passed, r.passed);
}

TEST_P(BundledLab, HasRefcountPredictionsAndAHandoutWithItsSections) {
  std::string lab = load(lab_path(GetParam(), "lab.nss"));
  EXPECT_TRUE(std::regex_search(lab, std::regex(R"(expect \S+\.(refs|count) == \?)")))
      << "every lab asks to predict a refcount or an nsproxy count";
  std::string readme = load(lab_path(GetParam(), "README.md"));
  EXPECT_TRUE(readme.starts_with("# Lab ")) << "the first line is the title";
  for (const char* section : {"## Learning goals", "## Background", "## How to work", "## Tasks", "## Questions"})
    EXPECT_THAT(readme, HasSubstr(section));
  EXPECT_THAT(readme, HasSubstr("Write it yourself"));
  EXPECT_THAT(readme, HasSubstr("nssim lab check --real labs/" + GetParam() + "/lab.nss"));
}

// Lab 12's task 0: the trace of bwrap that the handout asks students to read
// has no contradiction with the kernel, and shows what the key reproduces.
TEST(LabCapstone, BwrapTraceHasNoContradictionWithTheKernel) {
  if (std::string why = real::sandbox_exec_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  if (access("/usr/bin/bwrap", X_OK) != 0)
    GTEST_SKIP() << "bubblewrap is not installed (scripts/install-deps.sh installs it)";
  CliRun r = testing::run_nssim(
      "trace --no-events --no-table -- bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true </dev/null");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("contradictions with the kernel: 0"));
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION")));
  EXPECT_THAT(r.out, HasSubstr("program: exited with 0"));
  EXPECT_THAT(r.out, HasSubstr("clone(CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|"
                               "CLONE_NEWNET) -> p"));
  EXPECT_THAT(r.out, HasSubstr("/uid_map\", \"0 0 1\\n\")  = 0"));
  EXPECT_THAT(r.out, HasSubstr("capset(effective=0, permitted=0, inheritable=0)  = 0"));
}

// Every handout says how long the lab takes, on the line after its title.
TEST_P(BundledLab, HandoutSaysHowLongItTakes) {
  std::string readme = load(lab_path(GetParam(), "README.md"));
  EXPECT_TRUE(std::regex_search(readme, std::regex(R"(^# Lab [^\n]*\n\n\*About \d+ minutes)"))) << readme.substr(0, 200);
}

// Every kernel source a handout cites as `path:function() @ v6.18` is one
// docs/semantics.md cites (or one of the few verified for the labs).
TEST_P(BundledLab, CitesOnlyKnownKernelFunctions) {
  std::string readme = load(lab_path(GetParam(), "README.md"));
  std::string semantics = load(fs::path(NSSIM_SOURCE_DIR) / "docs" / "semantics.md");
  // Verified in the v6.18 sources for the labs, beyond docs/semantics.md.
  const std::set<std::string> verified = {"exec_task_namespaces", "proc_timens_set_offset", "switch_task_namespaces"};
  std::regex cite(R"(`([a-z0-9_/.-]+\.[ch]):(\w+)\(\) @ v6\.18`)");
  int n = 0;
  for (std::sregex_iterator it(readme.begin(), readme.end(), cite), e; it != e; ++it, ++n) {
    std::string fn = (*it)[2];
    EXPECT_TRUE(semantics.find(fn + "()") != std::string::npos || verified.count(fn))
        << (*it)[0] << " is cited nowhere in docs/semantics.md";
  }
  EXPECT_GE(n, 4) << "the background cites the kernel source";
}

TEST_P(BundledLab, SolutionPassesLabCheckOnTheLiveKernel) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string path = lab_path(GetParam(), "solution.nss").string();
  CliRun r = run("lab check --real " + path);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("0 failed, 0 unanswered; live kernel: 0 steps differ"));
}

std::string lab_name(const ::testing::TestParamInfo<std::string>& i) {
  std::string s = i.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// ---- questions, the key, refused cheats, LMS outputs ------------------------------

lab::Graded grade_text(const std::string& text, const std::string* key = nullptr, const std::string* templ = nullptr) {
  lab::Source sub{"sub.nss", text}, k{"key.nss", key ? *key : ""}, t{"lab.nss", templ ? *templ : ""};
  lab::SubmissionOptions o;
  if (key) o.key = &k;
  if (templ) o.templ = &t;
  return lab::grade_submission(sub, o);
}

const lab::Question& question(const lab::Graded& g, const std::string& id) {
  for (auto& q : g.questions)
    if (q.id == id) return q;
  ADD_FAILURE() << "no question " << id;
  static lab::Question none;
  return none;
}

std::string reasons_of(const lab::Graded& g, const lab::Question& q) {
  std::string s;
  for (auto& r : q.reasons) s += r + "\n";
  for (size_t i : q.items) s += g.report.items[i].refused + "\n";
  return s;
}

TEST(LabQuestions, ParsesIdsAndPointsAndRefusesAMalformedLine) {
  std::vector<Diagnostic> errs;
  auto qs = lab::parse_questions("# @q 3.2 (2 points)\nexpect x\n  #  @q 1 (1 point)  # why\n# @q bad\n# @q 3.2 (1 point)\n",
                                 errs);
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_EQ(qs[0].id, "3.2");
  EXPECT_EQ(qs[0].points, 2);
  EXPECT_EQ(qs[0].line, 1);
  EXPECT_EQ(qs[1].id, "1");
  EXPECT_EQ(qs[1].points, 1);
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].loc.line, 4);
  EXPECT_THAT(errs[0].hint, HasSubstr("# @q ID (N points)"));
  EXPECT_THAT(errs[1].message, HasSubstr("appears twice"));
}

TEST(LabQuestions, EveryQuestionAppearsWithItsStatusAndScore) {
  lab::Graded g = grade_text(
      "init: clone(0) -> a\n"
      "# @q 1 (2 points)\n"
      "expect a.nsproxy.count == 2\n"
      "expect a.nsproxy == init.nsproxy\n"
      "# @q 2 (1 point)\n"
      "expect a.nsproxy.count == 3\n"
      "# @q 3 (1 point)\n"
      "expect a.net == ?\n"
      "init: unshare(CLONE_NEWPID) = ?\n"
      "# @q 4 (5 points)\n");
  ASSERT_TRUE(g.error.empty()) << g.error;
  ASSERT_EQ(g.questions.size(), 4u);
  EXPECT_EQ(question(g, "1").status, lab::Question::Pass);
  EXPECT_EQ(question(g, "1").score, 2);
  EXPECT_EQ(question(g, "2").status, lab::Question::Fail);
  EXPECT_EQ(question(g, "3").status, lab::Question::Unanswered);
  EXPECT_EQ(question(g, "3").items.size(), 2u);  // '= ?' is a blank too
  EXPECT_EQ(question(g, "4").status, lab::Question::NotGraded);
  EXPECT_EQ(g.score, 2);
  EXPECT_EQ(g.max_score, 9);
  for (auto& it : g.report.items) EXPECT_GE(it.question, 0) << it.text;
}

TEST(LabQuestions, ACheckBeforeTheFirstQuestionIsAnErrorWithItsLine) {
  lab::Graded g = grade_text("init: clone(0) -> a\nexpect a.nsproxy.count == 2\n# @q 1 (1 point)\nexpect a.net == ?\n");
  EXPECT_THAT(g.error, HasSubstr("sub.nss:2:1: error: a check before the first question"));
  ASSERT_EQ(g.questions.size(), 1u);
  EXPECT_EQ(g.questions[0].status, lab::Question::NotGraded);
}

TEST(LabQuestions, AParseErrorLeavesEveryQuestionNotGradedWithTheReason) {
  lab::Graded g = grade_text("# @q 1 (1 point)\ninit: clone(CLONE_NEWFOO) -> a\n# @q 2 (1 point)\nexpect a.net == ?\n");
  EXPECT_THAT(g.error, HasSubstr("unknown flag 'CLONE_NEWFOO'"));
  ASSERT_EQ(g.questions.size(), 2u);
  for (auto& q : g.questions) {
    EXPECT_EQ(q.status, lab::Question::NotGraded);
    EXPECT_THAT(q.reasons, Contains(HasSubstr("parse error at sub.nss:2:")));
  }
}

TEST(LabQuestions, ARunErrorFailsItsQuestionAndTheLaterOnesAreStillGraded) {
  lab::Graded g = grade_text(
      "init: clone(0) -> a\n"
      "# @q 1 (1 point)\n"
      "a: setns(net, CLONE_NEWNET)\n"   // no fd named net: a run error
      "expect a.nsproxy.count == 2\n"
      "# @q 2 (1 point)\n"
      "expect zz.net == init.net\n"     // unknown name
      "# @q 3 (1 point)\n"
      "init: clone(0) -> b\n"
      "expect b.nsproxy.count == 3\n");
  ASSERT_TRUE(g.error.empty()) << g.error;
  EXPECT_EQ(question(g, "1").status, lab::Question::Fail);
  EXPECT_THAT(question(g, "1").reasons, Contains(HasSubstr("run error at line 3")));
  EXPECT_EQ(question(g, "2").status, lab::Question::Fail);
  EXPECT_THAT(question(g, "2").reasons, Contains(HasSubstr("unknown name 'zz'")));
  EXPECT_EQ(question(g, "3").status, lab::Question::Pass);
  ASSERT_EQ(g.run_errors.size(), 2u);
  EXPECT_THAT(g.run_errors[0], HasSubstr("sub.nss:3:"));
}

TEST(LabQuestions, AResultBlankIsUnansweredUntilFilled) {
  auto pr = parse("init: unshare(CLONE_NEWPID) = ?\n");
  lab::Report r = grade(pr);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].verdict, Verdict::Unanswered);
  EXPECT_EQ(r.items[0].value, "0");
  EXPECT_FALSE(r.ok());
}

// A bundled lab: its template (lab.nss), key (solution.nss), and the template
// filled with the key's answers (a perfect submission).
struct LabFiles {
  std::string templ, key, filled;
};
LabFiles lab_files(const std::string& lab) {
  LabFiles f{load(lab_path(lab, "lab.nss")), load(lab_path(lab, "solution.nss")), ""};
  std::string problem;
  f.filled = fill_from_solution(f.templ, f.key, problem);
  EXPECT_EQ(problem, "");
  return f;
}
std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST(LabGrade, Lab03FillingEveryBlankWithItsLeftSideAndDeletingTheTaskChecksScoresZero) {
  LabFiles f = lab_files("03-lifetime");
  std::string cheat = std::regex_replace(f.templ, std::regex(R"(expect (\S+) == \?)"), "expect $1 == $1");
  cheat = replace_once(cheat, "expect alive(P)\n", "");
  cheat = replace_once(cheat, "expect P.refs == 1\n", "");
  lab::Graded g = grade_text(cheat, &f.key, &f.templ);
  ASSERT_TRUE(g.error.empty()) << g.error;
  EXPECT_EQ(g.score, 0) << lab::graded_summary(g);
  EXPECT_THAT(reasons_of(g, question(g, "1.1")), HasSubstr("tautology"));
  EXPECT_EQ(question(g, "4").status, lab::Question::Fail);
  EXPECT_THAT(reasons_of(g, question(g, "4")), HasSubstr("a given line was deleted"));
  EXPECT_THAT(reasons_of(g, question(g, "4")), HasSubstr("expect P.refs == 1"));
}

TEST(LabGrade, APerfectSubmissionScoresFullAndEachCheatOnlyItsQuestion) {
  LabFiles f = lab_files("03-lifetime");
  lab::Graded full = grade_text(f.filled, &f.key, &f.templ);
  ASSERT_TRUE(full.error.empty()) << full.error;
  EXPECT_EQ(full.score, full.max_score) << lab::graded_summary(full);
  int max = full.max_score;
  // Tautology: one blank filled with its own left side.
  std::string taut = replace_once(f.filled, "expect C.refs == 0\n", "expect C.refs == C.refs\n");
  lab::Graded t = grade_text(taut, &f.key, &f.templ);
  EXPECT_EQ(question(t, "3.4").score, 0);
  EXPECT_THAT(reasons_of(t, question(t, "3.4")), HasSubstr("tautology"));
  EXPECT_EQ(t.score, max - 1);
  // An expression instead of a value.
  std::string expr = replace_once(f.filled, "expect C.refs == 0\n", "expect C.refs == M.refs\n");
  lab::Graded e = grade_text(expr, &f.key, &f.templ);
  EXPECT_EQ(question(e, "3.4").score, 0);
  EXPECT_THAT(reasons_of(e, question(e, "3.4")), HasSubstr("filled with an expression"));
  // A deleted given check.
  lab::Graded d = grade_text(replace_once(f.filled, "expect dead(N)\n", ""), &f.key, &f.templ);
  EXPECT_EQ(question(d, "1.8").score, 0);
  EXPECT_THAT(reasons_of(d, question(d, "1.8")), HasSubstr("a given line was deleted"));
  EXPECT_EQ(d.score, max - 1);
  // An edited given line: named with its line.
  lab::Graded ed = grade_text(replace_once(f.filled, "a: open(\"/proc/b/ns/net\") -> fd2\n",
                                           "a: open(\"/proc/a/ns/net\") -> fd2\n"),
                              &f.key, &f.templ);
  EXPECT_THAT(reasons_of(ed, question(ed, "1.2")), HasSubstr("a given line was edited"));
  EXPECT_THAT(reasons_of(ed, question(ed, "1.2")), MatchesRegex(R"((.|\n)*line [0-9]+: a given line was edited(.|\n)*)"));
  EXPECT_EQ(ed.score, max - 1);
  // An edited given result.
  lab::Graded er = grade_text(replace_once(f.filled, "init: umount(\"/run/netns/keep\") = 0", "init: umount(\"/run/netns/keep\") = EBUSY"),
                              &f.key, &f.templ);
  EXPECT_EQ(question(er, "3.1").score, 0);
  EXPECT_EQ(er.score, max - 1);
  // An extra statement outside the task blocks (it would free N early): refused, not run.
  lab::Graded x = grade_text(replace_once(f.filled, "b: exit(0)\n", "b: exit(0)\na: close(fd1)\n"), &f.key, &f.templ);
  EXPECT_EQ(x.score, max - 1);
  bool named = false;
  for (auto& q : x.questions)
    for (auto& r : q.reasons) named = named || r.find("added outside the task blocks: 'a: close(fd1)'") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(LabGrade, Lab01Task6IsGradedByTheKeysChecksEvenWhenTheSubmissionCommentsThemOut) {
  LabFiles f = lab_files("01-proc-ns-identity");
  // The block as handed out (checks commented) with a step that makes c in b's net namespace.
  std::string block = "# ==== Task 6: your steps go here ====\nb: clone(0) -> c\n# expect c.net != b.net\n# ==== end of task 6 ====\n";
  std::string sub = f.filled.substr(0, f.filled.find("# ==== Task 6")) + block;
  lab::Graded g = grade_text(sub, &f.key, &f.templ);
  ASSERT_TRUE(g.error.empty()) << g.error;
  EXPECT_EQ(question(g, "6").status, lab::Question::Fail);
  EXPECT_EQ(question(g, "6").score, 0);
  EXPECT_EQ(g.score, g.max_score - question(g, "6").points);
  // Untouched: no c at all; the key's checks still run (and fail), the rest is graded.
  std::string untouched = f.filled.substr(0, f.filled.find("# ==== Task 6")) +
                          "# ==== Task 6: your steps go here ====\n# ==== end of task 6 ====\n";
  lab::Graded u = grade_text(untouched, &f.key, &f.templ);
  EXPECT_EQ(question(u, "6").score, 0);
  EXPECT_EQ(u.score, u.max_score - question(u, "6").points);
}

TEST(LabGrade, Lab02Task6RefusesUnshareOfAnotherNamespace) {
  LabFiles f = lab_files("02-nsproxy");
  std::string block_start = "# ==== Task 6: your steps go here ====\n";
  size_t a = f.filled.find(block_start), b = f.filled.find("# ==== end of task 6");
  ASSERT_NE(a, std::string::npos);
  std::string ipc = f.filled.substr(0, a + block_start.size()) + "w: unshare(CLONE_NEWIPC)\n" + f.filled.substr(b);
  lab::Graded g = grade_text(ipc, &f.key, &f.templ);
  EXPECT_EQ(question(g, "6").score, 0);
  EXPECT_EQ(g.score, g.max_score - question(g, "6").points);
  lab::Graded ok = grade_text(f.filled, &f.key, &f.templ);
  EXPECT_EQ(question(ok, "6").status, lab::Question::Pass);
}

TEST(LabOutput, GradescopeJunitAndJsonLinesCarryIdsAndPointsAlsoOnAParseError) {
  LabFiles f = lab_files("03-lifetime");
  lab::Graded g = grade_text(f.templ, &f.key, &f.templ);
  lab::Graded bad = grade_text("init: clone(CLONE_NEWFOO) -> a\n", &f.key, &f.templ);
  for (const lab::Graded* x : {&g, &bad}) {
    nlohmann::json gs = nlohmann::json::parse(lab::gradescope_json({*x}, {}).dump());
    EXPECT_EQ(gs["score"], 0);
    ASSERT_EQ(gs["tests"].size(), x->questions.size());
    EXPECT_EQ(gs["tests"][0]["name"], "1.1");
    EXPECT_EQ(gs["tests"][0]["max_score"], 1);
    EXPECT_TRUE(gs["tests"][0]["output"].is_string());
    std::string xml = lab::junit_xml({*x}, {});
    EXPECT_TRUE(xml.starts_with("<?xml"));
    size_t cases = 0;
    for (size_t p = 0; (p = xml.find("<testcase ", p)) != std::string::npos; ++p) ++cases;
    EXPECT_EQ(cases, x->questions.size());
    EXPECT_THAT(xml, HasSubstr("name=\"4 (3 points)\""));
    auto js = lab::graded_json(*x, {});
    ASSERT_FALSE(js.empty());
    EXPECT_TRUE(js.back().contains("summary"));
    EXPECT_EQ(js.back()["summary"]["max_score"], x->max_score);
  }
  EXPECT_THAT(lab::junit_xml({bad}, {}), HasSubstr("<skipped"));
  EXPECT_FALSE(lab::graded_json(bad, {}).back()["summary"]["error"].is_null());
  // Every check carries its question and points.
  for (auto& j : lab::graded_json(g, {}))
    if (j.contains("kind") && (j["kind"] == "expect" || j["kind"] == "result")) {
      EXPECT_TRUE(j["question"].is_string()) << j.dump();
      EXPECT_TRUE(j["points"].is_number()) << j.dump();
    }
}

TEST(LabCli, GradeWithAKeyInEveryFormatAndExitCodes) {
  fs::path key = lab_path("03-lifetime", "solution.nss");
  CliRun t = run("lab grade --key " + key.string(), load(lab_path("03-lifetime", "lab.nss")));
  EXPECT_EQ(t.status, 1) << t.out;
  EXPECT_THAT(t.out, HasSubstr("score 0/"));
  EXPECT_THAT(t.out, HasSubstr("4 (3 points)  fail  0/3"));
  CliRun gs = run("lab grade --format gradescope --key " + key.string(), "init: clone(CLONE_NEWFOO) -> a\n");
  EXPECT_EQ(gs.status, 2) << gs.out;
  auto j = nlohmann::json::parse(gs.out.substr(0, gs.out.rfind('}') + 1));
  EXPECT_EQ(j["score"], 0);
  EXPECT_FALSE(j["tests"].empty());
  CliRun ju = run("lab check --format junit", "# @q a (2 points)\ninit: clone(0) -> a\nexpect a.nsproxy.count == 2\n");
  EXPECT_EQ(ju.status, 0) << ju.out;
  EXPECT_THAT(ju.out, HasSubstr("<testcase classname="));
  EXPECT_THAT(ju.out, HasSubstr("name=\"a (2 points)\"/>"));
  CliRun no_key = run("lab grade", "init: clone(0) -> a\n");
  EXPECT_EQ(no_key.status, 2);
}

TEST(LabCli, JsonEndsWithASummaryWhenTheLiveKernelCannotRun) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "unshare (util-linux) is missing";
  std::string path = testing::test_temp_path("nssim_lab_", ".nss");
  std::ofstream(path) << "# @q 1 (2 points)\ninit: clone(0) -> a\nexpect a.nsproxy.count == ?\n";
  CliRun r = testing::run_shell(
      "/usr/bin/unshare --user --map-root-user sh -c 'echo 0 > /proc/sys/user/max_net_namespaces && exec " +
      std::string(NSSIM_BINARY) + " lab check --real --json " + path + " 2>/dev/null'");
  EXPECT_EQ(r.status, 3) << r.out;
  std::istringstream in(r.out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  auto s = nlohmann::json::parse(last);
  ASSERT_TRUE(s.contains("summary")) << r.out;
  EXPECT_EQ(s["summary"]["max_score"], 2);
  EXPECT_EQ(s["summary"]["questions_not_graded"], 1);
  EXPECT_THAT(s["summary"]["error"].get<std::string>(), HasSubstr("--real cannot run"));
}

TEST(LabGrade, RefusalsNeverShowTheKeysAnswer) {
  // Every blank turned into another line: each is refused as an edit, and the
  // message shows the line as the lab gives it ('== ?'), not the key's value.
  LabFiles f = lab_files("03-lifetime");
  std::string cheat = std::regex_replace(f.templ, std::regex("== \\?"), "!= 0");
  lab::Graded g = grade_text(cheat, &f.key, &f.templ);
  std::string all;
  for (auto& q : g.questions) all += reasons_of(g, q);
  EXPECT_THAT(all, HasSubstr("the lab has 'expect N.refs == ?'"));
  EXPECT_FALSE(std::regex_search(all, std::regex("the lab has '[^']*== [0-9]"))) << all;
  // A deleted blank: the same.
  std::string deleted = replace_once(f.templ, "expect N.refs == ?\n", "");
  lab::Graded d = grade_text(deleted, &f.key, &f.templ);
  std::string dall;
  for (auto& q : d.questions) dall += reasons_of(d, q);
  EXPECT_THAT(dall, HasSubstr("was deleted"));
  EXPECT_FALSE(std::regex_search(dall, std::regex("deleted[^\n]*== [0-9]"))) << dall;
}

TEST(LabGrade, CrlfAndABomGradeAsTheSameText) {
  LabFiles f = lab_files("03-lifetime");
  std::string crlf = "\xEF\xBB\xBF" + std::regex_replace(f.key, std::regex("\n"), "\r\n");
  lab::Graded g = grade_text(crlf, &f.key, &f.templ);
  EXPECT_EQ(g.score, g.max_score) << lab::graded_summary(g);
}

TEST_P(BundledLab, UntouchedScoresZeroAndTheKeyAgainstItselfScoresFull) {
  LabFiles f = lab_files(GetParam());
  lab::Graded u = grade_text(f.templ, &f.key, &f.templ);
  ASSERT_TRUE(u.error.empty()) << u.error;
  EXPECT_EQ(u.score, 0) << lab::graded_summary(u);
  EXPECT_GE(u.questions.size(), 4u);  // lab 12: one task and three blanks
  lab::Graded k = grade_text(f.key, &f.key, &f.templ);
  EXPECT_EQ(k.score, k.max_score) << lab::graded_summary(k);
  lab::Graded filled = grade_text(f.filled, &f.key, nullptr);  // the template derived from the key
  EXPECT_EQ(filled.score, filled.max_score) << lab::graded_summary(filled);
  // The same ids, in the same order, in the template and the key.
  std::vector<Diagnostic> e1, e2;
  auto q1 = lab::parse_questions(f.templ, e1), q2 = lab::parse_questions(f.key, e2);
  EXPECT_TRUE(e1.empty() && e2.empty());
  ASSERT_EQ(q1.size(), q2.size());
  for (size_t i = 0; i < q1.size(); ++i) EXPECT_EQ(q1[i].id, q2[i].id);
}

TEST(LabExplain, ARefcountFailureNamesEachHolderAndEveryStepThatChangedIt) {
  lab::Graded g = grade_text(
      "# @q 1 (1 point)\n"
      "init: clone(CLONE_NEWNET) -> b\n"
      "let N = b.net\n"
      "init: clone(0) -> a\n"
      "a: open(\"/proc/b/ns/net\") -> fd1\n"
      "a: open(\"/proc/b/ns/net\") -> fd2\n"
      "expect N.refs == 3\n");
  ASSERT_EQ(g.report.items.size(), 1u);
  const lab::Item& it = g.report.items[0];
  EXPECT_EQ(it.verdict, Verdict::Fail);
  ASSERT_EQ(it.holders.size(), 2u);  // b's nsproxy slot and the nsfs inode
  EXPECT_THAT(it.holders, Contains(HasSubstr("nsproxy#")));
  ASSERT_GE(it.history.size(), 2u);
  EXPECT_THAT(it.history.front(), HasSubstr("line 2: init: clone(CLONE_NEWNET) -> b"));
  EXPECT_THAT(it.history.back(), HasSubstr("line 5: a: open(\"/proc/b/ns/net\") -> fd1"));
  std::string text;
  {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    lab::print_graded(f, g, {});
    std::fclose(f);
    text.assign(buf, len);
    std::free(buf);
  }
  EXPECT_THAT(text, HasSubstr("2 references held by: "));
  // Exams: no values, no holders; the check and where to look only.
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  lab::TextOptions exam;
  exam.no_reveal = true;
  lab::print_graded(f, g, exam);
  std::fclose(f);
  std::string hidden(buf, len);
  std::free(buf);
  EXPECT_THAT(hidden, Not(HasSubstr("held by")));
  EXPECT_THAT(hidden, Not(HasSubstr("N.refs = 2")));
  EXPECT_THAT(hidden, HasSubstr("decided by line 5"));
}

TEST(LabExplain, AnErrnoGetsTheKernelsReasonAndTheStudentsOwnFailingStepComesFirst) {
  lab::Graded g = grade_text(
      "# @q 1 (1 point)\n"
      "init: clone(CLONE_NEWNET) -> k\n"
      "init: mount(\"/proc/k/ns/net\", \"/run/netns/lab\", MS_BIND)\n"
      "init: open(\"/run/netns/lab\") -> fd\n"
      "init: umount(\"/run/netns/lab\") = 0\n"
      "# @q 2 (1 point)\n"
      "init: clone(0) -> s\n"
      "s: unshare(CLONE_NEWPID)\n"
      "s: unshare(CLONE_NEWPID)\n"   // EINVAL: the student's own mistake
      "s: clone(0) -> c\n"
      "expect c.pid == 2\n");  // wrong: c is pid 1
  const lab::Question& q1 = question(g, "1");
  ASSERT_EQ(q1.items.size(), 1u);
  EXPECT_THAT(g.report.items[q1.items[0]].why, HasSubstr("busy"));
  const lab::Question& q2 = question(g, "2");
  EXPECT_EQ(q2.status, lab::Question::Fail);
  ASSERT_FALSE(q2.reasons.empty());
  EXPECT_THAT(q2.reasons.front(), HasSubstr("line 9: the step 's: unshare(CLONE_NEWPID)' failed with EINVAL"));
}

TEST(LabCli, TraceHidesTheValueOfABlankUnlessAskedToReveal) {
  std::string src = "init: clone(0) -> a\nexpect a.nsproxy.count == ?\n";
  CliRun t = run("trace --no-events --no-table", src);
  EXPECT_THAT(t.out, HasSubstr("UNANSWERED"));
  EXPECT_THAT(t.out, Not(HasSubstr("the model's value")));
  CliRun r = run("trace --no-events --no-table --reveal", src);
  EXPECT_THAT(r.out, HasSubstr("the model's value: 2"));
}

INSTANTIATE_TEST_SUITE_P(Labs, BundledLab, ::testing::ValuesIn(lab_dirs()), lab_name);

}  // namespace
}  // namespace nssim
