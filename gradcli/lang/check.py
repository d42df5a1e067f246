"""Static checks over the AST, before anything runs.

- names and attributes starting with '_'     -> GxSecurityError(static=True)  (S1-S5)
- break/continue outside a loop, return outside a def -> GxSyntaxError
- imports other than the tutorial ones       -> GxSyntaxError (S12)
- expressions nested deeper than the limit   -> GxLimitError (R10-R12: the
  compiler and interpreter may then recurse over the AST safely)

The walk is iterative, so a hostile AST cannot exhaust the Python stack here.
"""
from __future__ import annotations

from . import nodes as N
from .errors import GxLimitError, GxSecurityError, GxSyntaxError

# Allowed imports: module -> names importable from it (None: the interpreter decides).
ALLOWED_IMPORTS = {"torch": None, "torch.autograd": None, "numpy": None}
ALLOWED_FROM = {"torch.autograd", "torch", "numpy"}
ALLOWED_ALIASES = {"numpy": {None, "np"}, "torch": {None}, "torch.autograd": {None}}

# Expression depth (in AST nodes) allowed per nesting level: a bracket level
# adds a node or two; long operator chains (1+1+...+1) add one node per operator.
DEPTH_PER_NESTING = 4

# Child fields of each node type, in source order.
_EXPR_FIELDS = {
    N.Name: (), N.Constant: (),
    N.BinOp: ("left", "right"), N.UnaryOp: ("operand",), N.BoolOp: ("values",),
    N.Compare: ("left", "comparators"), N.IfExp: ("test", "body", "orelse"),
    N.Call: ("func", "args", "keywords"), N.Keyword: ("value",),
    N.Attribute: ("value",), N.Slice: ("lower", "upper", "step"),
    N.Subscript: ("value", "index"), N.Tuple: ("elts",), N.List: ("elts",),
}


def _not_allowed(module: str, node) -> GxSyntaxError:
    return GxSyntaxError(
        f"import of '{module}' is not allowed: only torch and numpy compatibility names exist",
        line=node.line, col=node.col, end_line=node.end_line, end_col=node.end_col,
        hint="write 'import torch', 'import numpy as np' or 'from torch.autograd import Variable'")


def _private(what: str, name: str, line, col, end_line, end_col) -> GxSecurityError:
    return GxSecurityError(
        f"{what} '{name}' starts with '_': private and dunder names are not accessible in .gx",
        static=True, line=line, col=col, end_line=end_line, end_col=end_col)


def _check_import(stmt) -> None:
    if type(stmt) is N.Import:
        for alias in stmt.names:
            if alias.name not in ALLOWED_IMPORTS:
                raise _not_allowed(alias.name, alias)
            if alias.asname not in ALLOWED_ALIASES[alias.name]:
                raise GxSyntaxError(
                    f"'import {alias.name} as {alias.asname}' is not supported: "
                    + ("write 'import numpy as np'" if alias.name == "numpy"
                       else f"write 'import {alias.name}'"),
                    line=alias.line, col=alias.col, end_line=alias.end_line,
                    end_col=alias.end_col)
    else:
        if stmt.module not in ALLOWED_FROM:
            raise _not_allowed(stmt.module, stmt)


