"""The specialised closures of the compiler's hot path: binary operators and calls.

Every step of a .gx loop runs these, so each is unrolled for its case (W2, the
per-op scalar benchmark, measures them): one closure per operator with the tensor
test first (the engine's operators), then plain ints/floats whose result stays in
range (no checks needed), then the slow helpers of pynum.py for everything else;
calls split by arity and by what is called. The semantics they implement are the
ones expressions.py states; what may write into a temporary's array is the
engine's decision (``buffers.temporary``), never the compiler's.
"""
from __future__ import annotations

import operator

from ...engine import buffers
from ..attributes import get_attr, method_for, module_value
from ..errors import GxRuntimeError, GxTypeError
from ..pynum import SLOW_BINOPS, check_seq_len
from ..values import BoundMethod, Builtin, GxFunction, Namespace, NodeName, type_name

_BIG = 2 ** 63          # plain int/float results inside (-_BIG, _BIG) need no checks
_temporary = buffers.temporary

PYOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
         "@": operator.matmul, "&": operator.and_, "|": operator.or_, "^": operator.xor}


# ------------------------------------------------------------ binary operators

# augmented assignment on a tensor is in place, as PyTorch's __iadd__ & co. (``@=``
# rebinds: PyTorch has no in-place matrix product)
IPOPS = {"+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
         "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow,
         "&": operator.iand, "|": operator.ior, "^": operator.ixor}


def binop_fn(rt, V, op, pos):
    """fn(a, b) applying op with the language's rules (augmented assignment): a tensor
    on the left is updated in place, a list on the left of ``+=`` extended, anything
    else rebound to ``a op b``."""
    pyop = PYOPS[op]
    slow = SLOW_BINOPS[op]
    inplace = IPOPS.get(op, pyop)

    def apply(a, b):
        try:
            if type(a) is V:
                rt.pos = pos
                return inplace(a, b)
            if type(b) is V:
                rt.pos = pos
                return pyop(a, b)
            if type(a) is list and op == "+":
                if type(b) is not list and type(b) is not tuple:
                    raise GxTypeError("can only extend a list with a list or tuple, "
                                      f"not {type_name(b)}")
                check_seq_len(len(a) + len(b), rt, pos)
                a.extend(b)
                return a
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return apply


def binop(rt, V, op, lf, rf, pos, spare=False):
    """The closure of one binary operator ``lf(fr) op rf(fr)``.

    With ``spare``, a big left tensor that nothing but this closure holds (nor its
    array) is a temporary: ``+`` and ``-`` write the result into its array, as numpy
    does for temporaries (gradcli/engine/buffers.py). The reference counts are exact
    here because this closure is the only caller and holds ``a`` in one local."""
    make = _BINOPS.get(op)
    if make is not None:
        return make(rt, V, lf, rf, pos, spare)
    pyop = PYOPS[op]
    slow = SLOW_BINOPS[op]

    def any_binop(fr):
        a = lf(fr)
        b = rf(fr)
        try:
            if type(a) is V or type(b) is V:
                rt.pos = pos
                return pyop(a, b)
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return any_binop


# _ENGINE_OPS: with a tensor on the left, ``a + b`` is exactly ``V.__add__(a, b)`` (nothing
# subclasses V, and its operators never return NotImplemented); with an int or float on the
# left, exactly ``V.__radd__(b, a)`` (int and float give NotImplemented for a tensor). The
# closures call those functions directly: the operator's trip through the type slot and a
# nested interpreter frame is a good part of a scalar op's cost (W2).
def _add(rt, V, lf, rf, pos, spare):
    slow = SLOW_BINOPS["+"]
    op, rop = V.__add__, V.__radd__       # (see _ENGINE_OPS)
    if spare:
        from ...engine.arith import add_spare

    def add(fr):
        a = lf(fr)
        b = rf(fr)
        ta = type(a)
        tb = type(b)
        try:
            if ta is V:
                rt.pos = pos
                if spare and _temporary(a):
                    return add_spare(a, b)
                return op(a, b)
            if tb is V:
                rt.pos = pos
                return rop(b, a) if ta is float or ta is int else a + b
            if (ta is int or ta is float) and (tb is int or tb is float):
                r = a + b
                if -_BIG < r < _BIG:
                    return r
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return add


