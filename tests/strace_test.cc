// Real programs traced with strace: the log reader, the translation into the
// model with its kernel cross-check (`nssim import` of recorded logs, no root
// needed), and `nssim trace -- CMD` on the live kernel for every program of
// issue 7, each round-tripped: its log imported to .nss runs with
// `nssim trace --real` with no disagreement.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "real/sandbox_exec.h"
#include "strace/attach.h"
#include "strace/import.h"
#include "strace/log.h"
#include "strace/session.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using testing::CliRun;
using testing::run_shell;
using testing::slurp;

std::string nssim(const std::string& args) { return std::string(NSSIM_BINARY) + " " + args; }
std::string data(const std::string& f) { return std::string(NSSIM_SOURCE_DIR) + "/tests/data/strace/" + f; }

// A per-test temporary file (ctest runs tests in parallel processes).
std::string temp(const std::string& suffix) { return testing::test_temp_path("nssim_strace_", suffix); }
std::string write_temp(const std::string& suffix, const std::string& content) {
  std::string p = temp(suffix);
  std::ofstream(p) << content;
  return p;
}

// `nssim import` of a log's text: the run, and the scenario it wrote ("" if none).
std::pair<CliRun, std::string> import_log(const std::string& log) {
  std::string sc = temp(".nss");
  std::remove(sc.c_str());
  CliRun r = run_shell(nssim("import " + write_temp(".log", log) + " -o " + sc));
  return {r, slurp(sc)};
}

// The line strace -f prints for a pthread/Go thread made by clone3: PARENT
// makes TID, "= TID", or unfinished when TID is 0.
std::string thread_clone3(int parent, int tid) {
  std::string head = fmt::format(
      "{} clone3({{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
      "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f0, parent_tid=0x7f0, exit_signal=0, stack=0x7f0, "
      "stack_size=0x7fff80, tls=0x7f0}}",
      parent);
  return tid ? fmt::format("{} => {{parent_tid=[{}]}}, 88) = {}\n", head, tid, tid) : head + " <unfinished ...>\n";
}

// Reads a whole log through the Reader and the Session, as `nssim import` does.
struct Imported {
  std::vector<strace::Output> outs;
  std::vector<strace::LogError> errs;
  int contradictions = 0;
  std::string scenario;
  std::vector<std::string> messages;  // every contradiction
};
Imported import_text(const std::string& log) {
  Imported r;
  strace::Reader reader;
  std::vector<strace::Event> evs;
  std::istringstream is(log);
  std::string line;
  int n = 0;
  while (std::getline(is, line)) reader.feed(line, ++n, evs, r.errs);
  if (!r.errs.empty()) return r;
  strace::SessionOptions opt;
  strace::Session s(opt);
  for (auto& e : evs) s.feed(e, r.outs);
  s.finish(r.outs, r.errs);
  r.contradictions = s.contradictions();
  r.scenario = strace::render_scenario(s, r.outs, {});
  for (auto& o : r.outs) {
    if (o.kind == strace::Output::Contradiction) r.messages.push_back(o.message);
    for (auto& d : o.record.disagreements) r.messages.push_back(d);
  }
  return r;
}

// ---- the log reader ------------------------------------------------------

TEST(StraceLog, JoinsUnfinishedCallsWithTheirResumption) {
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("7     wait4(-1,  <unfinished ...>", 1, evs, errs);
  r.feed("8     exit_group(0)                     = ?", 2, evs, errs);
  r.feed("7     <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 8", 3, evs, errs);
  ASSERT_TRUE(errs.empty());
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].call.name, "exit_group");
  EXPECT_TRUE(evs[0].call.ret.unknown);
  const strace::Call& w = evs[1].call;
  EXPECT_EQ(w.name, "wait4");
  EXPECT_EQ(w.pid, 7);
  EXPECT_EQ(w.first_line, 1);
  EXPECT_EQ(w.line, 3);
  ASSERT_EQ(w.args.size(), 4u);
  EXPECT_EQ(w.args[0], "-1");
  EXPECT_EQ(w.args[1], "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]");
  EXPECT_EQ(w.ret.value, 8);
}

TEST(StraceLog, AThreadsExecveResumesUnderTheLeadersPid) {
  // Recorded: a thread of 15322 calls execve; de_thread() gives it pid 15322.
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("15327 execve(\"/bin/true\", [\"true\"], 0x7ffd4bf3e138 /* 37 vars */ <pid changed to 15322 ...>", 1, evs,
         errs);
  r.feed("15322 +++ superseded by execve in pid 15327 +++", 2, evs, errs);
  r.feed("15322 <... execve resumed>)             = 0", 3, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, strace::Event::Superseded);
  const strace::Call& e = evs[1].call;
  EXPECT_EQ(e.name, "execve");
  EXPECT_EQ(e.pid, 15322);
  EXPECT_EQ(e.exec_thread, 15327);
  EXPECT_EQ(e.first_line, 1);
  EXPECT_EQ(e.args[0], "\"/bin/true\"");
}

TEST(StraceLog, AThreadsExecveCutShortResumesUnderTheLeadersPid) {
  // Seen under load (the StraceLive thread-exec flake): the thread's execve
  // line has neither "<pid changed to ...>" nor "<unfinished ...>".
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("19571 execve(\"/bin/true\", [\"true\"], 0x7ffd4bf3e138 /* 48 vars */", 1, evs, errs);
  r.feed("19566 +++ superseded by execve in pid 19571 +++", 2, evs, errs);
  r.feed("19566 <... execve resumed>)             = 0", 3, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 2u);
  const strace::Call& e = evs[1].call;
  EXPECT_EQ(e.name, "execve");
  EXPECT_EQ(e.pid, 19566);
  EXPECT_EQ(e.exec_thread, 19571);
  EXPECT_EQ(e.args[0], "\"/bin/true\"");
  // Any other call cut short is still an error.
  r.feed("19566 unshare(CLONE_NEWUTS", 4, evs, errs);
  EXPECT_EQ(errs.size(), 1u);
}

TEST(StraceLog, AThreadsUnfinishedExecveResumesUnderTheLeadersPid) {
  // Seen under load (a CI-loop run of StraceLive.AThreadsExecveBecomesItsLeadersExec):
  // the thread's execve ends "<unfinished ...>" under its own pid, and the
  // leader's "???(" line has the superseded line run into it.
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("23461 execve(\"/bin/true\", [\"true\"], 0x7ffc5bc32a18 /* 37 vars */ <unfinished ...>", 1, evs, errs);
  r.feed("23457 ?\?\?(23457 +++ superseded by execve in pid 23461 +++", 2, evs, errs);
  r.feed("23457 <... execve resumed>)             = 0", 3, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, strace::Event::Superseded);
  EXPECT_EQ(evs[0].pid, 23457);
  const strace::Call& e = evs[1].call;
  EXPECT_EQ(e.name, "execve");
  EXPECT_EQ(e.pid, 23457);
  EXPECT_EQ(e.exec_thread, 23461);
  EXPECT_EQ(e.args[0], "\"/bin/true\"");
  // With two execve calls of other pids in progress, which one resumed is not known: an error.
  strace::Reader r2;
  std::vector<strace::Event> evs2;
  std::vector<strace::LogError> errs2;
  r2.feed("11 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 37 vars */ <unfinished ...>", 1, evs2, errs2);
  r2.feed("12 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 37 vars */ <unfinished ...>", 2, evs2, errs2);
  r2.feed("10 <... execve resumed>)             = 0", 3, evs2, errs2);
  EXPECT_EQ(errs2.size(), 1u);
}

TEST(StraceLog, SkipsSystemCallsStraceCouldNotIdentify) {
  // Under load, when a thread execs, strace has printed the leader's pending
  // call as "???(" (a call it never saw enter), cut short or unfinished.
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("15322 ?\?\?( <unfinished ...>", 1, evs, errs);
  r.feed("15323 ?\?\?(", 2, evs, errs);
  r.feed("15322 <... ?\?\? resumed>)                = ?", 3, evs, errs);
  r.feed("15322 unshare(CLONE_NEWUTS)             = 0", 4, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].call.name, "unshare");
}

TEST(StraceLog, ReadsResultsDecorationsErrnosAndPidTranslations) {
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("10 openat(AT_FDCWD</tmp>, \"/proc/8/ns/uts\", O_RDONLY) = 3<uts:[4026532180]>", 1, evs, errs);
  r.feed("10 setns(3<uts:[4026532180]>, CLONE_NEWUTS) = -1 EINVAL (Invalid argument)", 2, evs, errs);
  r.feed("7 clone(child_stack=NULL, flags=SIGCHLD) = 2 /* 21664 in strace's PID NS */", 3, evs, errs);
  r.feed("7 ioctl(4<uts:[4026532180]>, NS_GET_NSTYPE) = 67108864 (CLONE_NEWUTS) <0.000012>", 4, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs[0].message;
  ASSERT_EQ(evs.size(), 4u);
  EXPECT_EQ(evs[0].call.ret.value, 3);
  EXPECT_EQ(evs[0].call.ret.decor, "uts:[4026532180]");
  auto nd = strace::parse_ns_decor(evs[0].call.ret.decor);
  ASSERT_TRUE(nd);
  EXPECT_EQ(nd->first, NsType::Uts);
  EXPECT_EQ(nd->second, 4026532180u);
  EXPECT_EQ(*strace::parse_string(evs[0].call.args[1]), "/proc/8/ns/uts");
  EXPECT_TRUE(evs[1].call.ret.failed());
  EXPECT_EQ(evs[1].call.ret.err, "EINVAL");
  EXPECT_EQ(evs[1].call.args[0], "3<uts:[4026532180]>");
  EXPECT_EQ(evs[2].call.ret.value, 2);
  EXPECT_EQ(evs[2].call.ret.tracer_pid, 21664);
  EXPECT_EQ(evs[3].call.ret.value, 67108864);
  EXPECT_TRUE(r.saw_decorations());
}

TEST(StraceLog, AcceptsBracketPidsTimestampsCommsAndExitLines) {
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  r.feed("[pid  1234] unshare(CLONE_NEWNET) = 0", 1, evs, errs);
  r.feed("1234  15:29:01.123456 unshare(CLONE_NEWUTS) = 0", 2, evs, errs);
  r.feed("1234<sh> 1700000000.5 unshare(CLONE_NEWIPC) = 0", 3, evs, errs);
  r.feed("unshare(CLONE_NEWNS) = 0", 4, evs, errs);
  r.feed("1235  +++ killed by SIGKILL +++", 5, evs, errs);
  r.feed("1236  +++ exited with 3 +++", 6, evs, errs);
  r.feed("1236  --- SIGCHLD {si_signo=SIGCHLD} ---", 7, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs[0].message;
  ASSERT_EQ(evs.size(), 7u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(evs[i].pid, 1234);
  EXPECT_EQ(evs[3].pid, 0);
  EXPECT_EQ(evs[3].call.args[0], "CLONE_NEWNS");
  EXPECT_EQ(evs[4].kind, strace::Event::Killed);
  EXPECT_EQ(evs[4].code, 9);
  EXPECT_EQ(evs[5].kind, strace::Event::Exited);
  EXPECT_EQ(evs[5].code, 3);
  EXPECT_EQ(evs[6].kind, strace::Event::Signal);
}

TEST(StraceLog, SplitsArgumentsAroundStringsBracketsAndDecorations) {
  auto a = strace::split_args(
      "AT_FDCWD</tmp/a,b>, \"x, \\\"y\\\"\", {flags=CLONE_NEWNS, exit_signal=SIGCHLD}, [1, 2], 0</dev/null<char 1:3>>");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0], "AT_FDCWD</tmp/a,b>");
  EXPECT_EQ(*strace::parse_string(a[1]), "x, \"y\"");
  EXPECT_EQ(strace::struct_field(a[2], "flags"), "CLONE_NEWNS");
  EXPECT_EQ(strace::struct_field(a[2], "exit_signal"), "SIGCHLD");
  EXPECT_EQ(a[3], "[1, 2]");
  EXPECT_EQ(strace::parse_fd(a[4])->decor, "/dev/null<char 1:3>");
  bool trunc = false;
  EXPECT_EQ(*strace::parse_string("\"0 0 1\\n\"...", &trunc), "0 0 1\n");
  EXPECT_TRUE(trunc);
}

// The rest of what docs/strace-log.md lists: -t, -r and nanosecond
// timestamps and durations, "(flags ...)" results, a resumption cut short
// again, core dumps, stop signals, strace's own messages, TCP/pipe/pidfd
// decorations, \x escapes and -Y's comm after a returned pid.
TEST(StraceLog, AcceptsEveryTimestampResultAndDecorationForm) {
  strace::Reader r;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  int n = 0;
  for (const char* l : {
           "1234 06:34:12 unshare(CLONE_NEWUTS) = 0",                                     // -t
           "1234      0.000454 unshare(CLONE_NEWIPC) = 0",                                // -r
           "1234 1796625258.518374054 unshare(CLONE_NEWNET) = 0 <0.000384377>",           // --timestamps=unix,ns -T
           "1234 fcntl(3</tmp/f>, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)",        // 5
           "1234 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3<TCP:[52244]>",
           "1234 pipe2([4<pipe:[77]>, 5<pipe:[77]>], O_CLOEXEC) = 0",
           "1234 pidfd_open(7, 0) = 6<anon_inode:[pidfd]>",
           "1234 write(1</dev/null<char 1:3>>, \"\\x30\\x20\\101\", 3) = 3",
           "strace: Process 1234 attached",                                               // ignored
           "1235 wait4(-1,  <unfinished ...>",                                            // 10
           "1235 <... wait4 resumed> <unfinished ...>) = ?",                              // killed while blocked
           "1235 +++ killed by SIGSEGV (core dumped) +++",
           "1234 --- stopped by SIGSTOP ---",
           "1234<unshare> clone(child_stack=NULL, flags=SIGCHLD) = 1236<unshare>",       // -Y: comms on pids too
       })
    r.feed(l, ++n, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().line << ": " << errs.front().message;
  ASSERT_EQ(evs.size(), 12u);
  EXPECT_EQ(evs[0].call.args[0], "CLONE_NEWUTS");
  EXPECT_EQ(evs[1].call.args[0], "CLONE_NEWIPC");
  EXPECT_EQ(evs[2].call.args[0], "CLONE_NEWNET");
  EXPECT_EQ(evs[2].call.ret.value, 0);
  EXPECT_EQ(evs[3].call.ret.value, 0x8001);
  EXPECT_EQ(evs[3].call.ret.rest, "(flags O_WRONLY|O_LARGEFILE)");
  EXPECT_EQ(evs[3].call.args[0], "3</tmp/f>");
  EXPECT_EQ(evs[4].call.ret.decor, "TCP:[52244]");
  EXPECT_EQ(evs[5].call.args[0], "[4<pipe:[77]>, 5<pipe:[77]>]");
  EXPECT_EQ(evs[6].call.ret.decor, "anon_inode:[pidfd]");
  EXPECT_EQ(strace::parse_fd(evs[7].call.args[0])->decor, "/dev/null<char 1:3>");
  EXPECT_EQ(*strace::parse_string(evs[7].call.args[1]), "0 A");
  EXPECT_EQ(evs[8].call.name, "wait4");  // one call, from line 10 to 11, with no result
  EXPECT_EQ(evs[8].call.first_line, 10);
  EXPECT_TRUE(evs[8].call.ret.unknown);
  EXPECT_EQ(evs[9].kind, strace::Event::Killed);
  EXPECT_EQ(evs[9].code, 11);
  EXPECT_EQ(evs[10].kind, strace::Event::Signal);
  EXPECT_EQ(evs[10].signal, "SIGSTOP");
  EXPECT_EQ(evs[11].pid, 1234);
  EXPECT_EQ(evs[11].call.ret.value, 1236);
  EXPECT_TRUE(r.pending().empty());
}

// Every shape the reader refuses, each an error at its line (nssim import: exit 2).
TEST(StraceLog, RefusedShapesAreErrorsAtTheirLine) {
  struct Bad {
    std::vector<const char*> lines;
    const char* message;
  };
  const Bad bad[] = {
      {{"[pid x] unshare(CLONE_NEWNET) = 0"}, "bad '[pid N]' prefix"},
      {{"1234<sh unshare(CLONE_NEWNET) = 0"}, "unterminated '<comm>' after the pid"},
      {{"1234 +++ exited with x +++"}, "bad exit line"},
      {{"1234 +++ detached +++"}, "unknown '+++' line"},
      {{"1234 <... wait4 resumed"}, "bad resumed line"},
      {{"1234 <... wait4 resumed>) = 0"}, "'<... wait4 resumed>' without an earlier unfinished wait4() of pid 1234"},
      {{"1234 execve(\"/bin/true\" <pid changed to x ...>"}, "bad '<pid changed to PID ...>'"},
      {{"1234 wait4(-1,  <unfinished ...>", "1234 unshare(CLONE_NEWNET <unfinished ...>"},
       "pid 1234 starts unshare() while its wait4() (line 1) is unfinished"},
      {{"1234 exit status 3"}, "not a strace line"},
      {{"1234 unshare(CLONE_NEWNET"}, "unshare( has no closing ')'"},
      {{"1234 unshare(CLONE_NEWNET)"}, "unshare(...) has no ' = RESULT'"},
      {{"1234 unshare(CLONE_NEWNET) = x"}, "bad result 'x'"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.lines.back());
    strace::Reader r;
    std::vector<strace::Event> evs;
    std::vector<strace::LogError> errs;
    int n = 0;
    for (auto* l : b.lines) r.feed(l, ++n, evs, errs);
    ASSERT_EQ(errs.size(), 1u);
    EXPECT_EQ(errs[0].line, n);
    EXPECT_THAT(errs[0].message, HasSubstr(b.message));
    EXPECT_TRUE(evs.empty());
  }
}

// ---- nssim import: malformed logs ---------------------------------------

TEST(StraceImport, MalformedLinesAreReportedWithTheirLineNumbers) {
  std::string log = write_temp(".log",
                               "1 unshare(CLONE_NEWNET) = 0\n"
                               "2 <... wait4 resumed>) = 0\n"
                               "garbage here\n"
                               "1 unshare(CLONE_NEWNET = 0\n"
                               "1 setns(3, 0)\n"
                               "1 exit_group(0) = ?\n");
  CliRun r = run_shell(nssim("import " + log + " -o " + temp(".nss")));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr(".log:2: error: '<... wait4 resumed>' without an earlier unfinished wait4() of pid 2"));
  EXPECT_THAT(r.out, HasSubstr(".log:3: error: not a strace line"));
  EXPECT_THAT(r.out, HasSubstr(".log:4: error: unshare( has no closing ')'"));
  EXPECT_THAT(r.out, HasSubstr(".log:5: error: setns(...) has no ' = RESULT'"));
  EXPECT_THAT(r.out, HasSubstr("hint: "));
  EXPECT_THAT(r.out, Not(HasSubstr(":1: error")));
  EXPECT_THAT(r.out, Not(HasSubstr(":6: error")));
  EXPECT_NE(access(temp(".nss").c_str(), F_OK), 0) << "nothing is written from a malformed log";
}

// Issue 17, cause 6: a log that starts mid-life (`strace -p`) was refused
// ("pid ... appears without a clone"). A pid no clone made is a process that
// existed before the log: with no /proc/PID/ns decoding, it has the host's
// initial namespaces, and the scenario says so.
TEST(StraceImport, APidNoCloneCreatedIsAnExistingProcessWithTheInitialNamespaces) {
  std::string log = write_temp(".log",
                               "100 unshare(CLONE_NEWUTS) = 0\n"
                               "100 exit_group(0) = ?\n"
                               "555 unshare(CLONE_NEWNET) = 0\n");
  std::string sc = temp(".nss");
  CliRun r = run_shell(nssim("import " + log + " -o " + sc));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("appears without a clone")));
  std::string text = slurp(sc);
  EXPECT_THAT(text, HasSubstr("task init\n"));
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p100 = p100"));
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p555 = p555"));
  EXPECT_THAT(text, HasSubstr("pid 555 was running when the log starts (no clone of it in the log); marked existing: "
                              "the log shows none of its namespaces, so it has the initial ones (the host's)"));
  EXPECT_THAT(text, HasSubstr("p555: unshare(CLONE_NEWNET) = 0"));
  CliRun t = run_shell(nssim("trace --no-events --no-table " + sc));
  EXPECT_EQ(t.status, 0) << t.out << "\n--- scenario:\n" << text;
}

