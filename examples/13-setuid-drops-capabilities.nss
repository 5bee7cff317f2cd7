# A task that drops root loses its capabilities (cap_emulate_setxuid()), so
# it may no longer create namespaces — except a user namespace, which needs
# no privilege and gives it every capability inside.
init: clone(0) -> u
u: setgid(1000)
u: setuid(1000)
expect u.uid == 1000
expect u.euid == 1000
u: setuid(0) = EPERM                      # no way back
u: unshare(CLONE_NEWUTS) = EPERM          # no CAP_SYS_ADMIN in the initial user namespace
u: clone(CLONE_NEWNET) -> x = EPERM
u: unshare(CLONE_NEWUSER) = 0             # allowed unprivileged
expect u.user != init.user
expect u.uid == 65534                     # unmapped in the new namespace: overflowuid
u: unshare(CLONE_NEWUTS) = 0              # full capabilities in its own user namespace
expect u.uts.owner == u.user
u: sethostname("mine") = 0
expect u.hostname == "mine"
expect init.hostname == "(none)"