def _sub(rt, V, lf, rf, pos, spare):
    slow = SLOW_BINOPS["-"]
    op, rop = V.__sub__, V.__rsub__       # (see _ENGINE_OPS)
    if spare:
        from ...engine.arith import sub_spare

    def sub(fr):
        a = lf(fr)
        b = rf(fr)
        ta = type(a)
        tb = type(b)
        try:
            if ta is V:
                rt.pos = pos
                if spare and _temporary(a):
                    return sub_spare(a, b)
                return op(a, b)
            if tb is V:
                rt.pos = pos
                return rop(b, a) if ta is float or ta is int else a - b
            if (ta is int or ta is float) and (tb is int or tb is float):
                r = a - b
                if -_BIG < r < _BIG:
                    return r
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return sub


def _mul(rt, V, lf, rf, pos, spare):
    slow = SLOW_BINOPS["*"]
    op, rop = V.__mul__, V.__rmul__       # (see _ENGINE_OPS)

    def mul(fr):
        a = lf(fr)
        b = rf(fr)
        ta = type(a)
        tb = type(b)
        try:
            if ta is V:
                rt.pos = pos
                return op(a, b)
            if tb is V:
                rt.pos = pos
                return rop(b, a) if ta is float or ta is int else a * b
            if (ta is int or ta is float) and (tb is int or tb is float):
                r = a * b
                if -_BIG < r < _BIG:
                    return r
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return mul


