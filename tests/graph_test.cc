// Pictures: `nssim graph` (golden DOT files, every bundled scenario at every
// step checked against the model, folding, pins, escaping, errors) and
// `nssim trace --html` (a self-contained page with one graph per step).
// The browser itself is exercised in browser_test.cc.
#include "tests/bundled.h"
#include "pictures/graph.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <graphviz/cgraph.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "pictures/html.h"
#include "pictures/snapshot_graph.h"
#include "real/snapshot.h"
#include "sim/runner.h"

namespace nssim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string source_path(const std::string& rel) { return (fs::path(NSSIM_SOURCE_DIR) / rel).string(); }

using testing::CliRun;
using testing::slurp;

CliRun run(const std::string& args) { return testing::run_nssim(args); }

// A scratch file for this test (ctest runs tests in parallel processes).
std::string scratch(const std::string& suffix) { return testing::test_temp_path("nssim_graph_", suffix); }

// The data of a `trace --html` page, its steps put back: nssim-data, then one
// element per step's record (nssim-step-I) and one per picture (nssim-svg-I,
// raw SVG), so the browser draws the first step before it has parsed the rest.
nlohmann::json page_data(const std::string& html) {
  auto element = [&](const std::string& id) -> std::optional<std::string> {
    size_t a = html.find("id=\"" + id + "\">");
    if (a == std::string::npos) return std::nullopt;
    a = html.find('>', a) + 1;
    return html.substr(a, html.find("</script>", a) - a);
  };
  auto data = nlohmann::json::parse(element("nssim-data").value_or("null"));
  if (!data.is_object()) return data;
  EXPECT_FALSE(data.contains("steps"));
  data["steps"] = nlohmann::json::array();
  for (size_t i = 0; i < data["index"].size(); ++i) {
    auto rec = element(fmt::format("nssim-step-{}", i));
    EXPECT_TRUE(rec) << "step " << i;
    if (!rec) break;
    auto s = nlohmann::json::parse(*rec);
    if (!s.contains("svg")) s["svg"] = element(fmt::format("nssim-svg-{}", i)).value_or("");
    EXPECT_EQ(data["index"][i][0], s["line"]) << "step " << i;
    data["steps"].push_back(std::move(s));
  }
  return data;
}

std::string write_scenario(const std::string& text) {
  std::string path = scratch(".nss");
  std::ofstream(path) << text;
  return path;
}

// A DOT text read back with cgraph, to check what was drawn.
class Dot {
 public:
  explicit Dot(const std::string& text) : g_(agmemread(text.c_str())) {}
  ~Dot() {
    if (g_) agclose(g_);
  }
  Dot(const Dot&) = delete;
  Dot& operator=(const Dot&) = delete;
  bool ok() const { return g_ != nullptr; }
  Agnode_t* node(const std::string& name) const { return agnode(g_, const_cast<char*>(name.c_str()), 0); }
  std::vector<std::string> nodes() const {
    std::vector<std::string> v;
    for (Agnode_t* n = agfstnode(g_); n; n = agnxtnode(g_, n)) v.push_back(agnameof(n));
    return v;
  }
  static std::string attr(void* obj, const char* name) {
    char* v = agget(obj, const_cast<char*>(name));
    return v ? v : "";
  }
  std::string node_attr(const std::string& n, const char* name) const {
    Agnode_t* x = node(n);
    return x ? attr(x, name) : "<no node " + n + ">";
  }
  // Edges tail -> head, each as its attributes.
  std::vector<Agedge_t*> edges(const std::string& tail, const std::string& head) const {
    std::vector<Agedge_t*> v;
    Agnode_t* t = node(tail);
    Agnode_t* h = node(head);
    if (!t || !h) return v;
    for (Agedge_t* e = agfstout(g_, t); e; e = agnxtout(g_, e))
      if (aghead(e) == h) v.push_back(e);
    return v;
  }
  std::string graph_label() const { return attr(g_, "label"); }

 private:
  Agraph_t* g_;
};

// ---- golden DOT files --------------------------------------------------------

struct Golden {
  std::string scenario;  // relative to the source tree
  int step;              // -1: --final
  std::string file() const {
    std::string stem = fs::path(scenario).stem().string();
    return "tests/golden/" + stem + (step < 0 ? ".final" : ".step" + std::to_string(step)) + ".dot";
  }
};

// Fails the test, naming the first line that differs, unless `now` reads as
// the golden file `golden` (its text `want`) line by line; `suite` is what
// `ctest -R` takes to rewrite it.
void expect_same_as_golden(const std::string& golden, const std::string& want, const std::string& now,
                           const std::string& suite) {
  if (now == want) return;
  std::istringstream a(want), b(now);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
    if (ea && eb) break;
    if (ea || eb || la != lb) {
      ADD_FAILURE() << golden << ":" << line << " differs\n  golden: " << (ea ? "<end>" : la)
                    << "\n  now:    " << (eb ? "<end>" : lb)
                    << "\n(if the change is intended: NSSIM_UPDATE_GOLDEN=1 ctest -R " << suite
                    << ", and review the diff)";
      break;
    }
  }
}

class GraphGolden : public ::testing::TestWithParam<Golden> {};

