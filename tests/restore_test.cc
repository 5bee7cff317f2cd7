// Restoring a snapshot into the model (sim/restore.h, real::restore_input()):
// the restored kernel mirrors the snapshot (links, inums, levels, nsproxy
// sharing), its refcounts come from the model's own holders (the ledger
// accounts for each), and it lives and dies by the model's rules ("what if the
// container's init exits?").
//
// tests/data/restore/container.json was taken by make-container-snapshot.sh in
// a sandbox on Linux 6.18 with BPF. Hand-checked content (pids in the sandbox):
//   p1  the script (sandbox pid 1), in the sandbox's initial namespaces;
//   p6  `unshare`: in the container's net/uts/ipc/mnt, pid_for_children = the
//       container's pid namespace; p8 (container init, pid 1 there) and p9 (its
//       child, pid 2 there) share p6's nsproxy (BPF id ce873e2213db691d);
//   net:[4026532184] (container) is also bind-mounted at /run/netns/c;
//   uts:[4026532181] (container) is also held by fd 7 of p15;
//   net:[4026532253] no process is in, held only by fd 7 of p16;
//   p17 in user:[4026532322] (uid_map "0 0 1") owning uts:[4026532323].
#include "sim/restore.h"

#include <gmock/gmock.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "real/snapshot.h"
#include "sim/runner.h"
#include "tests/bundled.h"

namespace nssim {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kData = std::string(NSSIM_SOURCE_DIR) + "/tests/data/restore/";

real::Snapshot load(const std::string& path) {
  std::ifstream f(path);
  nlohmann::json j = nlohmann::json::parse(f);
  std::string err;
  auto s = real::snapshot_from_json(j, err);
  EXPECT_TRUE(s) << err;
  return s ? *s : real::Snapshot{};
}

Restored restore(const real::Snapshot& s) {
  auto r = restore_kernel(real::restore_input(s), Kernel::Config{});
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  if (!r) std::abort();
  return std::move(*r);
}

Task* task_named(const Restored& r, const std::string& name) {
  for (auto& [n, id] : r.names)
    if (n == name) return r.kernel->task(id);
  return nullptr;
}

const NsCommon* ns_by_inum(const Kernel& k, uint32_t inum) {
  for (auto& rec : k.ns_records())
    if (rec.ns && rec.inum == inum) return rec.ns;
  return nullptr;
}

// Every live namespace's refcount is what its holders in the ledger account for.
void expect_ledger_balanced(const Kernel& k) {
  auto all = k.all_holders();
  for (auto& rec : k.ns_records()) {
    if (!rec.ns) continue;
    std::string who;
    for (auto& h : all[rec.ns->serial]) who += h.what + "; ";
    EXPECT_EQ(all[rec.ns->serial].size(), rec.ns->refs()) << k.ns_str(rec.ns) << " held by: " << who;
  }
}

class RestoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { snap = load(kData + "container.json"); }
  real::Snapshot snap;
};

TEST_F(RestoreFixture, EveryLinkHasTheSnapshotsInode) {
  Restored r = restore(snap);
  int checked = 0;
  for (auto& t : snap.tasks) {
    Task* mt = task_named(r, restored_task_name(t.pid, t.tid));
    ASSERT_NE(mt, nullptr) << "p" << t.pid << " not restored";
    for (int i = 0; i < kLinks; ++i) {
      if (!t.ns[i]) continue;
      NsCommon* ns = r.kernel->ns_of_link(mt, kAllLinks[i]);
      ASSERT_NE(ns, nullptr);
      EXPECT_EQ(ns->inum, t.ns[i]) << "p" << t.pid << " " << link_name(kAllLinks[i]);
      ++checked;
    }
    EXPECT_EQ(r.kernel->nspid(mt), t.nspid) << "p" << t.pid;
  }
  EXPECT_EQ(checked, 8 * 10);
  // The snapshot's pid 1 is the model's boot task.
  EXPECT_EQ(task_named(r, "p1"), r.kernel->init_task());
}

