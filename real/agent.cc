// The agent: one per scenario task, a real process (or thread) that runs one
// system call per request. It is created by its parent task's own clone (or,
// for thread(), by pthread_create() in the same process), so every kernel
// rule about the creator applies. Agents never open anything the scenario
// did not ask for, and call the raw system calls (glibc's setuid() would
// change every thread's credentials; the scenario's setuid changes one).
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "real/nsfs_handle.h"
#include "real/protocol.h"
#include "sim/uapi.h"

#include "real/nsfs_ioctls.h"

namespace nssim::real {

namespace {
// Whether `path` is under one of kCreatedPathRoots that the sandbox covered
// with its private tmpfs (marked with kSandboxTmpfsMark).
// The devices of the sandbox's marked tmpfs roots, noted before a chroot()
// (inherited by forks): under a chroot() into one of them, "/srv/x" is a
// directory of that tmpfs, whose mark is out of sight.
dev_t g_tmpfs_devs[std::size(kCreatedPathRoots)];
size_t g_tmpfs_ndevs = 0;

void note_sandbox_tmpfs_devs() {
  if (g_tmpfs_ndevs) return;
  for (std::string_view root : kCreatedPathRoots) {
    std::string mark = std::string(root) + "/" + kSandboxTmpfsMark;
    struct stat st;
    if (stat(mark.c_str(), &st) == 0) g_tmpfs_devs[g_tmpfs_ndevs++] = st.st_dev;
  }
}

bool under_sandbox_tmpfs(const char* path) {
  for (std::string_view root : kCreatedPathRoots) {
    std::string_view p(path);
    if (!p.starts_with(root) || p.size() <= root.size() || p[root.size()] != '/') continue;
    std::string mark = std::string(root) + "/" + kSandboxTmpfsMark;
    if (access(mark.c_str(), F_OK) == 0) return true;
    // Chrooted: the nearest directory of the path that exists must be on one
    // of the sandbox's tmpfs mounts (whatever is created goes there).
    if (!g_tmpfs_ndevs) return false;
    std::string dir(path);
    struct stat st;
    while (!dir.empty() && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) dir.resize(dir.rfind('/'));
    if (dir.empty() && stat("/", &st) != 0) return false;
    for (size_t i = 0; i < g_tmpfs_ndevs; ++i)
      if (g_tmpfs_devs[i] == st.st_dev) return true;
    return false;
  }
  return false;
}

// mkdir -p of `path`'s directories (each 01777: any uid may create under it),
// the last one too when `last`.
void make_dirs(const char* path, bool last) {
  std::string dir;
  for (const char* p = path + 1;; ++p) {
    p = std::strchr(p, '/');
    if (!p && !last) break;
    dir.assign(path, p ? static_cast<size_t>(p - path) : std::strlen(path));
    if (mkdir(dir.c_str(), 01777) == 0) chmod(dir.c_str(), 01777);
    if (!p) break;
  }
}

// The directories chroot(), pivot_root() and open_tree() are given: each on
// one of the sandbox's own tmpfs roots (else EXDEV: the host's tree is never
// touched), created first. Notes the tmpfs devices for the tasks' checks.
bool prepare_sandbox_dirs(std::initializer_list<const char*> paths) {
  note_sandbox_tmpfs_devs();
  for (const char* p : paths)
    if (!under_sandbox_tmpfs(p)) {
      errno = EXDEV;
      return false;
    }
  for (const char* p : paths) make_dirs(p, true);
  return true;
}
}  // namespace

void host_ids(int64_t& tgid, int64_t& tid) {
  char buf[64] = {};
  tgid = tid = -1;
  ssize_t n = readlink("/proc/thread-self", buf, sizeof buf - 1);
  if (n <= 0) n = readlinkat(kProcDirFd, "thread-self", buf, sizeof buf - 1);  // chrooted
  if (n <= 0) return;
  buf[n] = 0;
  tgid = std::strtoll(buf, nullptr, 10);
  const char* t = std::strstr(buf, "/task/");
  tid = t ? std::strtoll(t + 6, nullptr, 10) : tgid;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

bool send_msg(int fd, const Msg& m, int passfd) {
  iovec iov{const_cast<Msg*>(&m), sizeof m};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  char cbuf[CMSG_SPACE(sizeof(int))] = {};
  if (passfd >= 0) {
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &passfd, sizeof(int));
  }
  return sendmsg(fd, &h, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof m);
}

bool recv_msg(int ch, Msg& m, int* passed, int flags) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  iovec iov{&m, sizeof m};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = cbuf;
  h.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = recvmsg(ch, &h, flags);
  } while (n < 0 && errno == EINTR);
  *passed = -1;
  for (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&h) : nullptr; c; c = CMSG_NXTHDR(&h, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(passed, CMSG_DATA(c), sizeof(int));
  if (n == static_cast<ssize_t>(sizeof m)) return true;
  if (*passed >= 0) close(*passed), *passed = -1;
  return false;
}

