"""A correctly rounded fused multiply-add, ``a * b + c`` with one rounding, on numpy arrays.

PyTorch's CPU kernels for ``add(x, alpha=a)`` and ``lerp`` compute ``fma`` (checked against
torch 2.13 element by element: every lane, vector body and scalar tail alike), while numpy rounds
the product and the sum separately. To give PyTorch's bits, the engine computes those two with
this function. Python 3.11 has no ``math.fma`` and numpy has no fma ufunc, so it is built from
error-free transformations (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums:
proved algorithms using rounding to odd", IEEE TC 2008):

    a * b = p + e exactly        (Dekker's product, with Veltkamp's split)
    p + c = s + t exactly        (Knuth's TwoSum)
    v = round_to_odd(t + e)      (TwoSum again, then one step to the odd neighbour if inexact)
    fma = round_to_nearest(s + v)

float32 goes through float64: the product of two float32 is exact there, and a sum rounded to odd
in 53 bits then to nearest in 24 bits is correctly rounded (53 >= 2 * 24 + 2).
Non-finite inputs or results, and magnitudes where the split could overflow (> 2**996), take the
plain formula, which is then exact or as PyTorch's in all but pathological cases.
"""
from __future__ import annotations

import numpy as np

_SPLIT = 134217729.0      # 2**27 + 1
_BIG = 2.0 ** 996


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd_sum(a, b):
    s, err = _two_sum(a, b)
    bits = s.view(np.int64)
    even = (bits & 1) == 0
    fix = (err != 0) & even
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _sum_to_odd(x, c):
    """x + c (float64 arrays), rounded to odd: the last step of a float32 fma."""
    return _round_to_odd_sum(x, c)


def fma(a, b, c):
    """Correctly rounded ``a * b + c`` (broadcasting; the result has numpy's promoted dtype)."""
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    dtype = np.result_type(a, b, c)
    if dtype == np.float32:
        x = a.astype(np.float64) * b.astype(np.float64)        # exact
        return _sum_to_odd(np.atleast_1d(x), np.atleast_1d(c.astype(np.float64))).astype(
            np.float32).reshape(np.broadcast(a, b, c).shape)[()]
    if dtype != np.float64:
        return a * b + c
    shape = np.broadcast(a, b, c).shape
    a, b, c = (np.atleast_1d(v).astype(np.float64) for v in np.broadcast_arrays(a, b, c))
    plain = a * b + c
    with np.errstate(all="ignore"):
        p, e = _two_prod(a, b)
        s, t = _two_sum(p, c)
        v = _round_to_odd_sum(t, e)
        out = s + v
    ok = np.isfinite(out) & np.isfinite(plain) & (np.abs(a) < _BIG) & (np.abs(b) < _BIG)
    return np.where(ok, out, plain).reshape(shape)[()]
