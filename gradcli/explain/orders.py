"""Derivatives of any order, numerically: nested ``grad(..., create_graph=True)``.

The expression runs once in a Session whose variables are leaf tensors that require
grad (the public ``exec_interactive``); each derivative of order k is the gradient of
one of order k-1, kept differentiable, as PyTorch's nested ``torch.autograd.grad``.
Derivatives of order 3 and more are taken with respect to scalars; order 1 and 2
go through ``Session.grad_expr`` as before.
"""
from __future__ import annotations

import itertools
import math


def _run(session_factory, expr, values):
    from .. import engine
    from ..lang.errors import GxValueError
    leaves = {}
    for name, v in values.items():
        try:
            leaves[name] = engine.tensor(_floats(v), requires_grad=True) \
                if not isinstance(v, (bool, str)) else v
        except Exception as e:
            raise GxValueError(f"value of '{name}': {e}") from None
    session = session_factory(leaves)
    ok, y = session.exec_interactive(str(expr), filename="<expr>")
    if type(y) is not engine.Variable or y.numel() != 1:
        raise GxValueError("--order above 2 and taylor need an expression with one number "
                           "as its value")
    return y.reshape(()), leaves


def _floats(v):
    return [_floats(x) for x in v] if isinstance(v, (list, tuple)) else float(v)


def derivatives(session_factory, expr, values, wrt, order):
    """(value, [(names tuple, number)]) for every derivative of ``order`` with
    respect to ``wrt`` (multisets: d3f/dx2dy once)."""
    from .. import engine
    from ..lang.errors import GxValueError
    y, leaves = _run(session_factory, expr, values)
    for n in wrt:
        if n not in leaves:
            raise GxValueError(f"--wrt names '{n}', which has no value (give {n}=VALUE)")
        if leaves[n].numel() != 1:
            raise GxValueError(f"--order {order}: '{n}' is not a scalar (derivatives above "
                               "the second are taken with respect to scalars)")
    cache = {(): y}

    def d(names):
        if names not in cache:
            prev = d(names[:-1])
            if prev.requires_grad:
                g, = engine.grad(prev, [leaves[names[-1]]], create_graph=True,
                                 retain_graph=True, allow_unused=True)
            else:
                g = None
            cache[names] = g if g is not None else engine.zeros(())
        return cache[names]
    rows = [(names, float(d(names).item()))
            for names in itertools.combinations_with_replacement(wrt, order)]
    return float(y.item()), rows


def taylor(session_factory, expr, values, name, order):
    """Taylor coefficients f^(k)(a)/k! for k = 0..order in ``name`` at its value."""
    from .. import engine
    y, leaves = _run(session_factory, expr, values)
    if name not in leaves or leaves[name].numel() != 1:
        from ..lang.errors import GxValueError
        raise GxValueError(f"taylor: '{name}' must be given a number ({name}=VALUE)")
    x = leaves[name]
    coeffs, cur = [float(y.item())], y
    for k in range(1, order + 1):
        if cur.requires_grad:
            g, = engine.grad(cur, [x], create_graph=True, retain_graph=True, allow_unused=True)
        else:
            g = None
        cur = g if g is not None else engine.zeros(())
        coeffs.append(float(cur.item()) / math.factorial(k))
    return coeffs
