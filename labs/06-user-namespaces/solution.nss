# Lab 6 — User namespaces: ownership, capabilities, uid_map  (SOLUTION)
# Check it: nssim lab check --real labs/06-user-namespaces/solution.nss

# ---- Task 1: a user namespace owns what is created with it ------------------
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> c
expect c.user.owner == init.user           # a user namespace's owner is its parent
expect c.uts.owner == c.user               # made first (copy_creds()), it owns the others
expect c.net.owner == c.user
expect c.ipc.owner == init.user            # not new: still the initial one's
expect c.user.level == 1
let CU = c.user
expect CU.refs == 3                        # c's cred + the two namespaces it owns

# ---- Task 2: uid_map --------------------------------------------------------------
expect c.uid == 65534                      # nothing mapped yet: the overflow uid
init: write("/proc/c/uid_map", "0 0 1") = 0    # inside 0 = outside 0, one id
expect c.uid == 0
init: write("/proc/c/uid_map", "0 0 1") = EPERM   # a map is written once
c: sethostname("inside") = 0               # CAP_SYS_ADMIN over its own uts namespace
expect init.hostname == "(none)"

# ---- Task 3: capabilities outside: drop root -----------------------------------
init: clone(0) -> u
u: open("/proc/c/ns/net") -> cnet          # opened while u is still root
u: setgid(1000)
u: setuid(1000)                            # cap_emulate_setxuid(): capabilities gone
expect u.uid == 1000
u: unshare(CLONE_NEWUTS) = EPERM           # needs CAP_SYS_ADMIN in the initial user namespace
u: setuid(0) = EPERM                       # no way back

# ---- Task 4: capabilities inside -------------------------------------------------
u: unshare(CLONE_NEWUSER) = 0              # needs no privilege at all
expect u.uid == 65534                      # uid 1000 is not mapped inside (yet)
u: unshare(CLONE_NEWUTS|CLONE_NEWNET) = 0  # full capabilities inside its own user namespace
expect u.uts.owner == u.user
u: sethostname("mine") = 0
expect u.hostname == "mine"
u: setns(cnet, CLONE_NEWNET) = EPERM       # c's net is owned by c.user: u has no capability there

# ---- Task 5: uid_map rules for an unprivileged writer ------------------------------
init: clone(0) -> d
d: setgid(1000)
d: setuid(1000)
d: clone(CLONE_NEWUSER) -> e
e: write("/proc/self/uid_map", "0 1000 1") = EACCES    # surprise: e's mm is not dumpable
e: prctl(PR_SET_DUMPABLE, 1)               # what exec of an ordinary program would do
e: write("/proc/self/uid_map", "0 0 1") = EPERM        # it may map only its own euid
e: write("/proc/self/uid_map", "0 1000 1") = 0
expect e.uid == 0
e: write("/proc/self/gid_map", "0 1000 1") = EPERM     # setgroups is still "allow"
e: write("/proc/self/setgroups", "deny") = 0
e: write("/proc/self/gid_map", "0 1000 1") = 0
expect e.gid == 0
e: unshare(CLONE_NEWNET) = 0
expect e.net.owner == e.user

# ---- Task 6: root enters a user namespace from outside ----------------------------
init: clone(0) -> j
# ==== Task 6: your steps go here ====
j: open("/proc/c/ns/user") -> cu
j: setns(cu, CLONE_NEWUSER) = 0            # root in the parent has CAP_SYS_ADMIN in c.user
j: close(cu)
# ==== end of task 6 ====
expect j.user == c.user
expect j.uid == 0                          # kuid 0 is mapped to 0 in c.user (task 2)
j: sethostname("nope") = EPERM             # j's uts namespace is owned by init.user, not c.user
