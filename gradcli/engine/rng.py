"""PyTorch's CPU generator: mt19937 and the transforms PyTorch 2.13 applies to its output.

``manual_seed(s)`` followed by ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``,
``uniform_`` or ``bernoulli`` gives the numbers PyTorch's CPU generator gives with the same
seed. What that takes (learned from PyTorch's ATen sources, and checked value for value
against torch 2.13 in tests/engine/test_random.py):

- The engine is the standard 32-bit Mersenne Twister. Seeding keeps the low 32 bits of the
  64-bit seed and fills the state as ``std::mt19937(seed)`` does; the raw stream is numpy's
  MT19937 bit generator started from that state. ``random64()`` is two draws, the first
  one the high word.
- Uniform floats take the low 24 (float32) or 53 (float64) bits of ``random()`` (float32) or
  ``random64()`` (float64), times 2**-digits, then ``x * (to - from) + from``.
- Normal numbers: a contiguous tensor of 16 or more elements fills every element with a
  uniform number of its dtype first, then turns each block of 16 into normals (Box-Muller on
  the pairs ``(j, j + 8)``: ``sqrt(-2 log(1 - u_j))`` times ``cos``/``sin`` of
  ``2 pi u_{j+8}``); when the size is not a multiple of 16, the last 16 elements are drawn
  again and transformed again. Fewer than 16 elements take one float64 Box-Muller pair per
  two elements (``sqrt(-2 log1p(-u2)) * cos(2 pi u1)``) and keep the ``sin`` half in the
  generator for the next call, as PyTorch does.
- ``randint``: ``random() % range`` for ranges below 2**28, ``random64() % range`` above.
- ``randperm(n)``: the identity permutation, then for each i < n - 1 a swap of element i with
  element ``i + random() % (n - i)``.
- ``bernoulli(p)``: ``uniform < p``, the uniform of p's dtype (float64 for float64 p).

The transcendental functions come from the C library (Python's ``math``), which PyTorch's
scalar kernels call too: numpy's vectorised ``log`` differs from it in the last bit for a
few inputs in a thousand. (On CPUs whose best vector unit is AVX2, PyTorch's float32 normal
kernel uses its own polynomial log/sincos instead, whose last bits differ.)
"""
from __future__ import annotations

import math
import os

import numpy as np

_MASK32 = 0xFFFFFFFF
RANDINT64_FROM = 1 << 28        # ranges from here on take random64()


def _mt_key(seed: int) -> np.ndarray:
    """The 624-word state std::mt19937 makes from a 32-bit seed (Knuth's multiplier)."""
    key = [seed & _MASK32]
    prev = key[0]
    for i in range(1, 624):
        prev = (1812433253 * (prev ^ (prev >> 30)) + i) & _MASK32
        key.append(prev)
    return np.array(key, dtype=np.uint32)


class Generator:
    """A CPU generator: mt19937 state plus the cached second half of a Box-Muller pair."""
    __slots__ = ("_bits", "_seed", "_next_normal")

    def __init__(self, seed: int | None = None):
        self._bits = None
        self.manual_seed(seed if seed is not None else int.from_bytes(os.urandom(8), "little"))

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self._seed = seed
        self._next_normal = None
        if self._bits is None:
            self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": _mt_key(seed), "pos": 624}}
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        return (self._bits.state, self._next_normal)

    def set_state(self, state) -> None:
        self._bits.state, self._next_normal = state

    # -- raw streams ---------------------------------------------------------------------
    def random(self, n: int) -> np.ndarray:
        """n draws of random(): 32-bit words as uint64."""
        return self._bits.random_raw(n)

    def random64(self, n: int) -> np.ndarray:
        """n draws of random64(): (first << 32) | second."""
        r = self._bits.random_raw(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    # -- transforms ----------------------------------------------------------------------
    def uniform01(self, n: int, dtype) -> np.ndarray:
        """n uniform numbers in [0, 1) of ``dtype`` (float32 or float64)."""
        if np.dtype(dtype) == np.float64:
            return (self.random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        return (self.random(n) & np.uint64((1 << 24) - 1)).astype(np.float32) * np.float32(2.0 ** -24)

    def uniform(self, shape, dtype, low=0.0, high=1.0) -> np.ndarray:
        dt = np.dtype(dtype)
        _floating(dt, "uniform")
        n = math.prod(shape)
        x = self.uniform01(n, dt)
        lo, hi = dt.type(low), dt.type(high)
        if not (lo == 0 and hi == 1):
            x = _fma(x, hi - lo, lo)
        return x.reshape(shape)

    def normal(self, shape, dtype, mean=0.0, std=1.0) -> np.ndarray:
        dt = np.dtype(dtype)
        _floating(dt, "normal")
        n = math.prod(shape)
        if n >= 16:
            return self._normal_fill(n, dt, mean, std).reshape(shape)
        out = np.array([self._normal_one() for _ in range(n)], dtype=np.float64)
        if not (std == 1 and mean == 0):
            out = _fma(out, np.float64(std), np.float64(mean))
        return out.astype(dt).reshape(shape)

    def _normal_one(self) -> float:
        cached = self._next_normal
        if cached is not None:
            self._next_normal = None
            return cached
        u1, u2 = self.uniform01(2, np.float64).tolist()
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self._next_normal = r * math.sin(theta)
        return r * math.cos(theta)

    def _normal_fill(self, n, dt, mean, std) -> np.ndarray:
        data = self.uniform01(n, dt)
        if n % 16:
            tail = self.uniform01(16, dt)
        full = n - n % 16
        blocks = [_box_muller16(data[:full], dt)]
        if n % 16:
            # the last 16 elements are drawn again, after the whole tensor, and overwrite
            # what the blocks made of the elements they overlap
            blocks = [np.concatenate([blocks[0], np.empty(n - full, dt)])]
            blocks[0][n - 16:] = _box_muller16(tail, dt)
        out = blocks[0]
        if not (std == 1 and mean == 0):
            out = _fma(out, dt.type(std), dt.type(mean))
        return out

    def randint(self, low: int, high: int, shape, dtype) -> np.ndarray:
        rng = high - low
        if rng <= 0:
            from .errors import EngineValueError
            raise EngineValueError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        n = math.prod(shape)
        raw = self.random64(n) if rng >= RANDINT64_FROM else self.random(n)
        vals = (raw % np.uint64(rng)).astype(np.int64) + np.int64(low)
        return vals.astype(dtype).reshape(shape)

    def randperm(self, n: int, dtype) -> np.ndarray:
        perm = list(range(n))
        if n > 1:
            if n >= 0xFFFFFFFF // 20:
                from .errors import LimitError
                raise LimitError(f"randperm: n = {n:,} is too large")
            draws = self.random(n - 1).tolist()
            for i, r in enumerate(draws):
                z = i + r % (n - i)
                perm[i], perm[z] = perm[z], perm[i]
        return np.array(perm, dtype=dtype)

    def bernoulli(self, p: np.ndarray, dtype) -> np.ndarray:
        """One draw per element of ``p`` (a float array, in C order): ``uniform < p``."""
        pd = np.float64 if p.dtype == np.float64 else np.float32
        u = self.uniform01(p.size, pd).reshape(p.shape)
        return (u < p.astype(pd)).astype(dtype)


def _box_muller16(data: np.ndarray, dt) -> np.ndarray:
    """Blocks of 16 uniforms -> 16 normals: pair (j, j + 8) gives cos into j, sin into j + 8."""
    blocks = data.reshape(-1, 2, 8)
    u2 = blocks[:, 1].ravel()
    if dt == np.float64:
        radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - blocks[:, 0].ravel()))
        theta = 2.0 * math.pi * u2
        cos, sin = _libm(math.cos, theta), _libm(math.sin, theta)
    else:
        radius = np.sqrt(_F(-2) * _log_ps(_F(1) - blocks[:, 0].ravel()))
        sin, cos = _sincos_ps(_F(2.0 * math.pi) * u2)
    out = np.empty_like(blocks)
    out[:, 0] = (radius * cos).reshape(-1, 8)
    out[:, 1] = (radius * sin).reshape(-1, 8)
    return out.ravel()


