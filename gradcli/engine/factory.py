"""Making tensors: tensor, ones, zeros, full, eye, arange, linspace, rand, randn, *_like.

Every size is validated and checked against the scope's element limit before
anything is allocated.
"""
from __future__ import annotations

import math

import numpy as np

from ._op import check_size
from .context import STATE
from .dtypes import as_dtype
from .errors import EngineTypeError, EngineValueError
from .errors import shown
from .variable import Variable, to_array


def tensor(data, dtype=None, requires_grad=False) -> Variable:
    """A new leaf holding a copy of ``data`` (numbers, nested lists, arrays, tensors)."""
    if type(data) is Variable:
        arr = data._data
        arr = arr.copy() if type(arr) is np.ndarray else arr
        if dtype is not None:
            arr = np.asarray(arr).astype(as_dtype(dtype))[()]
        return Variable(arr, requires_grad=requires_grad)
    if type(data) is np.ndarray:
        data = data.copy()      # like torch.tensor: never shares the caller's array
    return Variable(to_array(data, dtype), requires_grad=requires_grad)


def from_numpy(arr) -> Variable:
    """A tensor sharing ``arr``'s memory (like torch.from_numpy)."""
    if type(arr) is not np.ndarray:
        raise EngineTypeError(f"from_numpy expects an ndarray, got {type(arr).__name__}")
    return Variable(arr)


def _size(args, what) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    limit = STATE.get().max_elements
    out = []
    for a in args:
        if type(a) is Variable:
            a = a.item()
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 0:
            bound = f" ≤ {limit:,}" if limit else ""
            raise EngineValueError(f"{what}: size must be a non-negative integer{bound}, got {shown(a)}")
        out.append(int(a))
    shape = tuple(out)
    check_size(shape)
    return shape


def _float(dtype):
    return as_dtype(dtype) if dtype is not None else STATE.get().dtype


def ones(*size, dtype=None, requires_grad=False) -> Variable:
    return Variable(np.ones(_size(size, "ones"), _float(dtype))[()], requires_grad)


