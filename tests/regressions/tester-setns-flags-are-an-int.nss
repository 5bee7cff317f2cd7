# kernel/nsproxy.c: SYSCALL_DEFINE2(setns, int, fd, int, flags) @ v6.18: the
# flags are an int. Bits 32-63 never reach the kernel (0x100000000 is 0: any
# type); a pidfd's check_setns_flags() sees bit 31 sign-extended: EINVAL.
# ksys_unshare() takes unsigned long and refuses the high bits. Found by a
# tester: the model compared all 64 bits of setns flags, and the --real agent
# passed unshare() flags through glibc's int.
init: clone(CLONE_NEWNET|CLONE_NEWUTS) -> x
init: open("/proc/x/ns/net") -> n
init: setns(n, 0x100000000) = 0
expect init.net == x.net
init: pidfd_open(x) -> p
init: setns(p, 0x80000000|CLONE_NEWUTS) = EINVAL
init: setns(p, 0x100000000|CLONE_NEWUTS) = 0
expect init.uts == x.uts
init: unshare(0x100000000) = EINVAL
init: unshare(0x100000000|CLONE_NEWIPC) = EINVAL
