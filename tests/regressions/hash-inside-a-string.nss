# '#' starts a comment only outside strings: the text shown for a call or an
# expectation keeps it (reported: `a.hostname == "x` was shown).
init: clone(CLONE_NEWUTS) -> a
a: sethostname("x#y") = 0                    # a comment
expect a.hostname == "x#y"                   # another "comment"
