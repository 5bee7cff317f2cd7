// The initramfs the guest boots from (cpio newc, written here) and the
// guest -> host frames.
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "vm/vm.h"

namespace fs = std::filesystem;

namespace nssim::vm {

namespace {

void pad4(std::string& s) {
  while (s.size() % 4) s += '\0';
}

bool slurp(const std::string& path, std::string& out, std::string& err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    err = fmt::format("cannot read '{}': {}", path, std::strerror(errno));
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

// Runs argv, returns its standard output (nullopt when it cannot run or fails).
std::optional<std::string> capture(const std::vector<std::string>& argv, int& status) {
  int p[2];
  if (pipe(p) < 0) return std::nullopt;
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  close(p[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buf, n);
  }
  close(p[0]);
  waitpid(pid, &status, 0);
  return out;
}

}  // namespace

std::string write_cpio(const std::vector<CpioEntry>& entries) {
  std::string out;
  uint32_t ino = 1;
  auto put = [&](const std::string& name, uint32_t mode, const std::string& data, uint32_t maj, uint32_t min) {
    out += fmt::format("070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}", ino++,
                       mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, data.size(), 0, 0, maj, min, name.size() + 1, 0);
    out += name;
    out += '\0';
    pad4(out);
    out += data;
    pad4(out);
  };
  for (auto& e : entries) put(e.name, e.mode, e.data, e.rdev_major, e.rdev_minor);
  put("TRAILER!!!", 0, "", 0, 0);
  return out;
}

std::optional<std::vector<CpioEntry>> read_cpio(const std::string& a, std::string& err) {
  std::vector<CpioEntry> v;
  size_t pos = 0;
  auto hex = [&](size_t off) { return static_cast<uint32_t>(std::stoul(a.substr(pos + off, 8), nullptr, 16)); };
  while (true) {
    if (pos + 110 > a.size() || a.compare(pos, 6, "070701") != 0) {
      err = fmt::format("not a cpio newc header at byte {}", pos);
      return std::nullopt;
    }
    CpioEntry e;
    e.mode = hex(14);
    uint32_t size = hex(54), namesize = hex(94);
    e.rdev_major = hex(78);
    e.rdev_minor = hex(86);
    if (namesize == 0 || pos + 110 + namesize > a.size()) {
      err = "truncated cpio name";
      return std::nullopt;
    }
    e.name = a.substr(pos + 110, namesize - 1);
    pos += 110 + namesize;
    pos = (pos + 3) & ~size_t(3);
    if (pos + size > a.size()) {
      err = "truncated cpio data";
      return std::nullopt;
    }
    e.data = a.substr(pos, size);
    pos += size;
    pos = (pos + 3) & ~size_t(3);
    if (e.name == "TRAILER!!!") return v;
    v.push_back(std::move(e));
  }
}

std::optional<std::vector<std::string>> shared_libraries(const std::string& exe, std::string& err) {
  int status = 0;
  auto out = capture({"ldd", exe}, status);
  if (!out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // A static binary: ldd says "not a dynamic executable" and fails.
    if (out && out->find("not a dynamic executable") != std::string::npos) return std::vector<std::string>{};
    err = fmt::format("ldd {} failed (is libc-bin installed?)", exe);
    return std::nullopt;
  }
  std::vector<std::string> libs;
  std::istringstream in(*out);
  for (std::string line; std::getline(in, line);) {
    // "\tlibfmt.so.9 => /lib/x86_64-linux-gnu/libfmt.so.9 (0x...)", "\t/lib64/ld-linux-x86-64.so.2 (0x...)",
    // "\tlinux-vdso.so.1 (0x...)" (in the kernel: nothing to copy), "\tlibx.so => not found".
    if (line.find("not found") != std::string::npos) {
      err = fmt::format("ldd {}: {}", exe, line);
      return std::nullopt;
    }
    std::string path;
    if (auto arrow = line.find("=> "); arrow != std::string::npos)
      path = line.substr(arrow + 3);
    else
      path = line.substr(line.find_first_not_of(" \t"));
    path = path.substr(0, path.find(" ("));
    if (!path.empty() && path[0] == '/') libs.push_back(path);
  }
  return libs;
}

std::optional<std::string> build_initramfs(const Job& job, const std::string& exe, std::string& err) {
  std::map<std::string, CpioEntry> files;  // by name: parents first when written in order
  std::set<std::string> dirs;
  auto add_dirs = [&](const fs::path& p) {
    fs::path cur;
    for (auto it = p.begin(); it != p.end(); ++it) {
      if (*it == "/") continue;
      cur /= *it;
      dirs.insert(cur.string());
    }
  };
  auto add = [&](CpioEntry e) {
    fs::path p(e.name);
    if (p.has_parent_path()) add_dirs(p.parent_path());
    files[e.name] = std::move(e);
  };
  auto add_file = [&](const std::string& host_path, const std::string& name, uint32_t perm) {
    CpioEntry e;
    e.name = name;
    e.mode = S_IFREG | perm;
    if (!slurp(host_path, e.data, err)) return false;
    add(std::move(e));
    return true;
  };
  for (auto d : {"dev", "proc", "sys", "tmp", "run", "root", "etc", "vm", "bin"}) dirs.insert(d);
  if (!add_file(exe, "bin/nssim", 0755)) return std::nullopt;
  add({"init", S_IFLNK | 0777, "/bin/nssim"});
  auto libs = shared_libraries(exe, err);
  if (!libs) return std::nullopt;
  for (auto& lib : *libs)
    if (!add_file(lib, lib.substr(1), 0755)) return std::nullopt;
  // Enough of /etc for getpwuid() and friends: root and nobody.
  add({"etc/passwd", S_IFREG | 0644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"});
  add({"etc/group", S_IFREG | 0644, "root:x:0:\nnogroup:x:65534:\n"});
  add({"dev/console", S_IFCHR | 0600, "", 5, 1});
  // The inputs at their absolute paths: the guest runs in the same working
  // directory, so relative names and messages read as they do here.
  for (auto& in : job.inputs) {
    std::error_code ec;
    fs::path abs = fs::absolute(in, ec).lexically_normal();
    for (auto sys : {"/proc", "/sys", "/dev"})
      if (abs == sys || abs.string().rfind(std::string(sys) + "/", 0) == 0) {
        err = fmt::format("'{}' is under {}, which the guest's kernel fills itself: copy it elsewhere first", in, sys);
        return std::nullopt;
      }
    if (fs::is_directory(abs, ec)) {
      for (auto it = fs::recursive_directory_iterator(abs, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && !add_file(it->path().string(), it->path().string().substr(1), 0644))
          return std::nullopt;
        if (it->is_directory()) dirs.insert(it->path().string().substr(1));
      }
      dirs.insert(abs.string().substr(1));
      add_dirs(abs);
      if (ec) {
        err = fmt::format("cannot read '{}': {}", in, ec.message());
        return std::nullopt;
      }
    } else if (!add_file(in, abs.string().substr(1), 0644)) {
      return std::nullopt;
    }
  }
  nlohmann::json j;
  j["cwd"] = fs::current_path().string();
  add_dirs(fs::current_path());
  j["runs"] = nlohmann::json::array();
  for (auto& r : job.runs) j["runs"].push_back({{"argv", r.argv}});
  if (!job.collect_dir.empty()) j["collect"] = fs::absolute(job.collect_dir).lexically_normal().string();
  add({"vm/job.json", S_IFREG | 0644, j.dump(2) + "\n"});
  std::vector<CpioEntry> all;
  for (auto& d : dirs) all.push_back({d, S_IFDIR | (d == "tmp" ? 01777u : 0755u), ""});  // sorted: parents first
  for (auto& [name, e] : files) all.push_back(std::move(e));
  return write_cpio(all);
}

std::string encode_frame(const std::string& kind, int run, const std::string& data) {
  return fmt::format("@NSSIM {} {} {}\n", kind, run, data.size()) + data;
}

std::vector<Frame> decode_frames(std::string& buf) {
  std::vector<Frame> frames;
  size_t pos = 0;
  while (true) {
    size_t at = buf.find("@NSSIM ", pos);
    if (at == std::string::npos) {
      // Keep a possible start of a header.
      pos = buf.size() > 6 ? buf.size() - 6 : 0;
      break;
    }
    size_t nl = buf.find('\n', at);
    if (nl == std::string::npos) {
      pos = at;
      break;
    }
    std::istringstream h(buf.substr(at + 7, nl - at - 7));
    Frame f;
    size_t len = 0;
    if (!(h >> f.kind >> f.run >> len)) {  // not a header: skip it
      pos = nl + 1;
      continue;
    }
    if (buf.size() < nl + 1 + len) {
      pos = at;
      break;
    }
    f.data = buf.substr(nl + 1, len);
    frames.push_back(std::move(f));
    pos = nl + 1 + len;
  }
  buf.erase(0, pos);
  return frames;
}

}  // namespace nssim::vm
