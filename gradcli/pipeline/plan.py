"""Static facts about a ``grad`` EXPR, decided once, before any input is read.

``elementwise_reason`` says whether points of a batch can share one tensor: the
expression must not mix elements along the batch axis. It accepts only

- names (a point's variables, or scalar numbers defined outside the batch),
- number constants,
- ``+ - * / // % **`` and unary ``- +``,
- calls of the functions in ``ELEMENTWISE`` with positional arguments of the same kinds.

Anything else (a reduction, ``@``, indexing, an attribute, a comparison, a
conditional, a list, a keyword argument) gives a reason, and the caller evaluates
point by point. Being elementwise in the maths is not enough: the batch must give
the same bits as one point at a time, so a function is in the table only when
numpy's vector loop (SIMD) and its one-element loop agree on every input.
``tests/test_batch_exact.py`` checks that for every entry on the machine that runs
it (docs/scaling.md, "Exactness").
"""
from __future__ import annotations

from ..lang import nodes as N

# Built-ins that act element by element and whose numpy kernels (forward and the
# derivative rules) give the same bits in vector form as for one element. A
# function left out (sigmoid's np.where is fine, but e.g. clamp's bounds may be
# tensors) is still computed, point by point.
ELEMENTWISE = frozenset((
    "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "sigmoid", "softplus", "abs", "relu", "sign",
    "pow", "maximum", "minimum",
))
_OPS = frozenset(("+", "-", "*", "/", "//", "%", "**"))
_UNARY = frozenset(("-", "+"))


def elementwise_reason(tree, names_ok) -> tuple[str, object] | None:
    """None when ``tree`` is elementwise in the batch axis; else (reason, node).

    ``names_ok(name) -> bool``: whether a free name is a point variable or a scalar."""
    stack = [tree]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is N.Constant:
            if isinstance(n.value, bool) or not isinstance(n.value, (int, float)):
                return "a constant that is not a number", n
        elif t is N.Name:
            if not names_ok(n.id):
                return f"'{n.id}' is not a number", n
        elif t is N.BinOp:
            if n.op not in _OPS:
                return f"the operator {n.op}", n
            stack.extend((n.left, n.right))
        elif t is N.UnaryOp:
            if n.op not in _UNARY:
                return f"the operator {n.op}", n
            stack.append(n.operand)
        elif t is N.Call:
            f = n.func
            if type(f) is not N.Name or f.id not in ELEMENTWISE:
                return "a call of a function that is not elementwise", n
            if n.keywords:
                return "a keyword argument", n
            stack.extend(n.args)
        else:
            return f"a {t.__name__.lower()}", n
    return None


def free_names(tree) -> list[str]:
    """The names EXPR reads, in order of first appearance (not called functions)."""
    out, seen = [], set()
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is N.Name:
            if n.id not in seen:
                seen.add(n.id)
                out.append(n.id)
            continue
        if type(n) is N.Call and type(n.func) is N.Name:
            children = list(n.args) + [k.value for k in n.keywords]
        else:
            children = []
            children = _children(n)
        stack.extend(reversed(children))
    return out


def called_names(tree) -> list:
    """The Name nodes EXPR calls (``foo`` in ``foo(x)``)."""
    out = []
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is N.Call and type(n.func) is N.Name:
            out.append(n.func)
        stack.extend(_children(n))
    return out


def _children(n) -> list:
    """The sub-nodes of a node, in field order."""
    return list(N.iter_child_nodes(n))
