#include "sim/result.h"

#include <array>
#include <utility>

namespace nssim {
namespace {
// The errnos the modelled syscalls can return, plus the common ones a user may
// write after '=' in a scenario. Values are the Linux ABI values from <cerrno>.
constexpr std::array<std::pair<int, const char*>, 41> kErrnos{{
    {EPERM, "EPERM"},     {ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},       {EINTR, "EINTR"},
    {EIO, "EIO"},         {E2BIG, "E2BIG"},     {EBADF, "EBADF"},       {ECHILD, "ECHILD"},
    {EAGAIN, "EAGAIN"},   {ENOMEM, "ENOMEM"},   {EACCES, "EACCES"},     {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},   {ENOTDIR, "ENOTDIR"},   {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},   {ENFILE, "ENFILE"},   {EMFILE, "EMFILE"},     {ENOTTY, "ENOTTY"},
    {ENOSPC, "ENOSPC"},   {EROFS, "EROFS"},     {ERANGE, "ERANGE"},     {ENOSYS, "ENOSYS"},
    {ENAMETOOLONG, "ENAMETOOLONG"}, {ELOOP, "ELOOP"}, {EUSERS, "EUSERS"}, {EOPNOTSUPP, "EOPNOTSUPP"},
    {ESTALE, "ESTALE"},   {EOVERFLOW, "EOVERFLOW"}, {ENXIO, "ENXIO"},   {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},   {ETIMEDOUT, "ETIMEDOUT"},
    {EPIPE, "EPIPE"},     {ENOTSOCK, "ENOTSOCK"}, {EDESTADDRREQ, "EDESTADDRREQ"}, {ENOTCONN, "ENOTCONN"},
    {ECONNRESET, "ECONNRESET"}, {ETOOMANYREFS, "ETOOMANYREFS"}, {EMSGSIZE, "EMSGSIZE"},
}};
}  // namespace

std::string errno_name(int code) {
  for (auto& [c, n] : kErrnos)
    if (c == code) return n;
  return "E" + std::to_string(code);
}

int errno_from_name(std::string_view name) {
  for (auto& [c, n] : kErrnos)
    if (name == n) return c;
  return 0;
}

}  // namespace nssim
