// Result<T>: the value of a modelled syscall or its errno, shaped like
// std::expected so that no exception ever crosses the syscall surface.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>

namespace nssim {

// A Linux errno value (positive, e.g. EINVAL == 22 on every Linux ABI).
struct Errno {
  int code = 0;
  friend bool operator==(Errno, Errno) = default;
};

template <class T>
using Result = std::expected<T, Errno>;

// `return fail(EINVAL);` from a function returning Result<T>.
inline std::unexpected<Errno> fail(int code) { return std::unexpected<Errno>(Errno{code}); }

// "EINVAL" for EINVAL; "E<number>" for codes nssim does not know by name.
std::string errno_name(int code);
inline std::string errno_name(Errno e) { return errno_name(e.code); }
// Inverse of errno_name(); returns 0 when the name is unknown.
int errno_from_name(std::string_view name);

}  // namespace nssim
