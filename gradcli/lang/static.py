"""The static pass: every rule a script must meet before anything runs, in one place.

The parser only builds the AST (gradcli/lang/parse/); this pass checks it, and the
compiler trusts a tree that passed. The rules, each a small function below:

- names, attributes, keyword arguments, parameters, ``def`` and ``as`` names and
  imported names that start with '_'          -> GxSecurityError(static=True)  (S1-S5)
- Python words .gx lacks (``lambda``, ``class``...) and keywords used as names
                                              -> GxSyntaxError
- assignment and ``for`` targets that cannot be assigned  -> GxSyntaxError
- duplicate parameters, a parameter without a default after one with a default,
  repeated keyword arguments, a positional argument after a keyword one
                                              -> GxSyntaxError
- imports other than the tutorial ones        -> GxSyntaxError (S12)
- break/continue outside a loop, return outside a def     -> GxSyntaxError
- expressions nested deeper than the limit    -> GxLimitError (R10-R12: the
  compiler may then recurse over an expression safely)

The walk is iterative (a hostile AST cannot exhaust the Python stack) and visits the
whole tree; of all the problems found, the first in source order is raised.
"""
from __future__ import annotations

from . import nodes as N
from .errors import GxLimitError, GxSecurityError, GxSyntaxError
from .parse.words import KEYWORDS, NOT_SUPPORTED

# Allowed imports: module -> the aliases it may be bound to (None: its own name).
# Allowed imports: module -> the aliases it may be bound to (None: its own name; ANY:
# any name, as tutorials spell them: `import torch.nn as nn`, `... functional as F`).
ANY = "*"
ALLOWED_IMPORTS = {"numpy": {None, "np"}, "torch": {None}, "torch.autograd": {None, ANY},
                   "math": {None}, "torch.nn": {None, ANY}, "torch.nn.functional": {None, ANY},
                   "torch.optim": {None, ANY}, "torch.autograd.functional": {None, ANY}}
ALLOWED_FROM = {"torch.autograd", "torch", "numpy", "math", "torch.nn", "torch.nn.functional",
                "torch.optim", "torch.autograd.functional"}

# Expression depth (in AST nodes) allowed per nesting level: a bracket level
# adds a node or two; long operator chains (1+1+...+1) add one node per operator.
DEPTH_PER_NESTING = 4

_EXPRESSIONS = frozenset((N.Name, N.Constant, N.BinOp, N.UnaryOp, N.BoolOp, N.Compare,
                          N.IfExp, N.Lambda, N.Call, N.Attribute, N.Slice, N.Subscript, N.Tuple,
                          N.List, N.Keyword))


# ------------------------------------------------------------------ errors

def _span(line, col, end_line=None, end_col=None):
    return dict(line=line, col=col, end_line=end_line if end_line is not None else line,
                end_col=end_col if end_col is not None else col + 1)


def _at(node):
    return _span(node.line, node.col, node.end_line, node.end_col)


def _identifier(value: str, what: str, where: dict, private: str = "__"):
    """The error for a name a script may not bind or read, or None.

    A variable may start with one '_' (``_``, ``_tmp``: ordinary Python names); what a
    script reaches *through* a value (attributes, keyword arguments) may not start with
    '_' at all, and no identifier may start with '__' (S1-S5)."""
    if value.startswith(private):
        return GxSecurityError(f"{what} '{value}' starts with '{private}': private and dunder "
                               "names are not accessible in .gx", static=True, **where)
    if value in NOT_SUPPORTED:
        return GxSyntaxError(f"{NOT_SUPPORTED[value]} is not supported in .gx", **where)
    if value in KEYWORDS:
        return GxSyntaxError(f"unexpected '{value}' (a keyword cannot be used as a {what})",
                             **where)
    return None


# ------------------------------------------------------------------ rules
# Each rule gets (node, in_loop, in_def) and returns a list of errors (empty: fine).

_SUSPECT = KEYWORDS | frozenset(NOT_SUPPORTED)     # names a rule must look at (or '_...')


def _name(n, in_loop, in_def):                 # x
    if n.id[:2] != "__" and n.id not in _SUSPECT:
        return ()
    err = _identifier(n.id, "name", _at(n))
    return [err] if err else []


def _attribute(n, in_loop, in_def):            # x.attr (the caret starts at the dot)
    attr = n.attr
    if attr == "format" and type(n.value) is N.Constant and type(n.value.value) is str:
        return _format_template(n)
    if attr[:1] != "_" and attr not in _SUSPECT:
        return ()
    if attr[:1] == "_":
        err = _identifier(attr, "attribute", _span(n.end_line, n.attr_col - 1, n.end_line,
                                                   n.end_col), private="_")
    else:
        err = _identifier(attr, "attribute name", _span(n.end_line, n.attr_col, n.end_line,
                                                        n.end_col))
    return [err] if err else []


def _format_template(n):                       # "{0.__class__}".format(x) (S7)
    from .strformat import lookup_field
    name = lookup_field(n.value.value)
    if name is None:
        return ()
    return [GxSecurityError(f"format field '{name}': attribute and index lookups in format "
                            "fields are not available in .gx", static=True,
                            **_span(n.end_line, n.attr_col, n.end_line, n.end_col))]


