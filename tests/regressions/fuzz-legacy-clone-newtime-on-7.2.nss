# Found by `nssim fuzz --real --vm 7.2` (seeds 7200, 7201, 7204): legacy clone
# carries its exit signal in the low byte of the flags (CSIGNAL), so
# CLONE_NEWTIME (0x80) makes it 0x80|SIGCHLD = 145. Since 7.1 kernel_clone()
# refuses an exit signal above _NSIG (64) for every caller (kernel/fork.c:
# kernel_clone() @ v7.2: valid_signal()), from a process and a thread alike;
# 6.18 and before take it and make no time namespace. clone3 is unchanged.
# docs/kernels.md, row clone-valid-exit-signal. Checked live with
# nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: clone(CLONE_NEWTIME) -> a = EINVAL
init: thread() -> th
th: clone(CLONE_NEWTIME) -> b = EINVAL
th: clone(CLONE_NEWTIME|CLONE_NEWUTS) -> c = EINVAL
init: clone3(CLONE_NEWTIME) -> d       # clone3 has a field of its own for the signal
expect d.time != init.time
th: clone(0) -> e                      # plain clones are fine
expect e.time == init.time
