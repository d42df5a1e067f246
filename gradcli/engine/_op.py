"""What every op shares: operand conversion, size checks, anomaly checks, recording.

An op computes its numpy result first, then calls ``record`` (which makes a node
only when an input requires grad and grad mode is on).
"""
from __future__ import annotations

import math
import sys

import numpy as np

from .context import STATE, afford
from .errors import EngineTypeError, ShapeError
from .integers import int_overflow
from .variable import Variable, _wrap, to_array

_new = object.__new__
_f64 = np.float64
_isfinite = math.isfinite

_number = (int, float, bool)


def lift(x) -> Variable:
    """A Variable for an operand that is not one yet (numbers, lists, arrays)."""
    if type(x) is Variable:
        return x
    if isinstance(x, (_number, list, tuple, np.ndarray, np.generic)):
        return _wrap(to_array(x))
    raise EngineTypeError(f"expected a tensor or a number, got {type(x).__name__}")


def operand(b):
    """(data, node) of the second operand of a binary op; numbers stay Python numbers
    so that numpy's weak scalar typing keeps float32 tensors float32."""
    if type(b) is Variable:
        return b._data, b._node
    if type(b) in (float, int):
        return b, None
    if isinstance(b, (_number, np.generic, np.ndarray)):
        return b, None
    if isinstance(b, (list, tuple)):
        return to_array(b), None
    raise EngineTypeError(f"expected a tensor or a number, got {type(b).__name__}")


# -- type promotion: PyTorch's torch.result_type --------------------------------------------
# numpy promotes int64 with float32 to float64 and lets a 0-d float64 raise a float32 array;
# PyTorch does neither. Its rule: operands fall in three priority groups (tensors with
# dimensions, 0-d tensors, Python numbers) and three categories (bool < integer < float).
# Each group's dtypes promote among themselves; a lower-priority group changes the result
# only when its category is higher (a float 0-d tensor makes an int64 tensor float), and
# Python floats count as the default dtype. Within our dtypes the promotion of two dtypes
# is the larger in the order below (int64 with float32 is float32).
_ND = np.ndarray
_RANK = {"b": 0, "i": 2, "u": 2, "f": 4}


def _promote2(a, b):
    if a is None:
        return b
    if b is None or a == b:
        return a
    ka, kb = _RANK[a.kind], _RANK[b.kind]
    if ka != kb:
        return a if ka > kb else b
    return a if a.itemsize >= b.itemsize else b


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower-priority group's dtype counts only from a
    higher category (or against bool)."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote2(higher, lower)
    return higher


def result_type(*operands) -> np.dtype:
    """torch.result_type of tensor data (ndarrays, numpy scalars) and Python numbers."""
    dim = zero = wrapped = None
    for x in operands:
        t = type(x)
        if t is bool:
            wrapped = _promote2(wrapped, np.dtype(np.bool_))
        elif t is int:
            wrapped = _promote2(wrapped, np.dtype(np.int64))
        elif t is float:
            wrapped = _promote2(wrapped, STATE.get().dtype)
        elif t is _ND and x.ndim:
            dim = _promote2(dim, x.dtype)
        else:
            zero = _promote2(zero, np.asarray(x).dtype)
    return _combine(dim, _combine(zero, wrapped))


def promote(ad, bd):
    """``ad`` and ``bd`` (tensor data or Python numbers) cast to PyTorch's result type
    where numpy's own promotion would disagree, so that ``ufunc(ad, bd)`` has PyTorch's
    dtype. Same-typed operands (the hot path) come back untouched after one test."""
    ta = type(ad)
    if ta is type(bd) and (ta is not _ND or ad.dtype == bd.dtype):
        return ad, bd
    tb = type(bd)
    if tb is float or tb is int or tb is bool:
        # numpy treats Python numbers as weak, as PyTorch does, except for a float with
        # an integer or bool tensor: PyTorch makes that the default dtype
        if tb is float and np.asarray(ad).dtype.kind in "biu":
            return np.asarray(ad).astype(STATE.get().dtype)[()], bd
        return ad, bd
    rt = result_type(ad, bd)
    if np.asarray(ad).dtype != rt:
        ad = np.asarray(ad).astype(rt)[()]
    if np.asarray(bd).dtype != rt:
        bd = np.asarray(bd).astype(rt)[()]
    return ad, bd


F64DT = _F64DT = np.dtype(np.float64)


def default_float(x, st):
    """``x`` as the default float dtype when it is integer or bool data: what a Python float
    or a true division makes of it in PyTorch. (numpy makes float64; only a float32 default
    needs this, so callers test ``st.dtype is not F64`` first.)"""
    a = np.asarray(x)
    return a.astype(st.dtype)[()] if a.dtype.kind in "biu" else x


def quotient_dtype(out, ad, bd, st):
    """A true division's result in PyTorch's dtype under a float32 default: float64 only
    when an operand is float64 data."""
    if np.asarray(out).dtype == _F64DT and np.asarray(ad).dtype != _F64DT and (
            type(bd) is float or np.asarray(bd).dtype != _F64DT):
        return np.asarray(out).astype(st.dtype)[()]
    return out


