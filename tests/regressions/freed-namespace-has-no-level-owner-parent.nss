# A freed namespace keeps its type and inode number, its refs read 0, and its
# level, owner and parent are none (reported: level read 4294967295, owner and
# parent stopped the run).
init: clone(CLONE_NEWUSER|CLONE_NEWPID) -> c
let U = c.user
let P = c.pid
c: exit(0)
init: wait(c) = c
expect dead(P)
expect dead(U)
expect P.type == "pid"
expect P.refs == 0
expect P.level == none
expect P.parent == none
expect P.owner == none
expect U.level == none
expect U.owner == none
expect U.parent == none
