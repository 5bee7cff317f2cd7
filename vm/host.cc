// The host side of --vm: fetch the Debian kernel, boot it under qemu with the
// initramfs, relay the guest's output (vm/README.md).
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vm/vm.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace nssim::vm {

namespace {

// In a forked child: execvp(argv), 127 when it cannot.
[[noreturn]] void exec_argv(const std::vector<std::string>& argv) {
  std::vector<char*> a;
  for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  execvp(a[0], a.data());
  _exit(127);
}

// waitpid() through EINTR: the child's wait status.
int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Runs argv with stdout+stderr appended to `log` (or to stderr when empty);
// the exit status (-1: could not start).
int run_logged(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd = "") {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!log.empty()) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    exec_argv(argv);
  }
  int status = wait_child(pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::optional<std::string> run_capture(const std::vector<std::string>& argv, const std::string& log) {
  std::string tmp = log + ".out";
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int lg = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || lg < 0) _exit(126);
    dup2(fd, 1);
    dup2(lg, 2);
    exec_argv(argv);
  }
  int status = wait_child(pid);
  std::ifstream f(tmp);
  std::stringstream ss;
  ss << f.rdbuf();
  fs::remove(tmp);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return ss.str();
}

std::string tail_lines(const std::string& path, size_t n) {
  std::ifstream f(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  std::string s;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); i++) s += "  | " + lines[i] + "\n";
  return s.empty() ? "  | (nothing)\n" : s;
}

// The Debian mirrors this machine's apt uses: the archive and the security
// archive (deb.debian.org when none is configured).
std::pair<std::string, std::string> host_mirrors() {
  std::string main_uri, sec_uri;
  std::vector<fs::path> files = {"/etc/apt/sources.list"};
  std::error_code ec;
  for (auto& e : fs::directory_iterator("/etc/apt/sources.list.d", ec)) files.push_back(e.path());
  for (auto& p : files) {
    std::ifstream f(p);
    for (std::string line; std::getline(f, line);) {
      std::istringstream in(line);
      std::string w;
      in >> w;
      std::vector<std::string> uris;
      if (w == "deb") {  // deb [opts] URI SUITE ...
        while (in >> w)
          if (w.find("://") != std::string::npos) {
            uris.push_back(w);
            break;
          }
      } else if (w == "URIs:") {
        while (in >> w) uris.push_back(w);
      }
      for (auto& u : uris) {
        if (u.back() == '/') u.pop_back();
        if (u.find("debian-security") != std::string::npos) {
          if (sec_uri.empty()) sec_uri = u;
        } else if (u.find("/debian") != std::string::npos && main_uri.empty()) {
          main_uri = u;
        }
      }
    }
  }
  if (main_uri.empty()) main_uri = "http://deb.debian.org/debian";
  if (sec_uri.empty()) sec_uri = main_uri.substr(0, main_uri.rfind('/')) + "/debian-security";
  return {main_uri, sec_uri};
}

// Where each kernel version is the suite's default (linux-image-amd64).
std::vector<std::string> suites_for(const std::string& version) {
  if (version == "6.1") return {"bookworm"};
  if (version == "6.12") return {"trixie", "bookworm-backports"};
  return {"sid", "experimental", "trixie-backports"};
}

std::string sources_for(const std::string& suite, const std::string& main_uri, const std::string& sec_uri) {
  std::string s = fmt::format("deb {} {} main\n", main_uri, suite);
  if (suite == "bookworm" || suite == "trixie") {
    s += fmt::format("deb {} {}-updates main\n", main_uri, suite);
    s += fmt::format("deb {} {}-security main\n", sec_uri, suite);
  }
  return s;
}

bool valid_version(const std::string& v) {
  if (v.empty() || v.size() > 16) return false;
  for (char c : v)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  return std::isdigit(static_cast<unsigned char>(v.front())) && v.find('.') != std::string::npos;
}

}  // namespace

