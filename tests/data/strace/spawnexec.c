// exec() and vfork-style children, as posix_spawn(), vfork() and
// clone(CLONE_VM|CLONE_VFORK) make them; close-on-exec set every way the
// kernel offers (O_CLOEXEC, F_SETFD, F_DUPFD_CLOEXEC, close_range), a failed
// execve, and capset. Run without arguments; it re-executes itself ("again
// FD") to show which nsfs fd survived its exec.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
static char stack[65536];
static char* self;

static int child(void* arg) {
  (void)arg;
  char* av[] = {"true", NULL};
  execve("/bin/true", av, environ);
  _exit(127);
}

/* The effective set: the permitted one, without CAP_SYS_ADMIN when `drop`. */
static int set_caps(int drop) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d)) return -1;
  d[0].effective = d[0].permitted & ~(drop ? 1u << CAP_SYS_ADMIN : 0u);
  d[1].effective = d[1].permitted;
  return (int)syscall(SYS_capset, &h, d);
}

int main(int argc, char** argv) {
  self = argv[0];
  if (argc > 2 && !strcmp(argv[1], "again")) {
    /* The one nsfs fd that stayed open across the exec. */
    return setns(atoi(argv[2]), CLONE_NEWNET) != 0;
  }
  int uts = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
  int ipc = open("/proc/self/ns/ipc", O_RDONLY);
  int net = open("/proc/self/ns/net", O_RDONLY);
  int cgroup = open("/proc/self/ns/cgroup", O_RDONLY);
  if (uts < 0 || ipc < 0 || net < 0 || cgroup < 0) return 1;
  fcntl(ipc, F_SETFD, FD_CLOEXEC);
  int dupd = fcntl(net, F_DUPFD_CLOEXEC, 10);
  close_range(cgroup, cgroup, CLOSE_RANGE_CLOEXEC);
  (void)dupd;

  /* posix_spawn: clone3 or clone with CLONE_VM|CLONE_VFORK. */
  pid_t p;
  char* tav[] = {"true", NULL};
  if (posix_spawn(&p, "/bin/true", NULL, NULL, tav, environ) != 0) return 1;
  waitpid(p, NULL, 0);
  /* vfork(), a failed execve, then _exit. */
  pid_t v = vfork();
  if (v == 0) {
    execve("/nonexistent/program", tav, environ);
    _exit(127);
  }
  waitpid(v, NULL, 0);
  /* clone(CLONE_VM|CLONE_VFORK|SIGCHLD) through glibc's clone(). */
  pid_t c = clone(child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
  if (c < 0) return 1;
  waitpid(c, NULL, 0);

  /* capset: without CAP_SYS_ADMIN in the effective set unshare fails. */
  if (set_caps(1) != 0) return 1;
  if (unshare(CLONE_NEWUTS) == 0) return 1;
  if (set_caps(0) != 0) return 1;

  char buf[16];
  snprintf(buf, sizeof buf, "%d", net);
  char* av[] = {self, "again", buf, NULL};
  execve(self, av, environ);
  return 1;
}
