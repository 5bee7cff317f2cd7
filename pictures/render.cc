// Laying out and rendering a graph with Graphviz's gvc, and writing the result:
// apart from graph.cc so that the DOT text (graph.cc, cgraph only) also builds
// for the browser, where Graphviz compiled to WebAssembly renders it
// (playground/README.md).
#include <fmt/format.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "pictures/graph.h"

namespace nssim::cli {

namespace {
GVC_t* gv_context() {
  static GVC_t* gvc = gvContext();  // lives for the process: plugins stay loaded
  return gvc;
}

std::string* g_gv_errors = nullptr;
int collect_gv_error(char* msg) {
  if (g_gv_errors) *g_gv_errors += msg;
  return 0;
}
}  // namespace

bool render(const Graph& g, Format f, std::string& out, std::string& err) {
  if (f == Format::Dot) {
    out = to_dot(g);
    return true;
  }
  GVC_t* gvc = gv_context();
  std::string errors;
  g_gv_errors = &errors;
  agusererrf old_f = agseterrf(collect_gv_error);
  agerrlevel_t old_level = agseterr(AGERR);  // warnings are not failures
  bool ok = false;
  if (gvLayout(gvc, g.get(), "dot") == 0) {
    char* data = nullptr;
    unsigned int len = 0;
    if (gvRenderData(gvc, g.get(), std::string(format_name(f)).c_str(), &data, &len) == 0 && data) {
      out.assign(data, len);
      ok = true;
    }
    if (data) gvFreeRenderData(data);
    gvFreeLayout(gvc, g.get());
  }
  agseterrf(old_f);
  agseterr(old_level);
  g_gv_errors = nullptr;
  if (!ok) {
    while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
    err = fmt::format("Graphviz could not render {}{}", format_name(f), errors.empty() ? "" : ": " + errors);
  }
  return ok;
}

bool write_output(const std::string& path, std::string_view data, std::string& err) {
  bool to_stdout = path.empty() || path == "-";
  FILE* f = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (!f) {
    err = fmt::format("nssim: cannot write '{}': {}", path, std::strerror(errno));
    return false;
  }
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (to_stdout ? std::fflush(f) : std::fclose(f)) == 0 && ok;
  if (!ok)
    err = fmt::format("nssim: cannot write '{}': {}", to_stdout ? "standard output" : path, std::strerror(errno));
  return ok;
}

bool check_writable(const std::string& path, std::string& err) {
  if (path.empty() || path == "-") return true;
  std::error_code ec;
  bool existed = std::filesystem::exists(path, ec);
  FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) {
    err = fmt::format("nssim: cannot write '{}': {}", path, std::strerror(errno));
    return false;
  }
  std::fclose(f);
  if (!existed) std::filesystem::remove(path, ec);
  return true;
}

}  // namespace nssim::cli
