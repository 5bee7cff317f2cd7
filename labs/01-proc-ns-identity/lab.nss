# Lab 1 — /proc/PID/ns and inode identity
# Replace every '?' with your prediction: a number, a "string", none, or a
# name such as init.net or init.nsproxy. Then:
#   nssim lab check labs/01-proc-ns-identity/lab.nss          grade
#   nssim trace labs/01-proc-ns-identity/lab.nss              see every step
kernel 6.18
task init

# ---- Task 1: the initial namespaces ------------------------------------
expect init.user.inum == ?
expect init.net.inum == ?
expect init.pid_for_children == ?
expect init.time_for_children == ?

# ---- Task 2: a plain fork ----------------------------------------------
init: clone(0) -> a
expect a.net == ?
expect a.nsproxy == ?
expect a.nsproxy.count == ?

# ---- Task 3: clone with two CLONE_NEW* flags ---------------------------
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b
expect b.net != init.net
expect b.ipc == ?
expect b.net.type == ?
expect b.nsproxy.count == ?
b: clone(0) -> b2
b: sethostname("lab")
expect b2.hostname == ?
expect a.hostname == ?

# ---- Task 4: references -----------------------------------------------
let N = b.net
expect N.refs == ?
a: open("/proc/b/ns/net") -> f1
expect N.refs == ?
a: open("/proc/b2/ns/net") -> f2
expect N.refs == ?

# ---- Task 5: why pid_for_children and time_for_children exist ----------
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
expect p.pid == ?
expect p.pid_for_children == ?
p: clone(0) -> q
expect q.pid == ?
expect q.pid@init == ?
expect p.pid_for_children == ?
p: unshare(CLONE_NEWTIME)
expect p.time == ?
p: clone(0) -> r
expect r.time == ?

# ==== Task 6: your steps go here ====
# One call that creates a task named c (see the README), then remove the
# '#' in front of these checks:
# expect c.uts == b.uts
# expect c.net != b.net
# expect c.net != init.net
# expect c.hostname == "lab"
# ==== end of task 6 ====