TEST_F(RestoreFixture, NsproxiesAreSharedAsTheKernelsWere) {
  Restored r = restore(snap);
  auto nsp = [&](const char* n) { return task_named(r, n)->nsproxy; };
  EXPECT_EQ(nsp("p6"), nsp("p8"));
  EXPECT_EQ(nsp("p6"), nsp("p9"));
  EXPECT_EQ(nsp("p6")->count(), 3u);
  EXPECT_EQ(nsp("p1"), nsp("p15"));
  EXPECT_EQ(nsp("p1"), nsp("p21"));
  EXPECT_NE(nsp("p1"), nsp("p6"));
  EXPECT_NE(nsp("p1"), nsp("p17"));
  EXPECT_EQ(nsp("p1")->count(), 4u);  // p1 p15 p16 p21
  EXPECT_EQ(r.kernel->nsproxies().size(), 3u);
  // The count is the restored tasks using it, not the kernel's number (which
  // also counts tasks that came or went while the snapshot was taken: 5 for p1's).
  auto* p1 = nsp("p1");
  EXPECT_EQ(p1->count(), 4u);
}

TEST_F(RestoreFixture, LevelsOwnersAndParentsFollowTheSnapshot) {
  Restored r = restore(snap);
  const Kernel& k = *r.kernel;
  auto* root = static_cast<const PidNamespace*>(ns_by_inum(k, 4026532179));
  auto* cpid = static_cast<const PidNamespace*>(ns_by_inum(k, 4026532183));
  ASSERT_TRUE(root && cpid);
  EXPECT_TRUE(root->initial);
  EXPECT_EQ(root->level, 1u);  // the sandbox's pid namespace is at level 1 on the host
  EXPECT_EQ(cpid->level, 2u);
  EXPECT_EQ(cpid->parent, root);
  EXPECT_EQ(cpid->child_reaper, task_named(r, "p8"));
  EXPECT_EQ(ns_by_inum(k, 4026531836), nullptr) << "the host's pid namespace is above the root: left out";
  auto* user = static_cast<const UserNamespace*>(ns_by_inum(k, 4026532322));
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->level, 1u);
  ASSERT_EQ(user->uid_map.size(), 1u);
  EXPECT_EQ(user->uid_map[0].first, 0u);
  EXPECT_EQ(user->uid_map[0].lower_first, 0u);
  EXPECT_EQ(user->uid_map[0].count, 1u);
  EXPECT_EQ(ns_by_inum(k, 4026532323)->user_ns, user);
  EXPECT_EQ(task_named(r, "p17")->cred->user_ns, user);
  EXPECT_EQ(task_named(r, "p8")->cred->caps().effective, 0x1fffeffffffULL);  // CapEff from status
}

TEST_F(RestoreFixture, RefcountsAreTheModelsOwnHolders) {
  Restored r = restore(snap);
  const Kernel& k = *r.kernel;
  expect_ledger_balanced(k);
  EXPECT_THAT(k.external_pins(), IsEmpty());
  // Container pid namespace: struct pids of p8 and p9, the shared nsproxy's pid_for_children.
  EXPECT_EQ(ns_by_inum(k, 4026532183)->refs(), 3u);
  // Container net: the nsproxy slot, the nsfs inode (bind mount).
  EXPECT_EQ(ns_by_inum(k, 4026532184)->refs(), 2u);
  // Container uts: the nsproxy slot, the nsfs inode (fd 7 of p15).
  EXPECT_EQ(ns_by_inum(k, 4026532181)->refs(), 2u);
  // The fd-pinned net namespace: only its nsfs inode.
  EXPECT_EQ(ns_by_inum(k, 4026532253)->refs(), 1u);
  EXPECT_EQ(task_named(r, "p16")->files->name_to_fd("fd7"), 7);
}

TEST_F(RestoreFixture, NewNamespacesGetInumsPastTheLargestRestored) {
  Restored r = restore(snap);
  Kernel& k = *r.kernel;
  auto c = k.sys_clone(task_named(r, "p1"), CLONE_NEWNET, "x");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(k.ns_of_link(*c, Link::Net)->inum, 4026532324u);
  expect_ledger_balanced(k);
}

