"""The derivative as a formula: the parsed ``.gx`` expression translated into SymPy.

``translate`` walks the language's own AST (``lang.parse.parse_expression``) and
builds a SymPy expression: named scalars become real symbols, a name given a short
list becomes a list of symbols ``w_0, w_1, ...`` (elementwise operations broadcast a
scalar over it; ``sum``/``prod``/``mean``, indexing with a constant and ``len`` turn
it back into scalars). Everything the formula path cannot express (matrices, ``@``,
comparisons outside ``where``, ``if ... else``, calls of unknown functions) raises
``FormulaError`` naming what stopped it and where.

SymPy is imported only here, inside the functions (``gradcli grad`` never imports it).
The derivatives follow PyTorch's conventions where SymPy's differ: the derivative of
``floor``/``ceil``/``round``/``trunc`` and of ``sign`` is 0, ``relu``'s at 0 is 0.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass


class FormulaError(Exception):
    def __init__(self, message, node=None):
        super().__init__(message)
        self.message = message
        self.node = node if getattr(node, "line", None) else None
        self.line = getattr(node, "line", None)
        self.col = getattr(node, "col", None)


def _functions(sp):
    """LANGUAGE.md's elementwise list (and the reductions a formula can hold) in SymPy."""
    def sigmoid(a):
        return 1 / (1 + sp.exp(-a))
    trunc = lambda a: sp.sign(a) * sp.floor(sp.Abs(a))     # noqa: E731
    return {
        "exp": sp.exp, "log": sp.log, "log1p": lambda a: sp.log(1 + a),
        "expm1": lambda a: sp.exp(a) - 1, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
        "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "sigmoid": sigmoid, "relu": lambda a: sp.Max(a, 0),
        "softplus": lambda a: sp.log(1 + sp.exp(a)),
        "clamp": lambda a, lo=None, hi=None: _clamp(sp, a, lo, hi),
        "maximum": sp.Max, "minimum": sp.Min, "pow": lambda a, b: a ** b,
        "log2": lambda a: sp.log(a, 2), "log10": lambda a: sp.log(a, 10),
        "exp2": lambda a: 2 ** a, "erf": sp.erf, "erfc": sp.erfc, "erfinv": sp.erfinv,
        "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "atan2": sp.atan2,
        "hypot": lambda a, b: sp.sqrt(a ** 2 + b ** 2), "floor": sp.floor,
        "ceil": sp.ceiling, "trunc": trunc, "round": lambda a: sp.floor(a + sp.Rational(1, 2)),
        "frac": lambda a: a - trunc(a), "square": lambda a: a ** 2,
        "reciprocal": lambda a: 1 / a, "rsqrt": lambda a: 1 / sp.sqrt(a),
        "sinc": lambda a: sp.sinc(sp.pi * a), "logsigmoid": lambda a: sp.log(sigmoid(a)),
        "xlogy": lambda a, b: a * sp.log(b), "lerp": lambda a, b, w: a + w * (b - a),
        "addcmul": lambda t, a, b, value=1: t + value * a * b,
        "addcdiv": lambda t, a, b, value=1: t + value * a / b,
    }


def _clamp(sp, a, lo, hi):
    if lo is not None:
        a = sp.Max(a, lo)
    if hi is not None:
        a = sp.Min(a, hi)
    return a


_REDUCE = ("sum", "prod", "mean")
_PREFIXES = ("torch", "np", "numpy", "math", "F")


@dataclass
class Translation:
    expr: object            # a SymPy expression (the formula of a scalar EXPR)
    symbols: dict           # name -> Symbol, or list of Symbols for a vector
    wrt: list               # [(label, Symbol)] in order: 'x', 'w[0]', ...


def translate(expr_text: str, values: dict, wrt=None) -> Translation:
    import sympy as sp
    from ..lang import nodes as N
    from ..lang import parse as parser
    tree = parser.parse_expression(expr_text, "<expr>")
    used = []
    stack = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, N.Name) and t.id not in used:
            used.append(t.id)
        for f in getattr(t, "_fields", ()):
            v = getattr(t, f, None)
            stack.extend(v if isinstance(v, list) else [v] if isinstance(v, N.Node) else [])
    symbols = {}
    consts = {"pi": sp.pi, "e": sp.E, "inf": sp.oo, "nan": sp.nan}
    names = [n for n in values if n in used] + [
        n for n in sorted(used) if n not in values and n not in consts
        and n not in _functions(sp) and n not in _REDUCE + _PREFIXES + ("len",)]
    for name in names:
        v = values.get(name)
        if isinstance(v, (list, tuple)):
            if any(isinstance(x, (list, tuple)) for x in v):
                raise FormulaError(f"'{name}' is a matrix: the formula path handles named "
                                   "scalars and short vectors")
            if len(v) > 64:
                raise FormulaError(f"'{name}' has {len(v)} elements: the formula path "
                                   "handles vectors of at most 64")
            symbols[name] = [sp.Symbol(f"{name}_{i}", real=True) for i in range(len(v))]
        else:
            symbols[name] = sp.Symbol(name, real=True)
    env = dict(consts)
    env.update(symbols)
    f = _Translator(sp, env).expr(tree)
    if isinstance(f, list):
        raise FormulaError("the expression is a vector: the formula is of a scalar "
                           "(use sum(...) or an element)", tree)
    order = [n for n in (wrt or [n for n in symbols if n in used]) if n in symbols]
    for n in wrt or ():
        if n not in symbols:
            raise FormulaError(f"--wrt names '{n}', which is not in the expression")
    labels = []
    for n in order:
        s = symbols[n]
        labels.extend([(f"{n}[{i}]", x) for i, x in enumerate(s)] if isinstance(s, list)
                      else [(n, s)])
    return Translation(f, symbols, labels)


