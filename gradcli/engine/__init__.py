"""The autograd engine: numpy arrays, PyTorch's semantics. Imports numpy and the
standard library only.

    >>> from gradcli.engine import tensor
    >>> x = tensor([[1., 1.], [1., 1.]], requires_grad=True)
    >>> out = ((x + 2) * (x + 2) * 3).mean()
    >>> out.backward()
    >>> x.grad.tolist()
    [[4.5, 4.5], [4.5, 4.5]]
"""
from . import methods as _methods  # noqa: F401  (installs operators and op methods)
from .arith import add, div, floor_divide, mul, neg, pow, remainder, sub, unbroadcast
from .backward import grad
from .context import (anomaly_mode, default_dtype, enable_grad, generator, get_default_dtype,
                      initial_seed,
                      is_grad_enabled, limits, manual_seed, no_grad, rng_scope, seed,
                      set_grad_enabled)
from .elementwise import (abs, acos, asin, atan, clamp, clip, cos, cosh, exp, expm1, log, log1p,
                          maximum, minimum, relu, sigmoid, sign, sin, sinh, softplus, sqrt, tan,
                          tanh, where)
from .errors import (AutogradError, EngineError, EngineRuntimeError, EngineTypeError, EngineValueError,
                     LimitError,
                     ShapeError)
from .factory import (arange, bernoulli, eye, from_numpy, full, full_like, linspace, normal, ones,
                      ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm,
                      tensor, zeros, zeros_like)
from .functional import GradcheckError, gradcheck, gradgradcheck, hessian, jacobian
from .history import history
from .linalg import det, diag, dot, inv, matmul, outer, solve, trace
from .node import AccumulateGrad, Node
from .rng import Generator
from .reduce import (MinMax, amax, amin, argmax, argmin, cumsum, log_softmax, logsumexp, max,
                     mean, min, norm, prod, softmax, std, sum, var)
from .shape import (cat, expand, flatten, getitem, permute, reshape, squeeze, stack, transpose,
                    unsqueeze, view)
from .variable import GradWarning, Tensor, Variable


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


__all__ = [n for n in dir() if not n.startswith("_")]
