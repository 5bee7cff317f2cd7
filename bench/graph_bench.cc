// nssim-graph-bench: what drawing costs (pictures/graph.*, the code `nssim graph`
// and `trace --html` use) on 1,000-task scenarios. Target (issue "Pictures"):
// a 1,000-task scenario renders to SVG in well under a few seconds.
//
//   fan         init forks 1,000 tasks that share its nsproxy
//   containers  10 "containers" (new uts/net/ipc/mnt/pid), 100 tasks each
//   unshare     1,000 tasks, each with its own nsproxy and uts namespace
//
// Each case is measured three ways: Snapshot (read the model), Build (the
// cgraph graph + DOT text) and Svg (build, lay out with dot, render), on the
// final state of the scenario; Replay is the model's own replay of the
// scenario, for scale (it is what `nssim graph` spends before drawing).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>

#include "pictures/graph.h"
#include "sim/runner.h"

namespace {

using namespace nssim;

std::string scenario(const std::string& name) {
  std::string s;
  if (name == "fan") {
    for (int i = 0; i < 1000; ++i) s += fmt::format("init: clone(0) -> t{}\n", i);
  } else if (name == "containers") {
    for (int c = 0; c < 10; ++c) {
      s += fmt::format("init: clone(CLONE_NEWUTS|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWPID) -> c{}\n", c);
      for (int i = 0; i < 99; ++i) s += fmt::format("c{0}: clone(0) -> c{0}t{1}\n", c, i);
    }
  } else {
    for (int i = 0; i < 1000; ++i) s += fmt::format("init: clone(CLONE_NEWUTS) -> t{}\n", i);
  }
  return s;
}

struct Case {
  Scenario sc;
  std::unique_ptr<Runner> runner;
  cli::ModelSnapshot final_state, before;
};

// Replays the scenario once; keeps the model at its final state.
Case& load(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Case>> cache;
  auto& c = cache[name];
  if (c) return *c;
  c = std::make_unique<Case>();
  ParseResult pr = parse_scenario(scenario(name), name + ".nss");
  if (!pr.ok()) std::abort();
  c->sc = std::move(pr.scenario);
  Runner::Options o;
  o.trace = false;
  c->runner = std::make_unique<Runner>(c->sc, o);
  const size_t n = c->sc.statements.size();
  c->runner->run([&](const StepRecord& r) {
    if (static_cast<size_t>(r.step) + 1 == n) c->before = cli::snapshot(c->runner->sim().kernel());
  });
  c->final_state = cli::snapshot(c->runner->sim().kernel());
  return *c;
}

void Replay(benchmark::State& st, const std::string& name) {
  ParseResult pr = parse_scenario(scenario(name), name + ".nss");
  for (auto _ : st) {
    Runner::Options o;
    o.trace = false;
    Runner r(pr.scenario, o);
    benchmark::DoNotOptimize(r.run([](const StepRecord&) {}));
  }
}

void Snapshot(benchmark::State& st, const std::string& name) {
  Case& c = load(name);
  for (auto _ : st) benchmark::DoNotOptimize(cli::snapshot(c.runner->sim().kernel()));
  st.counters["tasks"] = static_cast<double>(c.final_state.tasks.size());
}

void Build(benchmark::State& st, const std::string& name) {
  Case& c = load(name);
  cli::DrawOptions d;
  d.title = name;
  size_t bytes = 0;
  for (auto _ : st) {
    cli::Graph g = cli::build_graph(c.final_state, &c.before, d);
    std::string dot = cli::to_dot(g);
    bytes = dot.size();
    benchmark::DoNotOptimize(dot);
  }
  st.counters["dot_bytes"] = static_cast<double>(bytes);
}

void Svg(benchmark::State& st, const std::string& name) {
  Case& c = load(name);
  cli::DrawOptions d;
  d.title = name;
  size_t bytes = 0;
  for (auto _ : st) {
    cli::Graph g = cli::build_graph(c.final_state, &c.before, d);
    std::string svg, err;
    if (!cli::render(g, cli::Format::Svg, svg, err)) {
      st.SkipWithError(err.c_str());
      return;
    }
    bytes = svg.size();
    benchmark::DoNotOptimize(svg);
  }
  st.counters["svg_bytes"] = static_cast<double>(bytes);
}

void register_all() {
  for (const char* name : {"fan", "containers", "unshare"}) {
    std::string n = name;
    benchmark::RegisterBenchmark(("Replay/" + n).c_str(), Replay, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Snapshot/" + n).c_str(), Snapshot, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Build/" + n).c_str(), Build, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Svg/" + n).c_str(), Svg, n)->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