// The streaming session (nssim trace -- CMD) is told of no existing process:
// there, a pid no clone made is still an error at its first line.
TEST(StraceImport, TheStreamingSessionStillRefusesAPidNoCloneCreated) {
  Imported r = import_text("100 unshare(CLONE_NEWUTS) = 0\n100 exit_group(0) = ?\n555 unshare(CLONE_NEWNET) = 0\n");
  ASSERT_EQ(r.errs.size(), 1u);
  EXPECT_EQ(r.errs[0].line, 3);
  EXPECT_THAT(r.errs[0].message, HasSubstr("pid 555 appears without a clone, fork or vfork that created it"));
}

strace::LogRead read_text(const std::string& log) { return strace::read_log(log); }

TEST(StraceImport, ExistingPidsAreThoseNoCloneMadeWithTheInodesTheirLinksShowBeforeTheyChange) {
  auto log = read_text(
      "10 readlink(\"/proc/self/ns/net\", \"net:[4026531840]\", 64) = 16\n"
      "20 openat(AT_FDCWD</>, \"/proc/self/ns/net\", O_RDONLY) = 3<net:[4026532500]>\n"
      "20 clone(child_stack=NULL, flags=SIGCHLD) = 30\n"
      "30 readlink(\"/proc/self/ns/uts\", \"uts:[4026532600]\", 64) = 16\n"
      "20 unshare(CLONE_NEWIPC) = 0\n"
      "20 readlink(\"/proc/self/ns/ipc\", \"ipc:[4026532700]\", 64) = 16\n"
      "10 readlink(\"/proc/40/ns/mnt\", \"mnt:[4026532800]\", 64) = 16\n"
      "40 exit_group(0) = ?\n"
      "40 +++ exited with 0 +++\n");
  ASSERT_TRUE(log.errors.empty());
  auto ex = strace::existing_pids(log.events);
  ASSERT_EQ(ex.size(), 3u);  // 10 (the first), 20 and 40; 30 is 20's child
  auto at = [](Link l) { return static_cast<size_t>(l); };
  EXPECT_EQ(ex[10][at(Link::Net)], 4026531840u);
  EXPECT_EQ(ex[20][at(Link::Net)], 4026532500u);
  EXPECT_EQ(ex[20][at(Link::Uts)], 4026532600u) << "its child, sharing its namespaces, read it";
  EXPECT_EQ(ex[20][at(Link::Ipc)], 0u) << "read after its unshare: not its namespace at the start";
  EXPECT_EQ(ex[40][at(Link::Mnt)], 4026532800u) << "another process read /proc/40/ns/mnt";
  EXPECT_FALSE(ex.count(30));
}

TEST(StraceImport, AnExistingProcessInOtherNamespacesIsACloneWithThoseTypesNew) {
  std::string log = write_temp(".log",
                               "10 readlink(\"/proc/self/ns/net\", \"net:[4026531840]\", 64) = 16\n"
                               "10 readlink(\"/proc/self/ns/uts\", \"uts:[4026531838]\", 64) = 16\n"
                               "20 readlink(\"/proc/self/ns/net\", \"net:[4026532500]\", 64) = 16\n"
                               "20 readlink(\"/proc/self/ns/uts\", \"uts:[4026531838]\", 64) = 16\n"
                               "20 sethostname(\"x\", 1) = 0\n"
                               "30 readlink(\"/proc/self/ns/net\", \"net:[4026532500]\", 64) = 16\n"
                               "30 readlink(\"/proc/self/ns/uts\", \"uts:[4026531838]\", 64) = 16\n");
  std::string sc = temp(".nss");
  CliRun r = run_shell(nssim("import " + log + " -o " + sc));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string text = slurp(sc);
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p10 = p10"));
  EXPECT_THAT(text, HasSubstr("init: clone(CLONE_NEWNET) -> p20 = p20"));
  EXPECT_THAT(text, HasSubstr("(CLONE_NEWNET: these differ from init's)"));
  // 30 shares 20's net namespace: made by 20, the existing process it shares the most with.
  EXPECT_THAT(text, HasSubstr("p20: clone(0) -> p30 = p30"));
  EXPECT_THAT(text, HasSubstr("# 4 statements; 0 contradictions")) << text;
}

// strace -p of `unshare --pid --fork` and its child: the child, which the
// parent reaps, is made by the parent (made first), not by the init.
TEST(StraceImport, AnExistingProcessThatAnotherReapsIsItsChild) {
  std::string log = write_temp(".log",
                               "20 unshare(CLONE_NEWUTS) = 0\n"
                               "20 exit_group(0) = ?\n"
                               "20 +++ exited with 0 +++\n"
                               "10 wait4(20, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 20\n"
                               "10 exit_group(0) = ?\n"
                               "10 +++ exited with 0 +++\n");
  CliRun r = run_shell(nssim("import " + log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("init: clone(0) -> p10 = p10"));
  EXPECT_THAT(r.out, HasSubstr("p10: clone(0) -> p20 = p20"));
  EXPECT_THAT(r.out, HasSubstr("p10: wait(p20) = p20"));
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION")));
}

// The same, recorded: `nssim trace --attach U,C --save-log` of `unshare --pid
// --fork --uts sh -c '...'` (U) and its child, the new pid namespace's pid 1 (C).
TEST(StraceImport, ARecordedAttachToUnsharePidForkAndItsChild) {
  std::string sc = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("strace-p-unshare-pid-fork.log") + " -o " + sc));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string text = slurp(sc);
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p32623 = p32623"));
  EXPECT_THAT(text, HasSubstr("p32623: clone(0) -> p32625 = p32625"));
  EXPECT_THAT(text, HasSubstr("p32623: wait(p32625) = p32625"));
  EXPECT_THAT(text, HasSubstr("unshare(CLONE_NEWNET) = 0"));
  EXPECT_THAT(text, HasSubstr("0 contradictions with the kernel"));
}

// lxc-attach gets the container init's pidfd from lxc's monitor over its
// command socket (connect/accept, which the model does not have), then setns()
// on it: the received pidfd is followed as pidfd_open() of the same process;
// without MSG_CMSG_CLOEXEC, or of a process not in the log, it is not.
TEST(StraceImport, APidfdReceivedOverAConnectedSocketIsFollowedAsPidfdOpen) {
  std::string head =
      "10 clone(child_stack=NULL, flags=CLONE_NEWUTS|CLONE_NEWNET|SIGCHLD) = 11\n"
      "10 clone(child_stack=NULL, flags=SIGCHLD) = 20\n"
      "20 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 4<UNIX-STREAM:[900]>\n"
      "20 connect(4<UNIX-STREAM:[900]>, {sa_family=AF_UNIX, sun_path=@\"/x/command\"}, 13) = 0\n";
  auto recv = [](const std::string& pid, const std::string& flags) {
    return "20 recvmsg(4<UNIX-STREAM:[900->901]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"\\0\", "
           "iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
           "cmsg_data=[5<pid:" + pid + ">]}], msg_controllen=24, msg_flags=" + flags + "}, " + flags + ") = 1\n";
  };
  std::string tail = "20 setns(5<pid:11>, CLONE_NEWUTS|CLONE_NEWNET) = 0\n";
  std::string sc = temp(".nss");
  CliRun r = run_shell(nssim("import " + write_temp(".log", head + recv("11", "MSG_CMSG_CLOEXEC") + tail) + " -o " + sc));
  ASSERT_EQ(r.status, 0) << r.out;
  std::string text = slurp(sc);
  EXPECT_THAT(text, HasSubstr("p20: pidfd_open(p11) -> fd5 = fd5"));
  EXPECT_THAT(text, HasSubstr("received with SCM_RIGHTS: modelled as pidfd_open() of the same process"));
  EXPECT_THAT(text, HasSubstr("p20: setns(fd5, CLONE_NEWUTS|CLONE_NEWNET) = 0"));
  CliRun t = run_shell(nssim("trace --no-events --no-table " + sc));
  EXPECT_EQ(t.status, 0) << t.out;
  // Not where pidfd_open() would fail though the received pidfd is valid: 11
  // already reaped (a tester's log).
  std::string reaped = "11 exit_group(0) = ?\n11 +++ exited with 0 +++\n"
                       "10 wait4(11, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 11\n";
  for (auto [pid, flags, before] : {std::tuple<std::string, std::string, std::string>{"11", "0", ""},
                                    {"77", "MSG_CMSG_CLOEXEC", ""},
                                    {"11", "MSG_CMSG_CLOEXEC", reaped}}) {
    std::string sc2 = temp(".nss");
    CliRun r2 = run_shell(
        nssim("import " + write_temp(".log", head + before + recv(pid, flags) + tail) + " -o " + sc2));
    ASSERT_EQ(r2.status, 0) << r2.out;
    std::string text2 = slurp(sc2);
    EXPECT_THAT(text2, Not(HasSubstr("pidfd_open("))) << pid << " " << flags;
    EXPECT_THAT(text2, HasSubstr("recvmsg (SCM_RIGHTS, not translated)")) << pid << " " << flags;
  }
}

// A thread whose creator died in clone3 (another thread's exit_group: the
// clone ends "= ?") shows only its "+++ exited" line: a comment, not "appears
// without a clone" (buildah run --isolation chroot hit it under load).
TEST(StraceImport, ATaskSeenOnlyEndingIsAComment) {
  // The streaming session (nssim trace -- CMD), which makes no existing processes.
  Imported r = import_text(
      "7 clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 8\n"
      "7 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, "
      "stack=0x1, stack_size=0x1000}, 88 <unfinished ...>\n"
      "8 exit_group(0) = ?\n"
      "9 +++ exited with 0 +++\n"
      "7 <... clone3 resumed> <unfinished ...>) = ?\n"
      "7 +++ exited with 0 +++\n"
      "8 +++ exited with 0 +++\n");
  EXPECT_TRUE(r.errs.empty()) << (r.errs.empty() ? "" : r.errs[0].message);
  EXPECT_THAT(r.scenario, HasSubstr("pid 9 shows only its end"));
  EXPECT_EQ(r.contradictions, 0);
  // A pid that makes a call is still refused (TheStreamingSessionStillRefusesAPidNoCloneCreated).
  Imported r2 = import_text("7 exit_group(0) = ?\n9 unshare(CLONE_NEWNET) = 0\n9 +++ exited with 0 +++\n");
  ASSERT_EQ(r2.errs.size(), 1u);
}

