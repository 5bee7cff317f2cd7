// --vm VERSION: run nssim --real on another kernel, a Debian kernel package
// booted under qemu-system-x86_64 (vm/README.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nssim::vm {

// One nssim invocation in the guest: its arguments after the program name
// ("trace", "--real", ..., FILE). `file` names the scenario whose summary it
// prints (trace: the summary line and --json's summary object get its name).
struct GuestRun {
  std::vector<std::string> argv;
  std::string file;  // empty: the output is passed through unchanged
};

// What `nssim ... --vm VERSION` asks for.
struct Job {
  std::string version;         // "6.1", "6.12", ...
  std::vector<GuestRun> runs;  // one boot runs them all, in order
  std::vector<std::string>
      inputs;               // files and directories the runs read, copied into the guest at the same absolute path
  std::string collect_dir;  // a directory the runs write (fuzz --out), copied back to the host afterwards
  bool json = false;        // the runs print JSON Lines (their summary objects get a "file" key)
  std::string command = "nssim";  // for messages: "nssim trace", "nssim fuzz"...
};

// Boots the kernel for job.version and runs the job there; prints the guest
// runs' output as if they ran here. Returns the worst exit status of the runs
// (3 > 2 > 1 > 0), or 3 when the kernel cannot be fetched or booted (after a
// clear message, and the kernel's console output when it booted at all).
int run(const Job& job);

// ---- the pieces, for tests and for the guest ----

// One line of a guest `nssim trace` run's stdout as the host prints it: text
// "summary: ..." becomes "summary (FILE): ..."; with `json`, the summary object
// gets a "file" key. Other lines are unchanged.
std::string name_summary(const std::string& line, const std::string& file, bool json);

// $XDG_CACHE_HOME/nssim, else $HOME/.cache/nssim.
std::string cache_dir();

// A kernel fetched and unpacked: vmlinuz and its config.
struct Kernel {
  std::string version;      // as asked: "6.1"
  std::string package;      // linux-image-6.1.0-41-amd64
  std::string pkg_version;  // 6.1.158-1
  std::string suite;        // bookworm
  std::string vmlinuz;      // path in the cache
  std::string config;       // path in the cache (may be empty)
};
// Fetches (apt, a private configuration under the cache) or finds in the cache
// the Debian kernel for `version`. Progress and apt's log go to stderr when
// `verbose`. nullopt with `err` set when it cannot.
std::optional<Kernel> fetch_kernel(const std::string& version, std::string& err);

// The shared libraries and dynamic loader `ldd exe` lists (absolute paths).
std::optional<std::vector<std::string>> shared_libraries(const std::string& exe, std::string& err);

// cpio "newc" archives (what the kernel unpacks as initramfs).
struct CpioEntry {
  std::string name;   // without leading '/'
  uint32_t mode = 0;  // with the file type bits (S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR)
  std::string data;   // file content, or symlink target
  uint32_t rdev_major = 0, rdev_minor = 0;
};
std::string write_cpio(const std::vector<CpioEntry>& entries);
std::optional<std::vector<CpioEntry>> read_cpio(const std::string& archive, std::string& err);

// Builds the initramfs for `job`: the nssim binary `exe` as /bin/nssim and
// /init, its shared libraries and loader, the job's inputs at their absolute
// paths, /vm/job.json. nullopt with `err` when a file cannot be read.
std::optional<std::string> build_initramfs(const Job& job, const std::string& exe, std::string& err);

// The guest side: true when this process is the guest's /init (pid 1 with
// NSSIM_VM_GUEST in its environment, set on the kernel command line).
bool is_guest();
// Mounts what nssim --real needs, runs /vm/job.json's runs, sends their output
// to the host over /dev/ttyS1 and powers the machine off. Never returns.
[[noreturn]] void guest_main();

// Frames on the guest -> host channel: "@NSSIM KIND RUN LEN\n" then LEN bytes.
struct Frame {
  std::string kind;  // hello, out, err, exit, file, beat, done
  int run = 0;
  std::string data;
};
std::string encode_frame(const std::string& kind, int run, const std::string& data);
// Appends `bytes` to `buf` and pops every complete frame from its front.
std::vector<Frame> decode_frames(std::string& buf);

}  // namespace nssim::vm
