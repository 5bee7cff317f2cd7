# Lab 10 — Network namespaces and sockets  (SOLUTION)
# Check it: nssim lab check --real labs/10-netns-and-sockets/solution.nss

# ---- Task 1: a socket keeps its network namespace alive -----------------------------
# @q 1.1 (2 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> b   # b shares init's fd table
let N = b.net
b: socket(AF_NETLINK) -> sk                  # made in N: sk_alloc() takes get_net(N)
expect N.refs == 2                           # b's nsproxy + the socket
# @q 1.2 (2 points)
b: exit(0)
init: wait(b) = b
expect b.net == none
expect alive(N)                              # the socket alone keeps it
expect N.refs == 1

# ---- Task 2: SIOCGSKNS: from a socket back to its namespace -------------------------
# @q 2.1 (3 points)
init: ioctl(sk, SIOCGSKNS) -> n              # an nsfs fd on the socket's namespace
expect N.refs == 2                           # the socket + the nsfs inode
init: clone(0) -> c                          # c gets a copy of init's fds (n and sk)
c: setns(n, CLONE_NEWNET) = 0
expect c.net == N
expect init.net != N                         # the caller's own namespace does not matter
# @q 2.2 (2 points)
c: exit(0)
init: wait(c) = c
init: close(n) = 0
expect N.refs == 1                           # back to the socket alone
init: close(sk) = 0                          # the last socket: __sk_destruct() puts N
expect N.refs == 0
expect dead(N)

# ---- Task 3: a socket in flight --------------------------------------------------------
# @q 3.1 (3 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> d
let D = d.net
d: socket(AF_UNIX) -> us                     # any family: the sock holds its namespace
init: socketpair(AF_UNIX) -> sa, sb          # made in init's namespace
init: send(sa, us) = 0                       # SCM_RIGHTS: us's file is in sb's queue now
init: close(us) = 0
d: exit(0)
init: wait(d) = d
expect alive(D)                              # the file in flight keeps the socket, the socket D
expect D.refs == 1
# @q 3.2 (2 points)
init: recv(sb) -> back                       # installed again as a new fd
init: ioctl(back, SIOCGSKNS) -> dn
expect D.refs == 2                           # the socket + the nsfs inode
init: close(back) = 0
init: close(dn) = 0
expect dead(D)

# ---- Task 4: who may ask -----------------------------------------------------------------
# @q 4.1 (2 points)
init: socket(AF_UNIX) -> host                # a socket in init's network namespace
init: clone(CLONE_NEWUSER|CLONE_FILES) -> u  # every capability, but in a child user namespace
u: ioctl(host, SIOCGSKNS) -> x = EPERM       # CAP_NET_ADMIN over init.net's owner: init.user
expect u.net.owner == init.user

# ---- Task 5: find a namespace that only a socket holds --------------------------------
# @q 5.1 (4 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> e
let E = e.net
e: socket(AF_NETLINK) -> esk
e: exit(0)
init: wait(e) = e
init: clone(0) -> ent                         # ent has a copy of init's fds, esk included
# ==== Task 5: your steps go here ====
ent: ioctl(esk, SIOCGSKNS) -> en             # the socket's namespace as an nsfs fd...
ent: setns(en, CLONE_NEWNET)                 # ...entered
ent: close(en)
# ==== end of task 5 ====
expect ent.net == E
expect ent.net != init.net
init: close(esk) = 0
expect alive(E)
