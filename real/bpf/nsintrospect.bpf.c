// SPDX-License-Identifier: GPL-2.0
/* Kernel introspection for nssim: two BPF iterators (libbpf CO-RE) that write
 * binary records (nsintrospect.h) into their seq_file.
 *
 *   iter/task       one nsi_task per task (every thread, kernel threads too):
 *                   pid, tgid, nsproxy address and count, and inum + refcount
 *                   of the eight nsproxy slots, cred->user_ns and the active
 *                   pid namespace (thread_pid's deepest level); and what its
 *                   /proc status shows of it (ppid, state, ids, caps, NSpid).
 *   iter/task_file  one nsi_file per open file that pins a namespace: nsfs
 *                   files, pidfds, sockets, and files whose f_cred lies in a
 *                   non-initial user namespace.
 *
 * Both add an nsi_ns record (type, inum, refcount, owner, parent, level) for
 * every namespace they reach, and for its owner and parent chains, once per
 * pass: `seen` maps a namespace address to the pass (`gen`) that last emitted it.
 *
 * Field names differ between kernels; they are checked with CO-RE field
 * existence, never with version numbers:
 *   ns_common.__ns_ref (v6.18)  /  ns_common.count (v5.11..v6.17)   the refcount
 *   ns_common.ns_type (v6.18)   /  ns_common.ops->type (before)     CLONE_NEW* type
 *   ns_common.ns_id (v6.18)     /  none                              unique id
 *   nsproxy.count: refcount_t (v6.x) / atomic_t (before): both one int at the field's offset.
 * A kernel with none of the refcount fields reports NSI_REFS_UNKNOWN. */
/* vmlinux.h first: it defines every type the others use. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "nsintrospect.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define CLONE_NEWTIME 0x00000080
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000

#define NSFS_MAGIC 0x6e736673
#define PID_FS_MAGIC 0x50494446
#define SOCKFS_MAGIC 0x534F434B

/* Kernel flavours (libbpf strips the ___suffix when matching). */
struct ns_common___v618 {
  refcount_t __ns_ref;
  u32 ns_type;
  u64 ns_id;
} __attribute__((preserve_access_index));
struct ns_common___v511 {
  refcount_t count;
} __attribute__((preserve_access_index));
struct proc_ns_operations___old {
  int type;
} __attribute__((preserve_access_index));
struct ns_common___old {
  const struct proc_ns_operations___old *ops;
} __attribute__((preserve_access_index));

/* Set by user space before each pass; `seen` entries of older passes are stale. */
volatile __u64 gen = 0;
/* iter/task_file: only this tgid's files (0: every task's). */
volatile __s32 filter_tgid = 0;
/* Namespaces that could not be queued (work list full); user space reports them. */
volatile __u64 dropped = 0;

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, __u64);
} seen SEC(".maps");

#define NSI_WORK 64 /* power of two */
struct work {
  __u64 addr[NSI_WORK];
  __u32 type[NSI_WORK];
  __u32 n; /* queued entries */
};
/* Per-CPU scratch: iterators run with migration disabled, and each nssim
 * process loads its own copy of this map; kernel_introspect.cc runs one pass at a time. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct work);
} scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct nsi_task);
} task_buf SEC(".maps");

static __always_inline __u32 read_u32_at(const void *base, __u32 off) {
  __u32 v = NSI_REFS_UNKNOWN;
  bpf_probe_read_kernel(&v, sizeof v, (const char *)base + off);
  return v;
}

static __always_inline __u32 ns_refs(const struct ns_common *ns) {
  if (!ns) return 0;
  if (bpf_core_field_exists(struct ns_common___v618, __ns_ref))
    return read_u32_at(ns, bpf_core_field_offset(struct ns_common___v618, __ns_ref));
  if (bpf_core_field_exists(struct ns_common___v511, count))
    return read_u32_at(ns, bpf_core_field_offset(struct ns_common___v511, count));
  return NSI_REFS_UNKNOWN;
}

static __always_inline __u32 ns_type(const struct ns_common *ns) {
  if (bpf_core_field_exists(struct ns_common___v618, ns_type))
    return BPF_CORE_READ((const struct ns_common___v618 *)ns, ns_type);
  const struct ns_common___old *o = (const void *)ns;
  return BPF_CORE_READ(o, ops, type);
}

static __always_inline __u64 ns_id(const struct ns_common *ns) {
  if (bpf_core_field_exists(struct ns_common___v618, ns_id))
    return BPF_CORE_READ((const struct ns_common___v618 *)ns, ns_id);
  return 0;
}

/* The ns_common embedded in a namespace object (NULL stays NULL). */
#define NS_OF(p, T) ((p) ? (__u64)(p) + bpf_core_field_offset(T, ns) : 0)
/* The namespace object around an ns_common. */
#define CONTAINER(addr, T) ((T *)((addr)-bpf_core_field_offset(T, ns)))

