"""The op registry: every differentiable built-in of LANGUAGE.md with sample inputs.

A sample is an op name (as LANGUAGE.md spells it), a label, a function of the
differentiable inputs (constants such as dims, masks and indices are closed over)
and the inputs themselves as float64 arrays. Inputs are drawn inside each op's
domain and away from kinks and ties, over the fixed grid of shapes of
HIPS autograd's check_grads: scalar, vector, matrix, ``(1, n)`` broadcasting,
every ``dim`` (negative ones too) with ``keepdim`` both ways.

``tests/engine/test_registry.py`` runs gradcheck (order 1) and gradgradcheck
(order 2) on every sample; ``test_torch_oracle.py`` compares them with PyTorch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import gradcli.engine as engine
from conftest import SHARED, SHARED_MISSING  # noqa: F401  (SHARED_MISSING: for the tests)


class Ops:
    """The namespace the sample functions call (``E.exp(x)``), looked up at call time,
    so that ``test_torch_oracle.py`` can run the very same samples on PyTorch."""

    def __init__(self, impl):
        self.impl = impl

    def __getattr__(self, name):
        def op(*args, **kwargs):
            return getattr(self.impl, name)(*args, **kwargs)
        op.__name__ = name
        return op


E = Ops(engine)
F = Ops(engine.functional_nn)        # torch.nn.functional (test_torch_oracle swaps both)

# LANGUAGE.md of the shared contract beside the project (tests/conftest.py: GRADCLI_SHARED
# names another place; the op-list tests skip, saying so, when it is absent)
LANGUAGE_MD = SHARED / "spec" / "LANGUAGE.md"

# Built-ins of those lists whose results carry no gradient (as in PyTorch).
NOT_DIFFERENTIABLE = frozenset({"argmax", "argmin", "//"})


def _bullet(text, head):
    """The whole '- head ...' bullet of LANGUAGE.md's Built-ins (up to the next bullet)."""
    m = re.search(rf"^- {head}.*?(?=^- |^$|^#)", text, re.M | re.S)
    assert m, f"LANGUAGE.md has no '{head}' list of built-ins"
    return m.group(0)


def _lists(bullet):
    """The op lists of a bullet: its backquoted groups of two words or more (single words
    are arguments such as `dim` or constants such as `pi`), minus Python statements."""
    return [g.split() for g in re.findall(r"`([^`]+)`", bullet)
            if len(g.split()) >= 2 and not g.startswith(("import ", "from "))]


def language_names(path=None) -> frozenset:
    """The differentiable names listed in LANGUAGE.md's Built-ins: the elementwise,
    reduction, shape and linear-algebra lists, the operators (indexing as ``getitem``,
    unary minus as ``neg``), ``torch.mm``/``torch.einsum`` as ``mm``/``einsum`` and
    ``torch.nn.functional``'s list as ``F.<name>``. Every one needs registry samples."""
    text = Path(path or LANGUAGE_MD).read_text()
    names = set()
    for head in ("Elementwise", "Reductions", "Shape", "Linear algebra"):
        bullet = _bullet(text, head)
        for words in _lists(bullet):
            names.update(words)
        if "indexing and slicing" in bullet:
            names.add("getitem")
    for words in _lists(_bullet(text, "`torch.nn.functional`")):
        names.update(f"F.{w}" for w in words)
    for w in re.findall(r"`torch\.(\w+)`", _bullet(text, "`torch.autograd.functional")):
        names.add(w)
    m = re.search(r"Arithmetic `([^`]+)`, unary `([^`]+)`", text)
    assert m, "LANGUAGE.md has no list of arithmetic operators"
    names.update(m.group(1).split())
    names.update({"-": "neg", "+": "+u"}[u] for u in m.group(2).split())
    return frozenset(names - NOT_DIFFERENTIABLE)


@dataclass(frozen=True)
class Sample:
    op: str
    label: str
    fn: Callable
    inputs: tuple

    @property
    def id(self) -> str:
        return f"{self.op}[{self.label}]"

    def variables(self):
        return tuple(engine.tensor(np.array(a, dtype=np.float64), requires_grad=True)
                     for a in self.inputs)


SAMPLES: list[Sample] = []
_rng = np.random.default_rng(20261127)


# erf, erfc, erfinv (and F.gelu, through erf) need scipy, the optional extra `special`
# (in the test extra, so CI runs them); without it their samples are left out, visibly
SCIPY_OPS = frozenset({"erf", "erfc", "erfinv", "F.gelu"})
try:
    import scipy.special  # noqa: F401
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False


def add(op, label, fn, *inputs):
    if op in SCIPY_OPS and not HAVE_SCIPY:
        return
    SAMPLES.append(Sample(op, label, fn, tuple(np.asarray(a, dtype=np.float64) for a in inputs)))


# ------------------------------------------------------------------ inputs

def uniform(shape, lo, hi):
    return _rng.uniform(lo, hi, shape)


def away0(shape, lo=0.3, hi=1.5):
    """Values with random signs, |v| in [lo, hi]: away from the kink at 0."""
    return _rng.choice([-1.0, 1.0], shape) * _rng.uniform(lo, hi, shape)


def distinct(shape, lo=-1.5, hi=1.5):
    """Values at least (hi - lo) / n apart: no ties for max/min/sort-like ops."""
    n = int(np.prod(shape, dtype=int))
    vals = np.linspace(lo, hi, max(n, 1))
    return _rng.permutation(vals)[:n].reshape(shape) + _rng.uniform(-0.05, 0.05, shape)