def zeros(*size, dtype=None, requires_grad=False) -> Variable:
    return Variable(np.zeros(_size(size, "zeros"), _float(dtype))[()], requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Variable:
    shape = _size((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    if dtype is None:
        dtype = np.int64 if isinstance(fill_value, int) and not isinstance(fill_value, bool) \
            else np.bool_ if isinstance(fill_value, bool) else None
    fv = fill_value._data if type(fill_value) is Variable else fill_value
    if not isinstance(fv, (int, float, np.generic, np.ndarray)):   # (a string: numpy parses it)
        raise EngineTypeError(f"full: fill_value must be a number, not {type(fv).__name__}")
    return Variable(np.full(shape, fv, _float(dtype))[()], requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Variable:
    n, m = _size((n, n if m is None else m), "eye")
    return Variable(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Variable:
    if end is None:
        start, end = 0, start
    vals = [v.item() if type(v) is Variable else v for v in (start, end, step)]
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not math.isfinite(v):
            raise EngineValueError(f"arange: bounds and step must be finite numbers, got {shown(v)}")
    start, end, step = vals
    if step == 0:
        raise EngineValueError("arange: step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    check_size((n,))
    is_int = all(isinstance(v, (int, np.integer)) for v in vals)
    dt = as_dtype(dtype) if dtype is not None else (np.dtype(np.int64) if is_int else _float(None))
    return Variable(np.arange(start, end, step, dtype=dt)[:n], requires_grad)


def linspace(start, end, steps=100, dtype=None, requires_grad=False) -> Variable:
    """PyTorch's CPU values, not numpy's: ``step = (end - start) / (steps - 1)`` in the
    output dtype, then ``fma(step, i, start)`` for the first half and ``fma(-step,
    steps - 1 - i, end)`` for the rest (each one rounding), so both ends are exact."""
    (steps,) = _size((steps,), "linspace")
    dt = _float(dtype)
    if dt.kind != "f":
        return Variable(np.linspace(float(start), float(end), steps).astype(dt), requires_grad)
    lo, hi = dt.type(start), dt.type(end)
    if steps <= 1:
        return Variable(np.full(steps, lo, dtype=dt), requires_grad)
    from .fma import fma
    step = dt.type((hi - lo) / dt.type(steps - 1))
    half = steps // 2
    i = np.arange(steps, dtype=dt)
    out = np.empty(steps, dtype=dt)
    out[:half] = fma(step, i[:half], lo)
    out[half:] = fma(-step, dt.type(steps - 1) - i[half:], hi)
    return Variable(out, requires_grad)


# -- random tensors: PyTorch's CPU generator (rng.py) -----------------------------------

def _gen(generator):
    if generator is None:
        return STATE.get().rng.gen
    from .rng import Generator
    if type(generator) is not Generator:
        raise EngineTypeError(f"generator must be a Generator, got {type(generator).__name__}")
    return generator


def _float_dtype(dtype, what):
    dt = _float(dtype)
    if dt.kind != "f":
        raise EngineTypeError(f"{what}: a floating point dtype is needed, not {dt}")
    return dt


def rand(*size, dtype=None, generator=None, requires_grad=False) -> Variable:
    """Uniform numbers in [0, 1), PyTorch's for the same seed."""
    shape = _size(size, "rand")
    dt = _float_dtype(dtype, "rand")
    return Variable(_gen(generator).uniform(shape, dt)[()], requires_grad)


def randn(*size, dtype=None, generator=None, requires_grad=False) -> Variable:
    """Standard normal numbers, PyTorch's for the same seed."""
    shape = _size(size, "randn")
    dt = _float_dtype(dtype, "randn")
    return Variable(_gen(generator).normal(shape, dt)[()], requires_grad)


def randint(low, high=None, size=None, dtype=None, generator=None,
            requires_grad=False) -> Variable:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high),
    int64 unless ``dtype`` says otherwise."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise EngineTypeError("randint() needs a size, e.g. randint(0, 10, (3,))")
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise EngineTypeError(f"randint: bounds must be integers, got {shown(v)}")
    shape = _size((tuple(size),) if isinstance(size, (tuple, list)) else (size,), "randint")
    dt = as_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    return Variable(_gen(generator).randint(int(low), int(high), shape, dt)[()], requires_grad)


def randperm(n, dtype=None, generator=None, requires_grad=False) -> Variable:
    """A random permutation of 0..n-1 (int64), PyTorch's for the same seed."""
    (n,) = _size((n,), "randperm")
    dt = as_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    return Variable(_gen(generator).randperm(n, dt), requires_grad)


def normal(mean=0.0, std=1.0, size=None, dtype=None, generator=None,
           requires_grad=False) -> Variable:
    """``normal(mean, std, size)`` with numbers, or elementwise with tensor ``mean`` and/or
    ``std`` (then ``randn * std + mean`` over their broadcast shape, as PyTorch does)."""
    g = _gen(generator)
    tm, ts = type(mean) is Variable, type(std) is Variable
    if not (tm or ts):
        if size is None:
            raise EngineTypeError("normal() with number mean and std needs a size")
        shape = _size((tuple(size),) if isinstance(size, (tuple, list)) else (size,), "normal")
        _check_std(std)
        dt = _float_dtype(dtype, "normal")
        return Variable(g.normal(shape, dt, float(mean), float(std))[()], requires_grad)
    md = mean._data if tm else to_array(mean) if isinstance(mean, (list, tuple)) else mean
    sd = std._data if ts else to_array(std) if isinstance(std, (list, tuple)) else std
    if np.any(np.asarray(sd) < 0):
        raise EngineValueError("normal expects all elements of std >= 0.0")
    dt = np.result_type(md, sd) if tm and ts else (md.dtype if tm else sd.dtype)
    if dt.kind != "f":
        raise EngineTypeError(f"normal: a floating point dtype is needed, not {dt}")
    shape = np.broadcast_shapes(np.shape(md), np.shape(sd))
    check_size(shape)
    z = g.normal(shape, dt)
    return Variable((z * np.asarray(sd, dt) + np.asarray(md, dt)).astype(dt)[()], requires_grad)


def _check_std(std):
    if not std >= 0:
        raise EngineValueError(f"normal expects std >= 0.0, but found std {std}")


def bernoulli(input, p=None, generator=None) -> Variable:
    """0/1 draws with the probabilities in ``input`` (or the number ``p`` for every
    element), of ``input``'s dtype."""
    if type(input) is not Variable:
        input = Variable(input)
    d = input._data
    if d.dtype.kind != "f":
        raise EngineTypeError(f"bernoulli: probabilities must be floating point, not {d.dtype}")
    probs = np.full(d.shape, float(p)) if p is not None else np.asarray(d)
    if probs.size and not (np.all(probs >= 0) and np.all(probs <= 1)):
        raise EngineValueError("bernoulli: probabilities must be in [0, 1]")
    return Variable(_gen(generator).bernoulli(probs, d.dtype)[()])


def _like(x):
    if type(x) is not Variable:
        x = Variable(x)
    return x._data.shape, x._data.dtype


def ones_like(x, dtype=None, requires_grad=False):
    s, d = _like(x)
    return ones(s, dtype=dtype or d, requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    s, d = _like(x)
    return zeros(s, dtype=dtype or d, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    s, d = _like(x)
    return full(s, fill_value, dtype=dtype or d, requires_grad=requires_grad)


def rand_like(x, dtype=None, generator=None, requires_grad=False):
    s, d = _like(x)
    return rand(s, dtype=dtype or d, generator=generator, requires_grad=requires_grad)


def randn_like(x, dtype=None, generator=None, requires_grad=False):
    s, d = _like(x)
    return randn(s, dtype=dtype or d, generator=generator, requires_grad=requires_grad)


def randint_like(x, low, high=None, dtype=None, generator=None, requires_grad=False):
    s, d = _like(x)
    if high is None:
        low, high = 0, low
    return randint(low, high, s, dtype=dtype or d, generator=generator,
                   requires_grad=requires_grad)


# -- in-place random fills (Tensor.uniform_, normal_, bernoulli_) ------------------------

def _fill(self, values) -> Variable:
    from .inplace import apply, copy_values
    return apply(self, copy_values, values)     # leaf check, version, history: one path


def uniform_(self, a=0.0, b=1.0, generator=None) -> Variable:
    d = self._data
    dt = _float_dtype(d.dtype, "uniform_")
    if not a <= b:
        raise EngineValueError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, _gen(generator).uniform(d.shape, dt, float(a), float(b)))


def normal_(self, mean=0.0, std=1.0, generator=None) -> Variable:
    d = self._data
    dt = _float_dtype(d.dtype, "normal_")
    _check_std(std)
    return _fill(self, _gen(generator).normal(d.shape, dt, float(mean), float(std)))


def bernoulli_(self, p=0.5, generator=None) -> Variable:
    d = self._data
    if type(p) is Variable:
        probs = np.broadcast_to(p._data, d.shape)
        pd = p._data.dtype
    else:
        probs, pd = np.full(d.shape, float(p)), np.dtype(np.float64)
    return _fill(self, _gen(generator).bernoulli(np.ascontiguousarray(probs, pd), d.dtype))


Variable.uniform_ = uniform_
Variable.normal_ = normal_
Variable.bernoulli_ = bernoulli_
