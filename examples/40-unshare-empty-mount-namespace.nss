# UNSHARE_EMPTY_MNTNS (7.1): a new mount namespace holding one mount, a copy
# of the root mount alone (fs/namespace.c: copy_mnt_ns() clones the root with
# clone_mnt() instead of copy_tree()); the caller's root and cwd move to it.
# The flag is 0x00100000, CLONE_PARENT_SETTID's bit, which unshare() refused
# before (EINVAL from check_unshare_flags()): the same line fails on 6.18.
# clone3() has the 64-bit CLONE_EMPTY_MNTNS for the same thing.
# docs/kernels.md, row empty-mntns. Checked live with --vm 7.2.
kernel 7.2
init: clone(CLONE_NEWNET) -> b
init: clone(0) -> p
p: mount("/proc/b/ns/net", "/run/netns-b", MS_BIND)   # a bind mount in init's tree
p: unshare(CLONE_NEWNS)                # a full copy: the bind mount comes along
let M = p.mnt
expect M != init.mnt
p: unshare(UNSHARE_EMPTY_MNTNS)        # the root mount alone: no bind mount in it
expect p.mnt != M
expect p.mnt != init.mnt
init: clone3(CLONE_EMPTY_MNTNS) -> q   # the same at clone3(), bit 37
expect q.mnt != init.mnt
