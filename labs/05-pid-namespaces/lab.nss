# Lab 5 — PID namespaces
# Replace every '?' with your prediction (a number, a "string", none, or a
# name like init.pid or P). On lines marked "predict the result", append
# "= RESULT" (0, the new task's name, or an errno name). Then:
#   nssim lab check labs/05-pid-namespaces/lab.nss
#   nssim trace labs/05-pid-namespaces/lab.nss

# ---- Task 1: `unshare -p sh`, without --fork ---------------------------------
init: clone(0) -> sh
sh: unshare(CLONE_NEWPID)
expect sh.pid == ?
expect sh.pid_for_children == ?
sh: unshare(CLONE_NEWPID)                  # predict the result

# ---- Task 2: the first child is init --------------------------------------------
sh: clone(0) -> ls
expect ls.pid == ?
expect ls.pid@init == ?
expect sh.pid_for_children == ?
let P = ls.pid
expect P.parent == ?
sh: clone(0) -> cat
expect cat.pid == ?

# ---- Task 3: init's death ---------------------------------------------------------
ls: exit(0)
expect cat.state == ?
expect ls.state == ?
sh: wait(ls)                               # WNOHANG (nssim never blocks): 0 if ls cannot be reaped yet
sh: wait(cat) = cat
expect ls.state == ?
sh: wait(ls) = ls
sh: clone(0) -> more                       # predict the result
expect sh.pid_for_children == ?
expect P.refs == ?

# ---- Task 4: nested pid namespaces, one pid per level -----------------------------
init: clone(CLONE_NEWPID) -> outer
outer: clone(CLONE_NEWPID) -> inner
inner: clone(0) -> leaf
expect leaf.pid == ?
expect leaf.pid@outer == ?
expect leaf.pid@init == ?
expect leaf.pid.parent == ?
expect leaf.pid@sh == ?
expect outer.pid@leaf == ?
outer: exit(0)
expect leaf.state == ?
expect inner.state == ?
expect outer.state == ?
init: wait(outer) = outer

# ---- Task 5: get sh working again ---------------------------------------------------
# ==== Task 5: your steps go here ====
# sh cannot fork any more (task 3). Write the steps that let sh's next
# child be pid 1 of a fresh pid namespace (see the README). The checks
# below fail until your steps are in.
# ==== end of task 5 ====
expect sh.pid_for_children != P
sh: clone(0) -> back = back
expect sh.pid_for_children != sh.pid
