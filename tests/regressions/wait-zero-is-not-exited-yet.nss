# wait(T) = 0 holds only while T has not exited (WNOHANG finds nothing); once
# T is reaped the result is T (reported: '= 0' held for a reaped child too).
init: clone(0) -> a
init: wait(a) = 0
a: exit(0)
init: wait(a) = a
init: wait(a) = ECHILD
init: clone(0) -> b = 0                      # '= 0' is "succeeded" for calls that name something new
