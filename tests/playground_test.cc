// The playground page (playground/, `make playground`) in a real browser:
// headless Chromium opens build-web/playground/index.html from file://, and
// the test checks that what the page computes in WebAssembly is what the CLI
// computes: the DOT text of every step of every bundled example (as `nssim
// graph --step N --format dot` writes it), the parser's diagnostics while
// typing, and `nssim lab check` of every lab's template and solution. It also
// steps with the keyboard, clicks a namespace for its ledger, times a
// 10^4-step scenario (docs/benchmarks.md) and takes the screenshot of
// docs/images/playground.png (written there with NSSIM_UPDATE_DOCS_IMAGES=1).
// Skipped, with the reason, without Chromium or without the built page.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "browser/cdp.h"
#include "tests/browser_fixture.h"
#include "pictures/graph.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace nssim {
namespace {

using testing::slurp;
using testing::tail;

using ::testing::HasSubstr;
namespace fs = std::filesystem;
using nlohmann::json;

// stdout and stderr of a shell command run in the source tree.
std::string run(const std::string& cmd) {
  std::string out;
  std::string full = fmt::format("cd {} && {} 2>&1", NSSIM_SOURCE_DIR, cmd);
  if (FILE* p = popen(full.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

class Playground : public testing::ChromiumTest {
 protected:
  Playground() : ChromiumTest("playground") {}
  void SetUp() override {
    ChromiumTest::SetUp();
    if (IsSkipped()) return;
    page_ = std::string(NSSIM_PLAYGROUND_DIR) + "/index.html";
    if (!fs::exists(page_))
      GTEST_SKIP() << "no playground page at " << page_ << ": build it with `make playground` (clang-19, wasi-libc, npm)";
    ASSERT_TRUE(cdp_.start(chromium_, flags(), dir_ + "/chromium.log"));
  }

  // Opens the page at `fragment` and waits until it has drawn.
  void open(const std::string& fragment) {
    std::string why;
    session_ = cdp_.open("file://" + page_ + fragment, why);
    ASSERT_FALSE(session_.empty()) << why;
    ASSERT_TRUE(cdp_.wait_for(session_, "window.playground && playground.ready === true", 60000, 50, why))
        << why << "\n" << tail(slurp(dir_ + "/chromium.log"));
  }
  json eval(const std::string& expr) { return cdp_.eval(session_, expr); }
  std::string str(const std::string& expr) {
    json v = eval(expr);
    return v.is_string() ? v.get<std::string>() : v.dump();
  }
  void key(const char* k, int code) {
    std::string why;
    for (const char* type : {"keyDown", "keyUp"})
      cdp_.call("Input.dispatchKeyEvent",
                {{"type", type}, {"key", k}, {"code", k}, {"windowsVirtualKeyCode", code}, {"nativeVirtualKeyCode", code}},
                session_, why);
  }

  std::string page_, session_;
  browser::Chromium cdp_;
};

// The DOT text of each step 0..N, as `nssim graph --step N` draws it
// (cli/cmd_graph.cc: the snapshot before and after the step, `let` labels).
std::vector<std::string> native_dots(const std::string& file, const std::string& src) {
  ParseResult pr = parse_scenario(src, file);
  std::vector<std::string> out;
  if (!pr.ok()) return out;
  Runner::Options opt;
  opt.trace = false;
  Runner runner(pr.scenario, opt);
  cli::DrawOptions d;
  d.title = fs::path(file).filename().string();
  cli::ModelSnapshot prev = cli::snapshot(runner.sim().kernel());
  d.subtitle = cli::step_caption(nullptr);
  out.push_back(cli::to_dot(cli::build_graph(prev, nullptr, d)));
  runner.run([&](const StepRecord& r) {
    cli::ModelSnapshot cur = cli::snapshot(runner.sim().kernel());
    d.subtitle = cli::step_caption(&r);
    d.ns_names = cli::let_labels(runner.lets());  // `let` names label their namespaces
    out.push_back(cli::to_dot(cli::build_graph(cur, &prev, d)));
    prev = std::move(cur);
  });
  return out;
}

TEST_F(Playground, EveryExampleGivesTheCliDotTextAtEveryStep) {
  open("#example=02-fd-keeps-namespace-alive.nss");
  int compared = 0;
  for (auto& e : fs::directory_iterator(std::string(NSSIM_SOURCE_DIR) + "/examples")) {
    if (e.path().extension() != ".nss") continue;
    std::string name = e.path().filename().string();
    std::string file = "examples/" + name;
    std::vector<std::string> want = native_dots(file, slurp(e.path().string()));
    ASSERT_FALSE(want.empty()) << name;
    json got = eval(fmt::format(
        "(() => {{ const n = playground.nssim.load('{0}', NSSIM_BUNDLED.examples['{1}']).steps.length; const out = [];"
        " for (let i = 0; i < n; i++) out.push(playground.nssim.step(i).dot); return out; }})()",
        file, name));
    ASSERT_TRUE(got.is_array()) << name << ": " << got.dump();
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].get<std::string>(), want[i]) << name << " step " << i;
    ++compared;
  }
  EXPECT_GT(compared, 30);
  // And the CLI itself for one picture: the last step of example 02.
  std::string cli = run(std::string(NSSIM_BINARY) + " graph --format dot examples/02-fd-keeps-namespace-alive.nss");
  EXPECT_EQ(str("(() => { const n = playground.nssim.load('examples/02-fd-keeps-namespace-alive.nss',"
                " NSSIM_BUNDLED.examples['02-fd-keeps-namespace-alive.nss']).steps.length;"
                " return playground.nssim.step(n - 1).dot; })()"),
            cli);
}

TEST_F(Playground, TypingShowsTheDiagnosticSteppingAndTheLedger) {
  open("#example=02-fd-keeps-namespace-alive.nss&step=3");
  EXPECT_EQ(eval("playground.step"), json(3));
  key("ArrowRight", 39);
  EXPECT_EQ(eval("playground.step"), json(4));
  EXPECT_THAT(str("document.getElementById('caption').textContent"), HasSubstr("step 4 "));
  EXPECT_THAT(str("document.getElementById('picture').innerHTML"), HasSubstr("<svg"));
  // A click on a namespace of the picture shows its refcount ledger.
  std::string ns = str("[...document.querySelectorAll('#picture g.node')].map((g) => g.id).find((id) => /^ns\\d+$/.test(id))");
  ASSERT_THAT(ns, ::testing::StartsWith("ns"));
  eval("document.querySelector('#picture g.node[id=" + ns + "]').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
  EXPECT_THAT(str("document.getElementById('ledger').textContent"), HasSubstr("held by:"));
  EXPECT_THAT(str("document.getElementById('table').textContent"), HasSubstr("pid_for_children"));
  // Typing a wrong statement: the parser's diagnostic, as the CLI words it, at its line:column.
  std::string src = slurp(std::string(NSSIM_SOURCE_DIR) + "/examples/02-fd-keeps-namespace-alive.nss") +
                    "a: unshare(CLONE_NEWFOO)\n";
  eval("(() => { const t = document.getElementById('source'); t.value += 'a: unshare(CLONE_NEWFOO)\\n';"
       " t.dispatchEvent(new Event('input')); })()");
  std::string why;
  ASSERT_TRUE(cdp_.wait_for(session_, "document.getElementById('diagnostics').textContent.includes('CLONE_NEWFOO')",
                            10000, 50, why))
      << why;
  ParseResult pr = parse_scenario(src, "examples/02-fd-keeps-namespace-alive.nss");
  ASSERT_EQ(pr.errors.size(), 1u);
  EXPECT_EQ(str("document.getElementById('diagnostics').textContent"),
            format_diagnostics(pr.scenario.file, src, pr.errors));
  EXPECT_THAT(str("document.getElementById('highlight').innerHTML"), HasSubstr("class=\"err\""));
}

TEST_F(Playground, EveryLabIsGradedAsTheCliGradesIt) {
  open("#lab=01-proc-ns-identity");
  int graded = 0;
  for (auto& e : fs::directory_iterator(std::string(NSSIM_SOURCE_DIR) + "/labs")) {
    std::string id = e.path().filename().string();
    for (const char* which : {"lab.nss", "solution.nss"}) {
      std::string file = "labs/" + id + "/" + which;
      if (!fs::exists(std::string(NSSIM_SOURCE_DIR) + "/" + file)) continue;
      std::string cli = run(std::string(NSSIM_BINARY) + " lab check " + file);
      json src = slurp(std::string(NSSIM_SOURCE_DIR) + "/" + file);
      // lab.nss is graded against its lab's solution.nss, as the CLI does for a bundled lab.
      std::string key_file = "labs/" + id + "/solution.nss";
      json key = std::string(which) == "lab.nss" ? json(slurp(std::string(NSSIM_SOURCE_DIR) + "/" + key_file)) : json("");
      EXPECT_EQ(str("playground.nssim.labCheck('" + file + "', " + src.dump() + ", '" + key_file + "', " + key.dump() +
                    ")"),
                cli)
          << file;
      ++graded;
    }
  }
  EXPECT_GT(graded, 10);
  // The Check button: the lab open in the editor, graded in the page.
  open("#lab=01-proc-ns-identity");
  EXPECT_EQ(str("playground.check()"), run(std::string(NSSIM_BINARY) + " lab check labs/01-proc-ns-identity/lab.nss"));
}

// 10^4 steps parsed and replayed in the page (docs/benchmarks.md reports it),
// and the screenshot of the README.
TEST_F(Playground, TenThousandStepsAndTheScreenshot) {
  open("#example=02-fd-keeps-namespace-alive.nss&step=6");
  std::string big = "init: clone(0) -> b\n";
  for (int i = 0; i < 5000; ++i) big += "b: unshare(CLONE_NEWUTS)\nb: unshare(CLONE_NEWNET)\n";
  // Three runs: the first includes compiling the module's hot code.
  json ms = eval("(() => { const src = " + json(big).dump() +
                 "; const out = []; for (let i = 0; i < 3; i++) { const t0 = performance.now();"
                 " const r = playground.nssim.load('big.nss', src); out.push([performance.now() - t0, r.steps.length]); }"
                 " return out; })()");
  ASSERT_TRUE(ms.is_array() && ms.size() == 3) << ms.dump();
  for (auto& m : ms) EXPECT_EQ(m[1], json(10002));
  std::printf("[ playground ] 10^4-step scenario parsed and run in the page: %.0f ms, then %.0f and %.0f ms\n",
              ms[0][0].get<double>(), ms[1][0].get<double>(), ms[2][0].get<double>());
  ::testing::Test::RecordProperty("ten_thousand_steps_ms", std::to_string(ms[2][0].get<double>()));
  std::string why;
  cdp_.call("Emulation.setDeviceMetricsOverride",
            {{"width", 1400}, {"height", 900}, {"deviceScaleFactor", 1}, {"mobile", false}}, session_, why);
  json shot = cdp_.call("Page.captureScreenshot", {{"format", "png"}}, session_, why);
  std::string png = browser::base64_decode(shot.value("data", ""));
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << why;
  EXPECT_GT(png.size(), 20000u);
  if (const char* u = std::getenv("NSSIM_UPDATE_DOCS_IMAGES"); u && std::string(u) == "1")
    std::ofstream(std::string(NSSIM_SOURCE_DIR) + "/docs/images/playground.png", std::ios::binary) << png;
}

}  // namespace
}  // namespace nssim
