#!/usr/bin/env python3
"""gradcli benchmarks: every workload side by side, written to bench/RESULTS.md.

    python3 bench/run.py [--quick] [--only W2,W4] [--no-setup]

Each measurement is a fresh subprocess of the side's own interpreter: gradcli and the floors run
in the project's .venv, PyTorch / HIPS autograd / micrograd in bench/.peers (made by
bench/setup.sh, which this runs first when the venv is missing). Within a workload the sides take
turns (round r starts at side r), so slow drift of the machine hits every side alike; medians of
all samples are reported. Whole-process workloads (W1, W5) are timed by the wall clock around the
process; CPU time and peak RSS come from os.wait4 for that one child. The others are timed inside
the process (worker.py), which also measures the workload's peak extra memory.

Standard library only: any python3 can run this file.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

PROJECT_PY = os.path.join(ROOT, ".venv", "bin", "python")
GRADCLI = os.path.join(ROOT, ".venv", "bin", "gradcli")
PEERS_PY = os.path.join(HERE, ".peers", "bin", "python")
WORKER = os.path.join(HERE, "worker.py")
OUT_DIR = os.path.join(HERE, "out")
RESULTS = os.path.join(HERE, "RESULTS.md")
SEED_GX_CANDIDATES = [os.path.join(ROOT, "samples", "01_seed_tutorial.gx"),
                      os.path.join(ROOT, "..", "shared", "acceptance", "a01_seed_tutorial.gx")]

# The env notes: OpenBLAS variables set on some machines slow a current numpy. Unset both, for the
# benchmark's children only (never in tests or CI). Colour off so no side pays for rendering.
DROP_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


THREADS = None  # --threads N: BLAS / OpenMP / PyTorch threads for every side (default: as shipped)


def child_env():
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    if THREADS:
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(THREADS)
    env["NO_COLOR"] = "1"
    env.pop("PYTHONPATH", None)
    # an installed package has its bytecode; without this a shell that sets
    # PYTHONDONTWRITEBYTECODE makes every W1/W5/W7 run recompile changed modules from source
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ running one process
def run_proc(argv, timeout):
    """Run argv to completion; wall time, CPU time and peak RSS of exactly this child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                             env=child_env(), start_new_session=True)
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)  # the process group this call started
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"argv": argv, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                "maxrss_kib": ru.ru_maxrss, "rc": p.returncode, "timed_out": bool(timed_out),
                "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")}


_checks = {}


def available(python, snippet):
    """None when `python -c snippet` works, else the reason (cached)."""
    key = (python, snippet)
    if key not in _checks:
        if not os.path.exists(python):
            _checks[key] = f"{os.path.relpath(python, ROOT)} missing"
        elif snippet is None:
            _checks[key] = None
        else:
            r = run_proc([python, "-c", snippet], 120)
            lines = (r["stderr"] or r["stdout"]).strip().splitlines()
            _checks[key] = None if r["rc"] == 0 else (lines[-1] if lines else f"exit {r['rc']}")
    return _checks[key]


# ------------------------------------------------------------------ sides
def floor_python():
    return PROJECT_PY if os.path.exists(PROJECT_PY) else PEERS_PY


ENGINE_NAMES = "tensor tanh sin exp sum mean".split()
SIDE_ENV = {  # side -> (interpreter, availability check)
    "floor": (floor_python, None),
    "gradcli": (lambda: PROJECT_PY,
                "import gradcli as g; [getattr(g, n) for n in %r]" % (ENGINE_NAMES,)),
    "gradcli-gx": (lambda: PROJECT_PY, "from gradcli.session import Session, Options"),
    "torch": (lambda: PEERS_PY, "import torch"),
    "hips": (lambda: PEERS_PY, "import autograd"),
    "micrograd": (lambda: PEERS_PY, "import micrograd.engine"),
    "micrograd-default-limit": (lambda: PEERS_PY, "import micrograd.engine"),
}
SIDE_TEXT = {
    "floor": "floor",
    "gradcli": "gradcli (engine from Python)",
    "gradcli-gx": "gradcli (.gx via Session.run)",
    "torch": "PyTorch 2.13 eager",
    "hips": "HIPS autograd",
    "micrograd": "micrograd (recursion limit raised)",
    "micrograd-default-limit": "micrograd (default recursion limit)",
}


def worker_case(module, side, params, reps, timeout):
    def spec():
        py = SIDE_ENV[side][0]()
        return [py, WORKER, module, side, json.dumps(dict(params, reps=reps))]
    return {"kind": "worker", "side": side, "spec": spec, "timeout": timeout,
            "check": lambda: available(SIDE_ENV[side][0](), SIDE_ENV[side][1])}


def cmd_case(side, text, argv_fn, timeout, expect=None, check_py=None, check=None):
    def chk():
        if check_py is not None:
            why = available(*check_py)
            if why:
                return why
        return check() if check else None
    return {"kind": "cmd", "side": side, "text": text, "spec": argv_fn, "timeout": timeout,
            "expect": expect, "check": chk}


# ------------------------------------------------------------------ the plan
def seed_gx():
    for p in SEED_GX_CANDIDATES:
        if os.path.exists(p):
            return os.path.normpath(p)
    return None


