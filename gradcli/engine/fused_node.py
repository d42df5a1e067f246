"""The node of a fused chain (engine/fuse.py): its backward, block by block with the
engine's own derivative formulas in the unfused walk's order; its NaN/inf reports; and its
expansion into the unfused graph for anyone who looks inside or records a derivative."""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as _ew
from ._op import finite
from .context import STATE
from . import fuse as _fz
from .fuse import _is_number, _operands, _parallel, _same_input
from .buffers import sole
from .node import FREED, Node
from .variable import Variable, _wrap
from .versions import Watched


# ---------------------------------------------------------------- the node

_CLASSES = {}


def _node_class(name, frees):
    cls = _CLASSES.get((name, frees))
    if cls is None:
        attrs = {"__slots__": (), "name": name, "frees": frees}
        if not frees:
            attrs["spend"] = None      # (spend only where the walk releases the saved values)
        cls = type(name, (FusedNode,), attrs)
        _CLASSES[name, frees] = cls
    return cls


def make_node(plan, values, full, shape, tags):
    code = plan.code
    saved_inputs, vers = [], []
    for i in plan.order:                  # inputs the unfused nodes save, in order
        ins = code[i]
        if ins[0] in ("*", "/") or (ins[0] == "f" and _ew.UNARY[ins[1]][3] == "x"):
            for k in _operands(ins):
                if code[k][0] == "in":
                    v = values[code[k][1]]
                    if type(v) is Variable and not any(v is s for s in saved_inputs):
                        saved_inputs.append(v)
                        vers.append(v._version)
    node = _new(_node_class(plan.name, plan.frees))
    nodes = [None if type(values[code[k][1]]) is not Variable else values[code[k][1]]._node
             for k in plan.deliveries]
    node.next = tuple(nodes)
    node.saved = tuple(saved_inputs) + tuple(full[i] for i in sorted(full))
    node.vers = tuple(vers) if vers else None
    node.shape = shape
    node.dtype = np.dtype(np.float64)
    node.tag = tags[-1]
    node.retain = None
    node.plan = plan
    node.values = tuple(values)
    node.full = dict(full)
    node.tags = tuple(tags)
    node.real = None
    node.then = {id(v): ver for v, ver in zip(saved_inputs, vers)}
    node.clean = False
    node.depth = _depth(plan, values)
    return node


_new = object.__new__


def _depth(plan, values):
    code = plan.code
    depth = [0] * len(code)
    for i, ins in enumerate(code):
        if ins[0] == "in":
            v = values[ins[1]]
            depth[i] = v._node.depth if type(v) is Variable and v._node is not None else -1
        elif plan.req[i]:
            depth[i] = max(depth[k] for k in _operands(ins) if plan.req[k]) + 1
    return depth[-1]


