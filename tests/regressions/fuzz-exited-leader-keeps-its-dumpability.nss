# Found by `nssim fuzz --real --seed 5669`: ptrace checks on a task that has
# let go of its mm use the dumpability exit_mm() saved in the task
# (task->user_dumpable, kernel/exit.c:exit_mm() and
# kernel/ptrace.c:__ptrace_may_access() @ v6.18), not the mm its live threads
# keep changing.
init: setgid(1000)                   # an id change: the mm is not dumpable
init: clone(CLONE_NEWUSER) -> l
l: thread() -> lt
lt: clone(0) -> peer                 # same user namespace, same ids
l: exit(1)                           # the leader only: a zombie, mm gone
lt: prctl(PR_SET_DUMPABLE, 1)        # the shared mm is dumpable again
peer: open("/proc/lt/ns/net") -> f1  # a live thread: the mm decides
peer: open("/proc/l/ns/net") -> f2 = EACCES   # the leader's saved value
