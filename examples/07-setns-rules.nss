# setns(fd, nstype): nstype must be 0 or the fd's own type; every successful
# setns installs a new nsproxy, even when re-entering the same namespace.
init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> x
init: clone(0) -> y
y: open("/proc/x/ns/net") -> netfd
y: setns(netfd, CLONE_NEWUTS) = EINVAL     # type mismatch
y: setns(netfd, CLONE_NEWNET) = 0
expect y.net == x.net
expect y.uts == init.uts
y: open("/proc/self/ns/uts") -> myuts
y: setns(myuts, 0) = 0                     # re-entering my own uts namespace...
expect y.nsproxy != init.nsproxy           # ...still a new nsproxy
y: close(netfd)
y: setns(netfd, 0)                         # closed: EBADF, reported like strace
