# Found by `nssim fuzz --real --seed 7998`: when a process exits, each of its
# children's threads gets the new parent, not only the leader
# (kernel/exit.c: forget_original_parent() @ v6.12: for_each_thread()). A
# thread's later clone(CLONE_PARENT) then makes a child of the reaper, which
# may wait for it.
init: clone(0) -> t1
t1: clone(0) -> t2
t2: thread() -> t6
t1: exit(0)                        # t2 and its thread t6 now belong to init
t6: clone3(CLONE_PARENT) -> t10    # a sibling of t2: init's child
init: wait(t10) = 0                # running (not ECHILD)
t10: exit(0)
init: wait(t10) = t10
