# Found by `nssim fuzz --real --seeds 1056, 1082`: when a thread group leader
# exits while another thread lives, its children go to that live thread
# (kernel/exit.c: find_new_reaper() tries find_alive_thread() first), not to
# the pid namespace's reaper: they stay children of the group.
init: clone3(0) -> p
p: thread() -> t
t: clone3(0) -> kid
p: exit(2)                       # the leader only: t still runs
init: wait(kid) = ECHILD         # not init's child
t: wait(kid) = 0                 # still the group's (running)
kid: exit(0)
t: wait(kid) = kid
