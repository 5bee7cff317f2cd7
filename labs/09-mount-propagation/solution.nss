# Lab 9 — Mount namespaces: propagation, bind mounts of namespace files, MNT_DETACH  (SOLUTION)
# Check it: nssim lab check --real labs/09-mount-propagation/solution.nss

# ---- Task 1: four mount namespaces, three propagation types ------------------------
# @q 1.1 (2 points)
init: clone(CLONE_NEWNS) -> a              # a private copy: the sandbox's / is private
a: mount("none", "/", MS_REC|MS_SHARED)    # a's tree gets a peer group
a: clone(CLONE_NEWNS) -> peer              # a copy of a shared tree joins the peer group
a: clone(CLONE_NEWNS) -> priv
priv: mount("none", "/", MS_REC|MS_PRIVATE)
a: clone(CLONE_NEWNS) -> sl
sl: mount("none", "/", MS_REC|MS_SLAVE)    # receives from the group, sends nothing back
expect peer.mnt != a.mnt                   # a peer is still a mount namespace of its own
expect a.mnt.refs == 1                     # a's nsproxy only: a copy takes no reference on a's

# ---- Task 2: ip netns add, propagated ---------------------------------------------
# @q 2.1 (2 points)
init: clone(CLONE_NEWNET) -> n
let N = n.net
a: mount("/proc/n/ns/net", "/srv/ns/net", MS_BIND) = 0   # copies go to peer and sl
expect N.refs == 2                         # n's nsproxy + the nsfs inode (held by all three mounts)
# @q 2.2 (3 points)
n: exit(0)
init: wait(n) = n
expect n.state == "reaped"
a: exit(0)
init: wait(a) = a                          # a's mount namespace dies, its mount with it
expect a.mnt == none
expect alive(N)                            # the copies in peer's and sl's trees
expect N.refs == 1                         # the one nsfs inode
# @q 2.3 (2 points)
priv: open("/srv/ns/net") -> pf
priv: setns(pf, CLONE_NEWNET) = EINVAL     # priv sees only the empty file: not a namespace file
expect priv.net == init.net                # a failed setns changes nothing
sl: mount("/proc/sl/ns/uts", "/srv/ns/uts", MS_BIND) = 0
peer: open("/srv/ns/uts") -> uf
peer: setns(uf, CLONE_NEWUTS) = EINVAL     # a slave's mount does not propagate back

# ---- Task 3: ip netns delete: MNT_DETACH ------------------------------------------
# @q 3.1 (3 points)
peer: clone(0) -> user
user: open("/srv/ns/net") -> f             # ip netns exec: open the mount...
user: setns(f, CLONE_NEWNET) = 0           # ...and enter it
expect user.net == N
expect N.refs == 2                         # user's nsproxy + the nsfs inode (mounts and f share it)
peer: umount("/srv/ns/net") = EBUSY        # f keeps peer's copy busy
peer: umount("/srv/ns/net", MNT_DETACH) = 0   # lazy: out of the tree now, freed when unused
peer: umount("/srv/ns/net") = EINVAL       # not a mount point any more
# @q 3.2 (3 points)
expect alive(N)
expect N.refs == 2                         # user's nsproxy + the nsfs inode (held by f)
user: close(f) = 0
expect N.refs == 1                         # user's nsproxy
user: exit(0)
peer: wait(user) = user
expect N.refs == 0
expect dead(N)                             # the slave's copy went with the propagated umount

# ---- Task 4: keep a namespace in one mount namespace only ------------------------
# @q 4.1 (4 points)
init: clone(CLONE_NEWNET) -> q
let Q = q.net
init: clone(CLONE_NEWNS) -> host
host: mount("none", "/", MS_REC|MS_SHARED)
host: clone(CLONE_NEWNS) -> keeper         # a peer of host
host: mount("/proc/q/ns/net", "/srv/ns/q", MS_BIND) = 0
q: exit(0)
init: wait(q) = q
# ==== Task 4: your steps go here ====
keeper: mount("none", "/", MS_REC|MS_PRIVATE)   # leave the peer group first...
host: umount("/srv/ns/q")                      # ...so this umount does not propagate to keeper
# ==== end of task 4 ====
expect alive(Q)
host: open("/srv/ns/q") -> hq
host: setns(hq, CLONE_NEWNET) = EINVAL
keeper: open("/srv/ns/q") -> kq
keeper: setns(kq, CLONE_NEWNET) = 0
expect keeper.net == Q
