// The scenario parser: every form of the language, and a located, explained
// error (line:column, the offending token, what was expected) for bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/objects.h"
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

TEST(Parser, SocketFamiliesAndSiocgskns) {
  auto r = parse_scenario("a: socket(AF_NETLINK) -> s\na: socket(AF_LOCAL) -> u\na: ioctl(s, SIOCGSKNS) -> n\n", "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& s0 = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(s0.kind, CallKind::Socket);
  EXPECT_EQ(s0.code, kAfNetlink);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).code, kAfUnix);
  auto& io = std::get<CallStmt>(r.scenario.statements[2].s);
  EXPECT_EQ(io.ioctl, IoctlCmd::SiocGskns);
  EXPECT_EQ(*io.out, "n");
  auto d = first_error("a: socket(AF_PACKET) -> s");
  EXPECT_EQ(d.loc.col, 11);
  EXPECT_THAT(d.message, HasSubstr("unsupported address family 'AF_PACKET'"));
  EXPECT_THAT(d.hint, HasSubstr("AF_NETLINK"));
  d = first_error("a: socket(AF_UNIX)");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the new socket"));
  d = first_error("a: socket(AF_UNIX) -> s\na: ioctl(s, SIOCGSKNS)");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the new fd"));
}

TEST(Parser, SocketpairNamesTwoFdsAndSendRecvPassOne) {
  auto r = parse_scenario(
      "a: socketpair(AF_UNIX) -> s1, s2\na: send(s1, f)\nb: recv(s2, MSG_CMSG_CLOEXEC) -> g\nb: recv(s2) -> h = EOF\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& sp = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(sp.kind, CallKind::Socketpair);
  EXPECT_EQ(sp.code, kAfUnix);
  EXPECT_EQ(*sp.out, "s1");
  EXPECT_EQ(*sp.out2, "s2");
  EXPECT_EQ(sp.out2_loc.col, 31);
  auto& sd = std::get<CallStmt>(r.scenario.statements[1].s);
  EXPECT_EQ(sd.kind, CallKind::Send);
  EXPECT_EQ(sd.fd, "s1");
  EXPECT_EQ(sd.fd2, "f");
  EXPECT_EQ(sd.fd2_loc.col, 13);
  EXPECT_FALSE(sd.out);
  auto& rv = std::get<CallStmt>(r.scenario.statements[2].s);
  EXPECT_EQ(rv.kind, CallKind::Recv);
  EXPECT_EQ(rv.flags, kMsgCmsgCloexec);
  EXPECT_EQ(*rv.out, "g");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[3].s).flags, 0u);
  EXPECT_EQ(*std::get<CallStmt>(r.scenario.statements[3].s).assert_result, "EOF");
}

// CLONE_PIDFD: the clone names its pidfd too (-> CHILD, PIDFD); without the
// flag a second name is an error.
TEST(Parser, ClonePidfdNamesTwoResults) {
  auto r = parse_scenario("init: clone3(CLONE_PIDFD|CLONE_NEWPID) -> c, pfd\n");
  ASSERT_TRUE(r.ok());
  const auto& c = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(*c.out, "c");
  EXPECT_EQ(*c.out2, "pfd");
  auto d = first_error("init: clone(CLONE_PIDFD) -> c");
  EXPECT_EQ(d.loc.col, 30);
  EXPECT_THAT(d.message, HasSubstr("expected ', NAME' to name the pidfd CLONE_PIDFD makes"));
  EXPECT_THAT(d.hint, HasSubstr("clone3(CLONE_PIDFD|CLONE_NEWPID) -> c, pfd"));
  d = first_error("init: clone(CLONE_PIDFD) -> c, c");
  EXPECT_THAT(d.message, HasSubstr("'c' names both the task and its pidfd"));
  d = first_error("init: clone(0) -> c, pfd");
  EXPECT_EQ(d.loc.col, 20);
  EXPECT_THAT(d.message, HasSubstr("clone() returns one name, not two"));
}

TEST(Parser, CgroupStatements) {
  auto r = parse_scenario(
      "init: mkdir(\"/sys/fs/cgroup/a/x-1\")\ninit: open(\"/sys/fs/cgroup\") -> cg\n"
      "init: clone3(CLONE_INTO_CGROUP|CLONE_PIDFD, cgroup=cg, set_tid=[7]) -> c, pfd\n");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  const auto& m = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(m.kind, CallKind::Mkdir);
  EXPECT_EQ(m.path.cgroup(), "a/x-1");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).path.kind, NsPath::Cgroup);
  const auto& c = std::get<CallStmt>(r.scenario.statements[2].s);
  EXPECT_EQ(c.cgroup_fd, "cg");
  EXPECT_EQ(c.set_tid, (std::vector<int32_t>{7}));
  EXPECT_TRUE(uses_cgroups(r.scenario));
  auto d = first_error("init: clone3(0, cgroup=cg) -> c");
  EXPECT_THAT(d.message, HasSubstr("cgroup=FD without CLONE_INTO_CGROUP"));
  d = first_error("init: rmdir(\"/sys/fs/cgroup\")");
  EXPECT_THAT(d.message, HasSubstr("rmdir() of the run's root cgroup"));
  d = first_error("init: mkdir(\"/sys/fs/cgroup/a/../b\")");
  EXPECT_EQ(d.loc.col, 13);
  EXPECT_THAT(d.message, HasSubstr("unsupported path"));
  d = first_error("init: mkdir(\"/srv/a\")");
  EXPECT_THAT(d.hint, HasSubstr("/sys/fs/cgroup/NAME"));
  d = first_error("init: clone3(CLONE_INTO_CGROUP, cgroup=a, cgroup=b) -> c");
  EXPECT_THAT(d.message, HasSubstr("expected set_tid=[...]"));
}

