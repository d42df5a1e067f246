"""``**`` (x ** c, x ** y, c ** x) and ``square``, with PyTorch's integer and 0 ** 0 rules."""
from __future__ import annotations

import numpy as np

from ._op import F64DT, broadcast_check, lift, operand, promote, record
from .arith import lift_like
from .context import STATE
from .elementwise import log, where
from .integers import int_overflow, int_power
from .node import Node
from .shape import unbroadcast, unbroadcast_raw
from .variable import Variable, _result, _wrap

_f64 = np.float64


class PowBackward0(Node):
    """x ** c for a constant exponent c."""
    __slots__ = ()
    name = "PowBackward0"

    def apply(self, g):
        x, c = self.saved
        if type(c) is not np.ndarray:
            if c == 0:           # zeros, also where g is infinite (PyTorch: zeros_like)
                return (_wrap(np.zeros(self.next[0].shape, np.result_type(g._data))[()]),)
            return (unbroadcast(g * (c * x ** (c - 1)), self.next[0].shape),)
        # an array exponent selects: 0 where it is 0 (PyTorch's pow_backward_self)
        return (unbroadcast(where(c == 0, 0.0, g * (c * x ** (c - 1))), self.next[0].shape),)

    def fast(self, g):
        x, c = self.saved
        if type(c) is not np.ndarray:
            if c == 0:
                return (np.zeros(self.next[0].shape, np.result_type(g))[()],)
            return (unbroadcast_raw(g * (c * _power(x._data, c - 1)), self.next[0].shape),)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(c == 0, 0.0, g * (c * _power(x._data, c - 1)))[()]
        return (unbroadcast_raw(d, self.next[0].shape),)


class PowBackward1(Node):
    """x ** y with both tensors (or a constant base: c ** y)."""
    __slots__ = ()
    name = "PowBackward1"

    def apply(self, g):
        x, y = self.saved
        nx, ny = self.next
        gx = gy = None
        if nx is not None:     # selects: 0 where y == 0, also at 0 ** 0 (pow_backward_self)
            gx = unbroadcast(where(y._data == 0, 0.0, g * (y * x ** (y - 1))), nx.shape)
        if ny is not None:
            # d/dy x**y = x**y log x, times a 0 where x == 0 and y >= 0: PyTorch multiplies
            # here (pow_backward_exponent), so an infinite g gives NaN there, as in PyTorch
            zero = _wrap(((np.asarray(x._data) == 0) & (np.asarray(y._data) >= 0)))
            gy = unbroadcast(g * where(zero, 0.0, x ** y * log(where(zero, 1.0, x))),
                             ny.shape)
        return gx, gy


def pow(a, b):
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    st = STATE.get()
    if type(b) is not Variable:
        bd, _ = operand(b)
        if type(bd) is not float and type(bd) is not int:
            ad, bd = promote(ad, bd)
            broadcast_check(ad, bd, st)
        out = _power(ad, bd)
        if type(out) is not _f64 and st.anomaly is not None:
            int_overflow(np.asarray(out), np.power, ad, bd, PowBackward0.name, st)
        # a constant exponent is no input of the node: one next_functions entry, as PyTorch
        return record(out, PowBackward0, (a._node,), (a, bd), st, (a._version,))
    bd = b._data
    ad, bd = promote(ad, bd)
    broadcast_check(ad, bd, st)
    out = _power(ad, bd)
    return record(out, PowBackward1, (a._node, b._node), (a, b), st,
                  (a._version, b._version))


class PowBackward2(Node):
    """c ** x for a number c (PyTorch's pow with a scalar base: one edge)."""
    __slots__ = ()
    name = "PowBackward2"

    def apply(self, g):
        out, c = self.saved[:2]
        if c == 0:     # 0 ** y: d/dy is g times 0 where y >= 0 (PyTorch multiplies here too)
            y = self.saved[2]
            return (g * where(y >= 0, 0.0, _result(out, self) * -np.inf),)
        return (g * _result(out, self) * float(np.log(c)),)


def rpow(a, b):
    """b ** a with b a number: the base is a constant."""
    if type(b) in (float, int) and type(a) is Variable and a._data.dtype.kind == "f":
        out = _power(lift_like(b, a)._data, a._data)
        return record(out, PowBackward2, (a._node,), (out, b) if b else (out, b, a._data),
                      STATE.get())
    return pow(lift(b), a)


def _power(x, y):
    """x ** y as numpy does it, except that a negative base never gives a complex
    number, and integer and bool powers follow PyTorch (integers.int_power)."""
    xa = np.asarray(x)
    if xa.dtype.kind in "iub":
        ya = np.asarray(y)
        if ya.dtype.kind in "iub":
            out = int_power(xa, ya, y)
            if out is not None:
                return out
        elif STATE.get().dtype is not F64DT:
            return np.power(xa.astype(STATE.get().dtype), y)
    return np.power(x, y)



def square(x):
    """x * x as PyTorch records it: pow(x, 2), a PowBackward0 node."""
    return pow(x, 2)