/* Fills *r from a namespace object pointer `obj` whose ns_common is at
 * `ns_off`. A global function: the verifier checks it once, not once per
 * call site and branch (ten calls with NULL checks would multiply the paths). */
__noinline int nsref(struct nsi_nsref *r, __u64 obj, __u32 ns_off) {
  if (!r) return 0;
  if (!obj) {
    r->addr = 0;
    r->inum = 0;
    r->refs = 0;
    return 0;
  }
  __u64 addr = obj + ns_off;
  r->addr = addr;
  r->inum = BPF_CORE_READ((struct ns_common *)addr, inum);
  r->refs = ns_refs((struct ns_common *)addr);
  return 0;
}

/* Queue `addr` unless this pass has seen it. */
static __noinline void push(struct work *w, __u64 addr, __u32 type) {
  if (!w || !addr) return;
  __u64 *g = bpf_map_lookup_elem(&seen, &addr);
  if (g && *g == gen) return;
  __u64 now = gen;
  bpf_map_update_elem(&seen, &addr, &now, BPF_ANY);
  __u32 n = w->n;
  if (n >= NSI_WORK) {
    __sync_fetch_and_add(&dropped, 1);
    return;
  }
  w->addr[n & (NSI_WORK - 1)] = addr;
  w->type[n & (NSI_WORK - 1)] = type;
  w->n = n + 1;
}

struct drain_ctx {
  struct seq_file *seq;
  struct work *w;
};

/* bpf_loop() body: emits an nsi_ns for the last queued namespace and queues
 * its owner and parent; stops when the queue is empty. */
static long drain_one(__u32 i, void *c) {
  struct drain_ctx *d = c;
  struct work *w = d->w;
  if (!w) return 1;
  __u32 n = w->n;
  if (n == 0 || n > NSI_WORK) return 1;
  n--;
  w->n = n;
  __u64 addr = w->addr[n & (NSI_WORK - 1)];
  __u32 type = w->type[n & (NSI_WORK - 1)];
  const struct ns_common *ns = (const struct ns_common *)addr;
  struct nsi_ns r = {};
  r.rec = NSI_REC_NS;
  r.size = sizeof r;
  r.addr = addr;
  r.type = type;
  r.inum = BPF_CORE_READ(ns, inum);
  r.refs = ns_refs(ns);
  r.ns_id = ns_id(ns);
  struct user_namespace *owner = 0;
  if (type == CLONE_NEWUSER) {
    struct user_namespace *u = CONTAINER(addr, struct user_namespace);
    owner = BPF_CORE_READ(u, parent); /* a user namespace's owner is its parent */
    r.parent = NS_OF(owner, struct user_namespace);
    r.level = BPF_CORE_READ(u, level);
  } else if (type == CLONE_NEWPID) {
    struct pid_namespace *p = CONTAINER(addr, struct pid_namespace);
    owner = BPF_CORE_READ(p, user_ns);
    r.parent = NS_OF(BPF_CORE_READ(p, parent), struct pid_namespace);
    r.level = BPF_CORE_READ(p, level);
  } else if (type == CLONE_NEWUTS) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct uts_namespace), user_ns);
  } else if (type == CLONE_NEWIPC) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct ipc_namespace), user_ns);
  } else if (type == CLONE_NEWNS) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct mnt_namespace), user_ns);
  } else if (type == CLONE_NEWNET) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct net), user_ns);
  } else if (type == CLONE_NEWCGROUP) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct cgroup_namespace), user_ns);
  } else if (type == CLONE_NEWTIME) {
    owner = BPF_CORE_READ(CONTAINER(addr, struct time_namespace), user_ns);
  }
  r.owner = NS_OF(owner, struct user_namespace);
  bpf_seq_write(d->seq, &r, sizeof r);
  push(w, r.owner, CLONE_NEWUSER);
  if (type == CLONE_NEWPID) push(w, r.parent, CLONE_NEWPID);
  return 0;
}

