"""The autograd engine: numpy arrays, PyTorch's semantics. Imports numpy and the
standard library only.

    >>> from gradcli.engine import tensor
    >>> x = tensor([[1., 1.], [1., 1.]], requires_grad=True)
    >>> out = ((x + 2) * (x + 2) * 3).mean()
    >>> out.backward()
    >>> x.grad.tolist()
    [[4.5, 4.5], [4.5, 4.5]]
"""
import importlib

from . import methods as _methods  # installs operators and op methods on Variable
from .arith import add_alpha as add, div, mul, neg, sub_alpha as sub
from .backward import grad
from .context import (anomaly_mode, default_dtype, enable_grad, generator, get_default_dtype,
                      initial_seed,
                      is_grad_enabled, limits, manual_seed, no_grad, rng_scope, seed,
                      set_grad_enabled)
from .elementwise import (abs, acos, acosh, asin, asinh, atan, atanh, ceil, clamp, clamp_max,
                          clamp_min, clip, cos, cosh,
                          erf, erfc, erfinv, exp, exp2, expm1, floor, frac, log, log1p, log2, log10,
                          logsigmoid, maximum, minimum, reciprocal, relu, round, rsqrt, sigmoid,
                          sign, sin, sinc, sinh, softplus, sqrt, tan, tanh, trunc, where)
from .errors import (AutogradError, EngineError, EngineRuntimeError, EngineTypeError, EngineValueError,
                     LimitError,
                     ShapeError)
from .factory import (arange, bernoulli, eye, from_numpy, full, full_like, linspace, normal, ones,
                      ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                      tensor, zeros, zeros_like)
from .einsum import einsum
from .history import history
from .power import pow, square
from .node import AccumulateGrad, Node
from .extrema import all, any
from .reduce import (MinMax, amax, amin, argmax, argmin, cumsum, log_softmax, logsumexp, max,
                     mean, min, norm, prod, softmax, std, sum, var)
from .indexing import getitem
from .shape import (cat, unbroadcast, expand, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze,
                    view)
from .variable import GradWarning, Tensor, Variable

# Names of the rooms a one-line `gradcli grad` does not need: imported on first use
# (PEP 562 __getattr__ below), then kept in this module's globals, so the second use
# costs a plain global read. name -> (module, attribute). A new room that a short
# script does not need registers its public names here instead of importing above
# (docs/architecture.md "Start-up"; tests/test_startup.py checks both halves).
# A lazy name must differ from its room's module name (einsum is eager for that reason):
# importing a submodule sets the package's attribute of that name to the module.
_LAZY = {
    "functional_nn": (".nnfunc", None),          # torch.nn.functional (F.relu, F.mse_loss, ...)
    "Generator": (".rng", "Generator"),
    **{n: (".functional", n) for n in ("GradcheckError", "gradcheck", "gradgradcheck", "hessian",
                                       "hvp", "jacobian", "jvp", "vhp", "vjp")},
    **{n: (".modulo", n) for n in ("floor_divide", "remainder")},
    **{n: (".linalg", n) for n in ("det", "diag", "dot", "inv", "matmul", "mm", "outer", "solve",
                                   "trace")},
    **{n: (".pointwise", n) for n in ("addcdiv", "addcmul", "atan2", "hypot", "lerp", "xlogy")},
    **{n: (".bitwise", n) for n in ("bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
                                    "logical_and", "logical_not", "logical_or", "logical_xor")},
}


def __getattr__(name):
    entry = _LAZY.get(name)
    if entry is None:
        if name in __all__ and not name.startswith("_"):        # a submodule (engine.linalg)
            return importlib.import_module("." + name, __name__)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(entry[0], __name__)
    value = module if entry[1] is None else getattr(module, entry[1])
    globals()[name] = value          # also undoes the import system's `engine.einsum = <module>`
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


del _methods

# the constants of LANGUAGE.md (torch.pi, torch.e, torch.inf, torch.nan)
pi, e, inf, nan = 3.141592653589793, 2.718281828459045, float("inf"), float("nan")


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """PyTorch's allclose (accepts tensors, numbers and nested lists on either side)."""
    import numpy as _np
    da = _np.asarray(a._data if type(a) is Variable else a)
    db = _np.asarray(b._data if type(b) is Variable else b)
    try:
        return bool(_np.allclose(da, db, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise ShapeError(f"allclose: cannot broadcast {da.shape} and {db.shape}") from None


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> Variable:
    import numpy as _np
    da = _np.asarray(a._data if type(a) is Variable else a)
    db = _np.asarray(b._data if type(b) is Variable else b)
    return Variable(_np.isclose(da, db, rtol=rtol, atol=atol, equal_nan=equal_nan)[()])


# spelled out, so that linters see what the imports above are for
__all__ = [
    "AccumulateGrad", "AutogradError", "EngineError", "EngineRuntimeError", "EngineTypeError",
    "EngineValueError", "Generator", "GradWarning", "GradcheckError", "LimitError", "MinMax",
    "Node", "ShapeError", "Tensor", "Variable", "abs", "acos", "acosh", "add", "addcdiv",
    "addcmul", "all", "allclose", "any", "amax", "amin", "anomaly_mode", "arange", "argmax", "argmin",
    "arith", "asin", "asinh", "atan", "atan2", "atanh", "backward", "bernoulli", "bitwise",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "buffers", "cat", "ceil", "clamp",
    "clamp_max", "clamp_min", "clip", "compare", "context", "cos", "cosh", "cumsum",
    "default_dtype", "det", "diag", "div",
    "dot", "dtypes", "e", "einsum", "elementwise", "enable_grad", "erf", "erfc", "erfinv",
    "errors", "exp", "exp2", "expand", "expm1", "extrema", "eye", "factory", "flatten",
    "floor", "floor_divide", "frac", "from_numpy", "full", "full_like", "functional",
    "functional_nn", "generator", "get_default_dtype", "getitem", "grad", "gradcheck",
    "gradgradcheck", "hessian", "history", "hvp", "hypot", "indexing", "inf", "initial_seed",
    "inv", "is_grad_enabled", "isclose", "jacobian", "jvp", "lerp", "limits", "linalg",
    "linspace", "log", "log10", "log1p", "log2", "log_softmax", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logsigmoid", "logsumexp",
    "manual_seed", "matmul", "max", "maximum", "mean", "methods", "min", "minimum", "mm",
    "modulo", "mul", "nan", "neg", "nnfunc", "no_grad", "node", "norm", "normal", "ones",
    "ones_like", "outer", "permute", "pi", "pointwise", "pow", "power", "prod", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm", "reciprocal",
    "reduce", "relayout", "relu", "remainder", "reshape", "rng", "rng_scope", "round", "rsqrt", "rule",
    "seed", "selecting", "set_grad_enabled", "shape", "sigmoid", "sign", "sin", "sinc", "sinh",
    "softmax", "softplus", "solve", "sqrt", "square", "squeeze", "stack", "std", "sub", "sum",
    "tan", "tanh", "tensor", "trace", "transpose", "trunc", "unbroadcast", "unsqueeze", "var",
    "variable", "vhp", "view", "vjp", "where", "xlogy", "zeros", "zeros_like",
]
