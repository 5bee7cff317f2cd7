/* Records the BPF iterators in nsintrospect.bpf.c write into their seq_file
 * and real/kernel_introspect.cc reads. Shared by the BPF program (types from
 * vmlinux.h) and user space (types from <linux/types.h>); every record starts
 * with `rec` (its kind) and `size` (its byte size), and has no implicit
 * padding, so both sides agree on the layout.
 *
 * Addresses (`addr`, `nsproxy`, `owner`, `parent`) are kernel addresses. They
 * never leave real/kernel_introspect.cc: nsproxies are exposed as a keyed hash
 * of the address, namespaces by inode number. */
#ifndef NSSIM_REAL_BPF_NSINTROSPECT_H
#define NSSIM_REAL_BPF_NSINTROSPECT_H

#define NSI_REC_TASK 1
#define NSI_REC_NS 2
#define NSI_REC_FILE 3

/* A refcount the running kernel's BTF has no known field for. */
#define NSI_REFS_UNKNOWN 0xffffffffu

/* Slots of nsi_task.ns: struct nsproxy's eight, in its field order, then the
 * task's cred user namespace and its active pid namespace. */
#define NSI_UTS 0
#define NSI_IPC 1
#define NSI_MNT 2
#define NSI_PID_FOR_CHILDREN 3
#define NSI_NET 4
#define NSI_TIME 5
#define NSI_TIME_FOR_CHILDREN 6
#define NSI_CGROUP 7
#define NSI_USER 8
#define NSI_PID_ACTIVE 9
#define NSI_NSLOTS 10

/* nsi_task.task_flags: pid_for_children has no child reaper yet, so
 * /proc/PID/ns/pid_for_children cannot be opened (fs/proc: pidns_for_children_get()). */
#define NSI_TASK_PFC_NO_REAPER 1

/* The most nsi_ns records one object (a task, a file) emits: the namespaces
 * it reaches and their owner and parent chains (one bpf_loop() step each). */
#define NSI_STEPS 128

/* MAX_PID_NS_LEVEL (32) + 1: the most numbers a struct pid has. */
#define NSI_NSPID_MAX 33

/* What an nsi_file record says about one open file. */
#define NSI_FILE_NSFS 1   /* an nsfs file (/proc/PID/ns/X, a bind mount of one): pins ns via its inode */
#define NSI_FILE_PIDFD 2  /* a pidfd (pidfs): pins a struct pid, which pins its deepest pid namespace */
#define NSI_FILE_SOCKET 3 /* a socket: pins its network namespace (sk->sk_net) */
#define NSI_FILE_CRED 4   /* f_cred of any file, when its user namespace is not the initial one */

struct nsi_nsref {
  __u64 addr; /* ns_common address, 0: none */
  __u32 inum;
  __u32 refs;
};

struct nsi_task {
  __u32 rec; /* NSI_REC_TASK */
  __u32 size;
  __s32 pid;        /* thread id, as the reader's pid namespace numbers it */
  __s32 tgid;       /* thread group id, likewise */
  __u32 flags;      /* task->flags (PF_KTHREAD 0x00200000) */
  __s32 exit_state; /* task->exit_state (EXIT_ZOMBIE 16, EXIT_DEAD 32) */
  __u64 nsproxy;    /* address, 0: none (exited) */
  __u32 nsproxy_count;
  __u32 task_flags; /* NSI_TASK_* */
  struct nsi_nsref ns[NSI_NSLOTS];
  char comm[16];
  __u64 ucounts;     /* real_cred->ucounts address, 0: none (kernels before v5.14) */
  __u32 ucounts_ns;  /* its ucounts->ns inum (alloc_ucounts() holds one reference on it) */
  __u32 ucounts_uid; /* its ucounts->uid (a kuid: the cred's euid) */
  /* What /proc/PID/task/TID/status shows, so a snapshot needs no per-task /proc read: */
  __s32 ppid;     /* real_parent's tgid as the reader numbers it, 0: not in the reader's pid namespace */
  __u32 state;    /* task->__state (fs/proc/array.c: task_state_index() with exit_state gives the letter) */
  __u32 uids[4];  /* real_cred uid, euid, suid, fsuid (kuids: the reader is in the initial user namespace) */
  __u32 gids[4];  /* real_cred gid, egid, sgid, fsgid */
  __u64 caps[5];  /* real_cred cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient */
  __u32 nspid_n;  /* entries of nspid */
  __u32 nspid[NSI_NSPID_MAX]; /* NSpid: thread_pid's numbers from the reader's level down to its own */
};

struct nsi_ns {
  __u32 rec; /* NSI_REC_NS */
  __u32 size;
  __u64 addr;   /* ns_common address */
  __u64 owner;  /* owner user namespace's ns_common address, 0: none (the initial user namespace) */
  __u64 parent; /* pid and user namespaces: the parent's ns_common address, 0: none */
  __u64 ns_id;  /* ns_common.ns_id (6.18: unique, never reused), 0: this kernel has none */
  __u32 type;   /* CLONE_NEW* value */
  __u32 inum;
  __u32 refs;
  __u32 level; /* pid and user namespaces: nesting level */
};

struct nsi_file {
  __u32 rec; /* NSI_REC_FILE */
  __u32 size;
  __s32 pid; /* the task whose fd table was walked (reader's pid numbers; a leader unless files are unshared) */
  __s32 tgid;
  __s32 fd;
  __u32 kind; /* NSI_FILE_* */
  __u64 ns;   /* ns_common address of the namespace it pins */
  __u32 inum;
  __u32 type;        /* CLONE_NEW* value */
  __u32 dentry_refs; /* NSI_FILE_NSFS: the nsfs dentry's d_lockref.count (its open files + mounts) */
  __u32 pad;
};

#endif
