"""Writes sum_table.json: PyTorch 2.13's sums, means and linspaces of the inputs that
tests/engine/test_summation.py builds (``cases()``), as sha256 digests of the result bytes,
so that the order of additions is checked without torch installed. Run with the oracle:

    /tmp/oracle/bin/python tests/engine/make_sum_table.py

It sets torch's thread count to 2 (the full sums of 32768 elements and more depend on it;
the test sets the same count)."""
import hashlib
import json
import math
from pathlib import Path

import numpy as np

THREADS = 2
SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129,
         255, 256, 257, 511, 512, 513, 1000, 2000, 2047, 2048, 2049, 4097, 5000, 16385,
         32767, 32768, 40000, 100003]
SHAPES = [(3, 5), (7, 16), (16, 7), (2000, 1), (2000, 3), (33, 65), (100, 17), (17, 100),
          (5, 300), (300, 5), (129, 129), (8, 9, 40), (40, 9, 8), (2, 3, 70),
          (400, 200), (30, 2000), (64, 33, 40)]       # 32768 elements and more: threads
LINSPACES = [(-math.pi, math.pi, 2000), (0, 1, 17), (1, 0, 100), (-3.7, 12.1, 1001),
             (0.1, 0.7, 3), (-1e3, 1e-3, 40000)]


def data(seed, shape, dtype):
    """Normal numbers spread over six decades, so that the order of additions shows."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(dtype)


def views(a):
    """The layouts a sum meets: as made, transposed, every other column or row."""
    out = [("plain", a)]
    if a.ndim >= 2:
        out += [("T", a.transpose(*range(a.ndim)[::-1])), ("cols2", a[..., ::2]),
                ("rows2", a[::2])]
    return out


def cases():
    """(key, array, axes, keepdim) for every sum in the table."""
    for dt in ("float32", "float64"):
        for n in SIZES:
            yield f"1d/{dt}/{n}", data(n, (n,), dt), None, False
        for shape in SHAPES:
            base = data(sum(shape), shape, dt)
            for name, a in views(base):
                allaxes = [None] + [(i,) for i in range(a.ndim)] + \
                    [tuple(j for j in range(a.ndim) if j != i) for i in range(a.ndim)]
                for axes in allaxes:
                    for kd in (False, True):
                        yield f"{dt}/{shape}/{name}/{axes}/{kd}", a, axes, kd


def digest(arr):
    arr = np.ascontiguousarray(arr)
    return f"{arr.dtype}/{arr.shape}/" + hashlib.sha256(arr.tobytes()).hexdigest()[:24]


def main():
    import torch
    torch.set_num_threads(THREADS)
    table = {"sum": {}, "mean": {}, "linspace": {}}
    for key, a, axes, kd in cases():
        t = torch.from_numpy(a)
        dims = tuple(range(a.ndim)) if axes is None else axes
        table["sum"][key] = digest(t.sum(dim=dims, keepdim=kd).numpy())
        table["mean"][key] = digest(t.mean(dim=dims, keepdim=kd).numpy())
    for dt, tdt in (("float32", torch.float32), ("float64", torch.float64)):
        for start, end, steps in LINSPACES:
            key = f"{dt}/{start}/{end}/{steps}"
            table["linspace"][key] = digest(torch.linspace(start, end, steps, dtype=tdt).numpy())
    path = Path(__file__).with_name("sum_table.json")
    path.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    print(f"{path}: {sum(len(v) for v in table.values())} entries")


if __name__ == "__main__":
    main()
