# unshare(CLONE_NEWPID) moves only pid_for_children; the caller stays where
# it is. The first child becomes pid 1 (child_reaper) of the new namespace.
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
expect p.pid != p.pid_for_children
expect p.pid_for_children == none       # ENOENT until the namespace has its init
p: unshare(CLONE_NEWPID) = EINVAL       # a second one before forking
p: clone(0) -> c1
expect c1.pid == 1
expect c1.pid == p.pid_for_children
expect p.pid_for_children != none
p: clone(0) -> c2
expect c2.pid == 2
expect c2.pid@p == 4                    # c2's pid as seen from p's namespace
expect p.pid == 2
p: unshare(CLONE_NEWPID) = EINVAL       # still: pid_for_children is not p's active one
p: clone(CLONE_NEWPID) -> c3 = EINVAL   # copy_pid_ns() refuses from a non-active namespace
