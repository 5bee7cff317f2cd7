#include "pictures/graph.h"

#include <fmt/format.h>
#include <graphviz/cgraph.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

namespace nssim::cli {

const std::array<SlotInfo, kSlots> kSlotInfo{{
    {"uts_ns", "uts", NsType::Uts},
    {"ipc_ns", "ipc", NsType::Ipc},
    {"mnt_ns", "mnt", NsType::Mnt},
    {"pid_ns_for_children", "pid_for_children", NsType::Pid},
    {"net_ns", "net", NsType::Net},
    {"time_ns", "time", NsType::Time},
    {"time_ns_for_children", "time_for_children", NsType::Time},
    {"cgroup_ns", "cgroup", NsType::Cgroup},
}};

// ---- snapshot -----------------------------------------------------------------

namespace {
template <class V>
const V* find_by(const std::vector<V>& v, uint32_t key, uint32_t V::*field) {
  auto it = std::lower_bound(v.begin(), v.end(), key, [&](const V& x, uint32_t k) { return x.*field < k; });
  return it != v.end() && (*it).*field == key ? &*it : nullptr;
}
}  // namespace

const ModelSnapshot::TaskV* ModelSnapshot::task(uint32_t id) const { return find_by(tasks, id, &TaskV::id); }
const ModelSnapshot::ProxyV* ModelSnapshot::nsproxy(uint32_t id) const { return find_by(nsproxies, id, &ProxyV::id); }
const ModelSnapshot::NsV* ModelSnapshot::ns(uint32_t serial) const { return find_by(namespaces, serial, &NsV::serial); }

ModelSnapshot snapshot(const Kernel& k) {
  ModelSnapshot s;
  std::vector<const Task*> live;
  for (size_t i = 0; i < k.task_slots(); ++i) {
    const Task* t = k.task(static_cast<uint32_t>(i));
    if (!t || t->state == TaskState::Reaped) continue;
    live.push_back(t);
    ModelSnapshot::TaskV v;
    v.id = t->id;
    v.comm = t->comm;
    v.state = t->state;
    v.in_vfork = t->in_vfork;
    v.nspid = k.nspid(t);
    if (t->nsproxy) v.nsproxy = t->nsproxy->id();
    if (t->cred && t->cred->user_ns) v.user_ns = t->cred->user_ns->serial;
    if (const PidNamespace* p = k.task_active_pid_ns(t)) v.pid_ns = p->serial;
    s.tasks.push_back(std::move(v));
  }
  std::sort(s.tasks.begin(), s.tasks.end(), [](auto& a, auto& b) { return a.id < b.id; });

  for (const NsProxy* p : k.nsproxies()) {
    ModelSnapshot::ProxyV v;
    v.id = p->id();
    v.count = p->count();
    const NsCommon* slots[kSlots] = {
        p->uts_ns,   p->ipc_ns, p->mnt_ns, p->pid_ns_for_children, p->net_ns, p->time_ns, p->time_ns_for_children,
        p->cgroup_ns};
    for (int i = 0; i < kSlots; ++i) v.slot[i] = slots[i]->serial;
    s.nsproxies.push_back(v);
  }
  std::sort(s.nsproxies.begin(), s.nsproxies.end(), [](auto& a, auto& b) { return a.id < b.id; });

  for (const NsRecord& r : k.ns_records()) {
    const NsCommon* ns = r.ns;
    if (!ns) continue;  // freed objects are not drawn
    ModelSnapshot::NsV v;
    v.serial = ns->serial;
    v.type = ns->type;
    v.inum = ns->inum;
    v.refs = ns->refs();
    v.initial = ns->initial;
    if (ns->type == NsType::User) {
      auto* u = static_cast<const UserNamespace*>(ns);
      if (u->parent) v.owner = v.parent = u->parent->serial;
      v.level = u->level;
    } else {
      if (ns->user_ns) v.owner = ns->user_ns->serial;
      if (ns->type == NsType::Pid) {
        auto* p = static_cast<const PidNamespace*>(ns);
        if (p->parent) v.parent = p->parent->serial;
        v.no_new_pids = !p->adding;
        // Counted from the scenario's root pid namespace (0), as `.level`
        // reads; the model keeps the kernel's absolute level under --real.
        v.level = p->level - k.config().root_pid_level;
      } else if (ns->type == NsType::Uts) {
        v.hostname = static_cast<const UtsNamespace*>(ns)->nodename;
      }
    }
    s.namespaces.push_back(std::move(v));
    if (ns->type == NsType::Mnt)
      for (const Mount* m : static_cast<const MntNamespace*>(ns)->mounts)
        if (m && m->ns) s.mounts.push_back({m->id(), ns->serial, m->ns->serial, m->mountpoint});
  }
  std::sort(s.namespaces.begin(), s.namespaces.end(), [](auto& a, auto& b) { return a.serial < b.serial; });
  std::stable_sort(s.mounts.begin(), s.mounts.end(), [](auto& a, auto& b) { return a.mnt_ns < b.mnt_ns; });

  // Fd tables: drawn once per files_struct, from its first task.
  std::unordered_map<const FilesStruct*, std::vector<const Task*>> users;
  std::vector<const FilesStruct*> tables;
  for (const Task* t : live) {
    if (!t->files) continue;
    auto& u = users[t->files];
    if (u.empty()) tables.push_back(t->files);
    u.push_back(t);
  }
  for (const FilesStruct* fs : tables) {
    const auto& u = users[fs];
    std::vector<std::string> others;
    for (size_t i = 1; i < u.size(); ++i) others.push_back(u[i]->comm);
    for (size_t fd = 0; fd < fs->fdt.size(); ++fd) {
      const File* f = fs->fdt[fd];
      if (!f) continue;
      switch (f->fkind) {
        case FileKind::Nsfs:
          if (f->ns) s.fds.push_back({u[0]->id, static_cast<int>(fd), f->ns->serial, others});
          break;
        case FileKind::Socket:
          s.fds.push_back({u[0]->id, static_cast<int>(fd), f->sock->sk_net->serial, others, true});
          break;
        case FileKind::Pidfd:
          if (f->pid && !f->pid->numbers.empty()) {
            ModelSnapshot::PidfdPin p;
            p.task = u[0]->id;
            p.fd = static_cast<int>(fd);
            if (f->pid->task && f->pid->task->state != TaskState::Reaped) p.target = f->pid->task->id;
            p.pid_ns = f->pid->numbers.back().ns->serial;
            p.nr = f->pid->numbers.back().nr;
            s.pidfds.push_back(p);
          }
          break;
        default:
          break;  // other files pin no namespace
      }
    }
  }
  return s;
}

// ---- drawing --------------------------------------------------------------------

namespace {

// One colour per namespace type (NsType order): a light fill for the node and
// a dark one for the edges into it. ColorBrewer Pastel2 / Dark2.
constexpr const char* kFill[kNsTypes] = {"#b3e2cd", "#fdcdac", "#cbd5e8", "#f4cae4",
                                         "#e6f5c9", "#fff2ae", "#f1e2cc", "#d9d9d9"};
constexpr const char* kLine[kNsTypes] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                         "#66a61e", "#c69200", "#a6761d", "#555555"};
constexpr const char* kChanged = "#d62728";
constexpr const char* kPin = "#111111";
constexpr const char* kPidfd = "#2166ac";
constexpr const char* kAux = "#b8b8b8";
constexpr const char* kOwner = "#8c8c8c";
// Freed in this step: drawn once more, faded, then gone.
constexpr const char* kFreed = "#b0b0b0";
constexpr const char* kFreedText = "#8a8a8a";
constexpr const char* kLetName = "#1f3a93";

const char* fill_of(NsType t) { return kFill[static_cast<int>(t)]; }
const char* line_of(NsType t) { return kLine[static_cast<int>(t)]; }

// Text for a Graphviz HTML-like label: entities for markup characters, spaces
// for control characters (a hostname may hold a newline).
std::string esc(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  }
  return o;
}

