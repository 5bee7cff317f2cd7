# setns needs CAP_SYS_ADMIN over the target's owning user namespace (and in
# the caller's own); mnt also needs CAP_SYS_CHROOT; user has its own rules.
init: clone(CLONE_NEWNET) -> n
init: clone(0) -> u
u: open("/proc/n/ns/net") -> nfd
u: setgid(1000)
u: setuid(1000)
u: setns(nfd, CLONE_NEWNET) = EPERM       # no capability left
u: unshare(CLONE_NEWUSER)
u: setns(nfd, CLONE_NEWNET) = EPERM       # capabilities only inside its own user namespace
u: open("/proc/self/ns/user") -> me
u: setns(me, CLONE_NEWUSER) = EINVAL      # its own user namespace
init: clone(CLONE_NEWUSER|CLONE_NEWNET) -> owner
init: open("/proc/owner/ns/net") -> onet
init: setns(onet, CLONE_NEWNET) = 0       # root over the initial user namespace owns everything below
init: open("/proc/owner/ns/user") -> ouser
init: clone(0) -> j
j: open("/proc/owner/ns/user") -> ou
j: setns(ou, CLONE_NEWUSER) = 0           # root may enter a child user namespace...
expect j.user == owner.user
expect j.uid == 65534                     # ...where it is unmapped
