// Helpers shared by the test files: the bundled scenarios, test names made
// from paths, and the lock of the tests that count kernel references.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

namespace nssim::testing {

// examples/*.nss, the labs' solution.nss and (optionally) tests/regressions/*.nss,
// relative to the source tree, sorted.
inline std::vector<std::string> bundled_scenarios(bool with_regressions = true) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* dir : {"examples", "labs", "tests/regressions"}) {
    if (!with_regressions && std::string(dir) == "tests/regressions") continue;
    fs::path root = fs::path(NSSIM_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (auto& e : fs::recursive_directory_iterator(root)) {
      if (e.path().extension() != ".nss") continue;
      if (std::string(dir) == "labs" && e.path().filename() != "solution.nss") continue;
      out.push_back(fs::relative(e.path(), NSSIM_SOURCE_DIR).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "examples/02-x.nss" -> "examples_02_x_nss" (a valid gtest parameter name).
inline std::string path_test_name(const std::string& path) {
  std::string n = path;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// Tests that count references take this lock: a concurrent snapshot (another
// test process, or `nssim snapshot`) briefly holds fds on every namespace.
class IntrospectionLock {
 public:
  IntrospectionLock() {
    fd_ = open("/tmp/nssim-introspection-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~IntrospectionLock() {
    if (fd_ >= 0) close(fd_);
  }
  IntrospectionLock(const IntrospectionLock&) = delete;
  IntrospectionLock& operator=(const IntrospectionLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace nssim::testing
