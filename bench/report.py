#!/usr/bin/env python3
"""nssim-bench-report: Google Benchmark JSON from nssim-bench -> a Markdown
report with tables and SVG charts (drawn by gnuplot).

    nssim-bench-report BENCH.json -o DIR [--rev REV] [--no-charts]

Writes DIR/benchmarks.md and DIR/bench-images/*.svg. Standard library only;
charts need gnuplot (Debian: gnuplot-nox) and are left out, with a warning,
when it is missing or with --no-charts. Every number in the report is
computed from the JSON: nothing is typed in by hand.

Exit status: 0 report written; 1 the JSON has FAILED cases (the report is
still written, listing them); 2 usage or unreadable input.
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

# ---- reading ------------------------------------------------------------------

STRIP = re.compile(r"^(min_time:.*|real_time|manual_time|iterations:\d+|repeats:\d+|threads:\d+)$")
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def clean(name):
    return "/".join(p for p in name.split("/") if not STRIP.match(p))


class Case:
    def __init__(self, key):
        self.key = key
        self.wall = []  # ns per iteration, one per repetition
        self.cpu = []
        self.manual = False
        self.counters = {}
        self.label = ""
        self.error = None

    @property
    def ok(self):
        return self.error is None and bool(self.wall)

    def med(self):
        return statistics.median(self.wall)

    def lo(self):
        return min(self.wall)

    def hi(self):
        return max(self.wall)

    def spread(self):
        """(max - min) / median, in percent."""
        m = self.med()
        return 100.0 * (self.hi() - self.lo()) / m if m else 0.0

    def cpu_med(self):
        return statistics.median(self.cpu) if self.cpu else None


def load(path):
    with open(path) as f:
        data = json.load(f)
    cases = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        key = clean(b.get("run_name", b["name"]))
        c = cases.setdefault(key, Case(key))
        if b.get("error_occurred"):
            c.error = b.get("error_message", "error")
            continue
        u = UNIT_NS[b.get("time_unit", "ns")]
        c.wall.append(b["real_time"] * u)
        c.cpu.append(b["cpu_time"] * u)
        c.manual = "manual_time" in b["name"]
        c.label = b.get("label", "")
        known = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
                 "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
                 "error_occurred", "error_message", "aggregate_name", "aggregate_unit"}
        for k, v in b.items():
            if k not in known and isinstance(v, (int, float)):
                c.counters.setdefault(k, []).append(v)
    return data.get("context", {}), cases


def counter(c, name):
    v = c.counters.get(name)
    return statistics.median(v) if v else None


# ---- formatting -----------------------------------------------------------------

def t(ns):
    """A time in ns, in a readable unit with 3 significant digits."""
    if ns is None:
        return "–"
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= f:
            return f"{ns / f:.3g} {unit}"
    return f"{ns:.3g} ns"


def x(v):
    if v is None:
        return "–"
    return f"{v:.3g}×" if v < 100 else f"{v:,.0f}×"


def pct(v):
    return f"{v:.1f}%"


def num(v):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---- fits -------------------------------------------------------------------------

def linfit(xs, ys):
    """Weighted least squares y = a + b x, minimising the *relative* residuals
    (weights 1/y^2), so that sizes spanning decades weigh alike and the fixed
    part is not swamped by the largest point. Returns a, b, r2 (of that fit)."""
    w = [1.0 / (y * y) if y else 1.0 for y in ys]
    sw = sum(w)
    mx = sum(wi * xi for wi, xi in zip(w, xs)) / sw
    my = sum(wi * yi for wi, yi in zip(w, ys)) / sw
    sxx = sum(wi * (xi - mx) ** 2 for wi, xi in zip(w, xs))
    if sxx == 0:
        return my, 0.0, 1.0
    b = sum(wi * (xi - mx) * (yi - my) for wi, xi, yi in zip(w, xs, ys)) / sxx
    a = my - b * mx
    ss_tot = sum(wi * (yi - my) ** 2 for wi, yi in zip(w, ys))
    ss_res = sum(wi * (yi - a - b * xi) ** 2 for wi, xi, yi in zip(w, xs, ys))
    return a, b, 1.0 - ss_res / ss_tot if ss_tot else 1.0


def growth(xs, ys, unit="unit"):
    """A sentence: fixed + per-unit cost, and the exponent at the top of the range."""
    if len(xs) < 2:
        return "too few sizes to fit"
    a, b, r2 = linfit(xs, ys)
    s = math.log(ys[-1] / ys[-2]) / math.log(xs[-1] / xs[-2]) if ys[-2] > 0 and xs[-1] != xs[-2] else 0
    ratio = ys[-1] / ys[0] if ys[0] else float("inf")
    if s < 0.15 and ratio < 1.5:
        kind = "constant"
    elif s < 0.15:
        kind = "constant at the top of the range"
    elif s < 0.85:
        kind = "sublinear"
    elif s < 1.3:
        kind = "linear"
    else:
        kind = "superlinear"
    kind += f" (exponent {s:.2f} at the top)"
    return (f"**{kind}**: t ≈ {t(a)} + {t(b)} per {unit} (fit on relative error, R² = {r2:.3f}); "
            f"×{ratio:.3g} from the smallest to the largest size")


# ---- charts ---------------------------------------------------------------------------

def esc(text):
    """A label for gnuplot's enhanced text: literal underscores and carets."""
    return text.replace("_", r"\\_").replace("^", r"\\^").replace('"', "'")


def floor_decade(series):
    """The power of ten below the smallest bar, so every bar shows on a log axis."""
    vals = [v for _, vs in series for v in vs if v]
    return 10 ** math.floor(math.log10(min(vals)) - 0.3) if vals else 1


