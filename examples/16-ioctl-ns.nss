# ioctl_ns(2): NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID.
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWPID) -> c
init: write("/proc/c/uid_map", "0 1000 1")
init: open("/proc/c/ns/uts") -> uts
init: ioctl(uts, NS_GET_NSTYPE) = CLONE_NEWUTS
init: ioctl(uts, NS_GET_USERNS) -> owner      # the user namespace owning it: c's
init: ioctl(owner, NS_GET_OWNER_UID) = 0      # created by uid 0 (init's euid)
init: ioctl(uts, NS_GET_PARENT) -> x = EINVAL # only pid and user namespaces have parents
init: ioctl(uts, NS_GET_OWNER_UID) = EINVAL   # only for user namespaces
init: ioctl(owner, NS_GET_PARENT) -> up       # parent of c's user namespace: init's
init: ioctl(up, NS_GET_USERNS) -> y = EPERM   # the initial user namespace has no owner
init: open("/proc/c/ns/pid") -> cpid
init: ioctl(cpid, NS_GET_PARENT) -> ppid      # init's pid namespace
init: ioctl(ppid, NS_GET_PARENT) -> z = EPERM # above the caller's own pid namespace
c: open("/proc/self/ns/user") -> mine
c: ioctl(mine, NS_GET_PARENT) -> w = EPERM    # outside c's user namespace
c: ioctl(mine, NS_GET_OWNER_UID) = 65534       # owner is kuid 0, unmapped in c (its 0 is kuid 1000)
