# A struct pid holds its pid namespace (put_pid() drops it), and a pidfd holds
# the struct pid: a pid namespace can outlive every task in it.
init: clone(CLONE_NEWPID) -> c              # pid 1 of a new namespace
let P = c.pid
init: pidfd_open(c) -> pfd
c: exit(0)
expect c.pid == P                           # a zombie's pid link still opens
init: wait(c) = c
expect alive(P)                             # only the pidfd's struct pid holds it
expect P.refs == 1
init: setns(pfd, CLONE_NEWPID) = ESRCH      # but it has no task to take namespaces from
init: close(pfd)
expect dead(P)