class FusedNode(Node):
    """A fused chain's node; see the module docstring. ``plan``, ``values`` (the chain's
    inputs), ``full`` (its saved full-size intermediates) and ``tags`` describe the chain
    until ``real``, the replayed unfused root, takes over."""
    __slots__ = ("plan", "values", "full", "tags", "real", "then", "clean")
    fused = True

    @property
    def next_functions(self):
        expand(self)
        return tuple((n, 0) for n in self.next)

    def apply(self, g):
        expand(self)
        return self.real.apply(g)

    def fast(self, g):
        real = self.real
        if real is not None:
            return _delegate(real, g)
        return _backward(self, g, False)

    def spend(self, g, saved):
        real = self.real
        if real is not None:
            real.saved = FREED if real.frees else real.saved
            return _delegate(real, g, saved)
        return _backward(self, g, True)

    def walked(self, g, pending, retain, watch=False):
        """``fast`` (``spend`` unless ``retain``) as the walk calls it. ``pending``: the
        walk's gradients waiting for their nodes; an input with none there gets all its
        gradients from this chain, summed here in the unfused walk's order (one array).
        ``watch``: the walk's NaN watch is on; the gradients are checked block by block,
        and ``clean`` tells the walk that they are all finite (see ``_backward``)."""
        real = self.real
        self.clean = False
        if real is not None:
            if retain or type(real).spend is None:
                return _delegate(real, g)
            saved = self.saved             # (the walk releases the node's after this step)
            real.saved = FREED if real.frees else real.saved
            return _delegate(real, g, saved)
        return _backward(self, g, not retain and type(self).frees, pending, watch)

    def report(self, anomaly, g, tainted, report):
        """Reports, through the walk's ``report`` (backward.py), every non-finite gradient
        that a node of the unfused chain would send, node by node in the unfused walk's
        order, with that node's own saved values (only after a fused backward whose
        gradients are not all finite: rare, so the chain is replayed for it). Returns the
        walk's set of nodes sent a non-finite gradient, updated."""
        plan = self.plan
        outs = _replay(self, restore=False)
        nodes = {i: outs[i]._node for i in plan.order}
        if tainted is not None and self in tainted:
            tainted.add(nodes[plan.order[0]])
        gs = {plan.order[0]: g}
        with np.errstate(all="ignore"):
            for i in plan.order:
                node = nodes[i]
                gi = gs.pop(i)
                grads = type(node).fast(node, gi)
                checked = None
                for pos, (c, cg) in enumerate(zip(node.next, grads)):
                    if c is None or cg is None:
                        continue
                    es = plan.edges[i][pos]
                    if es is not None and es[0] == "node":
                        gs[es[1]] = cg
                    if cg is not checked:
                        if not finite(cg):
                            tainted = report(anomaly, node, gi, cg, node.saved, tainted, c)
                        checked = cg
        return tainted


def _delegate(real, g, saved=None):
    cls = type(real)
    if saved is not None and cls.spend is not None:
        return cls.spend(real, g, saved)
    if cls.fast is not None:
        return cls.fast(real, g)
    return tuple(None if v is None else v._data for v in real.apply(_wrap(g)))


# ---------------------------------------------------------------- backward

def _flat_g(g, n):
    """``g`` as n values in C order without a copy when it is contiguous or one value
    broadcast (sum's gradient)."""
    if type(g) is not np.ndarray:
        return np.broadcast_to(np.asarray(g, np.float64), (n,))
    if g.flags.c_contiguous:
        return g.reshape(-1)
    if not any(g.strides):
        return np.broadcast_to(g.reshape(-1)[:1], (n,))
    return np.ascontiguousarray(g).reshape(-1)


def _backward(node, g, spend, pending=None, watch=False):
    """The chain's gradients, one per delivery (None where another delivery's array
    takes it), block by block. With ``watch`` (the walk's NaN watch is on), each block of
    each gradient is checked while it is in cache: ``node.clean`` says afterwards that
    every one is finite, so the walk need not read them again."""
    plan = node.plan
    code = plan.code
    values = node.values
    n = 1
    for s in node.shape:
        n *= s
    gf = _flat_g(g, n)
    flat = [values[ins[1]]._data.reshape(-1) if ins[0] == "in" and
            type(values[ins[1]]) is Variable else None for ins in code]
    root = len(code) - 1
    # the gradients delivered to the inputs; in a walk that frees the saved values, the
    # chain's own intermediates (nobody else holds them) take them, and so does its result
    # when only this node holds it (sum(<chain>): no Variable, no view of it is left); a
    # block of it is read before that block of a gradient is written
    spare = [i for i in sorted(node.full) if i != root] if spend else []
    if spend and root in node.full and _only_here(node, root):
        spare.insert(0, root)
    fullflat = {i: a.reshape(-1) for i, a in node.full.items()}
    target = _targets(node, pending)
    outs = []
    for k in range(len(plan.deliveries)):
        if k in plan.dead or target[k] != k:
            outs.append(None)
        else:
            outs.append(node.full[spare.pop()] if spare else np.empty(node.shape))
    outflat = [None if o is None else o.reshape(-1) for o in outs]
    checked = [o for o in outflat if o is not None] if watch else ()
    add = np.add
    isfinite = math.isfinite

    bprog = _bprogram(plan, values, flat, fullflat)
    leaves = [(i, pos, es[1], target[es[1]]) for i in plan.order
              for pos, es in enumerate(plan.edges[i])
              if es is not None and es[0] == "leaf" and es[1] not in plan.dead]

    def block(k, b, e, scratch):
        grads = _run_grads(bprog, gf[b:e], b, e, scratch)
        for i, pos, d, t in leaves:
            cg = grads[i][pos]
            if t == d:
                outflat[d][b:e] = cg
            else:                 # buf[x] = prev + cg, as the walk adds
                acc = outflat[t][b:e]
                add(acc, cg, out=acc)
        for o in checked:         # (the walk's finite(), while the block is in cache)
            part = o[b:e]
            if not isfinite(part.sum()) and not np.isfinite(part).all():
                return False
        return True
    if spend:
        node.full = None
    node.clean = False
    ok = _parallel(block, _fz.bounds(n))
    node.clean = bool(watch) and all(ok)
    return tuple(outs)


