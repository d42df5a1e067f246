"""Installs operators and op methods on Variable (``x + y``, ``x.exp()``, ``x.sum(dim=0)``).

Kept apart so that variable.py does not import every op module.
"""
from __future__ import annotations

import numpy as np

from . import arith, compare, elementwise as ew, linalg, modulo, pointwise as pw, power, reduce as rd
from . import extrema as _ex, indexing, shape as sh
from ._op import record
from .backward import backward
from .context import STATE
from .errors import ShapeError
from .node import Node
from .variable import Variable, _wrap, to_array


class CloneBackward0(Node):
    """clone(): the gradient passes through unchanged."""
    __slots__ = ()
    name = "CloneBackward0"
    frees = False

    def apply(self, g):
        return (g,)

    def fast(self, g):
        return (g,)


def _clone(self):
    """A copy that stays in the graph (gradients flow back through it)."""
    return record(np.array(self._data, copy=True)[()], CloneBackward0, (self._node,), None,
                  STATE.get())


def _mm(self, other):
    """Matrix product of two 2-D tensors (PyTorch's Tensor.mm)."""
    other = other if type(other) is Variable else _wrap(to_array(other))    # bounded walk
    if self._data.ndim != 2:
        raise ShapeError("mm: self must be a matrix")
    if other._data.ndim != 2:
        raise ShapeError("mm: mat2 must be a matrix")
    return linalg.matmul(self, other)


def _float(self):
    return _cast(self, np.float32)


def _double(self):
    return _cast(self, np.float64)


class ToCopyBackward0(Node):
    """float()/double(): the gradient is cast back to the input's dtype."""
    __slots__ = ()
    name = "ToCopyBackward0"
    frees = False

    def apply(self, g):
        return (_cast(g, self.saved),)


def _cast(self, dt):
    if self._data.dtype == dt:
        return self
    return record(np.asarray(self._data).astype(dt)[()], ToCopyBackward0, (self._node,),
                  self._data.dtype, STATE.get())


def _max(self, dim=None, keepdim=False, **kw):
    return rd.max(self, dim, keepdim, **kw)


def _min(self, dim=None, keepdim=False, **kw):
    return rd.min(self, dim, keepdim, **kw)


def _expand_as(self, other):
    return sh.expand(self, other.shape)


def _view_as(self, other):
    return sh.reshape(self, other.shape)


def _t(self):
    n = self._data.ndim
    if n > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return sh.permute(self, (1, 0), _cls=sh.TBackward0) if n == 2 else \
        sh.unchanged(self, sh.TBackward0, tuple(range(n)))


METHODS = {
    # operators
    "__add__": arith.add, "__radd__": arith.add,
    "__sub__": arith.sub, "__rsub__": arith.rsub,
    "__mul__": arith.mul, "__rmul__": arith.mul,
    "__truediv__": arith.div, "__rtruediv__": arith.rdiv,
    "__floordiv__": modulo.floor_divide,
    "__rfloordiv__": lambda a, b: modulo.floor_divide(arith.lift(b), a),
    "__mod__": modulo.remainder, "__rmod__": lambda a, b: modulo.remainder(arith.lift_like(b, a), a),
    "__pow__": power.pow, "__rpow__": power.rpow,
    "__matmul__": linalg.matmul, "__rmatmul__": lambda a, b: linalg.matmul(b, a),
    "__neg__": arith.neg, "__pos__": arith.pos, "__abs__": ew.abs,
    "__lt__": compare.lt, "__le__": compare.le, "__gt__": compare.gt, "__ge__": compare.ge,
    "__eq__": compare.eq, "__ne__": compare.ne,
    "__getitem__": indexing.getitem,
    # methods
    "backward": backward, "clone": _clone, "float": _float, "double": _double,
    "add": arith.add_alpha, "sub": arith.sub_alpha, "mul": arith.mul, "div": arith.div,
    "pow": power.pow, "neg": arith.neg, "matmul": linalg.matmul, "dot": linalg.dot,
    "outer": linalg.outer, "inverse": linalg.inv, "det": linalg.det, "trace": linalg.trace,
    "diag": linalg.diag, "mm": _mm,
    "sum": rd.sum, "mean": rd.mean, "prod": rd.prod, "max": _max, "min": _min,
    "amax": rd.amax, "amin": rd.amin,
    "norm": rd.norm, "var": rd.var, "std": rd.std, "logsumexp": rd.logsumexp,
    "softmax": rd.softmax, "log_softmax": rd.log_softmax, "cumsum": rd.cumsum,
    "argmax": rd.argmax, "argmin": rd.argmin, "all": _ex.all, "any": _ex.any,
    "reshape": sh.reshape, "view": sh.view, "flatten": sh.flatten, "squeeze": sh.squeeze,
    "unsqueeze": sh.unsqueeze, "transpose": sh.transpose, "permute": sh.permute,
    "expand": sh.expand, "expand_as": _expand_as, "view_as": _view_as, "t": _t,
    "clamp": ew.clamp, "clip": ew.clamp, "maximum": ew.maximum, "minimum": ew.minimum,
}
for _n in ew.UNARY:
    METHODS[_n] = getattr(ew, _n)
# PyTorch's other pointwise methods
METHODS.update({
    "square": power.square, "atan2": pw.atan2, "arctan2": pw.atan2, "hypot": pw.hypot,
    "xlogy": pw.xlogy, "lerp": pw.lerp, "addcmul": pw.addcmul, "addcdiv": pw.addcdiv,
})

PROPERTIES = {"T": sh.T, "mT": sh.mT}


def install():
    from .bitwise import methods as bitwise_methods      # & | ^ ~, logical_*, in place too
    from .inplace import methods as inplace_methods
    METHODS.update(inplace_methods())
    METHODS.update(bitwise_methods())
    for name, fn in METHODS.items():
        setattr(Variable, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Variable, name, property(fn))


install()