// strace -p of a multithreaded daemon (containerd, dockerd): one thread
// forks, another reaps the child. A child belongs to its creator's thread
// group, so the reaper is a thread of the creator's process (thread()), not a
// process of its own (which would get ECHILD); a creator that exited before
// the reap is a subreaper's orphan instead, and nothing is inferred.
TEST(StraceImport, AnExistingPidReapingAnotherOnesChildIsItsThread) {
  auto import = import_log;
  auto [r, text] = import(
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 50\n"
      "8 futex(0x1, FUTEX_WAIT, 0, NULL) = 0\n"
      "50 exit_group(0) = ?\n"
      "50 +++ exited with 0 +++\n"
      "8 wait4(50, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 50\n");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(text, HasSubstr("p7: thread() -> p8 = p8"));
  EXPECT_THAT(text, HasSubstr("a thread of p7's process"));
  EXPECT_THAT(text, HasSubstr("p8: wait(p50) = p50"));
  EXPECT_THAT(text, HasSubstr("0 contradictions with the kernel"));
  auto [r2, text2] = import(
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 50\n"
      "8 futex(0x1, FUTEX_WAIT, 0, NULL) = 0\n"
      "7 exit_group(0) = ?\n"
      "7 +++ exited with 0 +++\n"
      "50 exit_group(0) = ?\n"
      "50 +++ exited with 0 +++\n"
      "8 wait4(50, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 50\n");
  EXPECT_THAT(text2, Not(HasSubstr("thread() -> p8")));
  // The thread exists as long as its leader has: made with it, before the
  // leader's own unshare (a tester's log: the child 7 made is in the first uts).
  auto [r3, text3] = import(
      "8 unshare(CLONE_NEWUTS) = 0\n"
      "8 openat(AT_FDCWD, \"/proc/thread-self/ns/uts\", O_RDONLY) = 4<uts:[4026532999]>\n"
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 50\n"
      "50 openat(AT_FDCWD, \"/proc/self/ns/uts\", O_RDONLY) = 3<uts:[4026531838]>\n"
      "50 exit_group(0) = ?\n"
      "50 +++ exited with 0 +++\n"
      "8 wait4(50, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 50\n");
  EXPECT_EQ(r3.status, 0) << r3.out;
  EXPECT_LT(text3.find("p8: thread() -> p7"), text3.find("p8: unshare(CLONE_NEWUTS)")) << text3;
  EXPECT_THAT(text3, HasSubstr("0 contradictions with the kernel"));
  // One of them execs: it leads (only a leader's execve is modelled).
  auto [r4, text4] = import(
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 50\n"
      "50 exit_group(0) = ?\n"
      "50 +++ exited with 0 +++\n"
      "8 wait4(50, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 50\n"
      "8 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 vars */) = 0\n");
  EXPECT_THAT(text4, HasSubstr("p8: thread() -> p7")) << text4;
  std::string sc4 = write_temp(".nss", text4);
  CliRun t4 = run_shell(nssim("trace --no-events --no-table " + sc4));
  EXPECT_EQ(t4.status, 0) << t4.out;
  // The reaper is a thread the log shows being made (by existing 8): its
  // group is 8's, so 7 and 8 are one process (containerd under --attach: a
  // CI run's log, where a new Go thread reaped the shim another one forked).
  auto [r5, text5] = import(
      thread_clone3(8, 9) +
      "7 clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 50\n"
      "50 exit_group(0) = ?\n"
      "50 +++ exited with 0 +++\n"
      "9 wait4(50, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 50\n");
  EXPECT_EQ(r5.status, 0) << r5.out;
  EXPECT_THAT(text5, HasSubstr("p8: thread() -> p7 = p7")) << text5;
  EXPECT_THAT(text5, HasSubstr("p9: wait(p50) = p50"));
  EXPECT_THAT(text5, HasSubstr("0 contradictions with the kernel"));
  // tgkill(TGID, TID) = 0 from an existing caller names TID's group: the TGID
  // itself when the log has it, else the threads it names are one group.
  auto [r6, text6] = import(
      "7 tgkill(8, 12, SIGURG) = 0\n"
      "12 futex(0x1, FUTEX_WAKE, 1) = 0\n"
      "8 futex(0x1, FUTEX_WAKE, 1) = 0\n"
      "7 tgkill(99, 13, SIGURG) = 0\n"
      "7 tgkill(99, 14, SIGURG) = 0\n"
      "13 futex(0x1, FUTEX_WAKE, 1) = 0\n"
      "14 futex(0x1, FUTEX_WAKE, 1) = 0\n"
      "14 unshare(CLONE_NEWUSER) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(r6.status, 0) << r6.out;
  EXPECT_THAT(text6, HasSubstr("p8: thread() -> p12 = p12")) << text6;
  EXPECT_THAT(text6, HasSubstr("p13: thread() -> p14 = p14")) << text6;
  EXPECT_THAT(text6, Not(HasSubstr("thread() -> p7")));
  // A multithreaded process's unshare(CLONE_NEWUSER) is EINVAL: the model agrees only with the group known.
  EXPECT_THAT(text6, HasSubstr("0 contradictions with the kernel"));
}

// A thread that prints nothing before the detach (an idle Go thread under
// --attach, a CI-loop log) is no clone of a pid the log shows later: its
// creator's clones return pids as strace shows them (strace's pid namespace),
// so a running pid that shows up afterwards is an existing one.
TEST(StraceImport, AThreadThatPrintsNothingIsNoCloneOfALaterPid) {
  auto [r, text] = import_log(thread_clone3(7, 9) + "8 unshare(CLONE_NEWUTS) = 0\n");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p8 = p8")) << text;
  EXPECT_THAT(text, HasSubstr("p8: unshare(CLONE_NEWUTS) = 0"));
  // A creator in a pid namespace of its own (after unshare(CLONE_NEWPID) and a
  // fork) returns its namespace's numbers: its child, shown under strace's
  // number, is still matched to the clone by order.
  auto [r2, text2] = import_log(
      "7 unshare(CLONE_NEWPID) = 0\n"
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 20\n"
      "20 clone(child_stack=NULL, flags=SIGCHLD) = 2\n"
      "21 unshare(CLONE_NEWUTS) = 0\n");
  EXPECT_EQ(r2.status, 0) << r2.out;
  EXPECT_THAT(text2, HasSubstr("pid 21 is taken to be")) << text2;
  EXPECT_THAT(text2, Not(HasSubstr("init: clone(0) -> p21")));
}

// The leader's thread clone ends "= ?" when the thread it made execs at once
// (a CI-loop run of StraceLive.AThreadsExecveBecomesItsLeadersExec): the
// superseded line names the thread, which is made there.
TEST(StraceImport, AThreadCloneEndedByItsThreadsExecveMadeThatThread) {
  auto [r, text] = import_log(thread_clone3(7, 0) +
                              "9 execve(\"/bin/true\", [\"true\"], 0x7ffe /* 37 vars */ <unfinished ...>\n"
                              "7 <... clone3 resumed> <unfinished ...>) = ?\n"
                              "7 +++ superseded by execve in pid 9 +++\n"
                              "7 <... execve resumed>)             = 0\n"
                              "7 exit_group(0)                     = ?\n"
                              "7 +++ exited with 0 +++\n");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(text, HasSubstr("p7: thread() -> p9 = p9")) << text;
  EXPECT_THAT(text, HasSubstr("the thread clone at line 1 ended '= ?'"));
  EXPECT_THAT(text, HasSubstr("p7: exec() = 0"));
  EXPECT_THAT(text, HasSubstr("0 contradictions with the kernel"));
  CliRun t = run_shell(nssim("trace --no-events --no-table " + write_temp(".nss", text)));
  EXPECT_EQ(t.status, 0) << t.out;
}

// Two threads of a process in wait4 at once (containerd under --attach, a
// CI-loop log): thread 8's wait4(-1) reaps the child while thread 7's
// wait4(50) returns ECHILD, and strace prints 7's end first.
TEST(StraceImport, TwoThreadsWaitingAtOnceOneReapsAheadOfItsPrintedEnd) {
  auto import = [](const std::string& tail) {
    return import_log(thread_clone3(7, 8) +
                      "7 clone(child_stack=NULL, flags=SIGCHLD) = 50\n"
                      "50 exit_group(0) = ?\n"
                      "50 +++ exited with 0 +++\n" +
                      tail);
  };
  auto [r, text] = import(
      "8 wait4(-1,  <unfinished ...>\n"
      "7 wait4(50, 0xc000049e94, 0, 0xc00017e090) = -1 ECHILD (No child processes)\n"
      "8 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 50\n");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(text, HasSubstr("p8: wait(p50) = p50")) << text;
  EXPECT_THAT(text, HasSubstr("done ahead: pid 8's wait4 (started at line 5"));
  EXPECT_THAT(text, HasSubstr("p7: wait(p50) = ECHILD"));
  EXPECT_LT(text.find("p8: wait(p50)"), text.find("p7: wait(p50) = ECHILD"));
  EXPECT_THAT(text, HasSubstr("0 contradictions with the kernel"));
  CliRun t = run_shell(nssim("trace --no-events --no-table " + write_temp(".nss", text)));
  EXPECT_EQ(t.status, 0) << t.out;
  // With no wait in progress the ECHILD stays what the model cannot explain.
  auto [r2, text2] = import("7 wait4(50, 0xc000049e94, 0, 0xc00017e090) = -1 ECHILD (No child processes)\n");
  EXPECT_EQ(r2.status, 1) << r2.out;
  EXPECT_THAT(r2.out, HasSubstr("wait(p50): the kernel returned ECHILD, the model predicts = p50"));
  // A wait in progress for another pid does not explain it.
  auto [r3, text3] = import(
      "8 wait4(51,  <unfinished ...>\n"
      "7 wait4(50, 0xc000049e94, 0, 0xc00017e090) = -1 ECHILD (No child processes)\n"
      "8 <... wait4 resumed>0xc000049e94, 0, NULL) = -1 ECHILD (No child processes)\n");
  EXPECT_EQ(r3.status, 1) << r3.out;
  EXPECT_THAT(text3, Not(HasSubstr("done ahead")));
}

// strace -p of two running shells (one in new uts and net namespaces), both
// blocked in wait4 on a child made before the attach; recorded with
// `strace -f -yy --decode-pids=pidns -p A -p B` (tests/data/strace/).
TEST(StraceImport, AStracePLogOfTwoRunningShells) {
  std::string sc = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("strace-p-two-shells.log") + " -o " + sc));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string text = slurp(sc);
  EXPECT_THAT(text, HasSubstr("0 contradictions with the kernel"));
  EXPECT_THAT(text, HasSubstr("init: clone(0) -> p12399 = p12399"));
  EXPECT_THAT(text, HasSubstr("init: clone(CLONE_NEWUTS) -> p12398 = p12398"));
  EXPECT_THAT(text, HasSubstr("reaps pid 12401, which p12399 made before the log starts (not followed)"));
  EXPECT_THAT(text, HasSubstr("p12439: unshare(CLONE_NEWIPC) = 0"));
  CliRun t = run_shell(nssim("trace --no-events --no-table " + sc));
  EXPECT_EQ(t.status, 0) << t.out;
}

// strace -p of one shell: its wait4 reaps a child from before the log, so the
// log starts mid-life and the shell is an existing process (no contradiction).
TEST(StraceImport, OneProcessReapingAChildFromBeforeTheLogIsExisting) {
  std::string log = write_temp(".log",
                               "7 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 99\n"
                               "7 unshare(CLONE_NEWUTS) = 0\n"
                               "7 exit_group(0) = ?\n"
                               "7 +++ exited with 0 +++\n");
  CliRun r = run_shell(nssim("import " + log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("init: clone(0) -> p7 = p7"));
  EXPECT_THAT(r.out, HasSubstr("reaps pid 99, which p7 made before the log starts"));
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION")));
}

TEST(StraceImport, AnEmptyLogIsAnError) {
  CliRun r = run_shell(nssim("import " + write_temp(".log", "\n")));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("no system call in the log"));
}

// ---- translation and cross-check (model only) ----------------------------

TEST(StraceImport, TheModelPredictingAnotherResultIsAContradictionWithTheLine) {
  // A second unshare(CLONE_NEWPID) before any fork is EINVAL on Linux: a log
  // claiming it succeeded contradicts the model.
  Imported r = import_text("7 unshare(CLONE_NEWPID) = 0\n7 unshare(CLONE_NEWPID) = 0\n7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 1);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_THAT(r.messages[0], HasSubstr("line 2: unshare(CLONE_NEWPID): the kernel returned 0, the model predicts = -1 "
                                       "EINVAL"));
  EXPECT_THAT(r.scenario, HasSubstr("# CONTRADICTION line 2"));
}