def well_conditioned(shape):
    """Matrices (or batches of them) near 3 I: invertible with a modest condition number."""
    n = shape[-1]
    return _rng.uniform(-1, 1, shape) + 3 * np.eye(n)


SCALAR, VECTOR, MATRIX = (), (3,), (2, 3)
SHAPES = {"scalar": SCALAR, "vector": VECTOR, "matrix": MATRIX}
# pairs of operand shapes for binary ops: equal shapes, (1, n) broadcasting, scalar with tensor
BINARY_SHAPES = {
    "scalar": ((), ()),
    "vector": ((3,), (3,)),
    "matrix": ((2, 3), (2, 3)),
    "bcast(2,3)(1,3)": ((2, 3), (1, 3)),
    "bcast(1,3)(2,1)": ((1, 3), (2, 1)),
    "bcast(3,)(2,3)": ((3,), (2, 3)),
    "bcast(2,3)()": ((2, 3), ()),
}


# -------------------------------------------------------------- elementwise

UNARY_DOMAINS = {
    "exp": lambda s: uniform(s, -1.5, 1.5),
    "log": lambda s: uniform(s, 0.3, 2.0),
    "log1p": lambda s: uniform(s, -0.6, 2.0),
    "expm1": lambda s: uniform(s, -1.5, 1.5),
    "sqrt": lambda s: uniform(s, 0.3, 2.0),
    "abs": away0,
    "sign": away0,
    "sin": lambda s: uniform(s, -3, 3),
    "cos": lambda s: uniform(s, -3, 3),
    "tan": lambda s: uniform(s, -1.2, 1.2),
    "asin": lambda s: uniform(s, -0.8, 0.8),
    "acos": lambda s: uniform(s, -0.8, 0.8),
    "atan": lambda s: uniform(s, -3, 3),
    "sinh": lambda s: uniform(s, -2, 2),
    "cosh": lambda s: uniform(s, -2, 2),
    "tanh": lambda s: uniform(s, -2, 2),
    "sigmoid": lambda s: uniform(s, -4, 4),
    "relu": away0,
    "softplus": lambda s: uniform(s, -4, 4),
    "log2": lambda s: uniform(s, 0.3, 2.0),
    "log10": lambda s: uniform(s, 0.3, 2.0),
    "exp2": lambda s: uniform(s, -1.5, 1.5),
    "erf": lambda s: uniform(s, -2, 2),
    "erfc": lambda s: uniform(s, -2, 2),
    "erfinv": lambda s: uniform(s, -0.8, 0.8),
    "asinh": lambda s: uniform(s, -2, 2),
    "acosh": lambda s: uniform(s, 1.2, 3.0),
    "atanh": lambda s: uniform(s, -0.8, 0.8),
    # step functions: away from the jumps (integers, and the halves for round)
    "floor": lambda s: _rng.integers(-3, 3, s) + uniform(s, 0.1, 0.4),
    "ceil": lambda s: _rng.integers(-3, 3, s) + uniform(s, 0.1, 0.4),
    "trunc": lambda s: _rng.integers(-3, 3, s) + uniform(s, 0.1, 0.4),
    "round": lambda s: _rng.integers(-3, 3, s) + uniform(s, 0.1, 0.4),
    "frac": lambda s: _rng.integers(-3, 3, s) + uniform(s, 0.1, 0.9),
    "square": lambda s: uniform(s, -2, 2),
    "reciprocal": lambda s: away0(s, 0.5, 2.0),
    "rsqrt": lambda s: uniform(s, 0.3, 2.0),
    "sinc": lambda s: uniform(s, -2, 2),
    "logsigmoid": lambda s: uniform(s, -4, 4),
}

for _name, _dom in UNARY_DOMAINS.items():
    _f = getattr(E, _name)
    for _label, _shape in SHAPES.items():
        add(_name, _label, _f, _dom(_shape))
    add(_name, "method", lambda x, _n=_name: getattr(x, _n)(), _dom(VECTOR))

# a numerically hard region of the stable ones
add("sigmoid", "large|x|", E.sigmoid, np.array([-30.0, -8.0, 8.0, 30.0]))
add("softplus", "large|x|", E.softplus, np.array([-30.0, -8.0, 8.0, 30.0]))
add("log1p", "tiny", E.log1p, np.array([1e-10, -1e-8, 3e-9]))
add("expm1", "tiny", E.expm1, np.array([1e-10, -1e-8, 3e-9]))
add("logsigmoid", "large|x|", E.logsigmoid, np.array([-30.0, -8.0, 8.0, 30.0]))
add("sinc", "near 0", E.sinc, np.array([0.05, 1e-3, -0.5]))


# --------------------------------------------------- binary and ternary pointwise

def _positive(shape):
    return uniform(shape, 0.3, 2.0)


for _label, (_sa, _sb) in BINARY_SHAPES.items():
    add("atan2", _label, E.atan2, uniform(_sa, -2, 2), away0(_sb))
    add("hypot", _label, E.hypot, away0(_sa), away0(_sb))
    add("xlogy", _label, E.xlogy, uniform(_sa, -2, 2), _positive(_sb))
    add("lerp", _label, lambda a, b: E.lerp(a, b, 0.3), uniform(_sa, -2, 2), uniform(_sb, -2, 2))
    add("addcmul", _label, lambda a, b: E.addcmul(a, b, b), uniform(_sa, -2, 2), uniform(_sb, -2, 2))
    add("addcdiv", _label, lambda a, b: E.addcdiv(b, a, b), uniform(_sa, -2, 2), away0(_sb, 0.5, 2.0))
