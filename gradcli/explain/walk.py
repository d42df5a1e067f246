"""The backward pass step by step, as plain events (docs/json.md, "explain events").

``explain_expr`` (``gradcli grad EXPR --explain``) and ``explain_value`` (``run SCRIPT
--explain NAME``, ``:explain NAME``) run the engine with a ``trace.Recorder`` and turn
what it recorded into events, in this order:

- ``leaf``: a leaf that requires grad (its script name and value);
- ``forward``: each node of the graph in the order the forward pass made it, with
  its node name, the source text and ``file:line:col`` that made it, and its value;
- ``backward``: each node in the order the engine's walk really ran them, with the
  gradient that reached it (and the terms it was summed from), each local derivative
  written out with its value, and what it sent to each input;
- ``accumulate``: at each leaf, the sum that makes its ``.grad``.

Every number is a copy of what the engine computed at that moment.
"""
from __future__ import annotations

from ..engine.node import AccumulateGrad
from ..engine.recorder import Recorder, Summary
from . import rules


def explain_expr(session, expr, values, wrt=None):
    """Runs ``grad EXPR`` with the trace on; returns (GradResult, events)."""
    rec = Recorder()
    session.set_trace(rec)
    try:
        result = session.grad_expr(expr, values, wrt=wrt, order=1)
    finally:
        session.set_trace(None)
    names = {id(v): k for k, v in result.leaves.items()}
    spans = _spans_of(_parse_expr(expr), str(expr))
    return result, events(rec, names, spans, "<expr>")


def explain_value(session, name, recorder, source, filename):
    """The walk from the script variable ``name`` (its graph was recorded by
    ``recorder`` while the script ran): a scalar is differentiated as it is, a
    tensor through its sum. Raises a GxError with a message for the user."""
    from ..engine.variable import Variable
    _walk_from(_checked(session, name), name, recorder)
    names = {id(v): k for k, v in session.variables.items() if type(v) is Variable}
    named = {v._node: k for k, v in session.variables.items()
             if type(v) is Variable and v.grad_fn is not None}
    try:
        from ..lang import parse as parser
        text = source.decode("utf-8") if isinstance(source, bytes) else source
        spans = _spans_of(parser.parse(text, filename), text)
    except Exception:           # the script ran, so it parses; positions are a bonus
        spans = {}
    return events(recorder, names, spans, filename, named)


def _checked(session, name):
    from ..engine.variable import Variable
    from ..lang.errors import GxNameError, GxValueError
    value = session.variables.get(name)
    if value is None:
        raise GxNameError(f"--explain: the script has no variable '{name}'")
    if type(value) is not Variable or value._node is None or value.grad_fn is None:
        raise GxValueError(f"--explain: '{name}' has no graph (it is not the result of "
                           "operations on tensors that require grad)")
    return value


def _walk_from(value, name, recorder):
    from ..engine import context, grad
    from ..lang.errors import GxValueError
    recorder.steps = []         # the script's own backward() walks are not this one
    leaves = _leaves(value._node)
    y = value.reshape(()) if value.numel() == 1 else value.sum()
    with context.trace_mode(recorder):
        try:
            grad([y], [n.variable for n in leaves], retain_graph=True, allow_unused=True)
        except Exception as e:
            raise GxValueError(f"--explain {name}: {e}") from None


def annotator(session, name, recorder, filename):
    """For ``graph --values``: node -> {"value", "grad", "where", "note"} from a walk
    from ``name`` recorded by ``recorder`` (the script ran with it on)."""
    from ..render.explain import num
    value = _checked(session, name)
    _walk_from(value, name, recorder)
    grads = {s.node: s.grad for s in recorder.steps}

    def annotate(node):
        v = recorder.values.get(node)
        if v is None and type(node) is AccumulateGrad and node.variable is not None:
            v = _leaf_value(recorder, node)
        tag = node.tag
        where = f"{filename}:{tag.line}:{tag.col}" if getattr(tag, "line", None) else None
        val, g = value_of(v), value_of(grads.get(node))
        note = f"value {num(val)}, grad {num(g)}" + (f", {where}" if where else "")
        return {"value": val, "grad": g, "where": where, "note": note}
    return annotate


def _parse_expr(expr):
    from ..lang import parse as parser
    return parser.parse_expression(expr, "<expr>")


def _leaves(root):
    seen, out, stack = {root}, [], [root]
    while stack:
        n = stack.pop()
        if type(n) is AccumulateGrad:
            out.append(n)
        for c in n.next:
            if c is not None and c not in seen:
                seen.add(c)
                stack.append(c)
    return out


