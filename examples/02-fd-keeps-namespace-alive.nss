# The seed article, part 2: a namespace with no process left is freed —
# unless something still refers to it, such as an open /proc/PID/ns file.
init: clone(CLONE_NEWNET) -> b          # b alone in a new net namespace
init: clone(0) -> a
let N = b.net
a: open("/proc/b/ns/net") -> fd1        # the nsfs inode takes one reference
expect N.refs == 2                      # b's nsproxy slot + the nsfs inode
b: exit(0)                              # exit_task_namespaces(): b's nsproxy goes
expect b.state == "zombie"
expect b.net == none                    # a zombie's nsproxy links cannot be opened
expect alive(N)                         # the open fd keeps it
expect N.refs == 1
init: wait(b) = b
a: close(fd1)                           # last reference: the namespace is freed
expect dead(N)