add("atan2", "every quadrant", E.atan2, np.array([1.0, 1.0, -1.0, -1.0]), np.array([1.0, -1.0, 1.0, -1.0]))
add("atan2", "method", lambda a, b: a.atan2(b), uniform(VECTOR, -2, 2), away0(VECTOR))
add("xlogy", "x == 0", E.xlogy, np.array([0.0, 0.0, 1.5]), np.array([0.5, 2.0, 0.7]))
add("xlogy", "tensor,number", lambda a: E.xlogy(a, 3.0), uniform(VECTOR, -2, 2))
add("xlogy", "number,tensor", lambda b: E.xlogy(2.0, b), _positive(VECTOR))
add("lerp", "tensor weight", E.lerp, uniform(MATRIX, -2, 2), uniform(MATRIX, -2, 2),
    uniform((1, 3), 0, 1))
add("lerp", "method", lambda a, b: a.lerp(b, 0.7), uniform(VECTOR, -2, 2), uniform(VECTOR, -2, 2))
add("addcmul", "value=0.5, three inputs", lambda a, b, c: E.addcmul(a, b, c, value=0.5),
    uniform(MATRIX, -2, 2), uniform(VECTOR, -2, 2), uniform((2, 1), -2, 2))
add("addcdiv", "value=-2, three inputs", lambda a, b, c: E.addcdiv(a, b, c, value=-2),
    uniform(MATRIX, -2, 2), uniform(VECTOR, -2, 2), away0((2, 1), 0.5, 2.0))


def _clamp_x(shape):
    # away from the bounds -0.5 and 0.5: |x -+ 0.5| >= 0.1
    return _rng.choice([-1.0, 0.0, 1.0], shape) * 0.9 + _rng.uniform(-0.3, 0.3, shape)


for _label, _shape in SHAPES.items():
    add("clamp", f"{_label},min,max", lambda x: E.clamp(x, -0.5, 0.5), _clamp_x(_shape))
add("clamp", "min only", lambda x: E.clamp(x, min=-0.5), _clamp_x(MATRIX))
add("clamp", "max only", lambda x: E.clamp(x, max=0.5), _clamp_x(MATRIX))
add("clamp", "method", lambda x: x.clamp(-0.5, 0.5), _clamp_x(VECTOR))
# tensor bounds: PyTorch passes the gradient to min where x < min and to max where x > max
add("clamp", "tensor min,max", lambda x, lo, hi: E.clamp(x, lo, hi),
    np.array([-2.0, 0.1, 2.0, -0.2]), np.array([-1.0, -1.0, -1.0, 0.3]),
    np.array([1.0, 1.0, 1.5, 1.0]))
add("clamp", "tensor min bcast", lambda x, lo: E.clamp(x, min=lo),
    np.array([[-2.0, 0.7, 2.0], [0.2, -3.0, 1.0]]), np.array([[-1.0, 0.0, 1.5]]))


def _pair(sa, sb, gap=0.2):
    """Two operands that differ by at least ``gap`` everywhere (after broadcasting)."""
    a = uniform(sa, -1.5, 1.5)
    b = uniform(sb, -1.5, 1.5)
    while np.min(np.abs(np.asarray(a) - np.asarray(b))) < gap:
        a = uniform(sa, -1.5, 1.5)
        b = uniform(sb, -1.5, 1.5)
    return a, b


for _label, (_sa, _sb) in BINARY_SHAPES.items():
    add("maximum", _label, E.maximum, *_pair(_sa, _sb))
    add("minimum", _label, E.minimum, *_pair(_sa, _sb))
    _cond = _rng.random(np.broadcast_shapes(_sa, _sb)) > 0.5
    add("where", _label, lambda a, b, c=_cond: E.where(c, a, b),
        uniform(_sa, -1, 1), uniform(_sb, -1, 1))
add("maximum", "number", lambda a: E.maximum(a, 0.1), np.array([[-1.0, 0.5, 1.2], [0.9, -0.3, 0.0]]))
add("minimum", "number", lambda a: E.minimum(a, 0.1), np.array([[-1.0, 0.5, 1.2], [0.9, -0.3, 0.0]]))
add("where", "cond tensor", lambda a, b: E.where(E.tensor([True, False, True]), a, b),
    uniform(VECTOR, -1, 1), uniform(VECTOR, -1, 1))
add("where", "number other", lambda a: E.where(E.tensor([True, False, True]), a, 0.0),
    uniform(VECTOR, -1, 1))

# pow: tensor ** tensor needs a positive base; constant exponents take any base
for _label, (_sa, _sb) in BINARY_SHAPES.items():
    add("pow", _label, E.pow, uniform(_sa, 0.4, 2.0), uniform(_sb, -2.0, 2.0))
    add("**", _label, lambda a, b: a ** b, uniform(_sa, 0.4, 2.0), uniform(_sb, -2.0, 2.0))
for _label, _shape in SHAPES.items():
    add("pow", f"{_label}**3", lambda a: E.pow(a, 3), uniform(_shape, -2, 2))
    add("**", f"{_label}**2.5", lambda a: a ** 2.5, uniform(_shape, 0.4, 2.0))
    add("**", f"{_label}**-2", lambda a: a ** -2, away0(_shape, 0.5, 2.0))
    add("**", f"2**{_label}", lambda a: 2 ** a, uniform(_shape, -2, 2))
