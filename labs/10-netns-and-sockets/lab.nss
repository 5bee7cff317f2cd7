# Lab 10 — Network namespaces and sockets
# Replace every '?' with your prediction (a number, none, or a name like
# init.net, init.user or N). On the line ending in "= ?", replace the
# "?" with the result (0 or an errno name). Then:
#   nssim lab check labs/10-netns-and-sockets/lab.nss
#   nssim trace --refs labs/10-netns-and-sockets/lab.nss

# ---- Task 1: a socket keeps its network namespace alive -----------------------------
# @q 1.1 (2 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> b
let N = b.net
b: socket(AF_NETLINK) -> sk
expect N.refs == ?
# @q 1.2 (2 points)
b: exit(0)
init: wait(b) = b
expect b.net == ?
expect alive(N)
expect N.refs == ?

# ---- Task 2: SIOCGSKNS: from a socket back to its namespace -------------------------
# @q 2.1 (3 points)
init: ioctl(sk, SIOCGSKNS) -> n
expect N.refs == ?
init: clone(0) -> c
c: setns(n, CLONE_NEWNET) = 0
expect c.net == ?
expect init.net != N
# @q 2.2 (2 points)
c: exit(0)
init: wait(c) = c
init: close(n) = 0
expect N.refs == ?
init: close(sk) = 0
expect N.refs == ?
expect dead(N)

# ---- Task 3: a socket in flight --------------------------------------------------------
# @q 3.1 (3 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> d
let D = d.net
d: socket(AF_UNIX) -> us
init: socketpair(AF_UNIX) -> sa, sb
init: send(sa, us) = 0
init: close(us) = 0
d: exit(0)
init: wait(d) = d
expect alive(D)
expect D.refs == ?
# @q 3.2 (2 points)
init: recv(sb) -> back
init: ioctl(back, SIOCGSKNS) -> dn
expect D.refs == ?
init: close(back) = 0
init: close(dn) = 0
expect dead(D)

# ---- Task 4: who may ask -----------------------------------------------------------------
# @q 4.1 (2 points)
init: socket(AF_UNIX) -> host
init: clone(CLONE_NEWUSER|CLONE_FILES) -> u
u: ioctl(host, SIOCGSKNS) -> x = ?         # predict the result
expect u.net.owner == ?

# ---- Task 5: find a namespace that only a socket holds --------------------------------
# @q 5.1 (4 points)
init: clone(CLONE_NEWNET|CLONE_FILES) -> e
let E = e.net
e: socket(AF_NETLINK) -> esk
e: exit(0)
init: wait(e) = e
init: clone(0) -> ent
# ==== Task 5: your steps go here ====
# ent must end up in E, the namespace only esk still holds (see the
# README). The checks below fail until your steps are in.
# ==== end of task 5 ====
expect ent.net == E
expect ent.net != init.net
init: close(esk) = 0
expect alive(E)
