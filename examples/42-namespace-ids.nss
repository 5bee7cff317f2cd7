# Namespace ids: ioctl(FD, NS_GET_ID) on Debian sid's kernel (7.2). Every
# namespace has a 64-bit id that is never reused while the kernel runs (a freed
# namespace's number does not come back, unlike its inode number). Since 6.19
# the boot's namespaces have fixed ids (include/uapi/linux/nsfs.h: ipc 1, uts 2,
# user 3, pid 4, cgroup 5, time 6, net 7, mnt 8) and later ones count up from
# 10 (kernel/nstree.c: __ns_tree_gen_id()). On 6.18 the ids come from per-CPU
# batches, unpredictable, and before 6.18 NS_GET_ID is ENOTTY. With --real the
# kernel's ids are compared by identity and order, not by number: the live
# run's uts, pid and mnt namespaces are the sandbox's, not the boot's.
# docs/kernels.md, rows ns-get-id, ns-get-mntns-id, fixed-init-ns-ids. Checked
# live with nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: open("/proc/self/ns/user") -> u
init: ioctl(u, NS_GET_ID) = 3                # USER_NS_INIT_ID
init: open("/proc/self/ns/net") -> n
init: ioctl(n, NS_GET_ID) = 7                # NET_NS_INIT_ID
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> c  # uts is made before net (create_new_namespaces())
let CU = c.uts
init: open("/proc/c/ns/uts") -> cu
init: ioctl(cu, NS_GET_ID) = 10              # the first id after NS_LAST_INIT_ID + 1
init: open("/proc/c/ns/net") -> cn
init: ioctl(cn, NS_GET_ID) = 11              # one id space for every type
init: ioctl(cn, NS_GET_MNTNS_ID) = EINVAL    # only for a mount namespace
init: open("/proc/self/ns/mnt") -> m
init: ioctl(m, NS_GET_MNTNS_ID) = 8          # the same number as NS_GET_ID (6.12: a mount-only sequence)
init: ioctl(m, NS_GET_ID) = 8
c: exit(0)
init: wait(c) = c
init: close(cu)
init: close(cn)
expect dead(CU)                              # freed: its id is never handed out again
init: clone(CLONE_NEWUTS) -> d
init: open("/proc/d/ns/uts") -> du
init: ioctl(du, NS_GET_ID) = 12              # 10 is not reused
