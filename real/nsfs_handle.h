// nsfs file handles on the live kernel (v6.18+): the controller's liveness
// probe (RealBackend::token_for_path(), refresh_liveness()) and the agents'
// name_to_handle_at/open_by_handle_at statements share these.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace nssim::real {

inline constexpr int FD_NSFS_ROOT = -10003;  // include/uapi/linux/fcntl.h @ v6.18

// A file_handle with room for any nsfs handle (fs/nsfs.c: struct
// nsfs_file_handle is 16 bytes).
struct NsfsHandleBuf {
  file_handle h;
  unsigned char bytes[128];
};

// name_to_handle_at(fd, "", AT_EMPTY_PATH): the whole file_handle (header and
// f_handle) in `out`; false with errno set.
inline bool encode_nsfs_handle(int fd, std::vector<unsigned char>& out) {
  NsfsHandleBuf hb{};
  hb.h.handle_bytes = sizeof hb.bytes;
  int mnt = 0;
  if (syscall(SYS_name_to_handle_at, fd, "", &hb.h, &mnt, AT_EMPTY_PATH) != 0) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(&hb.h);
  out.assign(raw, raw + sizeof(file_handle) + hb.h.handle_bytes);
  return true;
}

// open_by_handle_at(FD_NSFS_ROOT, handle, O_RDONLY | flags): the new fd, or
// -1 with errno set. `bytes` as encode_nsfs_handle() made them.
inline int open_nsfs_handle(const unsigned char* bytes, size_t len, int flags) {
  NsfsHandleBuf hb{};
  if (len < sizeof(file_handle) || len > sizeof hb) {
    errno = EINVAL;
    return -1;
  }
  std::memcpy(&hb, bytes, len);
  return static_cast<int>(syscall(SYS_open_by_handle_at, FD_NSFS_ROOT, &hb.h, O_RDONLY | flags));
}

}  // namespace nssim::real
