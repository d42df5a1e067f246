"""Floating-point sums in PyTorch's order, so that ``sum`` and ``mean`` give torch's bits.

A float32 sum of 2000 terms added in numpy's order (pairwise, 8 accumulators) and in
PyTorch's differ in the last bits, and a training loop shows it within a few steps. This
module adds in the order of PyTorch 2.13's CPU kernel (aten/src/ATen/native/cpu/
SumKernel.cpp, ``cascade_sum``), written from its documented structure in whole-array
numpy steps:

- The iteration layout is TensorIterator's: size-1 dims dropped, reduced dims first
  (innermost) ordered by the input's strides, kept dims after in the output's order,
  neighbouring dims merged when their strides allow (``_layout``).
- The two innermost dims are one "loop2d" of four kinds: contiguous inner reduction
  (vectors of W lanes, W = 64 bytes / itemsize under AVX-512, 32 under AVX2), contiguous
  outer reduction (outputs in lanes), and the two strided scalar forms.
- Each runs a *cascade* (``_cascade``): running sums of chunks of 2^p terms, whose sums are
  summed in chunks again, on four levels; ``row_sum`` first splits a row in 4 interleaved
  partial sums (``_ilp``).
- A full reduction of at least 32768 elements (PyTorch's GRAIN_SIZE) is split between
  threads as ``parallel_for`` does, each thread's sum into its own slot, then the slots are
  summed: the result depends on torch's thread count (``threads()``, from OMP_NUM_THREADS
  like torch, else the CPU count).

Sums along dims do not depend on the thread count. Integer and bool sums are exact (numpy's).
"""
from __future__ import annotations

import os

import numpy as np

GRAIN_SIZE = 32768
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SETTINGS = {"vector_bytes": 32, "threads": None}


def vector_bytes() -> int:
    """The width of torch's Vectorized<T>: 64 bytes with AVX-512, else 32. ATEN_CPU_CAPABILITY
    (torch's own switch) overrides what the CPU reports."""
    vb = _SETTINGS["vector_bytes"]
    if vb is None:
        cap = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
        if cap:
            vb = 64 if cap == "avx512" else 32
        else:
            feats = getattr(np._core._multiarray_umath, "__cpu_features__", {}) \
                if hasattr(np, "_core") else {}
            vb = 64 if all(feats.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL",
                                                  "AVX512DQ")) else 32
        _SETTINGS["vector_bytes"] = vb
    return vb


def threads() -> int:
    """torch's intra-op thread count: OMP_NUM_THREADS or MKL_NUM_THREADS, else the CPU count."""
    t = _SETTINGS["threads"]
    if t is None:
        t = 0
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            v = os.environ.get(var, "")
            if v.isdigit() and int(v) > 0:
                t = int(v)
        _SETTINGS["threads"] = t = t or os.cpu_count() or 1
    return t


def configure(vector_bytes=None, threads=None):
    """Set the emulated vector width and thread count (None: detect again). For tests."""
    _SETTINGS["vector_bytes"] = vector_bytes
    _SETTINGS["threads"] = threads


# ------------------------------------------------------------ running sums

def _seq(x, axis):
    """Sum along ``axis`` strictly left to right, starting from +0 (torch's accumulators)."""
    if x.shape[axis] == 0:
        shape = list(x.shape)
        del shape[axis]
        return np.zeros(shape, x.dtype)
    if x.shape[axis] <= 16:
        parts = np.moveaxis(x, axis, 0)
        acc = parts[0] + x.dtype.type(0)
        for row in parts[1:]:
            acc = acc + row
        return acc
    return np.moveaxis(np.add.accumulate(x, axis=axis), axis, 0)[-1] + x.dtype.type(0)


def _grouped(x, step):
    """(..., S, L) -> sums of consecutive groups of ``step`` rows (..., S // step, L), each
    left to right, and the running sum of the rows left over (..., L)."""
    s = x.shape[-2]
    n = s // step
    full = x[..., :n * step, :].reshape(x.shape[:-2] + (n, step, x.shape[-1]))
    return _seq(full, -2), _seq(x[..., n * step:, :], -2)


