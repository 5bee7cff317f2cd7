// kernel/exit.c @ v6.18: do_exit() (files, fs, namespaces, then exit_notify()),
// forget_original_parent(), find_child_reaper(), find_new_reaper(),
// release_task(), wait4(); kernel/pid_namespace.c: zap_pid_ns_processes().
#include "sim/kernel.h"

#include <algorithm>

namespace nssim {

void Kernel::sys_exit(Task* cur, int code) {
  NSSIM_SCOPE(s, trace, "do_exit", "{} code={}", cur->comm, code);
  do_exit_quiet(cur, code);
}

void Kernel::exit_files(Task* t) {
  if (!t->files) return;
  TraceScope s(trace, "exit_files");
  FilesStruct* f = t->files;
  t->files = nullptr;
  put_files_struct(f);
}

Mm* Kernel::share_mm(Task* t) {
  if (t->mm) return t->mm;
  // The implicit private mm of t's group becomes an object: every live task
  // of the group (they all use it) holds a user reference.
  auto* mm = new Mm(reg_, next_id(ObjKind::Mm));
  mm->dumpable = t->group_leader->dumpable;
  bool first = true;
  auto adopt = [&](Task* o) {
    // An exited task of the group still has the group's exec_state (7.2).
    if (o->state != TaskState::Reaped && !o->exec_mm) hold_exec_state(o, mm);
    if (o->state != TaskState::Running || o->mm) return;  // past exit_mm()
    if (!first) mm->get();
    first = false;
    o->mm = mm;
  };
  adopt(t);
  if (t->group_leader->nr_threads > 1)
    for (Task* o : tasks_)
      if (o && o->group_leader == t->group_leader) adopt(o);
  return mm;
}

void Kernel::mmput(Task* t) {
  if (t->vfork_parent) complete_vfork_done(t);  // mm_release()
  Mm* mm = t->mm;
  if (!mm) return;
  t->mm = nullptr;
  if (!mm->put()) return;
  // __mmput(): exit_mmap() and set_mm_exe_file(NULL) drop the mapped files;
  // __mmdrop(): the user_ns reference (with Feature::TaskExecState the mm
  // has none: task->exec_state holds it, see put_exec_state()).
  for (File*& f : mm->files)
    if (f) fput(f), f = nullptr;
  mm->users_gone = true;
  if (!has(Feature::TaskExecState)) {
    if (UserNamespace* u = mm->user_ns) put_ns(u, "mm");
    mm->user_ns = nullptr;
  }
  if (mm->exec_refs == 0) delete mm;
}

// kernel/exec_state.c @ v7.2: copy_exec_state() (fork: CLONE_VM shares the
// parent's, else a copy with its own user_ns reference: that is the one the
// model's new mm took), exec_mmap() (a new one for the new mm).
void Kernel::hold_exec_state(Task* t, Mm* mm) {
  if (!has(Feature::TaskExecState) || !mm) return;
  ++mm->exec_refs;
  t->exec_mm = mm;
}

// put_task_exec_state(): by free_task() once the task is reaped (RCU later),
// or by exec for the state it replaces. The last one drops the user namespace
// (after another grace period: __free_task_exec_state()).
void Kernel::put_exec_state(Task* t) {
  Mm* mm = t->exec_mm;
  if (!mm) return;
  t->exec_mm = nullptr;
  if (--mm->exec_refs > 0) return;
  if (UserNamespace* u = mm->user_ns) put_ns(u, "exec_state");
  mm->user_ns = nullptr;
  if (mm->users_gone) delete mm;
}

void Kernel::complete_vfork_done(Task* child) {
  Task* parent = child->vfork_parent;
  child->vfork_parent = nullptr;
  parent->in_vfork = false;
  NSSIM_EVENT(trace, "complete_vfork_done", "{} gave the mm back: {} wakes from vfork()", child->comm, parent->comm);
}

// do_exit() order: exit_files(), exit_fs(), exit_task_namespaces(), then
// exit_notify() makes the zombie — so a zombie's nsproxy links are gone.
void Kernel::do_exit_quiet(Task* t, int code) {
  t->exit_code = code;
  // exit_mm(): the dumpability is saved, then mmput() (and a vfork parent
  // wakes: exit_mm_release()). (On the kernel the user_ns drop of the last
  // user can lag: a CPU that goes idle keeps the mm as its lazy-TLB mm until
  // it runs another task.)
  t->user_dumpable = mm_dumpable(t);
  if (t->in_vfork) {
    // Killed while asleep in vfork(): wait_for_vfork_done() detaches the child.
    for (Task* o : tasks_)
      if (o && o->vfork_parent == t) o->vfork_parent = nullptr;
    t->in_vfork = false;
  }
  mmput(t);
  exit_files(t);
  if (t->fs) {
    put_fs_struct(t->fs);
    t->fs = nullptr;
  }
  exit_task_namespaces(t);
  cgroup_exit(t);
  exit_notify(t);
}

// lib/is_single_threaded.c: current_is_single_threaded() @ v6.12: no other
// live thread in the group, and no other process using the mm (a CLONE_VM
// child or creator: found by nssim fuzz --real, setns into a time namespace
// is EUSERS for them).
bool Kernel::current_is_single_threaded(const Task* t) const {
  if (t->group_leader->nr_threads > 1)
    for (Task* o : tasks_)
      if (o && o != t && o->group_leader == t->group_leader && o->state == TaskState::Running) return false;
  return !t->mm || t->mm->refs() == 1;  // the group's other users let go of it in exit_mm()
}

std::vector<Task*> Kernel::group_children(const Task* t) const {
  std::vector<Task*> out = t->group_leader->children();
  if (t->group_leader->nr_threads > 1)
    for (Task* o : tasks_)
      if (o && o != t->group_leader && o->group_leader == t->group_leader)
        for (Task* c : o->children()) out.push_back(c);
  return out;
}

// kernel/exit.c: find_alive_thread() @ v6.18: another live thread of the group.
Task* Kernel::find_alive_thread(Task* father) {
  if (father->group_leader->nr_threads <= 1) return nullptr;  // threads are rare: scan only then
  for (Task* t : tasks_)
    if (t && t != father && t->group_leader == father->group_leader && t->state == TaskState::Running) return t;
  return nullptr;
}

// kernel/exit.c: find_child_reaper() @ v6.18: the father's pid namespace's
// reaper. If the father is that reaper, a live thread takes over; with none,
// every other task of the namespace is killed first (zap_pid_ns_processes()).
Task* Kernel::find_child_reaper(Task* father) {
  PidNamespace* pid_ns = task_active_pid_ns(father);
  Task* reaper = pid_ns->child_reaper;
  if (reaper != father) return reaper;
  if (!pid_ns->adding) return father;  // already zapped: init resuming its exit
  if (Task* t = find_alive_thread(father)) {
    pid_ns->child_reaper = t;
    return t;
  }
  zap_pid_ns_processes(pid_ns, father);
  return father;
}

// kernel/exit.c: find_new_reaper() @ v6.18: orphans go to a live thread of
// the same group first (found by nssim fuzz --real: a leader exiting while a
// thread lives keeps its children in the group); then, when the father's
// group has_child_subreaper, to a live thread of the nearest ancestor that is
// a subreaper, walking up real_parent while the pid level stays the
// father's (not out of its pid namespace); else to the pid namespace's
// child_reaper.
Task* Kernel::find_new_reaper(Task* father, Task* child_reaper) {
  if (Task* t = find_alive_thread(father)) return t;
  if (father->group_leader->has_child_subreaper) {
    const size_t level = father->thread_pid->numbers.size();
    for (Task* r = father->real_parent; r && r->thread_pid && r->thread_pid->numbers.size() == level;
         r = r->real_parent) {
      if (!r->group_leader->is_child_subreaper) continue;
      // Any live thread of the subreaper's group, in thread-list order
      // (the leader first): r itself counts here, unlike the father.
      Task* t = r->group_leader->state == TaskState::Running ? r->group_leader : find_alive_thread(r->group_leader);
      if (t) {
        NSSIM_EVENT(trace, "find_new_reaper", "{} is a subreaper", t->comm);
        return t;
      }
    }
  }
  return child_reaper;
}

void Kernel::forget_original_parent(Task* father) {
  Task* reaper = find_child_reaper(father);
  if (father->state == TaskState::Exiting) return;  // waiting in zap_pid_ns_processes()
  if (!father->first_child) return;
  reaper = find_new_reaper(father, reaper);
  NSSIM_SCOPE(s, trace, "forget_original_parent", "{}'s children -> {}", father->comm, reaper->comm);
  for (Task* c : father->children()) {
    father->unlink_child(c);
    c->real_parent = reaper;
    // for_each_thread(): the child's other threads get the new real_parent
    // too (kernel/exit.c: forget_original_parent() @ v6.12), so a thread's
    // later clone(CLONE_PARENT) makes a child of the reaper. Found by nssim
    // fuzz --real (a thread's CLONE_PARENT child after its group's parent
    // exited: the model said wait() ECHILD, the kernel 0).
    if (c->nr_threads > 1)  // threads are rare: scan only then
      for (Task* t : tasks_)
        if (t && t != c && t->group_leader == c) t->real_parent = reaper;
    if (reaper->group_leader != father->group_leader)
      c->exit_signal = SIGCHLD_NR;  // reparent_leader(): "we don't want people slaying init"
    reaper->link_child(c);
    NSSIM_EVENT(trace, "reparent", "{} ({}) now a child of {}", c->comm, task_state_name(c->state), reaper->comm);
  }
}

// kernel/pid_namespace.c: zap_pid_ns_processes() @ v6.18: no more forks
// (disable_pid_allocation()), SIGKILL to every other task with a pid in the
// namespace (nested namespaces included), reap own children, then wait until
// only init's pid is left (tasks whose parent is outside keep init waiting).
void Kernel::zap_pid_ns_processes(PidNamespace* ns, Task* init) {
  NSSIM_SCOPE(s, trace, "zap_pid_ns_processes", "init {} of {} exits", init->comm, ns_str(ns));
  ns->adding = false;
  NSSIM_EVENT(trace, "disable_pid_allocation", "{}: further forks into it fail ENOMEM", ns_str(ns));
  // Victims in pid order in `ns` (idr_for_each_entry_continue from nr 2).
  std::vector<std::pair<uint32_t, Task*>> victims;
  for (Task* t : tasks_) {
    if (ns->pid_allocated <= 1) break;  // only init's pid: nobody to kill
    if (!t || t == init || t->state != TaskState::Running || !t->thread_pid) continue;
    for (auto& n : t->thread_pid->numbers)
      if (n.ns == ns) victims.push_back({n.nr, t});
  }
  std::sort(victims.begin(), victims.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [nr, t] : victims) {
    if (t->state != TaskState::Running) continue;  // died in a nested zap already
    NSSIM_SCOPE(k, trace, "SIGKILL", "{} (pid {} in {})", t->comm, nr, ns_str(ns));
    do_exit_quiet(t, 9);
  }
  // kernel_wait4(-1, __WALL) until ECHILD: init reaps its zombie children;
  // reaping one may let a nested init finish dying and become reapable too.
  for (bool again = true; again;) {
    again = false;
    for (Task* c : group_children(init))
      if (c->state == TaskState::Zombie && c->nr_threads <= 1) {
        NSSIM_EVENT(trace, "kernel_wait4", "{} reaps {}", init->comm, c->comm);
        release_task(c);
        again = true;
      }
  }
  // init_pids: a thread that is not the leader also counts the leader's pid.
  if (ns->pid_allocated > (init->is_leader() ? 1u : 2u)) {
    init->state = TaskState::Exiting;
    NSSIM_EVENT(trace, "zap_pid_ns_processes",
                "{} pid(s) of {} still held by zombies whose parents are outside: {} waits", ns->pid_allocated - 1,
                ns_str(ns), init->comm);
  }
}

// kernel/exit.c: exit_notify() @ v6.18.
void Kernel::exit_notify(Task* tsk) {
  NSSIM_SCOPE(s, trace, "exit_notify", "{}", tsk->comm);
  forget_original_parent(tsk);
  if (tsk->state == TaskState::Exiting) return;
  if (!tsk->is_leader()) {
    // A thread that is not the leader is reaped at once (exit_signal -1).
    --tsk->group_leader->nr_threads;
    tsk->state = TaskState::Zombie;
    NSSIM_EVENT(trace, "exit_notify", "{} is a thread: released at once", tsk->comm);
    release_task(tsk);
    return;
  }
  tsk->state = TaskState::Zombie;
  // do_notify_parent(): an init waiting in zap_pid_ns_processes() ignores
  // SIGCHLD (zap set SIG_IGN), so a child that dies now is reaped at once
  // (autoreap). Found by nssim fuzz --real: a nested init whose last child
  // died while it waited stayed a zombie in the model.
  if (Task* parent = tsk->real_parent; parent && parent->group_leader->state == TaskState::Exiting) {
    NSSIM_EVENT(trace, "do_notify_parent", "{} waits in zap_pid_ns_processes() ignoring SIGCHLD: {} is autoreaped",
                parent->comm, tsk->comm);
    release_task(tsk);
    return;
  }
  NSSIM_EVENT(trace, "exit_notify", "{} is a zombie until {} waits", tsk->comm,
              tsk->real_parent ? tsk->real_parent->comm : std::string("its parent (outside the scenario)"));
}

// kernel/exit.c: release_task() @ v6.18: detach the pid (its numbers are
// freed now; the struct pid lives on while a pidfd holds it), drop the cred,
// unlink from the parent.
void Kernel::release_task(Task* p) {
  NSSIM_SCOPE(s, trace, "release_task", "{} reaped", p->comm);
  if (p->real_parent && p->is_leader()) p->real_parent->unlink_child(p);
  Pid* pid = p->thread_pid;
  p->thread_pid = nullptr;
  pid->task = nullptr;
  // free_pid(): the numbers go now (and with them the reason an init waiting
  // in zap_pid_ns_processes() waits); the struct may live on in a pidfd.
  // One per level at most; on the stack (no heap on every reap) for every
  // level the kernel allows.
  PidNamespace* waiting_buf[MAX_PID_NS_LEVEL + 1];
  std::unique_ptr<PidNamespace*[]> waiting_heap;
  PidNamespace** waiting = waiting_buf;
  if (pid->numbers.size() > std::size(waiting_buf)) {
    waiting_heap = std::make_unique<PidNamespace*[]>(pid->numbers.size());
    waiting = waiting_heap.get();
  }
  uint32_t n_waiting = 0;
  for (auto& n : pid->numbers) {
    size_t w = n.nr / 64;
    n.ns->used[w] &= ~(1ULL << (n.nr % 64));
    --n.ns->pid_allocated;
    Task* r = n.ns->child_reaper;
    if (r && r->state == TaskState::Exiting && n.ns->pid_allocated == (r->is_leader() ? 1u : 2u))
      waiting[n_waiting++] = n.ns;
  }
  put_pid(pid);
  put_cred(p->cred, "task released");
  p->cred = nullptr;
  put_exec_state(p);  // free_task(), after the RCU grace period of put_task_struct_rcu_user()
  p->state = TaskState::Reaped;
  tasks_.release(p->id);
  delete p;
  // An init waiting in zap_pid_ns_processes() resumes once only its own pid is left.
  for (uint32_t i = 0; i < n_waiting; ++i) {
    PidNamespace* ns = waiting[i];
    Task* r = ns->child_reaper;
    if (r && r->state == TaskState::Exiting) {
      NSSIM_SCOPE(w, trace, "zap_pid_ns_processes", "{}: last other pid gone, {} finishes exiting", ns_str(ns), r->comm);
      r->state = TaskState::Running;
      exit_notify(r);
    }
  }
}

// wait4(pid, &status, __WALL | WNOHANG, NULL): kernel/exit.c: do_wait().
Result<bool> Kernel::sys_wait4(Task* cur, Task* child) {
  NSSIM_SCOPE(s, trace, "wait4", "{}", child ? child->comm : "?");
  if (!child || !child->is_leader() || !child->real_parent ||
      child->real_parent->group_leader != cur->group_leader)
    return fail(ECHILD);
  if (child->state != TaskState::Zombie) {
    NSSIM_EVENT(trace, "wait4", "{} has not exited: WNOHANG returns 0", child->comm);
    return false;
  }
  if (child->nr_threads > 1) return false;  // delay_group_leader()
  release_task(child);
  return true;
}

}  // namespace nssim