def plan(quick):
    groups = []
    R = 1 if quick else None

    # W1 start-up: whole processes
    torch_one = ("import torch; x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True); "
                 "y = x**2 * torch.sin(x); y.backward(); print(y.item(), x.grad.item())")
    hips_one = ("import autograd.numpy as np; from autograd import grad; "
                "f = lambda x: x**2 * np.sin(x); print(f(1.5), grad(f)(1.5))")
    groups.append({"w": "W1", "key": "W1", "title": "W1 start-up: a one-liner derivative as a whole process",
                   "label": "d/dx x**2*sin(x) at 1.5", "rounds": R or 10, "whole": True,
                   "cases": [
                       cmd_case("floor", "python -c 'import numpy'",
                                lambda: [floor_python(), "-c", "import numpy"], 60),
                       cmd_case("gradcli", "gradcli grad 'x**2*sin(x)' x=1.5",
                                lambda: [GRADCLI, "grad", "x**2*sin(x)", "x=1.5"], 60, expect="3.15",
                                check=lambda: None if os.path.exists(GRADCLI) else ".venv/bin/gradcli missing"),
                       cmd_case("torch", "PyTorch one-liner",
                                lambda: [PEERS_PY, "-c", torch_one], 120, expect="3.15",
                                check_py=(PEERS_PY, "import torch")),
                       cmd_case("hips", "HIPS autograd one-liner",
                                lambda: [PEERS_PY, "-c", hips_one], 60, expect="3.15",
                                check_py=(PEERS_PY, "import autograd")),
                   ]})

    # W2 scalar loop
    steps = 1000 if quick else 10_000
    sides = ["floor", "gradcli", "gradcli-gx", "torch", "hips", "micrograd"]
    groups.append({"w": "W2", "key": "W2", "title": "W2 scalar loop: y = y * 1.0001 + 0.5 * x - tanh(y) * 0.01",
                   "label": f"{steps:,} steps, 6 ops each", "ops": 6 * steps, "rounds": R or 5,
                   "cases": [worker_case("w2_scalar", s, {"steps": steps}, 2 if quick else 4, 180)
                             for s in sides]})

    # W3 big tensors
    sides = ["floor", "gradcli", "gradcli-gx", "torch", "hips"]
    sizes = ([("ew", 10**5), ("mm", 128)] if quick else
             [("ew", 10**6), ("ew", 10**7), ("mm", 512), ("mm", 2048)])
    for kernel, n in sizes:
        big = (kernel == "ew" and n >= 10**7) or (kernel == "mm" and n >= 2048)
        label = (f"sum(exp(sin(x) * y + x * x)), n = {n:,}" if kernel == "ew"
                 else f"mean(tanh(A @ B) @ C), {n}x{n}")
        groups.append({"w": "W3", "key": f"W3 {kernel} {n}", "title": "W3 big tensors (float64)",
                       "label": label, "rounds": R or (3 if big else 5), "mem": True,
                       "kernel": kernel, "n": n, "basis": "wall",
                       "cases": [worker_case("w3_tensors", s, {"kernel": kernel, "n": n},
                                             2 if quick else (3 if big else 5), 600) for s in sides]})

    # W4 deep graphs
    sides = ["floor", "gradcli", "gradcli-gx", "torch", "hips", "micrograd", "micrograd-default-limit"]
    for n in ([10**3, 10**4] if quick else [10**4, 10**5, 10**6]):
        groups.append({"w": "W4", "key": f"W4 {n}", "title": "W4 deep graphs: a chain y = y * 1.0000001",
                       "label": f"chain of {n:,} ops", "ops": n, "n": n,
                       "rounds": R or (2 if n >= 10**6 else 3), "mem": True,
                       "cases": [worker_case("w4_chain", s, {"n": n},
                                             1 if n >= 10**6 else (2 if quick else 3),
                                             300 if n >= 10**6 else 120) for s in sides]})

    # W5 the seed tutorial, whole process
    gx = seed_gx()
    groups.append({"w": "W5", "key": "W5", "title": "W5 the seed tutorial as a whole process",
                   "label": os.path.relpath(gx, ROOT) if gx else "seed tutorial", "rounds": R or 10,
                   "whole": True,
                   "cases": [
                       cmd_case("floor", "python -c 'import numpy'",
                                lambda: [floor_python(), "-c", "import numpy"], 60),
                       cmd_case("gradcli", f"gradcli run {os.path.relpath(gx, ROOT) if gx else '?'}",
                                lambda: [GRADCLI, "run", gx], 60, expect="\nOK",
                                check=lambda: (None if gx and os.path.exists(GRADCLI)
                                               else "no seed script or no .venv/bin/gradcli")),
                       cmd_case("torch", "python bench/w5_seed_torch.py",
                                lambda: [PEERS_PY, os.path.join(HERE, "w5_seed_torch.py")], 120,
                                expect="\nOK", check_py=(PEERS_PY, "import torch")),
                   ]})
    groups.extend(w7_groups(R))
    return groups


# W7: gradcli grad as a pipeline stage (bench/w7_pipeline.py makes the data and the floors).
# W7b reads and writes 160-240 MB files. On a disk, each sample's system time then depends on
# the page-cache writeback of the samples before it (seen: the floor's sys 0.25-3.3 s), so
# both sides read and write in a RAM file system (/dev/shm) when there is one, each output is
# removed before its sample (no sample pays for truncating the last one's), and the disk is
# synced once before the group starts. Judged by CPU time (user + sys), medians of 7 samples.
W7_SCRIPT = os.path.join(HERE, "w7_pipeline.py")
W7_EXPR = "x**2*sin(y) + exp(x*y)"
_w7_data = []