TEST(StraceImport, OneModelNamespaceSeenAsTwoKernelInodesIsAContradiction) {
  Imported r = import_text(
      "7 openat(AT_FDCWD, \"/proc/self/ns/net\", O_RDONLY) = 3<net:[4026532001]>\n"
      "7 openat(AT_FDCWD, \"/proc/self/ns/net\", O_RDONLY) = 4<net:[4026532999]>\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 1);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_THAT(r.messages[0], HasSubstr("line 2: fd 4 of p7"));
  EXPECT_THAT(r.messages[0], HasSubstr("was kernel net:[4026532001] and is now kernel net:[4026532999]"));
}

TEST(StraceImport, TwoModelNamespacesSeenAsOneKernelInodeIsAContradiction) {
  Imported r = import_text(
      "7 openat(AT_FDCWD, \"/proc/self/ns/uts\", O_RDONLY) = 3<uts:[4026532001]>\n"
      "7 unshare(CLONE_NEWUTS) = 0\n"
      "7 readlink(\"/proc/self/ns/uts\", \"uts:[4026532001]\", 64) = 16\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 1);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_THAT(r.messages[0], HasSubstr("line 3: readlink /proc/self/ns/uts"));
  EXPECT_THAT(r.messages[0], HasSubstr("two live model namespaces, one kernel namespace"));
}

TEST(StraceImport, ConsistentInodesAreMappedNotReported) {
  Imported r = import_text(
      "7 openat(AT_FDCWD, \"/proc/self/ns/uts\", O_RDONLY|O_CLOEXEC) = 3<uts:[4026532001]>\n"
      "7 unshare(CLONE_NEWUTS) = 0\n"
      "7 readlink(\"/proc/self/ns/uts\", \"uts:[4026532002]\", 64) = 16\n"
      "7 setns(3<uts:[4026532001]>, CLONE_NEWUTS) = 0\n"
      "7 readlink(\"/proc/self/ns/uts\", \"uts:[4026532001]\", 64) = 16\n"
      "7 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 1 var */) = 0\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: open(\"/proc/self/ns/uts\", O_CLOEXEC) -> fd3 = fd3"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: setns(fd3, CLONE_NEWUTS) = 0"));
  // The execve is exec(): the model closes the O_CLOEXEC fd itself.
  EXPECT_THAT(r.scenario, HasSubstr("p7: exec() = 0"));
  EXPECT_THAT(r.scenario, Not(HasSubstr("close(fd3)")));
}

TEST(StraceImport, DupOfANamespaceFdIsFollowedAsTheSameOpenFile) {
  Imported r = import_text(
      "7 openat(AT_FDCWD, \"/proc/self/ns/net\", O_RDONLY) = 3<net:[4026531840]>\n"
      "7 dup2(3<net:[4026531840]>, 10) = 10<net:[4026531840]>\n"
      "7 close(3<net:[4026531840]>) = 0\n"
      "7 setns(10<net:[4026531840]>, CLONE_NEWNET) = 0\n"
      "7 close(10<net:[4026531840]>) = 0\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: setns(fd3, CLONE_NEWNET) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("the language has no dup"));
  // One model close, at the last of the two fds.
  auto first = r.scenario.find("p7: close(fd3)");
  ASSERT_NE(first, std::string::npos);
  EXPECT_GT(first, r.scenario.find("p7: setns(fd3"));
}

TEST(StraceImport, SocketsAndSiocgsknsAreTranslatedExactly) {
  Imported r = import_text(
      "7 openat(AT_FDCWD, \"/proc/self/ns/net\", O_RDONLY) = 3<net:[4026531833]>\n"
      "7 unshare(CLONE_NEWNET) = 0\n"
      "7 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 4<NETLINK:[19289181]>\n"
      "7 socket(AF_PACKET, SOCK_RAW, 768) = -1 EPERM (Operation not permitted)\n"
      "7 setns(3<net:[4026531833]>, CLONE_NEWNET) = 0\n"
      "7 ioctl(4<NETLINK:[19289181]>, SIOCGSKNS, NULL) = 5\n"
      "7 setns(5<net:[4026532382]>, CLONE_NEWNET) = 0\n"
      "7 close(4<NETLINK:[19289181]>) = 0\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: socket(AF_NETLINK) -> fd4 = fd4"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: ioctl(fd4, SIOCGSKNS) -> fd5 = fd5"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: setns(fd5, CLONE_NEWNET) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: close(fd4) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("a socket of a family the language lacks"));  // AF_PACKET: a comment
}

TEST(StraceImport, UnixSocketpairIsTranslatedWithTwoNames) {
  Imported r = import_text(
      "7 socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [3<UNIX-STREAM:[1001->1002]>, 4<UNIX-STREAM:[1002->1001]>]) = "
      "0\n"
      "7 socketpair(AF_INET, SOCK_STREAM, 0, 0x7ffc) = -1 EOPNOTSUPP (Operation not supported)\n"
      "7 close(3<UNIX-STREAM:[1001->1002]>) = 0\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty()) << r.errs.front().line << ": " << r.errs.front().message;
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: socketpair(AF_UNIX) -> fd3, fd4 = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: close(fd3) = 0"));
}

TEST(StraceImport, KeepcapsCapbsetDropAndSetgroupsAreTranslated) {
  Imported r = import_text(
      "7 prctl(PR_SET_KEEPCAPS, 1) = 0\n"
      "7 prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = 0\n"
      "7 setgroups(2, [0, 100]) = 0\n"
      "7 setgroups(0, []) = 0\n"
      "7 unshare(CLONE_NEWUTS) = 0\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty());
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: prctl(PR_SET_KEEPCAPS, 1) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: setgroups(0, 100) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: setgroups() = 0"));
}

TEST(StraceImport, CapsetOfTheCallersOwnPidIsItsOwnCapset) {
  // setpriv --reuid=65534: keepcaps, setresuid, then capset with pid=getpid()
  // (in its own pid namespace: 1, which --decode-pids=pidns translates) raises
  // CAP_SETGID again, so setresgid succeeds; another pid is still a comment.
  const char* caps = "{effective=1<<CAP_SETUID|1<<CAP_SETGID, permitted=1<<CAP_SETUID|1<<CAP_SETGID, inheritable=0}";
  Imported r = import_text(fmt::format(
      "7 prctl(PR_SET_KEEPCAPS, 1) = 0\n"
      "7 setresuid(65534, 65534, 65534) = 0\n"
      "7 capset({{version=_LINUX_CAPABILITY_VERSION_3, pid=1 /* 7 in strace's PID NS */}}, {0}) = 0\n"
      "7 setresgid(65534, 65534, 65534) = 0\n"
      "7 capset({{version=_LINUX_CAPABILITY_VERSION_3, pid=7}}, {0}) = 0\n"
      "7 capset({{version=_LINUX_CAPABILITY_VERSION_3, pid=2 /* 9 in strace's PID NS */}}, {0}) = -1 EPERM (Operation not permitted)\n"
      "7 exit_group(0) = ?\n",
      caps));
  ASSERT_TRUE(r.errs.empty()) << r.errs.front().message;
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(r.scenario, HasSubstr("p7: setresgid(65534, 65534, 65534) = 0"));
  std::string set = "p7: capset(effective=CAP_SETGID|CAP_SETUID";
  size_t first = r.scenario.find(set);
  ASSERT_NE(first, std::string::npos) << r.scenario;
  EXPECT_NE(r.scenario.find(set, first + 1), std::string::npos) << r.scenario;  // pid=7: the caller too
  EXPECT_THAT(r.scenario, HasSubstr("capset of another task"));
}

TEST(StraceImport, ExecVforkCloseOnExecAndCapsetAreTranslated) {
  // tests/data/strace/spawnexec.c under strace -f -yy (nssim trace's -e list).
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("spawn-exec-capset.log") + " -o " + out));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
  // O_CLOEXEC is said at open; the model's exec() closes that fd itself.
  EXPECT_THAT(sc, HasSubstr("p24622: open(\"/proc/self/ns/uts\", O_CLOEXEC) -> fd3 = fd3"));
  // posix_spawn's clone3(CLONE_VM|CLONE_VFORK), vfork() and clone(CLONE_VM|CLONE_VFORK|SIGCHLD).
  EXPECT_THAT(sc, HasSubstr("p24622: clone(CLONE_VM|CLONE_VFORK) -> p24624 = p24624"));
  EXPECT_THAT(sc, HasSubstr("clone3 with CLONE_VM, written as clone"));
  EXPECT_THAT(sc, HasSubstr("p24624: exec() = 0"));
  EXPECT_THAT(sc, HasSubstr("p24622: clone(CLONE_VM|CLONE_VFORK) -> p24625 = p24625"));
  EXPECT_THAT(sc, Not(HasSubstr("p24625: exec()")));  // its execve failed (ENOENT)
  EXPECT_THAT(sc, HasSubstr("a failed execve is no exec"));
  EXPECT_THAT(sc, HasSubstr("p24622: clone(CLONE_VM|CLONE_VFORK) -> p24626 = p24626"));
  EXPECT_THAT(sc, HasSubstr("p24626: exec() = 0"));
  // The creator makes no call while asleep: each child's exec or exit comes first.
  EXPECT_LT(sc.find("p24624: exec()"), sc.find("p24622: wait(p24624)"));
  EXPECT_LT(sc.find("p24625: exit(127)"), sc.find("p24622: wait(p24625)"));
  // capset: the effective set without CAP_SYS_ADMIN refuses unshare, then it comes back.
  EXPECT_THAT(sc, HasSubstr("p24622: capset(effective=ALL-CAP_SYS_ADMIN-CAP_SYS_RESOURCE"));
  EXPECT_THAT(sc, HasSubstr("p24622: unshare(CLONE_NEWUTS) = EPERM"));
  // Close-on-exec set after open (F_SETFD, close_range) is an explicit close before exec();
  // fd 5 stays open (only its F_DUPFD_CLOEXEC copy 11 goes) and the new program enters it.
  size_t exec = sc.rfind("p24622: exec() = 0");  // its own re-execution (the first is the program's start)
  ASSERT_NE(exec, std::string::npos);
  size_t c4 = sc.find("p24622: close(fd4) = 0"), c6 = sc.find("p24622: close(fd6) = 0");
  EXPECT_LT(c4, exec);
  EXPECT_LT(c6, exec);
  EXPECT_THAT(sc, Not(HasSubstr("close(fd5)")));
  EXPECT_THAT(sc.substr(exec), HasSubstr("p24622: setns(fd5, CLONE_NEWNET) = 0"));
}

TEST(StraceImport, ScmRightsSendRecvAndMountPropagationAreTranslated) {
  // tests/data/strace/scmrights.c, with a tmpfs on /srv.
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("scm-rights-propagation.log") + " -o " + out));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
  EXPECT_THAT(sc, HasSubstr("p24633: send(fd3, fd5) = 0"));
  EXPECT_THAT(sc, HasSubstr("more than one fd in one message"));
  EXPECT_THAT(sc, HasSubstr("p24632: recv(fd4, MSG_CMSG_CLOEXEC) -> fd5 = fd5"));
  EXPECT_THAT(sc, HasSubstr("its sendmsg was not translated"));  // the two-fd message
  EXPECT_THAT(sc, HasSubstr("p24632: setns(fd5, CLONE_NEWNET) = 0"));
  EXPECT_THAT(sc, HasSubstr("p24632: mount(\"none\", \"/\", MS_REC|MS_PRIVATE) = 0"));
  EXPECT_THAT(sc, HasSubstr("p24632: mount(\"/proc/self/ns/net\", \"/srv/ns/net\", MS_BIND) = 0"));
  EXPECT_THAT(sc, HasSubstr("p24632: umount(\"/srv/ns/net\", MNT_DETACH) = 0"));
}

TEST(StraceImport, TheVforkCreatorsLinesBeforeItsChildsExecAreMovedAfterIt) {
  // The creator wakes in the child's execve (exec_mm_release()), so strace may
  // print its next calls before the child's '<... execve resumed>'.
  Imported r = import_text(
      "7 vfork( <unfinished ...>\n"
      "8 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */ <unfinished ...>\n"
      "7 <... vfork resumed>) = 8\n"
      "7 unshare(CLONE_NEWUTS) = 0\n"
      "8 <... execve resumed>) = 0\n"
      "8 exit_group(0) = ?\n"
      "8 +++ exited with 0 +++\n"
      "7 wait4(8, NULL, 0, NULL) = 8\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty()) << r.errs.front().line << ": " << r.errs.front().message;
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  size_t exec = r.scenario.find("p8: exec() = 0"), uts = r.scenario.find("p7: unshare(CLONE_NEWUTS) = 0");
  ASSERT_NE(exec, std::string::npos) << r.scenario;
  ASSERT_NE(uts, std::string::npos) << r.scenario;
  EXPECT_LT(exec, uts);
  EXPECT_THAT(r.scenario, HasSubstr("before its CLONE_VFORK child's exec or exit was complete"));
}

TEST(StraceImport, CapsetFormsAThreadsExecAndAnUnknownPeer) {
  Imported r = import_text(
      "7 capset({_LINUX_CAPABILITY_VERSION_3, 0}, {effective=1<<CAP_NET_ADMIN|1<<CAP_SYS_ADMIN, "
      "permitted=~(1<<CAP_SYS_BOOT), inheritable=0}) = 0\n"
      "7 capset({version=_LINUX_CAPABILITY_VERSION_3, pid=8}, {effective=0, permitted=0, inheritable=0}) = -1 EPERM "
      "(Operation not permitted)\n"
      "7 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
      "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, exit_signal=0, stack=0x7f, stack_size=0x7fff80, tls=0x7f} => "
      "{parent_tid=[9]}, 88) = 9\n"
      "9 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 37 vars */ <pid changed to 7 ...>\n"
      "7 +++ superseded by execve in pid 9 +++\n"
      "7 <... execve resumed>) = 0\n"
      "7 sendmsg(5<UNIX-STREAM:[11->12]>, {msg_name=NULL, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, "
      "cmsg_type=SCM_RIGHTS, cmsg_data=[1</dev/null>]}], msg_flags=0}, 0) = 1\n"
      "7 exit_group(0) = ?\n");
  ASSERT_TRUE(r.errs.empty()) << r.errs.front().line << ": " << r.errs.front().message;
  EXPECT_EQ(r.contradictions, 0) << r.scenario;
  EXPECT_THAT(
      r.scenario,
      HasSubstr("p7: capset(effective=CAP_NET_ADMIN|CAP_SYS_ADMIN, permitted=ALL-CAP_SYS_BOOT, inheritable=0) = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("capset of another task"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: thread() -> p9"));
  EXPECT_THAT(r.scenario, HasSubstr("p7: exec() = 0"));
  EXPECT_THAT(r.scenario, HasSubstr("thread 9 exec'd and took the leader's pid 7"));
  EXPECT_THAT(r.scenario, HasSubstr("a socket the model does not have"));
}

TEST(StraceImport, ALaptopLogWithoutPidTranslationMatchesChildrenInOrder) {
  // Recorded on a host with plain `strace -f -yy -o LOG unshare --fork --pid
  // --mount-proc sh -c '...'`: inside the new pid namespace clone returns 2,
  // the log shows a host pid.
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("laptop-unshare-fork-pid.log") + " -o " + out));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("unshare(CLONE_NEWNS|CLONE_NEWPID) = 0"));
  EXPECT_THAT(sc, HasSubstr("-> p2 = p2"));
  EXPECT_THAT(sc, HasSubstr("pid matched by order"));
  EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
  // Its readlinks of /proc/self/ns/pid and /proc/1/ns/pid (the new /proc) were checked.
  EXPECT_THAT(sc, HasSubstr("readlink of /proc/PID/ns ×2"));
}

TEST(StraceImport, ATamperedInodeInARecordedLogIsReportedWithItsLine) {
  std::string log = slurp(data("laptop-unshare-fork-pid.log"));
  // /proc/1/ns/pid is the same pid namespace as /proc/self/ns/pid: say it is not.
  std::regex re(R"(readlink\("/proc/1/ns/pid", "pid:\[(\d+)\])");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, re));
  std::string bad = std::regex_replace(log, re, "readlink(\"/proc/1/ns/pid\", \"pid:[4026539999]");
  size_t line = std::count(log.begin(), log.begin() + m.position(0), '\n') + 1;
  CliRun r = run_shell(nssim("import " + write_temp(".log", bad) + " -o " + temp(".nss")));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("contradiction: line {}: readlink /proc/1/ns/pid", line)));
  EXPECT_THAT(r.out, HasSubstr("now kernel pid:[4026539999] (one model namespace, two kernel namespaces)"));
}

