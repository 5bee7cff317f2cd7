# Lab 7 — Time namespaces: seen only by children  (SOLUTION)
# Check it: nssim lab check --real labs/07-time-namespaces/solution.nss
#
# nssim models which time namespace each task is in, not the clock offsets
# inside it (/proc/PID/timens_offsets): see the README.

# ---- Task 1: unshare(CLONE_NEWTIME) changes only time_for_children ----------
# @q 1.1 (1 point)
init: clone(0) -> t
t: unshare(CLONE_NEWTIME)
expect t.time == init.time                 # t's clocks do not jump
expect t.time_for_children != t.time
let T = t.time_for_children
# @q 1.2 (1 point)
expect T.refs == 1                         # one slot: t's nsproxy.time_for_children
# @q 1.3 (1 point)
expect t.nsproxy.count == 1                # unshare installed a new nsproxy

# ---- Task 2: the fork that copies the nsproxy --------------------------------
# @q 2.1 (1 point)
t: clone(0) -> kid                         # no CLONE_NEW* flag...
expect kid.time == T                       # ...yet kid is in T:
# @q 2.2 (1 point)
expect kid.time_for_children == T
expect kid.nsproxy != t.nsproxy            # copy_namespaces() made a new nsproxy (timens_on_fork())
# @q 2.3 (1 point)
expect T.refs == 3                         # t's time_for_children + kid's time + kid's time_for_children
t: clone(0) -> kid2
expect kid2.nsproxy != kid.nsproxy         # every fork of t copies again
# @q 2.4 (1 point)
expect T.refs == 5
kid: clone(0) -> grandkid
# @q 2.5 (1 point)
expect grandkid.nsproxy == kid.nsproxy     # kid's time == time_for_children: plain sharing
# @q 2.6 (1 point)
expect T.refs == 5

# ---- Task 3: a thread stays behind ---------------------------------------------
# @q 3.1 (1 point)
t: thread() -> tt                          # CLONE_VM: shares the address space (and vDSO)
expect tt.time == init.time
# @q 3.2 (1 point)
expect tt.nsproxy == t.nsproxy

# ---- Task 4: clone() cannot ask for CLONE_NEWTIME, clone3() can ---------------
# @q 4.1 (1 point)
init: clone(CLONE_NEWTIME) -> legacy       # 0x80 lands in the exit signal (CSIGNAL)
expect legacy.time == init.time            # no time namespace was made
init: clone3(CLONE_NEWTIME) -> modern
expect modern.time != init.time
# @q 4.2 (1 point)
expect modern.time == modern.time_for_children

# ---- Task 5: setns changes both links; threads get EUSERS ---------------------
# @q 5.1 (1 point)
init: clone(0) -> j
j: open("/proc/kid/ns/time") -> tfd
j: setns(tfd, CLONE_NEWTIME) = 0
expect j.time == T                         # timens_install(): both slots
# @q 5.2 (1 point)
expect j.time_for_children == T
init: clone(0) -> p
p: thread() -> th
p: open("/proc/kid/ns/time") -> tfd2
# @q 5.3 (1 point)
p: setns(tfd2, CLONE_NEWTIME) = EUSERS     # only a single-threaded process may enter

# ---- Task 6: what exec does, by hand ------------------------------------------
# @q 6 (3 points)
init: clone(0) -> w
# ==== Task 6: your steps go here ====
w: unshare(CLONE_NEWTIME) = 0
w: open("/proc/self/ns/time_for_children") -> mine
w: setns(mine, CLONE_NEWTIME) = 0
w: close(mine)
# ==== end of task 6 ====
expect w.time != init.time
expect w.time != T
expect w.time == w.time_for_children
