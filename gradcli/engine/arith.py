"""Arithmetic primitives: + - * / and unary -.

These are the hot path of define-by-run loops, so each is written out rather than
generated: convert the other operand, compute, record. Gradients of broadcast
inputs are summed back to each input's shape by ``unbroadcast`` only.
Elsewhere: ``**`` in power.py, ``%`` and ``//`` in modulo.py, comparisons in compare.py.
"""
from __future__ import annotations

import numpy as np

from ._op import (F64DT, broadcast_check, checked_binary, default_float, lift, operand, promote,
                  quotient_dtype, record)
from .integers import int_overflow, no_bool, no_bool_sub
from .buffers import CHUNK, fits, sole, sole_var
from .context import STATE
from .errors import EngineTypeError
from .elementwise import reciprocal
from .node import Node
from .shape import unbroadcast, unbroadcast_raw
from .variable import Variable, _wrap

_f64 = np.float64


def _raw(x):
    return x._data if type(x) is Variable else x


# ------------------------------------------------------------------------ add

class AddBackward0(Node):
    __slots__ = ()
    name = "AddBackward0"
    frees = False   # keeps only shapes, so a second backward may pass through it

    def apply(self, g):
        na, nb = self.next
        return (None if na is None else unbroadcast(g, na.shape),
                None if nb is None else unbroadcast(g, nb.shape))

    def fast(self, g):
        na, nb = self.next
        if type(g) is _f64:         # unbroadcast_raw's first test, inline (scalar loops)
            return (None if na is None else g, None if nb is None else g)
        return (None if na is None else unbroadcast_raw(g, na.shape),
                None if nb is None else unbroadcast_raw(g, nb.shape))


def add(a, b):
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    st = STATE.get()
    tb = type(b)
    if tb is Variable:      # operand(b), inline: the scalar loop's a + b
        bd, bn = b._data, b._node
    elif tb is float or tb is int:
        # the common case in scalar loops: a float64 scalar and a number need no checks
        out = ad + b if type(ad) is _f64 else checked_binary(np.add, ad, b, st, AddBackward0)
        return record(out, AddBackward0, (a._node, None), None, st)
    else:
        bd, bn = operand(b)
    out = ad + bd if type(ad) is _f64 and type(bd) is _f64 else \
        checked_binary(np.add, ad, bd, st, AddBackward0)
    return record(out, AddBackward0, (a._node, bn), None, st)


def _spare(ufunc, cls):
    def op(a, b):
        ad = a._data
        bd, bn = operand(b)
        if ufunc is np.subtract:
            no_bool(ad, bd)
        ad, bd = promote(ad, bd)
        st = STATE.get()
        broadcast_check(ad, bd, st)
        if np.shape(bd) == ad.shape or not np.shape(bd):
            out = ufunc(ad, bd, out=ad) if np.result_type(ad, bd) == ad.dtype else ufunc(ad, bd)
        else:
            out = ufunc(ad, bd)
        return record(out, cls, (a._node, bn), None, st)
    op.__name__ = op.__qualname__ = f"{ufunc.__name__}_spare"
    op.__doc__ = (f"a {ufunc.__name__} b (a Variable) written into a's array when the shapes and dtypes "
                  "allow. Only for a caller that knows nothing else holds ``a`` or its array: "
                  "the .gx compiler, for a temporary left operand (buffers.sole_var).")
    return op


class SubBackward0(Node):
    __slots__ = ()
    name = "SubBackward0"
    frees = False

    def apply(self, g):
        na, nb = self.next
        return (None if na is None else unbroadcast(g, na.shape),
                None if nb is None else unbroadcast(-g, nb.shape))

    def fast(self, g):
        na, nb = self.next
        if type(g) is _f64:         # unbroadcast_raw's first test, inline (scalar loops)
            return (None if na is None else g, None if nb is None else -g)
        return (None if na is None else unbroadcast_raw(g, na.shape),
                None if nb is None else unbroadcast_raw(-g, nb.shape))


def sub(a, b):
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    st = STATE.get()
    tb = type(b)
    if tb is Variable:      # operand(b), inline: the scalar loop's a - b
        bd, bn = b._data, b._node
    elif tb is float or tb is int:
        if type(ad) is _f64:
            return record(ad - b, SubBackward0, (a._node, None), None, st)
        no_bool(ad, b)
        return record(checked_binary(np.subtract, ad, b, st, SubBackward0), SubBackward0,
                      (a._node, None), None, st)
    else:
        bd, bn = operand(b)
    if type(ad) is _f64 and type(bd) is _f64:
        return record(ad - bd, SubBackward0, (a._node, bn), None, st)
    no_bool(ad, bd)
    return record(checked_binary(np.subtract, ad, bd, st, SubBackward0), SubBackward0,
                  (a._node, bn), None, st)


