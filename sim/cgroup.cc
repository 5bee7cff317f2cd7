// kernel/cgroup/cgroup.c @ v6.18, the default (v2) hierarchy as far as nssim
// models it: cgroup_mkdir(), cgroup_rmdir(), cgroup_css_set_fork() (clone3's
// CLONE_INTO_CGROUP), cgroup_exit(), proc_cgroup_show(); the VFS checks in
// front of mkdir/rmdir (fs/namei.c: filename_create(), may_create(),
// may_delete()). Paths are relative to the run's root cgroup (the live
// backend's per-run directory), written "/sys/fs/cgroup/NAME/..." in scenarios.
#include <fmt/format.h>

#include "sim/kernel.h"

namespace nssim {

namespace {
constexpr int kMayExec = 1, kMayWrite = 2;

// The mode bits of a cgroup directory (0755) or its cgroup.procs (0644), by
// the caller's fsuid/fsgid against the owner (fs/namei.c: acl_permission_check()).
bool mode_allows(const Cred* c, const Cgroup* g, uint32_t mode, int mask) {
  uint32_t bits = c->fsuid == g->uid ? mode >> 6 : c->fsgid == g->gid ? mode >> 3 : mode;
  return (bits & mask & 7) == static_cast<uint32_t>(mask);
}

// "a/b" -> {"a", "b"}; "" -> {}.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Cgroup* child_named(const Cgroup* parent, std::string_view name) {
  for (Cgroup* c : parent->children)
    if (c->name == name) return c;
  return nullptr;
}
}  // namespace

// fs/namei.c: generic_permission() on a cgroup's kernfs inode: the mode bits,
// else CAP_DAC_OVERRIDE in the caller's user namespace, which must map the
// owner and group (capable_wrt_inode_uidgid()).
static bool cgroup_inode_permission(const Kernel& k, const Cred* c, const Cgroup* g, uint32_t mode, int mask) {
  if (mode_allows(c, g, mode, mask)) return true;
  UserNamespace* ns = c->user_ns;
  if (k.from_kid(ns, g->uid, false) == INVALID_ID || k.from_kid(ns, g->gid, true) == INVALID_ID) return false;
  return k.ns_capable(c, ns, CAP_DAC_OVERRIDE);
}

// kernel/cgroup/cgroup.c: cgroup_may_write(): MAY_WRITE on the cgroup's
// cgroup.procs (0644, the cgroup's owner).
bool Kernel::cgroup_may_write(const Cred* c, const Cgroup* cgrp) const {
  return cgroup_inode_permission(*this, c, cgrp, 0644, kMayWrite);
}

Cgroup* Kernel::cgroup_lookup(std::string_view path) const {
  Cgroup* c = cgrp_root_.get();
  for (std::string_view name : split(path))
    if (!(c = child_named(c, name))) return nullptr;
  return c;
}

std::string Kernel::cgroup_path(const Cgroup* c) {
  std::string p;
  for (; c && c->parent; c = c->parent) p = "/" + c->name + p;
  return p.empty() ? "/" : p;
}

// fs/namei.c: do_mkdirat() -> filename_create() (the parent must exist:
// ENOENT; the name must not: EEXIST), vfs_mkdir() -> may_create() (MAY_WRITE
// | MAY_EXEC on the parent directory: EACCES), then kernfs_iop_mkdir() ->
// cgroup_mkdir(): a child owned by the caller's fsuid/fsgid.
Result<void> Kernel::sys_mkdir_cgroup(Task* cur, std::string_view path) {
  NSSIM_SCOPE(s, trace, "mkdirat", "/sys/fs/cgroup/{}", path);
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  Cgroup* parent = cgroup_lookup(slash == std::string_view::npos ? std::string_view() : path.substr(0, slash));
  if (!parent) {
    NSSIM_EVENT(trace, "filename_create", "no parent directory: ENOENT");
    return fail(ENOENT);
  }
  if (child_named(parent, name)) {
    NSSIM_EVENT(trace, "filename_create", "{} exists: EEXIST", path);
    return fail(EEXIST);
  }
  if (!cgroup_inode_permission(*this, cur->cred, parent, 0755, kMayWrite | kMayExec)) {
    NSSIM_EVENT(trace, "may_create", "{} may not write to {}: EACCES", cur->comm, cgroup_path(parent));
    return fail(EACCES);
  }
  auto& c = cgroups_.emplace_back(std::make_unique<Cgroup>());
  c->name = std::string(name);
  c->parent = parent;
  c->uid = cur->cred->fsuid;
  c->gid = cur->cred->fsgid;
  parent->children.push_back(c.get());
  NSSIM_EVENT(trace, "cgroup_mkdir", "{} created, owned by {}:{}", cgroup_path(c.get()), c->uid, c->gid);
  return {};
}

