# setns into a pid namespace: only to the active one or a descendant, and only
# pid_for_children changes (the caller's pid does not). setns into a time
# namespace changes both time links.
init: clone(0) -> joiner                  # in init's pid namespace
init: unshare(CLONE_NEWPID)
init: clone(0) -> inner                   # pid 1 of the new namespace
init: unshare(CLONE_NEWTIME)
init: clone3(0) -> tchild                 # enters the new time namespace (and is pid 2 in inner's)
joiner: open("/proc/inner/ns/pid") -> pidfd
joiner: setns(pidfd, CLONE_NEWPID) = 0
expect joiner.pid_for_children == inner.pid
expect joiner.pid != inner.pid            # the caller stays in its pid namespace
expect joiner.pid == 2                    # and keeps its pid
joiner: clone(0) -> grandchild
expect grandchild.pid == 3                # pid 3 inside inner's namespace
expect grandchild.pid == inner.pid
inner: open("/proc/init/ns/pid") -> up
inner: setns(up, CLONE_NEWPID) = EINVAL   # an ancestor of inner's active namespace
joiner: open("/proc/tchild/ns/time") -> tfd
joiner: setns(tfd, CLONE_NEWTIME) = 0
expect joiner.time == tchild.time
expect joiner.time_for_children == tchild.time
