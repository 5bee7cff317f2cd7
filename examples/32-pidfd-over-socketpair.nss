# A pidfd passed over a socketpair is used for setns, as lxc's monitor hands
# a container's init to lxc-attach. sendmsg() with SCM_RIGHTS takes a
# reference on the file (net/core/scm.c: scm_fp_copy()) and queues it on the
# peer socket (net/unix/af_unix.c: unix_attach_fds()); recvmsg() installs it
# as a new fd (scm_detach_fds() -> receive_fd()). While in flight the file
# keeps whatever it holds, and closing the receiving socket with the file
# still queued releases it (unix_release_sock() purges the queue).
init: socketpair(AF_UNIX) -> a, b            # two connected ends, both socks in init's net
init: clone(CLONE_NEWUTS|CLONE_NEWNET|CLONE_NEWIPC) -> c   # c inherits both ends
let U = c.uts
let I = c.ipc
c: sethostname("container")
c: pidfd_open(c) -> p
c: send(a, p)                                # p's file is in flight in b's queue
c: close(p)                                  # the queued file still refers to c's struct pid
init: clone(0) -> attach                     # attach inherits the ends too
attach: recv(b) -> q                         # a new fd on the same pidfd file
attach: setns(q, CLONE_NEWUTS|CLONE_NEWNET)  # into c's namespaces through the pidfd
expect attach.uts == U
expect attach.net == c.net
expect attach.hostname == "container"
attach: recv(b) -> q2 = EAGAIN               # nothing queued: nssim never blocks (MSG_DONTWAIT)
# A namespace kept alive only by an fd in flight.
c: open("/proc/self/ns/ipc") -> i
c: send(a, i)
c: close(i)
c: exit(0)
init: wait(c) = c
expect alive(I)                              # no task, no fd: the queued nsfs file holds it
expect I.refs == 1                           # its nsfs inode
attach: exit(0)
init: wait(attach) = attach
init: close(b)                               # the receiver's last close purges its queue
expect dead(I)
init: send(a, a) = EPIPE                     # the peer is gone
init: recv(a) -> z = ECONNRESET              # it was released with data queued (reported once)
init: recv(a) -> z = EOF                     # then end of file: no fd, z stays unbound
