"""Elementwise primitives. The unary ones are one table: forward, what the rule
needs (x, the input; y, the output), and the derivative in engine ops.

Subgradients follow PyTorch (docs/subgradients.md): abs'(0) = 0, relu'(0) = 0,
sign' = 0, clamp passes the gradient on its (inclusive) bounds, maximum/minimum
give half to each side on ties.
"""
from __future__ import annotations

import numpy as np

from ._op import broadcast_all, broadcast_check, lift, operand, promote, record
from .buffers import CHUNK, blocks, sole, sole_var
from .arith import unbroadcast
from .context import STATE
from .errors import EngineValueError
from .node import Node
from .variable import Variable, _result, _wrap


def _np_sigmoid(x):
    # stable on both sides: exp of a non-positive number only
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))[()]


def _np_softplus(x):
    return np.logaddexp(0, x)


# In-place helpers for the raw-array rules: each derivative factor is computed into one
# fresh array, and the gradient is multiplied (divided) into it in place, so a rule
# allocates one array instead of two or three (it matters at 10^7 elements).
def _fresh(d):
    return type(d) is np.ndarray and d.base is None and d.flags.writeable


def _gmul(g, d):
    if _fresh(d) and d.shape == np.shape(g):
        np.multiply(d, g, out=d)
        return d
    return g * d


def _gdiv(g, d):
    if _fresh(d) and d.shape == np.shape(g):
        np.divide(g, d, out=d)
        return d
    return g / d


def _inplace(ufunc):
    def op(a, b=None):
        if b is None:
            return ufunc(a, out=a) if _fresh(a) else ufunc(a)
        if _fresh(b) and ufunc in (np.subtract,):   # c - d written into d
            return ufunc(a, b, out=b)
        return ufunc(a, b, out=a) if _fresh(a) else ufunc(a, b)
    return op


_neg_ = _inplace(np.negative)
_sqrt_ = _inplace(np.sqrt)
_add_ = _inplace(np.add)
_mul_ = _inplace(np.multiply)
_rsub_ = _inplace(np.subtract)   # _rsub_(1, d): 1 - d, into d


def _mask(cond):
    """A constant 0/1 tensor of the default float dtype (kept out of the graph)."""
    return _wrap(np.asarray(cond, dtype=STATE.get().dtype)[()])


# name: (PyTorch node name, numpy forward, derivative in engine ops (g, x, y) -> grad,
#        the same derivative on raw arrays (the walk without create_graph), what it saves)
UNARY = {
    "exp":      ("ExpBackward0", np.exp, lambda g, x, y: g * y,
                 lambda g, x, y: g * y, "y"),
    "log":      ("LogBackward0", np.log, lambda g, x, y: g / x,
                 lambda g, x, y: g / x, "x"),
    "log1p":    ("Log1PBackward0", np.log1p, lambda g, x, y: g / (x + 1),
                 lambda g, x, y: g / (x + 1), "x"),
    "expm1":    ("Expm1Backward0", np.expm1, lambda g, x, y: g * (y + 1),
                 lambda g, x, y: g * (y + 1), "y"),
    "sqrt":     ("SqrtBackward0", np.sqrt, lambda g, x, y: g / (y * 2),
                 lambda g, x, y: _gdiv(g, y * 2), "y"),
    "sin":      ("SinBackward0", np.sin, lambda g, x, y: g * cos(x),
                 lambda g, x, y: _gmul(g, np.cos(x)), "x"),
    "cos":      ("CosBackward0", np.cos, lambda g, x, y: g * -sin(x),
                 lambda g, x, y: _gmul(g, _neg_(np.sin(x))), "x"),
    "tan":      ("TanBackward0", np.tan, lambda g, x, y: g * (y * y + 1),
                 lambda g, x, y: _gmul(g, _add_(y * y, 1)), "y"),
    "asin":     ("AsinBackward0", np.arcsin, lambda g, x, y: g / sqrt(1 - x * x),
                 lambda g, x, y: _gdiv(g, _sqrt_(_rsub_(1, x * x))), "x"),
    "acos":     ("AcosBackward0", np.arccos, lambda g, x, y: -g / sqrt(1 - x * x),
                 lambda g, x, y: _neg_(_gdiv(g, _sqrt_(_rsub_(1, x * x)))), "x"),
    "atan":     ("AtanBackward0", np.arctan, lambda g, x, y: g / (x * x + 1),
                 lambda g, x, y: _gdiv(g, _add_(x * x, 1)), "x"),
    "sinh":     ("SinhBackward0", np.sinh, lambda g, x, y: g * cosh(x),
                 lambda g, x, y: _gmul(g, np.cosh(x)), "x"),
    "cosh":     ("CoshBackward0", np.cosh, lambda g, x, y: g * sinh(x),
                 lambda g, x, y: _gmul(g, np.sinh(x)), "x"),
    "tanh":     ("TanhBackward0", np.tanh, lambda g, x, y: g * (1 - y * y),
                 lambda g, x, y: _gmul(g, _rsub_(1, y * y)), "y"),
    "sigmoid":  ("SigmoidBackward0", _np_sigmoid, lambda g, x, y: g * (y * (1 - y)),
                 lambda g, x, y: _gmul(g, _mul_(1 - y, y)), "y"),
    "softplus": ("SoftplusBackward0", _np_softplus, lambda g, x, y: g * sigmoid(x),
                 lambda g, x, y: _gmul(g, _np_sigmoid(x)), "x"),
    "abs":      ("AbsBackward0", np.abs, lambda g, x, y: g * _wrap(np.sign(x._data)),
                 lambda g, x, y: _gmul(g, np.sign(x)), "x"),
    "relu":     ("ReluBackward0", lambda d: np.maximum(d, 0),
                 lambda g, x, y: g * _mask(np.asarray(y._data) > 0),
                 lambda g, x, y: g * (y > 0), "y"),
    "sign":     ("SignBackward0", np.sign, lambda g, x, y: g * 0.0,
                 lambda g, x, y: g * 0.0, ""),
    # not a LANGUAGE.md built-in: how `number / x` starts, as in PyTorch (reciprocal, then *)
    "reciprocal": ("ReciprocalBackward0", np.reciprocal, lambda g, x, y: g * -(y * y),
                   lambda g, x, y: _gmul(g, _neg_(y * y)), "y"),
}


