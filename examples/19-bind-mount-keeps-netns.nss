# `ip netns add x`: a bind mount of /proc/PID/ns/net keeps the namespace after
# all its processes exit; umount releases it.
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: mount("/proc/b/ns/net", "/run/netns/x", MS_BIND)
expect N.refs == 2                        # b's nsproxy + the nsfs inode (for the mount)
b: exit(0)
init: wait(b)
expect alive(N)
expect N.refs == 1
init: clone(0) -> user
user: open("/run/netns/x") -> fd          # `ip netns exec x`: open the mount...
user: setns(fd, CLONE_NEWNET)             # ...and enter it
expect user.net == N
init: umount("/run/netns/x") = EBUSY      # a file is open through the mount
user: close(fd)
init: umount("/run/netns/x") = 0          # `ip netns delete x`
expect alive(N)                           # user's nsproxy still holds it
user: exit(0)
expect dead(N)
init: umount("/run/netns/x") = EINVAL     # not a mount point any more
init: umount("/run/netns/nope") = ENOENT
