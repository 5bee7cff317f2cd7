# Found by `nssim fuzz --real --seed 214`: close() clears the fd's
# close-on-exec bit (fs/file.c: file_close_fd_locked()), so a later exec
# leaves a closed O_CLOEXEC fd alone, and its name still refers to the
# (closed) number: EBADF. The live backend forgot the name at exec because
# its close-on-exec set still listed the closed fd (verified on 6.18.44).
init: clone(0) -> t1
t1: open("/proc/self/ns/time_for_children", O_CLOEXEC) -> f1
t1: close(f1)
t1: exec()
t1: setns(f1, 0) = EBADF
