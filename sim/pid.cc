// kernel/pid.c @ v6.18: alloc_pid(), free_pid(), put_pid(), pidfd_open();
// task_active_pid_ns().
#include "sim/kernel.h"

namespace nssim {

std::vector<uint32_t> Kernel::nspid(const Task* t) const {
  std::vector<uint32_t> out;
  if (t->thread_pid)
    for (auto& n : t->thread_pid->numbers) out.push_back(n.nr);
  return out;
}

namespace {
constexpr uint32_t RESERVED_PIDS = 300;

bool nr_used(const PidNamespace* ns, uint32_t nr) {
  size_t w = nr / 64;
  return w < ns->used.size() && ((ns->used[w] >> (nr % 64)) & 1);
}
void set_nr(PidNamespace* ns, uint32_t nr, bool on) {
  size_t w = nr / 64;
  if (w >= ns->used.size()) ns->used.resize(w + 1);
  if (on)
    ns->used[w] |= 1ULL << (nr % 64);
  else
    ns->used[w] &= ~(1ULL << (nr % 64));
}

// lib/idr.c: idr_alloc_cyclic(): the lowest free id >= the cursor, wrapping
// to `start`; the cursor moves past the id handed out. 0 if full.
uint32_t idr_alloc_cyclic(PidNamespace* ns, uint32_t start, uint32_t end) {
  uint32_t from = std::max(ns->cursor, start);
  for (uint32_t nr = from; nr < end; ++nr)
    if (!nr_used(ns, nr)) return set_nr(ns, nr, true), ns->cursor = nr + 1, nr;
  for (uint32_t nr = start; nr < from && nr < end; ++nr)
    if (!nr_used(ns, nr)) return set_nr(ns, nr, true), ns->cursor = nr + 1, nr;
  return 0;
}
}  // namespace

// kernel/pid.c: alloc_pid() @ v6.18. A number is taken in every namespace from
// the task's up to the root (cursors advance), and only then is the
// namespace checked for PIDNS_ADDING: forking into a pid namespace whose init
// has died fails with ENOMEM (and still advanced the cursors).
//
// set_tid (clone3): the number to take in each namespace from the task's own
// outwards, for as many levels as it has entries: EINVAL for more entries than
// levels, a number out of [1, pid_max), or one other than 1 in a namespace
// without an init; EPERM without CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over
// the namespace's owner (checkpoint_restore_ns_capable()); EEXIST when taken.
// Such a number is idr_alloc()ed: the cyclic cursor does not move.
Result<Pid*> Kernel::alloc_pid(PidNamespace* ns, std::span<const int32_t> set_tid, const Cred* cred) {
  NSSIM_SCOPE(s, trace, "alloc_pid", "in {}", ns_str(ns));
  if (set_tid.size() > ns->level + 1) return fail(EINVAL);
  auto* pid = new Pid(next_id(ObjKind::Pid));
  uint32_t depth = ns->level - cfg_.root_pid_level;
  pid->level = depth;
  pid->numbers.resize(depth + 1);
  // Feature::AllocPidSetTidChecksFirst (alloc_pid() @ v7.2): every entry's
  // range and capability first, before any number is taken.
  bool checks_first = has(Feature::AllocPidSetTidChecksFirst);
  if (checks_first) {
    PidNamespace* t = ns;
    for (size_t k = 0; k < set_tid.size() && k <= depth; ++k, t = t->parent) {
      int e = 0;
      if (set_tid[k] < 1 || static_cast<uint32_t>(set_tid[k]) >= t->pid_max)
        e = EINVAL;
      else if (!ns_capable(cred, t->user_ns, CAP_SYS_ADMIN) && !ns_capable(cred, t->user_ns, CAP_CHECKPOINT_RESTORE))
        e = EPERM;
      if (e) {
        (void)pid->put();
        delete pid;
        return fail(e);
      }
    }
  }
  // Feature::PidnsFirstForkRetry: a namespace whose first fork failed (no
  // pid, still PIDNS_ADDING) starts from pid 1 again (idr_set_cursor()).
  if (has(Feature::PidnsFirstForkRetry) && ns->adding && ns->pid_allocated == 0) ns->cursor = 0;
  PidNamespace* tmp = ns;
  auto undo = [&](int i, int e) -> Result<Pid*> {
    for (size_t j = i + 1; j <= depth; ++j) set_nr(pid->numbers[j].ns, pid->numbers[j].nr, false);
    (void)pid->put();
    delete pid;
    return fail(e);
  };
  for (int i = static_cast<int>(depth); i >= 0; --i, tmp = tmp->parent) {
    size_t k = depth - i;  // set_tid index: the task's own namespace first
    uint32_t nr;
    if (k < set_tid.size()) {
      int32_t tid = set_tid[k];
      if (!checks_first) {
        if (tid < 1 || static_cast<uint32_t>(tid) >= tmp->pid_max) return undo(i, EINVAL);
        if (tid != 1 && !tmp->child_reaper) {
          NSSIM_EVENT(trace, "alloc_pid", "set_tid {} in {}, which has no init: EINVAL", tid, ns_str(tmp));
          return undo(i, EINVAL);
        }
        if (!ns_capable(cred, tmp->user_ns, CAP_SYS_ADMIN) &&
            !ns_capable(cred, tmp->user_ns, CAP_CHECKPOINT_RESTORE))
          return undo(i, EPERM);
      }
      if (nr_used(tmp, static_cast<uint32_t>(tid))) {
        NSSIM_EVENT(trace, "alloc_pid", "set_tid {} is taken in {}: EEXIST", tid, ns_str(tmp));
        return undo(i, EEXIST);
      }
      nr = static_cast<uint32_t>(tid);
      set_nr(tmp, nr, true);
      NSSIM_EVENT(trace, "alloc_pid", "set_tid: pid {} in {}", nr, ns_str(tmp));
    } else {
      uint32_t pid_min = tmp->cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
      nr = idr_alloc_cyclic(tmp, pid_min, tmp->pid_max);
      if (nr == 0) return undo(i, EAGAIN);
    }
    pid->numbers[i] = PidNumber{nr, tmp};
    // 7.2: pid 1 must come first, checked once the number is taken (and
    // given back with the others).
    if (checks_first && !tmp->child_reaper && nr != 1) {
      NSSIM_EVENT(trace, "alloc_pid", "pid {} in {}, which has no init: EINVAL", nr, ns_str(tmp));
      return undo(i - 1, EINVAL);
    }
  }
  if (!ns->adding) {
    for (auto& n : pid->numbers) set_nr(n.ns, n.nr, false);
    (void)pid->put();
    delete pid;
    NSSIM_EVENT(trace, "alloc_pid", "{} no longer admits tasks (its init died): ENOMEM", ns_str(ns));
    return fail(ENOMEM);
  }
  for (auto& n : pid->numbers) ++n.ns->pid_allocated;
  get_ns(ns, Why::pid(pid->numbers.back().nr));
  return pid;
}

// kernel/pid.c: free_pid() of a struct pid whose fork failed after
// alloc_pid() (CLONE_INTO_CGROUP's checks come later). When it was the first
// pid of a new pid namespace (no init yet), pid_allocated falls back to
// PIDNS_ADDING and free_pid() clears that: the namespace admits no task any
// more, later forks into it fail ENOMEM. Found by nssim fuzz --real. Since
// Feature::PidnsFirstForkRetry (free_pid() @ v7.2) it stays open: alloc_pid()
// starts the next fork from pid 1 again.
void Kernel::free_unattached_pid(Pid* pid) {
  for (auto& n : pid->numbers) {
    set_nr(n.ns, n.nr, false);
    if (--n.ns->pid_allocated == 0 && n.ns->adding && !n.ns->child_reaper &&
        !has(Feature::PidnsFirstForkRetry)) {
      n.ns->adding = false;
      NSSIM_EVENT(trace, "free_pid", "the first fork into {} failed: it admits no task any more", ns_str(n.ns));
    }
  }
  put_pid(pid);
}

// kernel/pid.c: free_pid() (at detach: the numbers go) then put_pid() (the
// struct goes when no pidfd holds it, dropping its pid namespace).
void Kernel::put_pid(Pid* pid) {
  if (!pid->put()) return;
  PidNamespace* ns = pid->numbers.back().ns;
  uint32_t nr = pid->numbers.back().nr;
  delete pid;
  NSSIM_EVENT(trace, "put_pid", "struct pid {} freed", nr);
  put_ns(ns, Why::pid(nr));
}

// kernel/pid.c: SYSCALL_DEFINE2(pidfd_open) @ v6.18.
Result<int> Kernel::sys_pidfd_open(Task* cur, Task* target, uint32_t flags) {
  NSSIM_SCOPE(s, trace, "pidfd_open", "{}", target ? target->comm : "?");
  // PIDFD_THREAD: Feature::PidfdThread.
  const uint32_t known = PIDFD_NONBLOCK | (has(Feature::PidfdThread) ? PIDFD_THREAD : 0);
  if (flags & ~known) return fail(EINVAL);
  // find_get_pid() in the caller's active pid namespace.
  if (!target || !target->thread_pid) return fail(ESRCH);
  PidNamespace* mine = task_active_pid_ns(cur);
  bool visible = false;
  for (auto& n : target->thread_pid->numbers)
    if (n.ns == mine) visible = true;
  if (!visible) return fail(ESRCH);
  // kernel/fork.c: pidfd_prepare(): without PIDFD_THREAD a pid leading no
  // thread group is ENOENT (@ v6.18), EINVAL before
  // Feature::PidfdNonLeaderEnoent (@ v6.12: the same test as a reaped pid's).
  if (!(flags & PIDFD_THREAD) && !target->is_leader())
    return fail(has(Feature::PidfdNonLeaderEnoent) ? ENOENT : EINVAL);
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Pidfd;
  target->thread_pid->get();
  f->pid = target->thread_pid;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = "pidfd:" + target->comm;
  int fd = alloc_fd(files_of(cur), f, /*cloexec=*/true);  // pidfd_prepare(): always O_CLOEXEC
  NSSIM_EVENT(trace, "pidfd_create", "fd {} -> struct pid {} of {} (pins it)", fd,
              target->thread_pid->numbers.back().nr, target->comm);
  return fd;
}

}  // namespace nssim
