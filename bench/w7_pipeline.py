"""W7: gradcli grad as a pipeline stage, and the hand-written floors it is held to.

    python bench/w7_pipeline.py data DIR        # writes DIR/w7a.jsonl (10^5) and DIR/w7b.npy (10^7)
    python bench/w7_pipeline.py floor-a < DIR/w7a.jsonl > out.jsonl
    python bench/w7_pipeline.py floor-b DIR/w7b.npy out.npy

floor-a: the json module line by line, numpy per chunk of 4096 lines, the same
records as `gradcli grad EXPR --jsonl`. floor-b: load, compute value and gradient
with numpy, save a structured array as `gradcli grad EXPR --input --output` does.
f = x**2*sin(y) + exp(x*y); df/dx = 2x sin y + y e^{xy}; df/dy = x^2 cos y + x e^{xy}.
"""
import json
import os
import sys

import numpy as np

EXPR = "x**2*sin(y) + exp(x*y)"
N_A, N_B = 10**5, 10**7


def data(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(0)
    a = os.path.join(d, "w7a.jsonl")
    if not os.path.exists(a):
        x, y = rng.uniform(-1, 1, (2, N_A)).tolist()
        with open(a, "w") as f:
            f.writelines(json.dumps({"x": p, "y": q}) + "\n" for p, q in zip(x, y))
    b = os.path.join(d, "w7b.npy")
    if not os.path.exists(b):
        rec = np.empty(N_B, dtype=[("x", "f8"), ("y", "f8")])
        rec["x"], rec["y"] = rng.uniform(-1, 1, (2, N_B))
        np.save(b, rec)
    return a, b


def _f(x, y):
    e = np.exp(x * y)
    s = np.sin(y)
    return x * x * s + e, 2 * x * s + y * e, x * x * np.cos(y) + x * e


def floor_a():
    enc = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(", ", ": ")).encode
    out = sys.stdout
    lines = sys.stdin.buffer.read().splitlines()
    for i in range(0, len(lines), 4096):
        pts = [json.loads(ln) for ln in lines[i:i + 4096]]
        x = np.array([p["x"] for p in pts])
        y = np.array([p["y"] for p in pts])
        v, gx, gy = (a.tolist() for a in _f(x, y))
        out.write("".join(enc({"expr": EXPR, "value": a, "grad": {"x": b, "y": c}}) + "\n"
                          for a, b, c in zip(v, gx, gy)))
        out.flush()


def floor_b(src, dst):
    rec = np.load(src)
    v, gx, gy = _f(rec["x"], rec["y"])
    out = np.empty(len(v), dtype=[("value", "f8"), ("grad_x", "f8"), ("grad_y", "f8")])
    out["value"], out["grad_x"], out["grad_y"] = v, gx, gy
    np.save(dst, out)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "data":
        print(*data(sys.argv[2]))
    elif cmd == "floor-a":
        floor_a()
    elif cmd == "floor-b":
        floor_b(sys.argv[2], sys.argv[3])