class Charts:
    def __init__(self, outdir, enabled):
        self.dir = os.path.join(outdir, "bench-images")
        self.enabled = enabled and shutil.which("gnuplot") is not None
        self.why_not = None
        if enabled and not self.enabled:
            self.why_not = "gnuplot is not installed (Debian: apt-get install gnuplot-nox)"
        elif not enabled:
            self.why_not = "--no-charts"
        if self.enabled:
            os.makedirs(self.dir, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="nssim-report-")

    HEAD = ('set terminal svg size 760,440 dynamic enhanced font "sans,11" background rgb "white"\n'
            'set grid ytics lc rgb "#dddddd"\nset border 3\nset tics nomirror\nset key below\nset bmargin 6\n')

    def _run(self, name, script):
        path = os.path.join(self.dir, name + ".svg")
        gp = self.HEAD + f'set output "{path}"\n' + script
        r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
        if r.returncode != 0:
            sys.stderr.write(f"nssim-bench-report: gnuplot failed on {name}: {r.stderr}\n")
            return None
        return f"bench-images/{name}.svg"

    def _dat(self, name, rows):
        p = os.path.join(self.tmp, name + ".dat")
        with open(p, "w") as f:
            for r in rows:
                f.write(" ".join(str(v) for v in r) + "\n")
        return p

    def bars(self, name, title, labels, series, ylabel="time per call (ns)", logy=True):
        """series: [(title, [value or None per label])]."""
        if not self.enabled:
            return None
        rows = [[f'"{lab}"'] + [("NaN" if s[1][i] is None else s[1][i]) for s in series]
                for i, lab in enumerate(labels)]
        dat = self._dat(name, rows)
        cols = ", ".join(f'"{dat}" using {j + 2}:xtic(1) title "{esc(s[0])}"' if j == 0 else
                         f'"" using {j + 2} title "{esc(s[0])}"' for j, s in enumerate(series))
        script = (f'set title "{esc(title)}"\nset ylabel "{esc(ylabel)}"\n'
                  f'set style data histograms\nset style histogram clustered gap 1\n'
                  f'set style fill solid 0.85 border -1\nset boxwidth 0.9\nset xtics rotate by -30\n'
                  + (f"set logscale y\nset yrange [{floor_decade(series)}:*]\n" if logy else "set yrange [0:*]\n")
                  + f"plot {cols}\n")
        return self._run(name, script)

    def lines(self, name, title, xlabel, series, ylabel="time (ns)", logx=True, logy=True, hline=None):
        """series: [(title, [(x, y)])]; hline: (y, title) drawn dashed, e.g. a target."""
        if not self.enabled:
            return None
        plots = []
        if hline:
            plots.append(f'{hline[0]} with lines dt 2 lw 2 lc rgb "#cc0000" title "{esc(hline[1])}"')
        for i, (st, pts) in enumerate(series):
            if not pts:
                continue
            dat = self._dat(f"{name}-{i}", pts)
            plots.append(f'"{dat}" using 1:2 with linespoints lw 2 pt 7 title "{esc(st)}"')
        if not plots:
            return None
        script = (f'set title "{esc(title)}"\nset xlabel "{esc(xlabel)}"\nset ylabel "{esc(ylabel)}"\n'
                  + "set autoscale xfix\nset offsets graph 0.03, graph 0.03, 0, 0\n"
                  + ("set logscale x\n" if logx else "")
                  + ("set logscale y\n" if logy else "set yrange [0:*]\n")
                  + "plot " + ", ".join(plots) + "\n")
        return self._run(name, script)


def img(path, alt):
    return f"\n![{alt}]({path})\n" if path else ""


# ---- the report ------------------------------------------------------------------------

NS_TYPES = ["uts", "ipc", "net", "mnt", "cgroup", "time", "pid", "user"]


def series(cases, prefix, argname):
    """[(arg, case)] for keys 'prefix/argname:N', sorted by N."""
    out = []
    for k, c in cases.items():
        m = re.fullmatch(re.escape(prefix) + "/" + re.escape(argname) + r":(\d+)", k)
        if m and c.ok:
            out.append((int(m.group(1)), c))
    return sorted(out, key=lambda p: p[0])

# ---- the commands users run (bench/commands_bench.cc) ------------------------------

TRACE_KINDS = [("summary", "`nssim trace --no-events --no-table`"), ("text", "`nssim trace` (events and tables)"),
               ("json", "`nssim trace --json`"), ("html", "`nssim trace --no-events --no-table --html`")]


def cmd_real_overhead(get, med, mode, n):
    c, k = get(f"cmd/real/{mode}/live_tasks:{n}"), med("kernel/sethostname")
    return (c.med() - k) if (c and k) else None


def command_targets(cases, get, med):
    """Rows of the Targets table for issue 19's targets."""
    rows = []

    def at(kind, n):
        return get(f"cmd/trace/{kind}/steps:{n}")

    for kind, limit in (("summary", 3e9), ("json", 10e9)):
        what = "`nssim trace --no-events --no-table`" if kind == "summary" else "`nssim trace --json`"
        big, small = at(kind, 10 ** 6), at(kind, 10 ** 4)
        if big:
            rows.append([f"10⁶-step {what} ≤ {limit / 1e9:.0f} s", t(big.med()),
                         "met" if big.med() <= limit else "**missed** (analysed below)"])
        if big and small:
            r = (big.med() / 10 ** 6) / (small.med() / 10 ** 4)
            rows.append([f"{what}: time per step at 10⁶ steps ≤ 1.5× that at 10⁴",
                         f"{x(r)} ({t(big.med() / 10 ** 6)} vs {t(small.med() / 10 ** 4)} per step)",
                         "met" if r <= 1.5 else "**missed** (analysed below)"])
    ov = cmd_real_overhead(get, med, "default", 100)
    if ov is not None:
        rows.append(["`nssim trace --real` overhead per step ≤ 1 ms at 100 live tasks",
                     f"{t(ov)} (a step {t(get('cmd/real/default/live_tasks:100').med())} − the syscall "
                     f"{t(med('kernel/sethostname'))})", "met" if ov <= 1e6 else "**missed** (analysed below)"])
    sn, ls = get("cmd/snapshot/namespaces:1000"), get("cmd/lsns/namespaces:1000")
    if sn and ls:
        r = sn.med() / ls.med()
        rows.append(["`nssim snapshot --json` ≤ 1.0× `lsns -J` at 1,000 namespaces",
                     f"{x(r)} ({t(sn.med())} vs {t(ls.med())})", "met" if r <= 1.0 else "**missed** (analysed below)"])
    hp = get("cmd/html_first_picture/steps:10000")
    if hp:
        rows.append(["HTML page of 10⁴ steps: first picture ≤ 2 s in headless Chromium",
                     f"{t(hp.med())} ({num(counter(hp, 'page_bytes') / 1e6)} MB page)",
                     "met" if hp.med() <= 2e9 else "**missed** (analysed below)"])
    return rows


