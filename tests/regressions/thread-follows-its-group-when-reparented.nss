# A thread names its group's parent (task->real_parent is per thread): when
# the group is reparented, every thread follows (forget_original_parent() ->
# reparent_leader(), for_each_thread()). Found by nssim fuzz: the model moved
# only the leader, so ct kept p, a task already reaped; when ct's own orphan g
# looked up the tree for a subreaper (find_new_reaper()), the walk started at
# that freed task and never ended.
init: clone(0) -> s
s: prctl(PR_SET_CHILD_SUBREAPER, 1)
s: clone(0) -> p
p: clone(0) -> c
c: thread() -> ct
p: exit(0)                 # c's group (with ct) goes to the subreaper s
s: wait(p) = p
ct: clone(0) -> g
c: exit(0)                 # the leader is a zombie; ct lives on
ct: exit(0)                # g: no live thread left in c's group, so the nearest subreaper
s: wait(c) = c
g: exit(0)
init: wait(g) = ECHILD
s: wait(g) = g
