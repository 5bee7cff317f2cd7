# A process that shares its mm with another (clone(CLONE_VM)) is not
# "single-threaded" (lib/is_single_threaded.c: current_is_single_threaded()
# looks for any other process using the mm): setns into a time namespace is
# EUSERS and unshare(CLONE_VM) EINVAL for both of them, until the other execs.
# Found by nssim fuzz --real (the model counted only threads).
init: clone(0) -> p
p: clone(CLONE_VM) -> t1
t1: open("/proc/init/ns/time") -> f1
t1: setns(f1, 0) = EUSERS
p: unshare(CLONE_VM) = EINVAL
t1: exec()
t1: setns(f1, 0) = 0
p: unshare(CLONE_VM) = 0
