"""Elementwise primitives. The unary ones are one table: forward, what the rule
needs (x, the input; y, the output), and the derivative in engine ops.

Subgradients follow PyTorch (docs/subgradients.md): abs'(0) = 0, relu'(0) = 0,
sign' = 0, clamp passes the gradient on its (inclusive) bounds, maximum/minimum
give half to each side on ties.
"""
from __future__ import annotations

import numpy as np

from ._op import lift, record
from .buffers import CHUNK, blocks, sole, sole_var
from .context import STATE
from .errors import EngineValueError
from .node import Node
from .variable import Variable, _result, _wrap
# the ops whose gradient is a selection; re-exported here (elementwise.where, .clamp, ...)
from .selecting import clamp, clamp_max, clamp_min, clip, maximum, minimum, where


def _np_sigmoid(x):
    # stable on both sides: exp of a non-positive number only
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))[()]


def _np_softplus(x):
    return np.logaddexp(0, x)


# In-place helpers for the raw-array rules: each derivative factor is computed into one
# fresh array, and the gradient is multiplied (divided) into it in place, so a rule
# allocates one array instead of two or three (it matters at 10^7 elements).
_nd = np.ndarray


def _fresh(d):
    return type(d) is np.ndarray and d.base is None and d.flags.writeable


def _gmul(g, d):
    if type(d) is _nd and _fresh(d) and d.shape == np.shape(g):
        np.multiply(d, g, out=d)
        return d
    return g * d


def _gdiv(g, d):
    if type(d) is _nd and _fresh(d) and d.shape == np.shape(g):
        np.divide(g, d, out=d)
        return d
    return g / d


_SCALARS = frozenset({np.float64, np.float32})


def _inplace(ufunc, name=None):
    """``ufunc`` written into a fresh temporary operand when there is one. When the
    operands are a float64/float32 numpy scalar and a number or another such scalar (the
    scalar loop's backward), there is nothing to write into, and the Python operator
    ``name`` computes it: numpy's scalar arithmetic, the same IEEE operation and result
    type as the ufunc without the ~1.5 µs of a ufunc call (tests/engine/test_scalar_path.py)."""
    import operator
    pyop = getattr(operator, name) if name else None
    nd, scalars = _nd, _SCALARS

    def op(a, b=None):
        if b is None:
            if pyop is not None and type(a) in scalars:
                return pyop(a)
            return ufunc(a, out=a) if _fresh(a) else ufunc(a)
        if pyop is not None and (type(b) in scalars or type(a) in scalars) and \
                type(a) is not nd and type(b) is not nd:
            return pyop(a, b)
        if _fresh(b) and ufunc in (np.subtract,):   # c - d written into d
            return ufunc(a, b, out=b)
        return ufunc(a, b, out=a) if _fresh(a) else ufunc(a, b)
    return op


_neg_ = _inplace(np.negative, "neg")
_sqrt_ = _inplace(np.sqrt)
_add_ = _inplace(np.add, "add")
_mul_ = _inplace(np.multiply, "mul")
_rsub_ = _inplace(np.subtract, "sub")   # _rsub_(1, d): 1 - d, into d


def _mask(cond):
    """A constant 0/1 tensor of the default float dtype (kept out of the graph)."""
    return _wrap(np.asarray(cond, dtype=STATE.get().dtype)[()])


def _special(name):
    """scipy.special's ``name``, imported when an op first needs it: numpy has no erf,
    erfc or erfinv, scipy.special has accurate vectorised ones (the optional extra
    ``gradcli[special]``)."""
    def fn(x, out=None):
        try:
            import scipy.special as sp
        except ImportError:
            raise EngineValueError(f"{name} needs scipy (pip install 'gradcli[special]')") from None
        return getattr(sp, name)(x)[()]
    fn.__name__ = name
    return fn


def _zeros(m, g, x, y):
    """The derivative of a step function (floor, sign, ...): zeros, even where g is
    infinite (PyTorch returns zeros_like(grad), not grad * 0)."""
    return m.zeros(g)


_SQRT_PI = float(np.sqrt(np.pi))
_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))


