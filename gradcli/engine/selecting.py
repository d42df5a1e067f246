"""The ops whose gradient passes through a mask by selection (``where(mask, g, 0)``, never
``g * mask``), as PyTorch's: maximum, minimum, where, clamp (number and tensor bounds).
An infinite or NaN gradient from above gives 0 where the mask is 0 (docs/subgradients.md).
"""
from __future__ import annotations

import numpy as np

from ._op import broadcast_all, broadcast_check, lift, operand, promote, record
from .shape import unbroadcast, unbroadcast_raw
from .context import STATE
from .errors import EngineValueError
from .node import Node
from .variable import Variable


# ----------------------------------------------------------- maximum/minimum

class MaximumBackward0(Node):
    """PyTorch's rule, by selection: a tie gives g/2 to each side; the side that loses
    gets 0 (also where g is infinite); a NaN on either side passes g to both."""
    __slots__ = ()
    name = "MaximumBackward0"

    def apply(self, g):
        tie, zero_a, zero_b = self.saved
        na, nb = self.next
        half = where(tie, g * 0.5, g)
        return (None if na is None else unbroadcast(where(zero_a, 0.0, half), na.shape),
                None if nb is None else unbroadcast(where(zero_b, 0.0, half), nb.shape))


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    name = "MinimumBackward0"


def _extremum(a, b, np_fn, cls):
    a = lift(a)
    bd, bn = operand(b)
    ad, bd = promote(a._data, bd)      # PyTorch's result type
    st = STATE.get()
    broadcast_check(ad, bd, st)
    out = np_fn(ad, bd)
    if not st.grad or (a._node is None and bn is None):
        return record(out, cls, (None, None), None, st)
    shape = np.shape(out)
    less = np.broadcast_to(np.less(ad, bd), shape)
    more = np.broadcast_to(np.greater(ad, bd), shape)
    tie = np.broadcast_to(np.equal(ad, bd), shape)
    lose_a, lose_b = (less, more) if cls is MaximumBackward0 else (more, less)
    return record(out, cls, (a._node, bn), (tie, lose_a, lose_b), st)


def maximum(a, b):
    return _extremum(a, b, np.maximum, MaximumBackward0)


def minimum(a, b):
    return _extremum(a, b, np.minimum, MinimumBackward0)


# --------------------------------------------------------------------- where

class WhereBackward0(Node):
    """By selection: where(cond, g, 0) and where(cond, 0, g)."""
    __slots__ = ()
    name = "WhereBackward0"

    def apply(self, g):
        cond = self.saved
        na, nb = self.next
        return (None if na is None else unbroadcast(where(cond, g, 0.0), na.shape),
                None if nb is None else unbroadcast(where(cond, 0.0, g), nb.shape))

    def fast(self, g):
        cond = self.saved
        na, nb = self.next
        return (None if na is None else unbroadcast_raw(np.where(cond, g, 0.0)[()], na.shape),
                None if nb is None else unbroadcast_raw(np.where(cond, 0.0, g)[()], nb.shape))


def where(cond, a, b):
    c = np.asarray(cond._data if type(cond) is Variable else cond).astype(bool)
    a = lift(a)
    bd, bn = operand(b)
    ad, bd = promote(a._data, bd)
    st = STATE.get()
    broadcast_all(st, c, ad, bd)         # n-ary: pairwise checks miss (N,1,1)+(1,N,1)+(1,1,N)
    out = np.where(c, ad, bd)[()]
    full = np.broadcast_to(c, np.shape(out))
    return record(out, WhereBackward0, (a._node, bn), full, st)


# --------------------------------------------------------------------- clamp

class ClampBackward1(Node):
    """Number bounds: g where lo <= x <= hi (inclusive), selected (0 where g is inf)."""
    __slots__ = ()
    name = "ClampBackward1"

    def apply(self, g):
        return (where(self.saved, g, 0.0),)

    def fast(self, g):
        return (np.where(self.saved, g, 0.0)[()],)


