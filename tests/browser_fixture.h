// What the browser tests share (tests/browser_test.cc: the `--html` page;
// tests/playground_test.cc: the playground): Chromium found or the test
// skipped with the reason, and a scratch directory holding the browser's
// profile, removed after the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "browser/cdp.h"

namespace nssim::testing {

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
// The end of a log, for failure messages.
inline std::string tail(const std::string& s, size_t n = 2000) { return s.size() > n ? s.substr(s.size() - n) : s; }

class ChromiumTest : public ::testing::Test {
 protected:
  // `what`: the test's subject, named in the skip message and the directory.
  explicit ChromiumTest(std::string what) : what_(std::move(what)) {}
  // Derived fixtures call this first and return when IsSkipped().
  void SetUp() override {
    chromium_ = browser::find_chromium();
    if (chromium_.empty())
      GTEST_SKIP() << "no Chromium (chromium, chromium-browser or google-chrome in PATH, or NSSIM_CHROMIUM): "
                      "install Debian's chromium to run the "
                   << what_ << " test";
    dir_ = ::testing::TempDir() + "/nssim_" + what_ + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ + "/profile");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::vector<std::string> flags() const { return browser::headless_flags(dir_ + "/profile"); }

  std::string what_, chromium_, dir_;
};

}  // namespace nssim::testing
