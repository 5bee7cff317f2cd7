// The kernel-function events of one step: which functions a syscall went
// through, every reference taken and dropped, every object created or freed.
// Recording costs one branch when off, so replaying millions of steps stays cheap.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
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
};

// Emit an event with a fmt-formatted detail, formatting only when tracing is on.
#define NSSIM_EVENT(tr, fn, ...)                                 \
  do {                                                           \
    if ((tr).on) (tr).emit((fn), fmt::format(__VA_ARGS__));      \
  } while (0)

// A kernel function on the call path: emits its event, nests what follows.
class TraceScope {
 public:
  template <class... A>
  TraceScope(Trace& t, std::string_view fn, fmt::format_string<A...> f, A&&... a) : t_(t) {
    if (t_.on) {
      t_.emit(fn, fmt::format(f, std::forward<A>(a)...));
      ++t_.depth;
    }
  }
  TraceScope(Trace& t, std::string_view fn) : t_(t) {
    if (t_.on) {
      t_.emit(fn, "");
      ++t_.depth;
    }
  }
  ~TraceScope() {
    if (t_.on) --t_.depth;
  }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Trace& t_;
};

}  // namespace nssim
