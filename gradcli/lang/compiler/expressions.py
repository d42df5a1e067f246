"""The expressions of .gx compiled to closures ``f(fr) -> value``.

One method per expression kind (``e_<NodeClass>``), each headed by the syntax it
handles. Binary operators and calls, the hot path of every loop, get their
specialised closures from fast.py.
"""
from __future__ import annotations

from .. import nodes as N
from ..attributes import get_attr, module_value, subscriptable
from ..errors import GxError, GxNameError, GxSyntaxError, GxTypeError, name_error
from ..limits import bound_walk
from ..pynum import CMPOPS, num_invert, num_neg
from ..runtime import Pos
from ..values import UP, type_name
from . import fast
from .fuse import fused

_MISSING = object()
_MAKES_VALUES = (N.BinOp, N.UnaryOp, N.Call)   # expressions that may give a temporary


class Expressions:
    """The expression half of the Compiler (compiler/__init__.py)."""

    def expr(self, e):
        m = getattr(self, "e_" + type(e).__name__, None)
        if m is None:
            raise GxSyntaxError(f"unsupported expression {type(e).__name__}").at(
                e, self.rt.filename, self.rt.source)
        return m(e)

    def truth(self, e):
        """fn(fr) -> bool of expression e, errors at e's position."""
        f = self.expr(e)
        rt = self.rt

        def truth(fr):
            v = f(fr)
            if v is True:
                return True
            if v is False:
                return False
            try:
                return bool(v)
            except Exception as err:
                raise rt.convert(err, e)
        return truth

    # 1, 2.5, "text", True, None
    def e_Constant(self, e):
        v = e.value
        if type(v) is int and not -2 ** 63 <= v < 2 ** 63:
            try:
                v = float(v)
            except OverflowError:
                v = float("inf")
        if type(v) is float and v in (float("inf"), float("-inf")):
            # .gx has no inf literal: a number this big overflowed (1e400); say so once
            self.rt.warn("this number is beyond the float range (about 1.8e308) and became "
                         "inf", "Warning", e)
        return lambda fr: v

    # x
    def e_Name(self, e):
        return self.load_name(e)

    def load_name(self, e):
        name = e.id
        rt = self.rt
        g = self.g
        B = self.B
        scope = self.scope
        if scope.kind == "function":
            if name in scope.locals:
                def load_local(fr):
                    try:
                        return fr[name]
                    except KeyError:
                        raise GxNameError(
                            f"local variable '{name}' referenced before assignment"
                        ).at(e, rt.filename, rt.source) from None
                return load_local
            up = 0
            sc = scope.parent
            while sc is not None and sc.kind == "function":
                up += 1
                if name in sc.locals:
                    hops = up

                    def load_enclosing(fr):
                        f = fr
                        for _ in range(hops):
                            f = f[UP]
                        try:
                            return f[name]
                        except KeyError:
                            raise GxNameError(
                                f"variable '{name}' of the enclosing function is not set yet"
                            ).at(e, rt.filename, rt.source) from None
                    return load_enclosing
                sc = sc.parent

        def load_global(fr):
            if name in g:
                return g[name]
            v = B.get(name, _MISSING)
            if v is _MISSING:
                raise name_error(name, list(g) + list(B), e, rt.filename, rt.source, own=list(g))
            return v
        return load_global

    # a + b, a - b, a * b, a / b, a // b, a % b, a ** b, a @ b, a & b, a | b, a ^ b
    def e_BinOp(self, e):
        f = fused(self, e, lambda: self.binop_plain(e))
        return f if f is not None else self.binop_plain(e)

    def binop_plain(self, e):
        lf = self.expr(e.left)
        rf = self.expr(e.right)
        if e.op_line:
            pos = Pos(e.op_line, e.op_col, e.op_line, e.op_col + len(e.op))
        else:
            pos = e
        # a left operand computed by this expression (not a name, constant or attribute) may
        # be a temporary whose array the engine can reuse for the result (fast.binop)
        spare = type(e.left) in _MAKES_VALUES
        return fast.binop(self.rt, self.V, e.op, lf, rf, pos, spare)

    # -a, +a, ~a, not a
    def e_UnaryOp(self, e):
        f = fused(self, e, lambda: self.unary_plain(e)) if e.op == "-" else None
        return f if f is not None else self.unary_plain(e)

    def unary_plain(self, e):
        rt = self.rt
        f = self.expr(e.operand)
        V = self.V
        op = e.op
        pos = e
        if op == "not":
            t = self.truth(e.operand)
            return lambda fr: not t(fr)
        if op == "-":
            def neg(fr):
                a = f(fr)
                try:
                    if type(a) is V:
                        rt.pos = pos
                        return -a
                    if type(a) not in (int, float, bool):
                        raise GxTypeError(f"bad operand type for unary -: '{type_name(a)}'")
                    return num_neg(a, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return neg
        if op == "~":
            def invert(fr):
                a = f(fr)
                try:
                    if type(a) is V:
                        rt.pos = pos
                        return ~a
                    if type(a) is not int and type(a) is not bool:
                        raise GxTypeError(f"bad operand type for unary ~: '{type_name(a)}'")
                    return num_invert(a, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return invert

        def plus(fr):
            a = f(fr)
            try:
                if type(a) not in (int, float, bool, V):
                    raise GxTypeError(f"bad operand type for unary +: '{type_name(a)}'")
                return +a
            except Exception as err:
                raise rt.convert(err, pos)
        return plus

    # a and b, a or b
    def e_BoolOp(self, e):
        rt = self.rt
        fs = [self.expr(v) for v in e.values]
        nodes = e.values

        def tv(v, node):
            if v is True or v is False:
                return v
            try:
                return bool(v)
            except Exception as err:
                raise rt.convert(err, node)
        pairs = tuple(zip(fs, nodes))
        if e.op == "and":
            def and_(fr):
                v = None
                for f, node in pairs:
                    v = f(fr)
                    if not tv(v, node):
                        return v
                return v
            return and_

        def or_(fr):
            v = None
            for f, node in pairs:
                v = f(fr)
                if tv(v, node):
                    return v
            return v
        return or_

    # a < b, a == b <= c, a is None, a in b, a not in b
    def e_Compare(self, e):
        rt = self.rt
        lf = self.expr(e.left)
        fs = [self.expr(c) for c in e.comparators]
        ops = [CMPOPS[o] for o in e.ops]
        pos = e
        if len(ops) == 1:
            op = ops[0]
            rf = fs[0]

            def cmp1(fr):
                a = lf(fr)
                b = rf(fr)
                try:
                    rt.pos = pos
                    return op(a, b)
                except Exception as err:
                    raise rt.convert(err, pos)
            return cmp1
        pairs = tuple(zip(ops, fs))

        def cmpn(fr):
            a = lf(fr)
            r = True
            try:
                for op, f in pairs:
                    b = f(fr)
                    rt.pos = pos
                    r = op(a, b)
                    if not r:
                        return r
                    a = b
                return r
            except GxError:
                raise
            except Exception as err:
                raise rt.convert(err, pos)
        return cmpn

    # a if test else b
    def e_IfExp(self, e):
        t = self.truth(e.test)
        bf = self.expr(e.body)
        of = self.expr(e.orelse)
        return lambda fr: bf(fr) if t(fr) else of(fr)

    # (a, b), a, b
    def e_Tuple(self, e):
        fs = tuple(self.expr(x) for x in e.elts)
        if len(fs) == 2:
            a, b = fs
            return lambda fr: (a(fr), b(fr))
        return lambda fr: tuple([f(fr) for f in fs])

    # [a, b]
    def e_List(self, e):
        fs = tuple(self.expr(x) for x in e.elts)
        return lambda fr: [f(fr) for f in fs]

    # lower:upper:step (inside [])
    def e_Slice(self, e):
        lo = self.expr(e.lower) if e.lower is not None else None
        hi = self.expr(e.upper) if e.upper is not None else None
        st = self.expr(e.step) if e.step is not None else None
        if lo is None and hi is None and st is None:
            full = slice(None)
            return lambda fr: full
        return lambda fr: slice(lo(fr) if lo else None, hi(fr) if hi else None,
                                st(fr) if st else None)

    def index(self, ix):
        if type(ix) is N.Tuple:
            fs = tuple(self.index(x) for x in ix.elts)
            return lambda fr: tuple([f(fr) for f in fs])
        return self.expr(ix)

    # x[i], x[1:2, ::3]
    def e_Subscript(self, e):
        rt = self.rt
        of = self.expr(e.value)
        ixf = self.index(e.index)
        pos = e
        SUBS = subscriptable()

        def subscript(fr):
            o = of(fr)
            i = ixf(fr)
            try:
                if type(o) in SUBS or module_value(type(o)):     # model[0]: Sequential
                    rt.pos = pos
                    if type(o) is dict:
                        bound_walk(i)           # hashing a key walks a tuple natively
                    return o[i]
                raise GxTypeError(f"'{type_name(o)}' object is not subscriptable")
            except Exception as err:
                raise rt.convert(err, pos)
        return subscript

    # x.attr
    def e_Attribute(self, e):
        rt = self.rt
        of = self.expr(e.value)
        name = e.attr
        pos = Pos(e.line, e.attr_col, e.end_line, e.end_col)

        def attribute(fr):
            o = of(fr)
            try:
                rt.pos = pos
                return get_attr(o, name)
            except Exception as err:
                raise rt.convert(err, pos)
        return attribute

    def e_Keyword(self, e):      # pragma: no cover - keywords are compiled by e_Call
        return self.expr(e.value)

    # f(a, k=v), x.method(a)
    def e_Call(self, e):
        f = fused(self, e, lambda: self.call_plain(e))
        return f if f is not None else self.call_plain(e)

    def call_plain(self, e):
        argfs = tuple(self.expr(a) for a in e.args)
        kws = tuple((k.name, self.expr(k.value)) for k in e.keywords)
        func = e.func
        if type(func) is N.Attribute:
            apos = Pos(func.line, func.attr_col, func.end_line, func.end_col)
            return fast.method_call(self.rt, self.expr(func.value), func.attr, argfs, kws, e,
                                    apos)
        # f(<temporary>): exp(a * b) and the like may write into the temporary's array
        spare = len(e.args) == 1 and not kws and type(e.args[0]) in _MAKES_VALUES
        return fast.call(self.rt, self.V, self.expr(func), argfs, kws, e, spare)
