# Lab 6 — User namespaces: ownership, capabilities, uid_map
# Replace every '?' with your prediction (a number, a "string", or a name
# like init.user or c.user). On lines marked "predict the result", append
# "= RESULT" (0 or an errno name such as EPERM). Then:
#   nssim lab check labs/06-user-namespaces/lab.nss
#   nssim trace labs/06-user-namespaces/lab.nss

# ---- Task 1: a user namespace owns what is created with it ------------------
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c
expect c.user.owner == ?
expect c.uts.owner == ?
expect c.net.owner == ?
expect c.ipc.owner == ?
expect c.user.level == ?
let CU = c.user
expect CU.refs == ?

# ---- Task 2: uid_map --------------------------------------------------------------
expect c.uid == ?
init: write("/proc/c/uid_map", "0 0 1") = 0
expect c.uid == ?
init: write("/proc/c/uid_map", "0 0 1")   # predict the result
c: sethostname("inside")                  # predict the result
expect init.hostname == ?

# ---- Task 3: capabilities outside: drop root -----------------------------------
init: clone(0) -> u
u: open("/proc/c/ns/net") -> cnet
u: setgid(1000)
u: setuid(1000)
expect u.uid == ?
u: unshare(CLONE_NEWUTS)                   # predict the result
u: setuid(0)                               # predict the result

# ---- Task 4: capabilities inside -------------------------------------------------
u: unshare(CLONE_NEWUSER)                  # predict the result
expect u.uid == ?
u: unshare(CLONE_NEWUTS|CLONE_NEWNET)      # predict the result
expect u.uts.owner == ?
u: sethostname("mine") = 0
expect u.hostname == ?
u: setns(cnet, CLONE_NEWNET)               # predict the result

# ---- Task 5: uid_map rules for an unprivileged writer ------------------------------
init: clone(0) -> d
d: setgid(1000)
d: setuid(1000)
d: clone(CLONE_NEWUSER) -> e
e: write("/proc/self/uid_map", "0 1000 1")     # predict the result
e: prctl(PR_SET_DUMPABLE, 1)
e: write("/proc/self/uid_map", "0 0 1")        # predict the result
e: write("/proc/self/uid_map", "0 1000 1")     # predict the result
expect e.uid == ?
e: write("/proc/self/gid_map", "0 1000 1")     # predict the result
e: write("/proc/self/setgroups", "deny") = 0
e: write("/proc/self/gid_map", "0 1000 1") = 0
expect e.gid == ?
e: unshare(CLONE_NEWNET) = 0
expect e.net.owner == ?

# ---- Task 6: root enters a user namespace from outside ----------------------------
init: clone(0) -> j
# ==== Task 6: your steps go here ====
# Make j (root in the initial user namespace) enter c's user namespace
# (see the README). The checks below fail until your steps are in.
# ==== end of task 6 ====
expect j.user == c.user
expect j.uid == 0
j: sethostname("nope") = EPERM
