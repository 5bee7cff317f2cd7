// A small program that exercises the namespace calls nssim translates from
// strace: clone3 with CLONE_NEWUTS, a thread, pidfd_open + setns(pidfd),
// ioctl NS_GET_*, dup/dup2/fcntl(F_DUPFD_CLOEXEC) of nsfs fds, close_range,
// sethostname, unshare(CLONE_NEWTIME) then execve (exec_task_namespaces()
// enters time_for_children) with O_CLOEXEC nsfs fds open.
// Usage: nsops            (runs everything, then re-executes itself as "nsops exec")
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void* thread_main(void* arg) {
  (void)arg;
  int fd = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) close(fd);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    // After the execve: the time namespace is the one unshared before it.
    char buf[64];
    ssize_t n = readlink("/proc/self/ns/time", buf, sizeof buf - 1);
    (void)n;
    return 0;
  }
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_NEWUTS;
  ca.exit_signal = SIGCHLD;
  long child = syscall(SYS_clone3, &ca, sizeof ca);
  if (child == 0) {
    sethostname("inner", 5);
    pause();
    _exit(0);
  }
  pthread_t th;
  pthread_create(&th, NULL, thread_main, NULL);
  pthread_join(th, NULL);
  int pfd = (int)syscall(SYS_pidfd_open, (pid_t)child, 0);
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/uts", child);
  int uts = open(path, O_RDONLY);
  int userns = ioctl(uts, NS_GET_USERNS);
  int type = ioctl(uts, NS_GET_NSTYPE);
  (void)type;
  uid_t owner;
  ioctl(userns, NS_GET_OWNER_UID, &owner);
  int parent = ioctl(userns, NS_GET_PARENT);  // EPERM: outside our user namespace
  (void)parent;
  int d = dup(uts);
  dup2(uts, 20);
  int dc = fcntl(uts, F_DUPFD_CLOEXEC, 30);
  close(uts);
  setns(d, CLONE_NEWUTS);
  close(d);
  setns(pfd, CLONE_NEWUTS | CLONE_NEWIPC);
  kill((pid_t)child, SIGKILL);
  waitpid((pid_t)child, NULL, 0);
  close(pfd);
  syscall(SYS_close_range, 20, 20, 0);
  (void)dc;
  int keep = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  (void)keep;
  unshare(CLONE_NEWTIME);
  char* args[] = {argv[0], "exec", NULL};
  execv("/proc/self/exe", args);
  return 1;
}
