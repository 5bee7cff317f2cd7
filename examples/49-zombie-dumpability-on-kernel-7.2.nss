# Who may read a zombie's /proc/PID/ns links, on Debian sid's kernel (7.2).
# Since 7.2 a task's dumpability and the user namespace ptrace checks ask
# about live in task->exec_state (kernel/exec_state.c), which threads share
# and which a task keeps until it is reaped. So a leader that exited still
# follows its live thread's prctl(PR_SET_DUMPABLE): the access check passes
# and the link is simply gone (ENOENT: a zombie has no nsproxy). On 6.18 and
# before the leader keeps the dumpability exit_mm() saved (not dumpable here),
# and the same open is EACCES (tests/regressions/fuzz-exited-leader-keeps-its-
# dumpability.nss). docs/kernels.md, row task-exec-state. Checked live with
# nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: setgid(1000)                   # an id change: init is not dumpable
init: clone(CLONE_NEWUSER) -> l
l: thread() -> lt
lt: clone(0) -> peer                 # same user namespace, same ids
l: exit(1)                           # the leader only: a zombie
lt: prctl(PR_SET_DUMPABLE, 1)        # the group's exec_state: dumpable again
peer: open("/proc/lt/ns/net") -> f1
peer: open("/proc/l/ns/net") -> f2 = ENOENT   # allowed, but no namespace left
expect l.net == none