struct Recorded {
  const char* log;
  std::vector<const char*> expect;  // in the scenario
};
const Recorded kRecorded[] = {
    {"unshare-uts-ipc-net.log", {"unshare(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0"}},
    {"unshare-fork-pid-mount-proc.log",
     {"unshare(CLONE_NEWNS|CLONE_NEWPID) = 0", "clone(0) -> p", "mount(\"none\", \"/\", MS_REC|MS_PRIVATE) = 0",
      "a new procfs shows the mounting task's pid namespace", ": exec() = 0"}},
    {"unshare-user-map-root-user.log",
     {"unshare(CLONE_NEWUSER) = 0", "write(\"/proc/self/uid_map\", \"0 0 1\") = 0",
      "write(\"/proc/self/setgroups\", \"deny\") = 0", "write(\"/proc/self/gid_map\", \"0 0 1\") = 0"}},
    {"nsenter.log",
     {"unshare(CLONE_NEWUTS|CLONE_NEWNET) = 0", "/ns/uts\") -> fd3 = fd3", "setns(fd3, CLONE_NEWUTS) = 0",
      "setns(fd4, CLONE_NEWNET) = 0", "exit(143)"}},
    {"unshare-p-without-fork.log", {"unshare(CLONE_NEWPID) = 0", "= ENOMEM"}},
    {"ip-netns.log",
     {"mount(\"/proc/self/ns/net\", \"/run/netns/x\", MS_BIND) = 0", "open(\"/run/netns/x\", O_CLOEXEC) -> fd5 = fd5",
      "mount(\"none\", \"/\", MS_REC|MS_SLAVE) = 0", "umount(\"/run/netns/x\", MNT_DETACH) = 0"}},
    {"seed-nsenter.log", {"/ns/uts\") -> fd3 = fd3", "setns(fd3, 0) = 0"}},
    {"spawn-exec-capset.log", {"clone(CLONE_VM|CLONE_VFORK) -> p24624", "p24622: exec() = 0"}},
    {"scm-rights-propagation.log", {"send(fd3, fd5) = 0", "mount(\"none\", \"/\", MS_REC|MS_PRIVATE) = 0"}},
    // Container runtimes (issue 17), recorded on Debian 12 with nssim's own
    // strace options (strace/import.cc trace_options(): -f -yy
    // --decode-pids=pidns -s 4096 -e trace=...) unless named otherwise.
    // runc 1.1 run of a busybox-static bundle as root: Go threads, clone3 and
    // "<... clone3 resumed> => {parent_tid=[N]}", socketpairs decorated
    // "<UNIX-STREAM:[A->B]>", NETLINK sockets, capability masks, cgroup.procs writes.
    {"runc-root.log",
     {"unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) = 0",
      "socket(AF_NETLINK) -> fd6 = fd6", "sethostname(\"runc\") = 0", "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = 0"}},
    // runc run of `runc spec --rootless` (a user namespace): the parent writes
    // "0 0 1\n\0" (a trailing NUL) to the child's /proc/PID/uid_map.
    {"runc-rootless.log",
     {"unshare(CLONE_NEWUSER) = 0", "/uid_map\", \"0 0 1\\n\") = 0", "/gid_map\", \"0 0 1\\n\") = 0",
      "setresuid(0, 0, 0) = 0"}},
    // bwrap --unshare-all as root: uid_map opened relative to a /proc/PID directory fd.
    {"bwrap-root.log", {"/uid_map\", \"0 0 1\\n\") = 0", "/setgroups\", \"deny\\n\") = 0"}},
    // crun run (refused by the host's hybrid cgroup layout) under plain strace
    // -f -yy -tt -T -s 64: every system call, timestamps and durations.
    {"crun-tt-T-s64.log",
     {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p28433", "exit(137)"}},
    {"lxc-unshare.log", {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p"}},
    {"lxc-usernsexec.log",
     {"unshare(CLONE_NEWNS|CLONE_NEWUSER) = 0", "/uid_map\", \"0 100000 65536\\n\") = 0",
      "setresuid(0, 0, 0) = 0"}},
    // The runtime corpus (Runtimes.* below), saved by `nssim trace --save-log`:
    // bwrap as uid 65534 under setpriv, whose capset passes getpid() (1 in its pid
    // namespace, "/* N in strace's PID NS */"): the caller's own capset.
    {"bwrap-uid65534-setpriv.log",
     {"capset(effective=ALL-CAP_SYS_RESOURCE, permitted=ALL-CAP_SYS_RESOURCE, inheritable=0) = 0",
      "setresgid(65534, 65534, 65534) = 0", "/uid_map\", \"0 65534 1\\n\") = 0", "/uid_map\", \"65534 0 1\\n\") = 0"}},
    {"systemd-nspawn-private-users.log",
     {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID) -> p",
      "/uid_map\", \"0 0 65536\\n\") = 0", "unshare(CLONE_NEWCGROUP) = 0"}},
    {"lxc-execute.log",
     {"clone3(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p", "sethostname(\"nssimct\") = 0"}},
    // firejail --noprofile --net=none under `nssim trace --host`.
    {"firejail-net-none-host.log", {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p"}},
    // Made by hand from the shapes the runtimes print, one cause of issue 17 each (tests below).
    {"synthetic-constructs.log", {"p101: wait(p102) = p102"}},
    {"synthetic-fd-reuse.log", {"write(\"/proc/self/uid_map\", \"0 0 1\\n\") = 0"}},
    {"synthetic-pid-order.log", {"p202: thread() -> p204 = p204"}},
};

TEST(StraceImport, EveryRecordedProgramImportsWithoutContradiction) {
  for (const Recorded& rec : kRecorded) {
    SCOPED_TRACE(rec.log);
    std::string out = temp(std::string(".") + rec.log + ".nss");
    CliRun r = run_shell(nssim("import " + data(rec.log) + " -o " + out));
    EXPECT_EQ(r.status, 0) << r.out;
    std::string sc = slurp(out);
    for (auto* e : rec.expect) EXPECT_THAT(sc, HasSubstr(e));
    EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
    // The imported scenario runs on the model with every asserted result holding.
    CliRun t = run_shell(nssim("trace --no-events --no-table " + out));
    EXPECT_EQ(t.status, 0) << t.out;
  }
}

// ---- issue 17: what real runtimes' logs print -----------------------------

TEST(StraceLog, AResumedCallContinuesInsideTheStructItWasCutIn) {
  // runc/ip: ioctl(SIOCGIFINDEX) cut inside its struct; the rest starts with ", field=".
  strace::Reader rd;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  rd.feed("100 ioctl(3<NETLINK:[52243]>, SIOCGIFINDEX, {ifr_name=\"lo\" <unfinished ...>", 1, evs, errs);
  rd.feed("101 write(4<UNIX-STREAM:[1234->1235]>, \"x\\0\\377\"..., 4096 <unfinished ...>", 2, evs, errs);
  rd.feed("100 <... ioctl resumed>, ifr_ifindex=1}) = 0", 3, evs, errs);
  rd.feed("101 <... write resumed>) = 4096", 4, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 2u);
  const strace::Call& c = evs[0].call;
  EXPECT_EQ(c.name, "ioctl");
  ASSERT_EQ(c.args.size(), 3u);
  EXPECT_EQ(c.args[2], "{ifr_name=\"lo\", ifr_ifindex=1}");
  EXPECT_EQ(c.ret.value, 0);
  bool trunc = false;
  EXPECT_EQ(strace::parse_string(evs[1].call.args[1], &trunc), std::string("x\0\377", 3));
  EXPECT_TRUE(trunc);
}

// Issue 17, cause 6: `strace -p` (and `nssim trace --attach`) detached by
// Ctrl-C or --duration while a traced call was in progress ends that line in
// "<detached ...>"; it was "wait4( has no closing ')'" (import exit 2, attach exit 1).
TEST(StraceLog, ACallInProgressWhenStraceDetachesIsSkipped) {
  strace::Reader rd;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  rd.feed("20775 unshare(CLONE_NEWUTS) = 0", 1, evs, errs);
  rd.feed("20775 wait4(-1,  <detached ...>", 2, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_TRUE(rd.pending().empty()) << "no result will follow";
  // A complete call that merely mentions it is still read as usual; a line cut
  // short without it is still an error.
  rd.feed("20775 unshare(CLONE_NEWNET", 3, evs, errs);
  EXPECT_EQ(errs.size(), 1u);
  std::string log = write_temp(".log",
                               "20775 unshare(CLONE_NEWUTS) = 0\n"
                               "20775 wait4(-1,  <detached ...>\n");
  CliRun r = run_shell(nssim("import " + log));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("p20775: unshare(CLONE_NEWUTS) = 0"));
}

// Issue 17, cause 5: opens of /proc/1/* other than its ns links are the signs
// of a program checking whether it runs sandboxed (firejail reads
// /proc/1/comm and /proc/1/environ); `nssim trace --` warns with them
// (StraceLive.AProgramReadingPidOneIsWarnedAbout, live, needs firejail).
TEST(StraceImport, OpensOfPidOnesFilesAreRecordedAsSandboxProbes) {
  strace::Reader rd;
  std::vector<strace::Event> evs;
  std::vector<strace::LogError> errs;
  int n = 0;
  for (const char* l : {"7 openat(AT_FDCWD</>, \"/proc/1/ns/net\", O_RDONLY) = 3<net:[4026531840]>",
                        "7 openat(AT_FDCWD</>, \"/proc/12/comm\", O_RDONLY) = 4</proc/12/comm>",
                        "7 openat(AT_FDCWD</>, \"/proc/1/comm\", O_RDONLY) = 5</proc/1/comm>",
                        "7 openat(AT_FDCWD</>, \"/proc/1/comm\", O_RDONLY) = 6</proc/1/comm>",
                        "7 openat(AT_FDCWD</>, \"/proc/1/environ\", O_RDONLY) = 7</proc/1/environ>",
                        "7 exit_group(0) = ?"})
    rd.feed(l, ++n, evs, errs);
  ASSERT_TRUE(errs.empty()) << errs.front().message;
  strace::SessionOptions opt;
  strace::Session s(opt);
  std::vector<strace::Output> outs;
  for (auto& e : evs) s.feed(e, outs);
  auto& pr = s.sandbox_probes();
  ASSERT_EQ(pr.size(), 2u);  // each path once; not /proc/1/ns/*, not another pid's
  EXPECT_EQ(pr[0].path, "/proc/1/comm");
  EXPECT_EQ(pr[0].line, 3);
  EXPECT_EQ(pr[1].path, "/proc/1/environ");
  EXPECT_EQ(pr[1].line, 5);
}

TEST(StraceImport, RuntimeLogConstructsImportWithoutContradiction) {
  // Capability masks, NETLINK and connected unix decorations, a resumed ioctl,
  // SIGCHLD, "= ? ERESTARTSYS", unfinished calls across threads, and a clone3
  // that ends "= ?" because another thread called exit_group.
  CliRun r = run_shell(nssim("import " + data("synthetic-constructs.log") + " -o " + temp(".nss")));
  EXPECT_EQ(r.status, 0) << r.out;
  Imported im = import_text(slurp(data("synthetic-constructs.log")));
  ASSERT_TRUE(im.errs.empty()) << im.errs.front().message;
  EXPECT_EQ(im.contradictions, 0) << im.scenario;
  EXPECT_THAT(im.scenario, HasSubstr("capset(effective=CAP_KILL|CAP_SYS_ADMIN, permitted=CAP_KILL|CAP_SYS_ADMIN"));
  // The clone3 "= ?" made no task in the model (no "thread() -> fail...").
  EXPECT_THAT(im.scenario, Not(HasSubstr("-> fail")));
  EXPECT_THAT(im.scenario, HasSubstr("the caller died in the call"));
}

TEST(StraceImport, AWriteGoesToTheFileItsFdDecorationNames) {
  // fd 3 was uid_map; the log shows no close before openat2 reuses it for
  // cgroup.procs, then dup2 puts /etc/hosts there: neither write is a uid_map write.
  Imported im = import_text(slurp(data("synthetic-fd-reuse.log")));
  ASSERT_TRUE(im.errs.empty()) << im.errs.front().message;
  EXPECT_EQ(im.contradictions, 0) << im.scenario;
  EXPECT_THAT(im.scenario, HasSubstr("p10: write(\"/proc/self/uid_map\", \"0 0 1\\n\") = 0"));
  EXPECT_THAT(im.scenario, Not(HasSubstr("uid_map\", \"10\")")));
  EXPECT_THAT(im.scenario, Not(HasSubstr("uid_map\", \"127")));
  // A uid_map write through an fd the log never showed opened: the decoration's pid.
  Imported d = import_text(
      "10 unshare(CLONE_NEWUSER) = 0\n"
      "10 write(7</proc/10/uid_map>, \"0 0 1\\n\\0\", 7) = 7\n"
      "10 exit_group(0) = ?\n");
  EXPECT_EQ(d.contradictions, 0) << d.scenario;
  EXPECT_THAT(d.scenario, HasSubstr("write(\"/proc/p10/uid_map\", \"0 0 1\\n\") = 0"));
}

TEST(StraceImport, AUidMapOpenedRelativeToADirectoryFdIsFollowed) {
  // bwrap: openat(5</proc/PID>, "uid_map", O_RDWR|O_CLOEXEC).
  Imported im = import_text(
      "20 unshare(CLONE_NEWUSER) = 0\n"
      "20 openat(AT_FDCWD</>, \"/proc/self\", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 5</proc/20>\n"
      "20 openat(5</proc/20>, \"uid_map\", O_RDWR|O_CLOEXEC) = 6</proc/20/uid_map>\n"
      "20 write(6, \"0 0 1\\n\", 6) = 6\n"
      "20 setuid(0) = 0\n"
      "20 exit_group(0) = ?\n");
  EXPECT_EQ(im.contradictions, 0) << im.scenario;
  EXPECT_THAT(im.scenario, HasSubstr("write(\"/proc/p20/uid_map\", \"0 0 1\\n\") = 0"));
}

TEST(StraceImport, AMultithreadedCreatorsPidOrderIsNoContradiction) {
  // Two threads of one process clone at once in a pid namespace: the kernel
  // numbered them 4 then 5, strace printed 5 first. The log's numbers are used.
  Imported im = import_text(slurp(data("synthetic-pid-order.log")));
  ASSERT_TRUE(im.errs.empty()) << im.errs.front().message;
  EXPECT_EQ(im.contradictions, 0) << fmt::format("{}", fmt::join(im.messages, "\n"));
  EXPECT_THAT(im.scenario, HasSubstr("the log's number is used"));
  // A single-threaded creator's pid is still checked: the same clones from two processes.
  std::string procs = slurp(data("synthetic-pid-order.log"));
  procs = std::regex_replace(procs, std::regex("CLONE_VM\\|CLONE_FS\\|CLONE_FILES\\|CLONE_SIGHAND\\|CLONE_THREAD\\|"), "");
  Imported pr = import_text(procs);
  EXPECT_THAT(fmt::format("{}", fmt::join(pr.messages, "\n")), HasSubstr("clone3 returned pid 5; the model gives"));
}

TEST(StraceImport, AProcessOutlivingTheLogsFirstProcessKeepsRunning) {
  // podman run exits (126) while conmon's `podman container cleanup` (pid 3
  // here, double-forked) still makes calls. The model's first task is pid 1,
  // whose exit kills the rest: the first process runs under an init of its own.
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("synthetic-first-exits-first.log") + " -o " + out));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("task init\ninit: clone(0) -> p1 = p1"));
  EXPECT_THAT(sc, HasSubstr("p3: unshare(CLONE_NEWUTS) = 0"));
  EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
  EXPECT_EQ(run_shell(nssim("trace --no-events --no-table " + out)).status, 0);
  // A log whose first process ends last keeps it as the scenario's first task.
  CliRun n = run_shell(nssim("import " + data("unshare-uts-ipc-net.log")));
  EXPECT_THAT(n.out, Not(HasSubstr("task init")));
}

TEST(StraceImport, Clone3IntoACgroupMakesTheContainer) {
  // lxc: clone3 with CLONE_INTO_CGROUP was refused as an unknown flag, so the
  // container and every line of it were lost ("pid appears without a clone").
  Imported im = import_text(slurp(data("synthetic-clone-into-cgroup.log")));
  ASSERT_TRUE(im.errs.empty()) << im.errs.front().message;
  EXPECT_EQ(im.contradictions, 0) << im.scenario;
  EXPECT_THAT(im.scenario, HasSubstr("p1: clone3(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID) -> p2 = p2"));
  EXPECT_THAT(im.scenario, HasSubstr("dropped CLONE_INTO_CGROUP"));
  EXPECT_THAT(im.scenario, HasSubstr("p2: sethostname(\"c1\") = 0"));
}

TEST(StraceImport, PerProcessFilesAreMergedByTime) {
  // strace -ff -tt -T -o LOG unshare --user --map-root-user --net --fork /bin/true:
  // LOG.721 (unshare) and LOG.722 (its child), no pid column.
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import " + data("ff/unshare-ff") + " -o " + out));
  EXPECT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("p721: unshare(CLONE_NEWUSER|CLONE_NEWNET) = 0"));
  EXPECT_THAT(sc, HasSubstr("p722: write(\"/proc/self/uid_map\", \"0 0 1\") = 0"));
  // wait4 began before the child's calls but returned after them (-T).
  EXPECT_LT(sc.find("p722: exec() = 0"), sc.find("p721: wait(p722) = p722"));
  EXPECT_THAT(sc, HasSubstr("0 contradictions with the kernel"));
  // Without -tt there is no order to merge by: an error naming the file and line.
  std::string dir = temp(".d");
  ASSERT_EQ(run_shell("mkdir -p " + dir + " && printf 'execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0\\n' > " +
                      dir + "/log.5")
                .status,
            0);
  CliRun bad = run_shell(nssim("import " + dir + "/log"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.out, HasSubstr("/log.5:1: error: no -tt timestamp"));
  EXPECT_THAT(bad.out, HasSubstr("hint: record with strace -ff -tt"));
}

TEST(StraceImport, NamesAndBriefOptions) {
  std::string out = temp(".nss");
  CliRun r = run_shell(nssim("import --names comm --brief " + data("unshare-fork-pid-mount-proc.log") + " -o " + out));
  ASSERT_EQ(r.status, 0) << r.out;
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("task unshare\n"));
  EXPECT_THAT(sc, HasSubstr("unshare: clone(0) -> true = true"));
  EXPECT_THAT(sc, Not(HasSubstr("openat (other files)  --")));        // --brief drops no-effect comments
  EXPECT_THAT(sc, HasSubstr("mount(\"proc\", \"/proc\", \"proc\""));  // ...but keeps the relevant ones
  std::string log = slurp(data("unshare-uts-ipc-net.log"));
  std::string pid = log.substr(0, log.find(' '));
  CliRun n = run_shell(nssim("import --names " + pid + "=demo " + data("unshare-uts-ipc-net.log")));
  EXPECT_EQ(n.status, 0) << n.out;
  EXPECT_THAT(n.out, HasSubstr("task demo\n"));
  EXPECT_THAT(n.out, HasSubstr("\ndemo: unshare(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0"));
  CliRun bad = run_shell(nssim("import --names 12=no/slash " + data("unshare-uts-ipc-net.log")));
  EXPECT_EQ(bad.status, 2);
}

TEST(StraceImport, UnsupportedLinesStayAsCommentsAndAreSummarized) {
  std::string out = temp(".nss");
  ASSERT_EQ(run_shell(nssim("import " + data("ip-netns.log") + " -o " + out)).status, 0);
  std::string sc = slurp(out);
  EXPECT_THAT(sc, HasSubstr("umount2(\"/sys\", MNT_DETACH)"));  // ip netns exec's sysfs remount, as a comment
  EXPECT_THAT(sc, HasSubstr("# not modelled (each kind once):"));
  EXPECT_THAT(sc, HasSubstr("mount (propagation)"));  // ip netns exec: MS_SLAVE of "/" without MS_REC
  EXPECT_THAT(sc, HasSubstr(": exec() = 0"));
  // Every line of the log is either a statement or a comment ("# strace:N" or
  // "# strace:FIRST-LAST" for a call split by <unfinished ...>).
  std::string log = slurp(data("ip-netns.log"));
  int lines = static_cast<int>(std::count(log.begin(), log.end(), '\n'));
  std::vector<bool> covered(lines + 1);
  std::regex ref(R"(# strace:(\d+)(-(\d+))?)");
  for (auto it = std::sregex_iterator(sc.begin(), sc.end(), ref); it != std::sregex_iterator(); ++it) {
    int a = std::stoi((*it)[1]), b = (*it)[3].matched ? std::stoi((*it)[3]) : a;
    covered[a] = covered[std::min(b, lines)] = true;
  }
  for (int i = 1; i <= lines; ++i)
    EXPECT_TRUE(covered[i]) << "line " << i << " of ip-netns.log is neither translated nor kept";
}

// ---- nssim trace -- CMD on the live kernel -------------------------------

class StraceLive : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = real::sandbox_exec_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
  // Traces CMD (a shell command line), expects no contradiction and `expect`
  // in the trace, then round-trips its log through `nssim import` and
  // `nssim trace --real`.
  void trace_and_round_trip(const std::string& cmd, const std::vector<std::string>& expect,
                            const std::string& program = "exited with 0", const std::string& opts = "") {
    std::string log = temp(".log"), sc = temp(".nss");
    CliRun t = run_shell(nssim("trace --no-events " + opts + " --save-log " + log + " -- " + cmd + " </dev/null"));
    // 4: nothing contradicts, but the program itself failed (its status is `program`).
    EXPECT_EQ(t.status, program == "exited with 0" ? 0 : 4) << t.out;
    EXPECT_THAT(t.out, HasSubstr("contradictions with the kernel: 0"));
    EXPECT_THAT(t.out, Not(HasSubstr("CONTRADICTION")));
    EXPECT_THAT(t.out, HasSubstr("program: " + program));
    EXPECT_THAT(t.out, HasSubstr("the initial namespaces (model=kernel)"));
    for (auto& e : expect) EXPECT_THAT(t.out, HasSubstr(e));
    CliRun i = run_shell(nssim("import " + log + " -o " + sc));
    EXPECT_EQ(i.status, 0) << i.out;
    CliRun real = run_shell(nssim("trace --real --no-events --no-table " + sc));
    EXPECT_EQ(real.status, 0) << real.out << "\n--- scenario:\n" << slurp(sc);
    EXPECT_THAT(real.out, HasSubstr("live kernel: 0 disagreements"));
  }
  std::string script(const std::string& body) { return "sh " + write_temp(".sh", body); }
  // What tells why a long run failed: its lines naming a contradiction, a
  // disagreement or an error (at most 40), then its last 15 lines.
  static std::string digest(const std::string& out) {
    std::vector<std::string> lines;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::string d;
    int n = 0;
    for (auto& l : lines)
      if (n < 40 && (l.find("ontradiction") != std::string::npos || l.find("CONTRADICTION") != std::string::npos ||
                     l.find("isagree") != std::string::npos || l.find("DISAGREE") != std::string::npos ||
                     l.find("error") != std::string::npos))
        d += l.substr(0, 400) + "\n", ++n;
    d += "--- its last lines:\n";
    for (size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i) d += lines[i].substr(0, 400) + "\n";
    return d;
  }
  std::string cc(const std::string& src, const std::string& extra = "") {
    std::string exe = temp(".exe");
    for (auto* c : {"gcc", "cc"}) {
      CliRun r = run_shell(fmt::format("{} -O1 {} -o {} {}", c, extra, exe, src));
      if (r.status == 0) return exe;
    }
    return "";
  }
};