def w7_scratch():
    """A directory for W7b's files: a fresh one in /dev/shm (removed at exit), else bench/out."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        import atexit
        import shutil
        d = tempfile.mkdtemp(prefix="gradcli-w7-", dir=shm)
        atexit.register(shutil.rmtree, d, True)
        return d
    return OUT_DIR


def w7_data():
    """(w7a.jsonl, w7b.npy): made once in bench/out (10^5 lines, 10^7 points); the .npy
    is read from a copy in the scratch directory; outputs go there too."""
    if not _w7_data:
        r = subprocess.run([floor_python(), W7_SCRIPT, "data", OUT_DIR], capture_output=True,
                           text=True, check=True)
        a, b = r.stdout.split()
        scratch = w7_scratch()
        if scratch != OUT_DIR:
            import shutil
            b = shutil.copy(b, os.path.join(scratch, "w7b.npy"))
        os.sync()              # no writeback of the data (or of earlier groups) during W7
        _w7_data.extend([a, b, scratch])
    return _w7_data


def _fresh(path):
    """``path`` after removing it: a sample never truncates the previous sample's file."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    return path


def _sh(cmd):
    return ["/bin/sh", "-c", "exec " + cmd]


def w7_groups(R):
    gc = lambda: None if os.path.exists(GRADCLI) else ".venv/bin/gradcli missing"
    a = lambda: w7_data()[0]
    b = lambda: w7_data()[1]
    out = lambda name: _fresh(os.path.join(w7_data()[2], name))
    return [
        {"w": "W7", "key": "W7a", "title": "W7a grad --jsonl: 10^5 lines of x**2*sin(y) + exp(x*y)",
         "label": "whole process, stdin -> stdout", "rounds": R or 7, "whole": True,
         "cases": [
             cmd_case("floor", "python bench/w7_pipeline.py floor-a (json + numpy per chunk)",
                      lambda: _sh(f"{floor_python()} {W7_SCRIPT} floor-a < {a()} > /dev/null"), 300),
             cmd_case("gradcli", "gradcli grad EXPR --jsonl",
                      lambda: _sh(f"{GRADCLI} grad '{W7_EXPR}' --jsonl < {a()} > /dev/null"), 300,
                      check=gc)]},
        {"w": "W7", "key": "W7b", "title": "W7b grad --input pts.npy --output out.npy: 10^7 points",
         "label": "whole process, file -> file (in /dev/shm)", "rounds": R or 7, "whole": True,
         "cases": [
             cmd_case("floor", "python bench/w7_pipeline.py floor-b (np.load, numpy, np.save)",
                      lambda: [floor_python(), W7_SCRIPT, "floor-b", b(), out("w7b_floor.npy")], 600),
             cmd_case("gradcli", "gradcli grad EXPR --input w7b.npy --output out.npy",
                      lambda: [GRADCLI, "grad", W7_EXPR, "--input", b(), "--output",
                               out("w7b_gradcli.npy")], 600, check=gc)]},
    ]


# ------------------------------------------------------------------ running the plan
def measure(case):
    argv = case["spec"]()
    r = run_proc(argv, case["timeout"])
    res = {"argv": argv, "wall": r["wall"], "cpu": r["cpu"], "maxrss_kib": r["maxrss_kib"]}
    if r["timed_out"]:
        res["error"] = f"timed out after {case['timeout']} s"
    elif case["kind"] == "worker":
        last = r["stdout"].strip().splitlines()[-1:] or [""]
        try:
            d = json.loads(last[0])
        except ValueError:
            tail = (r["stderr"].strip().splitlines() or [f"exit {r['rc']}"])[-1]
            d = {"ok": False, "error": f"crashed (exit {r['rc']}): {tail}"}
        res.update(d)
        if not d.get("ok"):
            res.setdefault("error", "failed")
    else:
        if r["rc"] != 0:
            tail = (r["stderr"].strip().splitlines() or [""])[-1]
            res["error"] = f"exit {r['rc']}: {tail}"
        elif case.get("expect") and case["expect"] not in "\n" + r["stdout"]:
            res["error"] = "unexpected output: " + " | ".join(r["stdout"].strip().splitlines()[-2:])
    return res


def run_group(g, failed_before):
    log(f"== {g['key']}: {g['label']}")
    state = {}
    for c in g["cases"]:
        s = c["side"]
        if s in failed_before:
            state[s] = {"status": f"skipped: {failed_before[s]} at a smaller size", "runs": []}
            continue
        why = c["check"]()
        state[s] = {"status": f"skipped: {why}" if why else "ok", "runs": []}
        if not why and c["kind"] == "cmd":  # one discarded warm-up run (disk cache, parser cache)
            r = measure(c)
            if "error" in r:
                state[s]["status"] = f"failed: {r['error']}"
        if state[s]["status"] != "ok":
            log(f"   {s}: {state[s]['status']}")
    live = [c for c in g["cases"] if state[c["side"]]["status"] == "ok"]
    for rnd in range(g["rounds"]):
        k = rnd % len(live) if live else 0
        for c in live[k:] + live[:k]:
            st = state[c["side"]]
            if st["status"] != "ok":
                continue
            r = measure(c)
            st["runs"].append(r)
            st["argv"] = r["argv"]
            if "error" in r:
                st["status"] = f"failed: {r['error']}"
            log(f"   {c['side']:24s} {short(r)}")
    return state


