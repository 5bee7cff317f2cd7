# The same start as example 34, on Debian 12's kernel (6.1). Before 6.2 a task
# whose children go to another time namespace may not make a child that shares
# its memory: vfork(), posix_spawn() and pthread_create() fail with EINVAL
# (copy_process()), and exec does not move the task either: only its children
# enter the new time namespace. Since 6.2 (commit 2b5f9dad32ed) the CLONE_VM
# child keeps the creator's time namespace until it execs, and exec switches
# (example 34). docs/kernels.md lists every difference between the profiles.
# Checked live on a 6.1 kernel: nssim trace --real --vm 6.1 FILE.
kernel 6.1
init: clone(0) -> shell
shell: unshare(CLONE_NEWTIME)
let T = shell.time_for_children
expect shell.time != T
shell: clone(CLONE_VM|CLONE_VFORK) -> spawned = EINVAL   # posix_spawn() falls back to fork, or fails
shell: thread() -> worker = EINVAL                       # a thread would share the mm too
shell: clone(0) -> forked                                # a plain fork is fine: the child enters T
expect forked.time == T
forked: exec()
expect forked.time == T
shell: exec()                                            # no switch at exec before 6.2
expect shell.time != T
expect shell.time == init.time
# The initial mount and network namespaces take the first dynamic inode
# numbers at boot on 6.1 (fixed numbers came in 6.18), as in the seed
# article's `ls -l /proc/$$/ns`.
expect init.net.inum == 4026531840
expect init.mnt.inum == 4026531841
