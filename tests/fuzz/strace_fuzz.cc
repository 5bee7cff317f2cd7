// libFuzzer target: the strace log importer (strace/log.h Reader,
// strace/session.h Session and render_scenario), as `nssim import LOG`
// runs it (strace/import.h import_events(), cli/cmd_import.cc), on arbitrary bytes.
//
// Checked on every input, beyond "no crash, no sanitizer report":
//   * no exception escapes the reader, the session or the renderer;
//   * every log error is on a line of the log (0: the whole log);
//   * the scenario it renders parses (sim/scenario.h), so that `nssim trace`
//     and `--real` can run what `nssim import` wrote.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "strace/import.h"
#include "strace/log.h"
#include "strace/session.h"
#include "sim/scenario.h"

namespace {

constexpr size_t kMaxEvents = 256;  // the model's speed is bench/'s business

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "strace_fuzz: invariant violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nssim::strace;
  std::string_view src(reinterpret_cast<const char*>(data), size);
  // Lines as cmd_import splits them (std::getline: no empty last line).
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < src.size();) {
    size_t nl = src.find('\n', pos);
    if (nl == std::string_view::npos) nl = src.size();
    lines.push_back(src.substr(pos, nl - pos));
    pos = nl + 1;
  }
  Reader reader;
  std::vector<Event> evs;
  std::vector<LogError> errs;
  for (size_t i = 0; i < lines.size(); ++i) reader.feed(lines[i], static_cast<int>(i + 1), evs, errs);
  for (const LogError& e : errs)
    if (e.line < 0 || static_cast<size_t>(e.line) > lines.size() || e.message.empty())
      violated("log error outside the log or without a message", std::to_string(e.line) + ": " + e.message);
  (void)reader.pending();
  if (!errs.empty() || evs.empty() || evs.size() > kMaxEvents) return 0;
  SessionOptions opt;
  opt.source_name = "fuzz.log";
  RenderOptions ro;
  ro.title = "Imported from fuzz.log by the fuzzer.";
  Imported im = import_events(evs, opt, ro);  // as cmd_import: with an init when the first process ends first
  for (const LogError& e : im.errors)
    if (e.line < 0 || static_cast<size_t>(e.line) > lines.size() || e.message.empty())
      violated("session error outside the log or without a message", std::to_string(e.line) + ": " + e.message);
  if (!im.errors.empty()) return 0;
  const std::string& scenario = im.scenario;
  nssim::ParseResult pr = nssim::parse_scenario(scenario, "imported.nss");
  if (!pr.ok())
    violated("the imported scenario does not parse",
             nssim::format_diagnostic("imported.nss", scenario, pr.errors.front()) + "--- scenario:\n" + scenario);
  return 0;
}