std::string ns_name(const ModelSnapshot::NsV& n) { return fmt::format("{}:[{}]", ns_type_name(n.type), n.inum); }
std::string task_node(uint32_t id) { return fmt::format("task{}", id); }
std::string proxy_node(uint32_t id) { return fmt::format("nsproxy{}", id); }
std::string ns_node(uint32_t serial) { return fmt::format("ns{}", serial); }

std::string changed_num(uint32_t now, std::optional<uint32_t> before) {
  if (!before || *before == now) return std::to_string(now);
  return fmt::format("{}→{}", *before, now);
}

// One line of a label in one font run: a change is shown by colouring and
// bolding the whole line (browsers lay out SVG text runs with their own
// fonts, so runs of different fonts on one line may overlap).
std::string line(const std::string& text, bool changed, int point_size = 9) {
  std::string font = point_size ? fmt::format("<FONT POINT-SIZE=\"{}\"", point_size) : "<FONT";
  if (changed) return fmt::format("{} COLOR=\"{}\"><B>{}</B></FONT>", font, kChanged, text);
  return point_size ? font + ">" + text + "</FONT>" : text;
}

// Object ids for cgraph, given in creation order.
//
// cgraph's default id discipline makes the id of a named object the address
// of its interned name string, and agwrite (like dot's cluster list, hence the
// SVG) visits subgraphs in id order: the order of the clusters depended on
// where malloc put the names, i.e. on what the process had allocated and freed
// before (a second drawing of the same snapshot could come out with
// cluster_nsproxy5 before cluster_nsproxy1). Its anonymous ids also come from
// a process-wide static counter. Here each graph numbers its own objects:
// named ones 2, 4, 6, ... in the order their names are first seen, anonymous
// ones 1, 3, 5, ... (odd, as cgraph's own: agnameof prints no name for them),
// so the same drawing code always gives the same DOT and SVG.
struct SequentialIds {
  Agraph_t* root = nullptr;
  std::map<std::string, IDTYPE, std::less<>> by_name;
  // The names as the graph's own interned strings: agwrite looks before the
  // characters for the refstr header (is it an HTML string?). They are freed
  // with the graph's string dictionary.
  std::map<IDTYPE, char*> names;
  IDTYPE next_named = 2;
  IDTYPE next_anonymous = 1;

  static void* open(Agraph_t* g, Agdisc_t*) {
    auto* s = new SequentialIds;
    s->root = g;
    return s;
  }
  static long map(void* state, int, char* str, IDTYPE* id, int createflag) {
    auto* s = static_cast<SequentialIds*>(state);
    if (!str) {
      if (!createflag) return 0;
      *id = s->next_anonymous;
      s->next_anonymous += 2;
      return 1;
    }
    if (auto it = s->by_name.find(std::string_view(str)); it != s->by_name.end()) {
      *id = it->second;
      return 1;
    }
    if (!createflag) return 0;
    auto [it, fresh] = s->by_name.emplace(str, s->next_named);
    s->names.emplace(it->second, agstrdup(s->root, str));
    s->next_named += 2;
    *id = it->second;
    return 1;
  }
  static long alloc(void*, int, IDTYPE) { return 0; }  // ids are never asked for by number
  static void free(void*, int, IDTYPE) {}               // a name keeps its id for the graph's life
  static char* print(void* state, int, IDTYPE id) {
    auto* s = static_cast<SequentialIds*>(state);
    auto it = s->names.find(id);
    return it != s->names.end() ? it->second : nullptr;
  }
  static void close(void* state) { delete static_cast<SequentialIds*>(state); }
  static void idregister(void*, int, void*) {}
};

Agiddisc_t kSequentialIdDisc = {SequentialIds::open,  SequentialIds::map,   SequentialIds::alloc,
                                SequentialIds::free,  SequentialIds::print, SequentialIds::close,
                                SequentialIds::idregister};
Agdisc_t kGraphDisc = {&AgMemDisc, &kSequentialIdDisc, &AgIoDisc};

// Thin wrapper over cgraph, whose API takes char* for strings it only reads.
class Builder {
 public:
  Builder() {
    g_ = agopen(const_cast<char*>("nssim"), Agdirected, &kGraphDisc);
    graph_attr("rankdir", "LR");
    graph_attr("bgcolor", "white");
    graph_attr("pad", "0.2");
    graph_attr("nodesep", "0.18");
    graph_attr("ranksep", "0.8");  // room for the slot edges to fan out between nsproxies and namespaces
    // rank=same groups across clusters (the nsproxies' column, below).
    graph_attr("newrank", "true");
    graph_attr("fontname", "Helvetica");
    graph_attr("fontsize", "11");
    graph_attr("labelloc", "t");
    graph_attr("labeljust", "l");
    node_default("shape", "box");
    node_default("style", "rounded,filled");
    node_default("fillcolor", "white");
    node_default("fontname", "Helvetica");
    node_default("fontsize", "11");
    node_default("margin", "0.08,0.04");
    edge_default("fontname", "Helvetica");
    edge_default("fontsize", "9");
    edge_default("arrowsize", "0.7");
  }
  Agraph_t* release() {
    Agraph_t* g = g_;
    g_ = nullptr;
    return g;
  }
  ~Builder() {
    if (g_) agclose(g_);
  }
  Agraph_t* root() const { return g_; }

  void graph_attr(const char* name, const std::string& v) {
    agattr(g_, AGRAPH, const_cast<char*>(name), const_cast<char*>(v.c_str()));
  }
  void graph_html(const char* name, const std::string& html) {
    char* h = agstrdup_html(g_, const_cast<char*>(html.c_str()));
    agattr(g_, AGRAPH, const_cast<char*>(name), h);
    agstrfree(g_, h);
  }
  void node_default(const char* name, const char* v) {
    agattr(g_, AGNODE, const_cast<char*>(name), const_cast<char*>(v));
  }
  void edge_default(const char* name, const char* v) {
    agattr(g_, AGEDGE, const_cast<char*>(name), const_cast<char*>(v));
  }
  Agraph_t* cluster(const std::string& name, const std::string& label_html) {
    Agraph_t* sg = agsubg(g_, const_cast<char*>(name.c_str()), 1);
    html(sg, "label", label_html);
    set(sg, "style", "rounded,dashed");
    set(sg, "color", "#888888");
    set(sg, "fontsize", "9");
    set(sg, "labeljust", "l");
    return sg;
  }
  // A plain subgraph whose nodes share one rank (one column: rankdir=LR).
  Agraph_t* same_rank(const std::string& name) {
    Agraph_t* sg = agsubg(g_, const_cast<char*>(name.c_str()), 1);
    set(sg, "rank", "same");
    return sg;
  }
  Agnode_t* node(Agraph_t* in, const std::string& name) {
    Agnode_t* n = agnode(in ? in : g_, const_cast<char*>(name.c_str()), 1);
    set(n, "id", name);  // the SVG <g id=...> of the node: stable for pages and tests
    return n;
  }
  Agnode_t* find(const std::string& name) const { return agnode(g_, const_cast<char*>(name.c_str()), 0); }
  Agedge_t* edge(Agnode_t* t, Agnode_t* h) { return agedge(g_, t, h, nullptr, 1); }

