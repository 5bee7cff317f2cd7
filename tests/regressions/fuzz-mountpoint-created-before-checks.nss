# Found by `nssim fuzz --real --seed 1016`: mount(SRC, DST, MS_BIND) creates
# DST before the mount is checked (nssim's documented mount, like
# `ip netns add`), so after a failed mount DST exists: umount is EINVAL
# (not a mount point), not ENOENT.
init: clone(CLONE_NEWUSER) -> t1
t1: mount("/proc/init/ns/time_for_children", "/run/netns/m2", MS_BIND) = EPERM
init: umount("/run/netns/m2") = EINVAL
init: mount("/proc/init/ns/mnt", "/run/netns/m0", MS_BIND) = EINVAL   # mnt_ns_loop()
init: umount("/run/netns/m0") = EINVAL