// fs/namei.c: do_rmdir() (ENOENT), vfs_rmdir() -> may_delete() (MAY_WRITE |
// MAY_EXEC on the parent: EACCES), then cgroup_rmdir() ->
// cgroup_destroy_locked(): EBUSY while a live task is in it
// (cgroup_is_populated(): a zombie has left it in cgroup_exit()) or while it
// has a child. The cgroup goes offline; an fd of its directory stays open.
Result<void> Kernel::sys_rmdir_cgroup(Task* cur, std::string_view path) {
  NSSIM_SCOPE(s, trace, "rmdir", "/sys/fs/cgroup/{}", path);
  Cgroup* c = cgroup_lookup(path);
  if (!c) return fail(ENOENT);
  if (!cgroup_inode_permission(*this, cur->cred, c->parent, 0755, kMayWrite | kMayExec)) {
    NSSIM_EVENT(trace, "may_delete", "{} may not write to {}: EACCES", cur->comm, cgroup_path(c->parent));
    return fail(EACCES);
  }
  if (c->nr_tasks) {
    NSSIM_EVENT(trace, "cgroup_destroy_locked", "{} has {} live task(s): EBUSY", cgroup_path(c), c->nr_tasks);
    return fail(EBUSY);
  }
  if (!c->children.empty()) {
    NSSIM_EVENT(trace, "cgroup_destroy_locked", "{} has a child cgroup: EBUSY", cgroup_path(c));
    return fail(EBUSY);
  }
  NSSIM_EVENT(trace, "cgroup_destroy_locked", "{} removed", cgroup_path(c));
  std::erase(c->parent->children, c);
  c->dead = true;
  return {};
}

// open("/sys/fs/cgroup/...", O_RDONLY | O_DIRECTORY): the directories are
// 0755, so any task may open one (ENOENT when it is not there).
Result<int> Kernel::sys_open_cgroup(Task* cur, std::string_view path, bool cloexec) {
  NSSIM_SCOPE(s, trace, "do_sys_open", "/sys/fs/cgroup/{}", path);
  Cgroup* c = cgroup_lookup(path);
  if (!c) return fail(ENOENT);
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Regular;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = path.empty() ? "/sys/fs/cgroup" : fmt::format("/sys/fs/cgroup/{}", path);
  f->cgrp = c;
  return alloc_fd(files_of(cur), f, cloexec);
}

