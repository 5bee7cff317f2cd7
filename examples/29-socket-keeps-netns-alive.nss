# A socket holds the network namespace it was created in (net/core/sock.c:
# sk_alloc() takes get_net()), so a namespace with no process, no nsfs fd and
# no bind mount lives on while a socket is open in it. ioctl(SIOCGSKNS) on the
# socket opens that namespace again, as lsns and lxkns do to find it.
init: clone(CLONE_NEWNET|CLONE_FILES) -> b   # b shares init's fd table
let N = b.net
b: socket(AF_NETLINK) -> sk                  # made in N: sk's sock holds N
expect N.refs == 2                           # b's nsproxy and the socket
b: exit(0)                                   # the last process of N leaves
init: wait(b) = b
expect alive(N)                              # the socket alone keeps it
expect N.refs == 1
init: ioctl(sk, SIOCGSKNS) -> n              # an nsfs fd on N, not on init's net
expect N.refs == 2                           # + the nsfs inode
init: clone(0) -> c                          # c gets a copy of init's fds
c: setns(n, CLONE_NEWNET)
expect c.net == N
expect c.net != init.net
c: exit(0)
init: wait(c) = c
init: close(n)
init: close(sk)                              # the last socket: N is freed
expect dead(N)
# SIOCGSKNS needs CAP_NET_ADMIN over the namespace's owner: a task with every
# capability in a new user namespace has none over init's.
init: socket(AF_UNIX) -> host
init: clone(CLONE_NEWUSER|CLONE_FILES) -> u
u: ioctl(host, SIOCGSKNS) -> x = EPERM
