# A mount namespace whose only task is chrooted: that task's mountinfo shows
# only what is under its root, relative to it, so --real reads the tree
# through a helper that setns()es into it (the namespace's own root). Paths
# the chrooted task names resolve under /run/jail (fs/namei.c: path_init()
# @ v6.12). Also: a CLONE_FS sharer's chroot moves the root of a process
# whose later children must still report back (fuzz --real, seeds 7123,
# 7244, 7946: the live agent keeps an fd of /proc for them).
init: clone(CLONE_NEWNET) -> n
let N = n.net
init: mount("/proc/n/ns/net", "/run/jail/run/x", MS_BIND)
init: clone(0) -> j
j: chroot("/run/jail")
j: unshare(CLONE_NEWNS)
j: mount("/run/x", "/srv/y", MS_BIND)
j: umount("/run/x")
n: exit(0)
init: wait(n)
init: umount("/run/jail/run/x")
expect alive(N)
j: open("/srv/y") -> f
j: umount("/srv/y") = EBUSY
j: close(f)
j: umount("/srv/y")
expect dead(N)
init: clone(0) -> p
p: clone(CLONE_FS) -> q
q: chroot("/run/q")
p: clone(0) -> r
r: open("/proc/r/ns/net") -> g = ENOENT
