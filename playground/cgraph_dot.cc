// cgraph for the wasm32-wasi build (cgraph/graphviz/cgraph.h says why): a graph
// of nodes, edges and subgraphs with string attributes, and agwrite() with
// cgraph 2.42's output rules (lib/cgraph/write.c): attributes in name order,
// defaults in "graph/node/edge [...]" dictionaries, a node written once (in
// its subgraph, else before the first edge that reaches it), strings quoted
// unless they are an ID or a number, HTML strings between < >.
#include <graphviz/cgraph.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

Agdesc_t Agdirected = {1};
Agmemdisc_t AgMemDisc = {0};
Agiodisc_t AgIoDisc = {0};

namespace {
// An interned string: cgraph shares one per text, and whether it is HTML is
// decided by whoever interned that text first (refstr.c).
struct Str {
  std::string text;
  bool html = false;
};
using Values = std::map<std::string, const Str*>;  // attribute name -> value
}  // namespace

struct Agobj_base {
  int kind = AGRAPH;
  Agraph_t* root = nullptr;  // the root graph
};
struct Agnode_s : Agobj_base {
  const Str* name = nullptr;
  unsigned seq = 0;
  Values values;
  // Out-edges by their head's sequence number, then their own (cgraph's
  // edge.c:agedgeseqcmpf()); in-edges in creation order.
  std::vector<Agedge_t*> out, in;
  bool written = false;
};
struct Agedge_s : Agobj_base {
  Agnode_t *tail = nullptr, *head = nullptr;
  unsigned seq = 0;
  Values values;
};
struct Agraph_s : Agobj_base {
  const Str* name = nullptr;
  std::vector<Agnode_t*> nodes;                   // members, in creation order
  std::vector<std::unique_ptr<Agraph_t>> subgs;   // in creation order
  Values local;                                   // a subgraph's graph attributes
  // Root only: the strings, the declared attributes (name -> default) per
  // kind, every node and edge.
  std::unordered_map<std::string, std::unique_ptr<Str>> strings;
  std::map<std::string, const Str*> defaults[3];
  std::unordered_map<std::string, Agnode_t*> by_name;
  std::vector<std::unique_ptr<Agnode_t>> all_nodes;
  std::vector<std::unique_ptr<Agedge_t>> all_edges;
};

namespace {
const Str* intern(Agraph_t* g, const char* s, bool html) {
  auto& slot = g->root->strings[s ? s : ""];
  if (!slot) slot.reset(new Str{s ? s : "", html});
  return slot.get();
}
const Str* find_str(Agraph_t* g, const char* s) {
  auto it = g->root->strings.find(s);
  return it == g->root->strings.end() ? nullptr : it->second.get();
}
}  // namespace

Agraph_t* agopen(char* name, Agdesc_t, Agdisc_t*) {
  auto* g = new Agraph_t;
  g->kind = AGRAPH;
  g->root = g;
  g->name = intern(g, name, false);
  return g;
}

int agclose(Agraph_t* g) {
  if (g && g->root == g) delete g;
  return 0;
}

Agraph_t* agsubg(Agraph_t* g, char* name, int createflag) {
  for (auto& s : g->subgs)
    if (s->name->text == name) return s.get();
  if (!createflag) return nullptr;
  auto s = std::make_unique<Agraph_t>();
  s->kind = AGRAPH;
  s->root = g->root;
  s->name = intern(g, name, false);
  g->subgs.push_back(std::move(s));
  return g->subgs.back().get();
}

namespace {
// Whether a subgraph (or one below it) holds n.
bool holds(const Agraph_t* g, const Agnode_t* n) {
  for (auto* m : g->nodes)
    if (m == n) return true;
  return false;
}
void add_member(Agraph_t* g, Agnode_t* n) {
  if (!holds(g, n)) g->nodes.push_back(n);
}
}  // namespace

Agnode_t* agnode(Agraph_t* g, char* name, int createflag) {
  Agraph_t* root = g->root;
  auto it = root->by_name.find(name);
  if (it != root->by_name.end()) {
    if (g != root) {
      if (!createflag && !holds(g, it->second)) return nullptr;
      add_member(g, it->second);
    }
    return it->second;
  }
  if (!createflag) return nullptr;
  auto n = std::make_unique<Agnode_t>();
  n->kind = AGNODE;
  n->root = root;
  n->name = intern(root, name, false);
  n->seq = static_cast<unsigned>(root->all_nodes.size());
  Agnode_t* p = n.get();
  root->all_nodes.push_back(std::move(n));
  root->by_name.emplace(name, p);
  root->nodes.push_back(p);
  if (g != root) g->nodes.push_back(p);
  return p;
}

