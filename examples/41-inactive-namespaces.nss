# Active references (6.19+): a namespace is active while something that uses
# it holds it — a task's nsproxy, an unreaped task's cred or pid, an nsfs inode
# (an open /proc/PID/ns file, a bind mount), or an active namespace it owns.
# Held only by internal references (here a socket), it is inactive: still
# alive, but listns() does not list it and its file handles are ESTALE. An
# nsfs inode brings it back (SIOCGSKNS). The initial namespaces are always
# active. `nssim trace --refs` marks inactive namespaces. Compare example 29,
# the same story on 6.18, where a namespace is only alive or dead.
kernel 7.2
init: clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_FILES) -> b   # b shares init's fd table
let U = b.user
let N = b.net
b: socket(AF_UNIX) -> sk                     # made in N: the sock holds N
expect active(N)
expect active(U)
init: open("/proc/b/ns/net") -> fd           # an nsfs inode on N
b: exit(0)
init: wait(b) = b
expect active(N)                             # the open fd
expect active(U)                             # no task is in U: N, which U owns, keeps it active
init: close(fd)
expect alive(N)                              # the socket holds it...
expect inactive(N)                           # ...but only internally
expect inactive(U)
expect active(init.net)                      # initial namespaces: always
init: ioctl(sk, SIOCGSKNS) -> n              # a new nsfs inode resurrects N, and U with it
expect active(N)
expect active(U)
init: close(n)
expect inactive(N)
init: close(sk)                              # the last reference: freed
expect dead(N)