add("**", "x**0", lambda a: a ** 0, uniform(VECTOR, -2, 2))
add("**", "x**1", lambda a: a ** 1, uniform(VECTOR, -2, 2))
add("**", "x**0.5", lambda a: a ** 0.5, uniform(VECTOR, 0.4, 2.0))
add("pow", "method", lambda a, b: a.pow(b), uniform(VECTOR, 0.4, 2.0), uniform(VECTOR, -1, 1))


# ------------------------------------------------------------- operators

_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
for _sym, _f in _OPS.items():
    for _label, (_sa, _sb) in BINARY_SHAPES.items():
        _b = away0(_sb, 0.5, 2.0) if _sym == "/" else uniform(_sb, -2, 2)
        add(_sym, _label, _f, uniform(_sa, -2, 2), _b)
    add(_sym, "tensor,number", lambda a, f=_f: f(a, 1.5), uniform(MATRIX, -2, 2))
    add(_sym, "number,tensor", lambda a, f=_f: f(-2.5, a), away0(MATRIX, 0.5, 2.0))
    add(_sym, "same operand", lambda a, f=_f: f(a, a), away0(MATRIX, 0.5, 2.0))
for _name, _f in (("+", E.add), ("-", E.sub), ("*", E.mul), ("/", E.div)):
    add(_name, "function", _f, uniform(VECTOR, -2, 2), away0(VECTOR, 0.5, 2.0))


def _mod_pair(sa, sb):
    """a % b away from the jumps: a / b at least 0.15 from an integer."""
    b = away0(sb, 0.8, 2.0)
    k = _rng.integers(-3, 3, np.broadcast_shapes(sa, sb)) + _rng.uniform(0.15, 0.85, np.broadcast_shapes(sa, sb))
    return k * b, b


for _label, (_sa, _sb) in BINARY_SHAPES.items():
    if np.broadcast_shapes(_sa, _sb) != tuple(_sa):
        continue      # a % b with b of the bigger shape: covered by the number cases
    add("%", _label, lambda a, b: a % b, *_mod_pair(_sa, _sb))
add("%", "tensor,number", lambda a: a % 1.5, np.array([0.3, 2.0, -1.0, 4.2]))
add("%", "number,tensor", lambda a: 5.0 % a, np.array([1.5, -2.2, 3.0, 0.8]))
add("%", "negative divisor", lambda a, b: a % b, np.array([1.3, -2.5]), np.array([-1.0, -2.0]))

for _label, _shape in SHAPES.items():
    add("neg", _label, lambda a: -a, uniform(_shape, -2, 2))
add("+u", "unary plus", lambda a: +(a * 2), uniform(MATRIX, -2, 2))
add("neg", "composed", lambda a: -(a * a), uniform(MATRIX, -2, 2))


# -------------------------------------------------------------- reductions

REDUCE_SHAPES = {"vector": (3,), "matrix": (2, 3), "3d": (2, 3, 2)}


def _dims(ndim):
    """None, every axis (and its negative spelling), and a tuple of two axes."""
    out = [None] + list(range(ndim)) + [-1]
    if ndim >= 2:
        out.append((0, ndim - 1))
    return out


def _reductions(op, fn, dom, shapes=REDUCE_SHAPES, tuples=True, scalar=True):
    if scalar:
        add(op, "scalar", lambda x: fn(x, None, False), dom(()))
        # a 0-d tensor takes dim 0 and -1 (its one element), as in PyTorch
        for d in (0, -1):
            for kd in (False, True):
                add(op, f"scalar,dim={d},keepdim={kd}", lambda x, d=d, kd=kd: fn(x, d, kd), dom(()))
    for label, shape in shapes.items():
        for d in _dims(len(shape)):
            if isinstance(d, tuple) and not tuples:
                continue
            for kd in (False, True):
                if d is None and kd and op in ("max", "min"):
                    continue   # full max/min has no keepdim in PyTorch
                add(op, f"{label},dim={d},keepdim={kd}",
                    lambda x, d=d, kd=kd: fn(x, d, kd), dom(shape))


_reductions("sum", lambda x, d, kd: E.sum(x, d, kd), lambda s: uniform(s, -2, 2))
_reductions("mean", lambda x, d, kd: E.mean(x, d, kd), lambda s: uniform(s, -2, 2))
_reductions("prod", lambda x, d, kd: E.prod(x, d, kd), lambda s: away0(s, 0.5, 1.5))
_reductions("norm", lambda x, d, kd: E.norm(x, dim=d, keepdim=kd), lambda s: away0(s, 0.3, 1.5))
_reductions("logsumexp", lambda x, d, kd: E.logsumexp(x, d, kd), lambda s: uniform(s, -3, 3))
_reductions("var", lambda x, d, kd: E.var(x, d, kd), lambda s: uniform(s, -2, 2), scalar=False)
_reductions("std", lambda x, d, kd: E.std(x, d, kd), lambda s: distinct(s), scalar=False)
add("var", "correction=0", lambda x: E.var(x, 1, correction=0), uniform(MATRIX, -2, 2))
add("var", "scalar,dim=0,correction=0", lambda x: E.var(x, 0, correction=0), uniform((), -2, 2))
add("std", "unbiased=False", lambda x: E.std(x, 0, unbiased=False), distinct(MATRIX))


