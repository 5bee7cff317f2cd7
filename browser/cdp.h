// Headless Chromium driven over the Chrome DevTools Protocol
// (--remote-debugging-pipe: JSON messages separated by NUL bytes on the
// browser's fds 3 and 4). Used by the browser test of `nssim trace --html`
// (tests/browser_test.cc) and by the benchmark of the page's first picture
// (bench/commands_bench.cc). Errors come back as strings; nothing throws.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nssim::browser {

// $NSSIM_CHROMIUM, else chromium, chromium-browser, google-chrome or
// google-chrome-stable in $PATH; "" when none.
std::string find_chromium();

// The flags nssim runs Chromium with: headless, no GPU, no network
// chatter, its own profile directory (root needs --no-sandbox).
std::vector<std::string> headless_flags(const std::string& profile_dir);

// Starts `exe args` in its own process group with stdout (or `out_fd`) and
// stderr to `log`; `cdp_in`/`cdp_out`, when not -1, become its fds 3 and 4.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& log, int out_fd,
            int cdp_in, int cdp_out);
// Waits for `pid`, killing its process group after `timeout_ms`; the group is
// killed anyway once it is gone, so no helper process outlives it. The exit
// status, or -1.
int reap(pid_t pid, int timeout_ms);

// Decodes base64 (CDP sends screenshots so); characters outside the alphabet,
// '=' padding and line breaks are skipped.
std::string base64_decode(const std::string& in);

class Chromium {
 public:
  Chromium() = default;
  ~Chromium();
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  // Starts the browser with `args` (plus the DevTools pipe) on about:blank.
  bool start(const std::string& exe, std::vector<std::string> args, const std::string& log);
  // One command (on a page's session when `session` is set); the reply's
  // "result". On an error reply or no reply within 30 s: null, `why` set.
  nlohmann::json call(const std::string& method, nlohmann::json params, const std::string& session,
                      std::string& why);
  // A new tab on `url`, attached: its session id ("" and `why` on failure).
  std::string open(const std::string& url, std::string& why);
  // The value of a JavaScript expression in the tab (null when it failed).
  nlohmann::json eval(const std::string& session, const std::string& expr);
  // Polls `expr` every `poll_ms` until it is true; false after `timeout_ms`.
  bool wait_for(const std::string& session, const std::string& expr, int timeout_ms, int poll_ms,
                std::string& why);
  // Closes the tab opened by open().
  void close(const std::string& session);

 private:
  bool send(const nlohmann::json& m);
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1, id_ = 0;
  std::string buf_;
  std::vector<std::pair<std::string, std::string>> tabs_;  // session id, target id
};

}  // namespace nssim::browser
