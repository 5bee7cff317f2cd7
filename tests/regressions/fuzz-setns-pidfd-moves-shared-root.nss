# Found by `nssim fuzz --real --seed 5117`: setns(pidfd, CLONE_NEWNS|other
# flags) checks a temporary copy of the fs_struct, so it works in a threaded
# process (CLONE_NEWNS alone is EINVAL there), and commit_nsset()
# (kernel/nsproxy.c @ v6.18) then moves the root of the fs_struct the threads
# share. The other thread keeps its nsproxy, so its root is no longer its own
# mount namespace's: current_chrooted() (fs/namespace.c @ v6.18) is true and
# create_user_ns() refuses it (EPERM), also for the children it forks; its
# absolute paths resolve in the other namespace.
init: clone(CLONE_NEWNS) -> other
other: mount("/proc/other/ns/uts", "/run/netns/u", MS_BIND)   # only in other's mounts
init: pidfd_open(other) -> pf
init: clone(0) -> p
p: thread() -> pt
p: open("/proc/other/ns/mnt") -> mfd
p: setns(mfd, CLONE_NEWNS) = EINVAL  # alone: the shared fs_struct is checked
p: setns(pf, CLONE_NEWNS|CLONE_NEWUTS)   # with a second flag: a private copy
pt: clone(CLONE_NEWUSER) -> u1 = EPERM
pt: clone(0) -> kid
kid: unshare(CLONE_NEWUSER) = EPERM  # forks inherit the root
pt: open("/run/netns/u") -> f    # found in other's mount namespace
pt: mount("/proc/other/ns/net", "/run/netns/n", MS_BIND) = EINVAL
p: clone(CLONE_NEWUSER) -> u2        # p's root is its own namespace's
kid: unshare(CLONE_NEWNS)            # the root stays outside the new tree
kid: unshare(CLONE_NEWUSER) = EPERM
