# vfork() and CLONE_VM children, as posix_spawn() and Go's os/exec make them.
# A CLONE_VM child shares its creator's memory, so it cannot be switched to
# another time namespace at fork (its clocks' vvar page is the creator's):
# copy_namespaces() gives it the creator's nsproxy as it is, and it enters
# time_for_children only at its exec (exec_task_namespaces()). With
# CLONE_VFORK the creator sleeps until the child execs or exits.
init: clone(0) -> shell
shell: unshare(CLONE_NEWTIME)
let T = shell.time_for_children
expect shell.time != T
shell: clone(CLONE_VM|CLONE_VFORK) -> spawned   # posix_spawn(): shell sleeps now
expect shell.state == "vfork"
expect spawned.time == shell.time               # not T: a CLONE_VM child keeps it
expect spawned.nsproxy == shell.nsproxy         # shared, not copied
spawned: exec()                                 # shell wakes (mm_release())
expect shell.state == "running"
expect spawned.time == T
shell: clone(0) -> forked                       # a plain fork enters T at once
expect forked.time == T
# The mm is shared: the user namespace an exec'd mm holds (mm->user_ns) is
# held once for all its users, and goes with the last one (the BPF check
# counts it); what one sets on it (dumpability) the other sees.
init: clone(CLONE_NEWUSER) -> a
a: exec()
a: clone(CLONE_VM) -> w                         # no CLONE_VFORK: a runs on
a: exit(0)
init: wait(a) = a
w: exit(0)                                      # the last user: __mmput()
init: wait(w) = w
# A vfork child that exits (the shell's `vfork(); _exit()`) wakes it too.
shell: clone(CLONE_VM|CLONE_VFORK) -> quick
quick: exit(127)
shell: wait(quick) = quick