def _full_or_dim(name):
    f = getattr(E, name)

    def fn(x, d, kd):
        return f(x) if d is None else f(x, d, kd).values
    return fn


_reductions("max", _full_or_dim("max"), distinct, tuples=False)
_reductions("min", _full_or_dim("min"), distinct, tuples=False)
add("max", "method dim", lambda x: x.max(dim=1)[0], distinct(MATRIX))
add("min", "method", lambda x: x.min(), distinct(MATRIX))
add("max", "axis=,keepdims=", lambda x: E.max(x, axis=0, keepdims=True).values, distinct(MATRIX))

# prod through an exact zero (PyTorch: the product of the others, no 0/0)
add("prod", "one zero", lambda x: E.prod(x), np.array([0.0, 1.5, -2.0]))
add("prod", "one zero,dim", lambda x: E.prod(x, 1), np.array([[0.0, 1.5, -2.0], [0.5, 0.8, 1.2]]))
add("prod", "two zeros", lambda x: E.prod(x), np.array([0.0, 1.5, 0.0, 0.7]))
# other p-norms
add("norm", "p=1", lambda x: E.norm(x, 1), away0(MATRIX))
add("norm", "p=3,dim=1", lambda x: E.norm(x, 3, dim=1), away0(MATRIX))
add("norm", "p=inf", lambda x: E.norm(x, float("inf")), distinct(VECTOR, 0.2, 2.0))
add("logsumexp", "large", lambda x: E.logsumexp(x, 0), np.array([1000.0, 1001.0, 999.5]))

for _name in ("softmax", "log_softmax"):
    _f = getattr(E, _name)
    for _label, _shape in REDUCE_SHAPES.items():
        for _d in list(range(len(_shape))) + [-1]:
            add(_name, f"{_label},dim={_d}", lambda x, d=_d, f=_f: f(x, d), uniform(_shape, -3, 3))
    add(_name, "large", lambda x, f=_f: f(x, 0), np.array([1000.0, 1001.0, 998.0]))
    add(_name, "method", lambda x, n=_name: getattr(x, n)(dim=0), uniform(MATRIX, -2, 2))

for _label, _shape in REDUCE_SHAPES.items():
    for _d in list(range(len(_shape))) + [-1]:
        add("cumsum", f"{_label},dim={_d}", lambda x, d=_d: E.cumsum(x, d), uniform(_shape, -2, 2))
add("cumsum", "scalar", lambda x: E.cumsum(x, 0), uniform((), -2, 2))


# ------------------------------------------------------------------- shape

add("reshape", "(2,3)->(3,2)", lambda x: E.reshape(x, (3, 2)), uniform(MATRIX, -2, 2))
add("reshape", "(2,3)->(6,)", lambda x: E.reshape(x, -1), uniform(MATRIX, -2, 2))
add("reshape", "()->(1,1)", lambda x: E.reshape(x, 1, 1), uniform((), -2, 2))
add("reshape", "(3,)->(3,1) method", lambda x: x.reshape(3, 1), uniform(VECTOR, -2, 2))
add("view", "(2,3,2)->(6,2)", lambda x: E.view(x, 6, -1), uniform((2, 3, 2), -2, 2))
add("view", "method", lambda x: x.view(3, 2), uniform(MATRIX, -2, 2))
add("flatten", "all", E.flatten, uniform((2, 3, 2), -2, 2))
add("flatten", "start=1", lambda x: E.flatten(x, 1), uniform((2, 3, 2), -2, 2))
add("flatten", "0..1", lambda x: E.flatten(x, 0, 1), uniform((2, 3, 2), -2, 2))
add("flatten", "scalar", E.flatten, uniform((), -2, 2))
add("squeeze", "all", E.squeeze, uniform((1, 3, 1), -2, 2))
add("squeeze", "dim=0", lambda x: E.squeeze(x, 0), uniform((1, 3, 1), -2, 2))
add("squeeze", "dim=-1", lambda x: x.squeeze(-1), uniform((1, 3, 1), -2, 2))
add("squeeze", "dim of size 3 (no-op)", lambda x: E.squeeze(x, 1), uniform((1, 3, 1), -2, 2))
for _d in (0, 1, -1):
    add("unsqueeze", f"dim={_d}", lambda x, d=_d: E.unsqueeze(x, d), uniform(VECTOR, -2, 2))
add("unsqueeze", "scalar", lambda x: E.unsqueeze(x, 0), uniform((), -2, 2))
add("transpose", "matrix", lambda x: E.transpose(x, 0, 1), uniform(MATRIX, -2, 2))
add("transpose", "3d (0,2)", lambda x: E.transpose(x, 0, 2), uniform((2, 3, 4), -2, 2))
add("transpose", ".T", lambda x: x.T, uniform(MATRIX, -2, 2))
add("transpose", "vector", lambda x: E.transpose(x, 0, -1), uniform(VECTOR, -2, 2))
add("permute", "(2,0,1)", lambda x: E.permute(x, 2, 0, 1), uniform((2, 3, 4), -2, 2))
add("permute", "(1,0) tuple", lambda x: E.permute(x, (1, 0)), uniform(MATRIX, -2, 2))
add("expand", "(1,3)->(2,3)", lambda x: E.expand(x, 2, 3), uniform((1, 3), -2, 2))
add("expand", "(3,)->(2,3)", lambda x: E.expand(x, (2, 3)), uniform(VECTOR, -2, 2))
add("expand", "()->(2,2)", lambda x: E.expand(x, 2, 2), uniform((), -2, 2))
add("expand", "(2,1)->(2,-1) then (2,4)", lambda x: x.expand(-1, 4), uniform((2, 1), -2, 2))
add("cat", "dim=0", lambda a, b: E.cat([a, b]), uniform(MATRIX, -2, 2), uniform((1, 3), -2, 2))
add("cat", "dim=1", lambda a, b: E.cat((a, b), 1), uniform(MATRIX, -2, 2), uniform((2, 1), -2, 2))
add("cat", "three vectors", lambda a, b, c: E.cat([a, b, c]),
    uniform(VECTOR, -2, 2), uniform((1,), -2, 2), uniform((2,), -2, 2))
