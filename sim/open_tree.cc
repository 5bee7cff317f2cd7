// open_tree(PATH, OPEN_TREE_NAMESPACE): a mount namespace made from one
// directory's tree, that no task is in (Feature::OpenTreeNamespace, 7.0).
// fs/namespace.c @ v7.2: SYSCALL_DEFINE3(open_tree) -> vfs_open_tree() ->
// open_new_namespace() -> create_new_namespace(), then fs/nsfs.c:
// open_namespace_file().
#include <fmt/format.h>

#include "sim/kernel.h"
#include "sim/scenario.h"

namespace nssim {

namespace {
// `path` is `dir` or under it.
bool under_or_at(std::string_view path, std::string_view dir) {
  return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}
bool strictly_under(std::string_view path, std::string_view dir) { return path != dir && under_or_at(path, dir); }
}  // namespace

// The kernel's order (vfs_open_tree() @ v7.2):
//  1. flags: a bit outside AT_EMPTY_PATH|AT_NO_AUTOMOUNT|AT_RECURSIVE|
//     AT_SYMLINK_NOFOLLOW|OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC (and, since
//     Feature::OpenTreeNamespace, OPEN_TREE_NAMESPACE): EINVAL; AT_RECURSIVE
//     without CLONE or NAMESPACE: EINVAL; CLONE and NAMESPACE together: EINVAL.
//  2. ns_capable(current_user_ns(), CAP_SYS_ADMIN): EPERM. Only the caller's
//     own user namespace counts: the new namespace is owned by it.
//  3. the lookup of PATH (nssim created it first: ENOTDIR for a file on the
//     way), then create_new_namespace(): !d_can_lookup(): ENOTDIR (PATH is a
//     file, e.g. a namespace file's bind-mount target).
//  4. "foreign" (the caller's user namespace does not own its mount
//     namespace): the copy is CL_SLAVE and locked (lock_mnt_tree()), and
//     without AT_RECURSIVE a PATH with anything mounted below it is EINVAL
//     (__has_children(): it would uncover what they cover).
//  5. __do_loopback(): may_copy_tree(): PATH's mount must be in the caller's
//     mount namespace (check_mnt()): EINVAL, e.g. for a root setns(pidfd,
//     CLONE_NEWNS|...) left in another one; without AT_RECURSIVE a locked
//     mount on PATH's mount below PATH is EINVAL (__has_locked_children()).
//  6. the copy (clone_mnt() of PATH alone, copy_tree() of it and the mounts
//     below with AT_RECURSIVE, mount-namespace files included:
//     CL_COPY_MNT_NS_FILE) goes onto a copy of the caller's root; MNT_LOCKED
//     when the caller's root had a locked mount (or foreign).
//  7. open_namespace_file(): an O_RDONLY nsfs file on the new namespace,
//     which takes over the creation reference: the fd is all that holds it
//     (active while open, Feature::ActiveRefs; freed by the last close).
Result<int> Kernel::sys_open_tree_namespace(Task* cur, std::string_view path_arg, uint64_t flags) {
  NSSIM_SCOPE(s, trace, "open_tree", "{} flags={:#x}", path_arg, flags);
  // nssim creates PATH first (mkdir -p, as chroot does); a file on the way
  // stops it and is the lookup's ENOTDIR below.
  const std::string g = rooted_path(cur, path_arg);
  MntNamespace* at = path_mnt_ns(cur);
  int e_lookup = 0;
  for (size_t slash = g.find('/', 1);; slash = g.find('/', slash + 1)) {
    std::string_view dir = std::string_view(g).substr(0, slash);
    if (!run_dir_exists(dir)) {
      if (run_file_exists(dir) || (at && mount_at(at, dir))) {
        e_lookup = ENOTDIR;
        break;
      }
      run_dirs_.emplace_back(dir);
      NSSIM_EVENT(trace, "open_tree", "created directory {}", dir);
    }
    if (slash == std::string::npos) break;
  }

  constexpr uint64_t kAtEmptyPath = 0x1000, kAtNoAutomount = 0x800, kAtSymlinkNofollow = 0x100;
  uint64_t known = kAtEmptyPath | kAtNoAutomount | kAtRecursive | kAtSymlinkNofollow | kOpenTreeClone |
                   kOpenTreeCloexec;
  if (has(Feature::OpenTreeNamespace)) known |= kOpenTreeNamespace;
  if (flags & ~known) {
    NSSIM_EVENT(trace, "vfs_open_tree", "unknown flags {:#x}: EINVAL", flags & ~known);
    return fail(EINVAL);
  }
  if ((flags & (kAtRecursive | kOpenTreeClone | kOpenTreeNamespace)) == kAtRecursive) return fail(EINVAL);
  if ((flags & kOpenTreeClone) && (flags & kOpenTreeNamespace)) {
    NSSIM_EVENT(trace, "vfs_open_tree", "OPEN_TREE_CLONE and OPEN_TREE_NAMESPACE together: EINVAL");
    return fail(EINVAL);
  }
  UserNamespace* user_ns = cur->cred->user_ns;
  if (!ns_capable(cur->cred, user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "ns_capable", "no CAP_SYS_ADMIN in {}: EPERM", ns_str(user_ns));
    return fail(EPERM);
  }
  if (e_lookup) {
    NSSIM_EVENT(trace, "filename_lookup", "a file on the way: ENOTDIR");
    return fail(ENOTDIR);
  }
  if (run_file_exists(g) && !run_dir_exists(g)) {
    NSSIM_EVENT(trace, "create_new_namespace", "{} is not a directory: ENOTDIR", path_arg);
    return fail(ENOTDIR);
  }
  MntNamespace* ns = cur->nsproxy->mnt_ns;
  const bool recurse = flags & kAtRecursive;
  const bool foreign = user_ns != ns->user_ns;
  // What is mounted below PATH in the namespace the path is in: nsfs bind
  // mounts, directory bind mounts, the old root of a pivot_root().
  struct Child {
    std::string path;
    bool locked;
  };
  std::vector<Child> children;
  if (at) {
    for (const Mount* m : at->mounts)
      if (strictly_under(m->mountpoint, g)) children.push_back({m->mountpoint, m->locked});
    for (auto& b : at->dir_binds)
      if (strictly_under(b.path, g)) children.push_back({b.path, b.locked});
    if (!at->old_root_at.empty() && strictly_under(at->old_root_at, g))
      children.push_back({at->old_root_at, at->old_root_locked});
  }
  if (foreign && !recurse && !children.empty()) {
    NSSIM_EVENT(trace, "create_new_namespace",
                "{} does not own {}, and {} is mounted below {} (no AT_RECURSIVE): EINVAL", ns_str(user_ns),
                ns_str(ns), children.front().path, path_arg);
    return fail(EINVAL);
  }
  if (root_in_other_ns(cur) || !at || detached(at, g)) {
    NSSIM_EVENT(trace, "may_copy_tree", "{} is not on a mount of the caller's {}: EINVAL", path_arg, ns_str(ns));
    return fail(EINVAL);
  }
  if (!recurse) {
    // __has_locked_children(): a locked mount right on PATH's mount (not one
    // on a mount below it: that goes with its parent).
    for (auto& c : children) {
      if (!c.locked) continue;
      bool direct = true;
      for (auto& b : at->dir_binds)
        if (strictly_under(b.path, g) && strictly_under(c.path, b.path)) direct = false;
      if (direct) {
        NSSIM_EVENT(trace, "__has_locked_children", "{} is locked below {}: EINVAL", c.path, path_arg);
        return fail(EINVAL);
      }
    }
  }

  TraceScope cs(trace, "create_new_namespace");
  auto* m = new_ns<MntNamespace>(NsType::Mnt, user_ns);  // alloc_mnt_ns(current_user_ns(), false)
  m->ucounts_euid = cur->cred->euid;
  m->seq = ++mnt_seq_;
  // clone_mnt(): a peer of a shared source, or with CL_SLAVE (foreign) a
  // slave of it; as copy_mnt_ns() does.
  if (foreign && at->group) {
    m->master = at->group;
  } else {
    m->group = foreign ? 0 : at->group;
    m->master = at->master;
  }
  // PATH's copy is the new root: in nssim a directory bind mount at PATH
  // that is the namespace's root, as pivot_root() leaves one.
  bool path_locked = false;
  for (auto& b : at->dir_binds)
    if (b.path == g) path_locked = b.locked;
  m->root_dir = g;
  m->root_locked = at->root_locked || path_locked || foreign;
  m->dir_binds.push_back({g, m->root_locked});
  if (recurse) {
    for (Mount* src : at->mounts) {
      if (!strictly_under(src->mountpoint, g)) continue;
      auto* mnt = new Mount(reg_, next_id(ObjKind::Mount));
      mnt->ns = src->ns;
      mnt->mountpoint = src->mountpoint;
      mnt->origin = src->origin;
      mnt->locked = src->locked || foreign;
      if (src->ns->nsfs_users++ == 0) get_ns(src->ns, "nsfs inode");
      m->mounts.push_back(mnt);
      NSSIM_EVENT(trace, "copy_tree", "{} -> {} copied", mnt->mountpoint, ns_str(mnt->ns));
    }
    for (auto& b : at->dir_binds)
      if (strictly_under(b.path, g)) m->dir_binds.push_back({b.path, b.locked || foreign});
  }
  NSSIM_EVENT(trace, "create_new_namespace", "{} owned by {}: its root is a copy of {}{}", ns_str(m), ns_str(user_ns),
              path_arg, recurse ? " and the mounts below it" : "");
  // open_namespace_file(): the nsfs inode takes the creation reference.
  int fd = open_handle_ns(cur, m, (flags & kOpenTreeCloexec) != 0);
  put_ns(m, "open_namespace_file(): the reference moves to the nsfs inode");
  files_of(cur)->fdt[fd]->path = fmt::format("open_tree({})", path_arg);
  return fd;
}

}  // namespace nssim