TEST(Parser, Clone3SetTid) {
  auto r = parse_scenario("init: clone3(CLONE_NEWPID, set_tid=[1, 4242]) -> c\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[0].s).set_tid, (std::vector<int32_t>{1, 4242}));
  auto d = first_error("init: clone3(0, tid=[1]) -> c");
  EXPECT_EQ(d.loc.col, 17);
  EXPECT_THAT(d.message, HasSubstr("expected set_tid=[...]"));
  d = first_error("init: clone3(0, set_tid=[]) -> c");
  EXPECT_THAT(d.message, HasSubstr("set_tid=[] names no pid"));
  d = first_error("init: clone3(0, set_tid=[1 2]) -> c");
  EXPECT_THAT(d.message, HasSubstr("',' between pids, or ']'"));
  d = first_error("init: clone(0, set_tid=[1]) -> c");
  EXPECT_EQ(d.loc.col, 14);
}

TEST(Parser, SocketpairAndSendRecvDiagnostics) {
  auto d = first_error("a: socketpair(AF_UNIX) -> s1");
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 29);  // the end of the line, where ', NAME' belongs
  EXPECT_THAT(d.message, HasSubstr("expected ', NAME' to name the second socket"));
  EXPECT_THAT(d.hint, HasSubstr("socketpair(AF_UNIX) -> s1, s2"));
  d = first_error("a: socketpair(AF_INET) -> s1, s2");
  EXPECT_EQ(d.loc.col, 15);
  EXPECT_THAT(d.message, HasSubstr("unsupported address family 'AF_INET' for socketpair"));
  d = first_error("a: socketpair(AF_UNIX) -> s, s");
  EXPECT_EQ(d.loc.col, 30);
  EXPECT_THAT(d.message, HasSubstr("'s' names both sockets"));
  d = first_error("a: socketpair(AF_UNIX)");
  EXPECT_THAT(d.message, HasSubstr("'-> NAME1, NAME2'"));
  d = first_error("a: recv(s) -> f, g");
  EXPECT_EQ(d.loc.col, 16);
  EXPECT_THAT(d.message, HasSubstr("recv() returns one name, not two"));
  EXPECT_THAT(d.hint, HasSubstr("only socketpair()"));
  d = first_error("a: send(s, f) -> g");
  EXPECT_THAT(d.message, HasSubstr("send() returns nothing to name"));
  d = first_error("a: send(s)");
  EXPECT_EQ(d.loc.col, 10);
  EXPECT_THAT(d.message, HasSubstr("',' then the fd to pass"));
  d = first_error("a: recv(s, MSG_PEEK) -> f");
  EXPECT_EQ(d.loc.col, 12);
  EXPECT_THAT(d.message, HasSubstr("unsupported recv flags 'MSG_PEEK'"));
  EXPECT_THAT(d.hint, HasSubstr("MSG_CMSG_CLOEXEC"));
  d = first_error("a: recv(s)");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the received fd"));
  std::string src = "init: socketpair(AF_UNIX) -> a\n";
  auto r = parse_scenario(src, "pair.nss");
  std::string text = format_diagnostic("pair.nss", src, r.errors.front());
  EXPECT_THAT(text, HasSubstr("pair.nss:1:31: error: unexpected end of line, expected ', NAME' to name the second socket"));
  EXPECT_THAT(text, HasSubstr("hint: socketpair() makes two fds"));
  d = first_error("a: send(s, f) = EOF");
  EXPECT_THAT(d.message, HasSubstr("unknown errno 'EOF'"));  // only recv has an end of file
}

