# Folding (nssim graph --max-group 8, --max-nsproxies 16 by default): 12 tasks
# share init's nsproxy, and 20 tasks each have an nsproxy and a uts namespace
# of their own, all of the same shape. The fd keeps a0 and u0's uts namespace
# out of the folds.
init: clone(0) -> a0
init: clone(0) -> a1
init: clone(0) -> a2
init: clone(0) -> a3
init: clone(0) -> a4
init: clone(0) -> a5
init: clone(0) -> a6
init: clone(0) -> a7
init: clone(0) -> a8
init: clone(0) -> a9
init: clone(0) -> a10
init: clone(0) -> a11
init: clone(CLONE_NEWUTS) -> u0
init: clone(CLONE_NEWUTS) -> u1
init: clone(CLONE_NEWUTS) -> u2
init: clone(CLONE_NEWUTS) -> u3
init: clone(CLONE_NEWUTS) -> u4
init: clone(CLONE_NEWUTS) -> u5
init: clone(CLONE_NEWUTS) -> u6
init: clone(CLONE_NEWUTS) -> u7
init: clone(CLONE_NEWUTS) -> u8
init: clone(CLONE_NEWUTS) -> u9
init: clone(CLONE_NEWUTS) -> u10
init: clone(CLONE_NEWUTS) -> u11
init: clone(CLONE_NEWUTS) -> u12
init: clone(CLONE_NEWUTS) -> u13
init: clone(CLONE_NEWUTS) -> u14
init: clone(CLONE_NEWUTS) -> u15
init: clone(CLONE_NEWUTS) -> u16
init: clone(CLONE_NEWUTS) -> u17
init: clone(CLONE_NEWUTS) -> u18
init: clone(CLONE_NEWUTS) -> u19
a0: open("/proc/u0/ns/uts") -> fd
