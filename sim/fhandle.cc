// nsfs file handles: fs/fhandle.c: name_to_handle_at(), open_by_handle_at();
// fs/nsfs.c: nsfs_encode_fh(), nsfs_fh_to_dentry(), nsfs_export_permission()
// @ v7.2 (the same rules in the live 6.18.44, which has stable 6.18.y's
// may_see_all_namespaces() check). Feature::NsfsFileHandles: before 6.18 nsfs
// has no export operations at all.
#include "sim/kernel.h"

namespace nssim {

// fs/fhandle.c: SYSCALL_DEFINE5(name_to_handle_at) with AT_EMPTY_PATH ->
// do_sys_name_to_handle(): exportfs_can_encode_fh() of the file's superblock
// first (EOPNOTSUPP without export operations), then nsfs_encode_fh() fills
// ns_id, ns_type and the inode number (FILEID_NSFS). Nothing is counted.
Result<NsfsHandle> Kernel::sys_name_to_handle_at(Task* cur, int fd) {
  NSSIM_SCOPE(s, trace, "name_to_handle_at", "fd {}", fd);
  const FilesStruct* files = cur->files;
  if (!files || fd < 0 || static_cast<size_t>(fd) >= files->fdt.size() || !files->fdt[fd]) return fail(EBADF);
  const File* f = files->fdt[fd];
  // sockfs has no export operations on any version.
  if (f->fkind != FileKind::Nsfs || !has(Feature::NsfsFileHandles)) {
    NSSIM_EVENT(trace, "exportfs_can_encode_fh", "{} has no export operations: EOPNOTSUPP",
                f->fkind == FileKind::Nsfs ? "nsfs" : "sockfs");
    return fail(EOPNOTSUPP);
  }
  NSSIM_EVENT(trace, "nsfs_encode_fh", "handle of {}", ns_str(f->ns));
  return NsfsHandle{f->ns->serial, f->ns->type, f->ns->inum};
}

// fs/fhandle.c: do_sys_open_by_handle_at() -> handle_to_path():
// get_path_anchor(FD_NSFS_ROOT) (EBADF before 6.18, where the value names no
// fd), nsfs_export_permission() (no capability asked: the decode checks),
// then nsfs_fh_to_dentry(): the namespace by ns_id (gone: NULL), active
// (ns_get_unless_inactive(), 6.19+), then current_in_namespace() for its
// type, else may_see_all_namespaces() (-EPERM); do_handle_to_path() turns
// every failure but ENOMEM into ESTALE. The open (nsfs_export_open() ->
// file_open_root()) makes or finds the nsfs inode: path_from_stashed(), which
// resurrects an inactive namespace (nsfs_init_inode()).
Result<int> Kernel::sys_open_by_handle_at(Task* cur, const NsfsHandle& h, bool cloexec) {
  NSSIM_SCOPE(s, trace, "open_by_handle_at", "FD_NSFS_ROOT, {}:[{}]", ns_type_name(h.type), h.inum);
  if (!has(Feature::NsfsFileHandles)) return fail(EBADF);
  NsCommon* ns = h.serial < records_.size() ? records_[h.serial].ns : nullptr;
  if (!ns) {
    NSSIM_EVENT(trace, "ns_tree_lookup_rcu", "no namespace has that ns_id now: ESTALE");
    return fail(ESTALE);
  }
  if (has(Feature::ActiveRefs) && !active_namespaces()[ns->serial]) {
    NSSIM_EVENT(trace, "ns_get_unless_inactive", "{} is inactive: ESTALE", ns_str(ns));
    return fail(ESTALE);
  }
  bool in = is_current_namespace(cur, ns);  // current_in_namespace(): its own, not *_for_children
  // (A pid namespace the caller is in without a child_reaper is -EPERM too;
  // a task in it keeps its init, or is being killed with it: not reachable.)
  if (!in && !may_see_all_namespaces(cur)) {
    NSSIM_EVENT(trace, "may_see_all_namespaces",
                "{} is not the caller's, and the caller is outside the initial pid namespace or lacks "
                "CAP_SYS_ADMIN in the initial user namespace: EPERM, reported as ESTALE",
                ns_str(ns));
    return fail(ESTALE);
  }
  return open_handle_ns(cur, ns, cloexec);
}

}  // namespace nssim
