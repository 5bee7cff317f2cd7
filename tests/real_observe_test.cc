// What `--real` reads after each step (docs/design.md, "What --real reads per
// step"): the tasks the step can have changed, not every live task; every
// task on the scenario's last call and with --paranoid (every step). A change
// the kernel makes behind both sides' backs is still found by the full check.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "real/real_backend.h"
#include "sim/runner.h"

namespace nssim {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A sandbox for `src`, or why not (the caller skips).
std::unique_ptr<real::RealBackend> start(const ParseResult& pr, bool paranoid, std::string& why) {
  why = real::unavailable_reason();
  if (!why.empty()) return nullptr;
  real::RealBackend::Options ro;
  ro.init_name = pr.scenario.init_name;
  ro.paranoid = paranoid;
  ro.cgroup = uses_cgroups(pr.scenario);
  return real::RealBackend::create(ro, why);
}

Runner::Options peer_options(real::RealBackend& real, const Scenario& sc) {
  Runner::Options opt;
  opt.trace = false;
  opt.peer = &real;
  Kernel::Config cfg = Runner::config_for(sc);
  Runner::adopt_environment(real, cfg);
  opt.config = cfg;
  return opt;
}

// init, w (own uts namespace), `idle` idle tasks, then `steps` sethostname calls by w.
std::string idle_scenario(int idle, int steps) {
  std::string s = "init: clone(CLONE_NEWUTS) -> w\n";
  for (int i = 0; i < idle; ++i) s += "init: clone(0) -> k" + std::to_string(i) + "\n";
  for (int i = 0; i < steps; ++i) s += "w: sethostname(\"h" + std::to_string(i) + "\")\n";
  return s;
}

// The per-step read must not become proportional to the live tasks again:
// with 40 idle tasks, a sethostname step reads its caller only (and keeps the
// other 41 observations); the last call reads every task.
TEST(RealObserve, SethostnameStepReadsItsCallerNotEveryLiveTask) {
  ParseResult pr = parse_scenario(idle_scenario(40, 5), "idle.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start(pr, false, why);
  if (!real) GTEST_SKIP() << why;
  Runner runner(pr.scenario, peer_options(*real, pr.scenario));
  std::vector<real::RealBackend::ObserveCost> costs;
  std::vector<std::string> dis;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    for (auto& d : r.disagreements) dis.push_back(fmt::format("line {}: {}", r.line, d));
    if (r.kind == StepRecord::Call && r.call->kind == CallKind::Sethostname) costs.push_back(real->last_observe_cost());
  });
  ASSERT_FALSE(sum.error);
  EXPECT_THAT(dis, IsEmpty());
  ASSERT_EQ(costs.size(), 5u);
  for (size_t i = 0; i + 1 < costs.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_FALSE(costs[i].full);
    EXPECT_EQ(costs[i].read, 1u);   // w
    EXPECT_EQ(costs[i].kept, 41u);  // init and the 40 idle tasks
  }
  EXPECT_TRUE(costs.back().full);
  EXPECT_EQ(costs.back().read, 42u);
}

// --paranoid: every task is read after every step.
TEST(RealObserve, ParanoidReadsEveryTaskEveryStep) {
  ParseResult pr = parse_scenario(idle_scenario(5, 3), "idle.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start(pr, true, why);
  if (!real) GTEST_SKIP() << why;
  Runner runner(pr.scenario, peer_options(*real, pr.scenario));
  std::vector<real::RealBackend::ObserveCost> costs;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    if (r.kind == StepRecord::Call) costs.push_back(real->last_observe_cost());
  });
  ASSERT_FALSE(sum.error);
  ASSERT_FALSE(costs.empty());
  for (auto& c : costs) {
    EXPECT_TRUE(c.full);
    EXPECT_EQ(c.kept, 0u);
  }
  EXPECT_EQ(costs.back().read, 7u);
}

// A task a step does not touch still shows what its uts namespace's
// sethostname() did (the hostname belongs to the namespace: kernel/sys.c:
// sethostname()), read from the caller, on every step, not only the last.
TEST(RealObserve, SethostnameReachesEveryTaskOfThatUtsNamespace) {
  ParseResult pr = parse_scenario(
      "init: clone(CLONE_NEWUTS) -> w\n"
      "w: clone(0) -> w2\n"
      "init: clone(0) -> k\n"
      "w: sethostname(\"x\")\n"
      "init: clone(0) -> k2\n"
      "init: clone(0) -> k3\n",
      "uts.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start(pr, false, why);
  if (!real) GTEST_SKIP() << why;
  Runner runner(pr.scenario, peer_options(*real, pr.scenario));
  std::vector<std::string> dis;
  std::optional<std::string> w2_after;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    for (auto& d : r.disagreements) dis.push_back(fmt::format("line {}: {}", r.line, d));
    if (r.line == 5 && r.peer_obs)
      if (const TaskObs* t = r.peer_obs->find("w2")) w2_after = t->hostname;
  });
  ASSERT_FALSE(sum.error);
  EXPECT_THAT(dis, IsEmpty());
  EXPECT_EQ(w2_after, std::optional<std::string>("x"));
}

// The kernel changes something neither the model nor the step's rules
// expect: k's uts namespace gets a new hostname from outside the scenario
// (nssim's test process, through setns). Steps that do not touch k keep its
// old observation, and the scenario's last call, which reads every task,
// reports it; --paranoid reports it at the next step.
void tamper_then_expect(bool paranoid, int want_line) {
  ParseResult pr = parse_scenario(
      "init: clone(0) -> k\n"
      "init: clone(CLONE_NEWUTS) -> w\n"
      "w: sethostname(\"a\")\n"
      "w: sethostname(\"b\")\n"
      "w: sethostname(\"c\")\n",
      "tamper.nss");
  ASSERT_TRUE(pr.ok());
  std::string why;
  auto real = start(pr, paranoid, why);
  if (!real) GTEST_SKIP() << why;
  if (real->rootless() || real->env_user()) GTEST_SKIP() << "needs root on the host (setns into the sandbox)";
  Runner runner(pr.scenario, peer_options(*real, pr.scenario));
  std::vector<std::pair<int, std::string>> dis;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    for (auto& d : r.disagreements) dis.emplace_back(r.line, d);
    if (r.line != 3) return;
    int fd = open(fmt::format("/proc/{}/ns/uts", real->ctlpid_of("k")).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    pid_t c = fork();
    if (c == 0) _exit(setns(fd, CLONE_NEWUTS) == 0 && sethostname("evil", 4) == 0 ? 0 : 1);
    int st = 0;
    waitpid(c, &st, 0);
    close(fd);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  });
  ASSERT_FALSE(sum.error);
  ASSERT_FALSE(dis.empty());
  EXPECT_EQ(dis.front().first, want_line);
  EXPECT_THAT(dis.front().second, HasSubstr("hostname \"(none)\" in the model, \"evil\" in the kernel"));
}

TEST(RealObserve, ChangeBehindItsBackIsFoundByTheLastFullCheck) { tamper_then_expect(false, 5); }
TEST(RealObserve, ChangeBehindItsBackIsFoundAtTheNextStepWhenParanoid) { tamper_then_expect(true, 4); }

}  // namespace
}  // namespace nssim
