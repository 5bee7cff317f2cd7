# Found by `nssim fuzz --real --seed 3004`: setns to a time namespace needs a
# single-threaded caller (EUSERS otherwise), but "single-threaded" is
# current_is_single_threaded() (lib/is_single_threaded.c @ v6.18): a zombie
# group leader does not count, only other live threads do
# (kernel/time/namespace.c:timens_install() @ v6.18).
init: clone(0) -> p
p: thread() -> t
p: unshare(CLONE_NEWTIME)
p: open("/proc/init/ns/time") -> f
t: setns(f, CLONE_NEWTIME) = EUSERS  # the leader p is still running
p: exit(0)                           # the leader alone: a zombie while t lives
t: setns(f, CLONE_NEWTIME)           # now t is the only live thread