// kernel/cgroup/cgroup.c: cgroup_css_set_fork() @ v6.18. Without
// CLONE_INTO_CGROUP the child starts in the creator's cgroup. With it:
// fdget_raw(args.cgroup) (EBADF), cgroup_get_from_file() (EBADF for a file
// that is not a cgroup directory; css_tryget_online_from_dir(): ENOENT for a
// removed one), cgroup_may_write() on the destination (EACCES), then
// cgroup_attach_permissions() -> cgroup_procs_write_permission():
// cgroup_may_write() on the common ancestor of the creator's cgroup and the
// destination (EACCES), and with nsdelegate both must be inside the creator's
// cgroup namespace (ENOENT). The permission checks use the creator's
// credentials: spawning into a cgroup is opening its cgroup.procs and writing
// the child's pid there, atomically.
Result<Cgroup*> Kernel::cgroup_css_set_fork(Task* cur, uint64_t flags, int cgroup_fd) {
  Cgroup* src = task_dfl_cgroup(cur);
  if (!(flags & CLONE_INTO_CGROUP)) return src;
  TraceScope s(trace, "cgroup_css_set_fork");
  FilesStruct* files = cur->files;
  File* f = files && cgroup_fd >= 0 && static_cast<size_t>(cgroup_fd) < files->fdt.size() ? files->fdt[cgroup_fd]
                                                                                          : nullptr;
  if (!f) {
    NSSIM_EVENT(trace, "fdget_raw", "fd {} is not open: EBADF", cgroup_fd);
    return fail(EBADF);
  }
  if (!f->cgrp) {
    NSSIM_EVENT(trace, "css_tryget_online_from_dir", "fd {} ({}) is not a cgroup directory: EBADF", cgroup_fd,
                f->path);
    return fail(EBADF);
  }
  Cgroup* dst = f->cgrp;
  if (dst->dead) {
    NSSIM_EVENT(trace, "css_tryget_online_from_dir", "{} has been removed: ENOENT", f->path);
    return fail(ENOENT);
  }
  if (!cgroup_may_write(cur->cred, dst)) {
    NSSIM_EVENT(trace, "cgroup_may_write", "{} may not write {}/cgroup.procs: EACCES", cur->comm, cgroup_path(dst));
    return fail(EACCES);
  }
  Cgroup* com = src;
  while (!dst->is_descendant_of(com)) com = com->parent;
  if (!cgroup_may_write(cur->cred, com)) {
    NSSIM_EVENT(trace, "cgroup_procs_write_permission", "{} may not write {}/cgroup.procs (the common ancestor): EACCES",
                cur->comm, cgroup_path(com));
    return fail(EACCES);
  }
  if (cfg_.cgroup_nsdelegate) {
    const CgroupNamespace* ns = cur->nsproxy->cgroup_ns;
    const Cgroup* root = ns->root_cgrp ? ns->root_cgrp : cgrp_root_.get();
    if (!src->is_descendant_of(root) || !dst->is_descendant_of(root)) {
      NSSIM_EVENT(trace, "cgroup_procs_write_permission",
                  "nsdelegate: {} or {} is outside {}'s cgroup namespace (rooted at {}): ENOENT", cgroup_path(src),
                  cgroup_path(dst), cur->comm, cgroup_path(root));
      return fail(ENOENT);
    }
  }
  NSSIM_EVENT(trace, "cgroup_css_set_fork", "the child starts in {}", cgroup_path(dst));
  return dst;
}

// kernel/cgroup/cgroup.c: cgroup_exit(): the exiting task leaves its css_set's
// task list, so a zombie does not keep its cgroup populated.
void Kernel::cgroup_exit(Task* t) {
  Cgroup* c = task_dfl_cgroup(t);
  if (c->nr_tasks) --c->nr_tasks;
}

// kernel/cgroup/cgroup.c: proc_cgroup_show() -> cgroup_path_ns() ->
// kernfs_path_from_node(): from the reader's namespace root up to the common
// ancestor ("/.." per level), then down to the cgroup.
std::string Kernel::proc_cgroup_show(const Task* reader, const Task* t) const {
  const CgroupNamespace* ns = reader->nsproxy ? reader->nsproxy->cgroup_ns : nullptr;
  const Cgroup* from = ns && ns->root_cgrp ? ns->root_cgrp : cgrp_root_.get();
  const Cgroup* to = task_dfl_cgroup(t);
  const Cgroup* com = from;
  while (!to->is_descendant_of(com)) com = com->parent;
  std::string up, down;
  for (const Cgroup* c = from; c != com; c = c->parent) up += "/..";
  for (const Cgroup* c = to; c != com; c = c->parent) down = "/" + c->name + down;
  std::string p = up + down;
  if (p.empty()) p = "/";
  if (to->dead) p += " (deleted)";
  return p;
}

}  // namespace nssim
