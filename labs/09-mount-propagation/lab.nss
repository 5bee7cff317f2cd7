# Lab 9 — Mount namespaces: propagation, bind mounts of namespace files, MNT_DETACH
# Replace every '?' with your prediction (a number, none, or a name like
# init.mnt, a.net or N). On lines ending in "= ?", replace the
# "?" with the result (0 or an errno name). Then:
#   nssim lab check labs/09-mount-propagation/lab.nss
#   nssim trace labs/09-mount-propagation/lab.nss

# ---- Task 1: four mount namespaces, three propagation types ------------------------
# @q 1.1 (2 points)
init: clone(CLONE_NEWNS) -> a
a: mount("none", "/", MS_REC|MS_SHARED)
a: clone(CLONE_NEWNS) -> peer
a: clone(CLONE_NEWNS) -> priv
priv: mount("none", "/", MS_REC|MS_PRIVATE)
a: clone(CLONE_NEWNS) -> sl
sl: mount("none", "/", MS_REC|MS_SLAVE)
expect peer.mnt != a.mnt
expect a.mnt.refs == ?

# ---- Task 2: ip netns add, propagated ---------------------------------------------
# @q 2.1 (2 points)
init: clone(CLONE_NEWNET) -> n
let N = n.net
a: mount("/proc/n/ns/net", "/srv/ns/net", MS_BIND) = 0
expect N.refs == ?
# @q 2.2 (3 points)
n: exit(0)
init: wait(n) = n
expect n.state == ?
a: exit(0)
init: wait(a) = a
expect a.mnt == ?
expect alive(N)
expect N.refs == ?
# @q 2.3 (2 points)
priv: open("/srv/ns/net") -> pf
priv: setns(pf, CLONE_NEWNET) = ?          # predict the result
expect priv.net == ?
sl: mount("/proc/sl/ns/uts", "/srv/ns/uts", MS_BIND) = 0
peer: open("/srv/ns/uts") -> uf
peer: setns(uf, CLONE_NEWUTS) = ?          # predict the result

# ---- Task 3: ip netns delete: MNT_DETACH ------------------------------------------
# @q 3.1 (3 points)
peer: clone(0) -> user
user: open("/srv/ns/net") -> f
user: setns(f, CLONE_NEWNET) = 0
expect user.net == ?
expect N.refs == ?
peer: umount("/srv/ns/net") = ?            # predict the result
peer: umount("/srv/ns/net", MNT_DETACH) = ? # predict the result
peer: umount("/srv/ns/net") = ?            # predict the result
# @q 3.2 (3 points)
expect alive(N)
expect N.refs == ?
user: close(f) = 0
expect N.refs == ?
user: exit(0)
peer: wait(user) = user
expect N.refs == ?
expect dead(N)

# ---- Task 4: keep a namespace in one mount namespace only ------------------------
# @q 4.1 (4 points)
init: clone(CLONE_NEWNET) -> q
let Q = q.net
init: clone(CLONE_NEWNS) -> host
host: mount("none", "/", MS_REC|MS_SHARED)
host: clone(CLONE_NEWNS) -> keeper
host: mount("/proc/q/ns/net", "/srv/ns/q", MS_BIND) = 0
q: exit(0)
init: wait(q) = q
# ==== Task 4: your steps go here ====
# Remove /srv/ns/q from host's mount namespace but keep Q pinned by
# keeper's copy (see the README). The checks below fail until your steps are in.
# ==== end of task 4 ====
expect alive(Q)
host: open("/srv/ns/q") -> hq
host: setns(hq, CLONE_NEWNET) = EINVAL
keeper: open("/srv/ns/q") -> kq
keeper: setns(kq, CLONE_NEWNET) = 0
expect keeper.net == Q