add("cat", "same tensor twice", lambda a: E.cat([a, a], -1), uniform(MATRIX, -2, 2))
add("stack", "dim=0", lambda a, b: E.stack([a, b]), uniform(MATRIX, -2, 2), uniform(MATRIX, -2, 2))
add("stack", "dim=2", lambda a, b: E.stack([a, b], 2), uniform(MATRIX, -2, 2), uniform(MATRIX, -2, 2))
add("stack", "scalars", lambda a, b, c: E.stack([a, b, c]),
    uniform((), -2, 2), uniform((), -2, 2), uniform((), -2, 2))
add("stack", "dim=-1", lambda a, b: E.stack((a, b), -1), uniform(VECTOR, -2, 2), uniform(VECTOR, -2, 2))

_mask = np.array([[True, False, True], [False, False, True]])
for _label, _idx in {
    "x[0]": 0, "x[-1]": -1, "x[0:1]": slice(0, 1), "x[:, 0]": (slice(None), 0),
    "x[:, ::2]": (slice(None), slice(None, None, 2)), "x[..., 1]": (Ellipsis, 1),
    "x[None]": None, "x[1, 2]": (1, 2),
    "x[[0, 0, 1]] repeated": [0, 0, 1],
    "x[:, [2, 2, 0, 2]] repeated": (slice(None), [2, 2, 0, 2]),
    "x[[0, 1, 1], [1, 1, 1]] repeated pairs": ([0, 1, 1], [1, 1, 1]),
    "x[mask]": _mask,
    "x[mask tensor]": "mask-tensor",
    "x[index tensor]": "index-tensor",
}.items():
    if isinstance(_idx, str) and _idx == "mask-tensor":
        fn = (lambda x: x[E.tensor(_mask)])
    elif isinstance(_idx, str):
        fn = (lambda x: x[E.tensor([1, 1, 0])])
    else:
        fn = (lambda x, i=_idx: x[i])
    add("getitem", _label, fn, uniform(MATRIX, -2, 2))
add("getitem", "vector x[1:3]", lambda x: x[1:3], uniform((4,), -2, 2))
add("getitem", "vector x[::2]", lambda x: x[::2], uniform((5,), -2, 2))
add("getitem", "vector x[x > 0] (mask from data)", lambda x: x[x > 0], np.array([0.5, -1.0, 2.0, -0.3]))
add("getitem", "scalar x[()]", lambda x: x[()] * 2, uniform((), -2, 2))


# --------------------------------------------------------- linear algebra

for _name, _f in (("matmul", E.matmul), ("@", lambda a, b: a @ b)):
    for _label, (_sa, _sb) in {
        "vector@vector": ((3,), (3,)),
        "matrix@vector": ((2, 3), (3,)),
        "vector@matrix": ((3,), (3, 2)),
        "matrix@matrix": ((2, 3), (3, 2)),
        "batched@matrix": ((2, 2, 3), (3, 2)),
        "batched@batched": ((2, 2, 3), (2, 3, 2)),
        "batch bcast (1,2,3)@(2,3,2)": ((1, 2, 3), (2, 3, 2)),
        "batched@vector": ((2, 2, 3), (3,)),
        "vector@batched": ((3,), (2, 3, 2)),
    }.items():
        add(_name, _label, _f, uniform(_sa, -1.5, 1.5), uniform(_sb, -1.5, 1.5))
add("@", "x @ x", lambda a: a @ a, uniform((3, 3), -1, 1))
add("dot", "vectors", E.dot, uniform(VECTOR, -2, 2), uniform(VECTOR, -2, 2))
add("dot", "method, same", lambda a: a.dot(a), uniform(VECTOR, -2, 2))
add("outer", "(3,)x(2,)", E.outer, uniform(VECTOR, -2, 2), uniform((2,), -2, 2))
add("outer", "same", lambda a: E.outer(a, a), uniform(VECTOR, -2, 2))
add("inv", "2x2", E.inv, well_conditioned((2, 2)))
add("inv", "3x3", E.inv, well_conditioned((3, 3)))
add("inv", "batched", E.inv, well_conditioned((2, 3, 3)))
add("inv", "1x1", E.inv, np.array([[2.0]]))
add("det", "2x2", E.det, well_conditioned((2, 2)))
add("det", "3x3", E.det, well_conditioned((3, 3)))
add("det", "batched", E.det, well_conditioned((2, 2, 2)))
add("det", "negative det", E.det, np.array([[0.5, 2.0], [1.5, -0.5]]))
# singular matrices: the gradient is the cofactor matrix (PyTorch 2.13 returns zeros)
add("det", "singular 2x2", E.det, np.array([[1.0, 2.0], [2.0, 4.0]]))
add("det", "singular 3x3 rank 2", E.det, np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]))
add("det", "singular in a batch", E.det, np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.5], [0.0, 3.0]]]))
add("solve", "A,b vector", E.solve, well_conditioned((3, 3)), uniform(VECTOR, -2, 2))
add("solve", "A,B matrix", E.solve, well_conditioned((3, 3)), uniform((3, 2), -2, 2))
add("solve", "batched A,B", E.solve, well_conditioned((2, 2, 2)), uniform((2, 2, 3), -2, 2))
add("solve", "batched A, batched b", E.solve, well_conditioned((2, 3, 3)), uniform((2, 3), -2, 2))
add("solve", "batched A, vector b (b broadcast)", E.solve, well_conditioned((2, 3, 3)),
    uniform(VECTOR, -2, 2))
