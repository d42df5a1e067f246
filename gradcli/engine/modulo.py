"""``%`` (remainder: the sign follows the divisor) and ``//`` (floor division, not
differentiable)."""
from __future__ import annotations

import numpy as np

from ._op import broadcast_check, lift, operand, promote, record
from .context import STATE
from .integers import check_int_divisor
from .node import Node
from .shape import unbroadcast
from .variable import Variable, _wrap


class RemainderBackward0(Node):
    __slots__ = ()
    name = "RemainderBackward0"

    def apply(self, g):
        q = self.saved
        na = self.next[0]
        nb = self.next[1] if len(self.next) > 1 else None
        ga = None if na is None else unbroadcast(g, na.shape)
        gb = None if nb is None else unbroadcast(g * _wrap(-q), nb.shape)
        return (ga,) if len(self.next) == 1 else (ga, gb)


class RemainderBackward1(RemainderBackward0):
    """x % y with a tensor y (PyTorch's remainder.Tensor); x % c is RemainderBackward0,
    whose only input is x."""
    __slots__ = ()
    name = "RemainderBackward1"


def remainder(a, b):
    """Python's and PyTorch's ``%`` (the sign follows the divisor)."""
    if type(a) is not Variable:
        a = lift(a)
    ad = a._data
    bd, bn = operand(b)
    ad, bd = promote(ad, bd)
    st = STATE.get()
    broadcast_check(ad, bd, st)
    check_int_divisor(ad, bd, "%")
    out = np.mod(ad, bd)
    q = np.floor_divide(ad, bd)
    if type(b) is Variable:
        return record(out, RemainderBackward1, (a._node, bn), q, st)
    return record(out, RemainderBackward0, (a._node,), q, st)


def floor_divide(a, b):
    """``//``: integer-valued, so its derivative is zero almost everywhere; like
    PyTorch the result does not require grad."""
    if type(a) is not Variable:
        a = lift(a)
    bd, _ = operand(b)
    ad, bd = promote(a._data, bd)
    broadcast_check(ad, bd, STATE.get())
    check_int_divisor(ad, bd, "//")
    return _wrap(np.floor_divide(ad, bd))