def lift_like(b, a) -> Variable:
    """The number ``b`` of a reflected operator (``2 - x``) as a Variable of ``a``'s float
    dtype, so that a float32 tensor stays float32 as in PyTorch."""
    if type(b) in (float, int, bool) and a._data.dtype.kind == "f":
        return _wrap(np.asarray(b, dtype=a._data.dtype)[()])
    return lift(b)


add_spare = _spare(np.add, AddBackward0)
sub_spare = _spare(np.subtract, SubBackward0)


class RsubBackward1(Node):
    """number - x (PyTorch's rsub with a scalar: one edge)."""
    __slots__ = ()
    name = "RsubBackward1"
    frees = False

    def apply(self, g):
        return (-g,)


def rsub(a, b):
    if type(b) in (float, int, bool):
        if type(a) is not Variable:
            a = lift(a)
        ad = a._data
        if type(b) is bool or ad.dtype.kind == "b":
            no_bool_sub(b, ad)
        st = STATE.get()
        if type(b) is float and st.dtype is not F64DT:
            ad = default_float(ad, st)
        out = b - ad
        if type(out) is not _f64 and st.anomaly is not None:
            int_overflow(out, np.subtract, b, ad, RsubBackward1.name, st)
        return record(out, RsubBackward1, (a._node,), None, st)
    return sub(lift(b), a)


# ------------------------------------------------------------------------ mul

class MulBackward0(Node):
    __slots__ = ()
    name = "MulBackward0"

    def apply(self, g):
        a, b = self.saved
        na, nb = self.next
        ga = None if na is None else unbroadcast(g * b, na.shape)
        gb = None if nb is None else unbroadcast(g * a, nb.shape)
        return ga, gb

    def fast(self, g):
        a, b = self.saved
        na, nb = self.next
        if a is b and a is not None:   # x * x: one product, doubled in place
            d = g * a._data
            d *= 2
            return unbroadcast_raw(d, na.shape), None
        ga = gb = None
        # _raw and unbroadcast_raw's first test, inline (scalar loops)
        if na is not None:
            ga = g * (b._data if type(b) is Variable else b)
            if type(ga) is not _f64:
                ga = unbroadcast_raw(ga, na.shape)
        if nb is not None:
            gb = g * (a._data if type(a) is Variable else a)
            if type(gb) is not _f64:
                gb = unbroadcast_raw(gb, nb.shape)
        return ga, gb

    def spend(self, g, saved):
        """``fast`` writing each product into a buffer nothing else holds: g * a into a's
        array (computed first, while g is intact), then g * b into g or into b's array."""
        a, b = saved
        na, nb = self.next
        if type(g) is not np.ndarray or g.size < CHUNK:
            return MulBackward0.fast(_Lent(saved, self.next), g)
        shape = g.shape
        if a is b and a is not None:    # x * x
            ad = a._data
            if sole(g, 2) and fits(g, shape, np.result_type(g, ad)) and ad.shape == shape:
                np.multiply(g, ad, out=g)
                g *= 2
                return unbroadcast_raw(g, na.shape), None
            d = g * ad
            d *= 2
            return unbroadcast_raw(d, na.shape), None
        ga = gb = None
        if nb is not None:
            ad = _raw(a)
            if type(a) is Variable and sole_var(a, 2, 2) and \
                    fits(ad, shape, np.result_type(g, ad)):
                gb = np.multiply(g, ad, out=ad)
            else:
                gb = g * ad
            ad = None
            gb = unbroadcast_raw(gb, nb.shape)
        if na is not None:
            bd = _raw(b)
            if np.shape(bd) == shape or not np.shape(bd):
                dt = np.result_type(g, bd)
                if sole(g, 2) and fits(g, shape, dt):
                    ga = np.multiply(g, bd, out=g)
                elif type(b) is Variable and sole_var(b, 2, 2) and \
                        fits(bd, shape, dt):
                    ga = np.multiply(g, bd, out=bd)
            if ga is None:
                ga = g * bd
            ga = unbroadcast_raw(ga, na.shape)
        return ga, gb


class _Lent:
    """A released node's saved values lent back to its ``fast`` rule (``spend`` on a
    small gradient): fast reads only ``saved`` and ``next``."""
    __slots__ = ("saved", "next")

    def __init__(self, saved, next_):
        self.saved = saved
        self.next = next_


def mul(a, b):
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    st = STATE.get()
    if type(b) is Variable:
        bd = b._data
        out = ad * bd if type(ad) is _f64 and type(bd) is _f64 else \
            checked_binary(np.multiply, ad, bd, st, MulBackward0)
        # a and b are saved: record their versions so in-place edits are caught
        return record(out, MulBackward0, (a._node, b._node), (a, b), st,
                      (a._version, b._version))
    tb = type(b)
    if tb is not float and tb is not int:
        b, _ = operand(b)
    elif type(ad) is _f64:
        return record(ad * b, MulBackward0, (a._node, None), (None, b), st)
    # only b (a constant) is needed to differentiate with respect to a
    return record(checked_binary(np.multiply, ad, b, st, MulBackward0), MulBackward0,
                  (a._node, None), (None, b), st)


