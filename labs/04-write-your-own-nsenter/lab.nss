# Lab 4 — Write your own nsenter
# Replace every '?' with your prediction (a number, a "string", or a name
# like target.uts). On lines ending in "= ?", replace that "?" with the result
# (0 or an errno name). Then:
#   nssim lab check labs/04-write-your-own-nsenter/lab.nss
#   nssim trace labs/04-write-your-own-nsenter/lab.nss
#
# nssim has no exec: "run a command" is a fork, clone(0) -> NAME (see README).

init: clone(CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) -> target
target: sethostname("container")
let U = target.uts

# ---- Task 1: nsenter --uts: open, then setns ------------------------------
# @q 1.1 (1 point)
init: clone(0) -> enter
enter: open("/proc/target/ns/uts") -> fd
expect U.refs == ?
# @q 1.2 (1 point)
enter: setns(fd, CLONE_NEWNET) = ?         # predict the result
# @q 1.3 (1 point)
enter: setns(fd, 0) = ?                    # predict the result
# @q 1.4 (1 point)
expect enter.uts == ?
# @q 1.5 (1 point)
expect enter.hostname == ?
# @q 1.6 (1 point)
expect enter.net == ?
# @q 1.7 (1 point)
expect U.refs == ?
enter: close(fd)
# @q 1.8 (1 point)
expect U.refs == ?

# ---- Task 2: "exec" the command ----------------------------------------------
# @q 2.1 (1 point)
enter: clone(0) -> cmd
expect cmd.uts == ?
# @q 2.2 (1 point)
expect cmd.nsproxy == ?
# @q 2.3 (1 point)
expect U.refs == ?

# ---- Task 3: why nsenter forks after entering a pid namespace ----------------
# @q 3.1 (1 point)
init: clone(CLONE_NEWPID) -> pinit
init: clone(0) -> joiner
joiner: open("/proc/pinit/ns/pid") -> pidns
joiner: setns(pidns, CLONE_NEWPID) = 0
expect joiner.pid == ?
# @q 3.2 (1 point)
expect joiner.pid_for_children == ?
joiner: clone(0) -> sh
# @q 3.3 (1 point)
expect sh.pid == ?
# @q 3.4 (1 point)
expect sh.pid@init == ?
pinit: open("/proc/init/ns/pid") -> up
# @q 3.5 (1 point)
pinit: setns(up, CLONE_NEWPID) = ?         # predict the result

# ---- Task 4: several namespaces at once with a pidfd ---------------------------
# @q 4.1 (1 point)
init: clone(0) -> j
j: pidfd_open(target) -> pfd
j: setns(pfd, 0) = ?                       # predict the result
j: setns(pfd, CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET) = 0
# @q 4.2 (1 point)
expect j.ipc == ?
# @q 4.3 (1 point)
expect j.mnt == ?
# @q 4.4 (1 point)
expect j.nsproxy.count == ?
# @q 4.5 (1 point)
expect U.refs == ?
j: pidfd_open(pinit) -> pp
j: setns(pp, CLONE_NEWPID) = 0
# @q 4.6 (1 point)
expect j.pid_for_children == ?

# ---- Task 5: nsenter -t target --net --uts ----------------------------------
# @q 5 (3 points)
init: clone(0) -> me
# ==== Task 5: your steps go here ====
# Enter target's net and uts namespaces from me with /proc files (not a
# pidfd), close what you opened, then "run a command" (see the README).
# The three checks below fail until your steps are in.
# ==== end of task 5 ====
expect me.net == target.net
expect me.uts == target.uts
expect me.ipc == init.ipc
