"""Nodes whose derivative is one function written in engine ops.

Ops outside the hot path (the binary pointwise ops, torch.nn.functional, einsum) make
their node class with ``node_class(name, rule)``: ``rule(g, *saved)`` returns one
gradient (a Variable or None) per differentiable input, in engine ops, so that the plain
walk (which wraps raw arrays around ``apply``) and ``create_graph=True`` (which
differentiates the rule again) run the same formula.
"""
from __future__ import annotations

from ._op import record
from .context import STATE
from .node import Node
from .shape import unbroadcast


class RuleNode(Node):
    __slots__ = ()
    rule = None

    def apply(self, g):
        grads = type(self).rule(g, *self.saved)
        # a gradient of a broadcast input is summed back to that input's shape
        return tuple(None if n is None or d is None else unbroadcast(d, n.shape)
                     for n, d in zip(self.next, grads))


def node_class(name, rule, doc=None):
    """A node class named as PyTorch names it, running ``rule``."""
    return type(name, (RuleNode,), {"__slots__": (), "name": name, "rule": staticmethod(rule),
                                    "__doc__": doc or f"PyTorch's {name}."})


def record_rule(out, cls, inputs, saved):
    """The result Variable of ``out``; ``inputs`` are the differentiable operands
    (Variables or None), ``saved`` what ``cls.rule`` receives after g."""
    return record(out, cls, tuple(None if v is None else v._node for v in inputs), saved,
                  STATE.get())
