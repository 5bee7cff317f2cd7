// Sockets as holders of their network namespace: net/socket.c and
// net/core/sock.c @ v6.18. A socket is modelled only as far as namespaces
// see it: the net namespace its sock was made in, and SIOCGSKNS.
#include <algorithm>

#include "sim/kernel.h"

namespace nssim {

namespace {
const char* family_name(int family) {
  switch (family) {
    case kAfUnix: return "AF_UNIX";
    case kAfInet: return "AF_INET";
    case kAfInet6: return "AF_INET6";
    case kAfNetlink: return "AF_NETLINK";
  }
  return "AF_?";
}
}  // namespace

// net/socket.c: __sys_socket() -> sock_create() -> __sock_create() @ v6.18:
// the socket is made in current->nsproxy->net_ns, and the family's create()
// allocates its sock with sk_alloc(net, ..., kern = 0) (net/core/sock.c):
// a user socket has sk_net_refcnt set and takes get_net(). unix_create(),
// inet_create(), inet6_create() and netlink_create() all do so. The file is
// made by sock_alloc_file() with the caller's cred as f_cred.
Result<int> Kernel::sys_socket(Task* cur, int family) {
  NSSIM_SCOPE(s, trace, "__sock_create", "{}", family_name(family));
  NsCommon* net = cur->nsproxy->net_ns;
  File* f = sock_alloc_file(cur, family);
  int fd = alloc_fd(files_of(cur), f);
  NSSIM_EVENT(trace, "sock_alloc_file", "fd {} -> {} socket in {}", fd, family_name(family), ns_str(net));
  return fd;
}

File* Kernel::sock_alloc_file(Task* cur, int family) {
  NsCommon* net = cur->nsproxy->net_ns;
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Socket;
  auto* sk = new Sock(f->id());  // its one reference: the struct socket's, owned by f
  sk->family = family;
  get_ns(net, "socket (sk_net)");  // sk_alloc(): get_net()
  sk->sk_net = net;
  sk->file = f;
  f->sock = sk;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = fmt::format("socket:{}", family_name(family));
  return f;
}

// net/socket.c: __sys_socketpair() @ v6.12: two sockets in the caller's net
// namespace; net/unix/af_unix.c: unix_socketpair() @ v6.12 connects them,
// each taking a reference on the other (sock_hold(); unix_peer()). nssim's
// pair is SOCK_STREAM (what lxc and most fd-passing code use).
Result<std::pair<int, int>> Kernel::sys_socketpair(Task* cur, int family) {
  NSSIM_SCOPE(s, trace, "__sys_socketpair", "{}, SOCK_STREAM", family_name(family));
  File* a = sock_alloc_file(cur, family);
  File* b = sock_alloc_file(cur, family);
  for (File* f : {a, b}) {
    Sock* sk = f->sock;
    sk->paired = true;
    // init_peercred(): SO_PEERCRED is the creator's thread group and cred.
    sk->sk_peer_pid = cur->group_leader->thread_pid;
    sk->sk_peer_pid->get();
    cur->cred->get();
    sk->sk_peer_cred = cur->cred;
  }
  b->sock->get();  // unix_peer(a) = b
  a->sock->peer = b->sock;
  a->sock->get();  // unix_peer(b) = a
  b->sock->peer = a->sock;
  FilesStruct* files = files_of(cur);
  int fa = alloc_fd(files, a), fb = alloc_fd(files, b);
  NSSIM_EVENT(trace, "unix_socketpair", "fd {} <-> fd {}, in {}", fa, fb, ns_str(a->sock->sk_net));
  return std::pair{fa, fb};
}

void Kernel::put_sock(Sock* sk) {
  if (!sk->put()) return;
  // net/core/sock.c: __sk_destruct() @ v6.12: the peer credentials, then a
  // user socket's net reference.
  Pid* pid = sk->sk_peer_pid;
  Cred* cred = sk->sk_peer_cred;
  NsCommon* net = sk->sk_net;
  delete sk;
  if (pid) put_pid(pid);
  if (cred) put_cred(cred, "sk_peer_cred");
  put_ns(net, "socket (sk_net)");
}

// net/unix/af_unix.c: unix_release_sock() @ v6.12 (other families: their
// release drops the struct socket's reference). The peer is shut down both
// ways and told ECONNRESET if data was still queued here; the peer reference
// goes; the receive queue is purged: each skb's in-flight files are put
// (unix_destruct_scm() -> scm_destroy()).
void Kernel::sock_release(Sock* sk) {
  sk->file = nullptr;
  if (Sock* peer = sk->peer) {
    peer->shutdown = true;
    if (!sk->queue.empty()) peer->sk_err = ECONNRESET;
    sk->peer = nullptr;
    put_sock(peer);
  }
  auto queue = std::move(sk->queue);
  if (!queue.empty())
    NSSIM_EVENT(trace, "unix_release_sock", "socket#{}: {} queued file(s) released", sk->id(), queue.size());
  sk->queue.clear();
  for (File* f : queue) fput(f);  // the skb's reference
  put_sock(sk);
}

namespace {
// sockfd_lookup_light(): EBADF, or ENOTSOCK for a file that is not a socket.
Result<Sock*> sockfd_lookup(const Task* cur, int fd) {
  const FilesStruct* files = cur->files;
  File* f = files && fd >= 0 && static_cast<size_t>(fd) < files->fdt.size() ? files->fdt[fd] : nullptr;
  if (!f) return std::unexpected(Errno{EBADF});
  if (f->fkind != FileKind::Socket) return std::unexpected(Errno{ENOTSOCK});
  return f->sock;
}
File* fget_raw(const Task* cur, int fd) {
  const FilesStruct* files = cur->files;
  return files && fd >= 0 && static_cast<size_t>(fd) < files->fdt.size() ? files->fdt[fd] : nullptr;
}
}  // namespace

// sendmsg(sfd, {1 byte, SCM_RIGHTS [fd]}, MSG_NOSIGNAL | MSG_DONTWAIT):
// net/socket.c: ____sys_sendmsg() @ v6.12, then the family's sendmsg.
Result<void> Kernel::sys_send_fd(Task* cur, int sfd, int fd) {
  NSSIM_SCOPE(s, trace, "__sys_sendmsg", "fd {}, SCM_RIGHTS [{}]", sfd, fd);
  auto sk = sockfd_lookup(cur, sfd);
  if (!sk) return std::unexpected(sk.error());
  Sock* me = *sk;
  // net/ipv4/udp.c: udp_sendmsg(), net/ipv6/udp.c: udpv6_sendmsg() @ v6.12:
  // no address and not connected: EDESTADDRREQ, before any control message
  // is looked at (SOL_SOCKET/SCM_RIGHTS would be EINVAL later).
  if (me->family == kAfInet || me->family == kAfInet6) return fail(EDESTADDRREQ);
  // net/core/scm.c: __scm_send() @ v6.12: SCM_RIGHTS only on a PF_UNIX
  // socket (netlink_sendmsg() calls scm_send() too): EINVAL before the fd
  // is looked at. Found by --real (the fd was first thought checked first).
  if (me->family != kAfUnix) return fail(EINVAL);
  // scm_fp_copy(): fget_raw() of the passed fd (EBADF), a reference on its
  // file for the skb.
  File* f = fget_raw(cur, fd);
  if (!f) return fail(EBADF);
  // net/unix/af_unix.c: unix_dgram_sendmsg() @ v6.12: socket(AF_UNIX)'s
  // datagram socket has no peer and no address: ENOTCONN.
  if (!me->paired) return fail(ENOTCONN);
  // unix_stream_sendmsg() @ v6.12: our own SEND_SHUTDOWN (set when the peer
  // was released) is EPIPE; MSG_NOSIGNAL: no SIGPIPE.
  Sock* other = me->peer;
  if (me->shutdown || !other || !other->file) {
    NSSIM_EVENT(trace, "unix_stream_sendmsg", "the peer is closed: EPIPE");
    return fail(EPIPE);
  }
  // unix_attach_fds(): the skb takes the file over into the peer's queue.
  f->get();  // scm_fp_copy(): get_file(); the skb's from now on
  other->queue.push_back(f);
  NSSIM_EVENT(trace, "unix_attach_fds", "{} in flight to socket#{} ({} queued)", f->path, other->id(),
              other->queue.size());
  return {};
}

// The unix garbage collector (net/unix/garbage.c: unix_gc() @ v6.12) frees
// unix sockets that are only referenced by skbs in a cycle of receive queues;
// it runs asynchronously, so nssim refuses the send that would close such a
// cycle: true when the file at `fd` is a socket whose own queue the peer of
// `sfd` can reach through sockets in flight (the peer itself included).
bool Kernel::send_makes_cycle(const Task* cur, int sfd, int fd) const {
  File* x = fget_raw(cur, fd);
  auto sk = sockfd_lookup(cur, sfd);
  if (!x || x->fkind != FileKind::Socket || !sk || !(*sk)->paired || !(*sk)->peer) return false;
  std::vector<const Sock*> live;  // every socket with a file (only those have queues)
  for (const RefCounted* o : reg_.listed())
    if (o->kind() == ObjKind::File && static_cast<const File*>(o)->fkind == FileKind::Socket)
      live.push_back(static_cast<const File*>(o)->sock);
  std::vector<const Sock*> todo{(*sk)->peer}, seen;
  while (!todo.empty()) {
    const Sock* r = todo.back();
    todo.pop_back();
    if (r->file == x) return true;
    if (std::find(seen.begin(), seen.end(), r) != seen.end()) continue;
    seen.push_back(r);
    for (const Sock* q : live)  // r's file in flight in q's queue: an edge r -> q
      if (std::find(q->queue.begin(), q->queue.end(), r->file) != q->queue.end()) todo.push_back(q);
  }
  return false;
}

// recvmsg(sfd, {1 byte, room for one fd}, MSG_DONTWAIT [| MSG_CMSG_CLOEXEC]):
// net/unix/af_unix.c: unix_stream_read_generic() @ v6.12. An skb with a
// file: scm_detach_fds() -> receive_fd() installs it (net/core/scm.c), the
// skb's reference moving to the new fd. An empty queue: a pending sk_err
// (ECONNRESET, reported once), else EOF once the peer is gone (RCV_SHUTDOWN),
// else EAGAIN (nssim never blocks).
Result<int> Kernel::sys_recv_fd(Task* cur, int sfd, bool cloexec) {
  NSSIM_SCOPE(s, trace, "__sys_recvmsg", "fd {}{}", sfd, cloexec ? ", MSG_CMSG_CLOEXEC" : "");
  auto sk = sockfd_lookup(cur, sfd);
  if (!sk) return std::unexpected(sk.error());
  Sock* me = *sk;
  // A datagram socket (unix, udp) or a netlink socket: nothing was ever
  // sent to it (unconnected, unbound): MSG_DONTWAIT gives EAGAIN.
  if (!me->paired) return fail(EAGAIN);
  if (me->queue.empty()) {
    if (int e = me->sk_err) {
      me->sk_err = 0;  // sock_error() clears it
      return fail(e);
    }
    if (me->shutdown) {
      NSSIM_EVENT(trace, "unix_stream_read_generic", "the peer is closed and nothing is queued: EOF");
      return kRecvEof;
    }
    return fail(EAGAIN);
  }
  File* f = me->queue.front();
  me->queue.erase(me->queue.begin());
  int fd = alloc_fd(files_of(cur), f, cloexec);  // the skb's reference, handed to the fd table
  NSSIM_EVENT(trace, "receive_fd", "fd {} -> {}", fd, f->path);
  return fd;
}

// net/socket.c: sock_ioctl() @ v6.18, case SIOCGSKNS: the caller (not the
// socket's opener) needs CAP_NET_ADMIN over the owner of the socket's net
// namespace (ns_capable(net->user_ns, ...)), else EPERM; then
// open_related_ns() gives a new nsfs fd on that namespace, whatever the
// caller's own net namespace is (lsns and lxkns find namespaces this way).
Result<int> Kernel::sock_ioctl_siocgskns(Task* cur, File* f) {
  NsCommon* net = f->sock->sk_net;
  if (!ns_capable(cur->cred, net->user_ns, CAP_NET_ADMIN)) {
    NSSIM_EVENT(trace, "sock_ioctl", "SIOCGSKNS: no CAP_NET_ADMIN over {}: EPERM", ns_str(net->user_ns));
    return fail(EPERM);
  }
  return open_related_ns(cur, net, "SIOCGSKNS of " + ns_str(net));
}

}  // namespace nssim
