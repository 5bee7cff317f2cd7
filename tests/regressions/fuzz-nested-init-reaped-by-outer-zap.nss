# Found by `nssim fuzz --real --seed 1139`: the init of an outer pid namespace
# reaps children until none is left (kernel_wait4() loops until ECHILD); a
# nested init that had to wait for a zombie of the outer init finishes dying
# once that zombie is reaped, and is reaped in turn.
init: unshare(CLONE_NEWPID)
init: clone3(0) -> a                 # pid 1 of A
a: unshare(CLONE_NEWPID)
a: clone(0) -> b                     # pid 1 of B (inside A)
a: clone3(0) -> c                    # in B, but a child of a (outside B)
a: exit(2)
expect b.state == "reaped"
expect c.state == "reaped"
expect a.state == "zombie"
