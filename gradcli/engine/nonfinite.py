"""What a NaN or an infinity report says: which element, which of NaN or infinity, the
operands' values there, the rule that broke (``domains.py``), and whether this op is a
new cause or only passes on a non-finite value it was given.

Only the report path runs this: an op whose result is finite never gets here (the
one ``finite`` check of ``_op.record`` and of the backward walk decides).

**New cause.** An element is a new cause when the op made it NaN or infinite from
operands that were all finite there (``sqrt(-1)``, ``0/0``, ``exp(1000)``, ``1/0``); an
op whose operands were already not finite is no new cause, so a chain reports its root
once. Elementwise operands are compared element by element (after broadcasting); the
operands of other ops (sums, products of matrices) as a whole. The rule text still
names an indeterminate form an op met (``inf - inf``, ``0 * inf``), for the language to
say when the infinities came from outside (a literal ``inf``).

**Operands.** A forward op's operands are the parameters of the engine function that
called ``record`` (``sqrt(x)``: x; ``div(a, b)``: a and b; ``sum(x, dim)``: x and dim),
read from its frame when the report is made, so the op passes nothing on the finite
path. An operand whose array the op wrote its result into (a temporary reused in
place) is no longer known: its value reads ``None``.
"""
from __future__ import annotations

import numpy as np

from . import domains

_DATA = (np.ndarray, np.generic, float, int)


class Report:
    """One non-finite result: ``kind`` ('nan', 'inf', '-inf') and ``index`` (a tuple, ()
    for a 0-d result) of the first offending element (the first new one when there is
    one), ``count`` of the ``size`` elements not finite, ``operands`` [(name, value at
    the index or None)], ``rule`` (the sentence), ``root``: True for a new cause, False
    when only passed on, None when it cannot be told (an operand was overwritten)."""
    __slots__ = ("phase", "op", "kind", "index", "count", "size", "operands", "rule", "root",
                 "out")

    def __init__(self, phase, op, kind, index, count, size, operands, rule, root, out=None):
        self.phase, self.op, self.kind, self.index = phase, op, kind, index
        self.count, self.size, self.operands, self.rule, self.root = count, size, operands, rule, root
        self.out = out          # the result itself (to tell a temporary reused in place)

    def fields(self) -> dict:
        """The JSON fields (docs/json.md); numbers as JSON numbers or 'nan'/'inf' strings."""
        return {"nonfinite": self.kind, "phase": self.phase, "op": self.op,
                "rule": self.rule, "index": list(self.index) if self.size != 1 else None,
                "count": self.count, "size": self.size, "root": self.root,
                "operands": {name: _json_num(v) for name, v in self.operands}}


def _json_num(v):
    if v is None:
        return None
    v = float(v)
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return v


def _as_array(v):
    if type(v).__name__ == "Variable":
        v = v._data
    if isinstance(v, bool) or not isinstance(v, _DATA):
        return None
    a = np.asarray(v)
    return a if a.dtype.kind in "fiub" or a.dtype.kind == "c" else None


# an operand entry is (name, array or UNKNOWN or ABSENT): UNKNOWN, its array was
# overwritten by the result (no new cause can be told); ABSENT, nothing to compare
# (a constant that was not saved, a gradient that is known to have been finite)
UNKNOWN, ABSENT = "unknown", "absent"


def frame_operands(frame, out):
    """[(name, array or UNKNOWN)] from the parameters of the op's frame (see module doc);
    when the engine function that called ``record`` is a helper with the result alone
    (``rule.node_class`` ops), its callers' frames, up to two, still in the engine."""
    for _ in range(3):
        if frame is None or not str(frame.f_globals.get("__name__", "")).startswith(
                "gradcli.engine"):
            break
        found = _parameters(frame, out)
        if found:
            return found
        frame = frame.f_back
    return [("operands", UNKNOWN)]


def _parameters(frame, out):
    code = frame.f_code
    n = code.co_argcount + code.co_kwonlyargcount
    local = frame.f_locals
    pairs = [(name, local.get(name)) for name in code.co_varnames[:n]]
    if code.co_flags & _VARARGS:            # f(*operands): each one
        star = code.co_varnames[n]
        pairs += [(f"{star}[{i}]", v) for i, v in enumerate(local.get(star) or ())]
    found = []
    for name, v in pairs:
        if v is out or name == "out":       # the result itself (a helper's parameter)
            continue
        a = _as_array(v)
        if a is None:
            continue
        found.append((name, UNKNOWN if _same_memory(a, out) else a))
    return found


_VARARGS = 0x04     # inspect.CO_VARARGS


def _same_memory(a, out) -> bool:
    return type(out) is np.ndarray and a.ndim > 0 and (
        a is out or a.base is out or (out.base is not None and a is out.base))


