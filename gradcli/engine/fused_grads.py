"""The derivative rules of a fused chain (engine/fuse.py, fused_node.py), block by block:
the chain's steps in the unfused walk's order with the engine's own formulas (arith.py and
elementwise.UNARY), the same ufuncs on the same operands in the same order, written into
buffers each thread keeps from block to block."""
from __future__ import annotations

import numpy as np

from . import elementwise as _ew
from .fuse import _is_number, _same_input


_ADD, _SUB, _NEG, _SQUARE, _MUL, _DIV, _UNARY = range(7)


def _bprogram(plan, values, flat, fullflat):
    """The chain's derivative rules as steps for ``_run_grads``, in the unfused walk's
    order: (index, kind, operand a, operand b, rule, a needs a gradient, b needs one,
    a number on the left, the node indices the gradients go to (-1: an input or none))."""
    code = plan.code
    req = plan.req

    def src(k):      # (array read by slices, or None; the value otherwise)
        f = flat[k]
        if f is None:
            f = fullflat.get(k)
        if f is not None:
            return (f, None)
        return (None, values[code[k][1]] if code[k][0] == "in" else None)

    steps = []
    for i in plan.order:
        ins = code[i]
        op = ins[0]
        kids = tuple(es[1] if es is not None and es[0] == "node" else -1
                     for es in plan.edges[i])
        swap = len(ins) == 3 and op != "f" and _is_number(code, values, ins[1])
        if op == "f":
            row = _ew.UNARY[ins[1]]
            x = src(ins[2]) if row[3] == "x" else None
            y = (fullflat[i], None) if row[3] == "y" else None
            rule = BLOCK_RULES.get(ins[1])
            rule = row[2] if rule is None else _BlockRule(rule)
            steps.append((i, _UNARY, x, y, rule, True, False, False, kids))
        elif op == "neg":
            steps.append((i, _NEG, None, None, None, True, False, False, kids))
        else:
            a, b = ins[1], ins[2]
            kind = {"+": _ADD, "-": _SUB, "*": _MUL, "/": _DIV}[op]
            if kind == _MUL and _same_input(code, values, a, b):
                kind = _SQUARE
            steps.append((i, kind, src(a), src(b), None, req[a], req[b], swap, kids))
    return len(code), steps


def _run_grads(bprog, g, b, e, scratch):
    """Every node's gradients (one per edge, None where the edge needs none) for elements
    [b, e): the engine's own ``fast`` formulas (arith.py, elementwise.UNARY), the same
    ufuncs on the same operands in the same order, written into this thread's buffers
    (``scratch``, reused from block to block: no allocation, the block stays in cache).
    A function without a BLOCK_RULES entry runs its rule, which allocates its result."""
    count, steps = bprog
    gs = [None] * count
    out = [None] * count
    gs[steps[0][0]] = g
    n = e - b
    raw = _ew.RAW
    mul, div, neg = np.multiply, np.true_divide, np.negative
    for i, kind, A, B, rule, na, nb, swap, kids in steps:
        gi = gs[i]
        if kind == _ADD:
            r = (gi, gi)
        elif kind == _SUB:
            r = (gi, neg(gi, out=_buf(scratch, i, 1, n)) if nb else None)
        elif kind == _NEG:
            r = (neg(gi, out=_buf(scratch, i, 0, n)),)
        elif kind == _SQUARE:           # x * x: one product, doubled (MulBackward0.fast)
            d = mul(gi, A[0][b:e], out=_buf(scratch, i, 0, n))
            mul(d, 2, out=d)
            r = (d, None)
        elif kind == _MUL:
            r = (mul(gi, B[1] if B[0] is None else B[0][b:e], out=_buf(scratch, i, 0, n))
                 if na else None,
                 mul(gi, A[1] if A[0] is None else A[0][b:e], out=_buf(scratch, i, 1, n))
                 if nb else None)
        elif kind == _DIV:              # g / b, and -g * a / (b * b)
            bd = B[1] if B[0] is None else B[0][b:e]
            if nb:
                t = neg(gi, out=_buf(scratch, i, 1, n))
                mul(t, A[1] if A[0] is None else A[0][b:e], out=t)
                div(t, mul(bd, bd, out=_buf(scratch, i, 2, n)), out=t)
            r = (div(gi, bd, out=_buf(scratch, i, 0, n)) if na else None, t if nb else None)
        else:
            x = None if A is None else (A[1] if A[0] is None else A[0][b:e])
            y = None if B is None else B[0][b:e]
            r = (rule(raw, gi, x, y) if type(rule) is not _BlockRule else
                 rule.fn(gi, x, y, _buf(scratch, i, 0, n)),)
        if swap:
            r = (r[1], None)          # 2 * x records mul(x, 2): x is the first edge
        out[i] = r
        for k, cg in zip(kids, r):
            if k >= 0:
                gs[k] = cg
    return out


