// Hostile inputs (docs/conformance.md, "Hardening"): huge, long, deep and odd
// scenarios and files. Each gets a located diagnostic or a defined behaviour,
// never a crash, an abort or an escaping exception; the sanitizer build
// (make test-sanitize) runs these too. No timing assertions: speed targets
// live in bench/.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "sim/runner.h"
#include "sim/scenario.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

using namespace std::string_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Peak resident set of this process in bytes (ctest runs each test in its own process).
size_t peak_rss() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<size_t>(ru.ru_maxrss) * 1024;
}

// Runs a parsed scenario on the model; the summary.
RunSummary run_model(const Scenario& sc, bool trace = true) {
  Runner::Options opt;
  opt.trace = trace;
  opt.observe = trace;
  Runner r(sc, opt);
  return r.run([](const StepRecord&) {});
}

std::vector<StepRecord> records(const Scenario& sc) {
  std::vector<StepRecord> out;
  Runner r(sc, Runner::Options{});
  r.run([&](const StepRecord& s) { out.push_back(s); });
  return out;
}

const Diagnostic& only_error(const ParseResult& pr) {
  EXPECT_EQ(pr.errors.size(), 1u);
  return pr.errors.front();
}

// --- size --------------------------------------------------------------------

// Peak RSS a parsed line may cost: a Statement is ~640 bytes (CallStmt with its
// strings) plus the source text; measured ~700 bytes per line with g++ 12, ~1.1 KB
// under ASan (redzones, shadow). The bound catches a blow-up, not a regression of bytes.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kMaxBytesPerLine = 2048;
#else
constexpr size_t kMaxBytesPerLine = 1024;
#endif

// 10^6 lines: 250,000 children, each created in a new uts namespace, renamed,
// exited and reaped. Parses within kMaxBytesPerLine per line and runs to the end.
TEST(Hostile, MillionLineScenarioParsesAndRuns) {
  constexpr int kGroups = 250000;
  std::string src;
  src.reserve(kGroups * 80);
  for (int i = 0; i < kGroups; ++i)
    src += fmt::format("init: clone(CLONE_NEWUTS) -> c{0}\nc{0}: sethostname(\"h{0}\")\nc{0}: exit(0)\ninit: wait(c{0})\n", i);
  size_t before = peak_rss();
  ParseResult pr = parse_scenario(src, "million.nss");
  ASSERT_TRUE(pr.ok()) << format_diagnostic("million.nss", src, pr.errors.front());
  ASSERT_EQ(pr.scenario.statements.size(), 4u * kGroups);
  EXPECT_EQ(pr.scenario.statements.back().line, 4 * kGroups);
  size_t grown = peak_rss() - before;
  RecordProperty("parse_peak_rss_growth_bytes", std::to_string(grown));
  EXPECT_LT(grown, kMaxBytesPerLine * 4 * kGroups) << "parsing 10^6 lines grew the peak RSS by " << grown << " bytes";
  src.clear();
  src.shrink_to_fit();
  RunSummary sum = run_model(pr.scenario, /*trace=*/false);
  EXPECT_FALSE(sum.error) << sum.error->message;
  EXPECT_EQ(sum.calls, 4 * kGroups);
  EXPECT_EQ(sum.results_failed, 0);
}

// --- long names and strings ----------------------------------------------------

TEST(Hostile, OneMegabyteTaskNameIsJustAName) {
  std::string name(1 << 20, 'n');
  std::string src = fmt::format("init: clone(CLONE_NEWNET) -> {0}\nexpect {0}.net != init.net\n{0}: exit(3)\n"
                                "init: wait({0})\nexpect {0}.state == \"reaped\"\n",
                                name);
  ParseResult pr = parse_scenario(src);
  ASSERT_TRUE(pr.ok()) << pr.errors.front().message;
  EXPECT_EQ(std::get<CallStmt>(pr.scenario.statements[0].s).out, name);
  std::vector<StepRecord> recs = records(pr.scenario);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[1].verdict, Verdict::Pass) << recs[1].detail.substr(0, 200);
  EXPECT_TRUE(recs[2].outcome.ok);
}

TEST(Hostile, OneMegabyteUnknownNameIsALocatedRunError) {
  std::string name(1 << 20, 'x');
  ParseResult pr = parse_scenario(name + ": unshare(CLONE_NEWUTS)\n", "t.nss");
  ASSERT_TRUE(pr.ok());
  RunSummary sum = run_model(pr.scenario);
  ASSERT_TRUE(sum.error);
  EXPECT_EQ(sum.error->loc.line, 1);
  EXPECT_EQ(sum.error->loc.col, 1);
}

