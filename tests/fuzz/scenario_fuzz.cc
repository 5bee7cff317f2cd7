// libFuzzer target: the scenario parser (sim/scenario.h parse_scenario) on
// arbitrary bytes, then the model on what parses.
//
// Checked on every input, beyond "no crash, no sanitizer report":
//   * parse_scenario returns (no exception escapes);
//   * every diagnostic is located (line >= 1, col >= 1, line within the
//     source), has a message, and format_diagnostic renders it as
//     "FILE:LINE:COL: error: ...";
//   * a scenario that parses runs on the model (Runner, no peer) to the end or
//     to a located run error, never to an abort.
// Inputs with more than kMaxRunStatements statements are only parsed: the
// model's speed is bench/'s business, not the fuzzer's.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace {

constexpr size_t kMaxRunStatements = 64;

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "scenario_fuzz: invariant violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view src(reinterpret_cast<const char*>(data), size);
  nssim::ParseResult pr = nssim::parse_scenario(src, "fuzz.nss");
  // Lines as the parser counts them: '\n' separates, the last line may lack one.
  size_t lines = 1;
  for (char c : src) lines += c == '\n';
  for (const nssim::Diagnostic& d : pr.errors) {
    std::string text = nssim::format_diagnostic("fuzz.nss", src, d);
    if (d.loc.line < 1 || static_cast<size_t>(d.loc.line) > lines || d.loc.col < 1)
      violated("diagnostic outside the source", text);
    if (d.message.empty()) violated("diagnostic without a message", text);
    std::string head = fmt::format("fuzz.nss:{}:{}: error: ", d.loc.line, d.loc.col);
    if (!std::string_view(text).starts_with(head)) violated("diagnostic not rendered as FILE:LINE:COL", text);
  }
  if (!pr.ok() || pr.scenario.statements.size() > kMaxRunStatements) return 0;
  nssim::Runner::Options opt;
  opt.trace = true;  // the event formatting is code too
  nssim::Runner runner(pr.scenario, opt);
  nssim::RunSummary sum = runner.run([](const nssim::StepRecord&) {});
  if (sum.error) {
    const nssim::Diagnostic& d = *sum.error;
    std::string text = nssim::format_diagnostic("fuzz.nss", src, d);
    if (d.loc.line < 1 || static_cast<size_t>(d.loc.line) > lines) violated("run error outside the source", text);
  }
  return 0;
}
