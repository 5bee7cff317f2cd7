# Lab 1 — /proc/PID/ns and inode identity
# Replace every '?' with your prediction: a number, a "string", none, or a
# name such as init.net or init.nsproxy. Then:
#   nssim lab check labs/01-proc-ns-identity/lab.nss          grade
#   nssim trace labs/01-proc-ns-identity/lab.nss              see every step
kernel 6.18
task init

# ---- Task 1: the initial namespaces ------------------------------------
# @q 1.1 (1 point)
expect init.user.inum == ?
# @q 1.2 (1 point)
expect init.net.inum == ?
# @q 1.3 (1 point)
expect init.pid_for_children == ?
# @q 1.4 (1 point)
expect init.time_for_children == ?

# ---- Task 2: a plain fork ----------------------------------------------
# @q 2.1 (1 point)
init: clone(0) -> a
expect a.net == ?
# @q 2.2 (1 point)
expect a.nsproxy == ?
# @q 2.3 (1 point)
expect a.nsproxy.count == ?

# ---- Task 3: clone with two CLONE_NEW* flags ---------------------------
# @q 3.1 (1 point)
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b
expect b.net != init.net
expect b.ipc == ?
# @q 3.2 (1 point)
expect b.net.type == ?
# @q 3.3 (1 point)
expect b.nsproxy.count == ?
b: clone(0) -> b2
b: sethostname("lab")
# @q 3.4 (1 point)
expect b2.hostname == ?
# @q 3.5 (1 point)
expect a.hostname == ?

# ---- Task 4: references -----------------------------------------------
# @q 4.1 (1 point)
let N = b.net
expect N.refs == ?
a: open("/proc/b/ns/net") -> f1
# @q 4.2 (1 point)
expect N.refs == ?
a: open("/proc/b2/ns/net") -> f2
# @q 4.3 (1 point)
expect N.refs == ?

# ---- Task 5: why pid_for_children and time_for_children exist ----------
# @q 5.1 (1 point)
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
expect p.pid == ?
# @q 5.2 (1 point)
expect p.pid_for_children == ?
p: clone(0) -> q
# @q 5.3 (1 point)
expect q.pid == ?
# @q 5.4 (1 point)
expect q.pid@init == ?
# @q 5.5 (1 point)
expect p.pid_for_children == ?
p: unshare(CLONE_NEWTIME)
# @q 5.6 (1 point)
expect p.time == ?
p: clone(0) -> r
# @q 5.7 (1 point)
expect r.time == ?

# @q 6 (3 points)
# ==== Task 6: your steps go here ====
# One call that creates a task named c (see the README), then remove the
# '#' in front of these checks:
# expect c.uts == b.uts
# expect c.net != b.net
# expect c.net != init.net
# expect c.hostname == "lab"
# ==== end of task 6 ====