def _spans_of(tree, source):
    """(line, col) of an op's tag -> the source text of the whole expression it
    computes (a binary operation is tagged at its operator)."""
    from ..lang import nodes as N
    lines = source.splitlines()
    spans = {}
    stack = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, list):
            stack.extend(t)
            continue
        if not hasattr(t, "_fields") and not isinstance(t, N.Module):
            continue
        if isinstance(t, N.Node):
            text = _slice(lines, t.line, t.col, t.end_line, t.end_col)
            if isinstance(t, N.BinOp) and t.op_line:      # tagged at its operator
                spans[(t.op_line, t.op_col)] = (text, t.line, t.col)
            elif isinstance(t, N.Attribute):              # x.sin(): at the attribute name
                spans.setdefault((t.line, t.attr_col), (text, t.line, t.col))
            else:
                spans.setdefault((t.line, t.col), (text, t.line, t.col))
        for f in getattr(t, "_fields", ("body",)):
            v = getattr(t, f, None)
            if isinstance(v, (list, N.Node)):
                stack.append(v)
    return spans


def _slice(lines, l0, c0, l1, c1):
    if not l0 or l0 > len(lines):
        return None
    if l0 == l1:
        line = lines[l0 - 1]
        end = c1 - 1
        # a binary operation's span ends with its right operand, inside that operand's
        # brackets: take the closing brackets too
        while line[c0 - 1:end].count("(") > line[c0 - 1:end].count(")") and \
                line[end:end + 1] == ")":
            end += 1
        return line[c0 - 1:end]
    parts = [lines[l0 - 1][c0 - 1:]] + lines[l0:l1 - 1] + [lines[min(l1, len(lines)) - 1][:c1 - 1]]
    return " ".join(p.strip() for p in parts)


def value_of(a):
    """JSON-ready: a number, a nested list, or a summary dict for a large tensor."""
    if a is None:
        return None
    if type(a) is Summary:
        return {"shape": list(a.shape), "min": a.min, "max": a.max, "mean": a.mean,
                "nan": a.nan, "inf": a.inf}
    return a.tolist()


def events(rec, names, spans, filename, named=None):
    """The recorder's content as the list of event dicts described above. Leaves are
    called by their names; other nodes by the script name of their value (``named``:
    node -> name) or ``n0, n1, ...``."""
    named = named or {}
    ids, out = {}, []
    walked = [s.node for s in rec.steps]
    reach = set(walked)
    for n in walked:
        if type(n) is AccumulateGrad and n not in ids:
            var = n.variable
            ids[n] = names.get(id(var)) or f"leaf{len(ids)}"
            out.append({"event": "leaf", "id": ids[n], "name": names.get(id(var)),
                        "shape": list(n.shape), "value": value_of(_leaf_value(rec, n))})
    made = sorted((n for n in rec.order if n in reach), key=rec.order.get)
    # nodes made while nothing recorded (the REPL before :explain on): walk order, no value
    made += [n for n in reversed(walked) if n not in rec.order and type(n) is not AccumulateGrad]
    taken = set(ids.values())
    for k, n in enumerate(made):
        name = named.get(n)
        ids[n] = name if name is not None and name not in taken else f"n{k}"
        taken.add(ids[n])
    for n in made:
        tag = n.tag
        line, col = getattr(tag, "line", None), getattr(tag, "col", None)
        text, line, col = spans.get((line, col), (None, line, col))
        out.append({"event": "forward", "id": ids[n], "op": n.name, "shape": list(n.shape),
                    "source": text, "file": filename, "line": line,
                    "col": col, "inputs": [ids.get(c) for c in n.next],
                    "value": value_of(rec.values.get(n))})
    terms = {}
    for s in rec.steps:
        out.append(_step_event(s, ids, terms))
    return out


def _leaf_value(rec, n):
    from ..engine.recorder import snap
    v = rec.values.get(n)
    if v is None and n.variable is not None:
        v = snap(n.variable._data, rec.max_copy)
    return v


def _step_event(s, ids, terms):
    n = s.node
    got = terms.pop(n, [])
    if type(n) is AccumulateGrad:
        return {"event": "accumulate", "id": ids[n], "terms": got, "grad": value_of(s.grad)}
    present = tuple(c is not None for c in n.next)
    r = rules.rule(n.name, present)
    letters = rules.names(n.name, present)
    sends = []
    for i, c in enumerate(n.next):
        if c is None:
            continue
        sent = None if s.sends is None else s.sends[i]
        local = None if s.local is None else s.local[i]
        if sent is not None:
            terms.setdefault(c, []).append(value_of(sent))
        sends.append({"to": ids.get(c), "input": letters[i] if i < len(letters) else f"x{i}",
                      "derivative": None if r is None or i >= len(r[1]) else r[1][i],
                      "local": value_of(local), "value": value_of(sent)})
    return {"event": "backward", "id": ids[n], "op": n.name,
            "formula": None if r is None else r[0], "terms": got,
            "grad": value_of(s.grad), "sends": sends}