def commands_section(cases, get, med, ch, w):
    if not any(k.startswith("cmd/") for k in cases):
        return
    w("## The commands users run\n")
    w("The `nssim` binary started as a user starts it (fork, exec, exit), output to `/dev/null`, at "
      "SCHED_OTHER on every CPU, timed from fork to exit (`bench/commands_bench.cc`). Scratch files are on a "
      "tmpfs of the sandbox.\n")
    w("### `nssim trace`: a growth curve\n")
    w("The scenario of issue 19: blocks of `clone(CLONE_NEWUTS|CLONE_NEWNET) -> tN; tN: sethostname; "
      "tN: exit(0); init: wait(tN)` — never more than two live tasks, so the time per step must stay flat "
      "however long the scenario is. *RSS* is the command's peak resident memory.\n")
    rows = []
    curves = []
    for kind, what in TRACE_KINDS:
        ser = series(cases, f"cmd/trace/{kind}", "steps")
        pts = []
        for n, c in ser:
            rss = counter(c, "max_rss_kb")
            rows.append([what, num(n), t(c.med()), t(c.med() / n), pct(c.spread()),
                         f"{rss / 1024:.0f} MB" if rss else "–", num(rss * 1024 / n) if rss else "–"])
            pts.append((n, c.med() / n))
        if pts:
            curves.append((kind, pts))
    for k, c in sorted(cases.items()):
        if k.startswith("cmd/trace/") and not c.ok:
            rows.append([k, "", c.error or "no data", "", "", "", ""])
    w(table(["command", "steps", "wall", "per step", "spread", "peak RSS", "RSS B/step"], rows))
    bullets = [f"- {kind}: per step {t(pts[0][1])} at {num(pts[0][0])} steps, {t(pts[-1][1])} at "
               f"{num(pts[-1][0])} steps ({x(pts[-1][1] / pts[0][1])})" for kind, pts in curves if len(pts) >= 2]
    if bullets:
        w("\n" + "\n".join(bullets))
    w("")
    if curves:
        w(img(ch.lines("trace-per-step", "nssim trace: time per step vs scenario length", "steps",
                       [(k, p) for k, p in curves], ylabel="time per step (ns)"), "trace per step"))

    w("### `nssim trace --real` with many live tasks\n")
    w("`init: clone(CLONE_NEWUTS) -> w`, idle tasks made by `init: clone(0)` up to N live tasks, then "
      "`w: sethostname(...)` steps, which touch none of the idle tasks (N = 1: init alone makes them). Two runs differ only in the number of sethostname steps; their "
      "difference divided by the difference in steps is the time of one step with N live tasks (start-up, "
      "setup and teardown cancel). *Overhead* subtracts the syscall itself (`kernel/sethostname`). "
      "`--paranoid` reads every task after every step.\n")
    rows = []
    for mode in ("default", "paranoid"):
        for n, c in series(cases, f"cmd/real/{mode}", "live_tasks"):
            ov = cmd_real_overhead(get, med, mode, n)
            rows.append([f"`--real{' --paranoid' if mode == 'paranoid' else ''}`", num(n), t(c.med()), t(ov),
                         pct(c.spread())])
        for k, c in sorted(cases.items()):
            if k.startswith(f"cmd/real/{mode}") and not c.ok:
                rows.append([f"`{k}`", "", c.error or "no data", "", ""])
    w(table(["command", "live tasks", "per step", "overhead", "spread"], rows))
    w("")

    w("### `nssim snapshot` vs `lsns -J`\n")
    w("N namespaces added in the sandbox (N/2 processes, each in a new uts and ipc namespace), then "
      "`nssim snapshot --json` and `lsns -J` on the same system. Both see the sandbox's processes; nssim also "
      "reads refcounts and holders with BPF and the bind mounts of every mount namespace.\n")
    rows = []
    for n, c in series(cases, "cmd/snapshot", "namespaces"):
        l = get(f"cmd/lsns/namespaces:{n}")
        rows.append([num(n), t(c.med()), pct(c.spread()), t(l.med()) if l else "–", pct(l.spread()) if l else "–",
                     x(c.med() / l.med()) if l else "–"])
    w(table(["added namespaces", "nssim snapshot --json", "spread", "lsns -J", "spread", "nssim ÷ lsns"], rows))
    w("")

    w("### Tracing a real program, fuzzing on the kernel, the page in a browser\n")
    rows = []
    tc, stc = get("cmd/trace_cmd"), get("cmd/strace")
    if tc:
        rows.append(["`nssim trace -- unshare --uts --ipc --net --fork -- true`", t(tc.med()), pct(tc.spread()),
                     f"{x(tc.med() / stc.med())} plain `strace -f`" if stc else "–"])
    if stc:
        rows.append(["`strace -f -o /dev/null` of the same command", t(stc.med()), pct(stc.spread()), "1×"])
    fz = get("cmd/fuzz_real")
    if fz:
        rows.append(["`nssim fuzz --real`, per step", t(fz.med()), pct(fz.spread()),
                     f"{1e9 / fz.med():,.0f} steps/s ({num(counter(fz, 'steps'))} steps per run)"])
    for k in sorted(cases):
        if k.startswith("cmd/html_first_picture"):
            c = cases[k]
            if c.ok:
                pm = counter(c, "page_first_picture_ms")
                rows.append([f"`nssim trace --html` page of {num(counter(c, 'steps'))} steps: open → first picture "
                             "painted (headless Chromium)", t(c.med()), pct(c.spread()),
                             f"page {num(counter(c, 'page_bytes') / 1e6)} MB"
                             + (f"; the page's own clock: {pm / 1000:.2f} s after navigation start" if pm else "")])
    for k, c in sorted(cases.items()):
        if k.split("/")[0] == "cmd" and k.split("/")[1] in ("trace_cmd", "strace", "fuzz_real",
                                                            "html_first_picture") and not c.ok:
            rows.append([f"`{k}`", c.error or "no data", "", ""])
    w(table(["command", "median", "spread", "compared"], rows, ["l", "r", "r", "l"]))
    w("")
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "commands_analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            w(f.read().rstrip() + "\n")



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json")
    ap.add_argument("-o", "--out", required=True, help="output directory (benchmarks.md + bench-images/)")
    ap.add_argument("--rev", default="", help="source revision to print (default: git describe, if any)")
    ap.add_argument("--no-charts", action="store_true")
    a = ap.parse_args()
    try:
        ctx, cases = load(a.json)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"nssim-bench-report: cannot read {a.json}: {e}\n")
        return 2
    os.makedirs(a.out, exist_ok=True)
    ch = Charts(a.out, not a.no_charts)
    rev = a.rev
    if not rev:
        try:
            rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                                 cwd=os.path.dirname(os.path.abspath(a.json))).stdout.strip()
        except OSError:
            rev = ""

    def get(k):
        c = cases.get(k)
        return c if c and c.ok else None

    def med(k):
        c = get(k)
        return c.med() if c else None

    null = med("kernel/null_syscall")

    def vs_null(v):
        return x(v / null) if (v is not None and null) else "–"

    md = []
    w = md.append
    w("# nssim benchmarks\n")
    w("What `setns`, `unshare` and `clone3` cost on the live kernel, how that grows, and what the model "
      "(`sim/`) costs for the same calls — measured in **one run** of `nssim-bench` (Google Benchmark), so "
      "every ratio compares figures taken side by side. Generated by `bench/report.py` from the run's JSON; "
      "regenerate with `make bench` (see the end).\n")

    # ---- machine ----
    load_avg = ctx.get("load_avg", [])
    reps = max((len(c.wall) for c in cases.values()), default=0)
    w("## The run\n")
    w(table(["", ""], [
        ["kernel", ctx.get("kernel", "?")],
        ["CPU", f'{ctx.get("cpu_model", "?")}, {ctx.get("num_cpus", "?")} CPUs ({ctx.get("cpus_online", "?")}), '
                f'{ctx.get("mhz_per_cpu", "?")} MHz'],
        ["date", ctx.get("date", "?")],
        ["source", rev or "?"],
        ["scheduling", f'{ctx.get("sched", "?")}, pinned to CPU {ctx.get("pinned_cpu", "?")}'],
        ["sandbox", ctx.get("sandbox", "?")],
        ["load average at start", ", ".join(f"{v:.2f}" for v in load_avg) or "?"],
        ["repetitions", f"{reps} per case (fewer where stated)"],
        ["builds", f'nssim {ctx.get("nssim_build_type", "?")}; Google Benchmark library '
                   f'{ctx.get("library_build_type", "?")} (Debian\'s; its timing loop is inlined into our '
                   f'-O3 code)'],
        ["CPU vulnerabilities", ctx.get("kernel_cmdline_mitigations", "?")],
    ], ["l", "l"]))
    w("")
    if ctx.get("quick") == "yes":
        w("> **Quick run** (`--quick`): one repetition, tiny minimum time, small sizes — a smoke test, not a "
          "measurement.\n")

    # ---- headline + targets ----
    ratio_setns = {}
    for ty in NS_TYPES:
        k, s = med(f"kernel/setns/{ty}"), med(f"sim/setns/{ty}")
        ratio_setns[ty] = (k / s) if (k and s) else None
    kfork, sfork = med("kernel/clone3/none"), med("sim/clone3/none")
    fork_ratio = kfork / sfork if (kfork and sfork) else None
    mem_series = series(cases, "sim_scale/memory/tasks", "tasks")
    mem_top = mem_series[-1] if mem_series else None
    mem_bytes = counter(mem_top[1], "heap_bytes_per_task") if mem_top else None
    replays = series(cases, "sim/replay", "steps")
    replay_any = replays[-1][1] if replays else None
    real_step = med("real/step/sethostname")
    khost = med("kernel/sethostname")
    overhead = (real_step - khost) if (real_step and khost) else None

    w("## Targets\n")
    rows = []
    worst = min((v for v in ratio_setns.values() if v), default=None)
    best = max((v for v in ratio_setns.values() if v), default=None)
    rows.append(["modelled setns ≥ 20× cheaper than the kernel's (per type, same run)",
                 f"{x(worst)} … {x(best)} (kernel {t(med('kernel/setns/uts'))} vs model "
                 f"{t(med('sim/setns/uts'))} for uts)" if worst else "–",
                 "met" if worst and worst >= 20 else "**missed**"])
    rows.append(["modelled fork+exit+wait ≥ 1000× cheaper",
                 f"{x(fork_ratio)} (kernel {t(kfork)} vs model {t(sfork)})" if fork_ratio else "–",
                 "met" if fork_ratio and fork_ratio >= 1000 else "**missed**"])
    rows.append([f"≤ 256 heap bytes per task at 10⁶ tasks",
                 f"{num(mem_bytes)} B at {num(mem_top[0])} tasks" if mem_bytes else "–",
                 "met" if (mem_bytes and mem_bytes <= 256 and mem_top[0] >= 10 ** 6) else "**missed**"])
    if replay_any:
        steps = counter(replay_any, "steps")
        parse_s = counter(replay_any, "parse_s")
        run_s = replay_any.med() / 1e9
        done = counter(replay_any, "steps_done") or steps
        if counter(replay_any, "finished") == 0:
            rows.append(["10⁶-step scenario replayed (no printing) < 2 s",
                         f"**did not finish**: stopped after {run_s:.0f} s at step {num(done)} of {num(steps)} "
                         f"(parse alone {parse_s:.2f} s)", "**missed**"])
        else:
            rows.append(["10⁶-step scenario replayed (no printing) < 2 s",
                         f"run {run_s:.2f} s + parse {parse_s:.2f} s = {run_s + parse_s:.2f} s for {num(steps)} steps",
                         ("met" if run_s + parse_s < 2 else "run met, **run + parse missed**" if run_s < 2
                          else "**missed**") if steps and steps >= 10 ** 6 else "not measured at 10⁶ (quick run)"])
    rows.append(["`nssim trace --real` overhead per step ≤ 1 ms, one task (in-process Runner)",
                 f"{t(overhead)} (a step {t(real_step)} − the syscall {t(khost)})" if overhead else "–",
                 "met" if overhead is not None and overhead <= 1e6 else "**missed**"])
    rows += command_targets(cases, get, med)
    w(table(["target", "measured", "verdict"], rows, ["l", "l", "l"]))
    w("\nRatios are kernel median ÷ model median, both from this run. A target the model misses is analysed "
      "under [Where the model's time goes](#where-the-models-time-goes); the design, not the target, is what "
      "has to change.\n")

    commands_section(cases, get, med, ch, w)

    # ---- noise ----
    w("## Noise\n")
    per_call = [c for k, c in cases.items() if c.ok and len(c.wall) > 1 and
                (k.startswith("kernel/") or k.startswith("sim/setns") or k.startswith("sim/unshare")
                 or k.startswith("sim/clone3"))]
    if per_call:
        under5 = sum(1 for c in per_call if c.spread() < 5)
        sp = sorted(c.spread() for c in per_call)
        w(f"Every figure is the **median** of the repetitions; *spread* = (max − min) / median over them. "
          f"Of {len(per_call)} per-call cases, **{under5}** have a spread under 5%; median spread "
          f"{pct(statistics.median(sp))}, worst {pct(sp[-1])}.\n")
        noisy = sorted(per_call, key=lambda c: -c.spread())[:8]
        w("The noisiest per-call cases:\n")
        w(table(["case", "min", "median", "max", "spread"],
                [[f"`{c.key}`", t(c.lo()), t(c.med()), t(c.hi()), pct(c.spread())] for c in noisy if c.spread() >= 5]
                or [["(none ≥ 5%)", "", "", "", ""]]))
        w("")
    para = ("Where the spread stays above 5%, the cause is the machine, not the loop: a 2-CPU virtual machine "
            "shared with other work (load average above), and kernel work the loop waits for on other CPUs or "
            "threads (RCU grace periods after a mount namespace is dropped, the net namespace cleanup workqueue, "
            "child processes). The sandbox runs pinned at SCHED_FIFO, so it is not preempted by that work.")
    noisy_all = [c for c in per_call if c.spread() >= 5 and not c.manual and len(c.cpu) > 1]
    slow = [c for c in noisy_all
            if (max(c.cpu) - min(c.cpu)) / statistics.median(c.cpu) * 100 >= 0.8 * c.spread()]
    if noisy_all:
        para += (f" In {len(slow)} of the {len(noisy_all)} cases above 5% the thread's CPU time varies as much as "
                 f"the wall time: the loop itself ran slower in some repetitions — the other virtual CPU's work "
                 f"competes for the same physical core, caches and memory — rather than being interrupted.")
    w(para + "\n")

    # ---- kernel per call ----
    w("## Kernel: per call\n")
    w(f"The floor: a null system call (`syscall(SYS_getpid)`) costs **{t(null)}** here; the ×null column "
      "divides each median by it. *on CPU* is the median CPU time of the calling thread: below the wall time "
      "when the call sleeps (RCU) or another task does the work.\n")
    rows = []
    for k in ["kernel/null_syscall", "kernel/sethostname", "kernel/open_close_nsfs"]:
        c = get(k)
        if c:
            rows.append([f"`{k}`", t(c.med()), t(c.lo()), t(c.hi()), pct(c.spread()), vs_null(c.med()),
                         t(c.cpu_med())])
    w(table(["case", "median", "min", "max", "spread", "×null", "on CPU"], rows))
    w("")

    def kernel_rows(prefix, names):
        rows = []
        for n in names:
            c = cases.get(f"{prefix}/{n}")
            if not c:
                continue
            if not c.ok:
                rows.append([n, c.error or "no data", "", "", "", "", ""])
                continue
            rows.append([n, t(c.med()), t(c.lo()), t(c.hi()), pct(c.spread()), vs_null(c.med()),
                         "–" if c.manual else t(c.cpu_med())])
        return rows

    w("### setns per type\n")
    w("A round trip between the sandbox's namespace and a second one held by a helper process, both "
      "opened before the loop; time **per call**. One untimed round trip first proves that "
      "`/proc/self/ns/TYPE` really changes; every call's result is checked. `user` cannot round-trip "
      "(after entering a child user namespace the caller has no capability left in the parent), so it is "
      "measured one way: a fresh child enters once, and only the call is timed.\n")
    w(table(["type", "median", "min", "max", "spread", "×null", "on CPU"], kernel_rows("kernel/setns", NS_TYPES)))
    w(img(ch.bars("setns-per-type", "setns per type: kernel vs model (per call, log scale)", NS_TYPES,
                  [("kernel", [med(f"kernel/setns/{n}") for n in NS_TYPES]),
                   ("model", [med(f"sim/setns/{n}") for n in NS_TYPES])]), "setns per type"))

    w("### setns through a pidfd: k types at once vs k nsfs calls\n")
    order = ["uts", "ipc", "cgroup", "net", "pid", "mnt", "time"]
    w("Types are added in the order " + ", ".join(order) + " (k = 1 is uts alone, k = 7 all but user). "
      "Time per switch (one direction of the round trip).\n")
    pid_s = series(cases, "kernel/setns_pidfd", "k")
    nsfs_s = series(cases, "kernel/setns_nsfs_k", "k")
    rows = []
    nsfs_d = dict(nsfs_s)
    for kk, c in pid_s:
        n = nsfs_d.get(kk)
        rows.append([kk, "+" + order[kk - 1], t(c.med()), pct(c.spread()), t(n.med()) if n else "–",
                     pct(n.spread()) if n else "–", x(n.med() / c.med()) if n else "–"])
    w(table(["k", "adds", "one setns(pidfd)", "spread", "k setns(nsfs)", "spread", "nsfs ÷ pidfd"], rows))
    w(img(ch.lines("setns-pidfd-vs-k", "entering k namespace types: one pidfd call vs k nsfs calls", "k",
                   [("setns(pidfd, k flags)", [(kk, c.med()) for kk, c in pid_s]),
                    ("k × setns(nsfs fd)", [(kk, c.med()) for kk, c in nsfs_s])],
                   ylabel="time per switch (ns)", logx=False, logy=False), "pidfd vs nsfs"))

    w("### unshare per type\n")
    w("Repeated in one process: each call makes a namespace and drops the previous one (its teardown is "
      "in the figure, except where the kernel defers it: net namespaces are freed by a workqueue). `pid`: "
      "a second `unshare(CLONE_NEWPID)` is EINVAL until `pid_for_children` is reset, so each iteration "
      "goes back with an untimed `setns`, and only the `unshare` is timed. `user`: namespaces nest (32 "
      "levels at most), so each call is made once by a fresh child, timed alone.\n")
    w(table(["type", "median", "min", "max", "spread", "×null", "on CPU"], kernel_rows("kernel/unshare", NS_TYPES)))
    w(img(ch.bars("unshare-per-type", "unshare per type: kernel vs model (per call, log scale)", NS_TYPES,
                  [("kernel", [med(f"kernel/unshare/{n}") for n in NS_TYPES]),
                   ("model", [med(f"sim/unshare/{n}") for n in NS_TYPES])]), "unshare per type"))

    w("### clone3 per CLONE_NEW* flag (create + exit + wait)\n")
    w("`clone3({.flags, .exit_signal = SIGCHLD})`, the child calls `exit_group(0)` at once, the parent "
      "`waitpid`s: creation and teardown of the process and of its new namespace. `none` is a plain fork.\n")
    cl = ["none"] + NS_TYPES + ["all"]
    rows = kernel_rows("kernel/clone3", cl)
    base = med("kernel/clone3/none")
    for r in rows:
        v = med(f"kernel/clone3/{r[0]}")
        if v and base and r[0] != "none":
            noise = get("kernel/clone3/none").spread() / 100 * base
            r.append(t(v - base) if v - base > noise else "within noise")
        else:
            r.append("–")
    w(table(["flags", "median", "min", "max", "spread", "×null", "on CPU", "− plain fork"], rows))
    w(img(ch.bars("clone3-per-flag", "clone3 + exit + wait per flag: kernel vs model (log scale)", cl,
                  [("kernel", [med(f"kernel/clone3/{n}") for n in cl]),
                   ("model", [med(f"sim/clone3/{n}") for n in cl])], ylabel="time per clone+exit+wait (ns)"),
          "clone3 per flag"))

    # ---- growth ----
    w("## Growth\n")
    w("Each curve is fitted as *fixed + per-unit* cost (least squares on relative error, so every size "
      "weighs alike); the growth class is read from the exponent between the two largest sizes (the "
      "log-log slope at the top of the range).\n")
    um = series(cases, "growth/unshare_mnt", "added_mounts")
    sm = series(cases, "growth/setns_mnt", "added_mounts")

    def pts(s, cname):
        return [(counter(c, cname) or n, c.med()) for n, c in s]

    w("### Mounts in the mount namespace\n")
    w("A private mount namespace (made by `unshare` inside the sandbox) with the sandbox's own mounts plus "
      "n−1 tmpfs mounts on a tmpfs; x = the lines of its `/proc/self/mountinfo`. `unshare(CLONE_NEWNS)` is "
      "repeated from it (each call copies the tree and drops the previous copy); `setns(mnt)` round-trips "
      "between it and a copy.\n")
    rows = [[num(counter(c, "mounts")), t(c.med()), pct(c.spread()), t(dict(sm)[n].med()) if n in dict(sm) else "–"]
            for n, c in um]
    w(table(["mounts", "unshare(CLONE_NEWNS)", "spread", "setns(mnt)"], rows))
    if um:
        p = pts(um, "mounts")
        w(f"\n- unshare(CLONE_NEWNS): {growth([a for a, _ in p], [b for _, b in p], 'mount')}")
    if sm:
        p = pts(sm, "mounts")
        w(f"- setns(mnt): {growth([a for a, _ in p], [b for _, b in p], 'mount')}\n")
    w(img(ch.lines("growth-mounts", "cost vs mounts in the namespace (log-log)", "mounts",
                   [("unshare(CLONE_NEWNS)", pts(um, "mounts")), ("setns(mnt) per call", pts(sm, "mounts"))]),
          "growth with mounts"))

    nn = series(cases, "growth/netns_create", "netns")
    w("### Net namespaces that exist\n")
    w("`unshare(CLONE_NEWNET)` repeated (create one, drop the previous one) while n net namespaces exist "
      "(the sandbox's own + n−1 pinned by open fds). The kernel frees a dropped net namespace in a "
      "workqueue (`cleanup_net()`), so teardown is only partly in the figure (as it competes for the CPU).\n")
    w(table(["net namespaces", "create + drop", "spread", "on CPU"],
            [[num(n), t(c.med()), pct(c.spread()), t(c.cpu_med())] for n, c in nn]))
    if nn:
        w(f"\n- {growth([n for n, _ in nn], [c.med() for _, c in nn], 'namespace')}\n")
    w(img(ch.lines("growth-netns", "unshare(CLONE_NEWNET) vs existing net namespaces (log-log)",
                   "net namespaces", [("create + drop", [(n, c.med()) for n, c in nn])]), "growth with netns"))

    w("### Threads in the process\n")
    w("setns round trip (per call) with n idle threads in the process. `mnt` (shared fs_struct), `time` "
      "and `user` refuse multi-threaded callers (EINVAL/EUSERS), so uts and net are measured.\n")
    thr = {ty: series(cases, f"growth/setns_threads/{ty}", "extra_threads") for ty in ("uts", "net")}
    rows = []
    for n, c in thr["uts"]:
        cn = dict(thr["net"]).get(n)
        rows.append([n + 1, t(c.med()), pct(c.spread()), t(cn.med()) if cn else "–", pct(cn.spread()) if cn else "–"])
    w(table(["threads", "setns(uts)", "spread", "setns(net)", "spread"], rows))
    for ty in ("uts", "net"):
        if thr[ty]:
            w(f"\n- setns({ty}): {growth([n + 1 for n, _ in thr[ty]], [c.med() for _, c in thr[ty]], 'thread')}")
    w(img(ch.lines("growth-threads", "setns vs threads in the process (log-log)", "threads",
                   [(f"setns({ty})", [(n + 1, c.med()) for n, c in thr[ty]]) for ty in ("uts", "net")]),
          "growth with threads"))

    # ---- model ----
    w("## Model (`sim/`) vs kernel, per call\n")
    w("The same calls on the model (tracing off, as in a replay), each next to the kernel's median from this "
      "run. *kernel ÷ model* above 1 means the model is cheaper. *allocs* are heap allocations per call, "
      "counted by a replaced `operator new`. `calls/*`: `thread_exit` is pthread_create + join on the kernel, "
      "thread() + exit on the model; `mount_bind_umount` bind-mounts `/proc/self/ns/net` on a file and "
      "unmounts it; `open_path_close` opens that mounted file; `write_uid_map` writes `0 0 1` to a fresh "
      "user namespace's map (timed alone).\n")
    rows = []
    pairs = ([("sethostname", "sethostname"), ("open_close_nsfs", "open_close_nsfs")] +
             [(f"setns/{n}", f"setns/{n}") for n in NS_TYPES] +
             [(f"unshare/{n}", f"unshare/{n}") for n in NS_TYPES] +
             [(f"clone3/{n}", f"clone3/{n}") for n in cl] +
             [(f"setns_pidfd/k:{k}", f"setns_pidfd/k:{k}") for k in (1, 7)] +
             [(f"setns_nsfs_k/k:{k}", f"setns_nsfs_k/k:{k}") for k in (1, 7)] +
             sorted((k[len("sim/"):], k[len("sim/"):]) for k in cases if k.startswith("sim/calls/")))
    for sk, kk in pairs:
        s, k = get(f"sim/{sk}"), get(f"kernel/{kk}")
        if not s:
            continue
        rows.append([f"`{sk}`", t(s.med()), pct(s.spread()), num(counter(s, "allocs_per_call")),
                     t(k.med()) if k else "–", x(k.med() / s.med()) if k else "–"])
    w(table(["call", "model", "spread", "allocs", "kernel", "kernel ÷ model"], rows))
    w("")

    # ---- where the time goes ----
    w("## Where the model's time goes\n")
    nc, fl, names, mal = (get("sim/breakdown/nsproxy_copy"), get("sim/breakdown/nsproxy_copy_floor"),
                          get("sim/breakdown/names"), get("sim/breakdown/malloc"))
    ss = get("sim/setns/uts")
    rows = []
    for key, what in [("sim/setns/uts", "a whole modelled setns(uts)"),
                      ("sim/breakdown/nsproxy_copy", "create_new_namespaces(0) + put_nsproxy (prepare_nsset's copy)"),
                      ("sim/breakdown/nsproxy_copy_floor", "the bare refcount work of that copy (new NsProxy, 8 get, 8 put)"),
                      ("sim/breakdown/names", "one \"nsproxy#N\" name + two slot names (fmt + std::string)"),
                      ("sim/breakdown/malloc", "operator new + delete, 128 bytes"),
                      ("sim/clone3/none", "a whole modelled fork + exit + wait"),
                      ("sim/breakdown/fork_floor", "the allocations of a fork, alone (new + delete of each object)")]:
        c = get(key)
        if c:
            rows.append([what, t(c.med()), num(counter(c, "allocs_per_call")), num(counter(c, "bytes_alloc_per_call"))])
    w(table(["what", "median", "allocs", "bytes allocated"], rows, ["l", "r", "r", "r"]))
    w("")
    if ss and nc and fl:
        rest = nc.med() - fl.med()
        allocs = counter(ss, "allocs_per_call") or 0
        w(f"- The kernel makes a new nsproxy on every setns. With tracing off the model gets the same end state "
          f"more cheaply: when the caller alone uses its nsproxy (count 1, the benchmark's case) it is updated in "
          f"place under the fresh id the kernel's copy would get (NsProxy::renew()); a shared nsproxy is copied by "
          f"*borrowing* the old one's references instead of taking eight and dropping the same eight at commit. "
          f"Ids, sharing and every count after the call are the kernel's, and with tracing on the copy is made "
          f"reference by reference (sim/nsproxy.cc: prepare_nsset()). The setns path is written once as templates "
          f"on the tracer and compiled twice, so the quiet build replay uses has no trace hook in it at all. "
          f"The kernel's full copy, create_new_namespaces(0) + put_nsproxy, costs {t(nc.med())} "
          f"({t(fl.med())} of bare refcount work) against {t(ss.med())} for a whole setns(uts), "
          f"with {num(allocs)} heap allocations per setns (pooled objects; nsproxies are not listed in the "
          f"leak checker's registry, which finds them in their pool when asked; event text is formatted, out of "
          f"line, only while tracing).")
        k = med("kernel/setns/uts")
        if k:
            verdict = ("met" if ss.med() * 20 <= k else
                       "missed: what remains is the call itself (fd lookup, capability checks, the install, the "
                       "nsproxy from its pool and back, the commit)")
            w(f"- The 20× target for setns(uts) needs ≤ {t(k / 20)} per call; the model takes {t(ss.med())}: "
              f"{verdict}.")
    sf, ff = get("sim/clone3/none"), get("sim/breakdown/fork_floor")
    if sf and ff and kfork:
        w(f"- A modelled fork+exit+wait makes {num(counter(sf, 'allocs_per_call'))} heap allocations; its objects "
          f"(task, cred, struct pid; an empty files table and an unshared fs_struct stay implicit) cost "
          f"{t(ff.med())} to take from and return to their pools, against the {t(kfork / 1000)} the 1000× target "
          f"allows.")
    w("")
    sizes = get("sim/object_sizes")
    if sizes:
        objs = ["Task", "Cred", "Pid", "PidNumber_vector_elem", "FilesStruct", "FsStruct", "NsProxy"]
        rows = [[o.replace("_vector_elem", " (numbers[] heap block)"), num(counter(sizes, "sizeof_" + o)),
                 num(counter(sizes, "heap_" + o))] for o in objs if counter(sizes, "sizeof_" + o) is not None]
        # Tasks, creds, struct pids and nsproxies come from per-type pools (sim/pool.h): one slot of
        # sizeof bytes each, no malloc chunk. A plain fork takes a task, a cred and a struct pid (a
        # root-level pid keeps its number inline; an empty files table and an unshared fs_struct stay
        # implicit).
        per_fork = sum(counter(sizes, "sizeof_" + o) or 0 for o in ["Task", "Cred", "Pid"])
        w("Size per object (pooled objects take one pool slot of sizeof bytes; *heap chunk* is a malloc "
          "chunk, – where the object is pooled):\n")
        w(table(["object", "sizeof", "heap chunk"], rows))
        others = ["UtsNamespace", "NetNamespace", "PidNamespace", "UserNamespace", "MntNamespace", "File"]
        w("\nNamespaces and files (sizeof): " + ", ".join(
            f"{o} {num(counter(sizes, 'sizeof_' + o))}" for o in others if counter(sizes, "sizeof_" + o)) + ".")
        w(f"\nA plain fork takes a task, a cred and a struct pid from their pools: **{num(per_fork)} B** of slots "
          f"(an empty files table and an unshared fs_struct stay implicit; a root-level pid keeps its number inline).")
        if mem_bytes:
            w(f"Measured at {num(mem_top[0])} live tasks: {num(mem_bytes)} B per task, so "
              f"{num(mem_bytes - per_fork)} B per task beyond those slots (the task table's pointer, the "
              f"children links and the pools' slab slack).")
        w("")

    # ---- model scaling ----
    w("## Model scaling: 10⁶ tasks, 10⁵ namespaces\n")
    fl_s = series(cases, "sim_scale/fork_exit_wait/flat", "tasks")
    tr_s = series(cases, "sim_scale/fork_exit_wait/tree", "tasks")
    rows = []
    trd = dict(tr_s)
    for n, c in fl_s:
        tc = trd.get(n)
        rows.append([num(n), t(c.med()), pct(c.spread()), t(tc.med()) if tc else "–",
                     num(counter(c, "heap_bytes_per_task"))])
    w("fork+exit+wait by init while n tasks are alive: *flat* = all children of init (a scenario where init "
      "forks everything); *tree* = at most 1000 children per task.\n")
    w(table(["live tasks", "flat", "spread", "tree", "heap B/task"], rows))
    if fl_s:
        w(f"\n- flat: {growth([n for n, _ in fl_s], [c.med() for _, c in fl_s], 'task')}")
    if tr_s:
        w(f"- tree: {growth([n for n, _ in tr_s], [c.med() for _, c in tr_s], 'task')}")
    if fl_s and tr_s and fl_s[-1][1].med() > 2 * tr_s[-1][1].med():
        w(f"- The flat curve grows with the parent's number of children: `release_task()` unlinks the child "
          f"with `std::remove` over the parent's `children` vector (linear), where the kernel's list_del is "
          f"O(1). An intrusive list (or an index kept in the task) makes it constant.")
    w("")
    ms = mem_series
    if ms:
        w("Heap bytes per live task (mallinfo2 before/after building the population, ÷ tasks; includes malloc "
          "headers, the registry's and the task table's slots):\n")
        w(table(["tasks", "heap B/task", "allocs/task", "time per clone while building"],
                [[num(n), num(counter(c, "heap_bytes_per_task")), num(counter(c, "allocs_per_task")), t(c.med())]
                 for n, c in ms]))
        w("")
    nsm = series(cases, "sim_scale/memory/netns", "namespaces")
    sn = series(cases, "sim_scale/setns_net", "namespaces")
    un = series(cases, "sim_scale/unshare_net", "namespaces")
    if sn or un:
        w("With n live net namespaces (n−1 tasks made by `clone(CLONE_NEWNET)`, each with its nsproxy):\n")
        und, nsd = dict(un), dict(nsm)
        w(table(["namespaces", "setns(net)", "unshare(CLONE_NEWNET)", "heap B per task+netns"],
                [[num(n), t(c.med()), t(und[n].med()) if n in und else "–",
                  num(counter(nsd[n], "heap_bytes_per_task")) if n in nsd else "–"] for n, c in sn]))
        if un:
            w(f"\n- unshare(CLONE_NEWNET): {growth([n for n, _ in un], [c.med() for _, c in un], 'namespace')}")
        if sn:
            w(f"- setns(net): {growth([n for n, _ in sn], [c.med() for _, c in sn], 'namespace')}")
        w("")
    w(img(ch.lines("sim-scaling", "model: time per step vs live tasks / namespaces (log-log)", "n",
                   [("fork+exit+wait, flat", [(n, c.med()) for n, c in fl_s]),
                    ("fork+exit+wait, tree", [(n, c.med()) for n, c in tr_s]),
                    ("setns(net), n namespaces", [(n, c.med()) for n, c in sn]),
                    ("unshare(net), n namespaces", [(n, c.med()) for n, c in un])]), "model scaling"))
    w(img(ch.lines("sim-memory", "model: heap bytes per live task", "live tasks",
                   [("plain tasks", [(n, counter(c, "heap_bytes_per_task")) for n, c in ms if n > 1]),
                    ("tasks with their own net namespace", [(n, counter(c, "heap_bytes_per_task")) for n, c in nsm
                                                            if n > 1])],
                   ylabel="bytes", logy=False, hline=(256, "target: 256 B per task at 10^6 tasks")), "model memory"))

    hf = series(cases, "sim_scale/history/fork", "reaped")
    hp = series(cases, "sim_scale/history/clone3_newpid", "reaped")
    if hf or hp:
        w("### Long traces: after n tasks were created and reaped\n")
        w("The same model after n fork+exit+wait steps (a long trace). A reaped task leaves an empty slot in "
          "the task table, which never shrinks; `find_new_reaper()` and `zap_pid_ns_processes()` walk that "
          "table when a pid namespace's init exits. Each measured iteration adds a slot too, so the table "
          "size is given as the mean it had during the measurement.\n")
        hpd = dict(hp)

        def slots(c, n):
            return counter(c, "mean_task_slots") or max(n, 1)

        w(table(["reaped before", "fork+exit+wait", "spread", "table slots (mean)", "clone3(CLONE_NEWPID)+exit+wait",
                 "spread"],
                [[num(n), t(c.med()), pct(c.spread()), num(slots(hpd[n], n)) if n in hpd else "–",
                  t(hpd[n].med()) if n in hpd else "–", pct(hpd[n].spread()) if n in hpd else "–"] for n, c in hf]))
        if hf:
            w(f"\n- fork+exit+wait: {growth([slots(c, n) for n, c in hf], [c.med() for _, c in hf], 'table slot')}")
        if hp:
            w(f"- clone3(CLONE_NEWPID)+exit+wait: "
              f"{growth([slots(c, n) for n, c in hp], [c.med() for _, c in hp], 'table slot')}")
        w("")
        w(img(ch.lines("sim-history", "model: a step vs task-table slots left by reaped tasks (log-log)",
                       "task-table slots",
                       [("fork+exit+wait", [(slots(c, n), c.med()) for n, c in hf]),
                        ("clone3(CLONE_NEWPID)+exit+wait", [(slots(c, n), c.med()) for n, c in hp])]),
              "model history"))

    rs = series(cases, "sim_scale/runner_step", "named_tasks")
    w("### Replaying scenarios\n")
    if replays:
        w("`Runner::run` on generated scenarios (a preamble, then blocks of ten statements: clone with new "
          "uts+net, sethostname, open, setns in and out, an expectation, close, unshare ipc, exit, wait), "
          "tracing off, no printing; parsing is timed apart. A run still going after 10 s is stopped and "
          "reported with the steps it got through.\n")
        rows = []
        for n, c in replays:
            done = counter(c, "steps_done") or n
            fin = counter(c, "finished") != 0
            rows.append([num(n), t(c.med()) + ("" if fin else " (stopped)"), num(done), t(c.med() / done),
                         pct(c.spread()), f"{counter(c, 'parse_s'):.2f} s",
                         num(counter(c, "parsed_scenario_MB") * 1e6 / n)])
        w(table(["steps", "run", "steps done", "per step", "spread", "parse", "parsed B/statement"], rows))
        if len(replays) >= 2:
            xs_ = [counter(c, "steps_done") or n for n, c in replays]
            ys_ = [c.med() / (counter(c, "steps_done") or n) for n, c in replays]
            w(f"\n- time per step vs scenario length: {growth(xs_, ys_, 'step replayed')}")
            if ys_[-1] > 3 * ys_[0]:
                w("- The time per step grows with the length of the trace: some per-step work is proportional to "
                  "what the trace has created so far (the Runner's observation after every call covers every "
                  "namespace ever created, not only the live ones), so a replay is quadratic overall.")
        w("")
    if rs:
        w("The Runner observes every task the scenario has named after every call (`SimBackend::observe()`), "
          "so a step costs more the more tasks are named:\n")
        w(table(["named tasks", "time per step", "spread"], [[num(n), t(c.med()), pct(c.spread())] for n, c in rs]))
        w(f"\n- {growth([n for n, _ in rs], [c.med() for _, c in rs], 'named task')}\n")

    # ---- --real ----
    w("## `nssim trace --real` overhead\n")
    w("The Runner with the live-kernel backend as peer, wired as `nssim trace --real` does, without printing. "
      "Each step sends the call to the task's agent process, then reads the `/proc/PID/stat`, `status` and "
      "ten `ns/*` links of the tasks the call can have changed (of every task with `--paranoid`, which "
      "`real/observe` measures) and compares them with the model. Many live tasks: "
      "[the commands users run](#the-commands-users-run).\n")
    rows = []
    for k, what in [("real/step/sethostname", "a `sethostname` step (one task)"),
                    ("kernel/sethostname", "the same syscall made directly"),
                    ("real/call_sethostname", "RealBackend::call alone (agent round trip)"),
                    ("real/observe/tasks:1", "RealBackend::observe, --paranoid, 1 task"),
                    ("real/observe/tasks:4", "RealBackend::observe, --paranoid, 4 tasks"),
                    ("real/observe/tasks:16", "RealBackend::observe, --paranoid, 16 tasks"),
                    ("real/step/mixed/steps:300", "a step of the mixed 300-step scenario"),
                    ("real/startup", "sandbox start + teardown (once per run)")]:
        c = get(k)
        if c:
            rows.append([what, t(c.med()), pct(c.spread())])
    w(table(["what", "median", "spread"], rows, ["l", "r", "r"]))
    ob = series(cases, "real/observe", "tasks")
    if len(ob) >= 2:
        w(f"\n- observe() vs tasks: {growth([n for n, _ in ob], [c.med() for _, c in ob], 'task')}")
        fa, fb, _ = linfit([n for n, _ in ob], [c.med() for _, c in ob])
        if fb > 0 and overhead is not None:
            n1ms = (1e6 - (overhead - ob[0][1].med()) - fa) / fb
            w(f"- With `--paranoid`, the 1 ms budget holds up to about **{max(n1ms, 1):.0f} live tasks**; past "
              f"that, reading every task's ten links after every step dominates. Without it a step reads only "
              f"the tasks it can have changed (`cmd/real/default` above).")
    mixed = get("real/step/mixed/steps:300")
    if overhead is not None:
        w(f"\nOverhead per step beyond the syscall: **{t(overhead)}** (target ≤ 1 ms)."
          + (f" The 300-step mixed scenario (clones with new net namespaces, setns, exit, wait) checks on the "
             f"kernel in {counter(mixed, 'scenario_s'):.2f} s." if mixed else "") + "\n")

    # ---- verdicts ----
    bad = sorted((k, c.error) for k, c in cases.items() if c.error)
    w("## Skipped and failed cases\n")
    if not bad:
        w("None: every case measured.\n")
    else:
        w(table(["case", "why"], [[f"`{k}`", e] for k, e in bad], ["l", "l"]))
        w("")
    failed = [k for k, e in bad if e.startswith("FAILED")]

    w("## Method\n")
    w("- **Sandbox.** As root, `nssim-bench` forks a sandbox first: pid 1 of a new pid namespace with its own "
      "mount (made `MS_REC|MS_PRIVATE`), uts, ipc, net and cgroup namespaces and a fresh `/proc`. Every "
      "namespace, mount (tmpfs, in private mount namespaces) and process a case makes lives there and dies "
      "with it — at the end, on Ctrl-C (the parent kills it) or if the parent is killed "
      "(`PR_SET_PDEATHSIG`). The host is never changed.\n"
      "- **Honest loops.** Namespaces are prepared and fds opened before the timed loop; each call's result is "
      "checked inside it (one predictable branch) and any failure turns the case into a FAILED error with the "
      "errno — never a timed error path; an untimed round trip first proves the namespace really changes. A "
      "case the kernel does not permit is skipped with the reason.\n"
      "- **Scheduling.** The sandbox is pinned to one CPU and runs at SCHED_FIFO (its children too), so other "
      "work cannot preempt a timed loop; before each case it rests long enough to stay under the kernel's "
      "real-time throttle (95% of a CPU).\n"
      "- **Memory** is measured, not estimated: heap in use from `mallinfo2()` before and after building a "
      "population, and allocations from a counting `operator new` linked into the benchmark binary.\n"
      "- **Why a Python script.** The report is a stdlib-only Python 3 script (`bench/report.py`, copied to the "
      "build directory as `nssim-bench-report`): JSON in, Markdown and gnuplot scripts out. It keeps plotting "
      "and statistics out of the C++ binary and its dependencies, and charts come from gnuplot (Debian "
      "`gnuplot-nox`), not hand-drawn SVG.\n")
    w("## Reproduce\n")
    w("```sh\nmake bench                     # as root: deps (+ gnuplot-nox), Release build, the suite, this report\n"
      "make bench BENCH_REPORT=docs   # the same, rewriting docs/benchmarks.md and docs/bench-images/\n"
      "build-bench/bench/nssim-bench --benchmark_filter='kernel/setns' # one family\n```\n")

    with open(os.path.join(a.out, "benchmarks.md"), "w") as f:
        f.write("\n".join(md).rstrip() + "\n")
    if ch.why_not:
        sys.stderr.write(f"nssim-bench-report: no charts: {ch.why_not}\n")
    shutil.rmtree(ch.tmp, ignore_errors=True)
    sys.stderr.write(f"nssim-bench-report: wrote {os.path.join(a.out, 'benchmarks.md')}\n")
    if failed:
        sys.stderr.write(f"nssim-bench-report: {len(failed)} case(s) FAILED: {', '.join(failed)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