  // agsafeset declares the attribute (with an empty default) on first use.
  static void set(void* obj, const char* name, const std::string& v) {
    agsafeset(obj, const_cast<char*>(name), const_cast<char*>(v.c_str()), const_cast<char*>(""));
  }
  // An HTML-like value (label=<...>): Graphviz keeps the markup, and writes it
  // back between < > when printing DOT.
  void html(void* obj, const char* name, const std::string& v) {
    char* h = agstrdup_html(g_, const_cast<char*>(v.c_str()));
    agsafeset(obj, const_cast<char*>(name), h, const_cast<char*>(""));
    agstrfree(g_, h);
  }

 private:
  Agraph_t* g_ = nullptr;
};

struct TaskGroupKey {
  uint32_t proxy;  // UINT32_MAX: no nsproxy
  uint32_t user, pid;
  TaskState state;
  auto tie() const { return std::tie(proxy, user, pid, state); }
  bool operator<(const TaskGroupKey& o) const { return tie() < o.tie(); }
};

constexpr uint32_t kNone = UINT32_MAX;

}  // namespace

Graph& Graph::operator=(Graph&& o) noexcept {
  if (this != &o) {
    if (g_) agclose(g_);
    g_ = o.g_;
    o.g_ = nullptr;
  }
  return *this;
}

Graph::~Graph() {
  if (g_) agclose(g_);
}

namespace {

// The drawing of one snapshot: which node stands for which model object once
// folding has decided what is drawn alone and what is summarised.
class Drawing {
 public:
  using TaskV = ModelSnapshot::TaskV;
  using ProxyV = ModelSnapshot::ProxyV;
  using NsV = ModelSnapshot::NsV;

  Drawing(const ModelSnapshot& cur, const ModelSnapshot* prev, const DrawOptions& opt)
      : cur_(cur), prev_(prev), opt_(opt) {
    auto shown = [&](Link l) {
      return opt.focus.empty() || std::find(opt.focus.begin(), opt.focus.end(), l) != opt.focus.end();
    };
    for (int i = 0; i < kSlots; ++i) slot_shown_[i] = shown(*link_from_name(kSlotInfo[i].port));
    for (Link l : kAllLinks)
      if (shown(l)) type_shown_[static_cast<int>(link_type(l))] = true;
    cred_shown_ = !opt.hide_creds && shown(Link::User);
    pid_shown_ = !opt.hide_pids && shown(Link::Pid);
  }

  Graph build() {
    caption();
    find_pinning();
    if (cur_.nsproxies.size() > opt_.max_nsproxies) fold_units();
    draw_tasks();
    draw_nsproxies();
    draw_namespaces();
    draw_folds();
    draw_freed();
    draw_edges();
    draw_freed_edges();
    return Graph(b_.release());
  }

 private:
  // ---- what changed since prev ----
  bool task_changed(const TaskV& t) const {
    if (!prev_) return false;
    const TaskV* p = prev_->task(t.id);
    return !p || p->state != t.state || p->in_vfork != t.in_vfork || p->nsproxy != t.nsproxy ||
           p->user_ns != t.user_ns || p->pid_ns != t.pid_ns;
  }
  bool proxy_changed(const ProxyV& p) const {
    if (!prev_) return false;
    const ProxyV* o = prev_->nsproxy(p.id);
    return !o || o->count != p.count;
  }
  bool ns_changed(const NsV& n) const {
    if (!prev_) return false;
    const NsV* o = prev_->ns(n.serial);
    return !o || o->refs != n.refs;
  }

  void caption() {
    std::vector<std::string> freed;
    if (prev_) {
      for (auto& t : prev_->tasks)
        if (!cur_.task(t.id)) freed.push_back(fmt::format("task {} (reaped)", t.comm));
      for (auto& p : prev_->nsproxies)
        if (!cur_.nsproxy(p.id)) freed.push_back(fmt::format("nsproxy#{}", p.id));
      for (auto& n : prev_->namespaces)
        if (!cur_.ns(n.serial)) freed.push_back(ns_name(n));
    }
    // Pins that went away (a closed fd, an unmounted bind mount).
    std::vector<std::string> released;
    if (prev_) {
      auto comm = [&](uint32_t task) {
        const TaskV* t = prev_->task(task);
        return t ? t->comm : std::string("?");
      };
      auto ns_str = [&](uint32_t serial) {
        const NsV* n = prev_->ns(serial);
        return n ? ns_name(*n) : std::string("?");
      };
      for (auto& f : prev_->fds)
        if (std::none_of(cur_.fds.begin(), cur_.fds.end(),
                         [&](auto& o) { return o.task == f.task && o.fd == f.fd && o.ns == f.ns; }))
          released.push_back(fmt::format("fd {} of {} ({})", f.fd, comm(f.task), ns_str(f.ns)));
      for (auto& p : prev_->pidfds)
        if (std::none_of(cur_.pidfds.begin(), cur_.pidfds.end(),
                         [&](auto& o) { return o.task == p.task && o.fd == p.fd; }))
          released.push_back(fmt::format("pidfd {} of {}", p.fd, comm(p.task)));
      for (auto& m : prev_->mounts)
        if (std::none_of(cur_.mounts.begin(), cur_.mounts.end(),
                         [&](auto& o) { return o.id == m.id && o.mnt_ns == m.mnt_ns; }))
          released.push_back(fmt::format("mount {} in {}", m.mountpoint, ns_str(m.mnt_ns)));
    }
    std::string cap = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">";
    auto row = [&](const std::string& inner) { cap += "<TR><TD ALIGN=\"LEFT\">" + inner + "</TD></TR>"; };
    if (!opt_.title.empty()) row("<B>" + esc(opt_.title) + "</B>");
    if (!opt_.subtitle.empty()) row(esc(opt_.subtitle));
    for (auto& l : opt_.caption_lines) row("<FONT POINT-SIZE=\"9\">" + esc(l) + "</FONT>");
    if (!opt_.focus.empty() || opt_.hide_creds || opt_.hide_pids) {
      std::string f;
      for (Link l : opt_.focus) f += (f.empty() ? "" : ", ") + std::string(link_name(l));
      std::string h = opt_.hide_creds && opt_.hide_pids ? "cred and pid arcs"
                      : opt_.hide_creds                 ? "cred arcs"
                      : opt_.hide_pids                  ? "pid arcs"
                                                        : "";
      std::string text = f.empty() ? "" : "only the " + f + " links (--focus)";
      if (!h.empty()) text += (text.empty() ? "" : " · ") + h + " hidden (--hide)";
      row("<FONT POINT-SIZE=\"9\" COLOR=\"#555555\">drawn: " + esc(text) + "</FONT>");
    }
    if (!freed.empty()) {
      std::string f;
      for (auto& x : freed) f += (f.empty() ? "" : ", ") + x;
      row(fmt::format("<FONT COLOR=\"{}\">freed in this step: {}</FONT>", kChanged, esc(f)));
    }
    if (!released.empty()) {
      std::string f;
      for (auto& x : released) f += (f.empty() ? "" : ", ") + x;
      row(fmt::format("<FONT COLOR=\"{}\">released in this step: {}</FONT>", kChanged, esc(f)));
    }
    if (opt_.legend && !opt_.legend_lines.empty()) {
      for (auto& l : opt_.legend_lines) row("<FONT POINT-SIZE=\"9\" COLOR=\"#555555\">" + esc(l) + "</FONT>");
    } else if (opt_.legend) {
      row("<FONT POINT-SIZE=\"9\" COLOR=\"#555555\">task → nsproxy → namespaces (one colour per type) · "
          "dashed: owner user namespace · dotted: a task's cred (user) and struct pid (pid)</FONT>");
      row("<FONT POINT-SIZE=\"9\" COLOR=\"#555555\">bold: what pins a namespace (fd, pidfd, bind mount) · "
          "red: created, or count changed, in this step · grey dashed: freed in this step · "
          "double border: several objects drawn as one</FONT>");
    }
    cap += "</TABLE>";
    b_.graph_html("label", cap);
  }

