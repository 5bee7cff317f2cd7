// --vm (vm/): the initramfs nssim builds for the guest, the cpio writer, the
// guest -> host frames, and the command line. Booting a kernel is the
// separate ctest `vm_boot` (tests/vm_boot_test.sh), skipped without qemu.
#include "vm/vm.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;
using nssim::vm::CpioEntry;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CmdResult {
  int rc;
  std::string out;
};
CmdResult run_cmd(const std::string& cmd) {
  CmdResult r{-1, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST(VmCpio, WritesNewcThatReadsBack) {
  std::vector<CpioEntry> in = {{"bin", S_IFDIR | 0755, ""},
                               {"bin/x", S_IFREG | 0755, std::string("ab\0c", 4)},
                               {"init", S_IFLNK | 0777, "/bin/x"},
                               {"dev/console", S_IFCHR | 0600, "", 5, 1}};
  std::string a = nssim::vm::write_cpio(in);
  // newc: "070701", every header and every data start on a 4-byte boundary, then the trailer.
  EXPECT_EQ(a.substr(0, 6), "070701");
  EXPECT_EQ(a.size() % 4, 0u);
  EXPECT_NE(a.find("TRAILER!!!"), std::string::npos);
  std::string err;
  auto out = nssim::vm::read_cpio(a, err);
  ASSERT_TRUE(out) << err;
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); i++) {
    EXPECT_EQ((*out)[i].name, in[i].name);
    EXPECT_EQ((*out)[i].mode, in[i].mode);
    EXPECT_EQ((*out)[i].data, in[i].data);
  }
  EXPECT_EQ((*out)[3].rdev_major, 5u);
  EXPECT_EQ((*out)[3].rdev_minor, 1u);
}

TEST(VmFrames, DecodeKeepsPartialFramesAndSkipsNoise) {
  std::string wire = "noise\n" + nssim::vm::encode_frame("out", 2, "line 1\n@NSSIM not a frame\n") +
                     nssim::vm::encode_frame("exit", 2, "1");
  std::vector<nssim::vm::Frame> got;
  std::string buf;
  for (char c : wire) {  // one byte at a time, as a slow serial line may deliver them
    buf += c;
    for (auto& f : nssim::vm::decode_frames(buf)) got.push_back(f);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, "out");
  EXPECT_EQ(got[0].run, 2);
  EXPECT_EQ(got[0].data, "line 1\n@NSSIM not a frame\n");  // a frame's bytes are data, whatever they hold
  EXPECT_EQ(got[1].kind, "exit");
  EXPECT_EQ(got[1].data, "1");
}

TEST(VmInitramfs, HoldsNssimItsLibrariesTheFilesAndTheJob) {
  fs::current_path(NSSIM_SOURCE_DIR);
  nssim::vm::Job job;
  job.version = "6.1";
  job.runs.push_back({{"trace", "--real", "examples/01-proc-ns-identity.nss"}, "examples/01-proc-ns-identity.nss"});
  job.inputs = {"examples/01-proc-ns-identity.nss", "labs/01-proc-ns-identity"};
  std::string err;
  auto archive = nssim::vm::build_initramfs(job, NSSIM_BINARY, err);
  ASSERT_TRUE(archive) << err;
  auto entries = nssim::vm::read_cpio(*archive, err);
  ASSERT_TRUE(entries) << err;
  std::map<std::string, CpioEntry> by;
  std::set<std::string> seen_dirs;
  for (auto& e : *entries) {
    // Every entry's directory comes before it (the kernel does not create parents).
    auto parent = fs::path(e.name).parent_path().string();
    if (!parent.empty()) EXPECT_TRUE(seen_dirs.count(parent)) << e.name << " before " << parent;
    if (S_ISDIR(e.mode)) seen_dirs.insert(e.name);
    EXPECT_FALSE(by.count(e.name)) << "twice: " << e.name;
    by[e.name] = e;
  }
  // /init is nssim: the binary, byte for byte, and a symlink to it.
  ASSERT_TRUE(by.count("init"));
  EXPECT_TRUE(S_ISLNK(by["init"].mode));
  EXPECT_EQ(by["init"].data, "/bin/nssim");
  ASSERT_TRUE(by.count("bin/nssim"));
  EXPECT_EQ(by["bin/nssim"].data, slurp(NSSIM_BINARY));
  EXPECT_EQ(by["bin/nssim"].mode & 0777, 0755u);
  // Every library ldd lists, and the dynamic loader, at its path.
  auto libs = nssim::vm::shared_libraries(NSSIM_BINARY, err);
  ASSERT_TRUE(libs) << err;
  bool loader = false, libc = false;
  for (auto& l : *libs) {
    ASSERT_TRUE(by.count(l.substr(1))) << l;
    EXPECT_EQ(by[l.substr(1)].data, slurp(l)) << l;
    loader |= l.find("ld-linux") != std::string::npos;
    libc |= fs::path(l).filename() == "libc.so.6";
  }
  EXPECT_TRUE(loader);
  EXPECT_TRUE(libc);
  // The inputs at their absolute paths: a file and a whole lab directory.
  std::string ex = (fs::path(NSSIM_SOURCE_DIR) / "examples/01-proc-ns-identity.nss").string().substr(1);
  ASSERT_TRUE(by.count(ex));
  EXPECT_EQ(by[ex].data, slurp("examples/01-proc-ns-identity.nss"));
  std::string lab = (fs::path(NSSIM_SOURCE_DIR) / "labs/01-proc-ns-identity/lab.nss").string().substr(1);
  EXPECT_TRUE(by.count(lab));
  EXPECT_TRUE(S_ISDIR(by[(fs::path(NSSIM_SOURCE_DIR) / "labs/01-proc-ns-identity").string().substr(1)].mode));
  // What the kernel opens before /init mounts devtmpfs.
  ASSERT_TRUE(by.count("dev/console"));
  EXPECT_TRUE(S_ISCHR(by["dev/console"].mode));
  EXPECT_EQ(by["dev/console"].rdev_major, 5u);
  EXPECT_EQ(by["dev/console"].rdev_minor, 1u);
  for (auto d : {"proc", "sys", "tmp", "run", "dev"}) EXPECT_TRUE(by.count(d) && S_ISDIR(by[d].mode)) << d;
  // The job: the guest's working directory is ours, and the runs as given.
  ASSERT_TRUE(by.count("vm/job.json"));
  auto j = nlohmann::json::parse(by["vm/job.json"].data);
  EXPECT_EQ(j["cwd"], fs::current_path().string());
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["argv"], nlohmann::json({"trace", "--real", "examples/01-proc-ns-identity.nss"}));
  EXPECT_FALSE(j.contains("collect"));
}

