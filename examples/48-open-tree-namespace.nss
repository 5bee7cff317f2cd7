# open_tree(PATH, OPEN_TREE_NAMESPACE) (7.0): a container runtime's root switch
# in one call. The kernel copies the tree at PATH (with AT_RECURSIVE the mounts
# below it too) into a new mount namespace, where it is the root, and returns
# an nsfs fd of that namespace: no task is in it, the fd alone holds it
# (fs/namespace.c: vfs_open_tree() -> create_new_namespace() @ v7.2). setns()
# enters it like any other; the last close frees it. It is owned by the
# caller's user namespace, and CAP_SYS_ADMIN there is all it takes, so a task
# that only has its own user namespace may too; but since it does not own its
# mount namespace, nothing mounted below PATH may be left out. On 6.18 and
# before the flag is unknown: EINVAL. docs/kernels.md, row open-tree-namespace.
kernel 7.2
init: clone(CLONE_NEWUTS) -> b
init: mount("/proc/b/ns/uts", "/srv/root/run/uts-b", MS_BIND)   # a bind mount below /srv/root
init: open_tree("/srv/root", OPEN_TREE_NAMESPACE) -> m          # /srv/root's mount alone
init: ioctl(m, NS_GET_NSTYPE) = CLONE_NEWNS
init: clone(0) -> c
c: setns(m, CLONE_NEWNS)                # the first task in it
let M = c.mnt
expect M != init.mnt
expect M.owner == init.user
expect active(M)
c: open("/run/uts-b") -> plain          # the bind mount stayed behind (no AT_RECURSIVE):
c: ioctl(plain, NS_GET_NSTYPE) = ENOTTY  # this is the empty file it covered
c: open("/proc/self/ns/uts") -> pu = ENOENT   # and nothing else is mounted: no /proc
init: open_tree("/srv/root", OPEN_TREE_NAMESPACE|AT_RECURSIVE) -> r   # with the mounts below
init: clone(0) -> d
d: setns(r, CLONE_NEWNS)
d: open("/run/uts-b") -> u              # b's uts namespace, through the copied mount
d: ioctl(u, NS_GET_NSTYPE) = CLONE_NEWUTS
init: close(m)
d: close(m)                             # d's copy of init's fd table has m too (clone without CLONE_FILES)
expect alive(M)                         # c is in it, and has its own copy of m until it exits
c: exit(0)
init: wait(c) = c
expect dead(M)                          # no task, no fd: freed
# A task in a user namespace of its own: it may, the namespace is its own...
init: clone(CLONE_NEWUSER) -> v
v: open_tree("/srv/root", OPEN_TREE_NAMESPACE) -> w0 = EINVAL         # would uncover what the bind mount covers
v: open_tree("/srv/root", OPEN_TREE_NAMESPACE|AT_RECURSIVE) -> w      # so take it along (locked)
v: clone(0) -> vc
vc: setns(w, CLONE_NEWNS)
expect vc.mnt.owner == v.user          # owned by v's user namespace
# ...and one without CAP_SYS_ADMIN may not.
init: clone(0) -> x
x: capset(effective-=CAP_SYS_ADMIN)
x: open_tree("/srv/root", OPEN_TREE_NAMESPACE) -> x0 = EPERM