std::string cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/nssim";
  const char* home = std::getenv("HOME");
  std::string h = home && *home ? home : "";
  if (h.empty())
    if (passwd* pw = getpwuid(getuid())) h = pw->pw_dir;
  if (h.empty()) h = "/tmp";
  return h + "/.cache/nssim";
}

std::optional<Kernel> fetch_kernel(const std::string& version, std::string& err) {
  if (!valid_version(version)) {
    err = fmt::format("--vm {}: give a kernel version as MAJOR.MINOR, e.g. 6.1 or 6.12", version);
    return std::nullopt;
  }
  fs::path kdir = fs::path(cache_dir()) / "kernels" / version;
  std::error_code ec;
  // Cached: kernels/VERSION/{vmlinuz,config,package.json}.
  if (std::ifstream pf(kdir / "package.json"); pf && fs::exists(kdir / "vmlinuz")) {
    auto j = nlohmann::json::parse(pf, nullptr, false);
    if (!j.is_discarded()) {
      Kernel k{version,
               j.value("package", ""),
               j.value("version", ""),
               j.value("suite", ""),
               (kdir / "vmlinuz").string(),
               fs::exists(kdir / "config") ? (kdir / "config").string() : ""};
      return k;
    }
  }
  auto [main_uri, sec_uri] = host_mirrors();
  for (auto& suite : suites_for(version)) {
    fs::path adir = fs::path(cache_dir()) / "apt" / suite;
    fs::create_directories(adir / "lists" / "partial", ec);
    fs::create_directories(adir / "cache" / "archives" / "partial", ec);
    fs::create_directories(adir / "parts", ec);
    fs::create_directories(adir / "debs", ec);
    if (ec) {
      err = fmt::format("cannot create {}: {}", adir.string(), ec.message());
      return std::nullopt;
    }
    {
      std::ofstream sl(adir / "sources.list");
      sl << sources_for(suite, main_uri, sec_uri);
    }
    std::string log = (adir / "apt.log").string();
    // A private apt configuration: the host's /etc/apt (its sources, pins,
    // lists) is neither read nor changed; its keyrings are used.
    std::vector<std::string> opts = {
        "-o", "Dir::Etc::sourcelist=" + (adir / "sources.list").string(),
        "-o", "Dir::Etc::sourceparts=" + (adir / "parts").string(),
        "-o", "Dir::Etc::preferences=" + (adir / "preferences").string(),
        "-o", "Dir::Etc::preferencesparts=" + (adir / "parts").string(),
        "-o", "Dir::State::Lists=" + (adir / "lists").string(),
        "-o", "Dir::Cache=" + (adir / "cache").string(),
        "-o", "Debug::NoLocking=1",
    };
    auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
      head.insert(head.begin() + 1, opts.begin(), opts.end());
      head.insert(head.end(), tail.begin(), tail.end());
      return head;
    };
    fmt::print(stderr, "nssim: --vm {}: looking for the kernel in Debian {} ({})\n", version, suite, main_uri);
    int rc = run_logged(with({"apt-get", "-q"}, {"update"}), log);
    if (rc != 0) {
      err = rc < 0 ? "apt-get is not installed: --vm fetches Debian kernel packages with apt"
                   : fmt::format("apt-get update for {} failed (no network?); its log: {}\n{}", suite, log,
                                 tail_lines(log, 8));
      return std::nullopt;
    }
    // The suite's default kernel: what its linux-image-amd64 depends on.
    auto show = run_capture(with({"apt-cache"}, {"show", "--no-all-versions", "linux-image-amd64"}), log);
    std::string pkg, pkgver;
    if (show) {
      std::istringstream in(*show);
      for (std::string line; std::getline(in, line);)
        if (line.rfind("Depends:", 0) == 0) {
          auto p = line.find("linux-image-", 8);
          if (p != std::string::npos) pkg = line.substr(p, line.find_first_of(" ,(", p) - p);
        }
    }
    if (pkg.empty() ||
        (pkg.rfind("linux-image-" + version + ".", 0) != 0 && pkg.rfind("linux-image-" + version + "-", 0) != 0)) {
      fmt::print(stderr, "nssim: --vm {}: Debian {}'s kernel is {}\n", version, suite,
                 pkg.empty() ? "not found" : pkg.substr(12));
      continue;
    }
    if (auto pol = run_capture(with({"apt-cache"}, {"show", "--no-all-versions", pkg}), log)) {
      std::istringstream in(*pol);
      for (std::string line; std::getline(in, line);)
        if (line.rfind("Version: ", 0) == 0) pkgver = line.substr(9);
    }
    // The packages holding the kernel image and its config: the image package
    // itself up to Debian 13 (/boot/vmlinuz-V, /boot/config-V); since the
    // 7.x packages of sid and experimental an empty one whose linux-binary-V
    // has /usr/lib/modules/V/vmlinuz and linux-base-V /usr/lib/modules/V/config.
    std::vector<std::string> pkgs = {pkg};
    if (auto dep = run_capture(with({"apt-cache"}, {"show", "--no-all-versions", pkg}), log)) {
      std::istringstream in(*dep);
      for (std::string line; std::getline(in, line);)
        if (line.rfind("Depends:", 0) == 0)
          for (std::string_view prefix : {"linux-binary-", "linux-base-"})
            if (auto p = line.find(prefix); p != std::string::npos)
              pkgs.push_back(line.substr(p, line.find_first_of(" ,(", p) - p));
    }
    fmt::print(stderr, "nssim: --vm {}: downloading {} {} from Debian {}\n", version, fmt::join(pkgs, " "), pkgver,
               suite);
    for (auto& old : fs::directory_iterator(adir / "debs", ec)) fs::remove(old.path(), ec);
    std::vector<std::string> args = {"download"};
    args.insert(args.end(), pkgs.begin(), pkgs.end());
    rc = run_logged(with({"apt-get", "-q"}, args), log, (adir / "debs").string());
    std::vector<fs::path> debs;
    for (auto& e : fs::directory_iterator(adir / "debs", ec))
      if (e.path().extension() == ".deb") debs.push_back(e.path());
    if (rc != 0 || debs.empty()) {
      err = fmt::format("apt-get download {} failed; its log: {}\n{}", fmt::join(pkgs, " "), log, tail_lines(log, 8));
      return std::nullopt;
    }
    fs::path x = adir / "extract";
    fs::remove_all(x, ec);
    fs::create_directories(x, ec);
    // Only vmlinuz and config out of the packages, not the modules (tar
    // complains about the layout a package does not have: not an error).
    for (auto& deb : debs)
      run_logged({"sh", "-c",
                  "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" --wildcards './boot/vmlinuz-*' "
                  "'./boot/config-*' './usr/lib/modules/*/vmlinuz' './usr/lib/modules/*/config'",
                  "sh", deb.string(), x.string()},
                 log);
    fs::path vmlinuz, config;
    for (auto& e : fs::recursive_directory_iterator(x, ec)) {
      auto n = e.path().filename().string();
      if (n.rfind("vmlinuz", 0) == 0 && e.is_regular_file()) vmlinuz = e.path();
      if (n.rfind("config", 0) == 0 && e.is_regular_file()) config = e.path();
    }
    if (vmlinuz.empty()) {
      err = fmt::format("no vmlinuz in {} (dpkg-deb/tar: see {})\n{}", fmt::join(pkgs, " "), log, tail_lines(log, 8));
      return std::nullopt;
    }
    fs::create_directories(kdir, ec);
    fs::copy_file(vmlinuz, kdir / "vmlinuz", fs::copy_options::overwrite_existing, ec);
    if (!config.empty()) fs::copy_file(config, kdir / "config", fs::copy_options::overwrite_existing, ec);
    if (ec) {
      err = fmt::format("cannot write {}: {}", kdir.string(), ec.message());
      return std::nullopt;
    }
    std::ofstream(kdir / "package.json")
        << nlohmann::json{{"package", pkg}, {"version", pkgver}, {"suite", suite}}.dump(2) << "\n";
    fs::remove_all(x, ec);
    for (auto& deb : debs) fs::remove(deb, ec);
    return Kernel{
        version, pkg, pkgver, suite, (kdir / "vmlinuz").string(), config.empty() ? "" : (kdir / "config").string()};
  }
  err = fmt::format("no Debian kernel {} found (looked in {})", version, fmt::join(suites_for(version), ", "));
  return std::nullopt;
}