def _keyword(n, in_loop, in_def):              # f(name=value)
    if n.name[:1] != "_" and n.name not in _SUSPECT:
        return ()
    err = _identifier(n.name, "keyword argument", _span(n.line, n.col, n.line,
                                                        n.col + len(n.name)), private="_")
    return [err] if err else []


def _call(n, in_loop, in_def):                 # f(a, b, k=v): keywords once, last
    if not n.keywords:
        return ()
    errors, seen = [], set()
    for k in n.keywords:
        if k.name in seen:
            errors.append(GxSyntaxError(f"keyword argument '{k.name}' repeated", **_at(k)))
        seen.add(k.name)
    if n.keywords:
        first = (n.keywords[0].line, n.keywords[0].col)
        for a in n.args:
            if (a.line, a.col) > first:
                errors.append(GxSyntaxError("positional argument follows keyword argument",
                                            **_at(a)))
    return errors


_TARGET_WORDS = {
    N.Call: "a function call", N.Constant: "a literal", N.BinOp: "an expression",
    N.UnaryOp: "an expression", N.BoolOp: "an expression", N.Compare: "a comparison",
    N.IfExp: "a conditional expression", N.Slice: "a slice", N.Lambda: "a lambda",
}


def _target(node, augmented=False, for_loop=False):
    """The error for a target that cannot be assigned, or None."""
    stack = [node]
    while stack:
        t = stack.pop()
        tt = type(t)
        if tt is N.Name or (tt in (N.Attribute, N.Subscript) and not for_loop):
            continue
        if tt in (N.Tuple, N.List) and not augmented:
            stack.extend(reversed(t.elts))
            continue
        if for_loop:
            return GxSyntaxError("the target of a for loop must be a name or names "
                                 "(for i in ...)", **_at(t))
        what = _TARGET_WORDS.get(tt, "this expression")
        if augmented and tt in (N.Tuple, N.List):
            what = "a tuple or list (augmented assignment)"
        return GxSyntaxError(f"cannot assign to {what}", **_at(t))
    return None


def _assign(n, in_loop, in_def):               # a = b = value
    if len(n.targets) == 1 and type(n.targets[0]) is N.Name:
        return ()
    return [e for e in (_target(t) for t in n.targets) if e]


def _augassign(n, in_loop, in_def):            # a += value
    err = _target(n.target, augmented=True)
    return [err] if err else []


def _delete(n, in_loop, in_def):               # del a, l[i]
    errors = []
    for t in n.targets:
        if type(t) not in (N.Name, N.Subscript):
            what = "an attribute" if type(t) is N.Attribute else _TARGET_WORDS.get(
                type(t), "this expression")
            errors.append(GxSyntaxError(f"cannot delete {what} (del takes names and list "
                                        "items)", **_at(t)))
    return errors


def _for(n, in_loop, in_def):                  # for target in iter:
    err = _target(n.target, for_loop=True)
    return [err] if err else []


def _param(n, in_loop, in_def):                # def f(name=default)
    err = _identifier(n.name, "parameter", _span(n.line, n.col, n.line, n.col + len(n.name)))
    return [err] if err else []


def _functiondef(n, in_loop, in_def):          # def name(params): unique, defaults last
    errors = []
    line, col = (n.name_line, n.name_col) if n.name_line else (n.line, n.col)
    err = _identifier(n.name, "function name", _span(line, col, line, col + len(n.name)))
    if err:
        errors.append(err)
    return errors + _lambda(n, in_loop, in_def)


def _lambda(n, in_loop, in_def):               # lambda params: body (and a def's params)
    errors, seen, defaults = [], set(), False
    for p in n.params:
        if p.name in seen:
            errors.append(GxSyntaxError(f"duplicate parameter '{p.name}'", **_at(p)))
        seen.add(p.name)
        if p.default is not None:
            defaults = True
        elif defaults:
            errors.append(GxSyntaxError(
                "a parameter without a default follows one with a default", **_at(p)))
    return errors


def _withitem(n, in_loop, in_def):             # with context as name:
    if n.name is None:
        return []
    err = _identifier(n.name, "name", _span(n.end_line, n.end_col - len(n.name), n.end_line,
                                            n.end_col))
    return [err] if err else []


def _alias(n, in_loop, in_def):                # import a.b as c / from m import a as c
    errors, col = [], n.col
    for part in n.name.split("."):
        if part != "*":
            err = _identifier(part, "module name" if "." in n.name else "name",
                              _span(n.line, col, n.line, col + len(part)), private="_")
            if err:
                errors.append(err)
        col += len(part) + 1
    if n.asname is not None:
        err = _identifier(n.asname, "name", _span(n.end_line, n.end_col - len(n.asname),
                                                  n.end_line, n.end_col))
        if err:
            errors.append(err)
    return errors


