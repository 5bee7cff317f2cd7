# Lab 5 — PID namespaces  (SOLUTION)
# Check it: nssim lab check --real labs/05-pid-namespaces/solution.nss
# (On the live kernel, `init` is pid 1 of a sandbox pid namespace, so pid
# numbers "seen from init" are the same there as in the model.)

# ---- Task 1: `unshare -p sh`, without --fork ---------------------------------
# @q 1.1 (1 point)
init: clone(0) -> sh
sh: unshare(CLONE_NEWPID)
expect sh.pid == init.pid                  # the caller stays where it is
# @q 1.2 (1 point)
expect sh.pid_for_children == none         # no init yet: the link cannot be opened
# @q 1.3 (1 point)
sh: unshare(CLONE_NEWPID) = EINVAL         # pid_for_children is not sh's active namespace any more

# ---- Task 2: the first child is init --------------------------------------------
# @q 2.1 (1 point)
sh: clone(0) -> ls                         # the shell runs its first command
expect ls.pid == 1                         # pid 1: the namespace's child_reaper
# @q 2.2 (1 point)
expect ls.pid@init == 3                    # and pid 3 one level up (init, sh, ls)
# @q 2.3 (1 point)
expect sh.pid_for_children == ls.pid
let P = ls.pid
# @q 2.4 (1 point)
expect P.parent == init.pid
sh: clone(0) -> cat                        # the second command
# @q 2.5 (1 point)
expect cat.pid == 2

# ---- Task 3: init's death ---------------------------------------------------------
# @q 3.1 (1 point)
ls: exit(0)                                # the first command finishes
expect cat.state == "zombie"               # zap_pid_ns_processes(): SIGKILL to every other task
# @q 3.2 (1 point)
expect ls.state == "exiting"               # init waits until cat (whose parent is outside) is reaped
sh: wait(ls)                               # WNOHANG: ls is not a zombie yet, wait returns 0
sh: wait(cat) = cat
# @q 3.3 (1 point)
expect ls.state == "zombie"
sh: wait(ls) = ls
# @q 3.4 (1 point)
sh: clone(0) -> more = ENOMEM              # "fork: Cannot allocate memory": no init, no new pids
# @q 3.5 (1 point)
expect sh.pid_for_children == P            # the namespace still exists...
# @q 3.6 (1 point)
expect P.refs == 1                         # ...held by sh's nsproxy alone

# ---- Task 4: nested pid namespaces, one pid per level -----------------------------
# @q 4.1 (1 point)
init: clone(CLONE_NEWPID) -> outer         # pid 1 of a new namespace
outer: clone(CLONE_NEWPID) -> inner        # pid 1 of a namespace below it
inner: clone(0) -> leaf
expect leaf.pid == 2
# @q 4.2 (1 point)
expect leaf.pid@outer == 3                 # outer(1), inner(2), leaf(3)
# @q 4.3 (1 point)
expect leaf.pid@init == 8                  # init 1, sh 2, ls 3, cat 4, (5: taken by the failed fork), outer 6, inner 7
# @q 4.4 (1 point)
expect leaf.pid.parent == outer.pid
# @q 4.5 (1 point)
expect leaf.pid@sh == 8                    # sh is in init's namespace: the same view
# @q 4.6 (1 point)
expect outer.pid@leaf == 0                 # an ancestor is invisible from below
outer: exit(0)                             # the top init dies: everything below goes
# @q 4.7 (1 point)
expect leaf.state == "reaped"
# @q 4.8 (1 point)
expect inner.state == "reaped"
# @q 4.9 (1 point)
expect outer.state == "zombie"
init: wait(outer) = outer

# ---- Task 5: get sh working again ---------------------------------------------------
# @q 5 (3 points)
# ==== Task 5: your steps go here ====
sh: open("/proc/self/ns/pid") -> mine
sh: setns(mine, CLONE_NEWPID) = 0          # back to its own active namespace: allowed
sh: close(mine)
sh: unshare(CLONE_NEWPID) = 0              # now a fresh one can be made
# ==== end of task 5 ====
expect sh.pid_for_children != P
sh: clone(0) -> back = back
expect sh.pid_for_children != sh.pid