// Every statement that names an fd points its "not an fd name" run error at
// that name (the fuzzer found clone3's cgroup=FD reported at 0:0).
TEST(Hostile, UnknownFdNameIsLocatedAtTheName) {
  struct Case {
    std::string stmt;
    std::string name;
  };
  for (const Case& t : std::vector<Case>{{"init: clone3(CLONE_INTO_CGROUP, cgroup=nofd) -> c", "nofd"},
                                         {"init: setns(nofd, 0)", "nofd"},
                                         {"init: ioctl(nofd, NS_GET_NSTYPE)", "nofd"}}) {
    ParseResult pr = parse_scenario(t.stmt + "\n", "t.nss");
    ASSERT_TRUE(pr.ok()) << t.stmt << ": " << pr.errors.front().message;
    RunSummary sum = run_model(pr.scenario);
    ASSERT_TRUE(sum.error) << t.stmt;
    EXPECT_EQ(sum.error->loc.line, 1) << t.stmt;
    EXPECT_EQ(sum.error->loc.col, static_cast<int>(t.stmt.find(t.name)) + 1) << t.stmt << ": " << sum.error->message;
  }
}

// sethostname: the kernel refuses more than __NEW_UTS_LEN (64) bytes with EINVAL.
TEST(Hostile, SixtyFourKilobyteHostnameIsEinval) {
  std::string big(64 * 1024, 'h');
  std::string src = fmt::format(
      "init: clone(CLONE_NEWUTS) -> a\n"
      "a: sethostname(\"{}\") = EINVAL\n"
      "a: sethostname(\"{}\") = EINVAL\n"
      "a: sethostname(\"{}\") = 0\n"
      "expect a.hostname == \"{}\"\n",
      big, std::string(65, 'h'), std::string(64, 'h'), std::string(64, 'h'));
  ParseResult pr = parse_scenario(src);
  ASSERT_TRUE(pr.ok()) << pr.errors.front().message;
  RunSummary sum = run_model(pr.scenario);
  EXPECT_FALSE(sum.error);
  EXPECT_EQ(sum.results_failed, 0);
  EXPECT_EQ(sum.expects_passed, 1);
  EXPECT_EQ(sum.expects_failed, 0);
}

TEST(Hostile, OneMegabyteStringInAnExpectation) {
  std::string big(1 << 20, 's');
  ParseResult pr = parse_scenario(fmt::format("expect init.hostname == \"{}\"\n", big));
  ASSERT_TRUE(pr.ok());
  RunSummary sum = run_model(pr.scenario);
  EXPECT_EQ(sum.expects_failed, 1);  // the hostname is "(none)"
}

TEST(Hostile, OneMegabyteLineOfGarbageIsOneDiagnostic) {
  std::string src = "init: clone(0) -> a " + std::string(1 << 20, '!') + "\n";
  ParseResult pr = parse_scenario(src, "t.nss");
  const Diagnostic& d = only_error(pr);
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 21);
  EXPECT_THAT(format_diagnostic("t.nss", src, d), StartsWith("t.nss:1:21: error: "));
}

// --- numbers at the edges ------------------------------------------------------

TEST(Hostile, NumbersAtTheEdgesOfTheirRange) {
  // Expectation values and results are int64_t: the most negative one is a number
  // like any other (negating it as an int64_t would overflow), one more is out of range.
  ParseResult ok = parse_scenario("init: clone(0) -> a\na: exit(-2147483648)\n"
                                  "expect a.pid != -9223372036854775808\n"
                                  "expect a.pid != 9223372036854775807\n"
                                  "expect a.pid != -0x8000000000000000\n"
                                  "init: wait(a) = -9223372036854775808\n");
  ASSERT_TRUE(ok.ok()) << ok.errors.front().message;
  RunSummary sum = run_model(ok.scenario);
  EXPECT_EQ(sum.expects_passed, 3);
  EXPECT_EQ(sum.results_failed, 1);  // wait(a) = 0
  for (const char* bad : {"expect init.pid == -9223372036854775809\n", "expect init.pid == 9223372036854775808\n",
                          "expect init.pid == -99999999999999999999\n", "init: exit(0) = -9223372036854775809\n",
                          "init: exit(2147483648)\n", "init: exit(99999999999999999999)\n",
                          "init: setuid(4294967295)\n", "init: unshare(0x10000000000000000)\n"}) {
    ParseResult pr = parse_scenario(bad, "t.nss");
    ASSERT_EQ(pr.errors.size(), 1u) << bad;
    EXPECT_EQ(pr.errors[0].loc.line, 1) << bad;
    EXPECT_THAT(pr.errors[0].message, HasSubstr("out of range")) << bad;
    EXPECT_FALSE(pr.errors[0].hint.empty()) << bad;
  }
}