TEST_F(StraceLive, UnshareUtsIpcNet) {
  trace_and_round_trip("unshare --uts --ipc --net true", {"unshare(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET)  = 0"});
}

TEST_F(StraceLive, UnshareForkPidMountProc) {
  trace_and_round_trip("unshare --fork --pid --mount-proc true",
                       {"unshare(CLONE_NEWNS|CLONE_NEWPID)  = 0", "mount(\"none\", \"/\", MS_REC|MS_PRIVATE)  = 0",
                        "mount (proc)", "(kernel: = p", "exec()  = 0"});
}

TEST_F(StraceLive, UnshareUserMapRootUser) {
  trace_and_round_trip("unshare --user --map-root-user true",
                       {"unshare(CLONE_NEWUSER)  = 0", "write(\"/proc/self/uid_map\", \"0 0 1\")  = 0",
                        "write(\"/proc/self/gid_map\", \"0 0 1\")  = 0"});
}

TEST_F(StraceLive, NsenterTargetNetUts) {
  // The target unshares, says so through a fifo, and waits to be killed.
  trace_and_round_trip(script("mkfifo /run/ready\n"
                              "unshare --net --uts sh -c 'echo >/run/ready; exec sleep 10' &\n"
                              "read x </run/ready\n"
                              "nsenter --target $! --net --uts true\n"
                              "kill $!; wait\n"),
                       {"/ns/uts\") -> fd3  = fd3", "setns(fd3, CLONE_NEWUTS)  = 0", "setns(fd4, CLONE_NEWNET)  = 0",
                        "model=kernel: uts:["});
}

// Issue 17's corpus: unshare with every type (and --map-root-user), --time
// with clock offsets, and persistent namespaces bound on files (--net=FILE,
// --uts=FILE) that nsenter --net=FILE joins.
TEST_F(StraceLive, UnshareEveryTypeTimeOffsetsAndPersistentFiles) {
  trace_and_round_trip(
      script("set -e\n"
             "unshare --mount --uts --ipc --net --pid --fork --cgroup --time --user --map-root-user true\n"
             "unshare --time --monotonic 86400 --boottime 3600 --fork true\n"
             "touch /run/nssim-net /run/nssim-uts\n"
             "unshare --net=/run/nssim-net --uts=/run/nssim-uts true\n"
             "nsenter --net=/run/nssim-net --uts=/run/nssim-uts true\n"
             "umount /run/nssim-net /run/nssim-uts\n"),
      {"unshare(CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|"
       "CLONE_NEWTIME)  = 0",
       "unshare(CLONE_NEWTIME)  = 0", "unshare(CLONE_NEWUTS|CLONE_NEWNET)  = 0",
       "/ns/net\", \"/run/nssim-net\", MS_BIND)  = 0", "open(\"/run/nssim-uts\") -> fd",
       "umount(\"/run/nssim-net\")  = 0"});
}

// nsenter -t PID -a: every namespace of a process in new ones of every type
// (its user namespace joined last), found through /proc/PID/task/PID/children.
TEST_F(StraceLive, NsenterAllOfAProcessInEveryNewType) {
  trace_and_round_trip(
      script("mkfifo /run/ready\n"
             "unshare --mount --uts --ipc --net --pid --fork --cgroup --time --user --map-root-user "
             "sh -c 'echo >/run/ready; exec sleep 10' &\n"
             "read x </run/ready\n"
             "T=$(cat /proc/$!/task/$!/children)\n"
             "nsenter -t $T -a true\n"
             "r=$?\n"
             "kill -KILL $T; wait\n"  // a pid namespace's init ignores SIGTERM (no handler)
             "exit $r\n"),
      {"/ns/time\") -> fd", "setns(fd", ", CLONE_NEWPID)  = 0", ", CLONE_NEWTIME)  = 0", ", CLONE_NEWUSER)  = 0",
       ", CLONE_NEWCGROUP)  = 0"});
}

TEST_F(StraceLive, ShellRunningSeveralCommandsInUnsharePWithoutFork) {
  // The first command is pid 1 of the new pid namespace; when it exits, the
  // namespace is dead and the next fork fails with ENOMEM ("Cannot fork").
  trace_and_round_trip("unshare -p sh -c '/bin/true; /bin/true; /bin/true'",
                       {"unshare(CLONE_NEWPID)  = 0", "= -1 ENOMEM  (kernel: = ENOMEM, ok)"}, "exited with 2");
}

TEST_F(StraceLive, IpNetnsAddExecDelete) {
  if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 && access("/usr/bin/ip", X_OK) != 0)
    GTEST_SKIP() << "iproute2 is not installed (scripts/install-deps.sh installs it)";
  trace_and_round_trip(
      script("ip netns add x\nip netns exec x true\nip netns delete x\n"),
      {"mount(\"/proc/self/ns/net\", \"/run/netns/x\", MS_BIND)  = 0", "open(\"/run/netns/x\", O_CLOEXEC) -> fd",
       "setns(fd5, CLONE_NEWNET)  = 0", "umount(\"/run/netns/x\", MNT_DETACH)  = 0"});
  // The sandbox kept the host's /run/netns untouched.
  EXPECT_NE(access("/run/netns/x", F_OK), 0);
}

TEST_F(StraceLive, TheSeedArticlesNsenter) {
  std::string exe = cc(data("seed-nsenter.c"));
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc) to build the seed article's nsenter";
  trace_and_round_trip(script("mkfifo /run/ready\n"
                              "unshare --uts sh -c 'echo >/run/ready; exec sleep 10' &\n"
                              "read x </run/ready\n" +
                              exe +
                              " /proc/$!/ns/uts </dev/null\n"
                              "kill $!; wait\n"),
                       {"/ns/uts\") -> fd3  = fd3", "setns(fd3, 0)  = 0"});
}

TEST_F(StraceLive, AProgramUsingClone3ThreadsPidfdIoctlDupAndATimeNamespace) {
  std::string exe = cc(data("nsops.c"), "-pthread");
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc)";
  trace_and_round_trip(exe, {"clone3(CLONE_NEWUTS) -> p", "thread() -> p", "pidfd_open(p", "NS_GET_USERNS) -> fd",
                             "NS_GET_PARENT) -> fail", "= -1 EPERM", "setns(fd3, CLONE_NEWUTS|CLONE_NEWIPC)  = 0",
                             "exec()  = 0", "execve closes it: close-on-exec was set after open"});
}

TEST_F(StraceLive, ASocketKeepsANetNamespaceThatSiocgsknsReopens) {
  std::string exe = cc(data("sockns.c"));
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc)";
  trace_and_round_trip(exe, {"socket(AF_NETLINK) -> fd4  = fd4", "socket(AF_UNIX) -> fd5", "ioctl(fd4, SIOCGSKNS) -> fd5",
                             "setns(fd5, CLONE_NEWNET)  = 0"});
}

TEST_F(StraceLive, PosixSpawnVforkCloseOnExecAndCapset) {
  std::string exe = cc(data("spawnexec.c"));
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc)";
  trace_and_round_trip(exe, {"clone(CLONE_VM|CLONE_VFORK) -> p", "exec()  = 0", "capset(effective=ALL-",
                             "unshare(CLONE_NEWUTS)  = -1 EPERM", "setns(fd5, CLONE_NEWNET)  = 0"});
}

TEST_F(StraceLive, ScmRightsAndABindMountAfterMakingTheTreePrivate) {
  std::string exe = cc(data("scmrights.c"));
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc)";
  struct stat st;
  bool had_srv_ns = stat("/srv/ns", &st) == 0;
  trace_and_round_trip(exe, {"send(fd3, fd5)  = 0", "recv(fd4, MSG_CMSG_CLOEXEC) -> fd5  = fd5",
                             "mount(\"none\", \"/\", MS_REC|MS_PRIVATE)  = 0",
                             "mount(\"/proc/self/ns/net\", \"/srv/ns/net\", MS_BIND)  = 0"});
  // The program made /srv/ns/net: on the sandbox's private tmpfs, not the host's /srv.
  EXPECT_EQ(stat("/srv/ns", &st) == 0, had_srv_ns);
}

TEST_F(StraceLive, AThreadsExecveBecomesItsLeadersExec) {
  std::string exe = cc(data("threadexec.c"), "-pthread");
  if (exe.empty()) GTEST_SKIP() << "no C compiler (gcc)";
  trace_and_round_trip(exe, {"thread() -> p", "exec()  = 0", "exec'd and took the leader's pid"});
}

TEST_F(StraceLive, UnshareMapRootUserAndNet) {
  trace_and_round_trip("unshare -rn true", {"unshare(CLONE_NEWUSER|CLONE_NEWNET)  = 0", "exec()  = 0"});
}

