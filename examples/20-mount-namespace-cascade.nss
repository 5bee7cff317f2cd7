# A bind mount belongs to a mount namespace: a copy made by unshare(CLONE_NEWNS)
# carries it along, and when a mount namespace dies its mounts go, releasing
# what they pinned (the cascade).
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: mount("/proc/b/ns/net", "/run/netns/x", MS_BIND)
init: clone(0) -> m
m: unshare(CLONE_NEWNS)                   # copy_mnt_ns(): the bind mount is copied
b: exit(0)
init: wait(b)
init: umount("/run/netns/x")              # gone from init's mount namespace...
expect alive(N)                           # ...but m's copy still pins it
let M = m.mnt
m: exit(0)                                # m's mount namespace dies with its last task
init: wait(m)
expect dead(M)
expect dead(N)                            # umount_tree() released the pin
init: clone(CLONE_NEWNET) -> c
init: clone(CLONE_NEWUSER|CLONE_NEWNS) -> u   # a mount namespace owned by a new user namespace
init: mount("/proc/c/ns/net", "/run/netns/y", MS_BIND)
u: umount("/run/netns/y") = EINVAL        # not in u's namespace (copied before the mount)
init: clone(CLONE_NEWUSER|CLONE_NEWNS) -> v   # made after the mount: it has a locked copy
v: umount("/run/netns/y") = EINVAL        # MNT_LOCKED: a less privileged copy cannot reveal what is under
