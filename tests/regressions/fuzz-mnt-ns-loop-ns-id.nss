# Found by `nssim fuzz --real --seeds 4010, 4258, 4483`, failing one run in
# eight: bind-mounting a mount namespace's file is refused (EINVAL) unless that
# namespace's id is greater than the caller's (fs/namespace.c:mnt_ns_loop()
# @ v6.18). Since v6.18 the id is ns.ns_id from per-CPU batches
# (kernel/nstree.c:ns_tree_gen_id(), include/linux/cookie.h), so a namespace
# made later on another CPU can have a smaller id. `nssim trace --real` adopts
# the kernel's ids, so the model gives the kernel's answer either way.
init: unshare(CLONE_NEWNS)
init: clone(CLONE_NEWNET) -> t1
t1: clone(CLONE_NEWNS) -> t2         # made after init's: usually a greater id
t1: clone3(0) -> t3
t3: mount("/proc/t2/ns/mnt", "/run/netns/m0", MS_BIND)
t3: mount("/proc/init/ns/mnt", "/run/netns/m1", MS_BIND) = EINVAL   # our own
