# Found by `nssim fuzz --real --seed 1050`: mount checks may_mount() (EPERM)
# before it looks the source up, so an unprivileged bind mount of a reaped
# task's /proc/PID/ns file is EPERM, not ENOENT.
init: clone(0) -> gone
gone: exit(0)
init: wait(gone)
init: clone(CLONE_NEWUSER) -> u
u: mount("/proc/gone/ns/net", "/run/netns/z", MS_BIND) = EPERM
init: mount("/proc/gone/ns/net", "/run/netns/z", MS_BIND) = ENOENT
