# The seed article, part 1: every process has /proc/PID/ns links; two
# processes share a namespace exactly when the inode numbers are equal.
kernel 6.18
task init
init: clone(0) -> a                    # plain fork: a shares init's nsproxy
expect a.nsproxy == init.nsproxy
expect a.nsproxy.count == 2
expect a.net == init.net
init: clone(CLONE_NEWUTS|CLONE_NEWNET) -> b
expect b.net != init.net
expect b.uts != init.uts
expect b.ipc == init.ipc               # only the flagged types are new
expect b.nsproxy != init.nsproxy       # any CLONE_NEW* flag copies the nsproxy
let N = b.net
expect N.refs == 1                     # one nsproxy slot
b: sethostname("lab")
expect b.hostname == "lab"
expect init.hostname == "(none)"