class UnaryBackward(Node):
    __slots__ = ()
    rule = None
    rule_raw = None
    saves = ""

    def apply(self, g):
        s = self.saved
        x = s[0] if self.saves == "x" else None
        y = _result(s[0], self) if self.saves == "y" else None
        return (type(self).rule(g, x, y),)

    def fast(self, g):
        s = self.saved
        saves = self.saves
        x = s[0]._data if saves == "x" else None
        y = s[0] if saves == "y" else None
        return (type(self).rule_raw(g, x, y),)

    def spend(self, g, saved):
        """``fast`` writing into ``g``, or else into the saved output, when nothing else
        holds it, block by block (no full-size temporary)."""
        rule = type(self).rule_raw
        saves = self.saves
        x = saved[0]._data if saves == "x" else None
        y = saved[0] if saves == "y" else None
        shape = g.shape
        if g.size >= CHUNK and np.shape(x if y is None else y) == shape:
            target = None
            if sole(g, 2):
                target = g
            elif y is not None and sole(y, 2):
                target = y
            if target is not None:
                parts = blocks(shape)
                for sl in parts:
                    r = rule(g[sl], None if x is None else x[sl], None if y is None else y[sl])
                    if sl is parts[0] and r.dtype != target.dtype:
                        break           # the result needs another dtype: no reuse
                    target[sl] = r
                else:
                    return (target,)
        return (rule(g, x, y),)


def _make_unary(fname, node_name, np_fn, rule, rule_raw, saves):
    cls = type(node_name, (UnaryBackward,), {
        "__slots__": (), "name": node_name, "rule": staticmethod(rule),
        "rule_raw": staticmethod(rule_raw), "saves": saves})

    into = saves != "x" and isinstance(np_fn, np.ufunc)   # the rule does not need x

    def op(x):
        if type(x) is not Variable:
            x = lift(x)
        xd = x._data
        if xd.dtype.kind in "iub" and fname not in ("abs", "relu", "sign"):
            xd = xd.astype(STATE.get().dtype)
            out = np_fn(xd)
        elif into and type(xd) is np.ndarray and xd.size >= CHUNK and xd.dtype.kind == "f" \
                and sole_var(x, 1, 2):
            # x is held by this parameter alone: the caller passed a temporary straight
            # from its expression (a CALL moves it in), as in exp(a * b). A caller in C
            # holding x, even by a borrowed reference, makes a second holder.
            out = np_fn(xd, out=xd)
        else:
            out = np_fn(xd)
        st = STATE.get()
        if saves == "x":
            return record(out, cls, (x._node,), (x,), st, (x._version,))
        return record(out, cls, (x._node,), (out,) if saves == "y" else None, st)

    op.__name__ = fname
    op.__qualname__ = fname
    op.__doc__ = f"Elementwise {fname}; its derivative rule is {node_name}."
    return cls, op


def _make_spare(op, cls, ufunc, saves):
    """``op`` writing its result into x's array, for a caller that knows nothing else holds
    x or its array (the .gx compiler; see arith.add_spare). Only for ops whose rule does not
    need x itself (it saves the output, or nothing)."""
    def spare(x):
        xd = x._data
        if xd.dtype.kind != "f":
            return op(x)
        out = ufunc(xd, out=xd)
        return record(out, cls, (x._node,), (out,) if saves == "y" else None, STATE.get())
    spare.__name__ = spare.__qualname__ = f"{op.__name__}_spare"
    return spare


# op -> its variant writing into the operand's array (ops whose rule does not need x)
SPARE = {}