def short(r):
    if "error" in r:
        return r["error"]
    if "samples" in r:
        tot = [s.get("total", s.get("fwd", 0) + s.get("bwd", 0)) for s in r["samples"]]
        return f"{statistics.median(tot):.4f} s, extra {r.get('extra_kib', 0) / 1024:.0f} MiB"
    return f"{r['wall']:.3f} s wall, {r['cpu']:.3f} s cpu"


# ------------------------------------------------------------------ summarising
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def basis(g):
    """The clock a group is judged by. CPU time (user + sys of the process) for single-threaded
    work: on this shared machine it is far steadier than wall time, which also counts waiting for a
    core. Wall time for W3, where BLAS and PyTorch use threads (CPU time would count each thread)."""
    return g.get("basis", "cpu")


def summarise(g, state):
    cpu = basis(g) == "cpu"
    rows = {}
    for c in g["cases"]:
        s = c["side"]
        st = state[s]
        runs = [r for r in st["runs"] if "error" not in r]
        row = {"side": s, "status": st["status"], "n": 0,
               "text": c.get("text") or SIDE_TEXT.get(s, s)}
        if runs and c["kind"] == "worker":
            samples = [x for r in runs for x in r["samples"]]

            def pick(pre):
                out = {}
                for k in ("fwd", "bwd"):
                    if all(pre + k in x for x in samples):
                        out[k] = med([x[pre + k] for x in samples])
                out["total"] = med([x.get(pre + "total", x.get(pre + "fwd", 0) + x.get(pre + "bwd", 0))
                                    for x in samples])
                return out
            main, other = pick("cpu_" if cpu else ""), pick("" if cpu else "cpu_")
            row.update(main)
            row["other_total"] = other["total"]
            row["n"] = len(samples)
            row["extra_mib"] = med([r["extra_kib"] / 1024 for r in runs])
            row["peak_mib"] = med([r["maxrss_kib"] / 1024 for r in runs])
            row["value"] = runs[0].get("value")
            row["mem_method"] = runs[0].get("mem_method")
        elif runs:
            wall, cpus = med([r["wall"] for r in runs]), med([r["cpu"] for r in runs])
            row["total"], row["other_total"] = (cpus, wall) if cpu else (wall, cpus)
            row["peak_mib"] = med([r["maxrss_kib"] / 1024 for r in runs])
            row["n"] = len(runs)
        if st.get("argv"):
            row["argv"] = st["argv"]
        rows[s] = row
    return rows


def ratio(rows, a, b, key="total"):
    x, y = rows.get(a, {}).get(key), rows.get(b, {}).get(key)
    return x / y if x is not None and y else None


def targets(g, rows):
    """(what, measured, verdict) per issue-5 target that applies to this group."""
    out = []

    clock, other = ("CPU", "wall") if basis(g) == "cpu" else ("wall", "CPU")

    def check(what, r, limit, r_other=None):
        if r is None:
            out.append((what, "not measured", "n/a"))
        else:
            also = f" ({other} {r_other:.2f}×)" if r_other is not None else ""
            out.append((what, f"{r:.2f}× {clock}{also}", "PASS" if r <= limit else "FAIL"))

    def mem(what, r, limit):
        out.append((what, "not measured" if r is None else f"{r:.2f}×",
                     "n/a" if r is None else "PASS" if r <= limit else "FAIL"))

    def t(a, b):  # both clocks' ratios
        return ratio(rows, a, b), ratio(rows, a, b, "other_total")
    key = g["key"]
    if key == "W1":
        r, o = t("gradcli", "floor")
        check("gradcli grad ≤ 1.5× `python -c 'import numpy'`", r, 1.5, o)
    elif key == "W2":
        r, o = t("gradcli-gx", "torch")
        check(".gx ≤ 0.5× PyTorch per op (fwd + bwd)", r, 0.5, o)
        r, o = t("gradcli", "torch")
        check("engine from Python ≤ 0.5× PyTorch per op (issue 2)", r, 0.5, o)
    elif g["w"] == "W3" and g["kernel"] == "ew" and g["n"] >= 10**7:
        for side, who in (("gradcli-gx", ".gx"), ("gradcli", "engine from Python")):
            r, o = t(side, "floor")
            check(f"{who}: 10^7 time ≤ 1.15× the numpy floor", r, 1.15, o)
            mem(f"{who}: 10^7 extra memory ≤ 1.3× the numpy floor",
                ratio(rows, side, "floor", "extra_mib"), 1.3)
    elif g["w"] == "W3" and g["kernel"] == "mm":
        for side, who in (("gradcli-gx", ".gx"), ("gradcli", "engine from Python")):
            r, o = t(side, "floor")
            check(f"{who}: matmul {g['n']} time ≤ 1.05× the floor", r, 1.05, o)
    elif key == "W7a":
        r, o = t("gradcli", "floor")
        check("--jsonl within 2× the hand-written json + numpy script", r, 2.0, o)
    elif key == "W7b":
        r, o = t("gradcli", "floor")
        check("--input/--output .npy within 1.3× hand numpy (load, compute, save)", r, 1.3, o)
    elif g["w"] == "W4" and g["n"] >= 10**6:
        st = rows.get("gradcli", {}).get("status", "")
        done = rows.get("gradcli", {}).get("total") is not None
        out.append(("10^6 chain completes", st if not done else "completed",
                    "PASS" if done else ("n/a" if st.startswith("skipped") else "FAIL")))
        r, o = t("gradcli", "torch")
        check("10^6 time ≤ 0.5× PyTorch", r, 0.5, o)
        mem("10^6 extra memory ≤ 0.5× PyTorch", ratio(rows, "gradcli", "torch", "extra_mib"), 0.5)
    return out


