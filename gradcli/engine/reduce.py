"""Reductions, with PyTorch's ``dim``/``keepdim`` (numpy's ``axis``/``keepdims`` too).

The common backward move is ``_spread`` (_reducing.py); max/min/amax/amin/argmax/argmin
live in extrema.py and are re-exported here.
"""
from __future__ import annotations

import math

import numpy as np

from ._op import dims, keep, lift, record
from .context import STATE
from .elementwise import _mask, exp, where, abs as _abs
from .errors import EngineValueError, ShapeError
from .errors import shown
from .integers import reduction_overflow
from .node import Node
from .shape import expand, permute, reshape
from .variable import _result, _wrap
from ._reducing import _axes, _count, _kept_shape, _spread, _spread_raw
from .extrema import MinMax, amax, amin, argmax, argmin, max, min
from .summation import fmean, fsum

__all__ = ["sum", "mean", "prod", "norm", "var", "std", "logsumexp", "softmax", "log_softmax",
           "cumsum", "MinMax", "max", "min", "amax", "amin", "argmax", "argmin"]


# ----------------------------------------------------------------- sum / mean

class SumBackward0(Node):
    __slots__ = ()
    name = "SumBackward0"
    frees = False

    def apply(self, g):
        shape, axes, kd = self.saved
        return (_spread(g, shape, axes, kd),)

    def fast(self, g):
        shape, axes, kd = self.saved
        return (_spread_raw(g, shape, axes, kd),)


class SumBackward1(SumBackward0):
    __slots__ = ()
    name = "SumBackward1"


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = lift(x)
    xd = x._data
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    if xd.dtype.kind == "b":
        xd = xd.astype(np.int64)
    out = fsum(xd, axes, kd)                # PyTorch's order of additions (summation.py)
    cls = SumBackward0 if axes is None and not kd else SumBackward1
    st = STATE.get()
    if st.anomaly is not None:
        reduction_overflow("sum", xd, axes, cls.name, st)
    return record(out, cls, (x._node,), (xd.shape, axes, kd), st)


def sum_known(x, total):
    """``sum(x)`` of a float64 tensor ``x`` of more than summation.EXACT_LIMIT elements
    whose sum ``total`` is known already: a fused chain (engine/fuse.py) summed its result
    block by block in numpy's pairwise order, the order ``fsum`` takes at that size. The
    same value, node and checks as ``sum(x)``, without reading x again."""
    return record(total, SumBackward0, (x._node,), (x._data.shape, None, False), STATE.get())


class MeanBackward0(Node):
    __slots__ = ()
    name = "MeanBackward0"
    frees = False

    def apply(self, g):
        shape, axes, kd = self.saved
        return (_spread(g / _count(shape, axes), shape, axes, kd),)

    def fast(self, g):
        shape, axes, kd = self.saved
        return (_spread_raw(g / _count(shape, axes), shape, axes, kd),)


class MeanBackward1(MeanBackward0):
    __slots__ = ()
    name = "MeanBackward1"


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = lift(x)
    xd = x._data
    if xd.dtype.kind not in "fc":
        raise EngineValueError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {xd.dtype}")
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    out = fmean(xd, axes, kd)
    cls = MeanBackward0 if axes is None and not kd else MeanBackward1
    return record(out, cls, (x._node,), (xd.shape, axes, kd), STATE.get())


# ---------------------------------------------------------------------- prod

class ProdBackward0(Node):
    __slots__ = ()
    name = "ProdBackward0"

    def apply(self, g):
        x, out, axes, kd = self.saved
        shape = x._data.shape
        ge = _spread(g, shape, axes, kd)
        xd = np.asarray(x._data)
        if np.any(xd == 0):
            # products of all the other elements, exactly (no division by zero)
            if STATE.get().grad:        # create_graph: the same product, differentiable
                return (ge * _others_product_var(x, axes),)
            return (ge * _wrap(_others_product(xd, axes)),)
        y = _spread(_result(out, self), shape, axes, kd)
        return (ge * y / x,)


class ProdBackward1(ProdBackward0):
    __slots__ = ()
    name = "ProdBackward1"


