# The seed article, part 3: nsenter = open /proc/PID/ns/FILE, setns, then run
# a command (here: fork a child, which inherits the joined namespaces).
init: clone(CLONE_NEWUTS|CLONE_NEWIPC) -> target
target: sethostname("container")
init: clone(0) -> enter
enter: open("/proc/target/ns/uts") -> fd
enter: setns(fd, 0) = 0                 # nstype 0: any type; the fd says uts
expect enter.uts == target.uts
expect enter.ipc == init.ipc            # only the one namespace changes
expect enter.hostname == "container"
expect enter.nsproxy != init.nsproxy    # setns always installs a new nsproxy
enter: close(fd)
enter: clone(0) -> cmd                  # "exec a shell": the child shares enter's nsproxy
expect cmd.uts == target.uts
expect cmd.nsproxy == enter.nsproxy
