// write("/proc/TASK/timens_offsets", "CLOCK SECS NSECS[\nCLOCK SECS NSECS]"):
// the clock offsets of TASK's time_for_children namespace, settable until a
// task enters it. fs/proc/base.c @ v7.2: timens_offsets_write();
// kernel/time/namespace.c @ v7.2: proc_timens_set_offset(); 6.1.192 and
// 6.12.117 read the same; one check is a feature row (TimensOffsetNsecCheck).
#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "sim/kernel.h"

namespace nssim {

namespace {
constexpr int64_t kNsecPerSec = 1000000000;
constexpr int64_t kKtimeSecMax = INT64_MAX / kNsecPerSec;  // KTIME_SEC_MAX
constexpr int kClockMonotonic = 1, kClockBoottime = 7;

struct Parsed {
  int clock = 0;
  int64_t sec = 0, nsec = 0;
};

// One line as the kernel's sscanf(line, "%9s %lld %lu", ...) reads it (lib/vsprintf.c:
// vsscanf()): %9s takes up to 9 non-space characters; %lld an optional '-' then
// digits; %lu digits only ('-' or '+' stop it). Text after the third number is
// ignored. nullopt: fewer than three conversions, nsec >= NSEC_PER_SEC, or an
// unknown clock (EINVAL).
std::optional<Parsed> parse_line(std::string_view l) {
  size_t i = 0;
  auto skip = [&] {
    while (i < l.size() && std::isspace(static_cast<unsigned char>(l[i]))) ++i;
  };
  skip();
  size_t b = i;
  while (i < l.size() && i - b < 9 && !std::isspace(static_cast<unsigned char>(l[i]))) ++i;
  std::string clock(l.substr(b, i - b));
  if (clock.empty()) return std::nullopt;
  auto number = [&](bool is_signed, int64_t& out) {
    skip();
    bool neg = false;
    if (is_signed && i < l.size() && l[i] == '-') neg = true, ++i;
    if (i >= l.size() || !std::isdigit(static_cast<unsigned char>(l[i]))) return false;
    uint64_t v = 0;
    while (i < l.size() && std::isdigit(static_cast<unsigned char>(l[i]))) v = v * 10 + (l[i++] - '0');  // wraps, as _parse_integer() does not check
    out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
  };
  Parsed p;
  if (!number(true, p.sec) || !number(false, p.nsec)) return std::nullopt;
  // tv_nsec is a long read with %lu: a value above LONG_MAX is negative and passes
  // this check, then proc_timens_set_offset() refuses it (EINVAL) below.
  if (p.nsec >= kNsecPerSec) return std::nullopt;
  if (clock == "monotonic" || clock == "1")
    p.clock = kClockMonotonic;
  else if (clock == "boottime" || clock == "7")
    p.clock = kClockBoottime;
  else
    return std::nullopt;
  return p;
}

// The clock the offset is added to, read as the kernel reads it (ktime_get_ts64(),
// ktime_get_boottime_ts64()): the machine nssim runs on. Only a negative offset
// close to the uptime depends on it (docs/semantics.md).
int64_t clock_now_sec(int clock) {
  timespec ts{};
#ifdef CLOCK_BOOTTIME
  clock_gettime(clock == kClockBoottime ? CLOCK_BOOTTIME : CLOCK_MONOTONIC, &ts);
#else
  clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
  return ts.tv_sec;
}
}  // namespace

// The order: (the open's owner check, in sys_write_proc()), then
//  1. fs/proc/base.c: timens_offsets_write(): 4096 bytes or more: EINVAL; each
//     line (at most 2 are read) parsed as above: EINVAL;
//  2. get_proc_task(): the task reaped: ESRCH (the model: its /proc dir is
//     gone before, ENOENT, in sys_write_proc());
//  3. proc_timens_set_offset(): no nsproxy (the task exited): ESRCH;
//     !file_ns_capable(file, time_ns->user_ns, CAP_SYS_TIME): EPERM;
//     per offset: |sec| > KTIME_SEC_MAX: ERANGE; nsec < 0 (a %lu value of
//     2^63 or more): EINVAL (Feature::TimensOffsetNsecCheck); the clock
//     plus the offset below 0 or above KTIME_SEC_MAX / 2: ERANGE;
//     time_ns->frozen_offsets (a task has entered it): EACCES.
Result<void> Kernel::timens_offsets_write(Task* cur, Task* target, std::string_view data) {
  NSSIM_SCOPE(s, trace, "timens_offsets_write", "/proc/{}/timens_offsets \"{}\"", target->comm, data);
  if (data.size() >= 4096) return fail(EINVAL);
  // memdup_user_nul(): the data is a C string.
  if (auto z = data.find('\0'); z != std::string_view::npos) data = data.substr(0, z);
  std::vector<Parsed> offs;
  for (std::string_view rest = data;;) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    auto p = parse_line(line);
    if (!p) {
      NSSIM_EVENT(trace, "timens_offsets_write", "\"{}\" is not \"CLOCK SECS NSECS\" (monotonic or boottime): EINVAL",
                  line);
      return fail(EINVAL);
    }
    offs.push_back(*p);
    if (offs.size() == 2 || nl == std::string_view::npos || nl + 1 == rest.size()) break;
    rest.remove_prefix(nl + 1);
  }
  if (!target->nsproxy) return fail(ESRCH);  // timens_for_children_get()
  TimeNamespace* ns = target->nsproxy->time_ns_for_children;
  if (!ns_capable(cur->cred, ns->user_ns, CAP_SYS_TIME)) {
    NSSIM_EVENT(trace, "proc_timens_set_offset", "{} lacks CAP_SYS_TIME in {}: EPERM", cur->comm, ns_str(ns->user_ns));
    return fail(EPERM);
  }
  for (Parsed& o : offs) {
    if (o.sec > kKtimeSecMax || o.sec < -kKtimeSecMax) return fail(ERANGE);
    if (o.nsec < 0) {
      if (has(Feature::TimensOffsetNsecCheck)) return fail(EINVAL);
      // Without it, timespec64_add() normalises the negative nanoseconds into the seconds.
      int64_t borrow = (o.nsec + 1) / kNsecPerSec - 1;  // floor(nsec / 1e9), nsec < 0
      o.sec += borrow;
      o.nsec -= borrow * kNsecPerSec;
    }
    int64_t t = clock_now_sec(o.clock) + o.sec;  // timespec64_add(): nsec carries at most 1 s
    if (t < 0 || t > kKtimeSecMax / 2) return fail(ERANGE);
  }
  if (ns->frozen_offsets) {
    NSSIM_EVENT(trace, "proc_timens_set_offset", "a task has entered {}: its offsets are frozen: EACCES", ns_str(ns));
    return fail(EACCES);
  }
  for (const Parsed& o : offs) {
    TimeNamespace::Offset& d = o.clock == kClockMonotonic ? ns->monotonic : ns->boottime;
    d.sec = o.sec;
    d.nsec = o.nsec;
    NSSIM_EVENT(trace, "proc_timens_set_offset", "{}: {} offset {}.{:09d} s", ns_str(ns),
                o.clock == kClockMonotonic ? "monotonic" : "boottime", o.sec, o.nsec);
  }
  return {};
}

}  // namespace nssim
