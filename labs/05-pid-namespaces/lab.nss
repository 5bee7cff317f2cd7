# Lab 5 — PID namespaces
# Replace every '?' with your prediction (a number, a "string", none, or a
# name like init.pid or P). On lines ending in "= ?", replace that "?" with the
# result (0, the new task's name, or an errno name). Then:
#   nssim lab check labs/05-pid-namespaces/lab.nss
#   nssim trace labs/05-pid-namespaces/lab.nss

# ---- Task 1: `unshare -p sh`, without --fork ---------------------------------
# @q 1.1 (1 point)
init: clone(0) -> sh
sh: unshare(CLONE_NEWPID)
expect sh.pid == ?
# @q 1.2 (1 point)
expect sh.pid_for_children == ?
# @q 1.3 (1 point)
sh: unshare(CLONE_NEWPID) = ?              # predict the result

# ---- Task 2: the first child is init --------------------------------------------
# @q 2.1 (1 point)
sh: clone(0) -> ls
expect ls.pid == ?
# @q 2.2 (1 point)
expect ls.pid@init == ?
# @q 2.3 (1 point)
expect sh.pid_for_children == ?
let P = ls.pid
# @q 2.4 (1 point)
expect P.parent == ?
sh: clone(0) -> cat
# @q 2.5 (1 point)
expect cat.pid == ?

# ---- Task 3: init's death ---------------------------------------------------------
# @q 3.1 (1 point)
ls: exit(0)
expect cat.state == ?
# @q 3.2 (1 point)
expect ls.state == ?
sh: wait(ls)                               # WNOHANG (nssim never blocks): 0 if ls cannot be reaped yet
sh: wait(cat) = cat
# @q 3.3 (1 point)
expect ls.state == ?
sh: wait(ls) = ls
# @q 3.4 (1 point)
sh: clone(0) -> more = ?                   # predict the result
# @q 3.5 (1 point)
expect sh.pid_for_children == ?
# @q 3.6 (1 point)
expect P.refs == ?

# ---- Task 4: nested pid namespaces, one pid per level -----------------------------
# @q 4.1 (1 point)
init: clone(CLONE_NEWPID) -> outer
outer: clone(CLONE_NEWPID) -> inner
inner: clone(0) -> leaf
expect leaf.pid == ?
# @q 4.2 (1 point)
expect leaf.pid@outer == ?
# @q 4.3 (1 point)
expect leaf.pid@init == ?
# @q 4.4 (1 point)
expect leaf.pid.parent == ?
# @q 4.5 (1 point)
expect leaf.pid@sh == ?
# @q 4.6 (1 point)
expect outer.pid@leaf == ?
outer: exit(0)
# @q 4.7 (1 point)
expect leaf.state == ?
# @q 4.8 (1 point)
expect inner.state == ?
# @q 4.9 (1 point)
expect outer.state == ?
init: wait(outer) = outer

# ---- Task 5: get sh working again ---------------------------------------------------
# @q 5 (3 points)
# ==== Task 5: your steps go here ====
# sh cannot fork any more (task 3). Write the steps that let sh's next
# child be pid 1 of a fresh pid namespace (see the README). The checks
# below fail until your steps are in.
# ==== end of task 5 ====
expect sh.pid_for_children != P
sh: clone(0) -> back = back
expect sh.pid_for_children != sh.pid
