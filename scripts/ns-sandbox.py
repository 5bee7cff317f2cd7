#!/usr/bin/env python3
"""Runs a command while N namespaces exist in a throwaway sandbox (root only).

    scripts/ns-sandbox.py -n 1000 -- nssim snapshot --json
    scripts/ns-sandbox.py -n 1000 --compare 'build/cli/nssim snapshot --json' 'lsns -J'
    scripts/ns-sandbox.py -n 1000 --churn -- nssim snapshot --json

The sandbox is pid 1 of a new pid namespace (unshare --pid --fork). It starts
N / len(types) sleeping processes, each of which first unshares one new
namespace of every type in --types (default net,uts,ipc,mnt: four per process),
so N namespaces with processes in them exist. The command (or each --compare
command) then runs here, in the host's namespaces, so it sees the whole machine
as a user's `lsns` or `nssim snapshot` would (the sandbox's processes included).

--churn: a second sandbox keeps creating and destroying namespaces while the
command runs: processes that unshare --types (every other one also a user and
a pid namespace, with another pair nested in those), live about a millisecond
and exit; and net namespaces bind-mounted on a private tmpfs, then unmounted.

Nothing outlives this script: the sandbox's pid 1 exits when its stdin (a pipe
from here) closes, which happens on any exit of this script, even SIGKILL, and
the kernel then kills every process of its pid namespace; the namespaces die
with them. --compare prints, per command, the median and minimum wall time and the median
CPU time (user + system) of --runs runs, alternating, after one untimed run
each (output to /dev/null), and the ratios of the first to the second. On a
shared machine the CPU time is the steadier measure.
"""
import argparse
import ctypes
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

CLONE = {
    "mnt": 0x00020000, "cgroup": 0x02000000, "uts": 0x04000000, "ipc": 0x08000000,
    "user": 0x10000000, "net": 0x40000000, "time": 0x00000080,
}


def inner(nprocs, flags, churn):
    """pid 1 of the sandbox: start the holders, say "ready", wait for EOF on stdin."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if churn:
        # Private mounts: the churn's bind mounts stay in this mount namespace.
        if libc.unshare(CLONE["mnt"]) != 0 or libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None) != 0:
            sys.exit("ns-sandbox: churn: private mounts: " + os.strerror(ctypes.get_errno()))
        d = b"/tmp"
        if libc.mount(b"tmpfs", d, b"tmpfs", 0, b"mode=0700") != 0:
            sys.exit("ns-sandbox: churn: tmpfs: " + os.strerror(ctypes.get_errno()))
    for _ in range(nprocs):
        if os.fork() == 0:
            if libc.unshare(flags) != 0:
                os._exit(1)
            os.execv("/bin/sleep", ["sleep", "infinity"])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    if not churn:
        sys.stdin.read()
        os._exit(0)
    # Churn until stdin closes: short-lived processes with new namespaces, and
    # namespaces kept only by a bind mount for a moment.
    os.set_blocking(0, False)
    i = 0
    while True:
        if sys.stdin.buffer.read() == b"":  # None: nothing to read yet
            os._exit(0)
        i += 1
        pids = []
        for j in range(8):
            p = os.fork()
            if p == 0:
                # Every other one also makes user and pid namespaces (each with its init).
                extra = CLONE["user"] | 0x20000000 if j % 2 else 0
                if libc.unshare(flags | extra) != 0:
                    os._exit(1)
                for level in range(2 if extra else 0):  # nested twice: parents come and go too
                    c = os.fork()
                    if c != 0:
                        os.waitpid(c, 0)
                        os._exit(0)
                    if level == 0 and libc.unshare(extra) != 0:
                        os._exit(1)
                try:
                    if i % 2 and (flags & CLONE["net"]):
                        t = b"/tmp/n%d.%d" % (i, j)
                        open(t, "w").close()
                        libc.mount(b"/proc/self/ns/net", t, None, 0x1000, None)  # MS_BIND
                        time.sleep(0.001)
                        libc.umount2(t, 2)  # MNT_DETACH
                        os.unlink(t)
                    else:
                        time.sleep(0.001)
                finally:
                    os._exit(0)
            pids.append(p)
        for p in pids:
            os.waitpid(p, 0)


def start(nprocs, flags, churn):
    p = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--kill-child", sys.executable, os.path.abspath(__file__), "--inner",
         str(nprocs), str(flags), "1" if churn else "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline()
    if line.strip() != b"ready":
        p.kill()
        sys.exit("ns-sandbox: the sandbox did not start")
    return p


def run_timed(cmd):
    """(wall, cpu) seconds of one run; cpu: user + system of the command and its children."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"ns-sandbox: '{cmd}' failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def compare(cmds, runs):
    """Runs the commands alternately (A B A B ...), after one untimed run each; per command (median, min)."""
    for c in cmds:
        run_timed(c)
    ts = [[] for _ in cmds]
    for _ in range(runs):
        for i, c in enumerate(cmds):
            ts[i].append(run_timed(c))
    return [(statistics.median(w for w, _ in t), min(w for w, _ in t), statistics.median(c for _, c in t))
            for t in ts]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        inner(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--namespaces", type=int, default=1000, help="how many namespaces (default 1000)")
    ap.add_argument("--types", default="net,uts,ipc,mnt", help="types each process unshares (default net,uts,ipc,mnt)")
    ap.add_argument("--churn", action="store_true", help="also create and destroy namespaces while the command runs")
    ap.add_argument("--compare", nargs=2, metavar="CMD", help="time two shell commands instead of running one")
    ap.add_argument("--runs", type=int, default=7, help="--compare: runs of each command (default 7)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS]")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("ns-sandbox: needs root (creates namespaces)")
    types = a.types.split(",")
    if any(t not in CLONE for t in types):
        sys.exit(f"ns-sandbox: unknown type in --types: use {','.join(CLONE)}")
    flags = 0
    for t in types:
        flags |= CLONE[t]
    nprocs = max(1, (a.namespaces + len(types) - 1) // len(types))
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd and not a.compare:
        ap.error("give a command after -- or --compare")
    sandboxes = [start(nprocs, flags, False)]
    try:
        if a.churn:
            sandboxes.append(start(0, flags, True))
        if a.compare:
            (m0, l0, c0), (m1, l1, c1) = compare(a.compare, a.runs)
            print(f"{a.namespaces} namespaces ({nprocs} processes x {a.types}), {a.runs} runs each")
            print(f"  {a.compare[0]}: wall median {m0 * 1000:.1f} ms, min {l0 * 1000:.1f} ms; cpu median {c0 * 1000:.1f} ms")
            print(f"  {a.compare[1]}: wall median {m1 * 1000:.1f} ms, min {l1 * 1000:.1f} ms; cpu median {c1 * 1000:.1f} ms")
            print(f"  ratio: wall median {m0 / m1:.2f}, wall min {l0 / l1:.2f}, cpu median {c0 / c1:.2f}")
            return 0
        return subprocess.call(cmd)
    finally:
        for p in sandboxes:
            p.stdin.close()
            p.wait()


if __name__ == "__main__":
    sys.exit(main())
