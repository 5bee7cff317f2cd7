#!/usr/bin/env python3
"""`nssim trace --real` run from inside other sandboxes (ctest: environments).

nssim's live-kernel backend must give the kernel's answers, and agree with the
model, not only when it runs as root on the host but also when it is itself
inside a container. For each environment below and each bundled scenario
(examples/*.nss, labs/*/solution.nss, tests/regressions/*.nss) this runs

    ENV nssim trace --real --json FILE

(with --paranoid in the environments of PARANOID: every task read after
every step, the full check, where the others read what each step can change;
the host's ctest Bundled.AgreesWithTheLiveKernel runs the default),
and reads its JSON Lines: every line one JSON object, the last one the summary
({"summary": {"disagreements": N, "ok": ..., "expects_failed": ..., ...}}); the
steps whose kernel disagreed carry "real": {"disagreements": [...]}. A run passes
when it did not crash or time out, reached its summary without a run error,
the live kernel disagreed 0 times, and it exited 0 -- or, for a scenario in
ALLOWLIST for that environment (its own expectations need a privilege the
environment does not have), exited 1 with 0 disagreements. An allowlisted
scenario that exits 0 passes with a note asking to remove it from the list.
Exit 3 ("--real cannot run here") fails, unless the environment genuinely
cannot run --real (the test probes for it and prints why), or the scenario has
cgroup statements and the environment no writable cgroup2 hierarchy (rootless:
skipped with nssim's reason).

Usage: environments_test.py NSSIM SOURCE_DIR [--envs pidns,userns,...]
                            [--files SUBSTRING,...] [--jobs 2] [--timeout 60] [--budget 600]
(the defaults, as ctest runs it, cover every environment and every scenario)
Exit: 0 all passed, 1 something failed, 77 skipped (not root, a tool missing,
or --real cannot run on this host at all); 2 usage. The last line printed is
always "N passed, M failed" when the matrix ran.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77  # SKIP_RETURN_CODE in tests/CMakeLists.txt

# Each environment: the command prefix nssim runs under, and the tools it needs.
ROOTLESS_UID = 65534
ENVS = {
    # A fresh pid namespace (nssim is its pid 1) with its own /proc.
    "pidns": (["unshare", "--pid", "--fork", "--mount-proc"], ["unshare"]),
    # The same without a new /proc: /proc still shows the host's pid namespace.
    "pidns-hostproc": (["unshare", "--pid", "--fork"], ["unshare"]),
    # Root only inside a user namespace (uid 0 -> 0, nothing else mapped).
    "userns": (["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"], ["unshare"]),
    # An unprivileged uid on the host, no groups, no capabilities.
    "rootless": (["setpriv", f"--reuid={ROOTLESS_UID}", f"--regid={ROOTLESS_UID}", "--clear-groups"],
                 ["setpriv"]),
    # bubblewrap as root: its own pid namespace (a reaper is pid 1, nssim pid 2),
    # a mount namespace with / bound and a fresh /proc, every capability kept.
    "bwrap": (["bwrap", "--unshare-pid", "--cap-add", "ALL", "--dev-bind", "/", "/", "--proc", "/proc",
               "--die-with-parent", "--"], ["bwrap"]),
}

# Environments whose runs add --paranoid (RealBackend::Options::paranoid).
PARANOID = {"pidns"}

# Scenarios whose own expectations or asserted results fail in an environment
# because it lacks a privilege of the host's root (exit 1 expected, still with
# 0 disagreements: the model must predict the kernel's refusal). Keyed by the
# path relative to the source dir.
_NO_HOST_IDS = ("only uid/gid 0 is mapped into nssim's user namespace: setuid/setgid(1000) and "
                "maps of ids outside it are refused (EINVAL/EPERM)")
_LEVEL = "nssim's own user namespace is already at level 1, so a new one is at level 2, not 1"
_NOT_INIT = ("nssim's user namespace is not the initial one: its inode is not "
             "PROC_USER_INIT_INO (4026531837)")
_USERNS_ALLOW = {
    "examples/10-newuser-owns.nss": _LEVEL,
    "examples/13-setuid-drops-capabilities.nss": _NO_HOST_IDS,
    "examples/14-uid-map-rules.nss": _NO_HOST_IDS,
    "examples/15-setns-permissions.nss": _NO_HOST_IDS,
    "examples/26-every-statement.nss": _NO_HOST_IDS + "; " + _LEVEL + "; its setgroups file says \"deny\" "
    "(setgroups() is EPERM)",
    "labs/01-proc-ns-identity/solution.nss": _NOT_INIT,
    "labs/06-user-namespaces/solution.nss": _NO_HOST_IDS + "; " + _LEVEL,
    "labs/11-capabilities/solution.nss": _NO_HOST_IDS + " (setuid(1000) is EINVAL before any capability "
    "check); its setgroups file says \"deny\" (setgroups() is EPERM)",
    "tests/regressions/fuzz-zombie-dumpability.nss": _NO_HOST_IDS + " (so setuid(1000) leaves the tasks root and dumpable)",
    "tests/regressions/fuzz-exited-leader-keeps-its-dumpability.nss": _NO_HOST_IDS + " (so setgid(1000) is refused and the mm stays dumpable)",
    "tests/regressions/tester-ucounts-by-real-uid.nss": _NO_HOST_IDS,
    "examples/30-exec-enters-time-namespace.nss": _NO_HOST_IDS + " (so setresuid(1000, ...) is refused and d stays dumpable)",
    "examples/31-capset-drops-setns.nss": _NO_HOST_IDS + " (so setresuid(1000, ...) is refused and k and n stay "
    "root); its setgroups file says \"deny\", which namespaces below it inherit (setgroups() is EPERM)",
    "examples/36-clone-into-cgroup.nss": _NO_HOST_IDS + " (so setresuid(1000, ...) is refused and u stays root: it "
    "may write cgroup.procs and mkdir)",
    "examples/47-pidfd-namespace-ioctls.nss": _NO_HOST_IDS + " (so setuid(1000) is refused, v stays root and "
    "ptrace_may_access() lets it ask about init: no EACCES)",
}
# What nssim says when a scenario with cgroup statements meets no writable cgroup2 hierarchy.
CGROUP_UNWRITABLE = "cgroup statements need a writable cgroup2 hierarchy"
ALLOWLIST = {
    "userns": dict(_USERNS_ALLOW),
    # Without root nssim can only work inside a user namespace of its own.
    "rootless": dict(_USERNS_ALLOW),
}
_TIMENS_OTHER = " (so setresuid(1000, ...) is refused and `other` stays root: it may open shell's timens_offsets)"
ALLOWLIST["userns"]["examples/51-time-namespace-offsets.nss"] = _NO_HOST_IDS + _TIMENS_OTHER
ALLOWLIST["rootless"]["examples/51-time-namespace-offsets.nss"] = (
    _NO_HOST_IDS + _TIMENS_OTHER + "; a zombie's /proc files belong to the host's root, which is not mapped into "
    "nssim's user namespace, so opening z's timens_offsets is EACCES before the parse (task_dump_owner())")

print_lock = threading.Lock()
live = set()  # process groups of the runs in flight, killed on SIGTERM/SIGINT (ctest's timeout)
live_lock = threading.Lock()
temp_dirs = []  # the rootless copy, if any: removed at the end and on SIGTERM/SIGINT


def say(*a):
    with print_lock:
        print(*a, flush=True)


def run(cmd, timeout, cwd=None):
    """Runs cmd in its own process group; returns (rc, stdout, stderr, timed_out)."""
    with live_lock:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             cwd=cwd, start_new_session=True)
        live.add(p.pid)
    try:
        out, err = p.communicate(timeout=max(1, timeout))
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), False
    except subprocess.TimeoutExpired:
        kill_group(p.pid)
        out, err = p.communicate()
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), True
    finally:
        with live_lock:
            live.discard(p.pid)


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def on_signal(signum, frame):
    with live_lock:
        for pgid in list(live):
            kill_group(pgid)
    for d in temp_dirs:
        shutil.rmtree(d, ignore_errors=True)
    print(f"environments: killed by signal {signum}; {len(live)} run(s) in flight stopped", flush=True)
    os._exit(1)


def first_line(s):
    for line in s.splitlines():
        if line.strip():
            return line.strip()
    return ""


def scenarios(src, filters):
    files = sorted(glob.glob(os.path.join(src, "examples", "*.nss")))
    files += sorted(glob.glob(os.path.join(src, "labs", "*", "solution.nss")))
    files += sorted(glob.glob(os.path.join(src, "tests", "regressions", "*.nss")))
    rel = [os.path.relpath(f, src) for f in files]
    if filters:
        rel = [r for r in rel if any(x in r for x in filters)]
    # A scenario written for another kernel (`kernel 6.1`) is checked live only
    # on that kernel (nssim trace --real --vm 6.1), as tests/bundled.h says.
    live = ".".join(os.uname().release.split(".")[:2])
    kept = []
    for r in rel:
        with open(os.path.join(src, r)) as f:
            pinned = next((ln.split()[1] for ln in f if ln.startswith("kernel ") and len(ln.split()) > 1), None)
        if pinned and pinned != live:
            say(f"{r}: skipped: written for kernel {pinned}; the live kernel is {os.uname().release}")
        else:
            kept.append(r)
    return kept


def rootless_tree(nssim, src, files, timeout):
    """Where uid 65534 can run nssim and read the scenarios: the build and source
    tree themselves if it can, otherwise a fresh copy (0755/0644) in a temp dir.
    Returns (nssim, src, tempdir-or-None)."""
    prefix = ENVS["rootless"][0]
    check = prefix + ["/bin/sh", "-c", 'test -x "$0" && for f; do test -r "$f" || exit 1; done', nssim]
    check += [os.path.join(src, f) for f in files]
    if run(check, timeout, cwd="/")[0] == 0:
        return nssim, src, None
    tmp = tempfile.mkdtemp(prefix="nssim-env-")
    temp_dirs.append(tmp)
    os.chmod(tmp, 0o755)
    bin_copy = os.path.join(tmp, "nssim")
    shutil.copyfile(nssim, bin_copy)
    os.chmod(bin_copy, 0o755)
    for f in files:
        dst = os.path.join(tmp, "src", f)
        d = os.path.dirname(dst)
        os.makedirs(d, exist_ok=True)
        while d.startswith(tmp) and d != tmp:
            os.chmod(d, 0o755)
            d = os.path.dirname(d)
        shutil.copyfile(os.path.join(src, f), dst)
        os.chmod(dst, 0o644)
    say(f"rootless: uid {ROOTLESS_UID} cannot read {nssim} or the scenarios; using a copy in {tmp}")
    return bin_copy, os.path.join(tmp, "src"), tmp


def probe_envs(names, where, timeout):
    """Which environments start at all (nssim --version runs in them), and which
    cannot run --real for a reason outside nssim. Returns two {env: reason}."""
    unusable, cannot_real = {}, {}
    for e in names:
        prefix = ENVS[e][0]
        rc, _, err, to = run(prefix + [where[e][0], "--version"], timeout, cwd="/")
        if rc != 0 or to:
            unusable[e] = f"the environment does not start here ({' '.join(prefix)} nssim --version: " + \
                ("timed out" if to else f"exit {rc}: {first_line(err)}") + ")"
        cannot_real[e] = None
    if "rootless" in names and "rootless" not in unusable:
        # Without root, --real needs a user namespace of its own to create the others in.
        probe = ENVS["rootless"][0] + ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "true"]
        rc, _, err, to = run(probe, timeout, cwd="/")
        if rc != 0 or to:
            cannot_real["rootless"] = ("unprivileged user namespaces are not available here (" +
                                       ("timed out" if to else first_line(err) or f"exit {rc}") +
                                       "; see /proc/sys/user/max_user_namespaces)")
    return unusable, cannot_real


def judge(env, f, rc, out, err, timed_out, timeout, cannot_real):
    """Returns (verdict, line, details): verdict PASS/FAIL/SKIP."""
    tag = f"{env:<15} {f}"
    if timed_out:
        return "FAIL", f"{tag}: FAIL timed out after {timeout} s", [first_line(err)]
    if rc < 0 or rc > 3:
        sig = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
        return "FAIL", f"{tag}: FAIL crashed ({sig})", err.strip().splitlines()[-5:]
    if rc == 3:
        if cannot_real:
            return "SKIP", f"{tag}: SKIP exit 3: --real cannot run here: {cannot_real}", []
        if CGROUP_UNWRITABLE in err:
            return "SKIP", f"{tag}: SKIP exit 3: {first_line(err)}", []
        return "FAIL", f"{tag}: FAIL exit 3 (--real refused to run): {first_line(err)}", []
    summary, dis_lines, failed_steps, bad_json = None, [], [], 0
    for line in out.splitlines():
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError:
            bad_json += 1
            continue
        if "summary" in o:
            summary = o["summary"]
            continue
        real = o.get("real") or {}
        for d in real.get("disagreements") or []:
            dis_lines.append(f"step {o.get('step')} (line {o.get('line')}): {d}")
        if o.get("ok") is False:
            if "expect" in o:
                what = f"expect {o['expect']}: {o.get('verdict', 'FAIL')} ({o.get('detail', '')})"
            else:
                what = f"{o.get('task')}: {o.get('call')} = {o.get('result')}, asserted = {o.get('expected')}"
            failed_steps.append(f"step {o.get('step')} (line {o.get('line')}): {what}")
    if summary is None:
        return "FAIL", f"{tag}: FAIL exit {rc}, no summary in the JSON output", err.strip().splitlines()[-5:]
    if bad_json:
        return "FAIL", f"{tag}: FAIL exit {rc}, {bad_json} line(s) of stdout are not JSON", []
    n = summary.get("disagreements")
    state = f"exit {rc}, disagreements {n}"
    if "error" in summary:
        e = summary["error"]
        return "FAIL", f"{tag}: FAIL {state}, run error at line {e.get('line')}: {e.get('message')}", []
    if not isinstance(n, int):
        return "FAIL", f"{tag}: FAIL exit {rc}, the summary has no disagreements count: {summary}", []
    if n != 0:
        return "FAIL", f"{tag}: FAIL {state}", dis_lines[:5] + ([f"... {len(dis_lines) - 5} more"]
                                                                if len(dis_lines) > 5 else [])
    allowed = ALLOWLIST.get(env, {}).get(f)
    if rc == 0:
        if allowed:
            return "PASS", (f"{tag}: PASS {state} (note: allowlisted for exit 1 but exited 0; "
                            f"remove it from ALLOWLIST[{env!r}])"), []
        return "PASS", f"{tag}: PASS {state}", []
    if rc == 1:
        why = (f"expectations failed {summary.get('expects_failed')}, "
               f"asserted results failed {summary.get('results_failed')}")
        if allowed:
            return "PASS", f"{tag}: PASS {state} (allowlisted: {allowed})", []
        return "FAIL", (f"{tag}: FAIL {state}: {why} (if this environment lacks a privilege the scenario "
                        f"needs, add it to ALLOWLIST[{env!r}] with the reason)"), failed_steps[:5]
    return "FAIL", f"{tag}: FAIL {state}: {first_line(err)}", err.strip().splitlines()[-5:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("nssim")
    ap.add_argument("source_dir")
    ap.add_argument("--envs", default=",".join(ENVS), help="comma-separated subset of: " + ", ".join(ENVS))
    ap.add_argument("--files", default="", help="comma-separated substrings: only scenarios whose path has one")
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per run (default 60)")
    ap.add_argument("--budget", type=float, default=600,
                    help="seconds for the whole matrix (default 600, under ctest's 900): runs not started "
                         "by then fail as not run")
    a = ap.parse_args()
    names = [e for e in a.envs.split(",") if e]
    for e in names:
        if e not in ENVS:
            ap.error(f"unknown environment {e!r} (known: {', '.join(ENVS)})")
    nssim, src = os.path.abspath(a.nssim), os.path.abspath(a.source_dir)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    files = scenarios(src, [x for x in a.files.split(",") if x])
    if not files:
        ap.error("no scenario matches")

    if os.geteuid() != 0:
        print(f"SKIP: the environments test needs root (euid is {os.geteuid()}): it starts every "
              "environment as root, setpriv and bwrap included")
        return SKIP
    missing = sorted({t for e in names for t in ENVS[e][1] if shutil.which(t) is None})
    if missing:
        print(f"SKIP: missing tool(s): {', '.join(missing)} (scripts/install-deps.sh installs them: "
              "util-linux has unshare and setpriv, bubblewrap has bwrap); or pick --envs")
        return SKIP
    if not os.access(nssim, os.X_OK):
        print(f"error: {nssim} is not an executable")
        return 1
    rc, _, err, _ = run([nssim, "trace", "--real", "--json", os.path.join(src, files[0])], a.timeout, cwd=src)
    if rc == 3:
        print(f"SKIP: --real cannot run on this host at all: {first_line(err)}")
        return SKIP

    def identity():
        st = os.stat(nssim)
        return st.st_ino, st.st_size, st.st_mtime_ns
    ident = identity()
    print(f"nssim: {nssim} ({ident[1]} bytes, modified "
          f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(ident[2] / 1e9))}); "
          f"{len(names)} environments x {len(files)} scenarios, {a.jobs} at a time", flush=True)
    t0 = time.monotonic()
    deadline = t0 + a.budget
    results = {}

    def one(env, f):
        if env in unusable:
            return env, f, "SKIP", f"{env:<15} {f}: SKIP {unusable[env]}", []
        left = deadline - time.monotonic()
        if left <= 0:
            line = f"{env:<15} {f}: FAIL not run: the matrix took more than --budget {a.budget:g} s"
            say(line)
            return env, f, "FAIL", line, []
        bin_, root = where[env]
        cmd = ENVS[env][0] + [bin_, "trace", "--real"] + (["--paranoid"] if env in PARANOID else []) + \
            ["--json", os.path.join(root, f)]
        tmo = min(a.timeout, left)
        rc, out, err, to = run(cmd, tmo, cwd=root)
        verdict, line, details = judge(env, f, rc, out, err, to, round(tmo, 1), cannot_real[env])
        say(line)
        return env, f, verdict, line, details

    try:
        where = {e: (nssim, src) for e in names}
        if "rootless" in names:
            r_nssim, r_src, _ = rootless_tree(nssim, src, files, a.timeout)
            where["rootless"] = (r_nssim, r_src)
        unusable, cannot_real = probe_envs(names, where, a.timeout)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            futs = [ex.submit(one, e, f) for e in names for f in files]
            for fu in concurrent.futures.as_completed(futs):
                env, f, verdict, line, details = fu.result()
                results[(env, f)] = (verdict, line, details)
    finally:
        for d in temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
    wall = time.monotonic() - t0
    try:
        if identity() != ident:
            print(f"warning: {nssim} changed during the run (rebuilt?): the results mix two binaries")
    except OSError as e:
        print(f"warning: {nssim} is gone after the run: {e}")

    for e in names:
        if e in unusable:
            print(f"SKIP {e}: {unusable[e]}")
    failed = [(k, v) for k, v in sorted(results.items()) if v[0] == "FAIL"]
    stale = [v[1] for _, v in sorted(results.items()) if "remove it from ALLOWLIST" in v[1]]
    if stale:
        print(f"\nnote: {len(stale)} allowlisted run(s) now exit 0; the allowlist is stale there:")
        for line in stale:
            print("  " + line)
    if failed:
        print(f"\nfailures ({len(failed)}):")
        for (_, _), (_, line, details) in failed:
            print(line)
            for d in details:
                if d:
                    print("    " + d)
    by_env = {}
    for (e, _), (v, _, _) in results.items():
        by_env.setdefault(e, {"PASS": 0, "FAIL": 0, "SKIP": 0})[v] += 1
    print()
    for e in names:
        c = by_env.get(e, {})
        print(f"{e:<15} {c.get('PASS', 0)} passed, {c.get('FAIL', 0)} failed, {c.get('SKIP', 0)} skipped")
    n_pass = sum(1 for v in results.values() if v[0] == "PASS")
    n_skip = sum(1 for v in results.values() if v[0] == "SKIP")
    print(f"{len(names)} environments x {len(files)} scenarios in {wall:.1f} s wall time, {n_skip} skipped")
    print(f"{n_pass} passed, {len(failed)} failed")
    if failed:
        return 1
    return SKIP if n_pass == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
