# Found by `nssim trace --real` of random propagation scenarios: a new mount
# namespace's copy leaves out a bind mount of a mount namespace's file *and
# everything mounted on top of it* (fs/namespace.c: copy_tree() ->
# skip_mnt_tree() @ v6.12), so c sees only the plain file at /srv/x.
init: clone(CLONE_NEWNS) -> m
init: mount("/proc/m/ns/mnt", "/srv/x", MS_BIND)     # 0, unless mnt_ns_loop() refuses (ns_id order)
init: mount("/proc/init/ns/uts", "/srv/x", MS_BIND)  # on top of it
init: clone(CLONE_NEWNS) -> c
c: open("/srv/x") -> f
c: setns(f, CLONE_NEWUTS)                            # EINVAL: the uts mount was not copied either
