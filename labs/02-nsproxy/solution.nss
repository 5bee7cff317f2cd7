# Lab 2 — nsproxy: shared on fork, copied on CLONE_NEW*, unshare and setns  (SOLUTION)
# Check it: nssim lab check --real labs/02-nsproxy/solution.nss

# ---- Task 1: fork shares the nsproxy ------------------------------------
# @q 1.1 (1 point)
init: clone(0) -> a
expect a.nsproxy == init.nsproxy
# @q 1.2 (1 point)
expect init.nsproxy.count == 2            # get_nsproxy() in copy_namespaces()
init: clone(0) -> b
# @q 1.3 (1 point)
expect a.nsproxy.count == 3               # one nsproxy, three tasks

# ---- Task 2: a CLONE_NEW* flag copies it --------------------------------
# @q 2.1 (1 point)
init: clone(CLONE_NEWUTS) -> u
expect u.nsproxy != init.nsproxy
expect u.nsproxy.count == 1
# @q 2.2 (1 point)
expect init.nsproxy.count == 3            # unchanged: u never shared it
# @q 2.3 (1 point)
expect u.net == init.net                  # the copy keeps every other namespace
let U = u.uts
# @q 2.4 (1 point)
expect U.refs == 1                        # one slot: u's nsproxy

# ---- Task 3: predict refcounts ------------------------------------------
# @q 3.1 (1 point)
u: clone(0) -> u2
expect u.nsproxy.count == 2
# @q 3.2 (1 point)
expect U.refs == 1                        # still one nsproxy
u2: unshare(CLONE_NEWIPC)
# @q 3.3 (1 point)
expect u2.uts == U                        # kept, not copied...
# @q 3.4 (1 point)
expect U.refs == 2                        # ...but the new nsproxy holds its own reference
# @q 3.5 (1 point)
expect u.nsproxy.count == 1               # u2 left u's nsproxy
u2: unshare(0)                            # no namespace flag: nothing to copy
# @q 3.6 (1 point)
expect u2.nsproxy.count == 1

# ---- Task 4: every setns installs a new nsproxy ---------------------------
# @q 4.1 (1 point)
u2: open("/proc/self/ns/uts") -> me
expect U.refs == 3                        # + the nsfs inode of the open file
u2: setns(me, CLONE_NEWUTS)               # re-enter the namespace u2 is already in
expect u2.uts == U
# @q 4.2 (1 point)
expect U.refs == 3                        # new nsproxy +1, old nsproxy freed -1
u2: close(me)
# @q 4.3 (1 point)
expect U.refs == 2

# ---- Task 5: exit releases the nsproxy at once ---------------------------
# @q 5.1 (1 point)
b: exit(0)
expect a.nsproxy.count == 2               # exit_task_namespaces() in do_exit(), before the zombie
init: wait(b) = b

# ---- Task 6: a new nsproxy with the same namespaces -----------------------
# @q 6 (3 points)
init: clone(0) -> w
# ==== Task 6: your steps go here ====
w: open("/proc/self/ns/net") -> f
w: setns(f, CLONE_NEWNET)
# ==== end of task 6 ====
expect w.nsproxy != init.nsproxy
expect w.net == init.net
expect w.uts == init.uts
expect w.ipc == init.ipc                  # and every other type too: no unshare of one
expect w.mnt == init.mnt
expect w.pid_for_children == init.pid_for_children
expect w.cgroup == init.cgroup
expect w.user == init.user
expect w.time_for_children == init.time_for_children
expect w.nsproxy.count == 1
expect init.nsproxy.count == 2

# ---- Task 7: the last user --------------------------------------------------
# @q 7.1 (1 point)
u: exit(0)
expect U.refs == 1
u2: exit(0)
# @q 7.2 (1 point)
expect U.refs == 0
expect dead(U)
