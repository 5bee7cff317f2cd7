# Example 05 on Debian sid's kernel (7.2). Since 7.1 /proc/PID/ns/pid_for_children
# opens as soon as unshare(CLONE_NEWPID) has made the namespace: there is no
# init yet, but the link is there (kernel/pid_namespace.c:
# pidns_for_children_get() no longer checks child_reaper). On 6.18 and before
# the same line reads "none" (ENOENT) until the first child is forked.
# docs/kernels.md, row pid-for-children-before-init. Checked live with
# nssim trace --real --vm 7.2 FILE.
kernel 7.2
init: clone(0) -> p
p: unshare(CLONE_NEWPID)
let P = p.pid_for_children             # opens: the namespace exists
expect P != none
expect p.pid != P
expect P.level == 1
p: clone(0) -> c1                      # the first child is its init
expect c1.pid == 1
expect c1.pid == P