// Set NSSIM_UPDATE_GOLDEN=1 to rewrite the files after an intended change
// (and review the diff: it is the picture).
TEST_P(GraphGolden, MatchesTheDotFile) {
  const Golden& g = GetParam();
  CliRun r = run(fmt::format("graph {} {} --format dot", source_path(g.scenario),
                             g.step < 0 ? "--final" : "--step " + std::to_string(g.step)));
  ASSERT_EQ(r.status, 0) << r.out;
  Dot parsed(r.out);
  ASSERT_TRUE(parsed.ok()) << "nssim graph wrote DOT that Graphviz cannot read back";
  std::string path = source_path(g.file());
  if (const char* u = std::getenv("NSSIM_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path, std::ios::binary) << r.out;
    GTEST_SKIP() << "rewrote " << g.file();
  }
  ASSERT_TRUE(fs::exists(path)) << g.file() << " is missing; NSSIM_UPDATE_GOLDEN=1 writes it";
  std::string want = slurp(path);
  expect_same_as_golden(g.file(), want, r.out, "GraphGolden");
}

INSTANTIATE_TEST_SUITE_P(
    Pictures, GraphGolden,
    ::testing::Values(
        Golden{"examples/02-fd-keeps-namespace-alive.nss", 0}, Golden{"examples/02-fd-keeps-namespace-alive.nss", 1},
        Golden{"examples/02-fd-keeps-namespace-alive.nss", 4}, Golden{"examples/02-fd-keeps-namespace-alive.nss", 6},
        Golden{"examples/02-fd-keeps-namespace-alive.nss", 12}, Golden{"examples/04-unshare-each-type.nss", 2},
        Golden{"examples/05-unshare-newpid.nss", -1}, Golden{"examples/10-newuser-owns.nss", 1},
        Golden{"examples/11-pidfd-setns.nss", 3}, Golden{"examples/11-pidfd-setns.nss", 12},
        Golden{"examples/12-zombie-links.nss", 2}, Golden{"tests/golden/many-tasks.nss", -1}),
    [](const ::testing::TestParamInfo<Golden>& i) {
      return testing::path_test_name(fs::path(i.param.scenario).stem().string() +
                       (i.param.step < 0 ? "_final" : "_step" + std::to_string(i.param.step)));
    });

// ---- every bundled scenario, every step, against the model -------------------

// "refs 3", or "refs 2→3" when it changed in the step.
bool shows_count(const std::string& label, const std::string& what, uint32_t n) {
  std::regex re(what + " (\\d+→)?" + std::to_string(n) + "(?!\\d)");
  return std::regex_search(label, re);
}

constexpr const char* kFaded = "#b0b0b0";

// What must be drawn, read from the model itself (not from the snapshot the
// drawing is made of): every live task, nsproxy and namespace, and no freed
// one, except faded in the step that freed it (alive in `before`).
std::vector<std::string> check_against_model(const Kernel& k, const Dot& d, const cli::ModelSnapshot* before) {
  std::vector<std::string> bad;
  std::set<std::string> names;
  for (auto& n : d.nodes()) names.insert(n);
  std::set<const FilesStruct*> seen_files;
  for (size_t i = 0; i < k.task_slots(); ++i) {
    const Task* t = k.task(static_cast<uint32_t>(i));
    if (!t || t->state == TaskState::Reaped) continue;
    std::string tn = fmt::format("task{}", t->id);
    if (!names.count(tn)) {
      bad.push_back("task " + t->comm + " is not drawn");
      continue;
    }
    if (d.node_attr(tn, "label").find(t->comm) == std::string::npos) bad.push_back(tn + " is not labelled " + t->comm);
    if (t->nsproxy && d.edges(tn, fmt::format("nsproxy{}", t->nsproxy->id())).size() != 1)
      bad.push_back(t->comm + " has no edge to its nsproxy");
    if (t->files && seen_files.insert(t->files).second)
      for (size_t fd = 0; fd < t->files->fdt.size(); ++fd) {
        const File* f = t->files->fdt[fd];
        if (!f || f->fkind != FileKind::Nsfs || !f->ns) continue;
        auto es = d.edges(tn, fmt::format("ns{}", f->ns->serial));
        bool found = std::any_of(es.begin(), es.end(), [&](Agedge_t* e) {
          return Dot::attr(e, "label").find(fmt::format("fd {}", fd)) != std::string::npos;
        });
        if (!found) bad.push_back(fmt::format("fd {} of {} is not drawn", fd, t->comm));
      }
  }
  for (const NsProxy* p : k.nsproxies()) {
    std::string pn = fmt::format("nsproxy{}", p->id());
    if (!names.count(pn)) {
      bad.push_back(pn + " is not drawn");
      continue;
    }
    if (!shows_count(d.node_attr(pn, "label"), "count", p->count())) bad.push_back(pn + " does not show its count");
    const NsCommon* slots[8] = {
        p->uts_ns,   p->ipc_ns, p->mnt_ns, p->pid_ns_for_children, p->net_ns, p->time_ns, p->time_ns_for_children,
        p->cgroup_ns};
    for (int i = 0; i < 8; ++i) {
      auto es = d.edges(pn, fmt::format("ns{}", slots[i]->serial));
      std::string port = std::string(cli::kSlotInfo[i].port) + ":e";
      if (std::none_of(es.begin(), es.end(), [&](Agedge_t* e) { return Dot::attr(e, "tailport") == port; }))
        bad.push_back(fmt::format("{}.{} has no edge to {}", pn, cli::kSlotInfo[i].field, k.ns_str(slots[i])));
    }
  }
  for (const NsRecord& r : k.ns_records()) {
    if (!r.ns) continue;
    std::string nn = fmt::format("ns{}", r.ns->serial);
    if (!names.count(nn)) {
      bad.push_back(k.ns_str(r.ns) + " is not drawn");
      continue;
    }
    std::string label = d.node_attr(nn, "label");
    if (label.find(fmt::format(":[{}]", r.inum)) == std::string::npos || !shows_count(label, "refs", r.ns->refs()))
      bad.push_back(nn + " does not show " + k.ns_str(r.ns) + " refs " + std::to_string(r.ns->refs()));
    const NsCommon* owner = r.type == NsType::User ? static_cast<const UserNamespace*>(r.ns)->parent : r.ns->user_ns;
    if (owner && d.edges(nn, fmt::format("ns{}", owner->serial)).empty())
      bad.push_back(k.ns_str(r.ns) + " has no edge to its owner " + k.ns_str(owner));
  }
  for (const std::string& n : names) {
    if (n.size() < 3 || n.rfind("ns", 0) != 0 || !std::isdigit(static_cast<unsigned char>(n[2]))) continue;
    uint32_t serial = static_cast<uint32_t>(std::stoul(n.substr(2)));
    if (serial >= k.ns_records().size() || !k.ns_records()[serial].ns) {
      bool freed_now = before && before->ns(serial);
      if (!freed_now) bad.push_back(n + " is drawn but was freed before this step");
      else if (d.node_attr(n, "color") != kFaded || d.node_attr(n, "label").find("freed") == std::string::npos)
        bad.push_back(n + " was freed in this step but is not drawn faded");
    }
  }
  return bad;
}

class GraphBundled : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphBundled, EveryStepDrawsExactlyTheLiveModel) {
  std::string src = slurp(source_path(GetParam()));
  ParseResult pr = parse_scenario(src, GetParam());
  ASSERT_TRUE(pr.ok()) << format_diagnostic(GetParam(), src, pr.errors.front());
  Runner::Options o;
  o.trace = false;
  Runner runner(pr.scenario, o);
  cli::DrawOptions d;
  d.max_tasks_per_group = 1000;  // nothing folded: every object must appear
  d.max_nsproxies = 1000;
  std::vector<std::string> problems;
  cli::ModelSnapshot prev = cli::snapshot(runner.sim().kernel());
  auto check = [&](int step, const cli::ModelSnapshot& cur, const cli::ModelSnapshot* before) {
    std::string dot = cli::to_dot(cli::build_graph(cur, before, d));
    Dot parsed(dot);
    if (!parsed.ok()) return problems.push_back(fmt::format("step {}: DOT does not parse", step));
    for (auto& p : check_against_model(runner.sim().kernel(), parsed, before))
      problems.push_back(fmt::format("step {}: {}", step, p));
  };
  check(0, prev, nullptr);
  RunSummary sum = runner.run([&](const StepRecord& r) {
    cli::ModelSnapshot cur = cli::snapshot(runner.sim().kernel());
    check(r.step, cur, &prev);
    prev = std::move(cur);
  });
  ASSERT_FALSE(sum.error) << sum.error->message;
  EXPECT_THAT(problems, ::testing::IsEmpty());
}

TEST_P(GraphBundled, CliRendersEveryFormat) {
  for (const char* f : {"dot", "svg", "png", "pdf"}) {
    std::string out = scratch(std::string(".") + f);
    CliRun r = run(fmt::format("graph {} --final -o {}", source_path(GetParam()), out));
    ASSERT_EQ(r.status, 0) << f << ": " << r.out;
    std::string data = slurp(out);
    // The first bytes of each format.
    const std::map<std::string, std::string> magic = {
        {"dot", "digraph nssim {"}, {"svg", "<?xml"}, {"png", std::string("\x89PNG\r\n\x1a\n", 8)}, {"pdf", "%PDF-"}};
    EXPECT_EQ(data.substr(0, magic.at(f).size()), magic.at(f)) << f;
    if (std::string(f) == "svg") {
      EXPECT_THAT(data, HasSubstr("<svg"));
    }
  }
}