TEST(Parser, CapsetPrctlCapsAndSetgroups) {
  auto r = parse_scenario(
      "a: capset(effective-=CAP_SYS_ADMIN)\n"
      "a: capset(effective=CAP_NET_ADMIN|CAP_SYS_ADMIN, permitted=ALL, inheritable=0)\n"
      "a: capset(inheritable+=CAP_SETUID)\n"
      "a: prctl(PR_SET_KEEPCAPS, 1)\n"
      "a: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = 0\n"
      "a: prctl(PR_CAPBSET_DROP, 99) = EINVAL\n"
      "a: setgroups()\n"
      "a: setgroups(0, 100)\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto call = [&](size_t i) -> const CallStmt& { return std::get<CallStmt>(r.scenario.statements[i].s); };
  EXPECT_EQ(call(0).kind, CallKind::Capset);
  EXPECT_EQ(call(0).caps[kCapEffective], (CapChange{CapChange::Remove, 1ULL << 21}));
  EXPECT_EQ(call(0).caps[kCapPermitted].op, CapChange::Keep);
  EXPECT_EQ(call(1).caps[kCapEffective], (CapChange{CapChange::Set, (1ULL << 12) | (1ULL << 21)}));
  EXPECT_EQ(call(1).caps[kCapPermitted], (CapChange{CapChange::Set, CAP_FULL_SET}));
  EXPECT_EQ(call(1).caps[kCapInheritable], (CapChange{CapChange::Set, 0}));
  EXPECT_EQ(call(2).caps[kCapInheritable], (CapChange{CapChange::Add, 1ULL << 7}));
  EXPECT_EQ(call(3).kind, CallKind::PrctlKeepcaps);
  EXPECT_EQ(call(3).code, 1);
  EXPECT_EQ(call(4).kind, CallKind::PrctlCapbsetDrop);
  EXPECT_EQ(call(4).cap, 21);
  EXPECT_EQ(call(5).cap, 99);
  EXPECT_EQ(call(6).kind, CallKind::Setgroups);
  EXPECT_TRUE(call(6).groups.empty());
  EXPECT_EQ(call(7).groups, (std::vector<uint32_t>{0, 100}));
  EXPECT_EQ(call(0).text, "capset(effective-=CAP_SYS_ADMIN)");
  auto all_but = parse_scenario("a: capset(effective=ALL-CAP_SYS_ADMIN-CAP_NET_ADMIN)\n", "t.nss");
  ASSERT_TRUE(all_but.ok()) << all_but.errors.front().message;
  EXPECT_EQ(std::get<CallStmt>(all_but.scenario.statements[0].s).caps[kCapEffective].mask,
            CAP_FULL_SET & ~((1ULL << 21) | (1ULL << 12)));
  EXPECT_THAT(first_error("a: capset(effective=ALL-CAP_NOPE)").message, HasSubstr("unknown capability 'CAP_NOPE'"));

  auto d = first_error("a: capset(effective-=CAP_SYS_ADMN)");
  EXPECT_EQ(d.loc.col, 22);
  EXPECT_THAT(d.message, HasSubstr("unknown capability 'CAP_SYS_ADMN'"));
  EXPECT_THAT(d.hint, HasSubstr("CAP_* names"));
  d = first_error("a: capset(effectiv=0)");
  EXPECT_EQ(d.loc.col, 11);
  EXPECT_THAT(d.message, HasSubstr("unknown capability set 'effectiv'"));
  EXPECT_THAT(d.hint, HasSubstr("effective, permitted, inheritable"));
  d = first_error("a: capset(effective=0, effective=ALL)");
  EXPECT_THAT(d.message, HasSubstr("'effective' is named twice"));
  d = first_error("a: capset(effective CAP_SYS_ADMIN)");
  EXPECT_THAT(d.message, HasSubstr("expected '=', '+=' or '-='"));
  d = first_error("a: prctl(PR_CAPBSET_DROP, CAP_NOPE)");
  EXPECT_EQ(d.loc.col, 27);
  EXPECT_THAT(d.hint, HasSubstr("CAP_* name or a capability number"));
  d = first_error("a: setgroups(0 100)");
  EXPECT_EQ(d.loc.col, 16);
  EXPECT_THAT(d.message, HasSubstr("expected ',' between gids"));
  d = first_error("a: setgroups(-1)");
  EXPECT_THAT(d.message, HasSubstr("expected a gid number"));
  std::string src = "a: capset(effective-=CAP_SYS_ADMN)\n";
  auto pr = parse_scenario(src, "caps.nss");
  ASSERT_FALSE(pr.ok());
  std::string text = format_diagnostic("caps.nss", src, pr.errors.front());
  EXPECT_THAT(text, HasSubstr("caps.nss:1:22: error: unknown capability 'CAP_SYS_ADMN'"));
  EXPECT_THAT(text, HasSubstr("hint: "));
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

// format_diagnostics() prints what format_diagnostic() prints for each error,
// in order, also for errors out of line order and past the end of the source
// (it walks the source once instead of once per error).
TEST(Parser, AllDiagnosticsPrintAsEachOneDoes) {
  std::string src = "init: nope() -> a\ninit: clone(0) -> b\n\nexpect x ==\ninit: clone(CLONE_NEWFOO) -> c";
  auto r = parse_scenario(src, "t.nss");
  ASSERT_EQ(r.errors.size(), 3u);
  std::vector<Diagnostic> ds = r.errors;
  ds.push_back(r.errors[1]);                            // back to an earlier line
  ds.push_back(Diagnostic{{9, 1}, "past the end", ""});  // no such line: no source shown
  ds.push_back(r.errors[0]);
  std::string each;
  for (auto& d : ds) each += format_diagnostic("t.nss", src, d);
  EXPECT_EQ(format_diagnostics("t.nss", src, ds), each);
  EXPECT_THAT(each, HasSubstr("t.nss:5:13: error: unknown flag 'CLONE_NEWFOO'\n  init: clone(CLONE_NEWFOO) -> c\n"));
}

// --- reported bugs ------------------------------------------------------------

TEST(Parser, ReservedNamesAreRefusedWhereANameIsDefined) {
  struct Case {
    const char* src;
    int col;
    const char* name;
  } cases[] = {
      {"init: clone(0) -> thread-self", 19, "thread-self"},
      {"init: clone(0) -> self", 19, "self"},
      {"init: clone(0) -> none", 19, "none"},
      {"init: thread() -> thread-self", 19, "thread-self"},
      {"init: open(\"/proc/self/ns/net\") -> none", 36, "none"},
      {"init: pidfd_open(init) -> self", 27, "self"},
      {"task self", 6, "self"},
      {"task none", 6, "none"},
      {"task thread-self", 6, "thread-self"},
      {"let none = init.net", 5, "none"},
      {"let self = init.net", 5, "self"},
      {"let thread-self = init.net", 5, "thread-self"},
  };
  for (auto& c : cases) {
    auto d = first_error(c.src);
    EXPECT_EQ(d.message, fmt::format("'{}' is reserved", c.name)) << c.src;
    EXPECT_EQ(d.loc.col, c.col) << c.src;
    EXPECT_THAT(d.hint, HasSubstr("self")) << c.src;
  }
}

TEST(Parser, InitialTaskNamedTwiceIsAnError) {
  auto r = parse_scenario("task boss\ntask chief\nboss: clone(0) -> a\n", "t.nss");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "the initial task is named twice");
  EXPECT_EQ(r.errors[0].loc.line, 2);
  EXPECT_EQ(r.errors[0].loc.col, 1);
}

TEST(Parser, LetNameAndTaskOrFdNameCannotBeTheSame) {
  auto d = first_error("let x = init.net\ninit: clone(0) -> x");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.col, 19);
  EXPECT_THAT(d.message, HasSubstr("'x' is a let name (line 1)"));
  EXPECT_THAT(d.hint, HasSubstr("either a task or fd, or a let"));
  d = first_error("let f = init.net\ninit: open(\"/proc/self/ns/net\") -> f");
  EXPECT_EQ(d.loc.col, 36);
  EXPECT_THAT(d.message, HasSubstr("'f' is a let name"));
  d = first_error("init: clone(0) -> x\nlet x = init.net");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.col, 5);
  EXPECT_THAT(d.message, HasSubstr("'x' already names a task (line 1)"));
  d = first_error("init: open(\"/proc/self/ns/net\") -> f\nlet f = init.net");
  EXPECT_THAT(d.message, HasSubstr("'f' already names an fd (line 1)"));
  d = first_error("let init = init.net");
  EXPECT_THAT(d.message, HasSubstr("'init' already names a task"));
  d = first_error("task boss\nlet boss = boss.net");
  EXPECT_THAT(d.message, HasSubstr("'boss' already names a task"));
  // Rebinding a let name, or naming a new task like a reaped one, stays allowed.
  EXPECT_TRUE(parse_scenario("let N = init.net\nlet N = init.uts\ninit: clone(0) -> a\ninit: clone(0) -> a").ok());
}

