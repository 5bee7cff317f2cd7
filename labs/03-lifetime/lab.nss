# Lab 3 — Lifetime: a namespace dies with its last reference
# Replace every '?' with your prediction (a number, a "string", none, or a
# name like K). Lines ending in "= ?" fail or succeed: replace that
# "?" with your prediction (0 or an errno name such as EPERM). Then:
#   nssim lab check labs/03-lifetime/lab.nss          grade
#   nssim trace --refs labs/03-lifetime/lab.nss       see every step and who holds each reference

# ---- Task 1: an open file keeps a namespace alive ------------------------
# @q 1.1 (1 point)
init: clone(CLONE_NEWNET) -> b
let N = b.net
init: clone(0) -> a
expect N.refs == ?
a: open("/proc/b/ns/net") -> fd1
# @q 1.2 (1 point)
expect N.refs == ?
a: open("/proc/b/ns/net") -> fd2
# @q 1.3 (1 point)
expect N.refs == ?
b: exit(0)
# @q 1.4 (1 point)
expect b.state == ?
# @q 1.5 (1 point)
expect b.net == ?
# @q 1.6 (1 point)
expect N.refs == ?
expect alive(N)
init: wait(b) = b
a: close(fd1)
# @q 1.7 (1 point)
expect N.refs == ?
a: close(fd2)
# @q 1.8 (1 point)
expect N.refs == ?
expect dead(N)

# ---- Task 2: ip netns add / exec / delete -------------------------------------
# @q 2.1 (1 point)
init: clone(CLONE_NEWNET) -> k
let K = k.net
init: mount("/proc/k/ns/net", "/run/netns/lab", MS_BIND)
expect K.refs == ?
k: exit(0)
init: wait(k) = k
# @q 2.2 (1 point)
expect K.refs == ?
init: clone(0) -> user
user: open("/run/netns/lab") -> fd
user: setns(fd, CLONE_NEWNET)
# @q 2.3 (1 point)
expect user.net == ?
# @q 2.4 (1 point)
expect K.refs == ?
# @q 2.5 (1 point)
init: umount("/run/netns/lab") = ?       # predict the result
user: close(fd)
# @q 2.6 (1 point)
init: umount("/run/netns/lab") = ?       # predict the result
# @q 2.7 (1 point)
expect K.refs == ?
user: exit(0)
# @q 2.8 (1 point)
expect K.refs == ?
expect dead(K)

# ---- Task 3: the mount-namespace cascade ----------------------------------
# @q 3.1 (1 point)
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
# @q 3.2 (1 point)
expect C.refs == ?
m: exit(0)
init: wait(m) = m
# @q 3.3 (1 point)
expect M.refs == ?
# @q 3.4 (1 point)
expect C.refs == ?

# ---- Task 4: keep a namespace with no process ---------------------------------
# @q 4 (3 points)
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
