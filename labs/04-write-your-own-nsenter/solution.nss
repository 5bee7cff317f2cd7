# Lab 4 — Write your own nsenter  (SOLUTION)
# Check it: nssim lab check --real labs/04-write-your-own-nsenter/solution.nss
#
# nssim has no exec: "run a command" is a fork, clone(0) -> NAME, standing for
# the fork + exec a shell does; the child shows the namespaces the command
# will have (see the README, "About exec").

init: clone(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) -> target   # the "container"
target: sethostname("container")
let U = target.uts

# ---- Task 1: nsenter --uts: open, then setns ------------------------------
# @q 1.1 (1 point)
init: clone(0) -> enter
enter: open("/proc/target/ns/uts") -> fd
expect U.refs == 2                         # target's nsproxy + the nsfs inode
# @q 1.2 (1 point)
enter: setns(fd, CLONE_NEWNET) = EINVAL    # nstype must be 0 or the fd's own type
# @q 1.3 (1 point)
enter: setns(fd, 0) = 0                    # 0: "whatever type the fd is"
# @q 1.4 (1 point)
expect enter.uts == target.uts
# @q 1.5 (1 point)
expect enter.hostname == "container"
# @q 1.6 (1 point)
expect enter.net == init.net               # only the uts namespace changed
# @q 1.7 (1 point)
expect U.refs == 3                         # + enter's new nsproxy
enter: close(fd)
# @q 1.8 (1 point)
expect U.refs == 2                         # nsenter closes its fds before exec

# ---- Task 2: "exec" the command ----------------------------------------------
# @q 2.1 (1 point)
enter: clone(0) -> cmd
expect cmd.uts == target.uts
# @q 2.2 (1 point)
expect cmd.nsproxy == enter.nsproxy        # a plain fork shares the nsproxy
# @q 2.3 (1 point)
expect U.refs == 2                         # so no new reference

# ---- Task 3: why nsenter forks after entering a pid namespace ----------------
# @q 3.1 (1 point)
init: clone(CLONE_NEWPID) -> pinit         # pid 1 of a new pid namespace
init: clone(0) -> joiner
joiner: open("/proc/pinit/ns/pid") -> pidns
joiner: setns(pidns, CLONE_NEWPID) = 0
expect joiner.pid == init.pid              # the caller does not move...
# @q 3.2 (1 point)
expect joiner.pid_for_children == pinit.pid   # ...only its children will
joiner: clone(0) -> sh
# @q 3.3 (1 point)
expect sh.pid == 2                         # the fork is what enters
# @q 3.4 (1 point)
expect sh.pid@init == 7
pinit: open("/proc/init/ns/pid") -> up
# @q 3.5 (1 point)
pinit: setns(up, CLONE_NEWPID) = EINVAL    # not into an ancestor: no way out

# ---- Task 4: several namespaces at once with a pidfd ---------------------------
# @q 4.1 (1 point)
init: clone(0) -> j
j: pidfd_open(target) -> pfd
j: setns(pfd, 0) = EINVAL                  # a pidfd needs at least one CLONE_NEW* flag
j: setns(pfd, CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0
# @q 4.2 (1 point)
expect j.ipc == target.ipc
# @q 4.3 (1 point)
expect j.mnt == init.mnt                   # not asked for
# @q 4.4 (1 point)
expect j.nsproxy.count == 1
# @q 4.5 (1 point)
expect U.refs == 3                         # target, enter/cmd, j: one nsproxy each
j: pidfd_open(pinit) -> pp
j: setns(pp, CLONE_NEWPID) = 0             # pid: the target's active pid namespace
# @q 4.6 (1 point)
expect j.pid_for_children == pinit.pid

# ---- Task 5: nsenter -t target --net --uts ----------------------------------
# @q 5 (3 points)
init: clone(0) -> me
# ==== Task 5: your steps go here ====
me: open("/proc/target/ns/net") -> n
me: open("/proc/target/ns/uts") -> u
me: setns(n, CLONE_NEWNET) = 0
me: setns(u, CLONE_NEWUTS) = 0
me: close(n)
me: close(u)
me: clone(0) -> run
expect run.net == target.net
expect run.hostname == "container"
# ==== end of task 5 ====
expect me.net == target.net
expect me.uts == target.uts
expect me.ipc == init.ipc
