# chroot() moves a task's root to a directory: every absolute path it looks
# up afterwards resolves under it, /proc included, which is not mounted there.
# So a chrooted task cannot open /proc/T/ns/... (ENOENT), the bind targets it
# names are files of the jail, and it may not create a user namespace
# (current_chrooted()). nssim creates the directory first, as mount does its
# targets. setns() into a mount namespace puts the root back at the
# namespace's own root. pivot_root: examples/37-pivot-root.nss.
init: clone(CLONE_NEWNET) -> n
let N = n.net
init: clone(0) -> j
j: open("/proc/j/ns/mnt") -> m                # kept for the way back
j: chroot("/run/jail") = 0                    # /run/jail is created, then becomes j's /
j: open("/proc/n/ns/net") -> x = ENOENT       # no /proc under the new root
j: mount("/proc/n/ns/net", "/run/net", MS_BIND) = ENOENT
init: mount("/proc/n/ns/net", "/run/jail/run/net", MS_BIND)  # from outside, into the jail
j: open("/run/net") -> f                      # j's /run/net is /run/jail/run/net
j: setns(f, CLONE_NEWNET)
expect j.net == N
j: clone(CLONE_NEWUSER) -> ju = EPERM          # chrooted: create_user_ns() refuses
j: clone(0) -> k                              # the root is inherited
k: unshare(CLONE_NEWUSER) = EPERM
k: exec() = ENOENT                            # the program is not under /run/jail
k: mount("none", "/", MS_REC|MS_PRIVATE) = EINVAL   # "/" is a directory, not a mount
k: chroot("/run/net") = ENOTDIR               # the namespace file mounted there
j: setns(m, CLONE_NEWNS) = 0                  # back at the namespace's root
j: open("/proc/n/ns/net") -> g
j: clone(CLONE_NEWUSER) -> uj                 # no longer chrooted
# CAP_SYS_CHROOT in the caller's own user namespace decides.
init: clone(0) -> d
d: capset(effective-=CAP_SYS_CHROOT)
d: chroot("/srv/d") = EPERM
d: clone(CLONE_NEWUSER) -> du                 # every capability in its new namespace
init: write("/proc/du/uid_map", "0 0 1")      # mapped ids: only the chroot can refuse below
init: write("/proc/du/gid_map", "0 0 1")
du: chroot("/srv/du") = 0
du: clone(CLONE_NEWUSER) -> duu = EPERM        # chrooted
# Tasks sharing an fs_struct (CLONE_FS) move together.
init: clone(0) -> p
p: clone(CLONE_FS) -> q
q: chroot("/mnt/q") = 0
p: open("/proc/n/ns/net") -> pf = ENOENT
