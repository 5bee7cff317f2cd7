// The part of Graphviz's cgraph API that pictures/graph.cc uses, for the
// wasm32-wasi build of the playground (playground/README.md), where Graphviz's
// C library is not available: graph.cc builds its graph with these calls, and
// agwrite() prints it as cgraph 2.42 does (Debian 12's libcgraph), so that the
// page and `nssim graph --format dot` give the same DOT text (a test checks it
// for every step of every bundled example: tests/playground_test.*). Layout and
// rendering happen in the browser (Graphviz compiled to WebAssembly).
// Only the native build links the real cgraph; this header is on the include
// path of the wasm build only (playground/CMakeLists.txt).
#pragma once

#include <cstdint>
#include <cstdio>

typedef uint64_t IDTYPE;
typedef struct Agraph_s Agraph_t;
typedef struct Agnode_s Agnode_t;
typedef struct Agedge_s Agedge_t;
typedef struct Agdisc_s Agdisc_t;

enum { AGRAPH = 0, AGNODE = 1, AGOUTEDGE = 2, AGINEDGE = 3, AGEDGE = AGOUTEDGE };

struct Agdesc_t {
  unsigned directed : 1;
};
extern Agdesc_t Agdirected;

// Disciplines: accepted and ignored (objects are numbered in creation order,
// which is what graph.cc's SequentialIds gives cgraph).
struct Agmemdisc_t {
  int unused;
};
struct Agiodisc_t {
  int unused;
};
struct Agiddisc_t {
  void* (*open)(Agraph_t* g, Agdisc_t*);
  long (*map)(void* state, int objtype, char* str, IDTYPE* id, int createflag);
  long (*alloc)(void* state, int objtype, IDTYPE id);
  void (*free)(void* state, int objtype, IDTYPE id);
  char* (*print)(void* state, int objtype, IDTYPE id);
  void (*close)(void* state);
  void (*idregister)(void* state, int objtype, void* obj);
};
struct Agdisc_s {
  Agmemdisc_t* mem;
  Agiddisc_t* id;
  Agiodisc_t* io;
};
extern Agmemdisc_t AgMemDisc;
extern Agiodisc_t AgIoDisc;

Agraph_t* agopen(char* name, Agdesc_t desc, Agdisc_t* disc);
int agclose(Agraph_t* g);
Agraph_t* agsubg(Agraph_t* g, char* name, int createflag);
Agnode_t* agnode(Agraph_t* g, char* name, int createflag);
Agedge_t* agedge(Agraph_t* g, Agnode_t* t, Agnode_t* h, char* name, int createflag);
// Declares the attribute for `kind` on the root graph (value: its default),
// or with value null, only looks it up; returns non-null when declared.
void* agattr(Agraph_t* g, int kind, char* name, const char* value);
int agsafeset(void* obj, char* name, const char* value, const char* def);
char* agstrdup(Agraph_t* g, const char* s);
char* agstrdup_html(Agraph_t* g, const char* s);
int agstrfree(Agraph_t* g, const char* s);
char* agnameof(void* obj);
int agwrite(Agraph_t* g, void* chan);  // chan: a FILE*
