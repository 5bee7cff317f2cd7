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
init: clone(0) -> enter
enter: open("/proc/target/ns/uts") -> fd
expect U.refs == 2                         # target's nsproxy + the nsfs inode
enter: setns(fd, CLONE_NEWNET) = EINVAL    # nstype must be 0 or the fd's own type
enter: setns(fd, 0) = 0                    # 0: "whatever type the fd is"
expect enter.uts == target.uts
expect enter.hostname == "container"
expect enter.net == init.net               # only the uts namespace changed
expect U.refs == 3                         # + enter's new nsproxy
enter: close(fd)
expect U.refs == 2                         # nsenter closes its fds before exec

# ---- Task 2: "exec" the command ----------------------------------------------
enter: clone(0) -> cmd
expect cmd.uts == target.uts
expect cmd.nsproxy == enter.nsproxy        # a plain fork shares the nsproxy
expect U.refs == 2                         # so no new reference

# ---- Task 3: why nsenter forks after entering a pid namespace ----------------
init: clone(CLONE_NEWPID) -> pinit         # pid 1 of a new pid namespace
init: clone(0) -> joiner
joiner: open("/proc/pinit/ns/pid") -> pidns
joiner: setns(pidns, CLONE_NEWPID) = 0
expect joiner.pid == init.pid              # the caller does not move...
expect joiner.pid_for_children == pinit.pid   # ...only its children will
joiner: clone(0) -> sh
expect sh.pid == 2                         # the fork is what enters
expect sh.pid@init == 7
pinit: open("/proc/init/ns/pid") -> up
pinit: setns(up, CLONE_NEWPID) = EINVAL    # not into an ancestor: no way out

# ---- Task 4: several namespaces at once with a pidfd ---------------------------
init: clone(0) -> j
j: pidfd_open(target) -> pfd
j: setns(pfd, 0) = EINVAL                  # a pidfd needs at least one CLONE_NEW* flag
j: setns(pfd, CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0
expect j.ipc == target.ipc
expect j.mnt == init.mnt                   # not asked for
expect j.nsproxy.count == 1
expect U.refs == 3                         # target, enter/cmd, j: one nsproxy each
j: pidfd_open(pinit) -> pp
j: setns(pp, CLONE_NEWPID) = 0             # pid: the target's active pid namespace
expect j.pid_for_children == pinit.pid

# ---- Task 5: nsenter -t target --net --uts ----------------------------------
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