def fmt_t(x):
    if x is None:
        return "—"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.1f} ms"
    return f"{x * 1e6:.0f} µs"


def fmt_r(x):
    return "—" if x is None else f"{x:.2f}×"


def render_group(g, rows, tgts):
    refs = [s for s in ("floor", "torch", "hips", "micrograd") if rows.get(s, {}).get("total")]
    mrefs = [r for r in refs if (rows[r].get("extra_mib") or 0) >= 1]  # no ratios to ~0 MiB
    ops = g.get("ops")
    mem = g.get("mem")
    clock, other = ("CPU", "wall") if basis(g) == "cpu" else ("wall", "CPU")
    head = ["side", "samples"]
    if g.get("whole"):
        head += [f"{clock} (median)", f"{other} (median)", "peak RSS"]
    else:
        head += [f"forward ({clock})", f"backward ({clock})", f"fwd + bwd ({clock})",
                 f"fwd + bwd ({other})"]
        if ops:
            head += ["µs/op fwd", "µs/op bwd", "µs/op total"]
        if mem:
            head += ["extra memory", "peak RSS"]
    head += [f"× {r}" for r in refs] + [f"mem × {r}" for r in mrefs if mem]
    head += ["gradient check"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    fvalue = rows.get("floor", {}).get("value")
    for s, row in rows.items():
        if row.get("total") is None:
            lines.append(f"| {row['text']} | — | " + row["status"] + " |" + " |" * (len(head) - 3))
            continue
        cells = [row["text"], str(row["n"])]
        if g.get("whole"):
            cells += [fmt_t(row["total"]), fmt_t(row.get("other_total")), f"{row['peak_mib']:.0f} MiB"]
        else:
            cells += [fmt_t(row.get("fwd")), fmt_t(row.get("bwd")), fmt_t(row["total"]),
                      fmt_t(row.get("other_total"))]
            if ops:
                per = lambda k: "—" if row.get(k) is None else f"{row[k] / ops * 1e6:.2f}"
                cells += [per("fwd"), per("bwd"), per("total")]
            if mem:
                cells += [f"{row['extra_mib']:.0f} MiB", f"{row['peak_mib']:.0f} MiB"]
        cells += [fmt_r(ratio(rows, s, r)) for r in refs]
        if mem:
            cells += [fmt_r(ratio(rows, s, r, "extra_mib")) for r in mrefs]
        v = row.get("value")
        if v is None or fvalue is None:
            cells.append("output ok" if g.get("whole") else "—")
        else:
            rel = abs(v - fvalue) / max(abs(fvalue), 1e-300)
            cells.append("agrees" if rel < 1e-6 else f"DIFFERS (rel {rel:.1e})")
        if not row["status"] == "ok":
            cells[0] += f" ({row['status']})"
        lines.append("| " + " | ".join(cells) + " |")
    if tgts:
        lines += ["", "| target (issue 5) | measured | verdict |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in tgts]
    return "\n".join(lines)


def machine_info(started, quick, argv):
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                                  env=child_env(), cwd=ROOT).stdout.strip()
        except Exception:
            return ""
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = f"{int(open('/proc/meminfo').readline().split()[1]) / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    info = {"date": started, "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "kernel": platform.release(), "machine": platform.machine(),
            "command": " ".join(["python3 bench/run.py"] + [shlex.quote(a) for a in argv]),
            "quick": quick,
            "commit": sh(["git", "rev-parse", "--short", "HEAD"]),
            "dirty": bool(sh(["git", "status", "--porcelain", "--untracked-files=no"]))}
    if os.path.exists(PROJECT_PY):
        info["project"] = sh([PROJECT_PY, "-c", "import sys, numpy; print(sys.version.split()[0], "
                              "'numpy', numpy.__version__)"])
    if os.path.exists(PEERS_PY):
        info["peers"] = sh([PEERS_PY, "-c", "import sys; from importlib.metadata import version as v; "
                            "print(sys.version.split()[0], ', '.join(n + ' ' + v(n) for n in "
                            "('torch', 'autograd', 'micrograd', 'numpy')))"])
        info["blas"] = sh([PEERS_PY, "-c", "import numpy, torch, threadpoolctl; print('; '.join("
                           "f\"{d['internal_api']} {d['version']} {d.get('architecture', '')} "
                           "threads={d['num_threads']}\" for d in threadpoolctl.threadpool_info()),"
                           "'; torch intra-op threads', torch.get_num_threads())"])
    return info


