# Found by `nssim fuzz --real --seed 2`: opening /proc/PID/setgroups for
# writing without CAP_SYS_ADMIN in that task's user namespace is EACCES
# (kernel/user_namespace.c:proc_setgroups_open()), not EPERM.
init: clone(CLONE_NEWUSER) -> u
u: write("/proc/init/setgroups", "allow") = EACCES
