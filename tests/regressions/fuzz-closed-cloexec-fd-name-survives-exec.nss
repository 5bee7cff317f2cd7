# Found by `nssim fuzz --real --seed 7582`: an fd opened O_CLOEXEC (every
# pidfd is) and then closed is no longer close-on-exec, so its name outlives
# an exec and names a free slot: setns() on it is EBADF on both sides (the
# live backend used to forget the name at the exec).
init: clone(0) -> a
a: pidfd_open(a) -> f1
a: close(f1)
a: exec()
a: setns(f1, 0) = EBADF
