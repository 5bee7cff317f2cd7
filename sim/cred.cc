// kernel/cred.c: prepare_creds(), put_cred(); kernel/user_namespace.c:
// create_user_ns(); security/commoncap.c: cap_capable() (ns_capable()) @ v6.18.
#include "sim/kernel.h"

namespace nssim {

Cred* Kernel::prepare_creds(Cred* old) {
  auto* c = new Cred(reg_, next_id(ObjKind::Cred));
  TraceScope s(trace, "prepare_creds", "cred#{} copied from cred#{}", c->id(), old->id());
  c->uid = old->uid, c->euid = old->euid, c->suid = old->suid, c->fsuid = old->fsuid;
  c->gid = old->gid, c->egid = old->egid, c->sgid = old->sgid, c->fsgid = old->fsgid;
  c->cap_inheritable = old->cap_inheritable;
  c->cap_permitted = old->cap_permitted;
  c->cap_effective = old->cap_effective;
  c->cap_bset = old->cap_bset;
  c->cap_ambient = old->cap_ambient;
  get_ns(old->user_ns, fmt::format("cred#{}", c->id()));
  c->user_ns = old->user_ns;
  return c;
}

void Kernel::put_cred(Cred* c, std::string_view why) {
  if (!c->put()) return;
  TraceScope s(trace, "put_cred", "cred#{} freed ({})", c->id(), why);
  UserNamespace* u = c->user_ns;
  uint32_t id = c->id();
  delete c;
  put_ns(u, fmt::format("cred#{}", id));
}

// security/commoncap.c: cap_capable() @ v6.18. A cred has `cap` in `ns` if
// ns is its own user namespace and the cap is effective, or if ns is a
// descendant whose creator (owner of the child on the path) is the cred's euid
// in the parent: the owner of a user namespace has every capability in it.
bool Kernel::ns_capable(const Cred* cred, const UserNamespace* ns, int cap) const {
  for (;;) {
    if (ns == cred->user_ns) return (cred->cap_effective >> cap) & 1;
    if (ns->level <= cred->user_ns->level) return false;
    if (ns->parent == cred->user_ns && ns->owner == cred->euid) return true;
    ns = ns->parent;
  }
}

namespace {
bool kuid_has_mapping(const UserNamespace* ns, uint32_t kuid, bool gid) {
  // map_id_up(): is kuid inside some extent's lower range?
  const auto& map = gid ? ns->gid_map : ns->uid_map;
  for (auto& e : map)
    if (kuid >= e.lower_first && kuid - e.lower_first < e.count) return true;
  return false;
}
}  // namespace

// kernel/user_namespace.c: create_user_ns() @ v6.18. The creator's cred moves
// into the new namespace with full capabilities there (set_cred_user_ns()).
Result<UserNamespace*> Kernel::create_user_ns(Cred* new_cred) {
  TraceScope s(trace, "create_user_ns");
  UserNamespace* parent = new_cred->user_ns;
  // Surprise (verified live): the check is parent->level > 32, so levels 1..33
  // can be created below init_user_ns; the 34th nested one fails ENOSPC.
  if (parent->level > MAX_USER_NS_LEVEL) {
    NSSIM_EVENT(trace, "create_user_ns", "parent level {} > {}: ENOSPC", parent->level, MAX_USER_NS_LEVEL);
    return fail(ENOSPC);
  }
  // The creator's euid/egid must be mapped in the parent namespace.
  if (!kuid_has_mapping(parent, new_cred->euid, false) || !kuid_has_mapping(parent, new_cred->egid, true)) {
    NSSIM_EVENT(trace, "create_user_ns", "euid/egid not mapped in {}: EPERM", ns_str(parent));
    return fail(EPERM);
  }
  auto* ns = new_ns<UserNamespace>(NsType::User, nullptr);
  ns->parent = parent;  // ownership: the cred's reference on parent moves to ns->parent
  ns->level = parent->level + 1;
  ns->owner = new_cred->euid;
  ns->group = new_cred->egid;
  // set_cred_user_ns(): the cred takes the new namespace's first reference.
  new_cred->user_ns = ns;
  new_cred->cap_inheritable = 0;
  new_cred->cap_permitted = new_cred->cap_effective = new_cred->cap_bset = CAP_FULL_SET;
  new_cred->cap_ambient = 0;
  NSSIM_EVENT(trace, "set_cred_user_ns", "cred#{} -> {} (level {}), full capabilities there", new_cred->id(),
              ns_str(ns), ns->level);
  return ns;
}

}  // namespace nssim
