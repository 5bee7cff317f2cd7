// What `nssim trace --real` adds per step beyond the system calls: the
// Runner driving the model and the live-kernel backend (a request to the
// task's agent process and back, then reading every task's /proc/PID/ns/*
// and comparing). Measured through the public API exactly as cmd_trace
// wires it (Runner + RealBackend as peer), without printing.
//
// The report subtracts kernel/sethostname (the same syscall made directly,
// same run) from real/step/sethostname: that difference is the overhead.
#include <memory>
#include <string>

#include "bench/bench_util.h"
#include "real/real_backend.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace nssim::bench {
namespace {

using benchmark::State;

// `paranoid`: observe() reads every task every time (--paranoid), not only
// those the last call can have changed.
std::unique_ptr<real::RealBackend> backend(std::string& why, bool paranoid = false) {
  real::RealBackend::Options o;
  o.paranoid = paranoid;
  return real::RealBackend::create(o, why);
}

bool parse(State& st, const std::string& text, ParseResult& pr) {
  pr = parse_scenario(text, "bench.nss");
  if (!pr.ok()) {
    fail(st, "parse: " + pr.errors[0].message);
    return false;
  }
  return true;
}

void BM_real_startup(State& st) {
  if (!need_kernel(st)) return;
  std::string why;
  for (auto _ : st) {
    int64_t t0 = now_ns();
    { auto b = backend(why);
      if (!b) return fail(st, "RealBackend::create: " + why); }
    st.SetIterationTime(static_cast<double>(now_ns() - t0) * 1e-9);
  }
  st.SetLabel("RealBackend::create + destroy (sandbox start and teardown)");
}

// One whole scenario per iteration; the reported time is per step.
void run_steps(State& st, const std::string& text, int64_t steps) {
  if (!need_kernel(st)) return;
  ParseResult pr;
  if (!parse(st, text, pr)) return;
  double total_s = 0;
  int runs = 0;
  for (auto _ : st) {
    std::string why;
    auto b = backend(why);
    if (!b) return fail(st, "RealBackend::create: " + why);
    Runner::Options opt;
    opt.peer = b.get();
    Kernel::Config cfg = Runner::config_for(pr.scenario);
    Runner::adopt_environment(*b, cfg);
    opt.config = cfg;
    Runner r(pr.scenario, opt);
    int64_t t0 = now_ns();
    RunSummary sum = r.run([](const StepRecord&) {});
    int64_t t1 = now_ns();
    if (!sum.ok()) {
      return fail(st, fmt::format("the run did not hold: {} disagreements, {} failed expectations, {} failed "
                                  "results{}",
                                  sum.disagreements, sum.expects_failed, sum.results_failed,
                                  sum.error ? ", error: " + sum.error->message : ""));
    }
    total_s += static_cast<double>(t1 - t0) * 1e-9;
    ++runs;
    st.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9 / static_cast<double>(steps));
  }
  st.counters["steps"] = static_cast<double>(steps);
  st.counters["scenario_s"] = runs ? total_s / runs : 0;
}

void BM_real_step_sethostname(State& st) {
  constexpr int64_t kSteps = 200;
  std::string s;
  for (int i = 0; i < kSteps; ++i) s += "init: sethostname(\"x\")\n";
  run_steps(st, s, kSteps);
  st.SetLabel("Runner + RealBackend, one task, per step");
}

// A realistic scenario: blocks of ten steps that make and reap a task with
// new uts+net namespaces, enter and leave its net namespace, rename it,
// unshare ipc and check an expectation.
void BM_real_step_mixed(State& st) {
  const int64_t steps = st.range(0);
  std::string s = "init: open(\"/proc/self/ns/net\") -> f0\n";
  static const char* block[] = {
      "init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b\n",
      "b: sethostname(\"b\")\n",
      "init: open(\"/proc/b/ns/net\") -> f\n",
      "init: setns(f, CLONE_NEWNET)\n",
      "expect init.net == b.net\n",
      "init: setns(f0, CLONE_NEWNET)\n",
      "init: close(f)\n",
      "init: unshare(CLONE_NEWIPC)\n",
      "b: exit(0)\n",
      "init: wait(b) = b\n",
  };
  for (int64_t n = 1, i = 0; n < steps; ++n, i = (i + 1) % 10) s += block[i];
  run_steps(st, s, steps);
  st.SetLabel("Runner + RealBackend, clone/open/setns/close/unshare/exit/wait mix, per step");
}

// The backend's call() alone: a request to the agent and its reply.
void BM_real_call_sethostname(State& st) {
  if (!need_kernel(st)) return;
  ParseResult pr;
  if (!parse(st, "init: sethostname(\"x\")\n", pr)) return;
  const CallStmt& c = std::get<CallStmt>(pr.scenario.statements[0].s);
  std::string why;
  auto b = backend(why);
  if (!b) return fail(st, "RealBackend::create: " + why);
  Errors e;
  for (auto _ : st) {
    CallOutcome o = b->call(c);
    if (!o.ok) [[unlikely]] {
      errno = o.err;
      e.record("call");
    }
  }
  e.finish(st, st.iterations());
  st.SetLabel("RealBackend::call only (agent round trip)");
}

// The backend's observe() with n tasks: what every --real step reads.
void BM_real_observe(State& st) {
  if (!need_kernel(st)) return;
  const int64_t n = st.range(0);
  std::string s;
  for (int64_t i = 1; i < n; ++i) s += fmt::format("init: clone(0) -> t{}\n", i);
  ParseResult pr;
  if (!s.empty() && !parse(st, s, pr)) return;
  std::string why;
  auto b = backend(why, /*paranoid=*/true);
  if (!b) return fail(st, "RealBackend::create: " + why);
  for (auto& stmt : pr.scenario.statements)
    if (CallOutcome o = b->call(std::get<CallStmt>(stmt.s)); !o.ok) return fail(st, "clone: " + o.result);
  size_t seen = 0;
  for (auto _ : st) {
    Observation o = b->observe();
    seen = o.tasks.size();
  }
  if (seen != static_cast<size_t>(n)) return fail(st, fmt::format("observed {} tasks of {}", seen, n));
  st.counters["tasks"] = static_cast<double>(n);
  st.SetComplexityN(n);
  st.SetLabel("RealBackend::observe with --paranoid: /proc/PID/{stat,status,ns/*} of every task");
}

}  // namespace

void register_real(const Config& c) {
  const double t = c.quick ? 0.01 : 0.1;
  add("real/startup", BM_real_startup)->UseManualTime()->Iterations(c.quick ? 2 : 10);
  add("real/call_sethostname", BM_real_call_sethostname)->UseRealTime()->MinTime(t);
  auto* b = add("real/observe", BM_real_observe)->ArgName("tasks")->UseRealTime()->MinTime(t);
  for (int64_t n : {1, 4, 16}) b->Arg(n);
  add("real/step/sethostname", BM_real_step_sethostname)->UseManualTime()->Iterations(c.quick ? 1 : 5);
  add("real/step/mixed", BM_real_step_mixed)->ArgName("steps")->Arg(300)->UseManualTime()->Iterations(c.quick ? 1 : 3);
}

}  // namespace nssim::bench
