# Lab 2 — nsproxy: shared on fork, copied on CLONE_NEW*, unshare and setns  (SOLUTION)
# Check it: nssim lab check --real labs/02-nsproxy/solution.nss

# ---- Task 1: fork shares the nsproxy ------------------------------------
init: clone(0) -> a
expect a.nsproxy == init.nsproxy
expect init.nsproxy.count == 2            # get_nsproxy() in copy_namespaces()
init: clone(0) -> b
expect a.nsproxy.count == 3               # one nsproxy, three tasks

# ---- Task 2: a CLONE_NEW* flag copies it --------------------------------
init: clone(CLONE_NEWUTS) -> u
expect u.nsproxy != init.nsproxy
expect u.nsproxy.count == 1
expect init.nsproxy.count == 3            # unchanged: u never shared it
expect u.net == init.net                  # the copy keeps every other namespace
let U = u.uts
expect U.refs == 1                        # one slot: u's nsproxy

# ---- Task 3: predict refcounts ------------------------------------------
u: clone(0) -> u2
expect u.nsproxy.count == 2
expect U.refs == 1                        # still one nsproxy
u2: unshare(CLONE_NEWIPC)
expect u2.uts == U                        # kept, not copied...
expect U.refs == 2                        # ...but the new nsproxy holds its own reference
expect u.nsproxy.count == 1               # u2 left u's nsproxy
u2: unshare(0)                            # no namespace flag: nothing to copy
expect u2.nsproxy.count == 1

# ---- Task 4: every setns installs a new nsproxy ---------------------------
u2: open("/proc/self/ns/uts") -> me
expect U.refs == 3                        # + the nsfs inode of the open file
u2: setns(me, CLONE_NEWUTS)               # re-enter the namespace u2 is already in
expect u2.uts == U
expect U.refs == 3                        # new nsproxy +1, old nsproxy freed -1
u2: close(me)
expect U.refs == 2

# ---- Task 5: exit releases the nsproxy at once ---------------------------
b: exit(0)
expect a.nsproxy.count == 2               # exit_task_namespaces() in do_exit(), before the zombie
init: wait(b) = b

# ---- Task 6: a new nsproxy with the same namespaces -----------------------
init: clone(0) -> w
# ==== Task 6: your steps go here ====
w: open("/proc/self/ns/net") -> f
w: setns(f, CLONE_NEWNET)
# ==== end of task 6 ====
expect w.nsproxy != init.nsproxy
expect w.net == init.net
expect w.uts == init.uts
expect w.nsproxy.count == 1
expect init.nsproxy.count == 2

# ---- Task 7: the last user --------------------------------------------------
u: exit(0)
expect U.refs == 1
u2: exit(0)
expect U.refs == 0
expect dead(U)
