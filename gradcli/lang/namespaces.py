"""The ``torch`` and ``numpy`` compatibility namespaces: which built-ins each offers,
under which names. They exist only once a script imports them (HOSTILE S9)."""
from __future__ import annotations

import math

from .names import BITWISE, ELEMENTWISE, FACTORIES, LIKE, LINALG, REDUCTIONS, SHAPE_OPS
from .values import Builtin, Namespace, check_device, dtype_value

# math's pure functions and constants (`import math`): numbers in, numbers out
MATH_FUNCTIONS = ("sqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos",
                  "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
                  "acosh", "atanh", "erf", "erfc", "gamma", "lgamma", "floor", "ceil",
                  "trunc", "fabs", "hypot", "pow", "isclose", "isfinite", "isinf", "isnan",
                  "copysign", "fmod", "degrees", "radians")
# torch.nn.functional spellings of built-ins (more come from the engine's nnfunc when present)
NN_FUNCTIONAL = ("relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax")
# torch's dtype aliases (only the documented dtypes)
DTYPE_ALIASES = {"float32": "float32", "float": "float32", "float64": "float64",
                 "double": "float64", "int64": "int64", "long": "int64", "int32": "int32",
                 "int": "int32", "bool": "bool"}


def lazy_builtin(name, attr=None) -> Builtin:
    """The built-in ``name`` for the engine's ``attr`` (default: the same name) when that
    name sits in a room the engine imports on first use (``engine._LAZY``): the first
    call imports the room and puts the engine's function in the Builtin, so later calls
    cost what an eager built-in costs (W2) and a script that never calls it never pays
    for the import (W1). ``Builtin.fn`` is only read as a function to call until then."""
    b = Builtin(name, None)

    def first_call(*args, **kw):
        from .. import engine
        b.fn = fn = getattr(engine, attr or name)
        return fn(*args, **kw)
    b.fn = first_call
    return b


class LazyMembers(dict):
    """The members of a namespace, made on first use: torch.nn and torch.optim import
    the engine's nn/optim/nnfunc modules (~2 ms) only for a script that reaches them
    (start-up is a benchmark)."""
    __slots__ = ("make", "args")

    def __init__(self, make, *args):
        super().__init__()
        self.make, self.args = make, args

    def _fill(self):
        if self.make is not None:
            make, self.make = self.make, None
            self.update(make(*self.args))

    def __getitem__(self, k):
        self._fill()
        return dict.__getitem__(self, k)

    def get(self, k, default=None):
        self._fill()
        return dict.get(self, k, default)

    def __contains__(self, k):
        self._fill()
        return dict.__contains__(self, k)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __len__(self):
        self._fill()
        return dict.__len__(self)

    def keys(self):
        self._fill()
        return dict.keys(self)

    def items(self):
        self._fill()
        return dict.items(self)

    def values(self):
        self._fill()
        return dict.values(self)


def make_nn(B) -> dict:
    """torch.nn: the engine's modules (engine/nn.py MODULES) and torch.nn.functional."""
    from ..engine import nn as enn
    from ..engine import nnfunc
    fun = {n: B[n] for n in NN_FUNCTIONAL if n in B}
    fun.update({n: Builtin("F." + n, getattr(nnfunc, n)) for n in nnfunc.__all__})
    members = {n: Builtin("nn." + n, cls) for n, cls in enn.MODULES.items()}
    members["functional"] = _ns("torch.nn.functional", fun)
    return members


def make_optim() -> dict:
    """torch.optim: the engine's optimizers (engine/optim.py OPTIMIZERS)."""
    from ..engine import optim as eoptim
    return {n: Builtin("optim." + n, cls) for n, cls in eoptim.OPTIMIZERS.items()}


def make_math() -> Namespace:
    m = {n: Builtin("math." + n, getattr(math, n)) for n in MATH_FUNCTIONS}
    m["log"] = Builtin("math.log", _math_log)
    for c in ("pi", "e", "tau", "inf", "nan"):
        m[c] = getattr(math, c)
    return _ns("math", m)


def _math_log(x, base=None):
    return math.log(x) if base is None else math.log(x, base)

def _ns(name, members):
    return Namespace(name, members)