TEST_P(GraphBundled, TraceHtmlWritesOneGraphPerStep) {
  std::string page = scratch(".html");
  CliRun plain = run("trace --no-events --no-table " + source_path(GetParam()));
  CliRun r = run(fmt::format("trace --no-events --no-table {} --html {}", source_path(GetParam()), page));
  ASSERT_EQ(r.status, plain.status) << "--html changed the exit status: " << r.out;
  auto data = page_data(slurp(page));
  ASSERT_TRUE(data.is_object());
  ParseResult pr = parse_scenario(slurp(source_path(GetParam())), GetParam());
  ASSERT_EQ(data["steps"].size(), pr.scenario.statements.size() + 1);  // + step 0
  for (size_t i = 0; i < data["steps"].size(); ++i) {
    auto& s = data["steps"][i];
    EXPECT_EQ(s["step"], i);
    EXPECT_EQ(s["svg"].get<std::string>().rfind("<svg", 0), 0u) << "step " << i;
    if (i > 0) {
      EXPECT_EQ(s["line"], pr.scenario.statements[i - 1].line);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, GraphBundled, ::testing::ValuesIn(testing::bundled_scenarios(false)),
                         [](const auto& i) { return testing::path_test_name(i.param); });

// ---- what a picture shows -------------------------------------------------------

std::string dot_of(const std::string& scenario, const std::string& args) {
  CliRun r = run(fmt::format("graph {} {} --format dot", write_scenario(scenario), args));
  EXPECT_EQ(r.status, 0) << r.out;
  return r.out;
}

constexpr const char* kRed = "#d62728";

TEST(GraphDraw, HighlightsWhatTheStepCreatedOrRecounted) {
  // Step 2 makes b, its nsproxy and a net namespace; init's nsproxy is untouched.
  Dot d(dot_of("init: clone(0) -> a\ninit: clone(CLONE_NEWNET) -> b\n", "--step 2"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.node_attr("task2", "color"), kRed);  // b
  EXPECT_THAT(d.node_attr("task2", "label"), HasSubstr("new"));
  EXPECT_NE(d.node_attr("task1", "color"), kRed);  // a
  EXPECT_THAT(d.node_attr("nsproxy2", "label"), HasSubstr(kRed));
  EXPECT_THAT(d.node_attr("nsproxy1", "label"), Not(HasSubstr(kRed)));
  EXPECT_EQ(d.node_attr("ns8", "color"), kRed);  // the new net namespace
  EXPECT_THAT(d.node_attr("ns8", "label"), HasSubstr("new"));
  // The initial uts namespace gained a reference from b's nsproxy: 2→3.
  bool recounted = false;
  for (auto& n : d.nodes())
    if (d.node_attr(n, "label").find("<B>uts:[") != std::string::npos) {
      recounted = d.node_attr(n, "label").find("2→3") != std::string::npos && d.node_attr(n, "color") == kRed;
    }
  EXPECT_TRUE(recounted);
  // Step 0 (the initial state) highlights nothing.
  Dot d0(dot_of("init: clone(0) -> a\n", "--step 0"));
  for (auto& n : d0.nodes()) {
    EXPECT_NE(d0.node_attr(n, "color"), kRed) << n;
    EXPECT_THAT(d0.node_attr(n, "label"), Not(HasSubstr(kRed))) << n;
  }
}

TEST(GraphDraw, FreedObjectsAreFadedInTheirStepThenGone) {
  std::string sc = "init: clone(CLONE_NEWNET) -> b\nb: exit(0)\ninit: wait(b)\ninit: clone(0) -> c\n";
  // Step 2: b exits; its nsproxy and net namespace are freed: drawn faded,
  // with the references they held (the slots, the owner), and named in the caption.
  Dot exited(dot_of(sc, "--step 2"));
  ASSERT_TRUE(exited.ok());
  EXPECT_THAT(exited.graph_label(), HasSubstr("freed in this step: nsproxy#2, net:[4026531840]"));
  EXPECT_EQ(exited.node_attr("ns8", "color"), kFaded);
  EXPECT_THAT(exited.node_attr("ns8", "style"), HasSubstr("dashed"));
  EXPECT_THAT(exited.node_attr("ns8", "label"), HasSubstr("freed · refs 1→0"));
  EXPECT_THAT(exited.node_attr("nsproxy2", "label"), HasSubstr("nsproxy#2 · freed"));
  EXPECT_THAT(exited.node_attr("nsproxy2", "label"), HasSubstr("STYLE=\"DASHED\""));
  auto slot = exited.edges("nsproxy2", "ns8");
  ASSERT_EQ(slot.size(), 1u);
  EXPECT_EQ(Dot::attr(slot[0], "color"), kFaded);
  EXPECT_EQ(Dot::attr(slot[0], "tailport"), "net:e");
  EXPECT_EQ(exited.edges("ns8", "ns0").size(), 1u);  // its owner, the initial user namespace
  EXPECT_NE(exited.node_attr("task1", "color"), kFaded);  // b: a zombie, not freed yet
  // Step 3: b is reaped: faded; the namespace freed the step before is gone.
  Dot reaped(dot_of(sc, "--step 3"));
  EXPECT_EQ(reaped.node("ns8"), nullptr);
  EXPECT_EQ(reaped.node("nsproxy2"), nullptr);
  EXPECT_EQ(reaped.node_attr("task1", "color"), kFaded);
  EXPECT_THAT(reaped.node_attr("task1", "label"), HasSubstr("reaped"));
  EXPECT_THAT(reaped.graph_label(), HasSubstr("freed in this step: task b (reaped)"));
  // Step 4: nothing of b is left.
  Dot after(dot_of(sc, "--step 4"));
  EXPECT_EQ(after.node("task1"), nullptr);
  EXPECT_EQ(after.node("ns8"), nullptr);
  for (auto& n : after.nodes()) EXPECT_NE(after.node_attr(n, "color"), kFaded) << n;
}

TEST(GraphDraw, FocusDrawsOnlyTheChosenLinks) {
  std::string sc = "init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> b\n";
  std::string full = dot_of(sc, "");
  Dot all(full);
  EXPECT_THAT(all.node_attr("nsproxy2", "label"), HasSubstr("PORT=\"uts\""));
  Dot d(dot_of(sc, "--focus net"));
  ASSERT_TRUE(d.ok());
  // The nsproxy tables keep only the net slot, and it is their only edge.
  for (const char* p : {"nsproxy1", "nsproxy2"}) {
    std::string label = d.node_attr(p, "label");
    EXPECT_THAT(label, HasSubstr("PORT=\"net\"")) << p;
    for (const char* other : {"uts", "ipc", "mnt", "pid_for_children", "time", "time_for_children", "cgroup"})
      EXPECT_THAT(label, Not(HasSubstr(fmt::format("PORT=\"{}\"", other)))) << p << " " << other;
  }
  int net_nodes = 0;
  for (auto& n : d.nodes()) {
    std::string label = d.node_attr(n, "label");
    if (n.rfind("ns", 0) == 0 && std::isdigit(static_cast<unsigned char>(n[2]))) {
      EXPECT_THAT(label, HasSubstr("<B>net:[")) << n << " is not a net namespace";
      ++net_nodes;
    }
  }
  EXPECT_EQ(net_nodes, 2);  // the initial one and b's
  EXPECT_EQ(d.edges("nsproxy2", "ns9").size(), 1u);  // b's net namespace (ns8 is its uts one)
  EXPECT_EQ(d.node("ns8"), nullptr);
  EXPECT_TRUE(d.edges("task1", "ns0").empty());  // no user namespaces, no cred arcs
  EXPECT_THAT(d.graph_label(), HasSubstr("only the net links (--focus)"));
  // user brings the user namespaces and the cred arcs (not the pid ones).
  Dot u(dot_of(sc, "--focus net,user"));
  ASSERT_EQ(u.edges("task1", "ns0").size(), 1u);
  EXPECT_THAT(Dot::attr(u.edges("task1", "ns0")[0], "label"), HasSubstr("cred"));
  EXPECT_EQ(u.edges("ns9", "ns0").size(), 1u);  // b's net namespace's owner
  EXPECT_THAT(u.node_attr("nsproxy2", "label"), Not(HasSubstr("PORT=\"pid_for_children\"")));
  for (auto& n : u.nodes()) EXPECT_THAT(u.node_attr(n, "label"), Not(HasSubstr("<B>pid:["))) << n;
}

TEST(GraphDraw, HideDropsTheCredAndPidArcs) {
  std::string sc = "init: clone(CLONE_NEWPID) -> b\n";
  auto labels = [](const Dot& d, const std::string& task) {
    std::vector<std::string> v;
    for (auto& n : d.nodes())
      for (Agedge_t* e : d.edges(task, n)) v.push_back(Dot::attr(e, "label"));
    return ::testing::PrintToString(v);
  };
  Dot all(dot_of(sc, ""));
  EXPECT_THAT(labels(all, "task1"), HasSubstr("cred"));
  EXPECT_THAT(labels(all, "task1"), HasSubstr("pid"));
  Dot no_creds(dot_of(sc, "--hide creds"));
  EXPECT_THAT(labels(no_creds, "task1"), Not(HasSubstr("cred")));
  EXPECT_THAT(labels(no_creds, "task1"), HasSubstr("pid"));
  EXPECT_NE(no_creds.node("ns0"), nullptr);  // the user namespaces are still drawn
  EXPECT_THAT(no_creds.graph_label(), HasSubstr("cred arcs hidden (--hide)"));
  Dot none(dot_of(sc, "--hide creds,pids"));
  EXPECT_EQ(labels(none, "task1"), ::testing::PrintToString(std::vector<std::string>{""}));  // only -> nsproxy
}

TEST(GraphDraw, LetNamesLabelTheirNamespaces) {
  std::string sc =
      "init: clone(CLONE_NEWNET) -> b\nlet N = b.net\nlet M = b.net\nlet I = init.net\nb: exit(0)\n";
  Dot before(dot_of(sc, "--step 1"));
  EXPECT_THAT(before.node_attr("ns8", "label"), Not(HasSubstr("<B>N</B>")));
  Dot d(dot_of(sc, "--step 4"));
  EXPECT_THAT(d.node_attr("ns8", "label"), HasSubstr("<B>M, N</B>"));
  EXPECT_THAT(d.node_attr("ns6", "label"), HasSubstr("<B>I</B>"));  // init's net namespace
  EXPECT_THAT(d.node_attr("ns0", "label"), Not(HasSubstr("#1f3a93")));
  // Freed, the namespace keeps its names on its faded node.
  Dot freed(dot_of(sc, "--step 5"));
  EXPECT_EQ(freed.node_attr("ns8", "color"), kFaded);
  EXPECT_THAT(freed.node_attr("ns8", "label"), HasSubstr("<B>M, N</B>"));
}

TEST(GraphDraw, StepZeroIsTheInitialStateAndFinalIsTheDefault) {
  std::string sc = "init: clone(CLONE_NEWUTS) -> b\nb: sethostname(\"x\")\n";
  std::string final_dot = dot_of(sc, "--final");
  EXPECT_EQ(dot_of(sc, ""), final_dot);
  EXPECT_EQ(dot_of(sc, "--step 2"), final_dot);
  Dot d0(dot_of(sc, "--step 0"));
  EXPECT_NE(d0.node("task0"), nullptr);
  EXPECT_EQ(d0.node("task1"), nullptr);
  EXPECT_THAT(d0.graph_label(), HasSubstr("step 0 · initial state"));
}

TEST(GraphDraw, EscapingIsGraphvizs) {
  // A hostname with markup, quotes and a backslash: drawn as text, everywhere.
  std::string sc = "init: clone(CLONE_NEWUTS) -> b\nb: sethostname(\"<b>&\\\"x\\\\y\")\n";
  std::string dot = dot_of(sc, "");
  Dot d(dot);
  ASSERT_TRUE(d.ok());
  bool found = false;
  for (auto& n : d.nodes())
    if (d.node_attr(n, "label").find("&lt;b&gt;&amp;&quot;x\\y") != std::string::npos) found = true;
  EXPECT_TRUE(found) << dot;
  std::string svg_path = scratch(".svg");
  CliRun r = run(fmt::format("graph {} -o {}", write_scenario(sc), svg_path));
  ASSERT_EQ(r.status, 0) << r.out;
  std::string svg = slurp(svg_path);
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;&amp;&quot;x\\y"));
  EXPECT_THAT(svg, Not(HasSubstr("<b>&")));
}

TEST(GraphDraw, OutputIsDeterministic) {
  std::string path = source_path("examples/11-pidfd-setns.nss");
  for (const char* f : {"dot", "svg"}) {
    CliRun a = run(fmt::format("graph {} --step 5 --format {}", path, f));
    CliRun b = run(fmt::format("graph {} --step 5 --format {}", path, f));
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(a.out, b.out) << f;
    EXPECT_THAT(a.out, Not(HasSubstr("0x"))) << "an address leaked into the " << f;
  }
}

std::string many_tasks(int shared, int own) {
  std::string s;
  for (int i = 0; i < shared; ++i) s += fmt::format("init: clone(0) -> a{}\n", i);
  for (int i = 0; i < own; ++i) s += fmt::format("init: clone(CLONE_NEWUTS) -> u{}\n", i);
  return s;
}

TEST(GraphDraw, FoldsTasksSharingAnNsproxyAboveMaxGroup) {
  std::string sc = many_tasks(30, 0);  // init + a0..a29 share nsproxy#1
  Dot d(dot_of(sc, ""));
  // a29 is new in the last step: drawn alone; the 30 others are one node.
  EXPECT_NE(d.node("task30"), nullptr);
  std::string folded;
  for (auto& n : d.nodes())
    if (n.rfind("tasks_nsproxy1_", 0) == 0) folded = n;
  ASSERT_FALSE(folded.empty());
  EXPECT_THAT(d.node_attr(folded, "label"), HasSubstr("30 tasks"));
  auto e = d.edges(folded, "nsproxy1");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(Dot::attr(e[0], "label"), HasSubstr("×30"));
  // With a larger group, every task is drawn.
  Dot all(dot_of(sc, "--max-group 100"));
  for (int i = 0; i <= 30; ++i) EXPECT_NE(all.node(fmt::format("task{}", i)), nullptr) << i;
}

TEST(GraphDraw, FoldsNsproxiesOfTheSameShapeAboveMaxNsproxies) {
  std::string sc = many_tasks(0, 20);  // u0..u19: an nsproxy and a uts namespace each
  Dot d(dot_of(sc, ""));
  // u19 (new, task20 / nsproxy21) alone; u0..u18 (nsproxy2..20) as one stack.
  EXPECT_NE(d.node("task20"), nullptr);
  EXPECT_NE(d.node("nsproxy21"), nullptr);
  EXPECT_EQ(d.node("nsproxy2"), nullptr);
  EXPECT_THAT(d.node_attr("fold_nsproxy2", "label"), HasSubstr("19 nsproxies"));
  EXPECT_THAT(d.node_attr("fold_nsproxy2_tasks", "label"), HasSubstr("19 tasks"));
  EXPECT_THAT(d.node_attr("fold_nsproxy2_ns0", "label"), HasSubstr("19 uts"));
  auto to_uts = d.edges("fold_nsproxy2", "fold_nsproxy2_ns0");
  ASSERT_EQ(to_uts.size(), 1u);
  EXPECT_EQ(Dot::attr(to_uts[0], "tailport"), "uts:e");
  // The shared initial namespaces are still single nodes, pointed at by the stack's other 7 slots.
  int to_initial = 0;
  for (auto& n : d.nodes())
    if (n.size() > 2 && n.rfind("ns", 0) == 0 && std::isdigit(static_cast<unsigned char>(n[2])))
      to_initial += static_cast<int>(d.edges("fold_nsproxy2", n).size());
  EXPECT_EQ(to_initial, 7);
  Dot all(dot_of(sc, "--max-nsproxies 100"));
  for (int i = 1; i <= 21; ++i) EXPECT_NE(all.node(fmt::format("nsproxy{}", i)), nullptr) << i;
}

TEST(GraphDraw, PinsAreDrawnFromTheirHolder) {
  // A hand-made snapshot: a bind mount (mount namespace -> net namespace) and
  // an fd in a files table shared by two tasks.
  using S = cli::ModelSnapshot;
  S s;
  S::TaskV a;
  a.id = 0, a.comm = "a", a.nspid = {1}, a.nsproxy = 1, a.user_ns = 0, a.pid_ns = 3;
  S::TaskV b = a;
  b.id = 1, b.comm = "b", b.nspid = {2};
  s.tasks = {a, b};
  S::ProxyV p;
  p.id = 1, p.count = 2, p.slot = {1, 2, 5, 3, 4, 6, 6, 7};
  s.nsproxies = {p};
  const NsType types[] = {NsType::User, NsType::Uts, NsType::Ipc,  NsType::Pid,
                          NsType::Net,  NsType::Mnt, NsType::Time, NsType::Cgroup};
  for (uint32_t i = 0; i < 8; ++i) {
    S::NsV n;
    n.serial = i, n.type = types[i], n.inum = 4026531830 + i, n.refs = 2, n.initial = true;
    if (i) n.owner = 0;
    s.namespaces.push_back(n);
  }
  S::NsV kept;
  kept.serial = 8, kept.type = NsType::Net, kept.inum = 4026531840, kept.refs = 1, kept.owner = 0;
  s.namespaces.push_back(kept);
  s.mounts.push_back({7, 5, 8, "/run/netns/x \"y\""});
  s.fds.push_back({0, 3, 8, {"b"}});
  cli::DrawOptions o;
  Dot d(cli::to_dot(cli::build_graph(s, nullptr, o)));
  ASSERT_TRUE(d.ok());
  auto m = d.edges("ns5", "ns8");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(Dot::attr(m[0], "label"), "mount /run/netns/x &quot;y&quot;");
  EXPECT_EQ(Dot::attr(m[0], "style"), "bold");
  auto f = d.edges("task0", "ns8");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(Dot::attr(f[0], "label"), "fd 3 (shared with b)");
  EXPECT_TRUE(d.edges("task1", "ns8").empty());  // one table, one edge
  // With a previous state without them, both pins are new (red).
  S before = s;
  before.mounts.clear();
  before.fds.clear();
  Dot d2(cli::to_dot(cli::build_graph(s, &before, o)));
  EXPECT_EQ(Dot::attr(d2.edges("ns5", "ns8")[0], "color"), kRed);
  EXPECT_EQ(Dot::attr(d2.edges("task0", "ns8")[0], "color"), kRed);
  Dot d3(cli::to_dot(cli::build_graph(before, &s, o)));
  EXPECT_THAT(d3.graph_label(), HasSubstr("released in this step: fd 3 of a (net:[4026531840]), mount "));
}

TEST(GraphDraw, LiveKernelInodesAreShownWhenGiven) {
  ParseResult pr = parse_scenario("init: clone(CLONE_NEWNET) -> b\n");
  Runner runner(pr.scenario, Runner::Options{});
  runner.run([](const StepRecord&) {});
  cli::ModelSnapshot s = cli::snapshot(runner.sim().kernel());
  cli::DrawOptions o;
  o.kernel_inum[8] = 4026532999;
  Dot d(cli::to_dot(cli::build_graph(s, nullptr, o)));
  EXPECT_THAT(d.node_attr("ns8", "label"), HasSubstr("kernel inode 4026532999"));
  EXPECT_THAT(d.node_attr("ns7", "label"), Not(HasSubstr("kernel inode")));
}

// ---- nssim graph: errors ------------------------------------------------------------

// A pidfd of a task is an edge between two tasks of the same rank. Graphviz
// 2.42/2.43 (Debian 12) double-freed in gvFreeLayout() on this picture while
// the edge had a `label` (seen under ASan in CI: example 47); it has an
// `xlabel` now, which dot places after the layout.
TEST(GraphCli, PidfdBetweenTasksLaysOut) {
  std::string f = write_scenario(
      "init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> c\n"
      "init: pidfd_open(c) -> pf\n"
      "init: ioctl(pf, PIDFD_GET_NET_NAMESPACE) -> n\n"
      "init: ioctl(pf, PIDFD_GET_UTS_NAMESPACE) -> u\n"
      "init: clone(0) -> d\n");
  for (const char* fmt_name : {"svg", "png"}) {
    std::string out = scratch(std::string(".") + fmt_name);
    CliRun r = run(fmt::format("graph {} -o {}", f, out));
    ASSERT_EQ(r.status, 0) << fmt_name << ": " << r.out;
    EXPECT_GT(fs::file_size(out), 0u);
  }
  CliRun d = run("graph " + f);
  ASSERT_EQ(d.status, 0) << d.out;
  Dot dot(d.out);
  ASSERT_TRUE(dot.ok());
  auto e = dot.edges("task0", "task1");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Dot::attr(e[0], "xlabel"), "pidfd 3");
  EXPECT_EQ(Dot::attr(e[0], "constraint"), "false");
}

TEST(GraphCli, UnknownStepExitsTwo) {
  CliRun r = run("graph " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --step 14");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("no step 14"));
  EXPECT_THAT(r.out, HasSubstr("it has 13 steps (0 is the initial state)"));
  EXPECT_EQ(run("graph " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --step -1").status, 2);
}

TEST(GraphCli, StepAndFinalAreExclusive) {
  CliRun r = run("graph " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --step 1 --final");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("excludes"));
}

TEST(GraphCli, UnknownFormatExitsTwo) {
  std::string f = source_path("examples/02-fd-keeps-namespace-alive.nss");
  CliRun r = run("graph " + f + " --format gif");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("unknown format 'gif'"));
  CliRun r2 = run("graph " + f + " -o " + scratch(".gif"));
  EXPECT_EQ(r2.status, 2);
  EXPECT_THAT(r2.out, HasSubstr("cannot tell the format"));
  EXPECT_FALSE(fs::exists(scratch(".gif")));
}

TEST(GraphCli, UnwritableOutputExitsTwo) {
  CliRun r = run("graph " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " -o /nonexistent-dir/x.svg");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("cannot write '/nonexistent-dir/x.svg'"));
}

TEST(GraphCli, ParseAndRunErrorsExitTwo) {
  CliRun p = run("graph " + write_scenario("init: clone(CLONE_NEWFOO) -> a\n"));
  EXPECT_EQ(p.status, 2);
  EXPECT_THAT(p.out, HasSubstr(":1:13: error: unknown flag 'CLONE_NEWFOO'"));
  std::string sc = write_scenario("init: clone(0) -> a\nb: unshare(CLONE_NEWUTS)\n");
  CliRun r = run("graph " + sc);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr(":2:1: error: unknown task 'b'"));
  EXPECT_THAT(r.out, HasSubstr("step 2 was not reached"));
  EXPECT_EQ(run("graph " + sc + " --step 1").status, 0);  // before the error: drawn
}

TEST(GraphCli, LinePicksTheStepOfThatLine) {
  std::string sc = write_scenario("# a comment\ninit: clone(CLONE_NEWNET) -> b\n\nlet N = b.net\nb: exit(0)\n");
  for (auto [line, step] : {std::pair{2, 1}, std::pair{4, 2}, std::pair{5, 3}}) {
    CliRun by_line = run(fmt::format("graph {} --line {}", sc, line));
    CliRun by_step = run(fmt::format("graph {} --step {}", sc, step));
    ASSERT_EQ(by_line.status, 0) << by_line.out;
    EXPECT_EQ(by_line.out, by_step.out) << "line " << line;
    EXPECT_THAT(by_line.out, HasSubstr(fmt::format("step {} · line {}", step, line)));
  }
  EXPECT_EQ(run(fmt::format("graph {} --line 2 --step 1", sc)).status, 2);  // one or the other
}

TEST(GraphCli, LineWithoutAStatementIsAnError) {
  std::string sc = write_scenario("# a comment\ninit: clone(CLONE_NEWNET) -> b\n\nlet N = b.net\n");
  CliRun comment = run(fmt::format("graph {} --line 1", sc));
  EXPECT_EQ(comment.status, 2);
  EXPECT_THAT(comment.out, HasSubstr(sc + ":1:1: error: --line 1: no statement on this line"));
  EXPECT_THAT(comment.out, HasSubstr("hint: the nearest statement is on line 2 (step 1)"));
  CliRun blank = run(fmt::format("graph {} --line 3", sc));
  EXPECT_EQ(blank.status, 2);
  EXPECT_THAT(blank.out, HasSubstr(":3:1: error: --line 3: no statement"));
  EXPECT_THAT(blank.out, HasSubstr("the nearest statements are on line 2 (step 1) and line 4 (step 2)"));
  CliRun past = run(fmt::format("graph {} --line 40", sc));
  EXPECT_EQ(past.status, 2);
  EXPECT_THAT(past.out, HasSubstr(":4:1: error: --line 40: the file has 4 lines"));
  EXPECT_EQ(run(fmt::format("graph {} --line 0", sc)).status, 2);
}

TEST(GraphCli, BadFocusOrHideIsAnError) {
  std::string f = source_path("examples/02-fd-keeps-namespace-alive.nss");
  CliRun focus = run("graph " + f + " --focus net,nett");
  EXPECT_EQ(focus.status, 2);
  EXPECT_THAT(focus.out, HasSubstr("--focus: unknown link 'nett' (known: cgroup, ipc, mnt, net, pid, "));
  CliRun hide = run("graph " + f + " --hide fds");
  EXPECT_EQ(hide.status, 2);
  EXPECT_THAT(hide.out, HasSubstr("--hide: unknown 'fds' (known: creds, pids"));
  EXPECT_EQ(run("trace --no-events " + f + " --focus net").status, 2);  // --focus is for --html pictures
}

TEST(GraphCli, HelpDefinesTheSteps) {
  CliRun r = run("graph --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("0 is the initial state"));
  EXPECT_THAT(r.out, HasSubstr("--final"));
  EXPECT_THAT(r.out, HasSubstr("Exit status"));
}

// ---- trace --html --------------------------------------------------------------------

TEST(TraceHtml, FocusAndHideApplyToEveryPicture) {
  std::string page = scratch(".html");
  CliRun r = run(fmt::format("trace --no-events --no-table {} --html {} --focus net,uts --hide pids",
                             source_path("examples/02-fd-keeps-namespace-alive.nss"), page));
  ASSERT_EQ(r.status, 0) << r.out;
  auto data = page_data(slurp(page));
  ASSERT_TRUE(data.is_object());
  ASSERT_GT(data["steps"].size(), 6u);
  for (auto& s : data["steps"]) {
    std::string svg = s["svg"].get<std::string>();
    EXPECT_THAT(svg, HasSubstr("net_ns")) << s["step"];
    EXPECT_THAT(svg, HasSubstr("uts_ns")) << s["step"];
    EXPECT_THAT(svg, Not(HasSubstr("ipc_ns"))) << s["step"];
    EXPECT_THAT(svg, Not(HasSubstr("mnt:["))) << s["step"];
    EXPECT_THAT(svg, Not(HasSubstr(">pid<"))) << s["step"];  // the pid arcs' label
  }
  // The let name N labels b's net namespace once it is bound (line 9 of the example).
  EXPECT_THAT(data["steps"].back()["svg"].get<std::string>(), Not(HasSubstr(">N<")));  // freed two steps before
  bool named = false;
  for (auto& s : data["steps"]) named = named || s["svg"].get<std::string>().find(">N<") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(TraceHtml, PageIsSelfContained) {
  std::string page = scratch(".html");
  CliRun r = run("trace " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --html " + page);
  ASSERT_EQ(r.status, 0) << r.out;
  std::string html = slurp(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  // The only URLs are the SVG namespace names, which nothing fetches.
  for (size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1)) {
    std::string url = html.substr(at, 40);
    EXPECT_TRUE(url.rfind("http://www.w3.org/2000/svg", 0) == 0 || url.rfind("http://www.w3.org/1999/xlink", 0) == 0)
        << url;
  }
  EXPECT_THAT(html, HasSubstr("id=\"next\""));
  EXPECT_THAT(html, HasSubstr("ArrowRight"));
}

TEST(TraceHtml, EachStepShowsTheGraphOfNssimGraph) {
  std::string file = source_path("examples/02-fd-keeps-namespace-alive.nss");
  std::string page = scratch(".html");
  ASSERT_EQ(run("trace " + file + " --html " + page).status, 0);
  auto data = page_data(slurp(page));
  ASSERT_TRUE(data.is_object());
  for (int step : {0, 4, 6}) {
    std::string svg = scratch(fmt::format(".{}.svg", step));
    ASSERT_EQ(run(fmt::format("graph {} --step {} -o {}", file, step, svg)).status, 0);
    EXPECT_EQ(data["steps"][step]["svg"].get<std::string>(), cli::svg_element(slurp(svg))) << "step " << step;
  }
  EXPECT_EQ(data["steps"][6]["text"], "b: exit(0)");
  EXPECT_EQ(data["steps"][6]["line"], 8);
  EXPECT_FALSE(data["steps"][6]["events"].empty());
  EXPECT_EQ(data["steps"][6]["events"][0]["fn"], "do_exit");
  EXPECT_EQ(data["source"], slurp(file));
}

TEST(TraceHtml, FailuresAndRunErrorsAreOnThePageAndInTheExitStatus) {
  std::string page = scratch(".html");
  CliRun f =
      run("trace " + write_scenario("init: clone(0) -> a\nexpect a.nsproxy != init.nsproxy\n") + " --html " + page);
  EXPECT_EQ(f.status, 1);
  EXPECT_THAT(slurp(page), HasSubstr("\"result\":\"FAIL\""));
  CliRun e = run("trace " + write_scenario("init: clone(0) -> a\nb: unshare(CLONE_NEWUTS)\n") + " --html " + page);
  EXPECT_EQ(e.status, 2);
  EXPECT_THAT(slurp(page), HasSubstr("unknown task 'b'"));
}

TEST(TraceHtml, UnwritablePageExitsTwoBeforeRunning) {
  CliRun r =
      run("trace " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --html /nonexistent-dir/x.html");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("cannot write '/nonexistent-dir/x.html'"));
  EXPECT_THAT(r.out, Not(HasSubstr("summary:")));
}

TEST(TraceHtml, ScriptDataCannotCloseItsElement) {
  nlohmann::json data;
  data["title"] = "t";
  data["source"] = "</script><script>alert(1)</script><!--";
  data["steps"] = nlohmann::json::array();
  std::string html = cli::html_page(data);
  EXPECT_THAT(html, Not(HasSubstr("</script><script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<!--")));
  EXPECT_THAT(html, HasSubstr("\\u003c/script\\u003e"));
  // A picture is raw text of its own element unless it could end it early:
  // then it goes into the step's record, escaped as the rest of the JSON.
  const std::string evil = "<svg><text></SCRIPT><script>alert(1)</script></text></svg>";
  data["source"] = "";
  data["steps"] = nlohmann::json::array({{{"step", 0}, {"line", 0}, {"ok", true}, {"svg", "<svg><g/></svg>"}},
                                         {{"step", 1}, {"line", 1}, {"ok", false}, {"svg", evil}}});
  html = cli::html_page(data);
  EXPECT_THAT(html, Not(HasSubstr("</SCRIPT><script>alert")));
  EXPECT_THAT(html, HasSubstr("<script type=\"image/svg+xml\" id=\"nssim-svg-0\"><svg><g/></svg></script>"));
  EXPECT_THAT(html, Not(HasSubstr("id=\"nssim-svg-1\"")));
  auto back = page_data(html);
  ASSERT_TRUE(back.is_object());
  ASSERT_EQ(back["steps"].size(), 2u);
  EXPECT_EQ(back["steps"][1]["svg"], evil);
  EXPECT_EQ(back["index"], nlohmann::json::parse("[[0,true],[1,false]]"));
}

}  // namespace
}  // namespace nssim

namespace nssim {
namespace {

// docs/images is generated by `make docs-images` from docs/images/MANIFEST:
// each NAME.dot must be what nssim draws today (else: run make docs-images),
// and NAME.svg must have been rendered from it (the same nodes).
TEST(DocsImages, AreWhatNssimDrawsToday) {
  std::ifstream manifest(source_path("docs/images/MANIFEST"));
  ASSERT_TRUE(manifest) << "docs/images/MANIFEST is missing";
  std::string line;
  int pictures = 0;
  while (std::getline(manifest, line)) {
    std::istringstream is(line);
    std::string name, scenario, step;
    if (!(is >> name) || name[0] == '#') continue;
    ASSERT_TRUE(is >> scenario >> step) << line;
    ++pictures;
    CliRun r = step == "snapshot"
                   ? run(fmt::format("graph --snapshot {} --format dot", source_path(scenario)))
                   : run(fmt::format("graph {} --step {} --format dot", source_path(scenario), step));
    ASSERT_EQ(r.status, 0) << r.out;
    std::string dot_path = source_path("docs/images/" + name + ".dot");
    EXPECT_EQ(slurp(dot_path), r.out) << "docs/images/" << name << ".dot is stale: run make docs-images";
    std::string svg = slurp(source_path("docs/images/" + name + ".svg"));
    Dot d(r.out);
    ASSERT_TRUE(d.ok());
    size_t drawn = 0;
    for (size_t at = svg.find("class=\"node\""); at != std::string::npos; at = svg.find("class=\"node\"", at + 1))
      ++drawn;
    EXPECT_EQ(drawn, d.nodes().size()) << name << ".svg";
    for (auto& n : d.nodes()) EXPECT_THAT(svg, HasSubstr("<g id=\"" + n + "\" class=\"node\"")) << name << ".svg";
  }
  EXPECT_GE(pictures, 5);
  std::string png = slurp(source_path("docs/images/html-step6.png"));
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << "docs/images/html-step6.png";
  // The README shows one of them.
  EXPECT_THAT(slurp(source_path("README.md")), HasSubstr("](docs/images/02-step6-last-process-exits.svg)"));
}

}  // namespace
}  // namespace nssim

// ---- nssim graph --snapshot: the live system, or a saved snapshot ------------------
// tests/data/snapshot/sandbox.json was taken by `nssim snapshot` inside a sandbox
// (make-sandbox-snapshot.sh next to it): a net namespace only a bind mount in a
// second mount namespace keeps, one only fd 7 of a process keeps, two zombies, a
// user namespace owning a uts namespace, a nested pid namespace. The live
// counterpart (a sandbox built by the test) is in snapshot_test.cc.

namespace nssim {
namespace {

const char* kSnapFixture = "tests/data/snapshot/sandbox.json";

real::Snapshot load_fixture() {
  std::string err;
  auto j = nlohmann::json::parse(slurp(source_path(kSnapFixture)));
  auto s = real::snapshot_from_json(j, err);
  EXPECT_TRUE(s.has_value()) << err;
  return s.value_or(real::Snapshot{});
}

// The namespace of the fixture held only by a holder of this kind.
const real::SnapNs* held_only_by(const real::Snapshot& s, real::SnapHolder::Kind k) {
  for (auto& n : s.namespaces)
    if (n.nprocs == 0 && n.holders.size() == 1 && n.holders[0].kind == k) return &n;
  return nullptr;
}

// Set NSSIM_UPDATE_GOLDEN=1 to rewrite the file after an intended change.
TEST(GraphSnapshot, SavedSnapshotMatchesTheDotFile) {
  CliRun r = run("graph --snapshot " + source_path(kSnapFixture) + " --format dot");
  ASSERT_EQ(r.status, 0) << r.out;
  Dot parsed(r.out);
  ASSERT_TRUE(parsed.ok()) << "nssim graph wrote DOT that Graphviz cannot read back";
  const std::string golden = "tests/golden/snapshot-sandbox.dot";
  if (const char* u = std::getenv("NSSIM_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(source_path(golden), std::ios::binary) << r.out;
    GTEST_SKIP() << "rewrote " << golden;
  }
  std::string want = slurp(source_path(golden));
  ASSERT_FALSE(want.empty()) << golden << " is missing; NSSIM_UPDATE_GOLDEN=1 writes it";
  expect_same_as_golden(golden, want, r.out, "GraphSnapshot");
}

TEST(GraphSnapshot, EveryTaskNsproxyNamespaceAndHolderIsDrawn) {
  real::Snapshot s = load_fixture();
  ASSERT_TRUE(s.bpf);
  Dot d(cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{})));
  ASSERT_TRUE(d.ok());
  // Every namespace, with its inode and refcount; owners and parents.
  for (auto& n : s.namespaces) {
    std::string node = "ns" + std::to_string(n.inum);
    ASSERT_NE(d.node(node), nullptr) << node;
    std::string label = d.node_attr(node, "label");
    EXPECT_THAT(label, HasSubstr(fmt::format("{}:[{}]", ns_type_name(n.type), n.inum)));
    EXPECT_THAT(label, HasSubstr(fmt::format("refs {}", *n.refs)));
    if (n.owner && n.type != NsType::User) {
      EXPECT_EQ(d.edges(node, "ns" + std::to_string(n.owner)).size(), 1u) << node;
    }
    if (n.parent) {
      EXPECT_EQ(d.edges(node, "ns" + std::to_string(n.parent)).size(), 1u) << node;
    }
    if (n.nprocs == 0) {
      EXPECT_THAT(label, HasSubstr("no process in it")) << node;
    } else {
      EXPECT_THAT(label, Not(HasSubstr("no process in it"))) << node;
    }
  }
  // Every nsproxy (numbered by its lowest tid) with its count and eight slot edges.
  ASSERT_EQ(s.nsproxies.size(), 5u);
  for (size_t i = 1; i <= s.nsproxies.size(); ++i) {
    std::string node = "nsproxy" + std::to_string(i);
    EXPECT_THAT(d.node_attr(node, "label"), HasSubstr(fmt::format("nsproxy#{} · count ", i)));
    Agnode_t* n = d.node(node);
    ASSERT_NE(n, nullptr);
    int slots = 0;
    for (Agedge_t* e = agfstout(agraphof(n), n); e; e = agnxtout(agraphof(n), e)) ++slots;
    EXPECT_EQ(slots, 8) << node;
  }
  // Every task drawn alone (ten tasks: below --max-group); zombies have no nsproxy.
  for (auto& t : s.tasks) {
    std::string node = "task" + std::to_string(t.tid);
    ASSERT_NE(d.node(node), nullptr) << node;
    EXPECT_THAT(d.node_attr(node, "label"), HasSubstr(fmt::format("pid {}", t.pid)));
    if (t.state == 'Z') {
      EXPECT_THAT(d.node_attr(node, "label"), HasSubstr("zombie"));
      EXPECT_EQ(d.node_attr(node, "style"), "rounded,dashed");
    }
  }
  // The two namespaces no process is in, with what holds them.
  const real::SnapNs* by_fd = held_only_by(s, real::SnapHolder::Kind::Fd);
  const real::SnapNs* by_mount = held_only_by(s, real::SnapHolder::Kind::BindMount);
  ASSERT_TRUE(by_fd && by_mount);
  const real::SnapHolder& fd = by_fd->holders[0];
  auto fe = d.edges("task" + std::to_string(fd.pid), "ns" + std::to_string(by_fd->inum));
  ASSERT_EQ(fe.size(), 1u);
  EXPECT_EQ(Dot::attr(fe[0], "label"), fmt::format("fd {}", fd.fd));
  EXPECT_EQ(Dot::attr(fe[0], "style"), "bold");
  EXPECT_THAT(d.node_attr("ns" + std::to_string(by_fd->inum), "label"),
              HasSubstr(fmt::format("held by: fd {} of pid {} (sleep)", fd.fd, fd.pid)));
  const real::SnapHolder& bm = by_mount->holders[0];
  auto me = d.edges("ns" + std::to_string(bm.ns), "ns" + std::to_string(by_mount->inum));
  ASSERT_EQ(me.size(), 1u);
  EXPECT_EQ(Dot::attr(me[0], "label"), "mount /run/netns/n1");
  EXPECT_THAT(d.node_attr("ns" + std::to_string(by_mount->inum), "label"),
              HasSubstr(fmt::format("held by: bind mount at /run/netns/n1 in mnt:[{}]", bm.ns)));
  // n0 is bind-mounted in two mount namespaces (the second was copied from the first).
  int n0 = 0;
  for (auto& m : s.mounts) n0 += m.mountpoint == "/run/netns/n0";
  EXPECT_EQ(n0, 2);
  // The caption says what this is.
  EXPECT_THAT(d.graph_label(), HasSubstr("snapshot · kernel "));
  EXPECT_THAT(d.graph_label(), HasSubstr("5 nsproxies"));
}

TEST(GraphSnapshot, WithoutBpfTasksWithTheSameLinksShareALinksTable) {
  real::Snapshot s = load_fixture();
  // As `nssim snapshot --no-bpf` would have seen it: no nsproxies, no refcounts, no levels.
  s.bpf = false;
  s.bpf_note = "not asked for (--no-bpf)";
  s.nsproxies.clear();
  for (auto& t : s.tasks) t.nsproxy = 0;
  for (auto& n : s.namespaces) n.refs.reset(), n.level = 0, n.nsproxies.clear();
  Dot d(cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{})));
  ASSERT_TRUE(d.ok());
  // The fixture's nsproxies have distinct namespaces: one links table each.
  for (int i = 1; i <= 5; ++i)
    EXPECT_THAT(d.node_attr("nsproxy" + std::to_string(i), "label"),
                HasSubstr(fmt::format("links#{}</B><BR/><FONT POINT-SIZE=\"9\">nsproxy not read (no BPF)", i)));
  EXPECT_EQ(d.node("nsproxy6"), nullptr);
  for (auto& n : s.namespaces) EXPECT_THAT(d.node_attr("ns" + std::to_string(n.inum), "label"), Not(HasSubstr("refs")));
  EXPECT_THAT(d.graph_label(), HasSubstr("no BPF (not asked for (--no-bpf)): nsproxies and refcounts unknown"));
  // The holders do not need BPF.
  const real::SnapNs* by_fd = held_only_by(s, real::SnapHolder::Kind::Fd);
  ASSERT_NE(by_fd, nullptr);
  EXPECT_EQ(d.edges("task" + std::to_string(by_fd->holders[0].pid), "ns" + std::to_string(by_fd->inum)).size(), 1u);
}

TEST(GraphSnapshot, TheOrderOfTheSnapshotDoesNotMatter) {
  real::Snapshot s = load_fixture();
  std::string want = cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{}));
  std::reverse(s.tasks.begin(), s.tasks.end());
  std::reverse(s.nsproxies.begin(), s.nsproxies.end());
  std::reverse(s.namespaces.begin(), s.namespaces.end());
  std::reverse(s.mounts.begin(), s.mounts.end());
  std::reverse(s.fds.begin(), s.fds.end());
  for (auto& n : s.namespaces) std::reverse(n.holders.begin(), n.holders.end());
  EXPECT_EQ(cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{})), want);
}

