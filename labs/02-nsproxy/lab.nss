# Lab 2 — nsproxy: shared on fork, copied on CLONE_NEW*, unshare and setns
# Replace every '?' with your prediction: a number, or a name such as
# init.nsproxy or u.uts. Then:
#   nssim lab check labs/02-nsproxy/lab.nss          grade
#   nssim trace labs/02-nsproxy/lab.nss              see every step (add --refs for the holders)

# ---- Task 1: fork shares the nsproxy ------------------------------------
init: clone(0) -> a
expect a.nsproxy == ?
expect init.nsproxy.count == ?
init: clone(0) -> b
expect a.nsproxy.count == ?

# ---- Task 2: a CLONE_NEW* flag copies it --------------------------------
init: clone(CLONE_NEWUTS) -> u
expect u.nsproxy != init.nsproxy
expect u.nsproxy.count == ?
expect init.nsproxy.count == ?
expect u.net == ?
let U = u.uts
expect U.refs == ?

# ---- Task 3: predict refcounts ------------------------------------------
u: clone(0) -> u2
expect u.nsproxy.count == ?
expect U.refs == ?
u2: unshare(CLONE_NEWIPC)
expect u2.uts == ?
expect U.refs == ?
expect u.nsproxy.count == ?
u2: unshare(0)
expect u2.nsproxy.count == ?

# ---- Task 4: every setns installs a new nsproxy ---------------------------
u2: open("/proc/self/ns/uts") -> me
expect U.refs == ?
u2: setns(me, CLONE_NEWUTS)
expect u2.uts == U
expect U.refs == ?
u2: close(me)
expect U.refs == ?

# ---- Task 5: exit releases the nsproxy at once ---------------------------
b: exit(0)
expect a.nsproxy.count == ?
init: wait(b) = b

# ---- Task 6: a new nsproxy with the same namespaces -----------------------
init: clone(0) -> w
# ==== Task 6: your steps go here ====
# Give w a new nsproxy of its own without changing any of its namespaces
# (see the README). The checks below fail until your steps are in.
# ==== end of task 6 ====
expect w.nsproxy != init.nsproxy
expect w.net == init.net
expect w.uts == init.uts
expect w.nsproxy.count == 1
expect init.nsproxy.count == 2

# ---- Task 7: the last user --------------------------------------------------
u: exit(0)
expect U.refs == ?
u2: exit(0)
expect U.refs == ?
expect dead(U)