static __always_inline void drain(struct seq_file *seq, struct work *w) {
  struct drain_ctx d = {seq, w};
  bpf_loop(NSI_STEPS, drain_one, &d, 0);
}

static __always_inline struct work *get_work(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&scratch, &zero);
}

/* The pid_namespace of a struct pid's deepest level (ns_of_pid()), 0 for NULL. */
static __always_inline __u64 pid_ns_obj(struct pid *pid) {
  __u32 level = BPF_CORE_READ(pid, level);
  struct upid up = {};
  bpf_probe_read_kernel(&up, sizeof up, &pid->numbers[level & 63]);
  return (__u64)up.ns;
}

/* A struct pid's number at `level` (pid_nr_ns()); the iterators only visit
 * tasks of the reader's pid namespace, so the reader's level always exists. */
static __always_inline __s32 pid_nr_at(struct pid *pid, __u32 level) {
  struct upid up = {};
  bpf_probe_read_kernel(&up, sizeof up, &pid->numbers[level & 63]);
  return up.nr;
}

/* The level of the reading process's pid namespace. */
static __always_inline __u32 reader_level(void) {
  struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
  return BPF_CORE_READ(cur, thread_pid, level);
}

/* The reading process's pid namespace. */
static __always_inline __u64 reader_ns(void) {
  struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
  struct pid *p = BPF_CORE_READ(cur, thread_pid);
  return pid_ns_obj(p);
}

/* pid_nr_ns(): a struct pid's number in the reader's namespace, 0 when it has none there. */
static __always_inline __s32 pid_nr_reader(struct pid *pid, __u32 lvl, __u64 rns) {
  if (!pid || BPF_CORE_READ(pid, level) < lvl) return 0;
  struct upid up = {};
  bpf_probe_read_kernel(&up, sizeof up, &pid->numbers[lvl & 63]);
  return (__u64)up.ns == rns ? up.nr : 0;
}

struct task_struct___old {
  long state;
} __attribute__((preserve_access_index));

/* The fields of /proc/PID/task/TID/status a snapshot shows (fs/proc/array.c:
 * proc_pid_status(): task_state(), task_cap()): ppid, state, ids, caps, NSpid. */
static __noinline int status_fields(struct nsi_task *r, struct task_struct *task) {
  if (!r || !task) return 0;
  __u32 lvl = reader_level();
  __u64 rns = reader_ns();
  struct pid *tp = BPF_CORE_READ(task, thread_pid);
  if (tp) r->ppid = pid_nr_reader(BPF_CORE_READ(task, real_parent, group_leader, thread_pid), lvl, rns);
  if (bpf_core_field_exists(task->__state))
    r->state = BPF_CORE_READ(task, __state);
  else
    r->state = (__u32)BPF_CORE_READ((struct task_struct___old *)task, state);
  const struct cred *c = BPF_CORE_READ(task, real_cred);
  r->uids[0] = BPF_CORE_READ(c, uid.val);
  r->uids[1] = BPF_CORE_READ(c, euid.val);
  r->uids[2] = BPF_CORE_READ(c, suid.val);
  r->uids[3] = BPF_CORE_READ(c, fsuid.val);
  r->gids[0] = BPF_CORE_READ(c, gid.val);
  r->gids[1] = BPF_CORE_READ(c, egid.val);
  r->gids[2] = BPF_CORE_READ(c, sgid.val);
  r->gids[3] = BPF_CORE_READ(c, fsgid.val);
  /* kernel_cap_t: one u64 (v6.3+) or two u32 (before): the same 8 bytes on little-endian. */
  bpf_probe_read_kernel(&r->caps[0], 8, &c->cap_inheritable);
  bpf_probe_read_kernel(&r->caps[1], 8, &c->cap_permitted);
  bpf_probe_read_kernel(&r->caps[2], 8, &c->cap_effective);
  bpf_probe_read_kernel(&r->caps[3], 8, &c->cap_bset);
  if (bpf_core_field_exists(c->cap_ambient)) bpf_probe_read_kernel(&r->caps[4], 8, &c->cap_ambient);
  if (!tp) return 0;
  __u32 top = BPF_CORE_READ(tp, level);
  __u32 n = 0;
  for (__u32 i = 0; i < NSI_NSPID_MAX; i++) {
    __u32 g = lvl + i;
    if (g > top) break;
    struct upid up = {};
    bpf_probe_read_kernel(&up, sizeof up, &tp->numbers[g & 63]);
    r->nspid[i] = up.nr;
    n = i + 1;
  }
  r->nspid_n = n;
  return 0;
}

