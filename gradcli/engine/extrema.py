"""max, min (full, and along a dim with indices), amax, amin, argmax, argmin, with
PyTorch's tie rules: the full max/min and amax/amin split ties evenly, max/min along a
dim give everything to the first index (docs/subgradients.md)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ._op import dims, keep, lift, record
from ._reducing import _axes, _kept_shape, _spread
from .context import STATE
from .elementwise import _mask, where
from .errors import EngineValueError
from .node import Node
from .indexing import index_add
from .shape import reshape
from .variable import _wrap

class MinMax(namedtuple("MinMax", "values indices")):
    """(values, indices) of max(dim)/min(dim), printed as PyTorch prints its
    ``torch.return_types.max`` / ``torch.return_types.min``."""

    def __new__(cls, values, indices, op="max"):
        self = super().__new__(cls, values, indices)
        self.op = op
        return self

    def __repr__(self):
        return f"torch.return_types.{self.op}(\nvalues={self.values!r},\nindices={self.indices!r})"

    __str__ = __repr__


class AmaxBackward0(Node):
    """amax/amin: within each reduced group, ties share the gradient evenly (PyTorch's
    rule; max(dim) instead gives it all to the first index)."""
    __slots__ = ()
    name = "AmaxBackward0"

    def apply(self, g):
        share, shape, axes, kd = self.saved
        return (_spread(g, shape, axes, kd) * share,)


class AminBackward0(AmaxBackward0):
    __slots__ = ()
    name = "AminBackward0"


def _amaxmin(x, dim, keepdim, axis, keepdims, is_max, op=None):
    """amax/amin (``op`` None), or the full max()/min() (``op`` "max"/"min"), which differ
    only in their node's name."""
    x = lift(x)
    xd = np.asarray(x._data)
    if dim == () or dim == []:          # PyTorch's default: every dim
        dim = None
    axes = _axes(xd.ndim, dim, axis)
    kd = keep(keepdim, keepdims)
    fn = np.max if is_max else np.min
    if xd.size == 0:
        name = op or ("amax" if is_max else "amin")
        raise EngineValueError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0")
    out = fn(xd, axis=axes, keepdims=kd)
    if type(out) is np.ndarray and out.ndim == 0:
        out = out[()]
    st = STATE.get()
    cls = {None: AmaxBackward0 if is_max else AminBackward0, "max": MaxBackward1,
           "min": MinBackward1}[op]
    if not st.grad or x._node is None:
        return record(out, cls, (None,), None, st)
    hits = xd == fn(xd, axis=axes, keepdims=True)
    if op is not None:     # the full max/min selects: (hits, 1 / count)
        return record(out, cls, (x._node,), (hits, 1.0 / np.count_nonzero(hits)), st)
    share = _mask(hits / np.sum(hits, axis=axes, keepdims=True))
    return record(out, cls, (x._node,), (share, xd.shape, axes, kd), st)


class MaxBackward1(Node):
    """Full max/min: ties share the gradient evenly, by selection (PyTorch's
    evenly_distribute_backward: where(hits, g / count, 0), so an infinite g gives 0, not
    NaN, to the other elements); amax(dim) multiplies by the share instead, as PyTorch."""
    __slots__ = ()
    name = "MaxBackward1"

    def apply(self, g):
        hits, inv = self.saved
        return (where(hits, g * inv, 0.0),)

    def fast(self, g):
        hits, inv = self.saved
        return (np.where(hits, g * inv, 0.0),)


class MinBackward1(MaxBackward1):
    __slots__ = ()
    name = "MinBackward1"


class MaxBackward0(Node):
    """max/min along a dim: the whole gradient goes to the first index."""
    __slots__ = ()
    name = "MaxBackward0"
    frees = False

    def apply(self, g):
        idx, shape, axis, kd = self.saved
        if not kd:
            g = reshape(g, _kept_shape(shape, (axis,)))
        return (index_add(g, _along(idx, axis, shape), shape),)