TEST(Parser, UnknownAttributeIsAParseError) {
  auto d = first_error("expect a.net.bogus == none");
  EXPECT_EQ(d.message, "unknown attribute 'bogus'");
  EXPECT_EQ(d.loc.col, 14);
  EXPECT_THAT(d.hint, HasSubstr("refs"));
  d = first_error("expect init.nett == init.net");
  EXPECT_EQ(d.message, "unknown attribute 'nett'");
  EXPECT_EQ(d.loc.col, 13);
  d = first_error("let N = a.net.foo");
  EXPECT_EQ(d.message, "unknown attribute 'foo'");
  EXPECT_TRUE(parse_scenario("expect a.uts.owner.level == 1\nexpect a.nsproxy.count == 1\nexpect a.pid_for_children.parent == none").ok());
}

TEST(Parser, HashInsideAStringIsNotAComment) {
  auto r = parse_scenario("expect a.hostname == \"x#y\"   # a comment\n"
                          "init: sethostname(\"a#b\") = 0 # c\n"
                          "init: sethostname(\"a#b\")   # c \"q\"\n",
                          "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_EQ(std::get<ExpectStmt>(r.scenario.statements[0].s).text, "a.hostname == \"x#y\"");
  EXPECT_EQ(std::get<ExpectStmt>(r.scenario.statements[0].s).expr.rhs.sval, "x#y");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).text, "sethostname(\"a#b\")");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[2].s).text, "sethostname(\"a#b\")");
}

TEST(Parser, PathLocationIsRecordedForRunErrors) {
  auto r = parse_scenario("init: mount(\"/proc/b/ns/net\", \"/run/netns/b\", MS_BIND)", "t.nss");
  ASSERT_TRUE(r.ok());
  auto& c = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(c.path_loc.col, 13);
  EXPECT_EQ(c.path2_loc.col, 31);
}

TEST(Parser, MountTakesAnyCreatedPathAndPropagationChanges) {
  auto r = parse_scenario("init: mount(\"/proc/b/ns/net\", \"/srv/ns/net\", MS_BIND)\n"
                          "init: mount(\"/srv/ns/net\", \"/mnt/a/b\", MS_BIND)\n"
                          "init: mount(\"none\", \"/\", MS_REC|MS_SHARED)\n"
                          "init: mount(\"none\", \"/\", MS_SLAVE|MS_REC)\n"
                          "init: umount(\"/media/x\", MNT_DETACH)\n",
                          "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& bind = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(bind.flags, kMsBind);
  EXPECT_EQ(bind.path2.run, "/srv/ns/net");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).path.run, "/srv/ns/net");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[2].s).flags, kMsRec | kMsShared);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[3].s).flags, kMsRec | kMsSlave);
}

TEST(Parser, ChrootTakesADirectoryTheRunCreates) {
  auto r = parse_scenario("init: chroot(\"/srv/jail\")\ninit: chroot(\"/run/a/b\") = EPERM\n", "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& c = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(c.kind, CallKind::Chroot);
  EXPECT_EQ(c.path.run, "/srv/jail");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).path.run, "/run/a/b");
}

// Slips a tester made, each with a hint: TASK.pid as ioctl's pid argument,
// two ioctl requests joined with '|', an unquoted path, an extra argument.
TEST(Parser, CommonSlipsGetAHint) {
  auto d = first_error("init: ioctl(f, NS_GET_PID_IN_PIDNS, c.pid) -> x");
  EXPECT_EQ(d.loc.col, 38);
  EXPECT_EQ(d.message, "'c.' here: the task name itself stands for its pid");
  EXPECT_THAT(d.hint, HasSubstr("write ioctl(f, NS_GET_PID_IN_PIDNS, c)"));
  d = first_error("init: ioctl(pf, PIDFD_GET_NET_NAMESPACE|PIDFD_GET_UTS_NAMESPACE) -> n");
  EXPECT_EQ(d.loc.col, 40);
  EXPECT_EQ(d.message, "an ioctl takes one request ('|' joins flags, not requests)");
  EXPECT_THAT(d.hint, HasSubstr("one statement per request"));
  d = first_error("init: open_tree(/srv, OPEN_TREE_NAMESPACE) -> f");
  EXPECT_EQ(d.loc.col, 17);
  EXPECT_EQ(d.message, "unexpected character '/'");
  EXPECT_THAT(d.hint, HasSubstr("a path is a string in double quotes"));
  d = first_error("init: pidfd_open(c, 0, 1) -> f");
  EXPECT_EQ(d.message, "pidfd_open() takes no more arguments here");
  EXPECT_EQ(d.hint, "its forms: docs/scenario-language.md#pidfd_open");
}