TEST_F(RestoreFixture, LeakCheckerCleanAfterEverythingExits) {
  Restored r = restore(snap);
  Kernel& k = *r.kernel;
  Task* init = k.init_task();
  // Every process but pid 1 exits, children before parents; pid 1 reaps what it can.
  for (int round = 0; round < 8; ++round)
    for (uint32_t id = 1; id < k.task_slots(); ++id) {
      Task* t = k.task(id);
      if (!t) continue;
      if (t->state == TaskState::Running) k.sys_exit(t, 0);
      if (t->state == TaskState::Zombie && t->real_parent) {
        Task* par = t->real_parent;
        if (par->state == TaskState::Running) (void)k.sys_wait4(par, t);
      }
    }
  for (uint32_t id = 1; id < k.task_slots(); ++id) EXPECT_EQ(k.task(id), nullptr) << "task " << id << " left";
  for (size_t fd = 0; init->files && fd < init->files->fdt.size(); ++fd)
    if (init->files->fdt[fd]) (void)k.sys_close(init, static_cast<int>(fd));
  // The bind mount in the root mount namespace stays (as on the kernel); unmount it.
  ASSERT_TRUE(k.sys_umount(init, "/run/netns/c").has_value());
  k.drop_external_pins();
  expect_ledger_balanced(k);
  std::vector<const RefCounted*> allowed = k.boot_objects();
  for (auto* o : k.registry().live())
    if (o->kind() < ObjKind::UtsNamespace || o->kind() > ObjKind::UserNamespace) allowed.push_back(o);
  EXPECT_THAT(k.registry().leaks(allowed), IsEmpty());
}

// A namespace none of whose holders the model has (here: only a socket) is
// kept by an external pin, which the ledger lists; dropping it frees it.
TEST_F(RestoreFixture, ANamespaceOnlyASocketHoldsGetsAnExternalPin) {
  real::Snapshot s = snap;
  std::erase_if(s.fds, [](const real::SnapFd& f) { return f.inum == 4026532253; });
  for (auto& n : s.namespaces)
    if (n.inum == 4026532253) {
      real::SnapHolder h;
      h.kind = real::SnapHolder::Kind::Socket;
      h.pid = 16, h.fd = 3, h.comm = "sleep";
      n.holders = {h};
    }
  Restored r = restore(s);
  Kernel& k = *r.kernel;
  const NsCommon* ns = ns_by_inum(k, 4026532253);
  ASSERT_NE(ns, nullptr);
  ASSERT_EQ(k.external_pins().size(), 1u);
  EXPECT_EQ(k.external_pins()[0].first, ns);
  auto h = k.holders(ns);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_THAT(h[0].what, HasSubstr("external: socket"));
  expect_ledger_balanced(k);
  uint32_t serial = ns->serial;
  k.drop_external_pins();
  EXPECT_EQ(k.ns_records()[serial].ns, nullptr);
}

TEST_F(RestoreFixture, WithoutBpfThreadsOfAProcessShareAndProcessesDoNot) {
  real::Snapshot s = snap;
  s.bpf = false;
  for (auto& t : s.tasks) t.nsproxy = 0;
  Restored r = restore(s);
  EXPECT_NE(task_named(r, "p6")->nsproxy, task_named(r, "p8")->nsproxy);
  EXPECT_EQ(r.kernel->nsproxies().size(), 8u);  // one per process
  expect_ledger_balanced(*r.kernel);
}

TEST_F(RestoreFixture, OlderSnapshotsWithoutNspidOrCredsStillRestore) {
  real::Snapshot s = snap;
  for (auto& t : s.tasks) t.nspid.clear(), t.creds = false;
  Restored r = restore(s);
  // Inner numbers are drawn (lowest free above 1): p9 gets 2, as it had.
  EXPECT_EQ(r.kernel->nspid(task_named(r, "p8")), (std::vector<uint32_t>{8, 1}));
  EXPECT_EQ(r.kernel->nspid(task_named(r, "p9")), (std::vector<uint32_t>{9, 2}));
  EXPECT_EQ(r.kernel->task_active_pid_ns(task_named(r, "p8"))->child_reaper, task_named(r, "p8"));
  expect_ledger_balanced(*r.kernel);
}

