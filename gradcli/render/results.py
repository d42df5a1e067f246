"""What each command shows once the session has answered.

Every function takes the invocation's ``Output`` and a session result, and
writes it in that output's format (pretty, plain or json). Exit codes other than
0 are returned (``check`` returns 1 on a mismatch); errors are raised to the CLI.
"""
from __future__ import annotations

from . import jsonenc


def tensor_text(value) -> str:
    """A value as the REPL and ``grad`` show it: tensors as PyTorch prints them."""
    if jsonenc.is_tensor(value):
        return repr(value)
    if hasattr(value, "dtype") and hasattr(value, "shape"):       # a bare ndarray
        from ..engine.printing import format_tensor
        return format_tensor(value)
    from ..lang.text import safe_repr       # a list that holds itself 2^40 ways: refused
    return safe_repr(value)


# ----------------------------------------------------------------- run

def after_run(out, session, summary=False, graph_var=None, annotate=None) -> None:
    if graph_var is not None:
        history = session.history(graph_var, annotate)
        if out.json:
            out.emit({"event": "graph", "var": graph_var, "history": jsonenc.encode_value(history)})
        else:
            from .history import render_tree
            render_tree(out, history)
    if out.json:
        variables = session.variables
        out.emit({"event": "result",
                  "vars": {name: jsonenc.encode_variable(v) for name, v in variables.items()}})
    elif summary:
        from .table import render_summary
        render_summary(out, session.variables)


# ----------------------------------------------------------------- grad

def _d(names) -> str:
    """'dx' for ('x',), 'dx dy' style names for the Hessian: 'd2f/dx2', 'd2f/dxdy'."""
    a, b = names
    return f"d2f/d{a}2" if a == b else f"d2f/d{a}d{b}"


def hessian_items(hessian) -> list[tuple[tuple[str, str], object]]:
    """The Hessian as ((row name, column name), block) pairs, whatever its nesting."""
    if not hessian:
        return []
    items = []
    for key, value in hessian.items():
        if isinstance(key, tuple):
            items.append((key, value))
        elif isinstance(value, dict):
            items.extend(((key, k2), v2) for k2, v2 in value.items())
        else:
            items.append(((key, key), value))
    return items


def grad_json(expr, result) -> dict:
    obj = {"expr": expr, "value": jsonenc.encode_value(result.value),
           "grad": {name: jsonenc.encode_value(g) for name, g in result.grads.items()}}
    if getattr(result, "hessian", None) is not None:
        nested: dict = {}
        for (a, b), block in hessian_items(result.hessian):
            nested.setdefault(a, {})[b] = jsonenc.encode_value(block)
        obj["hessian"] = nested
    return obj


def labelled(label: str, value) -> str:
    """'df/dW = tensor([[1., 2.],' with the following lines kept under the first."""
    prefix = f"{label} = "
    return prefix + tensor_text(value).replace("\n", "\n" + " " * len(prefix))


def grad_lines_text(result) -> list[str]:
    lines = [labelled("f", result.value)]
    for name, g in result.grads.items():
        lines.append(labelled(f"df/d{name}", g))
    if getattr(result, "hessian", None) is not None:
        for names, block in hessian_items(result.hessian):
            lines.append(labelled(_d(names), block))
    return lines


def render_grad(out, expr, result) -> None:
    if out.json:
        out.emit(grad_json(expr, result))
        return
    for line in grad_lines_text(result):
        out.line(line)


# ----------------------------------------------------------------- graph

def export_graph(out, session, var, fmt, out_path, annotate=None) -> int:
    from . import history as h
    hist = session.history(var, annotate)
    if fmt == "tree":
        if out_path:
            _write_text(out_path, "\n".join(h.tree_lines(hist)) + "\n")
        else:
            h.render_tree(out, hist)
        return 0
    if fmt in ("dot", "mermaid", "json"):
        text = {"dot": h.to_dot, "mermaid": h.to_mermaid, "json": h.to_json}[fmt](hist) + "\n"
        if out_path:
            _write_text(out_path, text)
        else:
            out.raw(text)
        return 0
    return _graphviz(out, h.to_dot(hist), fmt, out_path)


def _write_text(path, text) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def find_dot() -> str | None:
    """Graphviz's ``dot`` on PATH, else the ``graphviz-pure`` program (the optional
    extra ``picture``: a self-contained port with dot's flags) on PATH or beside this
    Python (a venv's bin/, when gradcli runs without the venv on PATH)."""
    import os
    import shutil
    import sys
    here = os.path.dirname(sys.executable)
    for name in ("dot", "graphviz-pure"):
        exe = shutil.which(name) or shutil.which(name, path=here)
        if exe:
            return exe
    return None


