"""Binary and ternary pointwise ops of PyTorch: atan2, hypot, xlogy, lerp, addcmul,
addcdiv (the bitwise operators are in bitwise.py).

Each derivative is one rule in engine ops (``rule.node_class``): the plain walk and
``create_graph=True`` run the same formula. Operands broadcast as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from ._op import broadcast_check, lift
from .context import STATE
from .elementwise import log, sqrt, where
from .errors import EngineTypeError
from .rule import node_class, record_rule
from .variable import Variable


def _operands(*xs):
    """Variables for the operands (numbers lifted), their broadcast checked."""
    vs = tuple(lift(x) for x in xs)
    st = STATE.get()
    for v in vs[1:]:
        broadcast_check(vs[0]._data, v._data, st)
    return vs


def _float(d):
    return d if d.dtype.kind in "fc" else d.astype(STATE.get().dtype)


# ------------------------------------------------------------------ atan2, hypot

Atan2Backward0 = node_class("Atan2Backward0", lambda g, a, b: (
    g * b / (a * a + b * b), g * -a / (a * a + b * b)))


def atan2(input, other):
    """The angle of (other, input): arctan(input / other) in the right quadrant."""
    a, b = _operands(input, other)
    out = np.arctan2(_float(np.asarray(a._data)), b._data)[()]
    return record_rule(out, Atan2Backward0, (a, b), (a, b))


def _hypot_rule(g, a, b):
    r = sqrt(a * a + b * b)
    return g * a / r, g * b / r


HypotBackward0 = node_class("HypotBackward0", _hypot_rule)


def hypot(input, other):
    """sqrt(input² + other²) without overflow."""
    a, b = _operands(input, other)
    out = np.hypot(_float(np.asarray(a._data)), b._data)[()]
    return record_rule(out, HypotBackward0, (a, b), (a, b))


# -------------------------------------------------------------------------- xlogy

def _xlogy_rule(g, x, y):
    # PyTorch: d/dx = log(y), 0 where x == 0 and y <= 0 (selected); d/dy = x / y
    xd, yd = np.asarray(x._data), np.asarray(y._data)
    off = (xd == 0) & (yd <= 0)
    safe = where(off, 1.0, y)
    return (where(off, 0.0, g * log(safe)), g * x / y)


XlogyBackward0 = node_class("XlogyBackward0", _xlogy_rule)
# a number on one side is no input of the node: one next_functions entry, as PyTorch
XlogyBackward1 = node_class("XlogyBackward1", lambda g, x, y: (g * x / y,))   # number x
XlogyBackward2 = node_class("XlogyBackward2", lambda g, x, y: (_xlogy_rule(g, x, y)[0],))


def xlogy(input, other):
    """x * log(y), and 0 where x == 0 (unless y is NaN)."""
    x, y = _operands(input, other)
    xd, yd = _float(np.asarray(x._data)), _float(np.asarray(y._data))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((xd == 0) & ~np.isnan(yd), 0.0, xd * np.log(yd)).astype(
            np.result_type(xd, yd))[()]
    tx, ty = type(input) is Variable, type(other) is Variable
    if tx and ty:
        return record_rule(out, XlogyBackward0, (x, y), (x, y))
    return record_rule(out, XlogyBackward2 if tx else XlogyBackward1, (x if tx else y,), (x, y))


# ---------------------------------------------------------------------- lerp

LerpBackward0 = node_class("LerpBackward0", lambda g, w: (g * (1 - w), g * w),
                           "lerp with a number weight")
LerpBackward1 = node_class("LerpBackward1", lambda g, s, e, w: (
    g * (1 - w), g * w, g * (e - s)), "lerp with a tensor weight")


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    if type(weight) is Variable:
        s, e, w = _operands(input, end, weight)
        out = (s._data + w._data * (e._data - s._data))[()]
        return record_rule(out, LerpBackward1, (s, e, w), (s, e, w))
    if not isinstance(weight, (int, float)):
        raise EngineTypeError(f"lerp: weight must be a number or a tensor, got {type(weight).__name__}")
    s, e = _operands(input, end)
    out = (s._data + weight * (e._data - s._data))[()]
    return record_rule(out, LerpBackward0, (s, e), (float(weight),))


# ---------------------------------------------------------- addcmul, addcdiv

AddcmulBackward0 = node_class("AddcmulBackward0", lambda g, t1, t2, v: (
    g, g * t2 * v, g * t1 * v))
AddcdivBackward0 = node_class("AddcdivBackward0", lambda g, t1, t2, v: (
    g, g * v / t2, -g * v * t1 / (t2 * t2)))


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    a, t1, t2 = _operands(input, tensor1, tensor2)
    out = (a._data + value * (t1._data * t2._data))[()]
    return record_rule(out, AddcmulBackward0, (a, t1, t2), (t1, t2, value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    a, t1, t2 = _operands(input, tensor1, tensor2)
    if np.asarray(t1._data).dtype.kind in "iub" and np.asarray(t2._data).dtype.kind in "iub":
        raise EngineTypeError("addcdiv: integer division with addcdiv is no longer supported; "
                              "use a floating tensor")
    out = (a._data + value * (t1._data / t2._data))[()]
    return record_rule(out, AddcdivBackward0, (a, t1, t2), (t1, t2, value))


__all__ = ["atan2", "hypot", "xlogy", "lerp", "addcmul", "addcdiv"]
