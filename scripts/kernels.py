#!/usr/bin/env python3
"""make kernels: every bundled scenario and a fixed-seed fuzz campaign on each kernel.

On the machine's own kernel (`host`) nssim runs with --real; every other version is Debian's
kernel of that version booted under qemu (`--real --vm V`, vm/README.md), one boot for all the
files and one for the campaign. The results go to BUILD/kernels/results.json and into the
section of docs/kernels.md between the "make kernels" markers (--doc). A file that pins another
kernel with a `kernel V` header line is listed as written for that kernel and not run there
(as tests/bundled.h does). Exit status: 0 when every run file agrees with every kernel and
every campaign found no problem, 1 otherwise, 3 when a kernel could not be fetched or booted.
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

BEGIN = "<!-- make kernels: begin (scripts/kernels.py writes this section) -->"
END = "<!-- make kernels: end -->"


def bundled(src):
    files = sorted(glob.glob("examples/*.nss", root_dir=src))
    files += sorted(glob.glob("labs/*/solution.nss", root_dir=src))
    files += sorted(glob.glob("tests/regressions/*.nss", root_dir=src))
    return files


def pinned_kernel(path):
    """The scenario's `kernel V` header line, or None."""
    with open(path) as f:
        for line in f:
            s = line.split("#", 1)[0].strip()
            if not s:
                continue
            m = re.fullmatch(r"kernel\s+(\S+)", s)
            if m:
                return m.group(1)
            if not re.match(r"(task|kernel)\b", s):
                return None
    return None


def major_minor(release):
    m = re.match(r"(\d+)\.(\d+)", release)
    return f"{m.group(1)}.{m.group(2)}" if m else release


def run(cmd, log):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + f"\n# rc {p.returncode}\n" + p.stderr + "\n")
    return p, time.monotonic() - t0


def summaries(stdout):
    out = []
    for line in stdout.splitlines():
        try:
            j = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "summary" in j:
            out.append(j)
    return out


def first_disagreements(stdout, limit=2):
    msgs = []
    for line in stdout.splitlines():
        try:
            j = json.loads(line)
        except json.JSONDecodeError:
            continue
        real = j.get("real") if isinstance(j, dict) else None
        for d in (real or {}).get("disagreements", []):
            msgs.append(d if isinstance(d, str) else json.dumps(d))
            if len(msgs) >= limit:
                return msgs
    return msgs


def check_kernel(nssim, kernel, files, fuzz, log):
    """Runs FILES and the campaign on KERNEL ('host' or a version); returns its result."""
    res = {"kernel": kernel, "files": {}, "written_for": {}, "fuzz": None}
    vm = [] if kernel == "host" else ["--vm", kernel]
    release = platform.release() if kernel == "host" else None
    if kernel == "host":
        runs = []
        for f in files:
            p, _ = run([nssim, "trace", "--real", "--json", f], log)
            s = summaries(p.stdout)
            runs.append((f, p, s[0] if s else None))
    else:
        p, secs = run([nssim, "trace", "--real", *vm, "--json", *files], log)
        if p.returncode == 3:
            res["error"] = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit 3"
            # The Debian package could not be had (no network, the mirror dropped that version):
            # not a failure of the kernel or of nssim.
            res["fetch_failed"] = bool(re.search(r"apt-get update for .* failed|apt-get download .* failed|"
                                                 r"no Debian kernel .* found", p.stderr))
            return res
        m = re.search(r"Linux (\S+) \(", p.stderr)
        release = m.group(1) if m else kernel
        by_file = {s.get("file"): s for s in summaries(p.stdout)}
        # The disagreements of one file: its JSON lines come before its summary.
        chunks, cur = {}, []
        for line in p.stdout.splitlines():
            cur.append(line)
            try:
                j = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "summary" in j:
                chunks[j.get("file")] = "\n".join(cur)
                cur = []
        runs = [(f, type("P", (), {"stdout": chunks.get(f, ""), "returncode": None})(), by_file.get(f)) for f in files]
        res["seconds"] = round(secs, 1)
    res["release"] = release
    for f, p, s in runs:
        if s is None:
            res["files"][f] = {"error": "no summary (see the log)"}
            continue
        sm = s["summary"]
        res["files"][f] = {
            "steps": sm.get("steps", 0),
            "disagreements": sm.get("disagreements", 0),
            "expects_failed": sm.get("expects_failed", 0) + sm.get("results_failed", 0),
            "first": first_disagreements(p.stdout) if sm.get("disagreements", 0) else [],
        }
    if fuzz["steps"] > 0:
        out = os.path.join(os.path.dirname(log), f"fuzz-{kernel}")
        per = fuzz["steps_per_run"]
        runs_n = max(1, int(fuzz["steps"] / per * 1.4) + 1)  # runs end early when a task set dies out
        p, secs = run([nssim, "fuzz", "--real", *vm, "--seed", str(fuzz["seed"]), "--runs", str(runs_n),
                       "--steps", str(per), "--out", out], log)
        m = re.search(r"(\d+) steps on the model and the live kernel checked in ([\d.]+) s: (\d+) run",
                      p.stdout + p.stderr)
        res["fuzz"] = {"seed": fuzz["seed"], "runs": runs_n, "steps": int(m.group(1)) if m else 0,
                       "problems": int(m.group(3)) if m else None, "rc": p.returncode,
                       "seconds": round(secs, 1), "out": out}
    return res


