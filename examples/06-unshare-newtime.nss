# unshare(CLONE_NEWTIME) moves only time_for_children; a later plain fork
# copies the nsproxy so the child enters it (timens_on_fork()).
init: clone(0) -> t
t: unshare(CLONE_NEWTIME)
expect t.time != t.time_for_children
expect t.time == init.time
t: clone(0) -> kid                      # no CLONE_NEW* flag, yet a new nsproxy
expect kid.time == t.time_for_children
expect kid.time_for_children == t.time_for_children
expect kid.nsproxy != t.nsproxy
t: clone(CLONE_FILES) -> kid2
expect kid2.time == t.time_for_children
