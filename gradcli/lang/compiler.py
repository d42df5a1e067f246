"""Compile the AST of a .gx script into Python closures.

Every expression node becomes a function ``f(fr) -> value`` and every statement a
function ``s(fr) -> None | BREAK | CONTINUE | RETURN``, built once; running a loop
calls the closures and never looks at the AST again. ``fr`` is the frame: the
module's globals dict at top level, a fresh dict per call inside a ``def``.

Names are resolved at compile time: a name assigned anywhere in a ``def`` is local
to it (read from ``fr``); names of enclosing ``def``s are read through the frame's
``UP`` link; everything else is a module global, then a built-in.

The hot path avoids isinstance chains: binary operators test ``type(a) is Variable``
first and call the operator directly; everything else (Python numbers, strings,
lists) goes to the slow helpers of runtime.py, which bound ints, lists and strings
and turn division by zero or overflow into inf/nan with a NUM warning.

Errors: each operation runs in a (zero-cost) ``try``; an exception becomes the
matching GxError carrying that operation's position (``Runtime.convert``), unless it
already is one. Limits are cooperative: a step budget at loop back-edges and calls
(``rt.left``), the clock every CHUNK steps, the call depth at each call.
"""
from __future__ import annotations

import operator

from . import nodes as N
from .builtins import (get_attr, method_for, set_attr, subscriptable, type_name,
                       resolve_module)
from .errors import (GxAssertionError, GxError, GxNameError, GxSecurityError, GxTypeError,
                     GxValueError, GxSyntaxError)
from .runtime import (BREAK, CONTINUE, RETURN, RET, UP, BoundMethod, Builtin, GxFunction,
                      Namespace, NodeName, Pos, SLOW_BINOPS, check_seq_len, name_error,
                      num_neg)

_MISSING = object()
_BIG = 2 ** 63          # plain int/float results inside (-_BIG, _BIG) need no checks
_MAKES_VALUES = (N.BinOp, N.UnaryOp, N.Call)   # expressions that may give a temporary


def _variable_type():
    from ..engine.variable import Variable
    return Variable


def _grad_mode_type():
    from ..engine.context import _GradMode
    return _GradMode


# ------------------------------------------------------------------ scopes

class Scope:
    __slots__ = ("kind", "locals", "parent")

    def __init__(self, kind, locals_=(), parent=None):
        self.kind = kind              # 'module' | 'function'
        self.locals = set(locals_)
        self.parent = parent


def _target_names(t, out):
    tt = type(t)
    if tt is N.Name:
        out.add(t.id)
    elif tt in (N.Tuple, N.List):
        for e in t.elts:
            _target_names(e, out)


def assigned_names(body) -> set:
    """Names a function body binds (not looking into nested defs)."""
    out = set()
    stack = list(body)
    while stack:
        s = stack.pop()
        t = type(s)
        if t is N.Assign:
            for tg in s.targets:
                _target_names(tg, out)
        elif t is N.AugAssign:
            _target_names(s.target, out)
        elif t is N.For:
            _target_names(s.target, out)
            stack.extend(s.body)
        elif t is N.FunctionDef:
            out.add(s.name)
        elif t in (N.If,):
            stack.extend(s.body)
            stack.extend(s.orelse)
        elif t is N.While:
            stack.extend(s.body)
        elif t is N.With:
            for it in s.items:
                if it.name:
                    out.add(it.name)
            stack.extend(s.body)
        elif t in (N.Import, N.ImportFrom):
            for a in s.names:
                out.add(a.asname or a.name.split(".")[0])
    return out


# ---------------------------------------------------------------- compiler