def _others_product(xd, axes):
    """For each element, the product of the other elements of its reduction group
    (exclusive prefix times exclusive suffix products: exact when some are zero)."""
    nd = xd.ndim
    if nd == 0:
        return np.ones_like(xd)
    axes = tuple(range(nd)) if axes is None else axes
    dst = tuple(range(nd - len(axes), nd))
    moved = np.moveaxis(xd, axes, dst)
    lead = moved.shape[:nd - len(axes)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=xd.dtype)
    left = np.concatenate((ones, np.cumprod(flat[..., :-1], -1)), -1)
    right = np.concatenate((np.cumprod(flat[..., :0:-1], -1)[..., ::-1], ones), -1)
    return np.moveaxis((left * right).reshape(moved.shape), dst, axes)


def _others_product_var(x, axes):
    """``_others_product`` in engine ops (for create_graph): row i of an (n, n) stack is
    the group with element i replaced by 1, and its product is differentiable again."""
    shape = x._data.shape
    nd = len(shape)
    if nd == 0:
        return _wrap(np.ones_like(x._data))
    axes = tuple(range(nd)) if axes is None else axes
    order = tuple(i for i in range(nd) if i not in axes) + tuple(axes)
    moved = permute(x, order)
    lead = moved.shape[:nd - len(axes)]
    n = math.prod(moved.shape[nd - len(axes):])
    rows = expand(reshape(moved, lead + (1, n)), lead + (n, n))
    others = prod(where(_wrap(np.eye(n, dtype=bool)), 1.0, rows), -1)
    return permute(reshape(others, moved.shape), tuple(np.argsort(order)))