class MinBackward0(MaxBackward0):
    __slots__ = ()
    name = "MinBackward0"


class _MaxOf0d(Node):
    """max/min along dim 0 of a 0-d tensor: the element itself (PyTorch's node names)."""
    __slots__ = ()
    name = "MaxBackward0"
    frees = False

    def apply(self, g):
        return (g,)


class _MinOf0d(_MaxOf0d):
    __slots__ = ()
    name = "MinBackward0"


def _along(idx_kept, axis, shape):
    """An advanced index selecting ``idx_kept`` (keepdim shape) along ``axis``."""
    grids = list(np.indices(idx_kept.shape, sparse=True))
    grids[axis] = idx_kept
    return tuple(grids)


def _minmax(x, dim, keepdim, axis, keepdims, is_max):
    x = lift(x)
    xd = np.asarray(x._data)
    st = STATE.get()
    if dim is None and axis is None:
        return _amaxmin(x, None, False, None, None, is_max, "max" if is_max else "min")
    ax = dims(xd.ndim, dim, axis)[0]
    if xd.ndim == 0:    # dim 0 of a 0-d tensor: the element itself, at index 0
        cls = _MaxOf0d if is_max else _MinOf0d
        return MinMax(record(xd[()], cls, (x._node,), None, st), _wrap(np.int64(0)),
                      "max" if is_max else "min")
    kd = keep(keepdim, keepdims)
    idx = np.expand_dims((np.argmax if is_max else np.argmin)(xd, axis=ax), ax)
    vals = np.take_along_axis(xd, idx, axis=ax)
    if not kd:
        vals = np.squeeze(vals, ax)
    vals = vals[()] if vals.ndim == 0 else vals
    cls = MaxBackward0 if is_max else MinBackward0
    values = record(vals, cls, (x._node,), (idx, xd.shape, ax, kd), st)
    return MinMax(values, _wrap(idx if kd else np.squeeze(idx, ax)), "max" if is_max else "min")


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _minmax(x, dim, keepdim, axis, keepdims, True)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _minmax(x, dim, keepdim, axis, keepdims, False)


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The largest values over ``dim`` (all dims by default), as a tensor (PyTorch's amax)."""
    return _amaxmin(x, dim, keepdim, axis, keepdims, True)


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The smallest values over ``dim`` (all dims by default), as a tensor (PyTorch's amin)."""
    return _amaxmin(x, dim, keepdim, axis, keepdims, False)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg(x, dim, keepdim, axis, keepdims, np.argmax)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg(x, dim, keepdim, axis, keepdims, np.argmin)


def _arg(x, dim, keepdim, axis, keepdims, fn):
    xd = np.asarray(lift(x)._data)
    axes = _axes(xd.ndim, dim, axis)
    if axes is None:
        out = np.int64(fn(xd))
        return _wrap(np.reshape(out, (1,) * xd.ndim) if keep(keepdim, keepdims) else out)
    out = fn(xd, axis=axes[0])
    if keep(keepdim, keepdims):
        out = np.expand_dims(out, axes[0])
    return _wrap(out.astype(np.int64)[()])


def all(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where every element (over ``dim``, or all of them) is nonzero: a bool tensor,
    as PyTorch's ``all`` (never differentiable)."""
    return _truth(x, dim, keepdim, axis, keepdims, np.all)


def any(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where some element (over ``dim``, or any of them) is nonzero (PyTorch's ``any``)."""
    return _truth(x, dim, keepdim, axis, keepdims, np.any)


def _truth(x, dim, keepdim, axis, keepdims, fn):
    xd = np.asarray(lift(x)._data)
    axes = _axes(xd.ndim, dim, axis)
    out = fn(xd, axis=None if axes is None else tuple(axes), keepdims=keep(keepdim, keepdims))
    return _wrap(np.asarray(out, dtype=np.bool_)[()] if np.ndim(out) else np.bool_(out))