def extra_sections(quick, only):
    """W6 (the parser developer's script) and a profile of gradcli's W2, when they exist."""
    out = {}
    script = os.path.join(HERE, "parse_speed.py")
    if want("W6", only):
        if os.path.exists(script) and os.path.exists(PROJECT_PY):
            log("== W6: bench/parse_speed.py")
            args = ["--lines", "1000", "--runs", "2"] if quick else []
            r = run_proc([PROJECT_PY, script] + args, 580)
            status = ("timed out" if r["timed_out"] else f"exit {r['rc']}")
            out["W6"] = {"command": " ".join([".venv/bin/python bench/parse_speed.py"] + args),
                         "status": status, "wall": r["wall"], "stdout": r["stdout"][-6000:],
                         "stderr": r["stderr"][-1500:] if r["rc"] else "",
                         "targets": w6_targets(r["stdout"])}
        else:
            out["W6"] = {"status": "skipped: bench/parse_speed.py is not there yet"}
    if want("W1", only) and os.path.exists(GRADCLI):
        log("== W1 import profile (python -X importtime) of gradcli grad")
        argv = [PROJECT_PY, "-X", "importtime", "-m", "gradcli", "grad", "x**2*sin(x)", "x=1.5"]
        run_proc(argv, 60)
        r = run_proc(argv, 60)
        if r["rc"] == 0:
            out["importtime"] = {"command": ".venv/bin/python -X importtime -m gradcli grad "
                                            "'x**2*sin(x)' x=1.5", "rows": importtime_rows(r["stderr"])}
    if want("W2", only) and os.path.exists(os.path.join(HERE, "profile_w2.py")):
        if not available(PROJECT_PY, SIDE_ENV["gradcli"][1]):
            log("== W2 profile (cProfile) of gradcli")
            r = run_proc([PROJECT_PY, os.path.join(HERE, "profile_w2.py"),
                          "--steps", "1000" if quick else "10000"], 300)
            out["profile"] = {"command": ".venv/bin/python bench/profile_w2.py --steps "
                                         + ("1000" if quick else "10000"),
                              "stdout": r["stdout"][-8000:], "status": f"exit {r['rc']}"}
    return out


def importtime_rows(text, top=15):
    """The slowest imports two levels deep: (cumulative ms, self ms, module)."""
    rows = []
    for line in text.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2][1:]
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 1:
            rows.append((int(parts[1]) / 1000, int(parts[0].split(":")[1]) / 1000,
                         ("↳ " * depth) + name.strip()))
    return sorted(rows, reverse=True)[:top]


def w6_targets(text):
    """Issue 5's W6 targets, read off parse_speed.py's summary lines."""
    import re
    out = []
    for what, pat, limit, better in (
            ("parse + AST ≥ 1.2× Lark's own parse-tree speed", r"parse\(\) vs lark-tree:\s*([\d.]+)x", 1.2, "hi"),
            ("cached AST ≥ 10× parse", r"cached\s+vs parse\(\):\s*([\d.]+)x", 10, "hi"),
            ("parser build from cache < 20 ms (issue 3)", r"Lark's cache.*?:\s*([\d.]+) ms", 20, "lo")):
        m = re.search(pat, text)
        if not m:
            out.append((what, "not found in its output", "n/a"))
            continue
        v = float(m.group(1))
        ok = v >= limit if better == "hi" else v < limit
        out.append((what, f"{v:g}{'×' if better == 'hi' else ' ms'}", "PASS" if ok else "FAIL"))
    return out


def want(w, only):
    return not only or w in only


