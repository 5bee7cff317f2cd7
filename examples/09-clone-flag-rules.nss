# Flag rules of clone()/clone3(), checked in the kernel's order.
# (Since 7.1 the legacy clone of line 3 is EINVAL: its exit signal 0x91 is above _NSIG.)
init: clone(CLONE_NEWTIME) -> t1          # legacy clone: 0x80 is part of CSIGNAL...
expect t1.time == init.time               # ...so no time namespace is made
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
