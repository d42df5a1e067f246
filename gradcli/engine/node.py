"""Function nodes of the graph: the base class, ``AccumulateGrad`` and recording helpers.

A node is made by a forward op that had an input requiring grad. It holds:

- ``next``: one entry per differentiable input, the input's node or None
  (``next_functions`` shows them as PyTorch does: ``((node, 0), (None, 0))``);
- ``saved``: what the derivative rule needs (engine Variables, arrays, numbers);
  freed after backward unless ``retain_graph=True``;
- ``vers``: the version counters of saved input Variables at save time;
- ``shape``: the output's shape (history, and the check on every gradient);
- ``dtype``: the output's dtype (history);
- ``depth``: longest path to a leaf (the graph-size limit uses it);
- ``tag``: whatever the anomaly scope's ``tag()`` returned (a source position).

``apply(g)`` returns one gradient (a Variable or None) per ``next`` entry, written
in engine ops so that the same rule, run with grad mode on, builds the graph of
the derivative (``create_graph=True``).
"""
from __future__ import annotations

import weakref


class _Freed:
    """Marks a node whose saved values were released by a backward pass."""
    __slots__ = ()

    def __repr__(self):
        return "<freed>"


FREED = _Freed()


class Node:
    __slots__ = ("next", "saved", "vers", "shape", "dtype", "depth", "tag", "retain",
                 "__weakref__")
    name = "Node"
    frees = True   # saved values are released after backward (False: only shapes are kept)
    # Optional rule on raw arrays for the walk without create_graph: fast(self, g) with g
    # an ndarray/numpy scalar, returning arrays or None. Only hot primitives have one; the
    # registry tests check it (order 1) against ``apply`` (order 2, via create_graph).
    fast = None
    # Optional variant of ``fast`` for a walk that frees the saved values (no retain_graph):
    # spend(self, g, saved) with ``self.saved`` already released, so that the rule may
    # write its result into a saved array or into ``g`` when nothing else holds it
    # (gradcli/engine/buffers.py); it must give what ``fast`` gives. Needs ``frees``.
    spend = None
    # A fused chain (engine/fused_node.py) delivers the gradients of a whole chain of
    # nodes and reports their non-finite gradients itself.
    fused = False

    def apply(self, g):  # pragma: no cover - every op overrides it
        raise NotImplementedError(f"{self.name} has no derivative rule")

    @property
    def next_functions(self):
        return tuple((n, 0) for n in self.next)

    def __repr__(self):
        return f"<{self.name}>"


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: gradients stop here and add into ``.grad``."""
    __slots__ = ("variable_ref",)
    name = "AccumulateGrad"

    def __init__(self, leaf):
        self.next = ()
        self.saved = None
        self.vers = None
        self.depth = 0
        self.tag = None
        self.retain = None
        self.variable_ref = weakref.ref(leaf)
        self.shape = leaf._data.shape
        self.dtype = leaf._data.dtype

    @property
    def variable(self):
        return self.variable_ref()

    @property
    def next_functions(self):
        return ()

