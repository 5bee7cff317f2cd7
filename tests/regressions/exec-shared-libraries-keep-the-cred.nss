# Found by nssim trace --real while exec() was added: the kernel kept one
# reference on u's user namespace until sh exited. The shared libraries ld.so
# maps after u's first exec are opened with u's new cred; sh, forked from
# that mm, maps them too (dup_mmap()), so that cred, and its user namespace,
# live until sh exits, not until u's second exec and exit.
init: clone(CLONE_NEWUSER) -> u
u: exec()
u: clone(CLONE_FILES) -> sh
u: exec()
u: exit(0)
init: wait(u) = u
sh: exit(0)
init: wait(sh) = sh
