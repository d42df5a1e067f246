"""Installs operators and op methods on Variable (``x + y``, ``x.exp()``, ``x.sum(dim=0)``).

Kept apart so that variable.py does not import every op module. The rooms a one-line
``gradcli grad`` does not need (linear algebra, ``//`` and ``%``, the other pointwise ops,
in-place methods, bitwise operators) are installed as ``Lazy`` entries: the first use of
any of their names imports the room and puts its functions on the class in their place,
so later calls cost what an eager method costs (start-up is a benchmark, W1;
docs/architecture.md "Start-up").
"""
from __future__ import annotations

import importlib

import numpy as np

from . import arith, compare, elementwise as ew, power, reduce as rd
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
    from .linalg import matmul
    other = other if type(other) is Variable else _wrap(to_array(other))    # bounded walk
    if self._data.ndim != 2:
        raise ShapeError("mm: self must be a matrix")
    if other._data.ndim != 2:
        raise ShapeError("mm: mat2 must be a matrix")
    return matmul(self, other)


def _rfloordiv(a, b):
    from .modulo import floor_divide
    return floor_divide(arith.lift(b), a)


def _rmod(a, b):
    from .modulo import remainder
    return remainder(arith.lift_like(b, a), a)


def _rmatmul(a, b):
    from .linalg import matmul
    return matmul(b, a)


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


class Lazy:
    """A method of Variable held by a room imported on first use: reading it (``x.mm``,
    ``x @ y``, ``hasattr``, ``getattr``) imports ``module``, puts every method of the room on
    Variable in place of its ``Lazy`` entries, and returns the real one."""
    __slots__ = ("module", "attr")

    def __init__(self, module, attr):
        self.module, self.attr = module, attr

    def __get__(self, obj, cls=None):
        fn = resolve_room(self.module)[self.attr]
        get = getattr(type(fn), "__get__", None)
        return fn if obj is None or get is None else get(fn, obj, cls)


def resolve_room(module) -> dict:
    """Import a lazy room and install its methods on Variable: ``{method name: fn}``."""
    table = _RESOLVED.get(module)
    if table is None:
        names = LAZY_ROOMS[module]
        mod = importlib.import_module(module, __package__)
        if type(names) is dict:
            table = {name: getattr(mod, attr) for name, attr in names.items()}
        else:
            table = mod.methods()
        for name, fn in table.items():
            setattr(Variable, name, fn)
        _RESOLVED[module] = table
    return table


_RESOLVED: dict = {}


METHODS = {
    # operators
    "__add__": arith.add, "__radd__": arith.add,
    "__sub__": arith.sub, "__rsub__": arith.rsub,
    "__mul__": arith.mul, "__rmul__": arith.mul,
    "__truediv__": arith.div, "__rtruediv__": arith.rdiv,
    "__rfloordiv__": _rfloordiv, "__rmod__": _rmod,
    "__pow__": power.pow, "__rpow__": power.rpow,
    "__rmatmul__": _rmatmul,
    "__neg__": arith.neg, "__pos__": arith.pos, "__abs__": ew.abs,
    "__lt__": compare.lt, "__le__": compare.le, "__gt__": compare.gt, "__ge__": compare.ge,
    "__eq__": compare.eq, "__ne__": compare.ne,
    "__getitem__": indexing.getitem,
    # methods
    "backward": backward, "clone": _clone, "float": _float, "double": _double,
    "add": arith.add_alpha, "sub": arith.sub_alpha, "mul": arith.mul, "div": arith.div,
    "pow": power.pow, "neg": arith.neg, "mm": _mm,
    "sum": rd.sum, "mean": rd.mean, "prod": rd.prod, "max": _max, "min": _min,
    "amax": rd.amax, "amin": rd.amin,
    "norm": rd.norm, "var": rd.var, "std": rd.std, "logsumexp": rd.logsumexp,
    "softmax": rd.softmax, "log_softmax": rd.log_softmax, "cumsum": rd.cumsum,
    "argmax": rd.argmax, "argmin": rd.argmin, "all": _ex.all, "any": _ex.any,
    "reshape": sh.reshape, "view": sh.view, "flatten": sh.flatten, "squeeze": sh.squeeze,
    "unsqueeze": sh.unsqueeze, "transpose": sh.transpose, "permute": sh.permute,
    "expand": sh.expand, "expand_as": _expand_as, "view_as": _view_as, "t": _t,
    "clamp": ew.clamp, "clip": ew.clamp, "maximum": ew.maximum, "minimum": ew.minimum,
    "square": power.square,
}
for _n in ew.UNARY:
    METHODS[_n] = getattr(ew, _n)

# The lazy rooms: module -> the methods it gives Variable, as {method name: attribute}
# (the room's functions under their own names), or a tuple of names for a room whose
# ``methods()`` makes them. tests/test_startup.py checks these lists against the rooms.
LAZY_ROOMS = {
    ".linalg": {"__matmul__": "matmul", "matmul": "matmul", "dot": "dot", "outer": "outer",
                "inverse": "inv", "det": "det", "trace": "trace", "diag": "diag"},
    ".modulo": {"__floordiv__": "floor_divide", "__mod__": "remainder"},
    ".pointwise": {"atan2": "atan2", "arctan2": "atan2", "hypot": "hypot", "xlogy": "xlogy",
                   "lerp": "lerp", "addcmul": "addcmul", "addcdiv": "addcdiv"},
    ".inplace": (
        "__iadd__ __ifloordiv__ __imod__ __imul__ __ipow__ __isub__ __itruediv__ abs_ acos_ "
        "acosh_ add_ addcdiv_ addcmul_ arctan2_ asin_ asinh_ atan2_ atan_ atanh_ ceil_ clamp_ "
        "clamp_max_ clamp_min_ clip_ copy_ cos_ cosh_ cumsum_ detach_ div_ eq_ erf_ erfc_ "
        "erfinv_ exp2_ exp_ expm1_ fill_ floor_ floor_divide_ frac_ ge_ gt_ hypot_ le_ lerp_ "
        "log10_ log1p_ log2_ log_ lt_ mul_ ne_ neg_ pow_ reciprocal_ relu_ remainder_ round_ "
        "rsqrt_ sigmoid_ sign_ sin_ sinc_ sinh_ sqrt_ square_ squeeze_ sub_ t_ tan_ tanh_ "
        "transpose_ trunc_ unsqueeze_ xlogy_ zero_").split(),
    ".bitwise": (
        "__and__ __iand__ __invert__ __ior__ __ixor__ __or__ __rand__ __ror__ __rxor__ __xor__ "
        "bitwise_and bitwise_and_ bitwise_not bitwise_not_ bitwise_or bitwise_or_ bitwise_xor "
        "bitwise_xor_ logical_and logical_and_ logical_not logical_not_ logical_or "
        "logical_or_ logical_xor logical_xor_").split(),
}

PROPERTIES = {"T": sh.T, "mT": sh.mT}


def install():
    for module, names in LAZY_ROOMS.items():
        for name in names:
            setattr(Variable, name, Lazy(module, name))
    for name, fn in METHODS.items():
        setattr(Variable, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Variable, name, property(fn))


install()