// A thread (tid 10 of p9, as the kernel would show it) is tTID, in p9's
// thread group, on the same nsproxy, sharing its cred and files.
TEST_F(RestoreFixture, ThreadsJoinTheirLeadersGroup) {
  real::Snapshot s = snap;
  for (auto& t : snap.tasks)
    if (t.pid == 9) {
      real::SnapTask th = t;
      th.tid = 10;
      th.nspid = {10, 3};
      s.tasks.push_back(th);
    }
  Restored r = restore(s);
  Task* leader = task_named(r, "p9");
  Task* th = task_named(r, "t10");
  ASSERT_TRUE(leader && th);
  EXPECT_EQ(th->group_leader, leader);
  EXPECT_EQ(leader->nr_threads, 2u);
  EXPECT_EQ(th->nsproxy, leader->nsproxy);
  EXPECT_EQ(th->cred, leader->cred);
  EXPECT_EQ(th->files, leader->files);
  EXPECT_EQ(r.kernel->nspid(th), (std::vector<uint32_t>{10, 3}));
  EXPECT_EQ(leader->nsproxy->count(), 4u);  // p6 p8 p9 t10
  expect_ledger_balanced(*r.kernel);
}

// The fields restore needs survive snapshot_to_json() / snapshot_from_json().
TEST_F(RestoreFixture, NewSnapshotFieldsRoundTripThroughJson) {
  std::string err;
  auto back = real::snapshot_from_json(real::snapshot_to_json(snap), err);
  ASSERT_TRUE(back) << err;
  ASSERT_EQ(back->tasks.size(), snap.tasks.size());
  for (size_t i = 0; i < snap.tasks.size(); ++i) {
    EXPECT_EQ(back->tasks[i].nspid, snap.tasks[i].nspid);
    EXPECT_TRUE(back->tasks[i].creds);
    EXPECT_EQ(back->tasks[i].uids, snap.tasks[i].uids);
    EXPECT_EQ(back->tasks[i].cap_eff, snap.tasks[i].cap_eff);
    EXPECT_EQ(back->tasks[i].cap_bnd, snap.tasks[i].cap_bnd);
  }
  const real::SnapNs* u = back->find(4026532322);
  ASSERT_NE(u, nullptr);
  ASSERT_TRUE(u->uid_map && u->owner_uid && u->setgroups_allowed);
  EXPECT_EQ(*u->owner_uid, 0u);
  EXPECT_FALSE(*u->setgroups_allowed);  // --map-root-user writes "deny" first
  // An older snapshot (without them) still loads.
  nlohmann::json j = real::snapshot_to_json(snap);
  for (auto& t : j["tasks"]) t.erase("nspid"), t.erase("uids"), t.erase("gids"), t.erase("caps");
  for (auto& n : j["namespaces"]) n.erase("uid_map"), n.erase("gid_map"), n.erase("setgroups"), n.erase("owner_uid");
  auto old = real::snapshot_from_json(j, err);
  ASSERT_TRUE(old) << err;
  EXPECT_TRUE(old->tasks[0].nspid.empty());
  EXPECT_FALSE(old->tasks[0].creds);
  EXPECT_FALSE(old->find(4026532322)->uid_map);
}

TEST(Restore, ReadableErrors) {
  RestoreInput in;
  auto r = restore_kernel(in, Kernel::Config{});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("no pid 1"));
  RestoreTask t;
  t.pid = t.tid = 1;
  t.ns.fill(4026532999);
  in.tasks.push_back(t);
  r = restore_kernel(in, Kernel::Config{});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("does not list it"));
}

// ---- refused snapshots ---------------------------------------------------------

nlohmann::json fixture_json() {
  std::ifstream f(kData + "container.json");
  return nlohmann::json::parse(f);
}

// Why loading and restoring `j` fails ("" when it restores).
std::string restore_error(const nlohmann::json& j) {
  std::string err;
  auto s = real::snapshot_from_json(j, err);
  if (!s) return err;
  auto r = restore_kernel(real::restore_input(*s), Kernel::Config{});
  return r ? "" : r.error();
}

struct Edit {
  std::string pointer;  // JSON pointer into the fixture
  nlohmann::json value;
  std::string expect;  // fragment of the error
};

void expect_refused(const std::vector<Edit>& cases) {
  for (auto& c : cases) {
    nlohmann::json j = fixture_json();
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    EXPECT_THAT(restore_error(j), HasSubstr(c.expect)) << c.pointer << " = " << c.value.dump();
  }
}

