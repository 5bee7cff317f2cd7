# listns(2) on Debian sid's kernel (7.2): the namespaces a user namespace owns.
# The statement gives the owner as an nsfs fd (its id, from NS_GET_ID, is
# struct ns_id_req's user_ns_id) and returns how many ids the kernel listed.
# Only active namespaces are listed, and a caller outside the initial pid
# namespace or without CAP_SYS_ADMIN over the initial user namespace
# (kernel/nscommon.c: may_see_all_namespaces()) sees only its own ones
# (fs/nsfs.c: is_current_namespace()). Before 6.19 listns() is ENOSYS.
# docs/kernels.md, row listns. Checked live with nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c
init: write("/proc/c/uid_map", "0 0 1")    # c may make a user namespace: its ids are mapped
init: write("/proc/c/gid_map", "0 0 1")
c: open("/proc/self/ns/user") -> u
c: listns(0, owner=u) = 2                  # c's uts and net: U owns them, c is in them
c: listns(CLONE_NEWNET, owner=u) = 1
c: listns(CLONE_NEWUSER, owner=u) = 0      # U itself is owned by init's user namespace
c: clone(CLONE_NEWUTS|CLONE_NEWUSER) -> d  # d's user namespace is U's child: U owns it...
c: listns(CLONE_NEWUSER|CLONE_NEWUTS, owner=u) = 1  # ...but c sees only its own: its uts
d: open("/proc/self/ns/user") -> du
d: listns(0, owner=du) = 1                 # d's uts: owned by d's user namespace, d is in it
c: listns(0, owner=u, flags=1) = EINVAL    # no flags yet
c: listns(CLONE_VM, owner=u) = EOPNOTSUPP  # not a namespace type
c: open("/proc/self/ns/uts") -> cu
c: listns(0, owner=cu) = EINVAL            # not a user namespace