std::string name_summary(const std::string& line, const std::string& file, bool json) {
  if (json) {
    if (line.find("\"summary\":{") == std::string::npos) return line;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("summary")) return line;
    j["file"] = file;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  if (line.rfind("summary: ", 0) == 0) return "summary (" + file + "): " + line.substr(9);
  return line;
}

namespace {

// Rewrites a trace run's output so that its summary names the file: text
// "summary: ..." -> "summary (FILE): ...", JSON's summary object gets "file".
class Relay {
 public:
  Relay(const GuestRun& r, bool json) : file_(r.file), json_(json) {}
  void out(const std::string& data) {
    if (file_.empty()) {
      std::fwrite(data.data(), 1, data.size(), stdout);
      std::fflush(stdout);
      return;
    }
    buf_ += data;
    size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
      line(buf_.substr(0, nl + 1));
      buf_.erase(0, nl + 1);
    }
    std::fflush(stdout);
  }
  void finish() {
    if (!buf_.empty()) line(buf_);
    buf_.clear();
    std::fflush(stdout);
  }

 private:
  void line(const std::string& l) {
    std::string named = name_summary(l, file_, json_);
    std::fwrite(named.data(), 1, named.size(), stdout);
  }
  std::string file_;
  bool json_;
  std::string buf_;
};