  // Tasks that own an fd or pidfd edge, or are a pidfd's target: drawn alone.
  void find_pinning() {
    for (auto& f : cur_.fds) pinning_.insert(f.task);
    for (auto& p : cur_.pidfds) {
      pinning_.insert(p.task);
      if (p.target) pinning_.insert(*p.target);
    }
    for (auto& o : cur_.others) pinning_.insert(o.task);
    for (auto& t : cur_.tasks) by_proxy_[t.nsproxy.value_or(kNone)].push_back(&t);
  }
  bool task_foldable(const TaskV& t) const { return !pinning_.count(t.id) && !task_changed(t); }

  // ---- folding nsproxies of the same shape ----
  // A unit is an nsproxy with its tasks and its private namespaces (those
  // that nothing outside the unit points to in the drawing). Units with the
  // same shape (same shared namespaces, same kinds of private ones, same
  // counts) are drawn once, as a stack.
  void fold_units() {
    constexpr int64_t kOutside = -1;
    std::map<uint32_t, std::set<int64_t>> origins;  // ns serial -> units pointing at it
    for (auto& p : cur_.nsproxies)
      for (uint32_t s : p.slot) origins[s].insert(p.id);
    for (auto& t : cur_.tasks) {
      int64_t o = t.nsproxy ? int64_t{*t.nsproxy} : kOutside;
      if (t.user_ns) origins[*t.user_ns].insert(o);
      if (t.pid_ns) origins[*t.pid_ns].insert(o);
    }
    for (auto& f : cur_.fds) origins[f.ns].insert(kOutside);
    for (auto& p : cur_.pidfds) origins[p.pid_ns].insert(kOutside);
    for (auto& m : cur_.mounts) origins[m.ns].insert(kOutside), origins[m.mnt_ns].insert(kOutside);
    for (auto& o : cur_.others) origins[o.ns].insert(kOutside);
    std::map<uint32_t, uint32_t> private_to;  // ns serial -> nsproxy id
    for (auto& n : cur_.namespaces) {
      auto it = origins.find(n.serial);
      if (it == origins.end() || it->second.size() != 1 || *it->second.begin() == kOutside) continue;
      if (n.initial || ns_changed(n)) continue;
      private_to[n.serial] = static_cast<uint32_t>(*it->second.begin());
    }
    // An owner or parent is private only if everything it owns or parents is
    // private to the same unit.
    for (bool again = true; again;) {
      again = false;
      for (auto& n : cur_.namespaces) {
        auto mine = private_to.find(n.serial);
        for (auto up : {n.owner, n.parent}) {
          if (!up) continue;
          auto it = private_to.find(*up);
          if (it != private_to.end() && (mine == private_to.end() || mine->second != it->second)) {
            private_to.erase(it);
            again = true;
          }
        }
      }
    }
    // Shape of each foldable unit.
    std::map<std::string, std::vector<uint32_t>> shapes;  // shape -> nsproxy ids
    std::map<uint32_t, std::vector<uint32_t>> privates;   // nsproxy id -> its private namespaces, in shape order
    for (auto& p : cur_.nsproxies) {
      auto tasks_it = by_proxy_.find(p.id);
      if (proxy_changed(p) || tasks_it == by_proxy_.end()) continue;
      const auto& tasks = tasks_it->second;
      if (!std::all_of(tasks.begin(), tasks.end(), [&](const TaskV* t) { return task_foldable(*t); })) continue;
      std::vector<uint32_t> priv;
      auto ref = [&](std::optional<uint32_t> serial) -> std::string {
        if (!serial) return "-";
        auto it = private_to.find(*serial);
        if (it == private_to.end() || it->second != p.id) return "e" + std::to_string(*serial);
        auto at = std::find(priv.begin(), priv.end(), *serial);
        if (at == priv.end()) at = priv.insert(priv.end(), *serial);
        return "i" + std::to_string(at - priv.begin());
      };
      std::string shape = fmt::format("count {};", p.count);
      for (uint32_t s : p.slot) shape += ref(s) + ",";
      std::vector<std::string> ts;
      for (const TaskV* t : tasks)
        ts.push_back(fmt::format("{}/{}/{}", ref(t->user_ns), ref(t->pid_ns), task_state_name(t->state)));
      std::sort(ts.begin(), ts.end());
      for (auto& x : ts) shape += ";" + x;
      bool ok = true;
      for (size_t k = 0; k < priv.size(); ++k) {
        const NsV* n = cur_.ns(priv[k]);
        if (!n || ns_changed(*n)) ok = false;
        if (!n) break;
        shape += fmt::format(";{}:{}:{}:{}:{}:{}:{}", ns_type_name(n->type), n->refs,
                             n->level ? int64_t{*n->level} : -1, ref(n->owner), ref(n->parent),
                             n->hostname ? esc(*n->hostname) : "", n->no_new_pids);
      }
      if (!ok) continue;
      shapes[shape].push_back(p.id);
      privates[p.id] = priv;
    }
    for (auto& [shape, ids] : shapes) {
      if (ids.size() < 2) continue;
      Fold f;
      f.units = ids;
      f.node = fmt::format("fold_nsproxy{}", ids.front());
      f.privates.resize(privates[ids.front()].size());
      for (uint32_t id : ids) {
        folded_proxy_[id] = f.node;
        const auto& priv = privates[id];
        for (size_t k = 0; k < priv.size(); ++k) {
          f.privates[k].push_back(priv[k]);
          folded_ns_[priv[k]] = fmt::format("{}_ns{}", f.node, k);
        }
        for (const TaskV* t : by_proxy_[id]) {
          f.tasks.push_back(t);
          folded_task_.insert(t->id);
        }
      }
      folds_.push_back(std::move(f));
    }
    std::sort(folds_.begin(), folds_.end(), [](auto& x, auto& y) { return x.units.front() < y.units.front(); });
  }

  // ---- nodes ----
  void draw_tasks() {
    for (auto& [proxy, all] : by_proxy_) {
      if (proxy != kNone && folded_proxy_.count(proxy)) continue;
      const auto& members = all;
      Agraph_t* in = nullptr;
      if (proxy != kNone && members.size() >= 2)
        in = b_.cluster(
            fmt::format("cluster_nsproxy{}", proxy),
            cur_.nsproxy(proxy) && cur_.nsproxy(proxy)->inferred
                ? fmt::format("<FONT COLOR=\"#666666\">{} tasks with the links of links#{}</FONT>", members.size(),
                              proxy)
                : fmt::format("<FONT COLOR=\"#666666\">{} tasks share nsproxy#{}</FONT>", members.size(), proxy));
      std::map<TaskGroupKey, std::vector<const TaskV*>> groups;
      std::vector<const TaskV*> alone;
      bool fold = members.size() > opt_.max_tasks_per_group;
      for (const TaskV* t : members) {
        if (fold && task_foldable(*t))
          groups[{proxy, t->user_ns.value_or(kNone), t->pid_ns.value_or(kNone), t->state}].push_back(t);
        else
          alone.push_back(t);
      }
      for (auto& [key, g] : groups) {
        if (g.size() == 1) {
          alone.push_back(g[0]);
          continue;
        }
        auto id = [](uint32_t v) { return v == kNone ? std::string("none") : std::to_string(v); };
        TaskGroup tg;
        tg.node = fmt::format("tasks_nsproxy{}_user{}_pid{}_{}", id(key.proxy), id(key.user), id(key.pid),
                              task_state_name(key.state));
        tg.members = g;
        task_group_node(in, tg.node, g, "");
        groups_.push_back(std::move(tg));
      }
      std::sort(alone.begin(), alone.end(), [](auto* x, auto* y) { return x->id < y->id; });
      for (const TaskV* t : alone) {
        draw_task(in, *t);
        singles_.push_back(t);
      }
    }
  }

