# A pid namespace whose first fork fails, on Debian sid's kernel (7.2).
# clone3(CLONE_INTO_CGROUP) checks its cgroup fd after alloc_pid(): with an fd
# that is no cgroup directory it fails (EBADF) having taken pid 1 of p's new
# pid namespace, and gives it back (free_pid()). Up to 6.18 that closes the
# namespace for good (PIDNS_ADDING is cleared: every later fork into it is
# ENOMEM, tests/regressions/fuzz-failed-first-fork-closes-the-pid-namespace.nss).
# Since the 2025 alloc_pid() rework the namespace stays open and the next fork
# starts from pid 1 again: it is the init. docs/kernels.md, row
# pidns-first-fork-retry. Checked live with nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: clone(0) -> p
p: open("/proc/self/ns/net") -> nf
p: unshare(CLONE_NEWPID)
p: clone3(CLONE_INTO_CGROUP, cgroup=nf) -> c = EBADF
p: clone(0) -> d                     # the namespace still admits tasks
expect d.pid == p.pid_for_children
expect d.pid == 1                    # its init
p: clone(0) -> e
