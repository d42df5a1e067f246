"""Recording what a forward pass and a backward walk really computed, for explaining.

Off by default. Inside ``context.trace_mode(recorder)`` the engine calls

- ``recorder.forward(node, out)`` when an op records a node (``_op.record``);
- ``recorder.backward(node, g, active)`` when the walk reaches a node, with the total
  gradient ``g`` that reached it (``active`` is None for a leaf's ``AccumulateGrad``);
- ``recorder.sent(node, grads)`` right after the node's rule ran, with what it sends
  to each of ``node.next``.

Every number is copied when it is reported, because the walk later adds gradients
in place into buffers and the compiler writes into temporaries: the trace holds what
the engine computed at that moment, not what the arrays hold afterwards. Tensors
larger than ``max_copy`` elements are kept as a summary (shape, min, max, mean,
counts of NaN and infinity) instead of a copy.

The local derivative of a node with a one-element output is the node's own rule run
once more with an incoming gradient of 1 (the walk of an explanation keeps the saved
values: ``retain_graph=True``), so that it too is the engine's number.
"""
from __future__ import annotations

import weakref

import numpy as np

from .node import FREED


class Summary:
    """A tensor too large to copy: its shape and a few statistics."""
    __slots__ = ("shape", "dtype", "min", "max", "mean", "nan", "inf")

    def __init__(self, a):
        a = np.asarray(a)
        self.shape = a.shape
        self.dtype = a.dtype
        fin = a[np.isfinite(a)]
        self.nan = int(np.isnan(a).sum())
        self.inf = int(np.isinf(a).sum())
        self.min = float(fin.min()) if fin.size else float("nan")
        self.max = float(fin.max()) if fin.size else float("nan")
        self.mean = float(fin.mean()) if fin.size else float("nan")


def snap(a, max_copy):
    """A copy of ``a`` (an ndarray, numpy scalar or Variable) or its Summary."""
    if a is None:
        return None
    d = getattr(a, "_data", a)
    if np.size(d) > max_copy:
        return Summary(d)
    return np.array(d, copy=True)


class Step:
    """One node reached by the backward walk."""
    __slots__ = ("node", "grad", "sends", "local")

    def __init__(self, node, grad):
        self.node = node
        self.grad = grad        # what reached the node (a copy), None if nothing did
        self.sends = None       # per next entry: a copy of what the rule sent, or None
        self.local = None       # per next entry: d out / d input (one-element nodes)


class Recorder:
    def __init__(self, max_copy: int = 4096):
        self.max_copy = max_copy
        # weak: a recorder left on (the REPL's :explain on) keeps no dead graph alive
        self.order = weakref.WeakKeyDictionary()    # node -> creation index (forward order)
        self.values = weakref.WeakKeyDictionary()   # node -> its output (copy or Summary)
        self._made = 0
        self.steps = []          # Step per node reached, in the walk's real order
        self._current = None

    # ------------------------------------------------------------ forward
    def forward(self, node, out):
        self.order[node] = self._made
        self._made += 1
        self.values[node] = snap(out._data, self.max_copy)

    def leaf(self, node, var):
        """Registers a leaf (its ``AccumulateGrad``) and its value."""
        if node not in self.values:
            self.values[node] = snap(var._data, self.max_copy)

    # ------------------------------------------------------------ backward
    def backward(self, node, g, active):
        step = Step(node, snap(g, self.max_copy))
        self.steps.append(step)
        self._current = (step, g)

    def sent(self, node, grads):
        step, g = self._current
        self._current = None
        if step.node is not node:      # pragma: no cover - the walk calls them in pairs
            return
        step.sends = [snap(x, self.max_copy) for x in grads] if grads is not None else None
        if np.size(getattr(g, "_data", g)) == 1:
            step.local = _local(node, g)


def _local(node, g):
    """The node's rule at an incoming gradient of 1: its local derivatives."""
    from .context import _scoped
    from .variable import Variable, _wrap
    if node.saved is FREED:
        return None
    d = getattr(g, "_data", g)
    one = _wrap(np.ones_like(d)[()])
    try:
        with _scoped(grad=False, anomaly=None, trace=None):
            res = node.apply(one)
    except Exception:           # a rule that cannot run again: show no local derivative
        return None
    return [None if r is None else np.array(r._data if type(r) is Variable else r, copy=True)
            for r in res]
