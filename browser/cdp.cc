#include "browser/cdp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace nssim::browser {

using nlohmann::json;

std::string base64_decode(const std::string& in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string find_chromium() {
  if (const char* e = std::getenv("NSSIM_CHROMIUM"); e && *e) return e;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  std::vector<std::string> all;
  while (std::getline(dirs, dir, ':')) all.push_back(dir);
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"})
    for (auto& d : all) {
      std::string p = d + "/" + name;
      if (::access(p.c_str(), X_OK) == 0) return p;
    }
  return "";
}

std::vector<std::string> headless_flags(const std::string& profile_dir) {
  return {"--headless",
          "--no-sandbox",  // tests and benchmarks run as root
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--no-default-browser-check",
          "--user-data-dir=" + profile_dir,
          "--window-size=1400,1000"};
}

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& log, int out_fd,
            int cdp_in, int cdp_out) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  int lg = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int in = cdp_in >= 0 ? fcntl(cdp_in, F_DUPFD, 10) : -1;
  int out = cdp_out >= 0 ? fcntl(cdp_out, F_DUPFD, 10) : -1;
  int so = out_fd >= 0 ? fcntl(out_fd, F_DUPFD, 10) : lg;
  dup2(so, 1);
  dup2(lg, 2);
  if (in >= 0) dup2(in, 3), dup2(out, 4);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, 0);
  for (int fd = 5; fd < 1024; ++fd) ::close(fd);
  std::vector<char*> argv{const_cast<char*>(exe.c_str())};
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(exe.c_str(), argv.data());
  _exit(127);
}

int reap(pid_t pid, int timeout_ms) {
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &st, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid, SIGKILL);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool Chromium::start(const std::string& exe, std::vector<std::string> args, const std::string& log) {
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) return false;
  args.push_back("--remote-debugging-pipe");
  args.push_back("about:blank");
  pid_ = spawn(exe, args, log, -1, to[0], from[1]);
  ::close(to[0]);
  ::close(from[1]);
  to_ = to[1];
  from_ = from[0];
  return pid_ > 0;
}

Chromium::~Chromium() {
  if (pid_ > 0) {
    send({{"id", ++id_}, {"method", "Browser.close"}, {"params", json::object()}});
    reap(pid_, 5000);
  }
  if (to_ >= 0) ::close(to_);
  if (from_ >= 0) ::close(from_);
}

bool Chromium::send(const json& m) {
  std::string s = m.dump();
  s.push_back('\0');
  return write(to_, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

json Chromium::call(const std::string& method, json params, const std::string& session, std::string& why) {
  json m = {{"id", ++id_}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) m["sessionId"] = session;
  int want = id_;
  if (!send(m)) {
    why = "cannot write to the browser";
    return json();
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    size_t nul;
    while ((nul = buf_.find('\0')) != std::string::npos) {
      json r = json::parse(buf_.substr(0, nul), nullptr, false);
      buf_.erase(0, nul + 1);
      if (r.is_object() && r.value("id", -1) == want) {
        if (r.contains("error")) {
          why = method + ": " + r["error"].dump();
          return json();
        }
        return r.value("result", json::object());
      }
    }
    pollfd pfd{from_, POLLIN, 0};
    if (poll(&pfd, 1, 500) <= 0) continue;
    char b[65536];
    ssize_t n = read(from_, b, sizeof b);
    if (n <= 0) break;
    buf_.append(b, static_cast<size_t>(n));
  }
  why = method + ": no reply from the browser";
  return json();
}

std::string Chromium::open(const std::string& url, std::string& why) {
  json t = call("Target.createTarget", {{"url", url}}, "", why);
  if (!t.is_object() || !t.contains("targetId")) return "";
  json a = call("Target.attachToTarget", {{"targetId", t["targetId"]}, {"flatten", true}}, "", why);
  std::string session = a.is_object() ? a.value("sessionId", "") : "";
  if (!session.empty()) tabs_.emplace_back(session, t["targetId"].get<std::string>());
  return session;
}

json Chromium::eval(const std::string& session, const std::string& expr) {
  std::string why;
  json r = call("Runtime.evaluate", {{"expression", expr}, {"returnByValue", true}}, session, why);
  return r.is_object() && r.contains("result") ? r["result"].value("value", json()) : json();
}

bool Chromium::wait_for(const std::string& session, const std::string& expr, int timeout_ms, int poll_ms,
                        std::string& why) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (eval(session, expr) == json(true)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  why = "`" + expr + "` still not true after " + std::to_string(timeout_ms) + " ms";
  return false;
}

void Chromium::close(const std::string& session) {
  for (auto it = tabs_.begin(); it != tabs_.end(); ++it)
    if (it->first == session) {
      std::string why;
      call("Target.closeTarget", {{"targetId", it->second}}, "", why);
      tabs_.erase(it);
      return;
    }
}

}  // namespace nssim::browser
