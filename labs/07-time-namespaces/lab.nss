# Lab 7 — Time namespaces: seen only by children
# Replace every '?' with your prediction (a number, or a name like
# init.time or T). On lines ending in "= ?", replace that "?" with the
# result (0 or an errno name). Then:
#   nssim lab check labs/07-time-namespaces/lab.nss
#   nssim trace labs/07-time-namespaces/lab.nss

# ---- Task 1: unshare(CLONE_NEWTIME) changes only time_for_children ----------
# @q 1.1 (1 point)
init: clone(0) -> t
t: unshare(CLONE_NEWTIME)
expect t.time == ?
expect t.time_for_children != t.time
let T = t.time_for_children
# @q 1.2 (1 point)
expect T.refs == ?
# @q 1.3 (1 point)
expect t.nsproxy.count == ?

# ---- Task 2: the fork that copies the nsproxy --------------------------------
# @q 2.1 (1 point)
t: clone(0) -> kid
expect kid.time == ?
# @q 2.2 (1 point)
expect kid.time_for_children == ?
expect kid.nsproxy != t.nsproxy
# @q 2.3 (1 point)
expect T.refs == ?
t: clone(0) -> kid2
expect kid2.nsproxy != kid.nsproxy
# @q 2.4 (1 point)
expect T.refs == ?
kid: clone(0) -> grandkid
# @q 2.5 (1 point)
expect grandkid.nsproxy == ?
# @q 2.6 (1 point)
expect T.refs == ?

# ---- Task 3: a thread stays behind ---------------------------------------------
# @q 3.1 (1 point)
t: thread() -> tt
expect tt.time == ?
# @q 3.2 (1 point)
expect tt.nsproxy == ?

# ---- Task 4: clone() cannot ask for CLONE_NEWTIME, clone3() can ---------------
# @q 4.1 (1 point)
init: clone(CLONE_NEWTIME) -> legacy
expect legacy.time == ?
init: clone3(CLONE_NEWTIME) -> modern
expect modern.time != init.time
# @q 4.2 (1 point)
expect modern.time == ?

# ---- Task 5: setns changes both links; threads get EUSERS ---------------------
# @q 5.1 (1 point)
init: clone(0) -> j
j: open("/proc/kid/ns/time") -> tfd
j: setns(tfd, CLONE_NEWTIME) = 0
expect j.time == ?
# @q 5.2 (1 point)
expect j.time_for_children == ?
init: clone(0) -> p
p: thread() -> th
p: open("/proc/kid/ns/time") -> tfd2
# @q 5.3 (1 point)
p: setns(tfd2, CLONE_NEWTIME) = ?          # predict the result

# ---- Task 6: what exec does, by hand ------------------------------------------
# @q 6 (3 points)
init: clone(0) -> w
# ==== Task 6: your steps go here ====
# Without forking, put w itself into a brand-new time namespace (see the
# README). The checks below fail until your steps are in.
# ==== end of task 6 ====
expect w.time != init.time
expect w.time != T
expect w.time == w.time_for_children
