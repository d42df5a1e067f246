"""Many points of one EXPR as one tensor per variable, and one backward.

``Batch`` holds what is decided once for an EXPR (checked before any input is
read: a syntax error or an unknown function is exit 2 even with no input), and
evaluates columns of points:

- when the EXPR is elementwise in the batch axis (``plan.elementwise_reason``),
  a chunk of points is one call of ``Session.grad_expr(..., elementwise=True)``;
- when that call fails (a limit, ``--strict`` and a NaN at some point), the chunk
  is split in halves until the failing points are evaluated alone, so every other
  point keeps its batched result and the failing ones get their own error;
- otherwise every point is evaluated alone, as ``grad`` does for one point.

Either way a point's numbers are bit-identical to evaluating it alone
(tests/test_batch_exact.py). NaN warnings: the stage says each site once, at the
input line of its first point (``sitewarnings.py``, told by ``line_of``).
"""
from __future__ import annotations

import numpy as np

from ..lang.errors import GxError, GxInterrupt, GxNameError
from . import plan

SMALL = 4          # a failing chunk of at most this many points is retried point by point
# numeric names of the built-ins (anything else free in EXPR must come from the points)
_CONSTANTS = frozenset(("pi", "e", "inf", "nan"))


class Batch:
    def __init__(self, session, expr: str, wrt=None, order: int = 1, elementwise=False):
        self.session = session
        self.elementwise = elementwise      # a point with lists: Jacobian diagonals
        self.expr = expr
        self.wrt = list(wrt) if wrt else None
        self.order = order
        self.tree = precheck(session, expr)
        self.used = set(plan.free_names(self.tree))
        self._reasons = {}
        # where the points being evaluated sit in the stage's input (sitewarnings.py):
        # ``lines`` the input line of each point of the cols passed (None: base + 1, ...),
        # ``_at`` the first of them in the running evaluation and whether it is alone
        self.lines = None
        self.base = 0
        self._at = (0, True)
        if elementwise:       # what mixes elements whatever the names hold: exit 2 now
            found = plan.elementwise_reason(self.tree, lambda name: True)
            if found is not None:
                elementwise_point(session, self.tree, expr, {}, wrt, order, exit_code=2)

    # ------------------------------------------------------------ static
    def reason(self, names) -> str | None:
        """Why points with these variables (a tuple) cannot share a tensor, or None."""
        r = self._reasons.get(names)
        if r is None and names not in self._reasons:
            known = set(names)
            variables = self.session.variables

            def ok(name):
                return name in known or (name in _CONSTANTS and name not in variables) or \
                    _is_number(variables.get(name))
            found = plan.elementwise_reason(self.tree, ok)
            r = self._reasons[names] = None if found is None else found[0]
        return r

    def wrt_for(self, names) -> list:
        if self.wrt is not None:
            return self.wrt
        return [n for n in names if n in self.used] or list(names)

    def line_of(self, index: int) -> int:
        """The input line (or row) of the point at ``index`` of the running evaluation."""
        first, alone = self._at
        k = first if alone else first + index
        return self.lines[k] if self.lines is not None else self.base + k + 1

    # ------------------------------------------------------------ evaluation
    @property
    def alone(self) -> bool:
        """Whether the running evaluation is one point alone."""
        return self._at[1]

    def point(self, values: dict, at: int = 0):
        """One point alone (any values: numbers or lists): a GradResult. ``at``: its
        index in the cols (or ``lines``) of the caller, for ``line_of``."""
        self._at = (at, True)
        if self.elementwise and any(type(v) is list for v in values.values()):
            return elementwise_point(self.session, self.tree, self.expr, values, self.wrt,
                                     self.order)
        return self.session.grad_expr(self.expr, values, wrt=self.wrt, order=self.order,
                                      tree=self.tree)

    def columns(self, cols: dict):
        """Points given as equal-length 1-D float arrays (names in the points' order).
        Returns a list, per point, of a GradResult-like tuple (value, grads, hessian)
        of Python floats, or a GxError for a point that failed."""
        names = tuple(cols)
        n = len(next(iter(cols.values()))) if cols else 0
        if n == 0:
            return []
        if n == 1 or self.reason(names) is not None or \
                (self.wrt is not None and not set(self.wrt) <= set(names)):
            return [self._alone(cols, i) for i in range(n)]     # (a --wrt name missing: errors)
        return self._batched(cols, 0, n)

    def arrays(self, cols: dict):
        """Like ``columns`` but the answer as arrays: (value, grads, hessian, errors)
        with NaN where a point failed and ``errors`` a list of (index, GxError)."""
        names = tuple(cols)
        n = len(next(iter(cols.values()))) if cols else 0
        if n > 1 and self.reason(names) is None:
            try:
                self._at = (0, False)
                return (*self._run(cols), [])
            except GxInterrupt:
                raise
            except GxError:
                pass
        rows = self.columns(cols)
        return _rows_to_arrays(rows, self.wrt_for(names), self.order, n)

    def _run(self, cols):
        from ..engine.variable import Variable
        dtype = np.dtype(self.session.options.dtype or "float64")
        # leaves that require grad already are used as they are (no copy: the block is
        # this call's), and the EXPR parsed by precheck is not parsed again per block
        arrays = [np.ascontiguousarray(v, dtype=dtype) for v in cols.values()]
        values = {k: Variable(a, requires_grad=True) for k, a in zip(cols, arrays)}
        r = self.session.grad_expr(self.expr, values, wrt=self.wrt_for(tuple(cols)),
                                   order=self.order, elementwise=True, tree=self.tree)
        n = len(next(iter(cols.values())))

        def column(v):      # EXPR 'x' is its leaf: a copy, not the caller's block
            a = _column(v, n)
            return a.copy() if any(np.may_share_memory(a, b) for b in arrays) else a
        value = column(r.value)
        grads = {k: column(g) for k, g in r.grads.items()}
        hess = None if r.hessian is None else {k: column(h) for k, h in r.hessian.items()}
        return value, grads, hess

    def _batched(self, cols, lo, hi):
        part = {k: v[lo:hi] for k, v in cols.items()}
        try:
            self._at = (lo, False)
            value, grads, hess = self._run(part)
        except GxInterrupt:             # Ctrl-C ends the stage, it is no point's error
            raise
        except GxError:
            if hi - lo <= SMALL:
                return [self._alone(cols, i) for i in range(lo, hi)]
            mid = (lo + hi) // 2
            return self._batched(cols, lo, mid) + self._batched(cols, mid, hi)
        vs = value.tolist()
        gl = {k: g.tolist() for k, g in grads.items()}
        hl = None if hess is None else {k: h.tolist() for k, h in hess.items()}
        return [(vs[i], {k: g[i] for k, g in gl.items()},
                 None if hl is None else {k: h[i] for k, h in hl.items()})
                for i in range(hi - lo)]

    def _alone(self, cols, i):
        values = {k: _scalar(v[i]) for k, v in cols.items()}
        try:
            r = self.point(values, i)
        except GxInterrupt:
            raise
        except GxError as e:
            return e
        return _plain(r)