def checked_binary(ufunc, ad, bd, st, cls):
    """The checked path of a binary op (everything but two float64 scalars, or a float64
    scalar and a number): PyTorch's result type, the broadcast check, and under anomaly
    mode an int64 overflow report."""
    ad, bd = promote(ad, bd)
    broadcast_check(ad, bd, st)
    out = ufunc(ad, bd)
    if st.anomaly is not None and type(out) is not _f64:
        int_overflow(out, ufunc, ad, bd, cls.name, st)
    return out


def check_size(shape, st=None, itemsize=8) -> None:
    """Raise LimitError before allocating an array of ``shape`` over the scope's limits
    (elements, bytes, the process's growth: ``context.afford``)."""
    st = st or STATE.get()
    if st.max_elements is not None or st.max_memory is not None:
        afford(math.prod(shape), itemsize, st)


def broadcast_all(st, *datas) -> tuple:
    """The broadcast shape of n operands (arrays or numbers), checked against the
    budget before anything is computed: pairwise checks miss (N,1,1)+(1,N,1)+(1,1,N)."""
    shapes = [getattr(d, "shape", ()) for d in datas]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"cannot broadcast {' and '.join(str(s) for s in shapes)}: "
                         f"the sizes must match or be 1 in each dimension") from None
    check_size(shape, st)
    return shape


def _pretty(n: int) -> str:
    if n >= 10 ** 6 and n == 10 ** round(math.log10(n)):
        return f"10^{round(math.log10(n))}"
    return f"{n:,}"


def broadcast_check(ad, bd, st) -> None:
    """Shapes that cannot broadcast raise ShapeError naming both; big results LimitError."""
    sa = getattr(ad, "shape", ())
    sb = getattr(bd, "shape", ())
    if sa == sb or not sb or not sa:    # the result is no larger than an operand
        return
    try:
        shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ShapeError(f"cannot broadcast {sa} and {sb}: "
                         f"the sizes must match or be 1 in each dimension") from None
    if st.max_elements is not None:
        check_size(shape, st)


def finite(out) -> bool:
    """No NaN and no infinity in ``out``."""
    if type(out) is np.float64 or type(out) is float:
        return math.isfinite(out)
    kind = out.dtype.kind
    if kind not in "fc":
        return True
    if 0 in out.strides and out.size:     # a broadcast view: look at each value once
        out = out[tuple(0 if st == 0 else slice(None) for st in out.strides)]
    if out.size >= 4096:
        # One pass and no temporary: a NaN or an infinity makes the sum NaN or infinite.
        # A sum can also overflow from finite values; then look at every element.
        with np.errstate(over="ignore", invalid="ignore"):
            if math.isfinite(abs(out.sum())):
                return True
    return bool(np.isfinite(out).all())


def report_nonfinite(out, name, st, depth=2) -> None:
    """The report path of the anomaly hook (a result that is not finite): the callback gets
    (phase, op name, tag, nonfinite.Report). The operands are the parameters of the op's
    frame, ``depth`` frames up (the op that called ``record``): nothing is passed, or
    kept, for them while results are finite."""
    from .nonfinite import forward_report
    try:
        frame = sys._getframe(depth)
    except (AttributeError, ValueError):        # not CPython: no operands in the report
        frame = None
    report = forward_report(name, out, frame)
    frame = None
    st.anomaly("forward", name, st.tag() if st.tag is not None else None, report)


def record(out, cls, next_, saved, st, vers=None) -> Variable:
    """The result Variable; records a ``cls`` node if some edge requires grad.
    (Node creation is inlined here: this is the per-op hot path.)"""
    if st.anomaly is not None:
        if type(out) is _f64:
            if not _isfinite(out):
                report_nonfinite(out, cls.name, st)
        elif not finite(out):
            report_nonfinite(out, cls.name, st)
    v = _new(Variable)
    v._data = out
    v._grad = None
    v._vc = None
    if st.grad:
        d = -1                  # the deepest input node's depth; -1: no input requires grad
        for m in next_:
            if m is not None and m.depth > d:
                d = m.depth
        if d >= 0:
            node = _new(cls)
            node.next = next_
            node.saved = saved
            node.vers = vers
            node.shape = out.shape
            node.dtype = out.dtype     # for history(); one store
            node.depth = d + 1
            node.tag = st.tag() if st.tag is not None else None
            node.retain = None
            v._node = node
            if st.trace is not None:
                st.trace.forward(node, v)
            return v
    v._node = None
    return v


def dims(ndim: int, dim, axis=None):
    """Normalized tuple of axes (None: all), from PyTorch's ``dim`` or numpy's ``axis``."""
    if dim is None:
        dim = axis
    if dim is None:
        return None
    if isinstance(dim, Variable):
        dim = dim.item()
    if isinstance(dim, (list, tuple)):
        out = tuple(_one_axis(d, ndim) for d in dim)
        if len(set(out)) != len(out):
            raise ShapeError(f"dim {tuple(dim)} appears multiple times in the list of dims")
        return out
    return (_one_axis(dim, ndim),)


def _one_axis(d, ndim):
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise EngineTypeError(f"dim must be an integer, got {type(d).__name__}")
    n = max(ndim, 1)
    if not -n <= d < n:
        raise ShapeError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return int(d) % n


def keep(keepdim, keepdims):
    return bool(keepdims) if keepdims is not None else bool(keepdim)
