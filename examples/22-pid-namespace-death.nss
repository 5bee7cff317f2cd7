# When a pid namespace's init exits, every other task in it (nested
# namespaces included) is killed; init reaps its children. A task whose parent
# is outside keeps init waiting in zap_pid_ns_processes() until it is reaped.
init: clone(CLONE_NEWPID) -> pinit
pinit: clone(0) -> worker
worker: clone(CLONE_NEWPID) -> nested
init: open("/proc/pinit/ns/pid") -> pfd
init: clone(0) -> outside
outside: setns(pfd, CLONE_NEWPID)         # outside's children will be born in pinit's namespace
outside: clone(0) -> guest
expect guest.pid == 4
expect guest.pid@init == 6
pinit: exit(0)
expect worker.state == "reaped"           # killed, then reaped by pinit
expect nested.state == "reaped"
expect guest.state == "zombie"            # killed, but its parent is outside
expect pinit.state == "exiting"           # waits for guest to be reaped
outside: wait(guest) = guest
expect pinit.state == "zombie"            # zap_pid_ns_processes() returns
init: wait(pinit) = pinit
init: clone(CLONE_NEWPID) -> again
