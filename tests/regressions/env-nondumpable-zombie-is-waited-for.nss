# nssim fuzz --real found this inside `unshare --user --map-root-user`: a
# non-dumpable task hides its /proc/PID/ns links from nssim there (no
# CAP_SYS_PTRACE over the mm's user namespace, nor over init_user_ns once it is
# a zombie: kernel/ptrace.c: task_still_dumpable()), and the live backend used
# those links to translate t6's pid for t3's wait(): it waited for no such pid
# (ECHILD). Pids are now translated from each task's pid namespaces as it
# reported them at creation. On the host, as root, nothing is hidden.
init: clone3(0) -> t1
t1: clone3(0) -> t2
t2: clone(0) -> t3
t3: clone(0) -> t6
t6: prctl(PR_SET_DUMPABLE, 0)
t6: exit(0)
t3: wait(t6) = t6