class _Translator:
    def __init__(self, sp, env):
        self.sp = sp
        self.env = env
        self.funcs = _functions(sp)

    def expr(self, t):
        method = getattr(self, "_" + type(t).__name__, None)
        if method is None:
            raise FormulaError(f"{_what(t)}: not part of what the formula path can express", t)
        return method(t)

    def _Name(self, t):
        if t.id not in self.env:
            raise FormulaError(f"'{t.id}' has no value and is not a constant "
                               f"(give {t.id}=VALUE)", t)
        return self.env[t.id]

    def _Constant(self, t):
        v = t.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FormulaError(f"the constant {v!r} is not a number", t)
        return self.sp.Integer(v) if isinstance(v, int) else self.sp.Rational(repr(v)) \
            if abs(v) < 1e15 and v == v and abs(v) != float("inf") else self.sp.Float(v)

    def _List(self, t):
        items = [self.expr(e) for e in t.elts]
        if any(isinstance(x, list) for x in items):
            raise FormulaError("a matrix: the formula path handles scalars and short vectors", t)
        return items

    _Tuple = _List

    def _UnaryOp(self, t):
        a = self.expr(t.operand)
        if t.op == "-":
            return _map(lambda x: -x, a)
        if t.op == "+":
            return a
        raise FormulaError(f"the operator '{t.op}' is not differentiable", t)

    def _BinOp(self, t):
        ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / b, "**": lambda a, b: a ** b}
        if t.op == "@":
            raise FormulaError("matrix products ('@'): the formula path handles scalars and "
                               "short vectors", t)
        if t.op not in ops:
            raise FormulaError(f"the operator '{t.op}' has no formula derivative here", t)
        return _zip(ops[t.op], self.expr(t.left), self.expr(t.right), t)

    def _IfExp(self, t):
        raise FormulaError("a data-dependent branch ('... if ... else ...'): the formula "
                           "path cannot follow it", t)

    def _Compare(self, t):
        if len(t.ops) != 1:
            raise FormulaError("chained comparisons have no formula", t)
        rel = {"<": self.sp.Lt, "<=": self.sp.Le, ">": self.sp.Gt, ">=": self.sp.Ge}
        if t.ops[0] not in rel:
            raise FormulaError(f"the comparison '{t.ops[0]}' has no formula", t)
        return _zip(rel[t.ops[0]], self.expr(t.left), self.expr(t.comparators[0]), t)

    def _Subscript(self, t):
        base = self.expr(t.value)
        idx = self.expr(t.index)
        if not isinstance(base, list) or not getattr(idx, "is_Integer", False):
            raise FormulaError("indexing: only a vector with a constant index", t)
        i = int(idx)
        if not -len(base) <= i < len(base):
            raise FormulaError(f"index {i} is out of range for {len(base)} elements", t)
        return base[i]

    def _Call(self, t):
        func, args = t.func, [self.expr(a) for a in t.args]
        kw = {k.name: self.expr(k.value) for k in t.keywords}
        if type(func).__name__ == "Attribute":
            owner = func.value
            if type(owner).__name__ == "Name" and owner.id in _PREFIXES \
                    and owner.id not in self.env:
                name = func.attr
            else:                      # a method: x.sin(), w.sum()
                name, args = func.attr, [self.expr(owner)] + args
        elif type(func).__name__ == "Name":
            name = func.id
        else:
            raise FormulaError(f"{_what(func)} called: not a function the formula path knows", t)
        return self._apply(name, args, kw, t)

    def _apply(self, name, args, kw, t):
        sp = self.sp
        if name in _REDUCE or name == "len":
            if len(args) != 1 or kw:
                raise FormulaError(f"{name}() with more than one argument has no formula", t)
            a = args[0] if isinstance(args[0], list) else [args[0]]
            if name == "len":
                return sp.Integer(len(a))
            if name == "sum":
                return sp.Add(*a)
            if name == "prod":
                return sp.Mul(*a)
            return sp.Add(*a) / len(a)
        if name == "where" and len(args) == 3:
            return _zip3(lambda c, a, b: sp.Piecewise((a, c), (b, True)), *args, t=t)
        fn = self.funcs.get(name)
        if fn is None:
            raise FormulaError(f"'{name}' has no formula here (the formula path knows the "
                               "elementwise functions and sum, prod, mean)", t)
        if name == "softplus" and kw:
            raise FormulaError("softplus with beta or threshold has no formula here", t)
        if name == "clamp":
            lo = kw.get("min", args[1] if len(args) > 1 else None)
            hi = kw.get("max", args[2] if len(args) > 2 else None)
            return _map(lambda a: _clamp(sp, a, lo, hi), args[0])
        try:
            if any(isinstance(a, list) for a in args):
                n = max(len(a) for a in args if isinstance(a, list))
                cols = [a if isinstance(a, list) else [a] * n for a in args]
                if any(len(c) != n for c in cols):
                    raise FormulaError("vectors of different lengths", t)
                return [fn(*row, **kw) for row in zip(*cols)]
            return fn(*args, **kw)
        except TypeError:
            raise FormulaError(f"{name}() called with arguments its formula does not take", t) \
                from None


