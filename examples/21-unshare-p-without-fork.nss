# The classic: `unshare -p sh` without --fork. The shell unshares the pid
# namespace but stays outside; its first child becomes pid 1 (init) there; when
# that command exits, the namespace is dead and the next fork fails ENOMEM.
init: clone(0) -> sh
sh: unshare(CLONE_NEWPID)
sh: clone(0) -> ls                        # the first command: pid 1
expect ls.pid == 1
ls: exit(0)                               # init of the namespace exits
sh: wait(ls) = ls
sh: clone(0) -> cat = ENOMEM              # "fork: Cannot allocate memory"
expect sh.pid_for_children != none        # the namespace still exists (sh's nsproxy holds it)
