# Every statement of the scenario language once (docs/scenario-language.md):
# the header lines, each of the 24 calls with each ioctl request, each path
# form and each kind of '= RESULT', let, and every kind of expect term.
kernel 6.18
task init

# clone, clone3, thread; '-> NAME' names the new task, '= NAME' asserts it.
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b = b
init: clone3(CLONE_NEWTIME|CLONE_NEWPID|CLONE_NEWUSER) -> c
init: clone(0x20000) -> m                   # a number: CLONE_NEWNS
init: clone(CLONE_NEWNS|CLONE_FS) -> x = EINVAL
b: thread() -> bt
expect bt.nsproxy == b.nsproxy
expect m.mnt != init.mnt

# unshare; '= 0' asserts success, '= ERRNO' the failure.
init: clone(0) -> u
u: unshare(CLONE_NEWIPC) = 0
u: unshare(CLONE_NEWPID)
expect u.pid_for_children == none           # ENOENT until the namespace has its init
u: unshare(CLONE_NEWPID) = EINVAL

# open: /proc/TASK/ns/LINK, /proc/self/..., /proc/thread-self/..., /run/...
u: open("/proc/b/ns/net") -> bnet
u: open("/proc/self/ns/ipc") -> myipc = 0    # '= 0': any success
bt: open("/proc/thread-self/ns/uts") -> btuts
u: setns(bnet, CLONE_NEWNET) = 0            # setns with an nsfs fd
expect u.net == b.net
u: close(bnet) = 0
u: close(bnet) = EBADF

# pidfd_open and setns with a pidfd; wait and exit.
u: pidfd_open(b) -> pb
u: setns(pb, CLONE_NEWUTS) = 0
expect u.uts == b.uts
b: pidfd_open(bt, 0x80) -> pbt             # PIDFD_THREAD
u: wait(b) = ECHILD                          # not u's child
init: wait(u) = 0                            # running: WNOHANG returns 0

# ioctl, each request; '= CLONE_*' asserts NS_GET_NSTYPE's number.
init: open("/proc/c/ns/pid") -> cpid
init: ioctl(cpid, NS_GET_NSTYPE) = CLONE_NEWPID
init: ioctl(cpid, NS_GET_PARENT) -> ppid
init: ioctl(cpid, NS_GET_USERNS) -> cuser
init: ioctl(cuser, NS_GET_OWNER_UID) = 0
init: socket(AF_UNIX) -> sk                 # holds init's net namespace
init: ioctl(sk, SIOCGSKNS) -> sknet
init: name_to_handle_at(sknet) -> hnet       # a file handle (6.18+): bytes that any task may use, no reference
init: open_by_handle_at(hnet, O_CLOEXEC) -> inet  # init is in that net namespace: a new fd on it
init: socketpair(AF_UNIX) -> sa, sb         # two connected ends: one call, two names
init: send(sa, cpid)                         # cpid's file in flight in sb's queue (SCM_RIGHTS)
init: recv(sb, MSG_CMSG_CLOEXEC) -> cpid2    # installed again as a new fd
init: recv(sb) -> cpid3 = EAGAIN             # nothing left: nssim never blocks

# write to uid_map, setgroups, gid_map; the setuid family; prctl.
init: write("/proc/c/uid_map", "0 0 1") = 0
c: write("/proc/self/setgroups", "deny") = 0
c: write("/proc/self/gid_map", "0 0 1") = 0
expect c.uid == 0
expect c.gid == 0
init: clone(0) -> w
w: setresgid(1000, 1000, -1) = 0
w: setgid(1000) = 0                          # with CAP_SETGID: real, effective and saved
w: setresuid(-1, 1000, -1) = 0               # -1: unchanged; euid 1000 drops the effective caps
expect w.uid == 0
expect w.euid == 1000
w: setuid(0) = 0                             # allowed: 0 is the real uid (only euid changes)
w: setuid(1000) = 0                          # root again: all three ids, capabilities gone
w: setuid(0) = EPERM
expect w.uid == 1000
expect w.suid == 1000
expect w.egid == 1000
expect w.sgid == 1000
w: prctl(PR_SET_DUMPABLE, 1) = 0
w: prctl(PR_SET_CHILD_SUBREAPER, 1) = 0
w: prctl(PR_SET_KEEPCAPS, 0) = 0
w: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = EPERM   # no CAP_SETPCAP left
w: capset(effective+=CAP_SYS_ADMIN) = EPERM        # nor a permitted set to raise it from
w: setgroups() = EPERM                       # no CAP_SETGID
w: exec() = 0                               # as uid 1000: permitted and effective stay empty
init: clone(0) -> cp
cp: capset(effective-=CAP_NET_ADMIN|CAP_SYS_BOOT, permitted-=CAP_SYS_BOOT, inheritable=0) = 0
expect cp.cap_eff.CAP_NET_ADMIN == 0
expect cp.cap_prm.CAP_SYS_BOOT == 0
cp: setgroups(0, 100) = 0
cp: capset(effective=0) = 0                  # '=': the whole set
cp: exit(0)
init: wait(cp) = cp

# sethostname; mount and umount of an nsfs file; mount propagation.
b: sethostname("bee") = 0
expect b.hostname == "bee"
init: mount("/proc/b/ns/net", "/run/netns/bn", MS_BIND) = 0
init: open("/run/netns/bn") -> viamount
init: umount("/run/netns/bn") = EBUSY
init: mount("/proc/b/ns/net", "/run/netns/lazy", MS_BIND) = 0
init: umount("/run/netns/lazy", MNT_DETACH) = 0   # lazy: not busy, so released at once
init: mount("none", "/", MS_REC|MS_SHARED) = 0     # propagation of init's whole tree
init: mount("/proc/b/ns/net", "/srv/ns/bn", MS_BIND) = 0   # onto any created path (/srv/ns made too)
init: umount("/srv/ns/bn") = 0
init: mount("none", "/", MS_REC|MS_PRIVATE) = 0
init: clone(0) -> jail
jail: chroot("/srv/jail") = 0                 # created; then its /proc/... lookups fail ENOENT
jail: exit(0)
init: wait(jail) = jail
init: clone(CLONE_NEWNS) -> box               # a runtime's root switch, in a mount namespace of its own
box: mount("/srv/box", "/srv/box", MS_BIND|MS_REC) = 0   # a directory bound onto itself: a mount point
box: pivot_root("/srv/box", "/srv/box/mnt/old") = 0      # the old root is at /mnt/old now
box: open("/mnt/old/proc/init/ns/net") -> oldnet          # /proc through it
box: umount("/mnt/old", MNT_DETACH) = 0
box: exit(0)
init: wait(box) = box
init: close(viamount)

# let, and every expectation form.
let N = b.net
let U = c.user
let P = c.pid
bt: exit(0)
b: exit(0)
init: wait(b) = b
expect b.state == "reaped"
expect alive(N)                              # u (setns) and the bind mount hold it
expect N.refs == 2
expect N.type == "net"
expect N.owner == init.user
expect U.parent == init.user
expect U.level == 1
expect P.parent == init.pid
expect c.pid == 1
expect c.pid@init == 3
expect init.pid@c == 0
expect c.nsproxy.count == 1
expect u.state == "running"
init: umount("/run/netns/bn") = 0
expect N.refs == 1
u: exit(0)                                   # closes its fds, drops its nsproxy
expect dead(N)
expect N.refs == 0
expect init.hostname == "(none)"
expect c.time != init.time
expect c.time_for_children == c.time
expect init.cgroup == c.cgroup
expect init.net.inum == 4026531833          # the model's number (fixed in 6.18)