  void task_group_node(Agraph_t* in, const std::string& name, const std::vector<const TaskV*>& g,
                       const std::string& extra) {
    std::string names;
    constexpr size_t kShow = 6;
    for (size_t i = 0; i < g.size() && i < kShow; ++i) names += (i ? ", " : "") + esc(g[i]->comm);
    if (g.size() > kShow) names += fmt::format(", … +{}", g.size() - kShow);
    std::set<std::string> states;
    for (auto* t : g) states.insert(t->state_text.empty() ? task_state_name(t->state) : t->state_text);
    std::string st;
    for (auto& s : states) st += (st.empty() ? "" : ", ") + s;
    Agnode_t* n = b_.node(in, name);
    b_.html(n, "label",
            fmt::format("<B>{} tasks{}</B><BR/><FONT POINT-SIZE=\"9\">{}</FONT><BR/>"
                        "<FONT POINT-SIZE=\"9\">{}</FONT>",
                        g.size(), extra, names, st));
    bool running = std::all_of(g.begin(), g.end(), [](auto* t) { return t->state == TaskState::Running; });
    Builder::set(n, "style", running ? "rounded,filled" : "rounded,filled,dashed");
    Builder::set(n, "fillcolor", "#eeeeee");
    Builder::set(n, "peripheries", "2");
  }

  void draw_task(Agraph_t* in, const TaskV& t) {
    Agnode_t* n = b_.node(in, task_node(t.id));
    std::string pid;
    if (t.nspid.size() > 1) {
      pid = "NSpid";
      for (uint32_t p : t.nspid) pid += fmt::format(" {}", p);
    } else if (!t.nspid.empty()) {
      pid = fmt::format("pid {}", t.nspid.back());
    }
    auto state_of = [](const TaskV& v) -> std::string { return v.in_vfork ? "vfork" : task_state_name(v.state); };
    std::string state = state_of(t);
    bool changed = task_changed(t);
    const TaskV* before = prev_ ? prev_->task(t.id) : nullptr;
    if (changed && before && state_of(*before) != state) state = fmt::format("{}→{}", state_of(*before), state);
    else if (changed && !before)
      state += " · new";
    std::string second = t.detail.empty() ? esc(pid) + " · " + state : esc(t.detail);
    b_.html(n, "label", fmt::format("<B>{}</B><BR/>{}", esc(t.comm), line(second, changed)));
    if (t.state != TaskState::Running) {
      Builder::set(n, "style", "rounded,dashed");
      Builder::set(n, "fontcolor", "#555555");
    } else {
      Builder::set(n, "fillcolor", "#f4f4f4");
    }
    if (changed) {
      Builder::set(n, "color", kChanged);
      Builder::set(n, "penwidth", "2.5");
    }
  }

  // The record of an nsproxy: a header, then one row (port) per slot.
  // A freed one is faded (its border dashed, its rows grey).
  std::string proxy_table(const std::string& header, bool changed, bool freed = false) {
    std::string t = fmt::format(
        "<TABLE BORDER=\"{}\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"2\" COLOR=\"{}\" BGCOLOR=\"white\"{}>",
        changed ? 3 : 1, changed ? kChanged : freed ? kFreed : "#333333", freed ? " STYLE=\"DASHED\"" : "");
    t += fmt::format("<TR><TD BGCOLOR=\"{}\">", freed ? "#f4f4f4" : "#e8e8e8") + header + "</TD></TR>";
    for (int i = 0; i < kSlots; ++i)
      if (slot_shown_[i])
        t += fmt::format(
            "<TR><TD PORT=\"{}\" ALIGN=\"LEFT\" BGCOLOR=\"{}\"><FONT POINT-SIZE=\"9\"{}>{}</FONT></TD></TR>",
            kSlotInfo[i].port, freed ? "#f4f4f4" : fill_of(kSlotInfo[i].type),
            freed ? fmt::format(" COLOR=\"{}\"", kFreedText) : "", kSlotInfo[i].field);
    return t + "</TABLE>";
  }

  void draw_nsproxies() {
    for (auto& p : cur_.nsproxies) {
      if (folded_proxy_.count(p.id)) continue;
      const ProxyV* before = prev_ ? prev_->nsproxy(p.id) : nullptr;
      bool changed = proxy_changed(p);
      std::string header =
          p.inferred ? fmt::format("<B>links#{}</B><BR/><FONT POINT-SIZE=\"9\">nsproxy not read (no BPF)</FONT>", p.id)
                     : line(fmt::format("<B>nsproxy#{} · count {}{}</B>", p.id,
                                        changed_num(p.count, before ? std::optional(before->count) : std::nullopt),
                                        changed && !before ? " · new" : ""),
                            changed, 0);
      Agnode_t* n = b_.node(proxy_column(), proxy_node(p.id));
      Builder::set(n, "shape", "plain");
      b_.html(n, "label", proxy_table(header, changed));
    }
  }

  void draw_namespaces() {
    for (auto& ns : cur_.namespaces) {
      if (folded_ns_.count(ns.serial) || !type_shown(ns.type)) continue;
      const NsV* before = prev_ ? prev_->ns(ns.serial) : nullptr;
      bool changed = ns_changed(ns);
      std::string l = let_line(ns.serial) + fmt::format("<B>{}:[{}]</B>", ns_type_name(ns.type), ns.inum);
      std::string facts =
          ns.refs_known ? "refs " + changed_num(ns.refs, before ? std::optional(before->refs) : std::nullopt) : "";
      auto fact = [&](const std::string& f) { facts += (facts.empty() ? "" : " · ") + f; };
      if (ns.level) fact(fmt::format("level {}", *ns.level));
      if (ns.initial) fact("initial");
      if (changed && !before) fact("new");
      if (!facts.empty()) l += "<BR/>" + line(facts, changed);
      if (ns.no_new_pids) l += "<BR/><FONT POINT-SIZE=\"9\">init exited: no new pids</FONT>";
      for (auto& note : ns.notes) l += "<BR/><FONT POINT-SIZE=\"9\">" + esc(note) + "</FONT>";
      if (ns.hostname) l += "<BR/><FONT POINT-SIZE=\"9\">hostname \"" + esc(*ns.hostname) + "\"</FONT>";
      if (auto it = opt_.kernel_inum.find(ns.serial); it != opt_.kernel_inum.end())
        l += fmt::format("<BR/><FONT POINT-SIZE=\"9\">kernel inode {}</FONT>", it->second);
      Agnode_t* n = b_.node(nullptr, ns_node(ns.serial));
      b_.html(n, "label", l);
      Builder::set(n, "fillcolor", fill_of(ns.type));
      Builder::set(n, "color", changed ? kChanged : line_of(ns.type));
      if (changed) Builder::set(n, "penwidth", "3");
      if (ns.no_new_pids) Builder::set(n, "style", "rounded,filled,dashed");
    }
  }

