# Found by `nssim trace --real` of random propagation scenarios: a bind mount
# of a mount namespace's file fails (EINVAL) as soon as it would propagate to
# any receiver. fs/pnode.c: propagate_one() makes each copy with copy_tree(),
# which refuses a mount-namespace file without CL_COPY_MNT_NS_FILE
# (fs/namespace.c: copy_tree() @ v6.12); only the caller's own copy
# (__do_loopback()) may be one. The mountpoint stays created.
init: clone(CLONE_NEWNS) -> a
a: mount("none", "/", MS_REC|MS_SHARED)
a: clone(CLONE_NEWNS) -> peer               # a receiver of a's tree
a: clone(CLONE_NEWNS) -> m                  # a newer mount namespace (also a peer)
a: mount("/proc/m/ns/mnt", "/srv/mnt-of-m", MS_BIND) = EINVAL
peer: mount("none", "/", MS_REC|MS_PRIVATE)
m: mount("none", "/", MS_REC|MS_PRIVATE)    # no receiver left
a: mount("/proc/m/ns/mnt", "/srv/mnt-of-m", MS_BIND)   # 0, unless mnt_ns_loop() refuses (ns_id order)
peer: umount("/srv/mnt-of-m") = EINVAL      # peer has only the file