int severity(int rc) {
  switch (rc) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return 2;
    default:
      return 3;
  }
}

std::string find_in_path(const std::string& prog) {
  const char* p = std::getenv("PATH");
  std::istringstream in(p ? p : "/usr/bin:/bin");
  for (std::string d; std::getline(in, d, ':');)
    if (access((d + "/" + prog).c_str(), X_OK) == 0) return d + "/" + prog;
  return "";
}

}  // namespace

int run(const Job& job) {
  std::string qemu = find_in_path("qemu-system-x86_64");
  if (qemu.empty()) {
    fmt::print(stderr, "{}: --vm: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)\n",
               job.command);
    return 3;
  }
  std::string err;
  auto k = fetch_kernel(job.version, err);
  if (!k) {
    fmt::print(stderr, "{}: --vm {}: {}\n", job.command, job.version, err);
    return 3;
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fmt::print(stderr, "{}: --vm: cannot find this program (/proc/self/exe)\n", job.command);
    return 3;
  }
  exe[n] = 0;
  char tmpl[] = "/tmp/nssim-vm-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fmt::print(stderr, "{}: --vm: mkdtemp: {}\n", job.command, std::strerror(errno));
    return 3;
  }
  fs::path work = tmpl;
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{work};
  // The binary without its debug information (the same code, a smaller initramfs).
  std::string guest_exe = exe;
  if (!find_in_path("objcopy").empty() &&
      run_logged({"objcopy", "--strip-debug", exe, (work / "nssim").string()}, (work / "objcopy.log").string()) == 0)
    guest_exe = (work / "nssim").string();
  auto initrd = build_initramfs(job, guest_exe, err);
  if (!initrd) {
    fmt::print(stderr, "{}: --vm: building the initramfs: {}\n", job.command, err);
    return 2;
  }
  // The initramfs lives in memory (a memfd qemu inherits as fd 3), so nothing
  // is left on disk once the stripped binary is read, even if nssim is killed.
  int initrd_fd = memfd_create("nssim-initrd", 0);
  if (initrd_fd < 0) {
    fmt::print(stderr, "{}: --vm: memfd_create: {}\n", job.command, std::strerror(errno));
    return 3;
  }
  for (size_t off = 0; off < initrd->size();) {
    ssize_t w = write(initrd_fd, initrd->data() + off, initrd->size() - off);
    if (w <= 0) {
      fmt::print(stderr, "{}: --vm: writing the initramfs: {}\n", job.command, std::strerror(errno));
      return 3;
    }
    off += w;
  }
  initrd->clear();
  {
    std::error_code rec;
    fs::remove_all(work, rec);
  }
  // The kernel's console and qemu's messages, kept in the cache (the last boot
  // of each version).
  fs::path console = fs::path(k->vmlinuz).parent_path() / "console.log";
  fs::path qemu_log = fs::path(k->vmlinuz).parent_path() / "qemu.log";
  // TCG (qemu's emulator) unless NSSIM_VM_ACCEL says otherwise (kvm): a
  // /dev/kvm may be there and not work (nested, here it hangs at boot).
  const char* accel_env = std::getenv("NSSIM_VM_ACCEL");
  std::string accel = accel_env && *accel_env ? accel_env : "tcg";
  // NSSIM_VM_APPEND: more kernel parameters (e.g. loglevel=7 to see the boot in the console log).
  std::string append = "console=ttyS0 quiet panic=-1 NSSIM_VM_GUEST=1";
  if (const char* extra = std::getenv("NSSIM_VM_APPEND"); extra && *extra) append += std::string(" ") + extra;
  std::vector<std::string> argv = {qemu,
                                   "-nodefaults",
                                   "-no-user-config",
                                   "-display",
                                   "none",
                                   "-no-reboot",
                                   "-m",
                                   "1G",
                                   "-smp",
                                   "2",
                                   "-kernel",
                                   k->vmlinuz,
                                   "-initrd",
                                   "/proc/self/fd/3",
                                   "-append",
                                   append,
                                   "-serial",
                                   "file:" + console.string(),
                                   "-serial",
                                   "stdio"};
  argv.insert(argv.end(), {"-accel", accel});
  int outp[2];
  if (pipe2(outp, O_CLOEXEC) < 0) return 3;
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid < 0) return 3;
  if (pid == 0) {
    setpgid(0, 0);                     // not in the terminal's group: Ctrl-C stops nssim, which takes qemu down
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // nssim killed: qemu goes too
    int nul = open("/dev/null", O_RDWR);
    dup2(nul, 0);
    dup2(outp[1], 1);
    dup2(initrd_fd, 3);  // -initrd /proc/self/fd/3
    int errfd = open(qemu_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(errfd, 2);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  close(outp[1]);
  close(initrd_fd);
  const int boot_timeout_s =
      std::getenv("NSSIM_VM_BOOT_TIMEOUT") ? std::atoi(std::getenv("NSSIM_VM_BOOT_TIMEOUT")) : 180;
  const int silence_timeout_s = 120;  // the guest beats every 5 s while a run is silent
  std::string buf, failure;
  bool hello = false, done = false;
  std::string release;
  std::vector<int> exits(job.runs.size(), -1);
  std::vector<Relay> relays;
  for (auto& r : job.runs) relays.emplace_back(r, job.json);
  auto last = Clock::now();
  double boot_s = 0;
  char rbuf[65536];
  while (true) {
    auto now = Clock::now();
    int limit = hello ? silence_timeout_s : boot_timeout_s;
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count();
    if (waited >= limit * 1000) {
      failure = hello ? fmt::format("the guest said nothing for {} s: stopped it", limit)
                      : fmt::format("the kernel did not reach nssim within {} s: stopped it", limit);
      kill(-pid, SIGKILL);
      break;
    }
    pollfd pf{outp[0], POLLIN, 0};
    int pr = poll(&pf, 1, static_cast<int>(limit * 1000 - waited));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) continue;
    ssize_t r = read(outp[0], rbuf, sizeof rbuf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // qemu exited (or closed its serial)
    buf.append(rbuf, r);
    for (auto& f : decode_frames(buf)) {
      last = Clock::now();
      if (f.kind == "hello") {
        hello = true;
        boot_s = std::chrono::duration<double>(last - t0).count();
        auto j = nlohmann::json::parse(f.data, nullptr, false);
        release = j.is_discarded() ? "?" : j.value("release", "?");
        fmt::print(stderr, "nssim: --vm {}: Linux {} ({} {} from Debian {}) booted under qemu ({}) in {:.1f} s\n",
                   job.version, release, k->package, k->pkg_version, k->suite, accel, boot_s);
        if (!j.is_discarded() && !j.value("ns", "").empty())
          fmt::print(stderr, "nssim: --vm {}: the guest's initial namespaces (/proc/1/ns): {}\n", job.version,
                     j.value("ns", ""));
        if (!j.is_discarded() && !j.value("mounts", "").empty())
          fmt::print(stderr, "nssim: --vm {}: in the guest: {}", job.version, j.value("mounts", ""));
      } else if (f.run >= 0 && f.run < static_cast<int>(relays.size()) && f.kind == "out") {
        relays[f.run].out(f.data);
      } else if (f.run >= 0 && f.run < static_cast<int>(relays.size()) && f.kind == "err") {
        std::fflush(stdout);
        std::fwrite(f.data.data(), 1, f.data.size(), stderr);
      } else if (f.kind == "exit" && f.run >= 0 && f.run < static_cast<int>(exits.size())) {
        relays[f.run].finish();
        exits[f.run] = std::atoi(f.data.c_str());
      } else if (f.kind == "file") {
        auto nl = f.data.find('\n');
        fs::path p = f.data.substr(0, nl);
        std::error_code ec;
        fs::create_directories(p.parent_path(), ec);
        std::ofstream(p, std::ios::binary) << f.data.substr(nl + 1);
      } else if (f.kind == "fatal") {
        failure = "the guest's init failed: " + f.data;
      } else if (f.kind == "done") {
        done = true;
      }
    }
  }
  close(outp[0]);
  int status = 0;
  // qemu powers off when the guest does; give it a moment, then stop it.
  for (int i = 0; i < 100; i++) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      break;
    }
    usleep(50000);
  }
  if (pid > 0) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  double total_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!done) {
    if (failure.empty())
      failure = hello ? "the guest stopped before finishing (kernel panic or power off)"
                      : "qemu exited before the kernel reached nssim";
    // A panic says why in one line: put it first.
    std::ifstream cf(console);
    for (std::string l; std::getline(cf, l);)
      if (auto p = l.find("Kernel panic - not syncing: "); p != std::string::npos) {
        while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.pop_back();
        failure += " (" + l.substr(p) + ")";
        break;
      }
    std::string qlog = tail_lines(qemu_log.string(), 10);
    fmt::print(stderr, "{}: --vm {}: {}\nkernel console (last lines; all of it: {}):\n{}{}", job.command, job.version,
               failure, console.string(), tail_lines(console.string(), 40),
               qlog == "  | (nothing)\n" ? "" : "qemu:\n" + qlog);
    return 3;
  }
  fmt::print(stderr, "nssim: --vm {}: {} run{} in {:.1f} s (boot {:.1f} s)\n", job.version, job.runs.size(),
             job.runs.size() == 1 ? "" : "s", total_s, boot_s);
  int worst = 0;
  for (int rc : exits)
    if (severity(rc < 0 ? 3 : rc) > severity(worst)) worst = rc < 0 ? 3 : rc;
  return worst;
}

}  // namespace nssim::vm
