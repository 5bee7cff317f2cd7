# Lab 8 — exec and the time namespace  (SOLUTION)
# Check it: nssim lab check --real labs/08-exec-and-time/solution.nss

# ---- Task 1: unshare --time CMD: the exec is where the caller enters -----------
# @q 1.1 (1 point)
init: clone(0) -> sh
sh: unshare(CLONE_NEWTIME)
let T = sh.time_for_children
expect sh.time == init.time                # unshare moves only time_for_children
# @q 1.2 (2 points)
sh: open("/proc/self/ns/uts", O_CLOEXEC) -> gone   # closed by the exec (do_close_on_exec())
sh: open("/proc/self/ns/time_for_children") -> kept
expect T.refs == 2                         # sh's time_for_children slot + the nsfs inode (kept)
# @q 1.3 (3 points)
sh: exec() = 0
expect sh.time == T                        # exec_task_namespaces(): time := time_for_children
expect sh.nsproxy.count == 1              # a new nsproxy (create_new_namespaces()), sh's alone
expect T.refs == 3                         # time + time_for_children of the new nsproxy, the inode
# @q 1.4 (1 point)
sh: close(kept) = 0
expect T.refs == 2                         # the inode went with the last file

# ---- Task 2: an exec with nothing to enter ---------------------------------------
# @q 2.1 (2 points)
sh: exec() = 0
expect T.refs == 2                         # time == time_for_children: exec_task_namespaces() returns early
init: clone(0) -> plain
plain: exec() = 0
expect plain.nsproxy == init.nsproxy       # the same: an exec keeps the nsproxy when the links agree
expect plain.nsproxy.count == 2            # still shared with init

# ---- Task 3: vfork, as posix_spawn() does it --------------------------------------
# @q 3.1 (3 points)
init: clone(0) -> shell
shell: unshare(CLONE_NEWTIME)
let S = shell.time_for_children
shell: clone(CLONE_VM|CLONE_VFORK) -> spawned
expect shell.state == "vfork"              # asleep until spawned execs or exits
expect spawned.time == shell.time          # a CLONE_VM child cannot switch clocks at fork
expect spawned.nsproxy == shell.nsproxy    # so copy_namespaces() shares the nsproxy as it is
expect S.refs == 1                         # still only shell's time_for_children slot
# @q 3.2 (3 points)
spawned: exec() = 0
expect shell.state == "running"            # mm_release() woke the parent
expect spawned.time == S                   # the exec entered time_for_children
expect spawned.nsproxy.count == 1
expect S.refs == 3                         # shell's time_for_children + spawned's two slots
# @q 3.3 (1 point)
shell: clone(0) -> forked
expect forked.time == S                    # a plain fork enters it at once (timens_on_fork())
shell: wait(spawned) = 0                   # WNOHANG (nssim never blocks): spawned still runs

# ---- Task 4: posix_spawn into a new time namespace ----------------------------------
# @q 4.1 (4 points)
init: clone(0) -> parent
# ==== Task 4: your steps go here ====
parent: unshare(CLONE_NEWTIME)             # only time_for_children: parent's clocks stay
parent: clone(CLONE_VM|CLONE_VFORK) -> job # posix_spawn(): shares parent's nsproxy
job: exec()                                # exec_task_namespaces() enters time_for_children
# ==== end of task 4 ====
expect parent.time == init.time
let J = parent.time_for_children
expect J.refs == 3                         # parent's time_for_children + job's time and time_for_children
expect parent.time_for_children != init.time
expect parent.state == "running"
expect parent.nsproxy.count == 1