// --- deep and odd input --------------------------------------------------------

TEST(Hostile, HundredThousandOpenParensAreOneDiagnostic) {
  std::string parens(100000, '(');
  ParseResult alone = parse_scenario(parens, "t.nss");
  const Diagnostic& d = only_error(alone);
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 1);
  EXPECT_FALSE(d.hint.empty() && d.message.empty());

  ParseResult in_call = parse_scenario("init: clone" + parens + "\n", "t.nss");
  const Diagnostic& e = only_error(in_call);
  EXPECT_EQ(e.loc.col, 13);  // the second '(': clone flags expected
  EXPECT_THAT(e.message, HasSubstr("expected clone flags"));
  EXPECT_FALSE(e.hint.empty());

  ParseResult in_expect = parse_scenario("expect alive" + parens + "\n", "t.nss");
  EXPECT_EQ(only_error(in_expect).loc.col, 14);
}

TEST(Hostile, NulBytesAreUnexpectedCharacters) {
  std::string src = "init: clone(0) -> a\na\0: exit(0)\n\0\n"s;
  ParseResult pr = parse_scenario(src, "t.nss");
  ASSERT_EQ(pr.errors.size(), 2u);
  EXPECT_EQ(pr.errors[0].loc.line, 2);
  EXPECT_EQ(pr.errors[0].loc.col, 2);
  // Shown as \xNN: diagnostics stay printable (and valid UTF-8 for --json).
  EXPECT_EQ(pr.errors[0].message, "unexpected character '\\x00'");
  EXPECT_EQ(pr.errors[1].loc.line, 3);
  EXPECT_EQ(pr.errors[1].loc.col, 1);
  for (auto& d : pr.errors) EXPECT_THAT(format_diagnostic("t.nss", src, d), StartsWith("t.nss:"));
  // Inside a string, a NUL is a byte of the hostname: 3 bytes, accepted.
  ParseResult s = parse_scenario("init: clone(CLONE_NEWUTS) -> a\na: sethostname(\"x\0y\") = 0\n"s);
  ASSERT_TRUE(s.ok()) << s.errors.front().message;
  EXPECT_EQ(std::get<CallStmt>(s.scenario.statements[1].s).str, std::string("x\0y", 3));
  EXPECT_EQ(run_model(s.scenario).results_failed, 0);
}

TEST(Hostile, InvalidUtf8OutsideStringsIsAnUnexpectedCharacter) {
  ParseResult pr = parse_scenario("init: clone(0) -> \xff\xfe\n\xc3\x28: exit(0)\n", "t.nss");
  ASSERT_EQ(pr.errors.size(), 2u);
  EXPECT_EQ(pr.errors[0].loc.line, 1);
  EXPECT_EQ(pr.errors[0].loc.col, 19);
  EXPECT_EQ(pr.errors[0].message, "unexpected character '\\xff'");
  EXPECT_EQ(pr.errors[1].loc.line, 2);
  EXPECT_EQ(pr.errors[1].loc.col, 1);
  EXPECT_EQ(pr.errors[1].message, "unexpected character '\\xc3'");
  // Inside a string the bytes are kept as written (the kernel takes any bytes).
  ParseResult s = parse_scenario("init: clone(CLONE_NEWUTS) -> a\na: sethostname(\"\xff\xc3\x28\") = 0\n"
                                 "expect a.hostname == \"\xff\xc3\x28\"\n");
  ASSERT_TRUE(s.ok()) << s.errors.front().message;
  RunSummary sum = run_model(s.scenario);
  EXPECT_EQ(sum.results_failed, 0);
  EXPECT_EQ(sum.expects_passed, 1);
}