# -- float32: the vector kernel's log and sincos ------------------------------------------
# PyTorch's float32 normal kernel on AVX2/AVX-512 CPUs computes log, sin and cos with the
# Cephes polynomials of avx_mathfun (8 lanes at a time), and its compiler fuses some
# multiply-adds. Each step below is one float32 operation as that kernel performs it; a fused
# step (_fma) rounds once. Checked bit for bit against torch 2.13 on AVX-512.
_F = np.float32
_LOG_P = (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
          1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
          3.3333331174E-1)


def _log_ps(x: np.ndarray) -> np.ndarray:
    """log of positive float32 values: exponent and mantissa split, a degree-9 polynomial."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F) + _F(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F)          # mantissa in [0.5, 1)
    small = m < _F(0.707106781186547524)
    e = e - small.astype(_F)
    m = (m - _F(1)) + np.where(small, m, _F(0))
    z = m * m
    y = np.full_like(m, _F(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = _fma(y, m, _F(p))
    y = _fma(y * m, z, e * _F(-2.12194440e-4))
    y = y - z * _F(0.5)
    return _fma(e, _F(0.693359375), m + y)


def _sincos_ps(x: np.ndarray):
    """(sin, cos) of non-negative float32 values: octant reduction in three parts, then the
    sine or cosine polynomial of the reduced argument, as the octant says."""
    j = (x * _F(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F)
    x = _fma(y, _F(-0.78515625), x)
    x = _fma(y, _F(-2.4187564849853515625e-4), x)
    x = _fma(y, _F(-3.77489497744594108e-8), x)
    z = x * x
    pc = _fma(np.full_like(x, _F(2.443315711809948E-005)), z, _F(-1.388731625493765E-003))
    pc = _fma(pc, z, _F(4.166664568298827E-002))
    pc = _fma(pc * z, z, -(z * _F(0.5))) + _F(1)
    ps = _fma(np.full_like(x, _F(-1.9515295891E-4)), z, _F(8.3321608736E-3))
    ps = _fma(ps, z, _F(-1.6666654611E-1))
    ps = _fma(ps * z, x, x)
    sin_poly = (j & 2) == 0
    sin = np.where(sin_poly, ps, pc)
    cos = np.where(sin_poly, pc, ps)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where((~(j - 2) & 4) != 0, -cos, cos)
    return sin, cos


def _fma(a, b, c):
    """a * b + c rounded once, as a fused multiply-add (PyTorch's compiler fuses these).
    float32: the product is exact in float64. float64: Dekker's exact product and Knuth's
    exact sum, then one rounding of their sum."""
    if np.asarray(a).dtype == np.float32:
        return (np.asarray(a, np.float64) * np.float64(b) + np.asarray(c, np.float64)).astype(np.float32)
    a = np.asarray(a, np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, np.float64))
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl        # p + err == a * b exactly
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)                              # s + t == p + c exactly
    return s + (t + err)


def _split(a):
    t = a * 134217729.0          # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` of every element through the C library (what PyTorch's scalar kernels call)."""
    return np.fromiter(map(fn, x.tolist()), dtype=np.float64, count=x.size)


def _floating(dt, what) -> None:
    if dt.kind != "f":
        from .errors import EngineTypeError
        raise EngineTypeError(f"{what} is only implemented for floating point dtypes, not {dt}")
