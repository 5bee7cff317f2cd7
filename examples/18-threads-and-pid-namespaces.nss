# After unshare(CLONE_NEWPID), pid_for_children differs from the active pid
# namespace and CLONE_THREAD is refused: such a process can no longer create
# threads (pthread_create fails with EINVAL). Processes still can.
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
p: thread() -> t = EINVAL
p: clone(0) -> child                      # pid 1 of the new namespace
expect child.pid == 1
child: thread() -> ct                     # inside, everything is normal
expect ct.pid == 2
expect ct.pid_for_children == child.pid