def render(info, results, extras, loads):
    L = ["# gradcli benchmarks", "",
         f"Written by `{info['command']}` on {info['date']} UTC"
         + (" — **quick smoke mode: tiny sizes, one round; not for judging targets**" if info["quick"] else "")
         + ". Rerun: `python3 bench/run.py` (see bench/README.md).", "",
         "## Machine and versions", "",
         f"- CPU: {info['cpu']} ({info['cores']} cores), {info['memory']} memory, Linux {info['kernel']} {info['machine']}",
         f"- gradcli: commit {info['commit']}{' (with uncommitted changes in the tree)' if info['dirty'] else ''}; "
         f"project venv: Python {info.get('project', 'missing')}",
         f"- peers venv (bench/.peers): Python {info.get('peers', 'missing')}",
         f"- BLAS: {info.get('blas', '?')}"
         + (f" — **this run: {THREADS} thread(s) for every side** (OPENBLAS_NUM_THREADS, "
            "OMP_NUM_THREADS, MKL_NUM_THREADS)" if THREADS else " (threads as each library ships)"),
         f"- load average (1 min) at start / end: {loads[0]} / {loads[1]}",
         "- Noise: this is a shared 2-core machine; other developers run their test suites on it while "
         "the benchmark runs, so single numbers wobble (seen: 10–40% on big-array samples). Sides take "
         "turns within each workload and every figure is a median; read ratios within ~15% as ties.",
         "", "## How it measures", "",
         "- Every measurement is a fresh process of the side's own interpreter: gradcli and the floors in "
         "`.venv`, the peers in `bench/.peers`. `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` are removed "
         "from the children's environment (benchmark only; tests and CI keep them).",
         "- **Clocks.** W1, W2, W4 and W5 are judged by **CPU time** (user + sys of the process: "
         "`time.process_time` inside, `os.wait4` for whole processes). That work is single-threaded on "
         "every side, so on an idle machine CPU and wall time agree; on this shared machine wall time also "
         "counts waiting for a core, which other developers' tests make large and erratic. Wall time is "
         "shown beside it. W3 is judged by **wall time**, since BLAS and PyTorch use threads there.",
         "- W2–W4 (`bench/worker.py`): the side builds its inputs and warms up on a tiny size; the first "
         "sample measures memory, later ones are timed (forward and backward separately, both clocks), "
         "each after a `gc.collect()` outside the clock, so no sample pays for collecting the "
         "cyclic garbage an earlier one left (a real run is one per process). "
         "**Extra memory** is the peak RSS "
         "during the first sample minus the RSS just before it: the peak is Linux's `VmHWM` after "
         "resetting it through `/proc/self/clear_refs`, so it counts every allocation (numpy, torch's "
         "allocator, Python objects) and includes the gradients the side returns. **Peak RSS** is the "
         "whole process's (`os.wait4` rusage), imports included.",
         "- W1, W5: the whole process; CPU time (user + sys) and peak RSS from `os.wait4` for that one "
         "child, wall time around it; one discarded warm-up run per side first.",
         "- Ratios are this row's median over the named column's median (lower is better for gradcli). "
         "\"gradient check\" compares each side's gradient (or checksum) with the floor's.",
         "", "## Targets (issue 5)", ""]
    tg = [(k, t) for k, (g, rows, tgts) in results.items() for t in tgts]
    if extras.get("W6", {}).get("targets"):
        tg += [("W6", t) for t in extras["W6"]["targets"]]
    if info["quick"]:
        tg = [(k, (a, b, "n/a (quick)")) for k, (a, b, c) in tg]
    if tg:
        L += ["| workload | target | measured | verdict |", "|---|---|---|---|"]
        L += [f"| {k} | {a} | {b} | {c} |" for k, (a, b, c) in tg]
    missing = [f"{k} / {r['text']}: {r['status']}" for k, (g, rows, t) in results.items()
               for side, r in rows.items() if side.startswith("gradcli") and r["status"] != "ok"]
    L += ["", "gradcli pieces missing or failing in this run: "
          + ("none." if not missing else "; ".join(missing) + ".")]
    w6 = extras.get("W6")
    if w6 and not w6.get("targets"):
        L += ["", f"W6 (parse speed): {w6['status']}."]
    last_title = None
    for key, (g, rows, tgts) in results.items():
        if g["title"] != last_title:
            L += ["", f"## {g['title']}"]
            last_title = g["title"]
        L += ["", f"### {key}: {g['label']}", "", f"Load average (1 min) when it started: {g['load']}.",
              "", render_group(g, rows, tgts)]
    L += ["", "## Notes on fairness", ""] + [f"- {n}" for n in FAIRNESS]
    if w6:
        L += ["", "## W6 parsing (bench/parse_speed.py, by the parser developer)", ""]
        if "command" in w6:
            L += [f"`{w6['command']}` — {w6['status']}, {w6['wall']:.1f} s", "", "```",
                  w6["stdout"].rstrip(), "```"]
            if w6.get("stderr"):
                L += ["", "stderr:", "```", w6["stderr"].rstrip(), "```"]
        else:
            L += [w6["status"]]
    imp = extras.get("importtime")
    if imp:
        L += ["", "## Profile: where `gradcli grad`'s start-up goes (imports, two levels deep)", "",
              f"`{imp['command']}` (second run of two)", "",
              "| module | cumulative | self |", "|---|---|---|"]
        L += [f"| {n} | {c:.1f} ms | {s_:.1f} ms |" for c, s_, n in imp["rows"]]
    prof = extras.get("profile")
    if prof:
        L += ["", "## Profile: gradcli's W2 loop (cProfile, engine from Python)", "",
              f"`{prof['command']}` ({prof['status']})", "", "```", prof["stdout"].rstrip(), "```"]
    L += ["", "## Exact commands", "",
          "Each row's process, as run (interpreter paths relative to the repository):", ""]
    for key, (g, rows, tgts) in results.items():
        for s, row in rows.items():
            if row.get("argv"):
                L.append(f"- {key} / {s}: `" + " ".join(shlex.quote(os.path.relpath(a, ROOT)
                         if a.startswith(ROOT) else a) for a in row["argv"]) + "`")
    return "\n".join(L) + "\n"


