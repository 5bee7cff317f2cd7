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