TEST_F(StraceLive, JsonLinesAndHtml) {
  std::string html = temp(".html");
  CliRun r = run_shell(nssim("trace --json --html " + html + " -- unshare --uts true 2>/dev/null"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::istringstream is(r.out);
  std::string line, last;
  int steps = 0;
  while (std::getline(is, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("step")) {
      ++steps;
      EXPECT_TRUE(j.contains("strace"));
      EXPECT_TRUE(j.contains("contradictions"));
      EXPECT_TRUE(j.contains("namespaces"));
    }
    last = line;
  }
  EXPECT_GE(steps, 2);
  auto s = nlohmann::json::parse(last)["summary"];
  EXPECT_EQ(s["contradictions"], 0);
  EXPECT_EQ(s["ok"], true);
  EXPECT_TRUE(s["not_modelled"].is_array());
  EXPECT_THAT(slurp(html), HasSubstr("<html"));
}

TEST_F(StraceLive, TheProgramsFailureIsExitFour) {
  // No contradiction, but the program failed: 4. (The program is pid 1 of the
  // sandbox's pid namespace, so its own kill -9 of itself is ignored; a child's
  // death by signal reaches it as 128+9.)
  CliRun r = run_shell(nssim("trace --summary -- unshare --uts sh -c 'exit 3' 2>/dev/null"));
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_THAT(r.out, HasSubstr("program: exited with 3"));
  CliRun k = run_shell(nssim(R"(trace --summary -- sh -c 'sh -c "kill -9 \$\$"' 2>/dev/null)"));
  EXPECT_EQ(k.status, 4) << k.out;
  EXPECT_THAT(k.out, HasSubstr("exited with 137"));
  EXPECT_EQ(run_shell(nssim("trace --summary -- unshare --uts true 2>/dev/null")).status, 0);
}

TEST_F(StraceLive, SummaryIsOneLinePerCallAndPidFilters) {
  CliRun full = run_shell(nssim("trace -- unshare --uts --fork unshare --ipc true 2>/dev/null"));
  CliRun sum = run_shell(nssim("trace --summary -- unshare --uts --fork unshare --ipc true 2>/dev/null"));
  ASSERT_EQ(sum.status, 0) << sum.out;
  EXPECT_THAT(full.out, HasSubstr("copy_namespaces"));
  EXPECT_THAT(sum.out, Not(HasSubstr("copy_namespaces")));  // no kernel functions
  EXPECT_THAT(sum.out, Not(HasSubstr("      strace: ")));    // no second line per step
  EXPECT_THAT(sum.out, HasSubstr("unshare(CLONE_NEWUTS)"));
  EXPECT_THAT(sum.out, HasSubstr("unshare(CLONE_NEWIPC)"));
  // --pid: only the named processes' steps are printed, while the model still
  // replays every process (pids differ per run, so a pid that is never used).
  CliRun none = run_shell(nssim("trace --summary --pid 999999999 -- unshare --uts --fork unshare --ipc true 2>/dev/null"));
  EXPECT_EQ(none.status, 0) << none.out;
  EXPECT_THAT(none.out, Not(HasSubstr("unshare(CLONE_NEWUTS)")));
  EXPECT_THAT(none.out, HasSubstr("summary: 9 statements"));
}

TEST_F(StraceLive, AProgramReadingPidOneIsWarnedAbout) {
  // firejail reads /proc/1/comm and /proc/1/environ, sees itself as pid 1 and
  // runs its command without a sandbox of its own: nssim says so.
  if (system("command -v firejail >/dev/null 2>&1") != 0) GTEST_SKIP() << "firejail is not installed";
  CliRun r = run_shell(nssim("trace --summary -- firejail --noprofile /bin/true 2>/dev/null"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("warning: the program read /proc/1/"));
  EXPECT_THAT(r.out, HasSubstr("nssim trace --host"));
  EXPECT_THAT(r.out, Not(HasSubstr("CLONE_NEWPID")));  // it made no namespaces
  CliRun q = run_shell(nssim("trace --summary -- unshare --uts true 2>/dev/null"));
  EXPECT_THAT(q.out, Not(HasSubstr("warning: the program read")));
}

// Issue 17, cause 5: attaching to a process started outside (`nsenter -t
// PID`, `runc exec`, `lxc-attach`) fails in the sandbox, whose /proc shows only
// the program's own processes; nssim exited 0 all the same. Now that failure
// is exit 4, and --host reaches the process.
TEST_F(StraceLive, NsenterToAProcessOutsideFailsInTheSandboxAndWorksWithHost) {
  std::string fifo = temp(".fifo");
  // A script file, so that the 2>&1 run_shell adds covers every command (the program's output is on stderr).
  CliRun r = run_shell("sh " + write_temp(".sh", fmt::format(R"(rm -f {0}; mkfifo {0}
unshare --uts sh -c 'hostname nssim-outside; echo >{0}; exec sleep 10' </dev/null &
T=$!
read x <{0}
{1} trace --summary -- nsenter -t $T -u hostname
echo "sandbox rc=$?"
{1} trace --summary --host -- nsenter -t $T -u hostname
echo "host rc=$?"
kill $T; wait; rm -f {0}
)",
                                                             fifo, NSSIM_BINARY)));
  EXPECT_THAT(r.out, HasSubstr("sandbox rc=4")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("program: exited with 1"));
  EXPECT_THAT(r.out, HasSubstr("host rc=0"));
  // hostname, run by nsenter in the outside process's uts namespace, printed its name.
  EXPECT_THAT(r.out, HasSubstr("nssim-outside"));
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION")));
}

TEST_F(StraceLive, HostRunsTheProgramInNssimsOwnNamespaces) {
  // --host: no sandbox; the model's init stands for the machine's and clones
  // the program, whose initial namespaces are nssim's own.
  CliRun r = run_shell(nssim("trace --summary --host -- unshare --uts --ipc true 2>/dev/null"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("on the host (--host"));
  EXPECT_THAT(r.out, HasSubstr("init: clone(0) -> p"));
  EXPECT_THAT(r.out, HasSubstr("unshare(CLONE_NEWUTS|CLONE_NEWIPC)  = 0"));
  EXPECT_THAT(r.out, HasSubstr("contradictions with the kernel: 0"));
  char self[64] = {};
  ASSERT_GT(readlink("/proc/self/ns/uts", self, sizeof self - 1), 0);
  EXPECT_THAT(r.out, HasSubstr(std::string(self).substr(4, std::string(self).size() - 5)));  // uts:[N] -> N
}

// ---- issue 17: the runtime corpus ----------------------------------------
// Each container runtime that runs without a daemon, traced under `nssim trace
// --` with no contradiction and its saved log round-tripped through `nssim
// import` and `nssim trace --real`. scripts/install-deps.sh installs them (runc
// crun lxc systemd-container busybox-static uidmap); a missing one is a skip.
// Their state (/run/runc, /run/crun, /run/systemd/nspawn, /run/lxc) lands on
// the sandbox's private /run; bundles and root file systems are temp dirs.
class Runtimes : public StraceLive {
 protected:
  // The runtimes leave empty cgroups in the host's hierarchies, which nssim's
  // sandbox shares (lxc: lxc.pivot; systemd-nspawn --keep-unit: payload and
  // supervisor under its own cgroup): those the test made are removed after it.
  void SetUp() override {
    StraceLive::SetUp();
    if (IsSkipped()) return;
    // One runtime test at a time across ctest's processes: the clean-up below
    // removes every runtime cgroup that appeared during the test, which would
    // include a concurrent test's.
    lock_ = std::make_unique<testing::IntrospectionLock>("/tmp/nssim-runtime-tests.lock");
    cgroups_before_ = runtime_cgroups();
    snapped_ = true;
  }
  void TearDown() override {
    if (!snapped_) return;
    // A cgroup empties a moment after the sandbox's last process is killed
    // (podman's conmon runs its cleanup command after the container exits):
    // retry for up to 5 s while one is still busy.
    for (int tries = 0; tries < 50; ++tries) {
      std::vector<std::string> now = runtime_cgroups();
      std::sort(now.rbegin(), now.rend());  // children first
      bool busy = false;
      for (const std::string& d : now)
        if (std::find(cgroups_before_.begin(), cgroups_before_.end(), d) == cgroups_before_.end() &&
            rmdir(d.c_str()) != 0 && errno == EBUSY)
          busy = true;
      if (!busy) break;
      usleep(100000);
    }
    lock_.reset();
  }
  std::unique_ptr<testing::IntrospectionLock> lock_;
  static std::vector<std::string> runtime_cgroups() {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::error_code ec;
    auto ours = [](const std::string& n) {
      return n.rfind("lxc.", 0) == 0 || n == "payload" || n == "supervisor" || n.find("nssim-test") != std::string::npos ||
             n == "libpod_parent" || n.rfind("libpod-", 0) == 0 || n.rfind("buildah-", 0) == 0;
    };
    for (auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it.depth() > 2) it.disable_recursion_pending();
      if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
      // podman's cgroupfs manager: libpod_parent/{libpod-ID,conmon}.
      // docker's cgroupfs driver: nssim-test-docker/ID.
      if (ours(it->path().filename().string()) || it->path().string().find("/libpod_parent") != std::string::npos ||
          it->path().string().find("/nssim-test-docker/") != std::string::npos)
        out.push_back(it->path().string());
    }
    return out;
  }
  std::vector<std::string> cgroups_before_;
  bool snapped_ = false;
  static bool have(const std::string& tool) {
    return run_shell("command -v " + tool + " >/dev/null 2>&1").status == 0;
  }
  static bool installed(const std::string& pkg) {
    return run_shell("dpkg-query -W -f='${Status}' " + pkg + " 2>/dev/null | grep -q 'ok installed'").status == 0;
  }
  // "" when TOOL and Debian's busybox-static (the container's root file system) are there.
  static std::string missing(const std::string& tool, const std::string& pkg) {
    if (!have(tool)) return tool + " is not installed (Debian package " + pkg + "; scripts/install-deps.sh installs it)";
    if (!installed("busybox-static"))
      return "busybox-static is not installed (the container's root file system; scripts/install-deps.sh installs it)";
    return "";
  }
  // An lxc config for a busybox container in `root`: hostname nssimct, no
  // network, no console, proc and sys mounted. Returns its path.
  static std::string lxc_conf(const std::string& dir, const std::string& root) {
    std::string conf = dir + "/lxc.conf";
    std::ofstream(conf) << "lxc.uts.name = nssimct\n"
                           "lxc.net.0.type = empty\n"
                           "lxc.console.path = none\n"
                           "lxc.rootfs.path = dir:" + root + "\n"
                           "lxc.mount.auto = proc:mixed sys:ro\n";
    return conf;
  }
  // A root file system of busybox-static: /bin/busybox, sh and true linked to
  // it, and the directories runtimes mount on. Returns its path.
  std::string rootfs(const std::string& dir) {
    std::string root = dir + "/rootfs";
    CliRun r = run_shell(fmt::format(
        "rm -rf {0} && mkdir -p {1}/bin {1}/proc {1}/sys {1}/dev {1}/tmp {1}/etc {1}/run {1}/var {1}/usr && "
        "cp \"$(command -v busybox)\" {1}/bin/busybox && ln -s busybox {1}/bin/sh && ln -s busybox {1}/bin/true && "
        "touch {1}/etc/os-release",  // systemd-nspawn wants an os-release to call it an OS tree
        dir, root));
    EXPECT_EQ(r.status, 0) << r.out;
    return root;
  }
  // An OCI bundle: the rootfs and `TOOL spec [--rootless]`, running `true` with no terminal.
  std::string bundle(const std::string& tool, bool rootless) {
    std::string dir = temp(".bundle");
    rootfs(dir);
    CliRun r = run_shell(fmt::format("cd {} && {} spec{} 2>&1", dir, tool, rootless ? " --rootless" : ""));
    EXPECT_EQ(r.status, 0) << r.out;
    auto j = nlohmann::json::parse(slurp(dir + "/config.json"));
    j["process"]["terminal"] = false;
    j["process"]["args"] = nlohmann::json::array({"true"});
    std::ofstream(dir + "/config.json") << j.dump(2);
    return dir;
  }
};

TEST_F(Runtimes, RuncRunAsRoot) {
  if (std::string why = missing("runc", "runc"); !why.empty()) GTEST_SKIP() << why;
  trace_and_round_trip("runc run -b " + bundle("runc", false) + " nssim-test",
                       {"unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)  = 0",
                        "sethostname(\"runc\")  = 0"});
}

TEST_F(Runtimes, RuncRunWithAUserNamespaceSpec) {
  // `runc spec --rootless` run by root: a user namespace mapping 0 to 0, written
  // by the parent into the child's uid_map with a trailing NUL ("0 0 1\n\0").
  if (std::string why = missing("runc", "runc"); !why.empty()) GTEST_SKIP() << why;
  trace_and_round_trip("runc run -b " + bundle("runc", true) + " nssim-test",
                       {"unshare(CLONE_NEWUSER)  = 0", "/uid_map\", \"0 0 1\\n\")  = 0",
                        "/gid_map\", \"0 0 1\\n\")  = 0", "unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID)  = 0"});
}

TEST_F(Runtimes, CrunRun) {
  // crun refuses a hybrid cgroup layout (cgroup v1 controllers with a cgroup2
  // at /sys/fs/cgroup/unified: "cgroups in hybrid mode not supported"); the
  // traced script unmounts that cgroup2 in the sandbox's private mount
  // namespace first, so crun sees plain cgroup v1. The host keeps its mount.
  if (std::string why = missing("crun", "crun"); !why.empty()) GTEST_SKIP() << why;
  std::string b = bundle(have("runc") ? "runc" : "crun", false);
  trace_and_round_trip(script("if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi\n"
                              "exec crun run -b " + b + " nssim-test\n"),
                       {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p",
                        "sethostname(\"runc\")  = 0"});
}

TEST_F(Runtimes, FirejailNoProfileOnTheHost) {
  // In nssim's sandbox firejail sees itself as pid 1 and makes no namespaces
  // (StraceLive.AProgramReadingPidOneIsWarnedAbout); --host runs it as it runs alone.
  if (!have("firejail")) GTEST_SKIP() << "firejail is not installed (scripts/install-deps.sh installs it)";
  trace_and_round_trip("firejail --noprofile /bin/true",
                       {"on the host (--host", "clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID) -> p"},
                       "exited with 0", "--host");
}

TEST_F(Runtimes, FirejailNoProfileNetNoneOnTheHost) {
  if (!have("firejail")) GTEST_SKIP() << "firejail is not installed (scripts/install-deps.sh installs it)";
  trace_and_round_trip("firejail --noprofile --net=none /bin/true",
                       {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p"}, "exited with 0",
                       "--host");
}

TEST_F(Runtimes, LxcUnshare) {
  if (!have("lxc-unshare")) GTEST_SKIP() << "lxc-unshare is not installed (Debian package lxc; scripts/install-deps.sh)";
  trace_and_round_trip("lxc-unshare -s 'MOUNT|PID|UTS|IPC|NETWORK' -- /bin/true",
                       {"clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p"});
}

TEST_F(Runtimes, LxcUsernsexecWithASubordinateRange) {
  // newuidmap allows root only the ranges /etc/subuid gives it; the traced
  // script binds a file giving root 100000-165535 over /etc/subuid and
  // /etc/subgid in the sandbox's private mounts (the host's files stay).
  if (!have("lxc-usernsexec")) GTEST_SKIP() << "lxc-usernsexec is not installed (Debian package lxc; scripts/install-deps.sh)";
  if (!have("newuidmap")) GTEST_SKIP() << "newuidmap is not installed (Debian package uidmap; scripts/install-deps.sh)";
  if (access("/etc/subuid", F_OK) != 0 || access("/etc/subgid", F_OK) != 0)
    GTEST_SKIP() << "no /etc/subuid or /etc/subgid to bind the test's ranges over (Debian package passwd makes them)";
  trace_and_round_trip(script("echo root:100000:65536 >/run/subid\n"
                              "mount --bind /run/subid /etc/subuid\n"
                              "mount --bind /run/subid /etc/subgid\n"
                              "exec lxc-usernsexec -m b:0:100000:65536 -- /bin/true\n"),
                       {"unshare(CLONE_NEWNS|CLONE_NEWUSER)  = 0", "/uid_map\", \"0 100000 65536\\n\")  = 0",
                        "/gid_map\", \"0 100000 65536\\n\")  = 0"});
}

TEST_F(Runtimes, LxcExecute) {
  if (std::string why = missing("lxc-execute", "lxc"); !why.empty()) GTEST_SKIP() << why;
  std::string dir = temp(".lxc");
  std::string root = rootfs(dir);
  std::string conf = lxc_conf(dir, root);
  trace_and_round_trip("lxc-execute -n nssim-test -f " + conf + " -- /bin/true",
                       {"clone3(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p",
                        "unshare(CLONE_NEWCGROUP)  = 0", "sethostname(\"nssimct\")  = 0", "setns(fd"});
}

// lxc-attach into a container lxc-execute runs (both in the trace): it gets
// the container init's pidfd from lxc's monitor over the command socket, and
// setns() on it joins every namespace at once.
TEST_F(Runtimes, LxcAttach) {
  if (std::string why = missing("lxc-attach", "lxc"); !why.empty()) GTEST_SKIP() << why;
  std::string dir = temp(".lxc");
  std::string root = rootfs(dir);
  run_shell("ln -s busybox " + root + "/bin/sleep");
  std::string conf = lxc_conf(dir, root);
  std::string l = fmt::format("-P {} -n nssim-test-attach", dir);
  trace_and_round_trip(script(fmt::format("set -e\nlxc-execute {0} -f {1} -- /bin/sleep 30 &\n"
                                          "lxc-wait {0} -s RUNNING -t 10\n"
                                          "lxc-attach {0} -- /bin/true\n"
                                          "lxc-stop {0} -k\nwait\n",
                                          l, conf)),
                       {"clone3(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET) -> p",
                        "received with SCM_RIGHTS: modelled as pidfd_open() of the same process",
                        "CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)  = 0"});
}

// docker run: the namespaces are made by the daemons (containerd's shim and
// runc), so the test starts containerd and dockerd itself and follows them
// with nssim trace --attach while the docker CLI runs a container of an image
// imported from the busybox-static rootfs (vfs storage, cgroupfs under
// nssim-test-docker, no iptables, no bridge, --network none). The daemons run
// in a mount namespace of their own with tmpfs on /run, /etc/docker and
// /var/lib, where they keep fixed paths (key.json, /run/containerd/s, the
// netns bind mounts under --exec-root), so the host keeps none of it.
TEST_F(Runtimes, DockerRunFollowedByAttachingToDockerdAndContainerd) {
  if (std::string why = missing("dockerd", "docker.io"); !why.empty()) GTEST_SKIP() << why;
  if (!have("containerd") || access("/usr/bin/docker", X_OK) != 0 || access("/etc/docker", F_OK) != 0)
    GTEST_SKIP() << "containerd or Debian's /usr/bin/docker is missing (docker.io; scripts/install-deps.sh)";
  // containerd's socket path must stay short (sun_path).
  char tmpl[] = "/tmp/nssim-dk.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, log = temp(".log"), sc = temp(".nss");
  std::string root = rootfs(dir);
  CliRun r = run_shell("sh " + write_temp(".sh", fmt::format(R"(D={0}
DK="/usr/bin/docker -H unix://$D/docker.sock"
stop() {{ kill $K $C 2>/dev/null; wait $K $C 2>/dev/null; }}
trap stop EXIT
tar -C {1} -cf $D/rootfs.tar .
unshare --mount --propagation private sh -c "mount -t tmpfs nssim-run /run && mount -t tmpfs nssim-etc /etc/docker &&
  mount -t tmpfs nssim-varlib /var/lib && exec containerd -c /dev/null --root $D/ctd --state $D/ctds --address $D/ctd.sock" \
  >$D/containerd.log 2>&1 &
C=$!
for i in $(seq 100); do [ -S $D/ctd.sock ] && break; sleep 0.1; done
nsenter -t $C -m dockerd --containerd $D/ctd.sock --data-root $D/data --exec-root /run/nssim-docker \
  --pidfile /run/nssim-docker.pid -H unix://$D/docker.sock --iptables=false --ip6tables=false --bridge=none \
  --ip-forward=false --ip-masq=false --userland-proxy=false --storage-driver vfs \
  --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent nssim-test-docker >$D/dockerd.log 2>&1 &
K=$!
for i in $(seq 150); do $DK version >/dev/null 2>&1 && break; sleep 0.2; done
$DK version >/dev/null 2>&1 || {{ echo "dockerd did not start:"; tail -5 $D/dockerd.log $D/containerd.log; exit 0; }}
$DK import $D/rootfs.tar nssim-test-bb >/dev/null || {{ echo "import failed"; tail $D/dockerd.log; exit 1; }}
{2} trace --attach $K,$C --summary --save-log {3} &
N=$!
for i in $(seq 100); do grep -q 'TracerPid:[[:space:]]*[1-9]' /proc/$K/status && grep -q 'TracerPid:[[:space:]]*[1-9]' /proc/$C/status && break; sleep 0.1; done
$DK run --rm --network none nssim-test-bb /bin/true
echo "docker=$?"
sleep 1
kill -INT $N
wait $N
echo "trace=$?"
)",
                                                                    dir, root, NSSIM_BINARY, log)));
  run_shell("rm -rf " + dir);
  // A machine where dockerd cannot run: said, and docker stays covered by its
  // recorded log (tests/data/strace/docker-run-attach.log, StraceImport).
  if (r.out.find("dockerd did not start:") != std::string::npos) GTEST_SKIP() << r.out;
  // (The whole output is long: each failure says what tells why, and ctest's
  // tail, which a CI log keeps, ends with it.)
  EXPECT_THAT(r.out, HasSubstr("docker=0")) << digest(r.out);
  EXPECT_THAT(r.out, HasSubstr("trace=0")) << digest(r.out);
  EXPECT_THAT(r.out, HasSubstr("contradictions with the kernel: 0")) << digest(r.out);
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION"))) << digest(r.out);
  EXPECT_THAT(r.out, HasSubstr("the model starts from a snapshot taken at attach time")) << digest(r.out);
  // runc (under containerd's shim) makes the namespaces; dockerd binds the
  // container's net namespace under its exec root and joins it.
  EXPECT_THAT(r.out, HasSubstr("unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)  = 0"))
      << digest(r.out);
  EXPECT_THAT(r.out, ::testing::ContainsRegex("mount\\(\"/proc/p[0-9]+/ns/net\", \"/run/nssim-docker/netns/"))
      << digest(r.out);
  EXPECT_THAT(r.out, ::testing::ContainsRegex("setns\\(fd[0-9]+, CLONE_NEWNET\\)  = 0  \\(kernel: = 0, ok\\)"))
      << digest(r.out);
  CliRun i = run_shell(nssim("import " + log + " -o " + sc));
  EXPECT_EQ(i.status, 0) << digest(i.out);
  CliRun real = run_shell(nssim("trace --real --no-events --no-table " + sc));
  EXPECT_EQ(real.status, 0) << digest(real.out);
  EXPECT_THAT(real.out, HasSubstr("live kernel: 0 disagreements")) << digest(real.out);
}

class RuntimesNspawn : public Runtimes, public ::testing::WithParamInterface<const char*> {};

TEST_P(RuntimesNspawn, SystemdNspawn) {
  // No systemd is needed with --register=no --keep-unit (no machined, no scope).
  if (std::string why = missing("systemd-nspawn", "systemd-container"); !why.empty()) GTEST_SKIP() << why;
  std::string opt = GetParam();
  std::vector<std::string> expect = {
      "clone(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|" + std::string(opt == "--private-users" ? "CLONE_NEWUSER|" : "") +
          "CLONE_NEWPID) -> p",
      "unshare(CLONE_NEWCGROUP)  = 0", "sethostname(\"rootfs\")  = 0"};
  if (opt == "--private-users") expect.push_back("/uid_map\", \"0 0 65536\\n\")  = 0");
  if (opt == "--private-network") expect.push_back("unshare(CLONE_NEWNET)  = 0");
  trace_and_round_trip("systemd-nspawn -q -D " + rootfs(temp(".nspawn")) + " --register=no --keep-unit " + opt +
                           " /bin/true",
                       expect);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimesNspawn, ::testing::Values("", "--private-users", "--private-network"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           std::string o = i.param;
                           return o.empty() ? std::string("Plain") : o == "--private-users" ? "PrivateUsers" : "PrivateNetwork";
                         });

TEST_F(Runtimes, BwrapAsRoot) {
  if (!have("bwrap")) GTEST_SKIP() << "bwrap is not installed (Debian package bubblewrap; scripts/install-deps.sh)";
  trace_and_round_trip("bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true",
                       {"CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET) -> p", "/setgroups\", \"deny\\n\")  = 0"});
}

TEST_F(Runtimes, BwrapAsUid65534) {
  // setpriv drops to nobody keeping its capabilities through capset(pid=getpid())
  // until setresgid; bwrap then needs an unprivileged user namespace.
  if (!have("bwrap")) GTEST_SKIP() << "bwrap is not installed (Debian package bubblewrap; scripts/install-deps.sh)";
  if (slurp("/proc/sys/kernel/unprivileged_userns_clone").rfind("0", 0) == 0 ||
      slurp("/proc/sys/user/max_user_namespaces").rfind("0", 0) == 0)
    GTEST_SKIP() << "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone or user.max_user_namespaces)";
  trace_and_round_trip(
      "setpriv --reuid=65534 --regid=65534 --clear-groups bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev "
      "/bin/true",
      {"setresuid(65534, 65534, 65534)  = 0", "setresgid(65534, 65534, 65534)  = 0",
       "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET) -> p", "/uid_map\", \"0 65534 1\\n\")  = 0",
       "unshare(CLONE_NEWUSER)  = 0", "/uid_map\", \"65534 0 1\\n\")  = 0"});
}

// podman (no daemon: podman, conmon and the OCI runtime, all traced) with its
// storage in temp dirs (vfs), cgroupfs, a file events log, runc, no network
// (CNI's plugins open the container's netns through /proc/PID/fd/N, which the
// model does not follow: docs/strace-log.md), and the image imported from a
// busybox-static rootfs tarball inside the trace. The rlimits are pinned below
// the usual hard limits: podman's default nofile (1048576) needs
// CAP_SYS_RESOURCE, which some CI containers lack.
// containers/image keeps root's blob-info cache in /var/lib/containers/cache
// whatever --root says: the traced scripts mount a tmpfs on /var/lib in the
// sandbox's private mount namespace, so the host's /var/lib is left alone.
constexpr const char* kPrivateVarLib = "mount -t tmpfs nssim-varlib /var/lib\n";

std::string podman_cmd(const std::string& dir) {
  return fmt::format("podman --root {0}/root --runroot {0}/runroot --tmpdir {0}/tmp --storage-driver vfs "
                     "--cgroup-manager cgroupfs --events-backend file --runtime runc",
                     dir);
}

TEST_F(Runtimes, PodmanRun) {
  if (std::string why = missing("podman", "podman"); !why.empty()) GTEST_SKIP() << why;
  if (!have("runc")) GTEST_SKIP() << "runc is not installed (scripts/install-deps.sh installs it)";
  // podman refuses a run root longer than 50 characters: a short temp dir.
  char tmpl[] = "/tmp/nssim-pm.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string root = rootfs(dir);
  std::string p = podman_cmd(dir);
  trace_and_round_trip(script(fmt::format("set -e\n{3}tar -C {0} -cf {1}/rootfs.tar .\n{2} import {1}/rootfs.tar nssim-test-bb\n"
                                          "exec {2} run --rm --network none --ulimit nofile=1024:1024 "
                                          "--ulimit nproc=1024:1024 nssim-test-bb /bin/true\n",
                                          root, dir, p, kPrivateVarLib)),
                       {"unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)  = 0"});
  run_shell("rm -rf " + dir);
}

// buildah run of a working container made from scratch with the rootfs
// tarball added, in both isolations: chroot (buildah's own unshare and
// chroot, no OCI runtime; the host's network, the only one it allows) and oci
// (runc, no network).
std::string buildah_script(const std::string& dir, const std::string& root, const std::string& isolation) {
  std::string b = fmt::format("buildah --root {0}/root --runroot {0}/runroot --storage-driver vfs", dir);
  return fmt::format("set -e\n{4}tar -C {0} -cf {1}/rootfs.tar .\nc=$({2} from scratch)\n{2} add \"$c\" {1}/rootfs.tar /\n"
                     "exec {2} run --isolation {3} \"$c\" /bin/true\n",
                     root, dir, b, isolation, kPrivateVarLib);
}

TEST_F(Runtimes, BuildahRunChroot) {
  if (std::string why = missing("buildah", "buildah"); !why.empty()) GTEST_SKIP() << why;
  std::string dir = temp(".buildah");
  trace_and_round_trip(script(buildah_script(dir, rootfs(dir), "chroot")), {"CLONE_NEWNS", "CLONE_NEWUTS"});
}

TEST_F(Runtimes, BuildahRunOci) {
  if (std::string why = missing("buildah", "buildah"); !why.empty()) GTEST_SKIP() << why;
  if (!have("runc")) GTEST_SKIP() << "runc is not installed (scripts/install-deps.sh installs it)";
  std::string dir = temp(".buildah");
  trace_and_round_trip(script(buildah_script(dir, rootfs(dir), "oci --runtime runc --network none")),
                       {"unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET)  = 0"});
}

// ---- nssim trace --attach PID on the live kernel -------------------------

class StraceAttach : public StraceLive {
 protected:
  // Runs `body` with sh (PID names a started process) and returns its output.
  CliRun sh(const std::string& body) { return run_shell("sh " + write_temp(".sh", body)); }
};

// A process already in new uts and net namespaces, attached while it waits;
// then it sets its hostname, a child unshares ipc, and nsenter -t joins its
// uts namespace through /proc/PID/ns/uts: every step agrees with the kernel,
// from a model restored from the snapshot taken at attach time.
TEST_F(StraceAttach, FollowsARunningProcessAndItsChildrenThroughNamespaceCalls) {
  std::string fifo = temp(".fifo"), log = temp(".log"), sc = temp(".nss");
  CliRun r = sh(fmt::format(R"(rm -f {0}; mkfifo {0}
unshare --uts --net sh -c 'read x < {0}; hostname y; unshare --ipc true; nsenter -t $$ -u hostname z' </dev/null &
A=$!
sleep 0.5
(sleep 2; echo go > {0}) &
{1} trace --attach $A --summary --save-log {2}
echo "rc=$?"
echo "A=$A"
wait
rm -f {0}
)",
                            fifo, NSSIM_BINARY, log));
  EXPECT_THAT(r.out, HasSubstr("rc=0")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("contradictions with the kernel: 0")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("CONTRADICTION")));
  EXPECT_THAT(r.out, HasSubstr("the model starts from a snapshot taken at attach time"));
  EXPECT_THAT(r.out, HasSubstr(": they all exited"));
  EXPECT_THAT(r.out, HasSubstr("sethostname(\"y\")  = 0  (kernel: = 0, ok)"));
  EXPECT_THAT(r.out, HasSubstr("unshare(CLONE_NEWIPC)  = 0  (kernel: = 0, ok)"));
  // nsenter's fd number depends on the fds the test runner leaves open (fd3 alone, fd4 under ctest -j).
  EXPECT_THAT(r.out, ::testing::ContainsRegex("setns\\(fd[0-9]+, CLONE_NEWUTS\\)  = 0  \\(kernel: = 0, ok\\)"));
  std::smatch m;
  std::string out = r.out;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("A=([0-9]+)")));
  EXPECT_THAT(r.out, HasSubstr(fmt::format("open(\"/proc/p{}/ns/uts\")", m[1].str())));
  // The saved log starts mid-life; of one process, which is then the scenario's
  // first task (in the initial namespaces, as an existing process would be).
  CliRun i = run_shell(nssim("import " + log + " -o " + sc));
  EXPECT_EQ(i.status, 0) << i.out;
  EXPECT_THAT(slurp(sc), HasSubstr(fmt::format("task p{}\n", m[1].str())));
  CliRun real = run_shell(nssim("trace --real --no-events --no-table " + sc));
  EXPECT_EQ(real.status, 0) << real.out << "\n--- scenario:\n" << slurp(sc);
  EXPECT_THAT(real.out, HasSubstr("live kernel: 0 disagreements"));
}