def _only_here(node, i):
    """Nothing but the node (its ``full`` and ``saved``) holds intermediate i's array."""
    a = node.full[i]
    held = 2 + sum(1 for v in node.saved if v is a) if type(node.saved) is tuple else 2
    return sole(a, held)


def _targets(node, pending):
    """For each delivery, the delivery whose array receives it: itself, or (when the
    walk holds no gradient yet for that input) the input's first delivery."""
    target = list(range(len(node.next)))
    if pending is None:
        return target
    first = {}
    dead = node.plan.dead
    for k, c in enumerate(node.next):
        if k in dead or c is None or c in pending:
            continue
        target[k] = first.setdefault(c, k)
    return target


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


# ---------------------------------------------------------------- expansion

def expand(node) -> None:
    """Replays the chain with the engine's ops (grad on, no watch) so that the node shows,
    and from now on runs, the unfused graph: it takes the replayed root's ``next`` and
    delegates its rules to it. Idempotent."""
    if node.real is not None:
        return
    outs = _replay(node)
    real = outs[-1]._node
    freed = node.saved is FREED
    node.real = real
    node.next = real.next
    node.saved = FREED if freed else real.saved
    if type(node.vers) is Watched:
        node.vers = Watched(node.vers.counter, node.vers.expected, real.vers)
    else:
        node.vers = real.vers
    node.full = None
    if freed:                          # a spent chain stays spent
        for o in outs:
            if type(o) is Variable and o._node is not None and type(o._node).frees:
                o._node.saved = FREED


def _replay(node, restore=True):
    """The chain run again with the engine's ops on its inputs (grad on, no watch), each
    node with its op's tag: the Variable of every instruction."""
    code = node.plan.code
    values = node.values
    st = STATE.get()
    token = STATE.set(st.replace(grad=True, anomaly=None, trace=None))
    try:
        with np.errstate(all="ignore"):
            outs = []
            for i, ins in enumerate(code):
                outs.append(_replay_op(ins, outs, values))
                o = outs[-1]
                if ins[0] != "in" and type(o) is Variable and o._node is not None:
                    o._node.tag = node.tags[i]
                    if restore:
                        _restore_versions(o._node, node)
    finally:
        STATE.reset(token)
    return outs


def _replay_op(ins, outs, values):
    """One instruction with the engine's ops (as the compiled, unfused closure runs it)."""
    op = ins[0]
    if op == "in":
        return values[ins[1]]
    if op == "f":
        return getattr(_ew, ins[1])(outs[ins[2]])
    if op == "neg":
        return -outs[ins[1]]
    a, b = outs[ins[1]], outs[ins[2]]
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b


def _restore_versions(n, node):
    """The replayed node saved the inputs' versions of now; the unfused node saved those
    of the forward (an in-place write since then must still be caught)."""
    then = node.then
    if n.vers is None or type(n.saved) is not tuple or not then:
        return
    n.vers = tuple(then.get(id(v), ver) for v, ver in zip(n.saved, n.vers))


def expand_reachable(roots) -> None:
    """Expands every FusedNode reachable from ``roots`` (before a walk that records or
    explains: create_graph, --explain)."""
    seen = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if isinstance(n, FusedNode):
            expand(n)
        stack.extend(c for c in n.next if c is not None and c not in seen)
