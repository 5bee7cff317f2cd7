# Flag rules of clone()/clone3(), checked in the kernel's order.
# (Legacy clone() cannot ask for CLONE_NEWTIME: 0x80 is part of its exit-signal
# byte, and what happens then depends on the kernel: examples/46 for 6.18 and
# before, tests/regressions/fuzz-legacy-clone-newtime-on-7.2.nss since 7.1.)
init: clone3(CLONE_NEWTIME) -> t2         # clone3 has room for it
expect t2.time != init.time
expect t2.time == t2.time_for_children
init: clone(CLONE_NEWIPC|CLONE_SYSVSEM) -> x = EINVAL
init: clone(CLONE_NEWPID|CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) -> x = EINVAL
init: clone(CLONE_NEWNS|CLONE_FS) -> x = EINVAL
init: clone(CLONE_NEWUSER|CLONE_FS) -> x = EINVAL
init: clone(CLONE_THREAD) -> x = EINVAL   # CLONE_THREAD needs CLONE_SIGHAND
init: clone(CLONE_SIGHAND) -> x = EINVAL  # CLONE_SIGHAND needs CLONE_VM
init: clone(CLONE_PARENT) -> x = EINVAL   # init (pid 1) cannot make siblings
