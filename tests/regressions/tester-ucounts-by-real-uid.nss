# A user namespace's refcount includes one reference per struct ucounts that
# names it (kernel/ucount.c: alloc_ucounts() @ v6.18). Creds key theirs by the
# real uid (kernel/cred.c: set_cred_ucounts()), a namespace it owns by its
# creator's euid (inc_uts_namespaces()), a child user namespace by the child's
# owner (inc_user_namespaces()). Found by a tester: the --real BPF check keyed
# creds by euid and missed the other two, and reported +2 on the kernel for +1
# in the model here.
init: clone(0) -> a
a: setuid(1000)
a: unshare(CLONE_NEWUSER)
init: open("/proc/a/ns/user") -> fu
# g's real uid 0 is a new key in a's namespace; its euid 1000 is not.
init: clone(0) -> g
g: setresuid(0, 1000, 0)
g: setns(fu, 0) = 0
# h's real uid 1000 is a's key already; its euid 0 would be new.
init: clone(0) -> h
h: setresuid(1000, 0, 1000)
h: setns(fu, 0) = 0
# b's child user namespace holds (b's namespace, its owner 1000): a new key.
init: clone(0) -> b
b: setresuid(0, 1000, 0)
b: unshare(CLONE_NEWUSER) = 0
init: write("/proc/b/uid_map", "0 1000 1") = 0
init: write("/proc/b/gid_map", "0 0 1") = 0
b: unshare(CLONE_NEWUSER) = 0
# c owns a uts namespace made with euid 0 while its real uid is 1000: the
# namespace's ucounts (c's user namespace, 0) is the only one with uid 0.
init: clone(0) -> c
c: unshare(CLONE_NEWUSER) = 0
init: write("/proc/c/uid_map", "0 0 1\n1000 1000 1") = 0
init: write("/proc/c/setgroups", "deny") = 0
init: write("/proc/c/gid_map", "0 0 1") = 0
c: setresuid(1000, 0, 0) = 0
c: unshare(CLONE_NEWUTS) = 0
expect c.uts != init.uts