add("solve", "A, batched B (A broadcast)", E.solve, well_conditioned((3, 3)), uniform((2, 3, 2), -2, 2))
add("solve", "batched A, matrix B (B broadcast)", E.solve, well_conditioned((2, 3, 3)),
    uniform((3, 2), -2, 2))
add("solve", "A only", lambda a: E.solve(a, E.tensor([1.0, -2.0])), well_conditioned((2, 2)))
add("trace", "square", E.trace, uniform((3, 3), -2, 2))
add("trace", "rectangular", E.trace, uniform((2, 3), -2, 2))
add("diag", "vector->matrix", E.diag, uniform(VECTOR, -2, 2))
add("diag", "matrix->vector", E.diag, uniform((3, 3), -2, 2))
add("diag", "rectangular->vector", E.diag, uniform((2, 3), -2, 2))


add("mm", "(2,3)x(3,2)", E.mm, uniform((2, 3), -2, 2), uniform((3, 2), -2, 2))
add("mm", "x x.T", lambda a: E.mm(a, a.T), uniform((2, 3), -2, 2))
add("mm", "method", lambda a, b: a.mm(b), uniform((3, 3), -2, 2), uniform((3, 1), -2, 2))
for _eq, _shapes in {
    "ij,jk->ik": ((2, 3), (3, 4)),
    "ij,jk (implicit)": ((2, 3), (3, 2)),
    "i,i->": ((3,), (3,)),
    "i,j->ij": ((3,), (2,)),
    "bij,bjk->bik": ((2, 2, 3), (2, 3, 2)),
    "ij->j": ((2, 3),),
    "ij->": ((2, 3),),
    "ii->i": ((3, 3),),
    "ii": ((3, 3),),
    "ij->ji": ((2, 3),),
    "...j,jk->...k": ((2, 2, 3), (3, 2)),
    "ij,ij,j->i": ((2, 3), (2, 3), (3,)),
}.items():
    _e = _eq.split(" ")[0]
    add("einsum", _eq, lambda *xs, e=_e: E.einsum(e, *xs), *(uniform(sh, -2, 2) for sh in _shapes))
add("einsum", "same operand twice", lambda a: E.einsum("ij,ij->", a, a), uniform(MATRIX, -2, 2))
add("einsum", "operands as a list", lambda a, b: E.einsum("ij,j->i", [a, b]),
    uniform(MATRIX, -2, 2), uniform(VECTOR, -2, 2))


# ------------------------------------------------------- torch.nn.functional

for _label, _shape in SHAPES.items():
    for _name in ("relu", "sigmoid", "tanh", "silu", "gelu", "elu", "leaky_relu", "softplus"):
        add(f"F.{_name}", _label, lambda x, n=_name: getattr(F, n)(x), away0(_shape, 0.1, 2.0))
add("F.gelu", "tanh", lambda x: F.gelu(x, approximate="tanh"), uniform(MATRIX, -3, 3))
add("F.elu", "alpha=0.5", lambda x: F.elu(x, 0.5), away0(MATRIX, 0.1, 2.0))
add("F.leaky_relu", "slope=0.2", lambda x: F.leaky_relu(x, 0.2), away0(MATRIX, 0.1, 2.0))
add("F.softplus", "beta=2,threshold=1 (both sides)", lambda x: F.softplus(x, beta=2, threshold=1),
    np.array([-1.0, 0.2, 0.9, 1.5]))
add("F.softplus", "large x (linear)", F.softplus, np.array([25.0, -30.0, 19.0]))
for _name in ("softmax", "log_softmax"):
    for _d in (0, 1, -1):
        add(f"F.{_name}", f"dim={_d}", lambda x, n=_name, d=_d: getattr(F, n)(x, dim=d),
            uniform(MATRIX, -3, 3))
add("F.normalize", "default (p=2, dim=1)", F.normalize, uniform(MATRIX, -2, 2))
add("F.normalize", "p=1, dim=0", lambda x: F.normalize(x, p=1.0, dim=0), away0(MATRIX))
add("F.normalize", "3d dim=-1", lambda x: F.normalize(x, dim=-1), uniform((2, 3, 2), -2, 2))
add("F.linear", "2d with bias", F.linear, uniform((2, 3), -2, 2), uniform((4, 3), -2, 2),
    uniform((4,), -2, 2))
add("F.linear", "2d without bias", F.linear, uniform((2, 3), -2, 2), uniform((4, 3), -2, 2))
add("F.linear", "1d with bias", F.linear, uniform((3,), -2, 2), uniform((4, 3), -2, 2),
    uniform((4,), -2, 2))