def _scalar(x):
    return x.item() if hasattr(x, "item") else x


def _column(v, n):
    a = v.numpy() if hasattr(v, "numpy") else np.asarray(v)
    return np.broadcast_to(a, (n,)) if a.shape != (n,) else a


def _plain(r):
    """A GradResult of one point as (value, grads, hessian) of Python numbers/lists."""
    def py(v):
        a = v.numpy() if hasattr(v, "numpy") else v
        return a.tolist() if hasattr(a, "tolist") else a
    hess = None if r.hessian is None else {k: py(h) for k, h in r.hessian.items()}
    return py(r.value), {k: py(g) for k, g in r.grads.items()}, hess


def _rows_to_arrays(rows, wrt, order, n):
    value = np.full(n, np.nan)
    grads = {k: np.full(n, np.nan) for k in wrt}
    hess = {(a, b): np.full(n, np.nan) for a in wrt for b in wrt} if order == 2 else None
    errors = []
    for i, r in enumerate(rows):
        if isinstance(r, GxError):
            errors.append((i, r))
            continue
        try:
            value[i] = r[0]
            for k, g in r[1].items():
                grads[k][i] = g
            for k, h in (r[2] or {}).items():
                hess[k][i] = h
        except (TypeError, ValueError):
            errors.append((i, GxError("the result at this point is not one number")))
    return value, grads, hess, errors


def elementwise_point(session, tree, expr, values, wrt, order, exit_code=1):
    """One point whose values may be vectors, EXPR elementwise: per-element
    derivatives (the Jacobians' diagonals) by one backward. An EXPR that mixes
    elements, or values whose shapes do not broadcast, is a GxValueError."""
    from ..engine.variable import Variable
    from ..lang.errors import GxValueError
    variables = session.variables
    found = plan.elementwise_reason(tree, lambda n: n in values or (
        n in _CONSTANTS and n not in variables) or _is_number(variables.get(n)))
    if found is not None:
        err = GxValueError(f"--elementwise needs an elementwise EXPR: {found[0]} mixes "
                           "elements (leave --elementwise out for the full Jacobian)")
        err.exit_code = exit_code
        raise err.at(found[1], "<expr>", str(expr))
    dtype = np.dtype(session.options.dtype or "float64")
    try:
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=dtype) for v in values.values()))
    except ValueError as e:
        err = GxValueError(f"--elementwise: the values' shapes do not broadcast: {e}")
        err.exit_code = exit_code
        raise err from None
    leaves = {k: Variable(np.array(a)) for k, a in zip(values, arrays)}
    return session.grad_expr(expr, leaves, wrt=wrt, order=order, elementwise=True)


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or \
        getattr(v, "shape", None) == ()


def precheck(session, expr):
    """Parse EXPR and check what can be checked without values: a syntax error
    (exit 2) or a call of a function that does not exist (exit 2, once)."""
    from ..lang.errors import suggest
    from ..lang.parse import parse_expression
    lim = session.options.limits
    tree = parse_expression(expr, "<expr>", max_source=lim.max_source,
                                   max_nesting=lim.max_nesting)
    names = set(session.names())
    for node in plan.called_names(tree):
        if node.id not in names:
            hint = suggest(node.id, sorted(names))
            err = GxNameError(f"no function named '{node.id}'" + (f"; {hint}" if hint else ""))
            err.exit_code = 2
            raise err.at(node, "<expr>", str(expr))
    return tree