TEST(Hostile, CrlfLineEndingsParseLikeLf) {
  const std::string lf =
      "# comment\ntask init\ninit: clone(CLONE_NEWNET) -> b  # child\nlet N = b.net\n"
      "b: sethostname(\"x\") = 0\nexpect N.refs == 1\nexpect alive(N)\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  ParseResult a = parse_scenario(lf), b = parse_scenario(crlf);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok()) << b.errors.front().message;
  ASSERT_EQ(a.scenario.statements.size(), b.scenario.statements.size());
  for (size_t i = 0; i < a.scenario.statements.size(); ++i) {
    EXPECT_EQ(a.scenario.statements[i].line, b.scenario.statements[i].line);
    if (auto* ca = std::get_if<CallStmt>(&a.scenario.statements[i].s)) {
      auto& cb = std::get<CallStmt>(b.scenario.statements[i].s);
      EXPECT_EQ(ca->text, cb.text);
      EXPECT_EQ(ca->assert_result, cb.assert_result);
      EXPECT_EQ(ca->str, cb.str);
    }
    if (auto* ea = std::get_if<ExpectStmt>(&a.scenario.statements[i].s)) {
      EXPECT_EQ(ea->text, std::get<ExpectStmt>(b.scenario.statements[i].s).text);
    }
  }
  RunSummary sa = run_model(a.scenario), sb = run_model(b.scenario);
  EXPECT_EQ(sa.expects_passed, 2);
  EXPECT_EQ(sb.expects_passed, 2);
  EXPECT_EQ(sa.results_failed, 0);
  EXPECT_EQ(sb.results_failed, 0);
  // A diagnostic on a CRLF line points at the same column as on an LF line.
  ParseResult bad = parse_scenario("init: clone(CLONE_NEWFOO) -> a\r\n", "t.nss");
  EXPECT_EQ(only_error(bad).loc.col, 13);
}

TEST(Hostile, EmptyInputIsAnEmptyScenario) {
  for (const char* src : {"", "\n", "\n\n\n", "   \t\r\n# only a comment"}) {
    ParseResult pr = parse_scenario(src);
    ASSERT_TRUE(pr.ok()) << '"' << src << '"';
    EXPECT_TRUE(pr.scenario.statements.empty());
    RunSummary sum = run_model(pr.scenario);
    EXPECT_FALSE(sum.error);
    EXPECT_EQ(sum.steps, 0);
  }
}

TEST(Hostile, NoTrailingNewline) {
  ParseResult pr = parse_scenario("init: clone(0) -> a\nexpect a.nsproxy == init.nsproxy");
  ASSERT_TRUE(pr.ok());
  ASSERT_EQ(pr.scenario.statements.size(), 2u);
  EXPECT_EQ(pr.scenario.statements[1].line, 2);
  EXPECT_EQ(run_model(pr.scenario).expects_passed, 1);
  // An error on the unterminated last line is located and shown with its caret.
  std::string src = "init: clone(0) -> a\na: exit(x)";
  ParseResult bad = parse_scenario(src, "t.nss");
  const Diagnostic& d = only_error(bad);
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.col, 9);
  EXPECT_THAT(format_diagnostic("t.nss", src, d), HasSubstr("  a: exit(x)\n          ^\n"));
}

TEST(Hostile, UnterminatedStringAtEndOfFile) {
  ParseResult pr = parse_scenario("init: sethostname(\"abc", "t.nss");
  const Diagnostic& d = only_error(pr);
  EXPECT_EQ(d.loc.col, 19);
  EXPECT_THAT(d.message, HasSubstr("unterminated string"));
  ParseResult esc = parse_scenario("init: sethostname(\"abc\\", "t.nss");
  EXPECT_THAT(only_error(esc).message, HasSubstr("unterminated string"));
}

TEST(Hostile, DiagnosticsBeyondTheSourceAreFormattedSafely) {
  // format_diagnostic gets a location the source does not have (a caller's bug):
  // the header line, no source excerpt, no out-of-range read.
  Diagnostic d{Loc{7, 1000}, "m", "h"};
  EXPECT_EQ(format_diagnostic("t.nss", "one line\n", d), "t.nss:7:1000: error: m\nhint: h\n");
  Diagnostic z{Loc{0, 0}, "m", ""};
  EXPECT_EQ(format_diagnostic("t.nss", "", z), "t.nss:0:0: error: m\n");
}

// --- the CLI on files that are not scenarios -----------------------------------

using testing::CliRun;
using testing::run_nssim;

std::string temp_path(const std::string& suffix) { return testing::test_temp_path("nssim_hostile_", suffix); }

