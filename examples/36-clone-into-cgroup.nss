# clone3(CLONE_INTO_CGROUP) starts a child in a cgroup v2 directory given by
# an fd (lxc's clone3(CLONE_PIDFD|CLONE_INTO_CGROUP)); the checks are those
# of writing the child's pid to that cgroup.procs, with the creator's
# credentials. Paths are relative to the run's root cgroup: on the live
# kernel, a directory of nssim's own below its cgroup, removed at the end.
# /proc/PID/cgroup shows a path relative to the reader's cgroup namespace,
# which is rooted at its creator's cgroup -- or, with CLONE_NEWCGROUP and
# CLONE_INTO_CGROUP together, at the destination (cgroup_post_fork()).
init: mkdir("/sys/fs/cgroup/box")
init: mkdir("/sys/fs/cgroup/box/inner")
init: mkdir("/sys/fs/cgroup/box") = EEXIST
init: open("/sys/fs/cgroup/box") -> box
init: clone3(CLONE_INTO_CGROUP|CLONE_PIDFD, cgroup=box) -> c, pfd
expect c.cgroup_path == "/box"
expect init.cgroup_path == "/"
c: unshare(CLONE_NEWCGROUP)                    # rooted at c's cgroup, /box
expect c.cgroup_path == "/"
expect init.cgroup_path@c == "/.."
c: open("/sys/fs/cgroup/box/inner") -> inner
c: clone3(CLONE_INTO_CGROUP, cgroup=inner) -> d
expect d.cgroup_path == "/inner"
expect d.cgroup_path@init == "/box/inner"
init: clone3(CLONE_INTO_CGROUP|CLONE_NEWCGROUP, cgroup=box) -> e
expect e.cgroup_path == "/"                     # the destination, not init's cgroup
# Who may: write access to cgroup.procs (root owns it, mode 0644).
init: clone(0) -> u
u: setresuid(1000, 1000, 1000)
u: clone3(CLONE_INTO_CGROUP, cgroup=box) -> x = EACCES
u: mkdir("/sys/fs/cgroup/box/mine") = EACCES
# A cgroup with a live task, or a child, cannot be removed; zombies do not count.
init: rmdir("/sys/fs/cgroup/box/inner") = EBUSY
d: exit(0)
init: rmdir("/sys/fs/cgroup/box/inner") = 0
init: rmdir("/sys/fs/cgroup/box") = EBUSY
c: open("/proc/self/ns/net") -> nf
c: clone3(CLONE_INTO_CGROUP, cgroup=nf) -> y = EBADF   # not a cgroup directory
c: clone3(CLONE_INTO_CGROUP, cgroup=inner) -> z = ENOENT  # removed
