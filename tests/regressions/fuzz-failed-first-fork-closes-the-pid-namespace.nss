# Found by nssim fuzz --real --seed 120012: CLONE_INTO_CGROUP's checks come
# after alloc_pid(), so a refused clone3 has taken pid 1 of the caller's new
# pid namespace and gives it back. free_pid() of a namespace's first pid
# clears PIDNS_ADDING: the namespace admits no task any more (ENOMEM, even for
# a plain fork), as when its init has died.
init: clone(0) -> p
p: open("/proc/self/ns/net") -> nf
p: unshare(CLONE_NEWPID)
p: clone3(CLONE_INTO_CGROUP, cgroup=nf) -> c = EBADF
p: clone3(0) -> d = ENOMEM
p: clone(0) -> e = ENOMEM
# A failed clone3 after the namespace has its init does not close it.
init: clone(0) -> q
q: open("/proc/self/ns/net") -> qf
q: unshare(CLONE_NEWPID)
q: clone(0) -> qi
q: clone3(CLONE_INTO_CGROUP, cgroup=qf) -> x = EBADF
q: clone(0) -> y
