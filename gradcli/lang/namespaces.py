"""The ``torch`` and ``numpy`` compatibility namespaces: which built-ins each offers,
under which names. They exist only once a script imports them (HOSTILE S9)."""
from __future__ import annotations

import math

from .names import ELEMENTWISE, FACTORIES, LIKE, LINALG, REDUCTIONS, SHAPE_OPS
from .values import Namespace, dtype_value

def _ns(name, members):
    return Namespace(name, members)


def make_torch(B) -> Namespace:
    names = (ELEMENTWISE + REDUCTIONS + SHAPE_OPS + LINALG + FACTORIES + LIKE +
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
    m["float32"] = dtype_value(np.dtype(np.float32))
    m["float64"] = dtype_value(np.dtype(np.float64))
    m["double"] = m["float64"]
    m["float"] = m["float32"]
    m["int64"] = dtype_value(np.dtype(np.int64))
    m["long"] = m["int64"]
    m["bool"] = dtype_value(np.dtype(np.bool_))
    ag = {"Variable": B["Variable"]}
    for n in ("grad", "gradcheck"):
        if n in B:
            ag[n] = B[n]
    fun = {n: B[n] for n in ("jacobian", "hessian") if n in B}
    ag["functional"] = _ns("torch.autograd.functional", fun)
    m["autograd"] = _ns("torch.autograd", ag)
    return _ns("torch", m)


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
