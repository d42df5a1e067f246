"""The statements of .gx compiled to closures ``s(fr) -> None | BREAK | CONTINUE | RETURN``.

One method per statement kind (``s_<NodeClass>``), each headed by the syntax it
handles. The tree has passed the static pass (lang/static.py): targets are
assignable, flow statements are where they may be, names are public.
"""
from __future__ import annotations

from .. import nodes as N
from ..errors import GxAssertionError, GxSecurityError, GxSyntaxError, GxTypeError
from ..attributes import iterable_module
from ..namespaces import resolve_module
from ..text import to_str
from ..values import BREAK, CONTINUE, RET, RETURN, Builtin, GxFunction, type_name
from .scope import Scope, assigned_names

_MISSING = object()


def _grad_mode_type():
    from ...engine.context import _GradMode
    return _GradMode


class Statements:
    """The statement half of the Compiler (compiler/__init__.py)."""

    def block(self, stmts):
        fns = [self.stmt(s) for s in stmts if type(s) is not N.Pass]
        n = len(fns)
        if n == 0:
            return _nothing
        if n == 1:
            return fns[0]
        if n == 2:
            a, b = fns

            def blk2(fr):
                r = a(fr)
                if r is not None:
                    return r
                return b(fr)
            return blk2
        fns = tuple(fns)

        def blk(fr):
            for f in fns:
                r = f(fr)
                if r is not None:
                    return r
            return None
        return blk

    def stmt(self, s):
        m = getattr(self, "s_" + type(s).__name__, None)
        if m is None:
            raise GxSyntaxError(f"unsupported statement {type(s).__name__}").at(
                s, self.rt.filename, self.rt.source)
        return m(s)

    # pass
    def s_Pass(self, s):
        return _nothing

    # break
    def s_Break(self, s):
        return lambda fr: BREAK

    # continue
    def s_Continue(self, s):
        return lambda fr: CONTINUE

    # f(x)  (an expression as a statement)
    def s_ExprStmt(self, s):
        f = self.expr(s.value)

        def run(fr):
            f(fr)
        return run

    # return [value]
    def s_Return(self, s):
        if s.value is None:
            def ret_none(fr):
                fr[RET] = None
                return RETURN
            return ret_none
        f = self.expr(s.value)

        def ret(fr):
            fr[RET] = f(fr)
            return RETURN
        return ret

    # if test: ... elif test: ... else: ...
    def s_If(self, s):
        # an elif chain is a nested If in orelse: flatten it so the compiler does not
        # recurse once per elif
        tests, bodies = [], []
        node = s
        while True:
            tests.append(self.truth(node.test))
            bodies.append(self.block(node.body))
            if len(node.orelse) == 1 and type(node.orelse[0]) is N.If:
                node = node.orelse[0]
                continue
            orelse = self.block(node.orelse) if node.orelse else None
            break
        if len(tests) == 1:
            test, body = tests[0], bodies[0]
            if orelse is None:
                def if_(fr):
                    if test(fr):
                        return body(fr)
                return if_

            def if_else(fr):
                if test(fr):
                    return body(fr)
                return orelse(fr)
            return if_else
        pairs = tuple(zip(tests, bodies))

        def if_chain(fr):
            for test, body in pairs:
                if test(fr):
                    return body(fr)
            if orelse is not None:
                return orelse(fr)
        return if_chain

    # while test: ...
    def s_While(self, s):
        rt = self.rt
        test = self.truth(s.test)
        body = self.block(s.body)
        pos = s

        def while_(fr):
            while test(fr):
                rt.left -= 1
                if rt.left <= 0:
                    rt.tick(fr, pos)
                r = body(fr)
                if r is not None:
                    if r is BREAK:
                        break
                    if r is CONTINUE:
                        continue
                    return r
        return while_

    # for target in iterable: ...
    def s_For(self, s):
        rt = self.rt
        itf = self.expr(s.iter)
        body = self.block(s.body)
        pos = s
        ipos = s.iter
        V = self.V
        allowed = (range, list, tuple, str, V, dict)
        if type(s.target) is N.Name and s.target.id not in self.B:
            name = s.target.id
            store = None
        else:                   # unpacking, or a built-in's name (it warns: store())
            name = None
            store = self.store(s.target)

        def for_(fr):
            it = itf(fr)
            ti = type(it)
            try:
                if ti not in allowed and not iterable_module(it):    # for m in model
                    raise GxTypeError(f"'{type_name(it)}' object is not iterable")
                if ti is list:
                    it = tuple(it)      # the body may append: iterate a snapshot
                iterator = iter(it)
            except Exception as e:
                raise rt.convert(e, ipos)
            while True:
                try:
                    v = next(iterator, _MISSING)
                except Exception as e:
                    raise rt.convert(e, ipos)
                if v is _MISSING:
                    break
                rt.left -= 1
                if rt.left <= 0:
                    rt.tick(fr, pos)
                if name is not None:
                    fr[name] = v
                else:
                    store(fr, v)
                r = body(fr)
                if r is not None:
                    if r is BREAK:
                        break
                    if r is CONTINUE:
                        continue
                    return r
        return for_

    # def name(a, b=default): ...
    def s_FunctionDef(self, s):
        make = self._function(s.name, s, s.params, assigned_names(s.body),
                              lambda: self.block(s.body))
        name = s.name

        def define(fr):
            fr[name] = make(fr)
        return define

    # lambda x, y=2: x * y  (a def whose body returns one expression)
    def e_Lambda(self, e):
        def compile_body():
            f = self.expr(e.body)

            def body(fr):
                fr[RET] = f(fr)
                return RETURN
            return body
        return self._function("<lambda>", e, e.params, set(), compile_body)

    def _function(self, name, node, params, assigned, compile_body):
        """fn(fr) -> GxFunction: defaults evaluated in the enclosing scope when the def or
        lambda runs; the body compiled once, with the parameters and ``assigned`` local."""
        rt = self.rt
        names = [p.name for p in params]
        defaults = [(p.name, self.expr(p.default)) for p in params if p.default is not None]
        outer = self.scope
        self.scope = Scope("function", set(names) | assigned, outer)
        try:
            body = compile_body()
        finally:
            self.scope = outer
        nested = outer.kind == "function"

        def make(fr):
            d = {p: f(fr) for p, f in defaults}
            return GxFunction(name, names, d, body, rt, fr if nested else None, node,
                              rt.filename)
        return make

    # with no_grad(): ..., with a(), b() as g: ...
    def s_With(self, s):
        rt = self.rt
        GM = _grad_mode_type()
        body = self.block(s.body)
        for item in reversed(s.items):
            body = self._with_item(item, body, GM, rt)
        return body

    def _with_item(self, item, body, GM, rt):
        cf = self.expr(item.context)
        name = item.name
        pos = item.context

        def with_(fr):
            c = cf(fr)
            if type(c) is not GM:
                hint = " (write no_grad() with parentheses)" if type(c) is Builtin else ""
                raise GxTypeError(
                    f"'with' takes no_grad(), enable_grad() or set_grad_enabled(b), "
                    f"not {type_name(c)}{hint}").at(pos, rt.filename, rt.source)
            with c:
                if name is not None:
                    fr[name] = c
                return body(fr)
        return with_

    # assert test[, message]
    def s_Assert(self, s):
        rt = self.rt
        test = self.truth(s.test)
        mf = self.expr(s.msg) if s.msg is not None else None
        text = _source_text(rt.source, s.test)
        node = s

        def assert_(fr):
            if test(fr):
                return None
            if mf is not None:
                m = mf(fr)
                msg = m if type(m) is str else to_str(m)     # bounded, as print
            else:
                msg = f"assertion failed: {text}" if text else "assertion failed"
            raise GxAssertionError(msg).at(node, rt.filename, rt.source)
        return assert_

    # import torch, import numpy as np
    def s_Import(self, s):
        # the static pass allowed only torch, torch.autograd and numpy [as np]
        namespaces = self.rt.namespaces
        binds = []
        for a in s.names:
            top = a.name.split(".")[0]
            binds.append((a.asname or top, resolve_module(a.name if a.asname else top,
                                                          namespaces)))

        def import_(fr):
            for k, v in binds:
                fr[k] = v
        return import_

    # from torch.autograd import Variable, grad
    def s_ImportFrom(self, s):
        rt = self.rt
        ns = resolve_module(s.module, rt.namespaces)     # allowed by the static pass
        binds = []
        for a in s.names:
            v = ns.members.get(a.name)
            if v is None:
                raise GxSecurityError(
                    f"cannot import '{a.name}' from '{s.module}' (not a compatibility name)",
                    static=True).at(a, rt.filename, rt.source)
            binds.append((a.asname or a.name, v))

        def import_from(fr):
            for k, v in binds:
                fr[k] = v
        return import_from


def _nothing(fr):
    return None


def _source_text(source, node):
    if node.line != node.end_line:
        return None
    lines = source.splitlines()
    if not 0 < node.line <= len(lines):
        return None
    return lines[node.line - 1][node.col - 1:node.end_col - 1] or None
