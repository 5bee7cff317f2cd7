# Found by `nssim fuzz --real --seed 1019` (a bug in nssim's live-kernel
# backend, not in the model): a task is visible to another only if it is in
# the other's active pid namespace or below; the same level in a sibling
# branch has its own numbers. pidfd_open() of an invisible task is ESRCH.
init: clone3(CLONE_NEWPID) -> a           # pid 1 of namespace A
init: clone3(CLONE_NEWPID) -> b           # pid 1 of namespace B
a: clone(0) -> a2                         # pid 2 in A
b: clone(0) -> b2                         # pid 2 in B
a2: pidfd_open(b2) -> f = ESRCH           # "pid 2" in A is a2 itself, not b2
a2: pidfd_open(a2) -> g = g
init: pidfd_open(b2) -> h = h