def prod(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = lift(x)
    xd = x._data
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    out = np.prod(xd, axis=axes, keepdims=kd)
    cls = ProdBackward0 if axes is None and not kd else ProdBackward1
    st = STATE.get()
    if st.anomaly is not None:
        reduction_overflow("prod", xd, axes, cls.name, st)
    return record(out, cls, (x._node,), (x, out, axes, kd), st, (x._version,))


# ---------------------------------------------------------------------- norm

class LinalgVectorNormBackward0(Node):
    """Every p-norm (PyTorch names them all after linalg.vector_norm). A zero norm gets
    a zero gradient; ties of the infinity norm share it evenly."""
    __slots__ = ()
    name = "LinalgVectorNormBackward0"

    def apply(self, g):
        x, out, p, axes, kd = self.saved
        xd = np.asarray(x._data)
        shape = xd.shape
        gs = _spread(g, shape, axes, kd)
        if p == 0:
            return (gs * 0.0,)
        sign = _wrap(np.sign(xd).astype(xd.dtype))
        if p == 1:
            return (gs * sign,)
        if p == math.inf:
            hits = np.abs(xd) == np.abs(_spread_raw(np.asarray(out), shape, axes, kd))
            return (gs * (sign * _mask(hits / np.sum(hits, axis=axes, keepdims=True))),)
        y = _spread(_result(out, self), shape, axes, kd)
        zero = _wrap(np.asarray(y._data) == 0)
        if p == 2:
            return (gs * where(zero, 0.0, x / where(zero, 1.0, y)),)
        return (gs * where(zero, 0.0, sign * _abs(x) ** (p - 1) / where(zero, 1.0, y) ** (p - 1)),)


def norm(x, p="fro", dim=None, keepdim=False, *, ord=None, axis=None, keepdims=None):
    """The p-norm over ``dim`` (all elements by default): p = 2 ("fro"), 1, inf, 0 or any
    p > 0, as torch.norm / linalg.vector_norm."""
    x = lift(x)
    xd = x._data
    if ord is not None:
        p = ord
    if p in ("fro", 2, 2.0):
        p = 2
    elif p in ("inf", math.inf):
        p = math.inf
    elif isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0:
        raise EngineValueError(f"norm: unsupported p={shown(p)}")
    if xd.dtype.kind in "iub":
        raise EngineValueError("norm(): input dtype should be floating point")
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    ax = np.abs(xd)
    if p == 2:
        out = np.sqrt(np.sum(np.square(xd), axis=axes, keepdims=kd))
    elif p == 1:
        out = np.sum(ax, axis=axes, keepdims=kd)
    elif p == math.inf:
        if xd.size == 0:
            raise EngineValueError("norm(): the infinity norm of an empty tensor is undefined")
        out = np.max(ax, axis=axes, keepdims=kd)
    elif p == 0:
        out = np.sum(xd != 0, axis=axes, keepdims=kd).astype(xd.dtype)
    else:
        out = np.sum(ax ** p, axis=axes, keepdims=kd) ** (1.0 / p)
    if type(out) is np.ndarray and out.ndim == 0:
        out = out[()]
    return record(out, LinalgVectorNormBackward0, (x._node,), (x, out, p, axes, kd), STATE.get(),
                  (x._version,))


# ------------------------------------------------------------------ var / std

class VarBackward0(Node):
    """(2 / (n - correction)) g (x - mean), in PyTorch's order of operations (var_backward),
    so float32 gradients are its bits."""
    __slots__ = ()
    name = "VarBackward0"

    def apply(self, g):
        x, axes, kd, denom = self.saved
        d = x - mean(x, axes, True)
        return ((_ratio(2.0, denom) * _spread(g, x._data.shape, axes, kd)) * d,)


class StdBackward0(Node):
    """(x - mean) / ((n - correction) std), with PyTorch's zero gradient where the std is
    0 (sqrt'(0) = inf times var' = 0 would be NaN)."""
    __slots__ = ()
    name = "StdBackward0"

    def apply(self, g):
        # PyTorch's std_backward: var_backward of g / (2 std), 0 where std is 0
        x, out, axes, kd, denom = self.saved
        shape = x._data.shape
        y = _spread(_result(out, self), shape, axes, kd)
        zero = _wrap(np.asarray(y._data) == 0)
        gv = where(zero, 0.0, _spread(g, shape, axes, kd) / where(zero, 1.0, y * 2))
        d = x - mean(x, axes, True)
        return ((_ratio(2.0, denom) * gv) * d,)


def _ratio(a, denom):
    """a / denom, infinite for a zero denominator (one element with correction 1)."""
    return a / denom if denom else math.inf


def _variance(x, dim, keepdim, unbiased, correction, axis, keepdims):
    x = lift(x)
    xd = x._data
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    c = 1 if correction is None else correction
    if unbiased is not None:
        c = 1 if unbiased else 0
    denom = builtins_max(_count(xd.shape, axes) - c, 0)
    # PyTorch accumulates a float32 variance in float64 and rounds once at the end (std: after
    # the square root); ``_variance`` returns that float64 value, the callers round it
    wd = xd.astype(np.float64) if xd.dtype == np.float32 else xd
    d = wd - np.mean(wd, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sum(d * d, axis=axes, keepdims=kd) / denom
    if type(out) is np.ndarray and out.ndim == 0:
        out = out[()]
    return x, out, axes, kd, denom


def var(x, dim=None, keepdim=False, *, unbiased=None, correction=None, axis=None, keepdims=None):
    """Variance; ``correction`` 1 (PyTorch's default, Bessel) or 0 (numpy's ``ddof=0``)."""
    x, out, axes, kd, denom = _variance(x, dim, keepdim, unbiased, correction, axis, keepdims)
    out = out.astype(x._data.dtype)[()] if x._data.dtype == np.float32 else out
    return record(out, VarBackward0, (x._node,), (x, axes, kd, denom), STATE.get(),
                  (x._version,))


def std(x, dim=None, keepdim=False, *, unbiased=None, correction=None, axis=None, keepdims=None):
    """Standard deviation: the square root of ``var`` with the same options."""
    x, v, axes, kd, denom = _variance(x, dim, keepdim, unbiased, correction, axis, keepdims)
    out = np.sqrt(v)
    out = out.astype(x._data.dtype)[()] if x._data.dtype == np.float32 else out
    return record(out, StdBackward0, (x._node,), (x, out, axes, kd, denom), STATE.get(),
                  (x._version,))


def builtins_max(a, b):
    return a if a > b else b


# ------------------------------------------------------------------ logsumexp

def _shift(xd, axes):
    """The max along ``axes`` (kept), with non-finite maxima replaced by 0: subtracting it
    keeps exp() from overflowing, and an all -inf group stays -inf instead of NaN."""
    if not xd.size:
        return np.zeros(_kept_shape(xd.shape, axes if isinstance(axes, tuple) or axes is None
                                    else (axes,)))
    m = np.max(xd, axis=axes, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


class LogsumexpBackward0(Node):
    __slots__ = ()
    name = "LogsumexpBackward0"

    def apply(self, g):
        x, out, axes, kd = self.saved
        shape = x._data.shape
        y = _spread(_result(out, self), shape, axes, kd)
        dead = _wrap(np.isneginf(np.asarray(y._data)))  # all -inf: gradient 0, not NaN
        return (_spread(g, shape, axes, kd) * where(dead, 0.0, exp(x - where(dead, 0.0, y))),)


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    x = lift(x)
    xd = np.asarray(x._data)
    if xd.dtype.kind != "f":
        xd = xd.astype(STATE.get().dtype)
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    m = _shift(xd, axes)
    with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf is the answer
        out = np.log(np.sum(np.exp(xd - m), axis=axes, keepdims=True)) + m
    if not kd:
        out = out.reshape([s for i, s in enumerate(out.shape)
                           if not (axes is None or i in axes)])
    out = out[()]
    return record(out, LogsumexpBackward0, (x._node,), (x, out, axes, kd), STATE.get(), (x._version,))


# ------------------------------------------------------- softmax / log_softmax

class SoftmaxBackward0(Node):
    __slots__ = ()
    name = "SoftmaxBackward0"

    def apply(self, g):
        out, axis = self.saved
        y = _result(out, self)
        return (y * (g - sum(g * y, axis, True)),)


def softmax(x, dim=-1, *, axis=None):
    x = lift(x)
    xd = np.asarray(x._data)
    if xd.dtype.kind != "f":
        xd = xd.astype(STATE.get().dtype)
    if xd.ndim == 0:
        xd = xd.reshape(())
    ax = dims(xd.ndim, axis if axis is not None else dim)[0] if xd.ndim else None
    e = np.exp(xd - _shift(xd, ax))
    out = (e / np.sum(e, axis=ax, keepdims=True))[()]
    return record(out, SoftmaxBackward0, (x._node,), (out, ax), STATE.get())


class LogSoftmaxBackward0(Node):
    __slots__ = ()
    name = "LogSoftmaxBackward0"

    def apply(self, g):
        out, axis = self.saved
        y = _result(out, self)
        return (g - exp(y) * sum(g, axis, True),)


def log_softmax(x, dim=-1, *, axis=None):
    x = lift(x)
    xd = np.asarray(x._data)
    if xd.dtype.kind != "f":
        xd = xd.astype(STATE.get().dtype)
    ax = dims(xd.ndim, axis if axis is not None else dim)[0] if xd.ndim else None
    m = _shift(xd, ax)
    out = (xd - m - np.log(np.sum(np.exp(xd - m), axis=ax, keepdims=True)))[()]
    return record(out, LogSoftmaxBackward0, (x._node,), (out, ax), STATE.get())


# -------------------------------------------------------------------- cumsum

class CumsumBackward0(Node):
    __slots__ = ()
    name = "CumsumBackward0"
    frees = False

    def apply(self, g):
        axis = self.saved
        if g._data.ndim == 0:        # cumsum of a 0-d tensor is the identity
            return (g,)
        # reversed cumulative sum: sum_{j >= i} g_j = total - cumsum_i + g_i
        return (sum(g, axis, True) - cumsum(g, axis) + g,)


def cumsum(x, dim=None, *, axis=None):
    x = lift(x)
    xd = np.asarray(x._data)
    if dim is None and axis is None:
        if xd.ndim > 1:
            raise ShapeError("cumsum() needs dim for a tensor of more than one dimension")
        dim = 0
    ax = dims(xd.ndim, dim, axis)[0]
    out = np.cumsum(xd, axis=ax if xd.ndim else None).reshape(xd.shape)[()]
    st = STATE.get()
    if st.anomaly is not None:
        reduction_overflow("cumsum", xd.reshape(xd.shape or (1,)), ax if xd.ndim else 0,
                           CumsumBackward0.name, st)
    return record(out, CumsumBackward0, (x._node,), ax, st)
