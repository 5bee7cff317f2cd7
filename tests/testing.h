// Shared test helpers: run scenario statements one by one on a Backend, and
// matchers such as FailsWithErrno(EINVAL).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <string>

#include "real/real_backend.h"
#include "sim/backend.h"
#include "sim/result.h"
#include "sim/scenario.h"
#include "sim/sim_backend.h"

namespace nssim {
// gtest prints a CallOutcome like this in failure messages.
inline void PrintTo(const CallOutcome& o, std::ostream* os) {
  *os << (o.ok ? "= " : "= -1 ") << o.result << (o.note.empty() ? "" : " (" + o.note + ")")
      << (o.usage_error.empty() ? "" : " [usage: " + o.usage_error + "]");
}
}  // namespace nssim

namespace nssim::testing {

enum class BackendKind { Sim, Real };
inline std::string backend_name(const ::testing::TestParamInfo<BackendKind>& i) {
  return i.param == BackendKind::Sim ? "Sim" : "Real";
}

// A backend plus a one-line-at-a-time scenario driver.
class Session {
 public:
  // `kernel`: the model's profile (Sim only; the live kernel is what it is).
  explicit Session(BackendKind k, KernelVersion kernel = kDefaultKernel) {
    if (k == BackendKind::Sim) {
      Kernel::Config cfg;
      cfg.kernel = kernel;
      sim_ = std::make_unique<SimBackend>(std::move(cfg));
      b_ = sim_.get();
      kernel_ = kernel;
    } else {
      std::string why;
      real::RealBackend::Options o;
      real_ = real::RealBackend::create(o, why);
      skip_reason_ = why;
      b_ = real_.get();
      if (real_)
        if (auto v = version_from_release(real_->kernel_release().value_or(""))) kernel_ = live_profile(*v);
    }
  }
  // The rules the backend's kernel has (sim/features.h): the profile's, or the
  // live kernel's version's.
  KernelVersion kernel() const { return kernel_; }
  bool has(Feature f) const { return KernelFeatures(kernel_).has(f); }
  bool available() const { return b_ != nullptr; }
  // Kernel level of the root pid namespace (the sandbox on the live kernel).
  uint32_t root_pid_level() const { return real_ ? real_->root_pid_level() : 0; }
  const std::string& skip_reason() const { return skip_reason_; }
  Backend& backend() { return *b_; }
  SimBackend* sim() { return sim_.get(); }

  // Runs one call statement ("a: unshare(CLONE_NEWUTS)"); the source must parse.
  CallOutcome run(const std::string& line) {
    auto pr = parse_scenario(line);
    EXPECT_TRUE(pr.ok()) << line << ": " << (pr.ok() ? "" : pr.errors.front().message);
    if (!pr.ok() || pr.scenario.statements.empty()) return {};
    stmts_.push_back(std::make_unique<Scenario>(std::move(pr.scenario)));
    auto& c = std::get<CallStmt>(stmts_.back()->statements.front().s);
    CallOutcome o = b_->call(c);
    EXPECT_EQ(o.usage_error, "") << line;
    return o;
  }
  // Same namespace behind two links, as /proc shows it.
  ::testing::AssertionResult same(const std::string& a, Link la, const std::string& b, Link lb) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(a);
    const TaskObs* tb = o.find(b);
    if (!ta || !tb) return ::testing::AssertionFailure() << "unknown task";
    auto x = ta->ns[static_cast<int>(la)], y = tb->ns[static_cast<int>(lb)];
    if (!x || !y) return ::testing::AssertionFailure() << "a link cannot be opened";
    if (*x == *y) return ::testing::AssertionSuccess() << a << "." << link_name(la) << " == " << b << "." << link_name(lb);
    return ::testing::AssertionFailure() << a << "." << link_name(la) << " (" << ta->inum[static_cast<int>(la)]
                                         << ") != " << b << "." << link_name(lb) << " ("
                                         << tb->inum[static_cast<int>(lb)] << ")";
  }
  // The identity token of a link now (for later liveness checks).
  std::optional<uint64_t> token(const std::string& t, Link l) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta ? ta->ns[static_cast<int>(l)] : std::nullopt;
  }
  // Whether the backend reports the namespace with that token alive. A free
  // can finish after the syscall that caused it (RCU-delayed puts), so a
  // "dead" answer is awaited for up to ~300 ms before reporting "alive".
  std::optional<bool> alive(uint64_t token) {
    // The model lists only what is live or freed by the last call: ask its
    // records (tokens are serials) about one freed earlier.
    if (sim_) {
      const auto& recs = sim_->kernel().ns_records();
      if (token >= recs.size()) return std::nullopt;
      return recs[token].ns != nullptr;
    }
    std::optional<bool> v;
    for (int wait_ms = 5; wait_ms <= 160; wait_ms *= 2) {
      Observation o = b_->observe();
      if (!o.has_liveness) return std::nullopt;
      v.reset();
      for (auto& l : o.liveness)
        if (l.token == token) v = l.alive;
      if (v != true) return v;
      if (sim_) return v;
      usleep(wait_ms * 1000);
    }
    return v;
  }
  bool openable(const std::string& t, Link l) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta && ta->ns[static_cast<int>(l)].has_value();
  }
  TaskState state(const std::string& t) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta ? ta->state : TaskState::Reaped;
  }
  bool in_vfork(const std::string& t) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta && ta->in_vfork;
  }
  // CapInh, CapPrm, CapEff, CapBnd, CapAmb of /proc/PID/status (TaskObs::caps).
  std::array<uint64_t, 5> caps(const std::string& t) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta ? ta->caps : std::array<uint64_t, 5>{};
  }
  std::vector<uint32_t> nspid(const std::string& t) {
    Observation o = b_->observe();
    const TaskObs* ta = o.find(t);
    return ta ? ta->nspid : std::vector<uint32_t>{};
  }

 private:
  std::unique_ptr<SimBackend> sim_;
  std::unique_ptr<real::RealBackend> real_;
  Backend* b_ = nullptr;
  std::string skip_reason_;
  KernelVersion kernel_ = kDefaultKernel;
  std::vector<std::unique_ptr<Scenario>> stmts_;
};

MATCHER(Succeeds, "succeeds") {
  if (!arg.ok) *result_listener << "failed with " << arg.result << (arg.note.empty() ? "" : " (" + arg.note + ")");
  return arg.ok;
}
MATCHER_P(FailsWithErrno, e, std::string("fails with ") + errno_name(e)) {
  if (arg.ok) *result_listener << "succeeded (" << arg.result << ")";
  else if (arg.err != e) *result_listener << "failed with " << arg.result;
  return !arg.ok && arg.err == e;
}
MATCHER_P(Returns, r, std::string("returns ") + r) {
  *result_listener << "returned " << arg.result;
  return arg.result == r;
}

}  // namespace nssim::testing