class ClampBackward0(Node):
    """Clamp with tensor bounds (PyTorch's clamp_backward_min_max, by selection): x gets g
    where min <= x <= max, min where x < min < max, max where x > max or max < min.
    So where x < min == max neither bound gets anything."""
    __slots__ = ()
    name = "ClampBackward0"

    def apply(self, g):
        return tuple(None if n is None else unbroadcast(where(m, g, 0.0), n.shape)
                     for n, m in zip(self.next, self.saved))


def _clamp_tensor(x, min, max):
    lo = None if min is None else lift(min)
    hi = None if max is None else lift(max)
    xd = x._data
    lod = -np.inf if lo is None else lo._data
    hid = np.inf if hi is None else hi._data
    st = STATE.get()
    broadcast_all(st, xd, lod, hid)
    out = np.minimum(np.maximum(xd, lod), hid)[()]
    shape = np.shape(out)
    mx = np.broadcast_to((xd >= lod) & (xd <= hid), shape)
    mlo = np.broadcast_to((xd < lod) & (lod < hid), shape)
    mhi = np.broadcast_to((xd > hid) | (hid < lod), shape)
    return record(out, ClampBackward0, (x._node, None if lo is None else lo._node,
                                        None if hi is None else hi._node),
                  (mx, mlo, mhi), st)


class ClampMinBackward0(ClampBackward1):
    __slots__ = ()
    name = "ClampMinBackward0"


class ClampMaxBackward0(ClampBackward1):
    __slots__ = ()
    name = "ClampMaxBackward0"


class ClampMinBackward1(ClampBackward0):
    """clamp_min with a tensor bound: x gets g where x >= min, min where x < min."""
    __slots__ = ()
    name = "ClampMinBackward1"


class ClampMaxBackward1(ClampBackward0):
    __slots__ = ()
    name = "ClampMaxBackward1"


def _clamp_bound(x, bound, cls, lower):
    b = lift(bound)
    xd, bd = x._data, b._data
    st = STATE.get()
    broadcast_all(st, xd, bd)
    out = (np.maximum if lower else np.minimum)(xd, bd)[()]
    keep = np.broadcast_to((xd >= bd) if lower else (xd <= bd), np.shape(out))
    return record(out, cls, (x._node, b._node), (keep, ~keep), st)


def clamp_min(x, min):
    """torch.clamp_min (ClampMinBackward0 with a number bound, 1 with a tensor)."""
    x = lift(x)
    if type(min) is Variable:
        return _clamp_bound(x, min, ClampMinBackward1, True)
    return _clamp_numbers(x, min, np.inf, ClampMinBackward0)


def clamp_max(x, max):
    """torch.clamp_max (ClampMaxBackward0 with a number bound, 1 with a tensor)."""
    x = lift(x)
    if type(max) is Variable:
        return _clamp_bound(x, max, ClampMaxBackward1, False)
    return _clamp_numbers(x, -np.inf, max, ClampMaxBackward0)


def clamp(x, min=None, max=None):
    """Clamp into [min, max]; the gradient passes where min <= x <= max (inclusive)."""
    x = lift(x)
    if min is None and max is None:
        raise EngineValueError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, (list, tuple)):     # data, not a number: the bounded conversion
        min = lift(min)
    if isinstance(max, (list, tuple)):
        max = lift(max)
    if type(min) is Variable or type(max) is Variable:
        return _clamp_tensor(x, min, max)
    return _clamp_numbers(x, -np.inf if min is None else min, np.inf if max is None else max,
                          ClampBackward1)


def _clamp_numbers(x, lo, hi, cls):
    xd = x._data
    out = np.minimum(np.maximum(xd, lo), hi)[()]
    if np.ndim(out) > np.ndim(xd) or np.shape(out) != np.shape(xd):
        out = np.broadcast_to(out, np.broadcast_shapes(np.shape(xd), np.shape(out)))
    inside = np.broadcast_to((xd >= lo) & (xd <= hi), np.shape(out))
    return record(out, cls, (x._node,), inside, STATE.get())


clip = clamp
