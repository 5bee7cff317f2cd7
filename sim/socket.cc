// Sockets as holders of their network namespace: net/socket.c and
// net/core/sock.c @ v6.18. A socket is modelled only as far as namespaces
// see it: the net namespace its sock was made in, and SIOCGSKNS.
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
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Socket;
  f->family = family;
  get_ns(net, "socket (sk_net)");  // sk_alloc(): get_net()
  f->sk_net = net;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = fmt::format("socket:{}", family_name(family));
  int fd = alloc_fd(files_of(cur), f);
  NSSIM_EVENT(trace, "sock_alloc_file", "fd {} -> {} socket in {}", fd, family_name(family), ns_str(net));
  return fd;
}

// net/socket.c: sock_ioctl() @ v6.18, case SIOCGSKNS: the caller (not the
// socket's opener) needs CAP_NET_ADMIN over the owner of the socket's net
// namespace (ns_capable(net->user_ns, ...)), else EPERM; then
// open_related_ns() gives a new nsfs fd on that namespace, whatever the
// caller's own net namespace is (lsns and lxkns find namespaces this way).
Result<int> Kernel::sock_ioctl_siocgskns(Task* cur, File* f) {
  NsCommon* net = f->sk_net;
  if (!ns_capable(cur->cred, net->user_ns, CAP_NET_ADMIN)) {
    NSSIM_EVENT(trace, "sock_ioctl", "SIOCGSKNS: no CAP_NET_ADMIN over {}: EPERM", ns_str(net->user_ns));
    return fail(EPERM);
  }
  return open_related_ns(cur, net, "SIOCGSKNS of " + ns_str(net));
}

}  // namespace nssim
