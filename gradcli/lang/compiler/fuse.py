"""Fused elementwise chains: the compiler's half (the engine's is engine/fuse.py).

A maximal sub-expression made of ``+ - * /``, unary ``-`` and calls ``f(a)`` of the
engine's ufunc functions (``exp sin cos sqrt log tanh abs ...``, by their bare names),
over names and numbers only, with at least two operations, compiles to a closure that
reads its names and, when they are float64 tensors of one shape and at least
``engine.fuse.THRESHOLD`` elements, runs the whole chain as one fused, multi-threaded
evaluation. Otherwise (small or scalar values, other dtypes, a rebound ``exp``, a
script being explained) it runs the ordinary closure: names and numbers have no side
effects, so reading them twice is not observable. The result, its graph and every
value and gradient are those of the ordinary closure (engine/fuse.py says how).
"""
from __future__ import annotations

from .. import nodes as N
from ...engine import fuse as _fuse
from ...engine.context import STATE
from ..attributes import method_for
from ..runtime import Pos
from ..values import Builtin

_OPS = frozenset("+-*/")


def _builtin_op(b):
    return _fuse.fusable_function(b.fn) if type(b) is Builtin else None


def _count(e, B):
    """Operations in the chain rooted at ``e``, or -1 if ``e`` is not a chain. ``B``: the
    built-ins (a chain calls only those that are the engine's ufunc ops)."""
    t = type(e)
    if t is N.Name:
        return 0
    if t is N.Constant:
        v = e.value
        return 0 if type(v) in (int, float) else -1
    if t is N.BinOp and e.op in _OPS:
        a = _count(e.left, B)
        b = _count(e.right, B) if a >= 0 else -1
        return -1 if b < 0 else a + b + 1
    if t is N.UnaryOp and e.op == "-":
        a = _count(e.operand, B)
        return -1 if a < 0 else a + 1
    if t is N.Call and type(e.func) is N.Name and _builtin_op(B.get(e.func.id)) == e.func.id \
            and len(e.args) == 1 and not e.keywords:
        a = _count(e.args[0], B)
        return -1 if a < 0 else a + 1
    return -1


def fused(comp, e, compile_plain):
    """The closure of the chain ``e`` (see the module docstring), or None when ``e`` is
    no chain worth fusing or lies inside one being compiled. ``compile_plain()``
    compiles ``e`` the ordinary way. ``sum(<chain>)`` and ``(<chain>).sum()`` are chains
    whose sum the engine takes block by block too (``_summed``)."""
    if getattr(comp, "_fusing", False):
        return None
    summed = _summed(comp, e)
    if summed is None and _count(e, comp.B) < 2:
        return None
    if summed is not None:
        plain = compile_plain()           # (its argument is a fused chain of its own)
    comp._fusing = True
    try:
        if summed is None:
            plain = compile_plain()
        code, leaves, funcs, poss = [], [], [], []
        method = summed is _METHOD
        chain = e if summed is None else e.func.value if method else e.args[0]
        _build(comp, chain, code, leaves, funcs, poss)
        sumf = comp.expr(e.func) if summed is not None and not method else None
    finally:
        comp._fusing = False
    if not any(is_name for _, is_name in leaves):
        return plain                      # numbers only: nothing can be a big tensor
    return _closure(comp.rt, comp.V, plain, tuple(code), tuple(leaves), tuple(funcs),
                    tuple(poss), None if summed is None else (sumf, summed, e))


_METHOD = object()       # (<chain>).sum()


def _summed(comp, e):
    """The built-in ``sum`` when ``e`` is ``sum(<chain>)`` (one argument, no keyword) and
    ``sum`` is that built-in when compiled; _METHOD for ``(<chain>).sum()``; else None."""
    if type(e) is not N.Call or e.keywords:
        return None
    f = e.func
    if type(f) is N.Attribute and f.attr == "sum" and not e.args:
        return _METHOD if _count(f.value, comp.B) >= 2 else None
    if type(f) is not N.Name or f.id != "sum" or len(e.args) != 1:
        return None
    b = comp.B.get("sum")
    if type(b) is not Builtin or _count(e.args[0], comp.B) < 2:
        return None
    return b


def _build(comp, e, code, leaves, funcs, poss):
    """Appends e's instructions (engine/fuse.py) in evaluation order; returns e's index."""
    t = type(e)
    if t is N.Name or t is N.Constant:
        leaves.append((comp.expr(e), t is N.Name))
        code.append(("in", len(leaves) - 1))
        poss.append(None)
        return len(code) - 1
    if t is N.BinOp:
        a = _build(comp, e.left, code, leaves, funcs, poss)
        b = _build(comp, e.right, code, leaves, funcs, poss)
        code.append((e.op, a, b))
        poss.append(Pos(e.op_line, e.op_col, e.op_line, e.op_col + len(e.op))
                    if e.op_line else e)
    elif t is N.UnaryOp:
        a = _build(comp, e.operand, code, leaves, funcs, poss)
        code.append(("neg", a))
        poss.append(e)
    else:
        funcs.append((comp.expr(e.func), e.func.id))
        a = _build(comp, e.args[0], code, leaves, funcs, poss)
        code.append(("f", e.func.id, a))
        poss.append(e)
    return len(code) - 1


def _closure(rt, V, plain, code, leaves, funcs, poss, summed=None):
    """``summed``: (the closure of the name ``sum`` or None for the method, the built-in
    it must still be or _METHOD, the call's node) for ``sum(<chain>)`` and
    ``(<chain>).sum()``; the engine's sum then takes the chain's block sums (engine/fuse.py
    ``evaluate``) when it sums in numpy's order, or runs as the call would."""
    first = next(f for f, is_name in leaves if is_name)
    leaves = tuple(f for f, _ in leaves)
    big = _fuse.big
    accepts, evaluate, by_op = _fuse.accepts, _fuse.evaluate, _fuse.fusable_function
    root = poss[-1]
    sumf, sum_builtin, call = summed if summed is not None else (None, None, None)
    method = sum_builtin is _METHOD

    def chain(fr):
        try:
            if sumf is not None and sumf(fr) is not sum_builtin:
                return plain(fr)
            v = first(fr)
        except Exception:
            return plain(fr)              # the ordinary closure raises it where it should
        if type(v) is not V or not big(v):
            return plain(fr)
        try:
            values = [f(fr) for f in leaves]
            fns = [f(fr) for f, _ in funcs]
        except Exception:
            return plain(fr)
        for fn, (_, name) in zip(fns, funcs):
            if type(fn) is not Builtin or by_op(fn.fn) != name:
                return plain(fr)
        st = STATE.get()
        if st.trace is not None or not accepts(code, values):
            return plain(fr)
        tag = st.tag
        tags = []
        for p in poss:
            rt.pos = p
            tags.append(None if p is None or tag is None else tag())
        rt.pos = root
        try:
            out = evaluate(code, values, tags, summed=call is not None)
        except Exception as err:
            raise rt.convert(err, root)
        if out is None:
            return plain(fr)
        if call is None:
            return out
        rt.pos = call                     # sum(v) or v.sum(), as the call runs it
        try:
            from ...engine import reduce
            v, total = out
            fn = method_for(V, v, "sum") if method else sum_builtin.fn
            if total is None or method and fn is not reduce.sum:
                return fn(v)
            return reduce.sum_known(v, total)
        except Exception as err:
            raise rt.convert(err, call)
    return chain