// The kernel never shows live tasks in a pid namespace without its init for
// long: the init's exit SIGKILLs them (zap_pid_ns_processes()). Such a
// snapshot is refused (the model would have no child_reaper for their exit).
// A process whose leader thread is a zombie while another thread runs (the
// main thread called pthread_exit(): other users of a host run such
// processes, and `nssim trace --attach` snapshots the whole host) is left out
// with a note, not refused. Found by the clean-clone test run.
TEST(Restore, AProcessWhoseLeaderExitedIsLeftOutWithANote) {
  nlohmann::json j = fixture_json();
  nlohmann::json th = j["tasks"][3];  // pid 9's leader
  th["tid"] = 10, th["nspid"] = {10, 3};
  j["tasks"].push_back(th);
  j["tasks"][3]["state"] = "Z";
  std::string err;
  auto s = real::snapshot_from_json(j, err);
  ASSERT_TRUE(s.has_value()) << err;
  Restored r = restore(*s);
  EXPECT_EQ(task_named(r, "p9"), nullptr);
  EXPECT_EQ(task_named(r, "t10"), nullptr);
  EXPECT_NE(task_named(r, "p6"), nullptr);
  bool noted = false;
  for (auto& n : r.notes) noted = noted || n.find("leader thread has exited or is not in the snapshot (first: pid 9)") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(RestoreErrors, APidNamespaceWithoutItsInitIsRefused) {
  nlohmann::json zombie = fixture_json();
  zombie["tasks"][2]["state"] = "Z";  // p8, pid 1 of the container
  EXPECT_THAT(restore_error(zombie), HasSubstr("pid namespace pid:[4026532183] has tasks (pid 9) but no init"));
  nlohmann::json absent = fixture_json();
  absent["tasks"].erase(2);
  EXPECT_THAT(restore_error(absent), HasSubstr("zap_pid_ns_processes"));
  nlohmann::json renumbered = fixture_json();
  renumbered["tasks"][2]["nspid"] = {8, 5};
  EXPECT_THAT(restore_error(renumbered), HasSubstr("but no init"));
}

TEST(RestoreErrors, FdsAtOrAboveNrOpenAreRefused) {
  expect_refused({{"/fds/0/fd", 2147483647, "fd at fds[0].fd: fd 2147483647 above nr_open (1048576) not supported"},
                  {"/fds/0/fd", 1000000000, "above nr_open (1048576)"},
                  {"/fds/0/fd", 1048576, "above nr_open (1048576)"},
                  {"/fds/0/fd", 8589934592ll, "above nr_open (1048576)"}});
  RestoreInput in = real::restore_input(load(kData + "container.json"));
  in.fds[0].fd = 1 << 30;  // restore_kernel() checks on its own too
  auto r = restore_kernel(in, Kernel::Config{});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("fd 1073741824 above nr_open (1048576) not supported by the model"));
  nlohmann::json j = fixture_json();
  j["fds"][0]["fd"] = 1048575;  // the largest the kernel allows
  EXPECT_EQ(restore_error(j), "");
}

TEST(RestoreErrors, OutOfRangeNumbersAreRefused) {
  expect_refused({
      {"/tasks/2/pid", 1ll << 40, "pid at tasks[2].pid: 1099511627776 is out of range (1..4194304)"},
      {"/tasks/2/pid", 1180591620717411303424.0, "pid at tasks[2].pid: 1.1805916207174113e+21 is not an integer"},
      {"/tasks/2/pid", -8, "pid at tasks[2].pid: -8 is out of range"},
      {"/tasks/2/pid", 0, "pid at tasks[2].pid: 0 is out of range"},
      {"/tasks/2/pid", 6.5, "pid at tasks[2].pid: 6.5 is not an integer"},
      {"/tasks/2/pid", "8", "pid at tasks[2].pid: \"8\" is not an integer"},
      {"/tasks/2/tid", 4194305, "tid at tasks[2].tid: 4194305 is out of range"},
      {"/tasks/2/ppid", -1, "ppid at tasks[2].ppid"},
      {"/fds/0/fd", -1, "fd at fds[0].fd: -1 is not an fd number (0..1048575)"},
      {"/fds/0/pid", 1ll << 33, "pid at fds[0].pid"},
      {"/tasks/2/uid", 1ll << 32, "uid at tasks[2].uid: 4294967296 is out of range (0..4294967294)"},
      {"/tasks/2/uids/1", 1ll << 32, "uids at tasks[2].uids[1]"},
      {"/tasks/2/gids/0", -1, "gids at tasks[2].gids[0]"},
      {"/tasks/2/nspid/1", -1, "nspid at tasks[2].nspid[1]: -1 is out of range"},
      {"/tasks/2/nspid/1", 4194305, "nspid at tasks[2].nspid[1]: 4194305 is out of range"},
      {"/namespaces/0/ns", 1ll << 32, "ns at namespaces[0].ns: 4294967296 is out of range"},
      {"/namespaces/0/ons", 1ll << 40, "ons at namespaces[0].ons"},
      {"/tasks/2/ns/net", 1ll << 32, "net at tasks[2].ns.net: 4294967296 is out of range"},
      {"/tasks/2/nsproxy", "zz", "nsproxy at tasks[2].nsproxy: 'zz' is not a 64-bit hex number"},
      {"/tasks/2/caps/eff", "1ffffffffffffffffff", "caps.eff"},
      {"/mounts/0/via_pid", 1.5, "via_pid at mounts[0].via_pid"},
      {"/nssim_snapshot", 999, "unsupported nssim_snapshot version 999"},
      {"/nssim_snapshot", "x", "unsupported nssim_snapshot version \"x\""},
  });
}