def _not_allowed(module: str, where) -> GxSyntaxError:
    return GxSyntaxError(
        f"import of '{module}' is not allowed: only the torch, numpy and math compatibility names exist",
        hint="write 'import torch', 'import numpy as np', 'import math', "
             "'import torch.nn as nn', 'import torch.optim as optim' or "
             "'from torch.autograd import Variable'",
        **where)


def _import(n, in_loop, in_def):               # import torch, numpy as np
    for alias in n.names:
        if alias.name not in ALLOWED_IMPORTS:
            return [_not_allowed(alias.name, _at(alias))]
        allowed = ALLOWED_IMPORTS[alias.name]
        if alias.asname not in allowed and ANY not in allowed and alias.asname[:1] != "_":
            return [GxSyntaxError(
                f"'import {alias.name} as {alias.asname}' is not supported: "
                + ("write 'import numpy as np'" if alias.name == "numpy"
                   else f"write 'import {alias.name}'"), **_at(alias))]
    return []


def _importfrom(n, in_loop, in_def):           # from torch.autograd import Variable
    errors = []
    col = n.col + len("from ")
    for part in n.module.split("."):
        err = _identifier(part, "module name", _span(n.line, col, n.line, col + len(part)))
        if err:
            errors.append(err)
        col += len(part) + 1
    if n.module not in ALLOWED_FROM:
        errors.append(_not_allowed(n.module, _at(n)))
    for a in n.names:
        if a.name == "*":
            errors.append(GxSyntaxError("'import *' is not supported", **_at(a)))
    return errors


def _return(n, in_loop, in_def):               # return [value]: inside a def
    if in_def:
        return []
    return [GxSyntaxError("'return' outside a function", **_span(n.line, n.col, n.line,
                                                                  n.col + 6))]


def _break(n, in_loop, in_def):                # break / continue: inside a loop
    if in_loop:
        return []
    word = "break" if type(n) is N.Break else "continue"
    return [GxSyntaxError(f"'{word}' outside a loop", **_at(n))]


RULES = {
    N.Name: _name, N.Attribute: _attribute, N.Keyword: _keyword, N.Call: _call,
    N.Assign: _assign, N.AugAssign: _augassign, N.For: _for, N.Delete: _delete, N.Param: _param,
    N.FunctionDef: _functiondef, N.Lambda: _lambda, N.WithItem: _withitem, N.Alias: _alias,
    N.Import: _import, N.ImportFrom: _importfrom, N.Return: _return, N.Break: _break,
    N.Continue: _break,
}


# ------------------------------------------------------------------ the walk

def _depth_error(node, limit):
    return GxLimitError(
        f"expression nested deeper than {limit} levels (long operator chains count "
        "too); split it into several statements", hint="raise the limit with --max-nesting N",
        **_at(node))


def _plan(cls):
    """(rule, is an expression, children as (field, context) in reverse order): the
    context of a child is 0 (as its parent's), 1 (a loop body) or 2 (a def body)."""
    kids = []
    for name in reversed(cls._children):
        ctx = 0
        if name == "body" and cls in (N.While, N.For):
            ctx = 1
        elif name == "body" and cls is N.FunctionDef:
            ctx = 2           # a loop outside does not enclose the body
        kids.append((name, ctx))
    return RULES.get(cls), cls in _EXPRESSIONS, tuple(kids)


_PLANS = {cls: _plan(cls) for cls in vars(N).values()
          if isinstance(cls, type) and hasattr(cls, "_children")}


def _errors(tree, max_nesting: int) -> list:
    """Every problem of ``tree`` (a Module, a statement or an expression)."""
    limit = max_nesting * DEPTH_PER_NESTING
    plans = _PLANS
    errors = []
    stack = [(tree, 0, False, False)]       # (node, expression depth, in a loop, in a def)
    pop, push = stack.pop, stack.append
    while stack:
        node, depth, in_loop, in_def = pop()
        rule, is_expr, kids = plans[type(node)]
        if is_expr and depth > limit and kids:      # (names and constants have no kids)
            errors.append(_depth_error(node, limit))
            continue                        # the deeper nodes are not looked at
        if rule is not None:
            found = rule(node, in_loop, in_def)
            if found:
                errors.extend(found)
        if not kids:
            continue
        child_depth = depth + 1 if is_expr else 0
        for name, ctx in kids:
            child = getattr(node, name)
            if child is None:
                continue
            loop, fn = (in_loop, in_def) if not ctx else (True, in_def) if ctx == 1 else \
                (False, True)
            if type(child) is list:
                for c in reversed(child):
                    push((c, child_depth, loop, fn))
            else:
                push((child, child_depth, loop, fn))
    return errors


def check(tree, *, max_nesting: int = 100) -> None:
    """All static rules; raises the first problem in source order."""
    errors = _errors(tree, max_nesting)
    if errors:
        raise min(errors, key=lambda e: (e.line or 0, e.col or 0))


def check_module(module: N.Module, *, max_nesting: int = 100) -> None:
    check(module, max_nesting=max_nesting)


def check_expression(expr, *, max_nesting: int = 100) -> None:
    check(expr, max_nesting=max_nesting)
