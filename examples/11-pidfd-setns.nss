# setns with a pidfd enters several of the target's namespaces at once.
init: clone(CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC) -> t
init: clone(0) -> j
j: pidfd_open(t) -> pfd
j: setns(pfd, 0) = EINVAL                   # a pidfd needs at least one flag
j: setns(pfd, CLONE_NEWNET|CLONE_NEWUTS) = 0
expect j.net == t.net
expect j.uts == t.uts
expect j.ipc == init.ipc                    # not asked for
t: exit(0)
j: setns(pfd, CLONE_NEWIPC) = ESRCH         # a zombie has no nsproxy
init: wait(t) = t
j: setns(pfd, CLONE_NEWIPC) = ESRCH         # reaped
