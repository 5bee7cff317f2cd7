# Legacy clone() carries the child's exit signal in the low byte of its flags
# (CSIGNAL), and CLONE_NEWTIME (0x80) lies in that byte: clone() cannot ask for
# a time namespace; clone3() has a field of its own for the signal.
# Up to 6.18 the kernel takes 0x80|SIGCHLD as the exit signal and makes no
# time namespace (kernel/fork.c: sys_clone() @ v6.18 masks CSIGNAL out of the
# flags). Since 7.1 kernel_clone() refuses an exit signal above _NSIG: EINVAL
# (row clone-valid-exit-signal in docs/kernels.md;
# tests/regressions/fuzz-legacy-clone-newtime-on-7.2.nss shows that rule).
kernel 6.18
init: clone(CLONE_NEWTIME) -> t1          # a plain fork with exit signal 145...
expect t1.time == init.time               # ...so no time namespace is made
init: clone3(CLONE_NEWTIME) -> t2
expect t2.time != init.time
expect t2.time == t2.time_for_children
