"""Assignments compiled to closures: ``a = v``, ``a, b = v``, ``x.attr = v``, ``x[i] = v``
and the augmented ``a op= v``. ``store(target)`` is also the loop variable of ``for``."""
from __future__ import annotations

from .. import nodes as N
from ..attributes import get_attr, set_attr
from ..errors import GxNameError, GxTypeError, GxValueError
from ..names import QUIET_BUILTINS
from ..pynum import check_seq_len
from ..runtime import Pos
from ..values import type_name
from . import fast


class Assignments:
    """The assignment part of the Compiler (compiler/__init__.py)."""

    # a = value, a = b = value, a, b = value, x.attr = value, x[i] = value
    def s_Assign(self, s):
        vf = self.expr(s.value)
        if len(s.targets) == 1:
            t = s.targets[0]
            if type(t) is N.Name and t.id not in self.B:
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
        """fn(fr, value) assigning to target t: a name, a tuple or list of targets
        (unpacking), an attribute or an item."""
        tt = type(t)
        if tt is N.Name:
            name = t.id
            if name in self.B and name not in QUIET_BUILTINS:
                return self._st_builtin(t)

            def st_name(fr, v):
                fr[name] = v
            return st_name
        if tt in (N.Tuple, N.List):
            return self._store_unpack(t)
        if tt is N.Attribute:
            return self._store_attribute(t)
        if tt is N.Subscript:
            return self._store_item(t)
        raise AssertionError(f"{tt.__name__} target: the static pass lets none through")

    # a, b = value;  [a, (b, c)] = value
    def _store_unpack(self, t):
        rt = self.rt
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

    # x.attr = value
    def _store_attribute(self, t):
        rt = self.rt
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

    # x[i] = value;  x[1:2, ::3] = value
    def _store_item(self, t):
        rt = self.rt
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

    # del a, b; del l[i], del l[1:3]
    def s_Delete(self, s):
        dels = tuple(self._deleter(t) for t in s.targets)

        def delete(fr):
            for d in dels:
                d(fr)
        return delete

    def _deleter(self, t):
        rt = self.rt
        if type(t) is N.Name:
            name = t.id
            msg = (f"local variable '{name}' referenced before assignment"
                   if self.scope.kind == "function" else f"name '{name}' is not defined")

            def del_name(fr):
                if name not in fr:
                    raise GxNameError(msg).at(t, rt.filename, rt.source)
                del fr[name]
            return del_name
        of, idx = self.expr(t.value), self.index(t.index)

        def del_item(fr):
            o, i = of(fr), idx(fr)
            try:
                if type(o) is not list:
                    raise GxTypeError(f"'{type_name(o)}' object does not support item deletion")
                del o[i]
            except Exception as e:
                raise rt.convert(e, t)
        return del_item

    # a += value, x.attr *= value, x[i] -= value  (every binary operator)
    def _st_builtin(self, t):
        """Assigning to a built-in's name (pi = 3, sin = 2) works, as in Python, but
        warns once per place: every later use of the name gets the new value."""
        name, rt = t.id, self.rt
        message = (f"assigning to '{name}' hides the built-in {name} from here on "
                   f"(use another name to keep it)")

        def st_shadow(fr, v):
            rt.warn(message, "Warning", t)
            fr[name] = v
        return st_shadow

    def s_AugAssign(self, s):
        rt = self.rt
        t = s.target
        tt = type(t)
        op = s.op
        pos = self._augpos(s)
        vf = self.expr(s.value)
        apply = fast.binop_fn(rt, self.V, op, pos)
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
        raise AssertionError(f"{tt.__name__} target: the static pass lets none through")

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


def _unpack_msg(got, want):
    if got < want:
        return f"not enough values to unpack (expected {want}, got {got})"
    return f"too many values to unpack (expected {want})"
