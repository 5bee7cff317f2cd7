// nssim fuzz: random scenarios on the model (ledger and leak checks) and,
// with --real, on the live kernel; disagreements are shrunk and saved.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "real/real_backend.h"
#include "sim/runner.h"
#include "sim/fuzz.h"

namespace nssim::cli {

int cmd_fuzz(const FuzzArgs& a) {
  PeerFactory factory;
  std::string why;
  if (a.real) {
    why = real::unavailable_reason();
    if (!why.empty()) {
      fmt::print(stderr, "nssim fuzz: cannot run on the live kernel: {}\n", why);
      return 3;
    }
    factory = [paranoid = a.paranoid]() -> std::unique_ptr<Backend> {
      std::string w;
      real::RealBackend::Options ro;
      ro.paranoid = paranoid;
      return real::RealBackend::create(ro, w);
    };
  }
  // Scenarios are generated valid for the environment the live kernel runs
  // in (rootless: root of a user namespace of nssim's own).
  Kernel::Config gen_config;
  if (!a.kernel.empty()) gen_config.kernel = *profile_from_name(a.kernel);
  if (a.real) {
    auto probe = real::RealBackend::create(real::RealBackend::Options{}, why);
    if (!probe) {
      fmt::print(stderr, "nssim fuzz: cannot run on the live kernel: {}\n", why);
      return 3;
    }
    Runner::adopt_environment(*probe, gen_config);
    for (auto& n : probe->notes()) fmt::print(stderr, "nssim fuzz: live kernel: {}\n", n);
  }
  std::error_code ec;
  auto start = std::chrono::steady_clock::now();
  auto last_note = start;  // progress lines when stderr is not a terminal
  long total_steps = 0;
  int bad_runs = 0;
  bool tty = isatty(2);
  for (int run = 0; run < a.runs; ++run) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (a.time_limit_s > 0 && elapsed > a.time_limit_s) {
      fmt::print(stderr, "\nnssim fuzz: time limit reached after {} runs\n", run);
      break;
    }
    FuzzOptions fo;
    fo.seed = a.seed + static_cast<uint64_t>(run);
    fo.steps = a.steps;
    fo.config = gen_config;
    auto lines = generate_scenario(fo);
    int steps = 0;
    auto problems = check_scenario(lines, factory, &steps);
    total_steps += steps;
    if (!tty && std::chrono::steady_clock::now() - last_note > std::chrono::seconds(60)) {
      last_note = std::chrono::steady_clock::now();
      fmt::print(stderr, "nssim fuzz: {} runs, {} steps, {} with problems, {:.0f} s\n", run + 1, total_steps, bad_runs,
                 std::chrono::duration<double>(last_note - start).count());
    }
    if (!problems.empty()) {
      ++bad_runs;
      fmt::print(stderr, "{}run {} (seed {}): {} problem(s); first at line {}: {}\n", tty ? "\r" : "", run, fo.seed,
                 problems.size(), problems.front().line, problems.front().what);
      auto small = a.no_shrink ? lines : shrink_scenario(lines, factory, [&](size_t n) {
        if (tty) fmt::print(stderr, "\r  shrinking: {} lines   ", n);
      });
      auto again = check_scenario(small, factory);
      std::filesystem::create_directories(a.out_dir, ec);  // only once there is something to write
      std::string path = fmt::format("{}/fuzz-seed{}.nss", a.out_dir, fo.seed);
      std::ofstream f(path);
      f << fmt::format("# nssim fuzz --seed {} --steps {}{} found this ({} of {} lines kept).\n", fo.seed, a.steps,
                       a.real ? " --real" : "", small.size(), lines.size());
      for (auto& p : again.empty() ? problems : again) f << fmt::format("# line {}: {}\n", p.line, p.what);
      for (auto& l : small) f << l << "\n";
      fmt::print(stderr, "{}  minimal scenario: {}\n", tty ? "\r" : "", path);
    }
    if (tty)
      fmt::print(stderr, "\rnssim fuzz: {} runs, {} steps, {} with problems", run + 1, total_steps, bad_runs);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("nssim fuzz: seed {}, {} steps{} checked in {:.1f} s: {} run(s) with problems\n", a.seed, total_steps,
             a.real ? " on the model and the live kernel" : " on the model", secs, bad_runs);
  return bad_runs ? 1 : 0;
}

}  // namespace nssim::cli