def check_expression(expr, *, max_nesting: int = 100, depth: int = 0) -> None:
    """Private names and depth of one expression tree (iterative)."""
    limit = max_nesting * DEPTH_PER_NESTING
    fields = _EXPR_FIELDS
    stack = [(expr, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        node, d = pop()
        t = type(node)
        if t is N.Name:
            if node.id[:1] == "_":
                raise _private("name", node.id, node.line, node.col, node.end_line, node.end_col)
            continue
        if t is N.Constant:
            continue
        if d > limit:
            raise GxLimitError(
                f"expression nested deeper than {limit} levels (long operator chains count "
                "too); split it into several statements", line=node.line, col=node.col,
                end_line=node.end_line, end_col=node.end_col,
                hint="raise the limit with --max-nesting N")
        if t is N.Attribute and node.attr[:1] == "_":
            raise _private("attribute", node.attr, node.line, node.attr_col - 1,
                           node.end_line, node.end_col)
        if t is N.Keyword and node.name[:1] == "_":
            raise _private("keyword argument", node.name, node.line, node.col,
                           node.end_line, node.col + len(node.name))
        names = fields.get(t)
        if names is None:
            raise GxSyntaxError(f"unexpected node {t.__name__} in an expression",
                                line=getattr(node, "line", None), col=getattr(node, "col", None))
        d += 1
        for f in reversed(names):
            child = getattr(node, f)
            if child is None:
                continue
            if type(child) is list:
                for c in reversed(child):
                    push((c, d))
            else:
                push((child, d))


def check_module(module: N.Module, *, max_nesting: int = 100) -> None:
    """All static checks; raises the first problem found (in source order)."""
    work = [(iter(module.body), False, False)]     # (statements, in_loop, in_def)
    while work:
        it, in_loop, in_def = work[-1]
        stmt = next(it, None)
        if stmt is None:
            work.pop()
            continue
        _check_stmt(stmt, in_loop, in_def, work, max_nesting)


def _check_stmt(stmt, in_loop, in_def, work, max_nesting):
    t = type(stmt)
    ce = check_expression
    if t is N.ExprStmt:
        ce(stmt.value, max_nesting=max_nesting)
    elif t is N.Assign:
        for target in stmt.targets:
            ce(target, max_nesting=max_nesting)
        ce(stmt.value, max_nesting=max_nesting)
    elif t is N.AugAssign:
        ce(stmt.target, max_nesting=max_nesting)
        ce(stmt.value, max_nesting=max_nesting)
    elif t is N.If:
        ce(stmt.test, max_nesting=max_nesting)
        # orelse is checked after body: push in reverse order
        work.append((iter(stmt.orelse), in_loop, in_def))
        work.append((iter(stmt.body), in_loop, in_def))
    elif t is N.While:
        ce(stmt.test, max_nesting=max_nesting)
        work.append((iter(stmt.body), True, in_def))
    elif t is N.For:
        ce(stmt.target, max_nesting=max_nesting)
        ce(stmt.iter, max_nesting=max_nesting)
        work.append((iter(stmt.body), True, in_def))
    elif t is N.FunctionDef:
        if stmt.name[:1] == "_":
            raise _private("function name", stmt.name, stmt.line, stmt.col,
                           stmt.end_line, stmt.end_col)
        for p in stmt.params:
            if p.name[:1] == "_":
                raise _private("parameter", p.name, p.line, p.col, p.end_line, p.end_col)
            if p.default is not None:
                ce(p.default, max_nesting=max_nesting)
        work.append((iter(stmt.body), False, True))     # a loop outside does not enclose the body
    elif t is N.With:
        for item in stmt.items:
            ce(item.context, max_nesting=max_nesting)
            if item.name is not None and item.name[:1] == "_":
                raise _private("name", item.name, item.line, item.col, item.end_line, item.end_col)
        work.append((iter(stmt.body), in_loop, in_def))
    elif t is N.Return:
        if not in_def:
            raise GxSyntaxError("'return' outside a function", line=stmt.line, col=stmt.col,
                                end_line=stmt.line, end_col=stmt.col + 6)
        if stmt.value is not None:
            ce(stmt.value, max_nesting=max_nesting)
    elif t is N.Break or t is N.Continue:
        if not in_loop:
            word = "break" if t is N.Break else "continue"
            raise GxSyntaxError(f"'{word}' outside a loop", line=stmt.line, col=stmt.col,
                                end_line=stmt.end_line, end_col=stmt.end_col)
    elif t is N.Assert:
        ce(stmt.test, max_nesting=max_nesting)
        if stmt.msg is not None:
            ce(stmt.msg, max_nesting=max_nesting)
    elif t is N.Import or t is N.ImportFrom:
        _check_import(stmt)
        for alias in stmt.names:
            for part in (alias.name.split(".") + [alias.asname or "x"]):
                if part[:1] == "_":
                    raise _private("name", part, alias.line, alias.col,
                                   alias.end_line, alias.end_col)
    elif t is N.Pass:
        pass
    else:
        raise GxSyntaxError(f"unexpected statement node {t.__name__}",
                            line=getattr(stmt, "line", None), col=getattr(stmt, "col", None))
