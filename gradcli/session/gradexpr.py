"""`gradcli grad EXPR`: one expression, its value, and its derivatives with respect to the
leaves given on the command line.

A scalar expression gets its gradients from ``engine.grad``; a tensor-valued one its
Jacobians from ``engine.jacobian``; ``--order 2`` the Hessian blocks
d²y/dx_a dx_b from ``engine.jacobian`` of the gradient dy/dx_a, as ``engine.hessian``
computes them for one input. Only the names the expression uses are differentiated
by default (``x**2`` with ``--set lr=0.1`` has no derivative in ``lr``).
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

from .. import engine
from ..engine.variable import Variable
from ..lang import nodes as N
from ..lang.parse import parse_expression
from ..lang.limits import recursion_want
from ..lang.errors import GxError, GxInterrupt, GxLimitError, GxNameError, GxTypeError, GxValueError
from .options import GradResult

MAX_JACOBIAN_ROWS = 10_000     # elements of a tensor-valued expression differentiated at most


def names_in(tree) -> set:
    """Every name an expression reads."""
    return {n.id for n in N.walk(tree) if type(n) is N.Name}


def grad_expr(session, expr, values: dict, wrt, order: int, elementwise=False,
              tree=None) -> GradResult:
    """Session.grad_expr, run inside the session's engine context (``tree``: EXPR
    parsed by the caller under the session's limits)."""
    if order not in (1, 2):
        raise GxValueError("--order must be 1 or 2")
    lim = session.options.limits
    if tree is None:
        tree = parse_expression(expr, "<expr>", max_source=lim.max_source,
                                max_nesting=lim.max_nesting)
    leaves = {name: _leaf(val, name) for name, val in values.items()}
    wrt = _wrt(wrt, leaves, values, names_in(tree))
    frame, old = session.start_expression(expr, leaves)
    old_limit = sys.getrecursionlimit()
    want = recursion_want(lim)
    try:
        if want > old_limit:
            sys.setrecursionlimit(want)
        fn = session.compile_expression(tree, frame)
        with warnings.catch_warnings(), np.errstate(all="ignore"), \
                engine.limits(max_elements=lim.max_elements, max_flops=lim.max_flops,
                              max_memory=lim.max_memory):
            warnings.simplefilter("ignore")
            result = _derivatives(fn, frame, [leaves[n] for n in wrt], wrt, order, elementwise)
            result.leaves = leaves
            return result
    except GxError as e:
        if e.line is None:
            e.at(session.position, "<expr>", str(expr))
        raise
    except Exception as e:
        raise session.convert_error(e, session.position) from e
    finally:
        session.end_expression(old)
        if sys.getrecursionlimit() != old_limit:
            sys.setrecursionlimit(old_limit)


def _wrt(wrt, leaves, values, used) -> list:
    if wrt is None:
        return [n for n in values if n in used] or list(values)
    for n in wrt:
        if n not in leaves:
            raise GxNameError(f"--wrt names '{n}', which has no value (give {n}=VALUE)")
    return list(wrt)


def _derivatives(fn, frame, xs, wrt, order, elementwise=False):
    """The value of ``fn`` at the leaves ``xs`` and its derivatives in them."""
    def f(*inputs):
        frame.update(zip(wrt, inputs))      # the compiled names read this very dict
        try:
            return _as_float_tensor(fn(frame))
        except KeyboardInterrupt:
            raise GxInterrupt("interrupted") from None

    y = f(*xs)
    if elementwise and y.numel() != 1:
        return _elementwise(y, xs, wrt, order)
    if order == 2 and y.numel() != 1:
        raise GxValueError("--order 2 needs an expression with one value")
    if y.numel() == 1:
        gs = engine.grad(y.reshape(()), xs, retain_graph=True, allow_unused=True) \
            if y.requires_grad and xs else (None,) * len(xs)
        grads = {n: g if g is not None else engine.zeros_like(x).detach()
                 for n, x, g in zip(wrt, xs, gs)}
    else:
        if y.numel() > MAX_JACOBIAN_ROWS:
            raise GxLimitError("the expression has more than 10^4 elements; sum it to get "
                               "a gradient")
        jac = engine.jacobian(f, list(xs)) if xs else ()
        grads = dict(zip(wrt, jac))
    hess = _hessian_blocks(f, xs, wrt) if order == 2 else None
    grads = {k: v.detach() for k, v in grads.items()}
    return GradResult(y.detach(), grads, hess, wrt)


def _elementwise(y, xs, wrt, order):
    """Per-element derivatives of an elementwise y (its Jacobians' and Hessian blocks'
    diagonals): one backward seeded with ones, the seed of each point alone, so
    that each element's numbers are those of that point evaluated alone."""
    def diag(out, inputs, create_graph):
        if not out.requires_grad:
            return [None] * len(inputs)
        return engine.grad(out, inputs, grad_outputs=engine.ones_like(out),
                           create_graph=create_graph, retain_graph=True, allow_unused=True)

    def full(g, x):
        return engine.zeros(*x.shape) if g is None else g.detach()
    gs = diag(y, xs, order == 2)
    hess = None
    if order == 2:
        hess = {}
        for a, gv in zip(wrt, gs):
            hs = diag(gv, xs, False) if gv is not None else [None] * len(xs)
            for b, x2, h in zip(wrt, xs, hs):
                hess[(a, b)] = full(h, x2)
    grads = {n: full(g, x) for n, g, x in zip(wrt, gs, xs)}
    return GradResult(y.detach(), grads, hess, wrt)


def _hessian_blocks(f, xs, wrt) -> dict:
    """{(a, b): d²y / dx_a dx_b}, shape x_a.shape + x_b.shape: the Jacobian of the
    gradient in x_a (engine.jacobian), as engine.hessian computes it for one input."""
    hess = {}
    for k, a in enumerate(wrt):
        def gradient(*inputs, k=k):
            y = f(*inputs)
            (g,) = engine.grad(y.reshape(()), [inputs[k]], create_graph=True,
                               allow_unused=True) if y.requires_grad else (None,)
            return g if g is not None else engine.zeros_like(inputs[k]).detach()
        blocks = engine.jacobian(gradient, list(xs))
        for b, block in zip(wrt, blocks):
            hess[(a, b)] = block.detach()
    return hess


def _leaf(val, name):
    """A value from the command line as a float leaf requiring grad. A float leaf
    that requires grad already (a batch's block, made for this call) is used as it
    is: copying it would be one more pass over every input."""
    if type(val) is Variable:
        if val.requires_grad and val.grad_fn is None and val.dtype.kind == "f":
            return val
        return val.detach().double() if val.dtype.kind != "f" else \
            Variable(val.detach(), requires_grad=True)
    if isinstance(val, bool) or not isinstance(val, (int, float, list, tuple)):
        raise GxValueError(f"value of '{name}' must be a number or a list of numbers")
    data = _floats(val)
    try:
        return engine.tensor(data, requires_grad=True)
    except Exception as e:
        raise GxValueError(f"value of '{name}': {e}") from None


def _floats(v):
    if isinstance(v, (list, tuple)):
        return [_floats(x) for x in v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise GxValueError(f"not a number: {v!r}")
    return float(v)


def _as_float_tensor(y):
    if type(y) is Variable:
        return y
    if isinstance(y, (int, float)) and not isinstance(y, bool):
        return engine.tensor(float(y))
    raise GxTypeError(f"the expression must give a number or a tensor, not {type(y).__name__}")
