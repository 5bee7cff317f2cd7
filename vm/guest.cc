// The guest's /init: nssim itself, run by the kernel as pid 1 (vm/README.md).
#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vm/vm.h"

namespace fs = std::filesystem;

namespace nssim::vm {

bool is_guest() { return getpid() == 1 && std::getenv("NSSIM_VM_GUEST") != nullptr; }

namespace {

int chan = -1;  // /dev/ttyS1, raw

void send(const std::string& kind, int run, const std::string& data) {
  std::string f = encode_frame(kind, run, data);
  const char* p = f.data();
  size_t left = f.size();
  while (left) {
    ssize_t n = write(chan, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= n;
  }
}

[[noreturn]] void power_off() {
  if (chan >= 0) tcdrain(chan);
  sync();
  reboot(RB_POWER_OFF);
  _exit(0);
}

[[noreturn]] void fail(const std::string& what) {
  // The console (ttyS0) is the host's log; the channel tells the host why.
  std::fprintf(stderr, "nssim guest: %s\n", what.c_str());
  if (chan >= 0) send("fatal", 0, what);
  power_off();
}

std::string mounts_note;

void mount_one(const char* src, const char* dir, const char* type, unsigned long flags, const char* data,
               bool required) {
  mkdir(dir, 0755);
  if (mount(src, dir, type, flags, data) != 0) {
    std::string m = std::string("mount ") + type + " on " + dir + ": " + std::strerror(errno);
    if (required) fail(m);
    mounts_note += m + "\n";
  }
}

int run_one(int index, const std::vector<std::string>& args) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) fail(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> a;
    std::string prog = "nssim";
    a.push_back(prog.data());
    for (auto& s : args) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    unsetenv("NSSIM_VM_GUEST");
    execv("/bin/nssim", a.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[16384];
  auto last = std::chrono::steady_clock::now();
  while (open_fds) {
    int n = poll(fds, 2, 5000);
    if (n < 0 && errno != EINTR) break;
    auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(5)) {  // the host's watchdog: still alive
      send("beat", index, "");
      last = now;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        send(i == 0 ? "out" : "err", index, std::string(buf, r));
        last = now;
      } else if (r == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Orphans of the run (pid 1 inherits them): reap what is left.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

// The kernel's rootfs cannot be pivot_root()ed away or moved (pivot_root(2):
// EINVAL on the rootfs), so scenarios that chroot, pivot_root or bind-mount
// over / would meet an artifact of the VM, not the kernel's rule. Copy the
// initramfs into a tmpfs and make that the root, as switch_root does.
void copy_tree(const fs::path& from, const fs::path& to) {
  for (auto& e : fs::directory_iterator(from)) {
    fs::path dst = to / e.path().filename();
    struct stat st;
    if (lstat(e.path().c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (e.path() == "/newroot") continue;
      mkdir(dst.c_str(), st.st_mode & 07777);
      chmod(dst.c_str(), st.st_mode & 07777);
      copy_tree(e.path(), dst);
    } else if (S_ISLNK(st.st_mode)) {
      fs::copy_symlink(e.path(), dst);
    } else if (S_ISREG(st.st_mode)) {
      fs::copy_file(e.path(), dst);
      chmod(dst.c_str(), st.st_mode & 07777);
    } else {
      mknod(dst.c_str(), st.st_mode, st.st_rdev);
    }
  }
}

void switch_root() {
  mkdir("/newroot", 0755);
  if (mount("tmpfs", "/newroot", "tmpfs", 0, "mode=0755") != 0)
    fail(std::string("mount tmpfs /newroot: ") + std::strerror(errno));
  try {
    copy_tree("/", "/newroot");
  } catch (const std::exception& e) {
    fail(std::string("copying the initramfs: ") + e.what());
  }
  if (chdir("/newroot") != 0 || mount(".", "/", nullptr, MS_MOVE, nullptr) != 0 || chroot(".") != 0 || chdir("/") != 0)
    fail(std::string("switching to the tmpfs root: ") + std::strerror(errno));
}

void guest_main() {
  switch_root();
  mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true);
  mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true);
  mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", true);
  // /tmp and /run stay the initramfs's own directories (rootfs is a tmpfs, writable):
  // a tmpfs mounted over them would hide the FILEs the host put under /tmp.
  mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, false);
  mount_one("bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700", false);
  mount_one("debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, false);
  mount_one("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, false);
  // The directories scenarios create files under (sim: kCreatedPathRoots), as
  // a Debian machine has them: --real covers each that exists with a private
  // tmpfs, and its agents refuse (EXDEV) to create anything elsewhere.
  for (const char* d : {"/run", "/srv", "/mnt", "/media"}) mkdir(d, 0755);
  mkdir("/dev/pts", 0755);
  mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620");
  mkdir("/dev/shm", 01777);
  mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  setenv("PATH", "/bin:/usr/bin:/sbin:/usr/sbin", 1);
  setenv("HOME", "/root", 1);
  sethostname("nssim-vm", 8);

  chan = open("/dev/ttyS1", O_RDWR | O_NOCTTY);
  if (chan < 0) fail(std::string("open /dev/ttyS1 (the channel to the host): ") + std::strerror(errno));
  termios t{};
  if (tcgetattr(chan, &t) == 0) {
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    tcsetattr(chan, TCSANOW, &t);
  }
  utsname u{};
  uname(&u);
  // The initial namespaces as this kernel numbers them (ls -l /proc/1/ns): the
  // host shows them, e.g. 6.1's dynamic mnt:[4026531841] and net:[4026531840].
  std::string ns;
  std::error_code ec;
  std::vector<std::string> links;
  for (auto& e : fs::directory_iterator("/proc/1/ns", ec)) {
    char target[256];
    ssize_t n = readlink(e.path().c_str(), target, sizeof target - 1);
    // "mnt:[4026531841]"; pid_for_children and time_for_children by their own names.
    std::string t(target, n > 0 ? n : 0);
    if (n > 0 && t.find(':') != std::string::npos)
      links.push_back(e.path().filename().string() + t.substr(t.find(':')));
  }
  std::sort(links.begin(), links.end());
  for (auto& l : links) ns += (ns.empty() ? "" : " ") + l;
  nlohmann::json hello = {{"release", u.release}, {"version", u.version}, {"mounts", mounts_note}, {"ns", ns}};
  send("hello", 0, hello.dump());

  std::ifstream jf("/vm/job.json");
  nlohmann::json job = nlohmann::json::parse(jf, nullptr, false);
  if (job.is_discarded() || !job.contains("runs")) fail("/vm/job.json is missing or unreadable");
  std::string cwd = job.value("cwd", "/");
  fs::create_directories(cwd);
  if (chdir(cwd.c_str()) != 0) fail("chdir " + cwd + ": " + std::strerror(errno));
  int index = 0;
  for (auto& r : job["runs"]) {
    int rc = run_one(index, r["argv"].get<std::vector<std::string>>());
    send("exit", index, std::to_string(rc));
    index++;
  }
  if (job.contains("collect")) {
    std::string dir = job["collect"];
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::ifstream f(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      send("file", 0, it->path().string() + "\n" + ss.str());
    }
  }
  send("done", 0, "");
  power_off();
}

}  // namespace nssim::vm
