// The step-through page of `nssim trace --html` in a real browser: headless
// Chromium opens it, moves to a later step (by the URL fragment, by the
// keyboard, by the buttons) and the test checks that the drawn graph changed
// and shows the namespace it must show. Skipped, with the reason, where no
// Chromium is installed (CI installs Debian's chromium: scripts/install-deps.sh).
// Nothing needs the network: the page is a local file with no external resource.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "browser/cdp.h"
#include "sim/runner.h"
#include "tests/browser_fixture.h"

namespace nssim {
namespace {

using testing::slurp;
using testing::tail;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;
using nlohmann::json;

const char* kScenario = "examples/02-fd-keeps-namespace-alive.nss";

class BrowserTest : public testing::ChromiumTest {
 protected:
  BrowserTest() : ChromiumTest("browser") {}
  void SetUp() override {
    ChromiumTest::SetUp();
    if (IsSkipped()) return;
    page_ = dir_ + "/page.html";
    std::string cmd =
        fmt::format("{} trace {}/{} --html {} >/dev/null 2>&1", NSSIM_BINARY, NSSIM_SOURCE_DIR, kScenario, page_);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    // The namespace the page must show after b exits: N of the scenario,
    // kept alive by a's fd. Its node id is derived from the model, as the
    // drawing's are (ns<serial>).
    std::string src = slurp(std::string(NSSIM_SOURCE_DIR) + "/" + kScenario);
    ParseResult pr = parse_scenario(src, kScenario);
    ASSERT_TRUE(pr.ok());
    Runner runner(pr.scenario, Runner::Options{});
    runner.run([](const StepRecord&) {});
    ASSERT_TRUE(runner.lets().count("N"));
    n_node_ = fmt::format("id=\"ns{}\"", runner.lets().at("N"));
  }
  std::string url(const std::string& fragment = "") const { return "file://" + page_ + fragment; }