TEST(RestoreErrors, PidNamespaceParentCyclesAreRefused) {
  nlohmann::json j = fixture_json();
  for (auto& n : j["namespaces"])
    if (n["ns"] == 4026532179) n["pns"] = 4026532183;  // the root pid namespace's parent is its child
  EXPECT_THAT(restore_error(j), HasSubstr("a cycle of parents above pid 1's pid namespace"));
}

// kernel/pid_namespace.c: create_pid_namespace() @ v6.18 refuses level 33
// (MAX_PID_NS_LEVEL = 32), so a snapshot with a deeper one is not a kernel's.
TEST(RestoreErrors, PidNamespacesDeeperThanTheKernelAllowsAreRefused) {
  for (int levels : {30, 31}) {  // below level 2 (4026532183): deepest 32 (accepted), 33 (refused)
    nlohmann::json j = fixture_json();
    nlohmann::json proto;
    for (auto& n : j["namespaces"])
      if (n["ns"] == 4026532183) proto = n;
    uint32_t parent = 4026532183, inum = 4026539000;
    for (int i = 0; i < levels; ++i, ++inum) {
      nlohmann::json n = proto;  // an unused pid namespace below the last one
      // The reader refuses a "level" over 32 itself; the chain of parents is
      // what the model counts, so the deepest one claims 32 here.
      n["ns"] = inum, n["pns"] = parent, n["level"] = std::min(3 + i, 32);
      n["nprocs"] = 0, n["ntasks"] = 0, n["nsproxies"] = nlohmann::json::array(), n["refs"] = 1;
      n["pid"] = nullptr, n["ppid"] = nullptr, n["path"] = nullptr, n["command"] = nullptr;
      j["namespaces"].push_back(n);
      parent = inum;
    }
    j["fds"][0]["ns"] = parent;  // an fd keeps the deepest one: it must be made
    j["fds"][0]["type"] = "pid";
    std::string e = restore_error(j);
    if (levels == 30)
      EXPECT_EQ(e, "");
    else
      EXPECT_THAT(e, HasSubstr("would be pid namespace level 33; the kernel stops at 32 (MAX_PID_NS_LEVEL)"));
  }
}

TEST(RestoreErrors, ParentCyclesAreRefused) {
  expect_refused({{"/tasks/2/ppid", 9, "parent cycle (pid -> ppid): 8 -> 9 -> 8"},
                  {"/tasks/1/ppid", 6, "parent cycle (pid -> ppid): 6 -> 6"},
                  {"/tasks/1/ppid", 8, "parent cycle (pid -> ppid): 6 -> 8 -> 6"}});
}