  bool type_shown(NsType t) const { return type_shown_[static_cast<int>(t)]; }

  // Every nsproxy in one column, between the tasks and the namespaces: left
  // to rank themselves, an nsproxy pointing at a deep pid namespace moved
  // left of the others, and its slot edges crossed theirs.
  Agraph_t* proxy_column() {
    if (!proxy_column_) proxy_column_ = b_.same_rank("nsproxies");
    return proxy_column_;
  }

  // The `let` names of a namespace, as the first line of its label.
  std::string let_line(uint32_t serial, bool freed = false) const {
    auto it = opt_.ns_names.find(serial);
    if (it == opt_.ns_names.end() || it->second.empty()) return "";
    std::string names;
    for (auto& n : it->second) names += (names.empty() ? "" : ", ") + esc(n);
    return fmt::format("<FONT POINT-SIZE=\"13\" COLOR=\"{}\"><B>{}</B></FONT><BR/>", freed ? kFreedText : kLetName,
                       names);
  }

  // ---- freed in this step: drawn once more, faded, with what they held ----
  static void fade(Agnode_t* n) {
    Builder::set(n, "style", "rounded,dashed");
    Builder::set(n, "color", kFreed);
    Builder::set(n, "fontcolor", kFreedText);
  }
  static void fade(Agedge_t* e) {
    Builder::set(e, "style", "dashed");
    Builder::set(e, "color", kFreed);
    Builder::set(e, "fontcolor", kFreedText);
  }

  void draw_freed() {
    if (!prev_) return;
    for (auto& t : prev_->tasks) {
      if (cur_.task(t.id)) continue;
      Agnode_t* n = b_.node(nullptr, task_node(t.id));
      b_.html(n, "label", fmt::format("<B>{}</B><BR/><FONT POINT-SIZE=\"9\">reaped · freed</FONT>", esc(t.comm)));
      fade(n);
      freed_tasks_.push_back(&t);
    }
    for (auto& p : prev_->nsproxies) {
      if (cur_.nsproxy(p.id)) continue;
      Agnode_t* n = b_.node(proxy_column(), proxy_node(p.id));
      Builder::set(n, "shape", "plain");
      b_.html(n, "label",
              proxy_table(fmt::format("<FONT COLOR=\"{}\"><B>nsproxy#{} · freed</B></FONT>", kFreedText, p.id), false,
                          true));
      freed_proxies_.push_back(&p);
    }
    for (auto& ns : prev_->namespaces) {
      if (cur_.ns(ns.serial) || !type_shown(ns.type)) continue;
      Agnode_t* n = b_.node(nullptr, ns_node(ns.serial));
      std::string l = let_line(ns.serial, true) + fmt::format("<B>{}:[{}]</B>", ns_type_name(ns.type), ns.inum);
      l += ns.refs_known ? fmt::format("<BR/><FONT POINT-SIZE=\"9\">freed · refs {}→0</FONT>", ns.refs)
                         : "<BR/><FONT POINT-SIZE=\"9\">freed</FONT>";
      b_.html(n, "label", l);
      fade(n);
      freed_ns_.push_back(&ns);
    }
  }

  // The references the freed objects held, faded too: a task's nsproxy, an
  // nsproxy's slots, a namespace's owner and parent.
  void draw_freed_edges() {
    for (const TaskV* t : freed_tasks_)
      if (t->nsproxy)
        if (Agnode_t* h = b_.find(proxy_node(*t->nsproxy))) fade(b_.edge(b_.find(task_node(t->id)), h));
    // A live task whose nsproxy was freed in this step (it exited, or left it
    // by unshare/setns): the pointer it had, faded.
    for (const ProxyV* p : freed_proxies_)
      for (auto& t : cur_.tasks) {
        const TaskV* before = prev_->task(t.id);
        Agnode_t* n = b_.find(task_node(t.id));
        if (before && before->nsproxy == p->id && n) fade(b_.edge(n, b_.find(proxy_node(p->id))));
      }
    for (const ProxyV* p : freed_proxies_) {
      Agnode_t* n = b_.find(proxy_node(p->id));
      for (int i = 0; i < kSlots; ++i) {
        Agnode_t* h = p->slot[i] && slot_shown_[i] ? ns_target(p->slot[i]) : nullptr;
        if (!h) continue;
        Agedge_t* e = b_.edge(n, h);
        Builder::set(e, "tailport", std::string(kSlotInfo[i].port) + ":e");
        Builder::set(e, "samehead", "slots");
        fade(e);
      }
    }
    for (const NsV* ns : freed_ns_) {
      Agnode_t* n = b_.find(ns_node(ns->serial));
      // A user namespace's owner is its parent: one edge.
      if (ns->type != NsType::User && ns->owner)
        if (Agnode_t* h = ns_target(*ns->owner)) fade(b_.edge(n, h));
      if (ns->parent)
        if (Agnode_t* h = ns_target(*ns->parent)) {
          Agedge_t* e = b_.edge(n, h);
          fade(e);
          b_.html(e, "label", "parent");
        }
    }
  }

  void draw_folds() {
    for (auto& f : folds_) {
      const ProxyV* first = cur_.nsproxy(f.units.front());
      std::string ids;
      constexpr size_t kShow = 4;
      for (size_t i = 0; i < f.units.size() && i < kShow; ++i) ids += fmt::format("{}#{}", i ? ", " : "", f.units[i]);
      if (f.units.size() > kShow) ids += fmt::format(", … +{}", f.units.size() - kShow);
      std::string header =
          first->inferred
              ? fmt::format("<B>{} sets of links · {} tasks each</B><BR/><FONT POINT-SIZE=\"9\">links{}</FONT>",
                            f.units.size(), first->count, ids)
              : fmt::format("<B>{} nsproxies · count {} each</B><BR/><FONT POINT-SIZE=\"9\">{}</FONT>", f.units.size(),
                            first->count, ids);
      Agnode_t* n = b_.node(proxy_column(), f.node);
      Builder::set(n, "shape", "plain");
      b_.html(n, "label", proxy_table(header, false));
      task_group_node(nullptr, f.node + "_tasks", f.tasks, fmt::format(" ({} per nsproxy)", first->count));
      for (size_t k = 0; k < f.privates.size(); ++k) {
        const auto& serials = f.privates[k];
        const NsV* n0 = cur_.ns(serials.front());
        if (!type_shown(n0->type)) continue;
        uint32_t lo = UINT32_MAX, hi = 0;
        for (uint32_t s : serials) {
          const NsV* x = cur_.ns(s);
          lo = std::min(lo, x->inum), hi = std::max(hi, x->inum);
        }
        std::string l = fmt::format("<B>{} {} namespaces</B>", serials.size(), ns_type_name(n0->type));
        std::string facts = n0->refs_known ? fmt::format("refs {} each", n0->refs) : "";
        if (n0->level) facts += fmt::format("{}level {}", facts.empty() ? "" : " · ", *n0->level);
        if (!facts.empty()) l += "<BR/><FONT POINT-SIZE=\"9\">" + facts + "</FONT>";
        l += fmt::format("<BR/><FONT POINT-SIZE=\"9\">inodes {}…{}</FONT>", lo, hi);
        if (n0->hostname) l += "<BR/><FONT POINT-SIZE=\"9\">hostname \"" + esc(*n0->hostname) + "\"</FONT>";
        Agnode_t* m = b_.node(nullptr, fmt::format("{}_ns{}", f.node, k));
        b_.html(m, "label", l);
        Builder::set(m, "fillcolor", fill_of(n0->type));
        Builder::set(m, "color", line_of(n0->type));
        Builder::set(m, "peripheries", "2");
      }
    }
  }

