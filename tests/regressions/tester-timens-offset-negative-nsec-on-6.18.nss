# Found by a tester (--real on the host's 6.18.44): a timens_offsets nanosecond
# field of 2^63 or more is read with %lu into a long, so it is negative; 6.18
# has no check for that and normalises it into the seconds (2^64 - 10^9 nsec is
# -1 s), where 7.2 (and Debian's 6.1.192 and 6.12.118, a stable backport) say
# EINVAL. docs/kernels.md, row timens-offset-nsec-check. Pinned to 6.18: the
# version-keyed profiles predict the old rule on 6.1 and 6.12, which Debian's
# current kernels no longer follow.
kernel 6.18
init: clone(0) -> s
s: unshare(CLONE_NEWTIME)
s: write("/proc/s/timens_offsets", "monotonic 100 18446744072709551616") = 0
s: write("/proc/s/timens_offsets", "monotonic -99999999999 18446744072709551616") = ERANGE   # the seconds first
# Not here: "boottime 5 9223372036854775808" (ERANGE in the end) normalises
# -2^63 ns one second at a time in set_normalized_timespec64(), billions of
# iterations in the kernel: seconds of CPU, past the live agent's 5 s answer
# time on a loaded machine (seen in the environments test).
