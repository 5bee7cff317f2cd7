# Lab 11 — User namespaces and capabilities: which capability, over which namespace  (SOLUTION)
# Check it: nssim lab check --real labs/11-capabilities/solution.nss

# ---- Task 1: CAP_SYS_ADMIN, effective, over the owner -------------------------------
# @q 1.1 (3 points)
init: clone(CLONE_NEWNET) -> b              # a network namespace to enter, owned by init.user
init: clone(0) -> a
a: open("/proc/b/ns/net") -> bnet
a: capset(effective-=CAP_SYS_ADMIN) = 0
expect a.uid == 0                           # still root: capabilities, not the uid, decide
a: setns(bnet, CLONE_NEWNET) = EPERM        # netns_install(): CAP_SYS_ADMIN over b.net's owner
a: unshare(CLONE_NEWUTS) = EPERM            # CAP_SYS_ADMIN over a's user namespace
# @q 1.2 (2 points)
a: capset(effective+=CAP_SYS_ADMIN) = 0     # still in the permitted set: raised back
a: setns(bnet, CLONE_NEWNET) = 0
expect a.net == b.net

# ---- Task 2: a new user namespace needs none, and gives every one inside ---------------
# @q 2.1 (3 points)
init: clone(0) -> p
p: capset(effective-=CAP_SYS_ADMIN, permitted-=CAP_SYS_ADMIN) = 0
p: capset(effective+=CAP_SYS_ADMIN) = EPERM   # the permitted set never grows back
p: open("/proc/b/ns/net") -> pb           # opened while p could still see b
p: unshare(CLONE_NEWUSER) = 0               # needs no capability at all
expect p.cap_eff.CAP_SYS_ADMIN == 1         # the full set, in the new user namespace
expect p.uid == 65534                       # nothing mapped yet
# @q 2.2 (3 points)
p: unshare(CLONE_NEWUTS) = 0                # CAP_SYS_ADMIN over p's own user namespace: yes
expect p.uts.owner == p.user
expect p.user.refs == 2                     # p's cred + the uts namespace it owns
p: sethostname("inside") = 0                # over the owner of p's uts namespace
p: setns(pb, CLONE_NEWNET) = EPERM          # b.net is owned by init.user: an ancestor

# ---- Task 3: CAP_SETUID, CAP_SETGID and the uid map -----------------------------------
# @q 3.1 (3 points)
init: clone(CLONE_NEWUSER) -> c
init: clone(0) -> w
w: capset(effective-=CAP_SETUID) = 0
w: write("/proc/c/uid_map", "0 1000 1") = EPERM   # mapping another uid needs CAP_SETUID in the parent
w: write("/proc/c/uid_map", "0 0 1") = 0          # its own euid needs none
expect c.uid == 0
# @q 3.2 (2 points)
w: setuid(1000) = EPERM                     # CAP_SETUID (in w's own user namespace)
w: setgroups(0) = 0                         # CAP_SETGID is still there
expect w.uid == 0

# ---- Task 4: the bounding set and exec ----------------------------------------------------
# @q 4.1 (3 points)
init: clone(0) -> e
e: prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN) = 0   # needs CAP_SETPCAP
expect e.cap_eff.CAP_NET_ADMIN == 1         # the running program keeps it...
e: exec() = 0
expect e.cap_prm.CAP_NET_ADMIN == 0         # ...an exec'd one never gets it
e: socket(AF_UNIX) -> es
e: ioctl(es, SIOCGSKNS) -> en = EPERM       # SIOCGSKNS needs CAP_NET_ADMIN

# ---- Task 5: root without CAP_SYS_ADMIN wants its own hostname ---------------------------
# @q 5.1 (4 points)
init: clone(0) -> r
r: capset(effective-=CAP_SYS_ADMIN, permitted-=CAP_SYS_ADMIN) = 0
# ==== Task 5: your steps go here ====
r: unshare(CLONE_NEWUSER|CLONE_NEWUTS)      # the user namespace first, so it owns the new uts
r: sethostname("box")                       # CAP_SYS_ADMIN over r's new user namespace
# ==== end of task 5 ====
expect r.hostname == "box"
expect init.hostname == "(none)"
expect r.uts.owner != init.user
expect r.uts.owner == r.user
