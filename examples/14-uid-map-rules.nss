# /proc/PID/uid_map and gid_map: written once, by the namespace's task or a
# task of its parent namespace; unprivileged writers may only map themselves,
# and for gid_map only after setgroups is "deny".
init: clone(0) -> u
u: setgid(1000)
u: setuid(1000)                          # commit_creds(): the mm is no longer dumpable...
u: clone(CLONE_NEWUSER) -> c
c: write("/proc/self/uid_map", "0 1000 1") = EACCES  # ...so /proc/c/* is root's: a surprise for many
c: prctl(PR_SET_DUMPABLE, 1)             # what an exec'd unprivileged program would be
c: write("/proc/self/uid_map", "0 1000 1") = 0     # map my own euid: allowed
expect c.uid == 0
c: write("/proc/self/uid_map", "0 1000 1") = EPERM # only once
c: write("/proc/self/gid_map", "0 1000 1") = EPERM # setgroups still "allow"
c: write("/proc/self/setgroups", "deny") = 0
c: write("/proc/self/gid_map", "0 1000 1") = 0
expect c.gid == 0
c: write("/proc/self/setgroups", "allow") = EPERM  # no going back
u: prctl(PR_SET_DUMPABLE, 1)
u: clone(CLONE_NEWUSER) -> d
u: write("/proc/d/uid_map", "0 0 1") = EPERM       # u may not map uid 0 of the parent
u: write("/proc/d/uid_map", "0 1000 1") = 0        # ...but may map itself, from the parent side
expect d.uid == 0
init: clone(CLONE_NEWUSER) -> e
init: write("/proc/e/uid_map", "0 0 10") = 0       # root in the parent may map ranges
init: write("/proc/e/gid_map", "0 0 10") = 0
init: write("/proc/e/gid_map", "0 0 10") = EPERM
init: write("/proc/e/setgroups", "deny") = EPERM   # too late: gid_map is written
expect e.uid == 0
init: clone(CLONE_NEWUSER) -> f
init: write("/proc/f/uid_map", "0 0 1 junk") = EINVAL
init: write("/proc/f/uid_map", "0 0 0") = EINVAL   # count 0
init: write("/proc/init/uid_map", "0 0 1") = EPERM # the initial user namespace's maps are fixed
