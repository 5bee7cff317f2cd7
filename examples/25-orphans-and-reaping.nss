# Orphans are reparented to the child_reaper of their pid namespace
# (find_new_reaper()); zombies stay until their (new) parent waits.
init: clone(0) -> a
a: clone(0) -> b
a: clone(CLONE_NEWPID) -> inner
inner: clone(0) -> leaf
a: exit(0)                                  # b and inner now belong to init
init: wait(b) = 0                           # b still runs: WNOHANG finds nothing
b: exit(0)
init: wait(b) = b
init: wait(a) = a
inner: wait(leaf) = 0
leaf: exit(0)
inner: exit(0)                              # leaf is a zombie child of inner: reaped by inner's exit
expect leaf.state == "reaped"
init: wait(inner) = inner
init: wait(inner) = ECHILD                  # not a child any more