Agedge_t* agedge(Agraph_t* g, Agnode_t* t, Agnode_t* h, char*, int createflag) {
  if (!createflag) return nullptr;
  auto e = std::make_unique<Agedge_t>();
  e->kind = AGOUTEDGE;
  e->root = g->root;
  e->tail = t;
  e->head = h;
  e->seq = static_cast<unsigned>(g->root->all_edges.size());
  Agedge_t* p = e.get();
  g->root->all_edges.push_back(std::move(e));
  auto at = std::upper_bound(t->out.begin(), t->out.end(), p, [](const Agedge_t* a, const Agedge_t* b) {
    return a->head->seq != b->head->seq ? a->head->seq < b->head->seq : a->seq < b->seq;
  });
  t->out.insert(at, p);
  h->in.push_back(p);
  return p;
}

void* agattr(Agraph_t* g, int kind, char* name, const char* value) {
  auto& d = g->root->defaults[kind == AGINEDGE ? AGOUTEDGE : kind];
  if (!value) {
    auto it = d.find(name);
    return it == d.end() ? nullptr : const_cast<Str*>(it->second);
  }
  // agattr() copies the value with agstrdup(): an HTML string keeps its kind.
  const Str* v = find_str(g, value);
  if (!v) v = intern(g, value, false);
  d[name] = v;
  return const_cast<Str*>(v);
}

int agsafeset(void* obj, char* name, const char* value, const char* def) {
  auto* o = static_cast<Agobj_base*>(obj);
  Agraph_t* root = o->root;
  int kind = o->kind == AGINEDGE ? AGOUTEDGE : o->kind;
  auto& d = root->defaults[kind];
  if (!d.count(name)) d[name] = intern(root, def, false);
  const Str* v = find_str(root, value);
  if (!v) v = intern(root, value, false);
  if (o->kind == AGRAPH) {
    auto* g = static_cast<Agraph_t*>(o);
    if (g == root) d[name] = v;  // the root's value is its dictionary's default
    else g->local[name] = v;
  } else if (o->kind == AGNODE) {
    static_cast<Agnode_t*>(o)->values[name] = v;
  } else {
    static_cast<Agedge_t*>(o)->values[name] = v;
  }
  return 0;
}

char* agstrdup(Agraph_t* g, const char* s) {
  const Str* v = find_str(g, s);
  if (!v) v = intern(g, s, false);
  return const_cast<char*>(v->text.c_str());
}
char* agstrdup_html(Agraph_t* g, const char* s) {
  const Str* v = find_str(g, s);
  if (!v) v = intern(g, s, true);
  return const_cast<char*>(v->text.c_str());
}
int agstrfree(Agraph_t*, const char*) { return 0; }  // freed with the graph

char* agnameof(void* obj) {
  auto* o = static_cast<Agobj_base*>(obj);
  if (o->kind == AGRAPH) return const_cast<char*>(static_cast<Agraph_t*>(o)->name->text.c_str());
  if (o->kind == AGNODE) return const_cast<char*>(static_cast<Agnode_t*>(o)->name->text.c_str());
  return nullptr;
}

// ---- agwrite ------------------------------------------------------------------

namespace {
constexpr int kMaxOutputLine = 128;

bool id_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c >= 0x80; }

// lib/cgraph/write.c:_agstrcanon(): the text as a DOT ID, a number or a quoted
// string (long strings are broken with backslash-newline).
std::string canon_plain(const std::string& arg) {
  if (arg.empty()) return "\"\"";
  std::string out = "\"";
  int cnt = 0, dotcnt = 0;
  bool needs_quotes = false, backslash_pending = false;
  size_t i = 0;
  unsigned char uc = arg[i++];
  bool maybe_num = std::isdigit(uc) || uc == '.' || uc == '-';
  while (uc) {
    if (uc == '"') {
      out += '\\';
      needs_quotes = true;
    } else if (maybe_num) {
      if (uc == '-') {
        if (cnt) maybe_num = false, needs_quotes = true;
      } else if (uc == '.') {
        if (dotcnt++) maybe_num = false, needs_quotes = true;
      } else if (!std::isdigit(uc)) {
        maybe_num = false, needs_quotes = true;
      }
    } else if (!(std::isalnum(uc) || uc == '_' || uc >= 0x80)) {
      needs_quotes = true;
    }
    out += static_cast<char>(uc);
    uc = i < arg.size() ? static_cast<unsigned char>(arg[i++]) : 0;
    ++cnt;
    unsigned char last = static_cast<unsigned char>(out.back());
    bool break_ok = uc && !(id_char(last) || last == '\\') && id_char(uc);
    if (uc && backslash_pending && break_ok) {
      out += "\\\n";
      needs_quotes = true;
      backslash_pending = false;
      cnt = 0;
    } else if (uc && cnt >= kMaxOutputLine) {
      if (break_ok) {
        out += "\\\n";
        needs_quotes = true;
        cnt = 0;
      } else {
        backslash_pending = true;
      }
    }
  }
  out += '"';
  if (needs_quotes || (cnt == 1 && (arg[0] == '.' || arg[0] == '-'))) return out;
  static const char* const kKeywords[] = {"node", "edge", "strict", "graph", "digraph", "subgraph"};
  for (const char* k : kKeywords)
    if (strcasecmp(k, arg.c_str()) == 0) return out;
  return arg;
}