TEST(Parser, BadChrootInputIsLocatedAndExplained) {
  for (const char* bad : {"/", "/srv", "/etc/x", "/proc/a/ns/net", "srv/x", "/srv/a/../b"}) {
    auto d = first_error(fmt::format("init: chroot(\"{}\")", bad));
    EXPECT_EQ(d.message, fmt::format("unsupported path \"{}\" for chroot()", bad)) << bad;
    EXPECT_EQ(d.loc.line, 1);
    EXPECT_EQ(d.loc.col, 14) << bad;
    EXPECT_THAT(d.hint, HasSubstr("/run, /srv, /mnt or /media")) << bad;
  }
  auto d = first_error("init: chroot()");
  EXPECT_EQ(d.loc.col, 14);
  EXPECT_THAT(d.hint, HasSubstr("chroot() takes"));
  d = first_error("init: chroot(\"/srv/x\", 0)");  // one argument only
  EXPECT_EQ(d.loc.col, 22);
  EXPECT_EQ(d.message, "chroot() takes no more arguments here");
  EXPECT_EQ(d.hint, "its forms: docs/scenario-language.md#chroot");
  // The whole diagnostic: file:line:column, the line, a caret, the hint.
  std::string src = "init: clone(0) -> a\na: chroot(\"/tmp/x\")\n";
  auto pr = parse_scenario(src, "c.nss");
  ASSERT_EQ(pr.errors.size(), 1u);
  std::string text = format_diagnostics("c.nss", src, pr.errors);
  EXPECT_THAT(text, HasSubstr("c.nss:2:11: error: unsupported path \"/tmp/x\" for chroot()"));
  EXPECT_THAT(text, HasSubstr("hint: chroot() takes a path under /run, /srv, /mnt or /media"));
}

TEST(Parser, PivotRootTakesTwoDirectoriesAndProcPathsUnderADirectory) {
  auto r = parse_scenario(
      "init: mount(\"/srv/r\", \"/srv/r\", MS_BIND|MS_REC)\n"
      "init: pivot_root(\"/srv/r\", \"/srv/r/mnt/old\") = 0\n"
      "init: open(\"/mnt/old/proc/init/ns/net\") -> f\n"
      "init: write(\"/mnt/old/proc/self/uid_map\", \"0 0 1\")\n"
      "init: open(\"/srv/proc/x\") -> g\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& m = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(m.flags, kMsBind | kMsRec);
  EXPECT_EQ(m.path.run, "/srv/r");
  auto& c = std::get<CallStmt>(r.scenario.statements[1].s);
  EXPECT_EQ(c.kind, CallKind::PivotRoot);
  EXPECT_EQ(c.path.run, "/srv/r");
  EXPECT_EQ(c.path2.run, "/srv/r/mnt/old");
  auto& o = std::get<CallStmt>(r.scenario.statements[2].s);
  EXPECT_EQ(o.path.kind, NsPath::ProcNs);
  EXPECT_EQ(o.path.task, "init");
  EXPECT_EQ(o.path.via, "/mnt/old");
  auto& w = std::get<CallStmt>(r.scenario.statements[3].s);
  EXPECT_EQ(w.path.kind, NsPath::ProcFile);
  EXPECT_EQ(w.path.via, "/mnt/old");
  auto& g = std::get<CallStmt>(r.scenario.statements[4].s);  // not a /proc form: a plain path
  EXPECT_EQ(g.path.kind, NsPath::Run);
  EXPECT_EQ(g.path.run, "/srv/proc/x");
}

TEST(Parser, BadPivotRootInputIsLocatedAndExplained) {
  auto d = first_error("init: pivot_root(\"/srv/r\")");
  EXPECT_EQ(d.loc.col, 26);
  EXPECT_THAT(d.message + d.hint, HasSubstr("put_old"));
  d = first_error("init: pivot_root(\"/\", \"/srv/old\")");
  EXPECT_EQ(d.message, "unsupported path \"/\" for pivot_root()");
  EXPECT_EQ(d.loc.col, 18);
  EXPECT_THAT(d.hint, HasSubstr("/run, /srv, /mnt or /media"));
  d = first_error("init: pivot_root(\"/srv/r\", \"/proc/self/ns/net\")");
  EXPECT_EQ(d.loc.col, 28);
  d = first_error("init: mount(\"/srv/r\", \"/srv/r\", MS_BIND|MS_PRIVATE)");
  EXPECT_EQ(d.message, "unsupported mount flags 'MS_PRIVATE'");
  EXPECT_THAT(d.hint, HasSubstr("MS_BIND|MS_REC"));
  EXPECT_THAT(first_error("init: open(\"/etc/proc/self/ns/net\") -> f").message, HasSubstr("unsupported path"));
}

TEST(Parser, BadMountInputIsLocatedAndExplained) {
  auto d = first_error("init: mount(\"/proc/b/ns/net\", \"/proc/x\", MS_BIND)");
  EXPECT_EQ(d.message, "mount target \"/proc/x\" is under /proc");
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.col, 31);
  EXPECT_THAT(d.hint, HasSubstr("/srv/ns/net"));
  EXPECT_THAT(first_error("init: mount(\"/proc/b/ns/net\", \"/sys/fs/x\", MS_BIND)").message, HasSubstr("under /sys"));
  EXPECT_THAT(first_error("init: mount(\"/proc/b/ns/net\", \"/dev\", MS_BIND)").message, HasSubstr("under /dev"));
  d = first_error("init: mount(\"/proc/b/ns/net\", \"/srv\", MS_BIND)");
  EXPECT_THAT(d.message, HasSubstr("is a directory"));
  for (const char* bad : {"/srv/a/../b", "/srv//b", "/srv/b/", "/etc/x", "srv/x", "/srv/./x"}) {
    d = first_error(fmt::format("init: mount(\"/proc/b/ns/net\", \"{}\", MS_BIND)", bad));
    EXPECT_THAT(d.message, HasSubstr("unsupported path")) << bad;
    EXPECT_THAT(d.hint, HasSubstr("/run, /srv, /mnt or /media")) << bad;
  }
  d = first_error("init: mount(\"none\", \"/srv\", MS_REC|MS_PRIVATE)");
  EXPECT_THAT(d.message, HasSubstr("unsupported propagation target"));
  EXPECT_EQ(d.loc.col, 21);
  d = first_error("init: mount(\"none\", \"/\", MS_PRIVATE)");
  EXPECT_THAT(d.message, HasSubstr("needs MS_REC"));
  EXPECT_EQ(d.loc.col, 26);
  EXPECT_THAT(d.hint, HasSubstr("MS_REC|MS_PRIVATE"));
  EXPECT_THAT(first_error("init: mount(\"none\", \"/\", MS_REC|MS_SHARED|MS_SLAVE)").message,
              HasSubstr("exactly one"));
  d = first_error("init: mount(\"none\", \"/\", MS_REC|MS_BIND)");
  EXPECT_THAT(d.message, HasSubstr("unsupported mount flags"));
  EXPECT_EQ(d.loc.col, 33);
  d = first_error("init: mount(\"/proc/b/ns/net\", \"/srv/x\", MS_REC)");
  EXPECT_THAT(d.hint, HasSubstr("MS_REC|MS_PRIVATE"));
  // The whole diagnostic: file:line:column, the line, a caret, the hint.
  std::string src = "init: clone(0) -> a\ninit: mount(\"/proc/a/ns/net\", \"/dev/x\", MS_BIND)\n";
  auto pr = parse_scenario(src, "m.nss");
  ASSERT_EQ(pr.errors.size(), 1u);
  std::string text = format_diagnostic("m.nss", src, pr.errors[0]);
  EXPECT_THAT(text, HasSubstr("m.nss:2:31: error: mount target \"/dev/x\" is under /dev"));
  EXPECT_THAT(text, HasSubstr("hint: nssim never mounts over /proc, /sys or /dev"));
}

