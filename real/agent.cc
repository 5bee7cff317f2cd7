// The agent: one per scenario task, a real process (or thread) that runs one
// system call per request. It is created by its parent task's own clone, so
// every kernel rule about the creator applies; it stays single-threaded and
// never opens anything the scenario did not ask for.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "real/protocol.h"

namespace nssim::real {

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

// Receives one request; the fd passed with SCM_RIGHTS (clone's child channel) in *passed.
bool recv_msg(int ch, Msg& m, int* passed) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  iovec iov{&m, sizeof m};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = cbuf;
  h.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = recvmsg(ch, &h, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof m)) return false;
  *passed = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(passed, CMSG_DATA(c), sizeof(int));
  return true;
}

// Host pid of this process, read from the host's procfs (/proc is the host's
// in every sandbox mount namespace), so the controller can find us.
int64_t host_tgid() {
  char buf[32];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = 0;
  return std::strtoll(buf, nullptr, 10);
}

int vm_child(void*) {
  // A CLONE_VM child the model said could not exist: leave at once.
  syscall(SYS_exit, 0);
  return 0;
}

}  // namespace

void agent_main(int ch) {
  for (;;) {
    Msg m;
    int passed = -1;
    if (!recv_msg(ch, m, &passed)) _exit(0);  // the controller is gone: so are we
    m.str[sizeof m.str - 1] = 0;
    long r = -1;
    switch (m.op) {
      case Op::Clone: {
        uint64_t flags = static_cast<uint64_t>(m.a[0]);
        int child_ch = static_cast<int>(m.a[2]);
        if (flags & CLONE_VM) {
          // Never run agent code in a memory-sharing child: give it its own
          // stack and let it exit (only reached if the model predicted EINVAL).
          static char stack[64 * 1024] alignas(16);
          r = clone(vm_child, stack + sizeof stack, static_cast<int>(flags & 0xffffffff), nullptr);
        } else if (m.a[1]) {
          clone_args args{};
          args.flags = flags;
          args.exit_signal = static_cast<uint64_t>(m.a[3]);
          r = syscall(SYS_clone3, &args, sizeof args);
        } else {
          r = syscall(SYS_clone, static_cast<unsigned long>(flags), 0, nullptr, nullptr, 0);
        }
        if (r == 0) {
          // The child: adopt the new channel, drop the parent's (unless the
          // fd table is shared), say hello with our host pid.
          bool shared = flags & CLONE_FILES;
          if (passed != child_ch) {
            dup2(passed, child_ch);
            close(passed);
          }
          if (!shared) close(ch);
          ch = child_ch;
          Msg hello{};
          hello.op = Op::Hello;
          hello.a[0] = host_tgid();
          hello.a[1] = syscall(SYS_gettid);
          if (send(ch, &hello, sizeof hello, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof hello)) _exit(0);
          continue;
        }
        int e = errno;
        if (passed >= 0 && !(r > 0 && (flags & CLONE_FILES))) close(passed);
        send_reply(ch, r < 0 ? -1 : r, r < 0 ? e : 0);
        continue;
      }
      case Op::Unshare: r = unshare(static_cast<int>(m.a[0])); break;
      case Op::Setns: r = setns(static_cast<int>(m.a[0]), static_cast<int>(m.a[1])); break;
      case Op::Open: r = open(m.str, O_RDONLY); break;
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
      default: errno = ENOSYS; r = -1; break;
    }
    int e = errno;
    if (passed >= 0) close(passed);
    if (!send_reply(ch, r, r < 0 ? e : 0)) _exit(0);
  }
}

}  // namespace nssim::real