def _div(rt, V, lf, rf, pos, spare):
    slow = SLOW_BINOPS["/"]
    op, rop = V.__truediv__, V.__rtruediv__       # (see _ENGINE_OPS)

    def div(fr):
        a = lf(fr)
        b = rf(fr)
        ta = type(a)
        tb = type(b)
        try:
            if ta is V:
                rt.pos = pos
                return op(a, b)
            if tb is V:
                rt.pos = pos
                return rop(b, a) if ta is float or ta is int else a / b
            if (ta is int or ta is float) and (tb is int or tb is float) and b:
                if -_BIG < a < _BIG:
                    r = a / b
                    if -_BIG < r < _BIG:
                        return r
            return slow(a, b, rt, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return div


_BINOPS = {"+": _add, "-": _sub, "*": _mul, "/": _div}


# ------------------------------------------------------------------ calls

def dispatcher(rt, pos):
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
            if module_value(t):                    # model(x): an engine nn module
                rt.pos = pos
                return f(*args, **(kw or {}))
            raise GxTypeError(f"'{type_name(f)}' object is not callable")
        except TypeError as err:
            if kw and (t is Builtin or t is BoundMethod):   # torch.matmul(input=a, other=b)
                fixed = _torch_keywords(f, t, args, kw)
                if fixed is not None:
                    return _call_fixed(rt, pos, call, f, *fixed)
            raise rt.convert(err, pos)
        except Exception as err:
            raise rt.convert(err, pos)
    return call


def _torch_keywords(f, t, args, kw):
    """(args, kw, out) with PyTorch's keyword names put in their places and ``out=`` taken
    aside (lang/torchargs.py), or None."""
    from ..torchargs import prepare
    if t is Builtin:
        return prepare(f.name, f.fn, args, kw)
    return prepare(f.name, f.fn, [f.obj, *args], kw, bound=1, allow_out=False)


def _call_fixed(rt, pos, call, f, args, kw, out):
    from ..torchargs import NO_OUT, out_message, requires_grad_anywhere, write_out
    if out is NO_OUT:
        return call(f, args, kw)
    inputs = [*args, *kw.values()]          # out= only on torch.f (methods take none)
    try:
        if requires_grad_anywhere(inputs):
            raise GxRuntimeError(out_message(f.name))
        return write_out(f.name, call(f, args, kw), out,
                         lambda text: rt.warn(text, "UserWarning", pos))
    except Exception as err:          # engine errors too (the cast check is the engine's)
        raise rt.convert(err, pos) from None


def call(rt, V, ff, argfs, kws, pos, spare=False):
    """The closure of ``f(args, k=v)`` where ``f`` is not an attribute. With ``spare``
    the one argument is an expression's result: exp(<temporary>) and the like may
    write into its array (elementwise.SPARE)."""
    do_call = dispatcher(rt, pos)
    if not kws and len(argfs) == 1:
        return _call1(rt, V, ff, argfs[0], pos, spare, do_call)
    if not kws:
        def calln(fr):
            f = ff(fr)
            return do_call(f, [a(fr) for a in argfs], None)
        return calln

    def callkw(fr):
        f = ff(fr)
        args = [a(fr) for a in argfs]
        kw = {k: v(fr) for k, v in kws}
        return do_call(f, args, kw)
    return callkw


def _call1(rt, V, ff, a0, pos, spare, do_call):
    if spare:
        from ...engine.elementwise import SPARE

    def call1(fr):
        f = ff(fr)
        x = a0(fr)
        tf = type(f)
        if tf is Builtin:
            try:
                rt.pos = pos
                if spare and type(x) is V:
                    sf = SPARE.get(f.fn)
                    if sf is not None and _temporary(x):
                        return sf(x)
                return f.fn(x)
            except Exception as err:
                raise rt.convert(err, pos)
        if tf is GxFunction:
            return f.invoke((x,), None, pos)
        return do_call(f, [x], None)
    return call1


def method_call(rt, of, name, argfs, kws, pos, apos):
    """The closure of ``obj.name(args, k=v)``: the method looked up in the allowlist
    (attributes.py) once per type of ``obj`` (an inline cache), ``torch.f(x)`` straight
    to the built-in."""
    do_call = dispatcher(rt, pos)
    ctype = [None, None]      # inline cache: (type, method)

    def lookup(o):
        t = type(o)
        if t is ctype[0]:
            return ctype[1]
        fn = method_for(t, o, name)
        if fn is not None:
            ctype[0], ctype[1] = t, fn
        return fn

    def attribute(o):
        try:
            return get_attr(o, name)
        except Exception as err:
            raise rt.convert(err, apos)

    if not kws and len(argfs) == 0:
        def mcall0(fr):
            o = of(fr)
            fn = lookup(o)
            if fn is None:
                return do_call(attribute(o), [], None)
            try:
                rt.pos = pos
                return fn(o)
            except Exception as err:
                raise rt.convert(err, pos)
        return mcall0
    if not kws and len(argfs) == 1:
        return _mcall1(rt, of, name, argfs[0], pos, lookup, attribute, do_call)

    def mcall(fr):
        o = of(fr)
        args = [a(fr) for a in argfs]
        kw = {k: v(fr) for k, v in kws} if kws else None
        fn = lookup(o)
        if fn is None:
            return do_call(attribute(o), args, kw)
        try:
            rt.pos = pos
            return fn(o, *args, **kw) if kw else fn(o, *args)
        except TypeError as err:
            bm = BoundMethod(o, fn, name)
            fixed = _torch_keywords(bm, BoundMethod, args, kw) if kw else None
            if fixed is None:
                raise rt.convert(err, pos) from None
            return _call_fixed(rt, pos, do_call, bm, *fixed)
        except Exception as err:
            raise rt.convert(err, pos)
    return mcall


def _mcall1(rt, of, name, a0, pos, lookup, attribute, do_call):
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
            return do_call(attribute(o), [x], None)
        try:
            rt.pos = pos
            return fn(o, x)
        except Exception as err:
            raise rt.convert(err, pos)
    return mcall1
