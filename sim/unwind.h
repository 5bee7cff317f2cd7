// The scenario parser's one non-local exit: a parse error raised deep in the
// recursive-descent parser (sim/scenario.cc) ends the line being parsed.
// Natively it is a C++ exception. The wasm32-wasi build (the playground,
// playground/README.md) has no C++ exception runtime (Debian's wasm32 libc++abi
// is built without one), so there the error is kept here and the page's
// JavaScript unwinds: an import throws a JavaScript exception through the wasm
// frames up to the import that called the line's parser, which restores the
// stack pointer (destructors of the abandoned frames do not run: their memory
// is leaked, a few hundred bytes per wrong line).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "sim/scenario.h"

namespace nssim {

#if defined(__wasm__) && !defined(__cpp_exceptions)
extern "C" {
// playground/wasi.js: throws; `try_call` catches it and returns 1.
[[noreturn]] __attribute__((import_module("nssim"), import_name("unwind"))) void nssim_js_unwind();
__attribute__((import_module("nssim"), import_name("try_call"))) int nssim_js_try_call(void (*fn)(void*), void* ctx);
}
inline Diagnostic& pending_parse_error() {
  static Diagnostic d;
  return d;
}
[[noreturn]] inline void raise_parse_error(Diagnostic d) {
  pending_parse_error() = std::move(d);
  nssim_js_unwind();
}
// Runs f(); the parse error it raised, if any.
template <class F>
std::optional<Diagnostic> catch_parse_error(F&& f) {
  using Fn = std::remove_reference_t<F>;
  void (*tramp)(void*) = [](void* p) { (*static_cast<Fn*>(p))(); };
  if (nssim_js_try_call(tramp, &f) == 0) return std::nullopt;
  return std::move(pending_parse_error());
}
#else
struct ParseError {
  Diagnostic d;
};
[[noreturn]] inline void raise_parse_error(Diagnostic d) { throw ParseError{std::move(d)}; }
template <class F>
std::optional<Diagnostic> catch_parse_error(F&& f) {
  try {
    f();
  } catch (const ParseError& e) {
    return e.d;
  }
  return std::nullopt;
}
#endif

}  // namespace nssim