FAIRNESS = [
    "Floors: W2 and W4 are Python floats with a hand-written reverse pass (a tape of the values the "
    "backward needs); W3 is numpy written by hand with buffers reused in place, and for the matmul "
    "chain it does the same six matmuls an autograd engine must (it does not exploit that the "
    "mean's gradient is a constant matrix).",
    "PyTorch runs eager, float64, CPU, default thread settings (its elementwise kernels may use "
    "both cores; numpy's do not — that is how each ships). W3 tensors share the numpy inputs' "
    "memory (`torch.from_numpy`).",
    "HIPS autograd: `make_vjp` is the forward (tracing) and calling the vjp is the backward. In W2 "
    "its tanh vjp `g / cosh(x)**2` overflows harmlessly (a RuntimeWarning; the gradient is right).",
    "micrograd 0.1.0 has no tanh: the benchmark adds one in micrograd's own style (one node, local "
    "derivative in a closure). Its `a - b` is `a + b * -1`, so a W2 step records 8 nodes for our 6 "
    "ops; per-op figures still divide by 6. Its topological sort is recursive: 'recursion limit "
    "raised' sets `sys.setrecursionlimit` to fit the graph; 'default recursion limit' leaves "
    "Python's 1000 and fails on any chain longer than that.",
    "gradcli .gx (W2, W4): `Session(Options(limits=generous)).run(source)` in-process, the parse "
    "cached by a warm-up. The script prints \"start\" before the loop and \"forward\" after it; the "
    "session's print events, stamped as they arrive, split forward (between the two) from backward "
    "(from \"forward\" to the end of the run). Interpreter set-up and parsing are outside both.",
    "gradcli .gx (W3): one Session holds the inputs as its variables (as `gradcli run --vars` "
    "would) and runs the script once per sample, timed by its print marks as in W2. It pays the "
    "NaN/inf watch that every `gradcli run` has (CLI.md: a warning with its position even "
    "without --strict): one more read of each op's result and of each gradient. The engine side "
    "runs with no watch.",
    "W5's PyTorch script sets float64 as default dtype so that it computes what gradcli computes.",
    "A side that fails or times out is not retried; larger sizes of the same workload are skipped.",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke mode: tiny sizes, one round (seconds)")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2,W4")
    ap.add_argument("--no-setup", action="store_true", help="do not run bench/setup.sh when bench/.peers is missing")
    ap.add_argument("--out", default=None, help="where to write the report (default bench/RESULTS.md; "
                    "bench/out/RESULTS.quick.md with --quick)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for BLAS/OpenMP/PyTorch in every side (default: as each ships)")
    args = ap.parse_args()
    global THREADS
    THREADS = args.threads
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}

    if not os.path.exists(PEERS_PY) and not args.no_setup:
        log("bench/.peers missing: running bench/setup.sh")
        subprocess.run(["bash", os.path.join(HERE, "setup.sh")], check=False)
    if not os.path.exists(PROJECT_PY):
        log("note: .venv missing (install the project first, see README.md): gradcli sides will be skipped")

    os.makedirs(OUT_DIR, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load0 = os.getloadavg()[0]
    info = machine_info(started, args.quick, sys.argv[1:])
    results = {}
    failed = {}  # (workload, side) -> reason, so that larger sizes are skipped
    for g in plan(args.quick):
        if not want(g["w"], only):
            continue
        g["load"] = f"{os.getloadavg()[0]:.2f}"
        state = run_group(g, {s: why for (w, s), why in failed.items() if w == g["w"]})
        for s, st in state.items():
            if st["status"].startswith("failed"):
                failed[(g["w"], s)] = "failed" if "timed out" not in st["status"] else "timed out"
        rows = summarise(g, state)
        results[g["key"]] = (g, rows, targets(g, rows))
    extras = extra_sections(args.quick, only)
    loads = (f"{load0:.2f}", f"{os.getloadavg()[0]:.2f}")
    text = render(info, results, extras, loads)
    out = args.out or (os.path.join(OUT_DIR, "RESULTS.quick.md") if args.quick else RESULTS)
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    with open(os.path.join(OUT_DIR, "last.json"), "w") as f:
        json.dump({"info": info, "results": {k: rows for k, (g, rows, t) in results.items()},
                   "targets": {k: t for k, (g, r, t) in results.items()}, "extras": extras}, f,
                  indent=1, default=str)
    log(f"wrote {os.path.relpath(out, ROOT)}")
    if not args.quick and not args.out:
        append_history(info, results, extras)


HISTORY = os.path.join(HERE, "HISTORY.md")
HISTORY_COLS = [  # (column, group key, target text prefix)
    ("W1 ×floor", "W1", "gradcli grad"), ("W2 .gx ×torch", "W2", ".gx"),
    ("W2 engine ×torch", "W2", "engine"),
    ("W3 10^7 time ×floor", "W3 ew 10000000", "engine from Python: 10^7 time"),
    ("W3 10^7 mem ×floor", "W3 ew 10000000", "engine from Python: 10^7 extra"),
    ("W3 mm512 ×floor", "W3 mm 512", "engine from Python: matmul"),
    ("W3 mm2048 ×floor", "W3 mm 2048", "engine from Python: matmul"),
    ("W4 10^6 time ×torch", "W4 1000000", "10^6 time"),
    ("W4 10^6 mem ×torch", "W4 1000000", "10^6 extra"), ("W6 parse ×Lark", "W6", "parse + AST"),
    ("W6 cached ×parse", "W6", "cached AST"),
    # added when W3 got a .gx side (the W3 columns before them are the engine's)
    ("W3 .gx 10^7 time", "W3 ew 10000000", ".gx: 10^7 time"),
    ("W3 .gx 10^7 mem", "W3 ew 10000000", ".gx: 10^7 extra"),
    ("W3 .gx mm512", "W3 mm 512", ".gx: matmul"), ("W3 .gx mm2048", "W3 mm 2048", ".gx: matmul")]


def append_history(info, results, extras):
    """One line per full run, so that what each change bought stays visible (bench/HISTORY.md)."""
    tg = {k: t for k, (g, r, t) in results.items()}
    if extras.get("W6", {}).get("targets"):
        tg["W6"] = extras["W6"]["targets"]
    cells = []
    for col, key, prefix in HISTORY_COLS:
        hit = [t for t in tg.get(key, []) if t[0].startswith(prefix)]
        cells.append(f"{hit[0][1]} {hit[0][2]}" if hit and hit[0][2] != "n/a" else "—")
    new = not os.path.exists(HISTORY)
    with open(HISTORY, "a") as f:
        if new:
            f.write("# Benchmark history\n\nOne row per full `python3 bench/run.py` run (appended by "
                    "the runner): gradcli's ratio for each issue-5 target and its verdict. "
                    "Details of the latest run: RESULTS.md.\n\n"
                    "| date (UTC) | commit | " + " | ".join(c for c, _, _ in HISTORY_COLS) + " |\n"
                    "|" + "---|" * (len(HISTORY_COLS) + 2) + "\n")
        f.write(f"| {info['date']} | {info['commit']}{'+' if info['dirty'] else ''} | "
                + " | ".join(cells) + " |\n")


if __name__ == "__main__":
    main()