class Compiler:
    def __init__(self, rt, globals_: dict, builtins: dict):
        self.rt = rt
        self.g = globals_
        self.B = builtins
        self.V = _variable_type()
        self.scope = Scope("module")

    # ------------------------------------------------------------ module
    def compile_module(self, module: N.Module, interactive=False):
        """A list of (stmt_node, fn) to run one by one; with ``interactive`` a trailing
        bare expression is compiled to return its value."""
        out = []
        body = module.body
        for i, s in enumerate(body):
            if interactive and i == len(body) - 1 and type(s) is N.ExprStmt:
                out.append((s, self.expr(s.value), True))
            else:
                out.append((s, self.stmt(s), False))
        return out

    def compile_expression(self, expr):
        return self.expr(expr)

    # ------------------------------------------------------------ blocks
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

    # -------------------------------------------------------- statements
    def stmt(self, s):
        m = getattr(self, "s_" + type(s).__name__, None)
        if m is None:
            raise GxSyntaxError(f"unsupported statement {type(s).__name__}").at(
                s, self.rt.filename, self.rt.source)
        return m(s)

    def s_Pass(self, s):
        return _nothing

    def s_Break(self, s):
        return lambda fr: BREAK

    def s_Continue(self, s):
        return lambda fr: CONTINUE

    def s_ExprStmt(self, s):
        f = self.expr(s.value)

        def run(fr):
            f(fr)
        return run

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

    def s_Assign(self, s):
        vf = self.expr(s.value)
        if len(s.targets) == 1:
            t = s.targets[0]
            if type(t) is N.Name:
                name = t.id

                def assign(fr):
                    fr[name] = vf(fr)
                return assign
            store = self.store(t)

            def assign1(fr):
                store(fr, vf(fr))
            return assign1
        stores = [self.store(t) for t in s.targets]

        def assign_many(fr):
            v = vf(fr)
            for st in stores:
                st(fr, v)
        return assign_many

    def store(self, t):
        """fn(fr, value) assigning to target t."""
        rt = self.rt
        tt = type(t)
        if tt is N.Name:
            name = t.id

            def st_name(fr, v):
                fr[name] = v
            return st_name
        if tt in (N.Tuple, N.List):
            subs = [self.store(e) for e in t.elts]
            n = len(subs)
            V = self.V
            pos = t

            def st_tuple(fr, v):
                tv = type(v)
                try:
                    if tv is tuple or tv is list or isinstance(v, tuple):
                        items = v
                    elif tv is V or tv is str or tv is range:
                        if tv is V and v.ndim == 0:
                            raise GxTypeError("cannot unpack a 0-d tensor")
                        if len(v) != n:
                            items = v if len(v) < 1_000_000 else ()
                            raise GxValueError(_unpack_msg(len(v), n))
                        items = list(v)
                    else:
                        raise GxTypeError(f"cannot unpack a {type_name(v)}")
                    if len(items) != n:
                        raise GxValueError(_unpack_msg(len(items), n))
                except Exception as e:
                    raise rt.convert(e, pos)
                for sf, x in zip(subs, items):
                    sf(fr, x)
            return st_tuple
        if tt is N.Attribute:
            of = self.expr(t.value)
            name = t.attr
            apos = Pos(t.line, t.attr_col, t.end_line, t.end_col)

            def st_attr(fr, v):
                o = of(fr)
                try:
                    rt.pos = apos
                    set_attr(o, name, v)
                except Exception as e:
                    raise rt.convert(e, apos)
            return st_attr
        if tt is N.Subscript:
            of = self.expr(t.value)
            idx = self.index(t.index)
            V = self.V
            pos = t

            def st_item(fr, v):
                o = of(fr)
                i = idx(fr)
                try:
                    to = type(o)
                    if to is V:
                        rt.pos = pos
                        o[i] = v
                    elif to is list:
                        if type(i) is slice and type(v) not in (list, tuple):
                            raise GxTypeError("can only assign a list or tuple to a slice")
                        o[i] = v
                        check_seq_len(len(o), rt, pos)
                    else:
                        raise GxTypeError(f"'{type_name(o)}' does not support item assignment")
                except Exception as e:
                    raise rt.convert(e, pos)
            return st_item
        raise GxSyntaxError("cannot assign to this expression").at(t, rt.filename, rt.source)

    def s_AugAssign(self, s):
        rt = self.rt
        t = s.target
        tt = type(t)
        op = s.op
        pos = self._augpos(s)
        vf = self.expr(s.value)
        apply = self.binop_fn(op, pos)
        if tt is N.Name:
            load = self.load_name(t)
            name = t.id

            def aug_name(fr):
                fr[name] = apply(load(fr), vf(fr))
            return aug_name
        if tt is N.Attribute:
            of = self.expr(t.value)
            name = t.attr
            apos = Pos(t.line, t.attr_col, t.end_line, t.end_col)

            def aug_attr(fr):
                o = of(fr)
                try:
                    cur = get_attr(o, name)
                except Exception as e:
                    raise rt.convert(e, apos)
                new = apply(cur, vf(fr))
                try:
                    set_attr(o, name, new)
                except Exception as e:
                    raise rt.convert(e, apos)
            return aug_attr
        if tt is N.Subscript:
            of = self.expr(t.value)
            idx = self.index(t.index)
            V = self.V
            tpos = t

            def aug_item(fr):
                o = of(fr)
                i = idx(fr)
                try:
                    if type(o) is not V and type(o) is not list:
                        raise GxTypeError(f"'{type_name(o)}' does not support item assignment")
                    cur = o[i]
                except Exception as e:
                    raise rt.convert(e, tpos)
                new = apply(cur, vf(fr))
                try:
                    rt.pos = tpos
                    o[i] = new
                except Exception as e:
                    raise rt.convert(e, tpos)
            return aug_item
        raise GxSyntaxError("cannot assign to this expression").at(t, rt.filename, rt.source)

    def _augpos(self, s):
        """Position of the 'op=' token of an augmented assignment."""
        lines = self.rt.source.splitlines()
        t = s.target
        line, col = t.end_line, t.end_col
        tok = s.op + "="
        while 0 < line <= len(lines):
            text = lines[line - 1]
            i = text.find(tok, col - 1)
            if i >= 0:
                return Pos(line, i + 1, line, i + 1 + len(tok))
            line, col = line + 1, 1
            if line > s.end_line:
                break
        return s

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

    def s_For(self, s):
        rt = self.rt
        itf = self.expr(s.iter)
        body = self.block(s.body)
        pos = s
        ipos = s.iter
        V = self.V
        allowed = (range, list, tuple, str, V, dict)
        if type(s.target) is N.Name:
            name = s.target.id
            store = None
        else:
            name = None
            store = self.store(s.target)

        def for_(fr):
            it = itf(fr)
            ti = type(it)
            try:
                if ti not in allowed:
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

    def s_FunctionDef(self, s):
        rt = self.rt
        params = [p.name for p in s.params]
        seen = set()
        for p in params:
            if p in seen:
                raise GxSyntaxError(f"duplicate argument '{p}' in function definition").at(
                    s, rt.filename, rt.source)
            seen.add(p)
        defaults = [(p.name, self.expr(p.default)) for p in s.params if p.default is not None]
        outer = self.scope
        inner = Scope("function", set(params) | assigned_names(s.body), outer)
        self.scope = inner
        try:
            body = self.block(s.body)
        finally:
            self.scope = outer
        name = s.name
        nested = outer.kind == "function"

        def define(fr):
            d = {p: f(fr) for p, f in defaults}
            fr[name] = GxFunction(name, params, d, body, rt, fr if nested else None, s,
                                  rt.filename)
        return define

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
                msg = m if type(m) is str else str(m)
            else:
                msg = f"assertion failed: {text}" if text else "assertion failed"
            raise GxAssertionError(msg).at(node, rt.filename, rt.source)
        return assert_

    def s_Import(self, s):
        rt = self.rt
        binds = []
        for a in s.names:
            if a.asname:
                ns = resolve_module(a.name, self.rt.namespaces)
                bind = a.asname
            else:
                ns = resolve_module(a.name.split(".")[0], self.rt.namespaces)
                bind = a.name.split(".")[0]
                if ns is not None and resolve_module(a.name, self.rt.namespaces) is None:
                    ns = None
            if ns is None:
                raise GxSecurityError(
                    f"import of '{a.name}' is not allowed: only torch and numpy "
                    "compatibility names exist", static=True).at(a, rt.filename, rt.source)
            binds.append((bind, ns))

        def import_(fr):
            for k, v in binds:
                fr[k] = v
        return import_

    def s_ImportFrom(self, s):
        rt = self.rt
        ns = resolve_module(s.module, self.rt.namespaces)
        if ns is None:
            raise GxSecurityError(
                f"import from '{s.module}' is not allowed: only torch and numpy "
                "compatibility names exist", static=True).at(s, rt.filename, rt.source)
        binds = []
        for a in s.names:
            if a.name == "*":
                raise GxSyntaxError("'import *' is not supported").at(a, rt.filename,
                                                                     rt.source)
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

    # ------------------------------------------------------- expressions
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

    def e_Constant(self, e):
        v = e.value
        if type(v) is int and not -2 ** 63 <= v < 2 ** 63:
            try:
                v = float(v)
            except OverflowError:
                v = float("inf")
        return lambda fr: v

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
                raise name_error(name, list(g) + list(B), e, rt)
            return v
        return load_global

    def e_BinOp(self, e):
        lf = self.expr(e.left)
        rf = self.expr(e.right)
        if e.op_line:
            pos = Pos(e.op_line, e.op_col, e.op_line, e.op_col + len(e.op))
        else:
            pos = e
        # a left operand computed by this expression (not a name, constant or attribute) may
        # be a temporary whose array the engine can reuse for the result (_binop)
        spare = type(e.left) in _MAKES_VALUES
        return self._binop(e.op, lf, rf, pos, spare)

    def binop_fn(self, op, pos):
        """fn(a, b) applying op with the language's rules (augmented assignment)."""
        rt = self.rt
        V = self.V
        pyop = _PYOPS[op]
        slow = SLOW_BINOPS[op]
        # a tensor on the left is updated in place, as PyTorch's __iadd__ & co. (``@=``
        # rebinds: there is no in-place matmul); a list on the left of += is extended
        inplace = _IPOPS.get(op)

        def apply(a, b):
            try:
                ta = type(a)
                if ta is V:
                    rt.pos = pos
                    return inplace(a, b) if inplace is not None else pyop(a, b)
                if type(b) is V:
                    rt.pos = pos
                    return pyop(a, b)
                if ta is list and op == "+":
                    if type(b) is not list and type(b) is not tuple:
                        raise GxTypeError(f"can only extend a list with a list or tuple, "
                                          f"not {type_name(b)}")
                    check_seq_len(len(a) + len(b), rt, pos)
                    a.extend(b)
                    return a
                return slow(a, b, rt, pos)
            except Exception as err:
                raise rt.convert(err, pos)
        return apply

    def _binop(self, op, lf, rf, pos, spare=False):
        """The closure of one binary operator. Tensors first (the engine's operators),
        then plain ints/floats whose result stays in range (no checks needed), then
        the slow helpers of runtime.py for everything else.

        With ``spare``, a big left tensor that nothing but this closure holds (nor its
        array) is a temporary: ``+`` and ``-`` write the result into its array, as numpy
        does for temporaries (gradcli/engine/buffers.py). The reference counts are exact
        here because this closure is the only caller and holds ``a`` in one local."""
        rt = self.rt
        V = self.V
        slow = SLOW_BINOPS[op]
        if spare:
            from ..engine.arith import add_spare, sub_spare
            from ..engine.buffers import CHUNK as _CHUNK, sole_var
        if op == "+":
            def add(fr):
                a = lf(fr)
                b = rf(fr)
                ta = type(a)
                tb = type(b)
                try:
                    if ta is V or tb is V:
                        rt.pos = pos
                        if spare and ta is V and a._data.size >= _CHUNK and sole_var(a, 1):
                            return add_spare(a, b)
                        return a + b
                    if (ta is int or ta is float) and (tb is int or tb is float):
                        r = a + b
                        if -_BIG < r < _BIG:
                            return r
                    return slow(a, b, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return add
        if op == "-":
            def sub(fr):
                a = lf(fr)
                b = rf(fr)
                ta = type(a)
                tb = type(b)
                try:
                    if ta is V or tb is V:
                        rt.pos = pos
                        if spare and ta is V and a._data.size >= _CHUNK and sole_var(a, 1):
                            return sub_spare(a, b)
                        return a - b
                    if (ta is int or ta is float) and (tb is int or tb is float):
                        r = a - b
                        if -_BIG < r < _BIG:
                            return r
                    return slow(a, b, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return sub
        if op == "*":
            def mul(fr):
                a = lf(fr)
                b = rf(fr)
                ta = type(a)
                tb = type(b)
                try:
                    if ta is V or tb is V:
                        rt.pos = pos
                        return a * b
                    if (ta is int or ta is float) and (tb is int or tb is float):
                        r = a * b
                        if -_BIG < r < _BIG:
                            return r
                    return slow(a, b, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return mul
        if op == "/":
            def div(fr):
                a = lf(fr)
                b = rf(fr)
                ta = type(a)
                tb = type(b)
                try:
                    if ta is V or tb is V:
                        rt.pos = pos
                        return a / b
                    if (ta is int or ta is float) and (tb is int or tb is float) and b:
                        if -_BIG < a < _BIG:
                            r = a / b
                            if -_BIG < r < _BIG:
                                return r
                    return slow(a, b, rt, pos)
                except Exception as err:
                    raise rt.convert(err, pos)
            return div
        pyop = _PYOPS[op]

        def binop(fr):
            a = lf(fr)
            b = rf(fr)
            try:
                if type(a) is V or type(b) is V:
                    rt.pos = pos
                    return pyop(a, b)
                return slow(a, b, rt, pos)
            except Exception as err:
                raise rt.convert(err, pos)
        return binop

    def e_UnaryOp(self, e):
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

        def plus(fr):
            a = f(fr)
            try:
                if type(a) not in (int, float, bool, V):
                    raise GxTypeError(f"bad operand type for unary +: '{type_name(a)}'")
                return +a
            except Exception as err:
                raise rt.convert(err, pos)
        return plus

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

    def e_Compare(self, e):
        rt = self.rt
        lf = self.expr(e.left)
        fs = [self.expr(c) for c in e.comparators]
        ops = [_CMPOPS[o] for o in e.ops]
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

    def e_IfExp(self, e):
        t = self.truth(e.test)
        bf = self.expr(e.body)
        of = self.expr(e.orelse)
        return lambda fr: bf(fr) if t(fr) else of(fr)

    def e_Tuple(self, e):
        fs = tuple(self.expr(x) for x in e.elts)
        if len(fs) == 2:
            a, b = fs
            return lambda fr: (a(fr), b(fr))
        return lambda fr: tuple([f(fr) for f in fs])

    def e_List(self, e):
        fs = tuple(self.expr(x) for x in e.elts)
        return lambda fr: [f(fr) for f in fs]

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
                if type(o) in SUBS:
                    rt.pos = pos
                    return o[i]
                raise GxTypeError(f"'{type_name(o)}' object is not subscriptable")
            except Exception as err:
                raise rt.convert(err, pos)
        return subscript

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

    def e_Call(self, e):
        rt = self.rt
        argfs = tuple(self.expr(a) for a in e.args)
        kws = tuple((k.name, self.expr(k.value)) for k in e.keywords)
        names = [k for k, _ in kws]
        if len(set(names)) != len(names):
            raise GxSyntaxError("keyword argument repeated").at(e, rt.filename, rt.source)
        pos = e
        if type(e.func) is N.Attribute:
            return self._method_call(e, argfs, kws, pos)
        ff = self.expr(e.func)
        call = _dispatcher(rt, pos)
        nargs = len(argfs)
        if not kws and nargs == 1:
            a0 = argfs[0]
            V = self.V
            # exp(<temporary>) and the like may write into the temporary's array (_binop)
            spare = type(e.args[0]) in _MAKES_VALUES
            if spare:
                from ..engine.buffers import CHUNK as _CHUNK, sole_var
                from ..engine.elementwise import SPARE

            def call1(fr):
                f = ff(fr)
                x = a0(fr)
                tf = type(f)
                if tf is Builtin:
                    try:
                        rt.pos = pos
                        if spare and type(x) is V and x._data.size >= _CHUNK:
                            sf = SPARE.get(f.fn)
                            if sf is not None and sole_var(x, 1):
                                return sf(x)
                        return f.fn(x)
                    except Exception as err:
                        raise rt.convert(err, pos)
                if tf is GxFunction:
                    return f.invoke((x,), None, pos)
                return call(f, [x], None)
            return call1
        if not kws:
            def calln(fr):
                f = ff(fr)
                return call(f, [a(fr) for a in argfs], None)
            return calln

        def callkw(fr):
            f = ff(fr)
            args = [a(fr) for a in argfs]
            kw = {k: v(fr) for k, v in kws}
            return call(f, args, kw)
        return callkw

    def _method_call(self, e, argfs, kws, pos):
        rt = self.rt
        attr = e.func
        of = self.expr(attr.value)
        name = attr.attr
        apos = Pos(attr.line, attr.attr_col, attr.end_line, attr.end_col)
        call = _dispatcher(rt, pos)
        ctype = [None, None]      # inline cache: (type, method)

        def lookup(o):
            t = type(o)
            if t is ctype[0]:
                return ctype[1]
            fn = method_for(t, o, name)
            if fn is not None:
                ctype[0], ctype[1] = t, fn
            return fn

        nargs = len(argfs)
        if not kws and nargs == 0:
            def mcall0(fr):
                o = of(fr)
                fn = lookup(o)
                if fn is None:
                    try:
                        f = get_attr(o, name)
                    except Exception as err:
                        raise rt.convert(err, apos)
                    return call(f, [], None)
                try:
                    rt.pos = pos
                    return fn(o)
                except Exception as err:
                    raise rt.convert(err, pos)
            return mcall0
        if not kws and nargs == 1:
            a0 = argfs[0]

            def mcall1(fr):
                o = of(fr)
                x = a0(fr)
                if type(o) is Namespace:         # torch.tanh(y): straight to the built-in
                    f = o.members.get(name)
                    if type(f) is Builtin:
                        try:
                            rt.pos = pos
                            return f.fn(x)
                        except Exception as err:
                            raise rt.convert(err, pos)
                fn = lookup(o)
                if fn is None:
                    try:
                        f = get_attr(o, name)
                    except Exception as err:
                        raise rt.convert(err, apos)
                    return call(f, [x], None)
                try:
                    rt.pos = pos
                    return fn(o, x)
                except Exception as err:
                    raise rt.convert(err, pos)
            return mcall1

        def mcall(fr):
            o = of(fr)
            args = [a(fr) for a in argfs]
            kw = {k: v(fr) for k, v in kws} if kws else None
            fn = lookup(o)
            if fn is None:
                try:
                    f = get_attr(o, name)
                except Exception as err:
                    raise rt.convert(err, apos)
                return call(f, args, kw)
            try:
                rt.pos = pos
                return fn(o, *args, **kw) if kw else fn(o, *args)
            except Exception as err:
                raise rt.convert(err, pos)
        return mcall


def _dispatcher(rt, pos):
    """call(f, args, kw): call a script value, refusing anything not callable."""
    def call(f, args, kw):
        t = type(f)
        try:
            if t is Builtin:
                rt.pos = pos
                return f.fn(*args, **kw) if kw else f.fn(*args)
            if t is GxFunction:
                return f.invoke(args, kw, pos)
            if t is BoundMethod:
                rt.pos = pos
                return f.fn(f.obj, *args, **kw) if kw else f.fn(f.obj, *args)
            if t is NodeName:
                return f(*args, **(kw or {}))
            raise GxTypeError(f"'{type_name(f)}' object is not callable")
        except Exception as err:
            raise rt.convert(err, pos)
    return call


def _nothing(fr):
    return None


def _unpack_msg(got, want):
    if got < want:
        return f"not enough values to unpack (expected {want}, got {got})"
    return f"too many values to unpack (expected {want})"


def _source_text(source, node):
    if node.line != node.end_line:
        return None
    lines = source.splitlines()
    if not 0 < node.line <= len(lines):
        return None
    return lines[node.line - 1][node.col - 1:node.end_col - 1] or None


def _seq_eq(a, b):
    """== of lists/tuples as Python defines it, but iterative and within a budget:
    two separately built l = [l, l] towers would otherwise compare for ever."""
    from .runtime import CURRENT_RT
    rt = CURRENT_RT.get()
    budget = 16 * (rt.limits.max_list if rt is not None else 10 ** 6)
    n = 0
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        tx = type(x)
        if (tx is list or tx is tuple) and type(y) is tx:
            if len(x) != len(y):
                return False
            n += len(x)
            if n > budget:
                from .errors import GxLimitError
                from .limits import limit_message
                raise GxLimitError(limit_message(
                    "comparison of lists with more than 16 elements per allowed list "
                    "element", "max_list", budget // 16))
            stack.extend(zip(reversed(x), reversed(y)))
        elif not (x == y):
            return False
    return True


_SEQ_TYPES = (list, tuple)


def _eq(a, b):
    if type(a) in _SEQ_TYPES and type(b) in _SEQ_TYPES:
        return _seq_eq(a, b)
    return a == b


def _ne(a, b):
    if type(a) in _SEQ_TYPES and type(b) in _SEQ_TYPES:
        return not _seq_eq(a, b)
    return a != b


def _contains(a, b):
    if type(b) in _SEQ_TYPES and type(a) in _SEQ_TYPES:
        return any(_seq_eq(a, x) for x in b if type(x) is type(a)) or \
            any(a is x for x in b)
    return a in b


def _not_contains(a, b):
    return not _contains(a, b)


_PYOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
          "@": operator.matmul}

_IPOPS = {"+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
          "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow}

_CMPOPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": _eq, "!=": _ne, "is": operator.is_,
           "is not": operator.is_not, "in": _contains, "not in": _not_contains}
