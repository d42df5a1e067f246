"""W6: parsing speed of a 10,000-line .gx script.

Compares, on the same generated script and the same grammar (grammar/gx.lark):
  lark-tree  Lark(..., parser="lalr") building its own parse tree (no transformer)
  lark-nogc  the same with the garbage collector off (to show what GC alone is worth)
  parse()    gradcli.lang.parse.parse: lexcheck + AST built during the parse + static checks
  cached     gradcli.lang.parse.parse_cached on an unchanged script (AST cache hit)
Also the parser build time from Lark's cache (a fresh process, so nothing is memoized).

Runs are interleaved and the median of several is reported. Times are CPU time of
this process (time.process_time: the work is single-threaded, and the machine is
shared), with wall time beside them.
Usage: python bench/parse_speed.py [--lines 10000] [--runs 7]
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(lines: int) -> str:
    """A script shaped like real .gx: assignments, calls, blocks, defs, comments."""
    chunk = [
        "# step {i}: a gradient step on a small model",
        "w{i} = tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)",
        "b{i} = zeros(2, requires_grad=True)",
        "y{i} = (w{i} @ x + b{i}).tanh() * 2.0 - 1.0 / (1 + exp(-w{i}.sum(dim=0)))",
        "loss{i} = ((y{i} - target) ** 2).mean() + 0.01 * norm(w{i}) ** 2",
        "if loss{i}.item() > 1e-3 and not done:",
        "    loss{i}.backward(retain_graph=True)",
        "    w{i}.data -= lr * w{i}.grad.data",
        "else:",
        "    print('converged at', {i}, loss{i}.item())",
        "for k in range(3):",
        "    acc = acc + w{i}[k % 2, :] * k if k != 1 else acc",
        "def f{i}(a, b=2):",
        "    return a ** b - -a ** 0.5",
        "z{i}, = grad(f{i}(x, 3), x, create_graph=True)",
        "assert z{i}.shape == (2,), 'shape'",
    ]
    out = []
    i = 0
    while len(out) < lines:
        out.extend(line.format(i=i) for line in chunk)
        i += 1
    return "\n".join(out[:lines]) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    from lark import Lark
    from gradcli.lang import lexcheck
    from gradcli.lang import parse as P
    from gradcli.lang.parse import grammar as G
    from gradcli.lang.parse.lalr import GxIndenter

    text = generate(args.lines)
    nbytes = len(text.encode())
    limit = max(lexcheck.DEFAULT_MAX_SOURCE, nbytes + 1)
    baseline = Lark(G.grammar_text(), parser="lalr", lexer="contextual",
                    postlex=GxIndenter(), start=G.START_RULES, maybe_placeholders=True)

    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        P.parse(text, max_source=limit)              # build the parser once
        P.parse_cached(text, max_source=limit)       # fill the AST cache
        times = {"lark-tree": [], "lark-nogc": [], "parse()": [], "cached": []}
        walls = {k: [] for k in times}

        def timed(key, fn):
            w, c = time.perf_counter(), time.process_time()
            fn()
            times[key].append(time.process_time() - c)
            walls[key].append(time.perf_counter() - w)

        for _ in range(args.runs):
            gc.collect()
            timed("lark-tree", lambda: baseline.parse(text, start="start"))
            gc.collect()
            gc.disable()
            timed("lark-nogc", lambda: baseline.parse(text, start="start"))
            gc.enable()
            gc.collect()
            timed("parse()", lambda: P.parse(text, max_source=limit))
            gc.collect()
            timed("cached", lambda: P.parse_cached(text, max_source=limit))

        # a fresh process each time, so nothing is memoized: imports, then the build
        # (the Lark halves are imported lazily since the AST cache avoids them; import
        # them before the clock so that 'build' is the build alone)
        code = ("import time; t0 = time.process_time(); "
                "from gradcli.lang.parse import lalr; t1 = time.process_time(); "
                "lalr.build_parser(lalr.AstBuilder()); t2 = time.process_time(); "
                "print(t1 - t0, t2 - t1)")
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        imp, build = [], []
        for _ in range(7):
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True, cwd=ROOT)
            a, b = map(float, out.stdout.split())
            imp.append(a)
            build.append(b)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"script: {args.lines} lines, {nbytes} bytes (max_source raised to fit); "
          f"median of {args.runs} interleaved runs")
    for k, v in med.items():
        wall = statistics.median(walls[k])
        print(f"  {k:10} {v * 1000:9.1f} ms CPU {args.lines / v:10,.0f} lines/s"
              f"   (wall {wall * 1000:7.1f} ms)")
    print(f"  parse() vs lark-tree: {med['lark-tree'] / med['parse()']:.2f}x the lines/s (target >= 1.2x)")
    print(f"  parse() vs lark-tree with its GC off too: {med['lark-nogc'] / med['parse()']:.2f}x")
    print(f"  cached  vs parse():   {med['parse()'] / med['cached']:.1f}x faster (target >= 10x)")
    build_ms = statistics.median(build) * 1000
    imp_ms = statistics.median(imp) * 1000
    print(f"  parser build from Lark's cache (fresh process, median of 7): {build_ms:.1f} ms "
          f"(target < 20 ms); importing lark and the parser before it: {imp_ms:.1f} ms")


if __name__ == "__main__":
    main()
