# Found by `nssim fuzz --real --seed 26`: a zombie keeps the dumpability its mm
# had at exit; after a credential change (setuid) the mm is not dumpable, so
# a same-uid caller without CAP_SYS_PTRACE gets EACCES on the zombie's
# /proc/PID/ns links — not ENOENT as for a dumpable zombie (verified on 6.18.44).
init: setuid(1000)
init: clone3(0) -> t2
t2: clone(0) -> t3
t3: exit(2)
t2: open("/proc/t3/ns/net") -> f = EACCES
t2: prctl(PR_SET_DUMPABLE, 1)
t2: clone(0) -> t4
t4: prctl(PR_SET_DUMPABLE, 1)
t4: exit(0)
t2: open("/proc/t4/ns/net") -> g = ENOENT
