"""Compile the AST of a .gx script into Python closures.

Every expression node becomes a function ``f(fr) -> value`` and every statement a
function ``s(fr) -> None | BREAK | CONTINUE | RETURN``, built once; running a loop
calls the closures and never looks at the AST again. ``fr`` is the frame: the
module's globals dict at top level, a fresh dict per call inside a ``def``.

Names are resolved at compile time: a name assigned anywhere in a ``def`` is local
to it (read from ``fr``); names of enclosing ``def``s are read through the frame's
``UP`` link; everything else is a module global, then a built-in.

The hot path avoids isinstance chains: binary operators test ``type(a) is Variable``
first and call the operator directly; everything else (Python numbers, strings,
lists) goes to the slow helpers of runtime.py, which bound ints, lists and strings
and turn division by zero or overflow into inf/nan with a NUM warning.

Errors: each operation runs in a (zero-cost) ``try``; an exception becomes the
matching GxError carrying that operation's position (``Runtime.convert``), unless it
already is one. Limits are cooperative: a step budget at loop back-edges and calls
(``rt.left``), the clock every CHUNK steps, the call depth at each call.
"""
from __future__ import annotations

from .. import nodes as N
from .assignments import Assignments
from .expressions import Expressions
from .scope import Scope, assigned_names
from .statements import Statements

__all__ = ["Compiler", "assigned_names"]


def _variable_type():
    from ...engine.variable import Variable
    return Variable


class Compiler(Statements, Assignments, Expressions):
    """AST -> closures, for one runtime ``rt``, module globals ``g`` and built-ins ``B``.
    The map: statements.py (statements), assignments.py (targets and assignments),
    expressions.py (expressions), fast.py (the
    specialised closures of operators and calls), scope.py (name resolution)."""

    def __init__(self, rt, globals_: dict, builtins: dict):
        self.rt = rt
        self.g = globals_
        self.B = builtins
        self.V = _variable_type()
        self.scope = Scope("module")

    def compile_module(self, module: N.Module, interactive=False):
        """A list of (stmt_node, fn) to run one by one; with ``interactive`` a trailing
        bare expression is compiled to return its value."""
        out = []
        body = module.body
        for i, s in enumerate(body):
            if interactive and i == len(body) - 1 and type(s) is N.ExprStmt:
                out.append((s, self.expr(s.value), True))
            else:
                out.append((s, self.stmt(s), False))
        return out

    def compile_expression(self, expr):
        return self.expr(expr)
