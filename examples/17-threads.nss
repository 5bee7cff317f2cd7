# Threads: each has its own nsproxy pointer (shared at creation); setns and
# unshare in one thread change only that thread. A multithreaded process
# cannot enter a user namespace or a mount namespace (its fs is shared).
init: clone(0) -> p
p: thread() -> t
expect t.nsproxy == p.nsproxy
expect p.nsproxy.count == 3                # init, p and t
t: unshare(CLONE_NEWUTS)
expect t.uts != p.uts                     # only the calling thread moved
expect p.uts == init.uts
t: open("/proc/self/ns/uts") -> leaderuts # /proc/self is the thread group leader: p's uts
t: setns(leaderuts, 0)
expect t.uts == p.uts
p: unshare(CLONE_NEWUSER) = EINVAL        # implies CLONE_THREAD: not with other threads
p: open("/proc/init/ns/mnt") -> m
p: setns(m, CLONE_NEWNS) = EINVAL         # fs_struct shared with t (CLONE_FS)
t: open("/proc/init/ns/time") -> tm
t: setns(tm, CLONE_NEWTIME) = EUSERS      # timens_install(): single-threaded only
t: open("/proc/init/ns/user") -> us
t: setns(us, CLONE_NEWUSER) = EINVAL      # its own user namespace anyway
p: unshare(CLONE_NEWNS) = 0               # allowed: unshare_fs() gives p a private fs first
expect p.mnt != t.mnt
p: setns(m, CLONE_NEWNS) = 0              # now p's fs is its own
expect p.mnt == init.mnt
t: exit(0)                                # a thread is released at once
expect t.state == "reaped"
