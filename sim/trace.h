// The kernel-function events of one step: which functions a syscall went
// through, every reference taken and dropped, every object created or freed.
// Recording costs one branch when off, so replaying millions of steps stays cheap.
#pragma once

#include <fmt/format.h>

#include <string>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nssim {

struct Event {
  int depth = 0;      // call nesting under the syscall (0 = the syscall itself)
  std::string fn;     // kernel function, e.g. "copy_namespaces"
  std::string detail; // e.g. "nsproxy#3 alloc count=1"
};

class Trace {
 public:
  bool on = false;
  std::vector<Event> events;
  int depth = 0;

  void emit(std::string_view fn, std::string detail) {
    events.push_back(Event{depth, std::string(fn), std::move(detail)});
  }
  std::vector<Event> take() {
    std::vector<Event> out;
    out.swap(events);
    depth = 0;
    return out;
  }
  // Hands back a taken vector once read: the next call's events reuse its
  // storage instead of growing a new vector event by event.
  void recycle(std::vector<Event>&& v) {
    if (!events.empty()) return;
    v.clear();
    events.swap(v);
  }
};

// Emit an event with a fmt-formatted detail, formatting only when tracing is
// on. The formatting is out of line (a cold lambda), so that the model's
// functions stay small enough to inline.
#define NSSIM_EVENT(tr, fn, ...)                                                                  \
  do {                                                                                            \
    if ((tr).on) [[unlikely]]                                                                     \
      [&]() __attribute__((noinline, cold)) { (tr).emit((fn), fmt::format(__VA_ARGS__)); }();     \
  } while (0)

// A tracer that is never on. A hot syscall written as a template on its
// tracer (Kernel::do_setns<Tr>()) is compiled twice from one source: with
// Trace, event by event, and with NoTrace, where every hook is a constant
// false and vanishes, so the quiet copy carries none of the tracing code.
struct NoTrace {
  static constexpr bool on = false;
  int depth = 0;
  void emit(std::string_view, std::string) {}
};

struct TraceDeferred {};  // BasicTraceScope's NSSIM_SCOPE constructor: enter() comes after

// A kernel function on the call path: emits its event, nests what follows.
// Use NSSIM_SCOPE() when the detail needs formatting: its arguments are then
// evaluated only while tracing is on. Tr: Trace, or NoTrace (no code at all).
template <class Tr>
class BasicTraceScope {
 public:
  // fn is a C string so that its length is only taken while tracing (the
  // name may come from a table, where strlen() would run on every call).
  BasicTraceScope(Tr& t, const char* fn, std::string detail) : t_(t) {
    if (t_.on) {
      t_.emit(fn, std::move(detail));
      ++t_.depth;
    }
  }
  BasicTraceScope(Tr& t, const char* fn) : t_(t) {
    if (t_.on) {
      t_.emit(fn, "");
      ++t_.depth;
    }
  }
  // NSSIM_SCOPE: the event comes from enter(), called only while tracing, so
  // neither the detail nor the closure that makes it exists otherwise.
  BasicTraceScope(Tr& t, TraceDeferred) : t_(t) {}
  template <class F>
  [[gnu::noinline, gnu::cold]] void enter(const char* fn, F&& detail) {
    t_.emit(fn, detail());
    ++t_.depth;
  }
  ~BasicTraceScope() {
    if (t_.on) --t_.depth;
  }
  BasicTraceScope(const BasicTraceScope&) = delete;
  BasicTraceScope& operator=(const BasicTraceScope&) = delete;

 private:
  Tr& t_;
};
using TraceScope = BasicTraceScope<Trace>;

// Why a reference is taken or dropped, formatted only when tracing is on:
// Why("owner"), Why("nsproxy", 3, "net") -> "nsproxy#3.net", Why("cred", 5) ->
// "cred#5", Why::pid(7) -> "struct pid 7".
struct NsCommon;
struct Why {
  const char* what;
  uint32_t id = 0;
  const char* slot = nullptr;
  bool numbered = false;
  const NsCommon* ns = nullptr;    // "parent of NS": the Kernel appends ns_str(ns)
  Why(const char* w) : what(w) {}  // NOLINT: implicit from a literal
  Why(const char* w, const NsCommon* n) : what(w), ns(n) {}
  Why(const char* w, uint32_t i, const char* s = nullptr) : what(w), id(i), slot(s), numbered(true) {}
  // id and `numbered` in one word (Kernel::get_ns() passes a Why as scalars).
  uint64_t packed_id() const { return uint64_t{id} | (uint64_t{numbered} << 32); }
  static Why unpack(const char* what, const char* slot, const NsCommon* ns, uint64_t packed) {
    Why y(what);
    y.id = static_cast<uint32_t>(packed);
    y.slot = slot;
    y.numbered = (packed >> 32) & 1;
    y.ns = ns;
    return y;
  }
  static Why pid(uint32_t nr) {
    Why y("struct pid ", nr);
    y.numbered = false;
    return y;
  }
  std::string str() const {
    if (numbered) return slot ? fmt::format("{}#{}.{}", what, id, slot) : fmt::format("{}#{}", what, id);
    if (id) return fmt::format("{}{}", what, id);
    return what;
  }
};

}  // namespace nssim

// A TraceScope whose detail is formatted only while tracing is on.
// Two statements: declare it as a statement of its own block (it is a scope).
#define NSSIM_SCOPE(var, tr, fn, ...)                                                                    \
  ::nssim::BasicTraceScope<std::remove_cvref_t<decltype(tr)>> var(                                       \
      (tr), ::nssim::TraceDeferred{});                                                                   \
  if ((tr).on) [[unlikely]]                                                                              \
  var.enter((fn), [&]() -> std::string { return fmt::format(__VA_ARGS__); })
