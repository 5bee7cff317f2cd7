# Found by `nssim fuzz --real --seed 1`: a task in a child user namespace
# cannot open the /proc/PID/ns links of a task in the initial one, even with
# the same uid: security/commoncap.c:cap_ptrace_access_check() wants the same
# user namespace with a superset of the target's permitted capabilities, or
# CAP_SYS_PTRACE over the target's user namespace. The model allowed it.
init: clone(0) -> t1
init: unshare(CLONE_NEWUSER)
init: open("/proc/t1/ns/time") -> f = EACCES
init: open("/proc/self/ns/time") -> g = g
