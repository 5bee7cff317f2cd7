# A pidfd opens its task's namespaces: ioctl(PIDFD, PIDFD_GET_<X>_NAMESPACE) -> F
# (fs/pidfs.c: pidfd_ioctl(), since 6.11; include/uapi/linux/pidfd.h). F is an
# nsfs fd like open("/proc/T/ns/X") gives (O_CLOEXEC), without a path through
# /proc. Checked in this order: the task reaped (ESRCH), ptrace_may_access()
# (EACCES), the task exited (ESRCH). One difference from /proc: pidfd_ioctl()
# has no child_reaper check, so pid_for_children opens before its namespace has
# an init, where /proc/PID/ns/pid_for_children is ENOENT (before 7.1).
# docs/kernels.md, row pidfd-ioctl. Written for 6.12-6.18 (6.1: ENOTTY; 7.2: the
# /proc link opens too). Checked live with nssim trace --real [--vm 6.12] FILE.
kernel 6.18
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> c
init: pidfd_open(c) -> pf
init: ioctl(pf, PIDFD_GET_NET_NAMESPACE) -> n          # c's net namespace
init: ioctl(pf, PIDFD_GET_UTS_NAMESPACE) -> u
init: ioctl(n, NS_GET_NSTYPE) = CLONE_NEWNET           # an nsfs fd
init: clone(0) -> d                                    # d's fd table is a copy: n and u too
d: setns(n, CLONE_NEWNET)
d: setns(u, CLONE_NEWUTS)
expect d.net == c.net
expect d.uts == c.uts
init: ioctl(n, PIDFD_GET_NET_NAMESPACE) -> x = ENOTTY  # not a pidfd
d: exit(0)
init: wait(d)

# pid_for_children before its init: /proc says no, the pidfd says yes.
c: unshare(CLONE_NEWPID)
expect c.pid_for_children == none                      # ENOENT until c forks its init
init: ioctl(pf, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE) -> pc
init: clone(0) -> e
e: setns(pc, CLONE_NEWPID)                             # e's children go there too
e: close(pc)                                           # fewer fds, a smaller picture
e: close(pf)
e: close(n)
e: close(u)
init: close(pc)
c: clone(0) -> c1                                      # the namespace's init
expect c1.pid == 1
expect e.pid_for_children == c1.pid
expect c.pid_for_children == c1.pid

# Who may ask, and about whom.
init: close(u)
init: clone(0) -> v
v: close(pf)
v: close(n)
v: setuid(1000)
v: pidfd_open(init) -> vf
v: ioctl(vf, PIDFD_GET_NET_NAMESPACE) -> y = EACCES    # ptrace_may_access(): another uid
init: pidfd_open(v) -> vp
v: exit(0)
init: ioctl(vp, PIDFD_GET_NET_NAMESPACE) -> z = ESRCH  # a zombie: no nsproxy
init: wait(v)
init: ioctl(vp, PIDFD_GET_USER_NAMESPACE) -> w = ESRCH # reaped

# Pid translation on a pid namespace fd (fs/nsfs.c: ns_ioctl(), since 6.11,
# row ns-pid-translation): a task's pid as another pid namespace numbers it.
# The scenario names the task; nssim passes its pid as the request wants it.
init: open("/proc/c/ns/pid_for_children") -> cn       # the namespace c1 is init of
init: ioctl(cn, NS_GET_PID_IN_PIDNS, c1) = 1
c1: clone(0) -> c2
init: ioctl(cn, NS_GET_PID_IN_PIDNS, c2) = 2
c2: thread() -> c2t
init: ioctl(cn, NS_GET_PID_IN_PIDNS, c2t) = 3          # a thread: its own tid
init: ioctl(cn, NS_GET_TGID_IN_PIDNS, c2t) = 2         # its thread group's
init: ioctl(cn, NS_GET_PID_FROM_PIDNS, 2) = 7          # c2 as init sees it (c2.pid@init)
expect c2.pid@init == 7
init: ioctl(cn, NS_GET_PID_IN_PIDNS, init) = ESRCH     # init has no number in c1's namespace
init: ioctl(cn, NS_GET_PID_IN_PIDNS, 99999) = ESRCH    # no task has that pid
c1: open("/proc/self/ns/pid") -> own
c1: ioctl(own, NS_GET_PID_FROM_PIDNS, c2) = 2          # the same namespace on both sides
init: ioctl(n, NS_GET_PID_IN_PIDNS, c1) = EINVAL       # n is a net namespace
