# A child subreaper (prctl(PR_SET_CHILD_SUBREAPER, 1)), as container managers
# use (conmon, buildah, docker's shim): orphans below it go to it, not to the
# pid namespace's init (find_new_reaper()), and only it can wait for them.
init: clone(0) -> shim
shim: prctl(PR_SET_CHILD_SUBREAPER, 1)
shim: clone(0) -> runtime
runtime: clone(CLONE_NEWUTS) -> container   # the container's first process
runtime: exit(0)                            # the runtime leaves: container is an orphan
shim: wait(runtime) = runtime
container: sethostname("box")
container: exit(0)
init: wait(container) = ECHILD              # init did not inherit it...
shim: wait(container) = container           # ...the subreaper did
# A subtree made before the flag was set is marked too (walk_process_tree()),
# but not what lies below a pid namespace's init: its orphans stay inside.
init: clone(0) -> mgr
mgr: clone(0) -> mid
mid: clone(0) -> leaf
mgr: prctl(PR_SET_CHILD_SUBREAPER, 1)
mid: exit(0)
mgr: wait(mid) = mid
leaf: exit(0)
mgr: wait(leaf) = leaf
# Clearing the flag: later orphans go to init again.
mgr: clone(0) -> mid2
mid2: clone(0) -> leaf2
mgr: prctl(PR_SET_CHILD_SUBREAPER, 0)
mid2: exit(0)
mgr: wait(mid2) = mid2
leaf2: exit(0)
mgr: wait(leaf2) = ECHILD
init: wait(leaf2) = leaf2
