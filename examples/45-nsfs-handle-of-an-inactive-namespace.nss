# nsfs file handles on 7.2: an inactive namespace (example 41: alive, held
# only internally) is ESTALE, as if it were freed (fs/nsfs.c:
# nsfs_fh_to_dentry(): ns_get_unless_inactive()). Another nsfs inode makes it
# active again (SIOCGSKNS), and the handle works again for those who may see
# it: a task in it, or one that may_see_all_namespaces(). On 6.18 the handle
# opens all along (for those), until the namespace is freed.
kernel 7.2
init: clone(CLONE_NEWNET|CLONE_FILES) -> b   # b shares init's fd table
let N = b.net
b: socket(AF_UNIX) -> sk                     # made in N: the sock holds N
b: open("/proc/self/ns/net") -> fd
b: name_to_handle_at(fd) -> h
b: open_by_handle_at(h) -> g                 # b is in N
b: close(g)
b: exit(0)
init: wait(b) = b
init: close(fd)
expect alive(N)                              # the socket holds it...
expect inactive(N)                           # ...but only internally
init: open_by_handle_at(h) -> x = ESTALE     # alive, and still ESTALE
init: ioctl(sk, SIOCGSKNS) -> n              # a new nsfs inode resurrects N
expect active(N)
init: close(n)
init: close(sk)                              # the last reference: freed
expect dead(N)
init: open_by_handle_at(h) -> y = ESTALE