TEST(VmInitramfs, MissingInputIsAnError) {
  nssim::vm::Job job;
  job.inputs = {"/nonexistent/x.nss"};
  std::string err;
  EXPECT_FALSE(nssim::vm::build_initramfs(job, NSSIM_BINARY, err));
  EXPECT_NE(err.find("cannot read '/nonexistent/x.nss'"), std::string::npos) << err;
}

TEST(VmCli, VmNeedsRealAndSeveralFilesNeedVm) {
  std::string bin = NSSIM_BINARY;
  std::string ex = std::string(NSSIM_SOURCE_DIR) + "/examples/01-proc-ns-identity.nss";
  auto r = run_cmd(bin + " trace --vm 6.1 " + ex);
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("--vm requires --real"), std::string::npos) << r.out;
  r = run_cmd(bin + " trace " + ex + " " + ex);
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("give one scenario FILE (several with --real --vm VERSION)"), std::string::npos) << r.out;
  r = run_cmd("echo | " + bin + " trace --real --vm 6.1 -");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("standard input, is not sent to the guest"), std::string::npos) << r.out;
  r = run_cmd(bin + " lab check --vm 6.1 " + ex);
  EXPECT_EQ(r.rc, 2) << r.out;
  r = run_cmd(bin + " fuzz --vm 6.1");
  EXPECT_EQ(r.rc, 2) << r.out;
}

TEST(VmCli, BadVersionIsExit3WithAReason) {
  std::string bin = NSSIM_BINARY;
  std::string ex = std::string(NSSIM_SOURCE_DIR) + "/examples/01-proc-ns-identity.nss";
  auto r = run_cmd("PATH=/usr/bin:/bin " + bin + " trace --real --vm six " + ex);
  EXPECT_EQ(r.rc, 3) << r.out;
  // Without qemu the first complaint is qemu; with it, the version.
  EXPECT_TRUE(r.out.find("give a kernel version as MAJOR.MINOR") != std::string::npos ||
              r.out.find("qemu-system-x86_64 is not installed") != std::string::npos)
      << r.out;
}

TEST(VmRelay, EachSummaryNamesItsFile) {
  using nssim::vm::name_summary;
  EXPECT_EQ(name_summary("summary: 14 steps, 3 calls; live kernel: 0 disagreements\n", "examples/01.nss", false),
            "summary (examples/01.nss): 14 steps, 3 calls; live kernel: 0 disagreements\n");
  EXPECT_EQ(name_summary("  1  line 5    init: clone(0) -> a  = a\n", "x.nss", false),
            "  1  line 5    init: clone(0) -> a  = a\n");
  // --json: the summary object (whatever key comes first) gets "file"; step objects do not.
  auto j = nlohmann::json::parse(
      name_summary("{\"kernel_structures\":{\"nsproxy_counts\":8},\"summary\":{\"steps\":14}}\n", "x.nss", true));
  EXPECT_EQ(j["file"], "x.nss");
  EXPECT_EQ(j["summary"]["steps"], 14);
  std::string step = "{\"step\":1,\"call\":\"clone\",\"hostname\":\"\\\"summary\\\":{\"}\n";
  EXPECT_EQ(name_summary(step, "x.nss", true), step);
}
