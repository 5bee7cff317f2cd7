# Lab 3 — Lifetime: a namespace dies with its last reference
# Replace every '?' with your prediction (a number, a "string", none, or a
# name like K). Lines marked "predict the result" fail or succeed: append
# "= RESULT" (0 or an errno name such as EPERM) with your prediction. Then:
#   nssim lab check labs/03-lifetime/lab.nss          grade
#   nssim trace --refs labs/03-lifetime/lab.nss       see every step and who holds each reference

# ---- Task 1: an open file keeps a namespace alive ------------------------
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: clone(0) -> a
expect N.refs == ?
a: open("/proc/b/ns/net") -> fd1
expect N.refs == ?
a: open("/proc/b/ns/net") -> fd2
expect N.refs == ?
b: exit(0)
expect b.state == ?
expect b.net == ?
expect N.refs == ?
expect alive(N)
init: wait(b) = b
a: close(fd1)
expect N.refs == ?
a: close(fd2)
expect N.refs == ?
expect dead(N)

# ---- Task 2: ip netns add / exec / delete -------------------------------------
init: clone(CLONE_NEWNET) -> k
let K = k.net
init: mount("/proc/k/ns/net", "/run/netns/lab", MS_BIND)
expect K.refs == ?
k: exit(0)
init: wait(k) = k
expect K.refs == ?
init: clone(0) -> user
user: open("/run/netns/lab") -> fd
user: setns(fd, CLONE_NEWNET)
expect user.net == ?
expect K.refs == ?
init: umount("/run/netns/lab")           # predict the result
user: close(fd)
init: umount("/run/netns/lab")           # predict the result
expect K.refs == ?
user: exit(0)
expect K.refs == ?
expect dead(K)

# ---- Task 3: the mount-namespace cascade ----------------------------------
init: clone(CLONE_NEWNET) -> c
let C = c.net
init: mount("/proc/c/ns/net", "/run/netns/keep", MS_BIND)
init: clone(0) -> m
m: unshare(CLONE_NEWNS)
let M = m.mnt
expect C.refs == ?
c: exit(0)
init: wait(c) = c
init: umount("/run/netns/keep") = 0
expect C.refs == ?
m: exit(0)
init: wait(m) = m
expect M.refs == ?
expect C.refs == ?

# ---- Task 4: keep a namespace with no process ---------------------------------
init: clone(CLONE_NEWNET) -> p
let P = p.net
# ==== Task 4: your steps go here ====
# Keep P alive after p exits, the way `ip netns add` does (see the README).
# The checks below fail until your steps are in.
# ==== end of task 4 ====
p: exit(0)
init: wait(p) = p
expect alive(P)
expect P.refs == 1