/* pid and tgid of `task` as the reader's pid namespace numbers them. */
static __always_inline void reader_ids(struct task_struct *task, __s32 *pid, __s32 *tgid) {
  __u32 lvl = reader_level();
  *pid = pid_nr_at(BPF_CORE_READ(task, thread_pid), lvl);
  *tgid = pid_nr_at(BPF_CORE_READ(task, group_leader, thread_pid), lvl);
}

SEC("iter/task")
int nsi_task(struct bpf_iter__task *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;
  if (!task) return 0;
  struct work *w = get_work();
  if (!w) return 0;

  /* The record lives in a per-CPU map: it is larger than the BPF stack allows. */
  __u32 zero = 0;
  struct nsi_task *rp = bpf_map_lookup_elem(&task_buf, &zero);
  if (!rp) return 0;
  __builtin_memset(rp, 0, sizeof *rp);
  rp->rec = NSI_REC_TASK;
  rp->size = sizeof *rp;
  reader_ids(task, &rp->pid, &rp->tgid);
  rp->flags = BPF_CORE_READ(task, flags);
  rp->exit_state = BPF_CORE_READ(task, exit_state);
  BPF_CORE_READ_STR_INTO(&rp->comm, task, comm);

  struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
  rp->nsproxy = (__u64)nsp;
  if (nsp) rp->nsproxy_count = read_u32_at(nsp, bpf_core_field_offset(struct nsproxy, count));
  struct pid_namespace *pfc = BPF_CORE_READ(nsp, pid_ns_for_children);
  if (pfc && !BPF_CORE_READ(pfc, child_reaper)) rp->task_flags |= NSI_TASK_PFC_NO_REAPER;
  /* BPF_CORE_READ of a NULL nsproxy yields NULL slots. */
  nsref(&rp->ns[NSI_UTS], (__u64)BPF_CORE_READ(nsp, uts_ns), bpf_core_field_offset(struct uts_namespace, ns));
  nsref(&rp->ns[NSI_IPC], (__u64)BPF_CORE_READ(nsp, ipc_ns), bpf_core_field_offset(struct ipc_namespace, ns));
  nsref(&rp->ns[NSI_MNT], (__u64)BPF_CORE_READ(nsp, mnt_ns), bpf_core_field_offset(struct mnt_namespace, ns));
  nsref(&rp->ns[NSI_PID_FOR_CHILDREN], (__u64)BPF_CORE_READ(nsp, pid_ns_for_children),
        bpf_core_field_offset(struct pid_namespace, ns));
  nsref(&rp->ns[NSI_NET], (__u64)BPF_CORE_READ(nsp, net_ns), bpf_core_field_offset(struct net, ns));
  nsref(&rp->ns[NSI_TIME], (__u64)BPF_CORE_READ(nsp, time_ns), bpf_core_field_offset(struct time_namespace, ns));
  nsref(&rp->ns[NSI_TIME_FOR_CHILDREN], (__u64)BPF_CORE_READ(nsp, time_ns_for_children),
        bpf_core_field_offset(struct time_namespace, ns));
  nsref(&rp->ns[NSI_CGROUP], (__u64)BPF_CORE_READ(nsp, cgroup_ns), bpf_core_field_offset(struct cgroup_namespace, ns));
  nsref(&rp->ns[NSI_USER], (__u64)BPF_CORE_READ(task, real_cred, user_ns),
        bpf_core_field_offset(struct user_namespace, ns));
  nsref(&rp->ns[NSI_PID_ACTIVE], pid_ns_obj(BPF_CORE_READ(task, thread_pid)),
        bpf_core_field_offset(struct pid_namespace, ns));
  if (bpf_core_field_exists(struct cred, ucounts)) {
    struct ucounts *uc = BPF_CORE_READ(task, real_cred, ucounts);
    rp->ucounts = (__u64)uc;
    struct user_namespace *uns = BPF_CORE_READ(uc, ns);
    rp->ucounts_ns = uns ? BPF_CORE_READ(uns, ns.inum) : 0;
    rp->ucounts_uid = BPF_CORE_READ(uc, uid.val);
  }
  status_fields(rp, task);
  bpf_seq_write(seq, rp, sizeof *rp);

  w->n = 0;
  push(w, rp->ns[NSI_UTS].addr, CLONE_NEWUTS);
  push(w, rp->ns[NSI_IPC].addr, CLONE_NEWIPC);
  push(w, rp->ns[NSI_MNT].addr, CLONE_NEWNS);
  push(w, rp->ns[NSI_PID_FOR_CHILDREN].addr, CLONE_NEWPID);
  push(w, rp->ns[NSI_NET].addr, CLONE_NEWNET);
  push(w, rp->ns[NSI_TIME].addr, CLONE_NEWTIME);
  push(w, rp->ns[NSI_TIME_FOR_CHILDREN].addr, CLONE_NEWTIME);
  push(w, rp->ns[NSI_CGROUP].addr, CLONE_NEWCGROUP);
  push(w, rp->ns[NSI_USER].addr, CLONE_NEWUSER);
  push(w, rp->ns[NSI_PID_ACTIVE].addr, CLONE_NEWPID);
  drain(seq, w);
  return 0;
}