# ------------------------------------------------------------------------ div

class DivBackward0(Node):
    __slots__ = ()
    name = "DivBackward0"

    def apply(self, g):
        a, b = self.saved
        na, nb = self.next
        ga = None if na is None else unbroadcast(g / b, na.shape)
        gb = None if nb is None else unbroadcast(-g * a / (b * b), nb.shape)
        return ga, gb

    def fast(self, g):
        a, b = self.saved
        na, nb = self.next
        bd = _raw(b)
        ga = None if na is None else unbroadcast_raw(g / bd, na.shape)
        gb = None if nb is None else unbroadcast_raw(-g * _raw(a) / (bd * bd), nb.shape)
        return ga, gb


def div(a, b):
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    st = STATE.get()
    if type(b) is Variable:
        bd = b._data
        if type(ad) is not _f64 or type(bd) is not _f64:
            ad, bd = promote(ad, bd)
            broadcast_check(ad, bd, st)
        out = np.true_divide(ad, bd)
        if st.dtype is not F64DT:
            out = quotient_dtype(out, ad, bd, st)
        return record(out, DivBackward0, (a._node, b._node), (a, b), st,
                      (a._version, b._version))
    tb = type(b)
    if tb is not float and tb is not int:
        b, _ = operand(b)
        ad, b = promote(ad, b)
        broadcast_check(ad, b, st)
    out = np.true_divide(ad, b)
    if st.dtype is not F64DT:
        out = quotient_dtype(out, ad, b, st)
    return record(out, DivBackward0, (a._node, None), (None, b), st)


def rdiv(a, b):
    """``b / a``. For a number b this is reciprocal(a) * b, the graph PyTorch records
    (ReciprocalBackward0 under MulBackward0)."""
    if type(b) in (float, int, bool) and type(a) is Variable:
        return mul(reciprocal(a), b)
    return div(lift_like(b, a), a)


# ------------------------------------------------------------------------ neg

class NegBackward0(Node):
    __slots__ = ()
    name = "NegBackward0"
    frees = False

    def apply(self, g):
        return (-g,)

    def fast(self, g):
        return (-g,)


def neg(a):
    if type(a) is not Variable:
        a = lift(a)
    st = STATE.get()
    ad = a._data
    if type(ad) is not _f64 and ad.dtype.kind == "b":
        raise EngineTypeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                              "you are trying to invert a mask, use the `~` or `logical_not()` "
                              "operator instead.")
    out = -ad
    if type(out) is not _f64 and st.anomaly is not None:
        int_overflow(out, np.subtract, 0, ad, NegBackward0.name, st)
    return record(out, NegBackward0, (a._node,), None, st)


def pos(a):
    return a


# ------------------------------------------------------- add/sub with alpha

class AddAlphaBackward0(Node):
    """``a + alpha * b`` (torch.add's ``alpha``): one node, named as PyTorch names it, with
    alpha folded in (no MulBackward0 under it)."""
    __slots__ = ()
    name = "AddBackward0"
    frees = False
    sign = 1

    def apply(self, g):
        na, nb = self.next
        return (None if na is None else unbroadcast(g, na.shape),
                None if nb is None else unbroadcast(g * (self.sign * self.saved), nb.shape))


class SubAlphaBackward0(AddAlphaBackward0):
    """``a - alpha * b`` (torch.sub's ``alpha``)."""
    __slots__ = ()
    name = "SubBackward0"
    sign = -1


def _alpha_op(a, b, alpha, cls):
    if type(a) is not Variable:
        a = lift(a)
    bd, bn = operand(b)
    ad, bd = promote(a._data, bd)
    st = STATE.get()
    broadcast_check(ad, bd, st)
    dt = np.result_type(ad, bd)
    if dt.kind in "iub":
        if isinstance(alpha, float):
            raise EngineTypeError("For integral input tensors, argument alpha must not be a "
                                  "floating point number.")
        if cls is SubAlphaBackward0:
            no_bool(ad, bd)
        out = ad + cls.sign * alpha * bd
    else:
        # PyTorch's kernel computes fma(b, +-alpha, a) with alpha in the tensor's dtype
        from .fma import fma
        out = fma(np.asarray(bd, dt), np.asarray(cls.sign * alpha, dt), np.asarray(ad, dt))
    out = np.asarray(out, dt)[()]
    return record(out, cls, (a._node, bn), alpha, st)


def add_alpha(a, b, alpha=1):
    """``torch.add(a, b, alpha=...)``: ``a + alpha * b``."""
    return add(a, b) if alpha == 1 else _alpha_op(a, b, alpha, AddAlphaBackward0)


def sub_alpha(a, b, alpha=1):
    """``torch.sub(a, b, alpha=...)``: ``a - alpha * b``."""
    return sub(a, b) if alpha == 1 else _alpha_op(a, b, alpha, SubAlphaBackward0)
