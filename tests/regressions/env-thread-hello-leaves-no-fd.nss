# Each new task reports its pid namespace to nssim with an fd (SCM_RIGHTS); a
# thread shares its leader's fd table, so until the thread closed its copy,
# nssim saw an extra `pid:[...]` fd in init's table (nssim fuzz --real, seed
# 61). nssim now waits for one more round trip before it observes.
init: open("/proc/init/ns/time") -> f2
init: open("/proc/init/ns/net") -> f3
init: thread() -> t1
t1: thread() -> t2
init: clone(0) -> c
c: thread() -> ct
