# Found by `nssim fuzz --real --seeds 2208, 2822`: a child's real_parent is the
# creating *thread* (kernel/fork.c:copy_process() @ v6.18 sets it to current),
# not the group leader. When that thread exits while the leader lives, its
# children move to another live thread of the group
# (kernel/exit.c:find_new_reaper() @ v6.18 -> find_alive_thread()).
init: clone3(CLONE_NEWPID) -> a      # pid 1 of A
a: thread() -> at
at: exit(1)                          # a non-leader thread of init A exits
expect at.state == "reaped"          # threads are released at once
init: clone3(0) -> p
p: thread() -> pt
pt: clone(0) -> kid                  # parent: the thread pt
pt: exit(0)
expect kid.state == "running"
p: wait(kid) = 0                     # still a child of the group
kid: exit(0)
p: wait(kid) = kid