TEST(HostileCli, TraceOfADirectoryExitsTwo) {
  std::string dir = temp_path(".d");
  std::filesystem::create_directories(dir);
  for (const char* cmd : {"trace", "import", "graph"}) {
    CliRun r = run_nssim(fmt::format("{} {}", cmd, dir));
    EXPECT_EQ(r.status, 2) << cmd << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr(fmt::format("cannot read '{}': Is a directory", dir))) << cmd;
  }
  std::filesystem::remove(dir);
}

TEST(HostileCli, TraceOfAMissingFileExitsTwo) {
  std::string missing = temp_path(".missing/x.nss");
  CliRun r = run_nssim("trace " + missing);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("cannot read '{}': No such file or directory", missing)));
}

TEST(HostileCli, TraceOfAnEmptyFileRunsNothing) {
  std::string f = temp_path(".nss");
  std::ofstream(f).flush();
  CliRun r = run_nssim("trace --no-table " + f);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("summary: 0 steps"));
  std::filesystem::remove(f);
}

TEST(HostileCli, BinaryGarbageIsDiagnosedWithLocations) {
  std::string f = temp_path(".nss");
  std::ofstream(f, std::ios::binary) << std::string("\x7f" "ELF\x02\x01\x01\0\0\0\n\xff\xfe\n", 14);
  CliRun r = run_nssim("trace " + f);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr(f + ":1:1: error: unexpected character"));
  EXPECT_THAT(r.out, HasSubstr(f + ":2:1: error: unexpected character"));
  EXPECT_THAT(r.out, Not(HasSubstr("terminate")));
  std::filesystem::remove(f);
}

// Hostnames (and comms) are bytes, not UTF-8. JSON output replaces what is not
// valid UTF-8 with U+FFFD instead of dying on nlohmann's type_error 316.
std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream is(out);
  for (std::string l; std::getline(is, l);)
    if (!l.empty() && l[0] == '{') v.push_back(nlohmann::json::parse(l));
  return v;
}

TEST(HostileCli, TraceJsonWithANonUtf8Hostname) {
  std::string f = temp_path(".nss");
  std::ofstream(f, std::ios::binary) << "init: clone(CLONE_NEWUTS) -> a\na: sethostname(\"h\xff\xfe\") = 0\n";
  CliRun r = run_nssim("trace --json " + f);
  EXPECT_EQ(r.status, 0) << r.out;
  std::vector<nlohmann::json> lines;
  ASSERT_NO_THROW(lines = json_lines(r.out)) << r.out;
  ASSERT_EQ(lines.size(), 3u);  // two steps and the summary
  EXPECT_THAT(lines[1].dump(), HasSubstr("h\xef\xbf\xbd\xef\xbf\xbd"));  // "h" U+FFFD U+FFFD
  std::filesystem::remove(f);
}

TEST(HostileCli, LabJsonWithANonUtf8Hostname) {
  std::ifstream in(std::string(NSSIM_SOURCE_DIR) + "/labs/01-proc-ns-identity/lab.nss");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string lab = ss.str();
  const std::string from = "b: sethostname(\"lab\")";
  size_t p = lab.find(from);
  ASSERT_NE(p, std::string::npos);
  lab.replace(p, from.size(), "b: sethostname(\"l\xff\")");
  std::string f = temp_path(".nss");
  std::ofstream(f, std::ios::binary) << lab;
  CliRun r = run_nssim("lab check --json " + f);
  EXPECT_NE(r.status, 134) << r.out;  // graded (failures and blanks exit 1), not aborted
  EXPECT_THAT(r.out, Not(HasSubstr("terminate called")));
  ASSERT_NO_THROW(json_lines(r.out)) << r.out;
  std::filesystem::remove(f);
}

// A process on the machine with a comm that is not UTF-8 (prctl(PR_SET_NAME)).
TEST(HostileCli, SnapshotJsonWithANonUtf8Comm) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, "bad\xff\xfe" "comm", 0, 0, 0);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  CliRun r = run_nssim("snapshot --json --no-bpf");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  EXPECT_EQ(r.status, 0) << r.out.substr(0, 2000);
  EXPECT_THAT(r.out, Not(HasSubstr("terminate called")));
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out.substr(r.out.find('{')))) << r.out.substr(0, 2000);
  EXPECT_THAT(j.dump(), HasSubstr("bad\xef\xbf\xbd\xef\xbf\xbd" "comm"));
}

}  // namespace
}  // namespace nssim
