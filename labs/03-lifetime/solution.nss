# Lab 3 — Lifetime: a namespace dies with its last reference  (SOLUTION)
# Check it: nssim lab check --real labs/03-lifetime/solution.nss

# ---- Task 1: an open file keeps a namespace alive ------------------------
# @q 1.1 (1 point)
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: clone(0) -> a
expect N.refs == 1                        # b's nsproxy
a: open("/proc/b/ns/net") -> fd1
# @q 1.2 (1 point)
expect N.refs == 2                        # + the nsfs inode
a: open("/proc/b/ns/net") -> fd2
# @q 1.3 (1 point)
expect N.refs == 2                        # the second fd shares the inode
b: exit(0)
# @q 1.4 (1 point)
expect b.state == "zombie"
# @q 1.5 (1 point)
expect b.net == none                      # the zombie has no nsproxy any more
# @q 1.6 (1 point)
expect N.refs == 1                        # only the nsfs inode
expect alive(N)
init: wait(b) = b
a: close(fd1)
# @q 1.7 (1 point)
expect N.refs == 1                        # fd2 still uses the inode
a: close(fd2)
# @q 1.8 (1 point)
expect N.refs == 0                        # nsfs_evict(): the last reference
expect dead(N)

# ---- Task 2: ip netns add / exec / delete -------------------------------------
# @q 2.1 (1 point)
init: clone(CLONE_NEWNET) -> k
let K = k.net
init: mount("/proc/k/ns/net", "/run/netns/lab", MS_BIND)   # ip netns add (roughly)
expect K.refs == 2                        # k's nsproxy + the nsfs inode behind the mount
k: exit(0)
init: wait(k) = k
# @q 2.2 (1 point)
expect K.refs == 1
init: clone(0) -> user
user: open("/run/netns/lab") -> fd       # ip netns exec lab ...: open the mount...
user: setns(fd, CLONE_NEWNET)             # ...and enter it
# @q 2.3 (1 point)
expect user.net == K
# @q 2.4 (1 point)
expect K.refs == 2                        # user's nsproxy + the nsfs inode (mount and fd share it)
# @q 2.5 (1 point)
init: umount("/run/netns/lab") = EBUSY   # ip netns delete while a file is open through the mount
user: close(fd)
# @q 2.6 (1 point)
init: umount("/run/netns/lab") = 0
# @q 2.7 (1 point)
expect K.refs == 1                        # user's nsproxy
user: exit(0)
# @q 2.8 (1 point)
expect K.refs == 0
expect dead(K)

# ---- Task 3: the mount-namespace cascade ----------------------------------
# @q 3.1 (1 point)
init: clone(CLONE_NEWNET) -> c
let C = c.net
init: mount("/proc/c/ns/net", "/run/netns/keep", MS_BIND)
init: clone(0) -> m
m: unshare(CLONE_NEWNS)                   # copy_mnt_ns(): m's mount table has a copy of the bind mount
let M = m.mnt
expect C.refs == 2                        # the copy uses the same nsfs inode: no new reference
c: exit(0)
init: wait(c) = c
init: umount("/run/netns/keep") = 0      # gone from init's mount namespace...
# @q 3.2 (1 point)
expect C.refs == 1                        # ...but m's copy still pins C
m: exit(0)                                # M loses its last task...
init: wait(m) = m
# @q 3.3 (1 point)
expect M.refs == 0                        # ...put_mnt_ns(): umount_tree() drops its mounts...
# @q 3.4 (1 point)
expect C.refs == 0                        # ...and with them the last reference on C

# ---- Task 4: keep a namespace with no process ---------------------------------
# @q 4 (3 points)
init: clone(CLONE_NEWNET) -> p
let P = p.net
# ==== Task 4: your steps go here ====
init: mount("/proc/p/ns/net", "/run/netns/persist", MS_BIND)
# ==== end of task 4 ====
p: exit(0)
init: wait(p) = p
expect alive(P)
expect P.refs == 1