namespace {

bool send_reply(int ch, int64_t ret, int err, const char* s = nullptr, size_t n = 0) {
  Reply r{};
  r.ret = ret;
  r.err = err;
  if (s) {
    n = n < sizeof r.str ? n : sizeof r.str;
    std::memcpy(r.str, s, n);
    r.len = static_cast<uint32_t>(n);
  }
  return send(ch, &r, sizeof r, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof r);
}

// With it, an fd of the agent's own active pid namespace: the controller
// reads where it sits (NS_GET_PARENT) even if a reader inside a user
// namespace could not open its /proc links later (a non-dumpable task). The
// agent's fd is closed at once; the controller closes its copy in that step.
bool say_hello(int ch) {
  Msg hello{};
  hello.op = Op::Hello;
  host_ids(hello.a[0], hello.a[1]);
  int nsfd = open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) nsfd = openat(kProcDirFd, "thread-self/ns/pid", O_RDONLY | O_CLOEXEC);  // chrooted
  bool ok = send_msg(ch, hello, nsfd);
  if (nsfd >= 0) close(nsfd);
  return ok;
}

// Moves a received channel to its fixed number.
int adopt(int passed, int number) {
  if (passed != number) {
    dup2(passed, number);
    close(passed);
  }
  return number;
}

// A CLONE_VM child (vfork, posix_spawn): it runs in its creator's memory on
// a stack of its own, serving requests with the same loop (which keeps its
// state on the stack and makes raw system calls, so nothing it does disturbs
// the creator's heap) until it execs a fresh agent or exits. Its arguments
// sit at the bottom of that stack: a creator that does not wait (no
// CLONE_VFORK) may reuse its own stack at once.
struct VmChildArgs {
  int passed;    // the new channel, received by the creator
  int child_ch;  // its fixed number
  int old_ch;    // the creator's channel, closed unless the fd table is shared
  uint64_t flags;
};

int vm_child(void* p) {
  VmChildArgs a = *static_cast<VmChildArgs*>(p);
  int ch = adopt(a.passed, a.child_ch);
  if (!(a.flags & CLONE_FILES)) close(a.old_ch);
  if (!say_hello(ch)) syscall(SYS_exit, 0);
  agent_main(ch, false);
  return 0;
}

void* thread_main(void* arg) {
  int ch = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  if (!say_hello(ch)) syscall(SYS_exit, 0);
  agent_main(ch, false);
}

}  // namespace

// An agent that exec'd: before any other initializer of this binary, answer
// the Exec request (execve() returned 0 as far as the scenario is concerned)
// and serve requests again. Priority 101: before unprioritized constructors.
__attribute__((constructor(101))) void agent_after_exec() {
  const char* e = getenv(kAgentExecEnv);
  if (!e) return;
  int ch = static_cast<int>(std::strtol(e, nullptr, 10));
  bool init = getenv(kAgentInitEnv) != nullptr;
  // exec can clear the parent-death signal (begin_new_exec() for a secure
  // exec, commit_creds() on an id change): the sandbox's pid 1 re-arms it.
  if (init) prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!send_reply(ch, 0, 0)) _exit(0);
  agent_main(ch, init);
}

