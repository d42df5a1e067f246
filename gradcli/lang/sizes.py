"""Sizes checked before anything is allocated (HOSTILE R2-R4): shapes, element counts,
nested list data; and the dtype and data arguments of the tensor factories in the
engine's terms."""
from __future__ import annotations

import math

from .errors import GxLimitError, GxTypeError, GxValueError
from .limits import human, limit_message
from ..engine.errors import shown
from .values import DType, type_name


def _is_int(v):
    return type(v) is int or (type(v) is bool)


def check_shape(dims, rt, what="size"):
    """Validate a shape before anything is allocated (HOSTILE R2-R4)."""
    lim = rt.limits
    shape = []
    for d in dims:
        from ..engine.variable import Variable
        if type(d) is Variable and d.dtype.kind in "iu" and d.numel() == 1:
            d = int(d.item())
        if type(d) is not int or d < 0:
            raise GxValueError(
                f"{what} must be a non-negative integer ≤ {human(lim.max_elements)}, "
                f"got {d!r}" if type(d) in (int, float) else
                f"{what} must be a non-negative integer ≤ {human(lim.max_elements)}, "
                f"got a {type_name(d)}")
        shape.append(d)
    n = math.prod(shape)
    check_elements(n, rt)
    return tuple(shape)


def check_elements(n, rt, itemsize=8):
    lim = rt.limits
    if n > lim.max_elements:
        raise GxLimitError(limit_message(
            f"array of {human(n)} elements exceeds the limit of {human(lim.max_elements)} "
            "elements per tensor", "max_elements", lim.max_elements))
    if n * itemsize > lim.max_memory:
        raise GxLimitError(limit_message(
            f"array of {human(n * itemsize)} bytes exceeds the memory limit",
            "max_memory", lim.max_memory))


def shape_args(args, kw):
    size = kw.pop("size", None)
    if size is not None:
        args = (size,)
    if len(args) == 1 and type(args[0]) in (tuple, list):
        return tuple(args[0])
    return tuple(args)


def data_elements(data, rt, depth=0):
    """Element count of nested list data, found along the first elements (ragged data is
    rejected by the engine later; this only has to be an upper bound for regular data)."""
    n = 1
    d = data
    levels = 0
    from ..engine.variable import Variable
    while True:
        t = type(d)
        if t in (list, tuple):
            n *= len(d)
            if not d:
                break
            d = d[0]
        elif t is range:
            n *= len(d)
            break
        elif t is Variable:
            n *= max(1, d.numel())
            break
        else:
            break
        levels += 1
        if levels > 64:
            raise GxValueError("tensor data nested more than 64 levels deep")
        if n > rt.limits.max_elements:
            break
    check_elements(n, rt)
    return n


def unwrap_dtype(kw):
    """A factory's ``dtype=`` as a numpy dtype, and its ``device=`` checked and dropped:
    every factory passes its keywords through here, so every one takes both."""
    if "device" in kw:
        from .values import check_device
        check_device(kw.pop("device"))
    dt = kw.get("dtype")
    if dt is None:
        return kw
    import numpy as np
    if type(dt) is DType:
        kw["dtype"] = dt.np
    elif type(dt) is str and dt.replace("torch.", "") in ("float32", "float64", "int64",
                                                           "int32", "bool"):
        kw["dtype"] = np.dtype(dt.replace("torch.", ""))
    elif dt is float:
        kw["dtype"] = np.dtype(np.float64)
    elif dt is int:
        kw["dtype"] = np.dtype(np.int64)
    elif dt is bool:
        kw["dtype"] = np.dtype(np.bool_)
    else:
        raise GxTypeError(f"unknown dtype {shown(dt)}")
    return kw


def to_data(x, _memo=None):
    """Tensor data with ranges and tuples as lists. A value shared n times is converted
    once (``t = (t, t)`` forty times: 41 conversions, not 2^40), and the engine's bounded
    walk (``variable._check_nested``) then sizes the result before numpy sees it."""
    t = type(x)
    if t is range:
        return list(x)
    if t is tuple or t is list:
        if not any(type(v) in (range, tuple) for v in x):
            return x
        memo = {} if _memo is None else _memo
        key = id(x)
        if key not in memo:
            memo[key] = None                      # a value inside itself: left as it is
            memo[key] = [to_data(v, memo) for v in x]
        return memo[key] if memo[key] is not None else x
    return x
