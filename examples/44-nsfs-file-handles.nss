# nsfs file handles (6.18+): name_to_handle_at() of a namespace file gives a
# handle, bytes that hold no reference, and open_by_handle_at(FD_NSFS_ROOT, ...)
# opens that namespace again while it lives. A task in the namespace may; any
# other only if may_see_all_namespaces() (the initial pid namespace and
# CAP_SYS_ADMIN in the initial user namespace). Every refusal, and a freed
# namespace, is ESTALE. Before 6.18 nsfs has no handles: EOPNOTSUPP (6.1, 6.12).
kernel 6.18
init: clone(CLONE_NEWUTS) -> a
let U = a.uts
a: open("/proc/self/ns/uts") -> f
a: name_to_handle_at(f) -> h                 # U's id, type and inode number
a: close(f)                                  # no nsfs file is open on U now
a: open_by_handle_at(h) -> g                 # a is in U: a new fd on it
a: ioctl(g, NS_GET_NSTYPE) = CLONE_NEWUTS
a: close(g)
a: clone(CLONE_NEWUSER) -> u                 # u is in U too, with no capability outside its user namespace
u: open_by_handle_at(h, O_CLOEXEC) -> ug     # any task may use the handle: it is not an fd
u: unshare(CLONE_NEWUTS)                     # u leaves U...
u: open_by_handle_at(h) -> x = ESTALE        # ...and may not see it any more
a: exit(0)
init: wait(a) = a
expect alive(U)                              # ug holds it
u: close(ug)
expect dead(U)
u: exit(0)
init: open_by_handle_at(h) -> y = ESTALE     # the handle outlived its namespace
