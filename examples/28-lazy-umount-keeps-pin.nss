# umount2(PATH, MNT_DETACH), as `ip netns delete` and container runtimes use:
# a lazy unmount succeeds even while a file is open through the mount. The
# mount leaves the tree at once; the open file keeps the detached mount — and
# the namespace's nsfs inode — until it is closed.
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: mount("/proc/b/ns/net", "/run/netns/x", MS_BIND)
b: exit(0)
init: wait(b)
init: open("/run/netns/x") -> f           # through the mount: it is busy now
init: umount("/run/netns/x") = EBUSY      # a plain umount refuses
init: umount("/run/netns/x", MNT_DETACH) = 0
init: umount("/run/netns/x") = EINVAL     # not a mount point any more
expect alive(N)                           # f keeps the detached mount and N
expect N.refs == 1                        # the nsfs inode's one reference
init: clone(0) -> user
user: setns(f, CLONE_NEWNET)              # the fd still enters N (it was inherited)
expect user.net == N
user: exit(0)
init: wait(user)
init: close(f)                            # the last user of the detached mount
expect dead(N)
