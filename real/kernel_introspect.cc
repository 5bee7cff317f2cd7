#include "real/kernel_introspect.h"

#include <fcntl.h>
#include <sched.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#ifdef NSSIM_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "nsintrospect.h"
#include "nsintrospect.min_btf.h"
#include "nsintrospect.skel.h"
#endif

namespace nssim::real {

std::string_view kslot_name(KSlot s) {
  static constexpr std::string_view names[kKSlots] = {
      "uts", "ipc", "mnt", "pid_for_children", "net", "time", "time_for_children", "cgroup"};
  return names[static_cast<int>(s)];
}

NsType kslot_type(KSlot s) {
  static constexpr NsType types[kKSlots] = {NsType::Uts, NsType::Ipc,  NsType::Mnt,  NsType::Pid,
                                            NsType::Net, NsType::Time, NsType::Time, NsType::Cgroup};
  return types[static_cast<int>(s)];
}

KNsRef KTaskNs::link(Link l) const {
  switch (l) {
    case Link::Cgroup:
      return slot(KSlot::Cgroup);
    case Link::Ipc:
      return slot(KSlot::Ipc);
    case Link::Mnt:
      return slot(KSlot::Mnt);
    case Link::Net:
      return slot(KSlot::Net);
    case Link::Pid:
      return pid_active;
    case Link::PidForChildren:
      return slot(KSlot::PidForChildren);
    case Link::Time:
      return slot(KSlot::Time);
    case Link::TimeForChildren:
      return slot(KSlot::TimeForChildren);
    case Link::User:
      return user;
    case Link::Uts:
      return slot(KSlot::Uts);
  }
  return {};
}

std::string_view kfile_kind_name(KFileRef::Kind k) {
  switch (k) {
    case KFileRef::Kind::Nsfs:
      return "nsfs";
    case KFileRef::Kind::Pidfd:
      return "pidfd";
    case KFileRef::Kind::Socket:
      return "socket";
    case KFileRef::Kind::FileCred:
      return "f_cred";
  }
  return "?";
}

const KNs* KSnapshot::ns(uint32_t inum) const {
  auto it =
      std::lower_bound(namespaces.begin(), namespaces.end(), inum, [](const KNs& n, uint32_t i) { return n.inum < i; });
  return it != namespaces.end() && it->inum == inum ? &*it : nullptr;
}

uint32_t KSnapshot::task_ucounts(uint32_t user_inum) const {
  std::vector<uint64_t> ids;
  for (auto& t : tasks)
    if (t.ucounts_id && t.ucounts_user_inum == user_inum) ids.push_back(t.ucounts_id);
  std::sort(ids.begin(), ids.end());
  return static_cast<uint32_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
}

const KTaskNs* KSnapshot::task(int pid) const {
  for (auto& t : tasks)
    if (t.pid == pid) return &t;
  return nullptr;
}

#ifndef NSSIM_HAVE_BPF

std::string bpf_unavailable_reason() {
#ifdef NSSIM_BPF_BUILD_REASON
  return std::string("nssim was built without BPF introspection: ") + NSSIM_BPF_BUILD_REASON;
#else
  return "nssim was built without BPF introspection";
#endif
}
std::vector<KTaskNs> bpf_task_snapshot(std::string& err) {
  err = bpf_unavailable_reason();
  return {};
}
std::optional<KSnapshot> bpf_snapshot(std::string& err, bool, int) {
  err = bpf_unavailable_reason();
  return std::nullopt;
}
std::optional<KNs> bpf_ns_of_fd(int, std::string& err) {
  err = bpf_unavailable_reason();
  return std::nullopt;
}

#else  // NSSIM_HAVE_BPF

namespace {

static_assert(sizeof(nsi_task) == 448 && sizeof(nsi_ns) == 56 && sizeof(nsi_file) == 48,
              "nsintrospect.h records changed: check both sides");

// SipHash-2-4 of one 64-bit word (Aumasson & Bernstein), for nsproxy ids.
uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
uint64_t siphash64(uint64_t m, const uint64_t k[2]) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
  uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
  auto round = [&] {
    v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
    v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
  };
  v3 ^= m;
  round(), round();
  v0 ^= m;
  uint64_t b = 8ULL << 56;  // message length 8, no tail bytes
  v3 ^= b;
  round(), round();
  v0 ^= b;
  v2 ^= 0xff;
  round(), round(), round(), round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// libbpf's messages while loading (the verifier log on failure); silent otherwise.
thread_local std::string* g_libbpf_log = nullptr;
int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (!g_libbpf_log || level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n > 0) g_libbpf_log->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  return n;
}

struct State {
  std::mutex mu;
  bool tried = false;
  std::string reason;  // why not, once tried
  nsintrospect* skel = nullptr;
  bpf_link* task_link = nullptr;
  bpf_link* file_link = nullptr;
  uint64_t gen = 0;
  uint64_t key[2] = {0, 0};
};

State& state() {
  static State* s = new State();  // never destroyed: the programs live as long as the process
  return *s;
}

std::string last_line(const std::string& log) {
  std::string s = log;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  size_t p = s.rfind('\n');
  return p == std::string::npos ? s : s.substr(p + 1);
}

// A memfd with the BTF cut for this object at build time (nsintrospect.min_btf.h),
// when the running kernel is the one it was cut from: same release, version
// and BTF size. -1 otherwise (libbpf then reads the whole kernel BTF).
int min_btf_fd() {
  if (nsi_min_btf_len == 0) return -1;
  utsname u{};
  struct stat st;
  if (uname(&u) != 0 || std::strcmp(u.release, nsi_min_btf_release) != 0 ||
      std::strcmp(u.version, nsi_min_btf_version) != 0 || stat("/sys/kernel/btf/vmlinux", &st) != 0 ||
      st.st_size != nsi_min_btf_vmlinux_size)
    return -1;
  int fd = memfd_create("nssim-min-btf", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (write(fd, nsi_min_btf, nsi_min_btf_len) != static_cast<ssize_t>(nsi_min_btf_len)) {
    close(fd);
    return -1;
  }
  return fd;
}

// Loads and attaches both iterators once. Caller holds s.mu.
const std::string& ensure_loaded(State& s) {
  if (s.tried) return s.reason;
  s.tried = true;
  struct stat st;
  if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
    s.reason = "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing; CONFIG_DEBUG_INFO_BTF=y is needed)";
    return s.reason;
  }
  if (getrandom(s.key, sizeof s.key, 0) != static_cast<ssize_t>(sizeof s.key)) {
    s.reason = fmt::format("getrandom: {}", std::strerror(errno));
    return s.reason;
  }
  std::string log;
  g_libbpf_log = &log;
  auto prev = libbpf_set_print(libbpf_print);
  int err = 0;
  // On the kernel nssim was built on, CO-RE relocates against the few types the
  // object uses (embedded at build time) instead of searching the whole kernel BTF.
  int min_btf = min_btf_fd();
  std::string min_btf_path = min_btf >= 0 ? fmt::format("/proc/self/fd/{}", min_btf) : "";
  LIBBPF_OPTS(bpf_object_open_opts, open_opts);
  if (min_btf >= 0) open_opts.btf_custom_path = min_btf_path.c_str();
  s.skel = nsintrospect__open_opts(&open_opts);
  if (!s.skel) err = -errno;
  if (!err) err = nsintrospect__load(s.skel);
  if (!err) {
    s.task_link = bpf_program__attach_iter(s.skel->progs.nsi_task, nullptr);
    if (!s.task_link) err = -errno;
  }
  if (!err) {
    s.file_link = bpf_program__attach_iter(s.skel->progs.nsi_file, nullptr);
    if (!s.file_link) err = -errno;
  }
  libbpf_set_print(prev);
  g_libbpf_log = nullptr;
  if (min_btf >= 0) close(min_btf);
  if (err) {
    int e = -err;
    if (e == EPERM || e == EACCES)
      s.reason = geteuid() != 0 ? "BPF needs root (CAP_BPF and CAP_PERFMON); run nssim with sudo"
                                : "the kernel does not allow BPF here (CAP_BPF/CAP_PERFMON missing, or lockdown)";
    else
      s.reason = fmt::format("loading the BPF iterators failed: {}{}", std::strerror(e),
                             log.empty() ? "" : " (" + last_line(log) + ")");
    if (s.file_link) bpf_link__destroy(s.file_link);
    if (s.task_link) bpf_link__destroy(s.task_link);
    if (s.skel) nsintrospect__destroy(s.skel);
    s.file_link = s.task_link = nullptr;
    s.skel = nullptr;
  }
  return s.reason;
}

// Runs one iterator and returns everything it wrote.
bool run_iter(bpf_link* link, std::string& out, std::string& err) {
  int fd = bpf_iter_create(bpf_link__fd(link));
  if (fd < 0) {
    err = fmt::format("bpf_iter_create: {}", std::strerror(errno));
    return false;
  }
  // kernel/bpf/bpf_iter.c: bpf_seq_read() @ v6.18 fills an internal buffer of
  // PAGE_SIZE << 3 bytes with whole objects until it holds `count` bytes; an
  // object whose output overflows that buffer is dropped and shown again by
  // the next read(), but what its first run did to the `seen` map stays, so
  // the namespaces it reached first would never get a record. Reading less
  // than the buffer minus the largest object's output keeps every read from
  // overflowing: stops at >= kRead bytes, plus one object.
  constexpr size_t kRead = 16 << 10;
  constexpr size_t kLargestObject = sizeof(nsi_task) + NSI_STEPS * sizeof(nsi_ns);
  static_assert(kRead + kLargestObject <= (4096u << 3), "a read could overflow bpf_seq_read()'s buffer");
  char buf[kRead];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = fmt::format("reading the BPF iterator: {}", std::strerror(errno));
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

struct Parsed {
  std::vector<KTaskNs> tasks;
  std::map<uint32_t, KNs> ns;  // by inum
  std::vector<KFileRef> files;
  size_t unrecorded = 0;  // namespaces a task or file points at without an nsi_ns record
};

// The state letter /proc shows (fs/proc/array.c: task_state_array[task_state_index()] @ v6.18).
char task_state_letter(uint32_t state, uint32_t exit_state) {
  constexpr uint32_t kReport = 0x7f;           // TASK_REPORT
  constexpr uint32_t kIdle = 0x0002 | 0x0400;  // TASK_IDLE: TASK_UNINTERRUPTIBLE | TASK_NOLOAD
  constexpr uint32_t kRtlockWait = 0x1000;     // TASK_RTLOCK_WAIT
  uint32_t st = (state | exit_state) & kReport;
  if ((state & kIdle) == kIdle) st = kReport + 1;  // TASK_REPORT_IDLE
  if (state == kRtlockWait) st = 0x0002;
  int fls = st ? 32 - __builtin_clz(st) : 0;
  static constexpr char kLetters[] = "RSDTtXZPI";
  return fls < 9 ? kLetters[fls] : '?';
}

NsType type_of_flag(uint32_t flag) { return ns_type_from_clone_flag(flag).value_or(NsType::Net); }

bool parse(const std::string& data, const State& s, Parsed& p, std::string& err) {
  // Owner and parent come as addresses; resolve them to inums once every record is in.
  std::map<uint64_t, uint32_t> inum_of;
  std::vector<std::pair<uint32_t, std::pair<uint64_t, uint64_t> > > links;  // inum -> (owner, parent)
  size_t off = 0;
  while (off + 8 <= data.size()) {
    uint32_t rec, size;
    std::memcpy(&rec, data.data() + off, 4);
    std::memcpy(&size, data.data() + off + 4, 4);
    if (size < 8 || off + size > data.size()) {
      err = fmt::format("malformed BPF record at byte {}", off);
      return false;
    }
    const char* b = data.data() + off;
    if (rec == NSI_REC_TASK && size == sizeof(nsi_task)) {
      nsi_task r;
      std::memcpy(&r, b, sizeof r);
      KTaskNs t;
      t.pid = r.pid;
      t.tgid = r.tgid;
      t.comm.assign(r.comm, strnlen(r.comm, sizeof r.comm));
      t.kthread = (r.flags & 0x00200000u) != 0;
      t.exit_state = r.exit_state;
      t.nsproxy_id = r.nsproxy ? siphash64(r.nsproxy, s.key) | 1 : 0;  // never 0 for a real nsproxy
      t.nsproxy_count = r.nsproxy_count;
      for (int i = 0; i < kKSlots; ++i) t.ns[i] = {r.ns[i].inum, r.ns[i].refs};
      t.user = {r.ns[NSI_USER].inum, r.ns[NSI_USER].refs};
      t.pid_active = {r.ns[NSI_PID_ACTIVE].inum, r.ns[NSI_PID_ACTIVE].refs};
      t.ucounts_id = r.ucounts ? siphash64(r.ucounts, s.key) | 1 : 0;
      t.ucounts_user_inum = r.ucounts_ns;
      t.ucounts_uid = r.ucounts_uid;
      t.ppid = r.ppid;
      t.pid_for_children_hidden = (r.task_flags & NSI_TASK_PFC_NO_REAPER) != 0;
      t.state = task_state_letter(r.state, static_cast<uint32_t>(r.exit_state));
      for (int i = 0; i < 4; ++i) t.uids[i] = r.uids[i], t.gids[i] = r.gids[i];
      t.cap_inh = r.caps[0], t.cap_prm = r.caps[1], t.cap_eff = r.caps[2], t.cap_bnd = r.caps[3];
      t.cap_amb = r.caps[4];
      t.nspid.assign(r.nspid, r.nspid + std::min<uint32_t>(r.nspid_n, NSI_NSPID_MAX));
      for (auto& ref : r.ns)
        if (ref.addr) inum_of[ref.addr] = ref.inum;
      p.tasks.push_back(std::move(t));
    } else if (rec == NSI_REC_NS && size == sizeof(nsi_ns)) {
      nsi_ns r;
      std::memcpy(&r, b, sizeof r);
      KNs n;
      n.inum = r.inum;
      n.type = type_of_flag(r.type);
      n.refs = r.refs;
      n.ns_id = r.ns_id;
      n.level = r.level;
      inum_of[r.addr] = r.inum;
      links.push_back({r.inum, {r.owner, r.parent}});
      p.ns[r.inum] = n;
    } else if (rec == NSI_REC_FILE && size == sizeof(nsi_file)) {
      nsi_file r;
      std::memcpy(&r, b, sizeof r);
      KFileRef f;
      f.kind = r.kind == NSI_FILE_PIDFD    ? KFileRef::Kind::Pidfd
               : r.kind == NSI_FILE_SOCKET ? KFileRef::Kind::Socket
               : r.kind == NSI_FILE_CRED   ? KFileRef::Kind::FileCred
                                           : KFileRef::Kind::Nsfs;
      f.pid = r.pid;
      f.tgid = r.tgid;
      f.fd = r.fd;
      f.inum = r.inum;
      f.type = type_of_flag(r.type);
      f.nsfs_users = f.kind == KFileRef::Kind::Nsfs ? r.dentry_refs : 0;
      inum_of[r.ns] = r.inum;
      p.files.push_back(f);
    } else {
      err = fmt::format("unknown BPF record kind {} (size {}): nssim and its BPF object disagree", rec, size);
      return false;
    }
    off += size;
  }
  // Every namespace a task or file points at must have its own record (its
  // type, owner, id): one without is a lost record, not a missing namespace.
  std::set<uint32_t> recorded;
  for (auto& [inum, n] : p.ns) recorded.insert(inum);
  for (auto& [addr, inum] : inum_of)
    if (inum && !recorded.count(inum)) ++p.unrecorded;
  for (auto& [inum, op] : links) {
    auto& n = p.ns[inum];
    if (op.first) n.owner_inum = inum_of.count(op.first) ? inum_of[op.first] : 0;
    if (op.second) n.parent_inum = inum_of.count(op.second) ? inum_of[op.second] : 0;
  }
  return true;
}

std::optional<KSnapshot> snapshot_locked(State& s, std::string& err, bool with_files, int only_tgid) {
  if (!ensure_loaded(s).empty()) {
    err = s.reason;
    return std::nullopt;
  }
  s.skel->bss->gen = ++s.gen;
  s.skel->bss->dropped = 0;
  s.skel->bss->filter_tgid = only_tgid;
  Parsed p;
  for (int attempt = 0;; ++attempt) {
    std::string data;
    if (!run_iter(s.task_link, data, err)) return std::nullopt;
    if (with_files && !run_iter(s.file_link, data, err)) return std::nullopt;
    p = Parsed{};
    if (!parse(data, s, p, err)) return std::nullopt;
    if (p.unrecorded == 0 || s.skel->bss->dropped != 0) break;
    if (attempt == 2) {
      err = fmt::format("the BPF pass lost the records of {} namespaces (run_iter(): a read overflowed?)",
                        p.unrecorded);
      return std::nullopt;
    }
    s.skel->bss->gen = ++s.gen;
    s.skel->bss->dropped = 0;
  }
  for (auto& f : p.files)
    if (f.kind == KFileRef::Kind::Nsfs && p.ns.count(f.inum)) p.ns[f.inum].nsfs_users = f.nsfs_users;
  KSnapshot k;
  k.tasks = std::move(p.tasks);
  k.files = std::move(p.files);
  k.namespaces.reserve(p.ns.size());
  for (auto& [inum, n] : p.ns) k.namespaces.push_back(n);
  k.dropped = s.skel->bss->dropped;
  return k;
}

}  // namespace

std::string bpf_unavailable_reason() {
  State& s = state();
  std::lock_guard lk(s.mu);
  return ensure_loaded(s);
}

std::vector<KTaskNs> bpf_task_snapshot(std::string& err) {
  State& s = state();
  std::lock_guard lk(s.mu);
  auto k = snapshot_locked(s, err, false, 0);
  if (!k) return {};
  return std::move(k->tasks);
}

std::optional<KSnapshot> bpf_snapshot(std::string& err, bool with_files, int only_tgid) {
  State& s = state();
  std::lock_guard lk(s.mu);
  return snapshot_locked(s, err, with_files, only_tgid);
}

std::optional<KNs> bpf_ns_of_fd(int fd, std::string& err) {
  State& s = state();
  std::lock_guard lk(s.mu);
  auto k = snapshot_locked(s, err, true, getpid());
  if (!k) return std::nullopt;
  int me = getpid();
  for (auto& f : k->files)
    if (f.tgid == me && f.fd == fd && f.kind == KFileRef::Kind::Nsfs) {
      if (auto* n = k->ns(f.inum)) return *n;
    }
  err = fmt::format("fd {} is not an nsfs file of this process", fd);
  return std::nullopt;
}

#endif  // NSSIM_HAVE_BPF

void flush_lazy_tlb_mms() {
  cpu_set_t orig;
  if (sched_getaffinity(0, sizeof orig, &orig) != 0) return;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &orig)) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    if (sched_setaffinity(0, sizeof one, &one) == 0) sched_yield();  // now running there
  }
  sched_setaffinity(0, sizeof orig, &orig);
}

}  // namespace nssim::real