ORDER = ["6.1", "6.12", "host", "7.2", "7.3"]


def totals(r):
    """The row's counts: from its files, or as recorded by an older run that kept only totals."""
    if "totals" in r:
        return r["totals"]
    fs = r["files"].values()
    return {"files": len(r["files"]),
            "agree": sum(1 for v in fs if v.get("disagreements") == 0),
            "ok": sum(1 for v in fs if v.get("disagreements") == 0 and v.get("expects_failed") == 0),
            "steps": sum(v.get("steps", 0) for v in fs)}


def merge(old, new):
    """The rows of OLD for kernels NEW did not run, and NEW's, in ORDER."""
    by = {r["kernel"]: r for r in old}
    by.update({r["kernel"]: r for r in new})
    return sorted(by.values(), key=lambda r: ORDER.index(r["kernel"]) if r["kernel"] in ORDER else len(ORDER))


def git_commit(src):
    p = subprocess.run(["git", "-C", src, "describe", "--always", "--dirty"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip() or "?"


def write_doc(doc, results, causes):
    lines = [BEGIN, "", "## The matrix (`make kernels`)", ""]
    lines.append("Written by `make kernels` (scripts/kernels.py) on "
                 f"{time.strftime('%Y-%m-%d')}: every bundled example, lab solution and regression "
                 "scenario with `nssim trace --real` on each kernel (`--vm V`: Debian's kernel booted "
                 "under qemu), then a fixed-seed `nssim fuzz --real` campaign. \"Agree\": the model "
                 "and the kernel did the same at every step (0 disagreements). \"Expects pass\": "
                 "the scenario's own `expect` lines, written for the default profile, also hold. "
                 "Each row is the last run on that kernel (`make kernels KERNELS=7.2` reruns one row; "
                 "the rows are kept in docs/kernels-results.json), with the commit of the nssim "
                 "binary and of the files it ran.")
    lines.append("")
    lines.append("| kernel | release | files run | agree | expects pass | steps | written for another kernel | fuzz steps | fuzz problems | nssim commit, date |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            lines.append(f"| {r['kernel']} | — | not booted: {r['error']} | | | | | | | |")
            continue
        t = totals(r)
        fz = r.get("fuzz") or {}
        lines.append(f"| {r['kernel']} | {r.get('release', '')} | {t['files']} | {t['agree']} | {t['ok']} | "
                     f"{t['steps']} | {len(r['written_for'])} | {fz.get('steps', '—')} | {fz.get('problems', '—')} | "
                     f"{r.get('commit', '?')}, {r.get('date', '?')} |")
    lines.append("")
    bad = [(r, f, v) for r in results for f, v in r.get("files", {}).items()
           if v.get("disagreements", 0) or "error" in v]
    if bad:
        lines.append("Files that disagree, with their cause:")
        lines.append("")
        for r, f, v in bad:
            cause = causes.get(f"{r['kernel']}:{f}") or causes.get(f) or "not yet explained"
            first = "; ".join(v.get("first", [])) or v.get("error", "")
            lines.append(f"- {r['kernel']}, `{f}`: {v.get('disagreements', '?')} disagreement(s) ({first}). Cause: {cause}")
        lines.append("")
    else:
        lines.append("No file disagrees with any kernel.")
        lines.append("")
    for r in results:
        fz = r.get("fuzz") or {}
        if fz.get("problems"):
            cause = causes.get(f"{r['kernel']}:fuzz") or "not yet explained"
            lines.append(f"- {r['kernel']}, fuzz campaign (seed {fz['seed']}): {fz['problems']} of {fz['runs']} runs "
                         f"found a problem. Cause: {cause}")
            lines.append("")
    expect_fail = [(r, f) for r in results for f, v in r.get("files", {}).items()
                   if v.get("disagreements") == 0 and v.get("expects_failed")]
    if expect_fail:
        lines.append("Files whose `expect` lines assume a newer kernel (the model agrees with the kernel; "
                     "the expectations are the default profile's): " +
                     ", ".join(f"{r['kernel']} `{f}`" for r, f in expect_fail) + ".")
        lines.append("")
    for r in results:
        if r.get("written_for"):
            lines.append(f"Not run on {r['kernel']} (written for another kernel): " +
                         ", ".join(f"`{f}` ({v})" for f, v in sorted(r["written_for"].items())) + ".")
    lines += ["", END]
    text = open(doc).read() if os.path.exists(doc) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + "\n".join(lines) + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    with open(doc, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nssim", default="build/cli/nssim")
    ap.add_argument("--kernels", default="6.1 6.12 host 7.2 7.3",
                    help="space-separated: versions to boot, and 'host' for this machine's kernel")
    ap.add_argument("--fuzz-steps", type=int, default=10000)
    ap.add_argument("--fuzz-seed", type=int, default=180000)
    ap.add_argument("--steps-per-run", type=int, default=40)
    ap.add_argument("--files", nargs="*", help="instead of every bundled scenario")
    ap.add_argument("--out", default="build/kernels")
    ap.add_argument("--doc", default="docs/kernels.md", help="'' to leave the docs alone")
    ap.add_argument("--known-ok", action="store_true",
                    help="a file whose disagreement docs/kernels-causes.json records (KERNEL:FILE) does not fail "
                         "the run, nor a kernel whose Debian package cannot be fetched (CI's slice: it fails "
                         "on new disagreements and on kernels that do not boot)")
    ap.add_argument("--from-results", help="rewrite the docs from a results.json of an earlier run (no run)")
    a = ap.parse_args()
    src = os.getcwd()
    causes_path = os.path.join(src, "docs", "kernels-causes.json")
    causes = json.load(open(causes_path)) if os.path.exists(causes_path) else {}
    if a.from_results:
        write_doc(a.doc, json.load(open(a.from_results)), causes)
        return 0
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "kernels.log")
    open(log, "w").close()
    files = a.files or bundled(src)
    results, rc = [], 0
    for k in a.kernels.split():
        version = major_minor(platform.release()) if k == "host" else k
        run_files, written = [], {}
        for f in files:
            pin = pinned_kernel(f)
            if pin and pin != version:
                written[f] = f"kernel {pin}"
            else:
                run_files.append(f)
        print(f"make kernels: {k}: {len(run_files)} files, {a.fuzz_steps} fuzz steps", file=sys.stderr, flush=True)
        r = check_kernel(a.nssim, k, run_files, {"steps": a.fuzz_steps, "seed": a.fuzz_seed,
                                                 "steps_per_run": a.steps_per_run}, log)
        r["written_for"] = written
        r["commit"], r["date"] = git_commit(src), time.strftime("%Y-%m-%d")
        results.append(r)
        if "error" in r:
            print(f"make kernels: {k}: {r['error']}", file=sys.stderr)
            if a.known_ok and r.get("fetch_failed"):
                print(f"make kernels: {k}: its Debian kernel package could not be fetched: skipped", file=sys.stderr)
                continue
            rc = max(rc, 3)
            continue
        dis = [f for f, v in r["files"].items() if v.get("disagreements", 0) or "error" in v]
        fz = r.get("fuzz") or {}
        print(f"make kernels: {k} ({r.get('release')}): {len(r['files']) - len(dis)}/{len(r['files'])} files agree; "
              f"fuzz {fz.get('steps', 0)} steps, {fz.get('problems')} problem(s)", file=sys.stderr, flush=True)
        new = []
        for f in dis:  # what CI shows when the slice fails
            v = r["files"][f]
            why = v.get("error") or "; ".join(v.get("first") or []) or f"{v['disagreements']} disagreement(s)"
            cause = causes.get(f"{k}:{f}")
            if a.known_ok and cause:
                print(f"make kernels: {k}: {f} disagrees, as recorded in docs/kernels-causes.json: {why}",
                      file=sys.stderr, flush=True)
                continue
            new.append(f)
            print(f"make kernels: {k}: {f} disagrees: {why}", file=sys.stderr, flush=True)
        if new or fz.get("problems"):
            rc = max(rc, 1)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if a.doc:
        # One row per kernel: the kernels run now replace their rows, the others stay.
        rows_path = os.path.join(os.path.dirname(a.doc), "kernels-results.json")
        old = json.load(open(rows_path)) if os.path.exists(rows_path) else []
        rows = merge(old, results)
        with open(rows_path, "w") as f:
            json.dump(rows, f, indent=1)
            f.write("\n")
        write_doc(a.doc, rows, causes)
    print(f"make kernels: results in {a.out}/results.json, log {log}" + (f", table in {a.doc}" if a.doc else ""),
          file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
