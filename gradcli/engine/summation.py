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
  (vectors of W lanes, W = 32 bytes / itemsize: 8 float32, 4 float64), contiguous outer
  reduction (outputs in lanes), and the two strided scalar forms. The width is AVX2's
  even on AVX-512 CPUs: PyTorch's sum kernel is not registered for AVX-512 (measured on
  torch 2.13 with AVX-512: 16-lane vectors miss from 8 elements on, 8-lane ones match).
- Each runs a *cascade* (``_cascade``): running sums of chunks of 2^p terms, whose sums are
  summed in chunks again, on four levels; ``row_sum`` first splits a row in 4 interleaved
  partial sums (``_ilp``).
- A full reduction of at least 32768 elements (PyTorch's GRAIN_SIZE) is split between
  threads as ``parallel_for`` does, each thread's sum into its own slot, then the slots are
  summed: the result depends on torch's thread count (``threads()``, from OMP_NUM_THREADS
  like torch, else the CPU count).

Above ``EXACT_LIMIT`` elements (2^19) the sum is numpy's (pairwise too, so as accurate,
but its last bits may differ from torch's): the emulation costs several numpy passes, which
would make a 10^6-element sum ~9x slower than ``np.sum`` and the big-tensor benchmark (W3)
5-7% slower, while the sums whose bits a script shows (losses over a tutorial's data) are
far smaller.

Not emulated either (last bits may differ from torch then): a full sum of 32768 elements or more
of a layout that does not merge into one dim (e.g. ``x[::2]`` of a matrix), and a sum along
dims of 32768 elements or more whose outputs torch splits between threads in a strided
layout. Other sums along dims do not depend on the thread count. Integer sums are numpy's
(exact, wrapping as torch's int64 does).
"""
from __future__ import annotations

import os

import numpy as np

GRAIN_SIZE = 32768
EXACT_LIMIT = 2 ** 19      # larger arrays: numpy's order (see above)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SETTINGS = {"vector_bytes": 32, "threads": None}


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


def configure(threads=None, vector_bytes=32):
    """Set the emulated thread count (None: detect again) and vector width. For tests."""
    _SETTINGS["vector_bytes"] = vector_bytes
    _SETTINGS["threads"] = threads


# ------------------------------------------------------------ running sums

def _seq(x):
    """Sum (..., S, L) over S strictly in order, starting from +0 (torch's accumulators).
    numpy adds rows in order when the lanes, not S, are the inner loop: the lanes are made
    the fastest axis first (a copy when they are not)."""
    if x.shape[-2] == 0:
        return np.zeros(x.shape[:-2] + x.shape[-1:], x.dtype)
    if x.shape[-2] == 1:
        return x[..., 0, :] + x.dtype.type(0)
    if x.shape[-1] < 2:
        return np.add.accumulate(x, axis=-2)[..., -1, :] + x.dtype.type(0)
    st = [abs(t) for t, n in zip(x.strides, x.shape) if n > 1]
    if abs(x.strides[-1]) != min(st) or st.count(min(st)) > 1:
        x = np.ascontiguousarray(x)
    return np.add.reduce(x, axis=-2) + x.dtype.type(0)


def _seq_last(x):
    """Sum (..., S) over its last axis strictly in order, from +0."""
    return np.add.accumulate(x, axis=-1)[..., -1] + x.dtype.type(0)


def _grouped(x, step):
    """(..., S, L) -> sums of consecutive groups of ``step`` rows (..., S // step, L), each
    in order, and the running sum of the rows left over (..., L)."""
    s = x.shape[-2]
    n = s // step
    full = x[..., :n * step, :].reshape(x.shape[:-2] + (n, step, x.shape[-1]))
    return _seq(full), _seq(x[..., n * step:, :])


def _cascade(x):
    """torch's ``multi_row_sum``: sum (..., S, L) over S for every lane L. Chunks of 2^p
    rows are summed left to right (level 0); every 2^p chunk sums are added into level 1,
    whose sums go by 2^p into level 2, which adds up into level 3; at the end
    ((tail + level1) + level2) + level3."""
    s = x.shape[-2]
    p = max(4, (int(s - 1).bit_length() if s > 1 else 0) // 4)
    step = 1 << p
    if s < step:                       # the upper levels stay 0 (adding +0 changes nothing)
        return _seq(x)
    chunks, acc0 = _grouped(x, step)
    if chunks.shape[-2] < step:
        return acc0 + _seq(chunks)
    g1, acc1 = _grouped(chunks, step)
    g2, acc2 = _grouped(g1, step)
    return ((acc0 + acc1) + acc2) + _seq(g2)


def _ilp(y):
    """torch's ``row_sum``: (..., S, L) -> (..., L) with the S rows read as 4 interleaved
    partial sums (each a cascade), the rows left over added to the first, then
    ((p0 + p1) + p2) + p3."""
    s = y.shape[-2]
    k = s // 4
    parts = y[..., :4 * k, :].reshape(y.shape[:-2] + (k, 4 * y.shape[-1]))
    p = _cascade(parts).reshape(y.shape[:-2] + (4, y.shape[-1]))
    p0 = p[..., 0, :]
    for i in range(4 * k, s):
        p0 = p0 + y[..., i, :]
    return ((p0 + p[..., 1, :]) + p[..., 2, :]) + p[..., 3, :]


def _inner_vec(rows, w):
    """Contiguous inner reduction of (..., S) rows with S >= w: vectors of w lanes summed by
    ``_ilp``, then 0 + the scalars past the last whole vector + each lane in turn."""
    s = rows.shape[-1]
    v = s // w
    lanes = _ilp(rows[..., :v * w].reshape(rows.shape[:-1] + (v, w)))
    return _seq_last(np.concatenate((rows[..., v * w:], lanes), axis=-1))


def _row(a, w):
    """``_inner_vec`` of one contiguous 1-D row (n >= w), in as few numpy calls as it takes
    (the common case: ``x.sum()`` of a tensor in a loop)."""
    v = a.size // w
    k = v // 4
    z = a.dtype.type(0)
    body = a[:4 * k * w].reshape(k, 4 * w)
    if k >= 16:
        p = _cascade(body)
    elif k >= 2:                                       # below one chunk: rows in order
        p = np.add.reduce(body, axis=0) + z
    else:
        p = body[0] + z if k else np.zeros(4 * w, a.dtype)
    p0 = p[:w]
    for i in range(4 * k, v):
        p0 = p0 + a[i * w:(i + 1) * w]
    lanes = ((p0 + p[w:2 * w]) + p[2 * w:3 * w]) + p[3 * w:]
    return np.add.accumulate(np.concatenate((a[v * w:], lanes)))[-1] + z


def _scalar_rows(rows):
    """A strided row (..., S) -> (...): ``row_sum`` on scalars."""
    return _ilp(rows[..., None])[..., 0]


# ------------------------------------------------------------------- layout

def _layout(a, axes):
    """TensorIterator's dims for reducing ``a`` over ``axes``: (size, byte stride, reduced,
    outermost original dim) from the innermost out, after dropping size-1 dims, reordering
    (reduced dims first by stride, then kept dims in the output's order) and merging."""
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
        return _seq_last(r)
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


def _column_split(n, dims, item):
    """torch's ``parallel_dim_reduction`` for a sum along dims of ``n`` >= GRAIN_SIZE
    elements: the outermost kept dim of at least T columns (else the largest) is cut in T
    ranges, rounded down to 128 bytes when the columns are adjacent in memory. Only a cut of
    d1, the loop2d's second dim, changes the order (it regroups the outputs); returns its
    column ranges, or None."""
    t = threads()
    if n < GRAIN_SIZE or t <= 1:
        return None
    best = len(dims) - 1
    for k in range(len(dims) - 1, -1, -1):
        if dims[k][2]:
            break
        if dims[k][0] >= t:
            best = k
            break
        if dims[k][0] > dims[best][0]:
            best = k
    if best != 1:
        return None
    cols, stride = dims[1][0], dims[1][1]
    nt = min(t, cols)
    chunk = -(-cols // nt)
    mult = 128 // item if stride == item else 1
    cuts = []
    for k in range(nt):
        b, e = k * chunk, min(cols, (k + 1) * chunk)
        if b >= cols:
            break
        b -= b % mult
        e = e if e == cols else e - e % mult
        if b < e:
            cuts.append((b, e))
    return cuts


def _reduce(a, axes, w, item):
    """The sum of ``a`` over ``axes`` (a tuple), with the reduced dims removed."""
    dims = _layout(a, axes)
    if not any(d[2] for d in dims):                     # nothing to add: 0 + x
        return np.reshape(a, [s for i, s in enumerate(a.shape) if i not in axes]) \
            + a.dtype.type(0)
    v = _strided(a, dims)
    cuts = _column_split(a.size, dims, item) if len(dims) > 1 and not dims[1][2] else None
    if cuts is None:
        r = _loop(v, dims, w, item)
    else:                           # each thread's columns: a loop2d of their own
        r = np.concatenate([_loop(v[..., b:e, :], [dims[0], (e - b,) + dims[1][1:]] + dims[2:],
                                  w, item) for b, e in cuts], axis=-1)
    ids = [d[3] for d in reversed(dims) if not d[2]]    # r's axes, outermost first
    r = np.transpose(r, np.argsort(ids)) if len(ids) > 1 else r
    return np.reshape(r, [s for i, s in enumerate(a.shape) if i not in axes])


def _threaded(a, w, item):
    """A full reduction split between threads as ``parallel_for`` splits it: thread t sums
    elements [t c, (t + 1) c) in iteration order (c = ceil(n / T)) into its own slot, and the
    slots, one per thread, are summed in turn. A thread walks its range row by row (rows of
    the innermost dim, a partial row at either end) and adds each row's sum to its slot."""
    n = a.size
    t = min(threads(), -(-n // GRAIN_SIZE))
    if t <= 1:
        return None                                    # one thread: the plain order
    dims = _layout(a, tuple(range(a.ndim)))
    size0, vec = dims[0][0], dims[0][1] == item
    rows = _strided(a, dims).reshape(-1, size0)         # iteration order (a copy if strided)
    c = -(-n // t)
    slots = np.zeros(threads(), a.dtype)
    for k in range(t):
        lo, hi = k * c, min(n, (k + 1) * c)
        if lo < hi:
            slots[k] = _seq_last(np.concatenate(_segments(rows, lo, hi, vec, w)))
    return _row(slots, w) if slots.size >= w else _scalar_rows(slots[None])[0]


def _segments(rows, lo, hi, vec, w):
    """The row sums a thread adds to its slot for elements [lo, hi) of ``rows``: a partial
    first row, the whole rows, a partial last row, each summed as the loop2d sums a row."""
    size0 = rows.shape[1]

    def sums(block):
        if not block.size:
            return np.zeros(0, rows.dtype)
        return _inner_vec(block, w) if vec and block.shape[1] >= w else _scalar_rows(block)

    r0, c0 = divmod(lo, size0)
    r1, c1 = divmod(hi, size0)
    if r0 == r1:
        return [sums(rows[r0:r0 + 1, c0:c1])]
    out = []
    if c0:
        out.append(sums(rows[r0:r0 + 1, c0:]))
        r0 += 1
    out.append(sums(rows[r0:r1]))
    if c1:
        out.append(sums(rows[r1:r1 + 1, :c1]))
    return out


def _small(a, w):
    """A full sum of fewer than 8 elements in memory order: the additions are a plain left
    to right sum of a permutation (numpy's own sum is left to right below 8 elements)."""
    n = a.size
    flat = a.reshape(-1)
    if n < 2:
        return flat[0] + a.dtype.type(0) if n else a.dtype.type(0)
    if n >= 4:
        if n >= w:                                     # one vector: scalars past it, lanes
            flat = np.concatenate((flat[w:], flat[:w]))
        else:                                          # row_sum: x0, x4.., x1, x2, x3
            flat = np.concatenate((flat[:1], flat[4:], flat[1:4]))
    return np.add(np.sum(flat), 0, dtype=a.dtype)


def fsum(a, axes=None, keepdims=False):
    """``np.sum(a, axis=axes, keepdims=keepdims)`` with PyTorch's rounding for float32 and
    float64 arrays (``axes``: None or a tuple of non-negative ints); other dtypes: numpy's."""
    a = np.asarray(a)
    if a.dtype.char not in "fd" or a.size > EXACT_LIMIT:
        return np.sum(a, axis=axes, keepdims=keepdims)
    item = a.itemsize
    w = _SETTINGS["vector_bytes"] // item
    full = axes is None or all(n == 1 for i, n in enumerate(a.shape) if i not in axes)
    if full and a.flags.c_contiguous and 0 < a.size < GRAIN_SIZE:
        out = _small(a, w) if a.size < 8 else _row(a.reshape(-1), w)   # one contiguous row
        if axes is None and not keepdims:
            return out                                 # the hot path (a loss, x.sum())
    else:
        axes = tuple(range(a.ndim)) if axes is None else axes
        out = None
        if a.size == 0:
            out = np.sum(a, axis=axes)
        elif full:
            out = _threaded(a, w, item)
        if out is None:
            out = _reduce(a, axes, w, item)
    axes = tuple(range(a.ndim)) if axes is None else axes
    out = np.asarray(out, a.dtype).reshape(
        [1 if i in axes else n for i, n in enumerate(a.shape) if keepdims or i not in axes])
    return out if out.ndim else out[()]


def fmean(a, axes=None, keepdims=False):
    """PyTorch's CPU mean: ``fsum`` divided by the count, in the array's dtype."""
    a = np.asarray(a)
    if a.dtype not in _FLOATS:
        return np.mean(a, axis=axes, keepdims=keepdims)
    n = a.size if axes is None else int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(fsum(a, axes, keepdims), a.dtype.type(n), dtype=a.dtype)[()]