def _flags(out, operands, each):
    """Per element of ``out``: NaN among the operands there, any non-finite there (``each``:
    the op is elementwise; else, and for operands that do not broadcast to ``out``, an
    operand counts as a whole); (None, None) when one is unknown."""
    shape = out.shape
    has_nan = np.zeros(shape, bool)
    not_finite = np.zeros(shape, bool)
    for name, a in operands:
        if a is UNKNOWN:
            return None, None
        if a is ABSENT:
            continue
        b = _aligned(a, shape) if each else None
        with np.errstate(all="ignore"):
            if b is not None:
                has_nan |= np.isnan(b)
                not_finite |= ~np.isfinite(b)
            else:
                has_nan |= bool(np.isnan(a).any())
                not_finite |= not bool(np.isfinite(a).all())
    return has_nan, not_finite


def _aligned(a, shape):
    if a.ndim > len(shape):
        return None
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        return None


def _value_at(a, index, shape, each):
    """The operand's value at the result's ``index`` (a whole operand of a
    non-elementwise op only when it is one number), or None."""
    if a is UNKNOWN or a is ABSENT:
        return None
    b = _aligned(a, shape) if each else None
    if b is not None:
        return _number(b[index])
    return _number(a.flat[0]) if a.size == 1 else None


def _number(v):
    """A Python int for integer data (a dim, an exponent), else a float."""
    return int(v) if np.asarray(v).dtype.kind in "iub" else float(np.real(v))


def analyse(phase, op, out, operands, rule_of, known_bad=False) -> Report:
    """The report for the non-finite ``out`` of ``op`` with ``operands`` [(name, value)]."""
    result = out
    out = np.asarray(out)
    bad = ~np.isfinite(out)
    each = domains.elementwise(op)
    has_nan, not_finite = _flags(out, operands, each)
    if has_nan is None:
        new, root = None, (False if known_bad else None)
    else:
        new = bad & ~not_finite
        root = bool(new.any()) and not known_bad
    pick = new if new is not None and new.any() else bad
    flat = int(np.flatnonzero(pick)[0]) if pick.any() else 0
    index = tuple(int(i) for i in np.unravel_index(flat, out.shape)) if out.ndim else ()
    value = float(np.real(out[index]))
    kind = "nan" if value != value else ("inf" if value > 0 else "-inf")
    values = [(name, _value_at(a, index, out.shape, each)) for name, a in operands
              if a is not UNKNOWN or name != "operands"]
    big = float(np.finfo(out.dtype).max) if out.dtype.kind == "f" else domains.MAX
    given = None if not_finite is None else bool(not_finite[index])
    if given and (kind != "nan" or has_nan[index]):
        # passed on: NaN in, NaN out; an infinity in, an infinity out
        rule = "an operand was already " + ("NaN" if has_nan[index] else "infinite")
    else:
        # a new cause, or NaN made from infinities (inf - inf, 0 * inf, inf / inf)
        rule = rule_of(value, [v for _, v in values], big) or \
            domains.generic(phase, kind, None if given is None else not given, big)
    return Report(phase, op, kind, index, int(bad.sum()), int(out.size), values, rule, root,
                  result)


def forward_report(op, out, frame) -> Report:
    operands = frame_operands(frame, out)
    return analyse("forward", op, out, operands,
                   lambda value, vals, big: domains.forward_rule(op, value, vals, big))


def _saved_names(node, n):
    names = domains.SAVED_NAMES.get(node.name)
    if names is None:
        saves = getattr(type(node), "saves", None)
        names = {"x": ("x",), "y": ("output",)}.get(saves) or tuple(f"saved{i}" for i in range(n))
    return names


def backward_report(node, g, d, saved, known_bad) -> Report:
    """The report for the non-finite gradient ``d`` that ``node`` sends to an input, with
    ``g`` the gradient it was given and ``saved`` its saved values (not a tuple once
    freed); ``known_bad``: the walk already sent a non-finite gradient to this node."""
    gd = getattr(g, "_data", g)
    dd = getattr(d, "_data", d)
    if gd is dd or (type(dd) is np.ndarray and _same_memory(np.asarray(gd), dd)):
        # the rule wrote into g: the walk knows whether what it sent here was finite
        g_entry = UNKNOWN if known_bad else ABSENT
    else:
        g_entry = _as_array(gd)
    operands = [("incoming gradient", g_entry if g_entry is not None else ABSENT)]
    kept = saved if isinstance(saved, tuple) else ()
    for name, v in zip(_saved_names(node, len(kept)), kept):
        a = _as_array(v)
        if a is None:
            operands.append((name, ABSENT))
        else:
            operands.append((name, UNKNOWN if type(dd) is np.ndarray and _same_memory(a, dd)
                             else a))

    def rule_of(value, vals, big):
        return domains.backward_rule(node.name, value, vals[0], vals[1:])
    return analyse("backward", node.name, dd, operands, rule_of, known_bad=known_bad)
