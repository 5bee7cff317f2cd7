# CLONE_NEWUSER creates the user namespace first (copy_creds()), and it owns
# the other namespaces created in the same call.
init: clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWNET) -> u
expect u.user != init.user
expect u.uts.owner == u.user
expect u.net.owner == u.user
expect u.user.owner == init.user
expect u.user.level == 1
init: clone(CLONE_NEWUTS) -> v
expect v.uts.owner == init.user
