# Found by `nssim trace --real` of random propagation scenarios: an umount
# that propagates takes the copies in less privileged mount namespaces too,
# although they are locked there (their own umount is EINVAL): umount_tree()
# clears MNT_LOCKED on every candidate first (fs/pnode.c:
# propagate_mount_unlock() @ v6.12).
init: clone(CLONE_NEWNS) -> a
a: mount("none", "/", MS_REC|MS_SHARED)
a: mount("/proc/a/ns/uts", "/srv/uts", MS_BIND)
a: clone(CLONE_NEWUSER|CLONE_NEWNS) -> u   # a less privileged copy: a slave, its copy locked
u: umount("/srv/uts") = EINVAL              # locked
a: umount("/srv/uts") = 0                   # propagates: u's copy goes as well
u: umount("/srv/uts") = EINVAL              # now only the plain file
u: open("/srv/uts") -> f
u: setns(f, CLONE_NEWUTS) = EINVAL          # not a namespace file any more