void agent_main(int ch, bool sandbox_init) {
  note_sandbox_tmpfs_devs();  // while the marks are in sight (a CLONE_FS sibling may chroot us)
  for (;;) {
    Msg m;
    int passed = -1;
    if (!recv_msg(ch, m, &passed)) _exit(0);  // the controller is gone: so are we
    m.str[sizeof m.str - 1] = 0;
    const char* str2 = m.str + std::strlen(m.str) + 1;  // second string, where the op has one
    long r = -1;
    switch (m.op) {
      case Op::Clone: {
        uint64_t flags = static_cast<uint64_t>(m.a[0]);
        int child_ch = static_cast<int>(m.a[2]);
        // The child's channel goes to its fixed number (above the scenario's
        // fds) at once: a vfork creator holds it while asleep, and a
        // CLONE_PIDFD pidfd takes the lowest free fd, as in the model.
        passed = adopt(passed, child_ch);
        int pidfd = -1;  // CLONE_PIDFD: the kernel stores the new pidfd here
        if (flags & CLONE_VM) {
          // Each such child gets a stack of its own, never unmapped: it may
          // outlive this request (the agent's process is short-lived).
          constexpr size_t kStack = 256 * 1024;
          void* mem = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
          if (mem == MAP_FAILED) {
            r = -1;
          } else {
            auto* args = static_cast<VmChildArgs*>(mem);
            *args = VmChildArgs{passed, child_ch, ch, flags};
            char* top = static_cast<char*>(mem) + kStack;
            // glibc's clone(): the child calls vm_child(args) on `top`. (clone3
            // with CLONE_VM is not offered: the model refuses it.)
            r = clone(vm_child, top, static_cast<int>(flags & 0xffffffff), args, &pidfd);
          }
        } else if (m.a[1]) {
          clone_args args{};
          args.flags = flags;
          args.exit_signal = static_cast<uint64_t>(m.a[3]);
          args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
          pid_t set_tid[32];
          if (m.len > 0 && m.len <= sizeof set_tid) {  // set_tid: int32 pids in str
            std::memcpy(set_tid, m.str, m.len);
            args.set_tid = reinterpret_cast<uint64_t>(set_tid);
            args.set_tid_size = m.len / sizeof(pid_t);
          }
          if (int64_t cg = static_cast<uint64_t>(m.a[1]) >> 32; cg > 0) args.cgroup = static_cast<uint64_t>(cg - 1);
          r = syscall(SYS_clone3, &args, sizeof args);
        } else {
          // x86-64 order: flags, stack, parent_tid (the pidfd), child_tid, tls.
          r = syscall(SYS_clone, static_cast<unsigned long>(flags), 0, &pidfd, nullptr, 0);
        }
        if (r == 0) {
          // The child: adopt the new channel, drop the parent's (unless the
          // fd table is shared), say hello with our host pid.
          int old = ch;
          ch = adopt(passed, child_ch);
          if (!(flags & CLONE_FILES)) close(old);
          sandbox_init = false;
          if (!say_hello(ch)) _exit(0);
          continue;
        }
        int e = errno;
        if (passed >= 0 && !(r > 0 && (flags & CLONE_FILES))) close(passed);
        send_reply(ch, r < 0 ? -1 : r, r < 0 ? e : 0, reinterpret_cast<const char*>(&pidfd), sizeof pidfd);
        continue;
      }
      case Op::Thread: {
        // The new thread shares our fd table: it adopts the channel itself.
        int tch = adopt(passed, static_cast<int>(m.a[2]));
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int e = pthread_create(&t, &attr, thread_main, reinterpret_cast<void*>(static_cast<intptr_t>(tch)));
        pthread_attr_destroy(&attr);
        if (e != 0) close(tch);
        send_reply(ch, e ? -1 : 0, e);
        continue;
      }
      // The raw syscall: glibc's unshare() takes an int and would drop bits
      // ksys_unshare() (unsigned long) rejects with EINVAL.
      case Op::Unshare: r = static_cast<int>(syscall(SYS_unshare, static_cast<unsigned long>(m.a[0]))); break;
      case Op::Setns: r = setns(static_cast<int>(m.a[0]), static_cast<int>(m.a[1])); break;
      case Op::Open: r = open(m.str, O_RDONLY | static_cast<int>(m.a[0] & O_CLOEXEC)); break;
      case Op::Exec: {
        // The channel (>= kChannelBase, not close-on-exec) survives; the new
        // image finds it in its environment (agent_after_exec()).
        char chv[48], initv[32];
        std::snprintf(chv, sizeof chv, "%s=%d", kAgentExecEnv, ch);
        std::snprintf(initv, sizeof initv, "%s=1", kAgentInitEnv);
        char arg0[] = "nssim-agent";
        char* argv[] = {arg0, nullptr};
        char* envp[] = {chv, sandbox_init ? initv : nullptr, nullptr};
        r = syscall(SYS_execve, "/proc/self/exe", argv, envp);
        break;  // only on failure
      }
      case Op::Close: r = close(static_cast<int>(m.a[0])); break;
      case Op::Exit: syscall(SYS_exit, static_cast<int>(m.a[0])); _exit(static_cast<int>(m.a[0]));
      case Op::Wait: {
        int st;
        r = waitpid(static_cast<pid_t>(m.a[0]), &st, __WALL | WNOHANG);
        break;
      }
      case Op::PidfdOpen: r = syscall(SYS_pidfd_open, static_cast<pid_t>(m.a[0]), static_cast<unsigned>(m.a[1])); break;
      case Op::Sethostname: r = sethostname(m.str, m.len); break;
      case Op::Gethostname: {
        char h[256] = {};
        r = gethostname(h, sizeof h - 1);
        int e = errno;
        send_reply(ch, r, r < 0 ? e : 0, h, std::strlen(h));
        continue;
      }
      case Op::Setuid: r = syscall(SYS_setuid, static_cast<uid_t>(m.a[0])); break;
      case Op::Setgid: r = syscall(SYS_setgid, static_cast<gid_t>(m.a[0])); break;
      case Op::Setresuid:
        r = syscall(SYS_setresuid, static_cast<uid_t>(m.a[0]), static_cast<uid_t>(m.a[1]), static_cast<uid_t>(m.a[2]));
        break;
      case Op::Setresgid:
        r = syscall(SYS_setresgid, static_cast<gid_t>(m.a[0]), static_cast<gid_t>(m.a[1]), static_cast<gid_t>(m.a[2]));
        break;
      case Op::WriteFile: {
        int fd = open(m.str, O_WRONLY);
        if (fd < 0) break;
        size_t n = std::strlen(str2);
        ssize_t w = write(fd, str2, n);
        int e = errno;
        close(fd);
        errno = e;
        r = w < 0 ? -1 : 0;
        break;
      }
      case Op::Ioctl: {
        unsigned long req = static_cast<unsigned long>(m.a[1]);
        if (req == NS_GET_OWNER_UID) {
          uid_t uid = 0;
          r = ioctl(static_cast<int>(m.a[0]), req, &uid);
          if (r == 0) r = uid;
        } else if (req == NS_GET_PID_FROM_PIDNS || req == NS_GET_TGID_FROM_PIDNS || req == NS_GET_PID_IN_PIDNS ||
                   req == NS_GET_TGID_IN_PIDNS) {
          // The pid to translate is the argument itself; the result is the return value.
          r = ioctl(static_cast<int>(m.a[0]), req, static_cast<unsigned long>(m.a[2]));
        } else if (req == NS_GET_ID || req == NS_GET_MNTNS_ID) {
          uint64_t id = 0;
          r = ioctl(static_cast<int>(m.a[0]), req, &id);
          if (r == 0) r = static_cast<int64_t>(id);
        } else {
          // No argument is 0, said outright: an absent third argument is
          // whatever the register holds, and pidfd_ioctl() @ v6.12 refuses
          // a non-zero one (EINVAL) before it looks at the command.
          r = ioctl(static_cast<int>(m.a[0]), req, 0UL);
        }
        break;
      }
      case Op::Listns: {
        // kernel/nstree.c: SYSCALL_DEFINE4(listns) @ v7.2 (x86_64: 470), struct
        // ns_id_req of include/uapi/linux/nsfs.h (NS_ID_REQ_SIZE_VER0 = 32).
        struct {
          uint32_t size, spare;
          uint64_t ns_id;
          uint32_t ns_type, spare2;
          uint64_t user_ns_id;
        } req = {32, 0, 0, static_cast<uint32_t>(m.a[0]), 0, 0};
        uint64_t id = 0;
        req.user_ns_id = ioctl(static_cast<int>(m.a[1]), NS_GET_ID, &id) == 0 ? id : UINT64_MAX - 1;
        static uint64_t ids[4096];
        r = syscall(470, &req, ids, sizeof ids / sizeof ids[0], static_cast<unsigned>(m.a[2]));
        break;
      }
      case Op::MountBind: {
        // Create the mount point and its directories if missing (as `ip netns
        // add` does), then bind. Only on the sandbox's own tmpfs roots.
        if (!under_sandbox_tmpfs(str2)) {
          errno = EXDEV;
          r = -1;
          break;
        }
        make_dirs(str2, false);
        if (struct stat st; std::strcmp(m.str, str2) == 0 && (stat(str2, &st) != 0 || S_ISDIR(st.st_mode))) {
          // A directory bound onto itself: it becomes a mount point.
          make_dirs(str2, true);
          r = mount(str2, str2, nullptr, MS_BIND | static_cast<unsigned long>(m.a[0] & MS_REC), nullptr);
          break;
        }
        int fd = open(str2, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) close(fd);
        r = mount(m.str, str2, nullptr, MS_BIND, nullptr);
        break;
      }
      // nsfs file handles (real/nsfs_handle.h).
      case Op::NameToHandle: {
        std::vector<unsigned char> h;
        bool ok = encode_nsfs_handle(static_cast<int>(m.a[0]), h);
        int e = errno;
        send_reply(ch, ok ? 0 : -1, ok ? 0 : e, reinterpret_cast<const char*>(h.data()), ok ? h.size() : 0);
        continue;
      }
      case Op::OpenByHandle:
        r = open_nsfs_handle(reinterpret_cast<const unsigned char*>(m.str), m.len, static_cast<int>(m.a[0] & O_CLOEXEC));
        break;
      case Op::MountPropagation:
        r = mount("none", "/", nullptr, static_cast<unsigned long>(m.a[0]), nullptr);
        break;
      case Op::Umount: r = umount2(m.str, static_cast<int>(m.a[0])); break;
      case Op::CgroupOpen:
        r = openat(kCgroupDirFd, m.str, O_RDONLY | O_DIRECTORY | static_cast<int>(m.a[0] & O_CLOEXEC));
        break;
      case Op::CgroupMkdir: r = mkdirat(kCgroupDirFd, m.str, 0755); break;
      case Op::CgroupRmdir: r = unlinkat(kCgroupDirFd, m.str, AT_REMOVEDIR); break;
      case Op::ReadCgroup: {
        char buf[4096];
        ssize_t n = -1;
        if (int fd = openat(kProcDirFd, "thread-self/cgroup", O_RDONLY | O_CLOEXEC); fd >= 0) {
          n = read(fd, buf, sizeof buf - 1);
          close(fd);
        }
        if (n < 0) break;
        buf[n] = 0;
        const char* line = std::strncmp(buf, "0::", 3) == 0 ? buf : std::strstr(buf, "\n0::");
        if (!line) break;
        if (*line == '\n') ++line;
        line += 3;
        const char* end = std::strchr(line, '\n');
        send_reply(ch, 0, 0, line, end ? static_cast<size_t>(end - line) : std::strlen(line));
        continue;
      }
      case Op::Chroot: {
        // Only into a directory of the sandbox's own tmpfs roots, created
        // first (as for a mount's target).
        r = prepare_sandbox_dirs({m.str}) ? chroot(m.str) : -1;
        break;
      }
      case Op::PivotRoot: {
        // Both directories on the sandbox's own tmpfs roots, created first
        // (as for chroot()); the controller checked that the caller's mount
        // namespace is not nssim's own.
        r = prepare_sandbox_dirs({m.str, str2}) ? static_cast<int>(syscall(SYS_pivot_root, m.str, str2)) : -1;
        break;
      }
      case Op::OpenTree: {
        // fs/namespace.c: SYSCALL_DEFINE3(open_tree) @ v7.2 (x86_64: 428).
        // Only a directory of the sandbox's own tmpfs roots, created first
        // (as for chroot()); the devices are noted for the namespace's
        // tasks, whose /srv is then a plain directory of that tmpfs.
        r = prepare_sandbox_dirs({m.str})
                ? static_cast<int>(syscall(428, AT_FDCWD, m.str, static_cast<unsigned>(m.a[0])))
                : -1;
        break;
      }
      case Op::SetDumpable: r = prctl(PR_SET_DUMPABLE, static_cast<unsigned long>(m.a[0]), 0, 0, 0); break;
      case Op::Socket: {
        // Types every family has without privilege: a datagram socket (UDP
        // for AF_INET/AF_INET6), a route netlink socket. The family's create()
        // is what takes the net namespace (sk_alloc()), whatever the type.
        int family = static_cast<int>(m.a[0]);
        r = family == AF_NETLINK ? socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) : socket(family, SOCK_DGRAM, 0);
        break;
      }
      case Op::Socketpair: {
        int sv[2];
        r = socketpair(static_cast<int>(m.a[0]), SOCK_STREAM, 0, sv);
        if (r == 0) r = static_cast<long>(sv[0]) << 32 | sv[1];
        break;
      }
      case Op::SendFd: {
        // One byte carries the fd (a stream skb needs data); never block, and
        // a closed peer is EPIPE, not SIGPIPE.
        char byte = 'x';
        iovec iov{&byte, 1};
        alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        cmsghdr* cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        int fd = static_cast<int>(m.a[1]);
        std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
        r = sendmsg(static_cast<int>(m.a[0]), &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) r = 0;
        break;
      }
      case Op::RecvFd: {
        char byte;
        iovec iov{&byte, 1};
        alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        r = recvmsg(static_cast<int>(m.a[0]), &mh, MSG_DONTWAIT | static_cast<int>(m.a[1] & MSG_CMSG_CLOEXEC));
        if (r == 0) {
          r = kRecvEof;
        } else if (r > 0) {
          r = kRecvNoFd;
          for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
              int fd;
              std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
              r = fd;
            }
        }
        break;
      }
      case Op::SetChildSubreaper:
        r = prctl(PR_SET_CHILD_SUBREAPER, static_cast<unsigned long>(m.a[0]), 0, 0, 0);
        break;
      case Op::SetKeepcaps: r = prctl(PR_SET_KEEPCAPS, static_cast<unsigned long>(m.a[0]), 0, 0, 0); break;
      case Op::CapbsetDrop: r = prctl(PR_CAPBSET_DROP, static_cast<unsigned long>(m.a[0]), 0, 0, 0); break;
      case Op::Capset: {
        // The raw syscalls on this thread (libcap is not linked): read the
        // current sets, apply the scenario's changes, write all three.
        __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct d[2] = {};
        r = syscall(SYS_capget, &h, d);
        if (r < 0) break;
        auto get = [&](uint32_t __user_cap_data_struct::*f) {
          return uint64_t{d[0].*f} | (uint64_t{d[1].*f} << 32);
        };
        auto put = [&](uint32_t __user_cap_data_struct::*f, uint64_t v) {
          d[0].*f = static_cast<uint32_t>(v);
          d[1].*f = static_cast<uint32_t>(v >> 32);
        };
        uint32_t __user_cap_data_struct::*sets[3] = {&__user_cap_data_struct::effective,
                                                      &__user_cap_data_struct::permitted,
                                                      &__user_cap_data_struct::inheritable};
        for (int i = 0; i < 3; ++i) {
          uint64_t old = get(sets[i]), mask = static_cast<uint64_t>(m.a[i]);
          switch ((m.a[3] >> (2 * i)) & 3) {  // CapChange::Op: Keep, Set, Add, Remove
            case 1: put(sets[i], mask); break;
            case 2: put(sets[i], old | mask); break;
            case 3: put(sets[i], old & ~mask); break;
            default: break;
          }
        }
        h = {_LINUX_CAPABILITY_VERSION_3, 0};
        r = syscall(SYS_capset, &h, d);
        break;
      }
      case Op::Setgroups: {
        gid_t g[kStrMax / sizeof(gid_t)];
        size_t n = m.len / sizeof(uint32_t);
        std::memcpy(g, m.str, n * sizeof(uint32_t));
        r = syscall(SYS_setgroups, static_cast<int>(n), g);  // not glibc's: it changes every thread
        break;
      }
      default: errno = ENOSYS; r = -1; break;
    }
    int e = errno;
    if (passed >= 0) close(passed);
    bool cred_op = m.op == Op::Setuid || m.op == Op::Setgid || m.op == Op::Setresuid || m.op == Op::Setresgid ||
                   m.op == Op::Capset || m.op == Op::SetKeepcaps || m.op == Op::CapbsetDrop || m.op == Op::Setgroups;
    if (sandbox_init && cred_op && r == 0) prctl(PR_SET_PDEATHSIG, SIGKILL);  // commit_creds() cleared it
    if (!send_reply(ch, r, r == -1 ? e : 0)) _exit(0);
  }
}

}  // namespace nssim::real