def _graphviz(out, dot_text, fmt, out_path) -> int:
    import subprocess

    from .errors import render_message
    exe = find_dot()
    if exe is None:
        render_message(out, f"--format {fmt} needs Graphviz's 'dot' program or the graphviz-pure "
                            "package, and neither is installed: pip install 'gradcli[picture]' "
                            "(or pip install graphviz-pure, or apt install graphviz); --format "
                            "dot or mermaid write the graph as text without them")
        return 1
    if out_path is None and fmt == "png" and out.out.isatty():
        render_message(out, "refusing to write PNG data to a terminal; use --out FILE.png")
        return 2
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=60)
    if proc.returncode != 0:
        render_message(out, f"Graphviz failed: {proc.stderr.decode(errors='replace').strip()}")
        return 1
    if out_path:
        with open(out_path, "wb") as f:
            f.write(proc.stdout)
    else:
        out.flush()
        buffer = getattr(out.out, "buffer", None)
        if buffer is None:
            out.raw(proc.stdout.decode("utf-8", errors="replace"))
        else:
            buffer.write(proc.stdout)
            buffer.flush()
    return 0


# ----------------------------------------------------------------- check

CHECK_HEADERS = ["name", "index", "analytic", "numeric", "abs err", "rel err"]


def _g(x) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _index(index) -> str:
    if index is None or index == ():
        return "-"
    if isinstance(index, tuple):
        return "[" + ", ".join(str(i) for i in index) + "]"
    return str(index)


def render_check(out, result, top=10) -> int:
    rows = sorted(result.rows, key=lambda r: (-_sortable(r.rel_err), -_sortable(r.abs_err)))
    status = 0 if result.ok else 1
    if out.json:
        out.emit({"ok": bool(result.ok), "where": getattr(result, "where", {}) or {},
                  "checked": getattr(result, "checked", 0) or len(result.rows),
                  "total": getattr(result, "total", 0) or len(result.rows),
                  "worst": [{"name": r.name, "index": list(r.index) if isinstance(r.index, tuple) else r.index,
                             "analytic": jsonenc.encode_value(r.analytic),
                             "numeric": jsonenc.encode_value(r.numeric),
                             "abs_err": jsonenc.encode_value(r.abs_err),
                             "rel_err": jsonenc.encode_value(r.rel_err)} for r in rows[:top]]})
        return status
    from .table import render_table
    table = [[r.name, _index(r.index), _g(float(r.analytic)), _g(float(r.numeric)),
              f"{float(r.abs_err):.2e}", f"{float(r.rel_err):.2e}"] for r in rows[:top]]
    if table:
        render_table(out, CHECK_HEADERS, table, right={2, 3, 4, 5})
    n = getattr(result, "checked", 0) or len(result.rows)
    total = getattr(result, "total", 0) or n
    what = f"{n} gradient entr{'y' if n == 1 else 'ies'}" + (f" (of {total}, sampled)" if total > n else "")
    if result.ok:
        out.line(f"OK: {what} match{'es' if n == 1 else ''} finite differences")
    else:
        worst = rows[0] if rows else None
        where = getattr(result, "where", {}) or {}
        at = ""
        if worst is not None:
            at = f"; worst: {worst.name}{_index(worst.index) if worst.index else ''}"
            if worst.name in where:
                at += f", a leaf made at {where[worst.name]}"
        out.line(f"FAILED: analytic and finite-difference gradients differ ({what} checked{at})")
    return status


def _sortable(x) -> float:
    import math
    x = float(x)
    return math.inf if math.isnan(x) else x


def expr_check_source(expr: str, values: dict) -> str:
    """A script for ``check EXPR x=1.5``: each value a leaf that requires grad,
    then the expression."""
    lines = []
    for name, value in values.items():
        lines.append(f"{name} = tensor({_literal(value)}, requires_grad=True)")
    lines.append(f"f = {expr}")
    return "\n".join(lines) + "\n"


def _literal(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, float):
        if value != value:
            return "float('nan')"
        if value in (float("inf"), float("-inf")):
            return ("-" if value < 0 else "") + "float('inf')"
        return repr(value)
    return repr(float(value)) if isinstance(value, (int, bool)) else repr(value)
