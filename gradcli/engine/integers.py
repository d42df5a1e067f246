"""Integers and bools as PyTorch treats them: division by zero, negative powers, bool
subtraction, and int64 overflow (reported under anomaly mode, i.e. ``--strict``)."""
from __future__ import annotations

import numpy as np

from .errors import EngineRuntimeError, EngineTypeError


def no_bool_sub(ad, bd):
    """PyTorch refuses ``-`` with a bool operand (tensor or Python bool)."""
    ba = np.asarray(ad).dtype.kind == "b"
    bb = type(bd) is bool or np.asarray(bd).dtype.kind == "b"
    if ba and bb:
        raise EngineTypeError("Subtraction, the `-` operator, with two bool tensors is not "
                              "supported. Use the `^` or `logical_xor()` operator instead.")
    if ba or bb:
        raise EngineTypeError("Subtraction, the `-` operator, with a bool tensor is not "
                              "supported. If you are trying to invert a mask, use the `~` or "
                              "`logical_not()` operator instead.")


def no_bool(ad, bd):
    """``no_bool_sub`` when either operand is a bool (tensor or Python bool)."""
    if type(ad) is bool or type(bd) is bool or np.asarray(ad).dtype.kind == "b" \
            or np.asarray(bd).dtype.kind == "b":
        no_bool_sub(ad, bd)


def check_int_divisor(ad, bd, op):
    """Integer ``//`` and ``%`` by zero: PyTorch's RuntimeError "ZeroDivisionError" (numpy
    would give 0 with a warning)."""
    if np.asarray(ad).dtype.kind in "biu" and np.asarray(bd).dtype.kind in "biu" \
            and type(bd) is not float and np.any(np.asarray(bd) == 0):
        raise EngineRuntimeError("ZeroDivisionError")


def int_overflow(out, fn, ad, bd, name, st) -> None:
    """Under anomaly mode (``--strict`` in the language), an int64 result that wrapped
    around calls ``st.anomaly("overflow", name, tag)``: the same op in float64 lands
    outside the int64 range. Callers test ``type(out) is not np.float64`` and
    ``st.anomaly is not None`` first, so that float results pay nothing more."""
    if out.dtype.kind != "i":
        return
    with np.errstate(all="ignore"):
        near = np.abs(fn(np.asarray(ad, np.float64), np.asarray(bd, np.float64))) >= 2.0 ** 62
    if not np.any(near):
        return
    # near the edge float64 is not exact: redo those elements with Python integers
    a, b = np.broadcast_arrays(np.asarray(ad), np.asarray(bd))
    exact = fn(a[near].astype(object), b[near].astype(object))
    if any(not -2 ** 63 <= int(v) < 2 ** 63 for v in np.ravel(exact)):
        st.anomaly("overflow", name, st.tag() if st.tag is not None else None)


def int_power(xa, ya, y):
    """``xa ** ya`` for integer or bool arrays as PyTorch computes it, or None when numpy's
    own power is already PyTorch's (no negative exponent)."""
    if xa.dtype.kind == "b" and ya.dtype.kind == "b":
        if type(y) is not bool:
            raise EngineTypeError('"pow" not implemented for \'Bool\'')
        return (xa | ~ya)[()]           # a bool tensor ** True/False stays bool
    if not np.any(ya < 0):
        return None
    if type(y) is int:
        raise EngineRuntimeError("Integers to negative integer powers are not allowed.")
    # a tensor exponent: integer arithmetic as PyTorch's, 1/x^n truncated to 0 except for
    # bases 1 and -1
    base, ex = np.broadcast_arrays(xa.astype(np.int64), ya.astype(np.int64))
    neg = ex < 0
    out = np.power(base, np.where(neg, 0, ex))
    out = np.where(neg, np.where(base == 1, 1, np.where(
        base == -1, np.where(ex % 2 == 0, 1, -1), 0)), out)
    return out.astype(np.result_type(xa, ya))[()]


_EDGE = 2.0 ** 62          # below it in float64, no int64 sum, product or dot can have wrapped


def _wrapped(exact) -> bool:
    return any(not -2 ** 63 <= int(v) < 2 ** 63 for v in np.ravel(exact))


def reduction_overflow(kind, xd, axes, name, st) -> None:
    """Under anomaly mode, an int64 ``sum``, ``prod`` (``axes``: None or a tuple) or
    ``cumsum`` (``axes``: one int) whose true value leaves the int64 range (the result
    wrapped around, as PyTorch's does) calls ``st.anomaly("overflow", name, tag)``. A float64
    bound of the magnitudes (sums of |x|, products of |x|) clears nearly every case; Python
    integers decide the rest. Wrapped partial sums do not count: two's complement gives the
    true result whenever it fits."""
    if xd.dtype.kind != "i" or xd.size == 0:
        return
    ax = xd.astype(np.float64)
    np.abs(ax, out=ax)
    with np.errstate(all="ignore"):
        if kind == "sum":
            bound = np.sum(ax, axis=axes)
        elif kind == "prod":
            bound = np.prod(ax, axis=axes)
        else:
            bound = np.cumsum(ax, axis=axes)
    if not np.any(bound >= _EDGE):
        return
    obj = xd.astype(object)
    exact = (np.sum(obj, axis=axes) if kind == "sum" else np.prod(obj, axis=axes)
             if kind == "prod" else np.cumsum(obj, axis=axes))
    if _wrapped(exact):
        st.anomaly("overflow", name, st.tag() if st.tag is not None else None)


def matmul_overflow(ad, bd, name, st) -> None:
    """The same report for an int64 ``matmul``/``dot``/``mm``: |a| @ |b| in float64 bounds
    every partial sum; the products near the edge are redone with Python integers."""
    if ad.dtype.kind != "i" or bd.dtype.kind != "i" or ad.size == 0 or bd.size == 0:
        return
    with np.errstate(all="ignore"):
        bound = np.matmul(np.abs(ad.astype(np.float64)), np.abs(bd.astype(np.float64)))
    if not np.any(bound >= _EDGE):
        return
    if _wrapped(np.matmul(ad.astype(object), bd.astype(object))):
        st.anomaly("overflow", name, st.tag() if st.tag is not None else None)