std::string canon(const Str* s) { return s->html ? "<" + s->text + ">" : canon_plain(s->text); }

struct Writer {
  Agraph_t* root;
  std::string out;
  int level = 0;

  void indent() { out.append(level, '\t'); }

  // "graph [a=b, ...];" of the root's defaults, or of a subgraph's own values.
  void dict(const char* what, const std::map<std::string, const Str*>& d, const std::map<std::string, const Str*>* parent) {
    int cnt = 0;
    for (auto& [name, v] : d) {
      // An empty default is not written; a subgraph's own empty value is.
      if (v->text.empty() && !parent) continue;
      if (cnt++ == 0) {
        indent();
        out += what;
        out += " [";
        ++level;
      } else {
        out += ",\n";
        indent();
      }
      out += canon_plain(name) + "=" + canon(v);
    }
    if (cnt > 0) {
      --level;
      if (cnt > 1) {
        out += "\n";
        indent();
      }
      out += "];\n";
    }
  }

  void attrs(const Values& values, const std::map<std::string, const Str*>& defaults, bool edge) {
    int cnt = 0;
    for (auto& [name, def] : defaults) {
      if (edge && (name == "tailport" || name == "headport")) continue;
      auto it = values.find(name);
      if (it == values.end() || it->second == def) continue;
      if (cnt++ == 0) {
        out += "\t[";
        ++level;
      } else {
        out += ",\n";
        indent();
      }
      out += canon_plain(name) + "=" + canon(it->second);
    }
    if (cnt > 0) {
      out += "]";
      --level;
    }
  }

  void node(Agnode_t* n) {
    indent();
    out += canon(n->name);
    if (!n->written) attrs(n->values, root->defaults[AGNODE], false);
    n->written = true;
    out += ";\n";
  }

  void port(const Agedge_t* e, const char* which) {
    auto it = e->values.find(which);
    if (it == e->values.end() || it->second->text.empty()) return;
    out += ":";
    const std::string& v = it->second->text;
    if (it->second->html) {
      out += canon(it->second);
    } else if (auto c = v.find(':'); c != std::string::npos) {
      out += canon_plain(v.substr(0, c)) + ":" + canon_plain(v.substr(c + 1));
    } else {
      out += canon_plain(v);
    }
  }

  void edge(Agedge_t* e) {
    indent();
    out += canon(e->tail->name);
    port(e, "tailport");
    out += " -> ";
    out += canon(e->head->name);
    port(e, "headport");
    attrs(e->values, root->defaults[AGOUTEDGE], true);
    out += ";\n";
  }

  bool in_subgraph(const Agraph_t* g, const Agnode_t* n) {
    for (auto& s : g->subgs)
      if (holds(s.get(), n)) return true;
    return false;
  }
  // Edges live in the root graph only (graph.cc creates them there).
  bool test_node(Agraph_t* g, Agnode_t* n, unsigned pred_seq) {
    if (in_subgraph(g, n)) return false;
    bool root = g == this->root;
    if (n->seq < pred_seq) return false;
    if (root)
      for (auto* e : n->in)
        if (e->tail->seq < pred_seq) return false;
    bool no_edges = !root || (n->in.empty() && n->out.empty());
    if (no_edges) return true;
    auto& d = this->root->defaults[AGNODE];
    for (auto& [name, v] : n->values)
      if (auto it = d.find(name); it == d.end() || it->second != v) return true;
    return false;
  }

  void body(Agraph_t* g) {
    for (auto& s : g->subgs) {
      indent();
      out += "subgraph " + canon(s->name) + " {\n";
      ++level;
      dict("graph", s->local, &root->defaults[AGRAPH]);
      body(s.get());
      --level;
      indent();
      out += "}\n";
    }
    bool is_root = g == root;
    for (Agnode_t* n : g->nodes) {
      if (test_node(g, n, n->seq)) node(n);
      if (!is_root) continue;
      Agnode_t* prev = n;
      for (Agedge_t* e : n->out) {
        if (prev != e->head && test_node(g, e->head, n->seq)) {
          node(e->head);
          prev = e->head;
        }
        edge(e);
      }
    }
  }
};
}  // namespace

int agwrite(Agraph_t* g, void* chan) {
  Writer w{g->root};
  for (auto& n : g->root->all_nodes) n->written = false;
  w.out += "digraph " + canon(g->name) + " {\n";
  w.level = 1;
  w.dict("graph", g->root->defaults[AGRAPH], nullptr);
  w.dict("node", g->root->defaults[AGNODE], nullptr);
  w.dict("edge", g->root->defaults[AGOUTEDGE], nullptr);
  w.body(g);
  w.out += "}\n";
  return std::fputs(w.out.c_str(), static_cast<std::FILE*>(chan)) < 0 ? -1 : 0;
}