# name: (PyTorch node name, numpy forward, derivative (m, g, x, y) -> grad, what it saves)
# The derivative is written once over the namespace ``m``: RAW (numpy arrays, the walk
# without create_graph; gmul/gdiv/neg/sqrt/add/mul/rsub may write into their first
# argument, which the rules pass only as a fresh temporary) or ENGINE (engine ops, so that
# create_graph=True differentiates it again). x is the input, y the output.
UNARY = {
    "exp":      ("ExpBackward0", np.exp, lambda m, g, x, y: g * y, "y"),
    "log":      ("LogBackward0", np.log, lambda m, g, x, y: g / x, "x"),
    "log1p":    ("Log1PBackward0", np.log1p, lambda m, g, x, y: g / (x + 1), "x"),
    "expm1":    ("Expm1Backward0", np.expm1, lambda m, g, x, y: g * (y + 1), "y"),
    "sqrt":     ("SqrtBackward0", np.sqrt, lambda m, g, x, y: m.gdiv(g, y * 2), "y"),
    "sin":      ("SinBackward0", np.sin, lambda m, g, x, y: m.gmul(g, m.cos(x)), "x"),
    "cos":      ("CosBackward0", np.cos, lambda m, g, x, y: m.gmul(g, m.neg(m.sin(x))), "x"),
    "tan":      ("TanBackward0", np.tan, lambda m, g, x, y: m.gmul(g, m.add(y * y, 1)), "y"),
    "asin":     ("AsinBackward0", np.arcsin,
                 lambda m, g, x, y: m.gdiv(g, m.sqrt(m.rsub(1, x * x))), "x"),
    "acos":     ("AcosBackward0", np.arccos,
                 lambda m, g, x, y: m.neg(m.gdiv(g, m.sqrt(m.rsub(1, x * x)))), "x"),
    "atan":     ("AtanBackward0", np.arctan, lambda m, g, x, y: m.gdiv(g, m.add(x * x, 1)), "x"),
    "sinh":     ("SinhBackward0", np.sinh, lambda m, g, x, y: m.gmul(g, m.cosh(x)), "x"),
    "cosh":     ("CoshBackward0", np.cosh, lambda m, g, x, y: m.gmul(g, m.sinh(x)), "x"),
    "tanh":     ("TanhBackward0", np.tanh, lambda m, g, x, y: m.gmul(g, m.rsub(1, y * y)), "y"),
    "sigmoid":  ("SigmoidBackward0", _np_sigmoid,
                 lambda m, g, x, y: m.gmul(g, m.mul(1 - y, y)), "y"),
    "softplus": ("SoftplusBackward0", _np_softplus,
                 lambda m, g, x, y: m.gmul(g, m.sigmoid(x)), "x"),
    "abs":      ("AbsBackward0", np.abs, lambda m, g, x, y: m.gmul(g, m.sign(x)), "x"),
    # selection, not g * mask: an infinite g gives 0 where x <= 0, not NaN (as PyTorch)
    "relu":     ("ReluBackward0", lambda d: np.maximum(d, 0),
                 lambda m, g, x, y: m.where(y > 0, g, 0.0), "y"),
    "sign":     ("SignBackward0", np.sign, _zeros, ""),
    "floor":    ("FloorBackward0", np.floor, _zeros, ""),
    "ceil":     ("CeilBackward0", np.ceil, _zeros, ""),
    "trunc":    ("TruncBackward0", np.trunc, _zeros, ""),
    "round":    ("RoundBackward0", np.round, _zeros, ""),     # half to even, as PyTorch
    "frac":     ("FracBackward0", lambda d: d - np.trunc(d), lambda m, g, x, y: g, ""),
    # also how `number / x` starts, as in PyTorch (reciprocal, then *)
    "reciprocal": ("ReciprocalBackward0", np.reciprocal,
                   lambda m, g, x, y: m.gmul(g, m.neg(y * y)), "y"),
    "rsqrt":    ("RsqrtBackward0", lambda d: 1 / np.sqrt(d),
                 lambda m, g, x, y: m.gmul(g, (y * y) * (y * -0.5)), "y"),
    "log2":     ("Log2Backward0", np.log2, lambda m, g, x, y: m.gdiv(g, x * _LN2), "x"),
    "log10":    ("Log10Backward0", np.log10, lambda m, g, x, y: m.gdiv(g, x * _LN10), "x"),
    "exp2":     ("Exp2Backward0", np.exp2, lambda m, g, x, y: m.gmul(g, y * _LN2), "y"),
    "asinh":    ("AsinhBackward0", np.arcsinh,
                 lambda m, g, x, y: m.gdiv(g, m.sqrt(m.add(x * x, 1))), "x"),
    "acosh":    ("AcoshBackward0", np.arccosh,
                 lambda m, g, x, y: m.gdiv(g, m.sqrt(m.add(x * x, -1))), "x"),
    "atanh":    ("AtanhBackward0", np.arctanh, lambda m, g, x, y: m.gdiv(g, m.rsub(1, x * x)), "x"),
    "erf":      ("ErfBackward0", _special("erf"),
                 lambda m, g, x, y: m.gmul(g, m.exp(x * -x) * (2 / _SQRT_PI)), "x"),
    "erfc":     ("ErfcBackward0", _special("erfc"),
                 lambda m, g, x, y: m.gmul(g, m.exp(x * -x) * (-2 / _SQRT_PI)), "x"),
    "erfinv":   ("ErfinvBackward0", _special("erfinv"),
                 lambda m, g, x, y: m.gmul(g, m.exp(y * y) * (_SQRT_PI / 2)), "y"),
    # PyTorch's sinc_backward: 0 where x == 0 (selection)
    "sinc":     ("SincBackward0", np.sinc, lambda m, g, x, y: m.where(
                    x == 0, 0.0, g * ((m.cos(x * np.pi) * (x * np.pi) - m.sin(x * np.pi))
                                      / ((x * x) * np.pi))), "x"),
    "logsigmoid": ("LogSigmoidBackward0", lambda d: -_np_softplus(-d),
                   lambda m, g, x, y: m.gmul(g, m.sigmoid(-x)), "x"),
}
# inputs of an integer or bool dtype stay so (every other op computes in the default dtype)
KEEP_INT = frozenset({"abs", "relu", "sign", "floor", "ceil", "trunc", "round"})


