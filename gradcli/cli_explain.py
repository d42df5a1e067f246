"""The commands that explain derivatives (issue 10): ``diff``, ``taylor``, and the
``--explain``/``--formula``/``--order N`` paths of ``grad``.

Registered on the group by ``gradcli/cli.py`` (``commands(common_options)``: this
module does not import cli.py at its top, so that neither starts a cycle). Only click
at the top: numpy, the session, SymPy and the renderers are imported inside the
commands (start-up).
"""
from __future__ import annotations

import click


def _parse_values(values) -> dict:
    from .cli import _parse_values as parse
    return parse(values)

EXIT_MISMATCH = 1


def _formula_error(e, expr):
    """A FormulaError as the CLI's usage error with the expression and a caret."""
    from .lang.errors import GxValueError
    return GxValueError(f"no formula: {e.message}").at(e.node, "<expr>", expr)


def _translate(expr, values, wrt):
    from .explain import formula as F
    try:
        return F.translate(expr, values, wrt)
    except F.FormulaError as e:
        raise _formula_error(e, expr) from None


def _agree(a, b) -> bool:
    import math
    if math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def formula_rows(session_factory, expr, values, wrt, order, latex=False):
    """[{label, formula, latex?, value?, autograd?, agree?}] for every partial of ``order``.
    With values for every symbol the formula is evaluated and the engine's number
    (nested autograd) is set beside it."""
    import sympy as sp

    from .explain import formula as F
    from .explain import orders
    tr = _translate(expr, values, wrt)
    rows = []
    numeric = None
    scalars = all(not isinstance(v, list) for v in tr.symbols.values())
    complete = all(n in values for n in tr.symbols)
    if complete and tr.wrt:
        names = [lab for lab, _ in tr.wrt]
        if scalars:
            _, got = orders.derivatives(session_factory, expr, values, names, order)
            numeric = dict(got)
        elif order == 1:
            numeric = _vector_grads(session_factory, expr, values, tr)
    subs = F.substitutions(tr, values) if complete else None
    for names, d in F.partials(tr, order):
        row = {"label": F.label(names, order), "wrt": list(names), "formula": sp.sstr(d)}
        if latex:
            row["latex"] = sp.latex(d)
        if subs is not None:
            row["value"] = F.evaluate(d, subs)
        if numeric is not None and names in numeric:
            row["autograd"] = numeric[names]
            row["agree"] = _agree(row["value"], row["autograd"])
        rows.append(row)
    return tr, rows


def _vector_grads(session_factory, expr, values, tr):
    from .explain import orders
    from . import engine
    y, leaves = orders._run(session_factory, expr, values)
    names = [n for n in tr.symbols if n in leaves]
    gs = engine.grad(y, [leaves[n] for n in names], allow_unused=True)
    out = {}
    for n, g in zip(names, gs):
        flat = [0.0] * leaves[n].numel() if g is None else [float(v) for v in
                                                            g.detach().reshape(-1).tolist()]
        if isinstance(tr.symbols[n], list):
            out.update({(f"{n}[{i}]",): v for i, v in enumerate(flat)})
        else:
            out[(n,)] = flat[0]
    return out


def _factory(common, out):
    from .render.output import Output
    import sys
    quiet = Output("plain", out=sys.stderr, err=sys.stderr)

    def make(leaves):
        return common.session(quiet, variables={**common.variables(), **leaves})
    return make


def _num(v) -> str:
    from .render.explain import num
    return num(v)


def render_rows(out, rows, header=None) -> int:
    failed = any(r.get("agree") is False for r in rows)
    if out.json:
        out.emit({**(header or {}), "derivatives": rows})
        return EXIT_MISMATCH if failed else 0
    for r in rows:
        line = f"{r['label']} = {r['latex'] if 'latex' in r else r['formula']}"
        if "value" in r:
            line += f"    at the point: {_num(r['value'])}"
        if "autograd" in r:
            line += f"  autograd: {_num(r['autograd'])}  " + ("agree" if r["agree"] else "DISAGREE")
        out.line(line)
    return EXIT_MISMATCH if failed else 0


def _series(out, expr, given, wrt, order, latex):
    import sympy as sp

    from .explain import formula as F
    tr = _translate(expr, given, wrt)
    names = [lab for lab, _ in tr.wrt]
    if len(names) != 1:
        from .lang.errors import GxValueError
        raise GxValueError("--series needs exactly one variable (use --wrt X)")
    at = given.get(names[0])
    try:
        poly = F.series(tr, names[0], at, order)
    except F.FormulaError as e:
        raise _formula_error(e, expr) from None
    text = sp.latex(poly) if latex else sp.sstr(poly)
    if out.json:
        out.emit({"expr": expr, "variable": names[0], "at": at if at is not None else 0,
                  "order": order, "series": sp.sstr(poly), "latex": sp.latex(poly)})
    else:
        out.line(f"f ≈ {text}    (around {names[0]} = {at if at is not None else 0})")


