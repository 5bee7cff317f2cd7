# Found by `nssim fuzz --real --seed 4187`: a pid namespace's init may not make
# siblings (CLONE_PARENT is EINVAL: kernel/fork.c:copy_process() @ v6.18 tests
# SIGNAL_UNKILLABLE). That flag belongs to the whole thread group, so it holds
# for any thread of the init, also after the leader has exited and another
# thread has become the namespace's reaper.
init: clone3(CLONE_NEWPID) -> a      # pid 1 of A
a: thread() -> at
at: clone(CLONE_PARENT) -> x = EINVAL
a: exit(0)                           # the leader only: at is A's reaper now
at: clone(CLONE_PARENT) -> y = EINVAL
at: clone(0) -> z                    # plain children are fine
expect z.state == "running"
