"""Per-op cost of the .gx interpreter (not a test; run by hand):

    .venv/bin/python tests/perf_lang_loop.py

A 10,000-step scalar loop (y = y * 1.0001 + 0.0001: 2 ops per step) with one
backward pass, run through Session.run and, for comparison, written in Python
directly against the engine in the same engine context (same limits, errstate,
anomaly callback). The difference per op is what the interpreter adds. CPU time,
lower quartile of 15 interleaved runs (the machine is shared).
"""
import time
import warnings

import numpy as np

from gradcli import engine
from gradcli.session import Session

N = 10_000
SRC = f"""
x = tensor(0.5, requires_grad=True)
y = x
for i in range({N}):
    y = y * 1.0001 + 0.0001
y.backward()
"""


def python_loop():
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            engine.limits(max_elements=10 ** 7, max_flops=5e11):
        x = engine.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(N):
            y = y * 1.0001 + 0.0001
        y.backward()


def main():
    s = Session()
    s.run(SRC, "loop.gx")
    gx, py = [], []
    for _ in range(15):
        t = time.process_time()
        s.run(SRC, "loop.gx")
        gx.append(time.process_time() - t)
        t = time.process_time()
        s._ctx.run(python_loop)
        py.append(time.process_time() - t)
    gx.sort()
    py.sort()
    ops = 2 * N
    g, p = gx[len(gx) // 4], py[len(py) // 4]
    print(f".gx loop: {g / ops * 1e6:.2f} us/op (forward + backward); same loop in Python "
          f"on the engine: {p / ops * 1e6:.2f} us/op; interpreter overhead "
          f"{(g - p) / ops * 1e6:+.2f} us/op")


if __name__ == "__main__":
    main()
