# Lab 11 — User namespaces and capabilities: which capability, over which namespace
# Replace every '?' with your prediction (a number, a "string", or a name
# like init.user or p.user). On lines ending in "= ?", replace the
# "?" with the result (0 or an errno name). Then:
#   nssim lab check labs/11-capabilities/lab.nss
#   nssim trace labs/11-capabilities/lab.nss

# ---- Task 1: CAP_SYS_ADMIN, effective, over the owner -------------------------------
# @q 1.1 (3 points)
init: clone(CLONE_NEWNET) -> b
init: clone(0) -> a
a: open("/proc/b/ns/net") -> bnet
a: capset(effective-=CAP_SYS_ADMIN) = 0
expect a.uid == ?
a: setns(bnet, CLONE_NEWNET) = ?           # predict the result
a: unshare(CLONE_NEWUTS) = ?               # predict the result
# @q 1.2 (2 points)
a: capset(effective+=CAP_SYS_ADMIN) = 0
a: setns(bnet, CLONE_NEWNET) = 0
expect a.net == ?

# ---- Task 2: a new user namespace needs none, and gives every one inside ---------------
# @q 2.1 (3 points)
init: clone(0) -> p
p: capset(effective-=CAP_SYS_ADMIN, permitted-=CAP_SYS_ADMIN) = 0
p: capset(effective+=CAP_SYS_ADMIN) = ?    # predict the result
p: open("/proc/b/ns/net") -> pb
p: unshare(CLONE_NEWUSER) = ?              # predict the result
expect p.cap_eff.CAP_SYS_ADMIN == ?
expect p.uid == ?
# @q 2.2 (3 points)
p: unshare(CLONE_NEWUTS) = ?               # predict the result
expect p.uts.owner == ?
expect p.user.refs == ?
p: sethostname("inside") = ?               # predict the result
p: setns(pb, CLONE_NEWNET) = ?             # predict the result

# ---- Task 3: CAP_SETUID, CAP_SETGID and the uid map -----------------------------------
# @q 3.1 (3 points)
init: clone(CLONE_NEWUSER) -> c
init: clone(0) -> w
w: capset(effective-=CAP_SETUID) = 0
w: write("/proc/c/uid_map", "0 1000 1") = ? # predict the result
w: write("/proc/c/uid_map", "0 0 1") = 0
expect c.uid == ?
# @q 3.2 (2 points)
w: setuid(1000) = ?                        # predict the result
w: setgroups(0) = ?                        # predict the result
expect w.uid == ?

# ---- Task 4: the bounding set and exec ----------------------------------------------------
# @q 4.1 (3 points)
init: clone(0) -> e
e: prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN) = 0
expect e.cap_eff.CAP_NET_ADMIN == ?
e: exec() = 0
expect e.cap_prm.CAP_NET_ADMIN == ?
e: socket(AF_UNIX) -> es
e: ioctl(es, SIOCGSKNS) -> en = ?          # predict the result

# ---- Task 5: root without CAP_SYS_ADMIN wants its own hostname ---------------------------
# @q 5.1 (4 points)
init: clone(0) -> r
r: capset(effective-=CAP_SYS_ADMIN, permitted-=CAP_SYS_ADMIN) = 0
# ==== Task 5: your steps go here ====
# r (root, but CAP_SYS_ADMIN gone from its effective and permitted sets)
# must get a uts namespace of its own with the hostname "box" (see the
# README). The checks below fail until your steps are in.
# ==== end of task 5 ====
expect r.hostname == "box"
expect init.hostname == "(none)"
expect r.uts.owner != init.user
expect r.uts.owner == r.user