def _what(t) -> str:
    return {"Attribute": "an attribute", "Lambda": "a lambda"}.get(type(t).__name__,
                                                                  type(t).__name__)


def _map(f, a):
    return [f(x) for x in a] if isinstance(a, list) else f(a)


def _zip(f, a, b, t):
    if isinstance(a, list) or isinstance(b, list):
        la = a if isinstance(a, list) else [a] * len(b)
        lb = b if isinstance(b, list) else [b] * len(a)
        if len(la) != len(lb):
            raise FormulaError(f"vectors of {len(la)} and {len(lb)} elements do not "
                               "broadcast", t)
        return [f(x, y) for x, y in zip(la, lb)]
    return f(a, b)


def _zip3(f, c, a, b, t):
    return _zip(lambda cc, ab: f(cc, *ab), c, _zip(lambda x, y: (x, y), a, b, t), t)


# ---------------------------------------------------------------- derivatives

def derivative(f, symbols):
    """d^n f / d symbols... simplified, with PyTorch's conventions (see the module doc)."""
    import sympy as sp
    d = f
    for s in symbols:
        d = _torch_conventions(sp, sp.diff(d, s))
    return sp.simplify(d)


def _torch_conventions(sp, d):
    d = d.doit()
    d = d.replace(lambda e: isinstance(e, sp.Derivative)
                  and isinstance(e.expr, (sp.floor, sp.ceiling)), lambda e: sp.Integer(0))
    d = d.replace(sp.DiracDelta, lambda *a: sp.Integer(0))
    d = d.replace(sp.Heaviside, lambda *a: sp.Heaviside(a[0], 0))
    return d


def partials(tr: Translation, order: int):
    """[(label tuple, formula)] for every derivative of this order, as the multisets of
    ``tr.wrt`` (x, y: d2f/dx2, d2f/dxdy, d2f/dy2)."""
    out = []
    for combo in itertools.combinations_with_replacement(range(len(tr.wrt)), order):
        out.append((tuple(tr.wrt[i][0] for i in combo),
                    derivative(tr.expr, [tr.wrt[i][1] for i in combo])))
    return out


def label(names: tuple, order: int) -> str:
    """('x',) -> 'df/dx'; ('x', 'x', 'y') -> 'd3f/dx2dy'."""
    if order == 1:
        return f"df/d{names[0]}"
    parts = []
    for n, group in itertools.groupby(names):
        k = len(list(group))
        parts.append(f"d{n}{k if k > 1 else ''}")
    return f"d{order}f/" + "".join(parts)


def substitutions(tr: Translation, values: dict) -> dict:
    import sympy as sp
    subs = {}
    for name, s in tr.symbols.items():
        if name not in values:
            continue
        v = values[name]
        if isinstance(s, list):
            subs.update({x: sp.Float(float(vv), 30) for x, vv in zip(s, v)})
        else:
            subs[s] = sp.Float(float(v), 30)
    return subs


def evaluate(formula, subs) -> float:
    """The formula's value at ``subs`` (a float; nan when it is undefined there)."""
    try:
        return float(formula.subs(subs).evalf(30))
    except (TypeError, ValueError):
        return float("nan")


def series(tr: Translation, name: str, at, order: int):
    """The Taylor polynomial of ``tr.expr`` in ``name`` around ``at`` up to degree ``order``."""
    import sympy as sp
    s = tr.symbols[name]
    if isinstance(s, list):
        raise FormulaError(f"--series: '{name}' is a vector; a series is in one scalar")
    a = sp.nsimplify(at) if at is not None else 0
    return sp.series(tr.expr, s, a, order + 1).removeO()
