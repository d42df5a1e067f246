"""The explain events (``gradcli/explain/walk.py``) as text, or as JSON lines.

    forward
      x   leaf                       = 1.5
      n0  PowBackward0   x**2        <expr>:1:1   = 2.25
    backward (the engine's order)
      n2  MulBackward0   a*b         grad in = 1
            d/da (a*b) = b = 0.997495    sends 1 * 0.997495 = 0.997495 to n0
      x.grad = 0.159159 + 2.992485 = 3.151644
"""
from __future__ import annotations

import math


def num(v) -> str:
    """A number with up to 6 decimals ('2.25', '0.997495'), or a tensor's summary."""
    if isinstance(v, dict):
        extra = "".join(f", {k} {v[k]}" for k in ("nan", "inf") if v.get(k))
        return (f"tensor shape {tuple(v['shape'])} min {num(v['min'])} max {num(v['max'])} "
                f"mean {num(v['mean'])}{extra}")
    if isinstance(v, list):
        flat = _flat(v)
        if len(flat) <= 6:
            return "[" + ", ".join(num(x) for x in flat) + "]" if _depth(v) == 1 else \
                repr(_map(v))
        arr = [x for x in flat if isinstance(x, (int, float)) and math.isfinite(x)]
        if not arr:
            return f"tensor of {len(flat)} elements, none finite"
        return (f"tensor shape {_shape(v)} min {num(min(arr))} max {num(max(arr))} "
                f"mean {num(sum(arr) / len(arr))}")
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    x = float(v)
    if not math.isfinite(x):
        return "nan" if x != x else ("inf" if x > 0 else "-inf")
    if x == 0 or 1e-4 <= abs(x) < 1e7:
        s = f"{x:.6f}".rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return f"{x:.6e}"


def _flat(v):
    out, stack = [], [v]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def _depth(v):
    d = 0
    while isinstance(v, list) and v:
        d, v = d + 1, v[0]
    return d


def _shape(v):
    s = []
    while isinstance(v, list):
        s.append(len(v))
        v = v[0] if v else None
    return tuple(s)


def _map(v):
    return [_map(x) for x in v] if isinstance(v, list) else float(num(v)) if num(v) not in (
        "nan", "inf", "-inf") else num(v)


def lines(events) -> list[str]:
    """The whole explanation as text lines."""
    out = ["forward"]
    for e in events:
        if e["event"] == "leaf":
            out.append(f"  {e['id']:<4} leaf {'':<24} = {num(e['value'])}")
        elif e["event"] == "forward":
            where = f"{e['file']}:{e['line']}:{e['col']}" if e["line"] else ""
            src = e["source"] or ""
            out.append(f"  {e['id']:<4} {e['op']:<16} {src:<12} {where:<12} = {num(e['value'])}")
    out.append("backward (the engine's order)")
    for e in events:
        if e["event"] == "backward":
            out.extend(_backward(e))
        elif e["event"] == "accumulate":
            out.append(f"  {e['id']}.grad = {_sum(e['terms'], e['grad'])}")
    return out


def _sum(terms, total) -> str:
    if len(terms) > 1:
        return " + ".join(num(t) for t in terms) + f" = {num(total)}"
    return num(total)


def _backward(e) -> list[str]:
    formula = e["formula"] or ""
    out = [f"  {e['id']:<4} {e['op']:<16} {formula:<12} grad in = {_sum(e['terms'], e['grad'])}"]
    for s in e["sends"]:
        if s["value"] is None:
            sent = f"sends nothing to {s['to']} (its share went with the edge above)"
        elif _product(e["grad"], s["local"], s["value"]):
            sent = f"sends {num(e['grad'])} * {num(s['local'])} = {num(s['value'])} to {s['to']}"
        else:
            sent = f"sends {num(s['value'])} to {s['to']}"
        if s["derivative"] is not None and s["local"] is not None:
            local = f"d/d{s['input']} ({formula}) = {s['derivative']} = {num(s['local'])}"
            out.append(f"        {local:<40} {sent}")
        else:
            out.append(f"        {sent}")
    return out


def _product(g, local, sent) -> bool:
    """Whether ``sent`` is ``g * local`` (one number each): the line then shows the
    product. (It is not when the rule sends more at once, as ``x*x`` sends 2x to one
    edge.)"""
    if not all(isinstance(v, (int, float)) for v in (g, local, sent)):
        return False
    return math.isclose(g * local, sent, rel_tol=1e-12, abs_tol=1e-300)


def render(out, events) -> None:
    """To ``out`` (an ``Output``): one JSON object per event, or the text lines."""
    if out.json:
        for e in events:
            out.emit(e)
        return
    for line in lines(events):
        out.line(line)
