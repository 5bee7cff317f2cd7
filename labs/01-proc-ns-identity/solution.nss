# Lab 1 — /proc/PID/ns and inode identity  (SOLUTION: the teacher's key)
# Check it: nssim lab check --real labs/01-proc-ns-identity/solution.nss
kernel 6.18
task init

# ---- Task 1: the initial namespaces ------------------------------------
# @q 1.1 (1 point)
# Fixed inode numbers from include/linux/proc_ns.h (PROC_*_INIT_INO).
expect init.user.inum == 4026531837
# @q 1.2 (1 point)
expect init.net.inum == 4026531833         # fixed since 6.18 (older kernels: dynamic)
# @q 1.3 (1 point)
expect init.pid_for_children == init.pid   # nothing unshared yet: both links agree
# @q 1.4 (1 point)
expect init.time_for_children == init.time

# ---- Task 2: a plain fork ----------------------------------------------
# @q 2.1 (1 point)
init: clone(0) -> a
expect a.net == init.net                   # same inode number: same namespace
# @q 2.2 (1 point)
expect a.nsproxy == init.nsproxy           # copy_namespaces(): no CLONE_NEW* -> shared
# @q 2.3 (1 point)
expect a.nsproxy.count == 2                # init and a

# ---- Task 3: clone with two CLONE_NEW* flags ---------------------------
# @q 3.1 (1 point)
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b
expect b.net != init.net
expect b.ipc == init.ipc                   # only the flagged types are new
# @q 3.2 (1 point)
expect b.net.type == "net"
# @q 3.3 (1 point)
expect b.nsproxy.count == 1                # a new nsproxy, b alone in it
b: clone(0) -> b2
b: sethostname("lab")
# @q 3.4 (1 point)
expect b2.hostname == "lab"                # b2 shares b's uts namespace
# @q 3.5 (1 point)
expect a.hostname == "(none)"              # a does not

# ---- Task 4: references -----------------------------------------------
# @q 4.1 (1 point)
let N = b.net
expect N.refs == 1                         # one nsproxy slot (b and b2 share the nsproxy)
a: open("/proc/b/ns/net") -> f1
# @q 4.2 (1 point)
expect N.refs == 2                         # + the nsfs inode
a: open("/proc/b2/ns/net") -> f2
# @q 4.3 (1 point)
expect N.refs == 2                         # same namespace, same nsfs inode: no new reference

# ---- Task 5: why pid_for_children and time_for_children exist ----------
# @q 5.1 (1 point)
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
expect p.pid == init.pid                   # p's own pid namespace cannot change
# @q 5.2 (1 point)
expect p.pid_for_children == none          # ENOENT until the namespace has its init
p: clone(0) -> q
# @q 5.3 (1 point)
expect q.pid == 1                          # q is the new namespace's init
# @q 5.4 (1 point)
expect q.pid@init == 6                     # ...and pid 6 seen from init's namespace
# @q 5.5 (1 point)
expect p.pid_for_children == q.pid
p: unshare(CLONE_NEWTIME)
# @q 5.6 (1 point)
expect p.time == init.time                 # p's clocks do not jump
p: clone(0) -> r
# @q 5.7 (1 point)
expect r.time == p.time_for_children       # the child starts in it

# @q 6 (3 points)
# ==== Task 6: your steps go here ====
b: clone(CLONE_NEWNET) -> c
expect c.uts == b.uts
expect c.net != b.net
expect c.net != init.net
expect c.hostname == "lab"
# ==== end of task 6 ====
