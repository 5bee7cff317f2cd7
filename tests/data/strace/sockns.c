// Sockets pin network namespaces: a socket made in a new net namespace keeps
// it after the process has gone back to its first one; SIOCGSKNS reopens it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int home = open("/proc/self/ns/net", O_RDONLY);
  if (home < 0 || unshare(CLONE_NEWNET) != 0) return 1;
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int u = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (s < 0 || u < 0 || setns(home, CLONE_NEWNET) != 0) return 1;
  close(u);
  int ns = ioctl(s, SIOCGSKNS);  /* the namespace only the socket keeps */
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) return 1;
  close(ns);
  close(s);
  close(home);
  return 0;
}