// Links, nsproxies, owners and fd types must agree, whatever "bpf" says.
TEST(RestoreErrors, InconsistentNamespaceDataIsRefused) {
  std::vector<Edit> cases = {
      {"/tasks/3/ns/net", 4026532999, "net at tasks[3].ns.net (pid 9, tid 9): namespace 4026532999 is not listed"},
      {"/tasks/3/ns/net", 4026532181, "net at tasks[3].ns.net (pid 9, tid 9): namespace 4026532181 is listed as uts"},
      {"/tasks/3/ns/pid", 4026532184, "namespace 4026532184 is listed as net"},
      {"/tasks/3/nsproxy", "00000000deadbeef", "nsproxy 00000000deadbeef is not listed in nsproxies"},
      {"/tasks/3/ns/uts", 4026532178,
       "uts at tasks[3].ns.uts (pid 9, tid 9): 4026532178 but its nsproxy ce873e2213db691d has 4026532181"},
      {"/tasks/0/ns/pid_for_children", 4026532183, "pid_for_children at tasks[0].ns.pid_for_children"},
      {"/fds/0/type", "net", "type at fds[0].type: net but namespace 4026532181 is listed as uts"},
  };
  for (bool bpf : {true, false}) {
    for (auto& c : cases) {
      nlohmann::json j = fixture_json();
      j["bpf"] = bpf;
      j[nlohmann::json::json_pointer(c.pointer)] = c.value;
      EXPECT_THAT(restore_error(j), HasSubstr(c.expect)) << c.pointer << " bpf=" << bpf;
    }
  }
  nlohmann::json dup = fixture_json();
  dup["nsproxies"].push_back(dup["nsproxies"][0]);
  EXPECT_THAT(restore_error(dup), HasSubstr("listed twice"));
  nlohmann::json owner = fixture_json();
  for (auto& n : owner["namespaces"])
    if (n["ns"] == 4026532323) n["ons"] = 4026532184;  // a net namespace
  EXPECT_THAT(restore_error(owner), HasSubstr("the owner of uts:[4026532323] is not a user namespace"));
  nlohmann::json root_owner = fixture_json();
  for (auto& n : root_owner["namespaces"])
    if (n["ns"] == 4026532179) n["ons"] = 4026531833;  // pid 1's pid namespace owned by a net namespace
  EXPECT_THAT(restore_error(root_owner), HasSubstr("the owner of pid:[4026532179] is not a user namespace"));
  // p1 in the container's pid namespace (pid_for_children too): its parent
  // is above the root, and p6, p15... are in it.
  nlohmann::json inner = fixture_json();
  inner["tasks"][0]["ns"]["pid"] = inner["tasks"][0]["ns"]["pid_for_children"] = 4026532183;
  inner["bpf"] = false;
  for (auto& p : inner["nsproxies"]) p["slots"]["pid_for_children"] = 0;
  EXPECT_THAT(restore_error(inner), HasSubstr("an ancestor of pid 1's pid namespace"));
  // A thread has its leader's parent (it may have another nsproxy: setns() in one thread).
  nlohmann::json thread = fixture_json();
  nlohmann::json th = thread["tasks"][3];
  th["tid"] = 10, th["nspid"] = {10, 3}, th["ppid"] = 1;
  thread["tasks"].push_back(th);
  EXPECT_THAT(restore_error(thread), HasSubstr("tid 10: a thread of pid 9 with ppid 1, but its leader's ppid is 8"));
  thread["tasks"][8]["ppid"] = 8;
  thread["tasks"][8]["nsproxy"] = nullptr;  // its own nsproxy, in the root net namespace (setns() in that thread)
  thread["tasks"][8]["ns"]["net"] = thread["tasks"][0]["ns"]["net"];
  EXPECT_EQ(restore_error(thread), "");
}

// ---- the CLI ------------------------------------------------------------------

