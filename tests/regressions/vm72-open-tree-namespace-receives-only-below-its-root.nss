# Found with `nssim trace --real --vm 7.2`: open_tree(OPEN_TREE_NAMESPACE) of a
# directory of a shared tree makes a peer of that directory's mount only, and
# only what is mounted below its root reaches it (fs/pnode.c: propagate_one()
# needs the mountpoint to be reachable from the peer's root @ v7.2). The model
# once copied every bind mount of the tree into it, so the net namespace
# below outlived its last real mount there.
kernel 7.2
init: clone(CLONE_NEWNET) -> n
init: clone(0) -> p
p: unshare(CLONE_NEWNS)
p: mount("none", "/", MS_REC|MS_SHARED)
p: open_tree("/srv/root", OPEN_TREE_NAMESPACE) -> m   # a peer of /srv's mount, rooted at /srv/root
p: clone(0) -> c
c: setns(m, CLONE_NEWNS)
let N = n.net
p: mount("/proc/n/ns/net", "/srv/root/run/in", MS_BIND)   # below its root: propagates
p: mount("/proc/n/ns/net", "/srv/out", MS_BIND)           # outside it: does not
p: mount("/proc/n/ns/net", "/run/out2", MS_BIND)          # another mount: does not
p: mount("/srv/root/srv/d", "/srv/root/srv/d", MS_BIND)   # a directory bind mount below: propagates
c: open("/run/in") -> fin
c: ioctl(fin, NS_GET_NSTYPE) = CLONE_NEWNET
c: close(fin)
n: exit(0)
init: wait(n) = n
p: mount("none", "/", MS_REC|MS_PRIVATE)                  # p's umounts stay in p
p: umount("/srv/root/run/in") = 0
p: umount("/srv/out") = 0
p: umount("/run/out2") = 0
expect alive(N)                                           # c's copy at /run/in
c: umount("/srv/d") = 0                                   # the propagated directory bind mount
c: umount("/run/in") = 0
expect dead(N)
