# Mount propagation decides which mount namespaces see a bind mount of a
# namespace file, and so which of them pin the namespace: every propagated
# copy is a mount of its own holding the nsfs inode. `unshare --propagation`
# and container runtimes set it with mount("none", "/", MS_REC|...); the
# target is any file the run creates (here under /srv, as with
# `unshare --net=/srv/ns/net`).
init: clone(CLONE_NEWNS) -> a               # a private copy: the sandbox's / is private
a: mount("none", "/", MS_REC|MS_SHARED)     # a's tree gets a peer group
a: clone(CLONE_NEWNS) -> peer               # a copy of a shared tree joins its peer group
a: clone(CLONE_NEWNS) -> priv
priv: mount("none", "/", MS_REC|MS_PRIVATE) # leaves the group: receives and sends nothing
a: clone(CLONE_NEWNS) -> sl
sl: mount("none", "/", MS_REC|MS_SLAVE)     # receives from the group, sends nothing back
init: clone(CLONE_NEWNET) -> n
let N = n.net
a: mount("/proc/n/ns/net", "/srv/ns/net", MS_BIND)   # /srv/ns and the file are created; copies go to peer and sl
expect N.refs == 2                          # n's nsproxy + the nsfs inode (held by the three mounts)
n: exit(0)
init: wait(n)
a: exit(0)
init: wait(a)                               # a's tree goes, its mount with it
expect alive(N)                             # the copies in peer's and sl's trees still pin it
priv: open("/srv/ns/net") -> pf
priv: setns(pf, CLONE_NEWNET) = EINVAL      # only the empty file: the mount never reached priv
sl: mount("/proc/sl/ns/uts", "/srv/ns/uts", MS_BIND)
peer: open("/srv/ns/uts") -> uf
peer: setns(uf, CLONE_NEWUTS) = EINVAL      # a slave's mount stays in the slave
peer: clone(0) -> user
user: open("/srv/ns/net") -> f              # through peer's copy
user: setns(f, CLONE_NEWNET)
expect user.net == N
peer: umount("/srv/ns/net") = EBUSY         # f keeps peer's copy busy
user: exit(0)
peer: wait(user)
peer: umount("/srv/ns/net") = 0             # propagates to the slave: its copy goes too
expect dead(N)