struct CliRun {
  int code = -1;
  std::string out;
};
CliRun nssim(const std::string& args) {
  CliRun r;
  std::string cmd = std::string(NSSIM_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(RestoreCli, TheContainersInitExits) {
  CliRun r = nssim("trace --no-table --from-snapshot " + kData + "container.json --root 8 " + kData +
                   "container-init-exits.nss");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("zap_pid_ns_processes"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("FAIL")));
}

TEST(RestoreCli, RealWithASnapshotIsRefused) {
  CliRun r = nssim("trace --real --from-snapshot " + kData + "container.json " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("cannot be put into a snapshot's state"));
}

TEST(RestoreCli, BadSnapshotsAreReadableErrors) {
  CliRun r = nssim("trace --from-snapshot /nonexistent/snap.json " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("cannot read '/nonexistent/snap.json'"));
  r = nssim("trace --from-snapshot " + kData + "make-container-snapshot.sh " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("not a JSON document"));
  r = nssim("trace --from-snapshot " + kData + "container.json --root 4242 " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("--root 4242: no such process in the snapshot"));
}

TEST(RestoreCli, AnEmptySnapshotPathIsAnError) {
  CliRun r = nssim("trace --from-snapshot '' " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("cannot read ''"));
}

TEST(RestoreCli, ASnapshotWithACommandIsAUsageError) {
  CliRun r = nssim("trace --from-snapshot " + kData + "container.json -- true");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--from-snapshot and --root apply to a scenario FILE only"));
}

TEST(RestoreCli, RootOfAThreadSaysSo) {
  nlohmann::json j = fixture_json();
  nlohmann::json th = j["tasks"][3];
  th["tid"] = 10, th["nspid"] = {10, 3};
  j["tasks"].push_back(th);
  std::string path = ::testing::TempDir() + "restore-thread.json";
  std::ofstream(path) << j.dump();
  CliRun r = nssim("trace --from-snapshot " + path + " --root 10 " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--root 10: 10 is a thread of process 9; --root takes a process"));
}

TEST(RestoreCli, OutOfRangeFieldsNameTheField) {
  nlohmann::json j = fixture_json();
  j["tasks"][2]["pid"] = 1ll << 40;
  std::string path = ::testing::TempDir() + "restore-bigpid.json";
  std::ofstream(path) << j.dump();
  CliRun r = nssim("trace --from-snapshot " + path + " " + kData + "container-init-exits.nss");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("malformed nssim snapshot: pid at tasks[2].pid: 1099511627776 is out of range"));
}

// ---- live ---------------------------------------------------------------------

// A process of the test's own in new net and uts namespaces, with the test
// holding an fd on that net namespace: the restored model of a live snapshot
// has the same links and inums for both processes, the fd, and a balanced ledger.
TEST(RestoreLive, ASnapshotOfThisMachineRestoresWithTheSameLinks) {
  testing::IntrospectionLock lock;
  if (geteuid() != 0) GTEST_SKIP() << "needs root (a whole-system snapshot, namespaces)";
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t c = fork();
  if (c == 0) {
    close(go[1]);
    close(ready[0]);
    if (unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) _exit(1);
    (void)!write(ready[1], "x", 1);
    char b;
    (void)!read(go[0], &b, 1);
    _exit(0);
  }
  close(go[0]);
  close(ready[1]);
  char b;
  ASSERT_EQ(read(ready[0], &b, 1), 1);
  int fd = open(("/proc/" + std::to_string(c) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  real::Snapshot s = real::take_snapshot();
  auto r = restore_kernel(real::restore_input(s), Kernel::Config{});
  close(fd);
  close(go[1]);
  waitpid(c, nullptr, 0);
  ASSERT_TRUE(r.has_value()) << r.error();
  Restored& rr = *r;
  for (int pid : {static_cast<int>(getpid()), static_cast<int>(c)}) {
    const real::SnapTask* st = nullptr;
    for (auto& t : s.tasks)
      if (t.pid == pid && t.tid == pid) st = &t;
    ASSERT_NE(st, nullptr) << pid;
    Task* mt = task_named(rr, restored_task_name(pid, pid));
    ASSERT_NE(mt, nullptr) << pid;
    for (int i = 0; i < kLinks; ++i) {
      if (!st->ns[i]) continue;
      NsCommon* ns = rr.kernel->ns_of_link(mt, kAllLinks[i]);
      ASSERT_NE(ns, nullptr);
      EXPECT_EQ(ns->inum, st->ns[i]) << pid << " " << link_name(kAllLinks[i]);
    }
  }
  struct stat sb;
  ASSERT_EQ(stat(("/proc/" + std::to_string(getpid()) + "/ns/net").c_str(), &sb), 0);
  Task* me = task_named(rr, restored_task_name(getpid(), getpid()));
  ASSERT_TRUE(me->files && static_cast<size_t>(fd) < me->files->fdt.size() && me->files->fdt[fd]);
  EXPECT_EQ(me->files->fdt[fd]->ns->inum, task_named(rr, restored_task_name(c, c))->nsproxy->net_ns->inum);
  expect_ledger_balanced(*rr.kernel);
}

}  // namespace
}  // namespace nssim