  // ---- edges ----
  Agnode_t* ns_target(uint32_t serial) {
    auto it = folded_ns_.find(serial);
    return b_.find(it != folded_ns_.end() ? it->second : ns_node(serial));
  }

  void aux_edge(Agnode_t* from, std::optional<uint32_t> to, const std::string& label) {
    if (!from || !to) return;
    Agnode_t* h = ns_target(*to);
    if (!h) return;
    Agedge_t* e = b_.edge(from, h);
    Builder::set(e, "style", "dotted");
    Builder::set(e, "color", kAux);
    Builder::set(e, "fontcolor", "#8a8a8a");
    Builder::set(e, "arrowsize", "0.5");
    b_.html(e, "label", label);
    Builder::set(e, "weight", "0");  // routed around the nodes, without pulling the layout
    // Nor ranking: a task's cred/pid namespace stays in the namespaces' column
    // instead of being pulled next to the task (fewer crossings with the slots).
    Builder::set(e, "constraint", "false");
  }

  void proxy_edges(Agnode_t* n, const ProxyV& p) {
    for (int i = 0; i < kSlots; ++i) {
      Agnode_t* h = p.slot[i] && slot_shown_[i] ? ns_target(p.slot[i]) : nullptr;
      if (!h) continue;  // a slot a snapshot could not read, or not in --focus
      Agedge_t* e = b_.edge(n, h);
      Builder::set(e, "tailport", std::string(kSlotInfo[i].port) + ":e");
      Builder::set(e, "color", line_of(kSlotInfo[i].type));
      // The slots pointing at one namespace arrive at one point: a bundle per
      // namespace instead of a fan of arrowheads.
      Builder::set(e, "samehead", "slots");
    }
  }

  void ns_edges(Agnode_t* from, const NsV& ns) {
    if (!from) return;  // not drawn (--focus)
    if (ns.type != NsType::User && ns.owner && ns_target(*ns.owner)) {
      Agedge_t* e = b_.edge(from, ns_target(*ns.owner));
      Builder::set(e, "style", "dashed");
      Builder::set(e, "color", kOwner);  // lighter than the slots: every namespace has one
      Builder::set(e, "arrowhead", "odot");
      Builder::set(e, "samehead", "owner");
    }
    if (ns.parent && ns_target(*ns.parent)) {
      Agedge_t* e = b_.edge(from, ns_target(*ns.parent));
      Builder::set(e, "color", line_of(ns.type));
      if (ns.type == NsType::User) {
        Builder::set(e, "style", "dashed");
        Builder::set(e, "arrowhead", "odot");
        b_.html(e, "label", "parent (owner)");
      } else {
        b_.html(e, "label", "parent");
      }
    }
  }

  void pin_style(Agedge_t* e, const char* color, bool is_new, const std::string& label,
                 const char* label_attr = "label") {
    Builder::set(e, "style", "bold");
    Builder::set(e, "color", is_new ? kChanged : color);
    Builder::set(e, "fontcolor", is_new ? kChanged : color);
    if (is_new) Builder::set(e, "penwidth", "2.5");
    b_.html(e, label_attr, label);
  }

  void draw_edges() {
    for (const TaskV* t : singles_) {
      Agnode_t* n = b_.find(task_node(t->id));
      if (t->nsproxy) {
        Agedge_t* e = b_.edge(n, b_.find(proxy_node(*t->nsproxy)));
        Builder::set(e, "color", "#333333");
      }
      if (cred_shown_) aux_edge(n, t->user_ns, "cred");
      if (pid_shown_) aux_edge(n, t->pid_ns, "pid");
    }
    for (auto& g : groups_) {
      Agnode_t* n = b_.find(g.node);
      const TaskV* t = g.members.front();
      std::string times = fmt::format(" ×{}", g.members.size());
      if (t->nsproxy) {
        Agedge_t* e = b_.edge(n, b_.find(proxy_node(*t->nsproxy)));
        Builder::set(e, "color", "#333333");
        b_.html(e, "label", esc(times));
      }
      if (cred_shown_) aux_edge(n, t->user_ns, "cred" + esc(times));
      if (pid_shown_) aux_edge(n, t->pid_ns, "pid" + esc(times));
    }
    for (auto& p : cur_.nsproxies)
      if (!folded_proxy_.count(p.id)) proxy_edges(b_.find(proxy_node(p.id)), p);
    for (auto& ns : cur_.namespaces)
      if (!folded_ns_.count(ns.serial)) ns_edges(b_.find(ns_node(ns.serial)), ns);
    for (auto& f : folds_) {
      // One unit stands for all: its edges, with folded targets.
      Agnode_t* tasks = b_.find(f.node + "_tasks");
      Agnode_t* proxy = b_.find(f.node);
      Agedge_t* e = b_.edge(tasks, proxy);
      Builder::set(e, "color", "#333333");
      b_.html(e, "label", esc(fmt::format(" ×{}", f.tasks.size())));
      std::set<std::pair<std::optional<uint32_t>, std::optional<uint32_t>>> seen;
      for (const TaskV* t : by_proxy_[f.units.front()])
        if (seen.insert({t->user_ns, t->pid_ns}).second) {
          if (cred_shown_) aux_edge(tasks, t->user_ns, "cred");
          if (pid_shown_) aux_edge(tasks, t->pid_ns, "pid");
        }
      proxy_edges(proxy, *cur_.nsproxy(f.units.front()));
      for (size_t k = 0; k < f.privates.size(); ++k)
        ns_edges(b_.find(fmt::format("{}_ns{}", f.node, k)), *cur_.ns(f.privates[k].front()));
    }
    // Pins: new ones are highlighted like new objects (an open file, a mount).
    for (auto& f : cur_.fds) {
      bool is_new = prev_ && std::none_of(prev_->fds.begin(), prev_->fds.end(),
                                          [&](auto& o) { return o.task == f.task && o.fd == f.fd && o.ns == f.ns; });
      Agnode_t* t = b_.find(task_node(f.task));
      Agnode_t* h = ns_target(f.ns);
      if (!t || !h) continue;
      Agedge_t* e = b_.edge(t, h);
      std::string label = f.socket ? fmt::format("fd {} (socket)", f.fd) : fmt::format("fd {}", f.fd);
      if (!f.shared_with.empty()) {
        std::string w;
        for (auto& s : f.shared_with) w += (w.empty() ? "" : ", ") + s;
        label += " (shared with " + w + ")";
      }
      pin_style(e, kPin, is_new, esc(label));
    }
    for (auto& p : cur_.pidfds) {
      bool is_new = prev_ && std::none_of(prev_->pidfds.begin(), prev_->pidfds.end(),
                                          [&](auto& o) { return o.task == p.task && o.fd == p.fd; });
      Agnode_t* h = p.target ? b_.find(task_node(*p.target)) : ns_target(p.pid_ns);
      if (!h) continue;
      Agnode_t* t = b_.find(task_node(p.task));
      if (!t) continue;
      Agedge_t* e = b_.edge(t, h);
      // A pidfd of a task joins two tasks of the same rank: a flat edge, and
      // Graphviz 2.42 double-frees some flat edges with a `label` in
      // gvFreeLayout() (as for mounts, below). An `xlabel` is placed after the
      // layout and makes no label rank (GraphCli.PidfdBetweenTasksLaysOut).
      pin_style(e, kPidfd, is_new,
                esc(p.target ? fmt::format("pidfd {}", p.fd) : fmt::format("pidfd {} (struct pid {})", p.fd, p.nr)),
                p.target ? "xlabel" : "label");
      Builder::set(e, "constraint", "false");
    }
    for (auto& o : cur_.others) {
      Agnode_t* t = b_.find(task_node(o.task));
      Agnode_t* h = ns_target(o.ns);
      if (!t || !h) continue;
      pin_style(b_.edge(t, h), o.pidfd ? kPidfd : kPin, false, esc(o.label));
    }
    for (auto& m : cur_.mounts) {
      bool is_new = prev_ && std::none_of(prev_->mounts.begin(), prev_->mounts.end(),
                                          [&](auto& o) { return o.id == m.id && o.mnt_ns == m.mnt_ns; });
      Agnode_t* t = ns_target(m.mnt_ns);
      Agnode_t* h = ns_target(m.ns);
      if (!t || !h) continue;
      Agedge_t* e = b_.edge(t, h);
      // Not minlen=0: Graphviz 2.42 double-frees flat edges with labels in gvFreeLayout().
      pin_style(e, kPin, is_new, esc("mount " + m.mountpoint));
    }
  }

