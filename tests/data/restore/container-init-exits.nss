# "What if the container's init exits?", from tests/data/restore/container.json:
#   nssim trace --from-snapshot tests/data/restore/container.json --root 8 container-init-exits.nss
# init is p8: pid 1 of the container's pid namespace (p6, `unshare`, is its
# parent; p9 its child). The container's net namespace is bind-mounted at
# /run/netns/c, its uts namespace is held by fd 7 of p15.
let CPID = init.pid
let CNET = init.net
let CUTS = init.uts
let CIPC = init.ipc
let CMNT = init.mnt
expect init.pid@init == 1
expect p9.pid@init == 2
expect CPID.level == 1               # counted from the scenario's root (the sandbox's pid namespace, level 1 on the host)
expect CPID.refs == 3                # struct pids of p8 and p9, the nsproxy's pid_for_children
expect CNET.refs == 2                # the nsproxy p6, p8 and p9 share, the bind mount's nsfs inode
init: exit(0)
expect p9.state == "reaped"          # zap_pid_ns_processes() killed it, init reaped it
expect init.state == "zombie"        # its parent p6 has not waited yet
p6: wait(init) = init
expect CPID.refs == 1                # p6's pid_for_children: no task is in it any more
p6: clone(0) -> late = ENOMEM        # it admits no new task (its init died)
expect alive(CIPC)                   # p6 is still in the container's other namespaces
p6: exit(0)
p1: wait(p6) = p6
expect dead(CPID)
expect dead(CIPC)
expect dead(CMNT)
expect alive(CNET)                   # the bind mount at /run/netns/c
expect CNET.refs == 1
expect alive(CUTS)                   # fd 7 of p15
p15: close(fd7)
expect dead(CUTS)
p1: umount("/run/netns/c")
expect dead(CNET)