TEST(Parser, NumbersOutsideTheArgumentsCRangeAreRefused) {
  auto d = first_error("init: prctl(PR_SET_DUMPABLE, 4294967297)");
  EXPECT_THAT(d.message, HasSubstr("'4294967297' out of range"));
  EXPECT_EQ(d.loc.col, 30);
  EXPECT_THAT(d.hint, HasSubstr("-2147483648..2147483647"));
  d = first_error("init: exit(4294967297)");
  EXPECT_THAT(d.message, HasSubstr("'4294967297' out of range"));
  EXPECT_EQ(d.loc.col, 12);
  EXPECT_THAT(d.hint, HasSubstr("& 0xff"));
  EXPECT_THAT(first_error("init: exit(2147483648)").message, HasSubstr("out of range"));
  d = first_error("init: exit(99999999999999999999)");  // beyond 64 bits: the same message and hint
  EXPECT_THAT(d.message, HasSubstr("out of range"));
  EXPECT_THAT(d.hint, HasSubstr("& 0xff"));
  EXPECT_THAT(first_error("init: exit(-2147483649)").message, HasSubstr("out of range"));
  EXPECT_THAT(first_error("init: pidfd_open(init, 0x100000080) -> p").message, HasSubstr("out of range"));
  auto r = parse_scenario("init: clone(0) -> a\na: exit(2147483647)\ninit: clone(0) -> b\nb: exit(-2147483648)\n"
                          "init: prctl(PR_SET_DUMPABLE, -1)\ninit: pidfd_open(init, 0xffffffff) -> p",
                          "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).code, 2147483647);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[3].s).code, -2147483647 - 1);
}

TEST(Parser, TaskOrLetWithoutANameSaysSo) {
  auto r = parse_scenario("task\ntask boss\nboss: clone(0) -> a", "t.nss");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "unexpected end of line, expected a name after 'task'");
  EXPECT_EQ(r.errors[0].loc.col, 5);
  auto d = first_error("let");
  EXPECT_EQ(d.message, "unexpected end of line, expected a name after 'let'");
  EXPECT_THAT(d.hint, HasSubstr("let N = b.net"));
  EXPECT_THAT(first_error("task 5").message, HasSubstr("expected a name after 'task'"));
  // A task may still be called task or let.
  EXPECT_TRUE(parse_scenario("init: clone(0) -> task\ntask: clone(0) -> let\nlet: exit(0)").ok());
}

TEST(Parser, IoctlThatReturnsANumberCannotBeNamed) {
  auto d = first_error("init: ioctl(f, NS_GET_NSTYPE) -> x");
  EXPECT_EQ(d.message, "ioctl(NS_GET_NSTYPE) returns a number, not a name: assert it with = N");
  EXPECT_EQ(d.loc.col, 34);
  EXPECT_THAT(d.hint, HasSubstr("= CLONE_NEWNET"));
  d = first_error("init: ioctl(f, NS_GET_OWNER_UID) -> x");
  EXPECT_EQ(d.message, "ioctl(NS_GET_OWNER_UID) returns a number, not a name: assert it with = N");
  d = first_error("init: ioctl(f, NS_GET_ID) -> id");
  EXPECT_EQ(d.message, "ioctl(NS_GET_ID) returns a number, not a name: assert it with = N");
  EXPECT_EQ(d.loc.col, 30);
  EXPECT_THAT(d.hint, HasSubstr("by identity"));
  d = first_error("init: ioctl(f, NS_GET_MNTNS_ID) -> id");
  EXPECT_EQ(d.message, "ioctl(NS_GET_MNTNS_ID) returns a number, not a name: assert it with = N");
}

TEST(Parser, Listns) {
  auto r = parse_scenario("c: listns(CLONE_NEWUTS|CLONE_NEWNET, owner=u) = 2\nc: listns(0, owner=u, flags=1)\n", "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& a = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(a.kind, CallKind::Listns);
  EXPECT_EQ(a.flags, static_cast<uint64_t>(CLONE_NEWUTS | CLONE_NEWNET));
  EXPECT_EQ(a.fd, "u");
  EXPECT_EQ(a.listns_flags, 0u);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).listns_flags, 1u);
  auto d = first_error("c: listns(0, u)");
  EXPECT_EQ(d.message, "unexpected 'u', expected owner=FD");
  EXPECT_EQ(d.loc.col, 14);
  d = first_error("c: listns(0, owner=u) -> n");
  EXPECT_EQ(d.message, "listns() returns a number, not a name: assert it with = N");
  EXPECT_EQ(d.loc.col, 26);
  EXPECT_THAT(first_error("c: listns(0, owner=u, flags=0x100000000)").message, HasSubstr("out of range"));
}

