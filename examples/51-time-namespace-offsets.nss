# A time namespace's clock offsets: write("/proc/T/timens_offsets", "CLOCK SECS NSECS")
# sets the CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets of T's time_for_children
# namespace (unshare --time --monotonic 86400 --boottime 3600 writes two lines),
# until the first task enters it (fork, setns): then EACCES, the offsets are
# frozen. fs/proc/base.c: timens_offsets_write() parses the lines (EINVAL),
# kernel/time/namespace.c: proc_timens_set_offset() checks, in order, an nsproxy
# (ESRCH), CAP_SYS_TIME over the namespace's owner (EPERM), each offset's range
# (ERANGE) and the freeze (EACCES). docs/semantics.md#time-namespace-offsets.
# Checked live with nssim trace --real FILE.
# The initial time namespace is made frozen: its offsets are the host's.
init: write("/proc/init/timens_offsets", "monotonic 1 0") = EACCES
init: clone(0) -> shell
shell: unshare(CLONE_NEWTIME)
shell: write("/proc/thread-self/timens_offsets", "monotonic 1 0") = ENOENT   # a per-process file only
shell: write("/proc/shell/timens_offsets", "monotonic 86400 0\nboottime 3600 0")
shell: write("/proc/self/timens_offsets", "1 5 500")    # 1 is CLOCK_MONOTONIC; a later write wins
shell: write("/proc/shell/timens_offsets", "realtime 1 0") = EINVAL       # only monotonic and boottime
shell: write("/proc/shell/timens_offsets", "monotonic 1 1000000000") = EINVAL
shell: write("/proc/shell/timens_offsets", "monotonic 10") = EINVAL       # three fields
shell: write("/proc/shell/timens_offsets", "boottime -99999999999 0") = ERANGE
# The file belongs to shell (0644): another uid may not open it for writing.
init: clone(0) -> other
other: setresuid(1000, 1000, 1000)
other: write("/proc/shell/timens_offsets", "boottime 1 0") = EACCES
# The first task to enter freezes them.
shell: clone(0) -> child
expect child.time == shell.time_for_children
shell: write("/proc/shell/timens_offsets", "boottime 1 0") = EACCES
# In a user namespace: its root may set the offsets of a time namespace it owns,
# but not of one the initial user namespace owns (EPERM comes before EACCES).
init: clone(CLONE_NEWUSER) -> u
u: unshare(CLONE_NEWTIME)
u: write("/proc/u/timens_offsets", "monotonic 7 0")
u: write("/proc/shell/timens_offsets", "monotonic 7 0") = EPERM
# A task that has exited has no nsproxy: ESRCH after the parse.
init: clone(0) -> z
z: exit(0)
init: write("/proc/z/timens_offsets", "monotonic x 0") = EINVAL
init: write("/proc/z/timens_offsets", "monotonic 1 0") = ESRCH
init: wait(z)