class _Raw:
    """The numpy namespace of the rules (see UNARY)."""
    gmul = staticmethod(_gmul)
    gdiv = staticmethod(_gdiv)
    neg = staticmethod(_neg_)
    sqrt = staticmethod(_sqrt_)
    add = staticmethod(_add_)
    mul = staticmethod(_mul_)
    rsub = staticmethod(_rsub_)
    exp, cos, sin, cosh, sinh, sign = np.exp, np.cos, np.sin, np.cosh, np.sinh, np.sign
    sigmoid = staticmethod(_np_sigmoid)

    @staticmethod
    def where(c, a, b):
        return np.where(c, a, b)[()]

    @staticmethod
    def zeros(g):
        return np.zeros_like(g)[()]


class _Engine:
    """The engine-op namespace of the rules; its functions are bound at the module's end."""
    gmul = staticmethod(lambda g, d: g * d)
    gdiv = staticmethod(lambda g, d: g / d)
    neg = staticmethod(lambda a: -a)
    add = staticmethod(lambda a, b: a + b)
    mul = staticmethod(lambda a, b: a * b)
    rsub = staticmethod(lambda a, b: a - b)

    @staticmethod
    def zeros(g):
        return _wrap(np.zeros_like(g._data)[()])


RAW, ENGINE = _Raw(), _Engine()


class UnaryBackward(Node):
    __slots__ = ()
    rule = None
    saves = ""

    def apply(self, g):
        s = self.saved
        x = s[0] if self.saves == "x" else None
        y = _result(s[0], self) if self.saves == "y" else None
        return (type(self).rule(ENGINE, g, x, y),)

    def fast(self, g):
        s = self.saved
        saves = self.saves
        x = s[0]._data if saves == "x" else None
        y = s[0] if saves == "y" else None
        return (type(self).rule(RAW, g, x, y),)

    def spend(self, g, saved):
        """``fast`` writing into ``g``, or else into the saved output, when nothing else
        holds it, block by block (no full-size temporary)."""
        rule = type(self).rule
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
                    r = rule(RAW, g[sl], None if x is None else x[sl], None if y is None else y[sl])
                    if sl is parts[0] and r.dtype != target.dtype:
                        break           # the result needs another dtype: no reuse
                    target[sl] = r
                else:
                    return (target,)
        return (rule(RAW, g, x, y),)


def _make_unary(fname):
    node_name, np_fn, rule, saves = UNARY[fname]
    cls = type(node_name, (UnaryBackward,), {
        "__slots__": (), "name": node_name, "rule": staticmethod(rule), "saves": saves})

    into = saves != "x" and isinstance(np_fn, np.ufunc)   # the rule does not need x

    def op(x):
        if type(x) is not Variable:
            x = lift(x)
        xd = x._data
        if xd.dtype.kind in "iub" and fname not in KEEP_INT:
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
    op.node = cls
    if saves != "x" and isinstance(np_fn, np.ufunc):
        SPARE[op] = _make_spare(op, cls, np_fn, saves)
    return op


# op -> its variant writing into the operand's array (ops whose rule does not need x)
SPARE = {}


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



# one op per UNARY row, spelled out (the node class is ``op.node``)
exp = _make_unary("exp")
log = _make_unary("log")
log1p = _make_unary("log1p")
expm1 = _make_unary("expm1")
sqrt = _make_unary("sqrt")
sin = _make_unary("sin")
cos = _make_unary("cos")
tan = _make_unary("tan")
asin = _make_unary("asin")
acos = _make_unary("acos")
atan = _make_unary("atan")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
tanh = _make_unary("tanh")
sigmoid = _make_unary("sigmoid")
softplus = _make_unary("softplus")
abs = _make_unary("abs")
relu = _make_unary("relu")
sign = _make_unary("sign")
floor = _make_unary("floor")
ceil = _make_unary("ceil")
trunc = _make_unary("trunc")
round = _make_unary("round")
frac = _make_unary("frac")
reciprocal = _make_unary("reciprocal")
rsqrt = _make_unary("rsqrt")
log2 = _make_unary("log2")
log10 = _make_unary("log10")
exp2 = _make_unary("exp2")
asinh = _make_unary("asinh")
acosh = _make_unary("acosh")
atanh = _make_unary("atanh")
erf = _make_unary("erf")
erfc = _make_unary("erfc")
erfinv = _make_unary("erfinv")
sinc = _make_unary("sinc")
logsigmoid = _make_unary("logsigmoid")


# the engine namespace of the unary rules, now that its ops exist
for _f in (exp, cos, sin, cosh, sinh, sign, sigmoid, sqrt, where):
    setattr(_Engine, _f.__name__, staticmethod(_f))
del _f

__all__ = list(UNARY) + ["clamp", "clamp_max", "clamp_min", "clip", "maximum", "minimum", "where",
                         "UNARY", "SPARE", "RAW", "ENGINE"]