def _need_sympy():
    try:
        import sympy  # noqa: F401
    except ImportError:
        from .lang.errors import GxValueError
        raise GxValueError("formulas need SymPy: pip install 'gradcli[formula]'") from None


def grad_explained(out, session, expr, values, wrt, order, explain, formula):
    """``grad --explain`` / ``--formula``: the usual result, then the walk and/or
    the formulas."""
    from .render import results
    if explain:
        from .explain.walk import explain_expr
        from .render import explain as render_explain
        result, events = explain_expr(session, expr, values, wrt)
        if order == 2:
            result = session.grad_expr(expr, values, wrt=wrt, order=2)
    else:
        result, events = session.grad_expr(expr, values, wrt=wrt, order=order), None
    rows = None
    if formula:
        _need_sympy()
        _, rows = formula_rows(lambda leaves: _fresh(session, leaves), expr, values,
                               result.wrt, 1)
    if out.json:
        obj = results.grad_json(expr, result)
        if rows is not None:
            obj["formula"] = rows
        out.emit(obj)
        if events is not None:
            render_explain.render(out, events)
        return 0
    results.render_grad(out, expr, result)
    if rows is not None:
        render_rows(out, rows)
    if events is not None:
        render_explain.render(out, events)
    return 0


def _fresh(session, leaves):
    from .session import Session
    return Session(session.options.replace(variables={**session.options.variables, **leaves}))


def grad_high_order(out, session_factory, expr, values, wrt, order):
    """``grad --order N`` for N >= 3: the value, then every derivative of order N."""
    import re

    from .explain import formula as F
    from .explain import orders
    used = wrt or [n for n in values if re.search(rf"\b{n}\b", expr)] or list(values)
    value, rows = orders.derivatives(session_factory, expr, values, used, order)
    if out.json:
        out.emit({"expr": expr, "value": value, "order": order,
                  "derivatives": {F.label(n, order): v for n, v in rows}})
        return 0
    out.line(f"f = {_num(value)}")
    for n, v in rows:
        out.line(f"{F.label(n, order)} = {_num(v)}")
    return 0


def commands(common_options):
    """The click commands ``diff`` and ``taylor`` with the CLI's common options."""

    @click.command()
    @click.argument("expr")
    @click.argument("values", nargs=-1, metavar="[NAME=VALUE]...")
    @click.option("--wrt", metavar="X,Y", help="Differentiate only with respect to these names.")
    @click.option("--order", type=click.IntRange(min=1), default=1, show_default=True,
                  help="Order of the derivatives (2: the Hessian's entries).")
    @click.option("--latex", is_flag=True, help="Write the formulas in LaTeX.")
    @click.option("--series", is_flag=True,
                  help="The Taylor polynomial up to degree --order instead (one variable).")
    @common_options()
    def diff(expr, values, wrt, order, latex, series, common):
        """The derivative of EXPR as a simplified formula (SymPy).

        \b
        Example:  gradcli diff 'x**2*sin(x)' x=1.5
        With values, the formula is evaluated and compared with autograd's number
        (exit status 1 when they disagree).
        """
        _need_sympy()
        given = {**common.variables(), **_parse_values(values)}
        wrt_names = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else None
        out = common.output()
        if series:
            return _series(out, expr, given, wrt_names, order, latex)
        tr, rows = formula_rows(_factory(common, out), expr, given, wrt_names, order, latex)
        import sympy as sp
        head = {"expr": expr, "formula": sp.sstr(tr.expr)}
        if not out.json:
            out.line(f"f = {sp.latex(tr.expr) if latex else sp.sstr(tr.expr)}")
        return render_rows(out, rows, head)


    @click.command()
    @click.argument("expr")
    @click.argument("values", nargs=-1, metavar="NAME=VALUE...")
    @click.option("--order", type=click.IntRange(min=1), default=4, show_default=True,
                  help="Highest power of the polynomial.")
    @click.option("--wrt", metavar="X", help="The variable of the series [default: the first given].")
    @common_options()
    def taylor(expr, values, order, wrt, common):
        """Taylor coefficients f^(k)(a)/k! of EXPR at a point, through nested autograd.

        \b
        Example:  gradcli taylor 'exp(x)' x=0 --order 4
        """
        from .explain import orders
        from .lang.errors import GxValueError
        given = {**common.variables(), **_parse_values(values)}
        name = wrt or next(iter(_parse_values(values)), None)
        if name is None:
            raise GxValueError("taylor needs a point: NAME=VALUE")
        out = common.output()
        coeffs = orders.taylor(_factory(common, out), expr, given, name, order)
        if out.json:
            out.emit({"expr": expr, "variable": name, "at": given[name], "coefficients": coeffs})
            return 0
        for k, c in enumerate(coeffs):
            out.line(f"c{k} = {_num(c)}")
        return 0

    return [diff, taylor]