// open_tree(PATH, OPEN_TREE_NAMESPACE[|...]) -> F: a directory path, open_tree()'s
// own flag names, OPEN_TREE_NAMESPACE required, the fd named.
TEST(Parser, OpenTree) {
  auto r = parse_scenario(
      "a: open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE|AT_RECURSIVE|OPEN_TREE_CLOEXEC) -> m\n"
      "a: open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE|OPEN_TREE_CLONE) -> x = EINVAL\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& a = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(a.kind, CallKind::OpenTree);
  EXPECT_EQ(a.path.run, "/srv/root");
  EXPECT_EQ(a.flags, kOpenTreeNamespace | kAtRecursive | kOpenTreeCloexec);
  EXPECT_EQ(*a.out, "m");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).flags, kOpenTreeNamespace | kOpenTreeClone);
  auto d = first_error("a: open_tree(\"/srv/root\", OPEN_TREE_CLONE) -> m");
  EXPECT_EQ(d.message, "open_tree() without OPEN_TREE_NAMESPACE is not modelled");
  EXPECT_EQ(d.loc.col, 27);
  d = first_error("a: open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE|CLONE_NEWNS) -> m");
  EXPECT_EQ(d.message, "unknown open_tree() flag 'CLONE_NEWNS'");
  EXPECT_EQ(d.loc.col, 47);
  d = first_error("a: open_tree(\"/etc\", OPEN_TREE_NAMESPACE) -> m");
  EXPECT_THAT(d.message, HasSubstr("unsupported path"));
  EXPECT_EQ(d.loc.col, 14);
  d = first_error("a: open_tree(\"/srv/root\", OPEN_TREE_NAMESPACE)");
  EXPECT_THAT(d.message, HasSubstr("'-> NAME' to name the mount namespace's fd"));
  EXPECT_THAT(first_error("a: open_tree(\"/srv/root\", 0x100000002) -> m").message, HasSubstr("unsigned int"));
}

TEST(Parser, NamespaceIdRequests) {
  auto r = parse_scenario("init: ioctl(f, NS_GET_ID) = 10\ninit: ioctl(f, NS_GET_MNTNS_ID) = EINVAL\n", "t.nss");
  ASSERT_TRUE(r.ok());
  auto& a = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(a.ioctl, IoctlCmd::NsGetId);
  EXPECT_EQ(*a.assert_result, "10");
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).ioctl, IoctlCmd::NsGetMntnsId);
  auto d = first_error("init: ioctl(f, NS_MNT_GET_INFO)");
  EXPECT_EQ(d.loc.col, 16);
  EXPECT_THAT(d.hint, HasSubstr("NS_GET_ID, NS_GET_MNTNS_ID"));
}

// ioctl(FD, NS_GET_{PID,TGID}_{FROM,IN}_PIDNS, TASK|N): a third argument, a
// number as result.
TEST(Parser, PidTranslationRequests) {
  auto r = parse_scenario(
      "init: ioctl(f, NS_GET_PID_IN_PIDNS, c) = 1\ninit: ioctl(f, NS_GET_TGID_FROM_PIDNS, 99999) = ESRCH\n"
      "init: ioctl(f, NS_GET_PID_FROM_PIDNS, self)\ninit: ioctl(f, NS_GET_TGID_IN_PIDNS, 0)\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& a = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(a.ioctl, IoctlCmd::NsGetPidInPidns);
  EXPECT_EQ(a.target, "c");
  EXPECT_EQ(a.target_loc.col, 37);
  EXPECT_EQ(*a.assert_result, "1");
  auto& b = std::get<CallStmt>(r.scenario.statements[1].s);
  EXPECT_EQ(b.ioctl, IoctlCmd::NsGetTgidFromPidns);
  EXPECT_EQ(b.target, "");
  EXPECT_EQ(b.code, 99999);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[2].s).target, "self");
  EXPECT_TRUE(ioctl_pid_from_fd_ns(IoctlCmd::NsGetPidFromPidns));
  EXPECT_FALSE(ioctl_pid_from_fd_ns(IoctlCmd::NsGetTgidInPidns));
  auto d = first_error("init: ioctl(f, NS_GET_PID_IN_PIDNS)");
  EXPECT_EQ(d.loc.col, 35);
  EXPECT_THAT(d.message, HasSubstr("expected ', TASK' or ', N': the pid to translate"));
  EXPECT_THAT(d.hint, HasSubstr("ioctl(f, NS_GET_PID_IN_PIDNS, c)"));
  d = first_error("init: ioctl(f, NS_GET_PID_IN_PIDNS, c) -> n");
  EXPECT_EQ(d.message, "ioctl(NS_GET_*_PIDNS) returns a number, not a name: assert it with = N");
  EXPECT_EQ(d.loc.col, 43);
  d = first_error("init: ioctl(f, NS_GET_PID_IN_PIDNS, -1)");
  EXPECT_THAT(d.message, HasSubstr("out of range"));
  EXPECT_EQ(d.loc.col, 37);
  d = first_error("init: ioctl(f, NS_GET_NSTYPE, c)");
  EXPECT_EQ(d.loc.col, 29);
  EXPECT_THAT(d.message, HasSubstr("ioctl(NS_GET_NSTYPE) takes no third argument here"));
}