add("F.linear", "3d with bias", F.linear, uniform((2, 2, 3), -2, 2), uniform((4, 3), -2, 2),
    uniform((4,), -2, 2))

for _red in ("mean", "sum", "none"):
    add("F.mse_loss", _red, lambda x, t, r=_red: F.mse_loss(x, t, reduction=r),
        uniform(MATRIX, -2, 2), uniform(MATRIX, -2, 2))
    _x, _t = _pair(MATRIX, MATRIX, 0.1)
    add("F.l1_loss", _red, lambda x, t, r=_red: F.l1_loss(x, t, reduction=r), _x, _t)
    # |x - t| away from beta / delta (the joints of the pieces)
    _z = away0(MATRIX, 0.1, 2.0) * np.where(_rng.random(MATRIX) > 0.5, 1, 0.3)
    _z = np.where(np.abs(np.abs(_z) - 0.5) < 0.1, _z * 1.5, _z)
    _t = uniform(MATRIX, -1, 1)
    add("F.smooth_l1_loss", _red, lambda x, t, r=_red: F.smooth_l1_loss(x, t, reduction=r, beta=0.5),
        _t + _z, _t)
    add("F.huber_loss", _red, lambda x, t, r=_red: F.huber_loss(x, t, reduction=r, delta=0.5),
        _t + _z, _t)
add("F.smooth_l1_loss", "beta=0 (l1)", lambda x, t: F.smooth_l1_loss(x, t, beta=0.0),
    *_pair(MATRIX, MATRIX, 0.1))
add("F.huber_loss", "broadcast target", lambda x, t: F.huber_loss(x, t, delta=2.0),
    uniform(MATRIX, -1, 1), uniform((1, 3), -1, 1))

_labels = [0, 2, 1, 2]
for _red in ("mean", "sum", "none"):
    add("F.cross_entropy", _red, lambda x, r=_red: F.cross_entropy(x, E.tensor(_labels), reduction=r),
        uniform((4, 3), -2, 2))
    add("F.nll_loss", _red, lambda x, r=_red: F.nll_loss(x, E.tensor(_labels), reduction=r),
        uniform((4, 3), -2, 0))
    add("F.cross_entropy", f"weight,ignore_index,smoothing,{_red}",
        lambda x, r=_red: F.cross_entropy(x, E.tensor([0, 2, 1, 1]), weight=E.tensor([0.2, 1.0, 3.0]),
                                          ignore_index=1, reduction=r, label_smoothing=0.1),
        uniform((4, 3), -2, 2))
    add("F.cross_entropy", f"probabilities,smoothing,{_red}",
        lambda x, r=_red: F.cross_entropy(x, E.tensor([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]]),
                                          reduction=r, label_smoothing=0.2),
        uniform((2, 3), -2, 2))
    add("F.binary_cross_entropy", _red, lambda x, t, r=_red: F.binary_cross_entropy(x, t, reduction=r),
        uniform(MATRIX, 0.1, 0.9), uniform(MATRIX, 0, 1))
    add("F.binary_cross_entropy_with_logits", _red,
        lambda x, t, r=_red: F.binary_cross_entropy_with_logits(x, t, reduction=r),
        uniform(MATRIX, -3, 3), uniform(MATRIX, 0, 1))
add("F.cross_entropy", "weight", lambda x: F.cross_entropy(x, E.tensor(_labels),
                                                             weight=E.tensor([0.2, 1.0, 3.0])),
    uniform((4, 3), -2, 2))
add("F.cross_entropy", "ignore_index", lambda x: F.cross_entropy(x, E.tensor([0, -100, 1])),
    uniform((3, 3), -2, 2))
add("F.cross_entropy", "one sample (C,)", lambda x: F.cross_entropy(x, E.tensor(1)), uniform((3,), -2, 2))
add("F.cross_entropy", "(N,C,d)", lambda x: F.cross_entropy(x, E.tensor([[0, 2], [1, 1]])),
    uniform((2, 3, 2), -2, 2))
add("F.cross_entropy", "probabilities, weight", lambda x, p: F.cross_entropy(
    x, p, weight=E.tensor([0.5, 1.0, 2.0])), uniform((2, 3), -2, 2), uniform((2, 3), 0, 1))
add("F.nll_loss", "weight,ignore_index", lambda x: F.nll_loss(
    x, E.tensor([0, 2, 1, 2]), weight=E.tensor([0.2, 1.0, 3.0]), ignore_index=2),
    uniform((4, 3), -2, 0))
add("F.nll_loss", "(N,C,d) none", lambda x: F.nll_loss(x, E.tensor([[0, 2], [1, 1]]), reduction="none"),
    uniform((2, 3, 2), -2, 0))
add("F.binary_cross_entropy", "weight", lambda x, t: F.binary_cross_entropy(
    x, t, weight=E.tensor([0.5, 1.0, 2.0])), uniform(MATRIX, 0.1, 0.9), uniform(MATRIX, 0, 1))
add("F.binary_cross_entropy_with_logits", "weight,pos_weight",
    lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=E.tensor([0.5, 1.0, 2.0]),
                                                    pos_weight=E.tensor([3.0, 1.0, 0.5])),
    uniform(MATRIX, -3, 3), uniform(MATRIX, 0, 1))


def registry_names() -> frozenset:
    return frozenset(s.op for s in SAMPLES)
