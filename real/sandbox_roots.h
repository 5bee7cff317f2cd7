// The directories a run may create files under, made private for a sandbox.
// Header-only: both sandboxes use it (--real's in nssim_real, nssim trace --
// CMD's in nssim_strace), and neither library links the other.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "real/protocol.h"
#include "sim/uapi.h"

namespace nssim::real {

// In a private mount namespace: a private tmpfs over each root of
// kCreatedPathRoots other than /run that exists (/srv, /mnt, /media), marked
// with kSandboxTmpfsMark, so that what a run creates there never reaches the
// host's directory. Skipped: a root that holds nssim's binary, its working
// directory or one of `keep` (the traced program). Mounted while / is
// private: they start private, as the model's initial namespace.
inline void cover_created_path_roots(const std::vector<std::string>& keep) {
  char exe[4096] = {}, cwd[4096] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) exe[0] = 0;
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  for (std::string_view root : kCreatedPathRoots) {
    std::string r(root);
    struct stat st;
    auto holds = [&](std::string_view p) { return p.starts_with(r + "/"); };
    bool kept = holds(exe) || holds(cwd);
    for (const std::string& k : keep) kept |= holds(k);
    if (r != "/run" && (kept || stat(r.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
                        mount("tmpfs", r.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0))
      continue;
    int fd = open((r + "/" + kSandboxTmpfsMark).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd >= 0) close(fd);
  }
}

}  // namespace nssim::real
