# Every open file holds the cred of the task that opened it (file->f_cred),
# and a cred holds its user namespace: a user namespace with no task left can
# be kept alive by a file in a table shared through CLONE_FILES.
init: clone(0) -> p
p: clone(CLONE_NEWUSER|CLONE_FILES) -> c   # c shares p's fd table
let U = c.user
c: open("/proc/self/ns/uts") -> f          # the file's f_cred is c's cred, in U
c: exit(0)
p: wait(c) = c
expect alive(U)                            # no task in U, but the file's cred holds it
expect U.refs == 1
p: close(f)
expect dead(U)
