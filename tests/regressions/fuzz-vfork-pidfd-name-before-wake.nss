# Found by nssim fuzz --real --seed 90089: a vfork creator answers only when it
# wakes, but with CLONE_FILES its child shares the table and can hand the
# CLONE_PIDFD fd's name on at once (t17's copy of the table has it). The live
# backend now knows the pidfd's number when the child starts (the lowest fd
# free before the clone: get_unused_fd_flags()) and checks it later.
init: open("/proc/init/ns/time") -> f1
init: clone(0) -> t1
init: clone(CLONE_PIDFD) -> t2, f2
t2: clone(CLONE_PIDFD) -> t4, f4
t1: clone3(0) -> t5
t4: clone3(0) -> t6
t6: open("/proc/self/ns/net") -> f7
t6: thread() -> t8
t8: thread() -> t9
t9: clone(0) -> t10
t10: clone(0) -> t11
t11: clone(0) -> t13
t11: clone(0) -> t14
t14: clone(CLONE_FILES|CLONE_PIDFD|CLONE_VFORK) -> t16, f16
t16: clone(CLONE_PIDFD) -> t17, f17
t16: clone(0) -> t19
t17: setns(f16, 0)
