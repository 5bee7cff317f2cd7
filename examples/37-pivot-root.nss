# pivot_root(NEW, OLD), as a container runtime switches roots: in a mount
# namespace of its own, with / private (a shared mount under put_old or above
# new_root is EINVAL), bind the new root onto itself so it is a mount point,
# pivot, then detach the old root. Every task whose root was the old root
# moves to the new one (chroot_fs_refs()) and is not chrooted: /proc is not
# under the new root (ENOENT) until it is reached through put_old. A task
# chrooted elsewhere stays where it is.
init: clone(CLONE_NEWNET) -> n
let N = n.net
init: clone(CLONE_NEWNS) -> c                 # the runtime, in its own mount namespace
c: clone(0) -> d                              # another task there, its own fs_struct
c: clone(0) -> j
j: chroot("/run/jail") = 0                    # rooted elsewhere: not moved
c: mount("none", "/", MS_REC|MS_SHARED)
c: mount("/srv/root", "/srv/root", MS_BIND|MS_REC) = 0
c: pivot_root("/srv/root", "/srv/root/mnt/old") = EINVAL   # shared mounts
c: mount("none", "/", MS_REC|MS_PRIVATE)      # what runc and lxc do first
c: pivot_root("/srv/plain", "/srv/plain/old") = EINVAL     # not a mount point
c: pivot_root("/srv/root", "/srv/elsewhere") = EINVAL      # put_old not under new_root
c: pivot_root("/srv/root", "/srv/root/mnt/old") = 0
d: open("/proc/n/ns/net") -> x = ENOENT       # d moved too: no /proc under the new root
d: open("/mnt/old/proc/n/ns/net") -> f        # through the old root
d: clone(CLONE_NEWUSER) -> du                 # at its namespace's root: not chrooted
j: clone(CLONE_NEWUSER) -> ju = EPERM         # still chrooted
init: open("/proc/n/ns/net") -> g             # other mount namespaces are untouched
c: mount("/mnt/old/proc/n/ns/net", "/run/netns/n", MS_BIND)   # /srv/root/run/netns/n
j: pivot_root("/srv/root", "/srv/root/old") = EBUSY  # j's new_root is on its root's mount (/run)
c: umount("/mnt/old") = EBUSY                 # /proc and the rest are mounted under it
c: umount("/mnt/old", MNT_DETACH) = 0         # what runtimes do next
d: open("/mnt/old/proc/n/ns/net") -> h = ENOENT
c: open("/run/netns/n") -> k                  # the bind mount is under the new root
c: setns(k, CLONE_NEWNET)
expect c.net == N
c: exec() = ENOENT                            # the program is not under the new root
j: pivot_root("/srv/root", "/srv/root/old") = ENOENT # j's root's mount (/run) left with the old root
