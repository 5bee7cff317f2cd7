# capset drops the right to setns. Every permission check on namespaces
# (ns_capable(): security/commoncap.c: cap_capable()) reads the caller's
# effective capability set, not its uid: a root task that clears
# CAP_SYS_ADMIN from it with capset() may no longer enter or create
# namespaces, and may raise it again while it is still permitted. The
# bounding set limits what an exec gives back, and PR_SET_KEEPCAPS keeps the
# permitted set across a setresuid away from root.
init: clone(CLONE_NEWNET) -> b                 # a network namespace to enter
init: clone(0) -> a
a: open("/proc/b/ns/net") -> bnet
a: capset(effective-=CAP_SYS_ADMIN) = 0        # still permitted, no longer effective
expect a.cap_eff.CAP_SYS_ADMIN == 0
expect a.cap_prm.CAP_SYS_ADMIN == 1
expect a.uid == 0                              # root all along
a: setns(bnet, CLONE_NEWNET) = EPERM          # netns_install(): CAP_SYS_ADMIN is not effective
a: unshare(CLONE_NEWUTS) = EPERM
a: capset(effective+=CAP_SYS_ADMIN) = 0        # raised back from the permitted set
a: setns(bnet, CLONE_NEWNET) = 0
expect a.net == b.net
a: capset(permitted-=CAP_SYS_ADMIN) = EPERM    # the effective set must stay within the permitted
a: capset(effective-=CAP_SYS_ADMIN, permitted-=CAP_SYS_ADMIN) = 0
a: capset(effective+=CAP_SYS_ADMIN) = EPERM    # not permitted any more
a: capset(permitted+=CAP_SYS_ADMIN) = EPERM    # the permitted set never grows
a: unshare(CLONE_NEWUSER) = 0                  # a user namespace needs no capability...
a: unshare(CLONE_NEWUTS) = 0                   # ...and gives every one inside it

# The bounding set: exec gives root the permitted set bset | inheritable.
init: clone(0) -> e
e: prctl(PR_CAPBSET_DROP, 99) = EINVAL         # no such capability
e: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = 0   # needs CAP_SETPCAP
expect e.cap_bnd.CAP_SYS_ADMIN == 0
expect e.cap_eff.CAP_SYS_ADMIN == 1            # the running program keeps it
e: exec() = 0
expect e.cap_prm.CAP_SYS_ADMIN == 0            # the new program never gets it
e: unshare(CLONE_NEWUTS) = EPERM
e: capset(effective-=CAP_SETPCAP) = 0
e: prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN) = EPERM

# KEEPCAPS: leaving uid 0 keeps the permitted set and clears the effective one.
init: clone(0) -> k
k: prctl(PR_SET_KEEPCAPS, 1) = 0
k: setresuid(1000, 1000, 1000) = 0
expect k.cap_eff == 0
expect k.cap_prm.CAP_SYS_ADMIN == 1
k: unshare(CLONE_NEWUTS) = EPERM
k: capset(effective+=CAP_SYS_ADMIN) = 0        # as uid 1000, from the permitted set
k: unshare(CLONE_NEWUTS) = 0
init: clone(0) -> n
n: setresuid(1000, 1000, 1000) = 0             # without KEEPCAPS every capability goes
expect n.cap_prm == 0
k: exec() = 0                                  # exec clears KEEPCAPS; uid 1000 gets nothing
expect k.cap_prm == 0

# setgroups: CAP_SETGID, and in a user namespace a written gid_map and "allow".
init: clone(CLONE_NEWUSER) -> g
g: setgroups() = EPERM                         # gid_map not written yet
init: write("/proc/g/gid_map", "0 0 1") = 0
g: setgroups(0) = 0
g: setgroups(0, 7) = EINVAL                    # gid 7 is not mapped in g's namespace
