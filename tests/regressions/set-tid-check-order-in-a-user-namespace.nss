# Found by a tester on the day rows alloc-pid-set-tid-checks-first and
# pidns-first-fork-retry came: set_tid's checks seen live, from inside a user
# namespace (no CAP_CHECKPOINT_RESTORE over the outer pid level). Up to 6.18
# alloc_pid() checks level by level (x: the inner 5 in a namespace without an
# init is EINVAL first); since the 6.19 rework the range and capability of
# every entry come first (x: EPERM for the outer 100). No asserted results:
# the model follows the live kernel's profile, and --vm 7.2 agrees as the
# host (6.18) does.
init: clone(CLONE_NEWUSER) -> u
u: unshare(CLONE_NEWPID)
u: clone3(0, set_tid=[5, 100]) -> x
u: clone3(0, set_tid=[1, 100]) -> y
u: clone3(0, set_tid=[5]) -> z
u: clone3(0, set_tid=[1]) -> w
u: clone3(0, set_tid=[1]) -> w2
w: clone3(0, set_tid=[1]) -> w3
w: clone3(0, set_tid=[7, 0x7fffffff]) -> w4
w: clone3(0, set_tid=[7, 1]) -> w5
