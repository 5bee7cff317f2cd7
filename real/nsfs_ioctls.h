// Namespace-id ioctls (include/uapi/linux/nsfs.h): NS_GET_MNTNS_ID since 6.12
// (at the latest), NS_GET_ID since 6.18; older headers lack them. Shared by
// the agent and the controller.
#pragma once

#include <linux/nsfs.h>
#include <sys/ioctl.h>

#include <cstdint>

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, uint64_t)
#endif

// pidfd namespace ioctls (include/uapi/linux/pidfd.h, since 6.11): a pidfd's
// task's namespaces, each a new nsfs fd; the argument must be 0.
#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC 0xFF
#endif
#ifndef PIDFD_GET_CGROUP_NAMESPACE
#define PIDFD_GET_CGROUP_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 1)
#define PIDFD_GET_IPC_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 2)
#define PIDFD_GET_MNT_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 3)
#define PIDFD_GET_NET_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 4)
#define PIDFD_GET_PID_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 5)
#define PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 6)
#define PIDFD_GET_TIME_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 7)
#define PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 8)
#define PIDFD_GET_USER_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 9)
#define PIDFD_GET_UTS_NAMESPACE _IO(PIDFS_IOCTL_MAGIC, 10)
#endif

// pid translation on a pid namespace fd (include/uapi/linux/nsfs.h, since
// 6.11): the argument is a pid number, the result a pid number.
#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS _IOR(0xb7, 0x6, int)
#define NS_GET_TGID_FROM_PIDNS _IOR(0xb7, 0x7, int)
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#define NS_GET_TGID_IN_PIDNS _IOR(0xb7, 0x9, int)
#endif