  std::string page_, n_node_;
};

// `chromium --headless --dump-dom URL`: the DOM after the page's scripts ran.
std::string dump_dom(const std::string& exe, std::vector<std::string> args, const std::string& url,
                     const std::string& log) {
  int p[2];
  if (pipe(p) != 0) return "";
  args.push_back("--dump-dom");
  args.push_back(url);
  pid_t pid = browser::spawn(exe, args, log, p[1], -1, -1);
  close(p[1]);
  std::string out;
  char buf[65536];
  pollfd pfd{p[0], POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && poll(&pfd, 1, 1000) >= 0) {
    if (!(pfd.revents & (POLLIN | POLLHUP))) continue;
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  browser::reap(pid, 10000);
  return out;
}

// The graph container of a dumped page: from <div id="graph" to the next section.
std::string graph_div(const std::string& dom) {
  size_t a = dom.find("<div id=\"graph\"");
  if (a == std::string::npos) return "";
  size_t b = dom.find("<div id=\"real\"", a);
  return dom.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

TEST_F(BrowserTest, FragmentSelectsTheStepAndTheGraphChanges) {
  std::string at0 = dump_dom(chromium_, flags(), url("#step=0"), dir_ + "/chromium0.log");
  std::string at6 = dump_dom(chromium_, flags(), url("#step=6"), dir_ + "/chromium6.log");
  ASSERT_THAT(at6, HasSubstr("<div id=\"graph\"")) << tail(slurp(dir_ + "/chromium6.log"));
  std::string g0 = graph_div(at0), g6 = graph_div(at6);
  EXPECT_THAT(g0, HasSubstr("data-step=\"0\""));
  EXPECT_THAT(g6, HasSubstr("data-step=\"6\""));
  EXPECT_THAT(g0, HasSubstr("<svg"));
  EXPECT_THAT(g6, HasSubstr("<svg"));
  EXPECT_NE(g0, g6);
  // Step 6 (b: exit(0)): b is a zombie and N is still drawn, held by a's fd 3.
  EXPECT_THAT(g0, Not(HasSubstr(n_node_)));
  EXPECT_THAT(g6, HasSubstr(n_node_));
  EXPECT_THAT(g6, HasSubstr("fd 3"));
  EXPECT_THAT(g6, HasSubstr("running→zombie"));
  // The source line of step 6 (line 8) is the highlighted one.
  EXPECT_THAT(at6, HasSubstr("class=\"src-line stmt current\" id=\"L8\""));
}

// browser::Chromium whose failed calls fail the test.
class Cdp : public browser::Chromium {
 public:
  json call(const std::string& method, json params = json::object(), const std::string& session = "") {
    std::string why;
    json r = Chromium::call(method, std::move(params), session, why);
    if (!why.empty()) ADD_FAILURE() << why;
    return r;
  }
};

TEST_F(BrowserTest, KeyboardAndButtonsMoveBetweenSteps) {
  Cdp cdp;
  ASSERT_TRUE(cdp.start(chromium_, flags(), dir_ + "/chromium.log"));
  json t = cdp.call("Target.createTarget", {{"url", url()}});
  ASSERT_TRUE(t.contains("targetId")) << tail(slurp(dir_ + "/chromium.log"));
  std::string session =
      cdp.call("Target.attachToTarget", {{"targetId", t["targetId"]}, {"flatten", true}}).value("sessionId", "");
  ASSERT_FALSE(session.empty());
  auto eval = [&](const std::string& expr) {
    json r = cdp.call("Runtime.evaluate", {{"expression", expr}, {"returnByValue", true}}, session);
    return r.contains("result") ? r["result"].value("value", json()) : json();
  };
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    ready = eval("window.nssimReady === true") == json(true);
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ready) << "the page never became ready\n" << tail(slurp(dir_ + "/chromium.log"));
  auto step = [&] { return eval("document.getElementById('graph').getAttribute('data-step')"); };
  auto graph = [&] { return eval("document.getElementById('graph').innerHTML").get<std::string>(); };
  ASSERT_EQ(step(), json("0"));
  std::string g0 = graph();

  auto key = [&](const char* k, int code) {
    for (const char* type : {"keyDown", "keyUp"})
      cdp.call(
          "Input.dispatchKeyEvent",
          {{"type", type}, {"key", k}, {"code", k}, {"windowsVirtualKeyCode", code}, {"nativeVirtualKeyCode", code}},
          session);
  };
  for (int i = 0; i < 6; ++i) key("ArrowRight", 39);
  EXPECT_EQ(step(), json("6"));
  EXPECT_EQ(eval("location.hash"), json("#step=6"));
  std::string g6 = graph();
  EXPECT_NE(g0, g6);
  EXPECT_THAT(g0, Not(HasSubstr(n_node_)));
  EXPECT_THAT(g6, HasSubstr(n_node_));
  EXPECT_THAT(g6, HasSubstr("fd 3"));
  EXPECT_EQ(eval("document.querySelector('.src-line.current').id"), json("L8"));
  key("ArrowLeft", 37);
  EXPECT_EQ(step(), json("5"));

  auto click = [&](const std::string& id) {
    json r = eval("JSON.stringify(document.getElementById('" + id + "').getBoundingClientRect())");
    ASSERT_TRUE(r.is_string()) << id;
    json rect = json::parse(r.get<std::string>());
    double x = rect["x"].get<double>() + rect["width"].get<double>() / 2;
    double y = rect["y"].get<double>() + rect["height"].get<double>() / 2;
    for (const char* type : {"mousePressed", "mouseReleased"})
      cdp.call("Input.dispatchMouseEvent", {{"type", type}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}},
               session);
  };
  click("next");
  EXPECT_EQ(step(), json("6"));
  EXPECT_EQ(graph(), g6);
  // The kernel functions of the step are beside the picture, not below the source.
  auto rect = [&](const std::string& id) {
    json r = eval("JSON.stringify(document.getElementById('" + id + "').getBoundingClientRect())");
    return r.is_string() ? json::parse(r.get<std::string>()) : json();
  };
  json g = rect("graph"), ev = rect("events"), src = rect("source");
  ASSERT_TRUE(g.is_object() && ev.is_object() && src.is_object());
  EXPECT_GE(ev["x"].get<double>(), g["x"].get<double>() + g["width"].get<double>() - 1) << "events not right of graph";
  EXPECT_LT(ev["y"].get<double>(), g["y"].get<double>() + g["height"].get<double>()) << "events below the graph";
  EXPECT_LT(ev["y"].get<double>(), src["y"].get<double>() + src["height"].get<double>()) << "events below the source";
  EXPECT_THAT(eval("document.getElementById('events').textContent").get<std::string>(), HasSubstr("switch_task_namespaces"));
  click("last");
  EXPECT_EQ(step(), json("13"));
  EXPECT_THAT(graph(), Not(HasSubstr(n_node_)));  // closed, freed: no longer drawn
  EXPECT_EQ(eval("document.getElementById('next').disabled"), json(true));

  // A screenshot of step 6, as a user sees it (docs/images keeps one, made by `make docs-images`).
  click("first");
  for (int i = 0; i < 6; ++i) key("ArrowRight", 39);
  json shot = cdp.call("Page.captureScreenshot", {{"format", "png"}}, session);
  std::string png = browser::base64_decode(shot.value("data", ""));
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(png.size(), 20000u);
  std::ofstream(dir_ + "/step6.png", std::ios::binary) << png;
}

}  // namespace
}  // namespace nssim
