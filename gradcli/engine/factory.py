"""Making tensors: tensor, ones, zeros, full, eye, arange, linspace, rand, randn, *_like.

Every size is validated and checked against the scope's element limit before
anything is allocated.
"""
from __future__ import annotations

import math

import numpy as np

from ._op import check_size
from .context import STATE
from .errors import EngineTypeError, EngineValueError
from .variable import Variable, to_array


def tensor(data, dtype=None, requires_grad=False) -> Variable:
    """A new leaf holding a copy of ``data`` (numbers, nested lists, arrays, tensors)."""
    if type(data) is Variable:
        arr = data._data
        arr = arr.copy() if type(arr) is np.ndarray else arr
        if dtype is not None:
            arr = np.asarray(arr).astype(np.dtype(dtype))[()]
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
            raise EngineValueError(f"{what}: size must be a non-negative integer{bound}, got {a!r}")
        out.append(int(a))
    shape = tuple(out)
    check_size(shape)
    return shape


def _float(dtype):
    return np.dtype(dtype) if dtype is not None else STATE.get().dtype


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
            raise EngineValueError(f"arange: bounds and step must be finite numbers, got {v!r}")
    start, end, step = vals
    if step == 0:
        raise EngineValueError("arange: step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    check_size((n,))
    is_int = all(isinstance(v, (int, np.integer)) for v in vals)
    dt = np.dtype(dtype) if dtype is not None else (np.dtype(np.int64) if is_int else _float(None))
    return Variable(np.arange(start, end, step, dtype=dt)[:n], requires_grad)


def linspace(start, end, steps=100, dtype=None, requires_grad=False) -> Variable:
    (steps,) = _size((steps,), "linspace")
    return Variable(np.linspace(float(start), float(end), steps, dtype=_float(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False) -> Variable:
    shape = _size(size, "rand")
    gen = STATE.get().rng.gen
    return Variable(gen.random(shape, dtype=np.float64).astype(_float(dtype))[()], requires_grad)


def randn(*size, dtype=None, requires_grad=False) -> Variable:
    shape = _size(size, "randn")
    gen = STATE.get().rng.gen
    return Variable(gen.standard_normal(shape).astype(_float(dtype))[()], requires_grad)


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


def rand_like(x, dtype=None, requires_grad=False):
    s, d = _like(x)
    if d.kind != "f" and dtype is None:
        raise EngineTypeError(f"rand_like: a floating point dtype is needed, not {d}")
    return rand(s, dtype=dtype or d, requires_grad=requires_grad)


def randn_like(x, dtype=None, requires_grad=False):
    s, d = _like(x)
    if d.kind != "f" and dtype is None:
        raise EngineTypeError(f"randn_like: a floating point dtype is needed, not {d}")
    return randn(s, dtype=dtype or d, requires_grad=requires_grad)