// The DOT of a saved snapshot must not depend on what the process drew or
// read before: cgraph's default ids were the addresses of the interned names,
// and agwrite writes subgraphs in id order, so the clusters came out in heap
// order (cluster_nsproxy5 before cluster_nsproxy1 after other tests ran).
TEST(GraphSnapshot, WhatWasDrawnBeforeDoesNotMatter) {
  real::Snapshot s = load_fixture();
  const std::string first = cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{}));
  ASSERT_NE(first.find("subgraph cluster_nsproxy1 "), std::string::npos);
  ASSERT_NE(first.find("subgraph cluster_nsproxy5 "), std::string::npos);
  EXPECT_LT(first.find("subgraph cluster_nsproxy1 "), first.find("subgraph cluster_nsproxy5 "))
      << "clusters are written in nsproxy order";

  std::string src = slurp(source_path("examples/02-fd-keeps-namespace-alive.nss"));
  ParseResult pr = parse_scenario(src, "02");
  ASSERT_TRUE(pr.ok());
  Runner::Options ro;
  ro.trace = false;
  Runner runner(pr.scenario, ro);
  runner.run([](const StepRecord&) {});
  cli::ModelSnapshot model = cli::snapshot(runner.sim().kernel());

  // What other tests leave behind: model graphs drawn (some still alive), DOT
  // read back and freed, other drawings of the snapshot alive or freed.
  std::vector<cli::Graph> alive;
  for (int round = 0; round < 4; ++round) {
    alive.push_back(cli::build_graph(model, nullptr, cli::DrawOptions{}));
    { Dot parsed(first); }
    if (round % 2) alive.push_back(cli::build_snapshot_graph(s, cli::DrawOptions{}));
    { cli::Graph dropped = cli::build_graph(model, nullptr, cli::DrawOptions{}); }
    EXPECT_EQ(cli::to_dot(cli::build_snapshot_graph(s, cli::DrawOptions{})), first) << "round " << round;
    std::reverse(s.tasks.begin(), s.tasks.end());
    std::reverse(s.nsproxies.begin(), s.nsproxies.end());
    std::reverse(s.namespaces.begin(), s.namespaces.end());
  }
}

