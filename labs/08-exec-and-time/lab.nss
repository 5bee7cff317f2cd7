# Lab 8 — exec and the time namespace
# Replace every '?' with your prediction (a number, a "string", or a name
# like init.time, shell.nsproxy or T). On lines ending in "= ?", replace
# the "?" with the result (0, a task's name, or an errno name). Then:
#   nssim lab check labs/08-exec-and-time/lab.nss
#   nssim trace labs/08-exec-and-time/lab.nss

# ---- Task 1: unshare --time CMD: the exec is where the caller enters -----------
# @q 1.1 (1 point)
init: clone(0) -> sh
sh: unshare(CLONE_NEWTIME)
let T = sh.time_for_children
expect sh.time == ?
# @q 1.2 (2 points)
sh: open("/proc/self/ns/uts", O_CLOEXEC) -> gone
sh: open("/proc/self/ns/time_for_children") -> kept
expect T.refs == ?
# @q 1.3 (3 points)
sh: exec() = 0
expect sh.time == ?
expect sh.nsproxy.count == ?
expect T.refs == ?
# @q 1.4 (1 point)
sh: close(kept) = 0
expect T.refs == ?

# ---- Task 2: an exec with nothing to enter ---------------------------------------
# @q 2.1 (2 points)
sh: exec() = 0
expect T.refs == ?
init: clone(0) -> plain
plain: exec() = 0
expect plain.nsproxy == ?
expect plain.nsproxy.count == ?

# ---- Task 3: vfork, as posix_spawn() does it --------------------------------------
# @q 3.1 (3 points)
init: clone(0) -> shell
shell: unshare(CLONE_NEWTIME)
let S = shell.time_for_children
shell: clone(CLONE_VM|CLONE_VFORK) -> spawned
expect shell.state == ?
expect spawned.time == ?
expect spawned.nsproxy == ?
expect S.refs == ?
# @q 3.2 (3 points)
spawned: exec() = 0
expect shell.state == ?
expect spawned.time == ?
expect spawned.nsproxy.count == ?
expect S.refs == ?
# @q 3.3 (1 point)
shell: clone(0) -> forked
expect forked.time == ?
shell: wait(spawned) = ?                   # predict the result

# ---- Task 4: posix_spawn into a new time namespace ----------------------------------
# @q 4.1 (4 points)
init: clone(0) -> parent
# ==== Task 4: your steps go here ====
# Start a program 'job' that runs in a brand-new time namespace while
# 'parent' itself stays in init's (see the README). Name the new task 'job'.
# The checks below fail until your steps are in.
# ==== end of task 4 ====
expect parent.time == init.time
let J = parent.time_for_children
expect J.refs == 3
expect parent.time_for_children != init.time
expect parent.state == "running"
expect parent.nsproxy.count == 1
