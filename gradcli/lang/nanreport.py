"""A NaN or infinity, explained: the message and the JSON fields of the warning (or
--strict error) the engine's anomaly hook leads to, and which reports are a new cause.

The engine hands over a ``nonfinite.Report`` (which element, NaN or infinity, the
operands' values there, the rule that broke, whether the op made it or passed it on).
A chain reports its root once: an op given a NaN that gives a NaN, an op given an
infinity that gives an infinity, says nothing, once something before it has been
reported; a non-finite value that came in from outside (``tensor(inf)``, ``--set
x=inf``) is reported at the first op it reaches.
"""
from __future__ import annotations

import weakref

KIND_WORD = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}


class NonFiniteLog:
    """What one session has seen: whether anything was reported, and the forward results
    that were not finite (weakly), to tell whether an op that wrote into its operand's
    array (a temporary reused in place) only passed on a value that was not finite."""

    def __init__(self):
        self.reported = False
        self._arrays = weakref.WeakValueDictionary()

    def is_new(self, report) -> bool:
        """Whether ``report`` is a new cause to report; remembers its result either way."""
        root = report.root
        out = report.out
        if root is None:            # an operand was overwritten by the result
            root = out is None or self._arrays.get(id(out)) is not out
        if report.phase == "forward" and type(out).__name__ == "ndarray":
            self._arrays[id(out)] = out     # an op that reuses it in place passes it on
        return bool(root) or not self.reported  # from outside: say so at the first op


def _where(report) -> str:
    return where_text(report.index, report.count, report.size)


def where_text(index, count, size) -> str:
    """' at [3] (2 of 5 elements not finite)', or '' for one element."""
    if size == 1:
        return ""
    index = ", ".join(str(i) for i in index)
    return f" at [{index}] ({count} of {size} elements not finite)"


def relocated(message: str, details: dict, label: str) -> str:
    """``message`` with its place in the tensor replaced by ``label`` (' at line 17'):
    what a pipeline stage says, whose tensors are blocks of its input's points."""
    old = where_text(details.get("index") or (), details.get("count"), details.get("size"))
    if old and old in message:
        return message.replace(old, label, 1)
    head, sep, rest = message.partition(": ")
    return f"{head}{label}{sep}{rest}"


def _operands(report) -> str:
    shown = [f"{name} = {_num(v)}" for name, v in report.operands if v is not None]
    return f"; with {', '.join(shown)}" if shown else ""


def _num(v) -> str:
    from ..engine.domains import num
    return num(v)


def message(report, op: str) -> str:
    """'sqrt' produced NaN: argument -1.0 < 0 (sqrt needs x >= 0) (x = -1.0)"""
    kind = KIND_WORD[report.kind]
    rule = report.rule
    if report.phase == "backward":
        head = f"the gradient through '{op}' is {kind} (backward pass)"
    else:
        head = f"'{op}' produced {kind}"
    return f"{head}{_where(report)}: {rule}{_operands(report)}"


def details(report, op: str) -> dict:
    """The JSON fields of the warning or error event (docs/json.md)."""
    fields = report.fields()
    fields["op"] = op
    fields["node"] = report.op
    return fields
