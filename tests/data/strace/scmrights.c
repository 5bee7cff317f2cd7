// A namespace handed over a unix socket (SCM_RIGHTS), and bind mounts after
// unshare(1)'s propagation change: a child makes a net namespace and sends an
// fd of it; the parent receives it, enters it, and binds it onto /srv in a
// private mount namespace.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int send_fds(int s, const int* fds, int n) {
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(2 * sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = CMSG_SPACE(n * sizeof(int));
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n * sizeof(int));
  memcpy(CMSG_DATA(c), fds, n * sizeof(int));
  return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int s, int flags) {
  char byte;
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(2 * sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  if (recvmsg(s, &m, flags) != 1) return -1;
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t c = fork();
  if (c == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(1);
    int ns = open("/proc/self/ns/net", O_RDONLY);
    int uts = open("/proc/self/ns/uts", O_RDONLY);
    int two[2] = {ns, uts};
    if (send_fds(sv[0], &ns, 1) != 0 || send_fds(sv[0], two, 2) != 0) _exit(1);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  int ns = recv_fd(sv[1], MSG_CMSG_CLOEXEC);
  if (ns < 0) return 1;
  int more = recv_fd(sv[1], 0); /* two fds: the first one and a second one */
  (void)more;
  if (setns(ns, CLONE_NEWNET) != 0) return 1;
  /* unshare --mount --propagation private, then a bind mount onto /srv. */
  if (unshare(CLONE_NEWNS) != 0) return 1;
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return 1;
  mkdir("/srv/ns", 0755);
  int f = open("/srv/ns/net", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (f < 0) return 1;
  close(f);
  if (mount("/proc/self/ns/net", "/srv/ns/net", NULL, MS_BIND, NULL) != 0) return 1;
  if (umount2("/srv/ns/net", MNT_DETACH) != 0) return 1;
  return 0;
}