  struct TaskGroup {
    std::string node;
    std::vector<const TaskV*> members;
  };
  struct Fold {
    std::string node;                             // fold_nsproxy<first id>
    std::vector<uint32_t> units;                  // nsproxy ids, ascending
    std::vector<const TaskV*> tasks;              // all their tasks
    std::vector<std::vector<uint32_t>> privates;  // [k] = serials of the k-th private namespace of each unit
  };

  const ModelSnapshot& cur_;
  const ModelSnapshot* prev_;
  const DrawOptions& opt_;
  // --focus and --hide: what is drawn.
  std::array<bool, kSlots> slot_shown_{};
  std::array<bool, kNsTypes> type_shown_{};
  bool cred_shown_ = true, pid_shown_ = true;
  Builder b_;
  Agraph_t* proxy_column_ = nullptr;
  std::set<uint32_t> pinning_;
  std::map<uint32_t, std::vector<const TaskV*>> by_proxy_;  // nsproxy id (kNone last) -> tasks, by id
  std::map<uint32_t, std::string> folded_proxy_;            // nsproxy id -> fold node
  std::map<uint32_t, std::string> folded_ns_;               // ns serial -> fold node
  std::set<uint32_t> folded_task_;
  std::vector<Fold> folds_;
  std::vector<TaskGroup> groups_;
  std::vector<const TaskV*> singles_;
  std::vector<const TaskV*> freed_tasks_;  // of prev_: drawn faded
  std::vector<const ProxyV*> freed_proxies_;
  std::vector<const NsV*> freed_ns_;
};

}  // namespace

Graph build_graph(const ModelSnapshot& cur, const ModelSnapshot* prev, const DrawOptions& opt) {
  return Drawing(cur, prev, opt).build();
}

namespace {
// "a,b,,c" -> {"a", "b", "c"} (empty items skipped).
std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    size_t at = list.find(',');
    std::string_view item = list.substr(0, at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    if (at == std::string_view::npos) break;
    list.remove_prefix(at + 1);
  }
  return out;
}
}  // namespace

bool parse_focus(std::string_view list, std::vector<Link>& out, std::string& err) {
  out.clear();
  for (std::string_view item : split_list(list)) {
    auto l = link_from_name(item);
    if (!l) {
      std::string known;
      for (Link k : kAllLinks) known += (known.empty() ? "" : ", ") + std::string(link_name(k));
      err = fmt::format("--focus: unknown link '{}' (known: {})", item, known);
      return false;
    }
    if (std::find(out.begin(), out.end(), *l) == out.end()) out.push_back(*l);
  }
  if (out.empty()) {
    err = "--focus: give one or more link names, e.g. --focus net,uts";
    return false;
  }
  return true;
}

bool parse_hide(std::string_view list, DrawOptions& out, std::string& err) {
  auto items = split_list(list);
  for (std::string_view item : items) {
    if (item == "creds" || item == "cred") {
      out.hide_creds = true;
    } else if (item == "pids" || item == "pid") {
      out.hide_pids = true;
    } else {
      err = fmt::format("--hide: unknown '{}' (known: creds, pids: the tasks' dotted cred and pid arcs)", item);
      return false;
    }
  }
  if (items.empty()) {
    err = "--hide: give creds, pids or both, e.g. --hide creds,pids";
    return false;
  }
  return true;
}

std::map<uint32_t, std::vector<std::string>> let_labels(const std::map<std::string, uint32_t>& lets) {
  std::map<uint32_t, std::vector<std::string>> out;
  for (auto& [name, serial] : lets) out[serial].push_back(name);
  return out;
}

// ---- output -------------------------------------------------------------------

std::string to_dot(const Graph& g) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  if (!f) return {};
  agwrite(g.get(), f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

std::optional<Format> format_from_name(std::string_view s) {
  if (s == "dot" || s == "gv") return Format::Dot;
  if (s == "svg") return Format::Svg;
  if (s == "png") return Format::Png;
  if (s == "pdf") return Format::Pdf;
  return std::nullopt;
}

std::string_view format_name(Format f) {
  switch (f) {
    case Format::Dot:
      return "dot";
    case Format::Svg:
      return "svg";
    case Format::Png:
      return "png";
    case Format::Pdf:
      return "pdf";
  }
  return "?";
}

StepState replay_to_step(const Scenario& sc, int target, const Runner::Options& opt,
                         const std::function<void(const StepRecord*, Runner&)>& at_target) {
  StepState st;
  Runner runner(sc, opt);
  ModelSnapshot prev, cur = snapshot(runner.sim().kernel());
  st.caption = step_caption(nullptr);
  if (target == 0) {
    st.want = cur;
    if (at_target) at_target(nullptr, runner);
  }
  st.summary = runner.run([&](const StepRecord& r) {
    if (r.step < target - 1 || r.step > target) return;  // only the step and the one before it are drawn from
    prev = std::move(cur);
    cur = snapshot(runner.sim().kernel());
    if (r.step == target) {
      st.want_prev = std::move(prev);
      st.want = cur;
      st.caption = step_caption(&r);
      st.ns_names = let_labels(runner.lets());
      if (at_target) at_target(&r, runner);
    }
  });
  return st;
}

std::string step_caption(const StepRecord* r) {
  if (!r) return "step 0 · initial state: the initial task in the initial namespaces";
  std::string head = fmt::format("step {} · line {} · ", r->step, r->line);
  switch (r->kind) {
    case StepRecord::Call: {
      const CallOutcome& o = r->outcome;
      return head +
             fmt::format("{}: {}  {}", r->call->task, r->call->text, o.ok ? "= " + o.result : "= -1 " + o.result);
    }
    case StepRecord::Let:
      return head + r->text + "  (" + r->detail + ")";
    case StepRecord::Expect: {
      const char* v = r->verdict == Verdict::Pass ? "PASS" : r->verdict == Verdict::Fail ? "FAIL" : "UNANSWERED";
      return head + "expect " + r->text + "  " + v;
    }
  }
  return head;
}

std::string svg_element(std::string_view doc) {
  size_t at = doc.find("<svg");
  if (at == std::string_view::npos) return {};
  std::string_view s = doc.substr(at);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace nssim::cli
