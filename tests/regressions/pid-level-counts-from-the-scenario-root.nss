# X.level of a pid namespace counts from the scenario's root pid namespace
# (level 0) on the model and with --real, where the sandbox's pid namespace
# is itself below the host's (reported: `P.level == 1` failed under --real).
init: clone(CLONE_NEWPID) -> c
c: clone(CLONE_NEWPID) -> d
let P = c.pid
expect init.pid.level == 0
expect P.level == 1
expect d.pid.level == 2
expect d.pid.parent == P
expect P.parent.level == 0
expect d.pid_for_children.level == 2