_g = globals()
for _name, (_node, _fn, _rule, _raw, _saves) in UNARY.items():
    _cls, _g[_name] = _make_unary(_name, _node, _fn, _rule, _raw, _saves)
    _g[_node] = _cls
    if _saves != "x" and isinstance(_fn, np.ufunc):
        SPARE[_g[_name]] = _make_spare(_g[_name], _cls, _fn, _saves)
del _g, _name, _node, _fn, _rule, _raw, _saves, _cls
# (the loop above defines exp, log, ..., sign and their node classes, one per UNARY row)


# ----------------------------------------------------------- maximum/minimum

class MaximumBackward0(Node):
    __slots__ = ()
    name = "MaximumBackward0"

    def apply(self, g):
        wa, wb = self.saved
        na, nb = self.next
        return (None if na is None else unbroadcast(g * wa, na.shape),
                None if nb is None else unbroadcast(g * wb, nb.shape))


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    name = "MinimumBackward0"


def _extremum(a, b, np_fn, cmp, cls):
    a = lift(a)
    bd, bn = operand(b)
    ad, bd = promote(a._data, bd)
    st = STATE.get()
    broadcast_check(ad, bd, st)
    out = np_fn(ad, bd)
    if not st.grad or (a._node is None and bn is None):
        return record(out, cls, (None, None), None, st)
    win = cmp(ad, bd)
    tie = np.equal(ad, bd)
    wa = _mask(win + 0.5 * tie)            # ties: half the gradient to each side
    wb = _mask((~win & ~tie) + 0.5 * tie)
    return record(out, cls, (a._node, bn), (wa, wb), st)


def maximum(a, b):
    return _extremum(a, b, np.maximum, np.greater, MaximumBackward0)


def minimum(a, b):
    return _extremum(a, b, np.minimum, np.less, MinimumBackward0)


# --------------------------------------------------------------------- where

class WhereBackward0(Node):
    __slots__ = ()
    name = "WhereBackward0"

    def apply(self, g):
        cond = self.saved
        na, nb = self.next
        return (None if na is None else unbroadcast(g * _mask(cond), na.shape),
                None if nb is None else unbroadcast(g * _mask(~cond), nb.shape))


def where(cond, a, b):
    c = np.asarray(cond._data if type(cond) is Variable else cond).astype(bool)
    a = lift(a)
    bd, bn = operand(b)
    ad, bd = promote(a._data, bd)
    st = STATE.get()
    broadcast_all(st, c, ad, bd)
    out = np.where(c, ad, bd)[()]
    full = np.broadcast_to(c, np.shape(out))
    return record(out, WhereBackward0, (a._node, bn), full, st)


# --------------------------------------------------------------------- clamp

class ClampBackward1(Node):
    __slots__ = ()
    name = "ClampBackward1"

    def apply(self, g):
        return (g * self.saved,)


class ClampBackward0(Node):
    """Clamp with tensor bounds: x gets the gradient where min <= x <= max, min where
    x < min < max, max where x > max or where x < min but min >= max (PyTorch's rule)."""
    __slots__ = ()
    name = "ClampBackward0"

    def apply(self, g):
        wx, wlo, whi = self.saved
        return tuple(None if n is None else unbroadcast(g * w, n.shape)
                     for n, w in zip(self.next, (wx, wlo, whi)))


def _clamp_tensor(x, min, max):
    lo = None if min is None else lift(min)
    hi = None if max is None else lift(max)
    xd = x._data
    lod = -np.inf if lo is None else lo._data
    hid = np.inf if hi is None else hi._data
    st = STATE.get()
    broadcast_all(st, xd, lod, hid)
    out = np.minimum(np.maximum(xd, lod), hid)[()]
    below = xd < lod
    wx = _mask((xd >= lod) & (xd <= hid))
    wlo = _mask(below & (lod < hid))
    whi = _mask((xd > hid) | (below & (lod >= hid)))
    return record(out, ClampBackward0, (x._node, None if lo is None else lo._node,
                                        None if hi is None else hi._node),
                  (wx, wlo, whi), st)


def clamp(x, min=None, max=None):
    """Clamp into [min, max]; the gradient passes where min <= x <= max (inclusive)."""
    x = lift(x)
    if min is None and max is None:
        raise EngineValueError("clamp: at least one of 'min' or 'max' must not be None")
    if type(min) is Variable or type(max) is Variable:
        return _clamp_tensor(x, min, max)
    lo = -np.inf if min is None else (min._data if type(min) is Variable else min)
    hi = np.inf if max is None else (max._data if type(max) is Variable else max)
    xd = x._data
    out = np.minimum(np.maximum(xd, lo), hi)[()]
    if np.ndim(out) > np.ndim(xd) or np.shape(out) != np.shape(xd):
        out = np.broadcast_to(out, np.broadcast_shapes(np.shape(xd), np.shape(out)))
    inside = _mask((xd >= lo) & (xd <= hi))
    return record(out, ClampBackward1, (x._node,), inside, STATE.get())


clip = clamp
