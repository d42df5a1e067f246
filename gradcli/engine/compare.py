"""Comparisons ``< <= > >= == !=``: bool tensors, not differentiable."""
from __future__ import annotations

import numpy as np

from ._op import broadcast_check, lift, operand, promote
from .context import STATE
from .variable import Variable, _wrap


def _compare(ufunc):
    def op(a, b):
        if type(a) is not Variable:
            a = lift(a)
        if b is None or isinstance(b, str):
            return NotImplemented
        bd, _ = operand(b)
        ad, bd = promote(a._data, bd)
        broadcast_check(ad, bd, STATE.get())
        return _wrap(ufunc(ad, bd))
    op.__name__ = ufunc.__name__
    return op


lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
eq = _compare(np.equal)
ne = _compare(np.not_equal)