def _cascade(x):
    """torch's ``multi_row_sum``: sum (..., S, L) over S for every lane L. Chunks of 2^p
    rows are summed left to right (level 0); every 2^p chunk sums are added into level 1,
    whose sums go by 2^p into level 2, which adds up into level 3; at the end
    ((tail + level1) + level2) + level3."""
    s = x.shape[-2]
    p = max(4, (int(s - 1).bit_length() if s > 1 else 0) // 4)
    step = 1 << p
    chunks, acc0 = _grouped(x, step)
    g1, acc1 = _grouped(chunks, step)
    g2, acc2 = _grouped(g1, step)
    acc3 = _seq(g2, -2)
    return ((acc0 + acc1) + acc2) + acc3


def _ilp(y):
    """torch's ``row_sum``: (..., S, L) -> (..., L) with the S rows read as 4 interleaved
    partial sums (each a cascade), the rows left over added to the first, then
    ((p0 + p1) + p2) + p3."""
    s = y.shape[-2]
    k = s // 4
    parts = y[..., :4 * k, :].reshape(y.shape[:-2] + (k, 4 * y.shape[-1]))
    p = _cascade(parts).reshape(y.shape[:-2] + (4, y.shape[-1]))
    p0 = p[..., 0, :]
    for row in np.moveaxis(y[..., 4 * k:, :], -2, 0):
        p0 = p0 + row
    return ((p0 + p[..., 1, :]) + p[..., 2, :]) + p[..., 3, :]


def _inner_vec(rows, w):
    """Contiguous inner reduction of (..., S) rows with S >= w: vectors of w lanes summed by
    ``_ilp``, then 0 + the scalars past the last whole vector + each lane in turn."""
    s = rows.shape[-1]
    v = s // w
    lanes = _ilp(rows[..., :v * w].reshape(rows.shape[:-1] + (v, w)))
    return _seq(np.concatenate((rows[..., v * w:], lanes), axis=-1), -1)


def _scalar_rows(rows):
    """A strided row (..., S) -> (...): ``row_sum`` on scalars."""
    return _ilp(rows[..., None])[..., 0]


# ------------------------------------------------------------------- layout

def _layout(a, axes):
    """TensorIterator's dims for reducing ``a`` over ``axes``: (size, stride, reduced) from
    the innermost out, after dropping size-1 dims, reordering and merging."""
    dims = [(a.shape[i], a.strides[i], i in axes, i) for i in range(a.ndim) if a.shape[i] != 1]
    red = sorted((d for d in reversed(dims) if d[2]), key=lambda d: (d[1], d[0]))
    kept = [d for d in reversed(dims) if not d[2]]      # output contiguous: last kept dim first
    out = []
    for size, stride, r, i in red + kept:
        if out and out[-1][2] == r and out[-1][1] * out[-1][0] == stride:
            prev = out.pop()                            # merged: named by its outer dim
            out.append((prev[0] * size, prev[1], r, i))
            continue
        out.append((size, stride, r, i))
    return out


def _strided(a, dims):
    """A view of ``a`` with ``dims`` as numpy axes, outermost first (innermost last)."""
    return np.lib.stride_tricks.as_strided(
        a, shape=tuple(d[0] for d in reversed(dims)),
        strides=tuple(d[1] for d in reversed(dims)), writeable=False)


def _loop(v, dims, w, item):
    """The loop2d over the two innermost dims of ``v`` (the rest are batch axes)."""
    size0, stride0 = dims[0][0], dims[0][1]
    if len(dims) == 1 or dims[1][2]:
        # every reduced dim is here: the rows (d1 fastest) are summed one by one, each
        # result added to the output in turn
        nred = sum(1 for d in dims if d[2])
        rows = v.reshape(v.shape[:v.ndim - nred] + (-1, size0))
        r = _inner_vec(rows, w) if stride0 == item and size0 >= w else _scalar_rows(rows)
        return _seq(r, -1)
    size1, stride1 = dims[1][0], dims[1][1]
    if stride0 == item and size0 >= w:                  # contiguous inner
        return _inner_vec(v, w)
    x = np.swapaxes(v, -1, -2)                           # (..., size0, size1): outputs in lanes
    if stride1 == item and size1 >= w:                   # contiguous outer
        g = (size1 // (4 * w)) * 4 * w
    elif stride0 < stride1:                              # strided inner
        g = 0
    else:                                                # strided outer
        g = (size1 // 4) * 4
    head = _cascade(x[..., :g]) if g else None
    tail = _ilp(x[..., g:]) if g < size1 else None
    if head is None:
        return tail
    return head if tail is None else np.concatenate((head, tail), axis=-1)


def _reduce(a, axes, w, item):
    """The sum of ``a`` over ``axes`` (a tuple), with the reduced dims removed."""
    dims = _layout(a, axes)
    if not any(d[2] for d in dims):                     # nothing to add: 0 + x
        return np.reshape(a, [s for i, s in enumerate(a.shape) if i not in axes]) \
            + a.dtype.type(0)
    r = _loop(_strided(a, dims), dims, w, item)
    ids = [d[3] for d in reversed(dims) if not d[2]]    # r's axes, outermost first
    r = np.transpose(r, np.argsort(ids)) if len(ids) > 1 else r
    return np.reshape(r, [s for i, s in enumerate(a.shape) if i not in axes])


def _threaded(a, w, item):
    """A full reduction split between threads as ``parallel_for`` splits it: thread t sums
    elements [t c, (t + 1) c) in iteration order (c = ceil(n / T)), and the slots, one per
    thread, are summed in turn."""
    n = a.size
    t = min(threads(), -(-n // GRAIN_SIZE))
    if t <= 1:
        return None
    dims = _layout(a, tuple(range(a.ndim)))
    flat = _strided(a, dims).reshape(-1)                # iteration order (a copy if strided)
    c = -(-n // t)
    slots = np.zeros(threads(), a.dtype)
    for k in range(t):
        part = flat[k * c:(k + 1) * c]
        if part.size:
            slots[k] = _reduce(part, (0,), w, item)
    return _reduce(slots, (0,), w, item)


def fsum(a, axes=None, keepdims=False):
    """``np.sum(a, axis=axes, keepdims=keepdims)`` with PyTorch's rounding for float32 and
    float64 arrays (``axes``: None or a tuple of non-negative ints); other dtypes: numpy's."""
    a = np.asarray(a)
    if a.dtype not in _FLOATS or a.size < 4 and (axes is None or a.ndim <= 1):
        return np.add(np.sum(a, axis=axes, keepdims=keepdims), 0, dtype=a.dtype) \
            if a.dtype in _FLOATS else np.sum(a, axis=axes, keepdims=keepdims)
    item = a.itemsize
    w = vector_bytes() // item
    full = axes is None or len(axes) == a.ndim and all(s for s in a.shape)
    axes = tuple(range(a.ndim)) if axes is None else axes
    out = None
    if full and a.size >= GRAIN_SIZE:
        out = _threaded(a, w, item)
    if out is None:
        if a.size == 0 or any(a.shape[i] == 0 for i in range(a.ndim)):
            out = np.sum(a, axis=axes)
        else:
            out = _reduce(a, axes, w, item)
    out = np.asarray(out, a.dtype)
    if keepdims:
        out = out.reshape([1 if i in axes else s for i, s in enumerate(a.shape)])
    return out if out.ndim else out[()]


def fmean(a, axes=None, keepdims=False):
    """PyTorch's CPU mean: ``fsum`` divided by the count, in the array's dtype."""
    a = np.asarray(a)
    if a.dtype not in _FLOATS:
        return np.mean(a, axis=axes, keepdims=keepdims)
    n = a.size if axes is None else int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(fsum(a, axes, keepdims), a.dtype.type(n), dtype=a.dtype)[()]
