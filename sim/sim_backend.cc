#include "sim/sim_backend.h"

#include <fmt/format.h>

#include <algorithm>

namespace nssim {

SimBackend::SimBackend(Kernel::Config cfg) : k_(std::make_unique<Kernel>(std::move(cfg))) {
  bind(k_->config().init_comm, 0);
}

SimBackend::SimBackend(std::unique_ptr<Kernel> k, const std::vector<std::pair<std::string, uint32_t>>& names)
    : k_(std::move(k)) {
  for (auto& [name, id] : names)
    if (!ids_.count(name)) bind(name, id);
}

Task* SimBackend::task(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? nullptr : k_->task(it->second.id);
}

void SimBackend::bind(const std::string& name, uint32_t id) {
  auto [it, fresh] = ids_.try_emplace(name, Bound{id, static_cast<uint32_t>(order_.size())});
  if (fresh)
    order_.push_back(name);
  else
    it->second.id = id;  // a reused name keeps its place
  const uint32_t pos = it->second.pos;
  auto at = std::lower_bound(watched_tasks_.begin(), watched_tasks_.end(), pos,
                             [](const Watched& w, uint32_t p) { return w.pos < p; });
  if (at != watched_tasks_.end() && at->pos == pos)
    at->id = id;
  else
    watched_tasks_.insert(at, Watched{pos, id});
}

void SimBackend::forget_gone() {
  prune_cost_ = {watched_tasks_.size(), 0};
  std::erase_if(watched_tasks_, [&](const Watched& w) { return k_->task(w.id) == nullptr; });
  const auto& recs = k_->ns_records();
  for (; ns_seen_ < recs.size(); ++ns_seen_) watched_ns_.push_back(static_cast<uint32_t>(ns_seen_));
  prune_cost_.namespaces = watched_ns_.size();
  std::erase_if(watched_ns_, [&](uint32_t serial) { return recs[serial].ns == nullptr; });
}

int SimBackend::fd_of(const Task* t, std::string_view fd_name) const {
  return t && t->files ? t->files->name_to_fd(fd_name) : -1;
}

namespace {
CallOutcome ok(std::string result) { return CallOutcome{true, 0, std::move(result), "", ""}; }
CallOutcome err(Errno e) { return CallOutcome{false, e.code, errno_name(e), "", ""}; }
CallOutcome usage(std::string msg) {
  CallOutcome o;
  o.usage_error = std::move(msg);
  return o;
}
void bind_fd(FilesStruct* files, const std::string& name, int fd) {
  for (auto& [n, f] : files->names)
    if (n == name) {
      f = fd;
      return;
    }
  files->names.emplace_back(name, fd);
}
}  // namespace

CallOutcome SimBackend::call(const CallStmt& c) {
  forget_gone();
  Task* cur = task(c.task);
  // "unknown task 'N'", with a hint when N is an fd name (the slip
  // "pf: setns(...)", or wait(fd)) or a pid number.
  auto unknown_task = [&](const std::string& n, bool caller) {
    for (const auto& [name, b] : ids_)
      if (const Task* t = k_->task(b.id); t && t->files && t->files->name_to_fd(n) >= 0)
        return fmt::format("unknown task '{}'\nhint: '{}' is an fd name (in {}'s fd table), not a task{}", n, n, name,
                           caller ? fmt::format(": a statement starts with the task that makes the call, e.g. {}: ...",
                                                name)
                                  : "");
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos)
      return fmt::format("unknown task '{}'\nhint: tasks are named (init, or the name a clone bound with -> NAME), "
                         "not numbered",
                         n);
    return fmt::format("unknown task '{}'", n);
  };
  // "'N' is not an fd name in T's fd table", with a hint when N is a task.
  auto not_fd = [&](const std::string& n) {
    std::string m = fmt::format("'{}' is not an fd name in {}'s fd table", n, c.task);
    if (known(n))
      m += fmt::format("\nhint: '{}' is a task: open(\"/proc/{}/ns/LINK\") -> F or pidfd_open({}) -> F gives an fd", n,
                       n, n);
    return m;
  };
  if (!cur) {
    if (!known(c.task)) return usage(unknown_task(c.task, true));
    return usage(fmt::format("task '{}' has been reaped", c.task));
  }
  if (cur->state != TaskState::Running)
    return usage(fmt::format("task '{}' has exited ({}); it cannot make system calls", c.task,
                             task_state_name(cur->state)));
  if (cur->in_vfork) {
    std::string child;
    for (const auto& [name, b] : ids_)
      if (const Task* t = k_->task(b.id); t && t->vfork_parent == cur) child = name;
    return usage(fmt::format("'{}' is asleep in vfork() until '{}' execs or exits (CLONE_VFORK): it cannot make "
                             "system calls before that",
                             c.task, child));
  }
  auto target_of = [&](const std::string& n) -> std::pair<Task*, std::string> {
    if (n == "self") return {cur->group_leader, ""};  // /proc/self is the thread group leader
    if (n == "thread-self") return {cur, ""};
    if (!known(n)) return {nullptr, unknown_task(n, false)};
    return {task(n), ""};  // null when reaped: the call itself fails (ENOENT/ESRCH/ECHILD)
  };
  Kernel& k = *k_;
  switch (c.kind) {
    case CallKind::Clone:
    case CallKind::Clone3: {
      if (c.out && task(*c.out)) return usage(fmt::format("'{}' already names a task", *c.out));
      // Flags that need pointers nssim does not pass, and a CLONE_THREAD
      // thread made without pthread_create(): the kernel's EINVAL checks are
      // modelled, a success is not (the live backend could not run the task).
      constexpr uint64_t kUnrunnable = CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                       CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
      if (c.kind == CallKind::Clone3 && (c.flags & CLONE_VM) && !(c.flags & kUnrunnable)) {
        auto v = k.clone_flags_check(cur, c.flags, true);
        if (!v) return err(v.error());
        return usage("clone3 with CLONE_VM passes its checks, but nssim runs a CLONE_VM child only through "
                     "clone(): use clone(CLONE_VM|CLONE_VFORK) -> NAME, as posix_spawn() does");
      }
      if ((c.flags & CLONE_SIGHAND) && !(c.flags & CLONE_THREAD) && !(c.flags & kUnrunnable)) {
        auto v = k.clone_flags_check(cur, c.flags, c.kind == CallKind::Clone3);
        if (!v) return err(v.error());
        return usage("CLONE_SIGHAND without CLONE_THREAD passes its checks, but nssim does not model signal "
                     "handlers shared between processes: leave it out (CLONE_VM|CLONE_VFORK is posix_spawn())");
      }
      if (c.flags & kUnrunnable) {
        auto v = k.clone_flags_check(cur, c.flags, c.kind == CallKind::Clone3);
        if (!v) return err(v.error());
        return usage(fmt::format("{} passes its checks, but nssim cannot run the task it makes: CLONE_SETTLS "
                                 "and the *_SETTID/*_CLEARTID flags need pointers; for CLONE_THREAD use thread() "
                                 "for a thread",
                                 clone_flags_str(c.flags & kUnrunnable)));
      }
      if ((c.flags & CLONE_PIDFD) && !c.out2) return usage("CLONE_PIDFD makes a pidfd: name it, -> CHILD, PIDFD");
      if (!c.set_tid.empty()) {
        // A set_tid entry for a pid namespace above the run's root (the live
        // sandbox's) would ask the host's: nssim does not model those.
        const PidNamespace* child_ns = cur->nsproxy->pid_ns_for_children;
        uint32_t level = child_ns->level + ((c.flags & CLONE_NEWPID) ? 1 : 0);
        uint32_t depth = level - k.config().root_pid_level;
        if (c.set_tid.size() > depth + 1 && c.set_tid.size() <= level + 1)
          return usage(fmt::format("set_tid has {} pids but the child has {} pid namespaces up to the run's root: "
                                   "the rest would be the host's",
                                   c.set_tid.size(), depth + 1));
      }
      int cgroup_fd = 0;  // clone_args.cgroup when cgroup= is left out
      if (!c.cgroup_fd.empty() && (cgroup_fd = fd_of(cur, c.cgroup_fd)) < 0)
        return usage(not_fd(c.cgroup_fd));
      int pidfd = -1;
      auto r = c.kind == CallKind::Clone ? k.sys_clone(cur, c.flags, *c.out, &pidfd)
                                         : k.sys_clone3(cur, c.flags, *c.out, &pidfd, c.set_tid, cgroup_fd);
      if (!r) return err(r.error());
      bind(*c.out, (*r)->id);
      if (pidfd < 0) return ok(*c.out);
      bind_fd(k.files_of(cur), *c.out2, pidfd);
      return ok(fmt::format("{}, {}", *c.out, *c.out2));
    }
    case CallKind::Unshare: {
      auto r = k.sys_unshare(cur, c.flags);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Setns: {
      int fd = fd_of(cur, c.fd);
      if (fd < 0) return usage(not_fd(c.fd));
      auto r = k.sys_setns(cur, fd, c.flags);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Open: {
      Result<int> r;
      bool cloexec = (c.flags & kOCloexec) != 0;
      if (c.path.kind == NsPath::Run) {
        r = k.sys_open_path(cur, c.path.run, cloexec);
      } else if (c.path.kind == NsPath::Cgroup) {
        r = k.sys_open_cgroup(cur, c.path.cgroup(), cloexec);
      } else {
        auto [t, e] = target_of(c.path.task);
        if (!e.empty()) return usage(e);
        r = k.sys_open_nsfs(cur, t, c.path.link, cloexec, c.path.via);
      }
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
    case CallKind::Thread: {
      if (c.out && task(*c.out)) return usage(fmt::format("'{}' already names a task", *c.out));
      if (cur->group_leader->vm_child)
        return usage(fmt::format("thread() in '{}', which runs in its creator's memory (CLONE_VM) until it execs: "
                                 "nssim's live agent has no thread state of its own there; exec() first",
                                 c.task));
      auto r = k.sys_thread(cur, *c.out);
      if (!r) return err(r.error());
      bind(*c.out, (*r)->id);
      return ok(*c.out);
    }
    case CallKind::Setuid: {
      auto r = k.sys_setuid(cur, c.ids[0]);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Setgid: {
      auto r = k.sys_setgid(cur, c.ids[0]);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Setresuid: {
      auto r = k.sys_setresuid(cur, c.ids[0], c.ids[1], c.ids[2]);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Setresgid: {
      auto r = k.sys_setresgid(cur, c.ids[0], c.ids[1], c.ids[2]);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Write: {
      auto [t, e] = target_of(c.path.task);
      if (!e.empty()) return usage(e);
      // timens_offsets is in tgid_base_stuff only (fs/proc/base.c): no /proc/thread-self/timens_offsets.
      if (c.path.file == "timens_offsets" && c.path.task == "thread-self") return err(Errno{ENOENT});
      Kernel::ProcFile f = c.path.file == "uid_map"          ? Kernel::ProcFile::UidMap
                           : c.path.file == "gid_map"        ? Kernel::ProcFile::GidMap
                           : c.path.file == "timens_offsets" ? Kernel::ProcFile::TimensOffsets
                                                             : Kernel::ProcFile::Setgroups;
      auto r = k.sys_write_proc(cur, t, f, c.data, c.path.via);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Ioctl: {
      int fd = fd_of(cur, c.fd);
      if (fd < 0) return usage(not_fd(c.fd));
      int64_t arg = 0;
      if (ioctl_translates_pid(c.ioctl)) {
        // The pid argument (docs/scenario-language.md#ioctl): a number as
        // written, or TASK's pid where the request looks it up: in the fd's
        // pid namespace for *_FROM_PIDNS (when the fd is one), else in the
        // caller's active one; kNoPidNumber when TASK has none there.
        arg = c.code;
        if (!c.target.empty()) {
          auto [t, e] = target_of(c.target);
          if (!e.empty()) return usage(e);
          const PidNamespace* where = k.task_active_pid_ns(cur);
          const File* f =
              cur->files && static_cast<size_t>(fd) < cur->files->fdt.size() ? cur->files->fdt[fd] : nullptr;
          if (ioctl_pid_from_fd_ns(c.ioctl) && f && f->fkind == FileKind::Nsfs && f->ns->type == NsType::Pid)
            where = static_cast<const PidNamespace*>(f->ns);
          uint32_t nr = t ? Kernel::pid_nr_ns(t->thread_pid, where) : 0;
          arg = nr ? nr : kNoPidNumber;
        }
      }
      auto r = k.sys_ioctl(cur, fd, static_cast<Kernel::NsIoctl>(c.ioctl), arg);
      if (!r) return err(r.error());
      if (ioctl_makes_fd(c.ioctl)) {
        bind_fd(cur->files, *c.out, static_cast<int>(*r));
        return ok(*c.out);
      }
      return ok(std::to_string(*r));
    }
    case CallKind::Listns: {
      int fd = fd_of(cur, c.fd);
      if (fd < 0) return usage(not_fd(c.fd));
      auto r = k.sys_listns(cur, c.flags, fd, c.listns_flags);
      if (!r) return err(r.error());
      return ok(std::to_string(*r));
    }
    case CallKind::Mount: {
      if (!(c.flags & kMsBind)) {
        auto r = k.sys_mount_propagation(cur, c.flags & (kMsPrivate | kMsSlave | kMsShared));
        return r ? ok("0") : err(r.error());
      }
      Kernel::PathRef src;
      if (c.path.kind == NsPath::Run) {
        src.path = c.path.run;
      } else {
        auto [t, e] = target_of(c.path.task);
        if (!e.empty()) return usage(e);
        src.task = t;
        src.gone = !t;  // reaped: no /proc/PID (ENOENT, after the earlier checks)
        src.link = c.path.link;
        src.via = c.path.via;
      }
      src.rec = (c.flags & kMsRec) != 0;
      if (c.path.kind == NsPath::Run && c.path.run == c.path2.run) {
        // A directory bind mount: nssim keeps mount points by path, so one
        // over a directory that has mounts under it (hidden, or copied by
        // MS_REC) is not modelled.
        const std::string p = k.rooted_path(cur, c.path.run);
        if (const MntNamespace* at = k.path_mnt_ns(cur); at && (k.run_dir_exists(p) || !k.run_file_exists(p))) {
          auto under = [&](std::string_view x) { return x.size() > p.size() && x.starts_with(p) && x[p.size()] == '/'; };
          bool any = std::any_of(at->mounts.begin(), at->mounts.end(), [&](const Mount* m) { return under(m->mountpoint); }) ||
                     std::any_of(at->dir_binds.begin(), at->dir_binds.end(), [&](auto& d) { return under(d.path) || d.path == p; }) ||
                     (!at->old_root_at.empty() && (under(at->old_root_at) || at->old_root_at == p));
          if (any)
            return usage(fmt::format("a bind mount of {} over mounts under it (or over a mount point) is not "
                                     "modelled: bind a directory nothing is mounted in",
                                     c.path.run));
        }
      }
      auto r = k.sys_mount_bind(cur, src, c.path2.run);
      // A plain file under /run as the source: the kernel binds it, but the
      // model only knows namespace files (resolve_nsfs() gives EINVAL for it).
      if (!r && r.error().code == EINVAL && c.path.kind == NsPath::Run && k.run_file_exists(c.path.run)) {
        const MntNamespace* at = k.path_mnt_ns(cur);
        if (!at || !k.mount_at(at, c.path.run))
          return usage(fmt::format("{} is a plain file: nssim models bind mounts of namespace files only",
                                   c.path.run));
      }
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Umount: {
      auto r = k.sys_umount(cur, c.path.run, c.flags & kMntDetach);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Chroot: {
      auto r = k.sys_chroot(cur, c.path.run);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::OpenTree: {
      // The old root of a pivot_root() below PATH would come along with
      // AT_RECURSIVE: nssim keeps one old root per namespace, at its own root.
      const MntNamespace* at = k.path_mnt_ns(cur);
      if ((c.flags & kAtRecursive) && at && !at->old_root_at.empty() &&
          k.rooted_path(cur, c.path.run) != at->old_root_at &&
          at->old_root_at.starts_with(k.rooted_path(cur, c.path.run) + "/"))
        return usage(fmt::format("open_tree({}, ...|AT_RECURSIVE) with the old root of a pivot_root() mounted below "
                                 "it is not modelled: umount it with MNT_DETACH first",
                                 c.path_text));
      if (k.rooted_path(cur, c.path.run) == "/")
        return usage(fmt::format("open_tree({}, ...) of the tree's own root (the old root of a pivot_root()) is not "
                                 "modelled: name a directory under /run, /srv, /mnt or /media",
                                 c.path_text));
      auto r = k.sys_open_tree_namespace(cur, c.path.run, c.flags);
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
    case CallKind::Mkdir: {
      auto r = k.sys_mkdir_cgroup(cur, c.path.cgroup());
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Rmdir: {
      auto r = k.sys_rmdir_cgroup(cur, c.path.cgroup());
      return r ? ok("0") : err(r.error());
    }
    case CallKind::PivotRoot: {
      const MntNamespace* at = k.path_mnt_ns(cur);
      if (at && !at->old_root_at.empty() && !k.chrooted_in_dir(cur))
        return usage(fmt::format("pivot_root() while the old root of an earlier one is still mounted (at {}) is not "
                                 "modelled: umount it with MNT_DETACH first",
                                 at->old_root_at));
      if (k.rooted_path(cur, c.path.run) == k.rooted_path(cur, c.path2.run))
        return usage("pivot_root(NEW, NEW) (the old root stacked on the new one) is not modelled: name a put_old "
                     "under new_root, e.g. \"/srv/r/mnt/old\"");
      if (k.chrooted_in_dir(cur) && k.is_dir_bind(cur, "/"))
        return usage("pivot_root() by a task chrooted into a mount point is not modelled");
      auto r = k.sys_pivot_root(cur, c.path.run, c.path2.run);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Exec: {
      if (!cur->is_leader())
        return usage(fmt::format("exec() by {}, a thread that does not lead its group, is not modelled: "
                                 "de_thread() gives it the leader's pid; exec from the leader",
                                 c.task));
      auto r = k.sys_execve(cur);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Socket: {
      auto r = k.sys_socket(cur, c.code);
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
    case CallKind::Socketpair: {
      auto r = k.sys_socketpair(cur, c.code);
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, r->first);
      bind_fd(cur->files, *c.out2, r->second);
      return ok(fmt::format("{}, {}", *c.out, *c.out2));
    }
    case CallKind::Send: {
      int sfd = fd_of(cur, c.fd);
      if (sfd < 0) return usage(not_fd(c.fd));
      int fd = fd_of(cur, c.fd2);
      if (fd < 0) return usage(fmt::format("'{}' (the fd to pass) is not an fd name in {}'s fd table", c.fd2, c.task));
      if (k.send_makes_cycle(cur, sfd, fd))
        return usage(fmt::format("send({}, {}) would put a unix socket in flight in a receive queue it reaches "
                                 "itself\nhint: only the kernel's unix garbage collector frees such a cycle, "
                                 "asynchronously, and nssim does not model it: receive or close first, or pass "
                                 "another fd",
                                 c.fd, c.fd2));
      auto r = k.sys_send_fd(cur, sfd, fd);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Recv: {
      int sfd = fd_of(cur, c.fd);
      if (sfd < 0) return usage(not_fd(c.fd));
      auto r = k.sys_recv_fd(cur, sfd, (c.flags & kMsgCmsgCloexec) != 0);
      if (!r) return err(r.error());
      if (*r == Kernel::kRecvEof) return ok("EOF");  // 0 bytes, no fd: the name stays unbound
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
    case CallKind::PrctlChildSubreaper: {
      auto r = k.sys_prctl_set_child_subreaper(cur, c.code);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::PrctlKeepcaps: {
      auto r = k.sys_prctl_set_keepcaps(cur, c.code);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::PrctlCapbsetDrop: {
      auto r = k.sys_prctl_capbset_drop(cur, c.cap);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Capset: {
      // Sets not named keep the caller's (the live backend reads them with capget()).
      const CapSets& o = cur->cred->caps();
      auto r = k.sys_capset(cur, c.caps[kCapEffective].apply(o.effective), c.caps[kCapPermitted].apply(o.permitted),
                            c.caps[kCapInheritable].apply(o.inheritable));
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Setgroups: {
      auto r = k.sys_setgroups(cur, c.groups);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::PrctlDumpable: {
      auto r = k.sys_prctl_set_dumpable(cur, c.code);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Close: {
      int fd = fd_of(cur, c.fd);
      if (fd < 0) return usage(not_fd(c.fd));
      auto r = k.sys_close(cur, fd);
      return r ? ok("0") : err(r.error());
    }
    case CallKind::Exit:
      k.sys_exit(cur, c.code);
      return ok("0");
    case CallKind::Wait: {
      auto [t, e] = target_of(c.target);
      if (!e.empty()) return usage(e);
      auto r = k.sys_wait4(cur, t);
      if (!r) return err(r.error());
      return ok(*r ? c.target : "0");
    }
    case CallKind::PidfdOpen: {
      auto [t, e] = target_of(c.target);
      if (!e.empty()) return usage(e);
      auto r = k.sys_pidfd_open(cur, t, static_cast<uint32_t>(c.flags));
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
    case CallKind::Sethostname: {
      auto r = k.sys_sethostname(cur, c.str);
      return r ? ok("0") : err(r.error());
    }
    // nsfs file handles (sim/fhandle.cc).
    case CallKind::NameToHandleAt: {
      int fd = fd_of(cur, c.fd);
      if (fd < 0) return usage(not_fd(c.fd));
      // A name may outlive its fd (closed: EBADF below).
      const File* f = static_cast<size_t>(fd) < cur->files->fdt.size() ? cur->files->fdt[fd] : nullptr;
      if (f && (f->fkind == FileKind::Pidfd || f->fkind == FileKind::Regular))
        return usage(fmt::format("name_to_handle_at() of {} is not modelled: nssim models nsfs file handles (an fd "
                                 "of a /proc/T/ns/L file)",
                                 f->fkind == FileKind::Pidfd ? "a pidfd (a pidfs handle)"
                                                             : "a cgroup directory or plain file (kernfs, tmpfs)"));
      auto r = k.sys_name_to_handle_at(cur, fd);
      if (!r) return err(r.error());
      handles_.insert_or_assign(*c.out, *r);
      return ok(*c.out);
    }
    case CallKind::OpenByHandleAt: {
      auto h = handles_.find(c.fd);
      if (h == handles_.end())
        return usage(fmt::format("'{}' names no file handle: bind one with name_to_handle_at(FD) -> {} (a call that "
                                 "failed binds nothing)",
                                 c.fd, c.fd));
      auto r = k.sys_open_by_handle_at(cur, h->second, (c.flags & kOCloexec) != 0);
      if (!r) return err(r.error());
      bind_fd(cur->files, *c.out, *r);
      return ok(*c.out);
    }
  }
  return usage("unsupported call");
}

Observation SimBackend::observe() {
  Observation o;
  cost_ = prune_cost_;
  o.tasks.reserve(watched_tasks_.size());
  for (const Watched& w : watched_tasks_) {
    ++cost_.tasks;
    TaskObs t;
    t.name = order_[w.pos];
    Task* task_p = k_->task(w.id);
    if (!task_p) {
      t.state = TaskState::Reaped;
    } else {
      t.state = task_p->state;
      t.in_vfork = task_p->in_vfork;
      t.nspid = k_->nspid(task_p);
      const Cred* c = task_p->cred;
      // As /proc shows them to a reader in the observer's user namespace
      // (fs/proc/array.c: task_state(): from_kuid_munged(); kernel/
      // user_namespace.c: uid_m_show(): lower ids in the reader's terms, or in
      // the parent's when the reader reads its own namespace's map).
      const UserNamespace* viewer = k_->observer_user_ns();
      auto ids = [&](uint32_t a, uint32_t b, uint32_t c2, uint32_t d, bool gid) {
        return std::array<uint32_t, 4>{k_->from_kid_munged(viewer, a, gid), k_->from_kid_munged(viewer, b, gid),
                                       k_->from_kid_munged(viewer, c2, gid), k_->from_kid_munged(viewer, d, gid)};
      };
      t.uids = ids(c->uid, c->euid, c->suid, c->fsuid, false);
      t.gids = ids(c->gid, c->egid, c->sgid, c->fsgid, true);
      const CapSets& cs = c->caps();
      t.caps = {cs.inheritable, cs.permitted, cs.effective, cs.bset, cs.ambient};
      auto map_str = [&](const UserNamespace* ns, bool gid) {
        const UserNamespace* lower = ns == viewer && ns->parent ? ns->parent : viewer;
        std::string out;
        for (auto& e : gid ? ns->gid_map : ns->uid_map)
          out += fmt::format("{}{} {} {}", out.empty() ? "" : "\n", e.first, k_->from_kid(lower, e.lower_first, gid),
                             e.count);
        return out;
      };
      t.uid_map = map_str(c->user_ns, false);
      t.gid_map = map_str(c->user_ns, true);
      if (task_p->nsproxy) t.hostname = task_p->nsproxy->uts_ns->nodename;
      if (task_p->state == TaskState::Running) t.cgroup = k_->proc_cgroup_show(task_p, task_p);
      // ptrace_may_access() guards both the fd links and the ns links.
      const bool readable = k_->observer_may_read(task_p);
      if (task_p->files && readable && k_->observer_may_search_fd_dir(task_p))
        for (size_t fd = 3; fd < task_p->files->fdt.size(); ++fd) {
          const File* f = task_p->files->fdt[fd];
          if (!f) continue;
          TaskObs::Fd o{static_cast<int>(fd), TaskObs::Fd::Plain};
          if (f->fkind == FileKind::Nsfs) o = {static_cast<int>(fd), TaskObs::Fd::Ns, f->ns->serial, f->ns->inum, f->ns->type};
          if (f->fkind == FileKind::Pidfd) o.kind = TaskObs::Fd::Pidfd;
          if (f->fkind == FileKind::Socket) o.kind = TaskObs::Fd::Socket;
          t.fds.push_back(o);
        }
      for (int i = 0; i < kLinks && readable; ++i) {
        NsCommon* ns = k_->ns_of_link(task_p, kAllLinks[i]);
        if (ns) {
          t.ns[i] = ns->serial;
          t.inum[i] = ns->inum;
        }
      }
    }
    o.tasks.push_back(std::move(t));
  }
  o.has_liveness = true;
  const auto& recs = k_->ns_records();
  auto add = [&](size_t serial) {
    ++cost_.namespaces;
    const NsRecord& r = recs[serial];
    o.liveness.push_back(NsLiveness{serial, r.inum, r.type, r.ns != nullptr});  // token = serial
  };
  o.liveness.reserve(watched_ns_.size() + (recs.size() - ns_seen_));
  for (uint32_t serial : watched_ns_) add(serial);
  for (size_t serial = ns_seen_; serial < recs.size(); ++serial) add(serial);
  return o;
}

}  // namespace nssim
