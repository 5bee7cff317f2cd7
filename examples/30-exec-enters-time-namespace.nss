# exec(): what fs/exec.c: begin_new_exec() does to namespaces, fds and creds.
# unshare(CLONE_NEWTIME) makes only time_for_children: the caller enters that
# time namespace at its next exec (exec_task_namespaces(), through a new
# nsproxy), as its children do at fork. O_CLOEXEC fds close (their pins go).
init: clone(0) -> a
a: unshare(CLONE_NEWTIME)
expect a.time != a.time_for_children
let T = a.time_for_children
a: open("/proc/a/ns/uts", O_CLOEXEC) -> gone   # closed by the exec (do_close_on_exec())
a: open("/proc/a/ns/time_for_children") -> kept # survives it, and pins T
a: exec()
expect a.time == T
expect a.time == a.time_for_children
expect T.refs == 3                              # time + time_for_children of a's nsproxy, the nsfs inode
a: close(kept)
# In a user namespace the new mm belongs to it (mm->user_ns, a reference the
# BPF check counts), and the exe file keeps the cred of the exec.
init: clone(CLONE_NEWUSER) -> u
u: exec()
u: exit(0)
init: wait(u) = u
# exec makes a task dumpable again when its ids agree (euid == uid): after
# setresuid() the mm was not, and e (same uid, no CAP_SYS_PTRACE) could not
# open d's links; after d's exec it can.
init: clone(0) -> d
d: clone(0) -> e
d: setresuid(1000, 1000, 1000)
e: setresuid(1000, 1000, 1000)
e: open("/proc/d/ns/uts") -> nf = EACCES
d: exec()
e: open("/proc/d/ns/uts") -> f
