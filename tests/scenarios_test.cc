// Every bundled scenario (examples/ and labs/ solutions): it passes on the
// model, the refcount ledger accounts for every reference after every step,
// and on the live kernel it runs with no disagreement (and its expectations
// still hold with the model set up for the sandbox).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "real/real_backend.h"
#include "tests/bundled.h"
#include "sim/runner.h"

namespace nssim {
namespace {

std::string load(const std::string& rel) {
  std::ifstream f(std::filesystem::path(NSSIM_SOURCE_DIR) / rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class Bundled : public ::testing::TestWithParam<std::string> {};

TEST_P(Bundled, PassesOnTheModelWithAConsistentLedger) {
  std::string src = load(GetParam());
  ParseResult pr = parse_scenario(src, GetParam());
  ASSERT_TRUE(pr.ok()) << format_diagnostic(GetParam(), src, pr.errors.front());
  Runner runner(pr.scenario, Runner::Options{});
  std::vector<std::string> problems;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    if (r.kind == StepRecord::Expect && r.verdict == Verdict::Fail)
      problems.push_back("line " + std::to_string(r.line) + ": expect " + r.text + " failed: " + r.detail);
    if (r.kind == StepRecord::Call && !r.ok)
      problems.push_back("line " + std::to_string(r.line) + ": asserted " + *r.expected + ", got " +
                         r.outcome.result);
    const Kernel& k = runner.sim().kernel();
    // nsproxies() finds them through the tasks using them: exactly those
    // alive in the pool.
    std::vector<const NsProxy*> pooled;
    for (auto* o : k.registry().live())
      if (o->kind() == ObjKind::NsProxy) pooled.push_back(static_cast<const NsProxy*>(o));
    std::sort(pooled.begin(), pooled.end(), [](auto* a, auto* b) { return a->id() < b->id(); });
    if (k.nsproxies() != pooled) problems.push_back("line " + std::to_string(r.line) + ": nsproxies() differs");
    auto all = k.all_holders();
    for (auto& rec : k.ns_records())
      if (rec.ns && all[rec.ns->serial].size() != rec.ns->refs())
        problems.push_back("line " + std::to_string(r.line) + ": ledger of " + k.ns_str(rec.ns) + " has " +
                           std::to_string(all[rec.ns->serial].size()) + " holders for " +
                           std::to_string(rec.ns->refs()) + " references");
  });
  ASSERT_FALSE(sum.error) << format_diagnostic(GetParam(), src, *sum.error);
  EXPECT_THAT(problems, ::testing::IsEmpty());
  EXPECT_TRUE(sum.ok());
}

TEST_P(Bundled, AgreesWithTheLiveKernel) {
  std::string why = real::unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::string src = load(GetParam());
  ParseResult pr = parse_scenario(src, GetParam());
  ASSERT_TRUE(pr.ok());
  real::RealBackend::Options ro;
  ro.init_name = pr.scenario.init_name;
  auto real = real::RealBackend::create(ro, why);
  ASSERT_TRUE(real) << why;
  Runner::Options opt;
  opt.peer = real.get();
  Kernel::Config cfg = Runner::config_for(pr.scenario);
  Runner::adopt_environment(*real, cfg);
  // A scenario written for another kernel (`kernel 6.1`) is checked on that
  // kernel (nssim trace --real --vm 6.1), not on this one.
  if (auto why_not = testing::written_for_another_kernel(pr.scenario, cfg.kernel, real->kernel_release().value_or("?"));
      !why_not.empty())
    GTEST_SKIP() << why_not;
  opt.config = cfg;
  Runner runner(pr.scenario, opt);
  std::vector<std::string> dis, problems;
  RunSummary sum = runner.run([&](const StepRecord& r) {
    for (auto& d : r.disagreements) dis.push_back("line " + std::to_string(r.line) + ": " + d);
    // The model's expectations hold with the model set up for the sandbox too
    // (levels count from the scenario's root pid namespace: `P.level == 1`).
    if (r.kind == StepRecord::Expect && r.verdict == Verdict::Fail)
      problems.push_back("line " + std::to_string(r.line) + ": expect " + r.text + " failed: " + r.detail);
    if (r.kind == StepRecord::Call && !r.ok)
      problems.push_back("line " + std::to_string(r.line) + ": asserted " + *r.expected + ", got " +
                         r.outcome.result);
  });
  ASSERT_FALSE(sum.error) << format_diagnostic(GetParam(), src, *sum.error);
  EXPECT_THAT(dis, ::testing::IsEmpty());
  EXPECT_THAT(problems, ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Bundled, ::testing::ValuesIn(testing::bundled_scenarios()),
                         [](const auto& i) { return testing::path_test_name(i.param); });

}  // namespace
}  // namespace nssim