// ioctl(PIDFD, PIDFD_GET_<X>_NAMESPACE) -> F: a new nsfs fd, so '-> NAME' is required.
TEST(Parser, PidfdNamespaceRequests) {
  auto r = parse_scenario(
      "init: ioctl(pf, PIDFD_GET_CGROUP_NAMESPACE) -> a\ninit: ioctl(pf, PIDFD_GET_UTS_NAMESPACE) -> b = ENOTTY\n"
      "init: ioctl(pf, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE) -> c\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors.front().message;
  auto& a = std::get<CallStmt>(r.scenario.statements[0].s);
  EXPECT_EQ(a.ioctl, IoctlCmd::PidfdGetCgroupNs);
  EXPECT_EQ(*a.out, "a");
  EXPECT_TRUE(ioctl_makes_fd(a.ioctl));
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[1].s).ioctl, IoctlCmd::PidfdGetUtsNs);
  EXPECT_EQ(std::get<CallStmt>(r.scenario.statements[2].s).ioctl, IoctlCmd::PidfdGetPidForChildrenNs);
  auto d = first_error("init: ioctl(pf, PIDFD_GET_NET_NAMESPACE)");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the new fd"));
  EXPECT_EQ(d.loc.col, 41);
  d = first_error("init: ioctl(pf, PIDFD_GET_NETWORK_NAMESPACE) -> n");
  EXPECT_EQ(d.loc.col, 17);
  EXPECT_THAT(d.message, HasSubstr("unsupported ioctl request 'PIDFD_GET_NETWORK_NAMESPACE'"));
  EXPECT_THAT(d.hint, HasSubstr("PIDFD_GET_<X>_NAMESPACE (X: CGROUP, IPC, MNT, NET, PID, PID_FOR_CHILDREN"));
  d = first_error("init: ioctl(pf, PIDFD_GET_NET_NAMESPACE) = 3");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the new fd"));
}

TEST(Parser, FlagNameAsResultOnlyForNsGetNstype) {
  auto d = first_error("init: unshare(0) = CLONE_NEWNET");
  EXPECT_EQ(d.loc.col, 20);
  EXPECT_THAT(d.message, HasSubstr("only ioctl(FD, NS_GET_NSTYPE) returns a namespace type"));
  EXPECT_THAT(first_error("init: ioctl(f, NS_GET_OWNER_UID) = CLONE_NEWUSER").message,
              HasSubstr("only ioctl(FD, NS_GET_NSTYPE)"));
  EXPECT_THAT(first_error("init: clone(0) -> a = CLONE_NEWNET").message, HasSubstr("only ioctl(FD, NS_GET_NSTYPE)"));
  auto r = parse_scenario("init: ioctl(f, NS_GET_NSTYPE) = CLONE_NEWNET", "t.nss");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*std::get<CallStmt>(r.scenario.statements[0].s).assert_result, std::to_string(CLONE_NEWNET));
}


// nsfs file handles: name_to_handle_at(FD) -> H binds a handle, a name of
// its own kind; open_by_handle_at(H[, O_CLOEXEC]) -> FD opens it.
TEST(Parser, NsfsFileHandleCalls) {
  auto r = parse_scenario(
      "init: open(\"/proc/self/ns/net\") -> f\ninit: name_to_handle_at(f) -> h\ninit: clone(0) -> a\n"
      "a: open_by_handle_at(h, O_CLOEXEC) -> g = ESTALE\n",
      "t.nss");
  ASSERT_TRUE(r.ok()) << r.errors[0].message;
  const auto& n = std::get<CallStmt>(r.scenario.statements[1].s);
  EXPECT_EQ(n.kind, CallKind::NameToHandleAt);
  EXPECT_EQ(n.fd, "f");
  EXPECT_EQ(*n.out, "h");
  const auto& o = std::get<CallStmt>(r.scenario.statements[3].s);
  EXPECT_EQ(o.kind, CallKind::OpenByHandleAt);
  EXPECT_EQ(o.fd, "h");
  EXPECT_EQ(o.flags, kOCloexec);
  EXPECT_EQ(*o.out, "g");
  EXPECT_EQ(o.text, "open_by_handle_at(h, O_CLOEXEC) -> g");
}

TEST(Parser, FileHandleNamesAreNotFds) {
  const char* pre = "init: open(\"/proc/self/ns/net\") -> f\ninit: name_to_handle_at(f) -> h\n";
  auto err = [&](const std::string& line) {
    auto r = parse_scenario(pre + line, "t.nss");
    EXPECT_EQ(r.errors.size(), 1u) << line;
    return r.errors.empty() ? Diagnostic{} : r.errors[0];
  };
  auto d = err("init: close(h)");
  EXPECT_EQ(d.loc.line, 3);
  EXPECT_EQ(d.loc.col, 13);
  EXPECT_EQ(d.message, "'h' is a file handle (line 2), not an fd or task");
  EXPECT_THAT(d.hint, HasSubstr("open_by_handle_at(H) -> FD"));
  EXPECT_EQ(err("init: setns(h, 0)").loc.col, 13);
  EXPECT_EQ(err("init: open(\"/proc/self/ns/uts\") -> h").loc.col, 36);
  EXPECT_EQ(err("init: open_by_handle_at(h) -> h").message, "'h' is a file handle (line 2), not a name for its fd");
  d = err("init: open_by_handle_at(f) -> g");
  EXPECT_EQ(d.message, "'f' is not a file handle: it names an fd (line 1)");
  EXPECT_EQ(d.loc.col, 25);
  d = err("init: name_to_handle_at(f) -> f");
  EXPECT_EQ(d.message, "'f' names an fd (line 1)");
  EXPECT_EQ(d.loc.col, 31);
  d = err("init: name_to_handle_at(f)");
  EXPECT_THAT(d.message, HasSubstr("expected '-> NAME' to name the file handle"));
  d = err("init: open_by_handle_at(h, O_RDWR) -> g");
  EXPECT_EQ(d.message, "unsupported open_by_handle_at flags 'O_RDWR'");
  EXPECT_EQ(d.loc.col, 28);
}

}  // namespace
}  // namespace nssim
