"""Tables: the ``--summary`` of a script's tensors and the worst rows of ``check``.

Plain mode writes aligned text columns; pretty mode a Rich table. Both come from
the same rows (lists of strings), so they always agree.
"""
from __future__ import annotations

from .jsonenc import array_of, grad_fn_name, is_tensor, read_grad

CELL_WIDTH = 40


def short(text: str, width: int = CELL_WIDTH) -> str:
    """One line, at most ``width`` characters ('…' marks a cut). Lines are joined
    without their indentation, and the spaces inside a line are kept, so that
    PyTorch's padding (``[  0.5000, -12.0000]``) still aligns the numbers."""
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return text if len(text) <= width else text[: width - 1] + "…"


def _body(value) -> str:
    from ..engine.printing import format_body
    return short(format_body(array_of(value)))


def _shape(shape) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_rows(variables: dict) -> list[list[str]]:
    rows = []
    for name, value in variables.items():
        if not is_tensor(value):
            continue
        grad = read_grad(value)
        rows.append([name, _shape(value.shape), _body(value),
                     "-" if grad is None else _body(grad),
                     grad_fn_name(value) or ("leaf" if value.requires_grad else "-")])
    return rows


SUMMARY_HEADERS = ["name", "shape", "value", "grad", "grad_fn"]


def plain_table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]

    def fmt(row):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    return [fmt(headers), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]


def render_table(output, headers, rows, title=None, right: set[int] = frozenset()) -> None:
    if output.pretty:
        from rich.table import Table
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(headers):
            table.add_column(h, justify="right" if i in right else "left", overflow="fold")
        for r in rows:
            table.add_row(*r)
        output.renderable(table)
    else:
        if title:
            output.line(title)
        for line in plain_table(headers, rows, right):
            output.line(line)


def render_summary(output, variables: dict) -> None:
    rows = summary_rows(variables)
    if not rows:
        output.line("(no tensors)")
        return
    render_table(output, SUMMARY_HEADERS, rows)
