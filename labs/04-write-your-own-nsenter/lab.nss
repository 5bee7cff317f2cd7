# Lab 4 — Write your own nsenter
# Replace every '?' with your prediction (a number, a "string", or a name
# like target.uts). On lines marked "predict the result", append "= RESULT"
# (0 or an errno name). Then:
#   nssim lab check labs/04-write-your-own-nsenter/lab.nss
#   nssim trace labs/04-write-your-own-nsenter/lab.nss
#
# nssim has no exec: "run a command" is a fork, clone(0) -> NAME (see README).

init: clone(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) -> target
target: sethostname("container")
let U = target.uts

# ---- Task 1: nsenter --uts: open, then setns ------------------------------
init: clone(0) -> enter
enter: open("/proc/target/ns/uts") -> fd
expect U.refs == ?
enter: setns(fd, CLONE_NEWNET)             # predict the result
enter: setns(fd, 0)                        # predict the result
expect enter.uts == ?
expect enter.hostname == ?
expect enter.net == ?
expect U.refs == ?
enter: close(fd)
expect U.refs == ?

# ---- Task 2: "exec" the command ----------------------------------------------
enter: clone(0) -> cmd
expect cmd.uts == ?
expect cmd.nsproxy == ?
expect U.refs == ?

# ---- Task 3: why nsenter forks after entering a pid namespace ----------------
init: clone(CLONE_NEWPID) -> pinit
init: clone(0) -> joiner
joiner: open("/proc/pinit/ns/pid") -> pidns
joiner: setns(pidns, CLONE_NEWPID) = 0
expect joiner.pid == ?
expect joiner.pid_for_children == ?
joiner: clone(0) -> sh
expect sh.pid == ?
expect sh.pid@init == ?
pinit: open("/proc/init/ns/pid") -> up
pinit: setns(up, CLONE_NEWPID)             # predict the result

# ---- Task 4: several namespaces at once with a pidfd ---------------------------
init: clone(0) -> j
j: pidfd_open(target) -> pfd
j: setns(pfd, 0)                           # predict the result
j: setns(pfd, CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0
expect j.ipc == ?
expect j.mnt == ?
expect j.nsproxy.count == ?
expect U.refs == ?
j: pidfd_open(pinit) -> pp
j: setns(pp, CLONE_NEWPID) = 0
expect j.pid_for_children == ?

# ---- Task 5: nsenter -t target --net --uts ----------------------------------
init: clone(0) -> me
# ==== Task 5: your steps go here ====
# Enter target's net and uts namespaces from me with /proc files (not a
# pidfd), close what you opened, then "run a command" (see the README).
# The three checks below fail until your steps are in.
# ==== end of task 5 ====
expect me.net == target.net
expect me.uts == target.uts
expect me.ipc == init.ipc
