"""The calls on which the CPU generator must give PyTorch's numbers, written once for both
sides: ``run(case, lib)`` runs a case with the engine (``lib="gx"``) or with torch
(``lib="torch"``) and returns the list of arrays it made, in order.

Each case is (seed, dtype name, steps); a step is (op, args). A case's steps run one after
another from one ``manual_seed``, so that state carried between calls (the cached second
half of a Box-Muller pair, the stream position) is compared too.
"""
from __future__ import annotations

import numpy as np

SEEDS = (0, 1, 42, 2 ** 32 + 7, 123456789)
SIZES = (1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 1000)


def cases():
    out = []
    for seed in SEEDS:
        for dt in ("float64", "float32"):
            for n in SIZES:
                out.append((seed, dt, (("rand", (n,)), ("randn", (n,)))))
                out.append((seed, dt, (("uniform_", (n, -3.0, 7.0)), ("normal", (2.5, 0.3, n)))))
            out.append((seed, dt, (("randn", (3,)), ("randn", (20,)), ("randn", (1,)),
                                   ("randn", (4, 5)), ("rand", (2, 3)))))
            out.append((seed, dt, (("bernoulli", (37,)), ("randn", (2,)))))
            out.append((seed, dt, (("normal_t", (20,)), ("normal_t", (3,)))))
        for n in (1, 2, 10, 100, 1000):
            out.append((seed, "int64", (("randperm", (n,)),)))
        for lo, hi in ((0, 10), (-5, 5), (0, 2 ** 28 - 1), (0, 2 ** 28), (-2 ** 40, 2 ** 40)):
            out.append((seed, "int64", (("randint", (lo, hi, 17)),)))
        out.append((seed, "float64", (("randint", (0, 7, 5)),)))
    return out


def case_id(case) -> str:
    seed, dt, steps = case
    return f"{seed}-{dt}-" + "+".join(f"{op}{list(args)}".replace(" ", "") for op, args in steps)


def run(case, lib: str) -> list:
    seed, dt, steps = case
    if lib == "torch":
        import torch as m
        tdt = getattr(m, dt)
        out = lambda t: t.numpy()           # noqa: E731
        tensor = m.from_numpy
    else:
        import gradcli.engine as m
        tdt = np.dtype(dt)
        out = lambda t: t.numpy()           # noqa: E731
        tensor = m.tensor
    m.manual_seed(seed)
    res = []
    for op, a in steps:
        if op == "rand":
            t = m.rand(*a, dtype=tdt)
        elif op == "randn":
            t = m.randn(*a, dtype=tdt)
        elif op == "uniform_":
            t = m.zeros(a[0], dtype=tdt).uniform_(a[1], a[2])
        elif op == "normal":
            t = m.normal(a[0], a[1], (a[2],), dtype=tdt)
        elif op == "normal_t":        # elementwise mean and std tensors
            n = a[0]
            mean = tensor(np.linspace(-1, 1, n).astype(dt))
            std = tensor(np.linspace(0.1, 3, n).astype(dt))
            t = m.normal(mean, std)
        elif op == "bernoulli":
            t = m.bernoulli(tensor(np.linspace(0, 1, a[0]).astype(dt)))
        elif op == "randperm":
            t = m.randperm(a[0])
        elif op == "randint":
            t = m.randint(a[0], a[1], (a[2],), dtype=tdt)
        else:
            raise ValueError(op)
        res.append(np.ascontiguousarray(out(t)))
    return res


def digest(arrays) -> str:
    import hashlib
    h = hashlib.sha256()
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:32]
