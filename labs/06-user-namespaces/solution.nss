# Lab 6 — User namespaces: ownership, capabilities, uid_map  (SOLUTION)
# Check it: nssim lab check --real labs/06-user-namespaces/solution.nss

# ---- Task 1: a user namespace owns what is created with it ------------------
# @q 1.1 (1 point)
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c
expect c.user.owner == init.user           # a user namespace's owner is its parent
# @q 1.2 (1 point)
expect c.uts.owner == c.user               # made first (copy_creds()), it owns the others
# @q 1.3 (1 point)
expect c.net.owner == c.user
# @q 1.4 (1 point)
expect c.ipc.owner == init.user            # not new: still the initial one's
# @q 1.5 (1 point)
expect c.user.level == 1
let CU = c.user
# @q 1.6 (1 point)
expect CU.refs == 3                        # c's cred + the two namespaces it owns

# ---- Task 2: uid_map --------------------------------------------------------------
# @q 2.1 (1 point)
expect c.uid == 65534                      # nothing mapped yet: the overflow uid
init: write("/proc/c/uid_map", "0 0 1") = 0    # inside 0 = outside 0, one id
# @q 2.2 (1 point)
expect c.uid == 0
# @q 2.3 (1 point)
init: write("/proc/c/uid_map", "0 0 1") = EPERM   # a map is written once
# @q 2.4 (1 point)
c: sethostname("inside") = 0               # CAP_SYS_ADMIN over its own uts namespace
# @q 2.5 (1 point)
expect init.hostname == "(none)"

# ---- Task 3: capabilities outside: drop root -----------------------------------
# @q 3.1 (1 point)
init: clone(0) -> u
u: open("/proc/c/ns/net") -> cnet          # opened while u is still root
u: setgid(1000)
u: setuid(1000)                            # cap_emulate_setxuid(): capabilities gone
expect u.uid == 1000
# @q 3.2 (1 point)
u: unshare(CLONE_NEWUTS) = EPERM           # needs CAP_SYS_ADMIN in the initial user namespace
# @q 3.3 (1 point)
u: setuid(0) = EPERM                       # no way back

# ---- Task 4: capabilities inside -------------------------------------------------
# @q 4.1 (1 point)
u: unshare(CLONE_NEWUSER) = 0              # needs no privilege at all
# @q 4.2 (1 point)
expect u.uid == 65534                      # uid 1000 is not mapped inside (yet)
# @q 4.3 (1 point)
u: unshare(CLONE_NEWUTS|CLONE_NEWNET) = 0  # full capabilities inside its own user namespace
# @q 4.4 (1 point)
expect u.uts.owner == u.user
u: sethostname("mine") = 0
# @q 4.5 (1 point)
expect u.hostname == "mine"
# @q 4.6 (1 point)
u: setns(cnet, CLONE_NEWNET) = EPERM       # c's net is owned by c.user: u has no capability there

# ---- Task 5: uid_map rules for an unprivileged writer ------------------------------
# @q 5.1 (1 point)
init: clone(0) -> d
d: setgid(1000)
d: setuid(1000)
d: clone(CLONE_NEWUSER) -> e
e: write("/proc/self/uid_map", "0 1000 1") = EACCES    # surprise: e's mm is not dumpable
e: prctl(PR_SET_DUMPABLE, 1)               # what exec of an ordinary program would do
# @q 5.2 (1 point)
e: write("/proc/self/uid_map", "0 0 1") = EPERM        # it may map only its own euid
# @q 5.3 (1 point)
e: write("/proc/self/uid_map", "0 1000 1") = 0
# @q 5.4 (1 point)
expect e.uid == 0
# @q 5.5 (1 point)
e: write("/proc/self/gid_map", "0 1000 1") = EPERM     # setgroups is still "allow"
e: write("/proc/self/setgroups", "deny") = 0
e: write("/proc/self/gid_map", "0 1000 1") = 0
# @q 5.6 (1 point)
expect e.gid == 0
e: unshare(CLONE_NEWNET) = 0
# @q 5.7 (1 point)
expect e.net.owner == e.user

# ---- Task 6: root enters a user namespace from outside ----------------------------
# @q 6 (3 points)
init: clone(0) -> j
# ==== Task 6: your steps go here ====
j: open("/proc/c/ns/user") -> cu
j: setns(cu, CLONE_NEWUSER) = 0            # root in the parent has CAP_SYS_ADMIN in c.user
j: close(cu)
# ==== end of task 6 ====
expect j.user == c.user
expect j.uid == 0                          # kuid 0 is mapped to 0 in c.user (task 2)
j: sethostname("nope") = EPERM             # j's uts namespace is owned by init.user, not c.user