TEST(GraphSnapshot, MaxGroupFoldsTasksWithNothingOfTheirOwn) {
  CliRun r = run("graph --snapshot " + source_path(kSnapFixture) + " --format dot --max-group 2");
  ASSERT_EQ(r.status, 0) << r.out;
  Dot d(r.out);
  ASSERT_TRUE(d.ok());
  // nsproxy#1: the sandbox's init, nssim itself and the holder of fd 7; the holder stays alone.
  std::vector<std::string> groups;
  for (auto& n : d.nodes())
    if (n.rfind("tasks_nsproxy1_", 0) == 0) groups.push_back(n);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_THAT(d.node_attr(groups[0], "label"), HasSubstr("2 tasks"));
  real::Snapshot s = load_fixture();
  EXPECT_NE(d.node("task" + std::to_string(held_only_by(s, real::SnapHolder::Kind::Fd)->holders[0].pid)), nullptr);
}

TEST(GraphSnapshot, RendersAndReportsBadInput) {
  std::string svg = scratch(".svg");
  CliRun r = run("graph --snapshot " + source_path(kSnapFixture) + " -o " + svg);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(slurp(svg), HasSubstr("<g id=\"nsproxy1\" class=\"node\""));
  CliRun missing = run("graph --snapshot /nonexistent/snap.json");
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.out, HasSubstr("/nonexistent/snap.json"));
  std::string bad = scratch(".json");
  std::ofstream(bad) << "{\"namespaces\": []}";
  CliRun not_snap = run("graph --snapshot " + bad);
  EXPECT_EQ(not_snap.status, 2);
  EXPECT_THAT(not_snap.out, HasSubstr("not an nssim snapshot"));
  EXPECT_EQ(run("graph --snapshot " + source_path(kSnapFixture) + " --step 1").status, 2);
  EXPECT_EQ(run("graph " + source_path("examples/02-fd-keeps-namespace-alive.nss") + " --snapshot").status, 2);
  CliRun none = run("graph");
  EXPECT_EQ(none.status, 2);
  EXPECT_THAT(none.out, HasSubstr("--snapshot"));
  EXPECT_THAT(run("graph --help").out, HasSubstr("--snapshot"));
}

}  // namespace
}  // namespace nssim
