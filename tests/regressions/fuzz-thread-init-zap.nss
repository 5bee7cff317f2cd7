# Found by `nssim fuzz --real --seed 2753`: when the init of a pid namespace
# exits, zap_pid_ns_processes() kills the namespace and
# reaps the zombies among the children of *every* thread of the init's group
# (kernel/pid_namespace.c:zap_pid_ns_processes() @ v6.18 waits with
# kernel_wait4(), which without __WNOTHREAD looks at all threads' children).
init: clone(0) -> p
p: thread() -> pt
pt: clone(CLONE_NEWPID) -> a         # pid 1 of A; its parent is the thread pt
a: clone3(CLONE_NEWPID) -> b         # pid 1 of B
b: thread() -> bt                    # B's init has two threads
a: exit(1)
expect a.state == "zombie"           # reaped by its parent p (thread pt) only
expect b.state == "reaped"
expect bt.state == "reaped"
