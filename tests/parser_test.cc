// The scenario parser: every form of the language, and a located, explained
// error (line:column, the offending token, what was expected) for bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/scenario.h"

namespace nssim {
namespace {

using ::testing::HasSubstr;

Diagnostic first_error(const std::string& src) {
  auto r = parse_scenario(src, "t.nss");
  EXPECT_FALSE(r.ok()) << src;
  return r.ok() ? Diagnostic{} : r.errors.front();
}

TEST(Parser, AcceptsEveryFormOfTheIssue) {
  const char* src = R"(# comment
kernel 6.18                         # optional profile line
task init
init: clone(0) -> a                 # fork
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b
b: unshare(CLONE_NEWIPC)
a: open("/proc/b/ns/net") -> fd1
b: exit(0)
init: wait(b)
a: setns(fd1, CLONE_NEWNET)
a: close(fd1)
init: clone3(CLONE_NEWTIME) -> c
a: pidfd_open(init) -> pfd
a: sethostname("lab")
init: unshare(CLONE_NEWPID)
init: unshare(CLONE_NEWPID) = EINVAL
let N = b.net
expect a.net == N
expect a.uts != init.uts
expect a.nsproxy == init.nsproxy
expect a.nsproxy.count == 2
expect N.refs == 2
expect alive(N)
expect dead(N)
expect a.hostname == "lab"
expect b.pid@init == 3
expect a.net == ?
)";
  auto r = parse_scenario(src, "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_EQ(r.scenario.kernel, "6.18");
  EXPECT_EQ(r.scenario.statements.size(), 24u);
  auto& c = std::get<CallStmt>(r.scenario.statements[1].s);
  EXPECT_EQ(c.flags, CLONE_NEWUTS | CLONE_NEWNET);
  EXPECT_EQ(*c.out, "b");
  auto& o = std::get<CallStmt>(r.scenario.statements[3].s);
  EXPECT_EQ(o.path.task, "b");
  EXPECT_EQ(o.path.link, Link::Net);
  auto& u = std::get<CallStmt>(r.scenario.statements[12].s);
  EXPECT_EQ(*u.assert_result, "EINVAL");
}

TEST(Parser, UnknownFlagIsLocatedAndExplained) {
  auto d = first_error("init: clone(CLONE_NEWUTS|CLONE_NEWFOO) -> a");
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 26);
  EXPECT_THAT(d.message, HasSubstr("unknown flag 'CLONE_NEWFOO'"));
  EXPECT_THAT(d.hint, HasSubstr("CLONE_*"));
}

TEST(Parser, UnknownCallListsTheKnownOnes) {
  auto d = first_error("\n\ninit: fork() -> a");
  EXPECT_EQ(d.loc.line, 3);
  EXPECT_EQ(d.loc.col, 7);
  EXPECT_THAT(d.message, HasSubstr("unknown system call 'fork'"));
  EXPECT_THAT(d.hint, HasSubstr("clone"));
}

TEST(Parser, CloneNeedsANameForTheChild) {
  auto d = first_error("init: clone(0)");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME'"));
  EXPECT_EQ(d.loc.col, 15);
}

TEST(Parser, BadPathExplainsTheAcceptedShape) {
  auto d = first_error("a: open(\"/etc/passwd\") -> f");
  EXPECT_THAT(d.message, HasSubstr("unsupported path"));
  EXPECT_THAT(d.hint, HasSubstr("/proc/TASK/ns/LINK"));
  d = first_error("a: open(\"/proc/b/ns/network\") -> f");
  EXPECT_THAT(d.hint, HasSubstr("pid_for_children"));
}

TEST(Parser, UnknownErrnoAfterEquals) {
  auto d = first_error("init: unshare(CLONE_NEWPID) = EWHATEVER");
  EXPECT_THAT(d.message, HasSubstr("unknown errno 'EWHATEVER'"));
  EXPECT_EQ(d.loc.col, 31);
}

TEST(Parser, MissingOperatorInExpect) {
  auto d = first_error("expect a.net N");
  EXPECT_THAT(d.message, HasSubstr("expected '==' or '!='"));
  EXPECT_EQ(d.loc.col, 14);
}

TEST(Parser, UnterminatedString) {
  auto d = first_error("a: sethostname(\"lab)");
  EXPECT_THAT(d.message, HasSubstr("unterminated string"));
  EXPECT_EQ(d.loc.col, 16);
}

TEST(Parser, KernelAndTaskMustComeFirst) {
  EXPECT_THAT(first_error("init: clone(0) -> a\nkernel 6.18").message, HasSubstr("before the first call"));
  EXPECT_THAT(first_error("init: clone(0) -> a\ntask boss").message, HasSubstr("before the first call"));
  EXPECT_THAT(first_error("kernel 5.4").message, HasSubstr("unknown kernel profile"));
}

TEST(Parser, ReportsEveryBadLineNotOnlyTheFirst) {
  auto r = parse_scenario("init: nope() -> a\ninit: clone(0) -> b\nexpect x ==", "t.nss");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].loc.line, 1);
  EXPECT_EQ(r.errors[1].loc.line, 3);
}

TEST(Parser, ResultNameOnACallThatReturnsNothing) {
  auto d = first_error("a: unshare(0) -> x");
  EXPECT_THAT(d.message, HasSubstr("returns nothing to name"));
}

TEST(Parser, DiagnosticShowsTheLineAndACaret) {
  std::string src = "init: clone(CLONE_NEWFOO) -> a\n";
  auto r = parse_scenario(src, "lab.nss");
  std::string text = format_diagnostic("lab.nss", src, r.errors.front());
  EXPECT_THAT(text, HasSubstr("lab.nss:1:13: error: unknown flag 'CLONE_NEWFOO'"));
  EXPECT_THAT(text, HasSubstr("  init: clone(CLONE_NEWFOO) -> a\n              ^"));
  EXPECT_THAT(text, HasSubstr("hint: "));
}

}  // namespace
}  // namespace nssim
