# An init waiting in zap_pid_ns_processes() ignores SIGCHLD (zap sets
# SIG_IGN), so a child that dies while it waits is reaped at once
# (kernel/signal.c: do_notify_parent() autoreap; kernel/pid_namespace.c:
# zap_pid_ns_processes() @ v6.12). Here t2's exit kills everything below it;
# t16, a child of t2 inside t12's pid namespace, keeps t12 waiting until t2
# reaps it; t12 then dies as a child of t9, which is itself waiting: t12 is
# autoreaped, t9 finishes, and t2 becomes a zombie. Found by nssim fuzz
# --real (campaign 14, seed 152221): the model kept t12 a zombie and t2, t9
# exiting.
init: clone3(CLONE_NEWPID) -> t2
t2: clone3(0) -> t4
t4: clone(0) -> t5
t5: clone(CLONE_PIDFD) -> t7, f2
t7: clone(CLONE_NEWPID) -> t9
t9: clone(CLONE_PIDFD) -> t11, f4
t11: open("/proc/t2/ns/ipc") -> f7
t11: clone(CLONE_NEWPID) -> t12
t12: clone(0) -> t13
t2: open("/proc/t12/ns/pid_for_children") -> f10
t12: clone(0) -> t15
t2: setns(f10, 0)
t2: clone3(0) -> t16
t2: exit(0)
init: socket(AF_INET) -> s19
expect t2.state == "zombie"
init: wait(t2) = t2