def _buf(scratch, i, slot, n):
    """Buffer ``slot`` of step ``i``, n elements: made on first use, kept by the thread."""
    key = (i, slot)
    a = scratch.get(key)
    if a is None or a.shape[0] < n:
        a = scratch[key] = np.empty(n)
    return a[:n] if a.shape[0] != n else a


class _BlockRule:
    """A derivative rule of elementwise.UNARY written into a given buffer ``out``: the
    rule's own ufuncs, operands and order (tests/test_fuse.py checks every entry against
    the rule, bit for bit, NaN payloads included)."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


def _then_gmul(out, g):               # gmul(g, d) with d fresh: d *= g (d first)
    return np.multiply(out, g, out=out)


def _then_gdiv(out, g):               # gdiv(g, d) with d fresh: d = g / d
    return np.true_divide(g, out, out=out)


def _mul_const(c, then):              # rule(g, v * c), v = x or y
    def rule(g, x, y, out, v):
        np.multiply(v, c, out=out)
        return then(out, g)
    return rule


def _uses(v, fn):
    return (lambda g, x, y, out: fn(g, x, y, out, x)) if v == "x" else \
        (lambda g, x, y, out: fn(g, x, y, out, y))


def _squared(add=None, rsub=False, root=False, then=_then_gdiv, negate=False):
    """rule(g, f(v * v)): the square into the buffer, then (in this order) + add,
    1 - it, its sqrt, the gradient divided by (or times) it, negated."""
    def rule(g, x, y, out, v):
        np.multiply(v, v, out=out)
        if add is not None:
            np.add(out, add, out=out)
        if rsub:
            np.subtract(1, out, out=out)
        if root:
            np.sqrt(out, out=out)
        r = then(out, g)
        return np.negative(r, out=r) if negate else r
    return rule


def _of(fn, then=_then_gmul, negate=False):
    """rule(g, fn(x)): fn(x) into the buffer, negated, then times g."""
    def rule(g, x, y, out):
        fn(x, out=out)
        if negate:
            np.negative(out, out=out)
        return then(out, g)
    return rule


def _zeros_rule(g, x, y, out):        # zeros_like(g)
    out[...] = 0.0
    return out


BLOCK_RULES = {
    "exp": lambda g, x, y, out: np.multiply(g, y, out=out),       # g * y
    "log": lambda g, x, y, out: np.true_divide(g, x, out=out),    # g / x
    "log1p": lambda g, x, y, out: np.true_divide(g, np.add(x, 1, out=out), out=out),
    "expm1": lambda g, x, y, out: np.multiply(g, np.add(y, 1, out=out), out=out),
    "sqrt": _uses("y", _mul_const(2, _then_gdiv)),                 # gdiv(g, y * 2)
    "sin": _of(np.cos),                                            # gmul(g, cos(x))
    "cos": _of(np.sin, negate=True),                               # gmul(g, neg(sin(x)))
    "sinh": _of(np.cosh),
    "cosh": _of(np.sinh),
    "abs": _of(np.sign),
    "tan": _uses("y", _squared(add=1, then=_then_gmul)),           # gmul(g, add(y*y, 1))
    "tanh": _uses("y", _squared(rsub=True, then=_then_gmul)),      # gmul(g, rsub(1, y*y))
    "reciprocal": _uses("y", _squared(then=lambda o, g: _then_gmul(np.negative(o, out=o), g))),
    "asin": _uses("x", _squared(rsub=True, root=True)),            # gdiv(g, sqrt(1 - x*x))
    "acos": _uses("x", _squared(rsub=True, root=True, negate=True)),
    "atan": _uses("x", _squared(add=1)),                           # gdiv(g, add(x*x, 1))
    "asinh": _uses("x", _squared(add=1, root=True)),
    "acosh": _uses("x", _squared(add=-1, root=True)),
    "atanh": _uses("x", _squared(rsub=True)),                      # gdiv(g, rsub(1, x*x))
    "log2": _uses("x", _mul_const(_ew._LN2, _then_gdiv)),          # gdiv(g, x * ln 2)
    "log10": _uses("x", _mul_const(_ew._LN10, _then_gdiv)),
    "exp2": _uses("y", _mul_const(_ew._LN2, _then_gmul)),          # gmul(g, y * ln 2)
    "sign": _zeros_rule, "floor": _zeros_rule, "ceil": _zeros_rule, "trunc": _zeros_rule,
}


def _grads_block(plan, values, flat, fullflat, g, b, e):
    return _run_grads(_bprogram(plan, values, flat, fullflat), g, b, e, {})