static __always_inline void emit_file(struct seq_file *seq, struct task_struct *task, int fd, __u32 kind, __u64 ns,
                                      __u32 type, __u32 dentry_refs) {
  struct nsi_file r = {};
  r.rec = NSI_REC_FILE;
  r.size = sizeof r;
  reader_ids(task, &r.pid, &r.tgid);
  r.fd = fd;
  r.kind = kind;
  r.ns = ns;
  r.inum = BPF_CORE_READ((struct ns_common *)ns, inum);
  r.type = type;
  r.dentry_refs = dentry_refs;
  bpf_seq_write(seq, &r, sizeof r);
}

SEC("iter/task_file")
int nsi_file(struct bpf_iter__task_file *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct file *file = ctx->file;
  struct task_struct *task = ctx->task;
  int fd = ctx->fd;
  if (!file || !task) return 0;
  if (filter_tgid) {
    __s32 pid, tgid;
    reader_ids(task, &pid, &tgid);
    if (tgid != filter_tgid) return 0;
  }
  struct work *w = get_work();
  if (!w) return 0;
  w->n = 0;

  struct inode *inode = BPF_CORE_READ(file, f_inode);
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  if (magic == NSFS_MAGIC) {
    struct ns_common *ns = BPF_CORE_READ(inode, i_private);
    if (ns) {
      __u32 type = ns_type(ns);
      emit_file(seq, task, fd, NSI_FILE_NSFS, (__u64)ns, type, BPF_CORE_READ(file, f_path.dentry, d_lockref.count));
      push(w, (__u64)ns, type);
    }
  } else if (magic == PID_FS_MAGIC) {
    /* pidfs keeps the struct pid in the inode (pidfd_pid()); file->private_data in some versions. */
    struct pid *pid = BPF_CORE_READ(inode, i_private);
    if (!pid) pid = BPF_CORE_READ(file, private_data);
    __u64 ns = NS_OF(pid_ns_obj(pid), struct pid_namespace);
    if (ns) {
      emit_file(seq, task, fd, NSI_FILE_PIDFD, ns, CLONE_NEWPID, 0);
      push(w, ns, CLONE_NEWPID);
    }
  } else if (magic == SOCKFS_MAGIC) {
    struct socket *sock = BPF_CORE_READ(file, private_data);
    struct net *net = BPF_CORE_READ(sock, sk, __sk_common.skc_net.net);
    __u64 ns = NS_OF(net, struct net);
    if (ns) {
      emit_file(seq, task, fd, NSI_FILE_SOCKET, ns, CLONE_NEWNET, 0);
      push(w, ns, CLONE_NEWNET);
    }
  }
  struct user_namespace *cu = BPF_CORE_READ(file, f_cred, user_ns);
  if (cu && BPF_CORE_READ(cu, level) > 0) {
    __u64 ns = NS_OF(cu, struct user_namespace);
    emit_file(seq, task, fd, NSI_FILE_CRED, ns, CLONE_NEWUSER, 0);
    push(w, ns, CLONE_NEWUSER);
  }
  drain(seq, w);
  return 0;
}
