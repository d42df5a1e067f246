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
from .fuse import _operands, _parallel
from .fused_grads import _bprogram, _run_grads
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