// Ctrl-C (SIGINT to nssim) and --duration detach: the process runs on, untraced.
TEST_F(StraceAttach, CtrlCAndDurationDetachAndTheProcessRunsOnUntraced) {
  CliRun r = sh(fmt::format(R"(sleep 30 &
S=$!
{0} trace --attach $S --summary > /dev/null 2>&1 &
N=$!
sleep 1
grep TracerPid /proc/$S/status | sed 's/^/during: /'
kill -INT $N
wait $N
echo "rc=$?"
grep TracerPid /proc/$S/status | sed 's/^/after: /'
{0} trace --attach $S --summary --duration 0.5
echo "rc2=$?"
grep TracerPid /proc/$S/status | sed 's/^/after2: /'
kill -0 $S && echo alive
kill $S
)",
                            NSSIM_BINARY));
  EXPECT_THAT(r.out, Not(HasSubstr("during: TracerPid:\t0"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("rc=0")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("after: TracerPid:\t0"));
  EXPECT_THAT(r.out, HasSubstr("detached after --duration 0.5"));
  EXPECT_THAT(r.out, HasSubstr("rc2=0"));
  EXPECT_THAT(r.out, HasSubstr("after2: TracerPid:\t0"));
  EXPECT_THAT(r.out, HasSubstr("alive"));
}

// nssim killed outright: strace (PR_SET_PDEATHSIG) detaches all the same.
TEST_F(StraceAttach, KillingNssimDetachesToo) {
  CliRun r = sh(fmt::format(R"(sleep 30 &
S=$!
{0} trace --attach $S > /dev/null 2>&1 &
N=$!
sleep 1
kill -KILL $N
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q 'TracerPid:.0$' /proc/$S/status && break; sleep 0.2; done
grep TracerPid /proc/$S/status | sed 's/^/after: /'
kill -0 $S && echo alive
kill $S
)",
                            NSSIM_BINARY));
  EXPECT_THAT(r.out, HasSubstr("after: TracerPid:\t0")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("alive"));
}

TEST(StraceTrace, AttachUsageErrors) {
  CliRun none = run_shell(nssim("trace --attach 2147483646"));
  EXPECT_EQ(none.status, 3) << none.out;
  EXPECT_THAT(none.out, HasSubstr("pid 2147483646 is not a running process"));
  EXPECT_EQ(run_shell(nssim("trace --attach 1 -- true")).status, 2);
  EXPECT_EQ(run_shell(nssim("trace --attach 1 x.nss")).status, 2);
  EXPECT_EQ(run_shell(nssim("trace --duration 3 -- true")).status, 2);
  EXPECT_EQ(run_shell(nssim("trace --attach 1 --html x.html")).status, 2);
  CliRun bad = run_shell(nssim("trace --attach x"));
  EXPECT_EQ(bad.status, 2) << bad.out;
}

TEST(StraceTrace, UsageErrors) {
  EXPECT_EQ(run_shell(nssim("trace")).status, 2);
  EXPECT_EQ(run_shell(nssim("trace --real -- true")).status, 2);
  EXPECT_EQ(run_shell(nssim("trace x.nss -- true")).status, 2);
}

TEST(StraceTrace, UnprivilegedExitsThreeWithAReason) {
  if (std::string why = testing::unprivileged_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  CliRun r = testing::run_nssim_unprivileged("trace -- true");
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("needs root"));
}

}  // namespace
}  // namespace nssim
