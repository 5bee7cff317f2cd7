# unshare() with one CLONE_NEW* flag: a new nsproxy with one new namespace.
init: clone(0) -> a
a: unshare(CLONE_NEWUTS)
expect a.uts != init.uts
expect a.nsproxy != init.nsproxy
expect init.nsproxy.count == 1
a: unshare(CLONE_NEWIPC)
expect a.ipc != init.ipc
a: unshare(CLONE_NEWNET)
expect a.net != init.net
a: unshare(CLONE_NEWNS)
expect a.mnt != init.mnt
a: unshare(CLONE_NEWCGROUP)
expect a.cgroup != init.cgroup
a: unshare(CLONE_NEWUSER)
expect a.user != init.user
expect a.uts == a.uts
a: unshare(0)                           # nothing to unshare: no new nsproxy
a: unshare(CLONE_NEWUTS|CLONE_NEWIPC)
expect a.uts.owner == a.user            # created in the new user namespace: owned by it
