# Lab 6 — User namespaces: ownership, capabilities, uid_map
# Replace every '?' with your prediction (a number, a "string", or a name
# like init.user or c.user). On lines ending in "= ?", replace that "?" with the
# result (0 or an errno name such as EPERM). Then:
#   nssim lab check labs/06-user-namespaces/lab.nss
#   nssim trace labs/06-user-namespaces/lab.nss

# ---- Task 1: a user namespace owns what is created with it ------------------
# @q 1.1 (1 point)
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c
expect c.user.owner == ?
# @q 1.2 (1 point)
expect c.uts.owner == ?
# @q 1.3 (1 point)
expect c.net.owner == ?
# @q 1.4 (1 point)
expect c.ipc.owner == ?
# @q 1.5 (1 point)
expect c.user.level == ?
let CU = c.user
# @q 1.6 (1 point)
expect CU.refs == ?

# ---- Task 2: uid_map --------------------------------------------------------------
# @q 2.1 (1 point)
expect c.uid == ?
init: write("/proc/c/uid_map", "0 0 1") = 0
# @q 2.2 (1 point)
expect c.uid == ?
# @q 2.3 (1 point)
init: write("/proc/c/uid_map", "0 0 1") = ?   # predict the result
# @q 2.4 (1 point)
c: sethostname("inside") = ?              # predict the result
# @q 2.5 (1 point)
expect init.hostname == ?

# ---- Task 3: capabilities outside: drop root -----------------------------------
# @q 3.1 (1 point)
init: clone(0) -> u
u: open("/proc/c/ns/net") -> cnet
u: setgid(1000)
u: setuid(1000)
expect u.uid == ?
# @q 3.2 (1 point)
u: unshare(CLONE_NEWUTS) = ?               # predict the result
# @q 3.3 (1 point)
u: setuid(0) = ?                           # predict the result

# ---- Task 4: capabilities inside -------------------------------------------------
# @q 4.1 (1 point)
u: unshare(CLONE_NEWUSER) = ?              # predict the result
# @q 4.2 (1 point)
expect u.uid == ?
# @q 4.3 (1 point)
u: unshare(CLONE_NEWUTS|CLONE_NEWNET) = ?  # predict the result
# @q 4.4 (1 point)
expect u.uts.owner == ?
u: sethostname("mine") = 0
# @q 4.5 (1 point)
expect u.hostname == ?
# @q 4.6 (1 point)
u: setns(cnet, CLONE_NEWNET) = ?           # predict the result

# ---- Task 5: uid_map rules for an unprivileged writer ------------------------------
# @q 5.1 (1 point)
init: clone(0) -> d
d: setgid(1000)
d: setuid(1000)
d: clone(CLONE_NEWUSER) -> e
e: write("/proc/self/uid_map", "0 1000 1") = ? # predict the result
e: prctl(PR_SET_DUMPABLE, 1)
# @q 5.2 (1 point)
e: write("/proc/self/uid_map", "0 0 1") = ?    # predict the result
# @q 5.3 (1 point)
e: write("/proc/self/uid_map", "0 1000 1") = ? # predict the result
# @q 5.4 (1 point)
expect e.uid == ?
# @q 5.5 (1 point)
e: write("/proc/self/gid_map", "0 1000 1") = ? # predict the result
e: write("/proc/self/setgroups", "deny") = 0
e: write("/proc/self/gid_map", "0 1000 1") = 0
# @q 5.6 (1 point)
expect e.gid == ?
e: unshare(CLONE_NEWNET) = 0
# @q 5.7 (1 point)
expect e.net.owner == ?

# ---- Task 6: root enters a user namespace from outside ----------------------------
# @q 6 (3 points)
init: clone(0) -> j
# ==== Task 6: your steps go here ====
# Make j (root in the initial user namespace) enter c's user namespace
# (see the README). The checks below fail until your steps are in.
# ==== end of task 6 ====
expect j.user == c.user
expect j.uid == 0
j: sethostname("nope") = EPERM
