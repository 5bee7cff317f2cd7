# Lab 2 — nsproxy: shared on fork, copied on CLONE_NEW*, unshare and setns
# Replace every '?' with your prediction: a number, or a name such as
# init.nsproxy or u.uts. Then:
#   nssim lab check labs/02-nsproxy/lab.nss          grade
#   nssim trace labs/02-nsproxy/lab.nss              see every step (add --refs for the holders)

# ---- Task 1: fork shares the nsproxy ------------------------------------
# @q 1.1 (1 point)
init: clone(0) -> a
expect a.nsproxy == ?
# @q 1.2 (1 point)
expect init.nsproxy.count == ?
init: clone(0) -> b
# @q 1.3 (1 point)
expect a.nsproxy.count == ?

# ---- Task 2: a CLONE_NEW* flag copies it --------------------------------
# @q 2.1 (1 point)
init: clone(CLONE_NEWUTS) -> u
expect u.nsproxy != init.nsproxy
expect u.nsproxy.count == ?
# @q 2.2 (1 point)
expect init.nsproxy.count == ?
# @q 2.3 (1 point)
expect u.net == ?
let U = u.uts
# @q 2.4 (1 point)
expect U.refs == ?

# ---- Task 3: predict refcounts ------------------------------------------
# @q 3.1 (1 point)
u: clone(0) -> u2
expect u.nsproxy.count == ?
# @q 3.2 (1 point)
expect U.refs == ?
u2: unshare(CLONE_NEWIPC)
# @q 3.3 (1 point)
expect u2.uts == ?
# @q 3.4 (1 point)
expect U.refs == ?
# @q 3.5 (1 point)
expect u.nsproxy.count == ?
u2: unshare(0)
# @q 3.6 (1 point)
expect u2.nsproxy.count == ?

# ---- Task 4: every setns installs a new nsproxy ---------------------------
# @q 4.1 (1 point)
u2: open("/proc/self/ns/uts") -> me
expect U.refs == ?
u2: setns(me, CLONE_NEWUTS)
expect u2.uts == U
# @q 4.2 (1 point)
expect U.refs == ?
u2: close(me)
# @q 4.3 (1 point)
expect U.refs == ?

# ---- Task 5: exit releases the nsproxy at once ---------------------------
# @q 5.1 (1 point)
b: exit(0)
expect a.nsproxy.count == ?
init: wait(b) = b

# ---- Task 6: a new nsproxy with the same namespaces -----------------------
# @q 6 (3 points)
init: clone(0) -> w
# ==== Task 6: your steps go here ====
# Give w a new nsproxy of its own without changing any of its namespaces
# (see the README). The checks below fail until your steps are in.
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
expect U.refs == ?
u2: exit(0)
# @q 7.2 (1 point)
expect U.refs == ?
expect dead(U)