def make_torch(B) -> Namespace:
    names = (ELEMENTWISE + BITWISE + REDUCTIONS + SHAPE_OPS + LINALG + FACTORIES + LIKE +
             ["tensor", "manual_seed", "seed", "no_grad", "enable_grad", "set_grad_enabled",
              "is_grad_enabled", "allclose", "isclose", "FloatTensor", "load", "save",
             "set_printoptions"])
    m = {n: B[n] for n in names if n in B}
    m["Tensor"] = B["FloatTensor"]
    m["DoubleTensor"] = B["FloatTensor"]
    m["inf"], m["nan"], m["pi"] = math.inf, math.nan, math.pi
    if "clamp" in B:
        m["clip"] = B["clamp"]
    if "cat" in B:
        m["concat"] = B["cat"]
    import numpy as np
    for alias, name in DTYPE_ALIASES.items():
        m[alias] = dtype_value(np.dtype(name))
    m["e"] = math.e
    m.update(_operator_functions())
    m["all"], m["any"] = B["all"], B["any"]
    m["device"] = Builtin("device", check_device)
    m["nn"] = Namespace("torch.nn", LazyMembers(make_nn, B))
    m["optim"] = Namespace("torch.optim", LazyMembers(make_optim))
    ag = {"Variable": B["Variable"]}
    for n in ("grad", "gradcheck"):
        if n in B:
            ag[n] = B[n]
    fun = {n: B[n] for n in ("jacobian", "hessian") if n in B}
    fun.update({n: lazy_builtin(n) for n in ("vjp", "jvp", "vhp", "hvp")})
    ag["functional"] = _ns("torch.autograd.functional", fun)
    m["autograd"] = _ns("torch.autograd", ag)
    return _ns("torch", m)


def _operator_functions() -> dict:
    """torch.add(a, b), torch.mul, torch.lt ...: the functions PyTorch spells for operators
    (and their long aliases: torch.subtract, torch.multiply, torch.divide, torch.greater ...),
    the engine's operators under PyTorch's names."""
    import operator
    from .. import engine as E
    fns = {"add": E.add, "sub": E.sub, "mul": E.mul, "div": E.div, "neg": E.neg,
           "eq": operator.eq, "ne": operator.ne,
           "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
    aliases = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
               "negative": "neg", "greater": "gt", "greater_equal": "ge", "less": "lt",
               "less_equal": "le", "not_equal": "ne"}
    out = {n: Builtin(n, f) for n, f in fns.items()}
    out.update({a: Builtin(a, fns[n]) for a, n in aliases.items()})
    out["remainder"] = lazy_builtin("remainder")            # engine/modulo.py, on first use
    return out


NP_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "power": "pow",
              "clip": "clamp", "concatenate": "cat", "expand_dims": "unsqueeze",
              "amax": "max", "amin": "min", "array": "tensor", "asarray": "tensor",
              "absolute": "abs"}


def make_numpy(B) -> Namespace:
    names = (ELEMENTWISE + REDUCTIONS + SHAPE_OPS + LINALG + FACTORIES + LIKE +
             ["allclose", "isclose", "load", "save"])
    m = {n: B[n] for n in names if n in B}
    for alias, target in NP_ALIASES.items():
        if target in B:
            m[alias] = B[target]
    m["inf"], m["nan"], m["pi"] = math.inf, math.nan, math.pi
    m["e"] = math.e
    m.update(_operator_functions())
    import numpy as np
    m["float32"] = dtype_value(np.dtype(np.float32))
    m["float64"] = dtype_value(np.dtype(np.float64))
    m["linalg"] = _ns("np.linalg", {n: B[n] for n in ("inv", "det", "solve", "norm")
                                    if n in B})
    m["random"] = _ns("np.random", {"seed": B["seed"], "randn": B["randn"],
                                    "rand": B["rand"]} if "randn" in B else {"seed": B["seed"]})
    return _ns("np", m)


# imports a script may write, and what each binds
def resolve_module(module: str, namespaces: dict):
    """The namespace of a dotted module name ('torch.autograd'), or None."""
    parts = module.split(".")
    ns = namespaces.get(parts[0])
    if ns is None:
        return None
    for p in parts[1:]:
        v = ns.members.get(p)
        if type(v) is not Namespace:
            return None
        ns = v
    return ns
