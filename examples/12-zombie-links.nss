# A zombie: exit_task_namespaces() ran before exit_notify(), so its nsproxy
# links cannot be opened, but pid (its struct pid) and user (its cred) can.
init: clone(CLONE_NEWNET) -> z
z: exit(3)
expect z.state == "zombie"
expect z.net == none
expect z.uts == none
expect z.pid == init.pid
expect z.user == init.user
init: open("/proc/z/ns/net") -> f = ENOENT
init: open("/proc/z/ns/pid") -> g = g
init: wait(z) = z
expect z.state == "reaped"
init: open("/proc/z/ns/pid") -> h = ENOENT
